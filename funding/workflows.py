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

from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from qinhuai_talent.core import clock
from qinhuai_talent.core.access import is_office, is_unit_officer
from qinhuai_talent.core.errors import ActionNotAllowed, DomainError
from qinhuai_talent.core.workflow import EFFECT, SYSTEM, Transition, Workflow

from . import policies
from .models import (
    Agreement,
    AgreementState,
    ApproverLevel,
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


# The confirmations of the steps that move money name the amount and to whom.
def _yuan(amount) -> str:
    return gettext("%(amount)s yuan") % {"amount": f"{amount:,.2f}"}


def _activation(agreement) -> str:
    return gettext(
        "The agreement comes into force: %(total)s of support to %(enterprise)s are committed and its tranches "
        "are paid as their milestones are met."
    ) % {"total": _yuan(agreement.total), "enterprise": agreement.enterprise.name}


def _payout_approval(payout) -> str:
    return gettext("%(amount)s to %(enterprise)s are approved for payment; finance then records the payment.") % {
        "amount": _yuan(payout.amount),
        "enterprise": payout.agreement.enterprise.name,
    }


def _payout_payment(payout) -> str:
    return gettext(
        "%(amount)s paid to %(enterprise)s are entered in the ledger with this voucher; a ledger entry is never "
        "edited, only reversed by a new one."
    ) % {"amount": _yuan(payout.amount), "enterprise": payout.agreement.enterprise.name}


def _reversal_approval(reversal) -> str:
    return gettext(
        "A reversal of %(amount)s is entered in the ledger: the payment is reversed and its tranche cancelled."
    ) % {"amount": _yuan(reversal.amount)}


AGREEMENT_WORKFLOW = Workflow(
    "state",
    AgreementState,
    [
        Transition(
            "activate",
            (AgreementState.DRAFT,),
            AgreementState.ACTIVE,
            _("Activate"),
            policies.can_manage_agreement,
            confirm=_activation,
        ),
        Transition(
            "suspend",
            (AgreementState.ACTIVE,),
            AgreementState.SUSPENDED,
            _("Suspend"),
            lambda u, o: is_office(u),
            needs_reason=True,
            confirm=_("The agreement is suspended: none of its tranches is paid until the office resumes it."),
            destructive=True,
        ),
        Transition(
            "resume",
            (AgreementState.SUSPENDED,),
            AgreementState.ACTIVE,
            _("Resume"),
            lambda u, o: is_office(u),
            confirm=_("The agreement is in force again: its tranches are paid as their milestones are met."),
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
            confirm=_("The draft agreement is terminated for good and its tranches are cancelled; nothing was paid."),
            destructive=True,
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

# ---------------------------------------------------------------- a payout's guards
#
# Who approves and pays, from which state, under which condition: asked by the services before
# they write (``apply``) and by the pages before they show a button (``available``).


def open_flag_exists(agreement_id: int) -> bool:
    return ExitFlag.objects.filter(agreement_id=agreement_id, state=FlagState.OPEN).exists()


def vouched_by(payout: Payout) -> set[int]:
    """Who vouched for a payout's tranche: its preparer and every verifier of a manual milestone
    (read from ``tranche__milestones`` where a list prefetched them: a queue's page asks for each row)."""
    verifiers = {m.verified_by_id for m in payout.tranche.milestones.all()}
    return ({payout.prepared_by_id} | verifiers) - {None}


def _may_approve(user, payout) -> bool:
    """Within the unit's delegated limit its officer approves, above it the district office
    (``policies.can_approve_payout``); four eyes, whatever roles a person holds: whoever vouched
    for the tranche does not approve it. A refusal with its own reason is raised."""
    if payout is None:
        return policies.approver_queue_level(user) is not None
    if not policies.can_approve_payout(user, payout):
        if payout.approver_level == ApproverLevel.DISTRICT and is_unit_officer(user):
            raise ActionNotAllowed(
                _("%(amount)s is above your unit's approval limit; the district office approves this payout.")
                % {"amount": f"{payout.amount:,.2f}"},
                code="above_limit",
            )
        return False
    if user.pk in vouched_by(payout):
        raise ActionNotAllowed(_("You prepared this payout; another officer must approve it."), code="four_eyes")
    return True


def _may_pay(user, payout) -> bool:
    """Finance records payments; four eyes: not whoever vouched for the tranche or approved it."""
    if not policies.can_record_payment(user):
        raise ActionNotAllowed(_("Only finance records payments."))
    if payout is None:
        return True
    if user.pk in vouched_by(payout):
        raise ActionNotAllowed(_("You prepared this payout; another person must record its payment."), code="four_eyes")
    if payout.approved_by_id == user.pk:
        raise ActionNotAllowed(_("You approved this payout; another person must record its payment."), code="four_eyes")
    return True


def _not_approvable(state: str) -> DomainError | None:
    if state in (PayoutState.APPROVED, PayoutState.PAID):
        return DomainError(_("This payout has already been approved."), code="invalid_state")
    if state == PayoutState.HELD:
        return DomainError(_("This payout is held by an open exit flag and cannot be approved."), code="held")
    return None


def _not_payable(state: str) -> DomainError:
    if state == PayoutState.HELD:
        return DomainError(_("This payout is held by an open exit flag and cannot be paid."), code="held")
    return DomainError(_("Only an approved payout can be paid."), code="invalid_state")


def _something_payable(payout: Payout) -> None:
    if payout.amount <= 0:
        raise DomainError(
            _("Nothing is payable: the performance factor of the latest grade is zero."), code="nothing_payable"
        )


def _approvable(payout: Payout) -> None:
    """No open exit flag holds the agreement, the agreement is in force, something is payable."""
    if open_flag_exists(payout.agreement_id):
        raise DomainError(_("This payout is held by an open exit flag and cannot be approved."), code="held")
    if payout.agreement.state != AgreementState.ACTIVE:
        raise DomainError(_("The agreement is not active."), code="agreement_not_active")
    _something_payable(payout)


def _payable(payout: Payout) -> None:
    """No open exit flag holds the agreement, something is payable, within the agreement's total."""
    if open_flag_exists(payout.agreement_id):
        raise DomainError(_("This payout is held by an open exit flag and cannot be paid."), code="held")
    _something_payable(payout)
    if payout.agreement.paid_total + payout.amount > payout.agreement.total:
        raise DomainError(_("The payment would exceed the agreement's total."), code="over_total")


def _approved(payout: Payout, *, actor, **_params) -> tuple[str, ...]:
    payout.approved_by, payout.approved_at = actor, clock.now()
    return ("approved_by", "approved_at")


def _paid(payout: Payout, *, voucher: str, **_params) -> tuple[str, ...]:
    payout.voucher, payout.paid_at = voucher, clock.now()
    return ("voucher", "paid_at")


PAYOUT_WORKFLOW = Workflow(
    "state",
    PayoutState,
    [
        Transition(
            "approve",
            (PayoutState.PROPOSED,),
            PayoutState.APPROVED,
            _("Approve"),
            _may_approve,
            condition=_approvable,
            prepare=_approved,
            wrong_state=_not_approvable,
            confirm=_payout_approval,
        ),
        # The approver refuses it as it stands, with the reason (payout_return tells the preparer).
        Transition(
            "return",
            (PayoutState.PROPOSED,),
            PayoutState.RETURNED,
            pgettext_lazy("payout", "Return"),
            policies.can_approve_payout,
            needs_reason=True,
            confirm=_(
                "The payout goes back to its preparer with your reason; nothing "
                "is paid until it is resubmitted and approved."
            ),
            destructive=True,
        ),
        # Once the evidence is put right, the unit (or the office) puts it to the approver again.
        Transition(
            "resubmit",
            (PayoutState.RETURNED,),
            PayoutState.PROPOSED,
            _("Resubmit for approval"),
            policies.can_resubmit_payout,
        ),
        Transition(
            "pay",
            (PayoutState.APPROVED,),
            PayoutState.PAID,
            _("Record payment"),
            _may_pay,
            condition=_payable,
            prepare=_paid,
            wrong_state=_not_payable,
            confirm=_payout_payment,
        ),
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
            confirm=_(
                "The exit flag is dismissed with your reason: it no longer holds the agreement's unpaid tranches."
            ),
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
            confirm=_(
                "The enterprise is ordered to rectify by the date you give; the agreement's unpaid tranches stay held."
            ),
        ),
        Transition(
            "continue",
            OPEN_CASE_STATES,
            CaseState.CONTINUED,
            _("Decide: continue"),
            policies.can_decide_exit,
            needs_reason=True,
            confirm=_("The case is closed: support continues and the held tranches can be paid again."),
        ),
        Transition(
            "exit",
            OPEN_CASE_STATES,
            CaseState.EXITED,
            _("Decide: exit"),
            policies.can_decide_exit,
            needs_reason=True,
            effect=_end_agreement,
            confirm=_(
                "The agreement is terminated, its unpaid tranches are cancelled and "
                "the recovery due is recorded; this cannot be undone."
            ),
            destructive=True,
        ),
    ],
    model=ExitCase,
)


def _may_decide_reversal(user, reversal) -> bool:
    """The office decides; four eyes: whoever proposed a reversal never decides it, whatever roles
    they hold (refused with its own reason)."""
    if reversal is not None and reversal.proposed_by_id == user.pk:
        raise ActionNotAllowed(_("You proposed this reversal; another person must decide it."), code="four_eyes")
    return policies.can_decide_reversal(user, reversal)


def _decided_by_another(reversal, *, actor, **_params) -> tuple[str, ...]:
    reversal.decided_by = actor
    reversal.decided_at = clock.now()
    return ("decided_by", "decided_at")


def _approved_reversal(reversal, *, actor, agreement, payout, **_params) -> tuple[str, ...]:
    """Decided by another, and the ledger's negative entry pointing at the payment (``services``)."""
    from .services import reversal_ledger_entry

    fields = _decided_by_another(reversal, actor=actor)
    reversal.entry = reversal_ledger_entry(reversal, agreement=agreement, payout=payout, actor=actor)
    return (*fields, "entry")


def _withdrawn_reversal(reversal, **_params) -> tuple[str, ...]:
    reversal.decided_at = clock.now()
    return ("decided_at",)


def _reverse_payout(reversal, *, actor, reason: str = "", **_params) -> None:
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
            _may_decide_reversal,
            prepare=_approved_reversal,
            effect=_reverse_payout,
            confirm=_reversal_approval,
            destructive=True,
        ),
        Transition(
            "reject",
            (ReversalState.PROPOSED,),
            ReversalState.REJECTED,
            _("Reject the reversal"),
            _may_decide_reversal,
            needs_reason=True,
            prepare=_decided_by_another,
            confirm=_("The reversal is rejected: the payment stands in the ledger."),
        ),
        Transition(
            "withdraw",
            (ReversalState.PROPOSED,),
            ReversalState.WITHDRAWN,
            _("Withdraw the proposal"),
            policies.can_withdraw_reversal,
            prepare=_withdrawn_reversal,
            confirm=_("The reversal proposal is withdrawn: the payment stands in the ledger."),
        ),
    ],
    model=Reversal,
)
