"""Reads of the enterprise database, already scoped to what the caller may see.

The figure selectors at the bottom (``enterprise_figures``, ``maker_space_counts``,
``support_item_counts``) are the stable interface for the reports, funding and assessment apps:
each takes ``units`` (an iterable of ``OrgUnit`` ids or instances, or ``None`` for the whole
district) and answers with one aggregate query.
"""

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)

from qinhuai_talent.core import access, clock
from qinhuai_talent.core.models import OrgUnit, User

from .models import (
    OPEN_SUPPORT_STATUSES,
    ZERO,
    ClassChange,
    Enterprise,
    EnterpriseClass,
    EnterpriseStatus,
    Evaluation,
    FilingStatus,
    FilingWindow,
    FinancingRound,
    Founder,
    Level,
    Listing,
    MakerSpace,
    Mentor,
    OperatingReport,
    PeriodKind,
    ReportImport,
    RevenueTier,
    SupportPlanItem,
    SupportStatus,
)

Units = Iterable[int | OrgUnit] | None


def _enterprise_rows() -> QuerySet[Enterprise]:
    """Enterprises with what a list row shows."""
    return Enterprise.objects.select_related("org_unit", "industry", "maker_space", "liaison_officer")


def enterprises_for(user: User) -> QuerySet[Enterprise]:
    """The enterprises of the caller's units, with what a list row shows."""
    return access.scope_units(_enterprise_rows(), user, "org_unit")


def enterprise_detail(user: User, pk: int) -> Enterprise:
    """One enterprise with its founders, or a 404 when it does not exist or is out of scope."""
    qs = enterprises_for(user).prefetch_related(
        Prefetch("founders", queryset=Founder.objects.select_related("talent").order_by("-equity_share", "id"))
    )
    return access.get_or_404(qs, pk=pk)


def reports_for(user: User, *, include_superseded: bool = False) -> QuerySet[OperatingReport]:
    qs = OperatingReport.objects.select_related("enterprise__org_unit", "submitted_by")
    if not include_superseded:
        qs = qs.filter(is_current=True)
    return access.scope_units(qs, user, "enterprise__org_unit")


def financing_rounds_for(user: User) -> QuerySet[FinancingRound]:
    qs = FinancingRound.objects.select_related("enterprise__org_unit")
    return access.scope_units(qs, user, "enterprise__org_unit")


def evaluations_for(user: User) -> QuerySet[Evaluation]:
    qs = Evaluation.objects.select_related("enterprise__org_unit")
    return access.scope_units(qs, user, "enterprise__org_unit")


def _support_item_rows() -> QuerySet[SupportPlanItem]:
    return SupportPlanItem.objects.select_related("enterprise__org_unit", "owner")


def support_items_for(user: User) -> QuerySet[SupportPlanItem]:
    return access.scope_units(_support_item_rows(), user, "enterprise__org_unit")


def support_items_in_reach(user: User) -> QuerySet[SupportPlanItem]:
    """The plan items the API lists: the caller's units', or an enterprise account's own (those its
    service page shows)."""
    if access.is_self_service(user):
        return access.scope_own(_support_item_rows(), user, enterprise="enterprise__account")
    return support_items_for(user)


def overdue_items_for(user: User) -> QuerySet[SupportPlanItem]:
    """Open plan items past their due date, in the caller's scope."""
    return support_items_for(user).filter(status__in=OPEN_SUPPORT_STATUSES, due_on__lt=clock.today())


def maker_spaces_for(user: User) -> QuerySet[MakerSpace]:
    qs = MakerSpace.objects.select_related("org_unit").annotate(enterprise_count=Count("enterprises"))
    return access.scope_units(qs, user, "org_unit")


def mentors_for(user: User) -> QuerySet[Mentor]:
    """District-wide mentors for everyone who reads the database, and the unit's own mentors."""
    qs = Mentor.objects.select_related("org_unit").annotate(enterprise_count=Count("enterprises", distinct=True))
    units = access.unit_scope(user)
    if units is None:
        return qs
    if not access.is_unit_officer(user) and not units:
        return qs.none()
    return qs.filter(Q(org_unit__isnull=True) | Q(org_unit__in=units))


def class_changes_for(user: User) -> QuerySet[ClassChange]:
    qs = ClassChange.objects.select_related("enterprise__org_unit").order_by("-changed_at", "-id")
    return access.scope_units(qs, user, "enterprise__org_unit")


def imports_for(user: User) -> QuerySet[ReportImport]:
    qs = ReportImport.objects.select_related("org_unit", "uploaded_by").defer("rows")
    if access.is_office(user):
        return qs
    if access.is_unit_officer(user):
        return qs.filter(org_unit_id=user.org_unit_id)
    return qs.none()


