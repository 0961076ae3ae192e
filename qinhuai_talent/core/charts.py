"""Charts drawn on the server with pygal as inline SVG: no script (the CSP allows none and the
portal runs on an intranet), the portal's colours and fonts, every text in the reader's language.
The apps' chart modules build their charts with ``new`` and render them with ``render``."""

import hashlib
import re
import unicodedata

import pygal.graph.graph
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from pygal.style import Style

FONTS = 'system-ui, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif'
COLOURS = ("#b3261e", "#1f6feb", "#2da44e", "#bf8700", "#8250df", "#57606a", "#cf222e", "#0a7d8c", "#6e7781")
# pygal embeds its configuration as an inline script even with js=[]; the CSP forbids inline
# scripts and nothing reads it, so it is dropped.
INLINE_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL)
CHART_ID = re.compile(r"chart-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")


def text_width(text: str, font_size: float) -> float:
    """How wide a label draws: a Chinese character (or full-width punctuation) is about a font size
    wide, a Latin letter or digit about 0.6 of one. pygal counts every character as 0.6 and made
    the room for "南京市领军型科技创业人才（“321计划”）" too narrow, cutting it at the chart's edge."""
    return sum(font_size if unicodedata.east_asian_width(c) in "WF" else 0.6 * font_size for c in str(text))


def _text_box(text, font_size):
    return (font_size, text_width(text, font_size))


def _texts_box(texts, font_size):
    return (font_size, max((text_width(t, font_size) for t in texts), default=0))


# pygal sizes its margins with these two (imported by name into its graph module).
pygal.graph.graph.get_text_box = _text_box
pygal.graph.graph.get_texts_box = _texts_box


def style(*, font_size: int = 12, colours: tuple[str, ...] = COLOURS, background: str = "transparent") -> Style:
    return Style(
        background=background,
        plot_background=background,
        font_family=FONTS,
        colors=colours,
        label_font_size=font_size,
        major_label_font_size=font_size,
        legend_font_size=font_size,
        value_font_size=font_size - 1,
        title_font_size=font_size + 2,
    )


def new(kind, **config):
    """A pygal chart of ``kind`` (``pygal.Bar``, ``pygal.Line`` …) with the portal's defaults;
    ``config`` overrides them. Built per request, so its texts follow the reader's language."""
    defaults = {
        "js": [],
        "disable_xml_declaration": True,
        "style": style(),
        "legend_at_bottom": True,
        "no_data_text": _("No data"),
    }
    return kind(**{**defaults, **config})


def render(chart) -> SafeString:
    # pygal escapes the labels and values it is given; the output is its own SVG markup.
    svg = INLINE_SCRIPT.sub("", chart.render(is_unicode=True))
    # pygal names each chart with a random uuid (its CSS is scoped by it); named by its own
    # drawing instead, the same figures draw the same page, so the page's ETag holds (a 304).
    ids = set(CHART_ID.findall(svg))
    if len(ids) == 1:
        (random_id,) = ids
        stable = hashlib.sha256(svg.replace(random_id, "").encode()).hexdigest()[:32]
        svg = svg.replace(random_id, stable)
    return mark_safe(svg)  # noqa: S308
