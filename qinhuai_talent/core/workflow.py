"""The one state-machine style of the portal, and the only code that writes a state.

Each model with states declares a ``Workflow`` in its app's ``workflows.py``: its transitions in
one table, each with its guards and effect:

- who may take it (``allowed(user, obj)``: false for the plain refusal, or it raises an
  ``ActionNotAllowed`` that names its own reason, such as a delegated limit or four eyes; ``obj``
  is ``None`` in ``apply_many``), and by whom it is taken at all (``by``): a person
  through a service and a button (``PERSON``), only the system actor (``SYSTEM``: recomputes,
  schedules), or only as the effect of another record's transition (``EFFECT``: an agreement
  terminated by its exit case's decision, a tranche paid by its payout's payment);
- from which states (``sources``), and in which words a step from another state is refused
  (``wrong_state(state)`` returns the ``DomainError``, or ``None`` for the generic one);
- under which condition on the record's data (``condition(obj)`` raises a ``DomainError``);
- what it writes with the state (``prepare(obj, actor=, reason=, **params)`` sets the record's
  fields the step stamps, or refuses, and returns their names);
- with which effect (``effect(obj, actor=, reason=, **params)``, run after the state is written,
  in the same transaction);
- whom it tells (``notices``: one ``Notice`` per notification event, sent by the app's service
  after ``apply`` to the audience it names);
- whether a person is asked once before taking it (``confirm``: the consequence in words, a text
  or a function of the record; the web's ``post_action`` then shows a confirmation naming the
  record and this consequence, and takes the step only when that page is posted) and whether its
  button looks destructive (``destructive``).

``params`` are what the person gave with the step besides a reason (an approval's origin of the
talent, a confirmed double-funding warning); they reach ``prepare`` and ``effect`` only when given.

``Workflow.apply`` moves one record (locked by the caller, inside ``transaction.atomic``) and
writes a ``TransitionLog`` row chained by hash to the record's previous one; ``apply_many`` does
the same for a queryset in a few statements (one UPDATE per chunk, the log rows and chain heads
with ``bulk_create``), so the recomputes stay set-based and logged. ``create`` logs a record's
first state when a service creates it.

Why not django-fsm: transitions here need the actor's unit scope, a row lock taken by the
service, a bulk form and a hash-chained log shared by every entity; an in-memory decorator gives
none of these, so the table below is the smaller piece of code.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.utils.translation import gettext_lazy as _

from . import clock
from .chains import transition_chain
from .errors import ActionNotAllowed, DomainError
from .lookups import any_of
from .models import ChainHead, TransitionLog
from .system import is_system

PERSON = "person"
SYSTEM = "system"
EFFECT = "effect"
CHUNK = 2000

# Every workflow declared anywhere (each app's workflows.py), for the generated tests and the
# pages that label a logged action.
REGISTRY: list["Workflow"] = []


@dataclass(frozen=True)
class Notice:
    """A notification a transition sends: the event (``notifications.events``), the audience (a
    name the app's services resolve to people and the page they open, e.g. ``applicant``,
    ``unit``) and the step's own parameters (``params(obj, reason=)``) besides the app's common ones."""

    event: str
    audience: str
    params: Callable[..., dict] | None = None


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str
    label: object
    allowed: Callable[..., bool] | None = None
    needs_reason: bool = False
    by: str = PERSON
    condition: Callable[..., None] | None = None
    prepare: Callable[..., tuple[str, ...]] | None = None
    effect: Callable[..., None] | None = None
    wrong_state: Callable[[str], DomainError | None] | None = None
    notices: tuple[Notice, ...] = ()
    # Money, a decision, a publication or a state the person cannot undo: the consequence, asked
    # once before the step (a lazy text, or a function of the record returning one).
    confirm: object = None
    destructive: bool = False

    def consequence(self, obj) -> str:
        """The confirmation's sentence for ``obj`` (empty: the step is not confirmed)."""
        if self.confirm is None:
            return ""
        return str(self.confirm(obj) if callable(self.confirm) else self.confirm)


