"""Reads of the service platform, already scoped to what the caller may see."""

import statistics
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, F, Max, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, ExtractYear
from django.utils import timezone

from enterprises.models import FinancingInstrument
from qinhuai_talent.core import access, clock
from qinhuai_talent.core.models import Role, User
from qinhuai_talent.core.money import to_money

from . import policies
from .models import (
    FinancingRequest,
    FirstPurchase,
    FundBudget,
    OutcomeResult,
    Provider,
    ProviderState,
    RequestState,
    ReviewThresholds,
    Service,
    ServiceCategory,
    ServiceRequest,
)
from .workflows import CLOCKED_STATES


def providers_for(user: User) -> QuerySet[Provider]:
    """The office sees the whole register; anyone else the accredited providers (the catalogue),
    and a provider's staff their own organisation too."""
    qs = Provider.objects.annotate(service_count=Count("services", filter=Q(services__active=True)))
    if access.is_office(user) or (user.is_authenticated and user.role in access.DISTRICT_READERS):
        return qs
    own = policies.provider_id_of(user)
    return qs.filter(Q(state=ProviderState.ACCREDITED) | Q(pk=own or 0))


def services_for(user: User) -> QuerySet[Service]:
    qs = Service.objects.select_related("provider")
    if access.is_office(user) or (user.is_authenticated and user.role in access.DISTRICT_READERS):
        return qs
    own = policies.provider_id_of(user)
    return qs.filter(Q(provider__state=ProviderState.ACCREDITED, active=True) | Q(provider_id=own or 0))


def catalogue_services() -> QuerySet[Service]:
    """The services anyone may ask for: offered, by an accredited provider."""
    return Service.objects.filter(active=True, provider__state=ProviderState.ACCREDITED).select_related("provider")


def own_open_plan_items(user: User) -> QuerySet:
    """An enterprise account's open 一企一策 plan items that have no service request yet."""
    from enterprises.models import OPEN_SUPPORT_STATUSES, SupportPlanItem

    qs = SupportPlanItem.objects.filter(status__in=OPEN_SUPPORT_STATUSES, service_request__isnull=True)
    return access.scope_own(qs, user, enterprise="enterprise__account").order_by("due_on", "pk")


def own_plan_items(user: User) -> QuerySet:
    """An enterprise account's plan items with their service requests (the page shows both)."""
    from enterprises.models import SupportPlanItem

    qs = SupportPlanItem.objects.select_related("service_request").order_by("status", "due_on", "pk")
    return access.scope_own(qs, user, enterprise="enterprise__account")


def catalogue(*, q: str = "", category: str = "") -> QuerySet[Provider]:
    """The public catalogue: accredited providers with their offered services."""
    services = Service.objects.filter(active=True).order_by("category", "name")
    if category:
        services = services.filter(category=category)
    if q:
        services = services.filter(
            Q(name__icontains=q)
            | Q(name_en__icontains=q)
            | Q(description__icontains=q)
            | Q(description_en__icontains=q)
            | Q(provider__name__icontains=q)
            | Q(provider__name_en__icontains=q)
        )
    return (
        Provider.objects.filter(state=ProviderState.ACCREDITED, pk__in=services.values("provider_id"))
        .prefetch_related(Prefetch("services", queryset=services, to_attr="offered"))
        .order_by("category", "name")
    )


def requests_for(user: User) -> QuerySet[ServiceRequest]:
    """A provider's staff: the requests routed to their organisation; an enterprise's account its
    own enterprise's; everyone else by unit."""
    qs = ServiceRequest.objects.select_related(
        "enterprise", "org_unit", "provider", "service", "plan_item", "financing"
    )
    if not user.is_authenticated:
        return qs.none()
    if user.role == Role.PROVIDER:
        own = policies.provider_id_of(user)
        return qs.filter(provider_id=own) if own else qs.none()
    if user.role == Role.ENTERPRISE:
        return access.scope_own(qs, user, enterprise="enterprise__account")
    if user.role == Role.EXPERT:
        return qs.none()
    return access.scope_units(qs, user, "org_unit")


