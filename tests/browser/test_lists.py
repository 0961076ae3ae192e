"""Issue 17 item 12 by clicks: lists remember. An officer filters the enterprises by a maker space
(a choice by name), sorts, sets the page size, jumps to a page, opens a record and comes back by
the breadcrumb to the same list; on a new application, the applicant is found by typing part of a
name (the portal's own lookup). At 1366×768 and at 390×844."""

from urllib.parse import parse_qs, urlsplit

import pytest

from .conftest import screenshot, zh

pytestmark = pytest.mark.browser


def _query(url: str) -> dict:
    return parse_qs(urlsplit(url).query)


@pytest.mark.parametrize("width,height", [(1366, 768), (390, 844)])
def test_the_enterprise_list_is_the_same_after_a_visit_to_a_record(login, page, portal_url, portal_db, width, height):
    page.set_viewport_size({"width": width, "height": height})
    login("office")
    (space_id, space) = portal_db.execute(
        "select m.id, m.name from enterprises_makerspace m join enterprises_enterprise e on e.maker_space_id = m.id "
        "group by m.id order by count(*) desc limit 1"
    ).fetchone()
    page.goto(f"{portal_url}/enterprises/")
    # The maker space is a choice by name, not a number to type.
    page.locator("#id_maker_space").select_option(label=space)
    page.get_by_role("button", name=zh("Apply")).click()
    page.wait_for_load_state()
    assert _query(page.url)["maker_space"] == [str(space_id)]
    page.goto(f"{portal_url}/enterprises/")
    # Sorted by a figure, 25 a page, then page 3 typed into the page box.
    page.locator("thead th a").nth(1).click()
    page.wait_for_load_state()
    page.locator("#page-size").select_option("25")
    page.locator("#page-jump").fill("3")
    page.get_by_role("button", name=zh("Go"), exact=True).click()
    page.wait_for_load_state()
    left = page.url
    assert _query(left)["page"] == ["3"] and _query(left)["per_page"] == ["25"] and "sort" in _query(left)
    # The pagination fits the screen (it wraps, it does not push the page sideways).
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    first = page.locator("tbody tr td a").first
    name = first.inner_text()
    first.click()
    page.wait_for_load_state()
    assert name in page.get_by_role("heading", level=1).inner_text()
    page.locator(".breadcrumb a", has_text=zh("Talent enterprises")).click()
    page.wait_for_load_state()
    assert _query(page.url) == _query(left)
    assert page.locator("tbody tr td a").first.inner_text() == name
    assert page.locator("#page-jump").input_value() == "3"
    # Named literally, so that the artifacts test finds the pictures README shows.
    if width == 390:
        screenshot(page, "enterprise-list-remembered-390-zh")
    else:
        screenshot(page, "enterprise-list-remembered-1366-zh")


def test_the_applicant_is_found_by_typing_part_of_a_name(login, page, portal_url, portal_db):
    login("street")
    (name,) = portal_db.execute(
        "select t.name from talents_talent t join core_orgunit u on u.id = t.org_unit_id "
        "where u.code = 'fuzimiao' order by t.id limit 1"
    ).fetchone()
    page.goto(f"{portal_url}/talents/applications/new/")
    before = page.locator("#id_talent option").count()
    lookup = page.locator("#id_talent-lookup")
    assert lookup.get_attribute("aria-label") == zh("Search the applicant by name")
    lookup.fill(name)
    page.wait_for_function("n => document.querySelectorAll('#id_talent option').length < n", arg=before, timeout=5000)
    options = page.locator("#id_talent option").all_inner_texts()
    assert any(name in o for o in options) and len(options) <= 21
    assert (
        page.locator("#id_talent").evaluate("s => s.options[s.selectedIndex].text").startswith(name) or len(options) > 2
    )
    screenshot(page, "application-applicant-lookup-zh")
