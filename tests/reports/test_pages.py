"""The dashboard page, its exports and printable version, and the office's report-client pages."""

import csv
import io
import re

import pytest
from knox.models import AuthToken

from qinhuai_talent.core.models import Role, User

pytestmark = pytest.mark.django_db

DASHBOARD = "/reports/"


def test_leader_sees_the_district_dashboard_with_charts_and_linked_figures(web, leader, district):
    response = web(leader).get(DASHBOARD, {"year": 2017})
    assert response.status_code == 200
    html = response.content.decode()
    text = re.sub(r"<[^>]+>", "", html)  # the year is marked up as a <time>
    assert "秦淮区 2017 年人才工作概况" in text
    assert html.count("<svg") == 6 and "<script" not in html.split("<main", 1)[1].split("</main>")[0]
    # Each figure with its unit beside it (issue 17 item 6), by the one rule: 95,500,000.50 yuan of
    # cumulative sales, below 1 亿, in 万元; 2,500,000 committed in 万元.
    assert "9,550.0 万元" in text and "250.0 万元" in text
    assert "national_thousand_talents" in html  # figures link to their records, filtered


def test_street_officer_sees_its_own_unit_version(web, street_officer, district):
    html = web(street_officer).get(DASHBOARD, {"year": 2017}).content.decode()
    assert "夫子庙街道 2017 年人才工作概况" in re.sub(r"<[^>]+>", "", html)
    assert "双塘街道" not in html


def test_street_officer_cannot_pick_another_unit(web, street_officer, district):
    response = web(street_officer).get(DASHBOARD, {"year": 2017, "org_unit": "shuangtang"})
    assert response.status_code == 400
    assert "92.50" not in response.content.decode()


def test_bad_year_on_the_dashboard_is_a_400_with_a_message(web, office, district):
    response = web(office).get(DASHBOARD, {"year": "abc"})
    assert response.status_code == 400
    assert "请更正上方的筛选条件" in response.content.decode()


def test_expert_has_no_dashboard(web, expert, district):
    assert web(expert).get(DASHBOARD).status_code == 404


def test_dashboard_exports_csv_and_xlsx_for_the_chosen_unit(web, office, district):
    client = web(office)
    response = client.get(DASHBOARD, {"year": 2017, "org_unit": "gaoxin_park", "export": "csv"})
    assert response.status_code == 200 and "gaoxin_park" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert ["企业数", "1"] in rows
    xlsx = client.get(DASHBOARD, {"year": 2017, "export": "xlsx"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_printable_version_drops_the_portal_chrome(web, leader, district):
    html = web(leader).get(DASHBOARD, {"year": 2017, "print": "1"}).content.decode()
    assert 'class="report-print"' in html


def test_dashboard_runs_a_constant_number_of_queries(web, office, district, django_assert_max_num_queries):
    from . import factories as f

    client = web(office)
    # session 1, user 1, the user's unit for the header 1, the unit filter's choices 1, the
    # summary's 17 figure queries = 21.
    with django_assert_max_num_queries(21):
        client.get(DASHBOARD, {"year": 2017})
    f.EnterpriseFactory.create_batch(4)
    f.TitleFactory.create_batch(4)
    with django_assert_max_num_queries(21):
        client.get(DASHBOARD, {"year": 2017})


def test_office_issues_a_client_whose_token_is_shown_once_and_reads_only_its_units(web, api, office, district):
    client = web(office)
    response = client.post(
        "/reports/clients/new/",
        {"username": "city-platform", "name": "市人才办数据平台", "units": [district["gaoxin_park"].pk]},
    )
    account = User.objects.get(username="city-platform")
    assert account.role == Role.API_CLIENT and not account.has_usable_password()
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    token = page.split("<code>", 1)[1].split("</code>", 1)[0]
    assert "仅显示这一次" in page and len(token) > 20
    assert token not in client.get(response["Location"]).content.decode()

    reader = api()
    reader.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    body = reader.get("/api/v1/reports/summary/", {"year": 2017}).json()
    assert body["enterprises"]["count"] == 1
    assert reader.get("/api/v1/reports/summary/", {"year": 2017, "org_unit": "fuzimiao"}).status_code == 403
    # Read-only: the client cannot start jobs.
    assert reader.post("/api/v1/jobs/", {"kind": "recompute_payouts"}).status_code in (403, 400)

    client.post(f"/reports/clients/{account.pk}/revoke/")
    assert reader.get("/api/v1/reports/summary/", {"year": 2017}).status_code == 401
    assert not AuthToken.objects.filter(user=account).exists()


def test_a_client_needs_a_grant(web, office, district):
    response = web(office).post("/reports/clients/new/", {"username": "nogrant", "name": "无授权"})
    assert response.status_code == 400
    assert "请授权全区，或至少选择一个单位" in response.content.decode()
    assert not User.objects.filter(username="nogrant").exists()


def test_office_issues_another_token_for_an_active_client(web, office, report_client):
    account, _token = report_client("fuzimiao")
    client = web(office)
    client.post(f"/reports/clients/{account.pk}/token/")
    assert AuthToken.objects.filter(user=account).count() == 2


@pytest.mark.parametrize("persona", ["leader", "street_officer", "finance"])
def test_only_the_office_manages_report_clients(web, request, persona, report_client):
    account, _token = report_client("fuzimiao")
    client = web(request.getfixturevalue(persona))
    assert client.get("/reports/clients/").status_code == 404
    assert client.post(f"/reports/clients/{account.pk}/revoke/").status_code == 404
    assert AuthToken.objects.filter(user=account).exists()


def test_client_list_runs_a_constant_number_of_queries(web, office, report_client, django_assert_max_num_queries):
    for code in ("fuzimiao", "shuangtang", "gaoxin_park"):
        report_client(code)
    client = web(office)
    # session 1, user 1, the user's unit for the header 1, count 1, clients with their token
    # counts 1, their granted units 1 = 6.
    with django_assert_max_num_queries(6):
        assert client.get("/reports/clients/").status_code == 200
