"""Tamper evidence: `manage.py verify_audit` finds an edited or deleted ledger entry or transition
and names the row, whoever changed the database behind the portal's back."""

import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from funding import engine, services
from funding.models import LedgerEntry, Payout
from qinhuai_talent.core.jobs import JobContext
from qinhuai_talent.core.models import Job, TransitionLog
from qinhuai_talent.core.workflow import log_transition
from tests.funding.factories import agreement, limit, unit

pytestmark = pytest.mark.django_db


def _verify() -> str:
    """verify_audit's complaints ('' when the chains are intact)."""
    err = io.StringIO()
    try:
        call_command("verify_audit", stdout=io.StringIO(), stderr=err)
    except CommandError:
        return err.getvalue()
    return ""


@pytest.fixture
def three_payments(units, office, park_officer, finance):
    """Three agreements with their first tranche approved and paid: three ledger entries."""
    limit(unit("gaoxin_park"), "500000.00")
    agreements = [agreement(office) for _ in range(3)]
    job = Job.objects.create(kind="recompute_payouts", params={"as_of": "2017-06-30"})
    engine.recompute_payouts(JobContext(job_id=job.pk, params=job.params))
    entries = []
    for i, a in enumerate(agreements):
        payout = Payout.objects.get(agreement=a)
        services.payout_approve(actor=park_officer, payout_id=payout.pk)
        entries.append(services.payout_pay(actor=finance, payout_id=payout.pk, voucher=f"CZ-T-{i}")[0])
    assert _verify() == ""
    return entries


def test_an_edited_ledger_amount_is_named(three_payments):
    first = three_payments[0]
    LedgerEntry.objects.filter(pk=first.pk).update(amount=Decimal("3000000.00"))
    assert f"ledger entry {first.pk} was edited" in _verify()


def test_an_edited_ledger_voucher_is_named(three_payments):
    middle = three_payments[1]
    LedgerEntry.objects.filter(pk=middle.pk).update(voucher="CZ-FORGED")
    assert f"ledger entry {middle.pk} was edited" in _verify()


def test_a_deleted_ledger_entry_is_named_by_its_successor(three_payments):
    first, middle, last = three_payments
    LedgerEntry.objects.filter(pk=middle.pk).delete()
    assert f"a ledger entry before {last.pk} is missing" in _verify()


def test_deleting_the_newest_ledger_entry_is_named(three_payments):
    """The newest entry has no successor to miss it: the chain's head, kept apart, names it; the
    balance it backed disagrees too."""
    last = three_payments[-1]
    LedgerEntry.objects.filter(pk=last.pk).delete()
    complaint = _verify()
    assert f"the newest ledger entry (ledger entry {last.pk}) is missing" in complaint
    assert "paid total 300000.00 but the ledger books 0" in complaint


def test_deleting_the_newest_recovery_is_named(three_payments, office, finance):
    """A recovery backs no paid total: only the head shows its deletion."""
    from funding.models import Agreement

    agreement = Agreement.objects.get(pk=three_payments[0].agreement_id)
    case = services.exit_case_open(actor=office, agreement_id=agreement.pk)
    services.exit_case_exit(actor=office, case_id=case.pk, reason="退出", recovery_due=Decimal("100000.00"))
    services.exit_case_record_recovery(actor=finance, case_id=case.pk, amount=Decimal("50000.00"), voucher="SK-1")
    recovery = LedgerEntry.objects.latest("pk")
    assert recovery.kind == "recovery"
    assert _verify() == ""
    LedgerEntry.objects.filter(pk=recovery.pk).delete()
    assert f"(ledger entry {recovery.pk}) is missing" in _verify()


def test_an_entry_appended_outside_the_portal_is_named(three_payments):
    """A forger who chains a new entry correctly still cannot move the head."""
    from funding.services import ledger_hash

    last = three_payments[-1]
    forged = LedgerEntry(
        agreement_id=last.agreement_id, org_unit_id=last.org_unit_id, kind=last.kind, amount=Decimal("1.00"),
        voucher="CZ-FORGED", entry_date=last.entry_date, recorded_at=last.recorded_at, prev_hash=last.hash,
    )  # fmt: skip
    forged.hash = ledger_hash(forged)
    forged.save(force_insert=True)
    assert f"ledger entry {forged.pk} was added outside the portal" in _verify()


@pytest.fixture
def chained(units, office):
    subject = units["fuzimiao"]
    rows = [
        log_transition(subject, action=f"step{i}", from_state=str(i), to_state=str(i + 1), actor=office)
        for i in range(3)
    ]
    assert _verify() == ""
    return rows


def test_an_edited_transition_is_named(chained):
    first = chained[0]
    TransitionLog.objects.filter(pk=first.pk).update(to_state="approved")
    assert f"transition {first.pk} (orgunit {first.object_id}) was edited" in _verify()


def test_a_transition_with_a_changed_actor_is_named(chained, finance):
    middle = chained[1]
    TransitionLog.objects.filter(pk=middle.pk).update(actor=finance)
    assert f"transition {middle.pk}" in _verify()


def test_a_deleted_transition_is_named_by_its_successor(chained):
    first, middle, last = chained
    TransitionLog.objects.filter(pk=middle.pk).delete()
    assert f"a transition before {last.pk} (orgunit {last.object_id}) is missing" in _verify()


def test_deleting_the_first_transition_of_a_record_is_named(chained):
    first, second, _last = chained
    TransitionLog.objects.filter(pk=first.pk).delete()
    assert f"a transition before {second.pk}" in _verify()


def test_deleting_the_newest_transition_of_a_record_is_named(chained):
    *_, last = chained
    TransitionLog.objects.filter(pk=last.pk).delete()
    assert f"the newest transition of orgunit {last.object_id} (transition {last.pk}) is missing" in _verify()


def test_deleting_every_transition_of_a_record_is_named(chained):
    TransitionLog.objects.filter(object_id=chained[0].object_id, content_type=chained[0].content_type).delete()
    assert f"every transition of orgunit {chained[0].object_id} is missing" in _verify()


def test_a_transition_appended_outside_the_portal_is_named(chained):
    last = chained[-1]
    forged = TransitionLog(
        content_type=last.content_type, object_id=last.object_id, action="approve", from_state="3",
        to_state="approved", at=last.at, prev_hash=last.hash,
    )  # fmt: skip
    forged.hash = forged.compute_hash()
    forged.save()
    assert f"transition {forged.pk} of orgunit {last.object_id} was added outside the portal" in _verify()


def test_an_intact_audit_of_real_workflows_passes(three_payments):
    """Payouts approved and paid, agreements activated, applications approved: no complaint."""
    assert TransitionLog.objects.count() >= 9
    assert _verify() == ""
