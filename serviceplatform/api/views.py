"""The service platform API: providers, services and service requests in the caller's scope;
writes and transitions through the services."""

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as df
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from qinhuai_talent.core.api.permissions import PortalPermission, ReadOnlyForReaders
from qinhuai_talent.core.models import Role

from .. import policies, selectors, services
from ..models import (
    FirstPurchase,
    FundBudget,
    Provider,
    ProviderState,
    RequestState,
    ReviewThresholds,
    Service,
    ServiceCategory,
    ServiceRequest,
)
from .serializers import (
    AssignSerializer,
    FirstPurchaseSerializer,
    FundBudgetSerializer,
    OfferedServiceSerializer,
    OutcomeSerializer,
    PerformanceQuerySerializer,
    ProviderActionSerializer,
    ProviderPerformanceSerializer,
    ProviderSerializer,
    RequestActionSerializer,
    ReviewThresholdsSerializer,
    ServiceRequestSerializer,
)

ERRORS = {
    400: OpenApiResponse(description="Refused by the rules (message per field)"),
    403: OpenApiResponse(description="Your role may not do this"),
    404: OpenApiResponse(description="Not found or outside your scope"),
}


class ScopedMixin:
    permission_classes = [ReadOnlyForReaders]
    selector = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False) or not self.request.user.is_authenticated:
            return self.queryset.none()
        return type(self).selector(self.request.user)


class ProviderFilter(df.FilterSet):
    category = df.ChoiceFilter(choices=ServiceCategory.choices)
    state = df.ChoiceFilter(choices=ProviderState.choices)

    class Meta:
        model = Provider
        fields = ["category", "state"]


class ServiceFilter(df.FilterSet):
    category = df.ChoiceFilter(choices=ServiceCategory.choices)
    provider = df.NumberFilter(field_name="provider_id")

    class Meta:
        model = Service
        fields = ["category", "provider"]


class ServiceRequestFilter(df.FilterSet):
    category = df.ChoiceFilter(choices=ServiceCategory.choices)
    state = df.ChoiceFilter(choices=RequestState.choices)
    org_unit = df.CharFilter(field_name="org_unit__code")
    provider = df.NumberFilter(field_name="provider_id")
    enterprise = df.NumberFilter(field_name="enterprise_id")
    overdue = df.BooleanFilter(method="filter_overdue", label=_("Overdue only"))

    class Meta:
        model = ServiceRequest
        fields = ["category", "state", "org_unit", "provider", "enterprise"]

    def filter_overdue(self, qs, name, value):
        from qinhuai_talent.core import clock

        from ..workflows import CLOCKED_STATES

        overdue = {"state__in": CLOCKED_STATES, "due_on__lt": clock.today()}
        return qs.filter(**overdue) if value else qs.exclude(**overdue)


def _transition(viewset, request, name: str, body_class, serializer_class, service):
    obj = viewset.get_object()
    body = body_class(data=request.data)
    body.is_valid(raise_exception=True)
    obj = service(actor=request.user, action=name, **{viewset.subject: obj}, **body.validated_data)
    return Response(serializer_class(obj, context=viewset.get_serializer_context()).data)


