"""Job kinds of the enterprise database."""

from django.utils.translation import gettext_lazy as _

from qinhuai_talent.core.jobs import JobContext, register_job_kind
from qinhuai_talent.core.models import Role

from .services import RECOMPUTE_JOB, figures_recompute


@register_job_kind(RECOMPUTE_JOB, _("Recompute enterprise figures, tiers and classes"), roles=(Role.OFFICE,))
def recompute_enterprise_figures(ctx: JobContext) -> dict:
    """Cumulative figures, growth, tiers, latest grade and period, and classes (with their change
    records), for one unit (``params["org_unit"]``) or the whole district."""
    return figures_recompute(org_unit_id=ctx.params.get("org_unit"), job_id=ctx.job_id, progress=ctx.progress)
