import pytest

from funding import engine
from qinhuai_talent.core.jobs import JobContext
from qinhuai_talent.core.models import Job


@pytest.fixture
def recompute(db):
    """``recompute("payouts"|"exit_flags", as_of="2018-06-30")`` runs a job kind in-process."""

    def run(kind: str, **params):
        job = Job.objects.create(kind=f"recompute_{kind}", params=params)
        ctx = JobContext(job_id=job.pk, params=params)
        return getattr(engine, f"recompute_{kind}")(ctx)

    return run
