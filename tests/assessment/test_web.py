"""The pages: league tables, scorecards, evidence, exports, and who may reach what."""

from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook

from assessment.models import AssessmentState, GradeBand
from assessment.services import assessments_recompute, grade_band_save, target_set
from tests.domain import raises_domain

from .factories import ActivityFactory, street_scheme

pytestmark = pytest.mark.django_db


@pytest.fixture
def computed(office, units):
    scheme = street_scheme()
    for indicator in scheme.indicators.all():
        for code in ("fuzimiao", "shuangtang", "zhonghuamen"):
            target_set(indicator=indicator, org_unit=units[code], value=Decimal("2"), actor=office)
    ActivityFactory(org_unit=units["fuzimiao"], participants=3)
    ActivityFactory(org_unit=units["shuangtang"], participants=1)
    assessments_recompute(year=2017)
    return scheme


def test_office_league_table_ranks_every_street(web, office, computed, django_assert_max_num_queries):
    client = web(office)
    # session, user, years, assessments with units, nav/attention counts
    with django_assert_max_num_queries(8):
        page = client.get("/assessment/?year=2017&table=street").content.decode()
    assert "夫子庙街道" in page and "秦虹街道" in page
    assert page.index("夫子庙街道") < page.index("双塘街道")


def test_a_total_of_zero_reads_as_zero_not_as_missing(web, office, computed, units):
    qinhong = units["qinhong"].assessments.get(year=2017)
    assert qinhong.total == Decimal("0.00")  # no targets: nothing earned
    page = web(office).get("/assessment/?year=2017&table=street").content.decode()
    row = next(r for r in page.split("<tr") if "秦虹街道" in r)
    assert ">0.00<" in row


def test_grades_read_in_the_readers_language(web, office, computed, units):
    own = units["fuzimiao"].assessments.get(year=2017)
    band = GradeBand.objects.get(scheme=computed, code=own.grade_code)

    def name_band(english: str) -> None:
        grade_band_save(
            scheme=computed,
            code=band.code,
            label=band.label,
            label_en=english,
            min_total=band.min_total,
            fund_factor=band.fund_factor,
            actor=office,
        )
        assessments_recompute(year=2017)

    def row(language: str) -> str:
        client = web(office)
        client.cookies["django_language"] = language
        page = client.get(f"/assessment/scorecards/{own.pk}/").content.decode()
        return page.split("</dl>", 1)[0]

    name_band("Grade A")
    assert band.label in row("zh-hans") and "Grade A" not in row("zh-hans")
    assert "Grade A" in row("en") and band.label not in row("en")
    name_band("")  # a band the office gave no English name reads in Chinese, not blank
    assert band.label in row("en")


def test_hard_and_soft_sub_tables_and_overall_table_render(web, office, computed):
    client = web(office)
    for query in ("table=street&part=hard_total", "table=street&part=soft_total", "table=overall"):
        assert client.get(f"/assessment/?year=2017&{query}").status_code == 200
    assert client.get("/assessment/?year=2017&table=nonsense").status_code == 404


def test_street_officer_sees_only_the_published_league_and_its_own_scorecard(web, street_officer, computed, units):
    client = web(street_officer)
    page = client.get("/assessment/?year=2017&table=street").content.decode()
    assert "双塘街道" not in page  # nothing published yet
    own = units["fuzimiao"].assessments.get(year=2017)
    other = units["shuangtang"].assessments.get(year=2017)
    assert client.get(f"/assessment/scorecards/{own.pk}/").status_code == 200
    assert client.get(f"/assessment/scorecards/{other.pk}/").status_code == 404
    listed = client.get("/assessment/scorecards/").content.decode()
    assert "夫子庙街道" in listed and "双塘街道" not in listed


def test_street_officer_confirms_own_scorecard_but_not_another(web, street_officer, computed, units):
    client = web(street_officer)
    own = units["fuzimiao"].assessments.get(year=2017)
    other = units["shuangtang"].assessments.get(year=2017)
    response = client.post(f"/assessment/scorecards/{other.pk}/confirm/", {"reason": ""})
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.state == AssessmentState.COMPUTED
    client.post(f"/assessment/scorecards/{own.pk}/confirm/", {"reason": "数据无误", "confirmed": "1"})
    own.refresh_from_db()
    assert own.state == AssessmentState.CONFIRMED and own.unit_comment == "数据无误"


def test_scorecard_shows_chart_and_links_each_figure_to_its_records(web, street_officer, computed, units):
    own = units["fuzimiao"].assessments.get(year=2017)
    client = web(street_officer)
    page = client.get(f"/assessment/scorecards/{own.pk}/").content.decode()
    assert "<svg" in page and "<script" not in page.split("<svg", 1)[1].split("</svg>", 1)[0]
    indicator = own.scores.get(indicator__key="activities").indicator
    evidence = client.get(f"/assessment/scorecards/{own.pk}/indicators/{indicator.pk}/").content.decode()
    assert "人才沙龙" in evidence


