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


def test_deleting_the_newest_ledger_entry_is_detected(three_payments):
    """The newest entry has no successor to miss it: the chain alone cannot tell. The ledger must
    still disagree with the balances it backs (the agreement's paid total) and say so."""
    last = three_payments[-1]
    LedgerEntry.objects.filter(pk=last.pk).delete()
    complaint = _verify()
    assert complaint != "", "verify_audit passes after the newest ledger entry was deleted"


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
