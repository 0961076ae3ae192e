"""The yearly, differentiated assessment (差异化考核) of streets, parks and the innovation group."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from qinhuai_talent.core import clock
from qinhuai_talent.core.i18n import in_reader_language
from qinhuai_talent.core.models import OrgUnit, UnitKind
from qinhuai_talent.core.money import MoneyField


class SchemeState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    CLOSED = "closed", pgettext_lazy("scheme", "Closed")


class AssessmentScheme(models.Model):
    year = models.PositiveSmallIntegerField(_("year"))
    unit_kind = models.CharField(_("unit kind"), max_length=20, choices=UnitKind.choices)
    name = models.CharField(_("name"), max_length=160)
    state = models.CharField(_("state"), max_length=8, choices=SchemeState.choices, default=SchemeState.DRAFT)
    copied_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("copied from")
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "unit_kind"]
        verbose_name = _("assessment scheme")
        verbose_name_plural = _("assessment schemes")
        constraints = [models.UniqueConstraint(fields=["year", "unit_kind"], name="one_scheme_per_year_and_kind")]

    def __str__(self) -> str:
        return self.name


class TargetMode(models.TextChoices):
    LINEAR = "linear", _("Linear to target")
    CAPPED = "capped", _("Linear, capped at the weight")
    THRESHOLD = "threshold", _("Full points at the threshold, none below")
    BONUS = "bonus", _("Bonus points")


class IndicatorKind(models.TextChoices):
    HARD = "hard", _("Hard")
    SOFT = "soft", _("Soft")


class Indicator(models.Model):
    scheme = models.ForeignKey(AssessmentScheme, on_delete=models.CASCADE, related_name="indicators")
    key = models.SlugField(_("key"), max_length=60)
    label = models.CharField(_("indicator"), max_length=160)
    weight = models.DecimalField(_("weight"), max_digits=6, decimal_places=2, default=Decimal("0"))
    mode = models.CharField(_("target mode"), max_length=10, choices=TargetMode.choices, default=TargetMode.LINEAR)
    kind = models.CharField(_("kind"), max_length=4, choices=IndicatorKind.choices, default=IndicatorKind.HARD)
    # The key of a computed source (see assessment.sources), or blank for a manual value with evidence.
    source = models.CharField(pgettext_lazy("indicator", "source"), max_length=60, blank=True)
    core = models.BooleanField(_("common core"), default=True)
    is_veto = models.BooleanField(_("veto item (一票否决)"), default=False)
    max_value = models.DecimalField(_("maximum manual value"), max_digits=16, decimal_places=2, null=True, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    min_value = models.DecimalField(_("minimum manual value"), max_digits=16, decimal_places=2, default=Decimal("0"))
    # Bonus items: points earned per unit of the actual, up to the weight (the item's maximum).
    points_per_unit = models.DecimalField(
        _("bonus points per unit"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    unit_label = models.CharField(_("unit of measure"), max_length=20, blank=True)
    # Parameters of the computed source (e.g. level weights, days allowed); see assessment.sources.
    params = models.JSONField(_("source parameters"), default=dict, blank=True)
    description = models.TextField(_("description"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["scheme_id", "order", "id"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.UniqueConstraint(fields=["scheme", "key"], name="indicator_key_unique_in_scheme"),
            models.CheckConstraint(name="indicator_weight_not_negative", condition=Q(weight__gte=0)),
            # A veto item zeroes the result; it carries no points of its own.
            models.CheckConstraint(name="veto_item_has_no_weight", condition=Q(is_veto=False) | Q(weight=0)),
            models.CheckConstraint(
                name="manual_range_is_ordered",
                condition=Q(max_value__isnull=True) | Q(max_value__gte=models.F("min_value")),
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def is_manual(self) -> bool:
        return not self.source

    @property
    def measure(self) -> str:
        """What the actual is counted in: a computed indicator's is its source's (a level-weighted
        score is points, not persons), whatever label was typed; a manual one's is its label."""
        from .sources import SOURCES

        source = SOURCES.get(self.source)
        return str(source.unit_label) if source else self.unit_label

    @property
    def counts_towards_100(self) -> bool:
        """Bonus and veto items sit outside the 100 base points."""
        return self.mode != TargetMode.BONUS and not self.is_veto


