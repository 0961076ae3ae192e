"""Delivery of the outbox: after commit for a new event, and a sweep that retries what failed.

A row is claimed with a conditional update (``claimed_until``) before it is sent and marked
delivered after, so two workers (or a task delivered twice) never send the same row twice while
both are alive. A failure is logged and retried with a growing delay; after ``NOTIFY_MAX_ATTEMPTS``
the row gives up and stays visible to the office.
"""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from qinhuai_talent.core import clock

from .channels import SENDERS
from .models import Channel, Notification

log = logging.getLogger(__name__)

CLAIM_SECONDS = 300


def _pending():
    return Notification.objects.exclude(channel=Channel.INBOX).filter(
        delivered_at__isnull=True, gave_up_at__isnull=True
    )


def _claim(pk: int) -> bool:
    now = timezone.now()
    return bool(
        _pending()
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now), pk=pk)
        .update(claimed_until=now + timedelta(seconds=CLAIM_SECONDS))
    )


def deliver_one(pk: int) -> bool:
    """Send one row if nobody else holds it; True when it went out."""
    if not _claim(pk):
        return False
    n = Notification.objects.select_related("recipient").get(pk=pk)
    language = n.recipient.language or settings.LANGUAGE_CODE
    try:
        SENDERS[n.channel](n, language)
    except Exception as exc:  # any provider error: keep the row and retry later
        attempts = n.attempts + 1
        gave_up = attempts >= settings.NOTIFY_MAX_ATTEMPTS
        log.warning(
            "notification %s (%s, %s) failed on attempt %s%s: %s",
            pk,
            n.event,
            n.channel,
            attempts,
            "; giving up" if gave_up else "",
            exc,
        )
        now = clock.now()  # the retry schedule reads the portal's clock, as the row's first attempt did
        Notification.objects.filter(pk=pk).update(
            attempts=attempts,
            last_error=str(exc)[:2000],
            claimed_until=None,
            next_attempt_at=now + timedelta(seconds=settings.NOTIFY_RETRY_SECONDS * 2 ** (attempts - 1)),
            gave_up_at=now if gave_up else None,
        )
        return False
    Notification.objects.filter(pk=pk).update(
        delivered_at=clock.now(), attempts=n.attempts + 1, claimed_until=None, last_error=""
    )
    return True


@shared_task(name="qinhuai_talent.notifications.tasks.deliver", acks_late=True)
def deliver(keys: list[str] | str) -> int:
    """Send the pending rows of these event occurrences."""
    keys = [keys] if isinstance(keys, str) else list(keys)
    ids = list(_pending().filter(key__in=keys).order_by("pk").values_list("pk", flat=True))
    return sum(deliver_one(pk) for pk in ids)


@shared_task(name="qinhuai_talent.notifications.tasks.retry_pending")
def retry_pending(limit: int = 1000) -> int:
    """Beat, every minute: send what is due again (a failed attempt, a lost task message)."""
    ids = list(
        _pending()
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=clock.now()))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(deliver_one(pk) for pk in ids)
