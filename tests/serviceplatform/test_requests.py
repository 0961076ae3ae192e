"""Service requests (服务需求): the workflow through the API and pages, the provider's reach,
deadlines and overdue flags, the plan item that counts as done, and bad input."""

import datetime

import pytest

from qinhuai_talent.core import clock
from qinhuai_talent.core.models import TransitionLog
from qinhuai_talent.core.workflow import transitions_of
from serviceplatform import services
from serviceplatform.models import ServiceRequest
from serviceplatform.selectors import attention

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2017, 6, 5)


def file(client, enterprise, service=None, **extra):
    body = {"enterprise": enterprise.pk, "category": "ip", "need": "申请发明专利", **extra}
    if service is not None:
        body["service"] = service.pk
    return client.post("/api/v1/service-requests/", body, format="json")


def post(client, req, action, lang="zh-hans", **body):
    return client.post(f"/api/v1/service-requests/{req}/{action}/", body, format="json", HTTP_ACCEPT_LANGUAGE=lang)


def test_a_request_from_a_plan_item_walks_to_closed_and_the_plan_item_counts_as_done(
    api, street_officer, street_enterprise, plan_item, ip, ip_staff
):
    _provider, service = ip
    officer, provider = api(street_officer), api(ip_staff)
    with clock.running_on(MONDAY):
        response = file(officer, street_enterprise, service, plan_item=plan_item.pk)
        assert response.status_code == 201, response.content
        req = response.json()
        # Routed at once to the chosen service's provider: accept within 3 working days.
        assert req["state"] == "assigned" and req["due_on"] == "2017-06-08" and req["org_unit"] == "fuzimiao"
        accepted = post(provider, req["id"], "accept").json()
        assert accepted["state"] == "accepted" and accepted["due_on"] == "2017-06-15"  # the service's 10 days
        assert post(provider, req["id"], "start").json()["state"] == "in_progress"
        delivered = post(provider, req["id"], "deliver", note="已提交专利申请").json()
        assert delivered["state"] == "delivered" and delivered["delivered_on"] == "2017-06-05"
        closed = post(officer, req["id"], "close", rating=5, comment="很好").json()
    assert closed["state"] == "closed" and closed["rating"] == 5
    plan_item.refresh_from_db()
    assert plan_item.status == "done" and "已提交专利申请" in plan_item.outcome
    actions = list(transitions_of(ServiceRequest.objects.get(pk=req["id"])).values_list("action", flat=True))
    assert actions == ["submit", "assign", "accept", "start", "deliver", "close"]


def test_an_unrouted_request_waits_for_the_unit_to_assign_it_and_a_declined_one_is_reassigned(
    api, street_officer, street_enterprise, ip, ip_staff, law, law_staff
):
    officer = api(street_officer)
    req = file(officer, street_enterprise).json()
    assert req["state"] == "submitted" and req["provider"] is None
    # The provider sees nothing until the request is routed to it.
    assert api(ip_staff).get(f"/api/v1/service-requests/{req['id']}/").status_code == 404
    assert post(officer, req["id"], "assign", provider=ip[0].pk).json()["state"] == "assigned"
    declined = post(api(ip_staff), req["id"], "decline", reason="排期已满").json()
    assert declined["state"] == "declined" and declined["decline_reason"] == "排期已满"
    # Not back to the provider that declined.
    again = post(officer, req["id"], "assign", provider=ip[0].pk)
    assert again.status_code == 400 and "provider" in again.json()
    assert post(officer, req["id"], "assign", provider=law[0].pk).json()["state"] == "assigned"
    # The first provider no longer reaches it; the second does.
    assert api(ip_staff).get(f"/api/v1/service-requests/{req['id']}/").status_code == 404
    assert api(law_staff).get(f"/api/v1/service-requests/{req['id']}/").status_code == 200


