"""The demo district reproduces the seed's figures (DOMAIN.md, last section) for 2017."""

from decimal import Decimal

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports/summary/"


@pytest.fixture
def demo(db, django_capture_on_commit_callbacks):
    with open("/dev/null", "w") as devnull, django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=devnull)


def test_summary_and_dashboard_of_2017_reproduce_the_seed(demo, api, web, leader, report_client, token_api):
    _client, token = report_client(all_units=True)
    body = token_api(token).get(URL, {"year": 2017}).json()

    titles: dict[str, int] = {}
    for row in body["titles"]:
        titles[row["program"]] = titles.get(row["program"], 0) + row["count"]
    by_origin = {(r["program"], r["origin"]): r["count"] for r in body["titles"]}
    assert titles["academician"] == 2
    assert by_origin[("national_thousand_talents", "introduced")] == 28
    assert by_origin[("national_thousand_talents", "self_cultivated")] == 2
    assert by_origin[("provincial_shuangchuang", "self_cultivated")] == 22
    assert titles["provincial_tech_entrepreneur"] == 10
    assert titles["municipal_tech_entrepreneur"] == 14
    assert titles["municipal_high_end_team"] == 3
    assert titles["municipal_leading_entrepreneur"] == 373
    assert titles["district_high_level_entrepreneur"] == 40

    pipeline = {r["program"]: r for r in body["pipeline"]}
    assert pipeline["national_thousand_talents"]["by_stage"]["defense"] == 3
    assert pipeline["provincial_shuangchuang"]["active"] == 14
    assert pipeline["municipal_innovative_entrepreneur"]["active"] == 9
    assert pipeline["municipal_high_level_entrepreneur"]["active"] == 37

    ent = body["enterprises"]
    assert Decimal("1350000000") <= Decimal(ent["cumulative_sales"]) <= Decimal("1400000000")
    assert Decimal("450000000") <= Decimal(ent["cumulative_financing"]) <= Decimal("500000000")
    assert (ent["revenue_10m_plus"], ent["revenue_50m_plus"], ent["neeq_listed"]) == (21, 7, 4)
    assert body["maker_spaces"]["municipal_level"] == 9

    # Asked for no year, the leader sees the year whose calls the district ran: 2017.
    assert token_api(token).get(URL).json()["year"] == 2017
    page = web(leader).get("/reports/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "373" in html and f"{Decimal(ent['cumulative_sales']) / Decimal('100000000'):,.2f}" in html
