"""The shell, as each role: the home page shows what waits for the user, the language switch keeps
the page, and a crawl from home reaches every kind of page the role can open: each answers, in
简体中文, without a serious accessibility violation, with a label on every input, every form
walkable with the Tab key alone, and no console error."""

import re
from collections import Counter
from urllib.parse import urljoin, urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError

from .conftest import (
    CJK,
    UNLABELLED_INPUTS,
    assert_accessible,
    forms_not_reachable_by_tab,
    page_kind,
    record_names,
    screenshot,
    untranslated_words,
    zh,
)

pytestmark = pytest.mark.browser

ROLES = ["office", "street", "park", "expert", "finance", "leader"]

# What each role finds waiting on its home page in the demo district (a card's stable key), and
# the rows of the list the card opens: exactly the records it counts.
ATTENTION = {
    "office": ("funding.to_approve", "tbody tr:has(a[href*='/funding/payouts/'])"),
    "street": ("talents.preliminary", "tbody tr:has(a[href*='/talents/applications/'])"),
    "park": ("funding.to_approve", "tbody tr:has(a[href*='/funding/payouts/'])"),
    "expert": ("talents.reviews", "tbody tr:has(a[href*='/talents/applications/'])"),
    "finance": ("funding.to_pay", "tbody tr:has(a[href*='/funding/payouts/'])"),
    "leader": (None, None),
}


@pytest.mark.parametrize("username", ROLES)
def test_each_role_lands_on_its_home_page_in_chinese_and_sees_what_waits(login, portal_url, username, console_errors):
    page = login(username)
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    attention = page.locator("section[aria-labelledby=attention-h]")
    screenshot(page, f"home-{username}-zh")
    key, rows = ATTENTION[username]
    if key is None:
        # Leadership reads; nothing waits for its decision, so its home leads with the key figures,
        # each a link to the records it counts.
        assert attention.count() == 0
        figures = page.locator("section[aria-labelledby=figures-h] a.key-figure")
        assert figures.count() >= 5, figures.all_inner_texts()
        enterprises = page.locator("a.key-figure[data-figure='reports.enterprises']")
        count = int(re.sub(r"\D", "", enterprises.locator(".fs-4").inner_text()))
        enterprises.click()
        page.wait_for_load_state()
        assert str(count) in page.locator("main").inner_text(), (count, page.url)
        assert not console_errors, console_errors
        return
    assert attention.get_by_role("heading", name="需要您处理").is_visible()
    cards = attention.locator("a.attention-card")
    texts = cards.all_inner_texts()
    # Every card counts something (a zero is not shown) and says what in Chinese.
    assert texts and all(re.match(r"\d+\n", t) and CJK.search(t) for t in texts), texts
    card = attention.locator(f"a.attention-card[data-attention='{key}']")
    assert card.count() == 1, texts
    count = int(card.locator(".display-6").inner_text())
    card.click()
    page.wait_for_load_state()
    assert page.url != f"{portal_url}/" and page.get_by_role("heading", level=1).is_visible()
    assert page.locator(rows).count() == min(count, 50), (key, count, page.url)
    assert not console_errors, console_errors


@pytest.mark.parametrize(
    ("username", "path", "english_heading"),
    [("office", "/jobs/", "Background jobs"), ("street", "/assessment/?year=2017", "Unit assessment 2017")],
)
def test_switching_language_keeps_the_user_on_the_same_page(login, portal_url, username, path, english_heading):
    page = login(username)
    page.goto(f"{portal_url}{path}")
    chinese_heading = page.get_by_role("heading", level=1).first.inner_text()
    page.get_by_label("语言").select_option("en")
    page.get_by_role("button", name="切换").click()
    page.wait_for_load_state()
    assert page.url == f"{portal_url}{path}"
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).first.inner_text().startswith(english_heading)
    screenshot(page, f"lang-switch-{username}-en")
    page.get_by_label("Language").select_option("zh-hans")
    page.get_by_role("button", name="Switch").click()
    page.wait_for_load_state()
    assert page.url == f"{portal_url}{path}"
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.get_by_role("heading", level=1).first.inner_text() == chinese_heading


def test_the_office_starts_a_job_and_watches_its_progress_bar(login, portal_url):
    page = login("office")
    page.goto(f"{portal_url}/jobs/")
    page.get_by_label("启动任务").select_option("verify_audit")
    page.get_by_role("button", name="启动", exact=True).click()
    page.wait_for_url("**/jobs/*/")
    bar = page.get_by_role("progressbar")
    bar.wait_for()
    page.wait_for_function("document.querySelector('[role=progressbar]').getAttribute('aria-valuenow') === '100'")
    assert "已完成" in page.locator("[data-job-state]").inner_text()


