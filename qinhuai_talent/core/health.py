"""Readiness: a registry of checks that ``/readyz`` runs, each answering for one dependency.

A check returns a dict of plain figures (never a secret, a URL or a host name) with ``status``
``ok``, ``failing`` or ``skipped`` (not configured in this mode). A *required* check that fails
makes the portal ``down`` (503: the proxy stops sending it requests); any other failing check
makes it ``degraded`` (200: it serves, but something an operator must look at is wrong, such as
no live worker). Checks that read the database are skipped when the database check failed, so a
database outage answers at once instead of timing out once per check.

Apps add their own checks with ``@register_check`` (the notifications outbox backlog, for one).
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

log = logging.getLogger(__name__)

OK, FAILING, SKIPPED = "ok", "failing", "skipped"


@dataclass(frozen=True)
class Check:
    name: str
    func: Callable[[], dict]
    required: bool
    needs_database: bool


CHECKS: dict[str, Check] = {}


def register_check(name: str, *, required: bool = False, needs_database: bool = True):
    def decorator(func: Callable[[], dict]) -> Callable[[], dict]:
        CHECKS[name] = Check(name=name, func=func, required=required, needs_database=needs_database)
        return func

    return decorator


def readiness() -> tuple[str, dict]:
    """Run every check: (``ok`` | ``degraded`` | ``down``, {name: result})."""
    results: dict[str, dict] = {}
    database_ok = True
    for check in CHECKS.values():
        if check.needs_database and not database_ok:
            result = {"status": SKIPPED, "reason": "database unreachable"}
        else:
            try:
                result = check.func()
            except Exception as exc:  # a check that raises is a failing check, never a 500
                log.warning("readiness check %s raised", check.name, exc_info=True)
                result = {"status": FAILING, "error": type(exc).__name__}
        result["required"] = check.required
        results[check.name] = result
        if check.name == "database" and result["status"] != OK:
            database_ok = False
    failing = [c for c in CHECKS.values() if results[c.name]["status"] == FAILING]
    if any(c.required for c in failing):
        return "down", results
    return ("degraded" if failing else "ok"), results


def _age(seen_at) -> float | None:
    return None if seen_at is None else round((timezone.now() - seen_at).total_seconds(), 1)


def _broker_configured() -> bool:
    return not settings.CELERY_TASK_ALWAYS_EAGER


# ------------------------------------------------------------------------------------- checks


@register_check("database", required=True, needs_database=False)
def check_database() -> dict:
    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        # The broken connection is closed so the next request opens a new one.
        connection.close_if_unusable_or_obsolete()
        return {"status": FAILING, "error": type(exc).__name__}
    return {"status": OK, "vendor": connection.vendor}


_migrations_applied = False


@register_check("migrations", required=True)
def check_migrations() -> dict:
    """Every migration of the code that runs is applied (once true, it stays true for the process)."""
    global _migrations_applied
    if not _migrations_applied:
        from django.db.migrations.executor import MigrationExecutor

        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if pending:
            return {"status": FAILING, "unapplied": len(pending)}
        _migrations_applied = True
    return {"status": OK, "unapplied": 0}


@register_check("cache", required=True, needs_database=False)
def check_cache() -> dict:
    """The shared cache (API throttling): a write and a read back."""
    from django.core.cache import cache

    if not settings.CACHE_URL:
        return {"status": SKIPPED, "reason": "per-process memory cache"}
    token = timezone.now().isoformat()
    cache.set("readyz:probe", token, timeout=30)
    if cache.get("readyz:probe") != token:
        return {"status": FAILING, "error": "read back a different value"}
    return {"status": OK}


@register_check("result_cache")
def check_result_cache() -> dict:
    """The result cache (PostgreSQL only): every tracked table carries its change trigger."""
    from .resultcache import TRIGGER, tracked_tables

    if connection.vendor != "postgresql":
        return {"status": SKIPPED, "reason": "PostgreSQL only"}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid WHERE g.tgname = %s", [TRIGGER]
        )
        have = {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT COUNT(*) FROM core_cachedresult")
        kept = cursor.fetchone()[0]
    missing = tracked_tables() & set(connection.introspection.table_names()) - have
    return {"status": FAILING if missing else OK, "tables_without_trigger": len(missing), "results_kept": kept}


@register_check("broker", needs_database=False)
def check_broker() -> dict:
    from .jobs import broker_available

    if not _broker_configured():
        return {"status": SKIPPED, "reason": "tasks run in-process"}
    return {"status": OK if broker_available() else FAILING}


@register_check("workers")
def check_workers() -> dict:
    """At least one worker wrote its heartbeat within ``WORKER_HEARTBEAT_MAX_AGE`` seconds."""
    from .models import Heartbeat

    if not _broker_configured():
        return {"status": SKIPPED, "reason": "tasks run in-process"}
    max_age = settings.WORKER_HEARTBEAT_MAX_AGE
    fresh_since = timezone.now() - timedelta(seconds=max_age)
    beats = list(Heartbeat.objects.filter(key__startswith="worker:").values_list("seen_at", flat=True))
    alive = sum(1 for seen in beats if seen >= fresh_since)
    return {
        "status": OK if alive else FAILING,
        "alive": alive,
        "max_age_seconds": max_age,
        "last_seen_seconds_ago": _age(max(beats)) if beats else None,
    }


@register_check("scheduler")
def check_scheduler() -> dict:
    """Beat is alive (its heartbeat within ``BEAT_HEARTBEAT_MAX_AGE``) and no schedule entry is
    overdue; each entry's last run as beat sent it."""
    from .schedule import schedule_rows

    if not _broker_configured():
        return {"status": SKIPPED, "reason": "tasks run in-process"}
    from .models import Heartbeat

    seen = Heartbeat.objects.filter(key="beat").values_list("seen_at", flat=True).first()
    max_age = settings.BEAT_HEARTBEAT_MAX_AGE
    alive = seen is not None and timezone.now() - seen <= timedelta(seconds=max_age)
    rows = schedule_rows()
    overdue = [row["name"] for row in rows if row["overdue"]]
    return {
        "status": OK if alive and not overdue else FAILING,
        "last_seen_seconds_ago": _age(seen),
        "max_age_seconds": max_age,
        "overdue": overdue,
        "entries": {row["name"]: row["last_run"].isoformat() if row["last_run"] else None for row in rows},
    }


