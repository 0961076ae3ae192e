"""Whether a run's figures hold against an earlier run's (issue 20, target 4): each target figure of
this run beside the range the earlier run's own runs span.

A figure is a ratio of two timed steps (the engine over its floor, one Celery process over two, a
list's requests/s over its floor's). Each step ran ``BENCH_REPEAT`` times, so the earlier run's
range for the ratio goes from its numerator's lowest run over its denominator's highest to its
numerator's highest over its denominator's lowest. This run's median ratio lands within the
recorded spread when it is inside that range.

``make bench`` compares against the ``latest.json`` it is about to replace and records the answer
under ``held``; ``python -m bench.held earlier.json later.json`` compares any two result files (an
earlier run's file is in git: ``git show <commit>:bench/results/latest.json``).
"""

import json
import re
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

LISTS = ("enterprise_list", "application_list", "payout_queue", "exit_board")


def _steps(results: dict) -> dict[str, tuple[dict, dict]]:
    """Each target figure's (numerator, denominator) as ``{"median", "runs"}`` dicts."""
    steps = {}
    for kind in ("recompute_payouts", "recompute_exit_flags"):
        rep = results.get(kind, {}).get("repeats", {})
        if "engine" in rep and "floor" in rep:
            steps[f"{kind} × floor"] = (rep["engine"], rep["floor"])
    celery = results.get("recompute_payouts", {}).get("celery", {})
    if "workers_1" in celery and "workers_2" in celery:
        steps["celery 1 → 2 processes"] = (celery["workers_1"], celery["workers_2"])
    for name in LISTS:
        rep = results.get("endpoints", {}).get(name, {}).get("repeats", {})
        if "rps" in rep and "floor_rps" in rep:
            steps[f"{name} share of its floor"] = (rep["rps"], rep["floor_rps"])
    return steps


def figures(results: dict) -> dict[str, dict]:
    """Each target figure: its median and the range its runs span."""
    out = {}
    for name, (num, den) in _steps(results).items():
        if not den["median"] or not min(den["runs"]):
            continue
        out[name] = {
            "median": round(num["median"] / den["median"], 3),
            "low": round(min(num["runs"]) / max(den["runs"]), 3),
            "high": round(max(num["runs"]) / min(den["runs"]), 3),
        }
    return out


def _day(results: dict) -> str:
    return datetime.fromisoformat(results["started"]).date().isoformat()


# Changes to these do not alter what the bench measures: prose, the tests, the screenshots the
# browser tier takes (docs/, rewritten by every run of the tier), and the bench's own results (a
# run rewrites them).
NOT_MEASURED = (":!*.md", ":!tests", ":!docs", ":!bench/results")


def _git(root: Path, *args: str) -> str | None:
    """git's output for ``args`` in ``root``; ``None`` without git or when git fails."""
    git = shutil.which("git")
    if git is None:
        return None
    # Fixed subcommands; the only variable arguments are commit ids checked to be hex by the callers.
    out = subprocess.run([git, *args], cwd=root, capture_output=True, text=True)  # noqa: S603
    return out.stdout if out.returncode == 0 else None


def code_version(root: Path) -> str | None:
    """The commit the bench runs, with ``+changes`` when the tree differs from it in what the bench
    measures (``NOT_MEASURED`` aside: a test run's new screenshots or an edited BENCHMARKS.md leave
    the code the commit's); ``None`` without git or outside a checkout."""
    head = _git(root, "rev-parse", "--short", "HEAD")
    status = _git(root, "status", "--porcelain", "--", ".", *NOT_MEASURED)
    if head is None or status is None:
        return None
    return head.strip() + ("+changes" if status.strip() else "")


def changed_between(earlier_code: str | None, later_code: str | None, root: Path) -> list[str] | None:
    """The files that differ between the two runs' commits, prose, tests and results aside;
    ``None`` when either commit is unknown (or had changes of its own) or git cannot tell."""
    commits = [code for code in (earlier_code, later_code) if code and re.fullmatch(r"[0-9a-f]{4,40}", code)]
    if len(commits) != 2:
        return None
    out = _git(root, "diff", "--name-only", *commits, "--", ".", *NOT_MEASURED)
    return out.split() if out is not None else None


def compare(earlier: dict, later: dict, changed: list[str] | None = None) -> dict:
    """``later``'s figures against ``earlier``'s ranges; whether the runs are on different days
    (UTC); and ``changed``, the files the code differs by between them (``None``: not known)."""
    before, now = figures(earlier), figures(later)
    rows = {
        name: {"earlier": before[name], "later": now[name]["median"]}
        | {"inside": before[name]["low"] <= now[name]["median"] <= before[name]["high"]}
        for name in before
        if name in now
    }
    return {
        "earlier": {"started": earlier.get("started"), "code": earlier.get("code"), "quiet": earlier.get("quiet")},
        "another_day": _day(earlier) != _day(later),
        "same_code": changed == [],
        "changed": changed,
        "figures": rows,
        "all_inside": bool(rows) and all(r["inside"] for r in rows.values()),
    }


def lines(held: dict) -> list[str]:
    e = held["earlier"]
    head = (
        f"against the run of {e['started']} (code {e['code'] or 'not recorded'}): "
        f"{'another day' if held['another_day'] else 'the same day'}, "
        f"{'the same code' if held['same_code'] else _changed(held.get('changed'))}; "
        f"{'every figure inside its range' if held['all_inside'] else 'NOT every figure inside its range'}"
    )
    out = [head]
    for name, r in held["figures"].items():
        b = r["earlier"]
        where = "inside" if r["inside"] else "OUTSIDE"
        out.append(
            f"    {name:<38}{r['later']:>8.3f}  earlier {b['median']:.3f} ({b['low']:.3f}–{b['high']:.3f}) {where}"
        )
    return out


def _changed(files: list[str] | None) -> str:
    if files is None:
        return "not known to be the same code"
    shown = ", ".join(files[:8]) + (f" and {len(files) - 8} more" if len(files) > 8 else "")
    return f"the code differs in {shown}"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m bench.held earlier.json later.json", file=sys.stderr)
        return 2
    earlier, later = (json.loads(open(path, encoding="utf-8").read()) for path in argv)
    held = compare(earlier, later, changed_between(earlier.get("code"), later.get("code"), Path.cwd()))
    print("\n".join(lines(held)))
    return 0 if held["all_inside"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