def enterprise_page(enterprise: Enterprise) -> dict:
    """What the enterprise page shows besides the record: a fixed number of queries."""
    reports = list(enterprise.reports.filter(is_current=True).order_by("year", "quarter"))
    return {
        "reports": reports,
        "superseded": enterprise.reports.filter(is_current=False)
        .select_related("submitted_by")
        .order_by("-year", "-quarter", "-version"),
        "financing_rounds": enterprise.financing_rounds.order_by("closed_on"),
        "evaluations": enterprise.evaluations.order_by("-evaluated_on", "-id"),
        "plan_items": enterprise.plan_items.select_related("owner").order_by("due_on", "id"),
        "visits": enterprise.visits.select_related("officer").order_by("-visited_on", "-id"),
        "class_changes": ClassChange.objects.filter(enterprise=enterprise).order_by("-changed_at", "-id"),
        "mentors": enterprise.mentors.order_by("name"),
        # Government first purchases of its new products (the service platform's register).
        "first_purchases": enterprise.first_purchases.order_by("-purchased_on", "-id"),
    }


# --- Figures for the other apps (stable signatures) ---------------------------------------------


def _unit_filter(qs: QuerySet, units: Units, field: str = "org_unit") -> QuerySet:
    if units is None:
        return qs
    return qs.filter(**{f"{field}__in": list(units)})


def enterprise_figures(units: Units = None, *, include_inactive: bool = False) -> dict:
    """The seed's enterprise figures from the derived fields (run the recompute job first).

    Returns ``{count, cumulative_sales, cumulative_financing, revenue_10m_plus, revenue_50m_plus,
    neeq_listed}``: sums are ``Decimal`` yuan, the rest counts. Only active enterprises count
    unless ``include_inactive``: a company that moved out or was deregistered is no longer the
    district's. ``revenue_10m_plus`` includes those at 50 million or more. One query.
    """
    figures = enterprise_breakdown(units, include_inactive=include_inactive)
    for key in ("by_class", "by_tier", "cumulative_revenue"):
        figures.pop(key)
    return figures


def enterprise_breakdown(units: Units = None, *, include_inactive: bool = False) -> dict:
    """``enterprise_figures`` with the count by class (``by_class``) and by revenue tier
    (``by_tier``), every class and tier present, and the cumulative main-business revenue
    (``cumulative_revenue``), from the same single pass: one query grouped by class and tier."""
    qs = Enterprise.objects.all()
    if not include_inactive:
        qs = qs.filter(status=EnterpriseStatus.ACTIVE)
    rows = (
        _unit_filter(qs, units)
        .values("enterprise_class", "revenue_tier")
        .annotate(
            count=Count("*"),
            cumulative_sales=Sum("cumulative_sales"),
            cumulative_financing=Sum("cumulative_financing"),
            cumulative_revenue=Sum("cumulative_revenue"),
            neeq_listed=Count("pk", filter=Q(listing=Listing.NEEQ)),
        )
        .order_by()
    )
    counts = ("count", "neeq_listed")
    sums = ("cumulative_sales", "cumulative_financing", "cumulative_revenue")
    figures = dict.fromkeys(counts, 0) | dict.fromkeys(sums, ZERO)
    by_class = dict.fromkeys(EnterpriseClass.values, 0)
    by_tier = dict.fromkeys(RevenueTier.values, 0)
    for row in rows:
        for key in counts:
            figures[key] += row[key]
        for key in sums:
            figures[key] += row[key] or ZERO
        by_class[row["enterprise_class"]] = by_class.get(row["enterprise_class"], 0) + row["count"]
        by_tier[row["revenue_tier"]] = by_tier.get(row["revenue_tier"], 0) + row["count"]
    for key in sums:
        figures[key] = Decimal(figures[key]).quantize(Decimal("0.01"))
    # The rows are grouped by tier already: the counts above a tier are the tiers' own counts.
    figures["revenue_10m_plus"] = by_tier.get(RevenueTier.TEN_M, 0) + by_tier.get(RevenueTier.FIFTY_M, 0)
    figures["revenue_50m_plus"] = by_tier.get(RevenueTier.FIFTY_M, 0)
    return {**figures, "by_class": by_class, "by_tier": by_tier}


