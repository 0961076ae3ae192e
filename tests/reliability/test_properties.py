"""State-machine properties: any sequence of actions by any roles keeps the money and the workflow
right. Hypothesis drives the services of the funding app (agreements, payouts, the ledger, exit
flags and cases) with random roles, and after every step the database is compared with a small
reference model of the workflow written here, independently of the app's own policies:

* no payout, tranche, agreement, flag or case in a state outside its machine;
* an approval or payment happens exactly when the model says it may, by whom it may;
* paid ≤ agreement total; at most one payment per payout; the paid payouts are the model's;
* the ledger sums equal the balances shown (agreement.paid_total, the budget's paid figure);
* a tranche or payout held by an open exit flag is never paid or approved;
* a recompute never touches an approved, paid, reversed or exit-cancelled payout.

Each example runs inside a savepoint that is rolled back at its end. Fixed seed, modest example
count in ``make test``; PROPERTY_EXAMPLES raises it.
"""

from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Count, Sum
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
)

from enterprises.models import Enterprise, EnterpriseStatus
from funding import engine, services
from funding.models import (
    Agreement,
    AgreementState,
    ApproverLevel,
    Budget,
    CaseState,
    ExitCase,
    ExitFlag,
    FlagState,
    LedgerEntry,
    LedgerKind,
    Payout,
    PayoutState,
    Tranche,
    TrancheState,
)
from qinhuai_talent.core.audit import AUDIT_CHECKS
from qinhuai_talent.core.errors import ActionNotAllowed, DomainError
from qinhuai_talent.core.jobs import JobContext
from qinhuai_talent.core.models import Job, Role, TransitionLog, User
from qinhuai_talent.core.workflow import transitions_of
from tests.funding.factories import agreement, limit, unit

from . import machines

pytestmark = pytest.mark.django_db

EXAMPLES = machines.examples(12)
STEPS = machines.steps(25)
AS_OF = ["2017-03-31", "2017-06-30", "2018-06-30"]
USERNAMES = ["office", "street", "street2", "park", "park2", "expert", "finance", "leader"]
# The same roles, with the one who usually acts on the step listed more often, so short runs
# reach the later states (a payment, an exit) as well as the refusals.
APPROVERS = [*USERNAMES, "office", "park", "street"]
PAYERS = [*USERNAMES, "finance", "finance", "finance"]

# What a recompute may do to a payout it finds (state before → states after).
RECOMPUTE_EDGES = {
    None: {None, PayoutState.PROPOSED, PayoutState.HELD},
    PayoutState.PROPOSED: {PayoutState.PROPOSED, PayoutState.CANCELLED, PayoutState.HELD},
    PayoutState.CANCELLED: {PayoutState.CANCELLED, PayoutState.PROPOSED, PayoutState.HELD},
    PayoutState.HELD: {PayoutState.HELD, PayoutState.PROPOSED, PayoutState.CANCELLED},
    PayoutState.APPROVED: {PayoutState.APPROVED, PayoutState.HELD},
    PayoutState.PAID: {PayoutState.PAID},
    PayoutState.REVERSED: {PayoutState.REVERSED},
}
# Once an exit decision has cancelled a payout, nothing brings it back.
FINAL_AFTER_EXIT = {PayoutState.PAID, PayoutState.REVERSED, PayoutState.CANCELLED}


def _job(kind: str, **params) -> dict:
    job = Job.objects.create(kind=kind, params=params)
    return getattr(engine, kind)(JobContext(job_id=job.pk, params=params))


# How often each action succeeded or was refused over the run: the figure RELIABILITY.md quotes,
# and the proof that the run reached payments, holds and exits rather than refusals only.
TALLY: Counter = Counter()


def _outcome(call, action: str = "") -> str:
    """'ok', 'refused' (DomainError, 400) or 'forbidden' (ActionNotAllowed, 403)."""
    try:
        call()
    except ActionNotAllowed:
        result = "forbidden"
    except DomainError:
        result = "refused"
    else:
        result = "ok"
    TALLY[f"{action or call.__name__}:{result}"] += 1
    return result


