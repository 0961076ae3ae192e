"""The portal's one clock.

Every deadline, notice period, overdue check, filing window and stamp reads this module, never
``timezone.now()`` or ``date.today()`` directly. ``PORTAL_AS_OF`` (an ISO date, read from the
settings on every call so that tests may change it) moves the portal to that day: ``today()`` is
that day and ``now()`` is that day at the current time of day, so stamps written within one day
keep their order. Unset, the clock is the real one, in the portal's time zone (Asia/Shanghai).
"""

from datetime import date, datetime, time

from django.conf import settings
from django.utils import timezone


def as_of() -> date | None:
    """The configured day, or ``None`` when the portal runs on the real date."""
    value = getattr(settings, "PORTAL_AS_OF", None)
    return date.fromisoformat(value) if value else None


def today() -> date:
    """The portal's today, in the portal's time zone."""
    return as_of() or timezone.localdate()


def now() -> datetime:
    """An aware datetime: the real instant, or the configured day at the current local time of day."""
    real = timezone.now()
    day = as_of()
    if day is None:
        return real
    local = timezone.localtime(real)
    return timezone.make_aware(datetime.combine(day, local.time().replace(tzinfo=None)))


def start_of(day: date) -> datetime:
    """Midnight at the start of ``day`` in the portal's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))
