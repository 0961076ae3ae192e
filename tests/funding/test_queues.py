"""Issue 17 item 2, the funding queues: a unit officer's batch approval is within the unit's
delegated limit, a payout above it refused per record with the reason, the others approved;
finance's batch payment takes a voucher per row and never pays twice."""

import re

import pytest

from funding.models import LedgerEntry, Payout, PayoutState

from .factories import agreement, limit, unit

pytestmark = pytest.mark.django_db


def _results(body: str) -> dict[int, str]:
    return {int(pk): code for pk, code in re.findall(r'data-item="(\d+)" data-result="([\w-]*)"', body)}


@pytest.fixture
def two(office, units, recompute):
    """Two payouts of 高新园区: the first within the park's limit, the second above it."""
    limit(unit("gaoxin_park"), "400000.00")
    small, large = agreement(office), agreement(office, grant="2000000.00")
    recompute("payouts", as_of="2017-06-30")
    return Payout.objects.get(agreement=small), Payout.objects.get(agreement=large)


def test_a_batch_approval_above_the_unit_limit_is_refused_per_record_with_the_reason(web, park_officer, two):
    small, large = two
    assert (small.approver_level, large.approver_level) == ("unit", "district")
    client = web(park_officer)
    assert f'value="{large.pk}"' not in client.get("/funding/payouts/").content.decode()
    data = {"action": "approve", "ids": [small.pk, large.pk], "step": "run"}
    body = client.post("/funding/payouts/", data).content.decode()
    assert _results(body) == {small.pk: "done", large.pk: "above_limit"}
    assert "区人才办" in body  # the reason, in the user's language
    assert Payout.objects.get(pk=small.pk).state == PayoutState.APPROVED
    assert Payout.objects.get(pk=large.pk).state == PayoutState.PROPOSED


def test_a_batch_payment_takes_each_rows_voucher_and_a_repeated_post_pays_nothing_twice(
    web, office, park_officer, finance, two
):
    small, large = two
    client = web(office)
    client.post("/funding/payouts/", {"action": "approve", "ids": [small.pk, large.pk], "step": "run"})
    client = web(finance)
    missing = {"action": "pay", "ids": [small.pk, large.pk], "step": "run", f"voucher_{small.pk}": "CZ-1"}
    assert _results(client.post("/funding/payouts/finance/", missing).content.decode())[large.pk] != "done"
    data = {**missing, f"voucher_{large.pk}": "CZ-2"}
    assert _results(client.post("/funding/payouts/finance/", data).content.decode()) == {
        small.pk: "already",
        large.pk: "done",
    }
    again = _results(client.post("/funding/payouts/finance/", data).content.decode())
    assert set(again.values()) == {"already"}
    assert dict(LedgerEntry.objects.values_list("payout_id", "voucher")) == {small.pk: "CZ-1", large.pk: "CZ-2"}


def test_queues_are_404_for_roles_that_do_not_do_the_work(web, leader, finance, office, park_officer):
    assert web(leader).get("/funding/payouts/").status_code == 404
    assert web(finance).get("/funding/payouts/").status_code == 404
    assert web(office).get("/funding/payouts/finance/").status_code == 404
    assert web(park_officer).post("/funding/payouts/finance/", {"action": "pay", "ids": [1]}).status_code == 404
