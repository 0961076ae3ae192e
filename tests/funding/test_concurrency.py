"""On PostgreSQL: concurrent payments of one payout pay once; concurrent recomputes give the
result of one. (SQLite serialises everything and cannot show either.)"""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from funding import engine, services
from funding.models import Agreement, LedgerEntry, Payout, PayoutState
from qinhuai_talent.core.jobs import JobContext
from qinhuai_talent.core.models import Job

from .factories import agreement, limit, unit

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _in_threads(n: int, work) -> list:
    barrier = threading.Barrier(n)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(work())
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


def _recompute(kind: str, **params) -> dict:
    job = Job.objects.create(kind=f"recompute_{kind}", params=params)
    return getattr(engine, f"recompute_{kind}")(JobContext(job_id=job.pk, params=params))


def test_sixteen_concurrent_payments_of_one_payout_pay_once(transactional_db, office, park_officer, finance):
    limit(unit("gaoxin_park"), "500000.00")
    a = agreement(office)
    _recompute("payouts", as_of="2017-06-30")
    payout = Payout.objects.get(agreement=a)
    services.payout_approve(actor=park_officer, payout_id=payout.pk)

    results, errors = _in_threads(
        16, lambda: services.payout_pay(actor=finance, payout_id=payout.pk, voucher="CZ-2017-016")
    )
    assert errors == []
    assert sum(1 for _entry, created in results if created) == 1
    assert len({entry.pk for entry, _created in results}) == 1
    assert LedgerEntry.objects.filter(payout=payout).count() == 1
    assert Agreement.objects.get(pk=a.pk).paid_total == Decimal("300000.00")
    assert Payout.objects.get(pk=payout.pk).state == PayoutState.PAID
    assert services.verify_ledger() == []


def test_two_recomputes_at_once_give_the_result_of_one(transactional_db, office):
    limit(unit("gaoxin_park"), "500000.00")
    for i in range(12):
        agreement(office, cumulative_revenue=Decimal("2000000.00") * (i % 2), latest_grade="AB"[i % 2])
    results, errors = _in_threads(2, lambda: _recompute("payouts", as_of="2017-06-30"))
    assert errors == []
    assert sum(r["payouts_created"] for r in results) == Payout.objects.count() == 18
    snapshot = sorted(Payout.objects.values_list("tranche_id", "amount", "state"))
    assert _recompute("payouts", as_of="2017-06-30")["rows_written"] == 0
    assert sorted(Payout.objects.values_list("tranche_id", "amount", "state")) == snapshot


def test_two_exit_flag_runs_at_once_raise_each_flag_once(transactional_db, office):
    from enterprises.models import Enterprise
    from funding.models import ExitFlag

    agreements = [agreement(office) for _ in range(5)]
    Enterprise.objects.filter(pk__in=[a.enterprise_id for a in agreements]).update(status="deregistered")
    results, errors = _in_threads(2, lambda: _recompute("exit_flags", as_of="2017-06-30"))
    assert errors == []
    assert ExitFlag.objects.filter(rule="moved_out", state="open").count() == 5