@register_check("outbox")
def check_outbox() -> dict:
    """The notifications outbox drains: no message waiting longer than ``OUTBOX_MAX_AGE`` seconds
    (a worker is down, or a channel has failed for that long)."""
    from django.db.models import Count, Min

    from qinhuai_talent.notifications.models import Channel, Notification

    waiting = (
        Notification.objects.exclude(channel=Channel.INBOX)
        .filter(delivered_at__isnull=True, gave_up_at__isnull=True)
        .aggregate(n=Count("id"), oldest=Min("created_at"))
    )
    gave_up = Notification.objects.filter(gave_up_at__isnull=False).count()
    max_age = settings.OUTBOX_MAX_AGE
    # Notifications are stamped by the portal's clock (PORTAL_AS_OF): their age is read on it too.
    from . import clock

    age = None if waiting["oldest"] is None else (clock.now() - waiting["oldest"]).total_seconds()
    late = age is not None and age > max_age
    return {
        "status": FAILING if late else OK,
        "backlog": waiting["n"],
        "oldest_seconds": None if age is None else round(age, 1),
        "max_age_seconds": max_age,
        "gave_up": gave_up,
    }


@register_check("audit")
def check_audit() -> dict:
    """The last finished ``verify_audit`` job found the hash chains intact."""
    from .models import Job, JobState

    job = (
        Job.objects.filter(kind="verify_audit", state__in=[JobState.SUCCEEDED, JobState.FAILED])
        .order_by("-finished_at", "-id")
        .values("id", "state", "counts", "finished_at")
        .first()
    )
    if job is None:
        return {"status": OK, "last_verified": None}
    problems = (job["counts"] or {}).get("problems", 0)
    failed = job["state"] == JobState.FAILED or problems
    return {
        "status": FAILING if failed else OK,
        "last_verified": job["finished_at"].isoformat() if job["finished_at"] else None,
        "job": job["id"],
        "problems": problems,
    }


# -------------------------------------------------------------------------------------- views


def healthz(request):
    """``GET /healthz``: 200 while the process serves; touches nothing else."""
    from django.http import HttpResponse

    response = HttpResponse("ok\n", content_type="text/plain")
    response["Cache-Control"] = "no-store"
    return response


def readyz(request):
    """``GET /readyz``: every check's result; 200 while the required ones pass, else 503."""
    from django.http import JsonResponse

    status, checks = readiness()
    response = JsonResponse({"status": status, "checks": checks}, status=503 if status == "down" else 200)
    response["Cache-Control"] = "no-store"
    return response
