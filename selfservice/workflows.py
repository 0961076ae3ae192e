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
        Transition(
            "confirm",
            (ClaimState.PENDING,),
            ClaimState.CONFIRMED,
            _("Confirm"),
            _may_decide,
            confirm=_(
                "The account becomes the enterprise's own: it sees the enterprise's records, agreements and payouts."
            ),
        ),
        Transition(
            "refuse",
            (ClaimState.PENDING,),
            ClaimState.REFUSED,
            _("Refuse"),
            _may_decide,
            needs_reason=True,
            confirm=_("The claim is refused with your reason; the account is told."),
            destructive=True,
        ),
    ],
    model=EnterpriseClaim,
)