def maker_space_counts(units: Units = None) -> dict:
    """``{total, municipal_level, by_level: {level code: count}}`` for the units' maker spaces.

    ``municipal_level`` counts the spaces recognised at municipal level (市级众创空间) exactly,
    as the seed counts them. One query.
    """
    rows = _unit_filter(MakerSpace.objects.all(), units).values("level").annotate(n=Count("*")).order_by("level")
    by_level = {level: 0 for level in Level.values}
    by_level.update({row["level"]: row["n"] for row in rows})
    return {"total": sum(by_level.values()), "municipal_level": by_level[Level.MUNICIPAL], "by_level": by_level}


def support_item_counts(units: Units = None) -> dict:
    """``{total, done, open, overdue}`` plan items of the units' enterprises. One query."""
    today = clock.today()
    return _unit_filter(SupportPlanItem.objects.all(), units, "enterprise__org_unit").aggregate(
        total=Count("pk"),
        done=Count("pk", filter=Q(status=SupportStatus.DONE)),
        open=Count("pk", filter=Q(status__in=OPEN_SUPPORT_STATUSES)),
        overdue=Count("pk", filter=Q(status__in=OPEN_SUPPORT_STATUSES, due_on__lt=today)),
    )


def attention(user: User) -> list:
    """Home page: the officer's overdue plan items (one count query)."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from qinhuai_talent.core.registry import Attention

    if not (access.is_office(user) or access.is_unit_officer(user)):
        return []
    return [
        Attention(
            key="enterprises.overdue_services",
            label=_("Overdue services in enterprise support plans"),
            items=overdue_items_for(user),
            url=reverse("enterprises:support-plan") + "?overdue=true",
            level="danger",
        )
    ]


# ---------------------------------------------------------------- the enterprise's own (issue 16)


def own_enterprise(user: User) -> Enterprise | None:
    """An enterprise account's confirmed enterprise (``None`` for every other account)."""
    qs = Enterprise.objects.select_related("org_unit", "industry", "maker_space")
    return access.scope_own(qs, user, enterprise="account").first()


def own_reports(user: User) -> QuerySet[OperatingReport]:
    qs = OperatingReport.objects.filter(is_current=True).order_by("-year", "-quarter")
    return access.scope_own(qs, user, enterprise="enterprise__account")


def own_financing_rounds(user: User) -> QuerySet[FinancingRound]:
    return access.scope_own(FinancingRound.objects.order_by("-id"), user, enterprise="enterprise__account")


def own_reports_in_reach(user: User, *, include_superseded: bool = False) -> QuerySet[OperatingReport]:
    """The reports the API lists: the caller's units', or an enterprise account's own."""
    if not access.is_self_service(user):
        return reports_for(user, include_superseded=include_superseded)
    qs = OperatingReport.objects.select_related("enterprise__org_unit", "submitted_by")
    if not include_superseded:
        qs = qs.filter(is_current=True)
    return access.scope_own(qs, user, enterprise="enterprise__account")


def financing_rounds_in_reach(user: User) -> QuerySet[FinancingRound]:
    """The financing rounds the API lists: the caller's units', or an enterprise account's own."""
    if not access.is_self_service(user):
        return financing_rounds_for(user)
    qs = FinancingRound.objects.select_related("enterprise__org_unit")
    return access.scope_own(qs, user, enterprise="enterprise__account")


def enterprises_in_reach(user: User) -> QuerySet[Enterprise]:
    """The enterprises the API lists, and those ``user`` may file operating data, financing and
    service requests for: the caller's units' (all for the office), or an enterprise account's own
    (the one its page shows and ``/api/v1/me/`` names)."""
    if access.is_self_service(user):
        return access.scope_own(_enterprise_rows(), user, enterprise="account")
    return enterprises_for(user)


# ---------------------------------------------------------------- filing windows (issue 16, item 5)


