"""The state machines of the enterprises app (qinhuai_talent.core.workflow)."""

from django.utils.translation import gettext_lazy, pgettext_lazy

from qinhuai_talent.core.workflow import Transition, Workflow

from . import policies
from .models import SupportPlanItem, SupportStatus


def _may_serve(user, item: SupportPlanItem) -> bool:
    return policies.can_edit_unit(user, item.enterprise.org_unit_id)


# Module-level labels are lazy: rendered in the language of the request, not of the import.
SUPPORT_WORKFLOW = Workflow(
    state_field="status",
    states=SupportStatus,
    transitions=[
        Transition(
            "start",
            (SupportStatus.PLANNED,),
            SupportStatus.IN_PROGRESS,
            pgettext_lazy("support item", "Start"),
            _may_serve,
        ),
        Transition(
            "complete",
            (SupportStatus.PLANNED, SupportStatus.IN_PROGRESS),
            SupportStatus.DONE,
            pgettext_lazy("support item", "Complete"),
            _may_serve,
        ),
        Transition(
            "cancel",
            (SupportStatus.PLANNED, SupportStatus.IN_PROGRESS),
            SupportStatus.CANCELLED,
            gettext_lazy("Cancel"),
            _may_serve,
            needs_reason=True,
        ),
        Transition(
            "reopen",
            (SupportStatus.DONE, SupportStatus.CANCELLED),
            SupportStatus.IN_PROGRESS,
            gettext_lazy("Reopen"),
            _may_serve,
            needs_reason=True,
        ),
    ],
    model=SupportPlanItem,
)
