"""Concurrency on PostgreSQL, beyond tests/funding/test_concurrency.py (which pays one approved
payout from 16 threads and runs two recomputes at once): approvals and payments racing on one
payout through the API, a recompute racing with approvals and payments, and an operating-data
import during a recompute. Each thread has its own connection, closed at its end."""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from rest_framework.test import APIClient

from enterprises import imports
from enterprises.models import Enterprise
from funding import engine
from funding.models import Agreement, LedgerEntry, LedgerKind, Payout, PayoutState
from qinhuai_talent.core.audit import AUDIT_CHECKS
from qinhuai_talent.core.jobs import JobContext, job_run
from qinhuai_talent.core.models import Job, TransitionLog
from tests.funding.factories import agreement, limit, unit

from .digest import funding_digest

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(works: list) -> tuple[list, list]:
    """Run each callable in its own thread, all released at once."""
    barrier = threading.Barrier(len(works))
    results, errors = [], []

    def run(work):
        try:
            barrier.wait()
            results.append(work())
        except Exception as exc:  # collected and asserted by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(w,)) for w in works]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread is stuck (deadlock?)"
    return results, errors


def _recompute(kind: str = "payouts", **params) -> dict:
    params.setdefault("as_of", "2017-06-30")
    job = Job.objects.create(kind=f"recompute_{kind}", params=params)
    return getattr(engine, f"recompute_{kind}")(JobContext(job_id=job.pk, params=params))


def _audit() -> list[str]:
    return [problem for check in AUDIT_CHECKS for problem in check()]


def _post(user, url, data=None) -> int:
    client = APIClient()
    client.force_authenticate(user)
    return client.post(url, data or {}, format="json").status_code


def test_sixteen_api_approvals_and_payments_at_once_approve_once_and_pay_once(office, park_officer, finance):
    limit(unit("gaoxin_park"), "500000.00")
    a = agreement(office)
    _recompute()
    payout = Payout.objects.get(agreement=a)
    base = f"/api/v1/payouts/{payout.pk}/"
    works = [lambda u=u: _post(u, base + "approve/") for u in [office, park_officer] * 4]
    works += [lambda: _post(finance, base + "pay/", {"voucher": "CZ-2017-100"}) for _ in range(8)]
    statuses, errors = _race(works)
    assert errors == []
    assert not [s for s in statuses if s >= 500], statuses
    approvals = TransitionLog.objects.filter(object_id=payout.pk, action="approve", content_type__model="payout")
    assert approvals.count() == 1
    # Payments that came before the approval were refused (400); then one more pays it, once.
    assert _post(finance, base + "pay/", {"voucher": "CZ-2017-100"}) in (200, 201)
    assert LedgerEntry.objects.filter(payout=payout, kind=LedgerKind.PAYMENT).count() == 1
    assert Agreement.objects.get(pk=a.pk).paid_total == Decimal("300000.00")
    assert _audit() == []


def test_a_recompute_racing_with_approvals_and_payments_ends_without_a_500_or_a_double_payment(
    office, park_officer, finance
):
    limit(unit("gaoxin_park"), "500000.00")
    agreements = [agreement(office) for _ in range(6)]
    _recompute()
    payouts = list(Payout.objects.filter(agreement__in=agreements).order_by("pk"))
    works = [lambda: _recompute(), lambda: _recompute("exit_flags")]
    for p in payouts:
        works.append(lambda p=p: _post(park_officer, f"/api/v1/payouts/{p.pk}/approve/"))
        works.append(lambda p=p: _post(finance, f"/api/v1/payouts/{p.pk}/pay/", {"voucher": f"CZ-R-{p.pk}"}))
    results, errors = _race(works)
    assert errors == []
    assert not [r for r in results if isinstance(r, int) and r >= 500], results
    for p in payouts:
        assert LedgerEntry.objects.filter(payout=p, kind=LedgerKind.PAYMENT).count() <= 1
        assert Payout.objects.get(pk=p.pk).state in (PayoutState.APPROVED, PayoutState.PAID)
    for a in Agreement.objects.filter(pk__in=[a.pk for a in agreements]):
        assert a.paid_total == sum(e.amount for e in a.ledger.all())
    assert _audit() == []  # the chains and their heads survived the race


def test_an_import_during_a_recompute_converges_on_the_next_run(office, monkeypatch):
    """The revenue milestone of tranche 2 depends on imported figures. Whether the recompute saw
    them or not, the next run settles on the state a recompute of the imported data gives."""
    import enterprises.services

    monkeypatch.setattr(enterprises.services, "job_enqueue", lambda job_id: None)
    limit(unit("gaoxin_park"), "500000.00")
    from tests.enterprises.factories import credit_code

    agreements = [agreement(office, credit_code=credit_code(7000 + n)) for n in range(40)]
    _recompute(as_of="2018-06-30")
    from tests.enterprises.test_import import row, xlsx

    enterprises_ = list(Enterprise.objects.filter(agreements__in=agreements))
    data = xlsx([row(e, year=2017, quarter=q, revenue=600_000) for e in enterprises_ for q in (1, 2)])

    def do_import():
        batch = imports.report_import_check(actor=office, org_unit=None, file_name="q.xlsx", data=data)
        assert batch.state == "previewed", batch.errors[:3]
        batch = imports.report_import_confirm(actor=office, batch=batch)
        job = Job.objects.filter(kind="recompute_enterprise_figures").latest("pk")
        return job_run(job.pk).state

    results, errors = _race([do_import, lambda: _recompute(as_of="2018-06-30")])
    assert errors == []
    assert "succeeded" in results
    _recompute(as_of="2018-06-30")
    settled = funding_digest()
    assert _recompute(as_of="2018-06-30")["payouts_created"] == 0
    assert funding_digest() == settled
    assert Payout.objects.filter(agreement__in=agreements, tranche__sequence=2).count() == len(agreements)