def test_home_shows_the_scorecard_to_confirm_and_the_office_what_to_publish(client, street_officer, office, computed):
    client.force_login(street_officer)
    assert "本单位考核结果待确认" in client.get("/").content.decode()
    own = street_officer.org_unit.assessments.get(year=2017)
    client.post(f"/assessment/scorecards/{own.pk}/confirm/", {"confirmed": "1"})
    assert "/assessment/scorecards/?state=computed" not in client.get("/").content.decode()
    client.force_login(office)
    home = client.get("/").content.decode()
    assert "/assessment/scorecards/?state=confirmed" in home and "单位已确认、待公布的考核结果" in home


def test_league_exports_as_csv_and_xlsx(web, office, computed):
    client = web(office)
    csv_text = client.get("/assessment/league.csv?year=2017&table=street").content.decode("utf-8-sig")
    assert "fuzimiao" in csv_text
    book = load_workbook(BytesIO(client.get("/assessment/league.xlsx?year=2017&table=street").content))
    header = [c.value for c in book.active[1]]
    codes = [row[header.index("单位代码")].value for row in book.active.iter_rows(min_row=2)]
    assert codes[0] == "fuzimiao" and "shuangtang" in codes
    assert header.index("单位代码") == header.index("单位") + 1  # the code after the name it codes


def test_list_pages_run_a_constant_number_of_queries(web, office, computed, units, django_assert_max_num_queries):
    client = web(office)
    for unit in ("fuzimiao", "shuangtang", "qinhong"):
        ActivityFactory(org_unit=units[unit])
    # session, user, count, page rows (joined), nav attention counts (confirmed, objected)
    for url in ("/assessment/scorecards/", "/assessment/activities/"):
        with django_assert_max_num_queries(9):
            assert client.get(url).status_code == 200
    # + years, target form choices (indicators, units), units for the filter
    with django_assert_max_num_queries(12):
        assert client.get("/assessment/targets/?year=2017").status_code == 200


@pytest.mark.parametrize(
    "language, words", [("zh-hans", "每个等次须有各自的最低总分"), ("en", "its own minimum total")]
)
def test_a_duplicate_grade_threshold_is_a_form_error_not_a_server_error(web, office, units, language, words):
    from assessment.models import SchemeState

    from .factories import GradeBandFactory, SchemeFactory

    scheme = SchemeFactory(state=SchemeState.DRAFT)
    GradeBandFactory(scheme=scheme, code="good", label="良好", min_total=Decimal("80"))
    response = web(office).post(
        f"/assessment/schemes/{scheme.pk}/",
        {"form": "band", "code": "fair", "label": "合格", "min_total": "80", "fund_factor": "1"},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 200
    assert words in response.content.decode()
    assert list(GradeBand.objects.filter(scheme=scheme).values_list("code", flat=True)) == ["good"]
    with raises_domain("duplicate") as refused:
        grade_band_save(scheme=scheme, actor=office, code="fair", label="合格", min_total=Decimal("80"), fund_factor=1)
    assert (refused.value.code, refused.value.field) == ("duplicate", "min_total")


@pytest.mark.parametrize("year", ["0", "10000", str(2**70), "x", "-1"])
def test_an_activity_year_outside_the_calendar_is_a_400_with_its_message(web, office, units, year):
    ActivityFactory(org_unit=units["fuzimiao"])
    response = web(office).get("/assessment/activities/", {"year": year}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert "年度须为 1900 至 2100 之间的年份" in response.content.decode()
    assert web(office).get("/assessment/activities/", {"year": "2017"}).status_code == 200


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_publishing_every_confirmed_assessment_asks_once_listing_each(
    web, office, street_officer, computed, units, language
):
    """The office's “publish every confirmed assessment of the year” asks once (core.actions'
    confirm_many): the page lists each assessment it publishes, the state they leave in the
    reader's language (no Chinese list separator in English), and nothing is published until the
    confirmation's own POST."""
    for code in ("fuzimiao", "shuangtang"):
        assessment = units[code].assessments.get(year=2017)
        assessment.state = AssessmentState.CONFIRMED
        assessment.save(update_fields=["state"])
    client = web(office)
    client.cookies["django_language"] = language
    page = client.post("/assessment/publish-confirmed/", {"year": "2017"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "data-confirmation" in html and html.count("<li>") >= 2
    for code in ("fuzimiao", "shuangtang"):
        unit = units[code]
        assert (unit.name_en if language == "en" else unit.name) in html, code
    if language == "en":
        assert "、" not in html.split("data-confirmation", 1)[1].split("</section>", 1)[0]
    assert not units["fuzimiao"].assessments.filter(year=2017, state=AssessmentState.PUBLISHED).exists()
    client.post("/assessment/publish-confirmed/", {"year": "2017", "confirmed": "1"})
    published = [units[code].assessments.get(year=2017).state for code in ("fuzimiao", "shuangtang")]
    assert published == [AssessmentState.PUBLISHED] * 2
