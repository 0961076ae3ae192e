"""Issue 18 by clicks alone, from the login page, against the live demo portal (2018-01-15): the
demo enterprise asks the public catalogue for an IP service for one of its 一企一策 plan items,
the IP agency (login `provider`) accepts and delivers it, the enterprise rates it and the plan
item shows done; an overdue request appears on the unit's home page and its card opens exactly
the overdue requests; a financing request to the guarantee company ends in a guarantee among the
enterprise's financing rounds, counted in its cumulative financing by the night's recompute.
Screenshots of the catalogue and a request's page in both languages."""

import re

import pytest

from serviceplatform.demo import ACCOUNT_PLAN_ITEM

from .conftest import assert_accessible, assert_no_error_message, open_menu, screenshot, switch_language, zh
from .test_workflows import confirm_if_asked, start_job

pytestmark = pytest.mark.browser

IP_SERVICE = "专利申请代理"
IP_AGENCY = "南京秦淮知识产权服务中心"


def open_card(page, key: str) -> None:
    page.locator(f"a.attention-card[data-attention='{key}']").click()
    page.wait_for_load_state()


def submit_action(page, action: str) -> None:
    page.locator(f"form:has(input[name=action][value={action}]) button[type=submit]").click()
    page.wait_for_load_state()
    confirm_if_asked(page)


def test_an_enterprise_asks_for_an_ip_service_the_provider_delivers_it_is_rated_and_the_plan_item_is_done(
    login, page, portal_url
):
    page.set_viewport_size({"width": 1366, "height": 768})
    login("enterprise")
    open_menu(page, "Mine", "Service catalogue")
    assert page.url == f"{portal_url}/services/"
    assert_accessible(page)
    screenshot(page, "service-catalogue-zh")
    page.locator("tr", has_text=IP_SERVICE).get_by_role("link", name=zh("Request this service")).click()
    page.wait_for_url(re.compile(r".*/services/requests/new/\?service=\d+&category=ip$"))
    # Category and service prefilled from the catalogue; the enterprise says what it needs and
    # which plan item the request is for.
    assert page.get_by_label(zh("Category")).input_value() == "ip"
    assert IP_SERVICE in page.get_by_label(zh("Service")).locator("option:checked").inner_text()
    page.get_by_label(zh("What you need")).fill("两项发明专利的撰写与申请")
    page.get_by_label(zh("For the support plan item")).select_option(label=ACCOUNT_PLAN_ITEM)
    page.get_by_role("button", name=zh("Save")).click()
    page.wait_for_url(re.compile(r".*/services/requests/\d+/$"))
    assert_no_error_message(page)
    request_path = page.url.removeprefix(portal_url)
    number = request_path.rstrip("/").rsplit("/", 1)[-1]
    assert IP_AGENCY in page.locator("#where-it-stands").inner_text()
    assert page.locator("#plan-item").get_attribute("data-status") == "in_progress"

    # The IP agency finds it among its new requests, accepts it and delivers it.
    login("provider")
    open_card(page, "serviceplatform.new")
    page.get_by_role("link", name=f"#{number}", exact=True).click()
    page.wait_for_url(f"{portal_url}{request_path}")
    submit_action(page, "accept")
    assert_no_error_message(page)
    page.locator("#note-deliver").fill("已完成两项发明专利的撰写并提交申请")
    submit_action(page, "deliver")
    assert_no_error_message(page)
    assert page.locator("form input[name=action]").count() == 0  # nothing left for the provider

    # The enterprise rates it from its home page; the plan item it came from is done.
    login("enterprise")
    open_card(page, "serviceplatform.to_rate")
    page.get_by_role("link", name=f"#{number}", exact=True).click()
    page.wait_for_url(f"{portal_url}{request_path}")
    page.locator("#rating-close").fill("5")
    page.locator("#comment-close").fill("响应及时，专业可靠")
    submit_action(page, "close")
    assert_no_error_message(page)
    assert page.locator("#plan-item").get_attribute("data-status") == "done"
    assert page.locator("form input[name=action]").count() == 0  # rated once
    assert_accessible(page)
    screenshot(page, "service-request-zh")
    open_menu(page, "Mine", "My service requests")
    plan_row = page.locator("#my-plan tr", has_text=ACCOUNT_PLAN_ITEM)
    assert plan_row.get_attribute("data-status") == "done"
    assert f"#{number}" in plan_row.inner_text()

    # The same pages in English.
    page.goto(f"{portal_url}{request_path}")
    switch_language(page, "en")
    assert page.get_by_role("heading", level=1).first.inner_text().startswith(f"Service request #{number}")
    assert "Done; rated 5 of 5." in page.locator("#where-it-stands").inner_text()
    screenshot(page, "service-request-en")
    page.get_by_role("button", name="Mine", exact=True).click()
    page.locator(".dropdown-menu.show").get_by_role("link", name="Service catalogue", exact=True).click()
    page.wait_for_url(f"{portal_url}/services/")
    assert page.get_by_role("heading", level=1).first.inner_text() == "Service catalogue of the “1+x” platform"
    screenshot(page, "service-catalogue-en")
    switch_language(page, "zh-hans")


