"""A failing browser step leaves a screenshot and a Playwright trace in the output folder, with the
project's own pytest configuration (pyproject.toml) and browser set-up (conftest.py)."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.browser

FAILING_TEST = '''
def test_a_step_that_fails(page):
    page.set_content("<h1>秦淮区人才工作平台</h1>")
    assert page.locator("h1").inner_text() == "另一个标题"
'''

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
