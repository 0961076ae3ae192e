"""GET /api/v1/reports/summary/: the figures, their scope, the exports and bad input."""

import csv
import io

import pytest
from openpyxl import load_workbook

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports/summary/"


def titles_of(body):
    return {(r["program"], r["origin"]): r["count"] for r in body["titles"]}


def pipeline_of(body):
    return {r["program"]: r for r in body["pipeline"]}


def test_titles_count_what_is_held_at_the_end_of_the_year_by_program_level_and_origin(api, office, district):
    body = api(office).get(URL, {"year": 2017}).json()
    assert titles_of(body) == {
        ("national_thousand_talents", "introduced"): 3,
        ("national_thousand_talents", "self_cultivated"): 1,
        ("municipal_leading_entrepreneur", "introduced"): 2,
    }
    national = next(r for r in body["titles"] if r["program"] == "national_thousand_talents")
    assert national["level"] == "national"
    # The 2018 title counts from 2018 on.
    assert (
        titles_of(api(office).get(URL, {"year": 2018}).json())[("district_high_level_entrepreneur", "introduced")] == 1
    )


def test_pipeline_lists_every_call_of_the_year_with_its_applications_by_stage(api, office, district):
    pipeline = pipeline_of(api(office).get(URL, {"year": 2017}).json())
    assert set(pipeline) == {
        "national_thousand_talents",
        "municipal_leading_entrepreneur",
        "district_high_level_entrepreneur",
    }
    national = pipeline["national_thousand_talents"]
    assert (national["applications"], national["active"]) == (3, 2)
    assert national["by_stage"]["defense"] == 2 and national["by_stage"]["rejected"] == 1
    municipal = pipeline["municipal_leading_entrepreneur"]
    # The draft is the applicant's own: shown as a stage, not as an application; the 2016
    # approval belongs to 2016.
    assert (municipal["applications"], municipal["active"], municipal["by_stage"]["submitted"]) == (3, 3, 3)
    assert (municipal["by_stage"]["draft"], municipal["by_stage"]["approved"]) == (1, 0)
    assert pipeline["district_high_level_entrepreneur"]["applications"] == 0


def test_enterprise_figures_count_the_active_enterprises_only(api, office, district):
    body = api(office).get(URL, {"year": 2017}).json()
    assert body["enterprises"] | {"by_class": None, "by_tier": None} == {
        "count": 3,
        "cumulative_sales": "95500000.50",
        "cumulative_revenue": "72000000.00",
        "cumulative_financing": "25000000.00",
        "revenue_10m_plus": 2,
        "revenue_50m_plus": 1,
        "neeq_listed": 1,
        "by_class": None,
        "by_tier": None,
    }
    assert body["enterprises"]["by_class"]["little_giant"] == 1
    assert body["maker_spaces"]["municipal_level"] == 3


def test_funding_figures_follow_the_agreements_the_ledger_and_the_tranches(api, office, district):
    funding = api(office).get(URL, {"year": 2017}).json()["funding"]
    keys = ("agreements", "committed", "paid", "eligible", "held", "recovered", "recovery_due")
    assert {k: funding[k] for k in keys} == {
        "agreements": 3,
        "committed": "2500000.00",
        "paid": "400000.00",
        "eligible": "400000.00",
        "held": "300000.00",
        "recovered": "100000.00",
        "recovery_due": "150000.00",
    }
    by_source = {r["source"]: (r["budget"], r["committed"], r["paid"]) for r in funding["by_source"]}
    assert by_source["district_treasury"] == ("5000000.00", "1000000.00", "300000.00")
    assert by_source["city_share"] == ("0.00", "0.00", "0.00")
    quarters = {(q["year"], q["quarter"]): (q["planned"], q["paid"]) for q in funding["quarters"]}
    assert len(quarters) == 12
    assert quarters[(2017, 2)] == ("300000.00", "300000.00")
    assert quarters[(2017, 3)] == ("400000.00", "100000.00")


def test_exit_figures_count_open_flags_by_rule_cases_exits_and_recoveries(api, office, district):
    exits = api(office).get(URL, {"year": 2017}).json()["exits"]
    assert exits["open_flags"] == 2
    assert exits["open_flags_by_rule"]["missing_reports"] == 1 and exits["open_flags_by_rule"]["moved_out"] == 0
    assert (exits["cases"], exits["exits"], exits["recovery_due"], exits["recovered"]) == (
        1,
        1,
        "150000.00",
        "100000.00",
    )


def test_league_table_is_in_rank_order(api, leader, district):
    table = api(leader).get(URL, {"year": 2017}).json()["assessment"]
    assert [(r["rank"], r["org_unit"], r["total"]) for r in table] == [
        (1, "shuangtang", "92.50"),
        (2, "fuzimiao", "88.00"),
        (3, "gaoxin_park", "80.00"),
    ]