def test_an_overdue_request_appears_on_the_units_home_page(login, page, portal_url):
    login("park")
    card = page.locator("a.attention-card[data-attention='serviceplatform.overdue_requests']")
    count = int(re.search(r"\d+", card.inner_text()).group())
    assert count >= 1
    open_card(page, "serviceplatform.overdue_requests")
    assert page.url == f"{portal_url}/services/requests/?overdue=true"
    rows = page.locator("main tbody tr")
    assert rows.count() == count
    assert page.locator("main tbody tr .badge.text-bg-danger").count() == count


GUARANTOR = "秦淮投资担保有限公司"
GUARANTEE_SERVICE = "科技贷款担保"


def test_a_financing_request_to_the_guarantee_company_ends_in_a_guarantee_in_the_enterprises_financing(
    login, page, portal_url, portal_db
):
    (enterprise,) = portal_db.execute(
        "SELECT e.name FROM enterprises_enterprise e JOIN core_user u ON u.id = e.account_id "
        "WHERE u.username = 'enterprise'"
    ).fetchone()
    (guarantor_staff,) = portal_db.execute(
        "SELECT u.username FROM core_user u JOIN serviceplatform_providerstaff s ON s.user_id = u.id "
        "JOIN serviceplatform_provider p ON p.id = s.provider_id WHERE p.name = ? ORDER BY s.id",
        (GUARANTOR,),
    ).fetchone()

    # The enterprise asks the guarantee company, from the catalogue, to guarantee a loan.
    login("enterprise")
    open_menu(page, "Mine", "Service catalogue")
    page.locator("tr", has_text=GUARANTEE_SERVICE).get_by_role("link", name=zh("Request this service")).click()
    page.wait_for_url(re.compile(r".*/services/requests/new/\?service=\d+&category=tech_finance$"))
    page.get_by_label(zh("What you need")).fill("银行流动资金贷款需担保")
    page.get_by_label(zh("Financing wanted (yuan)")).fill("1500000")
    page.get_by_label(zh("Use of the money")).fill("采购芯片与扩大备货")
    page.get_by_label(zh("Instrument wanted")).select_option("guarantee")
    page.get_by_role("button", name=zh("Save")).click()
    page.wait_for_url(re.compile(r".*/services/requests/\d+/$"))
    assert_no_error_message(page)
    request_path = page.url.removeprefix(portal_url)
    number = request_path.rstrip("/").rsplit("/", 1)[-1]
    assert GUARANTOR in page.locator("#where-it-stands").inner_text()

    # The guarantee company accepts it and records the guarantee it grants.
    login(guarantor_staff)
    open_card(page, "serviceplatform.new")
    page.get_by_role("link", name=f"#{number}", exact=True).click()
    page.wait_for_url(f"{portal_url}{request_path}")
    submit_action(page, "accept")
    assert_no_error_message(page)
    form = page.locator("form", has=page.get_by_role("button", name=zh("Record the outcome")))
    form.get_by_label(zh("Outcome")).select_option("granted")
    form.get_by_label(zh("Amount granted (yuan)")).fill("1500000")
    form.get_by_label(zh("Instrument granted")).select_option("guarantee")
    form.get_by_label(zh("Rate (percent a year)")).fill("1.5")
    form.get_by_role("button", name=zh("Record the outcome")).click()
    page.wait_for_load_state()
    confirm_if_asked(page)
    assert_no_error_message(page)
    assert page.url == f"{portal_url}{request_path}"
    assert page.locator("form input[name=action]").count() == 0  # nothing left for the provider

    # The enterprise finds the guarantee among its financing rounds.
    login("enterprise")
    open_menu(page, "Mine", "My enterprise")
    rounds = page.locator("li.list-group-item", has_text=GUARANTOR)
    assert rounds.filter(has_text=re.compile(r"1,?500,?000")).count() >= 1

    # The night's recompute (started by the office from the jobs page) counts it in the
    # enterprise's cumulative financing, which its unit's officer reads on the enterprise's page.
    login("office")
    start_job(page, portal_url, "recompute_enterprise_figures")
    login("park")
    box = page.get_by_role("searchbox", name=zh("Search applications, talents, enterprises, agreements and payouts"))
    box.fill(enterprise)
    box.press("Enter")
    page.wait_for_url(f"{portal_url}/search/?q=*")
    page.locator("#search-enterprises").get_by_role("link", name=enterprise).first.click()
    page.wait_for_url(re.compile(r".*/enterprises/\d+/$"))
    table = page.locator("section[aria-labelledby=financing-h] table")
    guarantee = table.locator("tbody tr", has_text=GUARANTOR).filter(has_text="150.0")
    assert guarantee.count() >= 1
    assert zh("Guaranteed loan") in guarantee.first.inner_text()
    amounts = [float(t.replace(",", "")) for t in table.locator("tbody tr td.text-end").all_inner_texts()]
    figure = page.locator("dt", has_text=zh("Cumulative financing (10,000 yuan)")).locator(
        "xpath=following-sibling::dd[1]"
    )
    assert float(figure.inner_text().replace(",", "")) == pytest.approx(sum(amounts), abs=0.1)
