"""The assessment API: schemes, indicators, targets, activities, assessments, scores, league
tables and work funds, scoped as the pages are; transitions are POST actions."""

from django.db.models import Prefetch
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from qinhuai_talent.core import access
from qinhuai_talent.core.api.permissions import ReadOnlyForReaders

from .. import selectors, services
from ..models import (
    Activity,
    ActivityKind,
    Assessment,
    AssessmentScheme,
    AssessmentState,
    Indicator,
    IndicatorScore,
    SchemeState,
    Target,
    WorkFundPool,
)
from .serializers import (
    ActivitySerializer,
    AssessmentDetailSerializer,
    AssessmentLeagueQuerySerializer,
    AssessmentLeagueTableSerializer,
    AssessmentReasonSerializer,
    AssessmentSerializer,
    IndicatorScoreSerializer,
    IndicatorSerializer,
    ManualValueSerializer,
    PoolSerializer,
    SchemeCopySerializer,
    SchemeSerializer,
    TargetSerializer,
)

ERRORS = {
    400: OpenApiResponse(description="Refused: bad input or an illegal transition (message per field)"),
    403: OpenApiResponse(description="Your role or unit may not do this"),
    404: OpenApiResponse(description="Not found or outside your scope"),
}


def _authenticated(request) -> bool:
    return request.user is not None and request.user.is_authenticated


class SchemeFilter(filters.FilterSet):
    unit_kind = filters.CharFilter()
    state = filters.ChoiceFilter(choices=SchemeState.choices)

    class Meta:
        model = AssessmentScheme
        fields = ["year", "unit_kind", "state"]


class SchemeViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Assessment schemes per year and unit kind (the district's rules: readable by every role)."""

    serializer_class = SchemeSerializer
    filterset_class = SchemeFilter
    permission_classes = [ReadOnlyForReaders]
    queryset = AssessmentScheme.objects.none()

    def get_queryset(self):
        if not _authenticated(self.request):
            return AssessmentScheme.objects.none()
        return selectors.schemes_visible().prefetch_related("indicators", "grade_bands")

    @extend_schema(responses={201: SchemeSerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        scheme = services.scheme_create(actor=request.user, **serializer.validated_data)
        return Response(SchemeSerializer(scheme).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=SchemeCopySerializer, responses={201: SchemeSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def copy(self, request, pk=None):
        """Start another year's scheme from this one (indicators, grade bands and, by default, targets)."""
        body = SchemeCopySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        scheme = services.scheme_copy(source=self.get_object(), actor=request.user, **body.validated_data)
        return Response(SchemeSerializer(scheme).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: SchemeSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        """Refused unless the base weights add up to 100."""
        scheme = services.scheme_activate(scheme=self.get_object(), actor=request.user)
        return Response(SchemeSerializer(scheme).data)

    @extend_schema(request=None, responses={200: SchemeSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        scheme = services.scheme_close(scheme=self.get_object(), actor=request.user)
        return Response(SchemeSerializer(scheme).data)


class IndicatorFilter(filters.FilterSet):
    year = filters.NumberFilter(field_name="scheme__year", min_value=1900, max_value=2100)
    unit_kind = filters.CharFilter(field_name="scheme__unit_kind")

    class Meta:
        model = Indicator
        fields = ["scheme", "year", "unit_kind", "kind", "mode", "key"]


class IndicatorViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Indicators of the schemes. Writes go through the weight and freeze rules."""

    serializer_class = IndicatorSerializer
    filterset_class = IndicatorFilter
    permission_classes = [ReadOnlyForReaders]
    queryset = Indicator.objects.none()
    http_method_names = ["get", "post", "patch", "put", "head", "options"]

    def get_queryset(self):
        if not _authenticated(self.request):
            return Indicator.objects.none()
        return selectors.indicators_visible()

    def _save(self, serializer, indicator=None):
        data = dict(serializer.validated_data)
        scheme = data.pop("scheme", None) or indicator.scheme
        if indicator is not None:
            base = {f: getattr(indicator, f) for f in services.IndicatorData.__dataclass_fields__}
            data = {**base, **data}
        return services.indicator_save(
            scheme=scheme, data=services.IndicatorData(**data), actor=self.request.user, indicator=indicator
        )

    @extend_schema(responses={201: IndicatorSerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(IndicatorSerializer(self._save(serializer)).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: IndicatorSerializer, **ERRORS})
    def update(self, request, *args, **kwargs):
        indicator = self.get_object()
        serializer = self.get_serializer(indicator, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        return Response(IndicatorSerializer(self._save(serializer, indicator)).data)


class TargetFilter(filters.FilterSet):
    year = filters.NumberFilter(field_name="indicator__scheme__year", min_value=1900, max_value=2100)
    org_unit = filters.CharFilter(field_name="org_unit__code")
    indicator_key = filters.CharFilter(field_name="indicator__key")

    class Meta:
        model = Target
        fields = ["year", "org_unit", "indicator", "indicator_key"]


class TargetViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Targets per unit, indicator and year: set by the office (POST replaces), visible to the unit."""

    serializer_class = TargetSerializer
    filterset_class = TargetFilter
    permission_classes = [ReadOnlyForReaders]
    queryset = Target.objects.none()

    def get_queryset(self):
        if not _authenticated(self.request):
            return Target.objects.none()
        return selectors.targets_for(self.request.user)

    @extend_schema(responses={201: TargetSerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        target = services.target_set(actor=request.user, **serializer.validated_data)
        return Response(TargetSerializer(target).data, status=status.HTTP_201_CREATED)


class ActivityFilter(filters.FilterSet):
    org_unit = filters.CharFilter(field_name="org_unit__code")
    kind = filters.ChoiceFilter(choices=ActivityKind.choices)
    year = filters.NumberFilter(field_name="held_on__year", min_value=1900, max_value=2100)
    held_after = filters.DateFilter(field_name="held_on", lookup_expr="gte")
    held_before = filters.DateFilter(field_name="held_on", lookup_expr="lte")

    class Meta:
        model = Activity
        fields = ["org_unit", "kind", "year", "held_after", "held_before"]


class ActivityViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Activities the units run, as evidence: a unit records and sees its own."""

    serializer_class = ActivitySerializer
    filterset_class = ActivityFilter
    permission_classes = [ReadOnlyForReaders]
    queryset = Activity.objects.none()

    def get_queryset(self):
        if not _authenticated(self.request):
            return Activity.objects.none()
        return selectors.activities_for(self.request.user)

    @extend_schema(responses={201: ActivitySerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        activity = services.activity_record(actor=request.user, **serializer.validated_data)
        return Response(ActivitySerializer(activity).data, status=status.HTTP_201_CREATED)


class AssessmentFilter(filters.FilterSet):
    state = filters.ChoiceFilter(choices=AssessmentState.choices)
    org_unit = filters.CharFilter(field_name="org_unit__code")
    unit_kind = filters.CharFilter(field_name="org_unit__kind")

    class Meta:
        model = Assessment
        fields = ["year", "state", "org_unit", "unit_kind"]


class AssessmentViewSet(viewsets.ReadOnlyModelViewSet):
    """A unit's yearly assessment with its scores. A unit sees its own; the district reads all.
    Published assessments never change."""

    filterset_class = AssessmentFilter
    permission_classes = [ReadOnlyForReaders]
    queryset = Assessment.objects.none()
    ordering_fields = ["year", "total", "rank"]

    def get_queryset(self):
        if not _authenticated(self.request):
            return Assessment.objects.none()
        qs = selectors.assessments_for(self.request.user).order_by("-year", "org_unit__kind", "rank", "org_unit__code")
        if self.action == "retrieve":
            scores = IndicatorScore.objects.select_related("indicator", "assessment__org_unit")
            qs = qs.prefetch_related(Prefetch("scores", queryset=scores))
        return qs

    def get_serializer_class(self):
        return AssessmentDetailSerializer if self.action == "retrieve" else AssessmentSerializer

    def _act(self, request, func, **kwargs):
        assessment = self.get_object()  # scoped: another unit's assessment is a 404
        body = AssessmentReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        func(assessment_id=assessment.pk, actor=request.user, **{k: body.validated_data["reason"] for k in kwargs})
        return Response(AssessmentSerializer(Assessment.objects.select_related("org_unit").get(pk=assessment.pk)).data)

    @extend_schema(request=AssessmentReasonSerializer, responses={200: AssessmentSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """The unit confirms its figures, with an optional comment (``reason``)."""
        return self._act(request, services.assessment_confirm, comment=True)

    @extend_schema(request=AssessmentReasonSerializer, responses={200: AssessmentSerializer, **ERRORS})
    @action(detail=True, methods=["post"], url_path="object")
    def object_(self, request, pk=None):
        """The unit objects to its figures; ``reason`` is required."""
        return self._act(request, services.assessment_object, reason=True)

    @extend_schema(request=AssessmentReasonSerializer, responses={200: AssessmentSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """The office answers an objection (``reason`` required) and the figures are recomputed."""
        return self._act(request, services.assessment_reopen, reason=True)

    @extend_schema(request=AssessmentReasonSerializer, responses={200: AssessmentSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """The office publishes; an unconfirmed assessment needs a ``reason``. Frozen afterwards."""
        return self._act(request, services.assessment_publish, reason=True)

    @extend_schema(request=ManualValueSerializer, responses={200: AssessmentDetailSerializer, **ERRORS})
    @action(detail=True, methods=["post"], url_path="manual-value")
    def manual_value(self, request, pk=None):
        """Enter a manual indicator's figure with its evidence: the office only (the assessed unit
        confirms its scorecard or objects to it)."""
        assessment = self.get_object()
        body = ManualValueSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        indicator = access.get_or_404(
            Indicator.objects.filter(scheme=assessment.scheme_id).select_related("scheme"),
            pk=body.validated_data["indicator"],
        )
        services.manual_value_set(
            indicator=indicator,
            org_unit=assessment.org_unit,
            value=body.validated_data["value"],
            evidence=body.validated_data["evidence"],
            actor=request.user,
        )
        fresh = selectors.assessment_detail(request.user, assessment.pk)
        return Response(AssessmentDetailSerializer(fresh).data)


class ScoreFilter(filters.FilterSet):
    year = filters.NumberFilter(field_name="assessment__year", min_value=1900, max_value=2100)
    org_unit = filters.CharFilter(field_name="assessment__org_unit__code")
    indicator_key = filters.CharFilter(field_name="indicator__key")

    class Meta:
        model = IndicatorScore
        fields = ["assessment", "year", "org_unit", "indicator_key"]


class ScoreViewSet(viewsets.ReadOnlyModelViewSet):
    """Scores per indicator, scoped like the assessments they belong to."""

    serializer_class = IndicatorScoreSerializer
    filterset_class = ScoreFilter
    queryset = IndicatorScore.objects.none()

    def get_queryset(self):
        if not _authenticated(self.request):
            return IndicatorScore.objects.none()
        return selectors.scores_for(self.request.user).order_by("assessment_id", "indicator__order", "indicator_id")


class LeagueTableView(APIView):
    """The league table of a year: by unit kind, or overall; sorted by the total or the hard or
    soft sub-total. A unit officer or report client reads published results only."""

    @extend_schema(
        parameters=[
            OpenApiParameter("year", int, required=True),
            OpenApiParameter("unit_kind", str, enum=["street", "park", "innovation_group"]),
            OpenApiParameter("part", str, enum=["total", "hard_total", "soft_total"]),
        ],
        responses={200: AssessmentLeagueTableSerializer, 400: ERRORS[400]},
    )
    def get(self, request):
        query = AssessmentLeagueQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        year, kind, part = (query.validated_data.get(k) for k in ("year", "unit_kind", "part"))
        rows = selectors.league_for(request.user, year, kind or None, part)
        return Response(
            AssessmentLeagueTableSerializer(
                {"year": year, "unit_kind": kind or None, "part": part, "results": rows}
            ).data
        )


class PoolViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Work-fund pools and their split by published results (office, leadership, finance)."""

    serializer_class = PoolSerializer
    permission_classes = [ReadOnlyForReaders]
    queryset = WorkFundPool.objects.none()
    filterset_fields = ["year", "state"]

    def get_queryset(self):
        if not _authenticated(self.request):
            return WorkFundPool.objects.none()
        return selectors.pools_for(self.request.user).prefetch_related("shares__org_unit", "shares__assessment")

    @extend_schema(responses={201: PoolSerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pool = services.work_fund_pool_create(actor=request.user, **serializer.validated_data)
        return Response(PoolSerializer(pool).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: PoolSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def split(self, request, pk=None):
        pool = self.get_object()
        services.work_fund_split(pool=pool, actor=request.user)
        return Response(PoolSerializer(self.get_queryset().get(pk=pool.pk)).data)
