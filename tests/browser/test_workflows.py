"""The people's workflows, end to end in a real browser, in 简体中文 (the default).

Each workflow creates or picks its own records (unique names, its own agreement or unit), so the
tests do not depend on their order although they share one live portal. Labels are looked up in
the portal's own Chinese catalogue (``zh``), so a test reads what a Chinese user reads.
"""

import datetime
import re
import uuid
from pathlib import Path

import pytest

from .conftest import PORTAL_AS_OF, assert_accessible, assert_no_error_message, screenshot, zh

pytestmark = pytest.mark.browser

# The portal under test runs as of the demo's day (PORTAL_AS_OF): every date a person types is
# read against that day, not the machine's.
TODAY = PORTAL_AS_OF


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:6]}"


def submit_action(page, action: str) -> None:
    """Press the button of one workflow step (the forms carry the step's code as `action`), and
    confirm it where it asks once."""
    page.locator(f"form:has(input[name=action][value={action}]) button[type=submit]").click()
    page.wait_for_load_state()
    confirm_if_asked(page)


def confirm_if_asked(page) -> None:
    """A step that asks once (issue 17 item 7): the confirmation names the record and the
    consequence; the person reads it and presses its confirm button."""
    form = page.locator("form[data-confirm-action]")
    if form.count() == 0:
        return
    assert page.locator("[data-record]").inner_text().strip()
    assert page.locator("[data-consequence]").inner_text().strip()
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def open_from_home(page, portal_url: str, key: str) -> None:
    """From the home page, the card of what waits for the user (its stable key)."""
    if page.url != f"{portal_url}/":
        page.goto(f"{portal_url}/")
    page.locator(f"a.attention-card[data-attention='{key}']").click()
    page.wait_for_load_state()


def fill_by_keyboard(page, first_field: str, values: list[str | None]) -> None:
    """Fills a form with the keyboard alone, from its first field: each value typed, or the field
    passed over (None), then Tab to the next; Enter on the button the last Tab reached."""
    page.locator(first_field).focus()
    for value in values:
        if value is not None:
            page.keyboard.type(value)
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.type") == "submit", page.evaluate("document.activeElement.outerHTML")
    with page.expect_navigation():
        page.keyboard.press("Enter")


# ---------------------------------------------------------------- talents: the selection pipeline


def open_new_call(login, page, portal_url: str, portal_db) -> tuple[str, str]:
    """The office drafts a call of the district program (one call per program and year, so the
    next free year) and opens it. Returns the call's URL and title."""
    from talents.models import CallState

    login("office")
    (year,) = portal_db.execute(
        "select max(c.year) from talents_call c join talents_program p on p.id = c.program_id where p.code = ?",
        ("district_high_level_entrepreneur",),
    ).fetchone()
    page.goto(f"{portal_url}/talents/calls/new/")
    program = page.locator("#id_program")
    program.select_option(
        program.evaluate("(s) => [...s.options].find(o => o.textContent.includes('秦淮区高层次创业人才')).value")
    )
    page.locator("#id_year").fill(str(max(year or 0, TODAY.year - 1) + 1))
    title = unique("秦淮区高层次创业人才专项")
    page.locator("#id_title").fill(title)
    page.locator("#id_opens_on").fill(TODAY.isoformat())
    page.locator("#id_closes_on").fill((TODAY + datetime.timedelta(days=30)).isoformat())
    page.locator("#id_quota").fill("5")
    page.locator("#id_notice_days").fill("7")
    page.get_by_role("button", name=zh("Save")).click()
    page.wait_for_url(re.compile(r"/talents/calls/\d+/$"))
    assert_no_error_message(page)
    submit_action(page, "open")
    assert zh(CallState.OPEN.label) in page.get_by_role("heading", level=1).inner_text()
    return page.url, title