class GradeBand(models.Model):
    """A grade (优秀, 良好, 合格, 不合格 …) reached at a minimum total; the fund factor weights work funds."""

    scheme = models.ForeignKey(AssessmentScheme, on_delete=models.CASCADE, related_name="grade_bands")
    code = models.SlugField(_("code"), max_length=20)
    label = models.CharField(pgettext_lazy("assessment", "grade"), max_length=40)
    label_en = models.CharField(_("grade in English"), max_length=40, blank=True)
    min_total = models.DecimalField(_("minimum total"), max_digits=7, decimal_places=2)
    fund_factor = models.DecimalField(_("work-fund factor"), max_digits=5, decimal_places=2, default=Decimal("1"))

    class Meta:
        ordering = ["scheme_id", "-min_total"]
        verbose_name = _("grade band")
        verbose_name_plural = _("grade bands")
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="grade_code_unique_in_scheme"),
            models.UniqueConstraint(fields=["scheme", "min_total"], name="grade_threshold_unique_in_scheme"),
            models.CheckConstraint(name="grade_factor_not_negative", condition=Q(fund_factor__gte=0)),
            models.CheckConstraint(name="grade_min_total_not_negative", condition=Q(min_total__gte=0)),
        ]

    def __str__(self) -> str:
        return self.display_label

    @property
    def display_label(self) -> str:
        return in_reader_language(self.label, self.label_en)


class Target(models.Model):
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="assessment_targets")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets")
    value = models.DecimalField(_("target"), max_digits=16, decimal_places=2)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.UniqueConstraint(fields=["org_unit", "indicator"], name="one_target_per_unit_indicator"),
            models.CheckConstraint(name="target_not_negative", condition=Q(value__gte=0)),
        ]

    def __str__(self) -> str:
        return f"{self.org_unit} · {self.indicator}: {self.value}"


