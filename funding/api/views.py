"""The funding API: read-only lists in the caller's scope, and the payout actions."""

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from qinhuai_talent.core.access import get_or_404, is_outside
from qinhuai_talent.core.api.permissions import PortalPermission, ReadOnlyForReaders
from qinhuai_talent.core.api.rows import ValuesListMixin
from qinhuai_talent.core.errors import ActionNotAllowed, DomainError
from qinhuai_talent.core.models import Role

from .. import policies, selectors, services
from ..models import (
    Agreement,
    AgreementState,
    ApprovalLimit,
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
    Reversal,
    ReversalState,
    Tranche,
    TrancheState,
    UseOfFundsReport,
)
from .serializers import (
    AgreementSerializer,
    ApprovalLimitSerializer,
    ApprovalLimitWriteSerializer,
    BudgetSerializer,
    BudgetWriteSerializer,
    ClosedYearSerializer,
    DecisionSerializer,
    ExitCaseSerializer,
    ExitFlagSerializer,
    LedgerEntrySerializer,
    OwnPayoutSerializer,
    PaymentResultSerializer,
    PayoutSerializer,
    PaySerializer,
    ReasonSerializer,
    ReversalProposeSerializer,
    ReversalSerializer,
    TrancheSerializer,
    UseOfFundsReportSerializer,
    UseOfFundsReportUploadSerializer,
)

ERRORS = {
    400: OpenApiResponse(description="Refused by the rules (message per field)"),
    403: OpenApiResponse(description="Your role or unit may not do this"),
    404: OpenApiResponse(description="Not found or outside your scope"),
}


