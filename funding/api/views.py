"""The funding API: read-only lists in the caller's scope, and the payout actions."""

from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from qinhuai_talent.core.api.permissions import ReadOnlyForReaders
from qinhuai_talent.core.api.rows import ValuesListMixin

from .. import selectors, services
from ..models import (
    Agreement,
    AgreementState,
    Budget,
    CaseState,
    ClosedYear,
    ExitCase,
    ExitFlag,
    ExitRule,
    FlagState,
    FundingSource,
    LedgerEntry,
    LedgerKind,
    Payout,
    PayoutState,
    Tranche,
    TrancheState,
)
from .serializers import (
    AgreementSerializer,
    BudgetSerializer,
    ClosedYearSerializer,
    ExitCaseSerializer,
    ExitFlagSerializer,
    LedgerEntrySerializer,
    PaymentResultSerializer,
    PayoutSerializer,
    PaySerializer,
    ReasonSerializer,
    TrancheSerializer,
)

ERRORS = {
    400: OpenApiResponse(description="Refused by the rules (message per field)"),
    403: OpenApiResponse(description="Your role or unit may not do this"),
    404: OpenApiResponse(description="Not found or outside your scope"),
}


class ScopedViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [ReadOnlyForReaders]
    selector = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False) or not self.request.user.is_authenticated:
            return self.queryset_model.objects.none()
        return type(self).selector(self.request.user)


class AgreementFilter(filters.FilterSet):
    org_unit = filters.CharFilter(field_name="org_unit__code")
    state = filters.ChoiceFilter(choices=AgreementState.choices)
    enterprise = filters.NumberFilter(field_name="enterprise_id")

    class Meta:
        model = Agreement
        fields = ["org_unit", "state", "enterprise"]


class AgreementViewSet(ScopedViewSet):
    """Support agreements with their progress (paid, eligible, held, remaining)."""

    queryset_model = Agreement
    selector = staticmethod(selectors.agreements_for)
    serializer_class = AgreementSerializer
    filterset_class = AgreementFilter
    ordering = ["-starts_on", "number"]

    def get_queryset(self):
        return super().get_queryset().order_by("-starts_on", "number")


class TrancheFilter(filters.FilterSet):
    agreement = filters.NumberFilter(field_name="agreement_id")
    state = filters.ChoiceFilter(choices=TrancheState.choices)

    class Meta:
        model = Tranche
        fields = ["agreement", "state"]


class TrancheViewSet(ScopedViewSet):
    queryset_model = Tranche
    selector = staticmethod(selectors.tranches_for)
    serializer_class = TrancheSerializer
    filterset_class = TrancheFilter


class PayoutFilter(filters.FilterSet):
    org_unit = filters.CharFilter(field_name="org_unit__code")
    state = filters.ChoiceFilter(choices=PayoutState.choices)
    agreement = filters.NumberFilter(field_name="agreement_id")
    approver_level = filters.CharFilter()

    class Meta:
        model = Payout
        fields = ["org_unit", "state", "agreement", "approver_level"]