def select_a_talent(login, page, portal_url: str, portal_db, officer: str, shots: bool = False) -> tuple[str, str]:
    """The whole selection of one new talent of the officer's unit, through the pages of each role:
    registration, application, preliminary review, two experts' scores, panel defense, public notice,
    the office's ratification. Returns the talent's name and URL."""

    call_url, call_title = open_new_call(login, page, portal_url, portal_db)

    # The unit's officer registers the talent and the application, submits and pre-reviews it.
    login(officer)
    talent_name = unique("周")
    page.goto(f"{portal_url}/talents/new/")
    page.locator("#id_name").fill(talent_name)
    page.locator("#id_education").select_option("doctorate")
    page.locator("#id_field").fill("工业互联网")
    page.get_by_role("button", name=zh("Save")).click()
    page.wait_for_url(re.compile(r"/talents/\d+/$"))
    assert_no_error_message(page)
    talent_url = page.url

    page.goto(f"{portal_url}/talents/applications/new/")
    page.locator("#id_talent").select_option(label=talent_name)
    page.locator("#id_call").select_option(label=call_title)
    page.locator("#id_industry").select_option(index=1)
    page.locator("#id_venture_name").fill(unique("秦淮智联科技"))
    page.locator("#id_summary").fill("面向文旅街区的客流感知与调度平台")
    page.locator("#id_requested_support").fill("500000")
    page.locator("#id_source_channel").select_option("own")
    page.locator("#id_own_paid_in_capital").fill("1000000")
    page.get_by_role("button", name=zh("Save")).click()
    page.wait_for_url(re.compile(r"/talents/applications/\d+/$"))
    app_url = page.url
    submit_action(page, "submit")
    assert_no_error_message(page)
    review_to_approval(login, page, portal_url, portal_db, officer, app_url, shots=shots)
    page.goto(call_url)
    assert talent_name in page.locator("table").first.inner_text()
    if shots:
        screenshot(page, "call-board-zh")
    return talent_name, talent_url


def review_to_approval(login, page, portal_url: str, portal_db, officer: str, app_url: str, shots: bool = False):
    """A submitted application of a district call, from the unit's preliminary review to the
    office's ratification: two experts' scores, the panel defense, seven days of public notice."""
    from talents.models import ApplicationState

    login(officer)
    page.goto(app_url)
    submit_action(page, "accept")
    assert_no_error_message(page)
    assert page.locator("#app-state").inner_text() == zh(ApplicationState.EXPERT_REVIEW.label)

    # The hosting unit assigns two experts (district programs are selected by the unit).
    for expert in ("expert", "expert2"):
        (expert_id,) = portal_db.execute("select id from core_user where username = ?", (expert,)).fetchone()
        # The picker: a row per expert with its own button (issue 17 item 3).
        page.locator(f"section[aria-labelledby=assign-h] tr[data-expert='{expert_id}'] button[type=submit]").click()
        page.wait_for_load_state()
        confirm_if_asked(page)
        assert_no_error_message(page)

    # Two experts score it, each from the home page's card to their queue; the second one by
    # keyboard alone (a comment left empty).
    for expert, marks in (("expert", ("26", "17", "25", "18")), ("expert2", ("24", "16", "27", "17"))):
        login(expert)
        open_from_home(page, portal_url, "talents.reviews")
        page.locator(f"a[href='{app_url.removeprefix(portal_url)}']").first.click()
        page.wait_for_url(app_url)
        if expert == "expert":
            assert_accessible(page)
            for code, mark in zip(("innovation", "team", "market", "industry_fit"), marks, strict=True):
                page.locator(f"#id_{code}").fill(mark)
            page.locator("form[action$='/score/'] button[type=submit]").click()
            page.wait_for_load_state()
            confirm_if_asked(page)
        else:
            fields = page.locator("form[action$='/score/']").locator("input:visible, textarea:visible, select:visible")
            blanks = [None] * (fields.count() - len(marks))
            fill_by_keyboard(page, "#id_innovation", [*marks, *blanks])
        assert_no_error_message(page)
    # Both submitted: blind review, the call shows experts nothing of the other reviews (the default).
    scores = page.locator("section[aria-labelledby=scores-h]")
    assert zh("Not yet scored") not in scores.inner_text()
    assert scores.locator("tbody tr").count() == 1

    # The panel defense and the public notice, run by the hosting unit.
    login(officer)
    page.goto(app_url)
    submit_action(page, "to_defense")
    assert page.locator("#app-state").inner_text() == zh(ApplicationState.DEFENSE.label)
    assert_accessible(page)
    page.locator("#id_votes_for").fill("5")
    page.locator("#id_votes_against").fill("1")
    page.locator("form[action$='/vote/'] button[type=submit]").click()
    page.wait_for_load_state()
    confirm_if_asked(page)
    assert_no_error_message(page)
    submit_action(page, "select")
    assert_no_error_message(page)
    assert page.locator("#app-state").inner_text() == zh(ApplicationState.PUBLIC_NOTICE.label)

    # The office may not ratify while the notice runs: the page offers no approval until it ends
    # (buttons follow the workflow's guards, issue 14 item 4).
    login("office")
    page.goto(app_url)
    assert page.locator("form:has(input[name=action][value=approve])").count() == 0
    assert page.locator("#app-state").inner_text() == zh(ApplicationState.PUBLIC_NOTICE.label)

    # Seven days pass without objections.
    app_id = int(app_url.rstrip("/").rsplit("/", 1)[1])
    started, ended = (TODAY - datetime.timedelta(days=days) for days in (8, 1))
    portal_db.execute(
        "update talents_application set notice_starts_on = ?, notice_ends_on = ? where id = ?",
        (started.isoformat(), ended.isoformat(), app_id),
    )
    portal_db.commit()

    page.goto(app_url)
    page.locator("#origin-approve").select_option("introduced")
    submit_action(page, "approve")
    assert_no_error_message(page)
    assert page.locator("#app-state").inner_text() == zh(ApplicationState.APPROVED.label)
    if shots:
        screenshot(page, "application-approved-zh")


