"""Audit history (django-simple-history) shaped for the record pages."""

from dataclasses import dataclass


@dataclass
class HistoryRow:
    date: object
    user: object
    kind: str
    changes: list[str]


def history_rows(record, limit: int = 50) -> list[HistoryRow]:
    """The record's changes, newest first, each with the fields that changed and their values."""
    entries = list(record.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1])
    rows = []
    for newer, older in zip(entries, entries[1:] + [None], strict=False):
        changes: list[str] = []
        if older is not None:
            delta = newer.diff_against(older)
            changes = [f"{c.field}: {c.old} → {c.new}" for c in delta.changes]
        rows.append(HistoryRow(newer.history_date, newer.history_user, newer.get_history_type_display(), changes))
    return rows[:limit]


def verify_transitions(progress=None) -> list[str]:
    """Walk every subject's hash chain; name each edited row and each gap left by a deletion."""
    from .models import TransitionLog

    problems: list[str] = []
    total = TransitionLog.objects.count()
    previous_key, previous_hash = None, ""
    rows = TransitionLog.objects.order_by("content_type_id", "object_id", "at", "id").iterator(chunk_size=2000)
    for done, row in enumerate(rows, start=1):
        key = (row.content_type_id, row.object_id)
        if key != previous_key:
            previous_key, previous_hash = key, ""
        if row.compute_hash() != row.hash:
            problems.append(f"transition {row.pk} ({row.content_type.model} {row.object_id}) was edited")
        elif row.prev_hash != previous_hash:
            problems.append(f"a transition before {row.pk} ({row.content_type.model} {row.object_id}) is missing")
        previous_hash = row.hash
        if progress is not None:
            progress(done, total)
    return problems


# Chain checks run by ``verify_audit`` (the funding app adds the ledger's).
AUDIT_CHECKS: list = [verify_transitions]
