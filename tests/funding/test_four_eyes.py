"""Issue 14 item 14 (payouts): four eyes that hold whatever roles a person holds. Whoever vouched
for a tranche (its payout's preparer, a manual milestone's verifier) neither approves nor pays it;
whoever approved it does not pay it."""

import pytest

from funding import services
from funding.models import LedgerEntry, Milestone, MilestoneKind, Payout, PayoutState
from qinhuai_talent.core.errors import ActionNotAllowed
from qinhuai_talent.core.models import Role, User

from .factories import agreement, limit, unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def both(units):
    """A person who holds every power at once: a superuser counts as office and as finance."""
    return User.objects.create_superuser("both", "both@example.org", "x-Strong-Pass-1", role=Role.OFFICE)


@pytest.fixture
def proposed(office, units, recompute):
    limit(unit("gaoxin_park"), "500000.00")
    a = agreement(office)
    recompute("payouts", as_of="2017-06-30")
    return Payout.objects.get(agreement=a)


def test_the_approver_does_not_pay_their_own_approval_whatever_roles_they_hold(api, both, finance, proposed):
    services.payout_approve(actor=both, payout_id=proposed.pk)
    response = api(both).post(f"/api/v1/payouts/{proposed.pk}/pay/", {"voucher": "CZ-1"}, format="json")
    assert response.status_code == 403 and "由您审批" in response.json()["detail"]
    assert not LedgerEntry.objects.exists()
    assert services.payout_pay(actor=finance, payout_id=proposed.pk, voucher="CZ-1")[1] is True


def test_an_approver_given_the_finance_role_still_cannot_pay(office, units, proposed):
    services.payout_approve(actor=office, payout_id=proposed.pk)
    # Another office member makes the approver a finance officer (nobody may do it to themselves).
    User.objects.filter(pk=office.pk).update(role=Role.FINANCE)
    office.refresh_from_db()
    with pytest.raises(ActionNotAllowed) as refused:
        services.payout_pay(actor=office, payout_id=proposed.pk, voucher="CZ-1")
    assert refused.value.code == "four_eyes"
    assert Payout.objects.get(pk=proposed.pk).state == PayoutState.APPROVED


@pytest.fixture
def equity(office, units, recompute):
    """An equity tranche, released on a manual milestone (the investment committee's minutes)."""
    limit(unit("gaoxin_park"), "5000000.00")
    a = agreement(office, grant="0", equity="400000.00", template=None)
    return Milestone.objects.get(tranche__agreement=a, kind=MilestoneKind.MANUAL)


def test_a_manual_milestones_verifier_neither_approves_nor_pays_its_tranche(
    both, park_officer, finance, equity, recompute
):
    services.milestone_verify(actor=both, milestone_id=equity.pk, evidence="投资决策委员会纪要")
    recompute("payouts", as_of="2017-06-30")
    payout = Payout.objects.get(tranche=equity.tranche)
    with pytest.raises(ActionNotAllowed) as refused:
        services.payout_approve(actor=both, payout_id=payout.pk)
    assert refused.value.code == "four_eyes"
    services.payout_approve(actor=park_officer, payout_id=payout.pk)
    with pytest.raises(ActionNotAllowed) as refused:
        services.payout_pay(actor=both, payout_id=payout.pk, voucher="CZ-2")
    assert refused.value.code == "four_eyes"
    assert services.payout_pay(actor=finance, payout_id=payout.pk, voucher="CZ-2")[1] is True


def test_queues_and_buttons_do_not_offer_what_four_eyes_refuse(web, both, proposed):
    services.payout_approve(actor=both, payout_id=proposed.pk)
    client = web(both)
    assert f"/funding/payouts/{proposed.pk}/" not in client.get("/funding/payouts/finance/").content.decode()
    assert f"/funding/payouts/{proposed.pk}/pay/" not in client.get(f"/funding/payouts/{proposed.pk}/").content.decode()
