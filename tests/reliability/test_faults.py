"""Faults on real services (the CI tier): broker down, database connection lost, backup and restore."""

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from django.conf import settings
from django.db import connection

from qinhuai_talent.core.models import Job


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
def test_a_dump_restores_into_a_fresh_database_with_the_audit_chains_intact(units, office, tmp_path):
    from django.core.management import call_command

    from qinhuai_talent.core.workflow import log_transition

    unit = units["fuzimiao"]
    log_transition(unit, action="open", from_state="a", to_state="b", actor=office)
    log_transition(unit, action="close", from_state="b", to_state="c", actor=office)
    db = settings.DATABASES["default"]
    dump = tmp_path / "portal.dump"
    env = {**os.environ, "PGHOST": db["HOST"] or "127.0.0.1", "PGUSER": db["USER"] or "postgres"}
    subprocess.run(["pg_dump", "-Fc", "-f", str(dump), db["NAME"]], check=True, env=env)
    restored = f"{db['NAME']}_restored"
    subprocess.run(["dropdb", "--if-exists", restored], check=True, env=env)
    subprocess.run(["createdb", restored], check=True, env=env)
    try:
        subprocess.run(["pg_restore", "--no-owner", "-d", restored, str(dump)], check=True, env=env)
        counts = subprocess.run(
            ["psql", "-d", restored, "-Atc", "SELECT count(*) FROM core_transitionlog"],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        assert counts.stdout.strip() == "2"
        verify = subprocess.run(
            [sys.executable, "manage.py", "verify_audit"],
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            env={
                **env,
                "DATABASE_URL": f"postgres://{env['PGUSER']}@{env['PGHOST']}:5432/{restored}",
                "DJANGO_SETTINGS_MODULE": "qinhuai_talent.settings.test",
            },
        )
        assert verify.returncode == 0, verify.stdout + verify.stderr
        call_command("verify_audit")
    finally:
        subprocess.run(["dropdb", "--if-exists", restored], env=env)
