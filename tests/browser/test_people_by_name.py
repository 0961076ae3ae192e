"""Issue 17 item 5 by clicks: everywhere a person appears (the expert picker, tables, the history,
the transition log, the success message "…已分配评审该申报", a payout's preparer and approver, the
inbox) the person reads as their full name, never as their username. As the office and as a
street officer, from the login page, by clicks alone; at 1366×768.

The usernames are every demo account's (read from the live portal's users, not one example); one
is "shown as a person's name" when it stands as a word of the page's text (the portal's text is
Chinese, so an English username is never part of a longer word of it)."""

import re

import pytest

from .conftest import open_menu, screenshot, zh
from .test_expert_assignment import open_queue
from .test_workflows import confirm_if_asked, open_from_home

pytestmark = pytest.mark.browser


def _people(portal_db) -> tuple[re.Pattern, dict[str, str]]:
    """A pattern matching any demo account's username as a word, and each named account's full
    name as the portal writes it in Chinese (family name first)."""
    users = portal_db.execute("select username, last_name || first_name from core_user").fetchall()
    assert len(users) >= 10, users
    words = "|".join(re.escape(u) for u, _ in sorted(users, key=lambda u: -len(u[0])))
    return re.compile(rf"(?<![A-Za-z0-9_.@/-])(?:{words})(?![A-Za-z0-9_@/-])"), {u: n for u, n in users if n}


def _log_names_people(page, names: dict) -> None:
    """The page's transition log names each actor by full name (or — for the system)."""
    log = page.locator("section[aria-labelledby=log-h] li")
    assert log.count() >= 1
    for entry in log.all():
        actor = entry.inner_text().split(" · ")[1]
        assert actor in names.values() or actor == "—", entry.inner_text()


def _no_username(page, usernames: re.Pattern, where: str) -> str:
    text = page.locator("body").inner_text()
    found = sorted({m.group(0) for m in usernames.finditer(text)})
    assert not found, f"{where} ({page.url}) shows usernames as people: {found}"
    return text


def _inbox(page, usernames, names) -> None:
    page.locator("#inbox-link").click()
    page.wait_for_url(re.compile(r"/notifications/"))
    _no_username(page, usernames, "the inbox")


def test_the_office_sees_people_by_full_name(login, page, portal_url, portal_db):
    usernames, names = _people(portal_db)
    login("office")

    # The expert picker on an application's page, with its history and transition log.
    open_queue(page, portal_url)
    _no_username(page, usernames, "the assignment queue")
    roster_names = page.locator("table[data-roster] tbody tr").all_inner_texts()
    assert roster_names and all(any(n in row for n in names.values()) for row in roster_names), roster_names
    # The first application of the queue with an expert still free to assign (no conflict).
    picker = page.locator("section[aria-labelledby=assign-h]")
    rows = picker.locator("tbody tr")
    free = rows.filter(has_not=page.locator("[data-conflict]")).filter(has=page.locator("button[type=submit]"))
    for n in range(page.locator("tr[data-application]").count()):
        page.locator("tr[data-application]").nth(n).get_by_role("link").first.click()
        page.wait_for_url(re.compile(r"/talents/applications/\d+/$"))
        if free.count():
            break
        page.go_back()
    assert free.count(), "no application in the queue has an expert free to assign"
    assert rows.count() >= 2
    for row in rows.all():
        assert any(n in row.inner_text() for n in names.values()), row.inner_text()
    _log_names_people(page, names)
    _no_username(page, usernames, "an application's page")

    # Assigning an expert: the message names the expert by full name.
    expert = next(n for n in names.values() if n in free.first.inner_text())
    free.first.locator("button[type=submit]").click()
    page.wait_for_load_state()
    said = page.locator(".alert-success").first.inner_text()
    assert expert in said, (expert, said)
    _no_username(page, usernames, "the assignment's message")
    screenshot(page, "people-by-name-application-zh")

    # A payout from the approver's queue: prepared by, approved by (the office's own name once it
    # approves), the history.
    open_from_home(page, portal_url, "funding.to_approve")
    _no_username(page, usernames, "the payout queue")
    page.locator("form[data-queue] tbody tr").first.locator("a[href*='/funding/payouts/']").first.click()
    page.wait_for_url(re.compile(r"/funding/payouts/\d+/$"))
    _no_username(page, usernames, "a payout's page")
    page.locator("form[action$='/approve/'] button[type=submit]").first.click()
    page.wait_for_load_state()
    confirm_if_asked(page)
    assert page.locator(".alert-danger").count() == 0, page.locator(".alert-danger").all_inner_texts()
    approved = page.locator("dl dt", has_text=zh("Approved by")).locator("xpath=following-sibling::dd[1]")
    assert names["office"] in approved.inner_text(), approved.inner_text()
    _no_username(page, usernames, "an approved payout's page")
    screenshot(page, "people-by-name-payout-zh")

    _inbox(page, usernames, names)


def test_a_street_officer_sees_people_by_full_name(login, page, portal_url, portal_db):
    usernames, names = _people(portal_db)
    login("street")
    open_menu(page, "Talents", "Applications")
    _no_username(page, usernames, "the applications list")
    # An application that has been through the workflow: its log names who moved it.
    page.locator("tbody tr").filter(has_not_text=zh("Draft")).first.locator("a").first.click()
    page.wait_for_url(re.compile(r"/talents/applications/\d+/$"))
    _log_names_people(page, names)
    _no_username(page, usernames, "an application's page")
    screenshot(page, "people-by-name-street-application-zh")
    _inbox(page, usernames, names)
