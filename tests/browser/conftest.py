"""The browser tier: Debian's chromium driven by Playwright against a live portal with the demo data.

The portal runs as `make run` runs it (runserver, embedded mode) in a subprocess on its own
SQLite file, seeded once per session. A failing test leaves a screenshot and a trace in
test-results/ (pytest-playwright's --screenshot/--tracing options, set in pyproject.toml).
"""

import datetime
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"
PASSWORD = "qinhuai2017"
# The day the portal's recomputes evaluate their rules for, as under `make run`: the demo
# district is the district of 2017. Workflows whose records a recompute judges date them by it.
PORTAL_AS_OF = datetime.date(2018, 1, 15)
CJK = re.compile(r"[\u4e00-\u9fff]")

# Form controls a person fills in that no label names (hidden fields and buttons aside).
UNLABELLED_INPUTS = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(e => !['hidden', 'submit', 'button'].includes(e.type))
  .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby'))
  .map(e => e.outerHTML.slice(0, 120))"""


@pytest.fixture(scope="session", autouse=True)
def delete_output_dir(pytestconfig):
    """The browser tier's own session starts with an empty test-results/ (pytest-playwright's
    behaviour, which tests/conftest.py turns off for the other sessions so that they keep what a
    failing browser test left there)."""
    shutil.rmtree(pytestconfig.getoption("--output"), ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def portal_url(tmp_path_factory):
    """A live portal with the demo district, like `make run`."""
    db = tmp_path_factory.mktemp("portal") / "e2e.sqlite3"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    env.update(
        DATABASE_URL=f"sqlite:///{db}",
        DJANGO_DEBUG="1",
        DJANGO_SETTINGS_MODULE="qinhuai_talent.settings.main",
        PORTAL_AS_OF=PORTAL_AS_OF.isoformat(),
        # The embedded mode's mail folder (one file per message), the portal's own beside its database.
        EMAIL_FILE_PATH=str(db.parent / "mail"),
    )
    manage = [sys.executable, "manage.py"]
    for command in (["migrate", "--noinput"], ["seed_demo"]):
        subprocess.run(manage + command, cwd=settings.BASE_DIR, env=env, check=True, capture_output=True)
    port = _free_port()
    server = subprocess.Popen(
        manage + ["runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(f"{url}/accounts/login/", timeout=1)
            break
        except OSError:
            time.sleep(0.5)
    else:
        server.kill()
        pytest.fail("the portal did not start")
    yield url
    server.terminate()
    server.wait(timeout=20)


@pytest.fixture
def portal_db(portal_url, tmp_path_factory):
    """The live portal's database, for what no user can do in a browser (let time pass) and for
    what a test must know of the records (their ids, the names their users gave them)."""
    (db,) = Path(tmp_path_factory.getbasetemp()).glob("portal[0-9]*/e2e.sqlite3")
    connection = sqlite3.connect(db, timeout=30)
    yield connection
    connection.close()


@pytest.fixture
def mail_folder(portal_url, tmp_path_factory) -> Path:
    """The live portal's embedded mail folder, where a person reads the mail the portal sent them."""
    (db,) = Path(tmp_path_factory.getbasetemp()).glob("portal[0-9]*/e2e.sqlite3")
    return db.parent / "mail"


def mails_to(folder: Path, address: str) -> list[str]:
    """The text of every message in the mail folder sent to ``address``, oldest first."""
    import email
    from email.policy import default

    found = []
    for path in sorted(folder.glob("*"), key=lambda p: p.stat().st_mtime_ns):
        # Django's file backend separates the messages of one connection with a line of dashes.
        for raw in re.split(rb"\n-{79}\n", path.read_bytes()):
            if not raw.strip():
                continue
            message = email.message_from_bytes(raw.lstrip(), policy=default)
            if address in str(message.get("To", "")):
                body = message.get_body(("plain",))
                found.append(f"{message['Subject']}\n{body.get_content() if body else ''}")
    return found


def code_in_mail(folder: Path, address: str) -> str:
    """The one-time code of the last message to ``address``."""
    (code,) = re.findall(r"\b(\d{6})\b", mails_to(folder, address)[-1])[:1]
    return code


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # 简体中文 is the portal's default; the browser asks for it as a Chinese user's would.
    return {**browser_context_args, "locale": "zh-CN", "viewport": {"width": 1366, "height": 900}}


