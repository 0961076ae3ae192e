"""Job kinds of the funding app (run by ``qinhuai_talent.core.tasks.run_job``, nightly by beat)."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from qinhuai_talent.core.jobs import JobContext, register_job_kind
from qinhuai_talent.core.models import Role

from . import engine


@register_job_kind(
    "recompute_payouts",
    _("Recompute payout proposals"),
    roles=(Role.OFFICE,),
    words={
        "agreements": ngettext_lazy("%(n)s agreement looked at", "%(n)s agreements looked at", "n"),
        "tranches_changed": ngettext_lazy("%(n)s tranche changed state", "%(n)s tranches changed state", "n"),
        "milestones_changed": ngettext_lazy("%(n)s milestone re-evaluated", "%(n)s milestones re-evaluated", "n"),
        "payouts_created": ngettext_lazy("%(n)s payout proposed", "%(n)s payouts proposed", "n"),
        "payouts_updated": ngettext_lazy("%(n)s payout updated", "%(n)s payouts updated", "n"),
        "rows_written": ngettext_lazy("%(n)s record written in all", "%(n)s records written in all", "n"),
    },
)
def recompute_payouts(ctx: JobContext) -> dict:
    """Evaluate the milestones of every active agreement's unpaid tranches and propose payouts."""
    return engine.recompute_payouts(ctx)


@register_job_kind(
    "recompute_exit_flags",
    _("Recompute exit flags"),
    roles=(Role.OFFICE,),
    words={
        "raised": ngettext_lazy("%(n)s exit flag raised", "%(n)s exit flags raised", "n"),
        "updated": ngettext_lazy("%(n)s exit flag updated", "%(n)s exit flags updated", "n"),
        "cleared": ngettext_lazy(
            "%(n)s exit flag cleared (its condition is gone)", "%(n)s exit flags cleared (their condition is gone)", "n"
        ),
        "held": ngettext_lazy("%(n)s unpaid tranche or payout held", "%(n)s unpaid tranches and payouts held", "n"),
        "released": ngettext_lazy("%(n)s hold released", "%(n)s holds released", "n"),
        "open": ngettext_lazy("%(n)s exit flag open now", "%(n)s exit flags open now", "n"),
    },
)
def recompute_exit_flags(ctx: JobContext) -> dict:
    """Raise and clear exit flags by the exit rules; hold the flagged agreements' tranches."""
    return engine.recompute_exit_flags(ctx)
