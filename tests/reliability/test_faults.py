"""Faults on real services (the CI tier): broker down, database connection lost, backup and restore."""

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import F

from qinhuai_talent.core.models import Job
from tests import tiers

from .throwaway import end


@pytest.mark.redis
@pytest.mark.django_db
def test_starting_a_job_with_the_broker_down_is_a_clear_503_and_nothing_is_recorded(api, office, monkeypatch):
    from qinhuai_talent.celery import app

    # A broker address where nothing listens stands for Redis being stopped.
    monkeypatch.setitem(app.conf, "broker_url", "redis://127.0.0.1:1/0")
    monkeypatch.setitem(app.conf, "broker_write_url", "redis://127.0.0.1:1/0")
    response = api(office).post("/api/v1/jobs/", {"kind": "verify_audit"}, format="json")
    assert response.status_code == 503
    assert "稍后" in response.json()["detail"]
    assert Job.objects.count() == 0
    # Pages and reads keep serving without the broker.
    assert api(office).get("/api/v1/jobs/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/jobs/", "/api/v1/jobs/"])
def test_a_lost_database_is_a_503_to_retry_and_any_other_failure_a_500(path, office, client, monkeypatch):
    """What a page and the API answer when the database goes away under a request (the real
    outage is the CI-tier test below); an ordinary bug stays a 500."""
    from django.db import OperationalError

    import qinhuai_talent.core.api.views
    import qinhuai_talent.core.views

    def lost(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    for module in (qinhuai_talent.core.views, qinhuai_talent.core.api.views):
        monkeypatch.setattr(module, "jobs_for", lost)
    client.raise_request_exception = False
    client.force_login(office)
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 503 and response["Retry-After"] == "30"
    text = response.json()["detail"] if path.startswith("/api/") else response.content.decode()
    assert "数据库暂时无法连接" in text

    def bug(*args, **kwargs):
        raise ZeroDivisionError

    for module in (qinhuai_talent.core.views, qinhuai_talent.core.api.views):
        monkeypatch.setattr(module, "jobs_for", bug)
    assert client.get(path).status_code == 500


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_portal_recovers_when_its_database_connections_are_killed(units, office):
    """gunicorn serving the API; every server-side connection is terminated, as a PostgreSQL
    restart would; the next request reconnects by itself (CONN_HEALTH_CHECKS)."""
    from knox.models import AuthToken

    token = AuthToken.objects.create(office)[1]
    db = settings.DATABASES["default"]
    port = 18000 + os.getpid() % 1000
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "DJANGO_SETTINGS_MODULE": "qinhuai_talent.settings.test",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "qinhuai_talent.wsgi", "-w", "1", "-b", f"127.0.0.1:{port}"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def me() -> int:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/me/", headers={"Authorization": f"Token {token}"}
        )
        try:
            return urllib.request.urlopen(request, timeout=5).status
        except urllib.error.HTTPError as exc:
            return exc.code

    try:
        for _ in range(60):
            try:
                status = me()
                break
            except OSError:
                time.sleep(0.5)
        assert status == 200
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            assert cursor.fetchone()[0] >= 1
        assert me() == 200
    finally:
        server.terminate()
        server.wait(timeout=20)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_dump_restores_into_a_fresh_database_with_the_ledger_and_the_audit_chains_intact(
    units, office, park_officer, finance, tmp_path
):
    """The documented procedure (RELIABILITY.md): pg_dump -Fc, createdb, pg_restore --no-owner,
    verify_audit on the restored database; then the ledger, the balances it backs and the
    transitions are compared row for row with the original."""
    from funding import engine, services
    from funding.models import Agreement, LedgerEntry
    from qinhuai_talent.core.jobs import JobContext
    from qinhuai_talent.core.models import ChainHead, TransitionLog
    from tests.funding.factories import agreement, limit, reverse_payment, unit

    limit(unit("gaoxin_park"), "500000.00")
    agreements = [agreement(office) for _ in range(3)]
    job = Job.objects.create(kind="recompute_payouts", params={"as_of": "2017-06-30"})
    engine.recompute_payouts(JobContext(job_id=job.pk, params=job.params))
    for n, a in enumerate(agreements):
        payout = a.payouts.get()
        services.payout_approve(actor=park_officer, payout_id=payout.pk)
        services.payout_pay(actor=finance, payout_id=payout.pk, voucher=f"CZ-BACKUP-{n}")
    reverse_payment(finance=finance, office=office, payout=agreements[0].payouts.get(), voucher="CZ-R-1", reason="重复")
    ledger = list(LedgerEntry.objects.order_by("pk").values_list("pk", "kind", "amount", "voucher", "hash"))
    balances = sorted(Agreement.objects.values_list("number", "paid_total"))
    transitions = TransitionLog.objects.count()
    assert len(ledger) == 4 and transitions >= 9

    db = settings.DATABASES["default"]
    dump = tmp_path / "portal.dump"
    env = {
        **os.environ,
        "PGHOST": db["HOST"] or "127.0.0.1",
        "PGPORT": str(db["PORT"] or 5432),
        "PGUSER": db["USER"] or "postgres",
    }
    subprocess.run(["pg_dump", "-Fc", "-f", str(dump), db["NAME"]], check=True, env=env)
    restored = f"{db['NAME']}_restored"
    subprocess.run(["dropdb", "--if-exists", restored], check=True, env=env)
    subprocess.run(["createdb", restored], check=True, env=env)

    def query(sql: str) -> list[str]:
        out = subprocess.run(["psql", "-d", restored, "-Atc", sql], capture_output=True, text=True, env=env, check=True)
        return out.stdout.strip().splitlines()

    try:
        subprocess.run(["pg_restore", "--no-owner", "-d", restored, str(dump)], check=True, env=env)
        verify = subprocess.run(
            [sys.executable, "manage.py", "verify_audit"],
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            env={
                **env,
                "DATABASE_URL": f"postgres://{env['PGUSER']}@{env['PGHOST']}:{env['PGPORT']}/{restored}",
                "DJANGO_SETTINGS_MODULE": "qinhuai_talent.settings.test",
            },
        )
        assert verify.returncode == 0, verify.stdout + verify.stderr
        assert "Audit chains intact." in verify.stdout
        rows = query("SELECT id, kind, amount, voucher, hash FROM funding_ledgerentry ORDER BY id")
        assert rows == ["|".join(str(v) for v in row) for row in ledger]
        assert sorted(tuple(r.split("|")) for r in query("SELECT number, paid_total FROM funding_agreement")) == [
            (number, str(paid)) for number, paid in balances
        ]
        assert query("SELECT count(*) FROM core_transitionlog") == [str(transitions)]
        assert query("SELECT count(*) FROM core_chainhead")[0] == str(ChainHead.objects.count())
    finally:
        subprocess.run(["dropdb", "--if-exists", restored], env=env)


