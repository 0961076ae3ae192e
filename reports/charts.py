"""The dashboard's charts: pygal rendered on the server as inline SVG, no script, each bar or
step a link to the records it counts."""

from decimal import Decimal

import pygal
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from enterprises.models import EnterpriseClass, RevenueTier
from funding.models import ExitRule, LedgerKind
from qinhuai_talent.core import charts
from qinhuai_talent.core.money import WAN
from talents.models import ApplicationState, Origin

from .links import records_url
from .selectors import PIPELINE_STAGES

BASE = {
    "style": charts.style(font_size=13),
    "print_values": True,
    "print_zeroes": False,  # a stacked bar's missing part drew a "0" over its neighbour's label
    "width": 800,
    "height": 420,
    "truncate_label": 40,
    "truncate_legend": 40,
}


def _link(value, url: str, label: str | None = None) -> dict | None:
    """A bar that links to the records it counts; none at all for nothing (pygal would still print a
    "0" on a missing point given as a dict, over its neighbour's label)."""
    if value is None:
        return None
    point = {"value": value, "xlink": {"href": url, "target": "_self"}}
    if label:
        point["label"] = label
    return point


def _wan(amount: Decimal) -> float:
    # Chart coordinates only: the figures themselves stay Decimal in the tables beside the chart.
    return float((amount / WAN).quantize(Decimal("0.1")))


def titles_chart(titles: list[dict], year: int, unit: str | None, name_key: str) -> SafeString:
    """Titles held, by program, split by origin."""
    programs: list[tuple[str, str]] = []
    for row in titles:
        if (row["program"], row[name_key]) not in programs:
            programs.append((row["program"], row[name_key]))
    chart = charts.new(pygal.HorizontalStackedBar, **{**BASE, "height": max(300, 60 + 40 * len(programs))})
    chart.x_labels = [name for _code, name in programs]
    counts = {(r["program"], r["origin"]): r["count"] for r in titles}
    for origin in Origin:
        chart.add(
            str(origin.label),
            [
                _link(
                    counts.get((code, origin.value)) or None,
                    records_url("titles", program=code, origin=origin.value, year=year, org_unit=unit),
                )
                for code, _name in programs
            ],
        )
    return charts.render(chart)


def pipeline_funnel(pipeline: list[dict], year: int, unit: str | None) -> SafeString:
    """Where the year's applications (all programs together) stand, stage by stage in the order
    they pass through, first stage on top, as a funnel of bars."""
    stages = list(PIPELINE_STAGES)
    chart = charts.new(
        pygal.HorizontalBar,
        **{**BASE, "width": 560, "height": 60 + 34 * len(stages), "show_legend": False, "print_values": True},
    )
    chart.x_labels = [str(ApplicationState(stage).label) for stage in reversed(stages)]  # drawn bottom up
    chart.add(
        _("Applications"),
        [
            _link(
                sum(row["by_stage"][stage] for row in pipeline) or None,
                records_url("applications", state=[stage], year=year, org_unit=unit),
            )
            for stage in reversed(stages)
        ],
    )
    return charts.render(chart)


def enterprise_chart(figures: dict, unit: str | None) -> SafeString:
    """Enterprises by revenue tier and by class."""
    chart = charts.new(pygal.Bar, **{**BASE, "height": 380, "x_label_rotation": 20})
    labels = [str(t.label) for t in RevenueTier] + [str(c.label) for c in EnterpriseClass]
    chart.x_labels = labels
    chart.add(
        _("Revenue tier"),
        [
            _link(
                figures["by_tier"][t.value] or None, records_url("enterprises", revenue_tier=[t.value], org_unit=unit)
            )
            for t in RevenueTier
        ]
        + [None] * len(EnterpriseClass),
    )
    chart.add(
        _("Class"),
        [None] * len(RevenueTier)
        + [
            _link(
                figures["by_class"][c.value] or None,
                records_url("enterprises", enterprise_class=c.value, org_unit=unit),
            )
            for c in EnterpriseClass
        ],
    )
    return charts.render(chart)


def funds_chart(quarters: list[dict], year: int, unit: str | None) -> SafeString:
    """Planned against paid, by quarter, in 万元; each bar lists the tranches due, or the payments
    and reversals entered, in its quarter."""
    chart = charts.new(pygal.Bar, **{**BASE, "height": 360, "x_label_rotation": 30, "print_values": False})
    chart.y_title = _("ten-thousand yuan")
    chart.x_labels = [f"{q['year']} Q{q['quarter']}" for q in quarters]
    chart.add(
        pgettext("amount", "Planned"),
        [
            _link(
                _wan(q["planned"]),
                records_url("tranches", year=year, period=f"{q['year']}-Q{q['quarter']}", org_unit=unit),
            )
            for q in quarters
        ],
    )
    chart.add(
        _("Paid"),
        [
            _link(
                _wan(q["paid"]),
                records_url(
                    "ledger",
                    year=year,
                    period=f"{q['year']}-Q{q['quarter']}",
                    kind=[LedgerKind.PAYMENT, LedgerKind.REVERSAL],
                    org_unit=unit,
                ),
            )
            for q in quarters
        ],
    )
    return charts.render(chart)


def exit_chart(exits: dict, unit: str | None) -> SafeString:
    """Open exit flags by rule."""
    chart = charts.new(pygal.HorizontalBar, **{**BASE, "height": 320, "show_legend": False})
    chart.x_labels = [str(rule.label) for rule in ExitRule]
    chart.add(
        _("Open exit flags"),
        [
            _link(
                exits["open_flags_by_rule"][rule.value] or None,
                records_url("exit_flags", rule=rule.value, flag_state="open", org_unit=unit),
            )
            for rule in ExitRule
        ],
    )
    return charts.render(chart)


def league_chart(table: list[dict], year: int, name_key: str) -> SafeString:
    """Total scores of the assessed units, best first."""
    scored = [row for row in table if row["total"] is not None]
    chart = charts.new(pygal.HorizontalBar, **{**BASE, "height": max(300, 60 + 32 * len(scored)), "show_legend": False})
    chart.x_labels = [row[name_key] for row in reversed(scored)]
    chart.add(
        _("Total score"),
        [
            _link(float(row["total"]), records_url("assessments", year=year, org_unit=row["org_unit"]))
            for row in reversed(scored)
        ],
    )
    return charts.render(chart)
