from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from qinhuai_talent.core.api.serializers import OptionalEmailField, OrgUnitCodeField
from qinhuai_talent.core.masking import mask_id_number, mask_phone
from qinhuai_talent.core.models import OrgUnit
from qinhuai_talent.core.references import ScopedReferences

from .. import fit
from ..models import (
    Application,
    Call,
    DocumentKind,
    Industry,
    Origin,
    Program,
    ReviewAssignment,
    RubricCriterion,
    SourceChannel,
    Talent,
    Title,
)


class ProgramSerializer(ScopedReferences, serializers.ModelSerializer):
    class Meta:
        model = Program
        fields = ["code", "name", "name_en", "level", "track", "has_defense", "selection_authority", "max_support"]


class CriterionSerializer(ScopedReferences, serializers.ModelSerializer):
    class Meta:
        model = RubricCriterion
        fields = ["code", "label", "weight", "max_score"]


class CallSerializer(ScopedReferences, serializers.ModelSerializer):
    program = serializers.SlugRelatedField(slug_field="code", queryset=Program.objects.all())
    focus_industries = serializers.SlugRelatedField(
        slug_field="code", queryset=Industry.objects.all(), many=True, required=False
    )
    criteria = CriterionSerializer(many=True)
    # Checked against the document kinds by the service (a message naming the unknown ones).
    required_documents = serializers.ListField(
        child=serializers.CharField(), required=False, help_text=", ".join(DocumentKind.values)
    )

    class Meta:
        model = Call
        fields = [
            "id",
            "program",
            "year",
            "title",
            "opens_on",
            "closes_on",
            "quota",
            "focus_industries",
            "eligibility",
            "required_documents",
            "min_reviews",
            "notice_days",
            "expert_disclosure",
            "criteria",
            "state",
        ]
        read_only_fields = ["id", "state"]
        # Uniqueness of (program, year) is refused by the service with a message naming it.
        validators: list = []


class QuotaSerializer(ScopedReferences, serializers.Serializer):
    quota = serializers.IntegerField(min_value=0, help_text=_("0: no quota."))
    reason = serializers.CharField(max_length=100)


class TitleBriefSerializer(ScopedReferences, serializers.ModelSerializer):
    program = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Title
        fields = ["program", "year", "origin"]


class TalentSerializer(ScopedReferences, serializers.ModelSerializer):
    """``id_number`` and ``phone`` are masked unless the view marks the caller as allowed (detail,
    own unit, office: ``policies.can_see_id_number``)."""

    org_unit = OrgUnitCodeField(queryset=OrgUnit.objects.all(), read_only=False, required=False)
    titles = TitleBriefSerializer(many=True, read_only=True)
    id_number = serializers.CharField(required=False, allow_blank=True, max_length=32)
    email = OptionalEmailField()

    class Meta:
        model = Talent
        fields = [
            "id",
            "name",
            "gender",
            "birth_date",
            "nationality",
            "id_number",
            "education",
            "professional_title",
            "overseas_experience",
            "field",
            "phone",
            "email",
            "org_unit",
            "titles",
        ]
        validators: list = []

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.context.get("show_id_number"):
            data["id_number"] = mask_id_number(instance.id_number)
            data["phone"] = mask_phone(instance.phone)
        return data


class TitleSerializer(ScopedReferences, serializers.ModelSerializer):
    program = serializers.SlugRelatedField(slug_field="code", read_only=True)
    level = serializers.CharField(source="program.level", read_only=True)
    talent_name = serializers.CharField(source="talent.name", read_only=True)
    org_unit = OrgUnitCodeField()

    class Meta:
        model = Title
        fields = ["id", "talent", "talent_name", "program", "level", "year", "origin", "org_unit", "application"]


