"""Run one engine recompute in a fresh process and print its figures as JSON on the last line.

A process of its own, so ``peak_rss_mb`` is the job's peak (Django included), not the bench's.
``python -m bench.job recompute_payouts 2026-11-28``

``phases`` splits the job's wall time: ``notify`` (the funding notices' calls, their queries
included), ``load`` (the other reading statements: SELECT, locks), ``write`` (the other INSERT,
UPDATE, DELETE), ``decide`` (the rest: Python deciding, building rows and the log's hashes).
Statements are timed where Django executes them, so fetching rows counts as load.
"""

import json
import os
import resource
import sys
import time
from collections import defaultdict
from functools import wraps

WRITES = ("INSERT", "UPDATE", "DELETE")


class Phases:
    """A connection execute wrapper and notice wrappers that add up where the time goes."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.statements: dict[str, int] = defaultdict(int)
        self.in_notify = False

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            if not self.in_notify:
                kind = "write" if sql.lstrip()[:6].upper() in WRITES else "load"
                self.seconds[kind] += time.perf_counter() - started
                self.statements[kind] += 1

    def notices(self, module) -> None:
        for name in ("milestones_met", "payouts_waiting", "flags_raised"):
            func = getattr(module, name, None)
            if func is not None:
                setattr(module, name, self._timed(func))

    def _timed(self, func):
        @wraps(func)
        def timed(*args, **kwargs):
            started = time.perf_counter()
            self.in_notify = True
            try:
                return func(*args, **kwargs)
            finally:
                self.in_notify = False
                self.seconds["notify"] += time.perf_counter() - started
                self.statements["notify"] += 1

        return timed

    def split(self, wall: float) -> dict:
        done = sum(self.seconds.values())
        return {k: round(self.seconds.get(k, 0.0), 3) for k in ("load", "decide", "write", "notify")} | {
            "decide": round(wall - done, 3),
            "statements": dict(self.statements),
        }


def load_urlconf() -> float:
    """Loads the URLconf, which the recompute's notices import on their first reverse() (about a
    second), as a worker that has run any task that links to a page has it loaded; returns the
    seconds it took. Django must be set up. Used before the engine job's clock starts (``main``)
    and in the bench's Celery worker's parent before it forks (``bench/celery_app.py``)."""
    from django.urls import get_resolver

    started = time.perf_counter()
    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018 (imports every app's urls and views)
    resolver.namespace_dict, resolver.reverse_dict  # noqa: B018 (the names reverse() looks up)
    return time.perf_counter() - started


def main() -> None:
    kind, as_of = sys.argv[1], sys.argv[2]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qinhuai_talent.settings.main")
    import django

    django.setup()
    from django.db import connection

    from funding import notices
    from qinhuai_talent.core.jobs import job_run
    from qinhuai_talent.core.models import Job

    job = Job.objects.create(kind=kind, params={"as_of": as_of})
    # The URLconf is loaded before the clock starts; its seconds are recorded beside the job's.
    setup_seconds = load_urlconf()
    phases = Phases()
    phases.notices(notices)
    with connection.execute_wrapper(phases):
        started = time.perf_counter()
        job = job_run(job.pk)
        seconds = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures = {"state": job.state, "message": job.message, "seconds": seconds, "peak_rss_mb": rss}
    figures["urlconf_seconds"] = round(setup_seconds, 3)
    print(json.dumps(figures | {"counts": job.counts, "phases": phases.split(seconds)}))


if __name__ == "__main__":
    main()
