"""The whole path through the API: open a call, apply, pre-review, two experts score, defense, notice, title."""

import datetime

import pytest
from django.utils import timezone

from talents.models import Application, Title

from .factories import valid_id_number
from .helpers import pdf

pytestmark = pytest.mark.django_db


def ok(response, status=200):
    assert response.status_code == status, response.content
    return response.json()


def test_the_same_path_works_through_the_api(api, units, office, street_officer, expert, expert2):
    today = timezone.localdate()
    district, street = api(office), api(street_officer)
    call = ok(
        district.post(
            "/api/v1/calls/",
            {
                "program": "district_high_level_entrepreneur",
                "year": today.year + 1,
                "title": "秦淮区高层次创业人才遴选",
                "opens_on": (today - datetime.timedelta(days=1)).isoformat(),
                "closes_on": (today + datetime.timedelta(days=30)).isoformat(),
                "quota": 10,
                "focus_industries": ["cloud_computing", "smart_transport", "e_commerce"],
                "eligibility": {"legal_representative": True},
                "required_documents": ["business_plan"],
                "criteria": [
                    {"code": "innovation", "label": "技术创新性", "weight": "70.00", "max_score": 100},
                    {"code": "market", "label": "市场前景", "weight": "30.00", "max_score": 100},
                ],
            },
            format="json",
        ),
        201,
    )
    assert ok(street.post(f"/api/v1/calls/{call['id']}/open/"), 403)
    assert ok(district.post(f"/api/v1/calls/{call['id']}/open/"))["state"] == "open"

    talent = ok(
        street.post("/api/v1/talents/", {"name": "周云帆", "id_number": valid_id_number(77)}, format="json"), 201
    )
    assert talent["org_unit"] == "fuzimiao"
    app = ok(
        street.post(
            "/api/v1/applications/",
            {
                "talent": talent["id"],
                "call": call["id"],
                "industry": "smart_transport",
                "venture_name": "云帆智行科技有限公司",
                "requested_support": "500000.00",
                "source_channel": "overseas_station",
                "is_legal_representative": True,
            },
            format="json",
        ),
        201,
    )
    assert app["industry_fit"] == "100.00" and app["requested_support"] == "500000.00"
    url = f"/api/v1/applications/{app['id']}"
    assert "attachments" in ok(street.post(f"{url}/submit/", {}, format="json"), 400)
    ok(street.post(f"{url}/attachments/", {"kind": "business_plan", "file": pdf()}, format="multipart"), 201)
    assert ok(street.post(f"{url}/submit/", {}, format="json"))["state"] == "submitted"
    assert ok(street.post(f"{url}/accept/", {}, format="json"))["state"] == "expert_review"

    for who in (expert, expert2):
        review = ok(
            district.post("/api/v1/reviews/", {"application": app["id"], "expert": who.username}, format="json"), 201
        )
        ok(
            api(who).post(
                f"/api/v1/reviews/{review['id']}/submit/",
                {"scores": {"innovation": "90", "market": "70"}},
                format="json",
            )
        )
    assert ok(street.get(f"{url}/"))["score"] == "84.00"

    assert ok(street.post(f"{url}/to_defense/", {}, format="json"))["state"] == "defense"
    ok(street.post(f"{url}/defense_vote/", {"votes_for": 6, "votes_against": 1}, format="json"))
    assert ok(street.post(f"{url}/select/", {}, format="json"))["state"] == "public_notice"
    ok(district.post(f"{url}/objections/", {"content": "反映股权结构不实"}, format="json"))
    objection = Application.objects.get(pk=app["id"]).objections.get()
    Application.objects.filter(pk=app["id"]).update(
        notice_starts_on=today - datetime.timedelta(days=16), notice_ends_on=today - datetime.timedelta(days=1)
    )
    assert ok(district.post(f"{url}/approve/", {"origin": "introduced"}, format="json"), 400)
    ok(
        district.post(
            f"{url}/resolve_objection/",
            {"objection": objection.pk, "upheld": False, "resolution": "经核查不属实"},
            format="json",
        )
    )
    assert ok(street.post(f"{url}/approve/", {"origin": "introduced"}, format="json"), 403)
    assert ok(district.post(f"{url}/approve/", {"origin": "introduced"}, format="json"))["state"] == "approved"

    titles = ok(street.get("/api/v1/titles/?program=district_high_level_entrepreneur"))["results"]
    assert [(t["talent"], t["origin"], t["org_unit"]) for t in titles] == [(talent["id"], "introduced", "fuzimiao")]
    assert Title.objects.get().application_id == app["id"]


def test_invalid_filter_values_are_400(api, office):
    assert api(office).get("/api/v1/applications/?state=flying").status_code == 400
    assert api(office).get("/api/v1/titles/?origin=mars").status_code == 400
