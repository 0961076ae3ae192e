"""Audit history (django-simple-history) shaped for the record pages."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _


@dataclass
class HistoryRow:
    date: object
    user: object
    kind: str
    changes: list[str]
    reason: str = ""


def history_rows(record, limit: int = 50) -> list[HistoryRow]:
    """The record's changes, newest first, each with the fields that changed and their values, as
    people read them: the field's name, a choice's label, the related record (one query per
    related model), “—” for nothing."""
    entries = list(record.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1])
    model = type(record)
    deltas = [
        (newer, newer.diff_against(older).changes if older is not None else [])
        for newer, older in zip(entries, entries[1:] + [None], strict=False)
    ]
    related: dict[str, set] = defaultdict(set)
    for _newer, changes in deltas:
        for c in changes:
            field = model._meta.get_field(c.field)
            if field.many_to_one or field.one_to_one:
                related[c.field] |= {c.old, c.new} - {None}
    names = {
        name: {obj.pk: str(obj) for obj in model._meta.get_field(name).related_model._base_manager.filter(pk__in=pks)}
        for name, pks in related.items()
    }

    def shown(field, value) -> str:
        if value is None or value == "":
            return "—"
        if field.many_to_one or field.one_to_one:
            return names[field.name].get(value, str(value))
        if field.choices:
            return str(dict(field.flatchoices).get(value, value))
        if isinstance(value, bool):
            return str(_("yes") if value else _("no"))
        if isinstance(value, datetime):
            return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
        return str(value)

    rows = []
    for newer, changes in deltas:
        lines = []
        for c in changes:
            field = model._meta.get_field(c.field)
            lines.append(f"{capfirst(field.verbose_name)}: {shown(field, c.old)} → {shown(field, c.new)}")
        rows.append(
            HistoryRow(
                newer.history_date,
                newer.history_user,
                newer.get_history_type_display(),
                lines,
                # A system reason is stored as its message id and read in the reader's language;
                # a person's reason is shown as they wrote it.
                _(newer.history_change_reason) if newer.history_change_reason else "",
            )
        )
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
