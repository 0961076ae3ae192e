"""The one state-machine style of the portal.

Each entity with states declares a ``Workflow``: its transitions (action, sources, target,
who may) in one table. Services lock the row (``select_for_update``) inside
``transaction.atomic`` and call ``Workflow.apply``, which refuses an illegal transition with a
``DomainError`` and writes a ``TransitionLog`` row chained by hash to the subject's previous one.

Why not django-fsm: transitions here need the actor's unit scope, a row lock taken by the
service, and a hash-chained log shared by every entity; an in-memory decorator gives none of
these, so the table below is the smaller piece of code.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from . import clock
from .chains import chain_head_advance, transition_chain
from .errors import ActionNotAllowed, DomainError
from .models import TransitionLog


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str
    label: object
    allowed: Callable[..., bool] | None = None
    needs_reason: bool = False


@dataclass
class Workflow:
    state_field: str
    states: type[models.TextChoices]
    transitions: list[Transition] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._by_action = {t.action: t for t in self.transitions}
        valid = set(self.states.values)
        for t in self.transitions:
            assert t.target in valid and set(t.sources) <= valid, t.action

    def get(self, action: str) -> Transition:
        try:
            return self._by_action[action]
        except KeyError:
            raise DomainError(_("Unknown action “%(action)s”.") % {"action": action}, field="action") from None

    def available(self, obj, user) -> list[Transition]:
        """The transitions this user could take now (for buttons)."""
        current = getattr(obj, self.state_field)
        return [t for t in self.transitions if current in t.sources and (t.allowed is None or t.allowed(user, obj))]

    def apply(self, obj, *, action: str, actor, reason: str = "", extra_fields=()) -> TransitionLog:
        """Move ``obj`` (already locked by the caller) along ``action`` and log it."""
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError("Workflow.apply must run inside transaction.atomic")
        t = self.get(action)
        current = getattr(obj, self.state_field)
        if current not in t.sources:
            raise DomainError(
                _("“%(action)s” is not possible while the record is “%(state)s”.")
                % {"action": t.label, "state": self.states(current).label},
                code="invalid_state",
            )
        if t.allowed is not None and not t.allowed(actor, obj):
            raise ActionNotAllowed(_("You may not “%(action)s” this record.") % {"action": t.label})
        if t.needs_reason and not reason.strip():
            raise DomainError(_("Please give a reason."), field="reason")
        setattr(obj, self.state_field, t.target)
        obj.save(update_fields=[self.state_field, *extra_fields])
        return log_transition(obj, action=action, from_state=current, to_state=t.target, actor=actor, reason=reason)


def log_transition(
    obj, *, action: str, from_state: str, to_state: str, actor, reason: str = "", at=None
) -> TransitionLog:
    ct = ContentType.objects.get_for_model(type(obj))
    prev = (
        TransitionLog.objects.filter(content_type=ct, object_id=obj.pk)
        .order_by("-at", "-id")
        .values_list("hash", flat=True)
        .first()
    )
    entry = TransitionLog(
        content_type=ct,
        object_id=obj.pk,
        action=action,
        from_state=from_state,
        to_state=to_state,
        actor=actor if getattr(actor, "pk", None) else None,
        reason=reason,
        at=at or clock.now(),
        prev_hash=prev or "",
    )
    entry.hash = entry.compute_hash()
    entry.save()
    chain_head_advance(
        transition_chain(ct.pk, obj.pk),
        last_id=entry.pk,
        last_hash=entry.hash,
        length=lambda: TransitionLog.objects.filter(content_type=ct, object_id=obj.pk).count(),
    )
    return entry


def transitions_of(obj):
    ct = ContentType.objects.get_for_model(type(obj))
    return TransitionLog.objects.filter(content_type=ct, object_id=obj.pk).select_related("actor").order_by("at", "id")