def _office_only(user) -> None:
    """Refused by role before the body is read: a 403, whatever the body says."""
    if not policies.can_set_budgets(user):
        raise ActionNotAllowed(_("Only the district office sets budgets and approval limits."))


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
    selector = staticmethod(selectors.agreements_in_reach)
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
    """Payout proposals; ``approve`` or ``return`` (with a reason) by the approver, ``resubmit`` by
    the unit, ``pay`` by finance (at most once)."""

    queryset_model = Payout
    selector = staticmethod(selectors.payouts_in_reach)
    serializer_class = PayoutSerializer
    filterset_class = PayoutFilter

    def get_queryset(self):
        return super().get_queryset().order_by("-computed_at", "-id")

    def get_serializer_class(self):
        return OwnPayoutSerializer if is_outside(self.request.user) else PayoutSerializer

    @extend_schema(request=None, responses={200: PayoutSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        payout = self.get_object()
        services.payout_approve(actor=request.user, payout_id=payout.pk)
        return Response(PayoutSerializer(self.get_queryset().get(pk=payout.pk), context={"request": request}).data)

    @extend_schema(request=ReasonSerializer, responses={200: PayoutSerializer, **ERRORS})
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        """The approver returns a proposed payout with the reason; its preparer hears of it."""
        payout = self.get_object()
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.payout_return(actor=request.user, payout_id=payout.pk, reason=data.validated_data["reason"])
        return Response(PayoutSerializer(self.get_queryset().get(pk=payout.pk), context={"request": request}).data)

    @extend_schema(request=DecisionSerializer, responses={200: PayoutSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def resubmit(self, request, pk=None):
        """The unit (or the office) puts a returned payout to its approver again."""
        payout = self.get_object()
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.payout_resubmit(actor=request.user, payout_id=payout.pk, reason=data.validated_data["reason"])
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

    @extend_schema(request=ReversalProposeSerializer, responses={201: ReversalSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def reverse(self, request, pk=None):
        """Finance proposes to reverse the payment (voucher, reason); the office decides."""
        payout = self.get_object()
        data = ReversalProposeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reversal = services.reversal_propose(actor=request.user, payout_id=payout.pk, **data.validated_data)
        return Response(
            ReversalSerializer(selectors.reversals_for(request.user).get(pk=reversal.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class ReversalFilter(filters.FilterSet):
    org_unit = filters.CharFilter(field_name="org_unit__code")
    state = filters.ChoiceFilter(choices=ReversalState.choices)
    payout = filters.NumberFilter(field_name="payout_id")

    class Meta:
        model = Reversal
        fields = ["org_unit", "state", "payout"]


class ReversalViewSet(ScopedViewSet):
    """Payment reversals (冲正): proposed by finance (``POST payouts/{id}/reverse/``), approved or
    rejected (with a reason) by the district office, never by their proposer; withdrawn by the
    proposer. An approval writes a negative ledger entry that points at the payment."""

    queryset_model = Reversal
    selector = staticmethod(selectors.reversals_for)
    serializer_class = ReversalSerializer
    filterset_class = ReversalFilter

    def get_queryset(self):
        return super().get_queryset().order_by("-proposed_at", "-id")

    def _decide(self, request, decide):
        reversal = self.get_object()
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        decide(actor=request.user, reversal_id=reversal.pk, reason=data.validated_data["reason"])
        return Response(ReversalSerializer(self.get_queryset().get(pk=reversal.pk)).data)

    @extend_schema(request=DecisionSerializer, responses={200: ReversalSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(request, services.reversal_approve)

    @extend_schema(request=DecisionSerializer, responses={200: ReversalSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._decide(request, services.reversal_reject)

    @extend_schema(request=DecisionSerializer, responses={200: ReversalSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._decide(request, services.reversal_withdraw)


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


class BudgetViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, ScopedViewSet):
    """Budgets per unit, year and source: amount, committed, paid, available. The office sets one
    (``POST``) and changes one (``PUT``, ``PATCH``): never below what is committed against it, its
    unit, year and source only while no agreement is charged to it; one per unit, year and source."""

    queryset_model = Budget
    selector = staticmethod(selectors.budgets_for)
    serializer_class = BudgetSerializer
    filterset_class = BudgetFilter

    def get_queryset(self):
        return super().get_queryset().order_by("-year", "org_unit__code", "source")

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return BudgetWriteSerializer
        return BudgetSerializer

    def _answer(self, budget, code=status.HTTP_200_OK):
        return Response(BudgetSerializer(self.get_queryset().get(pk=budget.pk)).data, status=code)

    @extend_schema(request=BudgetWriteSerializer, responses={201: BudgetSerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        _office_only(request.user)
        data = BudgetWriteSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        budget = services.budget_create(actor=request.user, **data.validated_data)
        return self._answer(budget, status.HTTP_201_CREATED)

    @extend_schema(request=BudgetWriteSerializer, responses={200: BudgetSerializer, **ERRORS})
    def update(self, request, *args, **kwargs):
        budget = get_or_404(self.get_queryset(), pk=kwargs["pk"])
        _office_only(request.user)
        data = BudgetWriteSerializer(
            data=request.data, partial=kwargs.get("partial", False), context={"request": request}
        )
        data.is_valid(raise_exception=True)
        budget = services.budget_update(actor=request.user, budget_id=budget.pk, **data.validated_data)
        return self._answer(budget)


class ApprovalLimitViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, ScopedViewSet):
    """Each unit's delegated approval limit (资金审批权): its officers approve payouts up to it.
    The office sets one (``POST``: a unit's code and ``max_amount``; a unit that has one gets it
    changed) and changes one (``PUT``, ``PATCH``); kept in the limit's history."""

    queryset_model = ApprovalLimit
    selector = staticmethod(selectors.limits_for)
    serializer_class = ApprovalLimitSerializer

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return ApprovalLimitWriteSerializer
        return ApprovalLimitSerializer

    def _answer(self, limit, code=status.HTTP_200_OK):
        return Response(ApprovalLimitSerializer(self.get_queryset().get(pk=limit.pk)).data, status=code)

    @extend_schema(request=ApprovalLimitWriteSerializer, responses={201: ApprovalLimitSerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        _office_only(request.user)
        data = ApprovalLimitWriteSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        limit = services.approval_limit_set(actor=request.user, **data.validated_data)
        return self._answer(limit, status.HTTP_201_CREATED)

    @extend_schema(request=ApprovalLimitWriteSerializer, responses={200: ApprovalLimitSerializer, **ERRORS})
    def update(self, request, *args, **kwargs):
        limit = get_or_404(self.get_queryset(), pk=kwargs["pk"])
        _office_only(request.user)
        data = ApprovalLimitWriteSerializer(
            data=request.data, partial=kwargs.get("partial", False), context={"request": request}
        )
        data.is_valid(raise_exception=True)
        if data.validated_data.get("org_unit", limit.org_unit) != limit.org_unit:
            raise DomainError(_("A limit stays with its unit; set the other unit's own."), field="org_unit")
        limit = services.approval_limit_set(
            actor=request.user,
            org_unit=limit.org_unit,
            max_amount=data.validated_data.get("max_amount", limit.max_amount),
        )
        return self._answer(limit)


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


class EnterprisesReportToo(ReadOnlyForReaders):
    """As for every write, and an enterprise account reports on its own tranches (issue 16)."""

    def has_permission(self, request, view):
        if request.method == "POST" and getattr(request.user, "role", None) == Role.ENTERPRISE:
            return PortalPermission.has_permission(self, request, view)
        return super().has_permission(request, view)


class UseOfFundsReportViewSet(mixins.CreateModelMixin, ScopedViewSet):
    """Use-of-funds reports (资金使用情况报告) on paid tranches: an enterprise account lists and
    files its own (``POST`` multipart: a paid tranche of its own agreement, the period, the amount
    used, a summary and the statement of expenditure); officers read their units'. Another
    enterprise's tranche is a 404; a second report of a tranche, an unpaid tranche or a bad file a
    400 with the reason."""

    queryset_model = UseOfFundsReport
    selector = staticmethod(selectors.use_of_funds_reports_for)
    serializer_class = UseOfFundsReportSerializer
    permission_classes = [EnterprisesReportToo]
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        return super().get_queryset().order_by("-submitted_on", "-id")

    @extend_schema(
        request={"multipart/form-data": UseOfFundsReportUploadSerializer},
        responses={201: UseOfFundsReportSerializer, **ERRORS},
    )
    def create(self, request, *args, **kwargs):
        body = UseOfFundsReportUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        tranche = get_or_404(selectors.own_tranches(request.user), pk=data["tranche"])
        report = services.use_of_funds_report(
            actor=request.user,
            tranche_id=tranche.pk,
            period_start=data["period_start"],
            period_end=data["period_end"],
            amount_used=data["amount_used"],
            summary=data["summary"],
            upload=data["file"],
        )
        return Response(UseOfFundsReportSerializer(report).data, status=status.HTTP_201_CREATED)
