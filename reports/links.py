"""Where a figure's records live: the other apps' list pages with filters, or, where an app has
no page of that name, its API list with the same filters."""

from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse

# kind → (candidate web url names, API list path)
RECORD_LISTS: dict[str, tuple[tuple[str, ...], str]] = {
    "titles": (("talents:title-list", "talents:talent-list"), "/api/v1/titles/"),
    "applications": (("talents:application-list", "talents:applications"), "/api/v1/applications/"),
    "enterprises": (("enterprises:enterprise-list", "enterprises:list"), "/api/v1/enterprises/"),
    "maker_spaces": (("enterprises:makerspace-list", "enterprises:maker-spaces"), "/api/v1/maker-spaces/"),
    "agreements": (("funding:agreement-list",), "/api/v1/agreements/"),
    "tranches": (("funding:tranche-list", "funding:payout-queue"), "/api/v1/tranches/"),
    "payouts": (("funding:payout-list",), "/api/v1/payouts/"),
    "ledger": (("funding:ledger-list", "funding:ledger"), "/api/v1/ledger/"),
    "exit_flags": (("funding:exitflag-list", "funding:exit-board"), "/api/v1/exit-flags/"),
    "exit_cases": (("funding:exitcase-list", "funding:exit-board"), "/api/v1/exit-cases/"),
    "assessments": (("assessment:assessment-list", "assessment:list"), "/api/v1/assessments/"),
}

_resolved: dict[str, str] = {}


def _base(kind: str) -> str:
    if kind not in _resolved:
        names, api_path = RECORD_LISTS[kind]
        url = api_path
        for name in names:
            try:
                url = reverse(name)
                break
            except NoReverseMatch:
                continue
        _resolved[kind] = url
    return _resolved[kind]


def records_url(kind: str, **filters) -> str:
    """The list of ``kind`` records behind a figure, filtered (empty filters are dropped)."""
    query = urlencode({k: v for k, v in filters.items() if v not in (None, "")})
    base = _base(kind)
    return f"{base}?{query}" if query else base