@dataclass(eq=False)  # one table per model: compared (and hashed) by identity
class Workflow:
    state_field: str
    states: type[models.TextChoices]
    transitions: list[Transition] = field(default_factory=list)
    model: type[models.Model] | None = None

    def __post_init__(self) -> None:
        self._by_action = {t.action: t for t in self.transitions}
        valid = set(self.states.values)
        for t in self.transitions:
            assert t.target in valid and set(t.sources) <= valid, t.action
            assert t.by in (PERSON, SYSTEM, EFFECT), t.action
        assert self.model is not None, "a workflow names its model"
        REGISTRY.append(self)

    def get(self, action: str) -> Transition:
        try:
            return self._by_action[action]
        except KeyError:
            raise DomainError(
                _("Unknown action “%(action)s”.") % {"action": action}, field="action", code="unknown_action"
            ) from None

    def _check_actor(self, t: Transition, actor, obj, via: str | None) -> None:
        if t.by == EFFECT and not via:
            raise ActionNotAllowed(_("“%(action)s” follows from another record's decision.") % {"action": t.label})
        if t.by == SYSTEM and not is_system(actor):
            raise ActionNotAllowed(_("“%(action)s” is the system's work.") % {"action": t.label})
        if t.by == PERSON and is_system(actor):
            raise ActionNotAllowed(_("“%(action)s” is a person's decision.") % {"action": t.label})
        if t.allowed is not None and not t.allowed(actor, obj):
            raise ActionNotAllowed(_("You may not “%(action)s” this record.") % {"action": t.label})

    def check_actor(self, action: str, actor, obj=None) -> None:
        """Refuse (``ActionNotAllowed``) if ``actor`` may not take ``action`` at all, before a
        service reads its input (``obj``: the record when the rule needs it)."""
        self._check_actor(self.get(action), actor, obj, None)

    def refusal(self, obj, user, action: str) -> DomainError | None:
        """Why ``user`` may not take ``action`` on ``obj`` now (``None``: they may)."""
        t = self.get(action)
        current = getattr(obj, self.state_field)
        if current not in t.sources:
            return self._invalid_state(t, current)
        try:
            self._check_actor(t, user, obj, None)
            if t.condition is not None:
                t.condition(obj)
        except DomainError as exc:
            return exc
        return None

    def available(self, obj, user) -> list[Transition]:
        """The transitions this person could take now (the buttons of a page): the ones
        ``apply`` would not refuse but for a missing reason."""
        return [t for t in self.transitions if t.by == PERSON and self.refusal(obj, user, t.action) is None]

    def _invalid_state(self, t: Transition, current: str) -> DomainError:
        if t.wrong_state is not None:
            refusal = t.wrong_state(current)
            if refusal is not None:
                return refusal
        return DomainError(
            _("“%(action)s” is not possible while the record is “%(state)s”.")
            % {"action": t.label, "state": self.states(current).label},
            code="invalid_state",
        )

    def apply(
        self,
        obj,
        *,
        action: str,
        actor,
        reason: str = "",
        extra_fields=(),
        via: str | None = None,
        params: dict | None = None,
    ) -> TransitionLog:
        """Move ``obj`` (already locked by the caller) along ``action``, log it, run its effect.
        ``via`` names the transition of another record this one is the effect of."""
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError("Workflow.apply must run inside transaction.atomic")
        t = self.get(action)
        current = getattr(obj, self.state_field)
        if current not in t.sources:
            raise self._invalid_state(t, current)
        self._check_actor(t, actor, obj, via)
        reason = str(reason or "")
        if t.needs_reason and not reason.strip():
            raise DomainError(_("Please give a reason."), field="reason", code="reason_missing")
        if t.condition is not None:
            t.condition(obj)
        fields = [*extra_fields]
        if t.prepare is not None:
            fields += t.prepare(obj, actor=actor, reason=reason, **(params or {}))
        setattr(obj, self.state_field, t.target)
        obj.save(update_fields=[self.state_field, *fields])
        entry = log_transitions(
            type(obj), [(obj.pk, current)], action=action, to_state=t.target, actor=actor, reason=reason
        )[0]
        if t.effect is not None:
            t.effect(obj, actor=actor, reason=reason, **(params or {}))
        return entry

    def apply_many(
        self, queryset, *, action: str, actor, reason: str = "", values: dict | None = None, via: str | None = None
    ) -> int:
        """Move every row of ``queryset`` that is in one of the action's source states, set
        ``values`` on them too, and log each move: a handful of statements per 2,000 rows. The
        caller holds the transaction and the locks that keep the rows' states still. Guards that
        read one record (``allowed`` with the record, ``condition``) are for ``apply``."""
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError("Workflow.apply_many must run inside transaction.atomic")
        t = self.get(action)
        assert t.condition is None and t.prepare is None and t.effect is None, (
            f"{action}: per-record steps need apply()"
        )
        self._check_actor(t, actor, None, via)
        model = queryset.model
        rows = list(
            queryset.filter(**{f"{self.state_field}__in": t.sources}).order_by("pk").values_list("pk", self.state_field)
        )
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            model._base_manager.filter(any_of("pk", [pk for pk, _s in chunk])).update(
                **{self.state_field: t.target}, **(values or {})
            )
            log_transitions_bulk(model, chunk, action=action, to_state=t.target, actor=actor, reason=reason)
        return len(rows)

    def create(self, obj, *, actor, action: str = "create", reason: str = "") -> TransitionLog:
        """Log the first state of a record a service has just created."""
        return log_transitions(
            type(obj),
            [(obj.pk, "")],
            action=action,
            to_state=getattr(obj, self.state_field),
            actor=actor,
            reason=reason,
        )[0]

    def create_record(self, *, actor, state: str | None = None, action: str = "create", reason: str = "", **fields):
        """Create a record in ``state`` (the field's default if not given) and log it."""
        initial = state or self.model._meta.get_field(self.state_field).default
        obj = self.model.objects.create(**{self.state_field: initial}, **fields)
        self.create(obj, actor=actor, action=action, reason=reason)
        return obj

    def action_between(self, current: str, target: str, *, by: str = PERSON) -> Transition | None:
        """The transition taken ``by`` a person (or the system) from ``current`` to ``target``."""
        return next((t for t in self.transitions if t.by == by and current in t.sources and t.target == target), None)

    def label_of(self, action: str) -> str:
        t = self._by_action.get(action)
        return str(t.label) if t is not None else action


