"""The report pages of each area (/reports/<area>/): their figures on known data, tied to the
apps' own counts; the records they list; scope; bad filters; exports; query counts; and the
dashboard's links, which land on these pages with filters that filter."""

import csv
import html
import io
import re
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from assessment.selectors import league_table
from enterprises.selectors import enterprise_figures, maker_space_counts
from funding.selectors import exit_figures, funding_figures
from talents.models import Program
from talents.selectors import title_counts

from . import factories as f

pytestmark = pytest.mark.django_db

AREAS = ("talents", "applications", "enterprises", "funding", "exits", "assessments")
FZM, ST, GX = "夫子庙街道", "双塘街道", "高新园区"


def url(area: str) -> str:
    return f"/reports/{area}/"


def figures(response) -> dict:
    return {str(fig.label): fig.value for fig in response.context["figures"]}


def table(response, key: str) -> dict[str, list]:
    """A summary table as {first cell: the other cells' values}; the total row under "合计"."""
    found = next(t for t in response.context["tables"] if t.key == key)
    rows = {str(r[0].value): [c.value for c in r[1:]] for r in found.rows}
    if found.total:
        rows[str(found.total[0].value)] = [c.value for c in found.total[1:]]
    return rows


def records(response) -> list[list]:
    return [[c.value for c in row] for row in response.context["records"].rows]


def main(response) -> str:
    return response.content.decode().split('<main id="main">', 1)[1].split("</main>", 1)[0]


def program_name(code: str) -> str:
    return Program.objects.get(code=code).name


# ---------------------------------------------------------------- the figures of each page


def test_talents_page_counts_titles_held_at_year_end_by_program_origin_and_unit(web, office, district):
    response = web(office).get(url("talents"), {"year": 2017})
    assert response.status_code == 200
    assert figures(response)["入选人才总数"] == 6  # the 2018 title counts from 2018 on
    assert figures(response)["国家级"] == 4 and figures(response)["市级"] == 2
    by_program = table(response, "by_program")
    # columns: level, introduced, self-cultivated, total
    assert by_program[program_name("national_thousand_talents")][1:] == [3, 1, 4]
    assert by_program[program_name("municipal_leading_entrepreneur")][1:] == [2, 0, 2]
    assert by_program["合计"][1:] == [5, 1, 6]
    by_unit = table(response, "by_unit")
    # columns: national, provincial, municipal, district, titles, talents holding them
    assert by_unit[FZM] == [2, 0, 2, 0, 4, 4]
    assert by_unit[ST] == [1, 0, 0, 0, 1, 1] and by_unit[GX] == [1, 0, 0, 0, 1, 1]
    assert len(records(response)) == 6
    # The talents app's own count, which the dashboard shows, gives the same figures.
    own = {(r["program"], r["origin"]): r["count"] for r in title_counts(year=2017)}
    assert own[("national_thousand_talents", "introduced")] == by_program[program_name("national_thousand_talents")][1]


def test_talents_page_filters_by_origin_and_links_each_title_to_its_talent(web, office, district):
    response = web(office).get(url("talents"), {"year": 2017, "origin": "self_cultivated"})
    rows = records(response)
    assert len(rows) == 1 and rows[0][-1] == ST
    assert f'href="/talents/{response.context["records"].rows[0][0].url.split("/")[2]}/"' in main(response)
    # A figure links to its own records: the national introduced titles.
    cell = next(c for c in response.context["tables"][0].rows[0] if c.url and "origin=self_cultivated" in c.url)
    assert "program=national_thousand_talents" in cell.url