def test_a_talent_is_selected_from_call_to_title(login, page, portal_url, portal_db):
    talent_name, talent_url = select_a_talent(login, page, portal_url, portal_db, "street", shots=True)
    # The talent's title appears on the talent's page and in the registry.
    page.goto(talent_url)
    titles = page.locator("table").first.inner_text()
    assert "秦淮区高层次创业人才" in titles
    assert zh("Introduced") in titles
    screenshot(page, "talent-title-zh")


# ---------------------------------------------------------------- enterprises: the quarterly import


def _credit_code() -> str:
    from stdnum.cn import uscc

    body = f"91320104MA{uuid.uuid4().int % 10_000_000:07d}"[:17]
    return body + uscc.calc_check_digit(body)


def register_enterprise(
    page,
    portal_url: str,
    name: str,
    code: str,
    registered_on: datetime.date = datetime.date(2015, 3, 1),
    moved_in_on: datetime.date = datetime.date(2015, 4, 1),
) -> str:
    """The park officer registers a venture that moved into the park; returns its URL."""
    page.goto(f"{portal_url}/enterprises/new/")
    page.locator("#id_name").fill(name)
    page.locator("#id_credit_code").fill(code)
    page.locator("#id_registered_on").fill(registered_on.isoformat())
    page.locator("#id_moved_in_on").fill(moved_in_on.isoformat())
    page.locator("#id_registered_capital").fill("5000000")
    page.locator("#id_paid_in_capital").fill("2000000")
    page.locator("#id_address").fill("秦淮区永智路6号")
    page.locator("#id_org_unit").select_option(label="高新园区")
    page.locator("#id_industry").select_option(index=1)
    page.get_by_role("button", name=zh("Save")).click()
    page.wait_for_url(re.compile(r"/enterprises/\d+/$"))
    assert_no_error_message(page)
    return page.url


