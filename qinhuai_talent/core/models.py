"""Cross-cutting records: org units, users and roles, jobs and the transition log."""

import hashlib
import json

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from . import clock
from .i18n import in_reader_language


class UnitKind(models.TextChoices):
    DISTRICT_OFFICE = "district_office", _("District talent office")
    STREET = "street", _("Street")
    PARK = "park", _("Park")
    INNOVATION_GROUP = "innovation_group", _("Science and innovation group")
    FINANCE = "finance", _("Finance bureau")


# Units whose officers own a pipeline of their own (the field force the district assesses).
FIELD_UNIT_KINDS = (UnitKind.STREET, UnitKind.PARK, UnitKind.INNOVATION_GROUP)


class OrgUnit(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80, unique=True)
    name_en = models.CharField(_("English name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    head = models.CharField(_("head of unit"), max_length=40, blank=True)
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = _("org unit")
        verbose_name_plural = _("org units")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return in_reader_language(self.name, self.name_en)

    @property
    def is_field_unit(self) -> bool:
        return self.kind in FIELD_UNIT_KINDS


class Role(models.TextChoices):
    OFFICE = "office", _("District talent office staff")
    STREET = "street", _("Street officer")
    PARK = "park", _("Park officer")
    EXPERT = "expert", _("Expert reviewer")
    FINANCE = "finance", _("Finance officer")
    LEADER = "leader", _("Leadership (read-only)")
    API_CLIENT = "api_client", _("Report client (API)")
    TALENT = "talent", _("Talent (applicant)")
    ENTERPRISE = "enterprise", _("Talent enterprise")
    PROVIDER = "provider", _("Service provider staff")
    # The portal's own work (qinhuai_talent.core.system): not a login, in no scope.
    SYSTEM = "system", _("System")


# Roles that belong to exactly one unit and see only that unit's records.
UNIT_ROLES = (Role.STREET, Role.PARK)
# Self-service accounts: a person or an enterprise, seeing only their own records, in no unit.
SELF_ROLES = (Role.TALENT, Role.ENTERPRISE)
# The accounts of people outside the district's offices (self-service and a provider's staff): the
# back office's own people (who filed, prepared or approved) are not named to them.
OUTSIDE_ROLES = (*SELF_ROLES, Role.PROVIDER)
# The back office's roles, who search the header's box (reports.search): an expert has their review
# list, a talent or an enterprise their own few records, a report client the API's reports.
SEARCH_ROLES = (Role.OFFICE, Role.STREET, Role.PARK, Role.FINANCE, Role.LEADER)
# People are listed by name (family name first), as they are shown (``User.__str__``).
PEOPLE_ORDER = ("last_name", "first_name", "username")
ROLE_UNIT_KINDS = {
    Role.OFFICE: (UnitKind.DISTRICT_OFFICE,),
    Role.STREET: (UnitKind.STREET, UnitKind.INNOVATION_GROUP),
    Role.PARK: (UnitKind.PARK,),
    Role.FINANCE: (UnitKind.FINANCE,),
}


class User(AbstractUser):
    # Joined on the portal's clock, like every other stamp.
    date_joined = models.DateTimeField(_("date joined"), default=clock.now)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.LEADER)
    org_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("org unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    # For report clients: the units whose figures the client may read (empty = none).
    granted_units = models.ManyToManyField(
        OrgUnit, verbose_name=_("granted units"), blank=True, related_name="report_clients"
    )
    grants_all_units = models.BooleanField(_("grant covers the whole district"), default=False)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    # The language the portal writes to this person in (emails, SMS); the pages follow the browser.
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans")
    # Kept by qinhuai_talent.notifications in the transaction that changes the inbox, so that every
    # page's header shows it without a query.
    unread_notifications = models.PositiveIntegerField(_("unread notifications"), default=0)
    history = HistoricalRecords(excluded_fields=["password", "last_login", "unread_notifications"], m2m_fields=[])

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                name="unit_role_has_unit",
                condition=~Q(role__in=[r.value for r in UNIT_ROLES]) | Q(org_unit__isnull=False),
                violation_error_message=_("Street and park officers must belong to a unit."),
            ),
            models.CheckConstraint(
                name="self_role_has_no_unit",
                condition=~Q(role__in=[r.value for r in SELF_ROLES]) | Q(org_unit__isnull=True),
                violation_error_message=_("Talent and enterprise accounts belong to no unit."),
            ),
        ]

    def get_full_name(self) -> str:
        """Family name first, as Chinese names are written (王静, not 静 王); the system actor is
        系统 / System in the reader's language."""
        if self.role == Role.SYSTEM:
            return str(_("System"))
        return f"{self.last_name}{self.first_name}".strip()

    def __str__(self) -> str:
        """A person reads as their full name wherever the portal shows one (pickers, tables, the
        history, the transition log, messages); the username only where it has no name, and on the
        administrators' own pages, which show it explicitly."""
        return self.get_full_name() or self.username

    @property
    def role_label(self) -> str:
        return Role(self.role).label


