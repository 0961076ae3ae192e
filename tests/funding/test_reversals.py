"""Payment reversal (冲正, issue 14 item 6c): proposed by finance with a reason, approved by the
district office, four eyes whatever roles a person holds, through the reversal's workflow (logged);
the approval appends a ledger entry that points at the payment (never edited), the payout is
reversed, its tranche cancelled, and the agreement's and the budget's paid figures follow. A
payment is reversed at most once (a lock and the database's constraints); bad input is a 400
with nothing saved."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from funding import selectors, services
from funding.models import (
    Agreement,
    ClosedYear,
    LedgerEntry,
    LedgerKind,
    Payout,
    PayoutState,
    Reversal,
    ReversalState,
    TrancheState,
)
from qinhuai_talent.core.models import Role, User
from qinhuai_talent.core.workflow import transitions_of
from tests.domain import raises_domain

from .factories import agreement, limit, unit

pytestmark = pytest.mark.django_db

ROLES = ["office", "street", "street2", "park", "park2", "expert", "finance", "leader", "talent", "enterprise"]


@pytest.fixture
def paid(office, park_officer, finance, units, recompute):
    """A 300,000 yuan payout of 高新园区, approved by the park's officer and paid by finance."""
    limit(unit("gaoxin_park"), "500000.00")
    a = agreement(office)
    recompute("payouts", as_of="2017-06-30")
    payout = Payout.objects.get(agreement=a)
    services.payout_approve(actor=park_officer, payout_id=payout.pk)
    services.payout_pay(actor=finance, payout_id=payout.pk, voucher="CZ-2017-001")
    payout.refresh_from_db()
    return payout


def _propose(finance, payout, **kw):
    return services.reversal_propose(
        actor=finance, payout_id=payout.pk, voucher=kw.get("voucher", "CZ-R-001"), reason=kw.get("reason", "账户有误")
    )


def _budget_paid(payout) -> Decimal:
    budget_id = Agreement.objects.get(pk=payout.agreement_id).budget_id
    return selectors.budgets_for(User.objects.get(username="office")).get(pk=budget_id).paid


def test_finance_proposes_the_office_approves_and_a_new_entry_points_at_the_payment(office, finance, paid):
    payment = LedgerEntry.objects.get(payout=paid, kind=LedgerKind.PAYMENT)
    before = (payment.amount, payment.voucher, payment.entry_date, payment.hash)
    assert _budget_paid(paid) == Decimal("300000.00")
    reversal = _propose(finance, paid)
    # Proposed only: nothing moves in the ledger nor in the payout.
    assert LedgerEntry.objects.filter(payout=paid).count() == 1
    assert Payout.objects.get(pk=paid.pk).state == PayoutState.PAID
    services.reversal_approve(actor=office, reversal_id=reversal.pk)
    reversal.refresh_from_db()
    entry = reversal.entry
    assert (entry.kind, entry.amount, entry.reverses_id, entry.voucher) == (
        LedgerKind.REVERSAL,
        Decimal("-300000.00"),
        payment.pk,
        "CZ-R-001",
    )
    payment.refresh_from_db()
    assert (payment.amount, payment.voucher, payment.entry_date, payment.hash) == before
    assert Payout.objects.get(pk=paid.pk).state == PayoutState.REVERSED
    assert paid.tranche.__class__.objects.get(pk=paid.tranche_id).state == TrancheState.CANCELLED
    assert Agreement.objects.get(pk=paid.agreement_id).paid_total == 0
    assert _budget_paid(paid) == 0
    assert [t.action for t in transitions_of(reversal)] == ["propose", "approve"]
    assert [t.action for t in transitions_of(Payout.objects.get(pk=paid.pk))][-1] == "reverse"
    assert services.verify_ledger() == []


@pytest.mark.parametrize("username", ROLES)
def test_only_finance_proposes_a_reversal_by_api_and_page(api, client, paid, username):
    user = User.objects.get(username=username)
    body = {"voucher": "CZ-R-9", "reason": "重复付款"}
    response = api(user).post(f"/api/v1/payouts/{paid.pk}/reverse/", body, format="json")
    if username == "finance":
        assert response.status_code == 201, response.content
        assert response.json()["state"] == "proposed" and response.json()["proposed_by"] == "finance"
    else:
        assert response.status_code in (403, 404), response.content
        assert not Reversal.objects.exists()
    client.force_login(user)
    page = client.get(f"/funding/payouts/{paid.pk}/")
    shows = page.status_code == 200 and f"/funding/payouts/{paid.pk}/reverse/" in page.content.decode()
    assert not shows  # finance's proposal is waiting (or the role may not propose): no second button
    if username != "finance":
        posted = client.post(f"/funding/payouts/{paid.pk}/reverse/", body)
        assert posted.status_code in (302, 404)
        assert not Reversal.objects.exists()


