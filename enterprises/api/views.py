"""The enterprise API: lists and records in the caller's scope; writes through the services."""

from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from qinhuai_talent.core.api.permissions import PortalPermission, ReadOnlyForReaders
from qinhuai_talent.core.api.rows import ValuesListMixin
from qinhuai_talent.core.models import Role

from .. import selectors, services
from ..filters import (
    EnterpriseFilter,
    EvaluationFilter,
    FinancingRoundFilter,
    MakerSpaceFilter,
    ReportFilter,
    SupportItemFilter,
)
from ..models import Enterprise, Evaluation, FinancingRound, MakerSpace, OperatingReport, SupportPlanItem
from .serializers import (
    EnterpriseDetailSerializer,
    EnterpriseSerializer,
    EvaluationSerializer,
    FinancingRoundSerializer,
    MakerSpaceSerializer,
    OperatingReportSerializer,
    SupportActionSerializer,
    SupportItemSerializer,
)

ERRORS = {
    400: OpenApiResponse(description="Refused by the rules (message per field)"),
    403: OpenApiResponse(description="Your role or unit may not do this"),
    404: OpenApiResponse(description="Not found or outside your scope"),
}


class EnterprisesFileToo(ReadOnlyForReaders):
    """As for every write, and an enterprise account files for its own enterprise (issue 16)."""

    def has_permission(self, request, view):
        if request.method == "POST" and getattr(request.user, "role", None) == Role.ENTERPRISE:
            return PortalPermission.has_permission(self, request, view)
        return super().has_permission(request, view)


def _filed_for(request, data: dict):
    """The enterprise of a filing: the one named, or an enterprise account's own."""
    enterprise = data.pop("enterprise", None) or selectors.own_enterprise(request.user)
    if enterprise is None:
        raise ValidationError({"enterprise": [_("Please name the enterprise.")]})
    return enterprise


class ScopedMixin:
    """``get_queryset`` from a selector taking the user; nothing for schema generation."""

    permission_classes = [ReadOnlyForReaders]
    selector = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False) or not self.request.user.is_authenticated:
            return self.queryset.none()
        return type(self).selector(self.request.user)