def test_applications_page_counts_the_years_applications_by_program_and_stage(web, office, district):
    response = web(office).get(url("applications"), {"year": 2017})
    assert response.status_code == 200
    # quota, applications, under review, panel defense, approved (drafts and 2016 left out)
    assert list(figures(response).values()) == [65, 6, 5, 2, 0]
    by_program = table(response, "by_program")
    national = by_program[program_name("national_thousand_talents")]
    # quota, applications, under review, then the stages: submitted, returned, expert review, defense, …
    assert national[:3] == [5, 3, 2] and national[3 + 3] == 2 and national[3 + 7] == 1
    assert by_program[program_name("municipal_leading_entrepreneur")][:4] == [20, 3, 3, 3]
    assert by_program[program_name("district_high_level_entrepreneur")][:2] == [40, 0]
    assert table(response, "by_unit")[FZM][:2] == [4, 3]
    assert sum(r[-1] for r in table(response, "by_source").values()) == 12  # six, and the total row
    assert len(records(response)) == 6


def test_applications_page_filters_by_several_stages(web, office, district):
    response = web(office).get(url("applications"), {"year": 2017, "state": ["defense", "rejected"]})
    assert len(records(response)) == 3
    assert {r[6] for r in records(response)} == {"综合答辩", "未通过"}


def test_enterprises_page_counts_active_enterprises_by_tier_class_and_unit(web, office, district):
    response = web(office).get(url("enterprises"))
    assert response.status_code == 200
    figs = figures(response)
    assert figs["人才企业"] == 3 and figs["累计销售收入"] == Decimal("95500000.50")
    assert (figs["主营收入超千万元"], figs["主营收入超5000万元"], figs["新三板挂牌企业"]) == (2, 1, 1)
    assert figs["市级众创空间"] == 3
    own = enterprise_figures(None)
    assert (own["count"], own["cumulative_sales"], own["revenue_10m_plus"]) == (3, figs["累计销售收入"], 2)
    by_tier = table(response, "by_revenue_tier")
    assert [row[0] for row in by_tier.values()] == [1, 1, 1, 3]
    assert by_tier["5000万元及以上"][1] == Decimal("80000000.00")
    assert table(response, "by_enterprise_class")["小巨人"][0] == 1
    assert table(response, "by_unit")[FZM][:4] == [2, 1, 1, 1]
    assert table(response, "maker_spaces")["合计"] == [maker_space_counts(None)["total"]]
    assert [r[0] for r in records(response)][0].startswith("秦淮示例科技")


def test_enterprises_page_lists_tiers_chosen_every_status_or_the_maker_spaces(web, office, district):
    client = web(office)
    assert len(records(client.get(url("enterprises"), {"revenue_tier": ["10m", "50m"]}))) == 2
    assert figures(client.get(url("enterprises"), {"status": "all"}))["人才企业"] == 4
    spaces = client.get(url("enterprises"), {"records": "maker_spaces", "space_level": "municipal"})
    assert len(records(spaces)) == 3 and {r[1] for r in records(spaces)} == {"市级"}


def test_funding_page_sums_committed_paid_eligible_held_recovered_by_unit_source_and_program(web, office, district):
    response = web(office).get(url("funding"), {"year": 2017})
    assert response.status_code == 200
    figs = list(figures(response).values())
    own = funding_figures(year=2017)
    assert figs == [
        own["agreements"],
        own["committed"],
        own["paid"],
        own["eligible"],
        own["held"],
        own["recovered"],
    ]
    assert figs == [3, *(Decimal(n) for n in ("2500000.00", "400000.00", "400000.00", "300000.00", "100000.00"))]
    # agreements, committed, paid, eligible, held, recovered, to recover
    by_unit = table(response, "by_unit")
    assert by_unit[FZM] == [1, Decimal("1000000"), Decimal("300000"), Decimal("400000"), Decimal("300000"), 0, 0]
    assert by_unit[GX] == [1, Decimal("500000"), Decimal("100000"), 0, 0, Decimal("100000"), Decimal("150000")]
    assert by_unit["合计"][6] == own["recovery_due"]
    by_source = table(response, "by_source")
    assert by_source["区财政"][:3] == [Decimal("5000000"), 1, Decimal("1000000")]
    assert by_source["未列预算"][1:3] == [2, Decimal("1500000")]
    assert sum(row[0] for name, row in table(response, "by_program").items() if name != "合计") == 3
    # 2017 Q3: the second tranche falls due (400,000); 150,000 paid and 50,000 reversed.
    assert table(response, "by_quarter")["2017 Q3"] == [Decimal("400000"), Decimal("100000")]
    # The agreements listed add up to the figures.
    rows = records(response)
    assert len(rows) == 3
    assert sum(r[7] for r in rows) == own["committed"] and sum(r[11] for r in rows) == own["recovered"]


