"""Changing a talent and an application, by page and by API (issue 14, item 6, the talents part):
the office and the unit's own officer may, an application only while a draft or returned; everyone
else meets the answer for a record that is not there (or, for the read-only roles that see it, a
refusal); every change is kept in the record's history under the name of who made it."""

import pytest
from rest_framework.test import APIClient

from qinhuai_talent.core.models import User
from talents.models import Application, Talent

from .factories import ApplicationFactory, TalentFactory, valid_id_number

pytestmark = pytest.mark.django_db

ROLES = ["office", "street", "street2", "park", "expert", "finance", "leader"]
# Who may change a talent or an application of 夫子庙街道 (the officer "street").
MAY_CHANGE = {"office", "street"}


def api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize("username", ROLES)
def test_a_talent_is_changed_by_the_office_and_its_units_officer_only(units, client, username):
    talent = TalentFactory()
    user = User.objects.get(username=username)
    response = api(user).patch(f"/api/v1/talents/{talent.pk}/", {"field": "人工智能"}, format="json")
    if username in MAY_CHANGE:
        assert response.status_code == 200, response.content
        assert Talent.objects.get(pk=talent.pk).field == "人工智能"
        assert talent.history.order_by("-history_date").first().history_user == user
    else:
        assert response.status_code in (403, 404), response.content
        assert Talent.objects.get(pk=talent.pk).field == talent.field
    client.force_login(user)
    page = client.get(f"/talents/{talent.pk}/edit/")
    assert page.status_code == (200 if username in MAY_CHANGE else 404)


def test_the_page_changes_a_talent_and_refuses_a_taken_id_number(units, client, street_officer):
    talent, other = TalentFactory(), TalentFactory()
    client.force_login(street_officer)
    form = {
        "name": talent.name,
        "id_number": other.id_number,
        "nationality": "中国",
        "education": "doctorate",
        "org_unit": talent.org_unit_id,
    }
    refused = client.post(f"/talents/{talent.pk}/edit/", form)
    assert refused.status_code == 400 and "id_number" in refused.context["form"].errors
    form["id_number"] = valid_id_number()
    assert client.post(f"/talents/{talent.pk}/edit/", form).status_code == 302
    talent.refresh_from_db()
    assert (talent.education, talent.id_number) == ("doctorate", form["id_number"])


def test_only_the_office_moves_a_talent_to_another_unit(units, street_officer, office):
    talent = TalentFactory()
    moved = api(street_officer).patch(f"/api/v1/talents/{talent.pk}/", {"org_unit": "shuangtang"}, format="json")
    # Another unit reads as no unit at all to an officer (core.references): a 400 on the field.
    assert moved.status_code == 400 and "org_unit" in str(moved.json())
    assert Talent.objects.get(pk=talent.pk).org_unit_id == talent.org_unit_id
    assert api(office).patch(f"/api/v1/talents/{talent.pk}/", {"org_unit": "shuangtang"}).status_code == 200
    assert Talent.objects.get(pk=talent.pk).org_unit.code == "shuangtang"


CHANGE = {"venture_name": "改名后的项目有限公司", "summary": "新的项目简介"}


@pytest.mark.parametrize("username", ROLES)
def test_an_application_is_changed_by_its_unit_side_only(units, client, username, call):
    app = ApplicationFactory(call=call)
    user = User.objects.get(username=username)
    response = api(user).patch(f"/api/v1/applications/{app.pk}/", CHANGE, format="json")
    if username in MAY_CHANGE:
        assert response.status_code == 200, response.content
        assert response.json()["venture_name"] == CHANGE["venture_name"]
        assert app.history.order_by("-history_date").first().history_user == user
    else:
        assert response.status_code in (403, 404), response.content
        assert Application.objects.get(pk=app.pk).venture_name == app.venture_name
    client.force_login(user)
    assert client.get(f"/talents/applications/{app.pk}/edit/").status_code == (200 if username in MAY_CHANGE else 404)


def test_a_submitted_application_is_no_longer_changed(draft, client, street_officer):
    from talents import services

    services.application_transition(application_id=draft.pk, action="submit", actor=street_officer)
    refused = api(street_officer).patch(f"/api/v1/applications/{draft.pk}/", CHANGE, format="json")
    assert refused.status_code == 400
    client.force_login(street_officer)
    assert client.get(f"/talents/applications/{draft.pk}/edit/").status_code == 404
    services.application_transition(application_id=draft.pk, action="return", actor=street_officer, reason="补充")
    form = {
        "industry": draft.industry_id,
        "venture_name": "补正后的项目有限公司",
        "summary": "补充材料",
        "requested_support": "400000",
        "source_channel": "contest",
        "is_legal_representative": "on",
        "own_paid_in_capital": "1000000",
    }
    assert client.post(f"/talents/applications/{draft.pk}/edit/", form).status_code == 302
    assert Application.objects.get(pk=draft.pk).venture_name == "补正后的项目有限公司"


def test_bad_amounts_are_a_message_not_a_500(units, call, street_officer):
    app = ApplicationFactory(call=call)
    response = api(street_officer).patch(f"/api/v1/applications/{app.pk}/", {"requested_support": "-1"})
    assert response.status_code == 400 and "requested_support" in response.json()