class PayoutViewSet(ValuesListMixin, ScopedViewSet):
    """Payout proposals; ``approve`` by the approver, ``pay`` by finance (at most once)."""

    queryset_model = Payout
    selector = staticmethod(selectors.payouts_for)
    serializer_class = PayoutSerializer
    filterset_class = PayoutFilter

    def get_queryset(self):
        return super().get_queryset().order_by("-computed_at", "-id")

    @extend_schema(request=None, responses={200: PayoutSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        payout = self.get_object()
        services.payout_approve(actor=request.user, payout_id=payout.pk)
        return Response(PayoutSerializer(self.get_queryset().get(pk=payout.pk), context={"request": request}).data)

    @extend_schema(
        request=PaySerializer,
        responses={
            201: PaymentResultSerializer,
            200: OpenApiResponse(PaymentResultSerializer, description="Already paid: the existing payment"),
            **ERRORS,
        },
    )
    @action(detail=True, methods=["post"])
    def pay(self, request, pk=None):
        payout = self.get_object()
        data = PaySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry, created = services.payout_pay(
            actor=request.user,
            payout_id=payout.pk,
            voucher=data.validated_data["voucher"],
            paid_on=data.validated_data.get("paid_on"),
        )
        body = {
            "created": created,
            "payment": LedgerEntrySerializer(entry).data,
            "payout": PayoutSerializer(self.get_queryset().get(pk=payout.pk), context={"request": request}).data,
        }
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class LedgerFilter(filters.FilterSet):
    payout = filters.NumberFilter(field_name="payout_id")
    agreement = filters.NumberFilter(field_name="agreement_id")
    kind = filters.ChoiceFilter(choices=LedgerKind.choices)
    org_unit = filters.CharFilter(field_name="org_unit__code")
    entry_date_after = filters.DateFilter(field_name="entry_date", lookup_expr="gte")
    entry_date_before = filters.DateFilter(field_name="entry_date", lookup_expr="lte")

    class Meta:
        model = LedgerEntry
        fields = ["payout", "agreement", "kind", "org_unit"]


class LedgerViewSet(ScopedViewSet):
    """The append-only ledger: payments, reversals and recoveries, chained by hash."""

    queryset_model = LedgerEntry
    selector = staticmethod(selectors.ledger_for)
    serializer_class = LedgerEntrySerializer
    filterset_class = LedgerFilter

    def get_queryset(self):
        return super().get_queryset().order_by("id")


class BudgetFilter(filters.FilterSet):
    org_unit = filters.CharFilter(field_name="org_unit__code")
    source = filters.ChoiceFilter(choices=FundingSource.choices)

    class Meta:
        model = Budget
        fields = ["org_unit", "year", "source"]


class BudgetViewSet(ScopedViewSet):
    """Budgets per unit, year and source: amount, committed, paid, available."""

    queryset_model = Budget
    selector = staticmethod(selectors.budgets_for)
    serializer_class = BudgetSerializer
    filterset_class = BudgetFilter

    def get_queryset(self):
        return super().get_queryset().order_by("-year", "org_unit__code", "source")


class ExitFlagFilter(filters.FilterSet):
    org_unit = filters.CharFilter(field_name="org_unit__code")
    rule = filters.ChoiceFilter(choices=ExitRule.choices)
    state = filters.ChoiceFilter(choices=FlagState.choices)
    agreement = filters.NumberFilter(field_name="agreement_id")

    class Meta:
        model = ExitFlag
        fields = ["org_unit", "rule", "state", "agreement"]


class ExitFlagViewSet(ValuesListMixin, ScopedViewSet):
    queryset_model = ExitFlag
    selector = staticmethod(selectors.flags_for)
    serializer_class = ExitFlagSerializer
    filterset_class = ExitFlagFilter

    @extend_schema(request=ReasonSerializer, responses={200: ExitFlagSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        flag = self.get_object()
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.exit_flag_dismiss(actor=request.user, flag_id=flag.pk, reason=data.validated_data["reason"])
        flag.refresh_from_db()
        return Response(ExitFlagSerializer(flag).data)


class ExitCaseFilter(filters.FilterSet):
    org_unit = filters.CharFilter(field_name="org_unit__code")
    state = filters.ChoiceFilter(choices=CaseState.choices)
    agreement = filters.NumberFilter(field_name="agreement_id")

    class Meta:
        model = ExitCase
        fields = ["org_unit", "state", "agreement"]


class ExitCaseViewSet(ScopedViewSet):
    queryset_model = ExitCase
    selector = staticmethod(selectors.cases_for)
    serializer_class = ExitCaseSerializer
    filterset_class = ExitCaseFilter

    def get_queryset(self):
        return super().get_queryset().prefetch_related("flags")


class ClosedYearViewSet(mixins.CreateModelMixin, ScopedViewSet):
    """Financial years the office has closed: no payment, reversal or recovery may be dated in
    one. ``POST`` (office) closes a year that has ended, with a reason."""

    queryset_model = ClosedYear
    selector = staticmethod(selectors.closed_years_for)
    serializer_class = ClosedYearSerializer

    @extend_schema(request=ClosedYearSerializer, responses={201: ClosedYearSerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        data = ClosedYearSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        closed = services.financial_year_close(actor=request.user, **data.validated_data)
        return Response(ClosedYearSerializer(closed).data, status=status.HTTP_201_CREATED)
