"""``make bench``: the benchmark at city scale (``BENCH_SCALE``, default 1) on PostgreSQL.

1. Recreates the database ``qinhuai_bench`` (``BENCH_DATABASE_URL``), migrates, runs seed_scale.
2. For each recompute: the naive per-object loop on a sample (extrapolated linearly) and the
   floor (one SQL statement), each in a transaction rolled back afterwards, so all start from the
   same data; then the payout recompute as a Celery group of partitions with 1 and 2 worker
   processes (state restored after each); then the engine's job in a process of its own (wall
   seconds, peak RSS) and an unchanged rerun. Digests of the decided rows must agree.
3. The lists and the summary under gunicorn (2 workers) with wrk on loopback, against the floor WSGI
   app; in this process, each endpoint's queries when served from the result cache and when
   computing (the cache emptied first), with the time of the latter.
Writes bench/results/latest.json and prints a table.
"""

# The bench starts its own processes (manage.py, gunicorn, celery, wrk) with fixed argument lists
# and fetches only loopback URLs it built itself.
# ruff: noqa: S603, S310

import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import held

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
SCALE = float(os.environ.get("BENCH_SCALE", "1"))
DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/qinhuai_bench")
BROKER = os.environ.get("BENCH_BROKER", "redis://127.0.0.1:6379/12")
NAIVE_SAMPLE = int(os.environ.get("BENCH_NAIVE_SAMPLE", "400"))
LOAD_SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "10"))
LOAD_CONNECTIONS = int(os.environ.get("BENCH_LOAD_CONNECTIONS", "8"))
COLD_RUNS = int(os.environ.get("BENCH_COLD_RUNS", "5"))
# Each timed step runs this many times; the figures are the median, with the spread beside it.
REPEAT = max(int(os.environ.get("BENCH_REPEAT", "3")), 1)
# A run whose 1-minute load average at start is above this is not called quiet.
QUIET_LOAD = 1.0
RESULTS = Path(os.environ.get("BENCH_RESULTS") or ROOT / "bench" / "results")
ENV = os.environ | {
    "DATABASE_URL": DB_URL,
    "DJANGO_SETTINGS_MODULE": "qinhuai_talent.settings.main",
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", "bench-only-secret-key-0123456789-qinhuai-talent"),
    "DJANGO_SECURE_SSL_REDIRECT": "0",
    "API_RATE_USER": "100000000/hour",
    "API_RATE_REPORT_CLIENT": "100000000/hour",
    "BENCH_BROKER": BROKER,
    "PYTHONPATH": str(ROOT),
}
ENV.pop("CELERY_BROKER_URL", None)
os.environ.update(ENV)


