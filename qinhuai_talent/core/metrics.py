"""Prometheus metrics (prometheus-client), served at ``/metrics`` to ``METRICS_ALLOWED_IPS`` only.

Two kinds of figures:

- Counted in the process that sees the event: request latency by view, failed log-ins. Under
  gunicorn every worker process writes its own files in ``PROMETHEUS_MULTIPROC_DIR`` (set by
  ``gunicorn.conf.py``, which also empties it at start and marks dead workers), and ``/metrics``
  adds them up, so the answer does not depend on which process serves the scrape.
- Read at scrape time from where the truth is kept, so they hold for every worker on every
  machine: jobs by kind and state and their durations, the queue depth, the ledger's entries, and
  whatever an app registers with ``register_gauge`` (the notifications outbox backlog).
"""

import ipaddress
import logging
import os
from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, SummaryMetricFamily

from .clients import client_address

log = logging.getLogger(__name__)

if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # a missing folder would fail every metric write
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

REQUEST_LATENCY = Histogram(
    "portal_request_duration_seconds",
    "Time to answer a request, by view and method.",
    ["view", "method"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
REQUESTS = Counter("portal_requests", "Requests answered, by view, method and status.", ["view", "method", "status"])
LOGIN_FAILURES = Counter("portal_login_failures", "Failed log-ins (pages and the API token endpoint).")


def observe_request(view: str, method: str, status: int, seconds: float) -> None:
    REQUEST_LATENCY.labels(view, method).observe(seconds)
    REQUESTS.labels(view, method, str(status)).inc()


def login_failed(sender=None, **kwargs) -> None:
    LOGIN_FAILURES.inc()


# ------------------------------------------------------------------ figures read at scrape time

GAUGES: dict[str, tuple[str, Callable[[], float | None]]] = {}


def register_gauge(name: str, documentation: str):
    """An app's figure read at scrape time (``None`` leaves it out of the answer)."""

    def decorator(func: Callable[[], float | None]) -> Callable[[], float | None]:
        GAUGES[name] = (documentation, func)
        return func

    return decorator


@register_gauge("portal_ledger_entries", "Entries in the money ledger.")
def ledger_entries() -> int | None:
    from django.apps import apps

    try:
        model = apps.get_model("funding", "LedgerEntry")
    except LookupError:
        return None
    return model.objects.count()


@register_gauge("portal_outbox_backlog", "Notifications waiting to go out by email or SMS.")
def outbox_backlog() -> int:
    from qinhuai_talent.notifications.models import Channel, Notification

    return (
        Notification.objects.exclude(channel=Channel.INBOX)
        .filter(delivered_at__isnull=True, gave_up_at__isnull=True)
        .count()
    )


@register_gauge("portal_queue_depth", "Messages waiting in the Celery queue of the broker.")
def queue_depth() -> int | None:
    if settings.CELERY_TASK_ALWAYS_EAGER or not settings.CELERY_BROKER_URL.startswith("redis"):
        return None
    import redis

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        return client.llen("celery")
    finally:
        client.close()


class DatabaseCollector:
    """Jobs by kind and state, and finished jobs' durations by kind and outcome (from the job table),
    then the registered gauges. A figure that cannot be read is left out and logged."""

    def collect(self):
        from django.db.models import Count

        from .models import Job, JobState

        jobs = GaugeMetricFamily("portal_jobs", "Jobs recorded, by kind and state.", labels=["kind", "state"])
        durations = SummaryMetricFamily(
            "portal_job_duration_seconds", "Run time of finished jobs, by kind and outcome.", labels=["kind", "outcome"]
        )
        try:
            for row in Job.objects.values("kind", "state").annotate(n=Count("id")).order_by("kind", "state"):
                jobs.add_metric([row["kind"], row["state"]], row["n"])
            finished = Job.objects.filter(
                state__in=[JobState.SUCCEEDED, JobState.FAILED], started_at__isnull=False, finished_at__isnull=False
            ).values_list("kind", "state", "started_at", "finished_at")
            sums: dict[tuple[str, str], list[float]] = {}
            for kind, state, started, finished_at in finished.iterator():
                entry = sums.setdefault((kind, state), [0, 0.0])
                entry[0] += 1
                entry[1] += max(0.0, (finished_at - started).total_seconds())
            for (kind, state), (count, total) in sorted(sums.items()):
                durations.add_metric([kind, state], count, total)
        except Exception:
            log.warning("metrics: could not read the jobs", exc_info=True)
        else:
            yield jobs
            yield durations
        for name, (documentation, func) in GAUGES.items():
            try:
                value = func()
            except Exception:
                log.warning("metrics: could not read %s", name, exc_info=True)
                continue
            if value is not None:
                gauge = GaugeMetricFamily(name, documentation)
                gauge.add_metric([], value)
                yield gauge


def address_allowed(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for allowed in settings.METRICS_ALLOWED_IPS:
        try:
            if ip in ipaddress.ip_network(allowed, strict=False):
                return True
        except ValueError:
            continue
    return False


def metrics_view(request):
    """``GET /metrics``: a 404 to any address outside ``METRICS_ALLOWED_IPS``."""
    if not address_allowed(client_address(request)):
        raise Http404
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        for collector in (REQUEST_LATENCY, REQUESTS, LOGIN_FAILURES):
            registry.register(collector)
    registry.register(DatabaseCollector())
    response = HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response