class ManualValue(models.Model):
    """A figure entered by hand for a manual indicator, always with its evidence."""

    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="manual_values")
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=2)
    evidence = models.TextField(_("evidence"))
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(default=clock.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("manual value")
        verbose_name_plural = _("manual values")
        constraints = [
            models.UniqueConstraint(fields=["org_unit", "indicator"], name="one_manual_value_per_unit_indicator"),
            models.CheckConstraint(name="manual_value_has_evidence", condition=~Q(evidence="")),
        ]

    def __str__(self) -> str:
        return f"{self.org_unit} · {self.indicator}: {self.value}"


class ActivityKind(models.TextChoices):
    TRAINING_CAMP = "training_camp", _("Startup training camp (创业训练营)")
    SALON = "salon", _("Salon")
    CONTEST = "contest", _("Contest")
    ROADSHOW = "roadshow", _("Roadshow (路演)")
    STAR_AWARD = "star_award", _("“创业之星” award")
    OTHER = "other", _("Other")


class Activity(models.Model):
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="activities", verbose_name=_("unit"))
    kind = models.CharField(_("kind"), max_length=16, choices=ActivityKind.choices)
    title = models.CharField(_("title"), max_length=160)
    held_on = models.DateField(_("held on"))
    participants = models.PositiveIntegerField(_("participants"), default=0)
    notes = models.TextField(_("notes"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [models.Index(fields=["org_unit", "held_on"])]

    def __str__(self) -> str:
        return self.title


class AssessmentState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    COMPUTED = "computed", _("Computed")
    CONFIRMED = "confirmed", _("Confirmed by the unit")
    OBJECTED = "objected", _("Objection raised by the unit")
    PUBLISHED = "published", _("Published")


class Assessment(models.Model):
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("unit"))
    scheme = models.ForeignKey(AssessmentScheme, on_delete=models.PROTECT, related_name="assessments")
    year = models.PositiveSmallIntegerField(_("year"))
    state = models.CharField(_("state"), max_length=10, choices=AssessmentState.choices, default=AssessmentState.DRAFT)
    total = models.DecimalField(_("total score"), max_digits=7, decimal_places=2, null=True, blank=True)
    vetoed = models.BooleanField(_("vetoed"), default=False)
    # The grade's label as published (kept as it read then) and the band's code, which the
    # work-fund split looks its factor up by (a band's label may be reworded later).
    grade_band = models.CharField(pgettext_lazy("assessment", "grade"), max_length=40, blank=True)
    grade_band_en = models.CharField(_("grade in English"), max_length=40, blank=True)
    grade_code = models.SlugField(_("grade code"), max_length=20, blank=True)
    rank = models.PositiveSmallIntegerField(_("rank"), null=True, blank=True)
    previous_total = models.DecimalField(_("last year's total"), max_digits=7, decimal_places=2, null=True, blank=True)
    unit_comment = models.TextField(_("unit's comment"), blank=True)
    hard_total = models.DecimalField(_("hard indicators"), max_digits=7, decimal_places=2, null=True, blank=True)
    soft_total = models.DecimalField(_("soft indicators"), max_digits=7, decimal_places=2, null=True, blank=True)
    bonus_total = models.DecimalField(_("bonus points"), max_digits=7, decimal_places=2, null=True, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords(excluded_fields=["computed_at"])

    class Meta:
        ordering = ["-year", "rank", "org_unit__code"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        constraints = [
            models.UniqueConstraint(fields=["org_unit", "year"], name="one_assessment_per_unit_year"),
            models.CheckConstraint(
                name="published_assessment_has_date", condition=~Q(state="published") | Q(published_at__isnull=False)
            ),
        ]
        indexes = [models.Index(fields=["year", "state"])]

    def __str__(self) -> str:
        return f"{self.org_unit} {self.year}"

    @property
    def grade_label(self) -> str:
        """The grade as published, in the reader's language."""
        return in_reader_language(self.grade_band, self.grade_band_en)

    @property
    def change(self):
        """Year-over-year change of the total, or None without last year's result."""
        if self.total is None or self.previous_total is None:
            return None
        return self.total - self.previous_total

    @property
    def is_frozen(self) -> bool:
        return self.state == AssessmentState.PUBLISHED


class IndicatorScore(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="scores")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="scores")
    actual = models.DecimalField(_("actual"), max_digits=16, decimal_places=2, null=True, blank=True)
    target = models.DecimalField(_("target"), max_digits=16, decimal_places=2, null=True, blank=True)
    score = models.DecimalField(_("score"), max_digits=7, decimal_places=2, default=Decimal("0"))
    evidence = models.TextField(_("evidence"), blank=True)
    manual = models.BooleanField(_("entered by hand"), default=False)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # How the score came about, e.g. "12 / 10 × 20 = 24.00", so a unit can check the arithmetic.
    explanation = models.CharField(_("explanation"), max_length=200, blank=True)
    record_count = models.PositiveIntegerField(_("records counted"), null=True, blank=True)

    class Meta:
        ordering = ["indicator__order", "indicator_id"]
        verbose_name = _("indicator score")
        verbose_name_plural = _("indicator scores")
        constraints = [models.UniqueConstraint(fields=["assessment", "indicator"], name="one_score_per_indicator")]

    def __str__(self) -> str:
        return f"{self.indicator}: {self.score}"


class FundRule(models.TextChoices):
    BY_SCORE = "by_score", _("In proportion to the total score")
    BY_GRADE = "by_grade", _("In proportion to the grade's work-fund factor")


class PoolState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SPLIT = "split", _("Split")


class WorkFundPool(models.Model):
    """Work funds (工作经费) of a year to be split among the units by their assessment results."""

    year = models.PositiveSmallIntegerField(_("year"))
    name = models.CharField(_("name"), max_length=120)
    # Blank: every field unit (streets, parks and the innovation group) shares the pool.
    unit_kind = models.CharField(_("unit kind"), max_length=20, choices=UnitKind.choices, blank=True)
    amount = MoneyField(_("amount (yuan)"))
    rule = models.CharField(_("split rule"), max_length=10, choices=FundRule.choices, default=FundRule.BY_SCORE)
    base_percent = models.DecimalField(_("equal base share (%)"), max_digits=5, decimal_places=2, default=Decimal("0"))
    min_total = models.DecimalField(_("minimum total to share"), max_digits=7, decimal_places=2, default=Decimal("0"))
    state = models.CharField(_("state"), max_length=8, choices=PoolState.choices, default=PoolState.DRAFT)
    split_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "name"]
        verbose_name = _("work-fund pool")
        verbose_name_plural = _("work-fund pools")
        constraints = [
            models.UniqueConstraint(fields=["year", "name"], name="work_fund_pool_name_unique_in_year"),
            models.CheckConstraint(name="work_fund_pool_positive", condition=Q(amount__gt=0)),
            models.CheckConstraint(
                name="work_fund_base_percent_0_100", condition=Q(base_percent__gte=0) & Q(base_percent__lte=100)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.name}"


class WorkFundShare(models.Model):
    pool = models.ForeignKey(WorkFundPool, on_delete=models.CASCADE, related_name="shares")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="+")
    total = models.DecimalField(_("total score"), max_digits=7, decimal_places=2)
    weight = models.DecimalField(_("split weight"), max_digits=9, decimal_places=2)
    amount = MoneyField(_("amount (yuan)"))
    explanation = models.CharField(_("explanation"), max_length=200, blank=True)

    class Meta:
        ordering = ["pool_id", "-amount", "org_unit__code"]
        verbose_name = _("work-fund share")
        verbose_name_plural = _("work-fund shares")
        constraints = [
            models.UniqueConstraint(fields=["pool", "org_unit"], name="one_share_per_unit_and_pool"),
            models.CheckConstraint(name="work_fund_share_not_negative", condition=Q(amount__gte=0)),
        ]

    def __str__(self) -> str:
        return f"{self.org_unit}: {self.amount}"
