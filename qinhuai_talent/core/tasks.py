import logging

from celery import shared_task
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from .jobs import JOB_KINDS, JobContext, job_create, job_run, jobs_sweep, register_job_kind
from .models import Job
from .system import system_actor


@shared_task(name="qinhuai_talent.core.tasks.run_job", acks_late=True)
def run_job(job_id: int) -> None:
    job_run(job_id)


@shared_task(name="qinhuai_talent.core.tasks.sweep_jobs")
def sweep_jobs() -> int:
    return jobs_sweep()


@shared_task(name="qinhuai_talent.core.tasks.run_scheduled_job")
def run_scheduled_job(kind: str) -> None:
    """Beat's entry point: start a registered kind as the system actor."""
    if kind not in JOB_KINDS:
        return
    job_create(kind=kind, requested_by=system_actor())


@shared_task(name="qinhuai_talent.core.tasks.run_scheduled_sequence")
def run_scheduled_sequence(kinds: list[str]) -> list[int]:
    """Beat's entry point for work that must run in order (the nightly recompute: enterprise
    figures, then payouts, then exit flags): each job is recorded and run here, one after the
    other, so none starts before the one before it has finished."""
    system = system_actor()
    done = []
    for kind in kinds:
        if kind not in JOB_KINDS:
            continue
        job = Job.objects.create(kind=kind, requested_by=system)
        job_run(job.pk)
        done.append(job.pk)
    return done


@register_job_kind(
    "verify_audit",
    _("Verify the audit chains"),
    words={"problems": ngettext_lazy("%(n)s problem found", "%(n)s problems found", "n")},
)
def verify_audit_job(ctx: JobContext) -> dict:
    from .audit import AUDIT_CHECKS

    problems = [p for check in AUDIT_CHECKS for p in check(progress=ctx.progress)]
    if problems:
        # The office is told (inbox and email); operators see it in the log and on /readyz (the
        # audit check reads this job's counts).
        logging.getLogger("qinhuai_talent.jobs").error(
            "audit verification found %d problem(s)", len(problems), extra={"job_id": ctx.job_id}
        )
        from django.urls import reverse

        from qinhuai_talent.notifications.services import notify, office_staff

        notify(
            event="audit_failed",
            recipients=office_staff(),
            key=f"audit:{ctx.job_id}",
            params={"job": ctx.job_id, "problems": len(problems), "first": str(problems[0])[:300]},
            url=reverse("job-detail", args=[ctx.job_id]),
        )
    return {"problems": len(problems), "first_problems": problems[:20]}
