"""The yearly, differentiated assessment (差异化考核) of streets, parks and the innovation group."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from qinhuai_talent.core.models import OrgUnit, UnitKind


class SchemeState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")


class AssessmentScheme(models.Model):
    year = models.PositiveSmallIntegerField(_("year"))
    unit_kind = models.CharField(_("unit kind"), max_length=20, choices=UnitKind.choices)
    name = models.CharField(_("name"), max_length=160)
    state = models.CharField(_("state"), max_length=8, choices=SchemeState.choices, default=SchemeState.DRAFT)
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
    source = models.CharField(_("source"), max_length=60, blank=True)
    core = models.BooleanField(_("common core"), default=True)
    is_veto = models.BooleanField(_("veto item (一票否决)"), default=False)
    max_value = models.DecimalField(_("maximum manual value"), max_digits=16, decimal_places=2, null=True, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["scheme_id", "order", "id"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.UniqueConstraint(fields=["scheme", "key"], name="indicator_key_unique_in_scheme"),
            models.CheckConstraint(name="indicator_weight_not_negative", condition=Q(weight__gte=0)),
        ]

    def __str__(self) -> str:
        return self.label


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
    grade_band = models.CharField(_("grade"), max_length=12, blank=True)
    rank = models.PositiveSmallIntegerField(_("rank"), null=True, blank=True)
    previous_total = models.DecimalField(_("last year's total"), max_digits=7, decimal_places=2, null=True, blank=True)
    unit_comment = models.TextField(_("unit's comment"), blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-year", "rank", "org_unit__code"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        constraints = [models.UniqueConstraint(fields=["org_unit", "year"], name="one_assessment_per_unit_year")]

    def __str__(self) -> str:
        return f"{self.org_unit} {self.year}"


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

    class Meta:
        ordering = ["indicator__order", "indicator_id"]
        verbose_name = _("indicator score")
        verbose_name_plural = _("indicator scores")
        constraints = [models.UniqueConstraint(fields=["assessment", "indicator"], name="one_score_per_indicator")]

    def __str__(self) -> str:
        return f"{self.indicator}: {self.score}"
