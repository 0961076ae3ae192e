"""The payout recompute: the right tranches become eligible with an explained, performance-sized
amount, the right approver, and an unchanged rerun writes nothing."""

from decimal import Decimal

import pytest
from django.core.management import call_command

from enterprises.models import Enterprise
from funding.models import ApproverLevel, Milestone, Payout, PayoutState, PerformanceFactor, Tranche, TrancheState

from .factories import agreement, limit, unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def park_limit(units):
    return limit(unit("gaoxin_park"), "500000.00")


def test_first_tranche_becomes_eligible_on_registration_and_move_in(office, park_limit, recompute):
    a = agreement(office)
    counts = recompute("payouts", as_of="2017-06-30")
    first, second, third = a.tranches.order_by("sequence")
    first.refresh_from_db(), second.refresh_from_db(), third.refresh_from_db()
    assert (first.state, second.state, third.state) == ("eligible", "waiting", "waiting")
    payout = first.payout
    assert payout.amount == Decimal("300000.00") and payout.state == PayoutState.PROPOSED
    assert payout.approver_level == ApproverLevel.UNIT
    assert counts["payouts_created"] == 1
    assert "2016-03-01" in payout.explanation and "500,000.00" in payout.explanation


def test_registration_and_move_in_count_only_once_they_have_happened(office, park_limit, recompute):
    a = agreement(office)  # registered 2016-03-01, moved in 2016-04-01
    recompute("payouts", as_of="2016-03-15")
    first = a.tranches.get(sequence=1)
    assert first.state == "waiting"
    met = dict(first.milestones.values_list("kind", "met"))
    assert met == {"registered": True, "moved_in": False}
    recompute("payouts", as_of="2016-02-15")
    assert dict(first.milestones.values_list("kind", "met")) == {"registered": False, "moved_in": False}


def test_unchanged_rerun_writes_no_rows(office, park_limit, recompute):
    agreement(office)
    agreement(office, cumulative_revenue=Decimal("2000000.00"), latest_grade="B")
    first = recompute("payouts", as_of="2017-06-30")
    assert first["rows_written"] > 0
    again = recompute("payouts", as_of="2017-06-30")
    assert again["rows_written"] == 0 and again["agreements"] == 2


def test_latest_grade_sizes_the_payout_by_the_policy_table(office, park_limit, recompute):
    a = agreement(office, cumulative_revenue=Decimal("2000000.00"), latest_grade="B")
    recompute("payouts", as_of="2017-06-30")
    second = a.tranches.get(sequence=2)
    assert second.state == TrancheState.ELIGIBLE
    assert second.payout.amount == Decimal("320000.00") and second.payout.factor == Decimal("0.8000")
    PerformanceFactor.objects.filter(grade="B").update(factor=Decimal("0.9"))
    counts = recompute("payouts", as_of="2017-06-30")
    second.payout.refresh_from_db()
    assert second.payout.amount == Decimal("360000.00") and counts["payouts_updated"] == 2


def test_a_payout_above_the_units_limit_goes_to_the_district_office(office, recompute, units):
    limit(unit("gaoxin_park"), "200000.00")
    a = agreement(office)
    recompute("payouts", as_of="2017-06-30")
    payout = Payout.objects.get(agreement=a)
    assert payout.amount == Decimal("300000.00") and payout.approver_level == ApproverLevel.DISTRICT


def test_a_lapsed_milestone_cancels_a_proposal_that_was_not_approved(office, park_limit, recompute):
    a = agreement(office)
    recompute("payouts", as_of="2017-06-30")
    Enterprise.objects.filter(pk=a.enterprise_id).update(moved_in_on=None)
    recompute("payouts", as_of="2017-06-30")
    first = a.tranches.get(sequence=1)
    assert first.state == TrancheState.WAITING and first.payout.state == PayoutState.CANCELLED
    assert not Milestone.objects.get(tranche=first, kind="moved_in").met


def test_use_of_funds_milestone_waits_for_the_previous_report(office, park_limit, recompute):
    a = agreement(office, cumulative_revenue=Decimal("2000000.00"), latest_grade="A")
    recompute("payouts", as_of="2017-06-30")
    assert a.tranches.get(sequence=3).state == TrancheState.WAITING
    reasons = [r for r in Payout.objects.filter(tranche__sequence=3).values_list("reasons", flat=True)]
    assert reasons == []


def test_the_recompute_command_runs_the_payout_job(office, park_limit, capsys):
    agreement(office)
    call_command("recompute", "--payouts", verbosity=0)
    assert "recompute_payouts" in capsys.readouterr().out
    assert Tranche.objects.filter(state=TrancheState.ELIGIBLE).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_batch_commits_without_waiting_for_the_disk_and_leaves_the_session_as_it_was(office, park_limit, recompute):
    """Only the batch's own transaction commits asynchronously (``SET LOCAL``): the connection's
    next transaction, and a caller's transaction that runs a batch inside it, wait as before."""
    from django.db import connection, transaction

    from funding import engine

    def setting() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            return cursor.fetchone()[0]

    seen = []
    real = engine._commit_without_waiting

    def spy():
        real()
        seen.append(setting())

    a = agreement(office)
    engine._commit_without_waiting, before = spy, setting()
    try:
        recompute("payouts", as_of="2017-06-30")
        assert seen == ["off"] and setting() == before == "on"
        with transaction.atomic():
            recompute("payouts", as_of="2017-07-01")
            assert setting() == "on"
        assert seen == ["off"]
    finally:
        engine._commit_without_waiting = real
    assert a.tranches.get(sequence=1).payout.state == PayoutState.PROPOSED