def test_funding_page_lists_the_tranches_and_ledger_entries_behind_a_figure(web, office, district):
    client = web(office)
    held = records(client.get(url("funding"), {"year": 2017, "records": "tranches", "tranche_state": "held"}))
    assert len(held) == 1 and held[0][4] == date(2018, 3, 31) and held[0][6] == Decimal("300000.00")
    q3 = client.get(
        url("funding"), {"year": 2017, "records": "payments", "period": "2017-q3", "kind": ["payment", "reversal"]}
    )
    assert q3.status_code == 200 and sum(r[5] for r in records(q3)) == Decimal("100000.00")
    recoveries = records(client.get(url("funding"), {"year": 2017, "records": "payments", "kind": "recovery"}))
    assert [r[5] for r in recoveries] == [Decimal("-100000.00")]


def test_exits_page_counts_open_flags_by_rule_and_unit_cases_and_recoveries(web, office, district):
    response = web(office).get(url("exits"))
    assert response.status_code == 200
    own = exit_figures()
    figs = list(figures(response).values())
    assert figs == [own["open_flags"], own["cases"]["exited"], own["exits"], own["recovery_due"], own["recovered"]]
    assert figs == [2, 1, 1, Decimal("150000.00"), Decimal("100000.00")]
    flags = table(response, "flags_by_rule")
    # the rules in order: missing reports, moved out, founder, milestone, poor evaluation, no revenue; total
    assert flags[FZM] == [1, 0, 0, 0, 1, 0, 2]
    assert table(response, "recoveries_by_unit")[GX] == [1, 1, Decimal("150000"), Decimal("100000"), Decimal("50000")]
    assert len(records(response)) == 2
    everything = web(office).get(url("exits"), {"flag_state": "all"})
    assert figures(everything)["退出预警"] == 3
    this_year = web(office).get(url("exits"), {"year": timezone.localdate().year})
    assert figures(this_year)["待处理的退出预警"] == 2
    cases = records(web(office).get(url("exits"), {"records": "cases", "case_state": "exited"}))
    assert len(cases) == 1 and cases[0][2] == GX


def test_assessments_page_gives_results_by_unit_kind_with_rank_score_and_grade(web, office, district):
    response = web(office).get(url("assessments"), {"year": 2017})
    assert response.status_code == 200
    by_kind = table(response, "by_kind")
    # units, average, highest, lowest, vetoed, then the grades as they appear down the ranking
    assert by_kind["街道"][:5] == [2, Decimal("90.25"), Decimal("92.50"), Decimal("88.00"), 0]
    assert by_kind["园区"][:2] == [1, Decimal("80.00")]
    rows = records(response)
    assert [(r[0], r[1], r[3], r[7]) for r in rows] == [
        (ST, 1, Decimal("92.50"), "优秀"),
        (FZM, 2, Decimal("88.00"), "良好"),
        (GX, 3, Decimal("80.00"), "合格"),
    ]
    assert len(rows) == len(league_table(2017))
    assert "/assessment/scorecards/" in main(response)


# ---------------------------------------------------------------- who sees what


@pytest.mark.parametrize("area", AREAS)
def test_street_officer_sees_only_its_own_units_rows_and_figures(web, street_officer, district, area):
    response = web(street_officer).get(url(area), {"year": 2017} if area not in ("enterprises", "exits") else {})
    assert response.status_code == 200
    page = main(response)
    assert ST not in page and GX not in page
    for t in response.context["tables"]:
        if t.key.startswith(("by_unit", "recoveries_by_unit", "flags_by_rule")):
            assert {str(r[0].value) for r in t.rows} <= {FZM}


