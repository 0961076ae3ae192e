"""The enterprise page's charts: pygal rendered on the server as inline SVG, no script (the CSP
allows none); the tables beside them carry the exact figures."""

import re
from decimal import Decimal

import pygal
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from pygal.style import Style

from qinhuai_talent.core.money import WAN

STYLE = Style(
    background="transparent",
    plot_background="transparent",
    font_family='system-ui, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif',
    colors=("#b3261e", "#1f6feb", "#2da44e", "#bf8700", "#8250df"),
    label_font_size=12,
    major_label_font_size=12,
    legend_font_size=12,
    title_font_size=14,
)
BASE = {
    "js": [],
    "disable_xml_declaration": True,
    "style": STYLE,
    "width": 800,
    "height": 340,
    "legend_at_bottom": True,
    "x_label_rotation": 30,
    "show_minor_x_labels": True,
}
# pygal embeds its configuration as an inline script even with js=[]; the CSP blocks inline
# scripts (a console error on every enterprise page with figures) and nothing reads it.
INLINE_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL)


def _render(chart) -> SafeString:
    # pygal escapes the labels and values it is given; the output is its own SVG markup.
    return mark_safe(INLINE_SCRIPT.sub("", chart.render(is_unicode=True)))  # noqa: S308


def _wan(amount: Decimal) -> float:
    # Chart coordinates only: the figures stay Decimal in the table under the chart.
    return float((Decimal(amount) / WAN).quantize(Decimal("0.1")))


def _label(report) -> str:
    return f"{report.year}Q{report.quarter}" if report.quarter else str(report.year)


def revenue_chart(reports) -> SafeString | None:
    """Sales and main-business revenue per period (万元)."""
    if not reports:
        return None
    chart = pygal.Line(title=_("Sales and main-business revenue (10,000 yuan)"), **BASE)
    chart.x_labels = [_label(r) for r in reports]
    chart.add(_("Sales"), [_wan(r.sales) for r in reports])
    chart.add(_("Main-business revenue"), [_wan(r.main_revenue) for r in reports])
    chart.add(_("Net profit"), [_wan(r.net_profit) for r in reports])
    return _render(chart)


def people_chart(reports) -> SafeString | None:
    """Employees, social-insurance headcount and patents per period."""
    if not reports:
        return None
    chart = pygal.Bar(title=_("Employees and patents"), **BASE)
    chart.x_labels = [_label(r) for r in reports]
    chart.add(_("Employees"), [r.employees for r in reports])
    chart.add(_("Social-insurance headcount"), [r.insured_employees for r in reports])
    chart.add(_("Patents filed"), [r.patents_filed for r in reports])
    return _render(chart)


def financing_chart(rounds) -> SafeString | None:
    """Cumulative financing after each round (万元)."""
    if not rounds:
        return None
    chart = pygal.Line(title=_("Cumulative financing (10,000 yuan)"), step=True, fill=True, **BASE)
    total = Decimal(0)
    points = []
    for r in rounds:
        total += r.amount
        points.append({"value": _wan(total), "label": f"{r.round} · {r.investor}"})
    chart.x_labels = [r.closed_on.isoformat() for r in rounds]
    chart.add(_("Cumulative financing"), points)
    return _render(chart)
