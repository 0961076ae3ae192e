from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from qinhuai_talent.core.api.serializers import OrgUnitCodeField
from qinhuai_talent.core.models import FIELD_UNIT_KINDS, OrgUnit
from qinhuai_talent.core.references import ScopedReferences

from ..models import (
    Activity,
    ActivityKind,
    Assessment,
    AssessmentScheme,
    FundRule,
    GradeBand,
    Indicator,
    IndicatorKind,
    IndicatorScore,
    Target,
    TargetMode,
    WorkFundPool,
    WorkFundShare,
)

FIELD_KIND_CHOICES = [(k.value, k.label) for k in FIELD_UNIT_KINDS]


class IndicatorSerializer(ScopedReferences, serializers.ModelSerializer):
    scheme = serializers.PrimaryKeyRelatedField(queryset=AssessmentScheme.objects.all())
    # Checked against the registry by the service (an unknown key is a 400 on ``source``).
    source = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="A computed source key, or blank for manual."
    )
    mode = serializers.ChoiceField(choices=TargetMode.choices, default=TargetMode.LINEAR)
    kind = serializers.ChoiceField(choices=IndicatorKind.choices, default=IndicatorKind.HARD)
    params = serializers.DictField(required=False, default=dict)

    class Meta:
        model = Indicator
        fields = [
            "id",
            "scheme",
            "key",
            "label",
            "weight",
            "mode",
            "kind",
            "source",
            "core",
            "is_veto",
            "min_value",
            "max_value",
            "points_per_unit",
            "unit_label",
            "params",
            "description",
            "order",
        ]
        # The scheme+key uniqueness is checked (with its message) by the service.
        validators = []


class GradeBandSerializer(ScopedReferences, serializers.ModelSerializer):
    class Meta:
        model = GradeBand
        fields = ["code", "label", "label_en", "min_total", "fund_factor"]


class SchemeSerializer(ScopedReferences, serializers.ModelSerializer):
    unit_kind = serializers.ChoiceField(choices=FIELD_KIND_CHOICES)
    indicators = IndicatorSerializer(many=True, read_only=True)
    grade_bands = GradeBandSerializer(many=True, read_only=True)
    base_weight_sum = serializers.SerializerMethodField()

    class Meta:
        model = AssessmentScheme
        fields = [
            "id",
            "year",
            "unit_kind",
            "name",
            "state",
            "copied_from",
            "base_weight_sum",
            "indicators",
            "grade_bands",
        ]
        read_only_fields = ["state", "copied_from"]
        validators = []

    def get_base_weight_sum(self, obj) -> str:
        return f"{sum((i.weight for i in obj.indicators.all() if i.counts_towards_100), 0):.2f}"


