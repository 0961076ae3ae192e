from celery import shared_task
from django.utils.translation import gettext_lazy as _

from .jobs import JOB_KINDS, JobContext, job_create, job_run, jobs_sweep, register_job_kind
from .models import Role, User


@shared_task(name="qinhuai_talent.core.tasks.run_job", acks_late=True)
def run_job(job_id: int) -> None:
    job_run(job_id)


@shared_task(name="qinhuai_talent.core.tasks.sweep_jobs")
def sweep_jobs() -> int:
    return jobs_sweep()


@shared_task(name="qinhuai_talent.core.tasks.run_scheduled_job")
def run_scheduled_job(kind: str) -> None:
    """Beat's entry point: start a registered kind as the first active office account."""
    if kind not in JOB_KINDS:
        return
    office = User.objects.filter(role=Role.OFFICE, is_active=True).order_by("pk").first()
    if office is not None:
        job_create(kind=kind, requested_by=office)


@register_job_kind("verify_audit", _("Verify the audit chains"))
def verify_audit_job(ctx: JobContext) -> dict:
    from .audit import AUDIT_CHECKS

    problems = [p for check in AUDIT_CHECKS for p in check(progress=ctx.progress)]
    return {"problems": len(problems), "first_problems": problems[:20]}