def test_a_provider_reaches_only_its_own_requests_and_no_enterprise_data(
    api, web, office, street_officer, street_enterprise, park_enterprise, ip, ip_staff, law, law_staff
):
    mine = services.request_file(actor=office, enterprise=street_enterprise, category="ip", need="专利", service=ip[1])
    theirs = services.request_file(
        actor=office, enterprise=park_enterprise, category="legal_tax", need="财税", service=law[1]
    )
    client = api(ip_staff)
    assert [r["id"] for r in client.get("/api/v1/service-requests/").json()["results"]] == [mine.pk]
    assert client.get(f"/api/v1/service-requests/{theirs.pk}/").status_code == 404
    for action in ("accept", "decline", "start", "deliver"):
        assert post(client, theirs.pk, action, reason="x", note="x").status_code == 404
    # No enterprise's records beyond what its requests share.
    assert client.get("/api/v1/enterprises/").json()["count"] == 0
    assert client.get(f"/api/v1/enterprises/{street_enterprise.pk}/").status_code == 404
    assert client.get("/api/v1/operating-reports/").json()["count"] == 0
    page = web(ip_staff)
    assert page.get(f"/services/requests/{theirs.pk}/").status_code == 404
    assert page.get(f"/services/requests/{mine.pk}/").status_code == 200
    assert page.get(f"/enterprises/{street_enterprise.pk}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == "assigned"


def test_bad_input_is_a_clear_400_in_both_languages_and_changes_nothing(
    api, office, street_officer, street_enterprise, ip, ip_staff
):
    officer, provider = api(street_officer), api(ip_staff)
    req = file(officer, street_enterprise, ip[1]).json()
    logged = TransitionLog.objects.count()
    cases = [
        # (client, action, body, language, what the message says)
        (officer, "close", {"rating": 4}, "en", "not possible"),  # a rating before delivery
        (officer, "close", {"rating": 4}, "zh-hans", "不能"),
        (provider, "deliver", {"note": "x"}, "en", "not possible"),  # out of order: not yet accepted
        (provider, "decline", {}, "en", "reason"),  # a decline needs its reason
        (provider, "decline", {}, "zh-hans", "理由"),
        (officer, "accept", {}, "en", "may not"),  # only the provider accepts
        (officer, "frobnicate", {}, "en", ""),
    ]
    for client, action, body, lang, expected in cases:
        response = post(client, req["id"], action, lang, **body)
        assert response.status_code in (400, 403, 404), (action, response.status_code)
        if action != "frobnicate":
            assert expected in response.content.decode(), (action, lang, response.content.decode())
    post(provider, req["id"], "accept")
    post(provider, req["id"], "deliver", note="完成")
    for rating in (0, 6, "five"):
        assert post(officer, req["id"], "close", rating=rating).status_code == 400
    assert post(provider, req["id"], "deliver", lang="en", note="again").status_code == 400
    assert post(officer, req["id"], "close", rating=4).status_code == 200
    twice = post(officer, req["id"], "close", "en", rating=1)
    assert twice.status_code == 400 and "already been rated" in twice.content.decode()
    obj = ServiceRequest.objects.get(pk=req["id"])
    assert obj.rating == 4 and obj.state == "closed"
    assert TransitionLog.objects.count() == logged + 3


def test_a_suspended_providers_service_is_refused_by_name_and_nothing_is_filed(
    api, office, street_officer, street_enterprise, ip
):
    provider, service = ip
    services.provider_transition(actor=office, provider=provider, action="suspend", reason="整改")
    before = ServiceRequest.objects.count()
    for lang, word in (("zh-hans", "暂停"), ("en", "not accredited")):
        response = api(street_officer).post(
            "/api/v1/service-requests/",
            {"enterprise": street_enterprise.pk, "category": "ip", "need": "专利", "provider": provider.pk},
            format="json",
            HTTP_ACCEPT_LANGUAGE=lang,
        )
        assert response.status_code == 400 and word in response.content.decode(), response.content.decode()
    assert ServiceRequest.objects.count() == before


def test_an_officer_files_only_for_their_own_units_enterprises(api, street_officer, park_enterprise, ip):
    response = file(api(street_officer), park_enterprise, ip[1])
    assert response.status_code == 400 and "enterprise" in response.json()
    assert not ServiceRequest.objects.exists()


def test_overdue_requests_are_flagged_on_the_units_and_the_offices_home_page(
    web, office, street_officer, other_street_officer, street_enterprise, ip, ip_staff
):
    with clock.running_on(MONDAY):
        services.request_file(
            actor=street_officer, enterprise=street_enterprise, category="ip", need="专利", service=ip[1]
        )
    # Friday 9 June: three working days have passed, the provider has not answered.
    with clock.running_on(MONDAY + datetime.timedelta(days=3)):
        assert not [a for a in attention(street_officer) if a.level == "danger" and a.count]
    with clock.running_on(MONDAY + datetime.timedelta(days=4)):
        for user in (street_officer, office, ip_staff):
            overdue = [a for a in attention(user) if a.level == "danger"]
            assert overdue and overdue[0].count == 1, user
        assert not [a for a in attention(other_street_officer) if a.level == "danger" and a.count]
        page = web(street_officer).get("/").content.decode()
        assert "/services/requests/?overdue=true" in page
        listed = web(street_officer).get("/services/requests/?overdue=true").content.decode()
        assert street_enterprise.name in listed


def test_the_request_pages_walk_the_workflow_by_buttons(web, client, street_officer, street_enterprise, ip, ip_staff):
    page = web(street_officer)
    response = page.post(
        "/services/requests/new/",
        {"enterprise": street_enterprise.pk, "category": "ip", "need": "申请专利", "service": ip[1].pk},
    )
    req = ServiceRequest.objects.get()
    assert response.status_code == 302 and req.state == "assigned"
    client.force_login(ip_staff)
    detail = client.get(f"/services/requests/{req.pk}/").content.decode()
    assert 'value="accept"' in detail and 'value="decline"' in detail
    client.post(f"/services/requests/{req.pk}/action/", {"action": "accept"})
    client.post(f"/services/requests/{req.pk}/action/", {"action": "deliver", "note": "已完成", "confirmed": "1"})
    client.force_login(street_officer)
    assert 'value="close"' in client.get(f"/services/requests/{req.pk}/").content.decode()
    client.post(f"/services/requests/{req.pk}/action/", {"action": "close", "rating": "9", "confirmed": "1"})
    req.refresh_from_db()
    assert req.state == "delivered"
    client.post(f"/services/requests/{req.pk}/action/", {"action": "close", "rating": "4", "confirmed": "1"})
    req.refresh_from_db()
    assert req.state == "closed" and req.rating == 4
