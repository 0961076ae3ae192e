"""gunicorn.conf.py's server hooks (README "Operations": a worker that exits is marked dead so its
gauges leave /metrics).

gunicorn's arbiter calls ``child_exit`` from its SIGCHLD handler. When that hook imported
prometheus-client itself, a second worker exiting during the first import re-entered the
half-imported package and the arbiter died with every worker (``make bench``, two workers reaching
``max_requests`` together). So no hook of the file may import anything when it is called, and
``child_exit`` must still mark the worker dead.
"""

import builtins
import importlib.util
import inspect
from pathlib import Path
from types import SimpleNamespace

import pytest
from gunicorn.config import KNOWN_SETTINGS

ROOT = Path(__file__).resolve().parents[2]
# The settings gunicorn calls as hooks (on_starting, child_exit, worker_exit, …).
HOOK_NAMES = {s.name for s in KNOWN_SETTINGS if s.section == "Server Hooks"}


@pytest.fixture
def conf(tmp_path, monkeypatch):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "metrics"))
    spec = importlib.util.spec_from_file_location("gunicorn_conf_under_test", ROOT / "gunicorn.conf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _hooks(module):
    return {name: getattr(module, name) for name in HOOK_NAMES if inspect.isfunction(getattr(module, name, None))}


def test_the_file_defines_the_hooks_it_documents(conf):
    assert {"on_starting", "child_exit"} <= set(_hooks(conf))


def test_no_hook_imports_anything_when_gunicorn_calls_it(conf):
    conf.on_starting(SimpleNamespace())  # the metrics folder, as the arbiter makes it first
    real_import = builtins.__import__
    imported = []

    def refuse(name, *args, **kwargs):
        imported.append(name)
        raise ImportError(f"a hook imported {name} at call time")

    fake = SimpleNamespace(pid=424242, age=1, cfg=SimpleNamespace(), log=SimpleNamespace())
    for name, hook in sorted(_hooks(conf).items()):
        arguments = [fake] * len(inspect.signature(hook).parameters)
        builtins.__import__ = refuse
        try:
            hook(*arguments)
        finally:
            builtins.__import__ = real_import
        assert imported == [], f"{name} imported {imported} when called"


def test_child_exit_marks_the_worker_dead(conf, tmp_path):
    conf.on_starting(SimpleNamespace())
    folder = tmp_path / "metrics"
    live = folder / "gauge_livesum_424242.db"
    other = folder / "gauge_livesum_7.db"
    live.write_bytes(b"")
    other.write_bytes(b"")
    conf.child_exit(SimpleNamespace(), SimpleNamespace(pid=424242))
    assert not live.exists() and other.exists()
