"""Background jobs: a registry of kinds, the job record, and the claim-run-finish cycle.

Apps register their kinds (``@register_job_kind``) in their ``tasks.py``. A job function takes
a ``JobContext``, reports progress through it and returns counts of what it changed. It must be
idempotent: a job can run twice (a redelivered task, the sweep), with the same effect as once.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .errors import ActionNotAllowed, DomainError, ServiceUnavailable
from .models import Job, JobState, Role, User
from .system import is_system

log = logging.getLogger(__name__)
run_log = logging.getLogger("qinhuai_talent.jobs")


@dataclass(frozen=True)
class JobKind:
    code: str
    label: object
    func: Callable
    roles: tuple[str, ...] = (Role.OFFICE,)
    # What each count the job returns means, as a sentence: a key → ngettext_lazy(singular,
    # plural, "n") with %(n)s. A count without a sentence is not shown as a raw key.
    words: dict[str, object] = field(default_factory=dict)


JOB_KINDS: dict[str, JobKind] = {}


def register_job_kind(code: str, label, roles: tuple[str, ...] = (Role.OFFICE,), words=None):
    def decorator(func: Callable) -> Callable:
        JOB_KINDS[code] = JobKind(code=code, label=label, func=func, roles=roles, words=dict(words or {}))
        return func

    return decorator


def job_sentences(job: Job) -> list[str]:
    """What a finished job changed, in the reader's language: one sentence per count, in the order
    the kind declares them (issue 17 item 10)."""
    spec = JOB_KINDS.get(job.kind)
    counts = job.counts or {}
    if spec is None:
        return []
    return [
        str(sentence % {"n": counts[key]})
        for key, sentence in spec.words.items()
        if isinstance(counts.get(key), int) and not isinstance(counts.get(key), bool)
    ]


def can_run_jobs(user) -> bool:
    """Whether ``user`` may start any kind of job (the jobs menu is shown to them only)."""
    return user.is_authenticated and any(user.is_superuser or user.role in k.roles for k in JOB_KINDS.values())


@dataclass
class JobContext:
    """Handed to a job function: report progress, read parameters."""

    job_id: int
    params: dict = field(default_factory=dict)
    on_progress: Callable[[float], None] | None = None
    _last: float = 0.0

    def progress(self, done: int, total: int) -> None:
        fraction = 1.0 if total <= 0 else min(1.0, max(0.0, done / total))
        # Write at most every 1 % so a million-row job does not write a million times.
        if fraction - self._last >= 0.01 or fraction == 1.0:
            self._last = fraction
            if self.on_progress is not None:
                self.on_progress(fraction)
            Job.objects.filter(pk=self.job_id, state=JobState.RUNNING).update(
                progress=fraction, heartbeat_at=timezone.now()
            )


def broker_available() -> bool:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return True
    from qinhuai_talent.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)
        return True
    except Exception:  # kombu raises several types for an unreachable broker
        log.warning("job broker unreachable", exc_info=True)
        return False


def job_create(*, kind: str, requested_by: User, params: dict | None = None) -> Job:
    """Record a job and enqueue it after commit. Unknown kind → 400; broker down → 503."""
    spec = JOB_KINDS.get(kind)
    if spec is None:
        known = ", ".join(sorted(JOB_KINDS)) or "—"
        raise DomainError(
            _("Unknown job kind “%(kind)s”. Known kinds: %(known)s.") % {"kind": kind, "known": known},
            field="kind",
        )
    if not (requested_by.is_superuser or requested_by.role in spec.roles or is_system(requested_by)):
        raise ActionNotAllowed(_("Your role may not start this job."))
    if not broker_available():
        raise ServiceUnavailable(
            _("The job queue is not reachable right now; nothing was started. Please try again shortly.")
        )
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind, params=params or {}, requested_by=requested_by, org_unit=requested_by.org_unit
        )
        transaction.on_commit(lambda: job_enqueue(job.pk))
    return job


def job_enqueue(job_id: int) -> None:
    from .tasks import run_job

    try:
        run_job.delay(job_id)
    except Exception:  # the broker went away after the check: the sweep re-enqueues queued jobs
        log.warning("could not enqueue job %s; the sweep will retry", job_id, exc_info=True)


def job_claim(job_id: int) -> Job | None:
    """Take the job for this worker: queued, or running but silent past the stale limit."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.JOB_STALE_SECONDS)
    with transaction.atomic():
        claimed = Job.objects.filter(
            Q(state=JobState.QUEUED) | Q(state=JobState.RUNNING, heartbeat_at__lt=stale), pk=job_id
        ).update(state=JobState.RUNNING, started_at=now, heartbeat_at=now, progress=0.0)
        if not claimed:
            return None
        job = Job.objects.get(pk=job_id)
        Job.objects.filter(pk=job_id).update(attempts=job.attempts + 1)
    return job


