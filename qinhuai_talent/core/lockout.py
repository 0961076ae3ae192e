"""The log-in lock-out (django-axes), which no one can turn against a named account.

Failures are counted per (username, client address): five wrong passwords for ``office`` from
one address lock ``office`` out from that address only, so an attacker elsewhere cannot lock
the office out of its own account. Guessing across many usernames from one address is held by a
second limit, ``AXES_ADDRESS_FAILURE_LIMIT`` failures from the address within the cool-off,
whatever the usernames: then every log-in from that address waits out the cool-off. Both read
the address through ``qinhuai_talent.core.clients`` (``AXES_CLIENT_IP_CALLABLE``).
"""

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum


def address_failures(request) -> int:
    """Failed log-ins from the request's client address within the cool-off, any username."""
    attempts = AccessAttempt.objects.filter(ip_address=request.axes_ip_address)
    if settings.AXES_COOLOFF_TIME is not None:
        attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


class PortalLockoutHandler(AxesDatabaseHandler):
    """axes' database handler with the per-address limit across usernames.

    axes compares one failure count with one limit; an address over its own limit reports the
    (username, address) limit as reached, so axes locks it out and says so the usual way. The
    request remembers which limit it was (``portal_address_locked``) for the message."""

    def get_failures(self, request, credentials=None) -> int:
        failures = super().get_failures(request, credentials)
        if address_failures(request) >= settings.AXES_ADDRESS_FAILURE_LIMIT:
            request.portal_address_locked = True
            return max(failures, get_failure_limit(request, credentials))
        return failures
