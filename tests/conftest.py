"""Personas (the demo roles) and the service tiers.

Tests marked ``postgres``, ``redis`` or ``worker`` need those services and skip with a one-line
reason elsewhere; ``browser`` needs Debian's chromium and Playwright. Where CI requires a tier
(``tests/tiers.py``), one that cannot run fails the session instead.
"""

import contextlib
import importlib
import io
import os
import shutil
import sqlite3
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection, transaction
from rest_framework.test import APIClient

from qinhuai_talent.core.demo import DEMO_PASSWORD, seed_units_and_users
from qinhuai_talent.core.models import TableChange, User
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


def _copy_of_sqlite(connection) -> sqlite3.Connection:
    """The SQLite database behind ``connection``, copied page by page into a private in-memory one."""
    connection.ensure_connection()
    copy = sqlite3.connect(":memory:")
    connection.connection.backup(copy)
    return copy


def _restore_sqlite(copy: sqlite3.Connection, connection) -> None:
    """The database behind ``connection`` made the copy again, page by page (nothing merged)."""
    copy.backup(connection.connection)


class _PostgresCopy(dict):
    """Every table's rows (``COPY … TO``) as the transaction that takes the copy sees them, and the
    columns whose sequence numbers them."""

    def __init__(self, connection):
        super().__init__()
        quote = connection.ops.quote_name
        tables = [t for t in connection.introspection.table_names() if t != "django_migrations"]
        with connection.cursor() as cursor:
            for table in tables:
                rows = io.BytesIO()
                cursor.copy_expert(f"COPY {quote(table)} TO STDOUT", rows)
                self[table] = rows.getvalue()
            cursor.execute(
                "SELECT table_name, column_name, pg_get_serial_sequence(quote_ident(table_name), column_name)"
                " FROM information_schema.columns WHERE table_schema = current_schema()"
                " AND (is_identity = 'YES' OR column_default LIKE 'nextval(%')"
            )
            self.sequences = [row for row in cursor.fetchall() if row[0] in self and row[2]]

    def close(self) -> None:
        self.clear()


def _restore_postgres(copy: _PostgresCopy, connection) -> None:
    """Inside the caller's transaction: every table emptied and given the copy's rows; a sequence
    is moved up past the copy's numbers, never down (it is not rolled back with the transaction)."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE " + ", ".join(quote(table) for table in copy))
        for table, rows in copy.items():
            if rows:
                cursor.copy_expert(f"COPY {quote(table)} FROM STDIN", io.BytesIO(rows))
        # The result cache's change triggers (qinhuai_talent.core.resultcache) noted the TRUNCATE
        # and the COPYs: its change log is put back once more, as the copy has it.
        changes = TableChange._meta.db_table
        cursor.execute(f"TRUNCATE {quote(changes)}")
        cursor.copy_expert(f"COPY {quote(changes)} FROM STDIN", io.BytesIO(copy[changes]))
        # One statement for every sequence behind the copy's numbers.
        cursor.execute(
            " UNION ALL ".join(
                f"SELECT setval('{sequence}', top) FROM (SELECT max({quote(column)}) AS top FROM {quote(table)}) t"
                f" WHERE top > (SELECT last_value FROM {sequence})"
                for table, column, sequence in copy.sequences
            )
        )


@contextlib.contextmanager
def demo_district_in(copies: dict):
    """The demo district in the test database while the block runs; after it, the database as it
    was before. The first block of a session seeds it (on-commit work never runs, as in a seed
    rolled back) and keeps a copy in ``copies``; the next ones start from that copy. On PostgreSQL
    each block runs in a transaction rolled back at its end; on SQLite (the embedded suite) every
    block ends by putting back a copy of the database as the block found it."""
    postgres = connection.vendor == "postgresql"
    take, put_back = (_PostgresCopy, _restore_postgres) if postgres else (_copy_of_sqlite, _restore_sqlite)

    def district():
        if "demo" in copies:
            put_back(copies["demo"], connection)
        else:
            with transaction.atomic():
                start = len(connection.run_on_commit)
                call_command("seed_demo", stdout=io.StringIO())
                del connection.run_on_commit[start:]
            copies["demo"] = take(connection)
        ContentType.objects.clear_cache()

    try:
        if postgres:
            with transaction.atomic():
                district()
                yield
                transaction.set_rollback(True)
            return
        before = take(connection)
        try:
            district()
            yield
        finally:
            put_back(before, connection)
            before.close()
    finally:
        ContentType.objects.clear_cache()


@pytest.fixture(scope="session")
def _demo_copies():
    """This session's copy of the demo district, as ``seed_demo`` leaves it."""
    kept: dict = {}
    yield kept
    for copy in kept.values():
        copy.close()


@pytest.fixture(scope="module")
def _demo_district_for_module(django_db_setup, django_db_blocker, _demo_copies):
    """The demo district for one module; each test then runs in a transaction of its own on it
    (``db``), rolled back after it. A session seeds it once (``demo_district_in``), where every
    module had seeded it again, twice when its tests were shared out between two sessions."""
    with django_db_blocker.unblock(), demo_district_in(_demo_copies):
        yield


@pytest.fixture
def demo_district(_demo_district_for_module, db):
    """The whole demo district, as `make run` loads it."""


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
