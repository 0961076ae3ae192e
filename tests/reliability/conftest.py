import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections


@pytest.fixture
def wsgi_in_test_transaction():
    """Raw WSGI calls (schemathesis) inside a test must not close the test's connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def _demo_district_for_module(django_db_setup, django_db_blocker):
    """Seed the demo district once per module, inside a transaction rolled back at its end
    (each test then runs in a savepoint of it), so a module of checks pays for one seed."""
    import io

    from django.core.management import call_command
    from django.db import transaction

    with django_db_blocker.unblock():
        with transaction.atomic():
            call_command("seed_demo", stdout=io.StringIO())
            yield
            transaction.set_rollback(True)


@pytest.fixture
def demo_district(_demo_district_for_module, db):
    """The whole demo district, as `make run` loads it."""
