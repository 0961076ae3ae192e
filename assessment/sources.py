"""Computed sources: each key names a set-based function that reads the other apps' records and
returns, for a year and a set of units, each unit's actual figure and how many records it counts.

Every source also answers ``records(year, unit_id, params)``: the rows behind one unit's figure,
so the scorecard can show what each figure counts. Parameters (weights, days allowed) come from
the indicator (``Indicator.params``) so the office changes them in the scheme, not in code.

One query per source and year for all units (grouped by unit); nothing here loops over units.
Ratio sources answer 100 % for a unit with nothing due: nothing was due, so nothing was late.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Case,
    Count,
    DateTimeField,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

CENT = Decimal("0.01")
HUNDRED = Decimal("100")
WAN = Decimal("10000")
ZERO = Decimal("0")

DEFAULT_LEVEL_WEIGHTS = {"national": 5, "provincial": 3, "municipal": 2, "district": 1}


@dataclass(frozen=True)
class Figure:
    value: Decimal
    count: int


@dataclass(frozen=True)
class Source:
    key: str
    label: object
    unit_label: object
    compute: Callable[[int, list[int], dict], dict[int, Figure]]
    records: Callable[[int, int, dict], QuerySet]
    help_text: object = ""
    # The figure of a unit with no records at all (ratios: 100 %, nothing was due).
    empty: Decimal = Decimal("0.00")


SOURCES: dict[str, Source] = {}


def register_source(key: str, label, unit_label, records, help_text="", empty: Decimal = Decimal("0.00")):
    def decorator(func):
        SOURCES[key] = Source(key, label, unit_label, func, records, help_text, empty)
        return func

    return decorator


def source_choices() -> list[tuple[str, object]]:
    return [(s.key, s.label) for s in SOURCES.values()]


def _q(value) -> Decimal:
    return Decimal(value or 0).quantize(CENT, rounding=ROUND_HALF_UP)


def _counts(rows, value_key: str = "value", count_key: str = "n") -> dict[int, Figure]:
    return {r["unit"]: Figure(_q(r[value_key]), r[count_key]) for r in rows}


def _ratio(part, whole, count: int) -> Figure:
    if not whole:
        return Figure(HUNDRED.quantize(CENT), count)
    return Figure(_q(Decimal(part or 0) * HUNDRED / Decimal(whole)), count)


# --- Talents ------------------------------------------------------------------------------------


def _introduced_titles(year: int, params: dict) -> QuerySet:
    from talents.models import Origin, Title

    return Title.objects.filter(year=year, origin=Origin.INTRODUCED)


def _introduced_records(year: int, unit_id: int, params: dict) -> QuerySet:
    return _introduced_titles(year, params).filter(org_unit_id=unit_id).select_related("talent", "program")


@register_source(
    "talents_introduced_weighted",
    _("Talents introduced, weighted by program level"),
    _("points (persons weighted by level)"),
    _introduced_records,
    _("Titles of the year with origin “introduced”; weights per level in the parameter “weights”."),
)
def talents_introduced_weighted(year: int, unit_ids: list[int], params: dict) -> dict[int, Figure]:
    weights = {**DEFAULT_LEVEL_WEIGHTS, **(params.get("weights") or {})}
    weighted = Case(
        *[When(program__level=level, then=Value(Decimal(str(w)))) for level, w in weights.items()],
        default=Value(ZERO),
        output_field=DecimalField(max_digits=12, decimal_places=2),
    )
    rows = (
        _introduced_titles(year, params)
        .filter(org_unit_id__in=unit_ids)
        .values(unit=F("org_unit_id"))
        .annotate(value=Sum(weighted), n=Count("id"))
        .order_by()
    )
    return _counts(rows)


def _submitted(year: int) -> QuerySet:
    from talents.models import Application, ApplicationState

    return Application.objects.filter(submitted_at__year=year).exclude(state=ApplicationState.DRAFT)


def _submitted_records(year: int, unit_id: int, params: dict) -> QuerySet:
    return _submitted(year).filter(org_unit_id=unit_id).select_related("talent", "call")


@register_source(
    "applications_submitted",
    _("Applications submitted"),
    pgettext_lazy("unit of measure", "applications"),
    _submitted_records,
)
def applications_submitted(year: int, unit_ids: list[int], params: dict) -> dict[int, Figure]:
    rows = _submitted(year).filter(org_unit_id__in=unit_ids).values(unit=F("org_unit_id")).annotate(n=Count("id"))
    return {r["unit"]: Figure(_q(r["n"]), r["n"]) for r in rows.order_by()}


def _approved(year: int, params: dict) -> QuerySet:
    from talents.models import Application, ApplicationState

    qs = Application.objects.filter(call__year=year, state=ApplicationState.APPROVED)
    if params.get("level"):
        qs = qs.filter(call__program__level=params["level"])
    return qs


def _approved_records(year: int, unit_id: int, params: dict) -> QuerySet:
    return _approved(year, params).filter(org_unit_id=unit_id).select_related("talent", "call")


def _district_params(params: dict) -> dict:
    return {**params, "level": "district"}


@register_source(
    "applications_approved",
    _("Applications approved"),
    pgettext_lazy("unit of measure", "applications"),
    _approved_records,
    _("Applications of the year's calls that were approved; parameter “level” narrows to one level."),
)
def applications_approved(year: int, unit_ids: list[int], params: dict) -> dict[int, Figure]:
    rows = (
        _approved(year, params).filter(org_unit_id__in=unit_ids).values(unit=F("org_unit_id")).annotate(n=Count("id"))
    )
    return {r["unit"]: Figure(_q(r["n"]), r["n"]) for r in rows.order_by()}


@register_source(
    "district_projects_selected",
    _("District-level projects selected"),
    _("projects"),
    lambda year, unit_id, params: _approved_records(year, unit_id, _district_params(params)),
)
def district_projects_selected(year: int, unit_ids: list[int], params: dict) -> dict[int, Figure]:
    return applications_approved(year, unit_ids, _district_params(params))


# --- Enterprises --------------------------------------------------------------------------------


def _landed(year: int) -> QuerySet:
    from enterprises.models import Enterprise

    return Enterprise.objects.annotate(landed_on=Coalesce("moved_in_on", "registered_on")).filter(landed_on__year=year)


@register_source(
    "enterprises_landed",
    _("Talent enterprises landed"),
    pgettext_lazy("unit of measure", "enterprises"),
    lambda year, unit_id, params: _landed(year).filter(org_unit_id=unit_id),
    _("Enterprises that registered in or moved into the district during the year."),
)
def enterprises_landed(year: int, unit_ids: list[int], params: dict) -> dict[int, Figure]:
    rows = _landed(year).filter(org_unit_id__in=unit_ids).values(unit=F("org_unit_id")).annotate(n=Count("id"))
    return {r["unit"]: Figure(_q(r["n"]), r["n"]) for r in rows.order_by()}


def _revenue_reports(years) -> QuerySet:
    from enterprises.models import OperatingReport

    return OperatingReport.objects.filter(is_current=True, year__in=years)


@register_source(
    "enterprise_revenue_growth",
    _("Growth of talent enterprises' main-business revenue"),
    "%",
    lambda year, unit_id, params: _revenue_reports([year - 1, year])
    .filter(enterprise__org_unit_id=unit_id)
    .select_related("enterprise"),
    _(
        "The unit's enterprises' revenue this year against last year; annual reports where both "
        "years have them, otherwise the sum of quarterly reports."
    ),
)
def enterprise_revenue_growth(year: int, unit_ids: list[int], params: dict) -> dict[int, Figure]:
    rows = (
        _revenue_reports([year - 1, year])
        .filter(enterprise__org_unit_id__in=unit_ids)
        .values("year", "period_kind", unit=F("enterprise__org_unit_id"))
        .annotate(total=Sum("main_revenue"), n=Count("id"))
        .order_by()
    )
    sums: dict[int, dict[tuple[str, int], tuple[Decimal, int]]] = {}
    for r in rows:
        sums.setdefault(r["unit"], {})[(r["period_kind"], r["year"])] = (r["total"] or ZERO, r["n"])
    result = {}
    for unit, by in sums.items():
        kind = "year" if ("year", year) in by and ("year", year - 1) in by else "quarter"
        current, n = by.get((kind, year), (ZERO, 0))
        previous, n_previous = by.get((kind, year - 1), (ZERO, 0))
        growth = (current - previous) * HUNDRED / previous if previous else ZERO
        result[unit] = Figure(_q(growth), n + n_previous)
    return result


def _financing(year: int) -> QuerySet:
    from enterprises.models import FinancingRound

    return FinancingRound.objects.filter(closed_on__year=year)


@register_source(
    "financing_raised",
    _("Financing raised by talent enterprises"),
    _("ten-thousand yuan"),
    lambda year, unit_id, params: _financing(year).filter(enterprise__org_unit_id=unit_id).select_related("enterprise"),
)
def financing_raised(year: int, unit_ids: list[int], params: dict) -> dict[int, Figure]:
    rows = (
        _financing(year)
        .filter(enterprise__org_unit_id__in=unit_ids)
        .values(unit=F("enterprise__org_unit_id"))
        .annotate(total=Sum("amount"), n=Count("id"))
        .order_by()
    )
    return {r["unit"]: Figure(_q((r["total"] or ZERO) / WAN), r["n"]) for r in rows}


def _service_items(year: int) -> QuerySet:
    from enterprises.models import SupportPlanItem, SupportStatus

    return SupportPlanItem.objects.filter(status=SupportStatus.DONE, completed_on__year=year)


@register_source(
    "service_items_delivered",
    _("Service items delivered (一企一策)"),
    _("items"),
    lambda year, unit_id, params: _service_items(year)
    .filter(enterprise__org_unit_id=unit_id)
    .select_related("enterprise"),
)
def service_items_delivered(year: int, unit_ids: list[int], params: dict) -> dict[int, Figure]:
    rows = (
        _service_items(year)
        .filter(enterprise__org_unit_id__in=unit_ids)
        .values(unit=F("enterprise__org_unit_id"))
        .annotate(n=Count("id"))
        .order_by()
    )
    return {r["unit"]: Figure(_q(r["n"]), r["n"]) for r in rows}


# --- Funding ------------------------------------------------------------------------------------


def _tranches_due(year: int) -> QuerySet:
    from funding.models import Tranche, TrancheState

    return Tranche.objects.filter(due_on__year=year).exclude(state=TrancheState.CANCELLED)


def _tranche_records(year: int, unit_id: int, params: dict) -> QuerySet:
    return _tranches_due(year).filter(agreement__org_unit_id=unit_id).select_related("agreement", "payout")


def _paid(on_time: bool) -> Q:
    condition = Q(payout__state="paid")
    if on_time:
        condition &= Q(payout__paid_at__date__lte=F("due_on"))
    return condition


def _disbursed(year: int, unit_ids: list[int], on_time: bool) -> dict[int, Figure]:
    rows = (
        _tranches_due(year)
        .filter(agreement__org_unit_id__in=unit_ids)
        .values(unit=F("agreement__org_unit_id"))
        .annotate(
            committed=Sum("planned_amount"),
            paid=Sum("payout__amount", filter=_paid(on_time)),
            n=Count("id"),
        )
        .order_by()
    )
    return {r["unit"]: _ratio(r["paid"], r["committed"], r["n"]) for r in rows}


@register_source(
    "funds_disbursed_ratio",
    _("Funds disbursed against funds committed"),
    "%",
    _tranche_records,
    _("Paid payouts of the tranches due in the year, against the tranches' planned amounts."),
    empty=HUNDRED.quantize(CENT),
)
def funds_disbursed_ratio(year: int, unit_ids: list[int], params: dict) -> dict[int, Figure]:
    return _disbursed(year, unit_ids, on_time=False)


@register_source(
    "funds_disbursed_on_time",
    _("Funds disbursed on time against funds committed"),
    "%",
    _tranche_records,
    _("As above, counting only payments made by the tranche's due date."),
    empty=HUNDRED.quantize(CENT),
)
def funds_disbursed_on_time(year: int, unit_ids: list[int], params: dict) -> dict[int, Figure]:
    return _disbursed(year, unit_ids, on_time=True)


def _approved_payouts(year: int, params: dict) -> QuerySet:
    from funding.models import Payout

    days = int(params.get("days", 30))
    return Payout.objects.filter(approved_at__year=year).annotate(
        deadline=ExpressionWrapper(F("computed_at") + timedelta(days=days), output_field=DateTimeField())
    )


@register_source(
    "payouts_approved_on_time",
    _("Payouts approved within their deadline"),
    "%",
    lambda year, unit_id, params: _approved_payouts(year, params)
    .filter(org_unit_id=unit_id)
    .select_related("agreement", "tranche"),
    _("Payouts approved in the year within “days” (default 30) of their proposal."),
    empty=HUNDRED.quantize(CENT),
)
def payouts_approved_on_time(year: int, unit_ids: list[int], params: dict) -> dict[int, Figure]:
    rows = (
        _approved_payouts(year, params)
        .filter(org_unit_id__in=unit_ids)
        .values(unit=F("org_unit_id"))
        .annotate(n=Count("id"), on_time=Count("id", filter=Q(approved_at__lte=F("deadline"))))
        .order_by()
    )
    return {r["unit"]: _ratio(r["on_time"], r["n"], r["n"]) for r in rows}


def _flags(year: int, params: dict) -> QuerySet:
    from funding.models import ExitCase, ExitFlag

    days = int(params.get("days", 90))
    deadline = ExpressionWrapper(F("raised_at") + timedelta(days=days), output_field=DateTimeField())
    case_in_time = ExitCase.objects.filter(flags=OuterRef("pk"), opened_at__lte=OuterRef("deadline"))
    return (
        ExitFlag.objects.filter(raised_at__year=year)
        .annotate(deadline=deadline)
        .annotate(case_in_time=Exists(case_in_time))
    )


@register_source(
    "exit_flags_handled_on_time",
    _("Exit flags handled on time"),
    "%",
    lambda year, unit_id, params: _flags(year, params).filter(org_unit_id=unit_id).select_related("agreement"),
    _("Flags raised in the year that were closed, or taken into an exit case, within “days” (default 90)."),
    empty=HUNDRED.quantize(CENT),
)
def exit_flags_handled_on_time(year: int, unit_ids: list[int], params: dict) -> dict[int, Figure]:
    handled = Q(closed_at__lte=F("deadline")) | Q(case_in_time=True)
    rows = (
        _flags(year, params)
        .filter(org_unit_id__in=unit_ids)
        .values(unit=F("org_unit_id"))
        .annotate(n=Count("id"), handled=Count("id", filter=handled))
        .order_by()
    )
    return {r["unit"]: _ratio(r["handled"], r["n"], r["n"]) for r in rows}


# --- Activities (this app) ------------------------------------------------------------------------


def _activities(year: int, params: dict) -> QuerySet:
    from .models import Activity

    qs = Activity.objects.filter(held_on__year=year)
    if params.get("kinds"):
        qs = qs.filter(kind__in=params["kinds"])
    return qs


@register_source(
    "activities_held",
    _("Activities held (camps, salons, contests, roadshows, awards)"),
    _("activities"),
    lambda year, unit_id, params: _activities(year, params).filter(org_unit_id=unit_id),
    _("Parameter “kinds” narrows to some kinds of activity."),
)
def activities_held(year: int, unit_ids: list[int], params: dict) -> dict[int, Figure]:
    rows = (
        _activities(year, params).filter(org_unit_id__in=unit_ids).values(unit=F("org_unit_id")).annotate(n=Count("id"))
    )
    return {r["unit"]: Figure(_q(r["n"]), r["n"]) for r in rows.order_by()}


@register_source(
    "activity_participants",
    _("Participants in the unit's activities"),
    _("persons"),
    lambda year, unit_id, params: _activities(year, params).filter(org_unit_id=unit_id),
)
def activity_participants(year: int, unit_ids: list[int], params: dict) -> dict[int, Figure]:
    rows = (
        _activities(year, params)
        .filter(org_unit_id__in=unit_ids)
        .values(unit=F("org_unit_id"))
        .annotate(total=Sum("participants"), n=Count("id"))
        .order_by()
    )
    return {r["unit"]: Figure(_q(r["total"]), r["n"]) for r in rows}