def test_street_officer_figures_are_its_units(web, street_officer, district):
    client = web(street_officer)
    assert figures(client.get(url("talents"), {"year": 2017}))["入选人才总数"] == 4
    assert figures(client.get(url("applications"), {"year": 2017}))["申报"] == 4
    assert figures(client.get(url("enterprises")))["人才企业"] == 2
    assert figures(client.get(url("funding"), {"year": 2017}))["已承诺"] == Decimal("1000000.00")
    assert figures(client.get(url("exits")))["退出案件"] == 0
    assert [r[0] for r in records(client.get(url("assessments"), {"year": 2017}))] == [FZM]


@pytest.mark.parametrize("area", AREAS)
def test_street_officer_cannot_ask_for_another_units_report(web, street_officer, district, area):
    response = web(street_officer).get(url(area), {"org_unit": "shuangtang"})
    assert response.status_code == 400
    assert "请更正上方的筛选条件" in response.content.decode()
    assert "figures" not in response.context


def test_park_officer_sees_its_park(web, park_officer, district):
    response = web(park_officer).get(url("funding"), {"year": 2017})
    assert set(table(response, "by_unit")) == {GX, "合计"}
    assert figures(response)["已追回"] == Decimal("100000.00")


@pytest.mark.parametrize("area", AREAS)
def test_expert_has_no_report_pages(web, expert, district, area):
    assert web(expert).get(url(area)).status_code == 404


def test_finance_reads_the_money_not_the_reviews(web, finance, district):
    client = web(finance)
    assert client.get(url("applications")).status_code == 404
    assert client.get(url("funding"), {"year": 2017}).status_code == 200
    assert figures(client.get(url("funding"), {"year": 2017}))["已承诺"] == Decimal("2500000.00")


def test_leader_reaches_every_report_from_the_menu_and_the_dashboard(web, leader, district):
    html_text = web(leader).get("/reports/", {"year": 2017}).content.decode()
    menu = html_text.split('id="mainnav"', 1)[1].split("</nav>", 1)[0]
    assert "统计报表" in menu
    for area in AREAS:
        assert f'href="/reports/{area}/"' in menu
        assert f"/reports/{area}/?year=2017" in main_of(html_text)


def test_a_page_without_a_year_passes_on_the_year_it_was_opened_for(web, leader, district):
    response = web(leader).get(url("enterprises"), {"year": 2017})
    assert response.status_code == 200
    assert ("funding", "/reports/funding/?year=2017") in [(k, u) for k, _t, u in response.context["report_nav"]]


def main_of(text: str) -> str:
    return text.split('<main id="main">', 1)[1].split("</main>", 1)[0]


# ---------------------------------------------------------------- bad filters


@pytest.mark.parametrize(
    ("area", "params", "message"),
    [
        ("talents", {"year": "abc"}, "输入整数"),
        ("talents", {"year": 2050}, "年度须在"),
        ("talents", {"program": "no_such_program"}, "选择一个有效的选项"),
        ("applications", {"state": "bogus"}, "选择一个有效的选项"),
        ("applications", {"industry": "no_such_industry"}, "选择一个有效的选项"),
        ("enterprises", {"revenue_tier": "1b"}, "选择一个有效的选项"),
        ("funding", {"period": "2017-Q5"}, "2017-Q3"),
        ("funding", {"source": "lottery"}, "选择一个有效的选项"),
        ("exits", {"flag_state": "forgotten"}, "选择一个有效的选项"),
        ("assessments", {"org_unit": "no_such_unit"}, "选择一个有效的选项"),
        ("assessments", {"export": "pdf"}, "csv 或 xlsx"),
    ],
)
def test_bad_filter_is_a_400_with_the_forms_message(web, office, district, area, params, message):
    response = web(office).get(url(area), params)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_dashboard_year_out_of_range_is_a_400_not_a_server_error(web, office, district):
    response = web(office).get("/reports/", {"year": 2050})
    assert response.status_code == 400
    assert "年度须在" in response.content.decode()