def _filled_template(template: bytes, rows: list[list]) -> bytes:
    """The downloaded template, filled in as a park officer fills it in Excel."""
    import io

    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(template))
    sheet = workbook.worksheets[0]
    sheet.delete_rows(2, sheet.max_row)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_park_imports_a_quarter_from_the_excel_template_and_sees_class_and_tier_change(login, page, portal_url):
    from enterprises.models import EnterpriseClass, RevenueTier

    # The park officer (高新园区) registers a new enterprise of its own.
    login("park")
    name, code = unique("金陵云帆信息技术有限公司"), _credit_code()
    enterprise_url = register_enterprise(page, portal_url, name, code)
    heading = page.get_by_role("heading", level=1)
    assert zh(EnterpriseClass.SEED.label) in heading.inner_text()
    assert zh(RevenueTier.NONE.label) in heading.inner_text()

    # The template lists the park's enterprises, the new one among them.
    page.goto(f"{portal_url}/enterprises/imports/")
    with page.expect_download() as download:
        page.locator("a[href$='/imports/template.xlsx']").click()
    template = Path(download.value.path()).read_bytes()
    import io

    from openpyxl import load_workbook

    listed = [row[0] for row in load_workbook(io.BytesIO(template)).worksheets[0].iter_rows(values_only=True)]
    assert code in listed

    # First a broken file: a wrong credit code and a figure that is not a number.
    broken = _filled_template(
        template,
        [
            [code, name, TODAY.year - 2, 1, 3_000_000, 3_000_000, 200_000, 100_000, 30, 30, 400_000, 1, 0],
            ["91320104MA0000000X", "不存在的企业", TODAY.year - 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0],
            [code, name, TODAY.year - 1, 1, "九百万", 9_000_000, 900_000, 300_000, 45, 44, 1_000_000, 3, 1],
        ],
    )
    page.locator("#id_file").set_input_files(
        files=[{"name": "broken.xlsx", "mimeType": "application/vnd.ms-excel", "buffer": broken}]
    )
    page.get_by_role("button", name=zh("Upload and check")).click()
    page.wait_for_url(re.compile(r"/imports/\d+/$"))
    assert page.get_by_role("alert").is_visible()
    errors = page.locator("table tbody tr")
    assert errors.count() >= 2
    rows_with_errors = {errors.nth(i).locator("td").first.inner_text() for i in range(errors.count())}
    assert {"3", "4"} <= rows_with_errors, rows_with_errors
    screenshot(page, "import-errors-zh")
    assert_accessible(page)
    page.goto(enterprise_url)
    assert zh(RevenueTier.NONE.label) in page.get_by_role("heading", level=1).inner_text()

    # Then the corrected file: this year's first quarter triples last year's.
    good = _filled_template(
        template,
        [
            [code, name, TODAY.year - 2, 1, 3_000_000, 3_000_000, 200_000, 100_000, 30, 30, 400_000, 1, 0],
            [code, name, TODAY.year - 1, 1, 9_000_000, 9_000_000, 900_000, 300_000, 45, 44, 1_000_000, 3, 1],
        ],
    )
    page.goto(f"{portal_url}/enterprises/imports/")
    page.locator("#id_file").set_input_files(
        files=[{"name": "good.xlsx", "mimeType": "application/vnd.ms-excel", "buffer": good}]
    )
    page.get_by_role("button", name=zh("Upload and check")).click()
    page.wait_for_url(re.compile(r"/imports/\d+/$"))
    page.get_by_role("button", name=re.compile(r"^导入全部 2 行$")).click()  # the count it will import
    page.wait_for_load_state()
    assert page.locator(".alert-success").count() >= 1

    page.goto(enterprise_url)
    heading = page.get_by_role("heading", level=1).inner_text()
    assert zh(EnterpriseClass.HIGH_GROWTH.label) in heading
    assert zh(RevenueTier.TEN_M.label) in heading
    # The class change is on record with the figures that caused it.
    assert page.locator("td", has_text=zh(EnterpriseClass.HIGH_GROWTH.label)).count() == 1
    screenshot(page, "enterprise-after-import-zh")


# ---------------------------------------------------------------- assessment: compute, confirm, league


def wait_for_job(page) -> None:
    """On a job's page: the progress bar fills and the job says it has finished."""
    page.wait_for_url(re.compile(r"/jobs/\d+/$"))
    page.get_by_role("progressbar").wait_for()
    page.wait_for_function(
        "document.querySelector('[role=progressbar]').getAttribute('aria-valuenow') === '100'", timeout=60_000
    )
    from qinhuai_talent.core.models import JobState

    assert zh(JobState.SUCCEEDED.label) in page.locator("[data-job-state]").inner_text()


