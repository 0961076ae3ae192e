"""Where a figure's records live: the report pages of this app, which filter by the parameters the
dashboard passes, and an app's own page where the report page links to a single record."""

from urllib.parse import urlencode

from django.urls import reverse

# kind of record → (web page, the parameters that pick that kind's list on the page)
RECORD_PAGES: dict[str, tuple[str, dict[str, str]]] = {
    "titles": ("reports:talents", {}),
    "applications": ("reports:applications", {}),
    "enterprises": ("reports:enterprises", {"records": "enterprises"}),
    "maker_spaces": ("reports:enterprises", {"records": "maker_spaces"}),
    "agreements": ("reports:funding", {"records": "agreements"}),
    "tranches": ("reports:funding", {"records": "tranches"}),
    "ledger": ("reports:funding", {"records": "payments"}),
    "exit_flags": ("reports:exits", {"records": "flags"}),
    "exit_cases": ("reports:exits", {"records": "cases"}),
    "assessments": ("reports:assessments", {}),
    "service_requests": ("reports:services", {"records": "requests"}),
    "platform_financing": ("reports:services", {"records": "financing"}),
    "first_purchases": ("reports:services", {"records": "purchases"}),
}


def page_url(url_name: str, **params) -> str:
    """``url_name`` with the query ``params``; empty ones are dropped, a list repeats its key."""
    query = urlencode({k: v for k, v in params.items() if v not in (None, "", [], ())}, doseq=True)
    base = reverse(url_name)
    return f"{base}?{query}" if query else base


def records_url(records: str, /, **filters) -> str:
    """The list of ``records`` (a key of ``RECORD_PAGES``) behind a figure, filtered (empty
    filters are dropped)."""
    url_name, fixed = RECORD_PAGES[records]
    return page_url(url_name, **{**fixed, **filters})
