"""Issue 17 item 4, by clicks alone: the header's search box, as an officer uses it, at 1366×768
and on a 390-pixel phone, in Chinese and in English. Against the live demo portal."""

import pytest

from .conftest import assert_accessible, screenshot, zh

pytestmark = pytest.mark.browser


def _header_fits(page) -> None:
    """Nothing of the header leaves the screen, and no label stands as a column of characters."""
    width = page.viewport_size["width"]
    right = page.evaluate(
        "Math.max(...[...document.querySelectorAll('header *')].map(e => e.getBoundingClientRect().right))"
    )
    assert right <= width + 1, right
    tall = page.evaluate(
        "[...document.querySelectorAll('header a, header button')].filter(e => e.offsetParent !== null)"
        ".filter(e => e.getBoundingClientRect().height > 3 * parseFloat(getComputedStyle(e).lineHeight || 20))"
        ".map(e => e.textContent.trim())"
    )
    assert not tall, tall


def test_an_officer_finds_an_enterprise_by_part_of_its_name_and_opens_it(login, page, portal_url):
    login("park")
    _header_fits(page)
    box = page.get_by_role("searchbox", name=zh("Search applications, talents, enterprises, agreements and payouts"))
    box.fill("科技")
    box.press("Enter")
    page.wait_for_url(f"{portal_url}/search/?q=*")
    assert page.locator("#search-count").is_visible()
    section = page.locator("#search-enterprises")
    first = section.get_by_role("link").first
    name = first.inner_text()
    assert_accessible(page)
    screenshot(page, "search-results-zh")
    first.click()
    page.wait_for_url(f"{portal_url}/enterprises/*/")
    assert name in page.get_by_role("heading", level=1).first.inner_text()


def test_a_whole_id_number_finds_the_talent_and_a_part_finds_nothing(login, page, portal_url):
    login("office")
    page.goto(f"{portal_url}/talents/")
    page.locator("table a[href^='/talents/']").first.click()
    page.wait_for_url(f"{portal_url}/talents/*/")
    heading = page.get_by_role("heading", level=1).first.inner_text()
    id_number = (
        page.locator("dt", has_text=zh("ID number")).first.locator("xpath=following-sibling::dd[1]").inner_text()
    )
    assert id_number and len(id_number) == 18
    box = page.locator("#header-search")
    box.fill(id_number[:10])
    box.press("Enter")
    page.wait_for_url(f"{portal_url}/search/?q=*")
    assert page.locator("#search-talents").count() == 0
    page.locator("#header-search").fill(id_number)
    page.locator("#header-search").press("Enter")
    page.wait_for_url(f"{portal_url}/search/?q=*")
    assert page.locator("#search-talents").get_by_role("link").first.inner_text() in heading


def test_the_search_on_a_phone_and_in_english(login, page, portal_url):
    page.set_viewport_size({"width": 390, "height": 844})
    login("street")
    _header_fits(page)
    page.get_by_role("button", name=zh("Menu")).click()
    page.locator("#header-search").fill("科技")
    page.locator("#header-search").press("Enter")
    page.wait_for_url(f"{portal_url}/search/?q=*")
    assert page.evaluate("document.documentElement.scrollWidth") <= 391
    page.set_viewport_size({"width": 1366, "height": 768})
    page.locator("#lang-select").select_option("en")
    page.get_by_role("button", name="切换").click()
    page.wait_for_load_state()
    _header_fits(page)
    assert page.get_by_role("heading", level=1).first.inner_text() == "Search"
    screenshot(page, "search-results-en")