def test_the_office_computes_the_assessment_a_street_confirms_and_the_league_table_updates(
    login, page, portal_url, portal_db
):
    from assessment.models import AssessmentState

    # The office carries the street scheme over to a year of its own and activates it.
    login("office")
    (last,) = portal_db.execute("select max(year) from assessment_assessmentscheme").fetchone()
    year = last + 1
    page.goto(f"{portal_url}/assessment/schemes/")
    copy = page.locator("form:has(input[name=form][value=copy])")
    source = copy.locator("select").first
    value = source.evaluate(
        "(s, y) => [...s.options].find(o => o.textContent.includes(y + '年度街道')).value", str(last)
    )
    source.select_option(value)
    copy.locator("input[name=year]").fill(str(year))
    copy.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/assessment/schemes/\d+/$"))
    assert_no_error_message(page)
    page.locator("form:has(input[name=form][value=activate]) button").click()
    page.wait_for_load_state()
    confirm_if_asked(page)
    assert_no_error_message(page)

    # The office recomputes from the league table and watches the job's progress bar.
    page.goto(f"{portal_url}/assessment/?year={year}")
    page.get_by_role("button", name=zh("Recompute the assessments")).click()
    wait_for_job(page)
    page.goto(f"{portal_url}/assessment/?year={year}")
    fuzimiao = page.locator("tbody tr", has_text="夫子庙")
    assert zh(AssessmentState.COMPUTED.label) in fuzimiao.inner_text()

    # The street officer of 夫子庙 opens its own scorecard and confirms it.
    login("street")
    page.goto(f"{portal_url}/assessment/scorecards/?year={year}")
    page.locator("tbody tr", has_text="夫子庙").get_by_role("link").click()
    page.wait_for_url(re.compile(r"/assessment/scorecards/\d+/$"))
    assert_accessible(page)
    page.locator("#reason").fill("数据已与街道台账核对无误")
    page.locator("button[formaction$='/confirm/']").click()
    page.wait_for_load_state()
    confirm_if_asked(page)
    assert_no_error_message(page)
    scorecard_url = page.url

    # The office sees the confirmation in the league table and publishes the confirmed results.
    login("office")
    page.goto(f"{portal_url}/assessment/?year={year}")
    fuzimiao = page.locator("tbody tr", has_text="夫子庙")
    assert zh(AssessmentState.CONFIRMED.label) in fuzimiao.inner_text()
    page.locator("form[action$='/publish-confirmed/'] button").click()
    page.wait_for_load_state()
    confirm_if_asked(page)
    assert_no_error_message(page)

    # Now the street finds itself in the published table, highlighted, with its total.
    login("street")
    page.goto(f"{portal_url}/assessment/?year={year}")
    own = page.locator("tbody tr.table-warning")
    assert "夫子庙" in own.inner_text()
    assert zh(AssessmentState.PUBLISHED.label) in own.inner_text()
    assert own.locator("a").get_attribute("href") == scorecard_url.removeprefix(portal_url)
    screenshot(page, "league-street-zh")


# ---------------------------------------------------------------- funding: payouts, ledger, exits


def start_job(page, portal_url: str, kind: str) -> None:
    page.goto(f"{portal_url}/jobs/")
    page.get_by_label(zh("Start a job")).select_option(kind)
    page.get_by_role("button", name=zh("Start"), exact=True).click()
    wait_for_job(page)


