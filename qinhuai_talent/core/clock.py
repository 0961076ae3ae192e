"""The portal's one clock.

Every deadline, notice period, overdue check, filing window and stamp reads this module, never
``timezone.now()`` or ``date.today()`` directly. ``PORTAL_AS_OF`` (an ISO date, read from the
settings on every call so that tests may change it) moves the portal to that day: ``today()`` is
that day and ``now()`` is that day at the current time of day, so stamps written within one day
keep their order. Unset, the clock is the real one, in the portal's time zone (Asia/Shanghai).
"""

import calendar
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, time

from django.conf import settings
from django.utils import timezone

# The demo district is the district of 2017, evaluated as of this day (`make run` sets
# PORTAL_AS_OF to it; `seed_demo` always writes its story on it).
DEMO_DAY = date(2018, 1, 15)

_running_on: ContextVar[date | None] = ContextVar("portal_day", default=None)


def as_of() -> date | None:
    """The configured day, or ``None`` when the portal runs on the real date."""
    day = _running_on.get()
    if day is not None:
        return day
    value = getattr(settings, "PORTAL_AS_OF", None)
    return date.fromisoformat(value) if value else None


@contextmanager
def running_on(day: date) -> Iterator[None]:
    """Run the block on ``day`` (the demo seed writes its story on the demo's day)."""
    token = _running_on.set(day)
    try:
        yield
    finally:
        _running_on.reset(token)


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


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (earlier if negative), the month's last day where it is
    shorter (31 January + 1 month = 28 or 29 February)."""
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