def job_run(job_id: int, on_progress: Callable[[float], None] | None = None) -> Job | None:
    """Claim and run a job; a job that another worker holds is left alone."""
    job = job_claim(job_id)
    if job is None:
        return None
    spec = JOB_KINDS.get(job.kind)
    started = time.monotonic()
    try:
        if spec is None:
            raise DomainError(_("Unknown job kind “%(kind)s”.") % {"kind": job.kind})
        counts = spec.func(JobContext(job_id=job.pk, params=job.params, on_progress=on_progress)) or {}
    except Exception as exc:
        log.exception("job %s failed", job_id)
        Job.objects.filter(pk=job_id).update(state=JobState.FAILED, message=str(exc)[:2000], finished_at=timezone.now())
    else:
        Job.objects.filter(pk=job_id).update(
            state=JobState.SUCCEEDED, progress=1.0, counts=counts, finished_at=timezone.now(), message=""
        )
    job = Job.objects.get(pk=job_id)
    # One line per job run (JSON in production: qinhuai_talent.jobs).
    run_log.info(
        "job %s %s %s",
        job.pk,
        job.kind,
        job.state,
        extra={
            "job_id": job.pk,
            "kind": job.kind,
            "outcome": job.state,
            "attempt": job.attempts,
            "duration_ms": round((time.monotonic() - started) * 1000, 1),
        },
    )
    _tell_requester(job, spec)
    return job


def _tell_requester(job: Job, spec: JobKind | None) -> None:
    """The requester hears that their job finished or failed; a failure to tell them is logged only."""
    from qinhuai_talent.notifications.services import notify

    if job.requested_by_id is None:
        return
    failed = job.state == JobState.FAILED
    try:
        notify(
            event="job_failed" if failed else "job_finished",
            recipients=[job.requested_by_id],
            key=f"job:{job.pk}:{job.state}:{job.attempts}",
            params={"kind": spec.label if spec else job.kind, "job": job.pk, "message": job.message[:200]},
            url=reverse("job-detail", args=[job.pk]),
        )
    except Exception:  # the job's outcome stands whatever happens to its notice
        log.warning("could not record the notice of job %s", job.pk, exc_info=True)


def jobs_sweep() -> int:
    """Re-enqueue jobs left queued (lost message) or running without a heartbeat (dead worker)."""
    now = timezone.now()
    lost = Job.objects.filter(
        Q(state=JobState.QUEUED, created_at__lt=now - timedelta(seconds=60))
        | Q(state=JobState.RUNNING, heartbeat_at__lt=now - timedelta(seconds=settings.JOB_STALE_SECONDS))
    ).values_list("pk", flat=True)
    count = 0
    for job_id in lost:
        job_enqueue(job_id)
        count += 1
    return count


def jobs_for(user: User):
    """Jobs a user may see: office and leadership all; others the jobs of their unit or their own."""
    qs = Job.objects.select_related("requested_by", "org_unit")
    if not user.is_authenticated:
        return qs.none()
    if user.is_superuser or user.role in (Role.OFFICE, Role.LEADER):
        return qs
    if user.org_unit_id:
        return qs.filter(org_unit_id=user.org_unit_id)
    return qs.filter(requested_by=user)
