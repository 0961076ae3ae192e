"""Job kinds of the funding app (run by ``qinhuai_talent.core.tasks.run_job``, nightly by beat)."""

from django.utils.translation import gettext_lazy as _

from qinhuai_talent.core.jobs import JobContext, register_job_kind
from qinhuai_talent.core.models import Role

from . import engine


@register_job_kind("recompute_payouts", _("Recompute payout proposals"), roles=(Role.OFFICE,))
def recompute_payouts(ctx: JobContext) -> dict:
    """Evaluate the milestones of every active agreement's unpaid tranches and propose payouts."""
    return engine.recompute_payouts(ctx)


@register_job_kind("recompute_exit_flags", _("Recompute exit flags"), roles=(Role.OFFICE,))
def recompute_exit_flags(ctx: JobContext) -> dict:
    """Raise and clear exit flags by the exit rules; hold the flagged agreements' tranches."""
    return engine.recompute_exit_flags(ctx)