def new_park_agreement(
    login, page, portal_url: str, portal_db, startup_grant: int, starts_on: datetime.date = PORTAL_AS_OF
) -> tuple[str, str]:
    """A venture of 高新园区 of the test's own: a talent selected through the pipeline founds an
    enterprise; the office signs a support agreement with it and activates it.
    Returns the agreement's URL and the enterprise's name.

    The payout and exit recomputes judge the venture as of the portal's day (PORTAL_AS_OF), so the
    venture and its agreement are dated by that day: registered two months before the agreement
    starts and moved into the park a month later, before the recompute's day."""
    talent, _talent_url = select_a_talent(login, page, portal_url, portal_db, "park")

    # The park officer registers the venture and its founder.
    login("park")
    enterprise = unique("秦淮星途科技有限公司")
    registered_on = starts_on - datetime.timedelta(days=60)
    enterprise_url = register_enterprise(
        page,
        portal_url,
        enterprise,
        _credit_code(),
        registered_on=registered_on,
        moved_in_on=min(registered_on + datetime.timedelta(days=30), PORTAL_AS_OF),
    )
    page.goto(f"{enterprise_url}founders/")
    page.locator("#id_talent").select_option(label=talent)
    page.locator("#id_equity_share").fill("60")
    page.locator("#id_is_legal_representative").check()
    page.get_by_role("button", name=zh("Save")).click()
    page.wait_for_url(enterprise_url)
    assert talent in page.content()

    # The office drafts the agreement on the park's budget with the usual 30/40/30 plan.
    login("office")
    page.goto(f"{portal_url}/funding/agreements/new/")
    application = page.locator("#id_application")
    application.select_option(
        application.evaluate("(s, t) => [...s.options].find(o => o.textContent.startsWith(t)).value", talent)
    )
    page.locator("#id_enterprise").select_option(label=enterprise)
    template = page.locator("#id_template")
    template.select_option(
        template.evaluate("(s) => [...s.options].find(o => o.textContent.includes('30/40/30')).value")
    )
    page.locator("#id_startup_grant").fill(str(startup_grant))
    page.locator("#id_starts_on").fill(starts_on.isoformat())
    page.locator("#id_ends_on").fill(starts_on.replace(year=starts_on.year + 3).isoformat())
    # The office charges it to a budget of the park that still has room (the form says when one has not).
    budgets = page.locator("#id_budget").evaluate(
        "(s) => [...s.options].filter(o => o.textContent.includes('高新园区')).map(o => o.value)"
    )
    for budget in budgets:
        page.locator("#id_budget").select_option(budget)
        page.get_by_role("button", name=zh("Create draft")).click()
        page.wait_for_load_state()
        confirm_if_asked(page)
        if re.search(r"/funding/agreements/\d+/$", page.url):
            break
    else:
        pytest.fail(f"no budget of 高新园区 has room for {startup_grant} yuan")
    assert_no_error_message(page)
    agreement_url = page.url
    page.locator("form[action$='/activate/'] button").click()
    page.wait_for_load_state()
    confirm_if_asked(page)
    assert_no_error_message(page)
    return agreement_url, enterprise


def payout_of_first_tranche(page, agreement_url: str) -> str:
    """After a payout recompute: the first tranche's card on the agreement links to its payout."""
    page.goto(agreement_url)
    first = page.locator(".card").first
    link = first.locator("a[href*='/funding/payouts/']")
    assert link.count() == 1, f"no payout proposed for the first tranche: {first.inner_text()}"
    return link.get_attribute("href")


def test_payouts_are_approved_within_and_above_the_park_limit_and_paid_by_finance(login, page, portal_url, portal_db):
    from funding.models import ApproverLevel, PayoutState

    small_url, _ = new_park_agreement(login, page, portal_url, portal_db, startup_grant=20_000)
    large_url, _ = new_park_agreement(login, page, portal_url, portal_db, startup_grant=2_000_000)

    # The office recomputes the payout proposals and watches the job's progress bar.
    start_job(page, portal_url, "recompute_payouts")
    screenshot(page, "job-recompute-payouts-zh")
    small = payout_of_first_tranche(page, small_url)
    large = payout_of_first_tranche(page, large_url)

    # 6,000 yuan is within 高新园区's delegated limit: the park approves it from its queue.
    login("park")
    page.goto(f"{portal_url}{small}")
    assert zh(ApproverLevel.UNIT.label) in page.locator("dl").inner_text()
    open_from_home(page, portal_url, "funding.to_approve")
    assert page.url == f"{portal_url}/funding/payouts/"
    assert page.locator(f"tr:has(a[href='{large}'])").count() == 0
    page.locator(f"tr:has(a[href='{small}']) button[type=submit]").click()
    page.wait_for_load_state()
    confirm_if_asked(page)
    assert_no_error_message(page)
    # 600,000 yuan is above it: the park may not approve; the office does.
    page.goto(f"{portal_url}{large}")
    assert zh(ApproverLevel.DISTRICT.label) in page.locator("dl").inner_text()
    assert page.get_by_role("button", name=zh("Approve")).count() == 0
    login("office")
    page.goto(f"{portal_url}{large}")
    page.get_by_role("button", name=zh("Approve")).click()
    page.wait_for_load_state()
    confirm_if_asked(page)
    assert_no_error_message(page)
    assert zh(PayoutState.APPROVED.label) in page.locator("main h1 + span, main .badge").first.inner_text()

    # Finance records the payment with its voucher.
    login("finance")
    page.on("dialog", lambda dialog: dialog.accept())
    voucher = unique("付-2026-")
    open_from_home(page, portal_url, "funding.to_pay")
    assert page.url == f"{portal_url}/funding/payouts/finance/"
    row = page.locator(f"tbody tr:has(a[href='{small}'])")
    assert row.count() == 1
    row.get_by_role("link", name=zh("Record payment")).click()
    page.wait_for_url(f"{portal_url}{small}")
    assert_accessible(page)
    page.locator("#id_voucher").fill(voucher)
    page.locator("#id_paid_on").fill(TODAY.isoformat())
    page.get_by_role("button", name=zh("Record payment")).click()
    page.wait_for_load_state()
    confirm_if_asked(page)
    assert_no_error_message(page)
    assert voucher in page.locator("ul.small").first.inner_text()

    # The ledger and the agreement's progress show it.
    agreement_id = small_url.rstrip("/").rsplit("/", 1)[1]
    page.goto(f"{portal_url}/funding/ledger/?agreement={agreement_id}")
    assert voucher in page.locator("table").first.inner_text()
    assert "6,000.00" in page.locator("table").first.inner_text()
    page.goto(small_url)
    ledger = page.locator(f"h2:text-is('{zh('Ledger')}') + .table-responsive table")
    assert voucher in ledger.inner_text()
    assert "0.6 万元 / 2.0 万元" in page.locator("dl").inner_text()
    assert "0.6" in page.locator(".funding-bar").get_attribute("aria-label")
    screenshot(page, "agreement-paid-zh")


