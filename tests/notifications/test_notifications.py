"""The notification service (issue 16, item 6): one outbox row per recipient and channel, written
in the caller's transaction, delivered after commit exactly once, retried on failure, never
failing the change that raised it; the inbox page and API show the same items, own only."""

import re

import pytest
from django.core import mail
from django.db import transaction
from django.utils import translation

from qinhuai_talent.notifications import tasks
from qinhuai_talent.notifications.events import EVENTS, render
from qinhuai_talent.notifications.models import Channel, Notification
from qinhuai_talent.notifications.services import notification_mark_read, notify, preferences_set
from talents import services as talent_services
from tests.domain import raises_domain
from tests.talents.factories import ApplicationFactory, CallFactory

from .conftest import tell

pytestmark = pytest.mark.django_db


class Broken:
    """An SMS provider that is down."""

    def send(self, *, number, text):
        raise ConnectionError("SMS gateway unreachable")


class Recorded:
    sent: list = []

    def send(self, *, number, text):
        Recorded.sent.append((number, text))


@pytest.fixture
def reachable(office, settings):
    office.email, office.phone = "office@example.cn", "13800000001"
    office.save()
    settings.SMS_BACKEND = "tests.notifications.test_notifications.Recorded"
    Recorded.sent = []
    return office


def test_one_row_per_recipient_and_channel_and_a_key_is_told_once(
    reachable, street_officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        written = tell(reachable)
        tell(reachable)  # the same occurrence again: nothing new
    assert written == 2  # job_failed: inbox and email
    rows = Notification.objects.filter(key="k1")
    assert sorted(rows.values_list("channel", flat=True)) == ["email", "inbox"]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["office@example.cn"]
    # A delivery task run again (a redelivered message) sends nothing twice.
    tasks.deliver(["k1"])
    tasks.retry_pending()
    assert len(mail.outbox) == 1
    reachable.refresh_from_db()
    assert reachable.unread_notifications == 1


def test_rows_are_written_in_the_callers_transaction_and_vanish_with_its_rollback(reachable):
    with transaction.atomic():
        tell(reachable)
        transaction.set_rollback(True)
    assert not Notification.objects.exists()
    reachable.refresh_from_db()
    assert reachable.unread_notifications == 0


def test_a_failing_smtp_server_never_fails_the_change_and_the_message_is_retried(
    reachable, street_officer, monkeypatch, settings, django_capture_on_commit_callbacks, caplog
):
    """The business change commits; the email stays in the outbox with the error, logged, and goes
    out on a later attempt once the server answers."""
    reachable.email = ""
    reachable.save()
    street_officer.email = "street@example.cn"
    street_officer.save()
    settings.EMAIL_BACKEND = "tests.notifications.smtp_down.EmailBackend"
    app = ApplicationFactory(call=CallFactory())
    from tests.talents.helpers import pdf

    talent_services.attachment_add(actor=street_officer, application_id=app.pk, kind="business_plan", upload=pdf())
    with django_capture_on_commit_callbacks(execute=True):
        talent_services.application_transition(application_id=app.pk, action="submit", actor=street_officer)
    app.refresh_from_db()
    assert app.state == "submitted"
    row = Notification.objects.get(event="application_new_in_unit", channel=Channel.EMAIL)
    assert row.is_pending and row.attempts == 1 and "refused" in row.last_error
    assert "failed on attempt 1" in caplog.text
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    Notification.objects.filter(pk=row.pk).update(next_attempt_at=None)
    assert tasks.retry_pending() == 1
    row.refresh_from_db()
    assert row.delivered_at is not None and len(mail.outbox) == 1


def test_an_sms_backend_that_raises_never_fails_the_change(reachable, settings, django_capture_on_commit_callbacks):
    settings.SMS_BACKEND = "tests.notifications.test_notifications.Broken"
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            event="application_received",
            recipients=[reachable],
            key="a1",
            params={"call": "c", "venture": "v", "unit": "u"},
        )
    sms = Notification.objects.get(key="a1", channel=Channel.SMS)
    assert sms.is_pending and "unreachable" in sms.last_error
    assert Notification.objects.get(key="a1", channel=Channel.EMAIL).delivered_at is not None


def test_a_message_gives_up_after_the_last_attempt(reachable, settings):
    settings.SMS_BACKEND = "tests.notifications.test_notifications.Broken"
    settings.NOTIFY_MAX_ATTEMPTS = 2
    notify(event="application_received", recipients=[reachable], key="a2", params={}, channels=[Channel.SMS])
    for _ in range(3):
        Notification.objects.filter(key="a2").update(next_attempt_at=None)
        tasks.retry_pending()
    sms = Notification.objects.get(key="a2")
    assert sms.attempts == 2 and sms.gave_up_at is not None


def test_preferences_turn_channels_off_but_not_the_inbox_nor_a_one_time_code(reachable):
    preferences_set(actor=reachable, enabled={"email": False, "sms": False})
    tell(reachable, key="p1")
    assert list(Notification.objects.filter(key="p1").values_list("channel", flat=True)) == ["inbox"]
    notify(event="account_code", recipients=[reachable], key="code1", params={"code": "123456", "minutes": 10})
    assert set(Notification.objects.filter(key="code1").values_list("channel", flat=True)) == {"email", "sms"}

    with raises_domain("inbox_mandatory"):
        preferences_set(actor=reachable, enabled={"inbox": False})


