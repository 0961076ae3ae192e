"""The filing window at city scale (issue 16): the reminder fan-out and the filings' last days.

Every enterprise gets an enterprise account (the seed has none), and the portal's day is set to
five days before the window of the quarter in progress at ``as_of`` closes (``PORTAL_AS_OF`` for
the processes the bench starts), when nobody has filed that quarter yet:

- reminder fan-out: ``filings_remind`` in a process of its own, with the portal's Celery app on the
  bench's broker, writes the "5 days left" notifications (and the late ones of the quarter before);
  a worker of the portal's Celery app (2 processes) delivers them to the file email backend.
  The reminder's rows left by an earlier run (a reused seed) are deleted first. Figures: seconds
  to write the outbox, seconds until nothing is pending, the reminder's rows by event and channel
  (counted by event and quarter, whoever wrote them), the messages in the mail folder (several a
  file) beside the e-mail rows the outbox marks delivered; then the same reminder again, which
  must write 0 rows and send no email.
- filing submission: ``POST /api/v1/operating-reports/`` under concurrent load, each request the
  quarter's filing of another enterprise with that enterprise's own token, beside the floor's one
  ``INSERT`` of the same row (``bench/floor_wsgi.py``, ``/filing/``). The quarter's filings are
  deleted before each run, so every run files version 1 for enterprises that have not filed.

``python -m bench.fanout remind 2027-01-15`` is the reminder's process (prints JSON).
"""

# The bench starts its own processes (celery, gunicorn) with fixed argument lists.
# ruff: noqa: S603

import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PASSWORD_UNUSABLE = "!bench"


def window_day(as_of: str) -> tuple[datetime.date, tuple[int, int]]:
    """Five days before the window of the quarter in progress at ``as_of`` closes, and that quarter."""
    from enterprises import selectors
    from enterprises.services import CLOSING_REMINDER_DAYS

    quarter = selectors.quarter_of(datetime.date.fromisoformat(as_of))
    _opens, closes = selectors.filing_window(*quarter)
    return closes - datetime.timedelta(days=CLOSING_REMINDER_DAYS), quarter


def accounts() -> list[tuple[int, int]]:
    """(enterprise, account) for every enterprise, creating the accounts the seed did not."""
    from django.db import transaction
    from django.db.models import CharField, OuterRef, Subquery, Value
    from django.db.models.functions import Cast, Concat

    from enterprises.models import Enterprise
    from qinhuai_talent.core.models import Role, User

    missing = list(Enterprise.objects.filter(account__isnull=True).values_list("pk", flat=True))
    with transaction.atomic():
        User.objects.bulk_create(
            [
                User(
                    username=f"bench-enterprise-{pk}",
                    email=f"enterprise-{pk}@bench.invalid",
                    role=Role.ENTERPRISE,
                    password=PASSWORD_UNUSABLE,
                )
                for pk in missing
            ],
            batch_size=5000,
        )
        name = Concat(Value("bench-enterprise-"), Cast(OuterRef("pk"), CharField()))
        Enterprise.objects.filter(account__isnull=True).update(
            account_id=Subquery(User.objects.filter(username=name).values("pk")[:1])
        )
    return list(Enterprise.objects.order_by("pk").values_list("pk", "account_id"))


def tokens(users: list[int]) -> list[str]:
    """A knox token per user, written in bulk (what ``AuthToken.objects.create`` writes for one)."""
    from django.utils import timezone
    from knox import crypto
    from knox.models import AuthToken
    from knox.settings import CONSTANTS, knox_settings

    out, rows = [], []
    expiry = timezone.now() + knox_settings.TOKEN_TTL if knox_settings.TOKEN_TTL else None
    for user in users:
        token = knox_settings.TOKEN_PREFIX + crypto.create_token_string()
        key = token[: CONSTANTS.TOKEN_KEY_LENGTH]
        rows.append(AuthToken(token_key=key, digest=crypto.hash_token(token), user_id=user, expiry=expiry))
        out.append(token)
    AuthToken.objects.bulk_create(rows, batch_size=5000)
    return out


def _pending() -> int:
    from qinhuai_talent.notifications.models import Channel, Notification

    return (
        Notification.objects.exclude(channel=Channel.INBOX)
        .filter(delivered_at__isnull=True, gave_up_at__isnull=True)
        .count()
    )


# The events ``enterprises.services.filings_remind`` sends (window open, 5 days left, late).
REMINDER_EVENTS = ("filing_window_open", "filing_window_closing", "filing_late")


def reminder_rows(day: datetime.date):
    """The outbox rows of the reminder ``filings_remind`` sends on ``day`` (its events, for the two
    quarters it reads), whichever process wrote them: what the figures count, rather than the
    difference of a table count around the run (which says 0 when an earlier, interrupted run on a
    reused seed already wrote them) or every row after a given id."""
    from enterprises import selectors
    from qinhuai_talent.notifications.models import Notification

    latest = selectors.last_ended_quarter(day)
    periods = [f"{y}Q{q}" for y, q in (latest, selectors.previous_quarter(*latest))]
    return Notification.objects.filter(event__in=REMINDER_EVENTS, params__period__in=periods)


