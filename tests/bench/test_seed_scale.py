"""The scale generator and the three recompute implementations of the benchmark.

Speed is measured by ``make bench``, never here: these tests prove that the data set is
proportional and complete, and that the engine, the naive loop and the floor decide alike.
"""

from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from bench import digest, naive
from bench.seed import BASE, counts_for
from enterprises.models import Enterprise, OperatingReport
from funding.models import Agreement, LedgerEntry, Milestone, Tranche
from qinhuai_talent.core.jobs import job_run
from qinhuai_talent.core.models import Job, JobState
from talents.models import Application, ReviewAssignment, Talent

AS_OF = date(2026, 11, 28)
TINY = 0.002


def seed(scale: float = TINY) -> None:
    call_command("seed_scale", scale=scale, as_of=AS_OF.isoformat(), verbosity=0)


def run_engine(kind: str) -> dict:
    job = job_run(Job.objects.create(kind=kind, params={"as_of": AS_OF.isoformat()}).pk)
    assert job.state == JobState.SUCCEEDED, job.message
    return job.counts


class Rollback(Exception):
    pass


def rolled_back(func):
    """Run ``func`` (returning a digest) and undo its writes, as the bench does."""
    out = {}
    try:
        with transaction.atomic():
            out["digest"] = func()
            raise Rollback
    except Rollback:
        pass
    return out["digest"]


@pytest.mark.django_db
def test_tiny_scale_is_proportional_to_city_scale():
    seed()
    n = counts_for(TINY)
    assert Talent.objects.count() == n["talents"] == round(BASE["talents"] * TINY)
    assert Application.objects.count() == n["applications"]
    assert ReviewAssignment.objects.count() == 4 * n["applications"]
    assert Enterprise.objects.count() == n["enterprises"]
    # About 40 quarters per enterprise (2,000,000 / 50,000), with gaps and early stops.
    per_enterprise = OperatingReport.objects.count() / n["enterprises"]
    assert 32 <= per_enterprise <= 48
    assert Agreement.objects.count() == n["agreements"]
    assert Tranche.objects.count() == 4 * n["agreements"]
    assert Milestone.objects.count() == 10 * n["agreements"]
    assert LedgerEntry.objects.count() == n["ledger"]


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="the refusal is SQLite's; PostgreSQL would seed the city")
def test_seed_scale_refuses_a_big_scale_on_sqlite():
    with pytest.raises(CommandError, match="needs PostgreSQL"):
        call_command("seed_scale", scale=1, verbosity=0)


@pytest.mark.django_db
def test_seed_scale_refuses_a_second_seed():
    seed()
    with pytest.raises(CommandError, match="already holds"):
        seed()


@pytest.mark.django_db
def test_naive_loop_and_engine_decide_the_same_payouts_and_exit_flags():
    seed()
    active = list(Agreement.objects.filter(state="active").order_by("pk").values_list("pk", flat=True))
    naive_payouts = rolled_back(
        lambda: naive.naive_payouts(agreement_ids=active, as_of=AS_OF) and digest.payouts_digest(active)
    )
    first = run_engine("recompute_payouts")
    assert first["rows_written"] > 0
    assert digest.payouts_digest(active) == naive_payouts
    assert run_engine("recompute_payouts")["rows_written"] == 0

    scoped = list(Agreement.objects.filter(state__in=("active", "suspended")).values_list("pk", flat=True))
    naive_flags = rolled_back(
        lambda: naive.naive_exit_flags(agreement_ids=scoped, as_of=AS_OF) and digest.exit_digest(scoped)
    )
    run_engine("recompute_exit_flags")
    assert digest.exit_digest(scoped) == naive_flags


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_floor_statements_decide_what_the_engine_decides():
    from bench import floor

    seed()
    floor_payouts = rolled_back(lambda: floor.floor_payouts(as_of=AS_OF) and digest.payouts_digest())
    run_engine("recompute_payouts")
    assert digest.payouts_digest() == floor_payouts
    floor_flags = rolled_back(lambda: floor.floor_exit_flags(as_of=AS_OF) and digest.exit_digest())
    run_engine("recompute_exit_flags")
    assert digest.exit_digest() == floor_flags
