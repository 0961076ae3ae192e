"""The demo district reproduces the seed's figures (DOMAIN.md, last section) for 2017."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Count

from qinhuai_talent.core.models import User

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports/summary/"


@pytest.fixture
def demo(db, django_capture_on_commit_callbacks):
    with open("/dev/null", "w") as devnull, django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=devnull)


def test_summary_and_dashboard_of_2017_reproduce_the_seed(demo, api, web, leader, report_client, token_api, settings):
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

    # Asked for no year on the demo's day (as `make run` serves it), the leader sees the year whose
    # calls the district ran: 2017 (2018's calls are still open, their first applications in).
    settings.PORTAL_AS_OF = "2018-01-15"
    assert token_api(token).get(URL).json()["year"] == 2017
    page = web(leader).get("/reports/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "373" in html and f"{Decimal(ent['cumulative_sales']) / Decimal('100000000'):,.2f}" in html
    assert 'name="year" value="2017"' in html  # the form shows the year the page shows


def test_grades_read_in_english_on_the_english_dashboard_summary_and_export(demo, web, leader, api):
    league = api(leader).get(URL, {"year": 2017}).json()["assessment"]
    assert league and all(r["grade_band_en"] for r in league)
    grades = {(r["grade_band"], r["grade_band_en"]) for r in league}
    assert ("良好", "Good") in grades
    client = web(leader)
    client.cookies["django_language"] = "en"
    html = client.get("/reports/", {"year": 2017}).content.decode()
    table = html.split('id="league-h"', 1)[1].split("</table>", 1)[0]
    assert "Good" in table and "良好" not in table
    export = client.get("/reports/", {"year": 2017, "export": "csv"}).content.decode("utf-8-sig")
    assert ",Good," in export and "良好" not in export


UNIT_HEADING = "单位"


def test_report_pages_reproduce_the_seed_and_show_each_officer_only_its_units_rows(demo, web, leader):
    client = web(leader)
    titles = client.get("/reports/talents/", {"year": 2017}).context
    assert {str(f.label): f.value for f in titles["figures"]}["入选人才总数"] == 494
    applications = client.get("/reports/applications/", {"year": 2017, "state": "defense", "level": "national"})
    assert applications.context["page"].paginator.count == 3
    figures = {str(f.label): f.value for f in client.get("/reports/enterprises/").context["figures"]}
    assert (figures["主营收入超千万元"], figures["主营收入超5000万元"], figures["新三板挂牌企业"]) == (21, 7, 4)
    assert figures["市级众创空间"] == 9

    # Every unit column of every table and record list, as the officers of four units see them.
    for officer in User.objects.select_related("org_unit").filter(username__in=["street", "street2", "park", "park2"]):
        client = web(officer)
        seen = set()
        for area in ("talents", "applications", "enterprises", "funding", "exits", "assessments"):
            for records in ({}, {"records": "maker_spaces"}, {"records": "cases"}, {"records": "tranches"}):
                response = client.get(f"/reports/{area}/", {"year": 2017, **records} if area != "exits" else records)
                if response.status_code == 400:  # that page has no such record list
                    continue
                for table in [*response.context["tables"], response.context["records"]]:
                    headings = [c.heading() for c in table.columns]
                    if UNIT_HEADING in headings:
                        column = headings.index(UNIT_HEADING)
                        seen |= {str(row[column].value) for row in table.rows if row[column].value}
        assert seen == {officer.org_unit.name}, (officer.username, seen)


def test_every_demo_account_has_a_few_notifications_in_its_inbox(demo, web):
    """Issue 16, item 7: each demo role finds its inbox not empty, with what concerns it."""
    from qinhuai_talent.core.demo import ACCOUNTS
    from qinhuai_talent.core.models import User
    from qinhuai_talent.notifications.models import Notification

    expected = {
        "expert": "review_assigned",
        "finance": "payout_approved",
        "leader": "assessment_published",
        "talent": "application_returned",
        "street": "application_new_in_unit",
        "office": "payout_waiting",
        "provider": "service_request_assigned",
    }
    for username, *_ in ACCOUNTS:
        user = User.objects.get(username=username)
        inbox = Notification.objects.filter(recipient=user, channel="inbox")
        assert inbox.exists(), username
        if username in expected:
            assert inbox.filter(event=expected[username]).exists(), username
        assert web(user).get("/notifications/").status_code == 200
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # again: nobody is told twice
    assert not Notification.objects.values("key", "recipient", "channel").annotate(n=Count("id")).filter(n__gt=1)
