"""The enterprise's own side of the service platform (issue 18, item 3): it asks for a service from
the catalogue, follows its requests in words, cancels before acceptance, rates once after
delivery; a request from its plan item makes the item done when closed. Bad input is refused by
code and changes nothing."""

import datetime

import pytest

from qinhuai_talent.core import clock
from qinhuai_talent.core.errors import ActionNotAllowed
from qinhuai_talent.core.models import TransitionLog
from serviceplatform import services
from serviceplatform.models import ServiceRequest
from serviceplatform.selectors import attention
from tests.domain import raises_domain
from tests.enterprises.factories import SupportItemFactory

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2017, 6, 5)


@pytest.fixture
def own_item(own):
    return SupportItemFactory(enterprise=own, kind="other", title="申请发明专利", due_on=datetime.date(2017, 9, 1))


def _snapshot(req: ServiceRequest) -> tuple:
    req.refresh_from_db()
    return (req.state, req.rating, req.rating_comment, req.provider_id, req.due_on)


def test_the_catalogue_offers_an_enterprise_a_request_button_with_category_and_provider_prefilled(
    web, client, account, own, ip
):
    _provider, service = ip
    assert "Request this service" not in client.get("/services/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    page = web(account).get("/services/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    link = f"/services/requests/new/?service={service.pk}&amp;category=ip"
    assert link in page
    form = client.get(f"/services/requests/new/?service={service.pk}&category=ip").content.decode()
    assert f'<option value="{service.pk}" selected>' in form
    assert '<option value="ip" selected>' in form
    assert 'name="enterprise"' not in form  # its own, never another's


def test_an_enterprise_asks_follows_and_rates_and_its_plan_item_counts_as_done(
    web, client, account, own, own_item, ip, ip_staff
):
    _provider, service = ip
    with clock.running_on(MONDAY):
        response = web(account).post(
            "/services/requests/new/",
            {"category": "ip", "need": "两项发明专利", "service": service.pk, "plan_item": own_item.pk},
        )
        req = ServiceRequest.objects.get()
        assert response.status_code == 302 and response["Location"] == f"/services/requests/{req.pk}/"
        assert (req.state, req.enterprise_id, req.provider_id, req.filed_by_id) == (
            "assigned",
            own.pk,
            ip[0].pk,
            account.pk,
        )
        own_item.refresh_from_db()
        assert own_item.status == "in_progress"
        words = client.get(f"/services/requests/{req.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "who answers by 2017-06-08" in words
        services.request_transition(actor=ip_staff, request=req, action="accept")
        services.request_transition(actor=ip_staff, request=req, action="deliver", note="已提交两项专利申请")
        client.force_login(account)
        listed = client.get("/services/requests/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "Delivered: please rate the service." in listed
        assert [a.count for a in attention(account) if a.key == "serviceplatform.to_rate"] == [1]
        detail = client.get(f"/services/requests/{req.pk}/").content.decode()
        assert 'value="close"' in detail and 'value="cancel"' not in detail
        client.post(
            f"/services/requests/{req.pk}/action/",
            {"action": "close", "rating": "5", "comment": "专业", "confirmed": "1"},
        )
    req.refresh_from_db()
    own_item.refresh_from_db()
    assert (req.state, req.rating, req.rating_comment) == ("closed", 5, "专业")
    assert own_item.status == "done" and "已提交两项专利申请" in own_item.outcome
    plan = client.get("/services/requests/").content.decode()
    assert f'data-plan-item="{own_item.pk}" data-status="done"' in plan
    item_log = TransitionLog.objects.filter(object_id=own_item.pk, to_state="done").get()
    assert item_log.action == "request_closed" and item_log.actor_id == account.pk


def test_an_enterprise_cancels_before_acceptance_but_not_after(account, own, ip, ip_staff):
    early = services.request_file(actor=account, enterprise=own, category="ip", need="专利", service=ip[1])
    services.request_transition(actor=account, request=early, action="cancel", reason="已自行解决")
    early.refresh_from_db()
    assert early.state == "cancelled"
    late = services.request_file(actor=account, enterprise=own, category="ip", need="专利", service=ip[1])
    services.request_transition(actor=ip_staff, request=late, action="accept")
    before = _snapshot(late)
    with raises_domain("accepted_already", kind=ActionNotAllowed):
        services.request_transition(actor=account, request=late, action="cancel", reason="不要了")
    assert _snapshot(late) == before


def test_an_enterprise_reaches_only_its_own_requests(api, web, account, own, park_enterprise, office, ip, law):
    mine = services.request_file(actor=account, enterprise=own, category="ip", need="专利", service=ip[1])
    theirs = services.request_file(
        actor=office, enterprise=park_enterprise, category="legal_tax", need="财税", service=law[1]
    )
    client = api(account)
    assert [r["id"] for r in client.get("/api/v1/service-requests/").json()["results"]] == [mine.pk]
    assert client.get(f"/api/v1/service-requests/{theirs.pk}/").status_code == 404
    assert client.post(f"/api/v1/service-requests/{theirs.pk}/cancel/", {"reason": "x"}).status_code == 404
    assert web(account).get(f"/services/requests/{theirs.pk}/").status_code == 404
    # Filing for another enterprise: refused, nothing filed.
    with raises_domain("not_your_enterprise", kind=ActionNotAllowed):
        services.request_file(actor=account, enterprise=park_enterprise, category="ip", need="x", service=ip[1])
    refused = client.post(
        "/api/v1/service-requests/", {"enterprise": park_enterprise.pk, "category": "ip", "need": "x"}, format="json"
    )
    assert refused.status_code == 400 and "enterprise" in refused.json()
    # Its own through the API: filed and routed.
    filed = client.post(
        "/api/v1/service-requests/", {"enterprise": own.pk, "category": "ip", "need": "商标", "service": ip[1].pk}
    )
    assert filed.status_code == 201 and filed.json()["state"] == "assigned"
    assert ServiceRequest.objects.filter(enterprise=park_enterprise).count() == 1


def test_bad_input_is_refused_by_code_and_changes_nothing(
    office, account, own, street_enterprise, ip, ip_staff, law, law_staff
):
    provider, service = ip
    req = services.request_file(actor=account, enterprise=own, category="ip", need="专利", service=service)
    logged = TransitionLog.objects.count()
    before = _snapshot(req)
    # A rating before delivery.
    with raises_domain("not_delivered"):
        services.request_transition(actor=account, request=req, action="close", rating=5)
    # A provider acting on another provider's request.
    for action in ("accept", "decline"):
        with raises_domain("permission_denied", kind=ActionNotAllowed):
            services.request_transition(actor=law_staff, request=req, action=action, reason="x")
    # A transition out of order.
    with raises_domain("invalid_state"):
        services.request_transition(actor=ip_staff, request=req, action="deliver", note="完成")
    with raises_domain("invalid_state"):
        services.request_transition(actor=ip_staff, request=req, action="start")
    assert _snapshot(req) == before and TransitionLog.objects.count() == logged
    # A rating twice.
    services.request_transition(actor=ip_staff, request=req, action="accept")
    for action in ("start", "deliver"):
        with raises_domain("permission_denied", kind=ActionNotAllowed):
            services.request_transition(actor=law_staff, request=req, action=action, note="x")
    services.request_transition(actor=ip_staff, request=req, action="deliver", note="完成")
    with raises_domain("rating_out_of_range"):
        services.request_transition(actor=account, request=req, action="close", rating=6)
    services.request_transition(actor=account, request=req, action="close", rating=4, comment="好")
    before = _snapshot(req)
    with raises_domain("already_rated"):
        services.request_transition(actor=account, request=req, action="close", rating=1, comment="改评")
    assert _snapshot(req) == before
    # A request for a suspended provider's service.
    services.provider_transition(actor=office, provider=provider, action="suspend", reason="整改")
    count = ServiceRequest.objects.count()
    with raises_domain("provider_not_accredited"):
        services.request_file(actor=account, enterprise=own, category="ip", need="专利", service=service)
    assert ServiceRequest.objects.count() == count


def test_a_plan_item_of_another_enterprise_or_already_requested_is_refused(account, own, own_item, park_enterprise, ip):
    other_item = SupportItemFactory(enterprise=park_enterprise, kind="other", title="别家的")
    with raises_domain("plan_item_elsewhere"):
        services.request_file(
            actor=account, enterprise=own, category="ip", need="专利", service=ip[1], plan_item=other_item
        )
    services.request_file(actor=account, enterprise=own, category="ip", need="专利", service=ip[1], plan_item=own_item)
    with raises_domain("plan_item_taken"):
        services.request_file(
            actor=account, enterprise=own, category="ip", need="专利", service=ip[1], plan_item=own_item
        )
    assert ServiceRequest.objects.count() == 1
