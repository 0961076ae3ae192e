"""The district's figures for a year, scoped to the caller, in a constant number of queries.

Each area's figures come from that area's own app (``talents.selectors.title_counts`` and
``pipeline_counts``, ``enterprises.selectors.enterprise_breakdown`` and ``maker_space_counts``,
``funding.selectors.funding_figures`` and ``exit_figures``, ``assessment.selectors.league_table``,
``serviceplatform.selectors.service_figures``),
so the reports show what the apps' own pages show; what they do not give (names, planned against
paid by quarter) is added here with aggregates. Each area reads each of its tables once where it
can (one grouped query with conditional sums rather than one query per state or program). Scope comes from
``qinhuai_talent.core.access``: a unit officer gets its unit's figures, a report client the units
of its grant, office and leadership the district.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Case, F, IntegerField, QuerySet, Sum, Value, When
from django.utils.translation import gettext_lazy as _

from assessment import selectors as assessment_selectors
from enterprises import selectors as enterprises_selectors
from funding import selectors as funding_selectors
from funding.models import LedgerEntry, LedgerKind, Tranche, TrancheState
from qinhuai_talent.core import clock
from qinhuai_talent.core.access import in_scope, unit_scope
from qinhuai_talent.core.errors import ActionNotAllowed, DomainError
from qinhuai_talent.core.models import OrgUnit, User
from qinhuai_talent.core.money import to_money
from serviceplatform import selectors as serviceplatform_selectors
from talents import selectors as talents_selectors
from talents.models import Level, Program
from talents.workflows import COUNTED_STATES, STAGES

ZERO = Decimal("0.00")
FIRST_YEAR = 2000
LEVEL_ORDER = {level: i for i, level in enumerate(Level.values)}
# Stages in pipeline order, for the funnel and the exports (drafts are the applicant's own).
PIPELINE_STAGES = tuple(str(s) for s in STAGES if s in COUNTED_STATES)
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


def default_year() -> int:
    """The year a report shows when none is asked for: the latest year whose calls have
    applications that count (not drafts) and have closed, never later than this year; a call of a
    later year still in draft, one with drafts only, or one still open with its first applications
    in, does not empty the dashboard (``talents.selectors.latest_year_with_applications``)."""
    this_year = clock.today().year
    return talents_selectors.latest_year_with_applications(this_year) or this_year


def parse_year(raw: str | None) -> int:
    """A report year from a query parameter; ``default_year()`` when absent."""
    this_year = clock.today().year
    if raw in (None, ""):
        return default_year()
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


def level_order(field: str = "level") -> Case:
    """National, provincial, municipal, district: the order the district's documents list them."""
    return Case(
        *(When(**{field: level}, then=Value(i)) for i, level in enumerate(Level.values)),
        default=Value(len(Level.values)),
        output_field=IntegerField(),
    )


def _level_key(level: str) -> int:
    return LEVEL_ORDER.get(level, len(LEVEL_ORDER))


def _program_names() -> dict[str, dict]:
    """Program names in both languages, by code (a small reference table). One query."""
    return {p["code"]: p for p in Program.objects.values("code", "name", "name_en")}


def _with_names(rows: list[dict], names: dict[str, dict]) -> list[dict]:
    for row in rows:
        program = names.get(row["program"], {})
        row["program_name"] = program.get("name", row["program"])
        row["program_name_en"] = program.get("name_en", row["program"])
    return rows


def title_counts(scope: Scope, year: int, names: dict[str, dict]) -> list[dict]:
    """Titles held at the end of ``year``, by program, level and origin (talents' own count)."""
    return _with_names(talents_selectors.title_counts(year=year, units=scope.units), names)


def pipeline_counts(scope: Scope, year: int, names: dict[str, dict]) -> list[dict]:
    """The year's calls with their applications by stage, each call's quota and state and the
    number of submitted applications (talents' own count, two queries)."""
    rows = _with_names(talents_selectors.pipeline_counts(year, units=scope.units), names)
    rows.sort(key=lambda r: (_level_key(r["level"]), r["program"]))
    return rows


def enterprise_figures(scope: Scope) -> dict:
    """The active talent enterprises' figures (enterprises' own count, from their derived figures),
    with the count by class and by revenue tier and their cumulative main-business revenue, from
    enterprises' one grouped query."""
    figures = enterprises_selectors.enterprise_breakdown(scope.units)
    return {**figures, "cumulative_revenue": to_money(figures["cumulative_revenue"])}


def maker_space_counts(scope: Scope) -> dict:
    """Maker spaces by level (enterprises' own count)."""
    return enterprises_selectors.maker_space_counts(scope.units)


def funding_figures(scope: Scope, year: int) -> dict:
    """Funding's own figures for the agreements charged to ``year`` (committed, paid, eligible,
    held, recovered, by source and by level), with planned against paid by quarter."""
    figures = funding_selectors.funding_figures(year=year, units=scope.units)
    return {**figures, "quarters": funds_by_quarter(scope, year)}


