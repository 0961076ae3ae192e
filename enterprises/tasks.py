"""Job kinds of the enterprise database."""

from celery import shared_task
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from qinhuai_talent.core.jobs import JobContext, register_job_kind
from qinhuai_talent.core.models import Role

from .services import RECOMPUTE_JOB, figures_recompute


@register_job_kind(
    RECOMPUTE_JOB,
    _("Recompute enterprise figures, tiers and classes"),
    roles=(Role.OFFICE,),
    words={
        "enterprises": ngettext_lazy("%(n)s enterprise recomputed", "%(n)s enterprises recomputed", "n"),
        "class_changes": ngettext_lazy("%(n)s enterprise changed class", "%(n)s enterprises changed class", "n"),
        "rules": ngettext_lazy("%(n)s class rule applied", "%(n)s class rules applied", "n"),
        "tier_10m": ngettext_lazy(
            "%(n)s enterprise with revenue of 10 million yuan or more",
            "%(n)s enterprises with revenue of 10 million yuan or more",
            "n",
        ),
        "tier_50m": ngettext_lazy(
            "%(n)s enterprise with revenue of 50 million yuan or more",
            "%(n)s enterprises with revenue of 50 million yuan or more",
            "n",
        ),
    },
)
def recompute_enterprise_figures(ctx: JobContext) -> dict:
    """Cumulative figures, growth, tiers, latest grade and period, and classes (with their change
    records), for one unit (``params["org_unit"]``) or the whole district."""
    return figures_recompute(org_unit_id=ctx.params.get("org_unit"), job_id=ctx.job_id, progress=ctx.progress)


@shared_task(name="enterprises.tasks.remind_filings")
def remind_filings() -> int:
    """Beat, daily: enterprise accounts hear once of a window opening, 5 days left, and lateness."""
    from .services import filings_remind

    return filings_remind()
