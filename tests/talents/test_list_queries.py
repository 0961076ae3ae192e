"""The application list runs the same queries whatever the page size and however many applications
the caller sees."""

import pytest

from qinhuai_talent.core.models import User


@pytest.fixture
def district(demo_district):
    """The demo district, seeded once for the module (tests/conftest.py)."""


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
