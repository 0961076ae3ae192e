"""Issue 17 item 10: jobs in words. Every kind of job states what it changed as sentences in the
reader's language (never raw keys), and the jobs menu is shown to the roles that can run jobs."""

import re

import pytest

from qinhuai_talent.core.jobs import JOB_KINDS, can_run_jobs, job_run
from qinhuai_talent.core.models import Job, JobState, Role, User

pytestmark = pytest.mark.django_db


def test_every_job_kind_tells_what_it_changed_in_sentences(demo_district, client):
    """Issue 17 item 10: a job's counts read as sentences in the reader's language, never raw keys:
    every kind, run on the demo district, declares a sentence for every count it returns, and its
    page shows one sentence per count and no key."""
    office = User.objects.get(username="office")
    client.force_login(office)
    for code, spec in JOB_KINDS.items():
        job = Job.objects.create(kind=code, requested_by=office, params={})
        job_run(job.pk)
        job.refresh_from_db()
        assert job.state == JobState.SUCCEEDED, (code, job.message)
        numbers = {k for k, v in job.counts.items() if isinstance(v, int) and not isinstance(v, bool)}
        assert numbers and numbers <= set(spec.words), (code, numbers - set(spec.words))
        html = client.get(f"/jobs/{job.pk}/").content.decode()
        shown = html.split("data-job-counts", 1)[1].split("</ul>", 1)[0]
        assert len(re.findall(r"<li>", shown)) == len(numbers), (code, shown)
        assert not [key for key in job.counts if re.search(rf"\b{key}\b", shown)], (code, shown)


def test_the_jobs_menu_is_shown_to_the_roles_that_can_run_jobs(demo_district, client):
    shown = {}
    for user in User.objects.filter(is_active=True).exclude(role=Role.SYSTEM):
        client.force_login(user)
        html = client.get("/").content.decode()
        shown[user.username] = 'href="/jobs/"' in html
        assert shown[user.username] == can_run_jobs(user), user.username
    assert shown["office"] and not shown["street"] and not shown["expert"], shown
