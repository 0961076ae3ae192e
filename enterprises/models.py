"""The talent-enterprise database (人才企业信息数据库): companies, their figures, their service."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from qinhuai_talent.core import clock
from qinhuai_talent.core.models import OrgUnit
from qinhuai_talent.core.money import ZERO, money  # noqa: F401  (ZERO: the app's zero, imported from here)
from talents.models import Industry, Level, Talent


class MakerSpace(models.Model):
    """众创空间."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    operator = models.CharField(_("operator"), max_length=120, blank=True)
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="maker_spaces", verbose_name=_("unit"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("maker space")
        verbose_name_plural = _("maker spaces")

    def __str__(self) -> str:
        return self.name


class Listing(models.TextChoices):
    NONE = "none", _("Not listed")
    NEEQ = "neeq", _("NEEQ (新三板)")
    OTHER = "other", _("Other board")


class EnterpriseStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("enterprise status", "Active")
    MOVED_OUT = "moved_out", _("Moved out")
    DEREGISTERED = "deregistered", _("Deregistered")


class RevenueTier(models.TextChoices):
    NONE = "none", _("Below 10 million")
    TEN_M = "10m", _("10 million or more")
    FIFTY_M = "50m", _("50 million or more")


class EnterpriseClass(models.TextChoices):
    SEED = "seed", _("Seed (种子型)")
    HIGH_GROWTH = "high_growth", _("High-growth (高成长型)")
    LITTLE_GIANT = "little_giant", _("Little giant (小巨人)")


class Grade(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D"


class Enterprise(models.Model):
    name = models.CharField(_("name"), max_length=160, unique=True)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    registered_on = models.DateField(_("registered on"))
    moved_in_on = models.DateField(_("moved into the district on"), null=True, blank=True)
    registered_capital = money(_("registered capital (yuan)"))
    paid_in_capital = money(_("paid-in capital (yuan)"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="enterprises", verbose_name=_("unit"))
    industry = models.ForeignKey(Industry, on_delete=models.PROTECT, verbose_name=_("industry"))
    # The enterprise's own portal account (role ``enterprise``), once its claim is confirmed.
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="enterprise_record",
        verbose_name=_("account"),
    )
    maker_space = models.ForeignKey(
        MakerSpace, on_delete=models.SET_NULL, null=True, blank=True, related_name="enterprises"
    )
    listing = models.CharField(_("listing"), max_length=8, choices=Listing.choices, default=Listing.NONE)
    listed_on = models.DateField(_("listed on"), null=True, blank=True)
    liaison_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="liaison_enterprises",
        verbose_name=_("liaison officer"),
    )
    status = models.CharField(
        _("status"), max_length=14, choices=EnterpriseStatus.choices, default=EnterpriseStatus.ACTIVE
    )
    status_changed_on = models.DateField(_("status changed on"), null=True, blank=True)
    # Derived figures, kept fresh by the recompute_enterprise_figures job.
    cumulative_sales = money(_("cumulative sales"))
    cumulative_revenue = money(_("cumulative main-business revenue"))
    cumulative_financing = money(_("cumulative financing"))
    revenue_growth = models.DecimalField(_("revenue growth"), max_digits=9, decimal_places=4, null=True, blank=True)
    revenue_tier = models.CharField(
        _("revenue tier"), max_length=4, choices=RevenueTier.choices, default=RevenueTier.NONE
    )
    enterprise_class = models.CharField(
        _("class"), max_length=14, choices=EnterpriseClass.choices, default=EnterpriseClass.SEED
    )
    latest_grade = models.CharField(_("latest grade"), max_length=1, choices=Grade.choices, blank=True)
    latest_report_year = models.PositiveSmallIntegerField(null=True, blank=True)
    latest_report_quarter = models.PositiveSmallIntegerField(null=True, blank=True)
    latest_employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    figures_updated_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        constraints = [
            models.CheckConstraint(
                name="capital_not_negative", condition=Q(registered_capital__gte=0) & Q(paid_in_capital__gte=0)
            ),
        ]
        indexes = [
            models.Index(fields=["org_unit", "name"]),
            models.Index(fields=["org_unit", "status"]),
            models.Index(fields=["enterprise_class", "revenue_tier"]),
        ]

    def __str__(self) -> str:
        return self.name


class Founder(models.Model):
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="founders")
    talent = models.ForeignKey(Talent, on_delete=models.PROTECT, related_name="founded", verbose_name=_("talent"))
    equity_share = models.DecimalField(_("equity share (%)"), max_digits=5, decimal_places=2)
    is_legal_representative = models.BooleanField(_("legal representative"), default=False)
    full_time = models.BooleanField(_("works full-time"), default=True)
    not_full_time_since = models.DateField(_("not full-time since"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("founder")
        verbose_name_plural = _("founders")
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "talent"], name="founder_once_per_enterprise"),
            models.CheckConstraint(
                name="equity_share_0_100", condition=Q(equity_share__gte=0) & Q(equity_share__lte=100)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.talent} ({self.equity_share}%)"