@extend_schema(responses={200: ProviderSerializer, **ERRORS})
class ProviderViewSet(ScopedMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Service providers (服务机构). The office sees the whole register and registers
    applications; everyone else the accredited ones. Accreditation is a POST: ``accredit``,
    ``suspend``, ``reinstate`` and ``revoke`` (the last three with ``reason``)."""

    queryset = Provider.objects.none()
    selector = staticmethod(selectors.providers_for)
    serializer_class = ProviderSerializer
    filterset_class = ProviderFilter
    filter_backends = [DjangoFilterBackend]
    subject = "provider"

    def get_queryset(self):
        return super().get_queryset().order_by("category", "name", "pk")

    @extend_schema(responses={201: ProviderSerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        provider = services.provider_register(actor=request.user, **serializer.validated_data)
        return Response(self.get_serializer(provider).data, status=status.HTTP_201_CREATED)

    def _act(self, request, name):
        return _transition(
            self, request, name, ProviderActionSerializer, ProviderSerializer, services.provider_transition
        )

    @extend_schema(request=ProviderActionSerializer, responses={200: ProviderSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def accredit(self, request, pk=None):
        return self._act(request, "accredit")

    @extend_schema(request=ProviderActionSerializer, responses={200: ProviderSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def suspend(self, request, pk=None):
        return self._act(request, "suspend")

    @extend_schema(request=ProviderActionSerializer, responses={200: ProviderSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def reinstate(self, request, pk=None):
        return self._act(request, "reinstate")

    @extend_schema(request=ProviderActionSerializer, responses={200: ProviderSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        return self._act(request, "revoke")


@extend_schema(responses={200: OfferedServiceSerializer, **ERRORS})
class ServiceViewSet(ScopedMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Services the providers offer (name, category, price or free, expected days). The office
    adds them; everyone else sees those of accredited providers."""

    queryset = Service.objects.none()
    selector = staticmethod(selectors.services_for)
    serializer_class = OfferedServiceSerializer
    filterset_class = ServiceFilter
    filter_backends = [DjangoFilterBackend]

    def get_queryset(self):
        return super().get_queryset().order_by("category", "provider__name", "name", "pk")

    @extend_schema(responses={201: OfferedServiceSerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        service = services.service_save(actor=request.user, **serializer.validated_data)
        return Response(self.get_serializer(service).data, status=status.HTTP_201_CREATED)


class EnterprisesAskToo(ReadOnlyForReaders):
    """As for every write, and an enterprise account files, cancels and rates its own requests
    (the services decide which steps are its)."""

    def has_permission(self, request, view):
        if request.method == "POST" and getattr(request.user, "role", None) == Role.ENTERPRISE:
            return PortalPermission.has_permission(self, request, view)
        return super().has_permission(request, view)


@extend_schema(responses={200: ServiceRequestSerializer, **ERRORS})
class ServiceRequestViewSet(ScopedMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Service requests (服务需求): a provider's staff see those routed to their organisation,
    officers their unit's, an enterprise account its own. Filed by the enterprise itself, its
    unit's officer or the office (optionally from a plan item, with a chosen provider or
    service). Transitions are POSTs: ``assign`` (``provider``, ``service``), ``accept``,
    ``decline`` (``reason``), ``start``, ``deliver`` (``note``), ``close`` (``rating`` 1–5,
    ``comment``), ``cancel`` (``reason``). ``?overdue=true`` lists those past their deadline.
    A financing request (category ``tech_finance`` with ``amount_wanted``, ``use`` and
    ``instrument``) is delivered by its provider's ``record_outcome``: ``granted`` with
    ``amount`` (at most the request plus the share the office allows), ``instrument``, ``rate``
    or ``valuation``, ``decided_on``; or ``refused`` with ``reason``. A granted one is a
    financing round of the enterprise under its instrument."""

    permission_classes = [EnterprisesAskToo]
    queryset = ServiceRequest.objects.none()
    selector = staticmethod(selectors.requests_for)
    serializer_class = ServiceRequestSerializer
    filterset_class = ServiceRequestFilter
    filter_backends = [DjangoFilterBackend]
    subject = "request"

    def get_queryset(self):
        return super().get_queryset().order_by("-filed_at", "-pk")

    @extend_schema(responses={201: ServiceRequestSerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        obj = services.request_file(actor=request.user, **serializer.validated_data)
        return Response(self.get_serializer(obj).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AssignSerializer, responses={200: ServiceRequestSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        obj = self.get_object()
        body = AssignSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        obj = services.request_assign(actor=request.user, request=obj, **body.validated_data)
        return Response(self.get_serializer(obj).data)

    def _act(self, request, name):
        return _transition(
            self, request, name, RequestActionSerializer, ServiceRequestSerializer, services.request_transition
        )

    @extend_schema(request=RequestActionSerializer, responses={200: ServiceRequestSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._act(request, "accept")

    @extend_schema(request=RequestActionSerializer, responses={200: ServiceRequestSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        return self._act(request, "decline")

    @extend_schema(request=RequestActionSerializer, responses={200: ServiceRequestSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        return self._act(request, "start")

    @extend_schema(request=RequestActionSerializer, responses={200: ServiceRequestSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def deliver(self, request, pk=None):
        return self._act(request, "deliver")

    @extend_schema(request=OutcomeSerializer, responses={200: ServiceRequestSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def record_outcome(self, request, pk=None):
        obj = self.get_object()
        body = OutcomeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        obj = services.financing_outcome_record(actor=request.user, request=obj, **body.validated_data)
        return Response(self.get_serializer(obj).data)

    @extend_schema(request=RequestActionSerializer, responses={200: ServiceRequestSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._act(request, "close")

    @extend_schema(request=RequestActionSerializer, responses={200: ServiceRequestSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._act(request, "cancel")


class FundBudgetFilter(df.FilterSet):
    provider = df.NumberFilter(field_name="provider_id")
    year = df.NumberFilter(min_value=2000, max_value=2100)

    class Meta:
        model = FundBudget
        fields = ["provider", "year"]


@extend_schema(responses={200: FundBudgetSerializer, **ERRORS})
class FundBudgetViewSet(ScopedMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Guidance fund budgets (创投引导基金): per fund and year, ``amount`` committed, ``invested``
    (the equity its outcomes granted that year) and ``available``. The fund's own money, apart
    from the district's grant budgets (``/api/v1/budgets/``). The office sets them (a POST for a
    fund and year that has one changes its amount)."""

    queryset = FundBudget.objects.none()
    selector = staticmethod(selectors.fund_budgets_for)
    serializer_class = FundBudgetSerializer
    filterset_class = FundBudgetFilter
    filter_backends = [DjangoFilterBackend]

    def get_queryset(self):
        return super().get_queryset().order_by("-year", "provider__name", "pk")

    @extend_schema(responses={201: FundBudgetSerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        budget = services.fund_budget_set(actor=request.user, **serializer.validated_data)
        return Response(self.get_serializer(budget).data, status=status.HTTP_201_CREATED)


class FirstPurchaseFilter(df.FilterSet):
    org_unit = df.CharFilter(field_name="org_unit__code")
    enterprise = df.NumberFilter(field_name="enterprise_id")
    year = df.NumberFilter(field_name="purchased_on", lookup_expr="year", min_value=2000, max_value=2100)

    class Meta:
        model = FirstPurchase
        fields = ["org_unit", "enterprise", "year"]


@extend_schema(responses={200: FirstPurchaseSerializer, **ERRORS})
class FirstPurchaseViewSet(ScopedMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """First purchases (产品首购订购): government departments' purchases of talent enterprises'
    new products, in the caller's units. Entered by the office or the enterprise's unit officer;
    a contract number is entered once."""

    queryset = FirstPurchase.objects.none()
    selector = staticmethod(selectors.first_purchases_for)
    serializer_class = FirstPurchaseSerializer
    filterset_class = FirstPurchaseFilter
    filter_backends = [DjangoFilterBackend]

    def get_queryset(self):
        return super().get_queryset().order_by("-purchased_on", "-pk")

    @extend_schema(responses={201: FirstPurchaseSerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        obj = services.first_purchase_add(actor=request.user, **serializer.validated_data)
        return Response(self.get_serializer(obj).data, status=status.HTTP_201_CREATED)


YEAR = OpenApiParameter(
    "year", int, description="Requests filed in this year (default: the latest year with requests)."
)


@extend_schema(parameters=[YEAR], responses={200: ProviderPerformanceSerializer, **ERRORS})
class ProviderPerformanceViewSet(ScopedMixin, viewsets.ReadOnlyModelViewSet):
    """Provider performance (the yearly provider review): per provider (``id`` is the provider's)
    and category of request, for the requests filed in ``year``, received, accepted, declined,
    delivered, on time (by the deadline set on acceptance), the on-time rate, the median days to
    deliver and the average rating; ``flags`` say why a provider is up for review against the
    office's thresholds (``/api/v1/provider-review/thresholds/``). The office and leadership read
    it; anyone else sees no provider (a 404 by id). Suspending one is ``service-providers/{id}/suspend/``."""

    queryset = Provider.objects.none()
    selector = staticmethod(selectors.providers_under_review)
    serializer_class = ProviderPerformanceSerializer
    filterset_class = ProviderFilter
    filter_backends = [DjangoFilterBackend]

    def get_queryset(self):
        return super().get_queryset().order_by("category", "name", "pk")

    def get_serializer_context(self):
        query = PerformanceQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        year = query.validated_data.get("year") or selectors.review_year_default()
        return {**super().get_serializer_context(), "year": year}

    def get_serializer(self, *args, **kwargs):
        if args:
            rows = args[0] if kwargs.get("many") else [args[0]]
            kwargs["context"] = self.get_serializer_context()
            selectors.with_performance(list(rows), year=kwargs["context"]["year"])
        return super().get_serializer(*args, **kwargs)


class ReviewThresholdsView(APIView):
    """The thresholds of the yearly provider review (one set, the defaults until the office sets
    them): the office and leadership read them; the office sets them with PUT."""

    permission_classes = [ReadOnlyForReaders]
    serializer_class = ReviewThresholdsSerializer

    @extend_schema(responses={200: ReviewThresholdsSerializer, 403: ERRORS[403], 404: ERRORS[404]})
    def get(self, request):
        if not policies.can_review_providers(request.user):
            raise NotFound
        return Response(ReviewThresholdsSerializer(ReviewThresholds.current()).data)

    @extend_schema(request=ReviewThresholdsSerializer, responses={200: ReviewThresholdsSerializer, **ERRORS})
    def put(self, request):
        if not policies.can_review_providers(request.user):
            raise NotFound
        body = ReviewThresholdsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        row = services.thresholds_set(actor=request.user, **body.validated_data)
        return Response(ReviewThresholdsSerializer(row).data)
