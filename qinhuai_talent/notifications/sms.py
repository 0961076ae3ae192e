"""SMS through a small backend interface (``SMS_BACKEND``, a dotted path to a class).

A provider plugs in as a class with ``send(self, *, number: str, text: str) -> None`` that
raises on failure (any exception: the outbox keeps the message and retries). Its settings come
from the environment through ``qinhuai_talent.settings``; the embedded default only logs.
"""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger("qinhuai_talent.sms")


class SmsBackend:
    def send(self, *, number: str, text: str) -> None:
        raise NotImplementedError


class LogBackend(SmsBackend):
    """The embedded default: the message goes to the log (numbers masked by the log filter)."""

    def send(self, *, number: str, text: str) -> None:
        log.warning("SMS to %s: %s", number, text)


def get_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()
