"""Reads of the enterprise database, already scoped to what the caller may see.

The figure selectors at the bottom (``enterprise_figures``, ``maker_space_counts``,
``support_item_counts``) are the stable interface for the reports, funding and assessment apps:
each takes ``units`` (an iterable of ``OrgUnit`` ids or instances, or ``None`` for the whole
district) and answers with one aggregate query.
"""

from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from qinhuai_talent.core import access, clock
from qinhuai_talent.core.models import OrgUnit, User

from .models import (
    OPEN_SUPPORT_STATUSES,
    ZERO,
    ClassChange,
    Enterprise,
    EnterpriseStatus,
    Evaluation,
    FinancingRound,
    Founder,
    Level,
    Listing,
    MakerSpace,
    Mentor,
    OperatingReport,
    ReportImport,
    RevenueTier,
    SupportPlanItem,
    SupportStatus,
)

Units = Iterable[int | OrgUnit] | None


def enterprises_for(user: User) -> QuerySet[Enterprise]:
    """The enterprises of the caller's units, with what a list row shows."""
    qs = Enterprise.objects.select_related("org_unit", "industry", "maker_space", "liaison_officer")
    return access.scope_units(qs, user, "org_unit")


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


def support_items_for(user: User) -> QuerySet[SupportPlanItem]:
    qs = SupportPlanItem.objects.select_related("enterprise__org_unit", "owner")
    return access.scope_units(qs, user, "enterprise__org_unit")


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
    qs = Enterprise.objects.all()
    if not include_inactive:
        qs = qs.filter(status=EnterpriseStatus.ACTIVE)
    figures = _unit_filter(qs, units).aggregate(
        count=Count("pk"),
        cumulative_sales=Coalesce(Sum("cumulative_sales"), Value(ZERO)),
        cumulative_financing=Coalesce(Sum("cumulative_financing"), Value(ZERO)),
        revenue_10m_plus=Count("pk", filter=Q(revenue_tier__in=[RevenueTier.TEN_M, RevenueTier.FIFTY_M])),
        revenue_50m_plus=Count("pk", filter=Q(revenue_tier=RevenueTier.FIFTY_M)),
        neeq_listed=Count("pk", filter=Q(listing=Listing.NEEQ)),
    )
    for key in ("cumulative_sales", "cumulative_financing"):
        figures[key] = Decimal(figures[key]).quantize(Decimal("0.01"))
    return figures


def maker_space_counts(units: Units = None) -> dict:
    """``{total, municipal_level, by_level: {level code: count}}`` for the units' maker spaces.

    ``municipal_level`` counts the spaces recognised at municipal level (市级众创空间) exactly,
    as the seed counts them. One query.
    """
    rows = _unit_filter(MakerSpace.objects.all(), units).values("level").annotate(n=Count("pk")).order_by("level")
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
