"""Charts drawn on the server with pygal as inline SVG: no script (the CSP allows none and the
portal runs on an intranet), the portal's colours and fonts, every text in the reader's language.
The apps' chart modules build their charts with ``new`` and render them with ``render``."""

import re

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from pygal.style import Style

FONTS = 'system-ui, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif'
COLOURS = ("#b3261e", "#1f6feb", "#2da44e", "#bf8700", "#8250df", "#57606a", "#cf222e", "#0a7d8c", "#6e7781")
# pygal embeds its configuration as an inline script even with js=[]; the CSP forbids inline
# scripts and nothing reads it, so it is dropped.
INLINE_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL)


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
    return mark_safe(INLINE_SCRIPT.sub("", chart.render(is_unicode=True)))  # noqa: S308
