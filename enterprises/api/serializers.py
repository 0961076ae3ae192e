"""Enterprise API shapes: units as codes, money as decimal strings with two places, dates ISO."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from qinhuai_talent.core.api.serializers import OrgUnitCodeField, PersonField
from qinhuai_talent.core.models import OrgUnit
from qinhuai_talent.core.references import ScopedReferences
from talents.models import Industry

from ..models import (
    Enterprise,
    Evaluation,
    FinancingRound,
    Founder,
    MakerSpace,
    OperatingReport,
    PeriodKind,
    SupportKind,
    SupportPlanItem,
)

DERIVED = [
    "cumulative_sales",
    "cumulative_revenue",
    "cumulative_financing",
    "revenue_growth",
    "revenue_tier",
    "enterprise_class",
    "latest_grade",
    "latest_report_year",
    "latest_report_quarter",
    "latest_employees",
    "figures_updated_at",
]


class ScopedEnterpriseField(serializers.PrimaryKeyRelatedField):
    """An enterprise id among those the caller may see: any other id reads as not existing."""

    def get_queryset(self):
        from ..selectors import enterprises_for

        request = self.context.get("request")
        if request is None:
            return Enterprise.objects.none()
        return enterprises_for(request.user)


class FilingEnterpriseField(ScopedEnterpriseField):
    """The enterprise a report or a financing round is filed for: an enterprise account's own,
    an officer's unit's, any for the office. Any other id is refused with a message that says so."""

    default_error_messages = {
        "does_not_exist": _("You may not file for enterprise {pk_value}: it is not yours or does not exist."),
    }

    def get_queryset(self):
        from ..selectors import enterprises_in_reach

        request = self.context.get("request")
        if request is None:
            return Enterprise.objects.none()
        return enterprises_in_reach(request.user)


class FounderSerializer(ScopedReferences, serializers.ModelSerializer):
    talent = serializers.PrimaryKeyRelatedField(read_only=True)
    talent_name = serializers.CharField(source="talent.name", read_only=True)

    class Meta:
        model = Founder
        fields = [
            "talent",
            "talent_name",
            "equity_share",
            "is_legal_representative",
            "full_time",
            "not_full_time_since",
        ]


class EnterpriseSerializer(ScopedReferences, serializers.ModelSerializer):
    org_unit = OrgUnitCodeField(read_only=False, queryset=OrgUnit.objects.all())
    industry = serializers.SlugRelatedField(slug_field="code", queryset=Industry.objects.all())
    maker_space = serializers.PrimaryKeyRelatedField(queryset=MakerSpace.objects.all(), allow_null=True, required=False)
    credit_code = serializers.CharField(max_length=40, help_text=_("Unified social credit code (18 characters)."))
    name = serializers.CharField(max_length=160)
    # A plain string: the grade enum is named once, by the evaluations' ``grade``.
    latest_grade = serializers.CharField(read_only=True, help_text=_("A to D; empty before the first evaluation."))

    class Meta:
        model = Enterprise
        fields = [
            "id",
            "name",
            "credit_code",
            "registered_on",
            "moved_in_on",
            "registered_capital",
            "paid_in_capital",
            "address",
            "org_unit",
            "industry",
            "maker_space",
            "listing",
            "listed_on",
            "liaison_officer",
            "status",
            "status_changed_on",
            *DERIVED,
        ]
        read_only_fields = ["liaison_officer", *DERIVED]


class EnterpriseDetailSerializer(EnterpriseSerializer):
    founders = FounderSerializer(many=True, read_only=True)

    class Meta(EnterpriseSerializer.Meta):
        fields = [*EnterpriseSerializer.Meta.fields, "founders"]


class OperatingReportSerializer(ScopedReferences, serializers.ModelSerializer):
    enterprise = FilingEnterpriseField(
        required=False,
        help_text="The enterprise filed for; an enterprise account may leave it out (its own enterprise).",
    )
    org_unit = OrgUnitCodeField(source="enterprise.org_unit")
    period_kind = serializers.ChoiceField(choices=PeriodKind.choices, default=PeriodKind.QUARTER)
    net_profit = serializers.DecimalField(max_digits=16, decimal_places=2, default=0)

    class Meta:
        model = OperatingReport
        fields = [
            "id",
            "enterprise",
            "org_unit",
            "period_kind",
            "year",
            "quarter",
            "sales",
            "main_revenue",
            "net_profit",
            "tax_paid",
            "employees",
            "insured_employees",
            "rnd_spend",
            "patents_filed",
            "patents_granted",
            "version",
            "is_current",
            "submitted_at",
        ]
        read_only_fields = ["version", "is_current", "submitted_at"]
        # One current report per period is the service's rule (a second one is a correction).
        validators = []


class FinancingRoundSerializer(ScopedReferences, serializers.ModelSerializer):
    enterprise = FilingEnterpriseField(
        required=False,
        help_text="The enterprise filed for; an enterprise account may leave it out (its own enterprise).",
    )
    org_unit = OrgUnitCodeField(source="enterprise.org_unit")

    class Meta:
        model = FinancingRound
        fields = ["id", "enterprise", "org_unit", "investor", "round", "amount", "closed_on", "instrument"]
        # Loans and guarantees are recorded by the financing provider's outcome (serviceplatform).
        read_only_fields = ["instrument"]


class EvaluationSerializer(ScopedReferences, serializers.ModelSerializer):
    enterprise = ScopedEnterpriseField()
    org_unit = OrgUnitCodeField(source="enterprise.org_unit")

    class Meta:
        model = Evaluation
        fields = [
            "id",
            "enterprise",
            "org_unit",
            "year",
            "half",
            "evaluator",
            "grade",
            "score",
            "comments",
            "evaluated_on",
        ]


class MakerSpaceSerializer(ScopedReferences, serializers.ModelSerializer):
    org_unit = OrgUnitCodeField()
    enterprise_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = MakerSpace
        fields = ["id", "name", "level", "operator", "org_unit", "address", "enterprise_count"]


class SupportItemSerializer(ScopedReferences, serializers.ModelSerializer):
    enterprise = ScopedEnterpriseField()
    org_unit = OrgUnitCodeField(source="enterprise.org_unit")
    kind = serializers.ChoiceField(choices=SupportKind.choices)
    owner = PersonField()
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = SupportPlanItem
        fields = [
            "id",
            "enterprise",
            "org_unit",
            "kind",
            "title",
            "owner",
            "due_on",
            "status",
            "outcome",
            "completed_on",
            "is_overdue",
        ]
        read_only_fields = ["status", "outcome", "completed_on"]
        validators = []


class SupportActionSerializer(ScopedReferences, serializers.Serializer):
    outcome = serializers.CharField(required=False, allow_blank=True, default="")
    reason = serializers.CharField(required=False, allow_blank=True, default="")
