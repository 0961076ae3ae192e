"""The browser tier: Debian's chromium driven by Playwright against a live portal with the demo data.

The portal runs as `make run` runs it (runserver, embedded mode) in a subprocess on its own
SQLite file, seeded once per session. A failing test leaves a screenshot and a trace in
test-results/ (pytest-playwright's --screenshot/--tracing options, set in pyproject.toml).
"""

import datetime
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"
PASSWORD = "qinhuai2017"
# The day the portal's recomputes evaluate their rules for, as under `make run`: the demo
# district is the district of 2017. Workflows whose records a recompute judges date them by it.
PORTAL_AS_OF = datetime.date(2018, 1, 15)


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


@pytest.fixture
def login(page, portal_url):
    def do(username: str):
        page.goto(f"{portal_url}/accounts/login/")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{portal_url}/")
        return page

    return do


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
