"""Issue 17 item 7 by clicks: what matters asks once, naming the record and the consequence, and
then says what happened. A payment recorded by finance (money), a bulk approval from the
approver's queue (one confirmation listing exactly the chosen payouts, then each one's result),
and a call published, closed and reopened under their own words (发布 a draft, 重新开放 a closed
call; 新建 makes a new one)."""

import re

import pytest

from .conftest import CJK, GLOSS, open_menu, record_names, screenshot, switch_language, zh
from .test_workflows import TODAY, open_from_home, unique

pytestmark = pytest.mark.browser


def _asked(page, *texts: str) -> None:
    """The page is a confirmation naming each of ``texts``, and nothing has happened yet."""
    confirmation = page.locator("[data-confirmation]")
    assert confirmation.count() == 1, page.url
    said = confirmation.inner_text()
    for text in texts:
        assert text in said, (text, said)
    assert page.locator(".alert-success").count() == 0


def _confirm(page) -> str:
    page.locator("form[data-confirm-action] button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".alert-danger").count() == 0, page.locator(".alert-danger").all_inner_texts()
    return page.locator(".alert-success").inner_text()


def test_finance_confirms_a_payment_naming_the_enterprise_and_the_amount(login, page, portal_url):
    login("finance")
    open_from_home(page, portal_url, "funding.to_pay")
    row = page.locator("tbody tr").filter(has=page.get_by_role("link", name=zh("Record payment"))).first
    row.get_by_role("link", name=zh("Record payment")).click()
    page.wait_for_url(re.compile(r"/funding/payouts/\d+/$"))
    payout_url = page.url
    enterprise = page.locator("dl dd").first.inner_text().strip()
    page.locator("#id_voucher").fill(unique("付-"))
    page.locator("#id_paid_on").fill(TODAY.isoformat())
    page.get_by_role("button", name=zh("Record payment")).click()
    page.wait_for_load_state()
    _asked(page, enterprise, "元", zh("Record payment"))
    assert page.locator(f"a[href='{payout_url.removeprefix(portal_url)}']").count() >= 1  # cancel goes back
    screenshot(page, "confirm-payment-zh")
    page.set_viewport_size({"width": 390, "height": 844})
    # On a phone the confirmation reads without sideways scrolling and its buttons keep one line.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    for button in page.locator("[data-confirmation] .btn").all():
        box = button.bounding_box()
        assert box and box["height"] < 60, box
    screenshot(page, "confirm-payment-phone-zh")
    page.set_viewport_size({"width": 1366, "height": 768})
    said = _confirm(page)
    assert page.url == payout_url and said.strip()
    from funding.models import PayoutState

    assert page.locator("h1 + .badge").inner_text() == zh(PayoutState.PAID.label)


def test_a_call_is_published_closed_and_reopened_each_under_its_own_words(login, page, portal_url, portal_db):
    from talents.models import CallState

    login("office")
    page.goto(f"{portal_url}/talents/calls/")
    new_call = page.get_by_role("link", name=zh("New call"))
    assert new_call.inner_text().strip() == "新建申报批次"
    new_call.click()
    (year,) = portal_db.execute(
        "select max(c.year) from talents_call c join talents_program p on p.id = c.program_id where p.code = ?",
        ("district_high_level_entrepreneur",),
    ).fetchone()
    program = page.locator("#id_program")
    program.select_option(
        program.evaluate("(s) => [...s.options].find(o => o.textContent.includes('秦淮区高层次创业人才')).value")
    )
    page.locator("#id_year").fill(str(max(year or 0, TODAY.year - 1) + 1))
    title = unique("秦淮区高层次创业人才专项")
    page.locator("#id_title").fill(title)
    page.locator("#id_opens_on").fill(TODAY.isoformat())
    page.locator("#id_closes_on").fill(TODAY.replace(year=TODAY.year + 1).isoformat())
    page.locator("#id_quota").fill("5")
    page.locator("#id_notice_days").fill("7")
    page.get_by_role("button", name=zh("Save")).click()
    page.wait_for_url(re.compile(r"/talents/calls/\d+/$"))
    board = page.url

    def press(label: str) -> None:
        page.get_by_role("button", name=zh(label)).click()
        page.wait_for_load_state()

    # A draft is published: the confirmation names the call and who will see it.
    assert page.get_by_role("button", name=zh("Reopen the call")).count() == 0
    press("Publish the call")
    _asked(page, title, "所有申报人和单位均可看到")
    said = _confirm(page)
    assert zh("Publish the call") in said and zh(CallState.OPEN.label) in said and page.url == board

    press("Close the call")
    _asked(page, title, "不再接受申报")
    _confirm(page)
    assert zh(CallState.CLOSED.label) in page.get_by_role("heading", level=1).inner_text()

    # A closed call is not “published” again: reopening is its own button, with its own consequence.
    assert page.get_by_role("button", name=zh("Publish the call")).count() == 0
    press("Reopen the call")
    _asked(page, title, "重新接受申报")
    screenshot(page, "confirm-reopen-call-zh")
    said = _confirm(page)
    assert zh("Reopen the call") in said and zh(CallState.OPEN.label) in said
    assert zh(CallState.OPEN.label) in page.get_by_role("heading", level=1).inner_text()


def test_a_bulk_approval_lists_the_chosen_payouts_once_then_each_result(login, page, portal_url):
    """The office opens its card of payouts awaiting approval (the queue), ticks two, presses
    审批通过…: one confirmation lists exactly those two and what will happen, nothing is approved
    yet; confirmed, each row says done, or refused and why (four eyes, a limit)."""
    login("office")
    open_from_home(page, portal_url, "funding.to_approve")
    boxes = page.locator("form[data-queue] input[name=ids]")
    assert boxes.count() >= 3, boxes.count()  # two chosen, the others left waiting
    chosen = [boxes.nth(n).get_attribute("value") for n in (0, 1)]
    for n in (0, 1):
        boxes.nth(n).check()
    page.locator("form[data-queue] button[name=action][value=approve]").click()
    page.wait_for_load_state()
    listed = page.locator("form[data-confirm-list] tr[data-item]")
    assert [row.get_attribute("data-item") for row in listed.all()] == chosen
    # Each payout's amount, read as money: thousands separators, two decimals, the unit in its column.
    assert "元" in page.locator("form[data-confirm-list] thead").inner_text()
    assert all(re.search(r"\d{1,3}(,\d{3})*\.\d{2}", row.inner_text()) for row in listed.all())
    assert page.locator(".alert-success").count() == 0
    screenshot(page, "bulk-approve-confirm-zh")
    page.locator("form[data-confirm-list] button[type=submit]").click()
    page.wait_for_load_state()
    results = page.locator("tr[data-item][data-result]")
    assert [row.get_attribute("data-item") for row in results.all()] == chosen
    for row in results.all():
        assert row.get_attribute("data-result") == "done" or row.locator("td").nth(2).inner_text().strip()


# ---------------------------------------------------------------- the same confirmations in English


def _asked_in_english(page, names: re.Pattern, *records: str, typed: str = "") -> str:
    """The page is a confirmation in English: it names each of ``records`` and a consequence, and
    once the records' own names (what people wrote, in Chinese) and what the person ``typed`` (a
    reason, shown back) are set aside, none of its own text is Chinese. Nothing has happened yet.
    Returns the confirmation's text."""
    if typed:
        names = re.compile(f"{re.escape(typed)}|{names.pattern}")
    confirmation = page.locator("[data-confirmation]")
    assert confirmation.count() == 1, page.url
    said = confirmation.inner_text()
    for record in records:
        assert record in said, (record, said)
    consequence = page.locator("[data-consequence]").inner_text().strip()
    assert re.search(r"[A-Za-z]{3,}", consequence) and not CJK.search(names.sub("", consequence)), consequence
    left = [line for line in said.splitlines() if CJK.search(GLOSS.sub("", names.sub("", line)))]
    assert not left, f"Chinese left in the confirmation: {left}"
    assert page.locator(".alert-success").count() == 0
    return said


def _cancel(page, back: str) -> None:
    """The confirmation's Cancel leads back to the record, where nothing has happened."""
    page.locator("[data-confirmation]").get_by_role("link", name="Cancel").click()
    page.wait_for_load_state()
    assert page.url == back, (page.url, back)
    assert page.locator(".alert-success").count() == 0


def _names(portal_db) -> re.Pattern:
    """What people wrote into records, plus the units' names (a list of assessments names them)."""
    units = [n for (n,) in portal_db.execute("select name from core_orgunit") if n and CJK.search(n)]
    objections = [c for (c,) in portal_db.execute("select content from talents_objection") if c]
    return re.compile(
        record_names(portal_db).pattern + "".join(f"|{re.escape(u)}" for u in sorted(units + objections, key=len)[::-1])
    )


def test_an_applicants_resubmission_and_withdrawal_ask_in_english(login, page, portal_url, portal_db):
    """The applicant, the language switched to English in the header, resubmits and withdraws the
    application that was returned: each asks once, in English, naming the venture; cancelled."""
    names = _names(portal_db)
    login("talent")
    switch_language(page, "en")
    page.get_by_role("link", name="My applications").first.click()
    page.wait_for_url(f"{portal_url}/talents/mine/")
    page.locator("tbody tr", has_text="Returned for revision").locator("a").first.click()
    page.wait_for_url(re.compile(r"/talents/mine/applications/\d+/$"))
    mine = page.url
    venture = page.locator("main dl dd").first.inner_text().strip()
    assert CJK.search(venture), venture  # the demo's venture, a name in Chinese, stays as written

    reply = page.locator("#submit-form textarea")
    if reply.count():
        reply.first.fill("已补充财务报表。")
    page.locator("#submit-button").click()
    page.wait_for_load_state()
    said = _asked_in_english(page, names, venture, typed="已补充财务报表。")
    assert "Resubmit" in said or "Submit" in said, said
    screenshot(page, "confirm-resubmit-en")
    _cancel(page, mine)

    page.locator("#withdraw-form textarea").first.fill("不再申报。")
    page.locator("#withdraw-button").click()
    page.wait_for_load_state()
    said = _asked_in_english(page, names, venture, typed="不再申报。")
    assert "cannot be submitted again" in said, said
    assert page.locator("[data-confirmation] .btn-danger").count() == 1  # destructive looks destructive
    screenshot(page, "confirm-withdraw-en")
    _cancel(page, mine)
    assert "Returned for revision" in page.locator("main").inner_text()


def test_an_objections_finding_and_a_years_publication_ask_in_english(login, page, portal_url, portal_db):
    """The office, in English: the open objection to an application under public notice, upheld
    or dismissed (each asks, naming the application); every confirmed assessment of the year
    published at once (asks, listing each). All cancelled: the records stay as they were."""
    names = _names(portal_db)
    (venture,) = portal_db.execute(
        "select a.venture_name from talents_objection o join talents_application a on a.id = o.application_id"
        " where o.state = 'open' order by o.id limit 1"
    ).fetchone()
    login("office")
    switch_language(page, "en")
    box = page.get_by_role("searchbox").first
    box.fill(venture)
    box.press("Enter")
    page.wait_for_url(f"{portal_url}/search/?q=*")
    page.locator("#search-applications").get_by_role("link", name=venture).first.click()
    page.wait_for_url(re.compile(r"/talents/applications/\d+/$"))
    application = page.url
    for step, destructive in (("uphold", True), ("dismiss", False)):
        form = page.locator("form[action*='/objections/']")
        form.locator("textarea").first.fill("经核实，异议内容与事实不符。")
        form.locator(f"button[name=action][value={step}]").click()
        page.wait_for_load_state()
        said = _asked_in_english(page, names, venture, typed="经核实，异议内容与事实不符。")
        assert page.locator("[data-confirmation] .btn-danger").count() == int(destructive), said
        screenshot(page, f"confirm-objection-{step}-en")
        _cancel(page, application)

    open_menu(page, "Assessment", "League tables", tr=str)
    (year,) = portal_db.execute("select year from assessment_assessment where state = 'confirmed' limit 1").fetchone()
    assert str(year) in page.get_by_role("heading", level=1).inner_text()  # the league opens on the last year
    league = page.url
    units = [
        u
        for (u,) in portal_db.execute(
            # The units as an English reader reads them: by their English names.
            "select u.name_en from assessment_assessment a join core_orgunit u on u.id = a.org_unit_id"
            " where a.state = 'confirmed' and a.year = ?",
            (year,),
        )
    ]
    assert units
    page.locator("form[action$='/publish-confirmed/'] button").click()
    page.wait_for_load_state()
    said = _asked_in_english(page, names, *units)
    assert page.locator("[data-records] li").count() == len(units), said
    assert "published" in said, said
    screenshot(page, "confirm-publish-year-en")
    page.locator("[data-confirmation]").get_by_role("link", name="Cancel").click()
    page.wait_for_load_state()
    assert page.url.split("?")[0] == league.split("?")[0] and page.locator(".alert-success").count() == 0
