"""The state machine of the self-service app: an enterprise claim, decided by its unit."""

from django.utils.translation import gettext_lazy as _

from qinhuai_talent.core.access import can_manage_unit
from qinhuai_talent.core.workflow import Transition, Workflow

from .models import ClaimState, EnterpriseClaim


def _may_decide(user, claim) -> bool:
    return can_manage_unit(user, claim.org_unit_id)


CLAIM_WORKFLOW = Workflow(
    state_field="state",
    states=ClaimState,
    transitions=[
        Transition("confirm", (ClaimState.PENDING,), ClaimState.CONFIRMED, _("Confirm"), _may_decide),
        Transition("refuse", (ClaimState.PENDING,), ClaimState.REFUSED, _("Refuse"), _may_decide, needs_reason=True),
    ],
    model=EnterpriseClaim,
)