def quarter_of(day: datetime.date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def previous_quarter(year: int, quarter: int) -> tuple[int, int]:
    return (year, quarter - 1) if quarter > 1 else (year - 1, 4)


def last_ended_quarter(today: datetime.date | None = None) -> tuple[int, int]:
    """The latest quarter that has ended by ``today`` (the portal's clock by default)."""
    return previous_quarter(*quarter_of(today or clock.today()))


def quarter_end(year: int, quarter: int) -> datetime.date:
    following = datetime.date(year + (quarter == 4), quarter % 4 * 3 + 1, 1)
    return following - datetime.timedelta(days=1)


def filing_window(year: int, quarter: int) -> tuple[datetime.date, datetime.date]:
    """(opens, closes) of a quarter's filing window, both days included: the office's, or the
    default, the first ``FILING_WINDOW_DAYS`` days after the quarter ends."""
    row = FilingWindow.objects.filter(year=year, quarter=quarter).values_list("opens_on", "closes_on").first()
    if row is not None:
        return row
    end = quarter_end(year, quarter)
    return end + datetime.timedelta(days=1), end + datetime.timedelta(days=settings.FILING_WINDOW_DAYS)


def filing_status_expression(year: int, quarter: int, today: datetime.date | None = None) -> Case:
    """An enterprise's ``FilingStatus`` for the quarter, over an enterprise queryset annotated with
    ``first_filed_at`` (``with_first_filing``): filed within the window, late, due or missing."""
    today = today or clock.today()
    opens_on, closes_on = filing_window(year, quarter)
    after_window = clock.start_of(closes_on + datetime.timedelta(days=1))
    if today < opens_on:
        unfiled = FilingStatus.NOT_OPEN
    elif today <= closes_on:
        unfiled = FilingStatus.DUE
    else:
        unfiled = FilingStatus.MISSING
    return Case(
        When(first_filed_at__isnull=True, then=Value(unfiled)),
        When(first_filed_at__lt=after_window, then=Value(FilingStatus.FILED)),
        default=Value(FilingStatus.LATE),
        output_field=CharField(),
    )


def with_first_filing(qs: QuerySet[Enterprise], year: int, quarter: int) -> QuerySet[Enterprise]:
    """Annotate ``first_filed_at``: when the quarter's data was first filed (its first version's
    stamp, a correction does not move it), or null."""
    first = (
        OperatingReport.objects.filter(
            enterprise=OuterRef("pk"), period_kind=PeriodKind.QUARTER, year=year, quarter=quarter
        )
        .order_by()
        .values("enterprise")
        .annotate(first=Min("submitted_at"))
        .values("first")
    )
    return qs.annotate(first_filed_at=Subquery(first))


def filing_obliged(qs: QuerySet[Enterprise], year: int, quarter: int) -> QuerySet[Enterprise]:
    """The enterprises that owe the quarter's data: active, registered before the quarter ended."""
    return qs.filter(status=EnterpriseStatus.ACTIVE, registered_on__lte=quarter_end(year, quarter))


def quarter_filings(user: User, year: int, quarter: int, *, today: datetime.date | None = None) -> QuerySet[Enterprise]:
    """The board of a quarter: every enterprise in the caller's scope that owes the quarter, with
    ``first_filed_at`` and ``filing_status``. One query whatever the number of enterprises."""
    qs = filing_obliged(enterprises_for(user), year, quarter)
    qs = with_first_filing(qs, year, quarter)
    return qs.annotate(filing_status=filing_status_expression(year, quarter, today))


def filing_counts(qs: QuerySet[Enterprise]) -> dict[str, int]:
    """``filing_status`` → number of enterprises, in one grouped query."""
    rows = qs.order_by().values("filing_status").annotate(n=Count("pk")).values_list("filing_status", "n")
    counts = dict.fromkeys(FilingStatus.values, 0)
    counts.update(dict(rows))
    return counts


def own_filings(user: User, *, quarters: int = 4, today: datetime.date | None = None) -> list[dict]:
    """An enterprise account's last ``quarters`` ended quarters: window and status of each."""
    enterprise = own_enterprise(user)
    if enterprise is None:
        return []
    today = today or clock.today()
    periods = [last_ended_quarter(today)]
    while len(periods) < quarters:
        periods.append(previous_quarter(*periods[-1]))
    rows = []
    for year, quarter in periods:
        if quarter_end(year, quarter) < enterprise.registered_on:
            break
        qs = with_first_filing(Enterprise.objects.filter(pk=enterprise.pk), year, quarter)
        found = qs.annotate(filing_status=filing_status_expression(year, quarter, today)).values(
            "first_filed_at", "filing_status"
        )[0]
        opens_on, closes_on = filing_window(year, quarter)
        rows.append(
            {
                "year": year,
                "quarter": quarter,
                "opens_on": opens_on,
                "closes_on": closes_on,
                "first_filed_at": found["first_filed_at"],
                "status": FilingStatus(found["filing_status"]),
            }
        )
    return rows


def last_filed_quarters(enterprise_ids: Iterable[int]) -> dict[int, int]:
    """enterprise id → index (year × 4 + quarter − 1) of the latest quarter it has filed. The
    missing-quarter exit rule (``funding.engine``) and the filing board read the same reports."""
    return dict(
        OperatingReport.objects.filter(
            enterprise_id__in=list(enterprise_ids), is_current=True, period_kind=PeriodKind.QUARTER
        )
        .values("enterprise_id")
        .annotate(last=Max(F("year") * 4 + F("quarter") - 1))
        .values_list("enterprise_id", "last")
    )
