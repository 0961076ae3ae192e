"""Each role logs in, lands on its home page in Chinese, switches language on the same page,
and every link reachable from home answers without a server or console error."""

from urllib.parse import urljoin, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe

from .conftest import screenshot

pytestmark = pytest.mark.browser

ROLES = ["office", "street", "park", "expert", "finance", "leader"]


@pytest.mark.parametrize("username", ROLES)
def test_each_role_lands_on_its_home_page_in_chinese(login, username, console_errors):
    page = login(username)
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.get_by_role("heading", name="需要您处理").is_visible()
    screenshot(page, f"home-{username}-zh")
    assert not console_errors


def test_switching_language_keeps_the_user_on_the_same_page(login, portal_url):
    page = login("office")
    page.goto(f"{portal_url}/jobs/")
    page.get_by_label("语言").select_option("en")
    page.get_by_role("button", name="切换").click()
    page.wait_for_load_state()
    assert page.url == f"{portal_url}/jobs/"
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Background jobs").is_visible()
    screenshot(page, "jobs-office-en")
    page.get_by_label("Language").select_option("zh-hans")
    page.get_by_role("button", name="Switch").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "zh-hans"


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


@pytest.mark.parametrize("username", ROLES)
def test_every_page_reachable_from_home_answers_in_chinese(login, portal_url, username, console_errors):
    page = login(username)
    seen, queue, failures = set(), [f"{portal_url}/"], []
    while queue and len(seen) < 80:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = page.goto(url)
        if response is None or response.status >= 500:
            failures.append(f"{url}: {response.status if response else 'no response'}")
            continue
        if "html" not in (response.headers.get("content-type") or ""):
            continue
        if page.locator("html").get_attribute("lang") != "zh-hans":
            failures.append(f"{url}: not in 简体中文")
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
            target = urljoin(url, href).split("#")[0]
            parts = urlsplit(target)
            if parts.netloc != urlsplit(portal_url).netloc or parts.path.startswith(("/admin/", "/api/", "/static/")):
                continue
            if (
                any(parts.path.endswith(suffix) for suffix in ("/export/", ".csv", ".xlsx", "/template/"))
                or "format=" in parts.query
            ):
                continue
            if target not in seen:
                queue.append(target)
    assert not failures, "\n".join(failures)
    assert not console_errors, console_errors


MAIN_PAGES = ["/", "/jobs/", "/accounts/password/"]


@pytest.mark.parametrize("path", MAIN_PAGES)
def test_main_pages_have_no_serious_accessibility_violations(login, portal_url, path):
    page = login("office")
    page.goto(f"{portal_url}{path}")
    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in serious]


def test_login_page_is_usable_by_keyboard_alone(page, portal_url):
    page.goto(f"{portal_url}/accounts/login/")
    page.keyboard.type("office")  # the username field has focus on load
    page.keyboard.press("Tab")
    page.keyboard.type("qinhuai2017")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{portal_url}/")
    screenshot(page, "login-done-zh")
