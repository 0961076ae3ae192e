"""The one notification service: ``notify`` writes the outbox in the caller's transaction.

Delivery happens after commit (``tasks.deliver``), so a channel that fails (SMTP down, an SMS
provider raising) never fails or slows the business change that raised the event: the row
stays in the outbox and is retried (``tasks.retry_pending``) until it goes out or gives up.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from qinhuai_talent.core import clock
from qinhuai_talent.core.errors import DomainError
from qinhuai_talent.core.models import Role, User

from .events import EVENTS, freeze
from .models import Channel, ChannelPreference, Notification

log = logging.getLogger(__name__)


def _recipient_ids(recipients: Iterable) -> list[int]:
    ids = []
    for r in recipients or ():
        pk = getattr(r, "pk", r)
        if pk is not None and pk not in ids:
            ids.append(int(pk))
    return ids


@dataclass
class Message:
    """One occurrence of an event for ``notify_many``."""

    recipients: Iterable
    key: str
    params: dict = field(default_factory=dict)
    url: str = ""


def notify(
    *,
    event: str,
    recipients: Iterable,
    key: str,
    params: dict | None = None,
    url: str = "",
    channels: Iterable[str] | None = None,
    address: str = "",
) -> int:
    """Tell ``recipients`` (users or ids) of ``event``; returns the number of outbox rows written.

    ``key`` names the occurrence (e.g. ``application:12:returned:340``): a recipient hears of one
    key once per channel, however often the caller runs. ``channels`` narrows the event's own
    channels; the recipient's preferences narrow them further (except for mandatory events such
    as a one-time code). ``address`` sends to an address not yet on the account (a code that
    confirms it).
    """
    return notify_many(
        event=event,
        messages=[Message(recipients=recipients, key=key, params=params or {}, url=url)],
        channels=channels,
        address=address,
    )


def notify_many(
    *, event: str, messages: Iterable[Message], channels: Iterable[str] | None = None, address: str = ""
) -> int:
    """``notify`` for many occurrences of one event at once (a recompute's findings): a constant
    number of statements, whatever the number of messages."""
    spec = EVENTS.get(event)
    if spec is None:
        raise ValueError(f"unknown notification event {event!r}")
    wanted = [c for c in spec.channels if channels is None or c in set(channels)]
    messages = [(m, _recipient_ids(m.recipients)) for m in messages]
    ids = sorted({pk for _m, pks in messages for pk in pks})
    if not ids or not wanted:
        return 0
    # A one-time code reaches an account not yet active (the code is what activates it).
    accounts = User.objects.filter(pk__in=ids) if spec.mandatory else User.objects.filter(pk__in=ids, is_active=True)
    users = {u.pk: u for u in accounts.only("pk", "email", "phone")}
    off = set()
    if not spec.mandatory:
        off = set(ChannelPreference.objects.filter(user_id__in=ids, enabled=False).values_list("user_id", "channel"))
    now = clock.now()  # the story's stamp (an inbox row is delivered when created)
    rows = []
    for message, pks in messages:
        stored = {k: freeze(v) for k, v in message.params.items()}
        for pk in pks:
            user = users.get(pk)
            if user is None:
                continue
            for channel in wanted:
                if (pk, channel) in off:
                    continue
                to = ""
                if channel == Channel.EMAIL:
                    to = address if "@" in address else user.email
                elif channel == Channel.SMS:
                    to = address if address and "@" not in address else user.phone
                if channel != Channel.INBOX and not to:
                    continue
                rows.append(
                    Notification(
                        recipient_id=pk,
                        channel=channel,
                        event=event,
                        key=message.key[:120],
                        params=stored,
                        url=message.url,
                        address=to,
                        created_at=now,
                        # The inbox is the database itself: written is delivered.
                        delivered_at=now if channel == Channel.INBOX else None,
                        next_attempt_at=None if channel == Channel.INBOX else now,
                    )
                )
    if not rows:
        return 0
    with transaction.atomic():
        Notification.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
        inbox = {r.recipient_id for r in rows if r.channel == Channel.INBOX}
        if inbox:
            unread_recount(inbox)
    keys = sorted({r.key for r in rows if r.channel != Channel.INBOX})
    if keys:
        transaction.on_commit(lambda: _enqueue(keys))
    return len(rows)


def _enqueue(keys: list[str]) -> None:
    from .tasks import deliver

    try:
        for start in range(0, len(keys), 500):
            deliver.delay(keys[start : start + 500])
    except Exception:  # the broker is away: the retry sweep delivers the rows later
        log.warning("could not enqueue notification delivery for %s; the sweep will retry", keys[:3], exc_info=True)


def tell_notices(
    notices: Iterable,
    record,
    *,
    audiences: dict,
    params: dict,
    key: str,
    reason: str = "",
    actor: User | None = None,
) -> int:
    """Send the notices a workflow step declares (``Transition.notices``), each to its audience.
    ``audiences`` maps an audience's name to a callable giving its people (ids) and the page they
    open; ``params`` are what every message of the record names, each notice adding its own
    (``Notice.params(record, reason=)``). The person who took the step (``actor``) is not told.
    Returns the rows written."""
    told = 0
    for notice in notices:
        people, url = audiences[notice.audience]()
        recipients = [pk for pk in people if pk and pk != getattr(actor, "pk", None)]
        own = notice.params(record, reason=reason) if notice.params else {}
        told += notify(event=notice.event, recipients=recipients, key=key, params={**params, **own}, url=url)
    return told


def unread_recount(user_ids: Iterable[int]) -> None:
    """Set each user's unread count (shown in every page's header) from the inbox, in one counting statement.

    On PostgreSQL the inbox is counted once for all the users (one grouped scan joined to the
    users), not per user: a reminder to 50,000 enterprises inserts 50,000 rows in the transaction
    that recounts them, which the planner's statistics have not seen, so a per-user subquery was
    planned as a scan of the whole table for each user (minutes at the bench's S=1).

    Two transactions that tell one person at once (two recompute workers, an officer's step beside
    a nightly job) must not leave a count that misses one of them. The users' rows are locked first,
    in id order, with the lock the update itself takes (``FOR NO KEY UPDATE``: rows that only refer
    to a user, such as a new notification's, are not held up); under READ COMMITTED the counting
    statement after it then starts once any other transaction counting them has committed, and sees
    its rows. Counting in the locking statement itself would not: a statement that waited for a
    row lock re-reads that row, but counts the inbox as it was when the statement began."""
    ids = sorted(set(user_ids))
    if not ids:
        return
    if connection.vendor == "postgresql":
        users, inbox = User._meta.db_table, Notification._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM {users} WHERE id = ANY(%s::bigint[]) ORDER BY id FOR NO KEY UPDATE",  # noqa: S608 (the model's own table name)
                [ids],
            )
            cursor.execute(
                f"""UPDATE {users} AS u SET unread_notifications = COALESCE(c.n, 0)
                    FROM unnest(%s::bigint[]) AS t(id)
                    LEFT JOIN (SELECT recipient_id, count(*) AS n FROM {inbox}
                               WHERE channel = %s AND read_at IS NULL AND recipient_id = ANY(%s::bigint[])
                               GROUP BY recipient_id) AS c ON c.recipient_id = t.id
                    WHERE u.id = t.id AND u.unread_notifications IS DISTINCT FROM COALESCE(c.n, 0)""",  # noqa: S608 (the models' own table names)
                [ids, Channel.INBOX, ids],
            )
        return
    unread = (
        Notification.objects.filter(recipient=OuterRef("pk"), channel=Channel.INBOX, read_at__isnull=True)
        .order_by()
        .values("recipient")
        .annotate(n=Count("pk"))
        .values("n")
    )
    User.objects.filter(pk__in=ids).update(unread_notifications=Coalesce(Subquery(unread), Value(0)))


def inbox_for(user: User):
    """The user's own inbox, newest first; nobody reads another's."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user, channel=Channel.INBOX).order_by("-created_at", "-id")


@transaction.atomic
def notification_mark_read(*, actor: User, notification_id: int | None = None) -> int:
    """Mark one of the actor's inbox items read (or all of them when no id); returns how many changed."""
    qs = inbox_for(actor).filter(read_at__isnull=True)
    if notification_id is not None:
        if not inbox_for(actor).filter(pk=notification_id).exists():
            raise Notification.DoesNotExist
        qs = qs.filter(pk=notification_id)
    changed = qs.update(read_at=clock.now())
    unread_recount([actor.pk])
    return changed


def preferences_of(user: User) -> dict[str, bool]:
    off = set(ChannelPreference.objects.filter(user=user, enabled=False).values_list("channel", flat=True))
    return {c.value: c.value not in off for c in Channel}


@transaction.atomic
def preferences_set(*, actor: User, enabled: dict[str, bool], language: str | None = None) -> dict[str, bool]:
    """Turn the email and SMS channels on or off and choose the language messages are written in."""
    for channel, on in enabled.items():
        if channel not in Channel.values:
            raise DomainError(_("Unknown channel “%(channel)s”.") % {"channel": channel}, field="channel")
        if channel == Channel.INBOX:
            if not on:
                raise DomainError(_("The inbox cannot be turned off."), field="inbox", code="inbox_mandatory")
            continue
        ChannelPreference.objects.update_or_create(user=actor, channel=channel, defaults={"enabled": bool(on)})
    if language is not None:
        if language not in dict(settings.LANGUAGES):
            raise DomainError(_("Unknown language."), field="language")
        User.objects.filter(pk=actor.pk).update(language=language)
        actor.language = language
    return preferences_of(actor)


# ---------------------------------------------------------------- who hears of what


def office_staff() -> list[int]:
    return list(User.objects.filter(role=Role.OFFICE, is_active=True).values_list("pk", flat=True))


def unit_officers(unit_id: int | None) -> list[int]:
    """The active street and park officers of one unit (ids)."""
    return officers_of_units([unit_id]).get(unit_id, []) if unit_id is not None else []


def officers_of_units(unit_ids: Iterable[int | None]) -> dict[int, list[int]]:
    """The active street and park officers of each unit (ids by unit id), in one query."""
    grouped: dict[int, list[int]] = {}
    for unit_id, pk in User.objects.filter(
        role__in=(Role.STREET, Role.PARK), org_unit_id__in={u for u in unit_ids if u is not None}, is_active=True
    ).values_list("org_unit_id", "pk"):
        grouped.setdefault(unit_id, []).append(pk)
    return grouped