def log(msg: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {msg}", flush=True)


def manage(*args: str) -> str:
    out = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=ENV, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
    return out.stdout


def recreate_database() -> None:
    import psycopg2

    name = DB_URL.rsplit("/", 1)[1]
    admin = psycopg2.connect(DB_URL.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name])
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def machine() -> dict:
    mem = ""
    try:
        mem = next(line.split(":")[1].strip() for line in open("/proc/meminfo") if line.startswith("MemTotal"))
    except OSError:
        pass
    cpu = ""
    try:
        cpu = next(line.split(":")[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory": mem,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "load_at_start": round(os.getloadavg()[0], 2),
    }


# ------------------------------------------------------------------ state snapshots


SNAPSHOT_SQL = """
DROP TABLE IF EXISTS bench_s_tranche, bench_s_milestone, bench_s_payout, bench_s_flag, bench_s_head, bench_s_user,
       bench_s_max;
CREATE UNLOGGED TABLE bench_s_tranche AS SELECT id, state FROM funding_tranche;
CREATE UNLOGGED TABLE bench_s_milestone AS SELECT id, met, met_on FROM funding_milestone;
CREATE UNLOGGED TABLE bench_s_payout AS SELECT id, state, amount, factor, approver_level, prepared_by_id,
       approved_by_id, approved_at, org_unit_id, explanation, reasons, computed_at FROM funding_payout;
CREATE UNLOGGED TABLE bench_s_flag AS SELECT id, state, evidence, evidence_key, details, closed_at, closed_by_id, reason
       FROM funding_exitflag;
CREATE UNLOGGED TABLE bench_s_head AS SELECT id, last_id, last_hash, length FROM core_chainhead;
CREATE UNLOGGED TABLE bench_s_user AS SELECT id, unread_notifications FROM core_user;
CREATE UNLOGGED TABLE bench_s_max AS SELECT (SELECT coalesce(max(id), 0) FROM funding_payout) AS payout,
       (SELECT coalesce(max(id), 0) FROM funding_exitflag) AS flag,
       (SELECT coalesce(max(id), 0) FROM core_transitionlog) AS log,
       (SELECT coalesce(max(id), 0) FROM notifications_notification) AS notification;
"""
# Back to the snapshot: what a recompute wrote (states, payouts, flags, its transition-log rows
# and chain heads, its notifications) undone, so each of the repeated runs starts from the same data.
RESTORE_SQL = """
DELETE FROM notifications_notification WHERE id > (SELECT notification FROM bench_s_max);
UPDATE core_user u SET unread_notifications = s.unread_notifications FROM bench_s_user s
  WHERE s.id = u.id AND u.unread_notifications <> s.unread_notifications;
DELETE FROM core_chainhead h WHERE NOT EXISTS (SELECT 1 FROM bench_s_head s WHERE s.id = h.id);
UPDATE core_chainhead h SET last_id = s.last_id, last_hash = s.last_hash, length = s.length FROM bench_s_head s
  WHERE s.id = h.id AND h.last_id <> s.last_id;
DELETE FROM core_transitionlog WHERE id > (SELECT log FROM bench_s_max);
DELETE FROM funding_exitflag WHERE id > (SELECT flag FROM bench_s_max);
UPDATE funding_exitflag f SET state = s.state, evidence = s.evidence, evidence_key = s.evidence_key,
       details = s.details, closed_at = s.closed_at, closed_by_id = s.closed_by_id, reason = s.reason
  FROM bench_s_flag s WHERE s.id = f.id AND (f.state, f.evidence, f.evidence_key, f.details::text, f.closed_at,
       f.closed_by_id, f.reason) IS DISTINCT FROM (s.state, s.evidence, s.evidence_key, s.details::text, s.closed_at,
       s.closed_by_id, s.reason);
DELETE FROM funding_payout WHERE id > (SELECT payout FROM bench_s_max);
UPDATE funding_payout p SET state = s.state, amount = s.amount, factor = s.factor, approver_level = s.approver_level,
       prepared_by_id = s.prepared_by_id, approved_by_id = s.approved_by_id, approved_at = s.approved_at,
       org_unit_id = s.org_unit_id, explanation = s.explanation, reasons = s.reasons, computed_at = s.computed_at
  FROM bench_s_payout s WHERE s.id = p.id AND (p.state, p.amount, p.factor, p.approver_level, p.prepared_by_id,
       p.approved_by_id, p.approved_at, p.explanation) IS DISTINCT FROM (s.state, s.amount, s.factor,
       s.approver_level, s.prepared_by_id, s.approved_by_id, s.approved_at, s.explanation);
UPDATE funding_tranche t SET state = s.state FROM bench_s_tranche s WHERE s.id = t.id AND t.state <> s.state;
UPDATE funding_milestone m SET met = s.met, met_on = s.met_on FROM bench_s_milestone s
  WHERE s.id = m.id AND (m.met, m.met_on) IS DISTINCT FROM (s.met, s.met_on);
"""


def spread(values: list[float], places: int = 3) -> dict:
    """The runs of one timed step, their median and their spread ((max - min) / median, %)."""
    middle = statistics.median(values)
    return {
        "runs": [round(v, places) for v in values],
        "median": round(middle, places),
        "spread_pct": round((max(values) - min(values)) / middle * 100, 1) if middle else 0.0,
    }


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def run_sql(sql: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for statement in [s for s in sql.split(";") if s.strip()]:
            cursor.execute(statement)


# ------------------------------------------------------------------ recomputes


def timed_rollback(func):
    """Run ``func`` in a transaction, return (seconds, its result, digest callback result), roll back."""
    from django.db import transaction

    class Rollback(Exception):
        pass

    box = {}
    try:
        with transaction.atomic():
            started = time.perf_counter()
            box["result"] = func()
            box["seconds"] = time.perf_counter() - started
            box["after"] = box["result"][1]() if isinstance(box["result"], tuple) else None
            raise Rollback
    except Rollback:
        pass
    return box


def engine_job(kind: str, as_of: str) -> dict:
    out = subprocess.run([PY, "-m", "bench.job", kind, as_of], cwd=ROOT, env=ENV, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"{kind} failed:\n{out.stderr[-3000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if result["state"] != "succeeded":
        raise SystemExit(f"{kind} failed: {result['message']}")
    return result


def celery_group(ids: list[int], as_of: str, workers: int, partitions: int) -> float:
    """Start a bench worker with ``workers`` processes, run the payout recompute as a group of
    partitions, wait for all, stop the worker. Returns wall seconds of the group."""
    from celery import group

    from bench.celery_app import app, partition_payouts

    app.control.purge()
    worker = subprocess.Popen(
        [
            PY,
            "-m",
            "celery",
            "-A",
            "bench.celery_app",
            "worker",
            "-c",
            str(workers),
            "-P",
            "prefork",
            "-l",
            "WARNING",
            "-n",
            f"bench{workers}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            if app.control.ping(timeout=1.0):
                break
        size = -(-len(ids) // partitions)
        parts = [ids[i : i + size] for i in range(0, len(ids), size)]
        started = time.perf_counter()
        result = group(partition_payouts.s(p, as_of) for p in parts).apply_async()
        result.get(timeout=3600, propagate=True)
        return time.perf_counter() - started
    finally:
        stop(worker)


def stop(proc: subprocess.Popen, timeout: float = 60) -> None:
    """SIGTERM a process the bench started, and kill it if it has not ended within ``timeout``."""
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()


def _repeated_rollback(label: str, func) -> dict:
    """``timed_rollback`` REPEAT times: seconds of each, the result and digests of the first; the
    digests of every run must agree (a run that decided otherwise is not the same step)."""
    runs = []
    for i in range(REPEAT):
        log(f"{label} ({i + 1}/{REPEAT})")
        runs.append(timed_rollback(func))
    if any(r["after"] != runs[0]["after"] for r in runs):
        raise SystemExit(f"{label}: the repeated runs decided differently")
    return runs[0] | {"seconds": spread([r["seconds"] for r in runs])}


def _repeated_engine(kind: str, as_of: str, digest_of) -> tuple[dict, dict, tuple]:
    """The engine's job REPEAT times from the same data (restored from the snapshot before each
    run but the first), then its unchanged rerun REPEAT times on what the last run left."""
    firsts, digests = [], []
    for i in range(REPEAT):
        if i:
            run_sql(RESTORE_SQL)
        log(f"{kind}: engine job ({i + 1}/{REPEAT})")
        firsts.append(engine_job(kind, as_of))
        digests.append(digest_of())
    if any(d != digests[0] for d in digests):
        raise SystemExit(f"{kind}: the repeated engine runs decided differently")
    reruns = []
    for i in range(REPEAT):
        log(f"{kind}: unchanged rerun ({i + 1}/{REPEAT})")
        reruns.append(engine_job(kind, as_of))
    first = firsts[0] | {
        "seconds": spread([r["seconds"] for r in firsts]),
        "peak_rss_mb": max(r["peak_rss_mb"] for r in firsts),
        "urlconf_seconds": statistics.median(r.get("urlconf_seconds", 0.0) for r in firsts),
        # where the time goes (bench/job.py), the median of each phase over the runs
        "phases": {
            k: round(statistics.median(r["phases"][k] for r in firsts), 3)
            for k in ("load", "decide", "write", "notify")
        },
    }
    rerun = reruns[0] | {
        "seconds": spread([r["seconds"] for r in reruns]),
        "rows": max(_rows(r["counts"]) for r in reruns),
    }
    return first, rerun, digests[0]


def _recompute(label: str, kind: str, ids: list[int], day, naive_run, floor_run, digest_of, before_engine=None):
    """One recompute's figures: the naive loop on a sample, the floor, (``before_engine``: the
    Celery groups), the engine and its reruns, from the same snapshot, with the digests compared."""
    from bench import digest, naive

    sample = naive.sample_ids(ids, NAIVE_SAMPLE)
    run_sql(SNAPSHOT_SQL)
    since = digest.log_mark()
    nv = _repeated_rollback(
        f"{label}: naive loop on {len(sample)} of {len(ids)} agreements",
        lambda: (naive_run(agreement_ids=sample, as_of=day), lambda: digest_of(sample, since)),
    )
    fl = _repeated_rollback(
        f"{label}: floor statement",
        lambda: (floor_run(as_of=day), lambda: (digest_of(None, since), digest_of(sample, since))),
    )
    extra = before_engine() if before_engine else {}
    first, rerun, (engine_full, engine_sample) = _repeated_engine(
        kind, day.isoformat(), lambda: (digest_of(None, since), digest_of(sample, since))
    )
    return _figures(first, rerun, nv, fl, len(sample), len(ids), engine_full, engine_sample) | extra


def bench_recomputes(as_of: str) -> dict:
    from datetime import date

    from bench import digest, floor, naive
    from funding.models import Agreement
    from qinhuai_talent.core.system import system_actor

    day = date.fromisoformat(as_of)
    system_actor()  # created once, outside the rolled-back runs
    active = list(Agreement.objects.filter(state="active").order_by("pk").values_list("pk", flat=True))

    def celery_groups() -> dict:
        celery = {"partitions": 8}
        # 1 and 2 worker processes alternate, so that neither count always runs on the later,
        # warmer (or more written-over) database.
        seconds = {1: [], 2: []}
        for i in range(REPEAT):
            for workers in (1, 2):
                log(f"payouts: Celery group of 8 partitions, {workers} worker process(es) ({i + 1}/{REPEAT})")
                seconds[workers].append(celery_group(active, as_of, workers, 8))
                run_sql(RESTORE_SQL)
        for workers in (1, 2):
            celery[f"workers_{workers}"] = spread(seconds[workers], 2)
            celery[f"workers_{workers}_seconds"] = celery[f"workers_{workers}"]["median"]
        celery["speedup"] = round(celery["workers_1_seconds"] / celery["workers_2_seconds"], 2)
        return {"celery": celery}

    out = {
        "recompute_payouts": _recompute(
            "payouts",
            "recompute_payouts",
            active,
            day,
            naive.naive_payouts,
            floor.floor_payouts,
            digest.payouts_digest,
            celery_groups,
        )
    }
    # exit flags, from the state the payout recompute left
    scoped = list(
        Agreement.objects.filter(state__in=("active", "suspended")).order_by("pk").values_list("pk", flat=True)
    )
    out["recompute_exit_flags"] = _recompute(
        "exit flags", "recompute_exit_flags", scoped, day, naive.naive_exit_flags, floor.floor_exit_flags,
        digest.exit_digest,
    )  # fmt: skip
    out["recompute_exit_flags"]["celery"] = {
        "note": "not partitioned: the engine runs exit flags as one transaction under an advisory lock"
    }
    return out


def _rows(counts: dict) -> int:
    if "rows_written" in counts:
        return counts["rows_written"]
    return sum(counts.get(k, 0) for k in ("raised", "updated", "cleared", "held", "released"))


def _figures(first, rerun, nv, fl, sample, total, engine_full, engine_sample) -> dict:
    """Medians of the repeated runs as the headline figures, each step's runs and spread beside."""
    engine_s, floor_s = first["seconds"]["median"], fl["seconds"]["median"]
    naive_seconds = nv["seconds"]["median"] / max(sample, 1) * total
    floor_full, floor_sample = fl["after"]
    return {
        "seconds": engine_s,
        "rows_written": _rows(first["counts"]),
        "counts": first["counts"],
        "peak_rss_mb": round(first["peak_rss_mb"], 1),
        "rerun_seconds": rerun["seconds"]["median"],
        "rerun_rows": rerun["rows"],
        "naive_seconds": round(naive_seconds, 2),
        "naive_sample": sample,
        "naive_sample_seconds": nv["seconds"]["median"],
        "agreements": total,
        "floor_seconds": floor_s,
        "floor_rows": fl["result"][0]["rows_written"],
        "floor_log_rows": fl["result"][0].get("log_rows"),
        "speedup_vs_naive": round(naive_seconds / engine_s, 1) if engine_s else None,
        "ratio_to_floor": round(engine_s / floor_s, 2) if floor_s else None,
        "phases": first.get("phases"),
        "urlconf_seconds": first.get("urlconf_seconds"),
        "repeats": {
            "engine": first["seconds"],
            "rerun": rerun["seconds"],
            "floor": fl["seconds"],
            "naive_sample": nv["seconds"],
        },
        "digest": {
            "engine": engine_full,
            "floor": floor_full,
            "engine_sample": engine_sample,
            "naive_sample": nv["after"],
            "floor_sample": floor_sample,
        },
        "agree": {"floor": floor_full == engine_full, "naive": nv["after"] == engine_sample},
    }


# ------------------------------------------------------------------ web


ENDPOINTS = {
    "enterprise_list": ("/api/v1/enterprises/", "/enterprises/"),
    "application_list": ("/api/v1/applications/", "/applications/"),
    "payout_queue": ("/api/v1/payouts/?state=proposed", "/payouts/"),
    "exit_board": ("/api/v1/exit-flags/?state=open", "/exit-flags/"),
    "summary": ("/api/v1/reports/summary/?year={year}", "/summary/"),
    # The header's search (issue 17 item 4) for a common name; its floor is one statement.
    "search": ("/api/v1/search/?q=%E7%8E%8B%E4%BC%9F", "/search/"),  # q=王伟 (floor_wsgi.SEARCH_QUERY)
}
LUA = """
done = function(summary, latency, requests)
  io.write(string.format("BENCH p50=%f p95=%f requests=%d errors=%d\\n", latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.timeout))
end
"""


def _free_port() -> int:
    """A loopback port nothing listens on (other sessions run servers on this machine too)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, proc: subprocess.Popen) -> None:
    import socket

    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server for 127.0.0.1:{port} exited ({proc.returncode})")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.3)
    raise SystemExit(f"nothing listens on 127.0.0.1:{port}")


def _warm(url: str, headers: list[str]) -> None:
    """A few requests first, so both workers have loaded and connected before the clock runs."""
    import urllib.error
    import urllib.request

    hdrs = dict(h.split(": ", 1) for h in headers)
    for _ in range(4):
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=hdrs), timeout=120) as response:
                response.read()
        except urllib.error.HTTPError as error:
            raise SystemExit(f"{url} answered {error.code}: {error.read()[:300]!r}") from None


def _load(url: str, headers: list[str]) -> dict:
    """wrk when installed (apt-get install wrk), else a bounded Python load generator."""
    if shutil.which("wrk"):
        script = Path(tempfile.gettempdir()) / "qinhuai_bench_p95.lua"
        script.write_text(LUA)
        args = ["wrk", "-t2", f"-c{LOAD_CONNECTIONS}", f"-d{LOAD_SECONDS}s", "--timeout", "30s", "-s", str(script), url]
        for h in headers:
            args[1:1] = ["-H", h]
        out = subprocess.run(args, capture_output=True, text=True, timeout=LOAD_SECONDS + 120).stdout
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        m = re.search(r"BENCH p50=([\d.]+) p95=([\d.]+) requests=(\d+) errors=(\d+)", out)
        non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        return {
            "p50_ms": round(float(m.group(1)), 1),
            "p95_ms": round(float(m.group(2)), 1),
            "rps": round(rps, 1),
            "requests": int(m.group(3)),
            "errors": int(m.group(4)) + (int(non2xx.group(1)) if non2xx else 0),
        }
    return _python_load(url, headers)


def _python_load(url: str, headers: list[str]) -> dict:
    import urllib.request

    hdrs = dict(h.split(": ", 1) for h in headers)
    return _threaded_load(lambda _i: urllib.request.Request(url, headers=hdrs))


def _post_load(url: str, request_for, limit: int | None = None) -> dict:
    """POSTs under the same load: ``request_for(i)`` gives the i-th request's (headers, body), so
    each request can be another user's (the filings of the window's last days); at most ``limit``."""
    import urllib.request

    def build(i: int):
        headers, body = request_for(i)
        return urllib.request.Request(url, data=body, headers=headers, method="POST")

    return _threaded_load(build, limit)


def _threaded_load(build, limit: int | None = None) -> dict:
    """LOAD_CONNECTIONS threads sending ``build(i)`` for i = 0, 1, … for LOAD_SECONDS (or until
    ``limit`` requests: then requests/s is over the time they took); a request that fails or
    answers other than 2xx is an error, not a time."""
    import itertools
    import threading
    import urllib.request

    times, errors = [], [0]
    numbers = itertools.count()
    started_at = time.perf_counter()
    stop = time.time() + LOAD_SECONDS

    def worker():
        while time.time() < stop and len(times) < 100_000:
            i = next(numbers)
            if limit is not None and i >= limit:
                return
            request = build(i)
            started = time.perf_counter()
            try:
                urllib.request.urlopen(request, timeout=30).read()
                times.append(time.perf_counter() - started)
            except Exception:
                errors[0] += 1

    threads = [threading.Thread(target=worker) for _ in range(LOAD_CONNECTIONS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = min(time.perf_counter() - started_at, LOAD_SECONDS) if limit is not None else LOAD_SECONDS
    times.sort()
    q = statistics.quantiles(times, n=100) if len(times) > 1 else [0] * 99
    return {
        "p50_ms": round(q[49] * 1000, 1),
        "p95_ms": round(q[94] * 1000, 1),
        "rps": round(len(times) / elapsed, 1),
        "requests": len(times),
        "errors": errors[0],
    }


def _load_figures(portal_runs: list[dict], floor_runs: list[dict]) -> dict:
    """Medians of the repeated loads (p50, p95, requests/s) for the portal and its floor, with
    the spread of each; requests and errors are the runs' sums."""
    out = {}
    for prefix, runs in (("", portal_runs), ("floor_", floor_runs)):
        for key in ("p50_ms", "p95_ms", "rps"):
            figures = spread([r[key] for r in runs], 1)
            out[f"{prefix}{key}"] = figures["median"]
            out.setdefault("repeats", {})[f"{prefix}{key}"] = figures
        out[f"{prefix}requests"] = sum(r["requests"] for r in runs)
        out[f"{prefix}errors"] = sum(r["errors"] for r in runs)
    return out


def _queries(path: str, token: str) -> dict:
    """In this process, one client at a time: the queries of a request answered from the result
    cache, and of one that computes (the cache emptied first), with that one's median time."""
    import statistics

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from qinhuai_talent.core.models import CachedResult

    client = Client(HTTP_AUTHORIZATION=f"Token {token}", HTTP_HOST="127.0.0.1")
    client.get(path)  # warm caches (content types, translations) as a running worker has
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, secure=False)
    cold, cold_queries = [], 0
    for _ in range(COLD_RUNS):
        CachedResult.objects.all().delete()
        with CaptureQueriesContext(connection) as cold_ctx:
            started = time.perf_counter()
            client.get(path, secure=False)
            cold.append(time.perf_counter() - started)
        cold_queries = len(cold_ctx)
    return {
        "status": response.status_code,
        "queries": len(ctx),
        "queries_uncached": cold_queries,
        "uncached_ms": round(statistics.median(cold) * 1000, 1),
    }


def _floor_ms(floor_path: str, year: int) -> float:
    """The floor's statements for one request (the page or the summary's one statement, and the
    count), one at a time in this process: the median of COLD_RUNS, beside ``uncached_ms``."""
    from django.db import connection

    from bench.floor_wsgi import COUNTS, QUERIES, params

    times = []
    for _ in range(COLD_RUNS):
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(QUERIES[floor_path], params(year))
            cursor.fetchall()
            if floor_path in COUNTS:
                cursor.execute(COUNTS[floor_path])
                cursor.fetchall()
        times.append(time.perf_counter() - started)
    return round(statistics.median(times) * 1000, 1)


def bench_web(year: int) -> dict:
    from knox.models import AuthToken

    from bench.floor_wsgi import FIRST_RUN
    from qinhuai_talent.core.models import User

    # The recomputes wrote payouts, tranches and flags since the seed's VACUUM (ANALYZE): the tables
    # as autovacuum leaves them after a night's recompute (statistics, and the visibility map that
    # lets index-only scans skip the heap), for the portal's plans and the floor's alike.
    run_sql("VACUUM (ANALYZE)")
    _instance, token = AuthToken.objects.create(User.objects.get(username="bench-office"))
    env = ENV | {"BENCH_FLOOR_DSN": DB_URL, "BENCH_YEAR": str(year)}
    gunicorn = [PY, "-m", "gunicorn", "-w", "2", "--preload", "--log-level", "warning", "--timeout", "120"]
    port, floor_port = _free_port(), _free_port()
    portal = subprocess.Popen([*gunicorn, "-b", f"127.0.0.1:{port}", "qinhuai_talent.wsgi"], cwd=ROOT, env=env)
    floor_app = subprocess.Popen(
        [*gunicorn, "-b", f"127.0.0.1:{floor_port}", "bench.floor_wsgi:app"], cwd=ROOT, env=env
    )
    out = {}
    try:
        _wait_port(port, portal)
        _wait_port(floor_port, floor_app)
        auth = [f"Authorization: Token {token}", "Host: 127.0.0.1"]
        for name, (path, floor_path) in ENDPOINTS.items():
            path = path.format(year=year)
            measured = _queries(path, token) | {"floor_uncached_ms": _floor_ms(floor_path, year)}
            log(
                f"web: {name} {path} (HTTP {measured['status']}, {measured['queries']} queries from the cache, "
                f"{measured['queries_uncached']} computing it in {measured['uncached_ms']} ms; "
                f"the floor's statements {measured['floor_uncached_ms']} ms)"
            )
            _warm(f"http://127.0.0.1:{port}{path}", auth)
            _warm(f"http://127.0.0.1:{floor_port}{floor_path}", [])
            portal_runs, floor_runs = [], []
            for _ in range(REPEAT):  # alternated, so a drift of the machine's load touches both sides
                portal_runs.append(_load(f"http://127.0.0.1:{port}{path}", auth))
                floor_runs.append(_load(f"http://127.0.0.1:{floor_port}{floor_path}", []))
            out[name] = _load_figures(portal_runs, floor_runs) | measured | {"path": path}
            if f"/first-run{floor_path}" in FIRST_RUN:
                first_run = f"http://127.0.0.1:{floor_port}/first-run{floor_path}"
                _warm(first_run, [])
                first = _load(first_run, [])
                out[name] |= {"first_run_floor_rps": first["rps"], "first_run_floor_p95_ms": first["p95_ms"]}
    finally:
        for proc in (portal, floor_app):
            stop(proc, 30)
    return out


# ------------------------------------------------------------------ main


def _pm(figures: dict | None) -> str:
    """A step's spread as ±half of (max - min) / median."""
    return f"±{figures['spread_pct'] / 2:.0f}%" if figures else ""


def quiet_line(results: dict) -> str:
    load = results["load"]
    start, end = load["start"][0], load["end"][0] if "end" in load else float("nan")
    verdict = "quiet" if results["quiet"] else f"NOT QUIET (1-minute load at start above {QUIET_LOAD})"
    return f"load average at start {start:.2f}, at end {end:.2f}: {verdict}"


def table(results: dict) -> str:
    lines = [
        f"scale {results['scale']} · seed {results['seed_seconds']:.0f} s · {results['machine']['cpus']} CPUs · "
        f"medians of {results['repeat']} runs (± half the spread)",
        quiet_line(results),
    ]
    if "recompute_payouts" in results:
        lines.append(
            f"{'recompute':<22}{'seconds':>14}{'naive':>10}{'floor':>14}{'×naive':>8}{'×floor':>8}"
            f"{'RSS MB':>8}{'rerun s':>9}{'rerun rows':>11}  agree"
        )
        for kind in ("recompute_payouts", "recompute_exit_flags"):
            r = results[kind]
            agree = "yes" if all(r["agree"].values()) else f"NO {r['agree']}"
            rep = r["repeats"]
            lines.append(
                f"{kind:<22}{r['seconds']:>9.2f}{_pm(rep['engine']):>5}{r['naive_seconds']:>10.1f}"
                f"{r['floor_seconds']:>9.2f}{_pm(rep['floor']):>5}"
                f"{r['speedup_vs_naive'] or 0:>8.1f}{r['ratio_to_floor'] or 0:>8.2f}{r['peak_rss_mb']:>8.0f}"
                f"{r['rerun_seconds']:>9.2f}{r['rerun_rows']:>11}  {agree}"
            )
            if r.get("phases"):
                phases = ", ".join(f"{k} {v:.2f}" for k, v in r["phases"].items() if isinstance(v, float | int))
                lines.append(f"    engine phases (s): {phases}")
        c = results["recompute_payouts"]["celery"]
        lines.append(
            f"celery group (payouts, 8 partitions): 1 worker {c['workers_1_seconds']} s {_pm(c['workers_1'])}, "
            f"2 workers {c['workers_2_seconds']} s {_pm(c['workers_2'])} ({c['speedup']}×)"
        )
    if "endpoints" in results:
        lines.append(
            f"{'endpoint':<18}{'p50 ms':>8}{'p95 ms':>13}{'rps':>13}{'floor rps':>15}{'share':>7}{'1st floor':>10}"
            f"{'share':>7}{'queries':>8}{'uncached ms':>12}{'queries':>8}{'floor ms':>9}"
        )
        for name, e in results["endpoints"].items():
            share = e["rps"] / e["floor_rps"] if e["floor_rps"] else 0
            first = e.get("first_run_floor_rps")
            first_cols = f"{first:>10.1f}{e['rps'] / first:>7.0%}" if first else f"{'—':>10}{'':>7}"
            rep = e.get("repeats", {})
            uncached = e.get("uncached_ms")
            lines.append(
                f"{name:<18}{e['p50_ms']:>8.1f}{e['p95_ms']:>8.1f}{_pm(rep.get('p95_ms')):>5}"
                f"{e['rps']:>8.1f}{_pm(rep.get('rps')):>5}{e['floor_rps']:>10.1f}{_pm(rep.get('floor_rps')):>5}"
                f"{share:>7.0%}{first_cols}{e.get('queries', ''):>8}"
                f"{uncached if uncached is not None else '':>12}{e.get('queries_uncached', ''):>8}"
                f"{e.get('floor_uncached_ms', ''):>9}"
            )
    if "fanout" in results:
        f = results["fanout"]["reminders"]
        lines.append(
            f"reminder fan-out on {f['day']}: {f['notifications']} notifications ({f['emails']} emails) written in "
            f"{f['create_seconds']:.2f} s, delivered by a worker of {f['workers']} processes after "
            f"{f['deliver_seconds']:.2f} s; the same reminder again: {f['rerun_rows']} rows, {f['rerun_emails']} emails"
        )
        e = results["fanout"]["filing"]
        rep = e["repeats"]
        lines.append(
            f"{'filing (POST)':<18}{e['p50_ms']:>8.1f}{e['p95_ms']:>8.1f}{_pm(rep['p95_ms']):>5}{e['rps']:>8.1f}"
            f"{_pm(rep['rps']):>5}{e['floor_rps']:>10.1f}{_pm(rep['floor_rps']):>5}"
            f"{e['rps'] / e['floor_rps'] if e['floor_rps'] else 0:>7.0%}  floor: one INSERT; "
            f"errors {e['errors']} / {e['floor_errors']}"
        )
    if results.get("held"):
        lines.extend(held.lines(results["held"]))
    return "\n".join(lines)


def main() -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    # Other sessions share the cores: the 1, 5 and 15 minute load averages before and after, and
    # between the phases; a run that starts above QUIET_LOAD is not called quiet.
    results = {
        "scale": SCALE,
        "repeat": REPEAT,
        "machine": machine(),
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "code": held.code_version(ROOT),
        "load": {"start": load_average()},
    }
    # The run this one replaces in RESULTS: its figures' ranges are what this run's must land in.
    earlier_path = RESULTS / "latest.json"
    earlier = json.loads(earlier_path.read_text(encoding="utf-8")) if earlier_path.exists() else None
    results["quiet"] = results["load"]["start"][0] <= QUIET_LOAD
    if not results["quiet"]:
        log(f"load average {results['load']['start']}: this run is not quiet (1-minute load above {QUIET_LOAD})")
    from django.utils import timezone

    as_of = os.environ.get("BENCH_AS_OF") or timezone.localdate().isoformat()
    # BENCH_REUSE_SEED=1 skips setup (for developing the bench itself; figures then start from
    # an already recomputed state and are not a benchmark).
    if os.environ.get("BENCH_REUSE_SEED") != "1":
        log(f"database {DB_URL.rsplit('/', 1)[1]}: recreate and migrate")
        recreate_database()
        manage("migrate", "--noinput", "-v0")
        log(f"seed_scale --scale {SCALE} (as of {as_of})")
        started = time.perf_counter()
        seeded = manage("seed_scale", "--scale", str(SCALE), "--as-of", as_of)
        results["seed_seconds"] = round(time.perf_counter() - started, 1)
        results["seed_output"] = seeded.strip().splitlines()[-17:]
    else:
        results["seed_seconds"] = 0.0
    results["as_of"] = as_of

    import django

    django.setup()
    phases = os.environ.get("BENCH_PHASES", "recompute,web,fanout,plans").split(",")
    results["load"]["before_phases"] = load_average()
    if "recompute" in phases:
        results.update(bench_recomputes(as_of))
        results["load"]["after_recompute"] = load_average()
        save(results)  # what is measured so far survives a failure in the web phase
    if "web" in phases:
        results["endpoints"] = bench_web(int(as_of[:4]))
        results["load"]["after_web"] = load_average()
        save(results)
    if "fanout" in phases:
        from bench import fanout

        results["fanout"] = fanout.bench_fanout(as_of)
        results["load"]["after_fanout"] = load_average()
    if "plans" in phases:
        from bench import plans

        plans.main(int(as_of[:4]))
    results["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    results["load"]["end"] = load_average()
    results["machine"]["load_at_end"] = results["load"]["end"][0]
    if earlier and earlier.get("started"):
        changed = held.changed_between(earlier.get("code"), results["code"], ROOT)
        results["held"] = held.compare(earlier, results, changed)
    save(results)
    print(table(results))


def save(results: dict) -> None:
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
