"""The scale generator and the three recompute implementations of the benchmark.

Speed is measured by ``make bench``, never here: these tests prove that the data set is
proportional and complete, and that the engine, the naive loop and the floor decide alike.
"""

from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from bench import digest, naive
from bench.seed import BASE, counts_for
from enterprises.models import Enterprise, OperatingReport
from funding.models import Agreement, LedgerEntry, Milestone, Tranche
from qinhuai_talent.core.chains import transition_chain
from qinhuai_talent.core.jobs import job_run
from qinhuai_talent.core.models import ChainHead, Job, JobState, TransitionLog
from talents.models import Application, ReviewAssignment, Talent

AS_OF = date(2026, 11, 28)
TINY = 0.002


def seed(scale: float = TINY) -> None:
    call_command("seed_scale", scale=scale, as_of=AS_OF.isoformat(), verbosity=0)


def run_engine(kind: str) -> dict:
    job = job_run(Job.objects.create(kind=kind, params={"as_of": AS_OF.isoformat()}).pk)
    assert job.state == JobState.SUCCEEDED, job.message
    return job.counts


class Rollback(Exception):
    pass


def rolled_back(func):
    """Run ``func`` (returning a digest) and undo its writes, as the bench does."""
    out = {}
    try:
        with transaction.atomic():
            out["digest"] = func()
            raise Rollback
    except Rollback:
        pass
    return out["digest"]


@pytest.mark.django_db
def test_tiny_scale_is_proportional_to_city_scale():
    seed()
    n = counts_for(TINY)
    assert Talent.objects.count() == n["talents"] == round(BASE["talents"] * TINY)
    assert Application.objects.count() == n["applications"]
    assert ReviewAssignment.objects.count() == 4 * n["applications"]
    assert Enterprise.objects.count() == n["enterprises"]
    # About 40 quarters per enterprise (2,000,000 / 50,000), with gaps and early stops.
    per_enterprise = OperatingReport.objects.count() / n["enterprises"]
    assert 32 <= per_enterprise <= 48
    assert Agreement.objects.count() == n["agreements"]
    assert Tranche.objects.count() == 4 * n["agreements"]
    assert Milestone.objects.count() == 10 * n["agreements"]
    assert LedgerEntry.objects.count() == n["ledger"]


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="the refusal is SQLite's; PostgreSQL would seed the city")
def test_seed_scale_refuses_a_big_scale_on_sqlite():
    with pytest.raises(CommandError, match="needs PostgreSQL"):
        call_command("seed_scale", scale=1, verbosity=0)


@pytest.mark.django_db
def test_seed_scale_refuses_a_second_seed():
    seed()
    with pytest.raises(CommandError, match="already holds"):
        seed()


def logged_since(since: int) -> int:
    return TransitionLog.objects.filter(pk__gt=since).count()


def chain_problems(since: int) -> list[str]:
    """Each log row written after ``since``: its hash is the hash of its payload, it links to its
    record's previous row, and its record's chain head points at it."""
    problems = []
    for row in TransitionLog.objects.filter(pk__gt=since).order_by("id"):
        if row.hash != row.compute_hash():
            problems.append(f"row {row.pk}: hash")
        before = (
            TransitionLog.objects.filter(content_type_id=row.content_type_id, object_id=row.object_id, pk__lt=row.pk)
            .order_by("-at", "-id")
            .first()
        )
        if row.prev_hash != (before.hash if before else ""):
            problems.append(f"row {row.pk}: previous link")
        head = ChainHead.objects.get(chain=transition_chain(row.content_type_id, row.object_id))
        if (head.last_id, head.last_hash) != (row.pk, row.hash):
            problems.append(f"row {row.pk}: chain head")
    return problems


@pytest.mark.django_db
def test_naive_loop_and_engine_decide_and_log_the_same_payouts_and_exit_flags():
    seed()
    active = list(Agreement.objects.filter(state="active").order_by("pk").values_list("pk", flat=True))
    since = digest.log_mark()
    naive_payouts = rolled_back(
        lambda: naive.naive_payouts(agreement_ids=active, as_of=AS_OF) and digest.payouts_digest(active, since)
    )
    first = run_engine("recompute_payouts")
    assert first["rows_written"] > 0
    assert logged_since(since) > 0  # the recompute moved states, each logged
    assert digest.payouts_digest(active, since) == naive_payouts
    rerun_since = digest.log_mark()
    assert run_engine("recompute_payouts")["rows_written"] == 0
    assert logged_since(rerun_since) == 0

    scoped = list(Agreement.objects.filter(state__in=("active", "suspended")).values_list("pk", flat=True))
    since = digest.log_mark()
    naive_flags = rolled_back(
        lambda: naive.naive_exit_flags(agreement_ids=scoped, as_of=AS_OF) and digest.exit_digest(scoped, since)
    )
    run_engine("recompute_exit_flags")
    assert logged_since(since) > 0
    assert digest.exit_digest(scoped, since) == naive_flags


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_floor_statements_decide_and_log_what_the_engine_decides_and_logs():
    from bench import floor

    seed()
    since = digest.log_mark()

    def floor_run(statement, digest_of):
        result = statement(as_of=AS_OF)
        assert result["log_rows"] == logged_since(since) > 0
        assert chain_problems(since) == []
        return digest_of(None, since)

    floor_payouts = rolled_back(lambda: floor_run(floor.floor_payouts, digest.payouts_digest))
    run_engine("recompute_payouts")
    assert digest.payouts_digest(None, since) == floor_payouts
    assert chain_problems(since) == []
    since = digest.log_mark()
    floor_flags = rolled_back(lambda: floor_run(floor.floor_exit_flags, digest.exit_digest))
    run_engine("recompute_exit_flags")
    assert digest.exit_digest(None, since) == floor_flags
    assert chain_problems(since) == []


