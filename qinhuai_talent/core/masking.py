"""Personal numbers (resident ID numbers, mobile phone numbers) as those who may not see them see them.

Who may see them in full is the talents app's policy; how they look masked, and that the logs
never hold them, is decided here, once.
"""

import logging
import re


def mask_id_number(value: str) -> str:
    """Region and check digit stay readable; the birth date and serial are hidden."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return f"{value[:4]}{'*' * (len(value) - 8)}{value[-4:]}"


def mask_phone(value: str) -> str:
    """The carrier prefix and the last four digits stay readable (139****5678)."""
    if not value:
        return ""
    digits = value.strip()
    if len(digits) <= 7:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


# An 18-character resident ID number, or a mainland mobile number, not inside a longer run of
# digits (so amounts, voucher numbers and timestamps are left alone).
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{16}[\dXx](?![0-9A-Za-z])")
_PHONE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d{9}(?!\d)")


def scrub(text: str) -> str:
    """``text`` with every ID number and mobile number in it masked."""
    text = _ID_NUMBER.sub(lambda m: mask_id_number(m.group()), text)
    return _PHONE.sub(lambda m: mask_phone(m.group()), text)


class PersonalDataFilter(logging.Filter):
    """Masks personal numbers in a log record before any handler writes it: the message with its
    arguments (SQL parameters at DEBUG, exception messages) and the formatted traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
            # Formatters that format exc_info themselves (the JSON one) use the scrubbed text.
            record.exc_info = None
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        # Extra attributes reach structured (JSON) logs as fields of their own: Django's SQL log
        # carries ``sql`` and ``params`` beside the message.
        for name, value in list(vars(record).items()):
            if name in _STANDARD_ATTRIBUTES:
                continue
            if isinstance(value, str):
                setattr(record, name, scrub(value))
            elif isinstance(value, list | tuple):
                setattr(record, name, [scrub(v) if isinstance(v, str) else v for v in value])
        return True


# The attributes every log record has; anything else was passed as ``extra``.
_STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
