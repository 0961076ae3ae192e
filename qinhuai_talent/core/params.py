"""Query parameters that pages read by hand, parsed once with the bounds the database can hold."""

from django.utils.translation import gettext as _

from .errors import DomainError

FIRST_YEAR, LAST_YEAR = 1900, 2100
# The largest value a 64-bit integer column holds (SQLite and PostgreSQL bigint): ids beyond it
# match nothing and must not reach the database driver, which refuses them with an OverflowError.
MAX_ID = 2**63 - 1
# The largest count or number of days a form takes: it fits every integer column (PostgreSQL's
# 32-bit integer too), far beyond any real count.
MAX_COUNT = 2**31 - 1
# The largest value a small integer column holds (a year, a quarter).
MAX_SMALL = 2**15 - 1


def year_param(raw: str | None) -> int | None:
    """A year filter: ``None`` when absent, else a year between 1900 and 2100 (a DomainError on
    ``year`` otherwise, which the page shows as a 400 with its message)."""
    raw = (raw or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not FIRST_YEAR <= int(raw) <= LAST_YEAR:
        raise DomainError(
            _("The year must be a year between %(first)s and %(last)s, such as 2017.")
            % {"first": FIRST_YEAR, "last": LAST_YEAR},
            field="year",
        )
    return int(raw)
