"""Operations (issue 19): health and readiness, metrics, request ids and logs, the schedule.

Each test is a sentence of README's "Operations" section: /healthz serves without the database;
/readyz answers ok, degraded or down by the checks (a test per state and per check that can fail);
/metrics only to METRICS_ALLOWED_IPS; a request id on every answer, a malformed one replaced; the
nightly work on a crontab in Asia/Shanghai, in order, listed on the jobs page with last and next run.
"""

import json
import logging
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import OperationalError
from django.test import Client
from django.utils import timezone

from qinhuai_talent.core import health
from qinhuai_talent.core.access import is_office
from qinhuai_talent.core.models import Heartbeat, Job, JobState, Role, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued_mode(settings, monkeypatch):
    """The production mode as readiness sees it: a broker configured (and answering)."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setattr("qinhuai_talent.core.jobs.broker_available", lambda: True)
    return settings


def beat(key: str, seconds_ago: float = 0) -> None:
    Heartbeat.objects.update_or_create(key=key, defaults={"seen_at": timezone.now() - timedelta(seconds=seconds_ago)})


def all_alive() -> None:
    beat("worker:celery@a")
    beat("beat")


def ready(client=None):
    response = (client or Client()).get("/readyz")
    assert response["Content-Type"] == "application/json"
    return response, response.json()


# ---------------------------------------------------------------------------------- /healthz


def test_healthz_answers_200_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200 and response.content == b"ok\n"


def test_healthz_answers_while_the_database_is_down(client, monkeypatch):
    monkeypatch.setattr("django.db.backends.base.base.BaseDatabaseWrapper.ensure_connection", _refuse)
    assert client.get("/healthz").status_code == 200


def _refuse(*args, **kwargs):
    raise OperationalError("could not connect to server: Connection refused")


# ----------------------------------------------------------------------------------- /readyz


def test_readyz_is_ok_in_the_embedded_mode_with_every_check_named(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the embedded mode, also where the suite has a broker
    response, body = ready(client)
    assert response.status_code == 200 and body["status"] == "ok"
    assert set(body["checks"]) == set(health.CHECKS)
    assert {"database", "migrations", "cache", "result_cache", "broker", "workers", "scheduler", "audit"} <= set(
        body["checks"]
    )
    assert body["checks"]["database"]["status"] == "ok" and body["checks"]["database"]["required"] is True
    # No broker: tasks run in-process, so there is no worker or scheduler to wait for.
    for name in ("broker", "workers", "scheduler"):
        assert body["checks"][name]["status"] == "skipped"


def test_readyz_is_ok_when_workers_and_beat_are_alive(queued_mode):
    all_alive()
    response, body = ready()
    assert response.status_code == 200 and body["status"] == "ok", body
    assert body["checks"]["workers"]["alive"] == 1


def test_readyz_is_degraded_without_a_fresh_worker_heartbeat(queued_mode):
    beat("beat")
    beat("worker:celery@a", seconds_ago=settings.WORKER_HEARTBEAT_MAX_AGE + 5)
    response, body = ready()
    assert response.status_code == 200 and body["status"] == "degraded"
    assert body["checks"]["workers"]["status"] == "failing" and body["checks"]["workers"]["alive"] == 0
    Heartbeat.objects.all().delete()
    beat("beat")
    assert ready()[1]["checks"]["workers"]["status"] == "failing"  # never seen at all


def test_readyz_is_degraded_when_beat_is_silent_or_an_entry_is_overdue(queued_mode):
    beat("worker:celery@a")
    beat("beat", seconds_ago=settings.BEAT_HEARTBEAT_MAX_AGE + 5)
    assert ready()[1]["checks"]["scheduler"]["status"] == "failing"
    beat("beat")
    assert ready()[1]["status"] == "ok"
    beat("schedule:nightly-verify-audit", seconds_ago=3 * 86400)  # a nightly entry not sent for three days
    response, body = ready()
    assert response.status_code == 200 and body["status"] == "degraded"
    assert body["checks"]["scheduler"]["overdue"] == ["nightly-verify-audit"]
    assert body["checks"]["scheduler"]["entries"]["nightly-verify-audit"] is not None


def test_readyz_is_degraded_when_the_broker_does_not_answer(queued_mode, monkeypatch):
    all_alive()
    monkeypatch.setattr("qinhuai_talent.core.jobs.broker_available", lambda: False)
    response, body = ready()
    assert response.status_code == 200 and body["status"] == "degraded"
    assert body["checks"]["broker"]["status"] == "failing"


def test_readyz_is_degraded_when_the_last_audit_verification_found_a_problem(office):
    Job.objects.create(
        kind="verify_audit", state=JobState.SUCCEEDED, counts={"problems": 0}, finished_at=timezone.now()
    )
    assert ready()[1]["checks"]["audit"]["status"] == "ok"
    bad = Job.objects.create(
        kind="verify_audit", state=JobState.SUCCEEDED, counts={"problems": 2}, finished_at=timezone.now()
    )
    response, body = ready()
    assert response.status_code == 200 and body["status"] == "degraded"
    assert body["checks"]["audit"] | {"required": False} == {
        "status": "failing",
        "last_verified": bad.finished_at.isoformat(),
        "job": bad.pk,
        "problems": 2,
        "required": False,
    }


def test_readyz_is_degraded_when_the_outbox_does_not_drain(office):
    from qinhuai_talent.notifications.models import Notification

    late = timezone.now() - timedelta(seconds=settings.OUTBOX_MAX_AGE + 60)
    Notification.objects.create(recipient=office, channel="inbox", event="job_failed", key="k1", created_at=late)
    assert ready()[1]["checks"]["outbox"]["status"] == "ok"  # the inbox is never waiting
    mail = Notification.objects.create(recipient=office, channel="email", event="job_failed", key="k2", created_at=late)
    response, body = ready()
    assert response.status_code == 200 and body["status"] == "degraded"
    assert body["checks"]["outbox"]["status"] == "failing" and body["checks"]["outbox"]["backlog"] == 1
    Notification.objects.filter(pk=mail.pk).update(delivered_at=timezone.now())
    assert ready()[1]["checks"]["outbox"] | {"oldest_seconds": None} == {
        "status": "ok",
        "backlog": 0,
        "oldest_seconds": None,
        "max_age_seconds": settings.OUTBOX_MAX_AGE,
        "gave_up": 0,
        "required": False,
    }


def test_an_audit_verification_that_finds_a_problem_tells_the_office_and_readyz(office, monkeypatch):
    from qinhuai_talent.core import audit
    from qinhuai_talent.core.jobs import job_run
    from qinhuai_talent.notifications.models import Notification

    monkeypatch.setattr(audit, "AUDIT_CHECKS", [lambda progress=None: ["ledger entry 7: hash does not match"]])
    job = Job.objects.create(kind="verify_audit", requested_by=office)
    job_run(job.pk)
    told = Notification.objects.filter(event="audit_failed", recipient=office)
    assert told.filter(channel="inbox").count() == 1
    assert told.first().params["problems"] == 1 and "ledger entry 7" in told.first().params["first"]
    assert ready()[1]["checks"]["audit"]["status"] == "failing"
    job_run(job.pk)  # run again (a redelivered task): nothing is told twice
    assert told.filter(channel="inbox").count() == 1


def test_readyz_is_down_with_503_when_migrations_are_not_applied(monkeypatch):
    from django.db.migrations.executor import MigrationExecutor

    monkeypatch.setattr(health, "_migrations_applied", False)
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [("core", "9999_next")])
    response, body = ready()
    assert response.status_code == 503 and body["status"] == "down"
    assert body["checks"]["migrations"] == {"status": "failing", "unapplied": 1, "required": True}


def test_readyz_is_down_with_503_in_json_quickly_when_the_database_is_down(monkeypatch):
    from django.db import connection

    monkeypatch.setattr(connection, "ensure_connection", _refuse)
    started = time.monotonic()
    response, body = ready()
    assert time.monotonic() - started < 2
    assert response.status_code == 503 and body["status"] == "down"
    assert body["checks"]["database"]["status"] == "failing"
    # The checks that read the database do not each wait for it again.
    for name, check in health.CHECKS.items():
        if check.needs_database:
            assert body["checks"][name]["status"] == "skipped", name


def test_a_check_that_raises_is_failing_never_a_server_error(monkeypatch):
    def broken():
        raise RuntimeError("boom")

    monkeypatch.setitem(health.CHECKS, "broken", health.Check("broken", broken, required=False, needs_database=False))
    response, body = ready()
    assert response.status_code == 200 and body["checks"]["broken"]["status"] == "failing"


def test_readyz_names_no_secret_nor_host(queued_mode):
    all_alive()
    content = Client().get("/readyz").content.decode()
    for secret in (settings.SECRET_KEY, settings.DATABASES["default"]["NAME"], "celery@a", "redis://", "postgres://"):
        assert str(secret) not in content


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_need_no_login_and_no_https_redirect_but_other_pages_do(path, settings):
    from qinhuai_talent.settings import production

    for name in dir(production):
        if name.isupper():
            setattr(settings, name, getattr(production, name))
    client = Client()
    assert client.get(path).status_code == 200
    assert client.get("/metrics").status_code in (301, 302)  # over plain HTTP, /metrics is redirected too
    assert client.get("/jobs/").status_code == 301
    assert client.get("/jobs/", secure=True).status_code == 302  # to the log-in


# ---------------------------------------------------------------------------------- /metrics


def test_metrics_from_an_allowed_address_lists_every_figure(office, client, password):
    Client().post("/accounts/login/", {"username": "office", "password": "wrong"})
    client.force_login(office)
    client.get("/jobs/")
    Job.objects.create(
        kind="verify_audit",
        state=JobState.SUCCEEDED,
        started_at=timezone.now() - timedelta(seconds=3),
        finished_at=timezone.now(),
    )
    response = Client().get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    for figure in (
        'portal_request_duration_seconds_bucket{le="0.01",method="GET",view="job-list"}',
        'portal_requests_total{method="GET",status="200",view="job-list"}',
        "portal_login_failures_total",
        'portal_jobs{kind="verify_audit",state="succeeded"} 1.0',
        'portal_job_duration_seconds_count{kind="verify_audit",outcome="succeeded"} 1.0',
        "portal_ledger_entries 0.0",
        "portal_outbox_backlog 0.0",
    ):
        assert figure in text, figure
    failures = [line for line in text.splitlines() if line.startswith("portal_login_failures_total ")]
    assert failures and float(failures[0].split()[1]) >= 1


@pytest.mark.parametrize(
    ("proxies", "meta"),
    [
        (0, {"REMOTE_ADDR": "10.20.30.40"}),
        (1, {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}),  # through the proxy from outside
        (1, {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "127.0.0.1, 203.0.113.9"}),  # a forged first hop
        (0, {"REMOTE_ADDR": "10.20.30.40", "HTTP_X_FORWARDED_FOR": "127.0.0.1"}),  # no proxy: a forged header
        (0, {"REMOTE_ADDR": "not-an-address"}),
    ],
)
def test_metrics_is_a_404_outside_the_allowed_addresses(settings, proxies, meta):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert Client().get("/metrics", **meta).status_code == 404


def test_metrics_allows_networks_and_the_proxys_client(settings):
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    settings.TRUSTED_PROXY_COUNT = 1
    assert Client().get("/metrics", REMOTE_ADDR="10.20.30.40").status_code == 200
    assert Client().get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.1.1.1").status_code == 200
    assert Client().get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404


# ----------------------------------------------------------------------------- request ids, logs


def test_every_answer_carries_a_request_id_and_a_well_formed_one_is_kept(client):
    ids = {client.get(path)["X-Request-ID"] for path in ("/healthz", "/accounts/login/", "/api/v1/me/", "/nowhere/")}
    assert len(ids) == 4 and all(len(i) == 32 for i in ids)
    assert client.get("/healthz", HTTP_X_REQUEST_ID="proxy-1234.abcd_EF")["X-Request-ID"] == "proxy-1234.abcd_EF"


@pytest.mark.parametrize(
    "bad",
    ["", "short", "x" * 65, "abc def ghi", "abc\r\nSet-Cookie: x=1", "请求编号请求编号请求编号", "<script>x</script>"],
)
def test_a_malformed_request_id_is_replaced_not_echoed(client, bad):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=bad)
    assert response["X-Request-ID"] != bad and len(response["X-Request-ID"]) == 32


def test_one_log_line_per_request_with_the_user_id_not_the_name(office, client, caplog):
    client.force_login(office)
    with caplog.at_level(logging.INFO, logger="qinhuai_talent.request"):
        response = client.get("/jobs/", HTTP_X_REQUEST_ID="req-00000001")
    lines = [r for r in caplog.records if r.name == "qinhuai_talent.request"]
    assert len(lines) == 1
    line = lines[0]
    assert (line.request_id, line.user_id, line.view, line.method, line.status) == (
        "req-00000001",
        office.pk,
        "job-list",
        "GET",
        response.status_code,
    )
    assert line.duration_ms >= 0 and office.username not in line.getMessage()


def test_the_json_formatter_writes_one_object_per_line_with_the_request_id():
    from qinhuai_talent.core.masking import PersonalDataFilter
    from qinhuai_talent.core.observability import JsonFormatter, RequestIdFilter, request_id_var

    record = logging.LogRecord("qinhuai_talent.request", logging.INFO, __file__, 1, "GET %s", ("job-list",), None)
    record.status = 200
    token = request_id_var.set("req-abcdefgh")
    try:
        RequestIdFilter().filter(record)
        PersonalDataFilter().filter(record)
    finally:
        request_id_var.reset(token)
    line = JsonFormatter().format(record)
    assert "\n" not in line
    body = json.loads(line)
    assert body["message"] == "GET job-list" and body["request_id"] == "req-abcdefgh"
    assert body["level"] == "INFO" and body["logger"] == "qinhuai_talent.request" and body["status"] == 200
    assert "time" in body


def test_one_log_line_per_job_run(office, caplog):
    from qinhuai_talent.core.jobs import job_run

    job = Job.objects.create(kind="verify_audit", requested_by=office)
    with caplog.at_level(logging.INFO, logger="qinhuai_talent.jobs"):
        job_run(job.pk)
    (line,) = [r for r in caplog.records if r.name == "qinhuai_talent.jobs"]
    assert (line.job_id, line.kind, line.outcome, line.attempt) == (job.pk, "verify_audit", "succeeded", 1)


def test_the_request_id_travels_in_the_message_of_a_task_the_request_starts():
    from qinhuai_talent.celery import app
    from qinhuai_talent.core.observability import _task_finished, _task_started, request_id_var

    token = request_id_var.set("req-travels-1")
    try:
        with app.connection_for_write() as conn:
            app.send_task("qinhuai_talent.core.tasks.sweep_jobs", connection=conn, queue="ops-test")
            message = conn.SimpleQueue("ops-test").get(timeout=2)
    finally:
        request_id_var.reset(token)
    assert message.headers["request_id"] == "req-travels-1"

    class Task:
        class request:  # noqa: N801  (what Celery hands the signal)
            request_id = "req-travels-1"

    _task_started(task_id="t1", task=Task)
    assert request_id_var.get() == "req-travels-1"
    _task_finished(task_id="t1")
    assert request_id_var.get() == "-"


# ----------------------------------------------------------------------------------- schedule


def test_the_nightly_work_runs_on_a_crontab_at_fixed_hours_in_shanghai_time():
    from celery.schedules import crontab

    from qinhuai_talent.celery import app

    assert settings.CELERY_TIMEZONE == "Asia/Shanghai" and str(app.timezone) == "Asia/Shanghai"
    nightly = {name: e for name, e in settings.CELERY_BEAT_SCHEDULE.items() if name.startswith("nightly-")}
    assert set(nightly) >= {"nightly-recompute", "nightly-recompute-assessments", "nightly-verify-audit"}
    for name, entry in nightly.items():
        schedule = entry["schedule"]
        assert isinstance(schedule, crontab), name
        assert len(schedule.hour) == 1 and len(schedule.minute) == 1, name
    assert settings.CELERY_BEAT_SCHEDULE["nightly-recompute"]["kwargs"]["kinds"] == [
        "recompute_enterprise_figures",
        "recompute_payouts",
        "recompute_exit_flags",
    ]
    assert settings.CELERY_BEAT_SCHEDULE["nightly-verify-audit"]["kwargs"]["kind"] == "verify_audit"
    # Nothing runs "every 24 hours from whenever beat started": whatever is not a crontab is a
    # sweep of a few minutes at most.
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        if not isinstance(entry["schedule"], crontab):
            seconds = (
                entry["schedule"].total_seconds() if isinstance(entry["schedule"], timedelta) else entry["schedule"]
            )
            assert seconds <= 600, name


def test_the_nightly_recompute_runs_its_jobs_in_order_each_after_the_last_finished(office):
    from qinhuai_talent.core.tasks import run_scheduled_sequence

    kinds = settings.CELERY_BEAT_SCHEDULE["nightly-recompute"]["kwargs"]["kinds"]
    ids = run_scheduled_sequence(kinds)
    jobs = [Job.objects.get(pk=pk) for pk in ids]
    assert [j.kind for j in jobs] == kinds
    assert all(j.state == JobState.SUCCEEDED for j in jobs), [(j.kind, j.message) for j in jobs]
    for before, after in zip(jobs, jobs[1:], strict=False):
        assert before.finished_at <= after.started_at


def test_the_jobs_page_lists_every_entry_with_its_last_and_next_run(office, client):
    from zoneinfo import ZoneInfo

    last = timezone.now().astimezone(ZoneInfo("Asia/Shanghai")).replace(hour=1, minute=0, second=5, microsecond=0)
    if last > timezone.now():
        last -= timedelta(days=1)
    Heartbeat.objects.create(key="schedule:nightly-recompute", seen_at=last)
    client.force_login(office)
    html = client.get("/jobs/").content.decode()
    for name in settings.CELERY_BEAT_SCHEDULE:
        assert f'data-schedule="{name}"' in html, name
    row = html.split('data-schedule="nightly-recompute"')[1].split("</tr>")[0]
    assert "每天 01:00" in row
    assert last.strftime("%Y-%m-%d 01:00") in row
    assert (last + timedelta(days=1)).strftime("%Y-%m-%d 01:00") in row


def test_only_the_office_sees_the_schedule(units, client):
    """The scheduler's plan is operations information: every other role's jobs page lists only
    their own jobs."""
    for user in User.objects.filter(is_active=True).exclude(role=Role.SYSTEM):
        client.force_login(user)
        html = client.get("/jobs/").content.decode()
        assert ('id="schedule"' in html) == is_office(user), user.username


def test_beat_records_its_heartbeat_and_each_entry_it_sends(tmp_path):
    from qinhuai_talent.celery import app
    from qinhuai_talent.core.schedule import PortalScheduler

    scheduler = PortalScheduler(app=app, schedule_filename=str(tmp_path / "beat"), lazy=False)
    try:
        scheduler.tick()
        assert Heartbeat.objects.filter(key="beat").exists()
        scheduler.apply_async(scheduler.schedule["sweep-stuck-jobs"])
        assert Heartbeat.objects.filter(key="schedule:sweep-stuck-jobs").exists()
    finally:
        scheduler.close()


def test_a_worker_writes_its_heartbeat_while_it_runs_and_removes_it_when_it_stops():
    from qinhuai_talent.core.schedule import WorkerHeartbeat

    calls = []

    class Timer:
        def call_repeatedly(self, seconds, fun, args):
            calls.append(seconds)
            return type("T", (), {"cancel": lambda self: calls.append("cancelled")})()

    worker = type("W", (), {"hostname": "celery@test", "timer": Timer()})()
    step = WorkerHeartbeat(worker)
    step.start(worker)
    assert Heartbeat.objects.filter(key="worker:celery@test").exists()
    assert calls == [settings.WORKER_HEARTBEAT_SECONDS]
    step.stop(worker)
    assert calls[-1] == "cancelled" and not Heartbeat.objects.filter(key="worker:celery@test").exists()
