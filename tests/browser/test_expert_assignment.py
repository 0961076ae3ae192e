"""Issue 17 item 3, by clicks alone, as the office: the expert-assignment queue from the menu (choose
applications and an expert, confirm, see each pair's result) and the picker on an application's page
with a conflict of interest flagged before assigning; at 1366×768 and on a 390-pixel phone."""

import pytest

from .conftest import assert_accessible, open_menu, screenshot, zh

pytestmark = pytest.mark.browser


PARK = "高新园区"


def open_queue(page, portal_url) -> None:
    open_menu(page, "Talents", "Expert assignment")
    page.wait_for_url(f"{portal_url}/talents/queues/assignment/")


def test_the_office_assigns_an_expert_to_chosen_applications_and_sees_each_result(login, page, portal_url):
    login("office")
    open_queue(page, portal_url)
    rows = page.locator("tr[data-application]")
    assert rows.count() >= 2
    # Two applications not hosted by 高新园区, and 周工程师 (expert3), who works for the park.
    outside = page.locator("tr[data-application]").filter(has_not_text=PARK).filter(has_not_text="周工程师")
    chosen = [outside.nth(0), outside.nth(1)]
    for row in chosen:
        row.locator("input[name=ids]").check()
    roster = page.locator("table[data-roster]")
    expert3 = roster.locator("tr", has_text="周工程师")
    assert expert3.count() == 1
    expert3.locator("input[name=experts]").check()
    assert_accessible(page)
    screenshot(page, "talents-assignment-queue-zh")
    page.get_by_role("button", name=zh("Assign the chosen experts…")).click()
    page.wait_for_load_state()
    pairs = page.locator("tr[data-pair]")
    assert pairs.count() == 2
    assert set(pairs.evaluate_all("rows => rows.map(r => r.dataset.result)")) == {"assign"}
    screenshot(page, "talents-assignment-confirm-zh")
    page.get_by_role("button", name=f"{zh('Confirm')}: {zh('Assign')}").click()
    page.wait_for_load_state()
    assert set(page.locator("tr[data-pair]").evaluate_all("rows => rows.map(r => r.dataset.result)")) == {"done"}
    assert "2" in page.get_by_role("heading", level=1).inner_text()


def test_the_picker_flags_a_conflict_before_assigning_and_assigns_only_when_told(login, page, portal_url):
    login("office")
    open_queue(page, portal_url)
    park_row = page.locator("tr[data-application]").filter(has_text=PARK).first
    park_row.get_by_role("link").click()
    page.wait_for_url(f"{portal_url}/talents/applications/*/")
    section = page.locator("section[aria-labelledby=assign-h]")
    row = section.locator("tr", has_text="周工程师")
    assert row.locator("[data-conflict]").is_visible()
    assert PARK in row.locator("[data-conflict]").inner_text()
    screenshot(page, "talents-assignment-picker-zh")
    # The box must be ticked: the browser refuses the form without it.
    row.get_by_role("button", name=zh("Assign")).click()
    assert row.get_by_role("button", name=zh("Assign")).is_visible()
    row.get_by_label(zh("Assign despite the conflict")).check()
    row.get_by_role("button", name=zh("Assign")).click()
    page.wait_for_load_state()
    assert page.locator(".alert-success").first.is_visible()
    row = page.locator("section[aria-labelledby=assign-h] tr", has_text="周工程师")
    assert row.locator(".badge", has_text=zh("Assigned to this application")).is_visible()


def test_the_queue_on_a_phone(login, page, portal_url):
    page.set_viewport_size({"width": 390, "height": 844})
    login("office")
    open_queue(page, portal_url)
    assert page.evaluate("document.documentElement.scrollWidth") <= 391
    screenshot(page, "talents-assignment-queue-phone-zh")
