"""Beat's schedule as people read it, and the heartbeats of the processes that run the work.

- ``PortalScheduler`` (``celery beat -S qinhuai_talent.core.schedule:PortalScheduler``, set as
  the default in settings): Celery's persistent scheduler that also writes its heartbeat on every
  tick and, per entry, the time it last sent it. The jobs page and ``/readyz`` read them.
- ``WorkerHeartbeat``: a worker bootstep writing ``worker:<hostname>`` every
  ``WORKER_HEARTBEAT_SECONDS``; removed when the worker stops cleanly.
- ``schedule_rows``: every entry of ``CELERY_BEAT_SCHEDULE`` with what it runs, when (in the
  portal's time zone, Asia/Shanghai), its last run and its next.
"""

import logging
from datetime import timedelta

from celery import bootsteps
from celery.beat import PersistentScheduler
from celery.schedules import crontab
from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

log = logging.getLogger(__name__)

# What each entry is for, in the reader's language (entries without a label show their name).
LABELS = {
    "nightly-recompute": _("Recompute enterprise figures, then payouts, then exit flags"),
    "nightly-recompute-assessments": _("Recompute the assessments"),
    "nightly-verify-audit": _("Verify the audit chains"),
    "sweep-stuck-jobs": _("Re-enqueue jobs whose message was lost or whose worker died"),
    "remind-reviews-due": _("Remind experts of reviews coming due"),
    "remind-filings": _("Tell enterprises of their quarter's filing window: open, 5 days left, late"),
    "retry-notifications": _("Send again the notifications that failed (the outbox sweep)"),
    "remind-overdue-service-requests": _("Tell units and providers of service requests past their deadline"),
}
# How late an entry may be before /readyz calls it overdue (beat sleeps at most its loop interval).
OVERDUE_GRACE = timedelta(minutes=10)


def beat_seen(key: str) -> None:
    """Write one heartbeat now; a database that is down is logged, never raised into Celery."""
    from .models import Heartbeat

    try:
        if not connection.in_atomic_block:  # a long-lived process: drop a connection the server closed
            close_old_connections()
        Heartbeat.objects.update_or_create(key=key, defaults={"seen_at": timezone.now()})
    except Exception:
        log.warning("could not write heartbeat %s", key, exc_info=True)


def beat_forget(key: str) -> None:
    from .models import Heartbeat

    try:
        Heartbeat.objects.filter(key=key).delete()
    except Exception:
        log.warning("could not remove heartbeat %s", key, exc_info=True)


class PortalScheduler(PersistentScheduler):
    def tick(self, *args, **kwargs):
        beat_seen("beat")
        return super().tick(*args, **kwargs)

    def apply_async(self, entry, producer=None, advance=True, **kwargs):
        result = super().apply_async(entry, producer=producer, advance=advance, **kwargs)
        beat_seen(f"schedule:{entry.name}")
        return result


class WorkerHeartbeat(bootsteps.StartStopStep):
    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker, **kwargs):
        self.tref = None
        self.key = f"worker:{worker.hostname}"

    def start(self, worker):
        beat_seen(self.key)
        self.tref = worker.timer.call_repeatedly(settings.WORKER_HEARTBEAT_SECONDS, beat_seen, (self.key,))

    def stop(self, worker):
        if self.tref is not None:
            self.tref.cancel()
            self.tref = None
        beat_forget(self.key)


def describe(schedule) -> str:
    """“Every day at 01:00”, “Every 5 minutes”: the schedule in the reader's language."""
    if isinstance(schedule, crontab):
        hours, minutes = sorted(schedule.hour), sorted(schedule.minute)
        every_day = (len(schedule.day_of_week), len(schedule.day_of_month), len(schedule.month_of_year))
        daily = every_day == (7, 31, 12)
        if daily and len(hours) == 1 and len(minutes) == 1:
            return str(_("Every day at %(time)s")) % {"time": f"{hours[0]:02d}:{minutes[0]:02d}"}
        return str(schedule)
    if isinstance(schedule, timedelta):
        seconds = schedule.total_seconds()
    else:
        seconds = float(getattr(schedule, "seconds", schedule))
    if seconds % 86400 == 0:
        return str(_("Every %(n)d day(s)")) % {"n": seconds // 86400}
    if seconds % 3600 == 0:
        return str(_("Every %(n)d hour(s)")) % {"n": seconds // 3600}
    if seconds % 60 == 0:
        return str(_("Every %(n)d minutes")) % {"n": seconds // 60}
    return str(_("Every %(n)d seconds")) % {"n": seconds}


def _celery_schedule(value):
    """The entry's schedule bound to the portal's Celery app (its time zone), as beat binds it."""
    from celery.schedules import maybe_schedule

    from qinhuai_talent.celery import app

    return maybe_schedule(value, app=app)


def schedule_rows() -> list[dict]:
    """Every beat entry: name, label, when, kinds it starts, last run (as beat sent it), next run
    and whether it is overdue. One query for all the last runs."""
    from .jobs import JOB_KINDS
    from .models import Heartbeat

    entries = settings.CELERY_BEAT_SCHEDULE
    last_runs = dict(
        Heartbeat.objects.filter(key__in=[f"schedule:{name}" for name in entries]).values_list("key", "seen_at")
    )
    now = timezone.now()
    rows = []
    for name, entry in entries.items():
        sched = _celery_schedule(entry["schedule"])
        last = last_runs.get(f"schedule:{name}")
        # Celery reads a crontab's hours off the time it is given: give it in the schedule's zone.
        remaining = sched.remaining_estimate((last or now).astimezone(sched.tz))
        next_run = now + max(remaining, timedelta(0))
        if isinstance(sched, crontab):  # on a minute boundary (the estimate drifts by the time taken)
            next_run = (next_run + timedelta(seconds=30)).replace(second=0, microsecond=0)
        kwargs = entry.get("kwargs", {})
        kinds = kwargs.get("kinds") or ([kwargs["kind"]] if "kind" in kwargs else [])
        rows.append(
            {
                "name": name,
                "label": LABELS.get(name, name),
                "when": describe(entry["schedule"]),
                "kinds": [JOB_KINDS[k].label if k in JOB_KINDS else k for k in kinds],
                "last_run": last,
                "next_run": next_run,
                "overdue": last is not None and remaining < -OVERDUE_GRACE,
            }
        )
    return rows