def crawl(page, portal_url: str, failures: list[str]):
    """Yields each kind of page reachable from home, breadth first, once it has loaded (the first
    link to it found); a broken link or a file that does not download goes to ``failures``."""
    host = urlsplit(portal_url).netloc
    home = f"{portal_url}/"
    kinds, queue, files = Counter({page_kind(home): 1}), [home], []
    while queue:
        url = queue.pop(0)
        try:
            response = page.goto(url)
        except PlaywrightError as exc:
            # A link to a file (an export, a template): fetched below instead.
            if "Download is starting" not in exc.message:
                raise
            files.append(url)
            continue
        if response is None or response.status >= 400:
            failures.append(f"{url}: {response.status if response else 'no response'}")
            continue
        if "html" not in (response.headers.get("content-type") or ""):
            continue
        yield url
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
            target = urljoin(url, href).split("#")[0]
            parts = urlsplit(target)
            if parts.netloc != host or parts.path.startswith(("/admin/", "/api/", "/static/")):
                continue
            if not kinds[kind := page_kind(target)]:
                kinds[kind] += 1
                queue.append(target)
    for url in files:
        status = page.request.get(url).status
        if status >= 400:
            failures.append(f"{url}: {status}")


@pytest.mark.parametrize("username", ROLES)
def test_every_page_reachable_from_home_answers_in_chinese(login, portal_url, username, console_errors, audited_kinds):
    """From home, every link of every page the user reaches, one page of each kind (the first
    link to it found, breadth first): it answers (no server error, no broken link), in 简体中文, with
    a Chinese heading, a label on every input and no console error; each file it links to answers
    too. Each kind of page also has no serious or critical axe-core violation and every form on it
    is walkable by Tab alone, checked once in the session (``audited_kinds``): the main pages as
    the role that works on each (test_pages.py), every other kind as the first role that reaches
    it (office first, which reaches the most; the pages of the other roles differ in records and
    buttons, which the main pages' and the workflows' checks see as each role)."""
    page = login(username)
    failures, reached = [], []
    for url in crawl(page, portal_url, failures):
        reached.append(kind := page_kind(url))
        if page.locator("html").get_attribute("lang") != "zh-hans":
            failures.append(f"{url}: not in 简体中文")
        headings = page.get_by_role("heading", level=1)
        if not headings.count() or not CJK.search(headings.first.inner_text()):
            failures.append(f"{url}: no heading in Chinese")
        if unlabelled := page.evaluate(UNLABELLED_INPUTS):
            failures.append(f"{url}: inputs without a label: {unlabelled}")
        if kind not in audited_kinds:
            audited_kinds.add(kind)
            try:
                assert_accessible(page)
            except AssertionError as exc:
                failures.append(f"{url}: {exc}")
            failures += [f"{url}: {problem}" for problem in forms_not_reachable_by_tab(page)]
    # The expert's portal is its queue and the applications in it; every other role's is wider.
    assert len(reached) >= (5 if username == "expert" else 30), reached
    assert not failures, "\n".join(failures)
    assert not console_errors, console_errors


def test_every_page_the_office_reaches_reads_in_english(login, portal_url, portal_db, console_errors):
    """The same crawl as the office (who reaches every kind of page), in English: each page says its
    own words in English (see ``untranslated_words``)."""
    page = login("office")
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": portal_url}])
    names = record_names(portal_db)
    failures, reached = [], 0
    for url in crawl(page, portal_url, failures):
        reached += 1
        if page.locator("html").get_attribute("lang") != "en":
            failures.append(f"{url}: not in English")
        if untranslated := untranslated_words(page, names):
            failures.append(f"{url}: not in English: {untranslated}")
    assert reached >= 30
    assert not failures, "\n".join(failures)
    assert not console_errors, console_errors


def test_the_login_page_is_accessible_and_usable_by_keyboard_alone(page, portal_url):
    page.goto(f"{portal_url}/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert not page.evaluate(UNLABELLED_INPUTS)
    assert_accessible(page)
    page.keyboard.type("office")  # the username field has focus on load
    page.keyboard.press("Tab")
    page.keyboard.type("qinhuai2017")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{portal_url}/")
    screenshot(page, "login-done-zh")


def test_the_menus_are_usable_by_keyboard_alone(login, portal_url):
    """From the skip link through a menu of the header to a page, with Tab, Enter and the arrows."""
    page = login("park")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#main"
    focused = "[document.activeElement.textContent.trim(), document.activeElement.getAttribute('href')]"
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate(focused)[0] == zh("Funding"):
            break
    else:
        pytest.fail("Tab never reached the funding menu")
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowDown")
    first = page.evaluate(focused)
    page.keyboard.press("ArrowDown")
    second = page.evaluate(focused)
    assert first != second and second[1].startswith("/funding/"), (first, second)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{portal_url}{second[1]}")
    assert page.get_by_role("heading", level=1).first.is_visible()