def workflows_of(model) -> list[Workflow]:
    return [w for w in REGISTRY if w.model is model]


def _chain_links(ct_id: int, pks: list[int]) -> tuple[dict[int, str], dict[int, str], dict[int, int]]:
    """Each record's chain, its newest hash and its length: one query for the heads, one for the
    chains that have none yet."""
    chains = {pk: transition_chain(ct_id, pk) for pk in pks}
    heads = {h.chain: h for h in ChainHead.objects.filter(any_of("chain", list(chains.values())))}
    headless = [pk for pk, chain in chains.items() if chain not in heads]
    prev: dict[int, str] = {}
    length: dict[int, int] = {}
    if headless:
        # Rows written before chain heads existed: the chain's newest row is its previous link.
        for object_id, digest in (
            TransitionLog.objects.filter(any_of("object_id", headless), content_type_id=ct_id)
            .order_by("object_id", "at", "id")
            .values_list("object_id", "hash")
        ):
            prev[object_id] = digest
            length[object_id] = length.get(object_id, 0) + 1
    for pk, chain in chains.items():
        head = heads.get(chain)
        if head is not None:
            prev[pk], length[pk] = head.last_hash, head.length
    return chains, prev, length


def log_transitions(
    model, rows: list[tuple[int, str]], *, action: str, to_state: str, actor, reason: str = "", at=None
) -> list[TransitionLog]:
    """Append one log row per ``(pk, from_state)`` to each record's chain and advance its head:
    one query for the heads, one for chains that have none yet, one insert, one upsert."""
    if not rows:
        return []
    ct = ContentType.objects.get_for_model(model)
    chains, prev, length = _chain_links(ct.pk, [pk for pk, _s in rows])
    at = at or clock.now()
    actor_id = getattr(actor, "pk", None)
    entries = []
    for pk, from_state in rows:
        entry = TransitionLog(
            content_type=ct,
            object_id=pk,
            action=action,
            from_state=from_state,
            to_state=to_state,
            actor_id=actor_id,
            reason=str(reason or ""),
            at=at,
            prev_hash=prev.get(pk, ""),
        )
        entry.hash = entry.compute_hash()
        entries.append(entry)
    TransitionLog.objects.bulk_create(entries)
    ChainHead.objects.bulk_create(
        [
            ChainHead(chain=chains[e.object_id], last_id=e.pk, last_hash=e.hash, length=length.get(e.object_id, 0) + 1)
            for e in entries
        ],
        update_conflicts=True,
        unique_fields=["chain"],
        update_fields=["last_id", "last_hash", "length"],
    )
    return entries


