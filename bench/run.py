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
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
SCALE = float(os.environ.get("BENCH_SCALE", "1"))
DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/qinhuai_bench")
BROKER = os.environ.get("BENCH_BROKER", "redis://127.0.0.1:6379/12")
NAIVE_SAMPLE = int(os.environ.get("BENCH_NAIVE_SAMPLE", "400"))
LOAD_SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "10"))
LOAD_CONNECTIONS = int(os.environ.get("BENCH_LOAD_CONNECTIONS", "8"))
COLD_RUNS = int(os.environ.get("BENCH_COLD_RUNS", "5"))
RESULTS = ROOT / "bench" / "results"
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
        "load_at_start": os.getloadavg()[0],
    }


# ------------------------------------------------------------------ state snapshots


SNAPSHOT_SQL = """
DROP TABLE IF EXISTS bench_s_tranche, bench_s_milestone, bench_s_payout, bench_s_max;
CREATE UNLOGGED TABLE bench_s_tranche AS SELECT id, state FROM funding_tranche;
CREATE UNLOGGED TABLE bench_s_milestone AS SELECT id, met, met_on FROM funding_milestone;
CREATE UNLOGGED TABLE bench_s_payout AS SELECT id, state, amount, factor, approver_level, prepared_by_id,
       approved_by_id, approved_at, org_unit_id, explanation, reasons, computed_at FROM funding_payout;
CREATE UNLOGGED TABLE bench_s_max AS SELECT (SELECT coalesce(max(id), 0) FROM funding_payout) AS payout,
       (SELECT coalesce(max(id), 0) FROM funding_exitflag) AS flag;
"""
RESTORE_SQL = """
DELETE FROM funding_exitflag WHERE id > (SELECT flag FROM bench_s_max);
DELETE FROM funding_payout WHERE id > (SELECT payout FROM bench_s_max);
UPDATE funding_payout p SET state = s.state, amount = s.amount, factor = s.factor, approver_level = s.approver_level,
       prepared_by_id = s.prepared_by_id, approved_by_id = s.approved_by_id, approved_at = s.approved_at,
       org_unit_id = s.org_unit_id, explanation = s.explanation, reasons = s.reasons, computed_at = s.computed_at
  FROM bench_s_payout s WHERE s.id = p.id AND (p.state, p.amount, p.factor, p.approver_level, p.prepared_by_id,
       p.approved_by_id, p.approved_at) IS DISTINCT FROM (s.state, s.amount, s.factor, s.approver_level,
       s.prepared_by_id, s.approved_by_id, s.approved_at);
UPDATE funding_tranche t SET state = s.state FROM bench_s_tranche s WHERE s.id = t.id AND t.state <> s.state;
UPDATE funding_milestone m SET met = s.met, met_on = s.met_on FROM bench_s_milestone s
  WHERE s.id = m.id AND (m.met, m.met_on) IS DISTINCT FROM (s.met, s.met_on);
"""


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
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()