def clear_reminder(day: datetime.date) -> int:
    """Delete the reminder's rows left by an earlier run (a reused seed), so that this run writes
    and delivers all of them; the recipients' unread counts are recounted. Returns the rows deleted."""
    from django.db import transaction

    from qinhuai_talent.notifications.services import unread_recount

    rows = reminder_rows(day)
    with transaction.atomic():
        users = set(rows.values_list("recipient_id", flat=True))
        deleted, _by_model = rows.delete()
        if users:
            unread_recount(users)
    return deleted


def _remind(day: datetime.date, env: dict) -> dict:
    """``filings_remind`` in its own process: its seconds, the rows it attempted (its return value,
    which counts a row the outbox already holds too) and the reminder's rows it wrote (counted)."""
    from bench.run import PY, ROOT

    before = reminder_rows(day).count()
    out = subprocess.run(
        [PY, "-m", "bench.fanout", "remind", day.isoformat()], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if out.returncode:
        raise SystemExit(f"filings_remind failed:\n{out.stderr[-3000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return result | {"written": reminder_rows(day).count() - before}


def _wait_delivered(timeout: float) -> float:
    """Seconds until no email or SMS is pending (polled every 0.2 s)."""
    started = time.perf_counter()
    deadline = time.time() + timeout
    while _pending() and time.time() < deadline:
        time.sleep(0.2)
    if _pending():
        raise SystemExit(f"{_pending()} notifications still pending after {timeout:.0f} s")
    return time.perf_counter() - started


def _emails(folder: Path) -> int:
    """Messages in the file backend's folder: each ends with a line of 79 dashes (a file holds
    every message one connection object wrote in the same second)."""
    rule = "-" * 79
    return sum(line.rstrip("\n") == rule for f in folder.iterdir() for line in f.open(encoding="utf-8"))


def reminder_fanout(day: datetime.date, env: dict, mail: Path, workers: int = 2) -> dict:
    from django.db.models import Count

    from bench.run import PY, ROOT, log, stop
    from qinhuai_talent.notifications.models import Channel

    cleared = clear_reminder(day)
    if cleared:
        log(f"fan-out: {cleared} rows of this reminder left by an earlier run deleted first")
    worker = subprocess.Popen(
        [PY, "-m", "celery", "-A", "qinhuai_talent", "worker", "-c", str(workers), "-P", "prefork", "-l", "WARNING",
         "-n", f"bench-mail{workers}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        time.sleep(3)  # the worker connects; messages sent before wait in the queue anyway
        log(f"fan-out: filings_remind on {day} with a worker of {workers} processes")
        started = time.perf_counter()
        first = _remind(day, env)
        delivered = first["seconds"] + _wait_delivered(3600)
        total = time.perf_counter() - started
        emails = _emails(mail)
        log("fan-out: the same reminder again")
        rerun = _remind(day, env)
        time.sleep(3)  # anything it enqueued would be delivered by now
        rerun_emails = _emails(mail) - emails
    finally:
        stop(worker)
    rows = reminder_rows(day)
    delivered_emails = rows.filter(channel=Channel.EMAIL, delivered_at__isnull=False).count()
    out = {
        "day": day.isoformat(),
        "cleared_before": cleared,
        "notifications": first["written"],
        "attempted": first["rows"],
        "by_event_and_channel": {
            f"{r['event']} {r['channel']}": r["n"]
            for r in rows.values("event", "channel").annotate(n=Count("pk")).order_by("event", "channel")
        },
        "create_seconds": round(first["seconds"], 2),
        "deliver_seconds": round(delivered, 2),
        "wall_seconds": round(total, 2),
        "workers": workers,
        "emails": emails,
        "emails_delivered": delivered_emails,
        "undelivered": _pending(),
        "rerun_rows": rerun["written"],
        "rerun_attempted": rerun["rows"],
        "rerun_seconds": round(rerun["seconds"], 2),
        "rerun_emails": rerun_emails,
    }
    if emails != delivered_emails:
        # The outbox says these were sent, the folder holds fewer: another worker on the same
        # broker (one left from an interrupted run) took some of the tasks to its own folder.
        out["note"] = (
            f"{delivered_emails} e-mail rows delivered but {emails} messages in this run's folder: "
            "another worker consumed the bench's broker; the delivery figures are not this run's alone"
        )
        log(f"fan-out: {out['note']}")
    return out


def filing_load(day: datetime.date, quarter: tuple[int, int], pairs: list[tuple[int, int]], env: dict) -> dict:
    """The quarter's filings under load, portal and floor alternated, REPEAT runs each."""
    from django.db import connection

    from bench.run import PY, REPEAT, ROOT, _free_port, _load_figures, _post_load, _wait_port, log, spread, stop
    from enterprises import selectors

    year, q = quarter
    obliged = set(
        selectors.filing_obliged(
            __import__("enterprises.models", fromlist=["Enterprise"]).Enterprise.objects.all(), year, q
        ).values_list("pk", flat=True)
    )
    pairs = [(e, a) for e, a in pairs if e in obliged]
    log(f"filing: tokens for {len(pairs)} enterprise accounts")
    keys = tokens([a for _e, a in pairs])
    figures = {"sales": "1250000.00", "main_revenue": "1180000.00", "net_profit": "86000.00", "tax_paid": "41000.00",
               "employees": 23, "insured_employees": 21, "rnd_spend": "150000.00", "patents_filed": 1,
               "patents_granted": 0}  # fmt: skip

    def portal_request(i: int):
        _e, _a = pairs[i % len(pairs)]
        body = {"period_kind": "quarter", "year": year, "quarter": q, **figures}
        headers = {"Authorization": f"Token {keys[i % len(keys)]}", "Content-Type": "application/json",
                   "Host": "127.0.0.1"}  # fmt: skip
        return headers, json.dumps(body).encode()

    def floor_request(i: int):
        enterprise, account = pairs[i % len(pairs)]
        body = {"enterprise": enterprise, "account": account, "year": year, "quarter": q, **figures}
        return {"Content-Type": "application/json"}, json.dumps(body).encode()

    def clear():
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM enterprises_operatingreport WHERE period_kind = 'quarter' AND year = %s AND quarter = %s",
                [year, q],
            )

    gunicorn = [PY, "-m", "gunicorn", "-w", "2", "--preload", "--log-level", "warning", "--timeout", "120"]
    port, floor_port = _free_port(), _free_port()
    portal = subprocess.Popen([*gunicorn, "-b", f"127.0.0.1:{port}", "qinhuai_talent.wsgi"], cwd=ROOT, env=env)
    floor_app = subprocess.Popen(
        [*gunicorn, "-b", f"127.0.0.1:{floor_port}", "bench.floor_wsgi:app"], cwd=ROOT, env=env
    )
    portal_runs, floor_runs, filed = [], [], []
    try:
        _wait_port(port, portal)
        _wait_port(floor_port, floor_app)
        # warm both (each worker loaded and connected), then start from no filing
        _post_load(f"http://127.0.0.1:{port}/api/v1/operating-reports/", portal_request, limit=8)
        clear()
        _post_load(f"http://127.0.0.1:{floor_port}/filing/", floor_request, limit=8)
        for i in range(REPEAT):
            log(f"filing: POST /api/v1/operating-reports/ and the floor's INSERT ({i + 1}/{REPEAT})")
            clear()
            url = f"http://127.0.0.1:{port}/api/v1/operating-reports/"
            portal_runs.append(_post_load(url, portal_request, limit=len(pairs)))
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM enterprises_operatingreport WHERE year = %s AND quarter = %s", [year, q]
                )
                filed.append(cursor.fetchone()[0])
            clear()
            floor_runs.append(_post_load(f"http://127.0.0.1:{floor_port}/filing/", floor_request, limit=len(pairs)))
        clear()
    finally:
        for proc in (portal, floor_app):
            stop(proc, 30)
    return _load_figures(portal_runs, floor_runs) | {
        "path": "POST /api/v1/operating-reports/",
        "quarter": f"{year}Q{q}",
        "day": day.isoformat(),
        "accounts": len(pairs),
        "filed": spread(filed, 0),
    }


def bench_fanout(as_of: str) -> dict:
    from bench.run import BROKER, ENV, log

    day, quarter = window_day(as_of)
    pairs = accounts()
    log(f"filing window: {len(pairs)} enterprise accounts, the portal's day {day} (5 days left for {quarter})")
    mail = Path(tempfile.mkdtemp(prefix="qinhuai_bench_mail_"))
    env = ENV | {
        "PORTAL_AS_OF": day.isoformat(),
        "CELERY_BROKER_URL": BROKER,
        "EMAIL_FILE_PATH": str(mail),
        "BENCH_FLOOR_DSN": ENV["DATABASE_URL"],
    }
    env.pop("EMAIL_URL", None)
    try:
        out = {"reminders": reminder_fanout(day, env, mail)}
    finally:
        shutil.rmtree(mail, ignore_errors=True)
    out["filing"] = filing_load(day, quarter, pairs, env)
    return out


def _remind_main(day: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qinhuai_talent.settings.main")
    import django

    django.setup()
    from enterprises.services import filings_remind

    started = time.perf_counter()
    rows = filings_remind(today=datetime.date.fromisoformat(day))
    print(json.dumps({"rows": rows, "seconds": time.perf_counter() - started}))


if __name__ == "__main__":
    if sys.argv[1:2] == ["remind"]:
        _remind_main(sys.argv[2])
