"""The enterprise page's charts: pygal rendered on the server as inline SVG, no script (the CSP
allows none); the tables beside them carry the exact figures."""

from decimal import Decimal

import pygal
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from qinhuai_talent.core import charts
from qinhuai_talent.core.money import WAN

# The charts' common shape; their texts are set per request, in the reader's language.
BASE = {
    "width": 800,
    "height": 340,
    "x_label_rotation": 30,
    "show_minor_x_labels": True,
}


def _wan(amount: Decimal) -> float:
    # Chart coordinates only: the figures stay Decimal in the table under the chart.
    return float((Decimal(amount) / WAN).quantize(Decimal("0.1")))


def _label(report) -> str:
    return f"{report.year}Q{report.quarter}" if report.quarter else str(report.year)


def revenue_chart(reports) -> SafeString | None:
    """Sales and main-business revenue per period (万元)."""
    if not reports:
        return None
    chart = charts.new(pygal.Line, title=_("Sales and main-business revenue (10,000 yuan)"), **BASE)
    chart.x_labels = [_label(r) for r in reports]
    chart.add(_("Sales"), [_wan(r.sales) for r in reports])
    chart.add(_("Main-business revenue"), [_wan(r.main_revenue) for r in reports])
    chart.add(_("Net profit"), [_wan(r.net_profit) for r in reports])
    return charts.render(chart)


def people_chart(reports) -> SafeString | None:
    """Employees, social-insurance headcount and patents per period."""
    if not reports:
        return None
    chart = charts.new(pygal.Bar, title=_("Employees and patents"), **BASE)
    chart.x_labels = [_label(r) for r in reports]
    chart.add(_("Employees"), [r.employees for r in reports])
    chart.add(_("Social-insurance headcount"), [r.insured_employees for r in reports])
    chart.add(_("Patents filed"), [r.patents_filed for r in reports])
    return charts.render(chart)


def financing_chart(rounds) -> SafeString | None:
    """Cumulative financing after each round (万元)."""
    if not rounds:
        return None
    chart = charts.new(pygal.Line, title=_("Cumulative financing (10,000 yuan)"), step=True, fill=True, **BASE)
    total = Decimal(0)
    points = []
    for r in rounds:
        total += r.amount
        points.append({"value": _wan(total), "label": f"{r.round} · {r.investor}"})
    chart.x_labels = [r.closed_on.isoformat() for r in rounds]
    chart.add(_("Cumulative financing"), points)
    return charts.render(chart)