def bench_recomputes(as_of: str) -> dict:
    from datetime import date

    from bench import digest, floor, naive
    from funding.models import Agreement

    day = date.fromisoformat(as_of)
    out = {}

    # --- payouts
    active = list(Agreement.objects.filter(state="active").order_by("pk").values_list("pk", flat=True))
    sample = naive.sample_ids(active, NAIVE_SAMPLE)
    run_sql(SNAPSHOT_SQL)
    log(f"payouts: naive loop on {len(sample)} of {len(active)} agreements")
    nv = timed_rollback(
        lambda: (naive.naive_payouts(agreement_ids=sample, as_of=day), lambda: digest.payouts_digest(sample))
    )
    log("payouts: floor statement")
    fl = timed_rollback(
        lambda: (floor.floor_payouts(as_of=day), lambda: (digest.payouts_digest(), digest.payouts_digest(sample)))
    )
    celery = {}
    for workers in (1, 2):
        log(f"payouts: Celery group of 8 partitions, {workers} worker process(es)")
        celery[f"workers_{workers}_seconds"] = round(celery_group(active, as_of, workers, 8), 2)
        run_sql(RESTORE_SQL)
    log("payouts: engine job")
    first = engine_job("recompute_payouts", as_of)
    engine_full, engine_sample = digest.payouts_digest(), digest.payouts_digest(sample)
    rerun = engine_job("recompute_payouts", as_of)
    out["recompute_payouts"] = _figures(first, rerun, nv, fl, len(sample), len(active), engine_full, engine_sample)
    out["recompute_payouts"]["celery"] = celery | {"partitions": 8}

    # --- exit flags (from the state the payout recompute left)
    scoped = list(
        Agreement.objects.filter(state__in=("active", "suspended")).order_by("pk").values_list("pk", flat=True)
    )
    sample = naive.sample_ids(scoped, NAIVE_SAMPLE)
    log(f"exit flags: naive loop on {len(sample)} of {len(scoped)} agreements")
    nv = timed_rollback(
        lambda: (naive.naive_exit_flags(agreement_ids=sample, as_of=day), lambda: digest.exit_digest(sample))
    )
    log("exit flags: floor statement")
    fl = timed_rollback(
        lambda: (floor.floor_exit_flags(as_of=day), lambda: (digest.exit_digest(), digest.exit_digest(sample)))
    )
    log("exit flags: engine job")
    first = engine_job("recompute_exit_flags", as_of)
    engine_full, engine_sample = digest.exit_digest(), digest.exit_digest(sample)
    rerun = engine_job("recompute_exit_flags", as_of)
    out["recompute_exit_flags"] = _figures(first, rerun, nv, fl, len(sample), len(scoped), engine_full, engine_sample)
    out["recompute_exit_flags"]["celery"] = {
        "note": "not partitioned: the engine runs exit flags as one transaction under an advisory lock"
    }
    return out


def _rows(counts: dict) -> int:
    if "rows_written" in counts:
        return counts["rows_written"]
    return sum(counts.get(k, 0) for k in ("raised", "updated", "cleared", "held", "released"))


