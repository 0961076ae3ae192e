"""The two modes: production refuses to start without a secret and passes check --deploy."""

import os
import subprocess
import sys

import pytest
from django.conf import settings


def run(command, **env):
    """``command`` as a fresh process sees it: no Django, Celery or xdist session settings of ours."""
    full_env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_", "PYTEST_XDIST_", "XDIST_"))
    }
    full_env.update(env)
    return subprocess.run(command, cwd=settings.BASE_DIR, env=full_env, capture_output=True, text=True, timeout=120)


def run_manage(*args, **env):
    return run([sys.executable, "manage.py", *args], **env)


def run_python(code, **env):
    return run([sys.executable, "-c", code], **env)


def run_celery(*args, **env):
    return run([sys.executable, "-m", "celery", "-A", "qinhuai_talent", *args], **env)


STARTS = {
    "check --deploy": lambda tmp, **env: run_manage("check", "--deploy", **env),
    "the WSGI application (gunicorn)": lambda tmp, **env: run_python("import qinhuai_talent.wsgi", **env),
    "the ASGI application": lambda tmp, **env: run_python("import qinhuai_talent.asgi", **env),
    "a Celery worker": lambda tmp, **env: run_celery("worker", "--pool=solo", **env),
    "Celery beat": lambda tmp, **env: run_celery("beat", "--schedule", str(tmp / "beat-schedule"), **env),
}


@pytest.mark.parametrize("start", sorted(STARTS))
def test_production_refuses_to_start_without_a_secret_key(start, tmp_path):
    result = STARTS[start](tmp_path, DJANGO_DEBUG="0")
    assert result.returncode != 0, result.stdout + result.stderr
    assert "DJANGO_SECRET_KEY is not set" in result.stdout + result.stderr


def test_commands_that_only_inspect_the_code_run_without_a_secret_key():
    """The pre-merge check runs makemigrations with no environment at all: no key, debug off."""
    result = run_manage("makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_is_clean_with_production_variables():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="a-long-random-production-secret-key-0123456789-abcdefghijklmnop",
        DJANGO_ALLOWED_HOSTS="talent.qinhuai.gov.cn",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_a_malformed_debug_flag_fails_loudly():
    result = run_manage("check", DJANGO_DEBUG="maybe")
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be 0 or 1" in result.stderr


def test_embedded_default_runs_tasks_in_process():
    if not os.environ.get("CELERY_BROKER_URL"):
        assert settings.CELERY_TASK_ALWAYS_EAGER is True
    else:
        assert settings.CELERY_TASK_ALWAYS_EAGER is False


def _broker_of_test_session(session=None, already=None, broker="redis://127.0.0.1:6379/14"):
    """The broker URL the test settings give a process started with this environment."""
    env = {"CELERY_BROKER_URL": broker}
    if session:
        env["PYTEST_XDIST_WORKER"] = session
    if already:
        env["XDIST_BROKER_OF"] = already
    result = run_python("from qinhuai_talent.settings import test; print(test.CELERY_BROKER_URL)", **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_each_test_session_side_by_side_has_a_redis_database_of_its_own():
    """Sessions side by side (pytest-xdist) never share a broker: one session's Celery worker
    would take the other's jobs, against a database that is not theirs."""
    sessions = [f"gw{n}" for n in range(16)]
    brokers = [_broker_of_test_session(s) for s in sessions]
    assert brokers[0] == "redis://127.0.0.1:6379/14"
    assert len(set(brokers)) == len(sessions), brokers
    assert all(b.startswith("redis://127.0.0.1:6379/") for b in brokers)


def test_a_single_session_and_the_processes_a_session_starts_keep_the_broker_as_given():
    assert _broker_of_test_session() == "redis://127.0.0.1:6379/14"
    # A worker or gunicorn a session starts inherits the rewritten URL and the mark: not rewritten again.
    assert (
        _broker_of_test_session("gw1", already="gw1", broker="redis://127.0.0.1:6379/13") == "redis://127.0.0.1:6379/13"
    )
    # A broker that is not Redis (the embedded default's memory://) is left alone.
    assert _broker_of_test_session("gw1", broker="memory://") == "memory://"
