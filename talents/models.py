"""Programs, calls, talents, their titles, and the application review pipeline."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from qinhuai_talent.core import clock
from qinhuai_talent.core.i18n import in_reader_language
from qinhuai_talent.core.models import OrgUnit

from . import fit


class BilingualName(models.Model):
    """Reference data named in both languages."""

    name = models.CharField(_("name"), max_length=120)
    name_en = models.CharField(_("English name"), max_length=160)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return in_reader_language(self.name, self.name_en)


class Level(models.TextChoices):
    NATIONAL = "national", _("National")
    PROVINCIAL = "provincial", _("Provincial")
    MUNICIPAL = "municipal", _("Municipal")
    DISTRICT = "district", _("District")


class Track(models.TextChoices):
    """The four tracks of the city's “创业南京” plan."""

    TOP_EXPERT = "top_expert", _("Top experts")
    INNOVATIVE_ENTREPRENEUR = "innovative_entrepreneur", _("Innovative entrepreneurs")
    HIGH_LEVEL_ENTREPRENEUR = "high_level_entrepreneur", _("High-level entrepreneurial talents")
    YOUNG_ENTREPRENEUR = "young_entrepreneur", _("Young college-student entrepreneurs")


class SelectionAuthority(models.TextChoices):
    HOST_UNIT = "host_unit", _("Selected by the hosting street or park")
    DISTRICT = "district", _("Selected by the district")
    RECOMMEND_UPWARD = "recommend_upward", _("Recommended upward by the district; outcome recorded")


class Origin(models.TextChoices):
    INTRODUCED = "introduced", _("Introduced")
    SELF_CULTIVATED = "self_cultivated", _("Self-cultivated")


