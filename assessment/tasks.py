"""Job kinds of the assessment app (run by the core job runner, eagerly or on a Celery worker)."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from qinhuai_talent.core.jobs import JobContext, register_job_kind

from .services import assessments_recompute


@register_job_kind(
    "recompute_assessments",
    _("Recompute the unit assessments not yet published"),
    words={
        "schemes": ngettext_lazy("%(n)s assessment scheme", "%(n)s assessment schemes", "n"),
        "assessments": ngettext_lazy("%(n)s unit assessment looked at", "%(n)s unit assessments looked at", "n"),
        "created": ngettext_lazy("%(n)s unit assessment created", "%(n)s unit assessments created", "n"),
        "changed": ngettext_lazy("%(n)s scorecard changed", "%(n)s scorecards changed", "n"),
        "computed": ngettext_lazy("%(n)s scorecard computed", "%(n)s scorecards computed", "n"),
        "to_reconfirm": ngettext_lazy(
            "%(n)s confirmed scorecard to confirm again", "%(n)s confirmed scorecards to confirm again", "n"
        ),
        "frozen": ngettext_lazy(
            "%(n)s published scorecard left as published", "%(n)s published scorecards left as published", "n"
        ),
    },
)
def recompute_assessments(ctx: JobContext) -> dict:
    """Idempotent and set-based; published assessments stay frozen. ``params.year`` narrows to a year."""
    year = ctx.params.get("year")
    return assessments_recompute(year=int(year) if year else None, progress=ctx.progress)