def _figures(first, rerun, nv, fl, sample, total, engine_full, engine_sample) -> dict:
    naive_seconds = nv["seconds"] / max(sample, 1) * total
    floor_full, floor_sample = fl["after"]
    return {
        "seconds": round(first["seconds"], 3),
        "rows_written": _rows(first["counts"]),
        "counts": first["counts"],
        "peak_rss_mb": round(first["peak_rss_mb"], 1),
        "rerun_seconds": round(rerun["seconds"], 3),
        "rerun_rows": _rows(rerun["counts"]),
        "naive_seconds": round(naive_seconds, 2),
        "naive_sample": sample,
        "naive_sample_seconds": round(nv["seconds"], 3),
        "agreements": total,
        "floor_seconds": round(fl["seconds"], 3),
        "floor_rows": fl["result"][0]["rows_written"],
        "speedup_vs_naive": round(naive_seconds / first["seconds"], 1) if first["seconds"] else None,
        "ratio_to_floor": round(first["seconds"] / fl["seconds"], 2) if fl["seconds"] else None,
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
    import statistics
    import threading
    import urllib.request

    times, errors = [], [0]
    stop = time.time() + LOAD_SECONDS
    hdrs = dict(h.split(": ", 1) for h in headers)

    def worker():
        while time.time() < stop and len(times) < 100_000:
            started = time.perf_counter()
            try:
                urllib.request.urlopen(urllib.request.Request(url, headers=hdrs), timeout=30).read()
                times.append(time.perf_counter() - started)
            except Exception:
                errors[0] += 1

    threads = [threading.Thread(target=worker) for _ in range(LOAD_CONNECTIONS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    times.sort()
    q = statistics.quantiles(times, n=100) if len(times) > 1 else [0] * 99
    return {
        "p50_ms": round(q[49] * 1000, 1),
        "p95_ms": round(q[94] * 1000, 1),
        "rps": round(len(times) / LOAD_SECONDS, 1),
        "requests": len(times),
        "errors": errors[0],
    }


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


def bench_web(year: int) -> dict:
    from knox.models import AuthToken

    from bench.floor_wsgi import FIRST_RUN
    from qinhuai_talent.core.models import User

    # The recomputes wrote payouts and flags since the seed's ANALYZE: statistics as autovacuum
    # would soon have them, for the portal's plans and the floor's alike.
    run_sql("ANALYZE")
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
            measured = _queries(path, token)
            log(
                f"web: {name} {path} (HTTP {measured['status']}, {measured['queries']} queries from the cache, "
                f"{measured['queries_uncached']} computing it in {measured['uncached_ms']} ms)"
            )
            _warm(f"http://127.0.0.1:{port}{path}", auth)
            _warm(f"http://127.0.0.1:{floor_port}{floor_path}", [])
            portal_figures = _load(f"http://127.0.0.1:{port}{path}", auth)
            floor_figures = _load(f"http://127.0.0.1:{floor_port}{floor_path}", [])
            floor = {"path": path, "floor_rps": floor_figures["rps"], "floor_p95_ms": floor_figures["p95_ms"]}
            out[name] = portal_figures | measured | floor
            if f"/first-run{floor_path}" in FIRST_RUN:
                first_run = f"http://127.0.0.1:{floor_port}/first-run{floor_path}"
                _warm(first_run, [])
                first = _load(first_run, [])
                out[name] |= {"first_run_floor_rps": first["rps"], "first_run_floor_p95_ms": first["p95_ms"]}
    finally:
        for proc in (portal, floor_app):
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
    return out


# ------------------------------------------------------------------ main


def table(results: dict) -> str:
    lines = [f"scale {results['scale']} · seed {results['seed_seconds']:.0f} s · {results['machine']['cpus']} CPUs"]
    lines.append(
        f"{'recompute':<22}{'seconds':>9}{'naive':>10}{'floor':>8}{'×naive':>8}{'×floor':>8}"
        f"{'RSS MB':>8}{'rerun s':>9}{'rerun rows':>11}  agree"
    )
    for kind in ("recompute_payouts", "recompute_exit_flags"):
        r = results[kind]
        agree = "yes" if all(r["agree"].values()) else f"NO {r['agree']}"
        lines.append(
            f"{kind:<22}{r['seconds']:>9.2f}{r['naive_seconds']:>10.1f}{r['floor_seconds']:>8.2f}"
            f"{r['speedup_vs_naive'] or 0:>8.1f}{r['ratio_to_floor'] or 0:>8.2f}{r['peak_rss_mb']:>8.0f}"
            f"{r['rerun_seconds']:>9.2f}{r['rerun_rows']:>11}  {agree}"
        )
    c = results["recompute_payouts"]["celery"]
    lines.append(
        f"celery group (payouts, 8 partitions): 1 worker {c['workers_1_seconds']} s, "
        f"2 workers {c['workers_2_seconds']} s"
    )
    lines.append(
        f"{'endpoint':<18}{'p50 ms':>8}{'p95 ms':>8}{'rps':>8}{'floor rps':>10}{'share':>7}{'1st floor':>10}"
        f"{'share':>7}{'queries':>8}{'uncached ms':>12}{'queries':>8}"
    )
    for name, e in results["endpoints"].items():
        share = e["rps"] / e["floor_rps"] if e["floor_rps"] else 0
        first = e.get("first_run_floor_rps")
        first_cols = f"{first:>10.1f}{e['rps'] / first:>7.0%}" if first else f"{'—':>10}{'':>7}"
        lines.append(
            f"{name:<18}{e['p50_ms']:>8.1f}{e['p95_ms']:>8.1f}{e['rps']:>8.1f}{e['floor_rps']:>10.1f}"
            f"{share:>7.0%}{first_cols}{e['queries']:>8}{e['uncached_ms']:>12.1f}{e['queries_uncached']:>8}"
        )
    return "\n".join(lines)


def main() -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    # Other sessions share the cores: the 1, 5 and 15 minute load averages before and after.
    load_at_start = list(os.getloadavg())
    results = {"scale": SCALE, "machine": machine(), "started": datetime.now(UTC).isoformat(timespec="seconds")}
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
    phases = os.environ.get("BENCH_PHASES", "recompute,web,plans").split(",")
    if "recompute" in phases:
        results.update(bench_recomputes(as_of))
        save(results)  # what is measured so far survives a failure in the web phase
    if "web" in phases:
        results["endpoints"] = bench_web(int(as_of[:4]))
    if "plans" in phases:
        from bench import plans

        plans.main(int(as_of[:4]))
    results["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    results["machine"]["load_at_end"] = os.getloadavg()[0]
    results["machine"]["load_averages"] = {"start": load_at_start, "end": list(os.getloadavg())}
    save(results)
    if {"recompute", "web"} <= set(phases):
        print(table(results))
    else:
        print(json.dumps(results, indent=2, ensure_ascii=False, default=str))


def save(results: dict) -> None:
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
