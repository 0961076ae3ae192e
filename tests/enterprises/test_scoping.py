"""Every list and record, page and endpoint, shows only the caller's units; out of scope is a 404."""

import datetime
from decimal import Decimal

import pytest

from enterprises.models import Evaluation, MakerSpace, SupportPlanItem
from enterprises.services import figures_recompute
from qinhuai_talent.core.models import OrgUnit

from .factories import EnterpriseFactory, FinancingRoundFactory, ReportFactory, SupportItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(park_enterprise, street_enterprise):
    """For each of the two enterprises: a report, a round, an evaluation, a plan item; a maker space per unit."""
    out = {}
    for key, e in (("park", park_enterprise), ("street", street_enterprise)):
        out[key] = {
            "enterprises": e,
            "operating-reports": ReportFactory(enterprise=e),
            "financing-rounds": FinancingRoundFactory(enterprise=e),
            "evaluations": Evaluation.objects.create(
                enterprise=e, year=2017, evaluator="某银行", grade="B", evaluated_on=datetime.date(2017, 7, 1)
            ),
            "support-items": SupportItemFactory(enterprise=e),
            "maker-spaces": MakerSpace.objects.create(name=f"{e.name}空间", level="municipal", org_unit=e.org_unit),
        }
    return out


RESOURCES = ["enterprises", "operating-reports", "financing-rounds", "evaluations", "support-items", "maker-spaces"]


@pytest.mark.parametrize("resource", RESOURCES)
def test_an_officer_lists_only_their_units_records(api, park_officer, records, resource):
    body = api(park_officer).get(f"/api/v1/{resource}/").json()
    assert [r["id"] for r in body["results"]] == [records["park"][resource].pk]
    assert body["results"][0]["org_unit"] == "gaoxin_park"


@pytest.mark.parametrize("resource", RESOURCES)
def test_another_units_record_is_a_404(api, park_officer, records, resource):
    client = api(park_officer)
    assert client.get(f"/api/v1/{resource}/{records['street'][resource].pk}/").status_code == 404
    assert client.get(f"/api/v1/{resource}/{records['park'][resource].pk}/").status_code == 200


@pytest.mark.parametrize("resource", RESOURCES)
def test_the_office_and_leadership_see_the_whole_district(api, office, leader, records, resource):
    for user in (office, leader):
        assert api(user).get(f"/api/v1/{resource}/").json()["count"] == 2


@pytest.mark.parametrize("resource", RESOURCES)
def test_an_expert_sees_no_enterprise_records(api, expert, records, resource):
    assert api(expert).get(f"/api/v1/{resource}/").json()["count"] == 0


def test_a_report_client_counts_only_its_granted_units_and_reads_no_records(api, records):
    from enterprises.models import Enterprise
    from qinhuai_talent.core.models import Role, User

    client_user = User.objects.create(username="reporter", role=Role.API_CLIENT)
    client_user.granted_units.add(OrgUnit.objects.get(code="fuzimiao"))
    summary = api(client_user).get("/api/v1/reports/summary/").json()
    granted = Enterprise.objects.filter(org_unit__code="fuzimiao").count()
    assert granted < Enterprise.objects.count()
    assert summary["enterprises"]["count"] == granted
    assert api(client_user).get("/api/v1/enterprises/").status_code == 403


def test_money_is_a_decimal_string_with_two_places(api, office, records):
    figures_recompute()
    record = api(office).get(f"/api/v1/enterprises/{records['park']['enterprises'].pk}/").json()
    assert record["cumulative_sales"] == "1000000.00" and record["registered_on"] == "2014-03-01"
    assert record["founders"] == []


def test_invalid_filter_values_are_400(api, office, records):
    client = api(office)
    assert client.get("/api/v1/enterprises/?enterprise_class=emperor").status_code == 400
    assert client.get("/api/v1/enterprises/?org_unit=nowhere").status_code == 400
    assert client.get("/api/v1/enterprises/?sort=shoe_size").status_code == 400
    assert client.get("/api/v1/operating-reports/?year=abc").status_code == 400


