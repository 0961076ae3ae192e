"""The leader's home page leads with the district's key figures (issue 17 item 11): a reader has
nothing to do, so "nothing is waiting for you" was all their home page said. Each figure is the
dashboard's, for the dashboard's default year and the reader's scope, and links to the records it
counts; kept in the result cache while the tables it reads are unchanged."""

from decimal import Decimal

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from qinhuai_talent.core import clock, resultcache
from qinhuai_talent.core.models import Role, User
from qinhuai_talent.core.money import format_wan
from qinhuai_talent.core.registry import KeyFigure

from .links import records_url
from .selectors import default_year, report_scope, summary

# The roles whose home page leads with the figures: those who read and decide nothing.
READERS = (Role.LEADER,)


def _figures(scope, year: int) -> dict:
    data = summary(scope=scope, year=year)
    return {
        "titles": sum(row["count"] for row in data["titles"]),
        "applications": sum(row["applications"] for row in data["pipeline"]),
        "enterprises": data["enterprises"]["count"],
        "revenue_10m": data["enterprises"]["revenue_10m_plus"],
        "paid": str(data["funding"]["paid"]),
        "open_flags": data["exits"]["open_flags"],
    }


def key_figures(user: User) -> list[KeyFigure]:
    if user.role not in READERS:
        return []
    year = default_year()
    scope = report_scope(user)
    key = ("reports.key_figures", year, scope.units, get_language(), clock.today().isoformat())
    f = resultcache.cached(key, lambda: _figures(scope, year))
    return [
        KeyFigure(
            key="reports.titles",
            label=_("Titles held at the end of %(year)s") % {"year": year},
            value=_("%(n)s people") % {"n": f"{f['titles']:,}"},
            url=records_url("titles", year=year),
        ),
        KeyFigure(
            key="reports.applications",
            label=_("Applications to the calls of %(year)s") % {"year": year},
            value=f"{f['applications']:,}",
            url=records_url("applications", year=year),
        ),
        KeyFigure(
            key="reports.enterprises",
            label=_("Active talent enterprises"),
            value=_("%(n)s enterprises") % {"n": f"{f['enterprises']:,}"},
            url=records_url("enterprises", status="active"),
        ),
        KeyFigure(
            key="reports.revenue_ten_million",
            label=_("Enterprises with revenue of 10 million yuan or more"),
            value=_("%(n)s enterprises") % {"n": f"{f['revenue_10m']:,}"},
            url=records_url("enterprises", revenue_tier=["10m", "50m"]),
        ),
        KeyFigure(
            key="reports.paid",
            label=_("Support paid in %(year)s") % {"year": year},
            value=format_wan(Decimal(f["paid"])),
            url=records_url("ledger", kind=["payment", "reversal"], year=year),
        ),
        KeyFigure(
            key="reports.open_flags",
            label=_("Open exit flags"),
            value=f"{f['open_flags']:,}",
            url=records_url("exit_flags", flag_state="open"),
        ),
    ]
