"""The main page of every app, as the role that works on it: in 简体中文 and in English, without
serious accessibility violations (axe-core), with a label on every input, and photographed for the
README (docs/screenshots/<name>-zh.png and -en.png)."""

import re

import pytest

from .conftest import (
    CJK,
    UNLABELLED_INPUTS,
    assert_accessible,
    forms_not_reachable_by_tab,
    page_kind,
    record_names,
    screenshot,
    untranslated_words,
)

pytestmark = pytest.mark.browser


# (screenshot name, role that works on the page, path)
MAIN_PAGES = [
    ("home-office", "office", "/"),
    ("talents-calls", "office", "/talents/calls/"),
    ("talents-new-call", "office", "/talents/calls/new/"),
    ("talents-registry", "street", "/talents/"),
    ("talents-new-application", "street", "/talents/applications/new/"),
    ("talents-expert-queue", "expert", "/talents/reviews/"),
    ("talents-assignment-queue", "office", "/talents/queues/assignment/"),
    ("enterprises-list", "park", "/enterprises/"),
    ("enterprises-new", "park", "/enterprises/new/"),
    ("enterprises-imports", "park", "/enterprises/imports/"),
    ("enterprises-filing", "park", "/enterprises/filing/"),
    ("enterprises-mine", "enterprise", "/enterprises/mine/"),
    ("enterprises-support-plan", "park", "/enterprises/plan/"),
    ("enterprises-maker-spaces", "office", "/enterprises/maker-spaces/"),
    ("enterprises-mentors", "office", "/enterprises/mentors/"),
    ("enterprises-class-rules", "office", "/enterprises/class-rules/"),
    ("funding-agreements", "office", "/funding/"),
    ("funding-new-agreement", "office", "/funding/agreements/new/"),
    ("funding-payout-queue", "park", "/funding/payouts/"),
    ("funding-finance-queue", "finance", "/funding/payouts/finance/"),
    ("funding-ledger", "finance", "/funding/ledger/"),
    ("funding-budgets", "office", "/funding/budgets/"),
    ("funding-forecast", "leader", "/funding/forecast/"),
    ("funding-exits", "office", "/funding/exits/"),
    ("assessment-league", "leader", "/assessment/"),
    ("assessment-scorecards", "street", "/assessment/scorecards/"),
    ("assessment-schemes", "office", "/assessment/schemes/"),
    ("assessment-targets", "office", "/assessment/targets/"),
    ("assessment-activities", "street", "/assessment/activities/"),
    ("assessment-work-funds", "office", "/assessment/work-funds/"),
    ("reports-dashboard", "leader", "/reports/"),
    ("reports-talents", "leader", "/reports/talents/?year=2017"),
    ("reports-applications", "office", "/reports/applications/?year=2017"),
    ("reports-enterprises", "leader", "/reports/enterprises/"),
    ("reports-funding", "finance", "/reports/funding/?year=2017"),
    ("reports-exits", "office", "/reports/exits/"),
    ("reports-assessments", "street", "/reports/assessments/?year=2017"),
    ("reports-clients", "office", "/reports/clients/"),
    ("jobs", "office", "/jobs/"),
    ("services-mine", "enterprise", "/services/requests/"),
    ("services-providers", "office", "/services/providers/?year=2017"),
    ("services-review", "office", "/services/providers/review/?year=2017"),
]
IDS = [name for name, _role, _path in MAIN_PAGES]


@pytest.mark.parametrize(("name", "role", "path"), MAIN_PAGES, ids=IDS)
def test_main_page_in_chinese_is_accessible_and_labelled(
    login, portal_url, console_errors, audited_kinds, name, role, path
):
    page = login(role)
    response = page.goto(f"{portal_url}{path}")
    assert response.status == 200, f"{path} as {role}: {response.status}"
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    heading = page.get_by_role("heading", level=1).first.inner_text()
    assert CJK.search(heading), f"{path}: the heading “{heading}” is not in Chinese"
    screenshot(page, f"{name}-zh")
    assert not page.evaluate(UNLABELLED_INPUTS), f"{path}: inputs without a label"
    assert_accessible(page)
    assert not (unreachable := forms_not_reachable_by_tab(page)), unreachable
    # The crawls from home (test_shell.py) need not run axe-core and the Tab walk on it again.
    audited_kinds.add(page_kind(f"{portal_url}{path}"))
    assert not console_errors, console_errors


@pytest.mark.parametrize(("name", "role", "path"), MAIN_PAGES, ids=IDS)
def test_main_page_in_english(login, page, portal_url, portal_db, name, role, path):
    login(role)
    # The language switch of every page (test_shell.py proves it keeps the page) sets this cookie.
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": portal_url}])
    response = page.goto(f"{portal_url}{path}")
    assert response.status == 200
    assert page.locator("html").get_attribute("lang") == "en"
    heading = page.get_by_role("heading", level=1).first.inner_text()
    # The menus of the apps (the last menu is the user's own name, which stays as it is).
    menus = page.locator("nav .nav-link.dropdown-toggle, nav a.nav-link").all_inner_texts()[:-1]
    assert len(menus) >= 2 and not any(CJK.search(m) for m in menus), f"{path}: menus not in English: {menus}"
    if path != "/":
        # English, though a district term may follow in Chinese as a gloss: “Funds ledger (台账)”.
        assert re.match(r"[A-Za-z]", heading), f"{path}: the heading “{heading}” is not in English"
    screenshot(page, f"{name}-en")
    assert not (untranslated := untranslated_words(page, record_names(portal_db))), untranslated


def test_a_form_is_usable_by_keyboard_alone(login, page, portal_url):
    """A street officer registers a talent without touching the mouse."""
    login("street")
    page.goto(f"{portal_url}/talents/new/")
    page.locator("#id_name").focus()
    page.keyboard.type("键盘录入测试人才")
    # Tab visits every field of the form in order, then the save button.
    order = []
    for _ in range(40):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.id || document.activeElement.type")
        order.append(focused)
        if focused == "submit":
            break
    assert "id_org_unit" in order and order[-1] == "submit", order
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/talents/\d+/$"))
    assert "键盘录入测试人才" in page.get_by_role("heading", level=1).inner_text()