def test_enterprise_filters_search_and_sort(api, office, records):
    figures_recompute()
    client = api(office)
    assert client.get("/api/v1/enterprises/?org_unit=fuzimiao").json()["count"] == 1
    assert client.get("/api/v1/enterprises/?q=云帆").json()["count"] == 1
    names = [r["name"] for r in client.get("/api/v1/enterprises/?sort=-cumulative_financing").json()["results"]]
    assert len(names) == 2


def test_leadership_cannot_write(api, leader, park_enterprise):
    body = {"enterprise": park_enterprise.pk, "year": 2016, "quarter": 3, "sales": "1", "main_revenue": "1"}
    assert api(leader).post("/api/v1/operating-reports/", body).status_code == 403


def test_an_officer_posts_a_report_and_a_correction(api, park_officer, park_enterprise):
    body = {"enterprise": park_enterprise.pk, "year": 2016, "quarter": 3, "sales": "100.5", "main_revenue": "90"}
    client = api(park_officer)
    first = client.post("/api/v1/operating-reports/", body)
    assert first.status_code == 201 and first.json()["version"] == 1
    second = client.post("/api/v1/operating-reports/", {**body, "sales": "200"})
    assert second.status_code == 201 and second.json()["version"] == 2
    every = client.get("/api/v1/operating-reports/?all_versions=true").json()
    assert every["count"] == 2 and client.get("/api/v1/operating-reports/").json()["count"] == 1


def test_a_report_for_another_units_enterprise_is_a_400_naming_the_field(api, park_officer, street_enterprise):
    body = {"enterprise": street_enterprise.pk, "year": 2016, "quarter": 3, "sales": "1", "main_revenue": "1"}
    response = api(park_officer).post("/api/v1/operating-reports/", body)
    assert response.status_code == 400 and "enterprise" in response.json()


def test_a_future_period_through_the_api_is_a_400(api, park_officer, park_enterprise):
    body = {"enterprise": park_enterprise.pk, "year": 2099, "quarter": 1, "sales": "1", "main_revenue": "1"}
    response = api(park_officer).post("/api/v1/operating-reports/", body)
    assert response.status_code == 400 and "year" in response.json()


def test_an_invalid_credit_code_through_the_api_is_a_400(api, office):
    body = {
        "name": "南京坏码科技有限公司",
        "credit_code": "91320104MA1234567X",
        "registered_on": "2016-01-01",
        "org_unit": "gaoxin_park",
        "industry": "cloud_computing",
    }
    from .factories import IndustryFactory

    IndustryFactory()
    response = api(office).post("/api/v1/enterprises/", body)
    assert response.status_code == 400 and "credit_code" in response.json()


def test_plan_item_actions_through_the_api(api, park_officer, records):
    item = records["park"]["support-items"]
    client = api(park_officer)
    assert client.post(f"/api/v1/support-items/{item.pk}/start/").json()["status"] == "in_progress"
    assert client.post(f"/api/v1/support-items/{item.pk}/complete/", {}).status_code == 400
    done = client.post(f"/api/v1/support-items/{item.pk}/complete/", {"outcome": "对接三家机构"}).json()
    assert done["status"] == "done"
    other = records["street"]["support-items"]
    assert client.post(f"/api/v1/support-items/{other.pk}/start/").status_code == 404


def test_overdue_plan_items_show_on_the_officers_home_page(web, park_officer, records):
    SupportPlanItem.objects.filter(pk=records["park"]["support-items"].pk).update(due_on=datetime.date(2017, 1, 1))
    page = web(park_officer).get("/").content.decode()
    assert "/enterprises/plan/?overdue=true" in page


PAGES = [
    ("/enterprises/", "enterprises"),
    ("/enterprises/plan/", "support-items"),
    ("/enterprises/maker-spaces/", "maker-spaces"),
]


