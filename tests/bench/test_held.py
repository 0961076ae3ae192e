"""Issue 20, target 4: a second run lands within the recorded spread. For every target figure (both
recomputes over their floors, Celery 1 → 2 processes, each list's share of its floor), the later
run's median is inside the range the earlier run's own runs span, and only then."""

import json
import subprocess
import sys

import pytest

from bench import held


def _step(runs: list[float]) -> dict:
    return {"runs": runs, "median": sorted(runs)[len(runs) // 2]}


def _results(started: str, code: str | None = "abc1234", **steps: list[float]) -> dict:
    """A result file with every target figure's two steps: ``steps`` overrides a step's runs by
    the name ``<figure>__num`` / ``<figure>__den``; the rest are the same in every file."""

    def runs(figure: str, side: str, default: list[float]) -> dict:
        return _step(steps.get(f"{figure}__{side}", default))

    out = {"started": started, "code": code, "quiet": True, "endpoints": {}}
    for kind in ("recompute_payouts", "recompute_exit_flags"):
        out[kind] = {
            "repeats": {"engine": runs(kind, "num", [8.0, 8.0, 8.0]), "floor": runs(kind, "den", [6.0, 6.0, 6.0])}
        }
    out["recompute_payouts"]["celery"] = {
        "workers_1": runs("celery", "num", [8.0, 8.0, 8.0]),
        "workers_2": runs("celery", "den", [4.0, 4.0, 4.0]),
    }
    for name in held.LISTS:
        out["endpoints"][name] = {
            "repeats": {"rps": runs(name, "num", [200.0, 200.0, 200.0]), "floor_rps": runs(name, "den", [250.0] * 3)}
        }
    return out


FIGURES = ["recompute_payouts", "recompute_exit_flags", "celery", *held.LISTS]


def test_every_target_figure_is_compared():
    assert len(held.figures(_results("2026-12-06T05:00:00+00:00"))) == len(FIGURES)


@pytest.mark.parametrize("figure", FIGURES)
def test_a_figure_inside_the_earlier_runs_range_holds_and_one_outside_does_not(figure):
    # The earlier run's numerator ran 9, 10 and 11; its denominator 5 each time: 1.8 to 2.2.
    earlier = _results(
        "2026-12-06T05:00:00+00:00", **{f"{figure}__num": [9.0, 10.0, 11.0], f"{figure}__den": [5.0] * 3}
    )
    verdicts = {}
    for label, later_num in (("low edge", 9.0), ("high edge", 11.0), ("below", 8.9), ("above", 11.1)):
        later = _results(
            "2026-12-07T00:18:00+00:00", **{f"{figure}__num": [later_num] * 3, f"{figure}__den": [5.0] * 3}
        )
        held_ = held.compare(earlier, later)
        (row,) = [r for name, r in held_["figures"].items() if name.startswith(figure)]
        verdicts[label] = (row["inside"], held_["all_inside"])
    assert verdicts == {
        "low edge": (True, True),
        "high edge": (True, True),
        "below": (False, False),
        "above": (False, False),
    }


def test_another_day_is_read_from_the_files_and_the_same_code_from_what_git_says_changed():
    earlier = _results("2026-12-06T23:59:00+00:00", code="670335c")
    later = _results("2026-12-07T00:01:00+00:00", code="9999999")
    assert held.compare(earlier, later, changed=[]) | {"figures": None} == {
        "earlier": {"started": "2026-12-06T23:59:00+00:00", "code": "670335c", "quiet": True},
        "another_day": True,
        "same_code": True,
        "changed": [],
        "figures": None,
        "all_inside": True,
    }
    same_day = held.compare(earlier, _results("2026-12-06T23:59:30+00:00"), changed=["funding/engine.py"])
    assert (same_day["another_day"], same_day["same_code"]) == (False, False)
    assert "the code differs in funding/engine.py" in held.lines(same_day)[0]
    unknown = held.compare(earlier, later)
    assert unknown["same_code"] is False and "not known to be the same code" in held.lines(unknown)[0]


def test_only_code_the_bench_runs_counts_as_a_change_between_two_commits(tmp_path):
    def git(*args):
        return subprocess.run(["git", *args], cwd=tmp_path, capture_output=True, text=True, check=True).stdout.strip()

    git("init", "-q")
    git("config", "user.email", "bench@example.cn")
    git("config", "user.name", "bench")

    def commit(path: str, text: str) -> str:
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
        git("add", "-A")
        git("commit", "-qm", path)
        return git("rev-parse", "--short", "HEAD")

    first = commit("funding/engine.py", "a")
    commit("BENCHMARKS.md", "a run")
    commit("tests/bench/test_x.py", "a test")
    commit("docs/screenshots/home-zh.png", "pixels")
    prose = commit("bench/results/latest.json", "{}")
    code = commit("funding/engine.py", "b")
    assert held.changed_between(first, prose, tmp_path) == []
    assert held.changed_between(first, code, tmp_path) == ["funding/engine.py"]
    assert held.changed_between(first, f"{code}+changes", tmp_path) is None
    assert held.changed_between(None, code, tmp_path) is None
    assert held.changed_between("--output=/tmp/x", code, tmp_path) is None

    # The commit the bench runs: changes to what it measures mark it; its own results, prose, tests
    # and the browser tier's screenshots do not.
    assert held.code_version(tmp_path) == code
    (tmp_path / "bench/results/latest.json").write_text('{"a": "new run"}')
    (tmp_path / "BENCHMARKS.md").write_text("an edit")
    (tmp_path / "tests/bench/test_x.py").write_text("another test")
    (tmp_path / "docs/screenshots/home-zh.png").write_text("new pixels")
    assert held.code_version(tmp_path) == code
    (tmp_path / "funding/engine.py").write_text("c")
    assert held.code_version(tmp_path) == f"{code}+changes"
    elsewhere = tmp_path.parent / f"{tmp_path.name}-not-a-checkout"
    elsewhere.mkdir()
    assert held.code_version(elsewhere) is None


def test_a_run_without_a_figure_compares_the_figures_it_has():
    earlier = _results("2026-12-06T05:00:00+00:00")
    later = _results("2026-12-07T05:00:00+00:00")
    del later["endpoints"]
    assert set(held.compare(earlier, later)["figures"]) == {
        "recompute_payouts × floor",
        "recompute_exit_flags × floor",
        "celery 1 → 2 processes",
    }


def test_the_command_compares_two_files_and_exits_non_zero_when_a_figure_is_outside(tmp_path):
    earlier, inside, outside = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "c.json"
    earlier.write_text(json.dumps(_results("2026-12-06T05:00:00+00:00")))
    inside.write_text(json.dumps(_results("2026-12-07T05:00:00+00:00")))
    outside.write_text(json.dumps(_results("2026-12-07T05:00:00+00:00", exit_board__num=[100.0] * 3)))

    def run(later):
        return subprocess.run(
            [sys.executable, "-m", "bench.held", str(earlier), str(later)], capture_output=True, text=True, check=False
        )

    ok, bad = run(inside), run(outside)
    assert ok.returncode == 0 and "every figure inside its range" in ok.stdout
    assert bad.returncode == 1 and "exit_board share of its floor" in bad.stdout and "OUTSIDE" in bad.stdout