MONEY = DecimalField(max_digits=16, decimal_places=2)


def fund_budgets_for(user: User) -> QuerySet[FundBudget]:
    """Guidance fund budgets with what each fund invested in its year (``invested``): the office,
    leadership and finance read them all, a fund's staff its own; nobody else."""
    invested = (
        FinancingRequest.objects.filter(
            request__provider_id=OuterRef("provider_id"),
            outcome=OutcomeResult.GRANTED,
            granted_instrument=FinancingInstrument.EQUITY,
        )
        .annotate(y=ExtractYear("decided_on"))
        .filter(y=OuterRef("year"))
        .order_by()
        .values("request__provider_id")
        .annotate(s=Sum("granted_amount"))
        .values("s")[:1]
    )
    qs = FundBudget.objects.select_related("provider").annotate(
        invested=Coalesce(Subquery(invested, output_field=MONEY), Value(0), output_field=MONEY)
    )
    if not user.is_authenticated:
        return qs.none()
    if access.is_office(user) or user.role in access.DISTRICT_READERS:
        return qs
    own = policies.provider_id_of(user)
    return qs.filter(provider_id=own) if own else qs.none()


def first_purchases_for(user: User) -> QuerySet[FirstPurchase]:
    """First purchases of the enterprises in the caller's units (the office and readers: all)."""
    qs = FirstPurchase.objects.select_related("enterprise", "org_unit", "entered_by")
    if not policies.can_read_purchases(user):
        return qs.none()
    return access.scope_units(qs, user, "org_unit")


def overdue_requests_for(user: User) -> QuerySet[ServiceRequest]:
    return requests_for(user).filter(state__in=CLOCKED_STATES, due_on__lt=clock.today())