@pytest.mark.parametrize(("url", "resource"), PAGES)
def test_list_pages_show_only_the_officers_unit(web, park_officer, records, url, resource):
    html = web(park_officer).get(url).content.decode()
    own, other = records["park"][resource], records["street"][resource]
    name = lambda r: getattr(r, "title", None) or r.name  # noqa: E731
    assert name(own) in html and name(other) not in html


def test_another_units_enterprise_page_is_a_404(web, park_officer, records):
    client = web(park_officer)
    assert client.get(f"/enterprises/{records['street']['enterprises'].pk}/").status_code == 404
    assert client.get(f"/enterprises/{records['street']['enterprises'].pk}/reports/").status_code == 404
    assert client.get(f"/enterprises/plan/{records['street']['support-items'].pk}/").status_code == 404
    assert client.get(f"/enterprises/{records['park']['enterprises'].pk}/").status_code == 200


def test_enterprise_page_shows_charts_as_inline_svg_without_script(web, office, records):
    e = records["park"]["enterprises"]
    ReportFactory(enterprise=e, quarter=2, main_revenue=Decimal(1_200_000))
    html = web(office).get(f"/enterprises/{e.pk}/").content.decode()
    assert html.count("<svg") >= 3 and "<script" not in html.split("<main")[1].split("</main>")[0]


def test_history_is_shown_to_the_office_only(web, office, park_officer, records):
    e = records["park"]["enterprises"]
    assert "history-h" in web(office).get(f"/enterprises/{e.pk}/").content.decode()
    assert "history-h" not in web(park_officer).get(f"/enterprises/{e.pk}/").content.decode()


def test_leadership_cannot_open_the_import_or_edit_pages(web, leader, records):
    client = web(leader)
    assert client.get("/enterprises/imports/").status_code == 403
    assert client.get(f"/enterprises/{records['park']['enterprises'].pk}/edit/").status_code == 403


# --- Pinned query counts -------------------------------------------------------------------------


@pytest.fixture
def many(units):
    unit = OrgUnit.objects.get(code="gaoxin_park")
    for n in range(25):
        e = EnterpriseFactory(org_unit=unit)
        ReportFactory(enterprise=e)
        FinancingRoundFactory(enterprise=e)
        SupportItemFactory(enterprise=e)
        Evaluation.objects.create(
            enterprise=e, year=2017, evaluator="某银行", grade="A", evaluated_on=datetime.date(2017, 7, 1)
        )
        MakerSpace.objects.create(name=f"空间{n}", level="municipal", org_unit=unit)


@pytest.mark.parametrize("resource", RESOURCES)
def test_api_lists_use_a_fixed_number_of_queries(api, park_officer, many, resource, django_assert_max_num_queries):
    client = api(park_officer)
    # session user + unit, count, page of rows with their unit (joined)
    with django_assert_max_num_queries(5):
        response = client.get(f"/api/v1/{resource}/?page_size=100")
    assert response.json()["count"] == 25


@pytest.mark.parametrize(
    "url", ["/enterprises/", "/enterprises/plan/", "/enterprises/maker-spaces/", "/enterprises/mentors/"]
)
def test_list_pages_use_a_fixed_number_of_queries(web, park_officer, many, url, django_assert_max_num_queries):
    client = web(park_officer)
    # session, user, count, page rows (joined), nav/attention count, mentors' prefetch, messages
    with django_assert_max_num_queries(10):
        assert client.get(url).status_code == 200


def test_enterprise_page_uses_a_fixed_number_of_queries(web, office, many, django_assert_max_num_queries):
    from enterprises.models import Enterprise

    e = Enterprise.objects.first()
    for q in (2, 3, 4):
        ReportFactory(enterprise=e, quarter=q)
    client = web(office)
    # session, user, enterprise + founders, reports, superseded, rounds, evaluations, plan, visits,
    # class changes, mentors, history (+ users), attention
    with django_assert_max_num_queries(20):
        assert client.get(f"/enterprises/{e.pk}/").status_code == 200
