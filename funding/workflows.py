"""The state machines of the funding app (qinhuai_talent.core.workflow): agreements, tranches,
payouts, exit flags and exit cases, and the business constants of their states.

Who takes what:

- people (``PERSON``): activate, suspend, resume an agreement, withdraw a draft one; approve
  and pay a payout; approve, reject or withdraw a payment's reversal (proposed by finance,
  decided by the office, never by its proposer); dismiss a flag; rectify, continue or exit a case;
- the system actor (``SYSTEM``, the nightly recomputes): a tranche's milestones met or no longer
  met, holds and releases by open exit flags, payout proposals, exit flags cleared when their
  condition is gone;
- effects (``EFFECT``) of another record's transition: an agreement ends early only through its
  exit case's decision (``exit``) and completes with the payment that settles its last tranche; a
  tranche is paid by its payout's payment and cancelled by a reversal or an exit.
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qinhuai_talent.core.access import is_office
from qinhuai_talent.core.workflow import EFFECT, SYSTEM, Transition, Workflow

from . import policies
from .models import (
    Agreement,
    AgreementState,
    CaseState,
    ExitCase,
    ExitFlag,
    FlagState,
    Payout,
    PayoutState,
    Reversal,
    ReversalState,
    Tranche,
    TrancheState,
)

# Agreements whose money is still spoken for in their budget.
COMMITTING_STATES = (AgreementState.DRAFT, AgreementState.ACTIVE, AgreementState.SUSPENDED, AgreementState.COMPLETED)
# Tranches not yet paid nor cancelled.
UNPAID_TRANCHE_STATES = (TrancheState.WAITING, TrancheState.ELIGIBLE, TrancheState.HELD)
# Payouts not yet paid nor cancelled.
OPEN_PAYOUT_STATES = (PayoutState.PROPOSED, PayoutState.APPROVED, PayoutState.HELD, PayoutState.RETURNED)
# Reversals that hold a payment: one at a time per payout.
LIVE_REVERSAL_STATES = (ReversalState.PROPOSED, ReversalState.APPROVED)
# Open exit cases.
OPEN_CASE_STATES = (CaseState.INVESTIGATION, CaseState.RECTIFICATION)


def _cancel_unpaid(agreement, *, actor, reason: str = "") -> None:
    """Effect of an agreement's end: its unpaid tranches and their open payouts are cancelled."""
    unpaid = Tranche.objects.filter(agreement_id=agreement.pk, state__in=UNPAID_TRANCHE_STATES)
    PAYOUT_WORKFLOW.apply_many(
        Payout.objects.filter(tranche__in=unpaid.values("pk")),
        action="cancel_on_end",
        actor=actor,
        reason=reason,
        via="agreement.end",
    )
    TRANCHE_WORKFLOW.apply_many(unpaid, action="cancel", actor=actor, reason=reason, via="agreement.end")


def _end_agreement(case, *, actor, reason: str = "") -> None:
    """Effect of an exit decision: the agreement ends early (its ``exit`` transition)."""
    agreement = Agreement.objects.select_for_update().get(pk=case.agreement_id)
    AGREEMENT_WORKFLOW.apply(agreement, action="exit", actor=actor, reason=reason, via="exitcase.exit")


AGREEMENT_WORKFLOW = Workflow(
    "state",
    AgreementState,
    [
        Transition(
            "activate", (AgreementState.DRAFT,), AgreementState.ACTIVE, _("Activate"), policies.can_manage_agreement
        ),
        Transition(
            "suspend",
            (AgreementState.ACTIVE,),
            AgreementState.SUSPENDED,
            _("Suspend"),
            lambda u, o: is_office(u),
            needs_reason=True,
        ),
        Transition(
            "resume", (AgreementState.SUSPENDED,), AgreementState.ACTIVE, _("Resume"), lambda u, o: is_office(u)
        ),
        # The payment that settles the last tranche completes the agreement.
        Transition("complete", (AgreementState.ACTIVE,), AgreementState.COMPLETED, _("Complete"), by=EFFECT),
        # Before activation the office may withdraw a draft; nothing was paid.
        Transition(
            "terminate",
            (AgreementState.DRAFT,),
            AgreementState.TERMINATED,
            _("Terminate"),
            lambda u, o: is_office(u),
            needs_reason=True,
            effect=_cancel_unpaid,
        ),
        # An agreement in force ends early only through its exit case's decision (exit_case_exit).
        Transition(
            "exit",
            (AgreementState.ACTIVE, AgreementState.SUSPENDED),
            AgreementState.TERMINATED,
            _("Terminated by an exit decision"),
            by=EFFECT,
            effect=_cancel_unpaid,
        ),
    ],
    model=Agreement,
)