class ApplicationSerializer(ScopedReferences, serializers.ModelSerializer):
    # Required of the back office; a talent applying for themselves leaves it (and the source
    # channel) out.
    talent = serializers.PrimaryKeyRelatedField(queryset=Talent.objects.all(), required=False)
    talent_name = serializers.CharField(source="talent.name", read_only=True)
    call = serializers.PrimaryKeyRelatedField(queryset=Call.objects.all())
    program = serializers.CharField(source="call.program.code", read_only=True)
    year = serializers.IntegerField(source="call.year", read_only=True)
    org_unit = OrgUnitCodeField(queryset=OrgUnit.objects.all(), read_only=False, required=False)
    industry = serializers.SlugRelatedField(slug_field="code", queryset=Industry.objects.all())
    source_channel = serializers.ChoiceField(choices=SourceChannel.choices, required=False)
    # What derives from the expert reviews, as the caller may see it (blind review:
    # ``selectors.with_review_figures``); null where hidden.
    score = serializers.DecimalField(
        source="shown_score", max_digits=6, decimal_places=2, read_only=True, allow_null=True
    )
    review_count = serializers.IntegerField(source="shown_review_count", read_only=True, allow_null=True)
    defense_votes_for = serializers.IntegerField(source="shown_votes_for", read_only=True, allow_null=True)
    defense_votes_against = serializers.IntegerField(source="shown_votes_against", read_only=True, allow_null=True)
    defense_abstentions = serializers.IntegerField(source="shown_abstentions", read_only=True, allow_null=True)
    industry_fit_explanation = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = [
            "id",
            "talent",
            "talent_name",
            "call",
            "program",
            "year",
            "org_unit",
            "industry",
            "venture_name",
            "summary",
            "requested_support",
            "source_channel",
            "is_legal_representative",
            "own_paid_in_capital",
            "company_founded_on",
            "state",
            "submitted_at",
            "industry_fit",
            "industry_fit_explanation",
            "score",
            "review_count",
            "officer_comment",
            "defense_votes_for",
            "defense_votes_against",
            "defense_abstentions",
            "notice_starts_on",
            "notice_ends_on",
            "decided_at",
        ]
        read_only_fields = [
            "state",
            "submitted_at",
            "industry_fit",
            "officer_comment",
            "notice_starts_on",
            "notice_ends_on",
            "decided_at",
        ]
        validators: list = []
        row_sources = {"industry_fit_explanation": ["industry_fit_reasons"]}

    def get_industry_fit_explanation(self, obj) -> str:
        """Why the fit scored as it did, in the caller's language."""
        return fit.explain(obj.industry_fit_reasons)


class ApplicationUpdateSerializer(ScopedReferences, serializers.Serializer):
    """What changes in a draft or a returned application."""

    industry = serializers.SlugRelatedField(slug_field="code", queryset=Industry.objects.all())
    venture_name = serializers.CharField(max_length=160)
    summary = serializers.CharField(allow_blank=True)
    requested_support = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=0)
    source_channel = serializers.ChoiceField(choices=SourceChannel.choices)
    is_legal_representative = serializers.BooleanField()
    own_paid_in_capital = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=0)
    company_founded_on = serializers.DateField(allow_null=True)


class TransitionSerializer(ScopedReferences, serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    origin = serializers.ChoiceField(
        choices=Origin.choices, required=False, help_text=_("For an approval: how the talent came to the district.")
    )
    confirm_double_funding = serializers.BooleanField(required=False, default=False)


class DefenseVoteSerializer(ScopedReferences, serializers.Serializer):
    votes_for = serializers.IntegerField(min_value=0)
    votes_against = serializers.IntegerField(min_value=0)
    abstentions = serializers.IntegerField(min_value=0, default=0)


class ObjectionCreateSerializer(ScopedReferences, serializers.Serializer):
    content = serializers.CharField()
    raised_by = serializers.CharField(required=False, allow_blank=True, default="")
    received_on = serializers.DateField(required=False)


class ObjectionResolveSerializer(ScopedReferences, serializers.Serializer):
    objection = serializers.IntegerField()
    upheld = serializers.BooleanField()
    resolution = serializers.CharField()


class AttachmentUploadSerializer(ScopedReferences, serializers.Serializer):
    kind = serializers.CharField(help_text=", ".join(DocumentKind.values))
    file = serializers.FileField()


class ScoreSerializer(ScopedReferences, serializers.Serializer):
    criterion = serializers.CharField(source="criterion.code")
    score = serializers.DecimalField(max_digits=6, decimal_places=2)


class ReviewSerializer(ScopedReferences, serializers.ModelSerializer):
    expert = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    org_unit = OrgUnitCodeField(source="application.org_unit")
    scores = ScoreSerializer(many=True, read_only=True)

    class Meta:
        model = ReviewAssignment
        fields = [
            "id",
            "application",
            "expert",
            "org_unit",
            "assigned_at",
            "conflict_declared",
            "conflict_reason",
            "submitted_at",
            "total",
            "comment",
            "scores",
        ]
        read_only_fields = fields


class ReviewAssignSerializer(ScopedReferences, serializers.Serializer):
    application = serializers.IntegerField()
    expert = serializers.CharField(help_text=_("The expert's username."))


class ReviewSubmitSerializer(ScopedReferences, serializers.Serializer):
    scores = serializers.DictField(child=serializers.CharField(), help_text=_("Criterion code → score."))
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class ConflictSerializer(ScopedReferences, serializers.Serializer):
    reason = serializers.CharField()