def log_transitions_bulk(
    model, rows: list[tuple[int, str]], *, action: str, to_state: str, actor, reason: str = ""
) -> int:
    """``log_transitions`` for a bulk move (``Workflow.apply_many``), returning the rows written.
    On PostgreSQL the rows and the heads go in as arrays (``unnest``), one INSERT and one upsert
    with no model instance per row: the same rows, hashes and heads, at a fraction of the cost at
    the recompute's scale (tens of thousands of moves)."""
    if not rows:
        return 0
    if connection.vendor != "postgresql":
        return len(log_transitions(model, rows, action=action, to_state=to_state, actor=actor, reason=reason))
    ct_id = ContentType.objects.get_for_model(model).pk
    pks = [pk for pk, _s in rows]
    chains, prev, length = _chain_links(ct_id, pks)
    at = clock.now()
    actor_id = getattr(actor, "pk", None)
    reason = str(reason or "")
    prevs = [prev.get(pk, "") for pk in pks]
    froms = [from_state for _pk, from_state in rows]
    hashes = [
        TransitionLog.hash_of(ct_id, pk, action, from_state, to_state, actor_id, reason, at, prev_hash)
        for (pk, from_state), prev_hash in zip(rows, prevs, strict=True)
    ]
    log_table, head_table = TransitionLog._meta.db_table, ChainHead._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {log_table}
                    (content_type_id, object_id, action, from_state, to_state, actor_id, reason, at, prev_hash, hash)
                SELECT %s, t.object_id, %s, t.from_state, %s, %s, %s, %s, t.prev_hash, t.hash
                  FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[])
                       AS t(object_id, from_state, prev_hash, hash)
                RETURNING object_id, id""",  # noqa: S608 (the models' own table names)
            [ct_id, action, to_state, actor_id, reason, at, pks, froms, prevs, hashes],
        )
        ids = dict(cursor.fetchall())
        cursor.execute(
            f"""INSERT INTO {head_table} (chain, last_id, last_hash, length)
                SELECT * FROM unnest(%s::text[], %s::bigint[], %s::text[], %s::bigint[])
                ON CONFLICT (chain) DO UPDATE
                   SET last_id = EXCLUDED.last_id, last_hash = EXCLUDED.last_hash, length = EXCLUDED.length""",  # noqa: S608
            [[chains[pk] for pk in pks], [ids[pk] for pk in pks], hashes, [length.get(pk, 0) + 1 for pk in pks]],
        )
    return len(ids)


def log_transition(
    obj, *, action: str, from_state: str, to_state: str, actor, reason: str = "", at=None
) -> TransitionLog:
    """One log row (``at``: a stamp of the record's story, e.g. the demo's; else the clock's now)."""
    return log_transitions(
        type(obj), [(obj.pk, from_state)], action=action, to_state=to_state, actor=actor, reason=reason, at=at
    )[0]


def transitions_of(obj):
    ct = ContentType.objects.get_for_model(type(obj))
    return TransitionLog.objects.filter(content_type=ct, object_id=obj.pk).select_related("actor").order_by("at", "id")