def test_the_payout_page_offers_finance_the_proposal_and_the_queue_offers_the_office_the_decision(
    client, office, finance, paid
):
    client.force_login(finance)
    assert f"/funding/payouts/{paid.pk}/reverse/" in client.get(f"/funding/payouts/{paid.pk}/").content.decode()
    assert client.post(f"/funding/payouts/{paid.pk}/reverse/", {"voucher": "R-1", "reason": "错付"}).status_code == 302
    reversal = Reversal.objects.get()
    approve = f"/funding/reversals/{reversal.pk}/approve/"
    assert approve not in client.get("/funding/reversals/").content.decode()  # not to its proposer
    client.force_login(office)
    assert approve in client.get("/funding/reversals/").content.decode()
    assert approve in client.get(f"/funding/payouts/{paid.pk}/").content.decode()
    assert client.post(approve, {"next": "/funding/reversals/", "confirmed": "1"}).status_code == 302
    assert Reversal.objects.get().state == ReversalState.APPROVED
    assert approve not in client.get("/funding/reversals/").content.decode()


@pytest.mark.parametrize("username", ROLES)
def test_only_the_office_decides_a_reversal(api, finance, paid, username):
    reversal = _propose(finance, paid)
    user = User.objects.get(username=username)
    response = api(user).post(f"/api/v1/reversals/{reversal.pk}/approve/", {}, format="json")
    if username == "office":
        assert response.status_code == 200, response.content
        assert response.json()["state"] == "approved" and response.json()["entry"]
    else:
        assert response.status_code in (403, 404), response.content
        assert Reversal.objects.get(pk=reversal.pk).state == ReversalState.PROPOSED
        assert not LedgerEntry.objects.filter(kind=LedgerKind.REVERSAL).exists()


def test_four_eyes_whatever_roles_the_proposer_holds(office, finance, paid):
    """A superuser is finance and office at once; a finance officer later made office staff is
    still the proposer: neither approves their own proposal (nor does the database let it pass)."""
    boss = User.objects.create_user(username="boss", password="x", role=Role.OFFICE, is_superuser=True)
    reversal = _propose(boss, paid)
    with raises_domain("four_eyes") as refused:
        services.reversal_approve(actor=boss, reversal_id=reversal.pk)
    assert refused.value.code == "four_eyes"
    services.reversal_withdraw(actor=boss, reversal_id=reversal.pk)
    second = _propose(finance, paid, voucher="CZ-R-002")
    User.objects.filter(pk=finance.pk).update(role=Role.OFFICE)
    finance.refresh_from_db()
    with raises_domain("four_eyes") as refused:
        services.reversal_approve(actor=finance, reversal_id=second.pk)
    assert refused.value.code == "four_eyes"
    with pytest.raises(IntegrityError), transaction.atomic():
        Reversal.objects.filter(pk=second.pk).update(decided_by=finance)
    assert Reversal.objects.get(pk=second.pk).state == ReversalState.PROPOSED
    assert not LedgerEntry.objects.filter(kind=LedgerKind.REVERSAL).exists()


