"""The state machines of the assessment app: the scheme and the yearly assessment of a unit.

The figures are computed by the system actor (the recompute job, also run after the office
enters a figure); the unit confirms or objects, the office answers and publishes.
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qinhuai_talent.core import access
from qinhuai_talent.core.workflow import SYSTEM, Transition, Workflow

from . import policies
from .models import Assessment, AssessmentScheme, AssessmentState, PoolState, SchemeState, WorkFundPool


def _office(user, obj) -> bool:
    return access.is_office(user)


SCHEME_WORKFLOW = Workflow(
    state_field="state",
    states=SchemeState,
    transitions=[
        Transition("activate", (SchemeState.DRAFT,), SchemeState.ACTIVE, pgettext_lazy("scheme", "Activate"), _office),
        Transition("close", (SchemeState.ACTIVE,), SchemeState.CLOSED, _("Close"), _office),
    ],
    model=AssessmentScheme,
)

ASSESSMENT_WORKFLOW = Workflow(
    state_field="state",
    states=AssessmentState,
    transitions=[
        Transition("compute", (AssessmentState.DRAFT,), AssessmentState.COMPUTED, _("Compute"), by=SYSTEM),
        # Figures changed after the unit confirmed: the unit confirms the new figures again.
        Transition("recompute", (AssessmentState.CONFIRMED,), AssessmentState.COMPUTED, _("Recompute"), by=SYSTEM),
        Transition(
            "confirm",
            (AssessmentState.COMPUTED,),
            AssessmentState.CONFIRMED,
            _("Confirm"),
            lambda user, obj: policies.can_answer_for_unit(user, obj),
        ),
        Transition(
            "object",
            (AssessmentState.COMPUTED,),
            AssessmentState.OBJECTED,
            _("Raise an objection"),
            lambda user, obj: policies.can_answer_for_unit(user, obj),
            needs_reason=True,
        ),
        Transition(
            "reopen", (AssessmentState.OBJECTED,), AssessmentState.COMPUTED, _("Answer the objection"), _office, True
        ),
        Transition("publish", (AssessmentState.CONFIRMED,), AssessmentState.PUBLISHED, _("Publish"), _office),
        # A unit that did not answer in time does not hold up the district's table; the reason is logged.
        Transition(
            "publish_unconfirmed",
            (AssessmentState.COMPUTED,),
            AssessmentState.PUBLISHED,
            _("Publish without the unit's confirmation"),
            _office,
            needs_reason=True,
        ),
    ],
    model=Assessment,
)


# A work-fund pool is split by the office among the units by their published results; splitting
# again replaces the split.
POOL_WORKFLOW = Workflow(
    state_field="state",
    states=PoolState,
    transitions=[
        Transition("split", (PoolState.DRAFT, PoolState.SPLIT), PoolState.SPLIT, _("Split the pool"), _office),
    ],
    model=WorkFundPool,
)