def attention(user: User) -> list:
    """Home page: overdue requests (the unit's, the office's, the provider's) and the requests
    waiting on the user's side."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from qinhuai_talent.core.registry import Attention

    if not user.is_authenticated:
        return []
    url = reverse("serviceplatform:requests")
    mine = requests_for(user)
    overdue = Attention(
        key="serviceplatform.overdue_requests",
        label=_("Overdue service requests"),
        items=overdue_requests_for(user),
        url=url + "?overdue=true",
        level="danger",
    )

    def waiting(key: str, label: str, state: str) -> Attention:
        return Attention(key=key, label=label, items=mine.filter(state=state), url=f"{url}?state={state}")

    if access.is_office(user) or access.is_unit_officer(user):
        return [
            overdue,
            waiting("serviceplatform.to_assign", _("Service requests to assign to a provider"), RequestState.SUBMITTED),
            waiting("serviceplatform.declined", _("Declined service requests to reassign"), RequestState.DECLINED),
            waiting(
                "serviceplatform.to_close",
                _("Delivered service requests to close with a rating"),
                RequestState.DELIVERED,
            ),
        ]
    if user.role == Role.PROVIDER:
        return [
            overdue,
            waiting("serviceplatform.new", _("New service requests to accept or decline"), RequestState.ASSIGNED),
        ]
    if user.role == Role.ENTERPRISE:
        return [waiting("serviceplatform.to_rate", _("Delivered services to rate"), RequestState.DELIVERED)]
    return []


# --- Provider performance (issue 18, item 6) ------------------------------------------------------


@dataclass
class Performance:
    """One provider's figures for one category of requests (``category`` empty: all of them)."""

    provider_id: int
    category: str = ""
    received: int = 0
    accepted: int = 0
    declined: int = 0
    delivered: int = 0
    on_time: int = 0
    rated: int = 0
    rating_sum: int = 0
    days: list[int] = field(default_factory=list)
    flags: tuple[str, ...] = ()

    @property
    def category_label(self) -> str:
        return ServiceCategory(self.category).label if self.category else ""

    @property
    def on_time_rate(self) -> Decimal | None:
        """Delivered on time, in per cent of delivered (``None`` before any delivery)."""
        if not self.delivered:
            return None
        return (Decimal(100) * self.on_time / self.delivered).quantize(Decimal("0.1"))

    @property
    def average_rating(self) -> Decimal | None:
        if not self.rated:
            return None
        return (Decimal(self.rating_sum) / self.rated).quantize(Decimal("0.01"))

    @property
    def median_days(self) -> float | None:
        """Median days from acceptance to delivery."""
        return statistics.median(self.days) if self.days else None

    def add(self, other: "Performance") -> None:
        for name in ("received", "accepted", "declined", "delivered", "on_time", "rated", "rating_sum"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.days.extend(other.days)


FLAG_ON_TIME = "on_time"
FLAG_RATING = "rating"


def review_flags(perf: Performance, thresholds: ReviewThresholds) -> tuple[str, ...]:
    """Why a provider is up for review: its on-time rate or its average rating below the office's
    thresholds, each judged once it has at least ``min_requests`` delivered (rated) requests."""
    flags = []
    rate = perf.on_time_rate
    if perf.delivered >= thresholds.min_requests and rate is not None and rate < thresholds.min_on_time_rate:
        flags.append(FLAG_ON_TIME)
    rating = perf.average_rating
    if perf.rated >= thresholds.min_requests and rating is not None and rating < thresholds.min_rating:
        flags.append(FLAG_RATING)
    return tuple(flags)


def review_year_default() -> int:
    """The year a review looks at by default: the latest in which requests were filed."""
    latest = ServiceRequest.objects.aggregate(latest=Max("filed_at"))["latest"]
    return timezone.localtime(latest).year if latest else clock.today().year


def provider_performance(
    *, year: int | None = None, provider_ids: list[int] | None = None
) -> dict[int, dict[str, Performance]]:
    """Per provider: its figures per category of request and its total (key ``""``, with its
    review flags), for requests filed in ``year`` (all years if ``None``). Set-based: three
    queries however many providers and requests (the routed requests' counts, the declines, the
    days to deliver) and one for the thresholds.

    A request counts as received by the provider it is routed to and by every provider that
    declined it before it was routed elsewhere; accepted, delivered and rated by the provider it
    is routed to (it is reassigned only after a decline); on time when delivered by the deadline
    set on acceptance."""
    requests = ServiceRequest.objects.filter(provider__isnull=False)
    declines = ServiceRequest.declined_by.through.objects.all()
    if year is not None:
        requests = requests.filter(filed_at__year=year)
        declines = declines.filter(servicerequest__filed_at__year=year)
    if provider_ids is not None:
        requests = requests.filter(provider_id__in=provider_ids)
        declines = declines.filter(provider_id__in=provider_ids)
    result: dict[int, dict[str, Performance]] = {}

    def cell(provider_id: int, category: str) -> Performance:
        per = result.setdefault(provider_id, {})
        return per.setdefault(category, Performance(provider_id=provider_id, category=category))

    # A request declined by the provider it still points to is counted with the declines.
    held = requests.exclude(state=RequestState.DECLINED)
    rows = held.values("provider_id", "category").annotate(
        received=Count("pk"),
        accepted=Count("pk", filter=Q(accepted_on__isnull=False)),
        delivered=Count("pk", filter=Q(delivered_on__isnull=False)),
        on_time=Count("pk", filter=Q(delivered_on__isnull=False, delivered_on__lte=F("deliver_by"))),
        rated=Count("rating"),
        rating_sum=Sum("rating"),
    )
    for row in rows.order_by():
        c = cell(row["provider_id"], row["category"])
        c.received += row["received"]
        c.accepted, c.delivered, c.on_time = row["accepted"], row["delivered"], row["on_time"]
        c.rated, c.rating_sum = row["rated"], row["rating_sum"] or 0
    for row in declines.values("provider_id", "servicerequest__category").annotate(n=Count("pk")).order_by():
        c = cell(row["provider_id"], row["servicerequest__category"])
        c.declined += row["n"]
        c.received += row["n"]
    delivered = held.filter(delivered_on__isnull=False, accepted_on__isnull=False)
    for provider_id, category, accepted_on, delivered_on in delivered.values_list(
        "provider_id", "category", "accepted_on", "delivered_on"
    ).order_by():
        cell(provider_id, category).days.append((delivered_on - accepted_on).days)
    thresholds = ReviewThresholds.current()
    for per in result.values():
        total = Performance(provider_id=next(iter(per.values())).provider_id)
        for perf in per.values():
            total.add(perf)
        total.flags = review_flags(total, thresholds)
        per[""] = total
    return result


def with_performance(providers, *, year: int) -> None:
    """Attach to each provider its figures of ``year``: ``perf`` (the total, with its review
    flags) and ``perf_by_category`` (one per category of request, by category). Four queries."""
    figures = provider_performance(year=year, provider_ids=[p.pk for p in providers])
    for provider in providers:
        per = dict(figures.get(provider.pk, {}))
        provider.perf = per.pop("", None) or Performance(provider_id=provider.pk)
        provider.perf_by_category = sorted(per.values(), key=lambda f: f.category)


def providers_under_review(user: User) -> QuerySet[Provider]:
    """The providers of the yearly review (all but mere applications), for those who review them."""
    if not policies.can_review_providers(user):
        return Provider.objects.none()
    return providers_for(user).exclude(state=ProviderState.APPLIED)


# --- Figures for the reports (stable signatures) -------------------------------------------------


def service_figures(units: list[int] | None, year: int) -> dict:
    """The platform's figures of a year for the units (``None``: the district), as the summary
    gives them: requests filed that year by state and category (overdue ones now, the closed
    ones' average rating); financing obtained through the platform (outcomes decided that year)
    by instrument; first purchases of the year. Three queries."""
    from decimal import Decimal

    today = clock.today()

    def scoped(qs, field):
        if units is None:
            return qs
        return qs.filter(**{f"{field}__in": list(units)})

    requests = scoped(ServiceRequest.objects.filter(filed_at__year=year), "org_unit")
    by_state = dict.fromkeys(RequestState.values, 0)
    by_category = {}
    overdue = ratings = rated = 0
    for row in (
        requests.order_by()
        .values("state", "category")
        .annotate(
            n=Count("pk"),
            late=Count("pk", filter=Q(state__in=CLOCKED_STATES, due_on__lt=today)),
            rated=Count("rating", filter=Q(state=RequestState.CLOSED)),
            stars=Sum("rating", filter=Q(state=RequestState.CLOSED)),
        )
    ):
        by_state[row["state"]] += row["n"]
        by_category[row["category"]] = by_category.get(row["category"], 0) + row["n"]
        overdue += row["late"]
        rated += row["rated"]
        ratings += row["stars"] or 0
    outcomes = scoped(FinancingRequest.objects.filter(decided_on__year=year), "request__org_unit")
    by_instrument = {i: {"count": 0, "amount": Decimal("0.00")} for i in FinancingInstrument.values}
    refused = 0
    for row in (
        outcomes.order_by().values("outcome", "granted_instrument").annotate(n=Count("pk"), s=Sum("granted_amount"))
    ):
        if row["outcome"] == OutcomeResult.GRANTED:
            by_instrument[row["granted_instrument"]] = {"count": row["n"], "amount": to_money(row["s"] or 0)}
        elif row["outcome"] == OutcomeResult.REFUSED:
            refused += row["n"]
    purchases = scoped(FirstPurchase.objects.filter(purchased_on__year=year), "org_unit").aggregate(
        count=Count("pk"), amount=Sum("amount")
    )
    return {
        "requests": sum(by_state.values()),
        "by_state": by_state,
        "by_category": {c: by_category.get(c, 0) for c in ServiceCategory.values},
        "overdue": overdue,
        "average_rating": (Decimal(ratings) / rated).quantize(Decimal("0.01")) if rated else None,
        "financing": {
            "granted": sum(v["count"] for v in by_instrument.values()),
            "refused": refused,
            "amount_granted": sum((v["amount"] for v in by_instrument.values()), Decimal("0.00")),
            "by_instrument": by_instrument,
        },
        "first_purchases": {"count": purchases["count"], "amount": to_money(purchases["amount"] or 0)},
    }