class SchemeCopySerializer(ScopedReferences, serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    with_targets = serializers.BooleanField(default=True)


class TargetSerializer(ScopedReferences, serializers.ModelSerializer):
    org_unit = OrgUnitCodeField(read_only=False, queryset=OrgUnit.objects.filter(kind__in=FIELD_UNIT_KINDS))
    indicator = serializers.PrimaryKeyRelatedField(queryset=Indicator.objects.select_related("scheme"))
    indicator_key = serializers.CharField(source="indicator.key", read_only=True)
    year = serializers.IntegerField(source="indicator.scheme.year", read_only=True)

    class Meta:
        model = Target
        fields = ["id", "org_unit", "indicator", "indicator_key", "year", "value"]
        validators = []


class ActivitySerializer(ScopedReferences, serializers.ModelSerializer):
    org_unit = OrgUnitCodeField(read_only=False, queryset=OrgUnit.objects.filter(kind__in=FIELD_UNIT_KINDS))
    kind = serializers.ChoiceField(choices=ActivityKind.choices)
    participants = serializers.IntegerField(min_value=0)

    class Meta:
        model = Activity
        fields = ["id", "org_unit", "kind", "title", "held_on", "participants", "notes"]


class IndicatorScoreSerializer(ScopedReferences, serializers.ModelSerializer):
    org_unit = OrgUnitCodeField(source="assessment.org_unit")
    year = serializers.IntegerField(source="assessment.year", read_only=True)
    indicator_key = serializers.CharField(source="indicator.key", read_only=True)
    indicator_label = serializers.CharField(source="indicator.label", read_only=True)
    kind = serializers.CharField(source="indicator.kind", read_only=True)
    weight = serializers.DecimalField(source="indicator.weight", max_digits=6, decimal_places=2, read_only=True)

    class Meta:
        model = IndicatorScore
        fields = [
            "id",
            "assessment",
            "org_unit",
            "year",
            "indicator",
            "indicator_key",
            "indicator_label",
            "kind",
            "weight",
            "actual",
            "target",
            "score",
            "explanation",
            "record_count",
            "manual",
            "evidence",
        ]
        read_only_fields = fields


class AssessmentSerializer(ScopedReferences, serializers.ModelSerializer):
    org_unit = OrgUnitCodeField()
    state = serializers.CharField(read_only=True, help_text="draft, computed, confirmed, objected or published")
    unit_kind = serializers.CharField(source="org_unit.kind", read_only=True)
    change = serializers.DecimalField(max_digits=7, decimal_places=2, read_only=True, allow_null=True)
    confirmed_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = Assessment
        fields = [
            "id",
            "org_unit",
            "unit_kind",
            "year",
            "scheme",
            "state",
            "total",
            "hard_total",
            "soft_total",
            "bonus_total",
            "vetoed",
            "grade_band",
            "grade_band_en",
            "grade_code",
            "rank",
            "previous_total",
            "change",
            "unit_comment",
            "confirmed_by",
            "computed_at",
            "published_at",
        ]
        read_only_fields = fields


class AssessmentDetailSerializer(AssessmentSerializer):
    scores = IndicatorScoreSerializer(many=True, read_only=True)

    class Meta(AssessmentSerializer.Meta):
        fields = [*AssessmentSerializer.Meta.fields, "scores"]
        read_only_fields = fields


class AssessmentReasonSerializer(ScopedReferences, serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ManualValueSerializer(ScopedReferences, serializers.Serializer):
    indicator = serializers.IntegerField()
    value = serializers.DecimalField(max_digits=16, decimal_places=2)
    evidence = serializers.CharField(allow_blank=True)


class AssessmentLeagueRowSerializer(ScopedReferences, serializers.Serializer):
    position = serializers.IntegerField(allow_null=True)
    assessment = serializers.IntegerField(source="assessment_id")
    org_unit = serializers.CharField(source="org_unit.code")
    unit_name = serializers.CharField(source="org_unit.name")
    unit_kind = serializers.CharField()
    state = serializers.CharField()
    total = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    hard_total = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    soft_total = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    bonus_total = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    vetoed = serializers.BooleanField()
    grade_band = serializers.CharField()
    grade_band_en = serializers.CharField()
    rank = serializers.IntegerField(allow_null=True)
    previous_total = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    change = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)


class AssessmentLeagueQuerySerializer(ScopedReferences, serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    unit_kind = serializers.ChoiceField(choices=FIELD_KIND_CHOICES, required=False, allow_blank=True)
    part = serializers.ChoiceField(choices=["total", "hard_total", "soft_total"], default="total")


class AssessmentLeagueTableSerializer(ScopedReferences, serializers.Serializer):
    year = serializers.IntegerField()
    unit_kind = serializers.CharField(allow_null=True)
    part = serializers.CharField()
    results = AssessmentLeagueRowSerializer(many=True)


class ShareSerializer(ScopedReferences, serializers.ModelSerializer):
    org_unit = OrgUnitCodeField()
    grade_band = serializers.CharField(source="assessment.grade_band", read_only=True)
    grade_band_en = serializers.CharField(source="assessment.grade_band_en", read_only=True)

    class Meta:
        model = WorkFundShare
        fields = ["org_unit", "total", "grade_band", "grade_band_en", "weight", "amount", "explanation"]
        read_only_fields = fields


class PoolSerializer(ScopedReferences, serializers.ModelSerializer):
    unit_kind = serializers.ChoiceField(choices=[("", "all")] + FIELD_KIND_CHOICES, required=False, default="")
    rule = serializers.ChoiceField(choices=FundRule.choices, default=FundRule.BY_SCORE)
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=Decimal("0.01"))
    shares = ShareSerializer(many=True, read_only=True)

    class Meta:
        model = WorkFundPool
        fields = [
            "id",
            "year",
            "name",
            "unit_kind",
            "amount",
            "rule",
            "base_percent",
            "min_total",
            "state",
            "split_at",
            "shares",
        ]
        read_only_fields = ["state", "split_at", "shares"]
        validators = []
        extra_kwargs = {"base_percent": {"help_text": _("Part of the pool split equally among qualifying units.")}}
