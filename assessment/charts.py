"""The scorecard's chart: each indicator's achievement of its target, this year and last year."""

from decimal import Decimal

import pygal
from django.urls import reverse
from django.utils.translation import gettext as _

from qinhuai_talent.core import charts

# Target grey, this year red, last year blue.
COLOURS = ("#adb5bd", "#9d2933", "#3d6a99")


def _achievement(score) -> float | None:
    if score is None or score.actual is None or not score.target:
        return None
    return float(round(Decimal(score.actual) * 100 / score.target, 1))


def scorecard_svg(assessment, scores, last_year: dict) -> str:
    """Inline SVG (no JavaScript): bars of % of target reached; each bar links to its evidence."""
    chart = charts.new(
        pygal.HorizontalBar,
        style=charts.style(colours=COLOURS, background="white"),
        height=max(240, 60 * len(scores) + 80),
        width=820,
        print_values=False,
        show_y_guides=False,
        title=_("Share of target reached (%)"),
    )
    chart.x_labels = [s.indicator.label for s in scores]
    chart.add(_("Target"), [100 if s.target else None for s in scores])
    this_year = []
    for s in scores:
        value = _achievement(s)
        url = reverse("assessment:evidence", args=[assessment.pk, s.indicator_id])
        this_year.append({"value": value, "xlink": {"href": url, "target": "_top"}} if value is not None else None)
    chart.add(str(assessment.year), this_year)
    chart.add(str(assessment.year - 1), [_achievement(last_year.get(s.indicator.key)) for s in scores])
    return charts.render(chart)