class Industry(BilingualName):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    leading = models.BooleanField(_("leading industry of the district"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        ordering = ["-leading", "order", "code"]
        verbose_name = _("industry")
        verbose_name_plural = _("industries")


class Program(BilingualName):
    code = models.SlugField(_("code"), max_length=60, unique=True)
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    track = models.CharField(_("track"), max_length=30, choices=Track.choices, blank=True)
    has_defense = models.BooleanField(_("has a panel defense"), default=False)
    selection_authority = models.CharField(
        _("who selects"), max_length=20, choices=SelectionAuthority.choices, default=SelectionAuthority.DISTRICT
    )
    max_support = models.DecimalField(
        _("maximum support (yuan)"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    description = models.TextField(_("description"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["level", "code"]
        verbose_name = _("program")
        verbose_name_plural = _("programs")


class CallState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    FINISHED = "finished", _("Finished")


class ExpertDisclosure(models.TextChoices):
    """What an expert may see of the other reviews once their own is submitted (blind review).

    Until then they see nothing derived from the other reviews, whatever the call says."""

    NOTHING = "nothing", _("Nothing of the other reviews")
    SUMMARY = "summary", _("The expert score, the rank in the call and the number of reviews")
    FULL = "full", _("Also the other experts' names, scores and comments, and the panel's vote")


class Call(models.Model):
    """A year's call for applications (申报批次)."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="calls", verbose_name=_("program"))
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=160)
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    quota = models.PositiveIntegerField(_("quota"), default=0)
    focus_industries = models.ManyToManyField(Industry, blank=True, verbose_name=_("focus industries"))
    # Eligibility rules as data, e.g. {"legal_representative": true, "min_own_capital": "1000000",
    # "min_education": "master", "max_company_age_years": 5, "max_age": 35}.
    eligibility = models.JSONField(_("eligibility rules"), default=dict, blank=True)
    # Attachment kinds an application must carry before it can be submitted.
    required_documents = models.JSONField(_("required documents"), default=list, blank=True)
    min_reviews = models.PositiveSmallIntegerField(_("minimum expert reviews"), default=2)
    notice_days = models.PositiveSmallIntegerField(_("public notice days"), default=15)
    expert_disclosure = models.CharField(
        _("what experts see of other reviews after submitting their own"),
        max_length=12,
        choices=ExpertDisclosure.choices,
        default=ExpertDisclosure.NOTHING,
    )
    state = models.CharField(_("state"), max_length=12, choices=CallState.choices, default=CallState.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "program__level", "program__code"]
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        constraints = [
            models.UniqueConstraint(fields=["program", "year"], name="one_call_per_program_year"),
            models.CheckConstraint(name="call_closes_after_it_opens", condition=Q(closes_on__gte=models.F("opens_on"))),
            models.CheckConstraint(name="call_needs_a_review", condition=Q(min_reviews__gte=1)),
        ]

    def __str__(self) -> str:
        return self.title

    def is_open_on(self, day) -> bool:
        return self.state == CallState.OPEN and self.opens_on <= day <= self.closes_on


class RubricCriterion(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="criteria")
    code = models.SlugField(_("code"), max_length=40)
    label = models.CharField(_("criterion"), max_length=120)
    weight = models.DecimalField(_("weight (%)"), max_digits=5, decimal_places=2)
    max_score = models.PositiveSmallIntegerField(_("maximum score"), default=100)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["call", "code"], name="criterion_code_unique_in_call"),
            models.CheckConstraint(name="criterion_weight_positive", condition=Q(weight__gt=0) & Q(weight__lte=100)),
        ]

    def __str__(self) -> str:
        return self.label


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class Education(models.TextChoices):
    BACHELOR = "bachelor", _("Bachelor")
    MASTER = "master", _("Master")
    DOCTORATE = "doctorate", _("Doctorate")
    OTHER = "other", _("Other")


class Talent(models.Model):
    """A person the district supports. The ID number is shown only on the detail page of those allowed."""

    name = models.CharField(_("name"), max_length=60)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    nationality = models.CharField(_("nationality"), max_length=40, default="中国")
    id_number = models.CharField(_("ID number"), max_length=32, blank=True)
    education = models.CharField(_("education"), max_length=12, choices=Education.choices, blank=True)
    professional_title = models.CharField(_("professional title"), max_length=60, blank=True)
    overseas_experience = models.BooleanField(_("overseas experience"), default=False)
    field = models.CharField(_("field"), max_length=80, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="talents", verbose_name=_("unit"))
    # The person's own portal account (role ``talent``), when they have one.
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="talent_record",
        verbose_name=_("account"),
    )
    created_at = models.DateTimeField(default=clock.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("talent")
        verbose_name_plural = _("talents")
        constraints = [
            models.UniqueConstraint(
                fields=["id_number"],
                condition=~Q(id_number=""),
                name="talent_id_number_unique",
                violation_error_message=_("A talent with this ID number is already registered."),
                violation_error_code="duplicate",
            ),
        ]
        indexes = [models.Index(fields=["org_unit", "name"])]

    def __str__(self) -> str:
        return self.name


class Title(models.Model):
    """A title (入选) a talent holds from a program."""

    talent = models.ForeignKey(Talent, on_delete=models.PROTECT, related_name="titles", verbose_name=_("talent"))
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="titles", verbose_name=_("program"))
    year = models.PositiveSmallIntegerField(_("year"))
    origin = models.CharField(_("origin"), max_length=20, choices=Origin.choices)
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="titles", verbose_name=_("unit"))
    application = models.OneToOneField(
        "Application", on_delete=models.PROTECT, null=True, blank=True, related_name="title"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "program__code"]
        verbose_name = _("title")
        verbose_name_plural = _("titles")
        constraints = [models.UniqueConstraint(fields=["talent", "program"], name="one_title_per_program")]
        indexes = [models.Index(fields=["program", "year", "origin"])]

    def __str__(self) -> str:
        return f"{self.talent} · {self.program} ({self.year})"


class SourceChannel(models.TextChoices):
    OVERSEAS_STATION = "overseas_station", _("Overseas talent liaison station")
    CONTEST = "contest", _("Startup contest")
    INVESTMENT_PROMOTION = "investment_promotion", _("Investment-promotion linkage")
    REFERRAL = "referral", _("Referral")
    OWN = "own", _("Own application")


class ApplicationState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted, awaiting preliminary review")
    RETURNED = "returned", _("Returned for revision")
    EXPERT_REVIEW = "expert_review", _("Expert review")
    DEFENSE = "defense", _("Panel defense")
    RECOMMENDED = "recommended", _("Recommended upward")
    PUBLIC_NOTICE = "public_notice", _("Public notice")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Application(models.Model):
    talent = models.ForeignKey(Talent, on_delete=models.PROTECT, related_name="applications", verbose_name=_("talent"))
    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="applications", verbose_name=_("call"))
    org_unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="applications", verbose_name=_("hosting unit")
    )
    industry = models.ForeignKey(Industry, on_delete=models.PROTECT, verbose_name=_("industry"))
    venture_name = models.CharField(_("venture"), max_length=160)
    summary = models.TextField(_("venture summary"), blank=True)
    requested_support = models.DecimalField(
        _("requested support (yuan)"),
        max_digits=16,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    source_channel = models.CharField(_("source channel"), max_length=24, choices=SourceChannel.choices)
    state = models.CharField(
        _("state"), max_length=16, choices=ApplicationState.choices, default=ApplicationState.DRAFT
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    industry_fit = models.DecimalField(
        _("industry fit"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    # Why the fit scored as it did, as codes and names (``talents.fit``), worded for each reader.
    industry_fit_reasons = models.JSONField(_("industry fit reasons"), default=dict, blank=True)
    score = models.DecimalField(_("expert score"), max_digits=6, decimal_places=2, null=True, blank=True)
    officer_comment = models.TextField(_("officer's comment"), blank=True)
    # The applicant's declarations that the call's eligibility rules are checked against.
    is_legal_representative = models.BooleanField(_("applicant is the company's legal representative"), default=False)
    own_paid_in_capital = models.DecimalField(
        _("own paid-in capital (yuan)"),
        max_digits=16,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    company_founded_on = models.DateField(_("company founded on"), null=True, blank=True)
    # Panel defense (综合答辩): the panel's vote, recorded by the office.
    defense_votes_for = models.PositiveSmallIntegerField(_("votes for"), null=True, blank=True)
    defense_votes_against = models.PositiveSmallIntegerField(_("votes against"), null=True, blank=True)
    defense_abstentions = models.PositiveSmallIntegerField(_("abstentions"), null=True, blank=True)
    notice_starts_on = models.DateField(_("public notice starts"), null=True, blank=True)
    notice_ends_on = models.DateField(_("public notice ends"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        constraints = [
            models.UniqueConstraint(fields=["talent", "call"], name="one_application_per_talent_and_call"),
            models.CheckConstraint(name="requested_support_not_negative", condition=Q(requested_support__gte=0)),
            models.CheckConstraint(name="own_capital_not_negative", condition=Q(own_paid_in_capital__gte=0)),
            models.CheckConstraint(
                name="notice_ends_after_it_starts",
                condition=Q(notice_starts_on__isnull=True)
                | Q(notice_ends_on__isnull=True)
                | Q(notice_ends_on__gte=models.F("notice_starts_on")),
            ),
        ]
        indexes = [
            models.Index(fields=["org_unit", "state"]),
            models.Index(fields=["call", "state"]),
            # The list's order, for the district and for one unit: its first page is read from the
            # index instead of sorting every application in scope.
            models.Index(fields=["-created_at", "-id"], name="application_list_order"),
            models.Index(fields=["org_unit", "-created_at", "-id"], name="application_unit_order"),
            # The year's pipeline (its calls' applications by state), counted from the index alone.
            models.Index(fields=["call", "state", "id"], name="application_call_states"),
        ]

    def __str__(self) -> str:
        return f"{self.talent} · {self.venture_name}"

    @property
    def industry_fit_explanation(self) -> str:
        return fit.explain(self.industry_fit_reasons)


def review_due_date(assigned_at) -> datetime.date:
    """An expert scores within ``REVIEW_DUE_DAYS`` of the assignment: the one rule of a review's due date."""
    return timezone.localdate(assigned_at) + datetime.timedelta(days=settings.REVIEW_DUE_DAYS)


class ReviewAssignment(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="assignments")
    expert = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="review_assignments")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(default=clock.now)
    conflict_declared = models.BooleanField(_("conflict of interest declared"), default=False)
    conflict_reason = models.TextField(_("conflict reason"), blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    total = models.DecimalField(_("weighted score"), max_digits=6, decimal_places=2, null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    # The conflict the assigner was shown and chose to assign despite (empty: none was flagged).
    conflict_flagged = models.TextField(_("conflict flagged at assignment"), blank=True)

    class Meta:
        ordering = ["assigned_at", "id"]
        verbose_name = _("review assignment")
        verbose_name_plural = _("review assignments")
        constraints = [
            models.UniqueConstraint(fields=["application", "expert"], name="one_assignment_per_expert"),
            models.CheckConstraint(
                name="no_score_after_conflict", condition=Q(conflict_declared=False) | Q(total__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.expert} → {self.application_id}"

    @property
    def due_on(self) -> datetime.date:
        return review_due_date(self.assigned_at)

    @property
    def overdue(self) -> bool:
        return self.submitted_at is None and not self.conflict_declared and self.due_on < clock.today()


class ExpertProfile(models.Model):
    """What the office knows of an expert reviewer: the fields they review in, and where they work,
    which is where their conflicts of interest come from (回避)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="expert_profile", verbose_name=_("expert")
    )
    fields = models.ManyToManyField(Industry, blank=True, related_name="experts", verbose_name=_("fields of expertise"))
    employer = models.CharField(_("employer"), max_length=160, blank=True)
    # A street or park the expert works for: its applicants are their conflict.
    employer_unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("works for the unit")
    )
    # An enterprise the expert works for or holds shares in, by its unified social credit code.
    employer_credit_code = models.CharField(_("enterprise's credit code"), max_length=18, blank=True)

    class Meta:
        verbose_name = _("expert profile")
        verbose_name_plural = _("expert profiles")

    def __str__(self) -> str:
        return str(self.user)


class ReviewScore(models.Model):
    assignment = models.ForeignKey(ReviewAssignment, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(RubricCriterion, on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2, validators=[MinValueValidator(0)])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assignment", "criterion"], name="one_score_per_criterion"),
            models.CheckConstraint(name="score_not_negative", condition=Q(score__gte=0)),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.score}"


def private_storage():
    """Attachments live outside MEDIA_ROOT: only the download view, after a scope check, serves them."""
    from django.core.files.storage import FileSystemStorage

    return FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT, base_url=None)


class DocumentKind(models.TextChoices):
    ID_COPY = "id_copy", _("Copy of ID document")
    BUSINESS_PLAN = "business_plan", _("Business plan")
    DEGREE = "degree", _("Degree or title certificate")
    COMPANY_LICENCE = "company_licence", _("Business licence")
    CAPITAL_PROOF = "capital_proof", _("Proof of paid-in capital")
    OTHER = "other", _("Other")


def attachment_path(instance, filename: str) -> str:
    # The stored name is random so an upload cannot choose or guess another's path.
    import uuid
    from pathlib import PurePath

    return f"talents/{instance.application_id}/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()}"


class Attachment(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("document"), max_length=20, choices=DocumentKind.choices)
    file = models.FileField(_("file"), upload_to=attachment_path, storage=private_storage, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=80)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), default=clock.now)

    class Meta:
        ordering = ["kind", "uploaded_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name


class ObjectionState(models.TextChoices):
    OPEN = "open", _("Under investigation")
    UPHELD = "upheld", _("Upheld")
    DISMISSED = "dismissed", _("Dismissed")


class Objection(models.Model):
    """An objection raised during the public notice (公示), investigated and resolved."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="objections")
    received_on = models.DateField(_("received on"))
    raised_by = models.CharField(_("raised by"), max_length=120, blank=True)
    content = models.TextField(_("objection"))
    state = models.CharField(_("state"), max_length=12, choices=ObjectionState.choices, default=ObjectionState.OPEN)
    resolution = models.TextField(_("investigation and resolution"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["received_on", "id"]
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        constraints = [
            models.CheckConstraint(
                name="resolved_objection_has_resolution",
                condition=Q(state=ObjectionState.OPEN) | ~Q(resolution=""),
            ),
        ]

    def __str__(self) -> str:
        return self.content[:40]