def funds_by_quarter(
    scope: Scope, year: int, *, tranches: QuerySet | None = None, ledger: QuerySet | None = None
) -> list[dict]:
    """Planned (tranches by due date) against paid (net ledger payments by entry date), per
    quarter of the three years up to ``year``. ``tranches`` and ``ledger`` narrow what is counted
    (a report page's filters); by default everything in scope counts. Two queries, each summing by
    day (at most the three years' days, whatever the number of rows: grouping by the date itself
    is cheaper than by its extracted year and quarter), the days added up into quarters
    (``_by_quarter``)."""
    first = year - QUARTER_YEARS + 1
    tranches = Tranche.objects.all() if tranches is None else tranches
    ledger = LedgerEntry.objects.all() if ledger is None else ledger
    planned = (
        scope.apply(
            tranches.filter(due_on__year__gte=first, due_on__year__lte=year).exclude(state=TrancheState.CANCELLED),
            "agreement__org_unit",
        )
        .order_by()
        .values(day=F("due_on"))
        .annotate(amount=Sum("planned_amount"))
    )
    paid = (
        scope.apply(
            ledger.filter(
                entry_date__year__gte=first,
                entry_date__year__lte=year,
                kind__in=[LedgerKind.PAYMENT, LedgerKind.REVERSAL],
            )
        )
        .order_by()
        .values(day=F("entry_date"))
        .annotate(amount=Sum("amount"))
    )
    sums = {
        (figure, y, q): ZERO for figure in ("planned", "paid") for y in range(first, year + 1) for q in (1, 2, 3, 4)
    }
    for figure, days in (("planned", planned), ("paid", paid)):
        for y, q, amount in _by_quarter(days):
            sums[figure, y, q] += amount or ZERO
    return [
        {
            "year": y,
            "quarter": q,
            "planned": to_money(sums["planned", y, q]),
            "paid": to_money(sums["paid", y, q]),
        }
        for y in range(first, year + 1)
        for q in (1, 2, 3, 4)
    ]


def _by_quarter(days: QuerySet) -> list[tuple[int, int, Decimal | None]]:
    """(year, quarter, amount) from a query of amounts summed by ``day``. On PostgreSQL the
    database adds the days up into quarters around that query (a dozen rows come back instead of
    a thousand days, each turned into Python values); on SQLite, whose sums of decimals are floats
    until Django converts them, they are added up here."""
    if connections[days.db].vendor != "postgresql":
        return [(row["day"].year, (row["day"].month - 1) // 3 + 1, row["amount"]) for row in days]
    try:
        sql, params = days.query.sql_with_params()
    except EmptyResultSet:
        return []
    quarters = "SELECT EXTRACT(YEAR FROM d.day)::int, EXTRACT(QUARTER FROM d.day)::int, SUM(d.amount)"
    with connections[days.db].cursor() as cursor:
        cursor.execute(f"{quarters} FROM ({sql}) d GROUP BY 1, 2", params)  # noqa: S608 (the ORM's statement)
        return cursor.fetchall()


def exit_figures(scope: Scope) -> dict:
    """The exit mechanism now (funding's own count): open flags by rule, cases, exits, recoveries."""
    figures = funding_selectors.exit_figures(units=scope.units)
    cases_by_state = figures.pop("cases")
    return {**figures, "cases": sum(cases_by_state.values()), "cases_by_state": cases_by_state}


def league_table(scope: Scope, year: int) -> list[dict]:
    """The year's overall league table of the field units in scope (assessment's own table)."""
    return [
        {
            "org_unit": row.org_unit.code,
            "unit_name": row.org_unit.name,
            "unit_name_en": row.org_unit.name_en,
            "unit_kind": row.unit_kind,
            "position": row.position,
            "rank": row.rank,
            "total": row.total,
            "hard_total": row.hard_total,
            "soft_total": row.soft_total,
            "previous_total": row.previous_total,
            "change": row.change,
            "grade_band": row.grade_band,
            "grade_band_en": row.grade_band_en,
            "vetoed": row.vetoed,
            "state": row.state,
        }
        for row in assessment_selectors.league_table(year, units=scope.units)
    ]


def service_figures(scope: Scope, year: int) -> dict:
    """The "1+x" platform's year (serviceplatform's own figures): requests by state and category,
    financing obtained through it by instrument, first purchases."""
    return serviceplatform_selectors.service_figures(scope.units, year)


def summary(*, scope: Scope, year: int) -> dict:
    """Everything the summary endpoint, the dashboard and the exports show, for one scope and year."""
    names = _program_names()
    return {
        "year": year,
        "org_unit": scope.unit.code if scope.unit else None,
        "generated_at": clock.now(),
        "titles": title_counts(scope, year, names),
        "pipeline": pipeline_counts(scope, year, names),
        "enterprises": enterprise_figures(scope),
        "maker_spaces": maker_space_counts(scope),
        "funding": funding_figures(scope, year),
        "exits": exit_figures(scope),
        "assessment": league_table(scope, year),
        "services": service_figures(scope, year),
    }