@pytest.mark.redis
@pytest.mark.worker
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_with_redis_stopped_the_portal_serves_refuses_new_jobs_clearly_and_queued_work_resumes(units, office, tmp_path):
    """A Redis of the test's own (never the shared one), gunicorn and a worker on it.

    1. A job queued while no worker runs; Redis then stops (SIGKILL, no persistence: the message
       is gone). Pages and the API keep serving, the queued job is still on record, starting a
       job answers 503 and records nothing.
    2. Redis returns: the sweep re-enqueues the job whose message was lost, a worker runs it once.
    3. Redis stops and returns under a running worker: the worker reconnects by itself and runs
       the next job."""
    from knox.models import AuthToken

    from .throwaway import Redis, Web, portal_env, start_worker, tests_database_url, wait_for

    token = AuthToken.objects.create(office)[1]
    redis = Redis().start()
    env = portal_env(tests_database_url(), redis.url)
    web = Web(env)
    worker = None

    def job_state(job_id):
        return Job.objects.values_list("state", flat=True).get(pk=job_id)

    try:
        status, queued = web.call("POST", "/api/v1/jobs/", token, {"kind": "verify_audit"})
        assert status == 202 and queued["state"] == "queued"
        redis.stop()

        assert web.call("GET", "/api/v1/me/", token)[0] == 200
        status, shown = web.call("GET", f"/api/v1/jobs/{queued['id']}/", token)
        assert status == 200 and shown["state"] == "queued"
        with urllib.request.urlopen(f"http://127.0.0.1:{web.port}/accounts/login/", timeout=10) as page:
            assert page.status == 200
        before = Job.objects.count()
        status, refused = web.call("POST", "/api/v1/jobs/", token, {"kind": "verify_audit"})
        assert status == 503 and "稍后" in refused["detail"], (status, refused)
        assert Job.objects.count() == before

        redis.start()
        worker = start_worker(env, tmp_path / "worker.log")
        time.sleep(3)
        assert job_state(queued["id"]) == "queued", "the lost message cannot have reached a worker"
        # The sweep takes up queued jobs older than a minute: let that minute pass.
        Job.objects.filter(pk=queued["id"]).update(created_at=F("created_at") - timedelta(minutes=2))
        sweep = subprocess.run(
            [sys.executable, "-c", "import django; django.setup(); "
             "from qinhuai_talent.core.jobs import jobs_sweep; print(jobs_sweep())"],
            cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        assert sweep.stdout.strip() == "1", sweep.stdout + sweep.stderr
        wait_for(lambda: job_state(queued["id"]) == "succeeded", 90, "the re-enqueued job")
        assert Job.objects.get(pk=queued["id"]).attempts == 1

        redis.stop()
        time.sleep(2)
        redis.start()
        status, later = wait_for(
            lambda: (r := web.call("POST", "/api/v1/jobs/", token, {"kind": "verify_audit"}))[0] == 202 and r,
            30,
            "the API to start jobs again",
        )
        wait_for(lambda: job_state(later["id"]) == "succeeded", 120, "the worker to reconnect and run the job")
        assert worker.poll() is None, "the worker had to be restarted"
    finally:
        end(worker)
        web.close()
        redis.stop()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_portal_recovers_from_a_real_postgresql_restart_and_outage(units, office):
    """A PostgreSQL cluster of the test's own (never the shared one), holding a copy of the test
    database, and gunicorn on it. The cluster is restarted (pg_ctl restart: every connection
    dies, the postmaster comes back), then stopped for a while and started again. gunicorn is
    never restarted: the first request after each return succeeds. While the database is down,
    requests fail fast with a 503 in JSON, not a hang."""
    from knox.models import AuthToken

    from .throwaway import Postgres, Web, portal_env, postgres_cluster_unavailable

    tiers.require("postgres", postgres_cluster_unavailable())
    token = AuthToken.objects.create(office)[1]
    cluster = Postgres().init()
    cluster.start()
    web = None
    try:
        url = cluster.copy_of(settings.DATABASES["default"], "portal")
        web = Web(portal_env(url))
        assert web.call("GET", "/api/v1/me/", token)[0] == 200

        cluster.restart()
        status, me = web.call("GET", "/api/v1/me/", token)
        assert status == 200 and me["username"] == "office"

        cluster.stop()
        started = time.monotonic()
        status, body = web.call("GET", "/api/v1/me/", token)
        assert time.monotonic() - started < 10
        assert status == 503 and "稍后" in body["detail"], (status, body)

        cluster.start()
        assert web.call("GET", "/api/v1/me/", token)[0] == 200
        assert web.call("GET", "/api/v1/jobs/", token)[0] == 200
    finally:
        if web is not None:
            web.close()
        cluster.remove()
