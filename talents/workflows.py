"""The state machines of the talents app: one table per entity (qinhuai_talent.core.workflow).

The application pipeline::

    draft ─submit→ submitted ─accept→ expert_review ─to_defense→ defense
      ↑              │  └─return→ returned ─submit→ submitted
      └──────────────┘
    expert_review / defense ─select→ public_notice ─approve→ approved   (district-level programs)
    expert_review / defense ─recommend→ recommended ─record_approved→ approved  (city, province, nation)
    … ─reject / preliminary_reject / reject_after_notice / record_rejected→ rejected
    any open state ─withdraw→ withdrawn

The hosting unit's officer (or the office) files on an applicant's behalf; the applicant's own
account (role ``talent``) submits, answers a return by submitting again and withdraws its own
application (``policies.is_applicant_side``), applying online from ``/talents/mine/``.

The table says who may take each step; the services add the rules that depend on data
(deadlines, eligibility, minimum reviews, the defense vote, the notice period, objections).
"""

from django.utils.translation import gettext_lazy as _

from qinhuai_talent.core.workflow import Transition, Workflow

from . import policies
from .models import Application, Call, CallState, Objection, ObjectionState
from .models import ApplicationState as S

OPEN_STATES = (S.DRAFT, S.SUBMITTED, S.RETURNED, S.EXPERT_REVIEW, S.DEFENSE, S.PUBLIC_NOTICE, S.RECOMMENDED)
FINAL_STATES = (S.APPROVED, S.REJECTED, S.WITHDRAWN)
# An application counts (the calls list, the dashboard, the reports) once it is no longer a draft:
# a draft is the unit's working copy, not an application to the call.
COUNTED_STATES = tuple(s for s in S.values if s != S.DRAFT)
# States that count as “in the pipeline” for the year's figures (not drafts, not decided).
ACTIVE_STATES = (S.SUBMITTED, S.RETURNED, S.EXPERT_REVIEW, S.DEFENSE, S.PUBLIC_NOTICE, S.RECOMMENDED)
# States that take one of the call's places (its quota), and the actions that lead into them.
QUOTA_STATES = (S.PUBLIC_NOTICE, S.RECOMMENDED, S.APPROVED)
QUOTA_ACTIONS = ("select", "recommend", "approve", "record_approved")
# The order of the stages on the pipeline board.
STAGES = (
    S.DRAFT,
    S.SUBMITTED,
    S.RETURNED,
    S.EXPERT_REVIEW,
    S.DEFENSE,
    S.RECOMMENDED,
    S.PUBLIC_NOTICE,
    S.APPROVED,
    S.REJECTED,
    S.WITHDRAWN,
)

APPLICATION_WORKFLOW = Workflow(
    state_field="state",
    states=S,
    transitions=[
        Transition("submit", (S.DRAFT, S.RETURNED), S.SUBMITTED, _("Submit"), policies.is_applicant_side),
        Transition(
            "return", (S.SUBMITTED,), S.RETURNED, _("Return for revision"), policies.is_unit_side, needs_reason=True
        ),
        Transition("accept", (S.SUBMITTED,), S.EXPERT_REVIEW, _("Pass preliminary review"), policies.is_unit_side),
        Transition(
            "preliminary_reject",
            (S.SUBMITTED,),
            S.REJECTED,
            _("Reject at preliminary review"),
            policies.is_unit_side,
            needs_reason=True,
        ),
        Transition("to_defense", (S.EXPERT_REVIEW,), S.DEFENSE, _("Send to panel defense"), policies.is_selector),
        Transition(
            "select", (S.EXPERT_REVIEW, S.DEFENSE), S.PUBLIC_NOTICE, _("Select for public notice"), policies.is_selector
        ),
        Transition(
            "reject", (S.EXPERT_REVIEW, S.DEFENSE), S.REJECTED, _("Reject"), policies.is_selector, needs_reason=True
        ),
        Transition("recommend", (S.EXPERT_REVIEW, S.DEFENSE), S.RECOMMENDED, _("Recommend upward"), policies.is_office),
        Transition("approve", (S.PUBLIC_NOTICE,), S.APPROVED, _("Ratify approval"), policies.is_office),
        Transition(
            "reject_after_notice",
            (S.PUBLIC_NOTICE,),
            S.REJECTED,
            _("Reject after public notice"),
            policies.is_office,
            needs_reason=True,
        ),
        Transition(
            "record_approved", (S.RECOMMENDED,), S.APPROVED, _("Record approval from above"), policies.is_office
        ),
        Transition(
            "record_rejected",
            (S.RECOMMENDED,),
            S.REJECTED,
            _("Record rejection from above"),
            policies.is_office,
            needs_reason=True,
        ),
        Transition(
            "withdraw",
            tuple(s for s in OPEN_STATES),
            S.WITHDRAWN,
            _("Withdraw"),
            policies.is_applicant_side,
            needs_reason=True,
        ),
    ],
    model=Application,
)


def _call_manager(user, call) -> bool:
    return policies.can_manage_calls(user)


CALL_WORKFLOW = Workflow(
    state_field="state",
    states=CallState,
    transitions=[
        Transition("open", (CallState.DRAFT, CallState.CLOSED), CallState.OPEN, _("Open the call"), _call_manager),
        Transition("close", (CallState.OPEN,), CallState.CLOSED, _("Close the call"), _call_manager),
        Transition("finish", (CallState.CLOSED,), CallState.FINISHED, _("Finish the call"), _call_manager),
    ],
    model=Call,
)


def _objection_handler(user, objection) -> bool:
    return policies.can_record_objection(user, objection.application)


# An objection recorded during the public notice is investigated and resolved by the office.
OBJECTION_WORKFLOW = Workflow(
    state_field="state",
    states=ObjectionState,
    transitions=[
        Transition(
            "uphold",
            (ObjectionState.OPEN,),
            ObjectionState.UPHELD,
            _("Uphold the objection"),
            _objection_handler,
            needs_reason=True,
        ),
        Transition(
            "dismiss",
            (ObjectionState.OPEN,),
            ObjectionState.DISMISSED,
            _("Dismiss the objection"),
            _objection_handler,
            needs_reason=True,
        ),
    ],
    model=Objection,
)
