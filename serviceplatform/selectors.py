"""Reads of the service platform, already scoped to what the caller may see."""

from django.db.models import Count, Prefetch, Q, QuerySet

from qinhuai_talent.core import access, clock
from qinhuai_talent.core.models import Role, User

from . import policies
from .models import Provider, ProviderState, RequestState, Service, ServiceRequest
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
    qs = ServiceRequest.objects.select_related("enterprise", "org_unit", "provider", "service", "plan_item")
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
