from rest_framework import serializers

from enterprises.models import Grade
from qinhuai_talent.core.api.serializers import OrgUnitCodeField
from qinhuai_talent.core.models import FIELD_UNIT_KINDS, OrgUnit
from qinhuai_talent.core.money import to_money
from qinhuai_talent.core.references import ScopedReferences

from .. import explain
from ..models import (
    Agreement,
    ApprovalLimit,
    Budget,
    ClosedYear,
    ExitCase,
    ExitFlag,
    FundingSource,
    LedgerEntry,
    Milestone,
    Payout,
    Reversal,
    Tranche,
    UseOfFundsReport,
)

MONEY = {"max_digits": 16, "decimal_places": 2, "read_only": True}


class AgreementSerializer(ScopedReferences, serializers.ModelSerializer):
    org_unit = OrgUnitCodeField()
    enterprise = serializers.CharField(source="enterprise.name", read_only=True)
    talent = serializers.CharField(source="talent.name", read_only=True)
    program = serializers.SlugRelatedField(slug_field="code", read_only=True)
    eligible = serializers.DecimalField(source="eligible_amount", **MONEY)
    held = serializers.DecimalField(source="held_amount", **MONEY)
    remaining = serializers.DecimalField(source="waiting_amount", **MONEY)

    class Meta:
        model = Agreement
        fields = [
            "id",
            "number",
            "org_unit",
            "enterprise",
            "enterprise_id",
            "talent",
            "program",
            "application_id",
            "state",
            "startup_grant",
            "rent_subsidy",
            "equity_investment",
            "total",
            "city_share",
            "district_share",
            "paid_total",
            "eligible",
            "held",
            "remaining",
            "starts_on",
            "ends_on",
            "budget_id",
            "city_budget_id",
        ]
        read_only_fields = fields


class MilestoneSerializer(ScopedReferences, serializers.ModelSerializer):
    # Blank for every kind but "grade": documented as such so responses match the schema.
    grade = serializers.ChoiceField(choices=Grade.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Milestone
        fields = ["id", "kind", "threshold", "grade", "target_date", "due_on", "met", "met_on", "evidence"]
        read_only_fields = fields


class TrancheSerializer(ScopedReferences, serializers.ModelSerializer):
    org_unit = OrgUnitCodeField(source="agreement.org_unit")
    agreement = serializers.PrimaryKeyRelatedField(read_only=True)
    milestones = MilestoneSerializer(many=True, read_only=True)

    class Meta:
        model = Tranche
        fields = ["id", "agreement", "org_unit", "sequence", "planned_amount", "due_on", "state", "milestones"]
        read_only_fields = fields


class PayoutSerializer(ScopedReferences, serializers.ModelSerializer):
    org_unit = OrgUnitCodeField()
    agreement_number = serializers.CharField(source="agreement.number", read_only=True)
    tranche_sequence = serializers.IntegerField(source="tranche.sequence", read_only=True)
    explanation = serializers.SerializerMethodField()
    prepared_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    approved_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = Payout
        fields = [
            "id",
            "agreement",
            "agreement_number",
            "tranche",
            "tranche_sequence",
            "org_unit",
            "amount",
            "factor",
            "approver_level",
            "state",
            "explanation",
            "prepared_by",
            "approved_by",
            "approved_at",
            "paid_at",
            "voucher",
            "computed_at",
        ]
        read_only_fields = fields
        # List rows come from .values() (qinhuai_talent.core.api.rows): the column the method reads.
        row_sources = {"explanation": ["reasons"]}

    def get_explanation(self, obj) -> str:
        """In the caller's language (Accept-Language)."""
        return explain.render(obj.reasons)


class OwnPayoutSerializer(PayoutSerializer):
    """A payout as its enterprise, or a founder, reads it: in ``PayoutSerializer``'s shape, with the
    back office's people (who prepared and who approved it) null, as the agreement page names
    nobody (``access.names_to``; the list's rows are built without a request, so the rule is applied
    by choosing this serializer for outside readers rather than field by field)."""

    prepared_by = serializers.SerializerMethodField(method_name="get_nobody")
    approved_by = serializers.SerializerMethodField(method_name="get_nobody")

    class Meta(PayoutSerializer.Meta):
        row_sources = {**PayoutSerializer.Meta.row_sources, "prepared_by": [], "approved_by": []}

    def get_nobody(self, obj) -> str | None:
        return None


class PaySerializer(ScopedReferences, serializers.Serializer):
    voucher = serializers.CharField(max_length=40)
    paid_on = serializers.DateField(required=False, allow_null=True)


class LedgerEntrySerializer(ScopedReferences, serializers.ModelSerializer):
    org_unit = OrgUnitCodeField()
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "agreement",
            "payout",
            "org_unit",
            "kind",
            "amount",
            "voucher",
            "entry_date",
            "recorded_by",
            "recorded_at",
            "note",
            "reverses",
            "prev_hash",
            "hash",
        ]
        read_only_fields = fields