def test_messages_are_written_in_the_recipients_language_chinese_by_default(
    reachable, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        tell(reachable, key="l1")
    preferences_set(actor=reachable, enabled={}, language="en")
    with django_capture_on_commit_callbacks(execute=True):
        tell(reachable, key="l2")
    zh, en = mail.outbox
    assert re.search(r"[\u4e00-\u9fff]", zh.subject + zh.body)
    assert "failed" in en.body and not re.search(r"[\u4e00-\u9fff]", en.body.replace("秦淮人才", ""))


@pytest.mark.parametrize("event", sorted(EVENTS))
def test_every_event_reads_in_chinese_and_in_english(event):
    """Every registered event has a Chinese text of its own and renders its parameters in both."""
    params = {k: f"<{k}>" for k in re.findall(r"%\((\w+)\)s", str(EVENTS[event].body))}
    zh = render(event, params, "zh-hans")
    en = render(event, params, "en")
    assert zh != en and re.search(r"[\u4e00-\u9fff]", zh[0]) and re.search(r"[\u4e00-\u9fff]", zh[1])
    for name in params:
        assert f"<{name}>" in zh[1] and f"<{name}>" in en[1]


def test_a_model_parameter_is_kept_in_both_languages(reachable, units):
    from qinhuai_talent.core.models import OrgUnit

    unit = OrgUnit.objects.get(code="fuzimiao")
    notify(
        event="assessment_published",
        recipients=[reachable],
        key="g1",
        params={"unit": unit, "year": 2017, "score": "90", "grade": "优秀"},
    )
    row = Notification.objects.get(key="g1", channel=Channel.INBOX)
    with translation.override("en"):
        assert unit.name_en in row.body
    with translation.override("zh-hans"):
        assert unit.name in row.body


def test_inbox_page_header_count_and_mark_read(reachable, street_officer, web):
    tell(reachable, key="i1")
    tell(reachable, key="i2")
    tell(street_officer, key="s1")
    client = web(reachable)
    page = client.get("/notifications/").content.decode()
    assert page.count('data-event="job_failed"') == 2
    assert 'id="unread-count">2' in page
    mine = Notification.objects.filter(recipient=reachable, channel=Channel.INBOX).first()
    other = Notification.objects.get(recipient=street_officer, channel=Channel.INBOX)
    assert client.post(f"/notifications/{other.pk}/read/").status_code == 404
    assert client.post(f"/notifications/{mine.pk}/read/").status_code == 302
    assert 'id="unread-count">1' in client.get("/reports/").content.decode()
    client.post("/notifications/read-all/")
    assert 'id="unread-count"' not in client.get("/").content.decode()
    other.refresh_from_db()
    assert other.read_at is None


def test_preferences_form_saves_channels_and_language(reachable, web):
    client = web(reachable)
    assert client.post("/notifications/preferences/", {"sms": "on", "language": "en"}).status_code == 302
    reachable.refresh_from_db()
    assert reachable.language == "en"
    assert set(reachable.channel_preferences.filter(enabled=False).values_list("channel", flat=True)) == {"email"}


def test_api_lists_own_items_filters_unread_and_marks_read(reachable, street_officer, api):
    tell(reachable, key="a")
    tell(reachable, key="b")
    tell(street_officer, key="c")
    client = api(reachable)
    body = client.get("/api/v1/notifications/").json()
    assert body["count"] == 2 and {r["event"] for r in body["results"]} == {"job_failed"}
    first = body["results"][0]["id"]
    assert client.post(f"/api/v1/notifications/{first}/read/").json()["unread"] is False
    assert client.get("/api/v1/notifications/?unread=true").json()["count"] == 1
    other = Notification.objects.get(recipient=street_officer, channel=Channel.INBOX).pk
    assert client.get(f"/api/v1/notifications/{other}/").status_code == 404
    assert client.post(f"/api/v1/notifications/{other}/read/").status_code == 404
    assert api().get("/api/v1/notifications/").status_code == 401


def test_unread_count_follows_the_inbox(reachable):
    for key in ("u1", "u2", "u3"):
        tell(reachable, key=key)
    notification_mark_read(actor=reachable, notification_id=Notification.objects.filter(channel="inbox").first().pk)
    reachable.refresh_from_db()
    unread = Notification.objects.filter(recipient=reachable, channel="inbox", read_at__isnull=True).count()
    assert reachable.unread_notifications == unread == 2


@pytest.mark.parametrize("as_of", ["2018-01-15", "2099-06-30"])
def test_the_sweep_sends_what_is_due_by_the_portals_own_clock(reachable, settings, as_of):
    """A message whose first attempt was lost (its task never ran) is due to the sweep at once,
    whatever day the portal runs on (PORTAL_AS_OF, in the past like the demo or ahead like the
    bench's filing window): the row's schedule and the sweep read the same clock."""
    settings.PORTAL_AS_OF = as_of
    tell(reachable, key="lost")  # no on-commit callback runs: the delivery task is lost
    email = Notification.objects.get(key="lost", channel=Channel.EMAIL)
    assert email.is_pending
    assert tasks.retry_pending() == 1
    email.refresh_from_db()
    assert email.delivered_at is not None and len(mail.outbox) == 1
