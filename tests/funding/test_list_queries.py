"""The payout queue and the exit board run the same queries whatever the page size and however many
payouts and flags the caller sees."""

import pytest

from qinhuai_talent.core.models import User


@pytest.fixture
def district(demo_district):
    """The demo district, seeded once for the module (tests/conftest.py)."""


@pytest.mark.parametrize("path", ["/api/v1/payouts/?state=proposed", "/api/v1/payouts/", "/api/v1/exit-flags/"])
@pytest.mark.parametrize("username", ["office", "finance", "park"])
@pytest.mark.parametrize("page_size", [1, 200])
def test_queue_lists_run_a_fixed_number_of_queries(
    api, district, path, username, page_size, django_assert_max_num_queries
):
    client = api(User.objects.get(username=username))
    # the count (inside a transaction it is counted, not taken from the result cache) and the page
    # of rows (agreement number, tranche sequence, unit code and usernames as subqueries of the one query)
    with django_assert_max_num_queries(2):
        body = client.get(f"{path}{'&' if '?' in path else '?'}page_size={page_size}").json()
    assert len(body["results"]) == min(page_size, body["count"])