class FundingMachine(RuleBasedStateMachine):
    users: dict[str, User] = {}

    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        office = self.users["office"]
        # Two agreements: one in the park (payouts within its delegated limit), one in a street
        # whose limit is low (payouts go to the district office).
        self.agreements = [
            agreement(office, unit_code="gaoxin_park", grant="1000000.00"),
            agreement(office, unit_code="fuzimiao", grant="600000.00"),
        ]
        # The reference model: agreement state, payout states, paid payouts, exited agreements.
        self.model_agreement = {a.pk: AgreementState.ACTIVE for a in self.agreements}
        self.model_paid: set[int] = set()
        self.model_reversed: set[int] = set()
        self.exited: set[int] = set()
        self.vouchers = 0
        self.steps = 0

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # ------------------------------------------------------------ helpers

    def _payouts(self) -> dict[int, tuple[str, Decimal, int]]:
        return {
            p.pk: (p.state, p.amount, p.agreement_id)
            for p in Payout.objects.filter(agreement__in=self.agreements).order_by("pk")
        }

    def _by_tranche(self) -> dict[int, str]:
        return dict(Payout.objects.filter(agreement__in=self.agreements).values_list("tranche_id", "state"))

    def _pick_payout(self, index: int, prefer: str) -> Payout | None:
        """Any payout; on even indexes one in the state the action usually starts from."""
        payouts = list(Payout.objects.filter(agreement__in=self.agreements).order_by("pk"))
        preferred = [p for p in payouts if p.state == prefer]
        pool = preferred if preferred and index % 2 == 0 else payouts
        return pool[index % len(pool)] if pool else None

    def _open_flag(self, agreement_id: int) -> bool:
        return ExitFlag.objects.filter(agreement_id=agreement_id, state=FlagState.OPEN).exists()

    def _recompute(self, kind: str, as_of: str) -> None:
        before = self._by_tranche()
        _job(kind, as_of=as_of)
        after = self._by_tranche()
        tranches = set(before) | set(after)
        for tranche_id in tranches:
            old, new = before.get(tranche_id), after.get(tranche_id)
            assert new in RECOMPUTE_EDGES[old], f"{kind} moved tranche {tranche_id}'s payout {old} → {new}"
        for p in Payout.objects.filter(agreement_id__in=self.exited):
            assert p.state in FINAL_AFTER_EXIT, f"{kind} revived payout {p.pk} of an exited agreement"

    # ------------------------------------------------------------ rules: the world changes

    @rule(as_of=st.sampled_from(AS_OF))
    def recompute_payouts(self, as_of):
        self._recompute("recompute_payouts", as_of)

    @rule(as_of=st.sampled_from(AS_OF))
    def recompute_exit_flags(self, as_of):
        self._recompute("recompute_exit_flags", as_of)

    @rule(which=st.integers(0, 1), revenue=st.sampled_from(["0", "2000000.00"]), grade=st.sampled_from("ABCD"))
    def operating_figures_change(self, which, revenue, grade):
        Enterprise.objects.filter(pk=self.agreements[which].enterprise_id).update(
            cumulative_revenue=Decimal(revenue), latest_grade=grade
        )

    @rule(which=st.integers(0, 1), status=st.sampled_from(EnterpriseStatus.values))
    def enterprise_status_changes(self, which, status):
        Enterprise.objects.filter(pk=self.agreements[which].enterprise_id).update(
            status=status, status_changed_on=date(2017, 5, 1)
        )

    # ------------------------------------------------------------ rules: people act

    @initialize()
    def first_recompute(self):
        """The night after the agreements start: their first tranches are proposed."""
        self._recompute("recompute_payouts", "2017-06-30")

    @rule(index=st.integers(0, 20), who=st.sampled_from(APPROVERS))
    def approve(self, index, who):
        payout = self._pick_payout(index, PayoutState.PROPOSED)
        if payout is None:
            return
        actor = self.users[who]
        agreement_state = Agreement.objects.get(pk=payout.agreement_id).state
        may = actor.role == Role.OFFICE or (
            actor.role in (Role.STREET, Role.PARK)
            and actor.org_unit_id == payout.org_unit_id
            and payout.approver_level == ApproverLevel.UNIT
        )
        possible = (
            payout.state == PayoutState.PROPOSED
            and not self._open_flag(payout.agreement_id)
            and agreement_state == AgreementState.ACTIVE
        )
        outcome = _outcome(lambda: services.payout_approve(actor=actor, payout_id=payout.pk), "approve")
        after = Payout.objects.get(pk=payout.pk).state
        if possible and may and payout.prepared_by_id != actor.pk:
            assert outcome == "ok", f"{who} could not approve payout {payout.pk} ({payout.state})"
            assert after == PayoutState.APPROVED
        else:
            assert outcome != "ok", f"{who} approved payout {payout.pk} ({payout.state}, {agreement_state})"
            assert after == payout.state

    @rule(index=st.integers(0, 20), who=st.sampled_from(PAYERS), times=st.integers(1, 3))
    def pay(self, index, who, times):
        """Record a payment, retried up to three times (a double click, a redelivered request)."""
        payout = self._pick_payout(index, PayoutState.APPROVED)
        if payout is None:
            return
        actor = self.users[who]
        a = Agreement.objects.get(pk=payout.agreement_id)
        possible = (
            payout.state == PayoutState.APPROVED
            and not self._open_flag(a.pk)
            and a.state == AgreementState.ACTIVE
            and a.paid_total + payout.amount <= a.total
        )
        already = payout.pk in self.model_paid
        self.vouchers += 1
        voucher = f"CZ-P-{self.vouchers}"
        outcomes = [
            _outcome(lambda: services.payout_pay(actor=actor, payout_id=payout.pk, voucher=voucher), "pay")
            for _ in range(times)
        ]
        if actor.role != Role.FINANCE:
            assert set(outcomes) == {"forbidden"}, f"{who} recorded a payment: {outcomes}"
        elif already:
            assert set(outcomes) == {"ok"}, "paying a paid payout again answers with its payment"
        elif possible:
            assert set(outcomes) == {"ok"}, f"finance could not pay payout {payout.pk}"
            self.model_paid.add(payout.pk)
        else:
            assert "ok" not in outcomes, f"payout {payout.pk} ({payout.state}, agreement {a.state}) was paid"
        assert LedgerEntry.objects.filter(payout=payout, kind=LedgerKind.PAYMENT).count() == (
            1 if payout.pk in self.model_paid else 0
        )

    @rule(
        index=st.integers(0, 20),
        proposer=st.sampled_from(["finance", "office"]),
        approver=st.sampled_from([*USERNAMES, "office"]),
    )
    def reverse(self, index, proposer, approver):
        """Finance proposes a reversal, the office (never its proposer) approves it."""
        from funding.models import Reversal, ReversalState

        payout = self._pick_payout(index, PayoutState.PAID)
        if payout is None:
            return
        waiting = Reversal.objects.filter(payout=payout, state=ReversalState.PROPOSED).first()
        if waiting is None:
            self.vouchers += 1
            outcome = _outcome(
                lambda: services.reversal_propose(
                    actor=self.users[proposer], payout_id=payout.pk, voucher=f"CZ-R-{self.vouchers}", reason="付款有误"
                ),
                "propose_reversal",
            )
            expected = "forbidden" if proposer != "finance" else "ok" if payout.state == PayoutState.PAID else "refused"
            assert outcome == expected, (proposer, payout.state, outcome)
            if outcome != "ok":
                return
            waiting = Reversal.objects.get(payout=payout, state=ReversalState.PROPOSED)
        outcome = _outcome(
            lambda: services.reversal_approve(actor=self.users[approver], reversal_id=waiting.pk), "approve_reversal"
        )
        if approver == "office" and waiting.proposed_by_id != self.users["office"].pk:
            assert outcome == "ok", outcome
            self.model_reversed.add(payout.pk)
        else:
            assert outcome != "ok"

    @rule(which=st.integers(0, 1), who=st.sampled_from([*USERNAMES, "office"]))
    def suspend_or_resume(self, which, who):
        a = self.agreements[which]
        action = "suspend" if self.model_agreement[a.pk] != AgreementState.SUSPENDED else "resume"
        expected_from = AgreementState.ACTIVE if action == "suspend" else AgreementState.SUSPENDED
        possible = self.model_agreement[a.pk] == expected_from and who == "office"
        outcome = _outcome(
            lambda: services.agreement_transition(
                actor=self.users[who], agreement_id=a.pk, action=action, reason="核查"
            ),
            action,
        )
        if possible:
            assert outcome == "ok"
            self.model_agreement[a.pk] = AgreementState.SUSPENDED if action == "suspend" else AgreementState.ACTIVE
        else:
            assert outcome != "ok", f"{who} could {action} agreement in {self.model_agreement[a.pk]}"

    @rule(index=st.integers(0, 5), who=st.sampled_from(USERNAMES))
    def dismiss_flag(self, index, who):
        flags = list(ExitFlag.objects.filter(agreement__in=self.agreements).order_by("pk"))
        if not flags:
            return
        flag = flags[index % len(flags)]
        actor = self.users[who]
        may = actor.role == Role.OFFICE or (
            actor.role in (Role.STREET, Role.PARK) and actor.org_unit_id == flag.org_unit_id
        )
        outcome = _outcome(
            lambda: services.exit_flag_dismiss(actor=actor, flag_id=flag.pk, reason="经核实已整改"), "dismiss"
        )
        if may and flag.state == FlagState.OPEN:
            assert outcome == "ok"
        else:
            assert outcome != "ok", f"{who} dismissed flag {flag.pk} ({flag.state})"

    @rule(which=st.integers(0, 1), who=st.sampled_from(USERNAMES))
    def open_case(self, which, who):
        a = self.agreements[which]
        actor = self.users[who]
        may = actor.role == Role.OFFICE or (
            actor.role in (Role.STREET, Role.PARK) and actor.org_unit_id == a.org_unit_id
        )
        has_open = ExitCase.objects.filter(
            agreement=a, state__in=(CaseState.INVESTIGATION, CaseState.RECTIFICATION)
        ).exists()
        in_force = self.model_agreement[a.pk] in (AgreementState.ACTIVE, AgreementState.SUSPENDED)
        outcome = _outcome(lambda: services.exit_case_open(actor=actor, agreement_id=a.pk), "open_case")
        if may and in_force and not has_open:
            assert outcome == "ok"
        else:
            assert outcome != "ok", f"{who} opened a case on agreement {a.pk}"

    @rule(
        index=st.integers(0, 5),
        who=st.sampled_from([*USERNAMES, "office", "office"]),
        decision=st.sampled_from(["continue", "exit", "rectify"]),
        share=st.sampled_from([Decimal("0"), Decimal("0.5"), Decimal("1"), Decimal("2")]),
    )
    def decide_case(self, index, who, decision, share):
        cases = list(ExitCase.objects.filter(agreement__in=self.agreements).order_by("pk"))
        if not cases:
            return
        case = cases[index % len(cases)]
        actor = self.users[who]
        paid = Agreement.objects.get(pk=case.agreement_id).paid_total
        open_ = case.state in (CaseState.INVESTIGATION, CaseState.RECTIFICATION)
        if decision == "rectify":
            may = actor.role == Role.OFFICE or (
                actor.role in (Role.STREET, Role.PARK) and actor.org_unit_id == case.org_unit_id
            )
            possible = case.state == CaseState.INVESTIGATION
            call = lambda: services.exit_case_rectify(  # noqa: E731
                actor=actor, case_id=case.pk, due=date(2099, 1, 1), reason="限期整改"
            )
        elif decision == "continue":
            may, possible = actor.role == Role.OFFICE, open_
            call = lambda: services.exit_case_continue(actor=actor, case_id=case.pk, reason="整改到位")  # noqa: E731
        else:
            recovery = (paid * share).quantize(Decimal("0.01"))
            may, possible = actor.role == Role.OFFICE, open_ and recovery <= paid
            call = lambda: services.exit_case_exit(actor=actor, case_id=case.pk, reason="退出", recovery_due=recovery)  # noqa: E731
        outcome = _outcome(call, f"case_{decision}")
        if may and possible:
            assert outcome == "ok", f"{who} could not {decision} case {case.pk} ({case.state})"
            if decision == "exit":
                self.model_agreement[case.agreement_id] = AgreementState.TERMINATED
                self.exited.add(case.agreement_id)
        else:
            assert outcome != "ok", f"{who} could {decision} case {case.pk} ({case.state})"

    @rule(index=st.integers(0, 5), who=st.sampled_from(["finance", "office"]), share=st.sampled_from(["0.5", "1"]))
    def record_recovery(self, index, who, share):
        cases = list(ExitCase.objects.filter(agreement__in=self.agreements, state=CaseState.EXITED).order_by("pk"))
        if not cases:
            return
        case = cases[index % len(cases)]
        amount = (case.recovery_due * Decimal(share)).quantize(Decimal("0.01"))
        self.vouchers += 1
        outcome = _outcome(
            lambda: services.exit_case_record_recovery(
                actor=self.users[who], case_id=case.pk, amount=amount, voucher=f"SK-{self.vouchers}"
            ),
            "recovery",
        )
        if who == "finance" and amount > 0 and case.recovered + amount <= case.recovery_due:
            assert outcome == "ok"
        else:
            assert outcome != "ok"

    # ------------------------------------------------------------ invariants, after every step

    @invariant()
    def no_state_outside_the_machine(self):
        for model, choices in (
            (Payout, PayoutState),
            (Tranche, TrancheState),
            (Agreement, AgreementState),
            (ExitFlag, FlagState),
            (ExitCase, CaseState),
        ):
            states = set(model.objects.values_list("state", flat=True).distinct())
            assert states <= set(choices.values), f"{model.__name__} in {states - set(choices.values)}"
        for a in self.agreements:
            actual = Agreement.objects.get(pk=a.pk).state
            expected = self.model_agreement[a.pk]
            if not (expected == AgreementState.ACTIVE and actual == AgreementState.COMPLETED):
                assert actual == expected, f"agreement {a.pk} is {actual}, the model says {expected}"

    @invariant()
    def each_workflow_state_is_the_last_logged_transition(self):
        for p in Payout.objects.filter(state__in=(PayoutState.APPROVED, PayoutState.PAID, PayoutState.REVERSED)):
            last = transitions_of(p).last()
            assert last is not None and last.to_state == p.state, f"payout {p.pk} is {p.state} without a transition"

    @invariant()
    def money_adds_up(self):
        payments = LedgerEntry.objects.filter(kind=LedgerKind.PAYMENT)
        per_payout = payments.values("payout_id").annotate(n=Count("id")).filter(n__gt=1)
        assert not per_payout.exists(), "a payout was paid twice"
        paid_ids = set(payments.values_list("payout_id", flat=True))
        assert paid_ids == self.model_paid, f"paid {sorted(paid_ids)}, the model {sorted(self.model_paid)}"
        for p in Payout.objects.filter(pk__in=paid_ids):
            expected = PayoutState.REVERSED if p.pk in self.model_reversed else PayoutState.PAID
            assert p.state == expected
            assert Tranche.objects.get(pk=p.tranche_id).state in (TrancheState.PAID, TrancheState.CANCELLED)
        assert not Payout.objects.filter(state=PayoutState.PAID).exclude(pk__in=paid_ids).exists()
        for a in Agreement.objects.filter(pk__in=[a.pk for a in self.agreements]):
            ledger = a.ledger.filter(kind__in=(LedgerKind.PAYMENT, LedgerKind.REVERSAL)).aggregate(s=Sum("amount"))
            assert a.paid_total == (ledger["s"] or 0), f"agreement {a.pk} shows {a.paid_total}, ledger {ledger['s']}"
            assert Decimal("0") <= a.paid_total <= a.total
            recovered = a.ledger.filter(kind=LedgerKind.RECOVERY).aggregate(s=Sum("amount"))["s"] or 0
            cases = a.exit_cases.aggregate(r=Sum("recovered"))["r"] or 0
            assert -recovered == cases
            for case in a.exit_cases.all():
                assert 0 <= case.recovered <= case.recovery_due
        for budget in Budget.objects.filter(agreements__in=self.agreements).distinct():
            shown = services.budget_figures_of(budget).paid
            ledger = LedgerEntry.objects.filter(
                agreement__budget=budget, kind__in=(LedgerKind.PAYMENT, LedgerKind.REVERSAL)
            ).aggregate(s=Sum("amount"))["s"]
            assert shown == (ledger or 0), f"budget {budget.pk} shows {shown} paid, the ledger {ledger}"

    @invariant()
    def held_money_is_never_paid_or_approved(self):
        for a in self.agreements:
            if self._open_flag(a.pk):
                moving = Payout.objects.filter(agreement=a, state__in=(PayoutState.PROPOSED, PayoutState.APPROVED))
                assert not moving.exists(), f"agreement {a.pk} has an open flag and a payout still moving"
        held_paid = LedgerEntry.objects.filter(kind=LedgerKind.PAYMENT, payout__tranche__state=TrancheState.HELD)
        assert not held_paid.exists(), "a held tranche has a payment"

    @invariant()
    def the_chains_verify(self):
        assert [problem for check in AUDIT_CHECKS for problem in check()] == []


