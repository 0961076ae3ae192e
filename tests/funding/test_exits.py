"""The exit mechanism: flags by each rule with evidence, holds, self-clearing, dismissal, and
the exit case from investigation to a terminated agreement with recoveries on the ledger."""

from datetime import date
from decimal import Decimal

import pytest

from enterprises.models import Enterprise, Evaluation, Founder, OperatingReport
from funding import services
from funding.models import (
    Agreement,
    AgreementState,
    ExitFlag,
    FlagState,
    LedgerEntry,
    Payout,
    PayoutState,
    TrancheState,
)
from qinhuai_talent.core.errors import ActionNotAllowed, DomainError
from tests.domain import raises_domain

from .factories import agreement, limit, unit

pytestmark = pytest.mark.django_db
AS_OF = "2018-01-15"  # last completed quarter: 2017Q4


def report(enterprise, year, quarter, revenue="100000.00"):
    return OperatingReport.objects.create(enterprise=enterprise, year=year, quarter=quarter, main_revenue=revenue)


def flags(a):
    return set(ExitFlag.objects.filter(agreement=a, state=FlagState.OPEN).values_list("rule", flat=True))


@pytest.fixture
def reporting(office, units, recompute):
    """An agreement whose enterprise reports every quarter of 2017, its milestones evaluated."""
    limit(unit("gaoxin_park"), "500000.00")
    a = agreement(office)
    for q in (1, 2, 3, 4):
        report(a.enterprise, 2017, q)
    recompute("payouts", as_of=AS_OF)
    return a


def test_two_missing_quarters_raise_a_flag_with_evidence_and_hold_the_next_tranche(reporting, recompute):
    OperatingReport.objects.filter(enterprise=reporting.enterprise, quarter__in=(3, 4)).delete()
    recompute("payouts", as_of=AS_OF)
    counts = recompute("exit_flags", as_of=AS_OF)
    assert counts["raised"] == 1 and flags(reporting) == {"missing_reports"}
    flag = ExitFlag.objects.get(agreement=reporting)
    assert "2017Q2" in flag.evidence and flag.details["n"] == 2
    first = reporting.tranches.get(sequence=1)
    assert first.state == TrancheState.HELD and first.payout.state == PayoutState.HELD
    assert recompute("exit_flags", as_of=AS_OF)["raised"] == 0


def test_a_flag_clears_itself_when_the_reports_arrive(reporting, recompute):
    OperatingReport.objects.filter(enterprise=reporting.enterprise, quarter__in=(3, 4)).delete()
    recompute("payouts", as_of=AS_OF)
    recompute("exit_flags", as_of=AS_OF)
    report(reporting.enterprise, 2017, 4)
    counts = recompute("exit_flags", as_of=AS_OF)
    assert counts["cleared"] == 1 and flags(reporting) == set()
    assert ExitFlag.objects.get(agreement=reporting).state == FlagState.CLEARED
    recompute("payouts", as_of=AS_OF)
    first = reporting.tranches.get(sequence=1)
    assert first.state == TrancheState.ELIGIBLE and first.payout.state == PayoutState.PROPOSED


def test_moved_out_or_deregistered(reporting, recompute):
    Enterprise.objects.filter(pk=reporting.enterprise_id).update(status="moved_out", status_changed_on=date(2017, 9, 1))
    recompute("exit_flags", as_of=AS_OF)
    assert flags(reporting) == {"moved_out"}
    assert "2017-09-01" in ExitFlag.objects.get(agreement=reporting).evidence


def test_founder_not_full_time_for_six_months(reporting, recompute):
    Founder.objects.filter(enterprise=reporting.enterprise).update(
        full_time=False, not_full_time_since=date(2017, 7, 15)
    )
    recompute("exit_flags", as_of=AS_OF)
    assert flags(reporting) == {"founder_not_full_time"}
    Founder.objects.filter(enterprise=reporting.enterprise).update(not_full_time_since=date(2017, 7, 16))
    recompute("exit_flags", as_of=AS_OF)
    assert flags(reporting) == set()


def test_a_milestone_overdue_by_180_days(reporting, recompute):
    # Tranche 2 (revenue ≥ 1,000,000) fell due on 2018-01-01; on 2018-06-30 it is 180 days late.
    recompute("exit_flags", as_of="2018-06-29")
    assert "milestone_overdue" not in flags(reporting)
    recompute("exit_flags", as_of="2018-06-30")
    assert "milestone_overdue" in flags(reporting)


def test_grade_d_or_c_twice_running(reporting, recompute):
    ent = reporting.enterprise
    Evaluation.objects.create(enterprise=ent, year=2016, evaluator="某创投", grade="C", evaluated_on=date(2016, 12, 1))
    recompute("exit_flags", as_of=AS_OF)
    assert flags(reporting) == set()
    Evaluation.objects.create(enterprise=ent, year=2017, evaluator="某创投", grade="C", evaluated_on=date(2017, 12, 1))
    recompute("exit_flags", as_of=AS_OF)
    assert flags(reporting) == {"poor_evaluation"}
    Evaluation.objects.create(enterprise=ent, year=2017, evaluator="某银行", grade="B", evaluated_on=date(2017, 12, 20))
    recompute("exit_flags", as_of=AS_OF)
    assert flags(reporting) == set()
    Evaluation.objects.create(enterprise=ent, year=2017, evaluator="某银行", grade="D", evaluated_on=date(2017, 12, 30))
    recompute("exit_flags", as_of=AS_OF)
    assert flags(reporting) == {"poor_evaluation"}