def test_a_payment_is_reversed_once(office, finance, paid, api):
    reversal = _propose(finance, paid)
    with raises_domain("duplicate") as refused:
        _propose(finance, paid, voucher="CZ-R-002")
    assert refused.value.code == "duplicate"
    again = api(finance).post(f"/api/v1/payouts/{paid.pk}/reverse/", {"voucher": "X", "reason": "再次"}, format="json")
    assert again.status_code == 400
    services.reversal_approve(actor=office, reversal_id=reversal.pk)
    with raises_domain("invalid_state") as refused:
        services.reversal_approve(actor=office, reversal_id=reversal.pk)
    assert refused.value.code == "invalid_state"
    with raises_domain("invalid_state") as refused:
        _propose(finance, paid, voucher="CZ-R-003")
    assert refused.value.code == "invalid_state"
    assert LedgerEntry.objects.filter(kind=LedgerKind.REVERSAL).count() == 1
    # The database holds it too: a second live reversal, a second entry reversing the payment.
    payment = LedgerEntry.objects.get(payout=paid, kind=LedgerKind.PAYMENT)
    with pytest.raises(IntegrityError), transaction.atomic():
        Reversal.objects.create(
            payout=paid,
            payment=payment,
            org_unit_id=paid.org_unit_id,
            amount=payment.amount,
            voucher="dup",
            reason="dup",
            proposed_by=finance,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(
            agreement_id=paid.agreement_id,
            payout=paid,
            org_unit_id=paid.org_unit_id,
            kind=LedgerKind.REVERSAL,
            amount=Decimal("-1.00"),
            voucher="dup",
            entry_date=payment.entry_date,
            reverses=payment,
            hash="y" * 64,
        )


@pytest.mark.parametrize(
    ("body", "field"),
    [({"voucher": "", "reason": "错付"}, "voucher"), ({"voucher": "R", "reason": ""}, "reason"), ({}, "voucher")],
)
def test_a_proposal_without_voucher_or_reason_is_a_400_and_nothing_is_saved(api, finance, paid, body, field):
    response = api(finance).post(f"/api/v1/payouts/{paid.pk}/reverse/", body, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not Reversal.objects.exists()


def test_an_unpaid_payout_has_nothing_to_reverse(office, finance, units, recompute):
    limit(unit("gaoxin_park"), "500000.00")
    a = agreement(office)
    recompute("payouts", as_of="2017-06-30")
    with raises_domain("invalid_state") as refused:
        _propose(finance, Payout.objects.get(agreement=a))
    assert refused.value.code == "invalid_state"


def test_rejection_needs_a_reason_keeps_the_payment_and_frees_the_payout(api, office, finance, paid):
    reversal = _propose(finance, paid)
    refused = api(office).post(f"/api/v1/reversals/{reversal.pk}/reject/", {"reason": ""}, format="json")
    assert refused.status_code == 400 and "reason" in refused.json()
    done = api(office).post(f"/api/v1/reversals/{reversal.pk}/reject/", {"reason": "付款无误"}, format="json")
    assert done.status_code == 200 and done.json()["state"] == "rejected"
    assert Payout.objects.get(pk=paid.pk).state == PayoutState.PAID
    assert transitions_of(reversal).last().reason == "付款无误"
    # Rejected: finance may propose again with new grounds.
    assert _propose(finance, paid, voucher="CZ-R-002").state == ReversalState.PROPOSED


def test_only_its_proposer_withdraws_a_proposal(api, office, finance, paid):
    reversal = _propose(finance, paid)
    assert api(office).post(f"/api/v1/reversals/{reversal.pk}/withdraw/", {}, format="json").status_code == 403
    assert api(finance).post(f"/api/v1/reversals/{reversal.pk}/withdraw/", {}, format="json").status_code == 200
    assert Reversal.objects.get(pk=reversal.pk).state == ReversalState.WITHDRAWN


def test_an_approval_refused_for_a_closed_year_saves_nothing(office, finance, paid):
    from qinhuai_talent.core import clock

    reversal = _propose(finance, paid)
    ClosedYear.objects.create(year=clock.today().year, reason="结账", closed_by=office)
    with raises_domain("closed_year") as refused:
        services.reversal_approve(actor=office, reversal_id=reversal.pk)
    assert refused.value.code == "closed_year"
    reversal.refresh_from_db()
    assert (reversal.state, reversal.entry_id, reversal.decided_by_id) == (ReversalState.PROPOSED, None, None)
    assert Payout.objects.get(pk=paid.pk).state == PayoutState.PAID
    assert LedgerEntry.objects.filter(kind=LedgerKind.REVERSAL).count() == 0
    assert Agreement.objects.get(pk=paid.agreement_id).paid_total == Decimal("300000.00")


def _race(n: int, work) -> tuple[list, list]:
    import threading

    from django.db import connection

    barrier = threading.Barrier(n)
    results, errors = [], []

    def run(i):
        try:
            barrier.wait()
            results.append(work(i))
        except Exception as exc:  # collected and asserted by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results, errors


def _client(user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_proposals_and_eight_approvals_at_once_reverse_the_payment_once(transactional_db, office, finance, paid):
    proposals, errors = _race(
        8,
        lambda i: _client(finance)
        .post(f"/api/v1/payouts/{paid.pk}/reverse/", {"voucher": f"R-{i}", "reason": "重复付款"}, format="json")
        .status_code,
    )
    assert errors == [] and sorted(proposals) == [201] + [400] * 7, proposals
    reversal = Reversal.objects.get()
    approvals, errors = _race(
        8, lambda _i: _client(office).post(f"/api/v1/reversals/{reversal.pk}/approve/", {}, format="json").status_code
    )
    assert errors == [] and sorted(approvals) == [200] + [400] * 7, approvals
    assert LedgerEntry.objects.filter(kind=LedgerKind.REVERSAL).count() == 1
    assert Agreement.objects.get(pk=paid.agreement_id).paid_total == 0
    assert services.verify_ledger() == []