def test_street_officer_sees_only_its_street(api, street_officer, district):
    body = api(street_officer).get(URL, {"year": 2017}).json()
    assert titles_of(body) == {
        ("national_thousand_talents", "introduced"): 2,
        ("municipal_leading_entrepreneur", "introduced"): 2,
    }
    assert pipeline_of(body)["national_thousand_talents"]["applications"] == 2
    assert body["enterprises"]["count"] == 2 and body["enterprises"]["cumulative_sales"] == "80500000.50"
    assert body["funding"]["committed"] == "1000000.00" and body["funding"]["eligible"] == "400000.00"
    assert body["funding"]["recovered"] == "0.00"
    assert body["exits"]["cases"] == 0
    assert [r["org_unit"] for r in body["assessment"]] == ["fuzimiao"]


def test_street_officer_asking_for_another_unit_is_refused_without_its_figures(api, street_officer, district):
    response = api(street_officer).get(URL, {"year": 2017, "org_unit": "shuangtang"})
    assert response.status_code == 403
    assert "org_unit" in response.json() and "titles" not in response.json()


def test_office_can_narrow_the_summary_to_one_unit(api, office, district):
    body = api(office).get(URL, {"year": 2017, "org_unit": "gaoxin_park"}).json()
    assert body["org_unit"] == "gaoxin_park"
    assert titles_of(body) == {("national_thousand_talents", "introduced"): 1}
    assert body["enterprises"]["revenue_10m_plus"] == 1 and body["funding"]["paid"] == "100000.00"


def test_unit_limited_token_sees_only_its_units(report_client, token_api, district):
    _client, token = report_client("gaoxin_park")
    client = token_api(token)
    body = client.get(URL, {"year": 2017}).json()
    assert titles_of(body) == {("national_thousand_talents", "introduced"): 1}
    assert [r["org_unit"] for r in body["assessment"]] == ["gaoxin_park"]
    refused = client.get(URL, {"year": 2017, "org_unit": "fuzimiao"})
    assert refused.status_code == 403 and "org_unit" in refused.json()


def test_whole_district_token_sees_every_unit(report_client, token_api, district):
    _client, token = report_client(all_units=True)
    body = token_api(token).get(URL, {"year": 2017}).json()
    assert body["enterprises"]["count"] == 3


def test_revoked_token_is_401(report_client, token_api, district, office):
    from reports.services import report_client_revoke

    client, token = report_client("gaoxin_park")
    report_client_revoke(actor=office, client_id=client.pk)
    assert token_api(token).get(URL, {"year": 2017}).status_code == 401


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"year": "twenty"}, "year"),
        ({"year": "1850"}, "year"),
        ({"year": "99999999999999999999"}, "year"),
        ({"year": "2017", "org_unit": "atlantis"}, "org_unit"),
        ({"year": "2017", "format": "pdf"}, "format"),
    ],
)
def test_bad_input_is_a_400_naming_the_parameter(api, office, district, params, field):
    response = api(office).get(URL, params)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert field in response.json()


