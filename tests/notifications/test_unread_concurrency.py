"""On PostgreSQL: the unread count in every page's header equals the person's unread inbox rows,
whatever two transactions did to that inbox at once. (SQLite runs one writer at a time and cannot
show a race.)

The second transaction is held at the count until the first commits, which is the interleaving in
which a count computed from the second's older view of the inbox would miss the first's rows."""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from qinhuai_talent.notifications.models import Channel, Notification
from qinhuai_talent.notifications.services import notification_mark_read

from .conftest import tell

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


# Every way the inbox's unread rows change: a new notice, and reading one or all of them.
STEPS = {
    "told": lambda user, n: tell(user, f"step-{n}"),
    "reads one": lambda user, n: notification_mark_read(
        actor=user,
        notification_id=Notification.objects.filter(recipient=user, channel=Channel.INBOX, read_at__isnull=True)
        .order_by("pk")[n % 2]
        .pk,
    ),
    "reads all": lambda user, n: notification_mark_read(actor=user),
}


def _waiting_on_a_lock(pid: int) -> bool:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return bool(row) and row[0] == "Lock"


@pytest.mark.parametrize("second", STEPS)
@pytest.mark.parametrize("first", STEPS)
def test_the_count_sees_a_transaction_that_committed_while_it_waited(office, first, second):
    for key in ("a", "b", "c"):
        tell(office, key)
    first_done, release = threading.Event(), threading.Event()
    second_pid, errors = [], []

    def run_first():
        try:
            with transaction.atomic():
                STEPS[first](office, 1)
                first_done.set()
                release.wait(timeout=30)
        except Exception as exc:  # asserted below
            errors.append(exc)
            first_done.set()
        finally:
            connection.close()

    def run_second():
        try:
            first_done.wait(timeout=30)
            second_pid.append(connection.cursor().connection.info.backend_pid)
            with transaction.atomic():
                STEPS[second](office, 2)
        except Exception as exc:  # asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run_first), threading.Thread(target=run_second)]
    for t in threads:
        t.start()
    # The second transaction reaches the count and waits for the first's lock on the person's row.
    deadline = time.monotonic() + 20
    while not (second_pid and _waiting_on_a_lock(second_pid[0])) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert second_pid and _waiting_on_a_lock(second_pid[0]), "the second transaction never waited for the first"
    release.set()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors
    office.refresh_from_db()
    unread = Notification.objects.filter(recipient=office, channel=Channel.INBOX, read_at__isnull=True).count()
    assert office.unread_notifications == unread
