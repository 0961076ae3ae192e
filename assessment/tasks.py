"""Job kinds of the assessment app (run by the core job runner, eagerly or on a Celery worker)."""

from django.utils.translation import gettext_lazy as _

from qinhuai_talent.core.jobs import JobContext, register_job_kind

from .services import assessments_recompute


@register_job_kind("recompute_assessments", _("Recompute the unit assessments not yet published"))
def recompute_assessments(ctx: JobContext) -> dict:
    """Idempotent and set-based; published assessments stay frozen. ``params.year`` narrows to a year."""
    year = ctx.params.get("year")
    return assessments_recompute(year=int(year) if year else None, progress=ctx.progress)