def test_bad_input_with_an_export_format_still_answers_json(api, office, district):
    response = api(office).get(URL, {"year": "abc", "format": "xlsx"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json") and "year" in response.json()


def test_anonymous_is_401(api, district):
    assert api().get(URL, {"year": 2017}).status_code == 401


def test_csv_has_chinese_headers_and_the_figures(api, office, district):
    response = api(office).get(URL, {"year": 2017, "format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert ["项目", "项目代码", "层次", "来源", "人数"] in rows
    national = [r for r in rows if len(r) == 5 and r[1] == "national_thousand_talents"]
    assert sorted(r[4] for r in national) == ["1", "3"]
    assert ["累计销售收入（元）", "95500000.50"] in rows


def test_xlsx_has_a_sheet_per_area_with_the_figures(api, office, district):
    response = api(office).get(URL, {"year": 2017, "format": "xlsx"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert "人才企业" in book.sheetnames and "入选人才" in book.sheetnames
    sheet = book["人才企业"]
    values = {row[0]: row[1] for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert values["企业数"] == 3
    assert float(values["累计融资（元）"]) == 25000000.0
    league = [row for row in book["人才工作考核"].iter_rows(min_row=3, values_only=True)]
    assert league[0][2] == "shuangtang"


def test_summary_runs_a_constant_number_of_queries(api, office, district, django_assert_max_num_queries):
    from . import factories as f

    client = api(office)
    # the unit asked for 1, program names 1, titles 1, calls 1 and applications by stage 1,
    # enterprises by class and tier 1, maker spaces 1, funding's figures 3 (the agreements by the
    # sources of their two budgets; their held, eligible, recovered and recovery due in one
    # statement; budgets) and planned/paid by quarter 2, flags 1, cases by state with their money
    # 1, league 1; service requests by state and category 1, financing outcomes by instrument 1,
    # first purchases 1 = 18.
    with django_assert_max_num_queries(18):
        assert client.get(URL, {"year": 2017, "org_unit": "fuzimiao"}).status_code == 200
    f.TitleFactory.create_batch(5)
    f.ApplicationFactory.create_batch(5, call=f.CallFactory(program=f.ProgramFactory(), year=2017))
    f.EnterpriseFactory.create_batch(5)
    f.ExitFlagFactory.create_batch(3)
    with django_assert_max_num_queries(18):
        assert client.get(URL, {"year": 2017, "org_unit": "fuzimiao"}).status_code == 200


def test_report_token_query_count_includes_only_its_grant(
    report_client, token_api, district, django_assert_max_num_queries
):
    _client, token = report_client("gaoxin_park", "fuzimiao")
    client = token_api(token)
    # The 17 figure queries (no unit asked for), the token 1, its user 1, the grant 1, the
    # token's last use 0-1.
    with django_assert_max_num_queries(21):
        assert client.get(URL, {"year": 2017}).status_code == 200


def test_report_client_is_throttled_with_a_clear_429(report_client, token_api, district, monkeypatch):
    from django.core.cache import cache

    from reports.api.throttles import ReportClientThrottle

    cache.clear()
    monkeypatch.setattr(ReportClientThrottle, "rate", "2/minute", raising=False)
    _client, token = report_client("gaoxin_park")
    client = token_api(token)
    assert client.get(URL, {"year": 2017}).status_code == 200
    assert client.get(URL, {"year": 2017}).status_code == 200
    response = client.get(URL, {"year": 2017})
    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json() and "Retry-After" in response


def test_office_is_not_held_to_the_report_client_rate(api, office, district, monkeypatch):
    from django.core.cache import cache

    from reports.api.throttles import ReportClientThrottle

    cache.clear()
    monkeypatch.setattr(ReportClientThrottle, "rate", "1/minute", raising=False)
    client = api(office)
    assert [client.get(URL, {"year": 2017}).status_code for _ in range(3)] == [200, 200, 200]


def test_schema_documents_the_summary(api, office):
    schema = api(office).get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/reports/summary/"]["get"]
    assert {"year", "org_unit", "format"} <= {p["name"] for p in operation["parameters"]}
    summary = schema["components"]["schemas"]["Summary"]
    assert {"titles", "pipeline", "enterprises", "maker_spaces", "funding", "exits", "assessment"} <= set(
        summary["properties"]
    )


def test_planned_by_quarter_counts_a_tranche_in_every_state_but_cancelled(api, office, district):
    """Planned against paid: a tranche's planned amount counts in the quarter it is due, whatever
    its state, unless it was cancelled (generated over every state; on PostgreSQL the sum reads an
    index of the tranches that are not cancelled)."""
    from datetime import date
    from decimal import Decimal

    from funding.models import TrancheState

    from . import factories as f

    due = [date(2015, 2, 1), date(2015, 5, 1), date(2015, 8, 1), date(2015, 11, 1), date(2016, 2, 1)]
    assert len(TrancheState.values) <= len(due)
    agreement = f.AgreementFactory(org_unit=district["fuzimiao"], paid_total=Decimal("0"))
    for i, state in enumerate(TrancheState.values):
        f.TrancheFactory(
            agreement=agreement, sequence=10 + i, state=state, due_on=due[i], planned_amount=Decimal(1000 * (i + 1))
        )
    quarters = {
        (q["year"], q["quarter"]): q["planned"]
        for q in api(office).get(URL, {"year": 2017}).json()["funding"]["quarters"]
    }
    for i, state in enumerate(TrancheState.values):
        expected = "0.00" if state == TrancheState.CANCELLED else f"{1000 * (i + 1)}.00"
        assert quarters[(due[i].year, (due[i].month - 1) // 3 + 1)] == expected, state


def test_the_enterprises_above_10_and_50_million_are_those_of_their_revenue_tiers(api, office, district):
    """``revenue_10m_plus`` counts the active enterprises of the 10 and 50 million tiers and
    ``revenue_50m_plus`` those of the 50 million tier, whatever their class (generated over every
    tier and class)."""
    from enterprises.models import EnterpriseClass, RevenueTier

    from . import factories as f

    before = api(office).get(URL, {"year": 2017}).json()["enterprises"]
    for tier in RevenueTier.values:
        for cls in EnterpriseClass.values:
            f.EnterpriseFactory(org_unit=district["shuangtang"], revenue_tier=tier, enterprise_class=cls)
    after = api(office).get(URL, {"year": 2017}).json()["enterprises"]
    per_tier = len(EnterpriseClass.values)
    assert after["by_tier"] == {t: before["by_tier"][t] + per_tier for t in RevenueTier.values}
    assert after["revenue_10m_plus"] == before["revenue_10m_plus"] + 2 * per_tier
    assert after["revenue_50m_plus"] == before["revenue_50m_plus"] + per_tier
    assert after["revenue_10m_plus"] == after["by_tier"][RevenueTier.TEN_M] + after["by_tier"][RevenueTier.FIFTY_M]
