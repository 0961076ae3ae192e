"""Approval within delegated limits, payment by finance once, and the ledger's invariants."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from funding import services
from funding.models import Agreement, LedgerEntry, LedgerKind, Payout, PayoutState, TrancheState
from qinhuai_talent.core.errors import ActionNotAllowed, DomainError

from .factories import agreement, limit, reverse_payment, unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposed(office, units, recompute):
    """A 300,000 yuan proposal of 高新园区 (limit 500,000)."""
    limit(unit("gaoxin_park"), "500000.00")
    a = agreement(office)
    recompute("payouts", as_of="2017-06-30")
    return Payout.objects.get(agreement=a)


def test_park_officer_approves_within_the_limit_and_finance_pays_once(api, park_officer, finance, proposed):
    response = api(park_officer).post(f"/api/v1/payouts/{proposed.pk}/approve/")
    assert response.status_code == 200 and response.json()["state"] == "approved"
    paid = api(finance).post(f"/api/v1/payouts/{proposed.pk}/pay/", {"voucher": "CZ-2017-001"}, format="json")
    assert paid.status_code == 201 and paid.json()["payment"]["amount"] == "300000.00"
    again = api(finance).post(f"/api/v1/payouts/{proposed.pk}/pay/", {"voucher": "CZ-2017-002"}, format="json")
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["payment"]["voucher"] == "CZ-2017-001"
    assert LedgerEntry.objects.filter(payout=proposed).count() == 1
    agreement = Agreement.objects.get(pk=proposed.agreement_id)
    assert agreement.paid_total == Decimal("300000.00")
    assert agreement.tranches.get(sequence=1).state == TrancheState.PAID


def test_a_unit_officer_cannot_approve_above_the_limit(park_officer, office, proposed):
    Payout.objects.filter(pk=proposed.pk).update(approver_level="district")
    with pytest.raises(ActionNotAllowed, match="超出本单位审批权限"):
        services.payout_approve(actor=park_officer, payout_id=proposed.pk)
    assert Payout.objects.get(pk=proposed.pk).state == PayoutState.PROPOSED
    services.payout_approve(actor=office, payout_id=proposed.pk)
    assert Payout.objects.get(pk=proposed.pk).state == PayoutState.APPROVED


def test_the_preparer_cannot_approve_their_own_payout(api, park_officer, proposed):
    Payout.objects.filter(pk=proposed.pk).update(prepared_by=park_officer)
    response = api(park_officer).post(f"/api/v1/payouts/{proposed.pk}/approve/")
    assert response.status_code == 403 and "其他人员审批" in response.json()["detail"]


def test_another_units_officer_gets_404(api, street_officer, other_street_officer, proposed):
    assert api(street_officer).post(f"/api/v1/payouts/{proposed.pk}/approve/").status_code == 404
    assert api(street_officer).get(f"/api/v1/payouts/{proposed.pk}/").status_code == 404


def test_a_held_payout_cannot_be_approved_or_paid(park_officer, finance, office, proposed):
    from funding.models import ExitFlag

    services.payout_approve(actor=park_officer, payout_id=proposed.pk)
    ExitFlag.objects.create(
        agreement_id=proposed.agreement_id, org_unit_id=proposed.org_unit_id, rule="moved_out", evidence="x"
    )
    with pytest.raises(DomainError, match="退出预警暂停"):
        services.payout_pay(actor=finance, payout_id=proposed.pk, voucher="V1")
    assert not LedgerEntry.objects.exists()


def test_payment_needs_a_voucher_and_an_approval(api, finance, proposed):
    no_voucher = api(finance).post(f"/api/v1/payouts/{proposed.pk}/pay/", {"voucher": " "}, format="json")
    assert no_voucher.status_code == 400
    unapproved = api(finance).post(f"/api/v1/payouts/{proposed.pk}/pay/", {"voucher": "V1"}, format="json")
    assert unapproved.status_code == 400 and "只有已审批的拨付" in unapproved.json()["detail"]
    assert not LedgerEntry.objects.exists()


def test_only_finance_pays_and_leader_cannot_write(api, office, leader, park_officer, proposed):
    services.payout_approve(actor=park_officer, payout_id=proposed.pk)
    assert api(office).post(f"/api/v1/payouts/{proposed.pk}/pay/", {"voucher": "V"}, format="json").status_code == 403
    assert api(leader).post(f"/api/v1/payouts/{proposed.pk}/pay/", {"voucher": "V"}, format="json").status_code == 403


def test_an_already_paid_payout_cannot_be_approved_again(park_officer, finance, proposed):
    services.payout_approve(actor=park_officer, payout_id=proposed.pk)
    services.payout_pay(actor=finance, payout_id=proposed.pk, voucher="V1")
    with pytest.raises(DomainError, match="已审批"):
        services.payout_approve(actor=park_officer, payout_id=proposed.pk)


def test_paid_cannot_exceed_total_in_the_database(office, units):
    a = agreement(office)
    with pytest.raises(IntegrityError), transaction.atomic():
        Agreement.objects.filter(pk=a.pk).update(paid_total=a.total + 1)


def test_one_payment_per_payout_in_the_database(park_officer, finance, proposed):
    services.payout_approve(actor=park_officer, payout_id=proposed.pk)
    entry, _created = services.payout_pay(actor=finance, payout_id=proposed.pk, voucher="V1")
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(
            agreement_id=entry.agreement_id,
            payout_id=entry.payout_id,
            org_unit_id=entry.org_unit_id,
            kind=LedgerKind.PAYMENT,
            amount=Decimal("1.00"),
            voucher="dup",
            entry_date=entry.entry_date,
            hash="x" * 64,
        )


def test_a_reversal_is_a_new_negative_entry_and_lowers_paid(office, park_officer, finance, proposed):
    services.payout_approve(actor=park_officer, payout_id=proposed.pk)
    services.payout_pay(actor=finance, payout_id=proposed.pk, voucher="V1")
    reverse_payment(finance=finance, office=office, payout=proposed, voucher="R1", reason="wrong account")
    amounts = list(LedgerEntry.objects.order_by("id").values_list("kind", "amount"))
    assert amounts == [("payment", Decimal("300000.00")), ("reversal", Decimal("-300000.00"))]
    assert Agreement.objects.get(pk=proposed.agreement_id).paid_total == 0


def test_verify_audit_names_an_edited_ledger_entry(park_officer, finance, proposed, capsys):
    services.payout_approve(actor=park_officer, payout_id=proposed.pk)
    entry, _ = services.payout_pay(actor=finance, payout_id=proposed.pk, voucher="V1")
    call_command("verify_audit")
    LedgerEntry.objects.filter(pk=entry.pk).update(voucher="V2")
    with pytest.raises(Exception, match="problem"):
        call_command("verify_audit")
    assert f"ledger entry {entry.pk} was edited" in capsys.readouterr().err


def test_payment_of_the_last_tranche_completes_the_agreement(office, park_officer, finance, units, recompute):
    from funding.models import AgreementState, PlanTemplate

    PlanTemplate.objects.create(
        code="single", name="一次性", name_en="Single", steps=[{"share": "100", "months": 0, "milestones": []}]
    )
    limit(unit("gaoxin_park"), "5000000.00")
    a = agreement(office, template="single")
    recompute("payouts", as_of="2017-06-30")
    payout = Payout.objects.get(agreement=a)
    services.payout_approve(actor=park_officer, payout_id=payout.pk)
    services.payout_pay(actor=finance, payout_id=payout.pk, voucher="V9")
    a.refresh_from_db()
    assert a.state == AgreementState.COMPLETED and a.paid_total == a.total