def test_no_revenue_24_months_after_registration(reporting, recompute):
    OperatingReport.objects.filter(enterprise=reporting.enterprise).update(main_revenue=0)
    recompute("exit_flags", as_of="2018-02-28")
    assert "no_revenue" not in flags(reporting)
    recompute("exit_flags", as_of="2018-03-01")
    assert "no_revenue" in flags(reporting)


def test_a_dismissed_flag_is_not_raised_again_on_the_same_evidence(reporting, park_officer, recompute):
    Enterprise.objects.filter(pk=reporting.enterprise_id).update(status="moved_out", status_changed_on=date(2017, 9, 1))
    recompute("exit_flags", as_of=AS_OF)
    flag = ExitFlag.objects.get(agreement=reporting)
    with raises_domain("reason_missing"):
        services.exit_flag_dismiss(actor=park_officer, flag_id=flag.pk, reason=" ")
    services.exit_flag_dismiss(actor=park_officer, flag_id=flag.pk, reason="迁回本区，已核实")
    assert recompute("exit_flags", as_of=AS_OF)["raised"] == 0
    assert ExitFlag.objects.get(pk=flag.pk).state == FlagState.DISMISSED


def test_an_exit_terminates_cancels_and_records_recoveries(reporting, park_officer, office, finance, recompute):
    recompute("payouts", as_of=AS_OF)
    payout = Payout.objects.get(agreement=reporting, tranche__sequence=1)
    services.payout_approve(actor=park_officer, payout_id=payout.pk)
    services.payout_pay(actor=finance, payout_id=payout.pk, voucher="CZ-1")
    OperatingReport.objects.filter(enterprise=reporting.enterprise, quarter__in=(3, 4)).delete()
    recompute("exit_flags", as_of=AS_OF)
    case = services.exit_case_open(actor=park_officer, agreement_id=reporting.pk, note="连续两季未报")
    assert case.flags.count() == 1
    with pytest.raises(ActionNotAllowed):
        services.exit_case_exit(actor=park_officer, case_id=case.pk, reason="x", recovery_due="1")
    with pytest.raises(DomainError, match="不得超过已拨付"):
        services.exit_case_exit(actor=office, case_id=case.pk, reason="退出", recovery_due="300000.01")
    services.exit_case_exit(
        actor=office, case_id=case.pk, reason="经调查，创始人未专职创业，予以退出", recovery_due="300000"
    )
    agreement_ = Agreement.objects.get(pk=reporting.pk)
    assert agreement_.state == AgreementState.TERMINATED
    assert set(agreement_.tranches.values_list("state", flat=True)) == {"paid", "cancelled"}
    services.exit_case_record_recovery(actor=finance, case_id=case.pk, amount="100000", voucher="HS-1")
    with pytest.raises(DomainError, match="尚待追回"):
        services.exit_case_record_recovery(actor=finance, case_id=case.pk, amount="200000.01", voucher="HS-2")
    case.refresh_from_db()
    assert case.recovered == Decimal("100000.00") and case.recovery_due == Decimal("300000.00")
    kinds = list(LedgerEntry.objects.order_by("id").values_list("kind", "amount"))
    assert kinds == [("payment", Decimal("300000.00")), ("recovery", Decimal("-100000.00"))]


def test_continue_decision_keeps_the_agreement(reporting, park_officer, office, recompute):
    case = services.exit_case_open(actor=park_officer, agreement_id=reporting.pk)
    services.exit_case_rectify(actor=park_officer, case_id=case.pk, due=date(2099, 1, 1), reason="三个月内补报")
    services.exit_case_continue(actor=office, case_id=case.pk, reason="已整改")
    case.refresh_from_db()
    assert case.state == "continued"
    assert Agreement.objects.get(pk=reporting.pk).state == AgreementState.ACTIVE


def test_a_past_rectification_deadline_is_refused(reporting, park_officer):
    case = services.exit_case_open(actor=park_officer, agreement_id=reporting.pk)
    with pytest.raises(DomainError, match="须晚于今天"):
        services.exit_case_rectify(actor=park_officer, case_id=case.pk, due=date(2017, 1, 1), reason="x")


def test_the_bulk_moves_of_a_hold_and_its_release_leave_every_chain_verifiable(reporting, recompute):
    """README: every transition is logged, hash-chained per record. The recompute's bulk moves
    (a flag raised, tranches and payouts held, the flag cleared, the holds released) write their
    log rows in bulk (on PostgreSQL as arrays, with no model instance per row): each row's hash is
    the one ``verify_audit`` recomputes, each links to the record's previous row, and each
    record's chain head names its newest row."""
    from qinhuai_talent.core.audit import verify_transitions
    from qinhuai_talent.core.chains import verify_transition_heads
    from qinhuai_talent.core.models import TransitionLog

    logged = TransitionLog.objects.count()
    OperatingReport.objects.filter(enterprise=reporting.enterprise, quarter__in=(3, 4)).delete()
    recompute("payouts", as_of=AS_OF)
    recompute("exit_flags", as_of=AS_OF)
    report(reporting.enterprise, 2017, 3)
    report(reporting.enterprise, 2017, 4)
    recompute("exit_flags", as_of=AS_OF)
    recompute("payouts", as_of=AS_OF)
    actions = list(TransitionLog.objects.filter(pk__gt=0).order_by("id").values_list("action", flat=True))[logged:]
    assert {"hold", "clear", "propose"} <= set(actions), actions  # held, cleared, released
    assert verify_transitions() == [] and verify_transition_heads() == []
