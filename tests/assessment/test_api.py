"""The API: scoping, transitions as POST actions, refusals, pinned query counts."""

from decimal import Decimal

import pytest

from assessment.models import AssessmentState, Target
from assessment.services import assessments_recompute, target_set

from .factories import ActivityFactory, street_scheme

pytestmark = pytest.mark.django_db


@pytest.fixture
def computed(office, units):
    scheme = street_scheme()
    for indicator in scheme.indicators.all():
        for code in ("fuzimiao", "shuangtang"):
            target_set(indicator=indicator, org_unit=units[code], value=Decimal("2"), actor=office)
    ActivityFactory(org_unit=units["fuzimiao"], participants=3)
    assessments_recompute(year=2017)
    return scheme


def test_street_officer_lists_only_its_own_assessment(api, street_officer, computed, django_assert_max_num_queries):
    client = api(street_officer)
    # count, page of assessments with unit, scheme and confirmer joined
    with django_assert_max_num_queries(3):
        body = client.get("/api/v1/assessments/").json()
    assert [a["org_unit"] for a in body["results"]] == ["fuzimiao"]


def test_office_lists_every_assessment_in_constant_queries(api, office, computed, django_assert_max_num_queries):
    # count, one page of assessments (joined)
    with django_assert_max_num_queries(3):
        body = api(office).get("/api/v1/assessments/?year=2017&unit_kind=street").json()
    assert body["count"] == 12


def test_scores_list_is_scoped_and_constant(api, street_officer, computed, django_assert_max_num_queries):
    # count, one page of scores joined with assessment, unit and indicator
    with django_assert_max_num_queries(3):
        body = api(street_officer).get("/api/v1/assessment-scores/?year=2017").json()
    assert {s["org_unit"] for s in body["results"]} == {"fuzimiao"}
    assert body["count"] == 2


def test_a_unit_confirming_another_units_assessment_is_refused(api, street_officer, park_officer, computed, units):
    other = units["shuangtang"].assessments.get(year=2017)
    assert api(street_officer).post(f"/api/v1/assessments/{other.pk}/confirm/", {}).status_code == 404
    own = units["fuzimiao"].assessments.get(year=2017)
    # The office sees it but may not confirm for the unit.
    response = api(park_officer).post(f"/api/v1/assessments/{own.pk}/confirm/", {})
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.state == AssessmentState.COMPUTED


def test_office_may_not_confirm_for_the_unit(api, office, computed, units):
    own = units["fuzimiao"].assessments.get(year=2017)
    response = api(office).post(f"/api/v1/assessments/{own.pk}/confirm/", {})
    assert response.status_code == 403


def test_unit_confirms_then_office_publishes_and_the_published_table_is_visible(
    api, street_officer, other_street_officer, office, computed, units
):
    own = units["fuzimiao"].assessments.get(year=2017)
    response = api(street_officer).post(f"/api/v1/assessments/{own.pk}/confirm/", {"reason": "无异议"})
    assert response.status_code == 200 and response.json()["state"] == "confirmed"
    assert api(office).post(f"/api/v1/assessments/{own.pk}/publish/", {}).status_code == 200
    league = api(other_street_officer).get("/api/v1/league-table/?year=2017&unit_kind=street").json()
    assert [r["org_unit"] for r in league["results"]] == ["fuzimiao"]
    assert api(other_street_officer).get(f"/api/v1/assessments/{own.pk}/").status_code == 404


def test_an_objection_needs_a_reason(api, street_officer, computed, units):
    own = units["fuzimiao"].assessments.get(year=2017)
    response = api(street_officer).post(f"/api/v1/assessments/{own.pk}/object/", {"reason": ""})
    assert response.status_code == 400
    response = api(street_officer).post(f"/api/v1/assessments/{own.pk}/object/", {"reason": "活动数少计一场"})
    assert response.json()["state"] == "objected"


def test_a_target_for_a_park_on_a_street_indicator_is_a_400(api, office, computed):
    indicator = computed.indicators.first()
    response = api(office).post(
        "/api/v1/assessment-targets/", {"indicator": indicator.pk, "org_unit": "gaoxin_park", "value": "3"}
    )
    assert response.status_code == 400
    assert "org_unit" in response.json()


def test_a_unit_may_not_set_its_own_target(api, street_officer, computed):
    indicator = computed.indicators.first()
    response = api(street_officer).post(
        "/api/v1/assessment-targets/", {"indicator": indicator.pk, "org_unit": "fuzimiao", "value": "0"}
    )
    assert response.status_code == 403
    assert Target.objects.get(indicator=indicator, org_unit__code="fuzimiao").value == Decimal("2")


def test_unit_sees_its_own_targets_only(api, street_officer, computed, django_assert_max_num_queries):
    # count, page of targets joined with unit, indicator and scheme
    with django_assert_max_num_queries(3):
        body = api(street_officer).get("/api/v1/assessment-targets/?year=2017").json()
    assert {t["org_unit"] for t in body["results"]} == {"fuzimiao"}


def test_weights_not_adding_up_to_100_are_refused_on_activation(api, office):
    scheme = (
        api(office).post("/api/v1/assessment-schemes/", {"year": 2018, "unit_kind": "park", "name": "2018园区"}).json()
    )
    api(office).post(
        "/api/v1/assessment-indicators/",
        {"scheme": scheme["id"], "key": "landed", "label": "落户企业", "weight": "80", "source": "enterprises_landed"},
    )
    response = api(office).post(f"/api/v1/assessment-schemes/{scheme['id']}/activate/")
    assert response.status_code == 400
    assert "80" in response.json()["weight"][0]


def test_leader_reads_but_may_not_write(api, leader, computed):
    assert api(leader).get("/api/v1/assessments/").json()["count"] == 12
    assert (
        api(leader).post("/api/v1/assessment-schemes/", {"year": 2019, "unit_kind": "street", "name": "x"}).status_code
        == 403
    )


def test_activities_are_scoped_and_recorded_for_the_own_unit_only(
    api, street_officer, computed, django_assert_max_num_queries
):
    client = api(street_officer)
    ok = client.post(
        "/api/v1/activities/",
        {
            "org_unit": "fuzimiao",
            "kind": "roadshow",
            "title": "夫子庙项目路演",
            "held_on": "2017-06-01",
            "participants": 40,
        },
    )
    assert ok.status_code == 201
    refused = client.post(
        "/api/v1/activities/",
        {"org_unit": "shuangtang", "kind": "salon", "title": "x", "held_on": "2017-06-01", "participants": 4},
    )
    # Another unit reads as no unit at all (core.references): a 400 on the field, nothing written.
    assert refused.status_code == 400
    assert "org_unit" in str(refused.json())
    # count, page of activities with unit
    with django_assert_max_num_queries(3):
        body = client.get("/api/v1/activities/").json()
    assert {a["org_unit"] for a in body["results"]} == {"fuzimiao"}


def test_an_invalid_filter_value_is_a_400(api, office):
    assert api(office).get("/api/v1/assessments/?state=nonsense").status_code == 400
    assert api(office).get("/api/v1/league-table/?year=abc").status_code == 400
