"""What the tier leaves behind: a failing browser step's screenshot and Playwright trace in the
output folder (with the project's own pytest configuration and browser set-up), and the
screenshots README shows, taken by the tests."""

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.browser

FAILING_TEST = """
def test_a_step_that_fails(page):
    page.set_content("<h1>秦淮区人才工作平台</h1>")
    assert page.locator("h1").inner_text() == "另一个标题"
"""

# The browser set-up of the tier (Debian's chromium, its flags and locale), without its live portal.
CONFTEST = """
from tests.browser.conftest import browser_context_args, browser_type_launch_args  # noqa: F401
"""


def test_a_failing_step_leaves_a_screenshot_and_a_trace(tmp_path):
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "test_failing.py").write_text(FAILING_TEST)
    output = tmp_path / "results"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-c",
            str(Path(settings.BASE_DIR) / "pyproject.toml"),
            "--rootdir",
            str(tmp_path),
            f"--output={output}",
            "-p",
            "no:randomly",
            str(tmp_path / "test_failing.py"),
        ],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 failed" in result.stdout, result.stdout
    (folder,) = output.iterdir()
    screenshot = folder / "test-failed-1.png"
    assert screenshot.read_bytes().startswith(b"\x89PNG"), sorted(p.name for p in folder.iterdir())
    with zipfile.ZipFile(folder / "trace.zip") as trace:
        names = trace.namelist()
        assert "trace.trace" in names, names
        # The trace holds the failing step: the locator the assertion read.
        assert b"inner_text" in trace.read("trace.trace") or b"innerText" in trace.read("trace.trace")


def _names_the_tier_photographs() -> set[str]:
    from .test_pages import MAIN_PAGES
    from .test_shell import ROLES

    literal = set()
    for test_file in Path(__file__).parent.glob("test_*.py"):
        literal |= set(re.findall(r'screenshot\(page, "([^"]+)"[,)]', test_file.read_text()))
    return (
        literal
        | {f"{name}-{lang}" for name, _role, _path in MAIN_PAGES for lang in ("zh", "en")}
        | {f"home-{role}-zh" for role in ROLES}
    )


def test_the_readme_shows_screenshots_that_the_tier_takes():
    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    shown = re.findall(r"\(docs/screenshots/([\w-]+)\.png\)", readme)
    assert len(shown) >= 8, shown
    taken = _names_the_tier_photographs()
    for name in shown:
        assert name in taken, f"README shows {name}.png, which no browser test takes"
        path = Path(settings.BASE_DIR) / "docs" / "screenshots" / f"{name}.png"
        assert path.read_bytes().startswith(b"\x89PNG"), path
