"""就高不重复: a person is funded once for the same venture across programs; the higher award stands.

Awards are found by identity, never by name: the person by their ID number (one ``Talent`` row per
number, a database constraint), the venture by the unified social credit code of the enterprises
the person founded. This module finds the awards of the talents app (titles held, applications
approved); apps further down the dependency chain register finders for theirs (funding: its live
agreements) with ``register_award_finder``, so talents never imports them.

Which award stands: the higher program level (national > provincial > municipal > district), then
the larger amount. ``check`` names every other award, the one that stands and why; overriding it
(approving or signing anyway) takes the district talent office and a reason.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from qinhuai_talent.core.errors import ActionNotAllowed, DomainError

from .models import Application, ApplicationState, Level, Title

LEVEL_RANK = {Level.NATIONAL: 4, Level.PROVINCIAL: 3, Level.MUNICIPAL: 2, Level.DISTRICT: 1}


@dataclass(frozen=True)
class Award:
    """One award to a person or their venture: a title, an approved application, an agreement."""

    kind: str  # "title", "application", "agreement"
    ref: int
    program_id: int
    program: str
    level: str
    year: int
    amount: Decimal | None

    @property
    def weight(self) -> tuple[int, Decimal]:
        return LEVEL_RANK.get(self.level, 0), self.amount or Decimal("0")

    def describe(self) -> str:
        kinds = {
            "title": pgettext("award", "title"),
            "application": pgettext("award", "approved application"),
            "agreement": pgettext("award", "agreement"),
        }
        amount = f" · {self.amount:,.2f}" if self.amount else ""
        return f"{self.program} ({self.year}, {kinds.get(self.kind, self.kind)}{amount})"


@dataclass
class Subject:
    """What is about to be awarded, and to whom."""

    talent_id: int
    program_id: int
    level: str
    amount: Decimal | None
    application_id: int | None = None
    agreement_id: int | None = None
    exclude: set[tuple[str, int]] = field(default_factory=set)


# finder(subject) -> list[Award]: the awards an app knows of for the subject's person and ventures.
FINDERS: list[Callable[[Subject], list[Award]]] = []


def register_award_finder(finder: Callable[[Subject], list[Award]]) -> Callable:
    if finder not in FINDERS:
        FINDERS.append(finder)
    return finder


def _talents_awards(subject: Subject) -> list[Award]:
    titles = Title.objects.filter(talent_id=subject.talent_id).select_related("program")
    apps = Application.objects.filter(talent_id=subject.talent_id, state=ApplicationState.APPROVED).select_related(
        "call__program"
    )
    found = [
        Award("title", t.pk, t.program_id, str(t.program), t.program.level, t.year, t.program.max_support)
        for t in titles
        if t.application_id is None or t.application_id != subject.application_id
    ]
    found += [
        Award(
            "application",
            a.pk,
            a.call.program_id,
            str(a.call.program),
            a.call.program.level,
            a.call.year,
            a.requested_support,
        )
        for a in apps
        if a.pk != subject.application_id
    ]
    # A title won through an approved application is one award, not two.
    through = set(titles.exclude(application=None).values_list("application_id", flat=True))
    return [a for a in found if not (a.kind == "application" and a.ref in through)]


register_award_finder(_talents_awards)


@dataclass(frozen=True)
class Finding:
    others: list[Award]
    stands: Award | None  # None: the award being made is the higher one

    @property
    def explanation(self) -> str:
        names = "、".join(a.describe() for a in self.others)
        if self.stands is None:
            return _(
                "Already supported: %(others)s. This award is the higher one and stands; the others are not "
                "paid on top of it (就高不重复)."
            ) % {"others": names}
        return _(
            "Already supported: %(others)s. The higher award, %(stands)s, stands; this one would fund the "
            "same person twice (就高不重复)."
        ) % {"others": names, "stands": self.stands.describe()}


def find(subject: Subject) -> Finding | None:
    """The other awards to the subject's person or ventures, and which award stands; ``None`` when
    there are none. Awards of the subject's own program are not double funding (one title per
    program is a constraint of its own)."""
    others = [
        a
        for finder in FINDERS
        for a in finder(subject)
        if a.program_id != subject.program_id and (a.kind, a.ref) not in subject.exclude
    ]
    if not others:
        return None
    best = max(others, key=lambda a: a.weight)
    mine = (LEVEL_RANK.get(subject.level, 0), subject.amount or Decimal("0"))
    ranked = sorted(others, key=lambda a: a.weight, reverse=True)
    return Finding(others=ranked, stands=best if best.weight > mine else None)


def for_application(app: Application) -> Subject:
    return Subject(
        talent_id=app.talent_id,
        program_id=app.call.program_id,
        level=app.call.program.level,
        amount=app.requested_support,
        application_id=app.pk,
    )


def check(subject: Subject, *, actor, override: bool, reason: str, field: str = "confirm_double_funding") -> None:
    """Refuse a second award (``double_funding``) unless the office overrides it with a reason."""
    from qinhuai_talent.core.access import is_office

    finding = find(subject)
    if finding is None:
        return
    if not override:
        raise DomainError(
            finding.explanation + " " + _("The district talent office may override this, giving a reason."),
            field=field,
            code="double_funding",
        )
    if not is_office(actor):
        raise ActionNotAllowed(_("Only the district talent office may override 就高不重复."), field=field)
    if not reason.strip():
        raise DomainError(
            _("Give the reason for funding the same person twice (就高不重复 overridden)."),
            field="reason",
            code="override_reason_missing",
        )
