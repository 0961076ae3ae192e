"""Service platform API shapes: units as codes, money as decimal strings, dates ISO."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from enterprises.models import Enterprise, FinancingInstrument, SupportPlanItem
from qinhuai_talent.core.api.serializers import OptionalEmailField, OrgUnitCodeField, PersonField
from qinhuai_talent.core.models import Role

from ..models import (
    FinancingRequest,
    FirstPurchase,
    FundBudget,
    OutcomeResult,
    Provider,
    ProviderState,
    RequestState,
    ReviewThresholds,
    Service,
    ServiceCategory,
    ServiceRequest,
)


class _Scoped(serializers.PrimaryKeyRelatedField):
    """An id among the records the caller may see: any other id reads as not existing."""

    selector = None

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return self.model.objects.none()
        return type(self).selector(request.user)


class ScopedEnterpriseField(_Scoped):
    model = Enterprise

    @staticmethod
    def selector(user):
        from enterprises.selectors import enterprises_in_reach

        return enterprises_in_reach(user)


class ScopedPlanItemField(_Scoped):
    model = SupportPlanItem

    @staticmethod
    def selector(user):
        from enterprises.selectors import support_items_for

        from ..selectors import own_open_plan_items

        if user.role == Role.ENTERPRISE:
            return own_open_plan_items(user)
        return support_items_for(user)


@extend_schema_field(OpenApiTypes.INT)
class AccreditedProviderField(serializers.PrimaryKeyRelatedField):
    """Any provider of the district register (not a unit's record); the service refuses one that
    is not accredited, naming it and its state."""

    def get_queryset(self):
        return Provider.objects.all()


@extend_schema_field(OpenApiTypes.INT)
class OfferedServiceField(serializers.PrimaryKeyRelatedField):
    """Any service of the register; the service refuses one no longer offered or of a provider
    that is not accredited."""

    def get_queryset(self):
        return Service.objects.select_related("provider")


class ProviderSerializer(serializers.ModelSerializer):
    category = serializers.ChoiceField(choices=ServiceCategory.choices)
    state = serializers.ChoiceField(choices=ProviderState.choices, read_only=True)
    contact_email = OptionalEmailField(label=_("contact email"))

    class Meta:
        model = Provider
        fields = [
            "id",
            "name",
            "name_en",
            "category",
            "description",
            "contact_name",
            "contact_phone",
            "contact_email",
            "service_area",
            "state",
            "state_changed_on",
            "state_reason",
        ]
        read_only_fields = ["state", "state_changed_on", "state_reason"]
        validators = []


class ProviderActionSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class OfferedServiceSerializer(serializers.ModelSerializer):
    provider = AccreditedProviderField()
    category = serializers.ChoiceField(choices=ServiceCategory.choices)
    price = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True, default=None
    )
    expected_days = serializers.IntegerField(min_value=1, max_value=3650)

    class Meta:
        model = Service
        fields = [
            "id",
            "provider",
            "category",
            "name",
            "name_en",
            "description",
            "description_en",
            "price",
            "expected_days",
            "active",
        ]
        validators = []


class FinancingSerializer(serializers.ModelSerializer):
    """A financing request's ask and its outcome (blank until the provider records it)."""

    instrument = serializers.ChoiceField(choices=FinancingInstrument.choices, read_only=True)
    outcome = serializers.ChoiceField(choices=[("", "—"), *OutcomeResult.choices], read_only=True)
    granted_instrument = serializers.ChoiceField(choices=[("", "—"), *FinancingInstrument.choices], read_only=True)

    class Meta:
        model = FinancingRequest
        fields = [
            "amount_wanted",
            "use",
            "instrument",
            "outcome",
            "granted_amount",
            "granted_instrument",
            "rate",
            "valuation",
            "decided_on",
            "refusal_reason",
            "financing_round",
        ]
        read_only_fields = fields


class ServiceRequestSerializer(serializers.ModelSerializer):
    enterprise = ScopedEnterpriseField()
    org_unit = OrgUnitCodeField(read_only=True)
    category = serializers.ChoiceField(choices=ServiceCategory.choices)
    provider = AccreditedProviderField(required=False, allow_null=True, default=None)
    service = OfferedServiceField(required=False, allow_null=True, default=None)
    plan_item = ScopedPlanItemField(required=False, allow_null=True, default=None)
    state = serializers.ChoiceField(choices=RequestState.choices, read_only=True)
    filed_by = PersonField()
    is_overdue = serializers.BooleanField(read_only=True)
    financing = FinancingSerializer(read_only=True, allow_null=True)
    amount_wanted = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=0,
        write_only=True,
        required=False,
        allow_null=True,
        default=None,
        help_text="A financing request (category tech_finance): the amount asked for, in yuan.",
    )
    use = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        default="",
        max_length=2000,
        help_text="What the money is for.",
    )
    instrument = serializers.ChoiceField(
        choices=[("", "—"), *FinancingInstrument.choices],
        write_only=True,
        required=False,
        allow_blank=True,
        default="",
        help_text="The instrument asked for: equity, loan or guarantee.",
    )

    class Meta:
        model = ServiceRequest
        fields = [
            "id",
            "enterprise",
            "org_unit",
            "category",
            "need",
            "provider",
            "service",
            "plan_item",
            "state",
            "filed_by",
            "filed_at",
            "due_on",
            "is_overdue",
            "decline_reason",
            "delivery_note",
            "delivered_on",
            "rating",
            "rating_comment",
            "financing",
            "amount_wanted",
            "use",
            "instrument",
        ]
        read_only_fields = [
            "filed_at",
            "due_on",
            "decline_reason",
            "delivery_note",
            "delivered_on",
            "rating",
            "rating_comment",
        ]
        validators = []


