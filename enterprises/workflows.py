"""The state machines of the enterprises app (qinhuai_talent.core.workflow)."""

from django.utils.translation import gettext_lazy, pgettext_lazy

from qinhuai_talent.core import clock
from qinhuai_talent.core.errors import DomainError
from qinhuai_talent.core.workflow import EFFECT, Transition, Workflow

from . import policies
from .models import Enterprise, EnterpriseStatus, ImportState, ReportImport, SupportPlanItem, SupportStatus


def _may_serve(user, item: SupportPlanItem) -> bool:
    return policies.can_edit_unit(user, item.enterprise.org_unit_id)


# Module-level labels are lazy: rendered in the language of the request, not of the import.
def _completed(item, *, outcome: str = "", **_params) -> tuple[str, ...]:
    if not outcome.strip():
        raise DomainError(gettext_lazy("Please describe the outcome."), field="outcome", code="outcome_missing")
    item.outcome = outcome.strip()
    item.completed_on = clock.today()
    return ("outcome", "completed_on")


def _reopened(item, **_params) -> tuple[str, ...]:
    item.completed_on = None
    return ("completed_on",)


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
            prepare=_completed,
        ),
        Transition(
            "cancel",
            (SupportStatus.PLANNED, SupportStatus.IN_PROGRESS),
            SupportStatus.CANCELLED,
            gettext_lazy("Cancel"),
            _may_serve,
            needs_reason=True,
            destructive=True,
            confirm=gettext_lazy("The plan item is cancelled with your reason; it can be reopened later."),
        ),
        Transition(
            "reopen",
            (SupportStatus.DONE, SupportStatus.CANCELLED),
            SupportStatus.IN_PROGRESS,
            gettext_lazy("Reopen"),
            _may_serve,
            needs_reason=True,
            prepare=_reopened,
        ),
        # Effects of the item's service request (serviceplatform): filed, it starts the item;
        # closed with the enterprise's rating, the item counts as done, whoever filed or closed it.
        Transition(
            "request_filed",
            (SupportStatus.PLANNED,),
            SupportStatus.IN_PROGRESS,
            gettext_lazy("Service request filed"),
            by=EFFECT,
        ),
        Transition(
            "request_closed",
            (SupportStatus.PLANNED, SupportStatus.IN_PROGRESS),
            SupportStatus.DONE,
            gettext_lazy("Service request closed"),
            by=EFFECT,
        ),
    ],
    model=SupportPlanItem,
)


def _may_import(user, batch) -> bool:
    if batch.org_unit_id is None:
        return policies.can_import_whole_district(user)
    return policies.can_import(user) and policies.can_edit_unit(user, batch.org_unit_id)


# An upload is created checked: previewed (no errors) or rejected; a previewed one is imported whole.
IMPORT_WORKFLOW = Workflow(
    state_field="state",
    states=ImportState,
    transitions=[
        Transition("import", (ImportState.PREVIEWED,), ImportState.IMPORTED, gettext_lazy("Import"), _may_import),
    ],
    model=ReportImport,
)


def _may_edit(user, enterprise) -> bool:
    return policies.can_edit_unit(user, enterprise.org_unit_id)


# The enterprise's registration status, as its unit's officer or the office records it.
ENTERPRISE_WORKFLOW = Workflow(
    state_field="status",
    states=EnterpriseStatus,
    transitions=[
        Transition(
            "move_out", (EnterpriseStatus.ACTIVE,), EnterpriseStatus.MOVED_OUT, gettext_lazy("Moved out"), _may_edit
        ),
        Transition(
            "move_back",
            (EnterpriseStatus.MOVED_OUT,),
            EnterpriseStatus.ACTIVE,
            gettext_lazy("Moved back into the district"),
            _may_edit,
        ),
        Transition(
            "deregister",
            (EnterpriseStatus.ACTIVE, EnterpriseStatus.MOVED_OUT),
            EnterpriseStatus.DEREGISTERED,
            gettext_lazy("Deregistered"),
            _may_edit,
        ),
    ],
    model=Enterprise,
)
