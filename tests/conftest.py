"""Personas (the demo roles) and the service tiers.

Tests marked ``postgres``, ``redis`` or ``worker`` need those services and skip with a one-line
reason elsewhere; ``browser`` needs Debian's chromium and Playwright. Where CI requires a tier
(``tests/tiers.py``), one that cannot run fails the session instead.
"""

import importlib
import os
import shutil
import subprocess
import sys
import time

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from qinhuai_talent.core.demo import DEMO_PASSWORD, seed_units_and_users
from qinhuai_talent.core.models import User
from qinhuai_talent.core.probe import reachable
from tests import tiers

BROKER = os.environ.get("CELERY_BROKER_URL", "")


def _skip_reason(marker: str) -> str | None:
    if marker == "postgres" and not settings.IS_POSTGRES:
        return "needs PostgreSQL: run with DATABASE_URL=postgres://… (make test-services)"
    if marker in ("redis", "worker"):
        if not BROKER.startswith("redis://"):
            return "needs Redis: run with CELERY_BROKER_URL=redis://… (make test-services)"
        if not reachable(BROKER):
            return f"Redis at {BROKER} does not answer"
        if marker == "worker" and not settings.IS_POSTGRES:
            return "a real worker needs PostgreSQL shared with the tests"
    if marker == "browser":
        if not shutil.which("chromium"):
            return "needs Debian's chromium (apt-get install chromium)"
        try:
            import playwright  # noqa: F401
        except ImportError:
            return "needs Playwright for Python (pip install playwright)"
    return None


def pytest_collection_modifyitems(config, items):
    for item in items:
        for marker in ("postgres", "redis", "worker", "browser"):
            if marker in item.keywords:
                reason = _skip_reason(marker)
                if reason and marker in tiers.REQUIRED:
                    raise pytest.UsageError(tiers.refusal(marker, reason))
                if reason:
                    item.add_marker(pytest.mark.skip(reason=reason))
                    break


# The reference data the data migrations load (programs, industries, class rules, policy
# defaults). A transactional test ends with a flush that empties every table, so the next
# transactional test reloads it; the loaders are idempotent. (Serialized rollback cannot do this
# safely: a flush by a test without it recreates the content types under new ids, and the next
# restore then collides with them.)
REFERENCE_LOADERS = [
    ("talents.migrations.0003_programs_and_industries", "load"),
    ("enterprises.migrations.0004_default_class_rules", "add_rules"),
    ("funding.migrations.0004_policy_defaults", "forwards"),
]


def _is_transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    if marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        return True
    return "transactional_db" in request.fixturenames or "live_server" in request.fixturenames


@pytest.fixture(autouse=True)
def _reference_data(request):
    if not _is_transactional(request):
        return
    request.getfixturevalue("transactional_db")
    from django.apps import apps

    for module, loader in REFERENCE_LOADERS:
        getattr(importlib.import_module(module), loader)(apps, None)


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the portal's default language, whatever the previous one switched on
    (a request in English leaves English active in the thread)."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(scope="session", autouse=True)
def delete_output_dir():
    """pytest-playwright empties test-results/ at the start of every session. `make test` and CI
    run the suite in several sessions, the browser tier before the last ones, so that would wipe
    the screenshot and trace a failing browser test leaves; only the browser tier's own session
    empties it (tests/browser/conftest.py)."""


@pytest.fixture
def units(db):
    return seed_units_and_users()


def _user(username: str) -> User:
    return User.objects.select_related("org_unit").get(username=username)


@pytest.fixture
def office(units):
    return _user("office")


@pytest.fixture
def street_officer(units):
    """夫子庙街道's officer."""
    return _user("street")


@pytest.fixture
def other_street_officer(units):
    """双塘街道's officer: the 'someone else' of scoping tests."""
    return _user("street2")


@pytest.fixture
def park_officer(units):
    return _user("park")


@pytest.fixture
def expert(units):
    return _user("expert")


@pytest.fixture
def expert2(units):
    return _user("expert2")


@pytest.fixture
def finance(units):
    return _user("finance")


@pytest.fixture
def leader(units):
    return _user("leader")


@pytest.fixture
def password():
    return DEMO_PASSWORD


@pytest.fixture
def api():
    """``api(user)`` → an APIClient authenticated as that user."""

    def make(user=None):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def web(client):
    """``web(user)`` → the Django test client logged in as that user."""

    def make(user):
        client.force_login(user)
        return client

    return make


@pytest.fixture
def celery_worker_process(transactional_db):
    """A real Celery worker on the Redis broker, sharing the test database."""
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "qinhuai_talent.settings.test"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "qinhuai_talent",
            "worker",
            "-P",
            "solo",
            "-c",
            "1",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "WARNING",
        ],
        env=env,
        cwd=settings.BASE_DIR,
    )
    from qinhuai_talent.celery import app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if app.control.ping(timeout=1.0):
            break
        if proc.poll() is not None:
            pytest.fail("the Celery worker exited at start-up")
    else:
        proc.kill()
        pytest.fail("the Celery worker did not answer a ping within 60 s")
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture
def deliver_in_process(monkeypatch):
    """Notifications delivered in the test's process after commit, as the embedded default does,
    whatever the broker: the tests that read the mail folder or the SMS log check what is
    delivered, not the queue (the worker tier runs the real worker)."""
    from qinhuai_talent.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    monkeypatch.setattr(settings, "CELERY_TASK_ALWAYS_EAGER", True)


@pytest.fixture
def eager_jobs(monkeypatch, django_capture_on_commit_callbacks):
    """``with eager_jobs():`` runs the jobs enqueued inside it in-process at its end,
    as the embedded default does, whatever the broker."""
    from qinhuai_talent.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    monkeypatch.setattr(settings, "CELERY_TASK_ALWAYS_EAGER", True)
    return lambda: django_capture_on_commit_callbacks(execute=True)