# ---------------------------------------------------------------- exports


def test_exports_open_with_chinese_headers_and_the_pages_figures(web, office, district):
    client = web(office)
    xlsx = client.get(url("funding"), {"year": 2017, "export": "xlsx"})
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="qinhuai-funding-2017.xlsx"' in xlsx["Content-Disposition"]
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames[:3] == ["主要数据", "按单位分列的扶持资金", "按资金来源分列的扶持资金"]
    figures_sheet = {row[0]: row[1] for row in book["主要数据"].iter_rows(min_row=3, values_only=True)}
    assert figures_sheet["已承诺（元）"] == 2500000 and figures_sheet["已追回（元）"] == 100000
    by_unit = [row for row in book["按单位分列的扶持资金"].iter_rows(min_row=2, values_only=True)]
    assert by_unit[0][:3] == ("单位", "扶持协议", "已承诺（元）")
    assert by_unit[-1][:3] == ("合计", 3, 2500000)
    listed = list(book["统计的扶持协议"].iter_rows(min_row=3, values_only=True))
    assert len(listed) == 3

    response = client.get(url("talents"), {"year": 2017, "export": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0].startswith("秦淮区人才工作统计报表：人才入选统计（2017 年，全区）")
    assert ["入选人才总数", "6"] in rows
    assert ["人才", "人才计划", "级别", "来源", "入选年度", "单位"] in rows


@pytest.mark.parametrize("area", AREAS)
def test_every_page_exports_csv_and_xlsx_for_a_street_officer_with_its_unit_only(web, street_officer, district, area):
    client = web(street_officer)
    params = {"year": 2017} if area not in ("enterprises", "exits") else {}
    text = client.get(url(area), {**params, "export": "csv"}).content.decode("utf-8-sig")
    assert ST not in text and GX not in text
    book = load_workbook(io.BytesIO(client.get(url(area), {**params, "export": "xlsx"}).content))
    assert book.sheetnames


# ---------------------------------------------------------------- query counts


def _more_records():
    """Rows of every kind in every unit, so that a page whose queries grew per row would show it."""
    for code in ("fuzimiao", "shuangtang", "gaoxin_park"):
        unit = f.unit(code)
        f.TitleFactory.create_batch(3, org_unit=unit, year=2015)
        f.ApplicationFactory.create_batch(3, org_unit=unit, call=f.CallFactory(program=f.ProgramFactory(), year=2017))
        enterprise = f.EnterpriseFactory(org_unit=unit)
        f.MakerSpaceFactory(org_unit=unit)
        agreement = f.AgreementFactory(org_unit=unit, enterprise=enterprise)
        f.TrancheFactory(agreement=agreement, sequence=1, state="held")
        f.LedgerEntryFactory(agreement=agreement, entry_date=date(2017, 8, 1))
        f.ExitFlagFactory(agreement=agreement, rule="no_revenue")
        f.ExitCaseFactory(agreement=agreement, state="investigation")


# Every page: session, user, the user's unit in the header, the unit filter's choices: 4 — plus
# the choices of each other model filter rendered (programs, industries), plus its figures.
QUERIES = {
    # + programs 1; titles by program × origin 1, by unit × level 1, talents by unit 1, talents 1;
    # records counted and paged 2 = 11
    ("talents", ()): 11,
    # + programs 1, industries 1; the year's calls 1, by program × stage 1, by unit × stage 1, by
    # industry × channel 1; records counted and paged 2 = 12
    ("applications", ()): 12,
    # + industries 1; by tier × class 1, maker spaces by level 1, by unit 1, by industry 1;
    # records counted and paged 2 = 11
    ("enterprises", ()): 11,
    # + programs 1; by unit × source × program: the district's and the city's components 2,
    # eligible payouts, held tranches, recoveries, amounts to recover 4; budgets 1; planned and
    # paid by quarter 2; records counted and paged 2 = 16
    ("funding", ()): 16,
    ("funding", (("records", "tranches"),)): 16,
    ("funding", (("records", "payments"), ("period", "2017-Q3"))): 16,
    # flags by unit × rule 1, cases by state 1, recoveries by unit 1; records counted and paged 2 = 9
    ("exits", ()): 9,
    ("exits", (("records", "cases"),)): 9,
    # the league table 1 = 5
    ("assessments", ()): 5,
}


@pytest.mark.parametrize(("area", "extra"), list(QUERIES), ids=["-".join([a, *(v for _k, v in e)]) for a, e in QUERIES])
def test_each_page_runs_a_constant_number_of_queries(web, office, district, django_assert_max_num_queries, area, extra):
    client = web(office)
    # Exit flags and cases count in the year they were raised and opened: all years here.
    params = ({} if area == "exits" else {"year": 2017}) | dict(extra)
    with django_assert_max_num_queries(QUERIES[(area, extra)]):
        assert client.get(url(area), params).status_code == 200
    _more_records()
    with django_assert_max_num_queries(QUERIES[(area, extra)]):
        assert client.get(url(area), params).status_code == 200


# ---------------------------------------------------------------- the dashboard's links


HREF = re.compile(r'(?:xlink:)?href="([^"]+)"')


def dashboard_links(client) -> list[str]:
    text = main_of(client.get("/reports/", {"year": 2017}).content.decode())
    return sorted({html.unescape(h) for h in HREF.findall(text) if h.startswith("/")})


@pytest.mark.parametrize("persona", ["office", "street_officer"])
def test_no_dashboard_link_lands_on_api_json_and_every_one_opens(request, web, district, persona):
    client = web(request.getfixturevalue(persona))
    links = dashboard_links(client)
    assert links and not [h for h in links if h.startswith("/api/")]
    report_links = [h for h in links if h.startswith("/reports/") and "export=" not in h and "print=" not in h]
    assert len(report_links) > 30
    for href in report_links:
        response = client.get(href)
        assert response.status_code == 200, href


def test_dashboard_filters_filter_the_page_they_open(web, office, district):
    client = web(office)
    links = dashboard_links(client)

    def follow(*parts):
        href = next(h for h in links if all(p in h for p in parts))
        return client.get(href)

    assert len(records(follow("/reports/enterprises/", "revenue_tier=10m&revenue_tier=50m"))) == 2
    assert len(records(follow("/reports/enterprises/", "listing=neeq"))) == 1
    assert len(records(follow("/reports/funding/", "tranche_state=held"))) == 1
    assert sum(r[5] for r in records(follow("/reports/funding/", "period=2017-Q3", "kind=payment"))) == Decimal(
        "100000.00"
    )
    assert len(records(follow("/reports/exits/", "rule=poor_evaluation"))) == 1
    assert [r[0] for r in records(follow("/reports/assessments/", "org_unit=shuangtang"))] == [ST]
    national = follow("/reports/talents/", "program=national_thousand_talents", "origin=self_cultivated")
    assert [r[-1] for r in records(national)] == [ST]
    assert len(records(follow("/reports/applications/?state=defense&year=2017"))) == 2


def test_a_unit_dashboard_links_to_that_units_records(web, office, district):
    client = web(office)
    text = main_of(client.get("/reports/", {"year": 2017, "org_unit": "gaoxin_park"}).content.decode())
    links = {html.unescape(h) for h in HREF.findall(text) if h.startswith("/reports/")}
    enterprises = next(h for h in links if h.startswith("/reports/enterprises/") and "status=active" in h)
    assert "org_unit=gaoxin_park" in enterprises
    assert [r[1] for r in records(client.get(enterprises))] == [GX]
