"""A call's quota is enforced (issue 14, item 12): selecting, recommending or approving beyond it
is refused with the code ``quota_full``, checked under the call's row lock; the office raises the
quota with a reason kept in the call's history."""

import pytest

from qinhuai_talent.core.errors import DomainError
from talents import services
from talents.models import Application, Call, Program
from tests.domain import raises_domain

from .factories import ApplicationFactory, CallFactory

pytestmark = pytest.mark.django_db


def _ready(call, advance, n: int, target: str) -> list[Application]:
    return [advance(ApplicationFactory(call=call), target) for _ in range(n)]


@pytest.fixture
def district_call(units):
    program = Program.objects.get(code="district_high_level_entrepreneur")
    return CallFactory(program=program, quota=2, required_documents=[])


@pytest.fixture
def upward_call(units):
    return CallFactory(
        program=Program.objects.get(code="municipal_high_level_entrepreneur"),
        quota=1,
        required_documents=[],
        eligibility={},
    )


def _refusal(**kw) -> DomainError:
    with raises_domain("quota_full") as caught:
        services.application_transition(**kw)
    return caught.value


def test_selecting_beyond_the_quota_is_refused_with_its_code(district_call, advance, office):
    first, second, third = _ready(district_call, advance, 3, "defense")
    for app in (first, second):
        services.application_transition(application_id=app.pk, action="select", actor=office)
    refusal = _refusal(application_id=third.pk, action="select", actor=office)
    assert refusal.code == "quota_full"
    third.refresh_from_db()
    assert third.state == "defense"
    assert services.places_taken(district_call) == 2


def test_recommending_upward_beyond_the_quota_is_refused(upward_call, advance, office):
    first, second = _ready(upward_call, advance, 2, "expert_review")
    services.application_transition(application_id=first.pk, action="recommend", actor=office)
    assert _refusal(application_id=second.pk, action="recommend", actor=office).code == "quota_full"


def test_approving_beyond_the_quota_is_refused(district_call, advance, office):
    """A place counts from selection to approval; approving is refused where more are taken than
    the quota allows (places taken before the quota was enforced)."""
    first, second = _ready(district_call, advance, 2, "public_notice")
    Call.objects.filter(pk=district_call.pk).update(quota=1)
    Application.objects.filter(pk__in=[first.pk, second.pk]).update(
        notice_starts_on="2000-01-01", notice_ends_on="2000-01-16"
    )
    refusal = _refusal(application_id=first.pk, action="approve", actor=office, origin="introduced")
    assert refusal.code == "quota_full"


def test_the_office_raises_the_quota_with_a_reason_kept_in_history(district_call, advance, office, street_officer):
    apps = _ready(district_call, advance, 3, "defense")
    for app in apps[:2]:
        services.application_transition(application_id=app.pk, action="select", actor=office)
    with raises_domain("reason_missing") as caught:
        services.call_change_quota(call_id=district_call.pk, actor=office, quota=3, reason=" ")
    assert caught.value.code == "reason_missing"
    with raises_domain("quota_below_taken") as caught:
        services.call_change_quota(call_id=district_call.pk, actor=office, quota=1, reason="fewer")
    assert caught.value.code == "quota_below_taken"
    with raises_domain("permission_denied") as caught:
        services.call_change_quota(call_id=district_call.pk, actor=street_officer, quota=3, reason="more")
    assert caught.value.code == "permission_denied"
    services.call_change_quota(call_id=district_call.pk, actor=office, quota=3, reason="区委常委会追加名额")
    latest = district_call.history.order_by("-history_date", "-history_id").first()
    assert (latest.quota, latest.history_user, latest.history_change_reason) == (3, office, "区委常委会追加名额")
    services.application_transition(application_id=apps[2].pk, action="select", actor=office)
    assert services.places_taken(district_call) == 3


def test_the_quota_is_changed_and_refused_through_the_page_and_the_api(district_call, advance, office, client):
    from rest_framework.test import APIClient

    apps = _ready(district_call, advance, 3, "defense")
    api = APIClient()
    api.force_authenticate(office)
    for app in apps[:2]:
        assert api.post(f"/api/v1/applications/{app.pk}/select/", {}, format="json").status_code == 200
    refused = api.post(f"/api/v1/applications/{apps[2].pk}/select/", {}, format="json")
    assert refused.status_code == 400
    response = api.post(f"/api/v1/calls/{district_call.pk}/quota/", {"quota": 3, "reason": "追加"}, format="json")
    assert response.status_code == 200 and response.json()["quota"] == 3
    assert api.post(f"/api/v1/calls/{district_call.pk}/quota/", {"quota": 1, "reason": "x"}).status_code == 400
    client.force_login(office)
    client.post(f"/talents/calls/{district_call.pk}/quota/", {"quota": 4, "reason": "再追加"})
    district_call.refresh_from_db()
    assert district_call.quota == 4
    board = client.get(f"/talents/calls/{district_call.pk}/")
    assert any(row.reason == "再追加" for row in board.context["history"])


def test_no_quota_means_no_limit(units, advance, office):
    call = CallFactory(quota=0, required_documents=[])
    for app in _ready(call, advance, 3, "defense"):
        services.application_transition(application_id=app.pk, action="select", actor=office)
    assert services.places_taken(call) == 3
