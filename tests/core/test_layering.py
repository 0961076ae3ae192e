"""The portal's own code never imports the benchmark (issue 14): the bench reads the portal, not
the other way round."""

import ast
from pathlib import Path

from django.conf import settings

PORTAL = ["qinhuai_talent", "talents", "enterprises", "funding", "assessment", "reports"]


def test_no_module_of_the_portal_imports_the_bench():
    offenders = []
    for package in PORTAL:
        for path in (Path(settings.BASE_DIR) / package).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0:
                    names = [node.module or ""]
                offenders += [f"{path}: {n}" for n in names if n == "bench" or n.startswith("bench.")]
    assert not offenders, offenders