class PeriodKind(models.TextChoices):
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")


class OperatingReport(models.Model):
    """Operating data (经营数据) for a quarter or a year. A correction adds a new version; the
    earlier one stays with ``is_current=False``."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="reports")
    period_kind = models.CharField(_("period"), max_length=8, choices=PeriodKind.choices, default=PeriodKind.QUARTER)
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"), null=True, blank=True)
    sales = money(_("sales"))
    main_revenue = money(_("main-business revenue"))
    net_profit = money(_("net profit"))
    tax_paid = money(_("tax paid"))
    employees = models.PositiveIntegerField(_("employees"), default=0)
    insured_employees = models.PositiveIntegerField(_("social-insurance headcount"), default=0)
    rnd_spend = money(_("R&D spend"))
    patents_filed = models.PositiveIntegerField(_("patents filed"), default=0)
    patents_granted = models.PositiveIntegerField(_("patents granted"), default=0)
    version = models.PositiveSmallIntegerField(default=1)
    is_current = models.BooleanField(default=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(default=clock.now)
    source_import = models.ForeignKey(
        "ReportImport", on_delete=models.SET_NULL, null=True, blank=True, related_name="reports"
    )

    class Meta:
        ordering = ["enterprise_id", "year", "quarter"]
        verbose_name = _("operating report")
        verbose_name_plural = _("operating reports")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "period_kind", "year", "quarter"],
                condition=Q(is_current=True),
                name="one_current_report_per_period",
            ),
            models.UniqueConstraint(
                fields=["enterprise", "period_kind", "year", "quarter", "version"], name="report_version_unique"
            ),
            models.CheckConstraint(
                name="quarter_matches_period",
                condition=(Q(period_kind="quarter") & Q(quarter__gte=1) & Q(quarter__lte=4))
                | (Q(period_kind="year") & Q(quarter__isnull=True)),
            ),
            models.CheckConstraint(
                name="report_amounts_not_negative",
                condition=Q(sales__gte=0) & Q(main_revenue__gte=0) & Q(tax_paid__gte=0) & Q(rnd_spend__gte=0),
            ),
        ]
        indexes = [models.Index(fields=["enterprise", "is_current", "year", "quarter"])]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.year}Q{self.quarter or '-'}"


class FilingStatus(models.TextChoices):
    """Where an enterprise stands with one quarter's filing (the officer's board, the reminders)."""

    FILED = "filed", _("Filed on time")
    LATE = "late", _("Filed late")
    DUE = "due", _("Window open, not filed yet")
    MISSING = "missing", _("Missing")
    NOT_OPEN = "not_open", _("Window not open yet")


class FilingWindow(models.Model):
    """The days in which enterprises file a quarter's operating data (申报窗口), set by the office.

    A quarter without a row has the default window: the first ``FILING_WINDOW_DAYS`` (20) days
    after the quarter ends (``selectors.filing_window``). A filing after the window is accepted
    and counted as late: the data is still wanted, and only a filing clears a missing quarter."""

    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "-quarter"]
        verbose_name = _("filing window")
        verbose_name_plural = _("filing windows")
        constraints = [
            models.UniqueConstraint(fields=["year", "quarter"], name="one_filing_window_per_quarter"),
            models.CheckConstraint(name="filing_window_quarter", condition=Q(quarter__gte=1) & Q(quarter__lte=4)),
            models.CheckConstraint(
                name="filing_window_closes_after_opening", condition=Q(closes_on__gte=F("opens_on"))
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}Q{self.quarter}"


class FinancingInstrument(models.TextChoices):
    """How money reached the enterprise: an equity round (风投, 股权投资), a loan, or a bank loan
    guaranteed by a guarantee company (投资担保). All count in its financing figures."""

    EQUITY = "equity", _("Equity investment")
    LOAN = "loan", _("Loan")
    GUARANTEE = "guarantee", _("Guaranteed loan")


class FinancingRound(models.Model):
    """Financing the enterprise obtained: an equity round, or a loan or guarantee recorded as such."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="financing_rounds")
    investor = models.CharField(_("investor"), max_length=160)
    round = models.CharField(_("round"), max_length=20)
    amount = money(_("amount (yuan)"))
    instrument = models.CharField(
        _("instrument"), max_length=10, choices=FinancingInstrument.choices, default=FinancingInstrument.EQUITY
    )
    closed_on = models.DateField(_("closed on"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["-closed_on"]
        verbose_name = _("financing round")
        verbose_name_plural = _("financing rounds")
        constraints = [models.CheckConstraint(name="financing_amount_positive", condition=Q(amount__gt=0))]
        indexes = [models.Index(fields=["enterprise", "closed_on"])]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.round}"


class Evaluation(models.Model):
    """A third party's grade in the dynamic performance evaluation (人才项目绩效动态评估)."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="evaluations")
    year = models.PositiveSmallIntegerField(_("year"))
    half = models.PositiveSmallIntegerField(_("half-year"), null=True, blank=True)
    evaluator = models.CharField(_("evaluator"), max_length=160)
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True)
    comments = models.TextField(_("comments"), blank=True)
    evaluated_on = models.DateField(_("evaluated on"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["-evaluated_on", "-id"]
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        indexes = [models.Index(fields=["enterprise", "evaluated_on"])]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.year}: {self.grade}"


# Revenue tiers of the seed: cumulative main-business revenue of 10 and 50 million yuan.
TIER_10M = Decimal("10000000.00")
TIER_50M = Decimal("50000000.00")


class ClassRule(models.Model):
    """When an enterprise counts as high-growth or little giant (the office edits these).

    Every threshold that is set must hold; an empty one is not checked. Rules are tried from the
    highest ``priority`` down; the first that matches gives the class, and an enterprise that
    matches none is a seed enterprise (种子型).
    """

    enterprise_class = models.CharField(
        _("class"),
        max_length=14,
        choices=[c for c in EnterpriseClass.choices if c[0] != EnterpriseClass.SEED],
        unique=True,
    )
    priority = models.PositiveSmallIntegerField(_("priority"), default=10)
    min_cumulative_revenue = models.DecimalField(
        _("minimum cumulative main-business revenue (yuan)"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    min_revenue_growth = models.DecimalField(
        _("minimum revenue growth (0.20 = 20 %)"), max_digits=9, decimal_places=4, null=True, blank=True
    )
    min_cumulative_financing = models.DecimalField(
        _("minimum cumulative financing (yuan)"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    min_employees = models.PositiveIntegerField(_("minimum employees"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-priority", "enterprise_class"]
        verbose_name = _("class rule")
        verbose_name_plural = _("class rules")
        constraints = [
            models.CheckConstraint(
                name="class_rule_thresholds_not_negative",
                condition=(Q(min_cumulative_revenue__isnull=True) | Q(min_cumulative_revenue__gte=0))
                & (Q(min_cumulative_financing__isnull=True) | Q(min_cumulative_financing__gte=0)),
            ),
        ]

    def __str__(self) -> str:
        return self.get_enterprise_class_display()


class ClassChange(models.Model):
    """An enterprise moved from one class to another, with the figures that caused it."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="class_changes")
    from_class = models.CharField(
        pgettext_lazy("enterprise class", "from"), max_length=14, choices=EnterpriseClass.choices
    )
    to_class = models.CharField(pgettext_lazy("enterprise class", "to"), max_length=14, choices=EnterpriseClass.choices)
    cumulative_revenue = money(_("cumulative main-business revenue"))
    cumulative_financing = money(_("cumulative financing"))
    revenue_growth = models.DecimalField(_("revenue growth"), max_digits=9, decimal_places=4, null=True, blank=True)
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    changed_at = models.DateTimeField(_("changed at"), default=clock.now)
    job = models.ForeignKey("core.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("class change")
        verbose_name_plural = _("class changes")
        indexes = [models.Index(fields=["enterprise", "changed_at"])]

    def __str__(self) -> str:
        return f"{self.enterprise_id}: {self.from_class} → {self.to_class}"


class SupportKind(models.TextChoices):
    MENTORING = "mentoring", _("Mentoring (创业辅导)")
    INVESTMENT = "investment", _("Investment matching (投融资对接)")
    FIRST_PURCHASE = "first_purchase", _("Government first purchase (产品首购订购)")
    LISTING = "listing", _("Listing coaching (上市辅导)")
    SPACE = "space", _("Workspace")
    HOUSING = "housing", _("Talent housing")
    OTHER = "other", _("Other")


class SupportStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_SUPPORT_STATUSES = (SupportStatus.PLANNED, SupportStatus.IN_PROGRESS)


class SupportPlanItem(models.Model):
    """One service of an enterprise's plan (一企一策)."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="plan_items")
    kind = models.CharField(_("kind"), max_length=16, choices=SupportKind.choices)
    title = models.CharField(_("service"), max_length=160)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="support_items",
        verbose_name=_("owner"),
    )
    due_on = models.DateField(_("due on"))
    status = models.CharField(_("status"), max_length=12, choices=SupportStatus.choices, default=SupportStatus.PLANNED)
    outcome = models.TextField(_("outcome"), blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("support plan item")
        verbose_name_plural = _("support plan items")
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "kind", "title"], name="support_item_unique_title"),
            models.CheckConstraint(name="done_support_item_has_outcome", condition=~Q(status="done") | ~Q(outcome="")),
        ]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_overdue(self) -> bool:
        return self.status in OPEN_SUPPORT_STATUSES and self.due_on < clock.today()


class Visit(models.Model):
    """The liaison officer's visit log (挂包服务走访记录)."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="visits")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("officer")
    )
    visited_on = models.DateField(_("visited on"))
    topic = models.CharField(_("topic"), max_length=160)
    notes = models.TextField(pgettext_lazy("visit", "notes"), blank=True)
    follow_up = models.TextField(_("follow-up"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-visited_on", "-id"]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "visited_on", "topic"], name="visit_unique_topic_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.visited_on}"


class Mentor(models.Model):
    """An entrepreneurship mentor (创业导师) and the enterprises mentored."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    field = models.CharField(_("field"), max_length=80)
    organisation = models.CharField(_("organisation"), max_length=120, blank=True)
    org_unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mentors",
        verbose_name=_("unit"),
        help_text=_("Empty for mentors who serve the whole district."),
    )
    enterprises = models.ManyToManyField(
        Enterprise, blank=True, related_name="mentors", verbose_name=_("enterprises mentored")
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("mentor")
        verbose_name_plural = _("mentors")

    def __str__(self) -> str:
        return self.name


class ImportState(models.TextChoices):
    PREVIEWED = "previewed", _("Checked, waiting for confirmation")
    REJECTED = "rejected", _("Rejected: the file has errors")
    IMPORTED = "imported", _("Imported")


class ReportImport(models.Model):
    """An upload of operating data: checked first, imported whole or not at all.

    The checked rows are kept as JSON so that confirming imports exactly what was previewed,
    without uploading the file again.
    """

    org_unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unit"),
        help_text=_("Empty for an import covering the whole district."),
    )
    file_name = models.CharField(_("file"), max_length=200)
    sha256 = models.CharField(max_length=64)
    state = models.CharField(_("state"), max_length=12, choices=ImportState.choices)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    # Figures that pass every check but look wrong beside the enterprise's previous report (a
    # revenue of 120 yuan after 1,200,000): the import waits until the uploader confirms them.
    warnings = models.JSONField(_("warnings"), default=list, blank=True)
    skipped_rows = models.PositiveIntegerField(_("rows without figures"), default=0)
    rows = models.JSONField(default=list, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=clock.now)
    imported_at = models.DateTimeField(null=True, blank=True)
    created_reports = models.PositiveIntegerField(default=0)
    corrected_reports = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("operating-data import")
        verbose_name_plural = _("operating-data imports")

    def __str__(self) -> str:
        return self.file_name
