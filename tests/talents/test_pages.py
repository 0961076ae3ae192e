"""The web path: forms and buttons call the same services, refusals come back as messages."""

import datetime

import pytest
from django.utils import timezone

from talents.models import Application, Call, Talent

from .factories import valid_id_number
from .helpers import pdf

pytestmark = pytest.mark.django_db


def test_office_creates_a_call_then_a_street_officer_files_and_submits(web, units, office, street_officer):
    today = timezone.localdate()
    client = web(office)
    response = client.post(
        "/talents/calls/new/",
        {
            "program": Call._meta.get_field("program")
            .related_model.objects.get(code="district_high_level_entrepreneur")
            .pk,
            "year": today.year + 2,
            "title": "区高层次创业人才遴选",
            "opens_on": (today - datetime.timedelta(days=1)).isoformat(),
            "closes_on": (today + datetime.timedelta(days=20)).isoformat(),
            "quota": 5,
            "required_documents": ["business_plan"],
            "min_reviews": 2,
            "notice_days": 15,
            "rubric": "innovation|技术创新性|50\nmarket|市场前景|50",
        },
    )
    call = Call.objects.get(year=today.year + 2)
    assert response.status_code == 302
    # Publishing asks once, naming the call and the consequence; only the confirmation publishes.
    asked = client.post(f"/talents/calls/{call.pk}/action/", {"action": "open"}).content.decode()
    call.refresh_from_db()
    assert call.state == "draft" and call.title in asked and "申报时间为" in asked
    client.post(f"/talents/calls/{call.pk}/action/", {"action": "open", "confirmed": "1"})
    call.refresh_from_db()
    assert call.state == "open"

    client = web(street_officer)
    response = client.post(
        "/talents/new/",
        {"name": "沈清和", "id_number": valid_id_number(501), "nationality": "中国", "org_unit": units["fuzimiao"].pk},
    )
    talent = Talent.objects.get(name="沈清和")
    assert response.status_code == 302
    good = valid_id_number(502)
    wrong_check_digit = good[:-1] + ("1" if good[-1] != "1" else "2")
    bad = client.post(
        "/talents/new/",
        {"name": "错号", "id_number": wrong_check_digit, "nationality": "中国", "org_unit": units["fuzimiao"].pk},
    )
    assert bad.status_code == 400 and "不是有效的居民身份证号码" in bad.content.decode()

    from talents.models import Industry

    response = client.post(
        "/talents/applications/new/",
        {
            "talent": talent.pk,
            "call": call.pk,
            "industry": Industry.objects.get(code="e_commerce").pk,
            "venture_name": "清和电商",
            "requested_support": "300000",
            "source_channel": "contest",
            "own_paid_in_capital": "0",
        },
    )
    app = Application.objects.get(venture_name="清和电商")
    page = client.post(f"/talents/applications/{app.pk}/action/", {"action": "submit"}, follow=True)
    assert "缺少必备材料" in page.content.decode()
    client.post(f"/talents/applications/{app.pk}/attachments/", {"kind": "business_plan", "file": pdf()})
    page = client.post(f"/talents/applications/{app.pk}/action/", {"action": "submit", "confirmed": "1"}, follow=True)
    app.refresh_from_db()
    assert app.state == "submitted" and "已提交，待初审" in page.content.decode()


def test_application_page_offers_only_the_buttons_the_user_may_press(web, draft, street_officer, leader):
    actions = [t.action for t in web(street_officer).get(f"/talents/applications/{draft.pk}/").context["actions"]]
    assert actions == ["submit", "withdraw"]
    assert web(leader).get(f"/talents/applications/{draft.pk}/").context["actions"] == []


def test_the_talent_registry_filters_searches_and_sorts(web, draft, street_officer):
    client = web(street_officer)
    assert [t.pk for t in client.get("/talents/", {"q": draft.talent.name}).context["page"]] == [draft.talent_id]
    assert list(client.get("/talents/", {"program": "academician"}).context["page"]) == []
    assert client.get("/talents/", {"sort": "titles"}).status_code == 200