@pytest.fixture
def console_errors(page):
    errors: list[str] = []
    # Each error names the page it happened on, so that a crawl's failure says where to look.
    page.on("console", lambda msg: errors.append(f"{page.url}: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
    return errors


@pytest.fixture(scope="session")
def signed_in() -> dict[str, list[dict]]:
    """Each demo user's session cookies, from the first time the user logged in with the form."""
    return {}


@pytest.fixture
def login(page, portal_url, signed_in):
    """``login(username)``: the user on their home page. The first time in the session through the
    login form; afterwards with the session it opened (a login costs more than most pages)."""

    def do(username: str):
        page.context.clear_cookies()  # whoever was signed in before in this tab signs out
        if username in signed_in:
            page.context.add_cookies(signed_in[username])
            page.goto(f"{portal_url}/")
        else:
            page.goto(f"{portal_url}/accounts/login/")
            page.get_by_label("用户名").fill(username)
            page.get_by_label("密码").fill(PASSWORD)
            page.get_by_role("button", name="登录").click()
            page.wait_for_url(f"{portal_url}/")
            signed_in[username] = page.context.cookies()
        assert page.url == f"{portal_url}/", f"{username} is not signed in: {page.url}"
        return page

    return do


def page_kind(url: str) -> str:
    """A kind of page: its path with the record ids taken out. One record's page is built like the
    next one's, and the demo district has thousands of records and filter combinations."""
    return re.sub(r"/\d+(?=/)", "/<id>", urlsplit(url).path)


@pytest.fixture(scope="session")
def audited_kinds() -> set[str]:
    """The kinds of page (``page_kind``) already run through axe-core and the Tab walk in this
    session: the main pages as the role that works on each (test_pages.py, which runs first), then
    every other kind as the first role whose crawl from home reaches it (test_shell.py)."""
    return set()


def assert_no_error_message(page) -> None:
    errors = page.locator(".alert-danger")
    assert errors.count() == 0, errors.all_inner_texts()


def zh(text) -> str:
    """What the portal shows a Chinese user for this source string or lazy label."""
    from django.utils import translation

    with translation.override("zh-hans"):
        return str(translation.gettext(str(text)) if isinstance(text, str) else text)


def open_menu(page, section: str, item: str | None = None, tr: Callable[[str], str] = zh) -> None:
    """The header's menu section ``section`` opened by clicks, as a person does it: on a narrow
    screen the menu button first, once the menu has finished unfolding (a click on a section while
    Bootstrap's collapse is still animating can be lost), then the section, clicked again if its
    list did not open; then, given an ``item``, that link of the menu, and the page it opens
    loaded. ``tr`` gives a source label as the page shows it: ``zh`` for the portal's default
    Chinese, ``str`` for a page switched to English."""
    if page.viewport_size["width"] < 1200 and not page.locator("#mainnav.show").count():
        page.get_by_role("button", name=tr("Menu")).click()
        page.locator("#mainnav.show:not(.collapsing)").wait_for()
    toggle = page.locator("#mainnav .dropdown-toggle", has_text=tr(section))
    items = toggle.locator("xpath=following-sibling::*[contains(@class, 'dropdown-menu')]")
    for _attempt in range(3):
        if toggle.get_attribute("aria-expanded") != "true":
            toggle.click()
        try:
            items.wait_for(state="visible", timeout=3000)
            break
        except PlaywrightTimeoutError:
            continue
    else:
        items.wait_for(state="visible")
    if item is not None:
        page.locator("#mainnav").get_by_role("link", name=tr(item), exact=True).click()
        page.wait_for_load_state()


def switch_language(page, code: str) -> None:
    """The header's language switch, by clicks; the page then says it is in ``code``."""
    page.locator("#lang-select").select_option(code)
    page.locator(".lang-switch button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == code


def screenshot(page, name: str, full_page: bool = True) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


def assert_accessible(page) -> None:
    """axe-core finds no serious or critical violation on the page as it stands."""
    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, (page.url, [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in serious])


# Numbers each form's controls in the order Tab should reach them: every enabled, rendered control
# (of a radio group, the checked or else the first one, as the browser does); returns the count.
MARK_TAB_STOPS = """(form) => {
  const groups = new Set();
  const stops = [...form.elements].filter(e => {
    if (e.disabled || e.type === 'hidden' || e.tabIndex < 0 || !e.checkVisibility()) return false;
    if (e.type === 'radio') {
      const group = [...form.elements].filter(r => r.type === 'radio' && r.name === e.name);
      const first = group.find(r => r.checked) || group[0];
      if (e !== first || groups.has(e.name)) return false;
      groups.add(e.name);
    }
    return true;
  });
  stops.forEach((e, i) => { e.dataset.tabStop = String(i); });
  if (stops.length) stops[0].focus();
  return stops.length;
}"""
# Records, from now on, where each move of the focus lands: the tab stop (its number, or '' for a
# control that is none) while it stays in the form, null once it leaves it. Returns where the
# focus is now, in the same terms.
RECORD_FOCUS = """(form) => {
  const record = [];
  const stopOf = el => form.contains(el) ? (el.dataset.tabStop ?? '') : null;
  const onIn = e => { if (form.contains(e.target)) record.push(stopOf(e.target)); };
  const onOut = e => { if (!form.contains(e.relatedTarget)) record.push(null); };
  document.addEventListener('focusin', onIn, true);
  document.addEventListener('focusout', onOut, true);
  window.__tabWalk = {record, stop: () => {
    document.removeEventListener('focusin', onIn, true);
    document.removeEventListener('focusout', onOut, true);
  }};
  return stopOf(document.activeElement);
}"""


def forms_not_reachable_by_tab(page) -> list[str]:
    """Walks each visible form of the page with the Tab key alone, from its first control: every
    control and button must take the focus, in order (a date field takes several presses, one per
    part). The page records where each press lands (``RECORD_FOCUS``), read after each round of
    presses rather than after each press. Returns what went wrong, by form."""
    problems, shapes = [], set()
    forms = page.locator("form")
    for i in range(forms.count()):
        form = forms.nth(i)
        if not form.is_visible():
            continue
        # A list's row forms (approve this, dismiss that) are one form repeated: walked once.
        shape = form.evaluate(
            "f => [f.method, (f.getAttribute('action') || '').replace(/\\d+/g, '#'),"
            " ...[...f.elements].map(e => e.name + ':' + e.type)].join(' ')"
        )
        if shape in shapes:
            continue
        shapes.add(shape)
        count = form.evaluate(MARK_TAB_STOPS)  # the focus is now on the first stop
        if not count:
            continue
        reached = [form.evaluate(RECORD_FOCUS)]
        if reached[0] is not None:
            # Rounds of one press more than the form has stops, until the focus has left the form.
            for _ in range(4):
                for _ in range(count + 1):
                    page.keyboard.press("Tab")
                if None in page.evaluate("window.__tabWalk.record"):
                    break
        record = page.evaluate("(() => { window.__tabWalk.stop(); return window.__tabWalk.record; })()")
        for stop in record[: record.index(None)] if None in record else record:
            if stop != reached[-1]:
                reached.append(stop)
        order = [int(stop) for stop in reached if stop]
        if order != list(range(count)):
            action = form.get_attribute("action") or page.url
            problems.append(f"form {action}: Tab reaches controls {order} of 0..{count - 1}")
    return problems


# The words a page says itself (column heads, labels, buttons, section headings, hints, menus,
# breadcrumbs), as opposed to the records it lists.
PAGE_WORDS = """() => [...document.querySelectorAll(
  'main thead th, main label, main button, main h2, main h3, main legend, main .form-text, main caption,'
  + ' main p.small, main p.text-secondary, nav a.nav-link, nav .dropdown-item, .breadcrumb-item')]
  .filter(e => e.checkVisibility()).map(e => e.innerText.trim()).filter(Boolean)"""
# A district term kept as a gloss, “Funds ledger (台账)”, or a quoted name, the “创业之星” award.
GLOSS = re.compile(r"[(（][^)）]*[)）]|“[^”]*”|「[^」]*」")


# What people wrote into records, which stays as they wrote it in every language: names, titles,
# the criteria and indicators the office defined, the grades of its schemes.
RECORD_TEXT = {
    "core_user": ("first_name || last_name", "last_name || first_name"),
    "talents_talent": ("name",),
    "talents_call": ("title",),
    "talents_application": ("venture_name",),
    "talents_rubriccriterion": ("label",),
    "enterprises_enterprise": ("name",),
    "enterprises_supportplanitem": ("title",),
    "enterprises_mentor": ("name", "field"),
    "enterprises_makerspace": ("name",),
    "assessment_assessmentscheme": ("name",),
    "assessment_indicator": ("label",),
    "assessment_workfundpool": ("name",),
}


def record_names(portal_db) -> re.Pattern:
    """A pattern matching any text people wrote into a record (``RECORD_TEXT``), longest first."""
    texts = {
        text
        for table, columns in RECORD_TEXT.items()
        for column in columns
        for (text,) in portal_db.execute(f"select {column} from {table}")  # noqa: S608 (our own names)
        if text and CJK.search(text)
    }
    return re.compile("|".join(re.escape(t) for t in sorted(texts, key=len, reverse=True)))


def untranslated_words(page, names: re.Pattern) -> list[str]:
    """The page's own words that an English reader would find in Chinese, once the records' own
    text and the glosses are set aside."""
    return [w for w in page.evaluate(PAGE_WORDS) if CJK.search(GLOSS.sub("", names.sub("", w)))]
