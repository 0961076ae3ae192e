"""Issue 17 item 2: the approver returns a payout with a reason (退回) instead of approving it; the
preparer hears why, the unit resubmits it, the nightly recompute never resubmits it by itself."""

import pytest

from funding import services
from funding.models import Payout, PayoutState
from funding.workflows import PAYOUT_WORKFLOW
from qinhuai_talent.core.errors import ActionNotAllowed
from qinhuai_talent.core.workflow import transitions_of
from qinhuai_talent.notifications.models import Notification
from tests.domain import raises_domain

from .factories import agreement, limit, unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposed(office, units, recompute):
    limit(unit("gaoxin_park"), "500000.00")
    a = agreement(office)
    recompute("payouts", as_of="2017-06-30")
    return Payout.objects.get(agreement=a)


def test_the_approver_returns_a_payout_with_the_reason_logged_and_the_unit_told(park_officer, proposed):
    assert proposed.approver_level == "unit"
    services.payout_return(actor=park_officer, payout_id=proposed.pk, reason="里程碑证明材料不全")
    proposed.refresh_from_db()
    assert proposed.state == PayoutState.RETURNED and proposed.approved_by is None
    last = list(transitions_of(proposed))[-1]
    assert (last.action, last.reason, last.actor_id) == ("return", "里程碑证明材料不全", park_officer.pk)
    # Prepared by the recompute alone: the unit's officers are its preparers.
    told = Notification.objects.filter(event="payout_returned", recipient=park_officer)
    assert told.exists()


def test_a_return_without_a_reason_is_refused_and_changes_nothing(park_officer, proposed):
    with raises_domain("reason_missing") as refused:
        services.payout_return(actor=park_officer, payout_id=proposed.pk, reason="  ")
    assert refused.value.field == "reason"
    assert Payout.objects.get(pk=proposed.pk).state == PayoutState.PROPOSED


def test_only_who_may_approve_may_return(street_officer, finance, proposed):
    for person in (street_officer, finance):
        with pytest.raises(ActionNotAllowed):
            services.payout_return(actor=person, payout_id=proposed.pk, reason="x")
    assert Payout.objects.get(pk=proposed.pk).state == PayoutState.PROPOSED


def test_the_recompute_keeps_a_returned_payout_returned_until_the_unit_resubmits(
    park_officer, office, proposed, recompute
):
    services.payout_return(actor=park_officer, payout_id=proposed.pk, reason="请补充材料")
    recompute("payouts", as_of="2017-06-30")
    assert Payout.objects.get(pk=proposed.pk).state == PayoutState.RETURNED
    with raises_domain("invalid_state") as refused:
        services.payout_approve(actor=office, payout_id=proposed.pk)
    assert refused.value.code == "invalid_state"
    services.payout_resubmit(actor=park_officer, payout_id=proposed.pk)
    services.payout_approve(actor=office, payout_id=proposed.pk)
    assert Payout.objects.get(pk=proposed.pk).state == PayoutState.APPROVED


def test_return_and_resubmit_through_the_api_and_the_page(api, web, park_officer, street_officer, proposed):
    url = f"/api/v1/payouts/{proposed.pk}/return/"
    assert api(park_officer).post(url, {}, format="json").status_code == 400
    assert api(street_officer).post(url, {"reason": "x"}, format="json").status_code == 404
    response = api(park_officer).post(url, {"reason": "金额需复核"}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "returned"
    page = web(park_officer).get(f"/funding/payouts/{proposed.pk}/").content.decode()
    assert "金额需复核" in page and f"/funding/payouts/{proposed.pk}/resubmit/" in page
    web(park_officer).post(f"/funding/payouts/{proposed.pk}/resubmit/")
    assert Payout.objects.get(pk=proposed.pk).state == PayoutState.PROPOSED


def test_the_payout_page_offers_return_exactly_when_the_workflow_allows_it(web, park_officer, finance, proposed):
    for person in (park_officer, finance):
        page = web(person).get(f"/funding/payouts/{proposed.pk}/").content.decode()
        shown = f"/funding/payouts/{proposed.pk}/return/" in page
        assert shown == (PAYOUT_WORKFLOW.refusal(proposed, person, "return") is None)
    assert (
        f"/funding/payouts/{proposed.pk}/return/"
        in web(park_officer).get(f"/funding/payouts/{proposed.pk}/").content.decode()
    )
