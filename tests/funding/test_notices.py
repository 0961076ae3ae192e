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