@pytest.fixture
def funding_world(units, office):
    limit(unit("gaoxin_park"), "500000.00")
    limit(unit("fuzimiao"), "100000.00")
    FundingMachine.users = {u.username: u for u in User.objects.filter(username__in=USERNAMES)}
    return FundingMachine


def test_any_sequence_of_funding_actions_keeps_the_money_and_the_workflow_right(funding_world):
    machines.run(funding_world, max_examples=EXAMPLES, step_count=STEPS)
    print("property tally:", dict(sorted(TALLY.items())))
    # The run reached the interesting states, not only refusals.
    for needed in ("approve:ok", "pay:ok", "open_case:ok"):
        assert TALLY[needed] > 0, f"no {needed} in {EXAMPLES} examples"


def test_the_transition_log_is_untouched_by_refused_actions(funding_world, office, expert):
    """A refused action writes nothing: the log has exactly the successful transitions."""
    machine = funding_world()
    try:
        start = TransitionLog.objects.count()
        machine.recompute_payouts("2017-06-30")
        before = TransitionLog.objects.count()
        assert before > start, "the recompute's transitions are logged"
        payout = Payout.objects.filter(agreement=machine.agreements[0]).first()
        with pytest.raises(ActionNotAllowed):
            services.payout_approve(actor=expert, payout_id=payout.pk)
        assert TransitionLog.objects.count() == before
    finally:
        machine.teardown()
