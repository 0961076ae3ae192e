"""The application list runs the same queries whatever the page size and however many applications
the caller sees."""

import io

import pytest
from django.core.management import call_command
from django.db import transaction

from qinhuai_talent.core.models import User


@pytest.fixture(scope="module")
def _district(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture
def district(_district, db):
    """The demo district, seeded once for the module (each test runs in a savepoint of it)."""


@pytest.mark.parametrize("username", ["office", "street", "expert"])
@pytest.mark.parametrize("page_size", [1, 200])
def test_application_list_runs_a_fixed_number_of_queries(
    api, district, username, page_size, django_assert_max_num_queries
):
    client = api(User.objects.get(username=username))
    # the count (inside a transaction it is counted, not taken from the result cache) and the page
    # of rows (talent, call, program, unit and industry as subqueries of the one query)
    with django_assert_max_num_queries(2):
        body = client.get(f"/api/v1/applications/?page_size={page_size}").json()
    assert len(body["results"]) == min(page_size, body["count"])
