"""Background jobs: start, claim, progress, failure, idempotent claim, the recompute command."""

import pytest
from django.core.management import call_command

from qinhuai_talent.core.jobs import JOB_KINDS, JobKind, job_claim, job_run
from qinhuai_talent.core.models import Job, JobState, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def counting_kind(monkeypatch):
    calls = []

    def work(ctx):
        for i in range(4):
            ctx.progress(i + 1, 4)
        calls.append(ctx.job_id)
        return {"changed": 4}

    monkeypatch.setitem(JOB_KINDS, "count_to_four", JobKind("count_to_four", "Count to four", work, (Role.OFFICE,)))
    return calls


def test_office_starts_a_job_and_gets_202_then_it_succeeds(api, office, counting_kind, eager_jobs):
    with eager_jobs():
        response = api(office).post("/api/v1/jobs/", {"kind": "count_to_four"}, format="json")
    assert response.status_code == 202
    job = api(office).get(f"/api/v1/jobs/{response.json()['id']}/").json()
    assert job["state"] == "succeeded" and job["progress"] == 1.0 and job["counts"] == {"changed": 4}


def test_a_role_not_allowed_cannot_start_the_job(api, street_officer, counting_kind):
    response = api(street_officer).post("/api/v1/jobs/", {"kind": "count_to_four"}, format="json")
    assert response.status_code == 403
    assert Job.objects.count() == 0


def test_leader_is_read_only(api, leader, counting_kind):
    assert api(leader).post("/api/v1/jobs/", {"kind": "count_to_four"}, format="json").status_code == 403


def test_a_job_claimed_once_is_not_run_again(office, counting_kind):
    job = Job.objects.create(kind="count_to_four", requested_by=office)
    assert job_run(job.pk).state == JobState.SUCCEEDED
    assert job_claim(job.pk) is None
    assert job_run(job.pk) is None
    assert counting_kind == [job.pk]


def test_a_failing_job_is_marked_failed_with_its_message(office, monkeypatch):
    def boom(ctx):
        raise ValueError("the data are inconsistent")

    monkeypatch.setitem(JOB_KINDS, "boom", JobKind("boom", "Boom", boom))
    job = Job.objects.create(kind="boom", requested_by=office)
    finished = job_run(job.pk)
    assert finished.state == JobState.FAILED
    assert "inconsistent" in finished.message


def test_jobs_page_shows_a_progress_bar(web, office):
    Job.objects.create(kind="verify_audit", requested_by=office, state=JobState.RUNNING, progress=0.4)
    page = web(office).get("/jobs/").content.decode()
    assert 'aria-valuenow="40"' in page and "data-poll=" in page
    # The kind is named as people say it, not by its code.
    assert f"<td>{JOB_KINDS['verify_audit'].label}</td>" in page and "<td>verify_audit</td>" not in page


def test_start_from_the_jobs_page(web, office, eager_jobs):
    with eager_jobs():
        response = web(office).post("/jobs/start/", {"kind": "verify_audit"})
    job = Job.objects.get()
    assert response.status_code == 302 and response.url == f"/jobs/{job.pk}/"
    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED and job.counts["problems"] == 0


def test_verify_audit_names_an_edited_transition(units, office, capsys):
    from qinhuai_talent.core.models import OrgUnit, TransitionLog
    from qinhuai_talent.core.workflow import log_transition

    unit = OrgUnit.objects.first()
    call_command("verify_audit")  # an empty log is intact
    log_transition(unit, action="open", from_state="a", to_state="b", actor=office)
    log_transition(unit, action="close", from_state="b", to_state="c", actor=office)
    call_command("verify_audit")
    TransitionLog.objects.filter(action="open").update(reason="rewritten later")
    with pytest.raises(Exception, match="1 problem"):
        call_command("verify_audit")
    assert "was edited" in capsys.readouterr().err


def test_recompute_command_runs_jobs_in_the_foreground(office, monkeypatch, capsys):
    def work(ctx):
        ctx.progress(1, 2)
        ctx.progress(2, 2)
        return {"scored": 2}

    monkeypatch.setitem(JOB_KINDS, "recompute_assessments", JobKind("recompute_assessments", "Assess", work))
    call_command("recompute", "--assessments")
    assert "recompute_assessments: {'scored': 2}" in capsys.readouterr().out
    assert Job.objects.get().state == JobState.SUCCEEDED


@pytest.mark.worker
@pytest.mark.postgres
def test_a_real_worker_runs_a_job_started_through_the_api(celery_worker_process, api, password):
    import time

    from qinhuai_talent.core.demo import seed_units_and_users

    seed_units_and_users()
    client = api()
    token = client.post("/api/v1/auth/token/", {"username": "office", "password": password}).json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    job_id = client.post("/api/v1/jobs/", {"kind": "verify_audit"}, format="json").json()["id"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        state = client.get(f"/api/v1/jobs/{job_id}/").json()["state"]
        if state in ("succeeded", "failed"):
            break
        time.sleep(0.3)
    assert state == "succeeded"
