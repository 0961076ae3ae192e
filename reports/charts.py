"""The dashboard's charts: pygal rendered on the server as inline SVG, no script, each bar or
step a link to the records it counts."""

import re
from decimal import Decimal

import pygal
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from pygal.style import Style

from enterprises.models import EnterpriseClass, RevenueTier
from funding.models import ExitRule, LedgerKind
from qinhuai_talent.core.money import WAN
from talents.models import ApplicationState, Origin

from .links import records_url
from .selectors import PIPELINE_STAGES

STYLE = Style(
    background="transparent",
    plot_background="transparent",
    font_family='system-ui, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif',
    colors=("#b3261e", "#1f6feb", "#2da44e", "#bf8700", "#8250df", "#57606a", "#cf222e", "#0a7d8c", "#6e7781"),
    label_font_size=13,
    major_label_font_size=13,
    legend_font_size=13,
    value_font_size=12,
    title_font_size=15,
)
BASE = {
    # No script from a CDN (the CSP allows none): tooltips degrade to the SVG titles.
    "js": [],
    "disable_xml_declaration": True,
    "style": STYLE,
    "print_values": True,
    "width": 800,
    "height": 420,
    "legend_at_bottom": True,
    "truncate_label": 40,
    "truncate_legend": 40,
}


# pygal embeds its configuration as an inline script even with js=[]; the CSP forbids inline
# scripts and nothing reads it, so it is dropped.
INLINE_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL)


def _render(chart) -> SafeString:
    # pygal escapes the labels and values it is given; the output is its own SVG markup.
    return mark_safe(INLINE_SCRIPT.sub("", chart.render(is_unicode=True)))  # noqa: S308


def _link(value, url: str, label: str | None = None) -> dict:
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
    chart = pygal.HorizontalStackedBar(**{**BASE, "height": max(300, 60 + 40 * len(programs))})
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
    return _render(chart)


def pipeline_funnel(pipeline: list[dict], year: int, unit: str | None) -> SafeString:
    """The year's applications by stage, all programs together, as a funnel."""
    chart = pygal.Funnel(**{**BASE, "height": 380, "print_values": True})
    chart.x_labels = [str(year)]
    for stage in PIPELINE_STAGES:
        total = sum(row["by_stage"][stage] for row in pipeline)
        chart.add(
            str(ApplicationState(stage).label),
            [_link(total or None, records_url("applications", state=[stage], year=year, org_unit=unit))],
        )
    return _render(chart)


def enterprise_chart(figures: dict, unit: str | None) -> SafeString:
    """Enterprises by revenue tier and by class."""
    chart = pygal.Bar(**{**BASE, "height": 340})
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
    return _render(chart)


def funds_chart(quarters: list[dict], year: int, unit: str | None) -> SafeString:
    """Planned against paid, by quarter, in 万元; each bar lists the tranches due, or the payments
    and reversals entered, in its quarter."""
    chart = pygal.Bar(**{**BASE, "height": 360, "x_label_rotation": 30, "print_values": False})
    chart.y_title = _("ten-thousand yuan")
    chart.x_labels = [f"{q['year']} Q{q['quarter']}" for q in quarters]
    chart.add(
        _("Planned"),
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
    return _render(chart)


def exit_chart(exits: dict, unit: str | None) -> SafeString:
    """Open exit flags by rule."""
    chart = pygal.HorizontalBar(**{**BASE, "height": 320, "show_legend": False})
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
    return _render(chart)


def league_chart(table: list[dict], year: int, name_key: str) -> SafeString:
    """Total scores of the assessed units, best first."""
    scored = [row for row in table if row["total"] is not None]
    chart = pygal.HorizontalBar(**{**BASE, "height": max(300, 60 + 32 * len(scored)), "show_legend": False})
    chart.x_labels = [row[name_key] for row in reversed(scored)]
    chart.add(
        _("Total score"),
        [
            _link(float(row["total"]), records_url("assessments", year=year, org_unit=row["org_unit"]))
            for row in reversed(scored)
        ],
    )
    return _render(chart)