class AssignSerializer(serializers.Serializer):
    provider = AccreditedProviderField()
    service = OfferedServiceField(required=False, allow_null=True, default=None)


class RequestActionSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)
    rating = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class OutcomeSerializer(serializers.Serializer):
    """A financing request's outcome: ``granted`` with ``amount`` (and ``instrument``, ``rate`` for
    a loan or guarantee, ``valuation`` for equity, ``decided_on``), or ``refused`` with ``reason``."""

    outcome = serializers.ChoiceField(choices=OutcomeResult.choices)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True, default=None)
    instrument = serializers.ChoiceField(
        choices=[("", "—"), *FinancingInstrument.choices], required=False, allow_blank=True, default=""
    )
    rate = serializers.DecimalField(max_digits=6, decimal_places=3, required=False, allow_null=True, default=None)
    valuation = serializers.DecimalField(max_digits=16, decimal_places=2, required=False, allow_null=True, default=None)
    decided_on = serializers.DateField(required=False, allow_null=True, default=None)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class FundBudgetSerializer(serializers.ModelSerializer):
    """A guidance fund's own budget of a year: committed, invested, available (yuan)."""

    provider = AccreditedProviderField()
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=0, label=_("committed (yuan)"))
    invested = serializers.SerializerMethodField()
    available = serializers.SerializerMethodField()

    class Meta:
        model = FundBudget
        fields = ["id", "provider", "year", "amount", "invested", "available"]
        validators = []

    def _invested(self, obj):
        # Annotated by ``selectors.fund_budgets_for``; a budget just saved is read on its own.
        if not hasattr(obj, "invested"):
            from ..services import fund_figures

            obj.invested = fund_figures(obj)["invested"]
        return obj.invested

    @extend_schema_field(serializers.DecimalField(max_digits=16, decimal_places=2))
    def get_invested(self, obj) -> str:
        return f"{self._invested(obj):.2f}"

    @extend_schema_field(serializers.DecimalField(max_digits=16, decimal_places=2))
    def get_available(self, obj) -> str:
        return f"{obj.amount - self._invested(obj):.2f}"


class FirstPurchaseSerializer(serializers.ModelSerializer):
    enterprise = ScopedEnterpriseField()
    org_unit = OrgUnitCodeField(read_only=True)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    entered_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = FirstPurchase
        fields = [
            "id",
            "enterprise",
            "org_unit",
            "buyer",
            "product",
            "amount",
            "purchased_on",
            "contract_number",
            "entered_by",
            "entered_at",
        ]
        read_only_fields = ["entered_at"]
        # A contract number entered twice is the service's refusal (with its code), not a 400 of DRF's.
        validators = []
        extra_kwargs = {"contract_number": {"validators": []}}


class PerformanceFiguresSerializer(serializers.Serializer):
    """One provider's figures of the year for one category of requests (``category`` empty: all)."""

    category = serializers.CharField(help_text="A service category code; empty for all the provider's requests.")
    received = serializers.IntegerField(help_text="Routed to it, or declined by it before going elsewhere.")
    accepted = serializers.IntegerField()
    declined = serializers.IntegerField()
    delivered = serializers.IntegerField()
    on_time = serializers.IntegerField(help_text="Delivered by the deadline set on acceptance.")
    on_time_rate = serializers.DecimalField(
        max_digits=5, decimal_places=1, allow_null=True, help_text="Per cent of delivered; null before any delivery."
    )
    median_days = serializers.FloatField(allow_null=True, help_text="Median days from acceptance to delivery.")
    average_rating = serializers.DecimalField(max_digits=3, decimal_places=2, allow_null=True)


class ProviderPerformanceSerializer(serializers.Serializer):
    """A provider's performance of the year: its total, its figures by category of request and
    why it is up for review (``flags``: ``on_time``, ``rating``) against the office's thresholds."""

    id = serializers.IntegerField(help_text="The provider's id.")
    name = serializers.CharField()
    category = serializers.ChoiceField(choices=ServiceCategory.choices, help_text="The provider's main category.")
    state = serializers.ChoiceField(choices=ProviderState.choices)
    year = serializers.SerializerMethodField()
    total = PerformanceFiguresSerializer(source="perf")
    by_category = PerformanceFiguresSerializer(source="perf_by_category", many=True)
    flags = serializers.SerializerMethodField()

    def get_year(self, obj) -> int:
        return self.context["year"]

    @extend_schema_field(
        serializers.ListField(child=serializers.ChoiceField(choices=[("on_time", "on_time"), ("rating", "rating")]))
    )
    def get_flags(self, obj) -> list[str]:
        return list(obj.perf.flags)


class PerformanceQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(
        required=False, min_value=2000, max_value=2100, help_text="Requests filed in this year (default: the latest)."
    )


class ReviewThresholdsSerializer(serializers.ModelSerializer):
    """What the office expects of a provider: below ``min_on_time_rate`` per cent delivered on
    time, or below ``min_rating`` on average, judged from at least ``min_requests`` delivered
    (rated) requests of a year, a provider is flagged for review."""

    min_on_time_rate = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100)
    min_rating = serializers.DecimalField(max_digits=3, decimal_places=2, min_value=1, max_value=5)
    min_requests = serializers.IntegerField(min_value=1, max_value=1000)
    updated_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = ReviewThresholds
        fields = ["min_on_time_rate", "min_rating", "min_requests", "updated_at", "updated_by"]
        read_only_fields = ["updated_at", "updated_by"]