class PaymentResultSerializer(ScopedReferences, serializers.Serializer):
    created = serializers.BooleanField()
    payment = LedgerEntrySerializer()
    payout = PayoutSerializer()


class BudgetSerializer(ScopedReferences, serializers.ModelSerializer):
    org_unit = OrgUnitCodeField()
    committed = serializers.SerializerMethodField()
    paid = serializers.DecimalField(**MONEY)
    available = serializers.SerializerMethodField()

    class Meta:
        model = Budget
        fields = ["id", "org_unit", "year", "source", "amount", "committed", "paid", "available"]
        read_only_fields = fields

    def get_committed(self, obj) -> str:
        return f"{to_money(obj.committed):.2f}"

    def get_available(self, obj) -> str:
        return f"{obj.amount - to_money(obj.committed):.2f}"


class BudgetWriteSerializer(ScopedReferences, serializers.Serializer):
    """A budget as the office sets it: unit (code), year, source and amount."""

    org_unit = serializers.SlugRelatedField(
        slug_field="code", queryset=OrgUnit.objects.filter(kind__in=FIELD_UNIT_KINDS)
    )
    year = serializers.IntegerField(min_value=1900, max_value=9999)
    source = serializers.ChoiceField(choices=FundingSource.choices)
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=0)


class ReversalSerializer(ScopedReferences, serializers.ModelSerializer):
    org_unit = OrgUnitCodeField()
    proposed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = Reversal
        fields = [
            "id",
            "payout",
            "payment",
            "org_unit",
            "amount",
            "voucher",
            "reason",
            "state",
            "proposed_by",
            "proposed_at",
            "decided_by",
            "decided_at",
            "entry",
        ]
        read_only_fields = fields


class ReversalProposeSerializer(ScopedReferences, serializers.Serializer):
    voucher = serializers.CharField(max_length=40)
    reason = serializers.CharField()


class DecisionSerializer(ScopedReferences, serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ApprovalLimitSerializer(ScopedReferences, serializers.ModelSerializer):
    org_unit = OrgUnitCodeField()

    class Meta:
        model = ApprovalLimit
        fields = ["id", "org_unit", "max_amount"]
        read_only_fields = fields


class ApprovalLimitWriteSerializer(ScopedReferences, serializers.Serializer):
    """A unit's delegated approval limit as the office sets it."""

    org_unit = serializers.SlugRelatedField(
        slug_field="code", queryset=OrgUnit.objects.filter(kind__in=FIELD_UNIT_KINDS)
    )
    max_amount = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=0)


class ExitFlagSerializer(ScopedReferences, serializers.ModelSerializer):
    org_unit = OrgUnitCodeField()
    closed_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = ExitFlag
        fields = [
            "id",
            "agreement",
            "org_unit",
            "rule",
            "evidence",
            "details",
            "state",
            "raised_at",
            "closed_at",
            "closed_by",
            "reason",
        ]
        read_only_fields = fields


class ReasonSerializer(ScopedReferences, serializers.Serializer):
    reason = serializers.CharField()


class ExitCaseSerializer(ScopedReferences, serializers.ModelSerializer):
    org_unit = OrgUnitCodeField()

    class Meta:
        model = ExitCase
        fields = [
            "id",
            "agreement",
            "org_unit",
            "flags",
            "state",
            "opened_at",
            "rectification_due",
            "decision",
            "decided_at",
            "recovery_due",
            "recovered",
        ]
        read_only_fields = fields


class ClosedYearSerializer(serializers.ModelSerializer):
    closed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ClosedYear
        fields = ["id", "year", "reason", "closed_by", "closed_at"]
        read_only_fields = ["id", "closed_by", "closed_at"]
        # The service says why a year cannot be closed (already closed, not ended), as a 400.
        extra_kwargs = {"year": {"validators": []}}


class UseOfFundsReportSerializer(ScopedReferences, serializers.ModelSerializer):
    org_unit = OrgUnitCodeField()
    agreement = serializers.PrimaryKeyRelatedField(source="tranche.agreement", read_only=True)

    class Meta:
        model = UseOfFundsReport
        fields = [
            "id",
            "tranche",
            "agreement",
            "org_unit",
            "period_start",
            "period_end",
            "amount_used",
            "summary",
            "submitted_on",
            "original_name",
            "size",
            "accepted",
            "accepted_on",
        ]
        read_only_fields = fields


class UseOfFundsReportUploadSerializer(ScopedReferences, serializers.Serializer):
    tranche = serializers.IntegerField(help_text="A paid tranche of the enterprise's own agreement")
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    amount_used = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=0)
    summary = serializers.CharField()
    file = serializers.FileField(help_text="Statement of expenditure: PDF, PNG or JPEG, up to 5 MB")