class JobState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class Job(models.Model):
    """A long piece of work and its progress, claimed and updated by the task that runs it."""

    kind = models.CharField(_("kind"), max_length=40, db_index=True)
    state = models.CharField(_("state"), max_length=12, choices=JobState.choices, default=JobState.QUEUED)
    progress = models.FloatField(_("progress"), default=0.0)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    message = models.TextField(_("message"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        constraints = [
            models.CheckConstraint(name="job_progress_0_1", condition=Q(progress__gte=0) & Q(progress__lte=1)),
        ]
        indexes = [models.Index(fields=["state", "heartbeat_at"])]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.state in (JobState.SUCCEEDED, JobState.FAILED)


class ChainHead(models.Model):
    """The newest link of a hash chain (the ledger; one record's transitions), kept apart from
    the chain. A chain whose newest rows were deleted still verifies link by link; against its
    head it does not (``manage.py verify_audit``)."""

    chain = models.CharField(max_length=100, unique=True)
    last_id = models.BigIntegerField()
    last_hash = models.CharField(max_length=64)
    length = models.PositiveBigIntegerField()

    def __str__(self) -> str:
        return f"{self.chain} → {self.last_id}"


class TransitionLog(models.Model):
    """Every state change of every workflow entity: who, when, from, to, why.

    Rows are chained by hash (``prev_hash`` → ``hash``) so that an edited or deleted row is
    detectable (``manage.py verify_audit``).
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    action = models.CharField(_("action"), max_length=40)
    from_state = models.CharField(_("from"), max_length=30)
    to_state = models.CharField(_("to"), max_length=30)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(_("reason"), blank=True)
    at = models.DateTimeField(_("at"), default=clock.now)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["content_type", "object_id", "at"])]
        verbose_name = _("transition")
        verbose_name_plural = _("transitions")

    def __str__(self) -> str:
        return f"{self.action}: {self.from_state} → {self.to_state}"

    def _state_label(self, code: str) -> str:
        """A logged state as people read it, from the subject's state field (the log keeps codes)."""
        model = ContentType.objects.get_for_id(self.content_type_id).model_class()
        for name in ("state", "status"):
            field = next((f for f in model._meta.fields if f.name == name and f.choices), None)
            if field is not None:
                return str(dict(field.flatchoices).get(code, code))
        return code

    @property
    def reason_text(self) -> str:
        """The reason as the reader reads it: the system writes its reasons as message ids
        (translated here), a person's reason is shown as they wrote it."""
        from django.utils.translation import gettext

        return gettext(self.reason) if self.reason else ""

    @property
    def from_label(self) -> str:
        return self._state_label(self.from_state) if self.from_state else ""

    @property
    def to_label(self) -> str:
        return self._state_label(self.to_state)

    @staticmethod
    def hash_of(content_type_id, object_id, action, from_state, to_state, actor_id, reason, at, prev_hash) -> str:
        """The row's hash from its fields (the one rule, for a row in memory and for the bulk
        writer that builds no model instances)."""
        payload = json.dumps(
            [content_type_id, object_id, action, from_state, to_state, actor_id, reason, at.isoformat(), prev_hash],
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode()).hexdigest()

    def compute_hash(self) -> str:
        return self.hash_of(
            self.content_type_id,
            self.object_id,
            self.action,
            self.from_state,
            self.to_state,
            self.actor_id,
            self.reason,
            self.at,
            self.prev_hash,
        )


class TableChange(models.Model):
    """One write statement on a portal table (``qinhuai_talent.core.resultcache``): a statement
    trigger adds ``(table, 1)`` in the writer's transaction; compaction folds rows into one per
    table with their summed ``weight``. A table's version is the sum it shows a reader."""

    table = models.CharField(max_length=63)
    weight = models.PositiveBigIntegerField(default=1)

    class Meta:
        indexes = [models.Index(fields=["table", "weight"], name="tablechange_version")]

    def __str__(self) -> str:
        return f"{self.table} +{self.weight}"


class CachedResult(models.Model):
    """A read kept by ``qinhuai_talent.core.resultcache``: served while the tables it read have the
    summed version it was computed at."""

    key = models.CharField(max_length=64, primary_key=True)
    tables = models.JSONField()
    version = models.BigIntegerField()
    value = models.JSONField()
    computed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.key


class Heartbeat(models.Model):
    """The last sign of life of a process the portal depends on, written by that process: a worker
    (``worker:<hostname>``), the scheduler (``beat``) and each of its schedule entries
    (``schedule:<entry>``, the last time beat sent it). Read by ``/readyz`` and the jobs page."""

    key = models.CharField(max_length=200, unique=True)
    seen_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.key} @ {self.seen_at:%Y-%m-%d %H:%M:%S}"
