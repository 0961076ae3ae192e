"""A Celery worker killed with SIGKILL in the middle of a recompute: the job is taken up again by
the sweep once its heartbeat is stale, and ends in the same state as an uninterrupted run
(a digest of the payouts, tranches, milestones and flags)."""

import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings as django_settings

from funding import engine
from qinhuai_talent.core.jobs import JobContext, job_create, jobs_sweep
from qinhuai_talent.core.models import Job, JobState
from tests.funding.factories import agreement, limit, unit

from .digest import funding_digest, reset_recompute_outputs

pytestmark = [pytest.mark.worker, pytest.mark.redis, pytest.mark.postgres]
STALE = 3


@pytest.fixture
def short_stale(monkeypatch, settings):
    """The worker and the sweep treat a job silent for STALE seconds as abandoned."""
    monkeypatch.setenv("JOB_STALE_SECONDS", str(STALE))
    settings.JOB_STALE_SECONDS = STALE


def _start_worker() -> subprocess.Popen:
    db = django_settings.DATABASES["default"]
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "DJANGO_SETTINGS_MODULE": "qinhuai_talent.settings.test",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "qinhuai_talent", "worker", "-P", "solo", "-c", "1",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "WARNING"],
        env=env,
        cwd=django_settings.BASE_DIR,
    )  # fmt: skip


def _wait(predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


def test_a_recompute_killed_mid_run_is_retried_and_converges(short_stale, celery_worker_process, office):
    limit(unit("gaoxin_park"), "500000.00")
    for _ in range(150):
        agreement(office, grant="100000.00")
    # The uninterrupted run, in-process: the reference.
    job = Job.objects.create(kind="recompute_payouts", params={"as_of": "2017-06-30"})
    engine.recompute_payouts(JobContext(job_id=job.pk, params=job.params))
    reference = funding_digest()
    reset_recompute_outputs()
    assert funding_digest() != reference

    job = job_create(kind="recompute_payouts", requested_by=office, params={"as_of": "2017-06-30"})
    _wait(lambda: Job.objects.filter(pk=job.pk, state=JobState.RUNNING).exists(), 60, "the worker to claim the job")
    celery_worker_process.send_signal(signal.SIGKILL)
    celery_worker_process.wait(timeout=10)
    job.refresh_from_db()
    assert job.state == JobState.RUNNING, "the job finished before the kill; add agreements"

    replacement = _start_worker()
    try:
        time.sleep(STALE + 1)
        assert jobs_sweep() >= 1
        finished = _wait(
            lambda: Job.objects.filter(pk=job.pk, state__in=(JobState.SUCCEEDED, JobState.FAILED)).first(),
            120,
            "the retried job",
        )
        assert finished.state == JobState.SUCCEEDED, finished.message
        assert finished.attempts == 2
    finally:
        replacement.terminate()
        replacement.wait(timeout=20)
    assert funding_digest() == reference  # divergence after a kill: none