@extend_schema(responses={200: EnterpriseSerializer, **ERRORS})
class EnterpriseViewSet(
    ValuesListMixin, ScopedMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """Talent enterprises with their derived figures. Filter by ``org_unit``, ``industry``,
    ``enterprise_class``, ``revenue_tier``, ``listing``, ``status``; search with ``q``; sort with
    ``sort`` (any figure, ``-`` for descending)."""

    queryset = Enterprise.objects.none()
    selector = staticmethod(selectors.enterprises_in_reach)
    filterset_class = EnterpriseFilter
    # Sorting is the filter's ``sort``; search is its ``q``.
    filter_backends = [DjangoFilterBackend]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action == "retrieve":
            qs = qs.prefetch_related("founders__talent")
        return qs.order_by("name", "pk")

    def get_serializer_class(self):
        return EnterpriseDetailSerializer if self.action == "retrieve" else EnterpriseSerializer

    @extend_schema(request=EnterpriseSerializer, responses={201: EnterpriseSerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        serializer = EnterpriseSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        enterprise = services.enterprise_save(actor=request.user, **serializer.validated_data)
        return Response(EnterpriseSerializer(enterprise).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=EnterpriseSerializer, responses={200: EnterpriseSerializer, **ERRORS})
    def partial_update(self, request, *args, **kwargs):
        enterprise = self.get_object()
        serializer = EnterpriseSerializer(
            enterprise, data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        enterprise = services.enterprise_save(actor=request.user, enterprise=enterprise, **serializer.validated_data)
        return Response(EnterpriseSerializer(enterprise).data)


class OperatingReportViewSet(ScopedMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Operating data (经营数据). Lists current versions; ``?all_versions=true`` includes the
    versions that corrections replaced. Posting a report for a period already reported is a
    correction: it becomes the current version and the earlier one is kept."""

    queryset = OperatingReport.objects.none()
    serializer_class = OperatingReportSerializer
    filterset_class = ReportFilter
    ordering_fields = ["year", "quarter", "sales", "main_revenue", "submitted_at"]
    permission_classes = [EnterprisesFileToo]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False) or not self.request.user.is_authenticated:
            return self.queryset
        every = self.request.query_params.get("all_versions") in ("true", "1")
        qs = selectors.own_reports_in_reach(self.request.user, include_superseded=every)
        return qs.order_by("enterprise_id", "year", "quarter", "version")

    @extend_schema(responses={201: OperatingReportSerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        """File a period's operating data (a second filing of a period is a correction, a new
        version). An enterprise account files for its own enterprise only and may leave out
        ``enterprise``; a period that has not ended yet is refused."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        enterprise = _filed_for(request, data)
        period = {k: data.pop(k, None) for k in ("period_kind", "year", "quarter")}
        report = services.report_submit(actor=request.user, enterprise=enterprise, figures=data, **period)
        return Response(self.get_serializer(report).data, status=status.HTTP_201_CREATED)


class FinancingRoundViewSet(ScopedMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Financing rounds (风投) of the enterprises in scope."""

    queryset = FinancingRound.objects.none()
    selector = staticmethod(selectors.financing_rounds_in_reach)
    serializer_class = FinancingRoundSerializer
    filterset_class = FinancingRoundFilter
    ordering_fields = ["closed_on", "amount"]
    permission_classes = [EnterprisesFileToo]

    @extend_schema(responses={201: FinancingRoundSerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        enterprise = _filed_for(request, data)
        record = services.financing_round_add(actor=request.user, enterprise=enterprise, **data)
        return Response(self.get_serializer(record).data, status=status.HTTP_201_CREATED)


class EvaluationViewSet(ScopedMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Third-party grades (A–D) of the dynamic performance evaluation."""

    queryset = Evaluation.objects.none()
    selector = staticmethod(selectors.evaluations_for)
    serializer_class = EvaluationSerializer
    filterset_class = EvaluationFilter
    ordering_fields = ["evaluated_on", "grade", "score"]

    @extend_schema(responses={201: EvaluationSerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.setdefault("half", None)
        record = services.evaluation_add(actor=request.user, **data)
        return Response(self.get_serializer(record).data, status=status.HTTP_201_CREATED)


class MakerSpaceViewSet(ScopedMixin, viewsets.ReadOnlyModelViewSet):
    """Maker spaces (众创空间) of the units in scope, with the number of enterprises incubated."""

    queryset = MakerSpace.objects.none()
    selector = staticmethod(selectors.maker_spaces_for)
    serializer_class = MakerSpaceSerializer
    filterset_class = MakerSpaceFilter
    ordering_fields = ["name", "level"]

    def get_queryset(self):
        return super().get_queryset().order_by("name", "pk")


class SupportItemViewSet(ScopedMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Support-plan items (一企一策); ``?overdue=true`` lists the open ones past their due date.
    Transitions are POST actions: ``start``, ``complete`` (with ``outcome``), ``cancel`` and
    ``reopen`` (with ``reason``)."""

    queryset = SupportPlanItem.objects.none()
    selector = staticmethod(selectors.support_items_in_reach)
    serializer_class = SupportItemSerializer
    filterset_class = SupportItemFilter
    ordering_fields = ["due_on", "status"]

    def get_queryset(self):
        return super().get_queryset().order_by("due_on", "pk")

    @extend_schema(responses={201: SupportItemSerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = services.support_item_create(actor=request.user, **serializer.validated_data)
        return Response(self.get_serializer(item).data, status=status.HTTP_201_CREATED)

    def _transition(self, request, name: str):
        item = self.get_object()
        body = SupportActionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = services.support_item_transition(actor=request.user, item=item, action=name, **body.validated_data)
        return Response(self.get_serializer(item).data)

    @extend_schema(request=SupportActionSerializer, responses={200: SupportItemSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        return self._transition(request, "start")

    @extend_schema(request=SupportActionSerializer, responses={200: SupportItemSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        return self._transition(request, "complete")

    @extend_schema(request=SupportActionSerializer, responses={200: SupportItemSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._transition(request, "cancel")

    @extend_schema(request=SupportActionSerializer, responses={200: SupportItemSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return self._transition(request, "reopen")