@pytest.mark.django_db
def test_filing_window_fanout_tells_every_owing_enterprise_once():
    from bench import fanout
    from enterprises import selectors
    from enterprises.services import filings_remind
    from qinhuai_talent.notifications.models import Notification

    seed()
    pairs = fanout.accounts()
    assert len(pairs) == Enterprise.objects.count() and all(account for _e, account in pairs)
    assert fanout.accounts() == pairs  # a second call creates no second account
    day, (year, quarter) = fanout.window_day(AS_OF.isoformat())
    assert selectors.last_ended_quarter(day) == (year, quarter)
    assert (selectors.filing_window(year, quarter)[1] - day).days == 5
    owing = selectors.filing_obliged(Enterprise.objects.all(), year, quarter).count()
    filings_remind(today=day)
    closing = Notification.objects.filter(event="filing_window_closing")
    assert closing.filter(channel="inbox").count() == owing > 0
    assert closing.filter(channel="email").count() == owing
    rows = Notification.objects.count()
    filings_remind(today=day)
    assert Notification.objects.count() == rows  # the rerun writes no row (its return counts the attempts)


@pytest.mark.django_db
def test_the_fanout_counts_what_the_reminder_wrote_and_the_mail_folder_holds(tmp_path, settings):
    """The fan-out's figures count the reminder's own rows, whoever wrote them, and every message
    in the file backend's folder (several a file): on a reused seed an earlier run's rows are
    cleared first, so the run writes and counts all of them again."""
    from django.core.mail import EmailMessage, get_connection

    from bench import fanout
    from enterprises.services import filings_remind
    from qinhuai_talent.notifications.models import Channel, Notification
    from qinhuai_talent.notifications.tasks import deliver_one

    seed()
    fanout.accounts()
    day, _quarter = fanout.window_day(AS_OF.isoformat())
    written = filings_remind(today=day)
    assert written > 0
    other = Notification.objects.create(
        recipient_id=Notification.objects.values_list("recipient_id", flat=True).first(),
        channel=Channel.INBOX,
        event="filing_window_closing",
        key="filing:other-period",
        params={"period": "2001Q1"},
    )
    rows = fanout.reminder_rows(day)
    assert rows.count() == written  # the rows it wrote, not the one of another period
    # The file backend of the embedded mode, one connection per message, many messages a file.
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    emails = list(rows.filter(channel=Channel.EMAIL).values_list("pk", flat=True))
    assert all(deliver_one(pk) for pk in emails)
    assert fanout._emails(tmp_path) == len(emails) == rows.filter(delivered_at__isnull=False, channel="email").count()
    # One file holds every message its connection wrote: the folder's messages are counted, not files.
    folder = tmp_path / "one-connection"
    with get_connection(file_path=str(folder)) as connection_:
        connection_.send_messages([EmailMessage(f"第{n}封", "内容", to=["a@bench.invalid"]) for n in range(3)])
    assert len(list(folder.iterdir())) == 1 and fanout._emails(folder) == 3
    # A reused seed: the reminder already in the outbox is cleared, the other period's row kept.
    assert fanout.clear_reminder(day) == written
    assert not fanout.reminder_rows(day).exists() and Notification.objects.filter(pk=other.pk).exists()
    assert filings_remind(today=day) == written == fanout.reminder_rows(day).count()


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_filing_floor_writes_the_row_the_portal_reads_as_a_filing():
    from bench import fanout
    from bench.floor_wsgi import FILING
    from enterprises import selectors

    seed()
    pairs = fanout.accounts()
    day, (year, quarter) = fanout.window_day(AS_OF.isoformat())
    enterprise, account = next(
        (e, a)
        for e, a in pairs
        if e in set(selectors.filing_obliged(Enterprise.objects.all(), year, quarter).values_list("pk", flat=True))
    )
    figures = {"sales": "1.00", "main_revenue": "1.00", "net_profit": "0.00", "tax_paid": "0.00", "employees": 3,
               "insured_employees": 2, "rnd_spend": "0.00", "patents_filed": 0, "patents_granted": 0}  # fmt: skip
    filing = {"enterprise": enterprise, "account": account, "year": year, "quarter": quarter}
    with connection.cursor() as cursor:
        cursor.execute(FILING, filing | figures)
    filed = selectors.with_first_filing(Enterprise.objects.filter(pk=enterprise), year, quarter).get()
    assert filed.first_filed_at is not None
    report = OperatingReport.objects.get(enterprise_id=enterprise, year=year, quarter=quarter)
    assert (report.is_current, report.version, report.submitted_by_id) == (True, 1, account)
