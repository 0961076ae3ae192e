"""The district's figures for a year, computed set-based and scoped to the caller.

Every figure is an aggregate or a group-by over the records the caller may see
(``qinhuai_talent.core.access``): a unit officer gets its unit's figures, a report client the
units of its grant, office and leadership the district. ``summary`` runs a constant number of
queries however many records there are.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import ExtractQuarter, ExtractYear
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessment.models import Assessment, AssessmentState
from enterprises.models import Enterprise, EnterpriseClass, EnterpriseStatus, Listing, MakerSpace, RevenueTier
from funding.models import (
    Agreement,
    AgreementState,
    CaseState,
    ExitCase,
    ExitFlag,
    ExitRule,
    FlagState,
    FundingSource,
    LedgerEntry,
    LedgerKind,
    Tranche,
    TrancheState,
)
from qinhuai_talent.core.access import in_scope, unit_scope
from qinhuai_talent.core.errors import ActionNotAllowed, DomainError
from qinhuai_talent.core.models import OrgUnit, User
from qinhuai_talent.core.money import to_money
from talents.models import Application, ApplicationState, Call, Level, Title

ZERO = Decimal("0.00")
FIRST_YEAR = 2000
LEVEL_ORDER = {level: i for i, level in enumerate(Level.values)}
# States of an application still moving through the pipeline (neither drafted nor decided).
ACTIVE_STATES = (
    ApplicationState.SUBMITTED,
    ApplicationState.RETURNED,
    ApplicationState.EXPERT_REVIEW,
    ApplicationState.DEFENSE,
    ApplicationState.RECOMMENDED,
    ApplicationState.PUBLIC_NOTICE,
)
# Stages in pipeline order, for the funnel (drafts are the applicant's own and not yet counted).
PIPELINE_STAGES = tuple(s for s in ApplicationState.values if s != ApplicationState.DRAFT)
# Agreements that commit money: signed and not abandoned before signature.
COMMITTED_STATES = (
    AgreementState.ACTIVE,
    AgreementState.SUSPENDED,
    AgreementState.COMPLETED,
    AgreementState.TERMINATED,
)
UNASSIGNED_SOURCE = "unassigned"
QUARTER_YEARS = 3


@dataclass(frozen=True)
class Scope:
    """What a report covers: ``units`` is ``None`` for the whole district, else unit ids."""

    units: list[int] | None
    unit: OrgUnit | None = None

    def apply(self, qs: QuerySet, field: str = "org_unit") -> QuerySet:
        if self.units is None:
            return qs
        if not self.units:
            return qs.none()
        return qs.filter(**{f"{field}__in": self.units})


def parse_year(raw: str | None) -> int:
    """A report year from a query parameter; the current year when absent."""
    this_year = timezone.localdate().year
    if raw in (None, ""):
        return this_year
    try:
        year = int(str(raw).strip())
    except ValueError:
        raise DomainError(_("The year must be a whole number such as 2017."), field="year") from None
    if not FIRST_YEAR <= year <= this_year + 1:
        raise DomainError(
            _("The year must lie between %(first)s and %(last)s.") % {"first": FIRST_YEAR, "last": this_year + 1},
            field="year",
        )
    return year


def report_scope(user: User, unit_code: str | None = None) -> Scope:
    """The caller's scope, narrowed to one unit when asked. An unknown unit is a 400; a unit
    outside the caller's scope is refused (403) and never answered with another unit's figures."""
    if not unit_code:
        return Scope(units=unit_scope(user))
    unit = OrgUnit.objects.filter(code=unit_code).first()
    if unit is None:
        raise DomainError(_("There is no unit with the code “%(code)s”.") % {"code": unit_code}, field="org_unit")
    if not in_scope(user, unit.pk):
        raise ActionNotAllowed(_("You may not read the figures of %(unit)s.") % {"unit": unit.name}, field="org_unit")
    return Scope(units=[unit.pk], unit=unit)


def _level_key(level: str) -> int:
    return LEVEL_ORDER.get(level, len(LEVEL_ORDER))


def _end_of(year: int) -> date:
    return date(year, 12, 31)


def title_counts(scope: Scope, year: int) -> list[dict]:
    """Titles held at the end of ``year`` (awarded that year or earlier), by program, level and
    origin. One query."""
    rows = (
        scope.apply(Title.objects.filter(year__lte=year))
        .values("program__code", "program__name", "program__name_en", "program__level", "origin")
        .annotate(count=Count("id"))
        .order_by()
    )
    result = [
        {
            "program": r["program__code"],
            "program_name": r["program__name"],
            "program_name_en": r["program__name_en"],
            "level": r["program__level"],
            "origin": r["origin"],
            "count": r["count"],
        }
        for r in rows
    ]
    result.sort(key=lambda r: (_level_key(r["level"]), r["program"], r["origin"]))
    return result


def pipeline_counts(scope: Scope, year: int) -> list[dict]:
    """Each of the year's calls with its applications by stage. Two queries: the calls, and the
    applications grouped by call and state."""
    calls = list(Call.objects.filter(year=year).select_related("program"))
    grouped = (
        scope.apply(Application.objects.filter(call__year=year).exclude(state=ApplicationState.DRAFT))
        .values("call_id", "state")
        .annotate(count=Count("id"))
        .order_by()
    )
    by_call: dict[int, dict[str, int]] = {}
    for row in grouped:
        by_call.setdefault(row["call_id"], {})[row["state"]] = row["count"]
    result = []
    for call in calls:
        stages = by_call.get(call.pk, {})
        by_stage = {stage: stages.get(stage, 0) for stage in PIPELINE_STAGES}
        result.append(
            {
                "program": call.program.code,
                "program_name": call.program.name,
                "program_name_en": call.program.name_en,
                "level": call.program.level,
                "call_state": call.state,
                "quota": call.quota,
                "applications": sum(by_stage.values()),
                "active": sum(by_stage[s] for s in ACTIVE_STATES),
                "by_stage": by_stage,
            }
        )
    result.sort(key=lambda r: (_level_key(r["level"]), r["program"]))
    return result


def enterprise_figures(scope: Scope, year: int) -> dict:
    """The active talent enterprises registered by the end of ``year``: count, cumulative sales
    and financing, revenue tiers, NEEQ listings, by class and by tier. Two queries.

    Cumulative figures are the enterprises' derived figures (kept fresh by the enterprises app's
    recompute job from the operating reports and financing rounds)."""
    qs = scope.apply(Enterprise.objects.filter(status=EnterpriseStatus.ACTIVE, registered_on__lte=_end_of(year)))
    totals = qs.aggregate(
        count=Count("id"),
        cumulative_sales=Sum("cumulative_sales"),
        cumulative_revenue=Sum("cumulative_revenue"),
        cumulative_financing=Sum("cumulative_financing"),
        revenue_10m_plus=Count("id", filter=Q(revenue_tier__in=[RevenueTier.TEN_M, RevenueTier.FIFTY_M])),
        revenue_50m_plus=Count("id", filter=Q(revenue_tier=RevenueTier.FIFTY_M)),
        neeq_listed=Count("id", filter=Q(listing=Listing.NEEQ)),
    )
    by_class = dict.fromkeys(EnterpriseClass.values, 0)
    by_tier = dict.fromkeys(RevenueTier.values, 0)
    for row in qs.values("enterprise_class", "revenue_tier").annotate(n=Count("id")).order_by():
        by_class[row["enterprise_class"]] = by_class.get(row["enterprise_class"], 0) + row["n"]
        by_tier[row["revenue_tier"]] = by_tier.get(row["revenue_tier"], 0) + row["n"]
    return {
        "count": totals["count"],
        "cumulative_sales": to_money(totals["cumulative_sales"] or ZERO),
        "cumulative_revenue": to_money(totals["cumulative_revenue"] or ZERO),
        "cumulative_financing": to_money(totals["cumulative_financing"] or ZERO),
        "revenue_10m_plus": totals["revenue_10m_plus"],
        "revenue_50m_plus": totals["revenue_50m_plus"],
        "neeq_listed": totals["neeq_listed"],
        "by_class": by_class,
        "by_tier": by_tier,
    }


def maker_space_counts(scope: Scope) -> dict:
    """Maker spaces by level. One query."""
    by_level = dict.fromkeys(Level.values, 0)
    for row in scope.apply(MakerSpace.objects.all()).values("level").annotate(n=Count("id")).order_by():
        by_level[row["level"]] = row["n"]
    return {"municipal_level": by_level[Level.MUNICIPAL], "by_level": by_level}


def _money_by(rows: list[dict], key: str, value: str) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for row in rows:
        k = row[key] or UNASSIGNED_SOURCE
        out[k] = out.get(k, ZERO) + (row[value] or ZERO)
    return out


def funding_figures(scope: Scope, year: int) -> dict:
    """Money committed in agreements signed by the end of ``year``, paid and recovered through
    the ledger by then, the tranches now eligible or held, by source and by level, and planned
    against paid by quarter for the last three years. Five queries."""
    end = _end_of(year)
    committed_rows = list(
        scope.apply(Agreement.objects.filter(state__in=COMMITTED_STATES, starts_on__lte=end))
        .values("budget__source", "program__level")
        .annotate(committed=Sum("total"), agreements=Count("id"))
        .order_by()
    )
    ledger_rows = list(
        scope.apply(LedgerEntry.objects.filter(entry_date__lte=end))
        .values("kind", "agreement__budget__source", "agreement__program__level")
        .annotate(amount=Sum("amount"))
        .order_by()
    )
    tranche_rows = {
        r["state"]: r
        for r in scope.apply(Tranche.objects.all(), "agreement__org_unit")
        .values("state")
        .annotate(amount=Sum("planned_amount"), n=Count("id"))
        .order_by()
    }
    paid_rows = [r for r in ledger_rows if r["kind"] in (LedgerKind.PAYMENT, LedgerKind.REVERSAL)]
    recovery_rows = [r for r in ledger_rows if r["kind"] == LedgerKind.RECOVERY]

    committed_by_source = _money_by(committed_rows, "budget__source", "committed")
    paid_by_source = _money_by(paid_rows, "agreement__budget__source", "amount")
    committed_by_level = _money_by(committed_rows, "program__level", "committed")
    paid_by_level = _money_by(paid_rows, "agreement__program__level", "amount")
    sources = [*FundingSource.values, UNASSIGNED_SOURCE]
    by_source = [
        {
            "source": s,
            "committed": to_money(committed_by_source.get(s, ZERO)),
            "paid": to_money(paid_by_source.get(s, ZERO)),
        }
        for s in sources
        if s in committed_by_source or s in paid_by_source or s != UNASSIGNED_SOURCE
    ]
    by_level = [
        {
            "level": lv,
            "committed": to_money(committed_by_level.get(lv, ZERO)),
            "paid": to_money(paid_by_level.get(lv, ZERO)),
        }
        for lv in Level.values
    ]

    def tranche_sum(state: str) -> Decimal:
        return to_money(tranche_rows.get(state, {}).get("amount") or ZERO)

    return {
        "agreements": sum(r["agreements"] for r in committed_rows),
        "committed": to_money(sum((r["committed"] or ZERO for r in committed_rows), ZERO)),
        "paid": to_money(sum((r["amount"] or ZERO for r in paid_rows), ZERO)),
        "eligible": tranche_sum(TrancheState.ELIGIBLE),
        "held": tranche_sum(TrancheState.HELD),
        "recovered": to_money(-sum((r["amount"] or ZERO for r in recovery_rows), ZERO)),
        "by_source": by_source,
        "by_level": by_level,
        "quarters": _quarters(scope, year),
    }


def _quarters(scope: Scope, year: int) -> list[dict]:
    """Planned (tranches by due date) against paid (net ledger payments by entry date), per
    quarter of the three years up to ``year``. Two queries."""
    first = year - QUARTER_YEARS + 1
    planned = {
        (r["y"], r["q"]): r["amount"]
        for r in scope.apply(
            Tranche.objects.filter(due_on__year__gte=first, due_on__year__lte=year).exclude(
                state=TrancheState.CANCELLED
            ),
            "agreement__org_unit",
        )
        .annotate(y=ExtractYear("due_on"), q=ExtractQuarter("due_on"))
        .values("y", "q")
        .annotate(amount=Sum("planned_amount"))
        .order_by()
    }
    paid = {
        (r["y"], r["q"]): r["amount"]
        for r in scope.apply(
            LedgerEntry.objects.filter(
                entry_date__year__gte=first,
                entry_date__year__lte=year,
                kind__in=[LedgerKind.PAYMENT, LedgerKind.REVERSAL],
            )
        )
        .annotate(y=ExtractYear("entry_date"), q=ExtractQuarter("entry_date"))
        .values("y", "q")
        .annotate(amount=Sum("amount"))
        .order_by()
    }
    return [
        {
            "year": y,
            "quarter": q,
            "planned": to_money(planned.get((y, q)) or ZERO),
            "paid": to_money(paid.get((y, q)) or ZERO),
        }
        for y in range(first, year + 1)
        for q in (1, 2, 3, 4)
    ]


def exit_figures(scope: Scope) -> dict:
    """The exit mechanism now: open flags by rule, cases by state, exits and recoveries. Two queries."""
    open_by_rule = dict.fromkeys(ExitRule.values, 0)
    for row in (
        scope.apply(ExitFlag.objects.filter(state=FlagState.OPEN)).values("rule").annotate(n=Count("id")).order_by()
    ):
        open_by_rule[row["rule"]] = row["n"]
    cases_by_state = dict.fromkeys(CaseState.values, 0)
    recovery_due = recovered = ZERO
    for row in (
        scope.apply(ExitCase.objects.all())
        .values("state")
        .annotate(n=Count("id"), due=Sum("recovery_due"), got=Sum("recovered"))
        .order_by()
    ):
        cases_by_state[row["state"]] = row["n"]
        recovery_due += row["due"] or ZERO
        recovered += row["got"] or ZERO
    return {
        "open_flags": sum(open_by_rule.values()),
        "open_flags_by_rule": open_by_rule,
        "cases": sum(cases_by_state.values()),
        "cases_by_state": cases_by_state,
        "exits": cases_by_state[CaseState.EXITED],
        "recovery_due": to_money(recovery_due),
        "recovered": to_money(recovered),
    }


def league_table(scope: Scope, year: int) -> list[dict]:
    """The year's assessments (computed or later) in rank order. One query."""
    rows = (
        scope.apply(Assessment.objects.filter(year=year).exclude(state=AssessmentState.DRAFT))
        .select_related("org_unit")
        .order_by("rank", "-total", "org_unit__code")
    )
    table = [
        {
            "org_unit": a.org_unit.code,
            "unit_name": a.org_unit.name,
            "unit_name_en": a.org_unit.name_en,
            "unit_kind": a.org_unit.kind,
            "rank": a.rank,
            "total": a.total,
            "previous_total": a.previous_total,
            "grade_band": a.grade_band,
            "vetoed": a.vetoed,
            "state": a.state,
        }
        for a in rows
    ]
    # Unranked rows (not yet computed) go last, in the database order they came in.
    table.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0))
    return table


def summary(*, scope: Scope, year: int) -> dict:
    """Everything the summary endpoint, the dashboard and the exports show, for one scope and year."""
    return {
        "year": year,
        "org_unit": scope.unit.code if scope.unit else None,
        "generated_at": timezone.now(),
        "titles": title_counts(scope, year),
        "pipeline": pipeline_counts(scope, year),
        "enterprises": enterprise_figures(scope, year),
        "maker_spaces": maker_space_counts(scope),
        "funding": funding_figures(scope, year),
        "exits": exit_figures(scope),
        "assessment": league_table(scope, year),
    }