TRANCHE_WORKFLOW = Workflow(
    "state",
    TrancheState,
    [
        Transition(
            "eligible",
            (TrancheState.WAITING, TrancheState.HELD),
            TrancheState.ELIGIBLE,
            _("Milestones met"),
            by=SYSTEM,
        ),
        Transition(
            "wait",
            (TrancheState.ELIGIBLE, TrancheState.HELD),
            TrancheState.WAITING,
            _("Waiting for milestones"),
            by=SYSTEM,
        ),
        Transition(
            "hold",
            (TrancheState.WAITING, TrancheState.ELIGIBLE),
            TrancheState.HELD,
            _("Held by an exit flag"),
            by=SYSTEM,
        ),
        Transition("pay", (TrancheState.WAITING, TrancheState.ELIGIBLE), TrancheState.PAID, _("Paid"), by=EFFECT),
        Transition(
            "cancel",
            (*UNPAID_TRANCHE_STATES, TrancheState.PAID),
            TrancheState.CANCELLED,
            pgettext_lazy("tranche", "Cancelled"),
            by=EFFECT,
        ),
    ],
    model=Tranche,
)

PAYOUT_WORKFLOW = Workflow(
    "state",
    PayoutState,
    [
        Transition("approve", (PayoutState.PROPOSED,), PayoutState.APPROVED, _("Approve"), policies.can_approve_payout),
        # The approver refuses it as it stands, with the reason (payout_return tells the preparer).
        Transition(
            "return",
            (PayoutState.PROPOSED,),
            PayoutState.RETURNED,
            pgettext_lazy("payout", "Return"),
            policies.can_approve_payout,
            needs_reason=True,
        ),
        # Once the evidence is put right, the unit (or the office) puts it to the approver again.
        Transition(
            "resubmit",
            (PayoutState.RETURNED,),
            PayoutState.PROPOSED,
            _("Resubmit for approval"),
            policies.can_resubmit_payout,
        ),
        Transition("pay", (PayoutState.APPROVED,), PayoutState.PAID, _("Record payment"), policies.can_record_payment),
        # Only as the effect of an approved reversal (REVERSAL_WORKFLOW): finance proposes, the office approves.
        Transition("reverse", (PayoutState.PAID,), PayoutState.REVERSED, _("Payment reversed"), by=EFFECT),
        # The recompute's proposals: milestones met again, or a hold released.
        Transition(
            "propose", (PayoutState.HELD, PayoutState.CANCELLED), PayoutState.PROPOSED, _("Proposed"), by=SYSTEM
        ),
        # An open exit flag holds an unpaid payout; an approval it held is taken back
        # (the hold also clears approved_by and approved_at).
        Transition(
            "hold",
            (PayoutState.PROPOSED, PayoutState.APPROVED, PayoutState.CANCELLED, PayoutState.RETURNED),
            PayoutState.HELD,
            _("Held by an exit flag"),
            by=SYSTEM,
        ),
        Transition(
            "cancel",
            (PayoutState.PROPOSED, PayoutState.HELD, PayoutState.RETURNED),
            PayoutState.CANCELLED,
            _("Milestones no longer met"),
            by=SYSTEM,
        ),
        Transition(
            "cancel_on_end",
            OPEN_PAYOUT_STATES,
            PayoutState.CANCELLED,
            _("Cancelled with the agreement's end"),
            by=EFFECT,
        ),
    ],
    model=Payout,
)

FLAG_WORKFLOW = Workflow(
    "state",
    FlagState,
    [
        Transition(
            "dismiss",
            (FlagState.OPEN,),
            FlagState.DISMISSED,
            _("Dismiss"),
            policies.can_dismiss_flag,
            needs_reason=True,
        ),
        # Only when the flag's condition is gone (recompute_exit_flags).
        Transition("clear", (FlagState.OPEN,), FlagState.CLEARED, _("The condition no longer holds"), by=SYSTEM),
    ],
    model=ExitFlag,
)

CASE_WORKFLOW = Workflow(
    "state",
    CaseState,
    [
        Transition(
            "rectify",
            (CaseState.INVESTIGATION,),
            CaseState.RECTIFICATION,
            _("Order rectification"),
            policies.can_open_case,
            needs_reason=True,
        ),
        Transition(
            "continue",
            OPEN_CASE_STATES,
            CaseState.CONTINUED,
            _("Decide: continue"),
            policies.can_decide_exit,
            needs_reason=True,
        ),
        Transition(
            "exit",
            OPEN_CASE_STATES,
            CaseState.EXITED,
            _("Decide: exit"),
            policies.can_decide_exit,
            needs_reason=True,
            effect=_end_agreement,
        ),
    ],
    model=ExitCase,
)


def _reverse_payout(reversal, *, actor, reason: str = "") -> None:
    """Effect of an approved reversal, once its ledger entry points at the payment: the payout is
    reversed, its tranche cancelled, the paid total lowered (``services.reversal_effect``)."""
    from .services import reversal_effect

    reversal_effect(reversal, actor=actor)


REVERSAL_WORKFLOW = Workflow(
    "state",
    ReversalState,
    [
        Transition(
            "approve",
            (ReversalState.PROPOSED,),
            ReversalState.APPROVED,
            _("Approve the reversal"),
            policies.can_decide_reversal,
            effect=_reverse_payout,
        ),
        Transition(
            "reject",
            (ReversalState.PROPOSED,),
            ReversalState.REJECTED,
            _("Reject the reversal"),
            policies.can_decide_reversal,
            needs_reason=True,
        ),
        Transition(
            "withdraw",
            (ReversalState.PROPOSED,),
            ReversalState.WITHDRAWN,
            _("Withdraw the proposal"),
            policies.can_withdraw_reversal,
        ),
    ],
    model=Reversal,
)
