"""Chain heads: where each hash chain ends, recorded outside the chain.

A hash chain shows an edited row (its hash no longer matches) and a deleted row in the middle
(its successor's ``prev_hash`` points at nothing), but not its newest rows deleted, nor rows
appended with well-computed hashes: the chain simply ends earlier or later. The head (newest
id, its hash, the chain's length), advanced by the one function that appends, shows both.
"""

from collections.abc import Callable

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import F

from .models import ChainHead, TransitionLog


def transition_chain(content_type_id: int, object_id: int) -> str:
    return f"transition:{content_type_id}:{object_id}"


def chain_head_advance(chain: str, *, last_id: int, last_hash: str, length: Callable[[], int]) -> None:
    """Record the row just appended as the chain's newest. The caller holds the lock that
    serialises appends to this chain; ``length`` counts the chain when it has no head yet."""
    moved = ChainHead.objects.filter(chain=chain).update(last_id=last_id, last_hash=last_hash, length=F("length") + 1)
    if moved:
        return
    try:
        with transaction.atomic():
            ChainHead.objects.create(chain=chain, last_id=last_id, last_hash=last_hash, length=length())
    except IntegrityError:  # created meanwhile by an append that did not share the lock
        ChainHead.objects.filter(chain=chain).update(last_id=last_id, last_hash=last_hash, length=F("length") + 1)


def head_problems(
    head: ChainHead | None, *, row: str, last: tuple[int, str] | None, length: int, of: str = ""
) -> list[str]:
    r"""How a chain of ``row``\ s (``of`` a record, if it is one record's), ending at ``last`` (id,
    hash) with ``length`` rows, disagrees with its head. A chain never anchored is not judged."""
    if head is None:
        return []
    if last is None:
        return [f"every {row}{of} is missing (the newest was {row} {head.last_id})"]
    last_id, last_hash = last
    if last_id < head.last_id:
        return [f"the newest {row}{of} ({row} {head.last_id}) is missing"]
    if last_id > head.last_id:
        return [f"{row} {last_id}{of} was added outside the portal (the newest recorded is {head.last_id})"]
    if last_hash != head.last_hash:
        return [f"{row} {last_id}{of} was edited"]
    if length != head.length:
        return [f"{head.length - length} {row}(s){of} are missing"]
    return []


def verify_transition_heads(progress=None) -> list[str]:
    """Each record's transitions against their head; names the missing or added row."""
    heads = {h.chain: h for h in ChainHead.objects.filter(chain__startswith="transition:")}
    problems: list[str] = []
    seen: set[str] = set()
    key, last, length = None, None, 0

    def judge():
        if key is not None:
            seen.add(key[0])
            problems.extend(head_problems(heads.get(key[0]), row="transition", last=last, length=length, of=key[1]))

    rows = TransitionLog.objects.order_by("content_type_id", "object_id", "at", "id").values_list(
        "content_type_id", "object_id", "id", "hash"
    )
    for content_type_id, object_id, pk, digest in rows.iterator(chunk_size=5000):
        chain = transition_chain(content_type_id, object_id)
        if key is None or key[0] != chain:
            judge()
            model = ContentType.objects.get_for_id(content_type_id).model
            key, last, length = (chain, f" of {model} {object_id}"), None, 0
        last, length = (pk, digest), length + 1
    judge()
    for chain, head in heads.items():
        if chain not in seen:
            _prefix, content_type_id, object_id = chain.split(":")
            model = ContentType.objects.get_for_id(int(content_type_id)).model
            problems.extend(head_problems(head, row="transition", last=None, length=0, of=f" of {model} {object_id}"))
    if progress is not None:
        progress(1, 1)
    return problems
