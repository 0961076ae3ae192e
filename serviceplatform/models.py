"""The "1+x" service platform (seed 三(三)): accredited service providers, the services they offer,
the accounts of their staff, and the service requests of talent enterprises routed to them."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from enterprises.models import FinancingInstrument
from qinhuai_talent.core import clock
from qinhuai_talent.core.i18n import in_reader_language


class ServiceCategory(models.TextChoices):
    HR = "hr", _("Human resources (人力资源)")
    TECH_FINANCE = "tech_finance", _("Technology finance (科技金融)")
    CONSULTING = "consulting", _("Management consulting (管理咨询)")
    IP = "ip", _("Intellectual property protection and trading (知识产权保护交易)")
    LEGAL_TAX = "legal_tax", _("Legal, finance and tax (法律财税)")
    MARKETING = "marketing", _("Market promotion (市场推广)")
    PUBLIC_TECH = "public_tech", _("Public technology services (公共技术)")
    STARTUP_COACHING = "startup_coaching", _("Startup coaching (创业辅导)")
    LISTING_COACHING = "listing_coaching", _("Listing coaching (上市辅导)")
    INVESTMENT_MATCHING = "investment_matching", _("Investment matching (投融资对接)")


class ProviderState(models.TextChoices):
    APPLIED = "applied", _("Applied (申请)")
    ACCREDITED = "accredited", _("Accredited (认定)")
    SUSPENDED = "suspended", _("Suspended (暂停)")
    REVOKED = "revoked", _("Revoked (撤销)")


class Provider(models.Model):
    """A social service organisation (社会化服务机构) and its accreditation by the office."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    name_en = models.CharField(_("English name"), max_length=160, blank=True)
    category = models.CharField(_("main category"), max_length=24, choices=ServiceCategory.choices)
    description = models.TextField(_("description"), blank=True)
    contact_name = models.CharField(_("contact person"), max_length=40, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    service_area = models.CharField(_("service area"), max_length=160, blank=True)
    state = models.CharField(_("state"), max_length=12, choices=ProviderState.choices, default=ProviderState.APPLIED)
    # The last accreditation decision: its day and why (the transition log keeps them all).
    state_changed_on = models.DateField(_("decided on"), null=True, blank=True)
    state_reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("created"), default=clock.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["category", "name"]
        verbose_name = _("service provider")
        verbose_name_plural = _("service providers")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return in_reader_language(self.name, self.name_en)

    @property
    def is_accredited(self) -> bool:
        return self.state == ProviderState.ACCREDITED


class Service(models.Model):
    """One service a provider offers: free or at a price, done in an expected number of days."""

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="services")
    category = models.CharField(_("category"), max_length=24, choices=ServiceCategory.choices)
    name = models.CharField(_("name"), max_length=120)
    name_en = models.CharField(_("English name"), max_length=160, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_en = models.TextField(_("English description"), blank=True)
    # No price: the service is free for talent enterprises.
    price = models.DecimalField(_("price (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True)
    expected_days = models.PositiveSmallIntegerField(_("expected days"))
    active = models.BooleanField(_("offered"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["category", "provider__name", "name"]
        verbose_name = _("service")
        verbose_name_plural = _("services")
        constraints = [
            models.UniqueConstraint(fields=["provider", "name"], name="service_unique_name"),
            models.CheckConstraint(
                name="service_price_not_negative", condition=Q(price__isnull=True) | Q(price__gte=0)
            ),
            models.CheckConstraint(name="service_expected_days_positive", condition=Q(expected_days__gte=1)),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return in_reader_language(self.name, self.name_en)

    @property
    def display_description(self) -> str:
        return in_reader_language(self.description, self.description_en)

    @property
    def is_free(self) -> bool:
        return self.price is None or self.price == 0


class ProviderStaff(models.Model):
    """A `provider` account and the organisation it works for (one each)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="provider_staff")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="staff")

    class Meta:
        verbose_name = _("provider staff")
        verbose_name_plural = _("provider staff")

    def __str__(self) -> str:
        return f"{self.user} · {self.provider}"


class RequestState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ASSIGNED = "assigned", _("Assigned to a provider")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    IN_PROGRESS = "in_progress", _("In progress")
    DELIVERED = "delivered", _("Delivered")
    CLOSED = "closed", _("Closed and rated")
    CANCELLED = "cancelled", _("Cancelled")


class ServiceRequest(models.Model):
    """An enterprise's request for a service (服务需求), routed to one provider."""

    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.PROTECT, related_name="service_requests")
    # The enterprise's unit when the request was filed: the unit whose officer routes and follows it.
    org_unit = models.ForeignKey("core.OrgUnit", on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("category"), max_length=24, choices=ServiceCategory.choices)
    need = models.TextField(_("need"))
    provider = models.ForeignKey(
        Provider, verbose_name=_("provider"), on_delete=models.PROTECT, null=True, blank=True, related_name="requests"
    )
    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.PROTECT, null=True, blank=True, related_name="requests"
    )
    plan_item = models.OneToOneField(
        "enterprises.SupportPlanItem",
        verbose_name=_("support plan item"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_request",
    )
    state = models.CharField(_("state"), max_length=12, choices=RequestState.choices, default=RequestState.SUBMITTED)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(_("filed"), default=clock.now)
    # The deadline of the current state: accept by (3 working days after assignment), deliver by
    # (the service's expected days after acceptance).
    due_on = models.DateField(_("due on"), null=True, blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    # Every provider that declined it (a declined request is reassigned to another): their
    # performance counts the decline though the request is no longer theirs.
    declined_by = models.ManyToManyField(Provider, verbose_name=_("declined by"), blank=True, related_name="+")
    accepted_on = models.DateField(_("accepted by the provider on"), null=True, blank=True)
    # The delivery deadline set on acceptance (the service's expected days), kept after delivery
    # and closing so that "on time" can be judged later.
    deliver_by = models.DateField(_("deliver by"), null=True, blank=True)
    delivery_note = models.TextField(_("what was done"), blank=True)
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_comment = models.TextField(_("rating comment"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-filed_at", "-id"]
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")
        constraints = [
            models.CheckConstraint(
                name="request_rating_1_to_5", condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5)
            ),
            models.CheckConstraint(
                name="closed_request_is_rated", condition=~Q(state="closed") | Q(rating__isnull=False)
            ),
            models.CheckConstraint(
                name="routed_request_has_provider",
                condition=Q(state__in=["submitted", "cancelled"]) | Q(provider__isnull=False),
            ),
        ]
        indexes = [models.Index(fields=["state", "due_on"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.enterprise}"

    @property
    def is_overdue(self) -> bool:
        from .workflows import CLOCKED_STATES

        return self.state in CLOCKED_STATES and self.due_on is not None and self.due_on < clock.today()


class ReviewThresholds(models.Model):
    """What the office expects of a provider (one row): a provider whose on-time delivery rate or
    average rating falls below these, over at least ``min_requests`` delivered (or rated)
    requests of a year, is flagged for the office's yearly review."""

    min_on_time_rate = models.DecimalField(
        _("minimum on-time delivery rate (%)"), max_digits=5, decimal_places=2, default=Decimal("80")
    )
    min_rating = models.DecimalField(
        _("minimum average rating"), max_digits=3, decimal_places=2, default=Decimal("3.5")
    )
    min_requests = models.PositiveSmallIntegerField(_("judged from this many requests"), default=3)
    updated_at = models.DateTimeField(_("updated"), default=clock.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("provider review thresholds")
        verbose_name_plural = _("provider review thresholds")
        constraints = [
            models.CheckConstraint(
                name="thresholds_rate_0_100", condition=Q(min_on_time_rate__gte=0, min_on_time_rate__lte=100)
            ),
            models.CheckConstraint(name="thresholds_rating_1_5", condition=Q(min_rating__gte=1, min_rating__lte=5)),
            models.CheckConstraint(name="thresholds_min_requests_positive", condition=Q(min_requests__gte=1)),
        ]

    def __str__(self) -> str:
        return f"{self.min_on_time_rate}% · {self.min_rating}"

    @classmethod
    def current(cls) -> "ReviewThresholds":
        """The office's thresholds, or the defaults until it sets them."""
        return cls.objects.order_by("pk").first() or cls()


# --- Financing channels (科技金融) -------------------------------------------------------------------


class OutcomeResult(models.TextChoices):
    GRANTED = "granted", _("Granted")
    REFUSED = "refused", _("Refused")


class FinancingRequest(models.Model):
    """The financing part of a 科技金融 service request: what the enterprise asks for, and the
    outcome its provider records (amount granted, instrument, rate or valuation, date, or refused).

    A granted outcome is also a ``FinancingRound`` of the enterprise under its instrument, so it
    counts in the enterprise's financing figures; a guidance fund's equity outcome draws on the
    fund's own budget (``FundBudget``), never on the district's grant budgets."""

    request = models.OneToOneField(
        ServiceRequest, on_delete=models.PROTECT, related_name="financing", verbose_name=_("service request")
    )
    amount_wanted = models.DecimalField(_("amount wanted (yuan)"), max_digits=14, decimal_places=2)
    use = models.TextField(_("use of the money"))
    instrument = models.CharField(
        _("instrument wanted"), max_length=10, choices=[(c.value, c.label) for c in FinancingInstrument]
    )
    # The outcome: blank until the provider records it, once.
    outcome = models.CharField(_("outcome"), max_length=8, choices=OutcomeResult.choices, blank=True)
    granted_amount = models.DecimalField(
        _("amount granted (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    granted_instrument = models.CharField(
        _("instrument granted"), max_length=10, choices=[(c.value, c.label) for c in FinancingInstrument], blank=True
    )
    # Yearly interest or guarantee fee in percent (loan, guarantee); post-money valuation (equity).
    rate = models.DecimalField(_("rate (percent a year)"), max_digits=6, decimal_places=3, null=True, blank=True)
    valuation = models.DecimalField(_("valuation (yuan)"), max_digits=16, decimal_places=2, null=True, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    refusal_reason = models.TextField(_("reason for refusal"), blank=True)
    financing_round = models.OneToOneField(
        "enterprises.FinancingRound",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="platform_request",
        verbose_name=_("financing recorded"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("outcome recorded"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("financing request")
        verbose_name_plural = _("financing requests")
        constraints = [
            models.CheckConstraint(name="financing_wanted_positive", condition=Q(amount_wanted__gt=0)),
            models.CheckConstraint(
                name="financing_granted_has_amount",
                condition=~Q(outcome="granted")
                | (Q(granted_amount__gt=0) & ~Q(granted_instrument="") & Q(decided_on__isnull=False)),
            ),
            models.CheckConstraint(
                name="financing_refused_has_no_amount",
                condition=~Q(outcome="refused") | (Q(granted_amount__isnull=True) & Q(decided_on__isnull=False)),
            ),
            models.CheckConstraint(
                name="financing_no_outcome_no_amount", condition=~Q(outcome="") | Q(granted_amount__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.request_id} {self.get_instrument_display()} {self.amount_wanted}"


class FundBudget(models.Model):
    """A guidance fund's own budget of a year (创投引导基金): what it has committed to talent
    enterprises. Invested is the equity its outcomes granted that year; available the rest. Kept
    apart from the district's grant budgets (``funding.Budget``) by design."""

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="fund_budgets")
    year = models.PositiveSmallIntegerField(_("year"))
    amount = models.DecimalField(_("committed (yuan)"), max_digits=16, decimal_places=2)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "provider__name"]
        verbose_name = _("guidance fund budget")
        verbose_name_plural = _("guidance fund budgets")
        constraints = [
            models.UniqueConstraint(fields=["provider", "year"], name="one_fund_budget_per_year"),
            models.CheckConstraint(name="fund_budget_not_negative", condition=Q(amount__gte=0)),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.year}"


# --- First purchase (产品首购订购) --------------------------------------------------------------------


class FirstPurchase(models.Model):
    """A government department's first purchase of a talent enterprise's new product."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.PROTECT, related_name="first_purchases", verbose_name=_("enterprise")
    )
    # The enterprise's unit when entered: the unit whose officer keeps the record.
    org_unit = models.ForeignKey("core.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    buyer = models.CharField(_("buyer department"), max_length=120)
    product = models.CharField(_("product"), max_length=160)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2)
    purchased_on = models.DateField(_("purchased on"))
    contract_number = models.CharField(_("contract number"), max_length=60, unique=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(_("entered"), default=clock.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-purchased_on", "-id"]
        verbose_name = _("first purchase")
        verbose_name_plural = _("first purchases")
        constraints = [models.CheckConstraint(name="first_purchase_amount_positive", condition=Q(amount__gt=0))]
        indexes = [models.Index(fields=["org_unit", "purchased_on"])]

    def __str__(self) -> str:
        return f"{self.contract_number} {self.product}"