def test_an_exit_flag_leads_to_a_case_a_decision_and_a_recovery(login, page, portal_url, portal_db):
    from funding.models import CaseState, ExitRule

    # Signed over a year before the portal's day: the quarters since are due, and none was reported.
    signed = PORTAL_AS_OF - datetime.timedelta(days=400)
    agreement_url, enterprise = new_park_agreement(
        login, page, portal_url, portal_db, startup_grant=100_000, starts_on=signed
    )
    start_job(page, portal_url, "recompute_payouts")
    payout = payout_of_first_tranche(page, agreement_url)
    page.goto(f"{portal_url}{payout}")
    page.get_by_role("button", name=zh("Approve")).click()
    page.wait_for_load_state()
    confirm_if_asked(page)
    login("finance")
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{portal_url}{payout}")
    page.locator("#id_voucher").fill(unique("付-"))
    page.get_by_role("button", name=zh("Record payment")).click()
    page.wait_for_load_state()
    confirm_if_asked(page)
    assert_no_error_message(page)

    # The venture has filed no operating report since it was registered: the exit recompute flags it.
    login("office")
    start_job(page, portal_url, "recompute_exit_flags")
    page.goto(f"{portal_url}/funding/exits/?rule=missing_reports")
    flag = page.locator("tbody tr", has_text=enterprise)
    assert flag.count() == 1
    assert zh(ExitRule.MISSING_REPORTS.label) in flag.inner_text()
    screenshot(page, "exit-board-zh")

    # The office opens a case from the agreement and decides to exit, recovering what was paid.
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(agreement_url)
    page.locator("#case-note").fill("连续两个季度未报送经营数据")
    page.get_by_role("button", name=zh("Open an exit case")).click()
    page.wait_for_url(re.compile(r"/funding/exits/cases/\d+/$"))
    assert_no_error_message(page)
    case_url = page.url
    assert_accessible(page)
    exit_form = page.locator("form[action$='/exit/']")
    exit_form.locator("textarea").fill("经调查企业已停止经营，终止协议并追回已拨资金")
    assert exit_form.locator("#id_exit_recovery_due").input_value() in ("30000.00", "30000")
    exit_form.locator("button").click()
    page.wait_for_load_state()
    confirm_if_asked(page)
    assert_no_error_message(page)
    assert zh(CaseState.EXITED.label) in page.locator("main .badge").first.inner_text()

    # Finance records the money coming back.
    login("finance")
    page.goto(case_url)
    assert_accessible(page)
    page.locator("#id_amount").fill("30000")
    page.locator("#id_voucher").fill(unique("收-"))
    page.get_by_role("button", name=zh("Record recovery")).click()
    page.wait_for_load_state()
    confirm_if_asked(page)
    assert_no_error_message(page)
    assert "30,000.00元 / 30,000.00元" in page.locator("dl").inner_text()
    screenshot(page, "exit-case-recovered-zh")
