"""Who hears of what in funding (issue 16, item 6): the approver of a payout waiting, the
enterprise of its milestones met, payouts approved and paid, exit flags and cases; a recompute
that runs again tells nobody twice."""

import pytest

from funding import services
from funding.models import Payout
from qinhuai_talent.core.models import Role, User
from qinhuai_talent.notifications.models import Notification

from .factories import agreement, limit, unit

pytestmark = pytest.mark.django_db


def events(user) -> list[str]:
    rows = Notification.objects.filter(recipient=user, channel="inbox").order_by("id")
    return list(rows.values_list("event", flat=True))


def test_the_approver_and_the_enterprise_hear_of_each_step_once(office, park_officer, finance, units, recompute):
    limit(unit("gaoxin_park"), "500000.00")
    a = agreement(office)
    account = User.objects.create_user("ent1", password="x-Long-pass-1", role=Role.LEADER)
    a.enterprise.account = account
    a.enterprise.save()
    recompute("payouts", as_of="2017-06-30")
    recompute("payouts", as_of="2017-06-30")
    payout = Payout.objects.get(agreement=a)
    assert events(park_officer).count("payout_waiting") == 1
    assert "milestone_met" in events(account)
    services.payout_approve(actor=park_officer, payout_id=payout.pk)
    services.payout_pay(actor=finance, payout_id=payout.pk, voucher="CZ-1")
    services.payout_pay(actor=finance, payout_id=payout.pk, voucher="CZ-1")
    assert events(account).count("payout_approved") == 1 and events(account).count("payout_paid") == 1
    paid = Notification.objects.get(recipient=account, event="payout_paid", channel="inbox")
    assert "CZ-1" in paid.body and park_officer.username not in paid.body


def test_an_exit_case_reaches_the_enterprise_and_the_unit(office, park_officer, units):
    a = agreement(office)
    account = User.objects.create_user("ent2", password="x-Long-pass-1", role=Role.LEADER)
    a.enterprise.account = account
    a.enterprise.save()
    services.exit_case_open(actor=office, agreement_id=a.pk, note="核查")
    assert events(account) == ["exit_case_opened"] and "exit_case_opened" in events(park_officer)


def test_a_payout_that_a_new_limit_gives_to_another_approver_reaches_that_approver(office, park_officer, recompute):
    """ "The approver hears of each payout waiting": when the office lowers the park's limit below a
    waiting payout, the office is now its approver and hears of it; raising it back gives it to the
    park again, whose officer had heard already and is not told twice."""
    limit(unit("gaoxin_park"), "500000.00")
    a = agreement(office, grant="1000000.00")  # first tranche 300,000: within the park's limit
    recompute("payouts", as_of="2017-06-30")
    payout = Payout.objects.get(agreement=a, tranche__sequence=1)
    assert events(park_officer).count("payout_waiting") == 1 and "payout_waiting" not in events(office)
    services.approval_limit_set(actor=office, org_unit=unit("gaoxin_park"), max_amount="200000")
    assert events(office).count("payout_waiting") == 1
    told = Notification.objects.get(recipient=office, event="payout_waiting", channel="inbox")
    assert told.url.endswith(f"/payouts/{payout.pk}/")
    services.approval_limit_set(actor=office, org_unit=unit("gaoxin_park"), max_amount="500000")
    recompute("payouts", as_of="2017-06-30")
    assert events(park_officer).count("payout_waiting") == 1 and events(office).count("payout_waiting") == 1


def test_the_recompute_reads_no_notice_for_what_it_did_not_change(office, park_officer, recompute):
    """A recompute that changes nothing tells nobody and reads nothing to tell: its notices cost
    no statement about payouts, milestones or flags already told."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    limit(unit("gaoxin_park"), "500000.00")
    agreement(office)
    recompute("payouts", as_of="2017-06-30")
    with CaptureQueriesContext(connection) as ctx:
        recompute("payouts", as_of="2017-06-30")
    assert not [q["sql"] for q in ctx.captured_queries if "notifications_notification" in q["sql"]]
