from decimal import Decimal

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from ..money import WAN, YI, format_wan, format_yuan

register = template.Library()

INPUT_CLASSES = {
    "checkbox": "form-check-input",
    "select": "form-select",
    "selectmultiple": "form-select",
    "radioselect": "",
    "checkboxselectmultiple": "",
}


@register.filter
def bs(field):
    """Render a bound field with Bootstrap classes and ``aria-invalid`` when it has errors."""
    css = INPUT_CLASSES.get(field.widget_type, "form-control")
    if field.errors:
        css += " is-invalid"
    attrs = {"class": css.strip()}
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)


@register.simple_tag(takes_context=True)
def query_replace(context, **kwargs):
    """The current query string with some parameters replaced (for sort and page links)."""
    query = context["request"].GET.copy()
    for key, value in kwargs.items():
        query[key] = value
    return query.urlencode()


@register.filter
def wan(value):
    """Yuan shown in 万元 (ten-thousands), one decimal."""
    if value in (None, ""):
        return "—"
    return f"{Decimal(value) / WAN:,.1f}"


@register.filter
def yi(value):
    """Yuan shown in 亿元 (hundred-millions), two decimals."""
    if value in (None, ""):
        return "—"
    return f"{Decimal(value) / YI:,.2f}"


@register.filter
def money_words(value):
    """A sum as a page summarises it, its unit named: “48.0 万元”."""
    return format_wan(value)


@register.filter
def yuan(value):
    """An exact amount as a record holds it, its unit named: “480,000.00 元”."""
    if value in (None, ""):
        return "—"
    return format_yuan(value)


@register.filter
def as_year(value):
    """A year in running text as HTML marks one, ``<time datetime="2017">2017</time>``: a date,
    not a figure (what the money check of the browser tier sets aside by its element)."""
    if value in (None, ""):
        return value
    return format_html('<time datetime="{}">{}</time>', value, value)


@register.filter
def percent(value, digits: int = 0):
    if value in (None, ""):
        return "—"
    return f"{float(value) * 100:.{int(digits)}f}%"


@register.simple_tag
def yes_no(value):
    return _("Yes") if value else _("No")


@register.simple_tag
def bulk_link(queue, obj) -> str:
    """A work queue's link to one of its records (``core.bulk``)."""
    return queue.link(obj)


@register.simple_tag
def bulk_name(queue, obj) -> str:
    return queue.name(obj)


@register.filter
def bulk_values(obj, queue) -> list:
    from qinhuai_talent.core.bulk import row_values

    return row_values(queue, obj)


@register.simple_tag(takes_context=True)
def list_url(context, name: str, *args) -> str:
    """A list's URL with the filters, sort, page and page size the person left it with (the
    breadcrumbs and back links of its records; ``core.lists``)."""
    from django.urls import reverse

    from ..lists import remembered_query

    path = reverse(name, args=args)
    query = remembered_query(context.get("request"), path)
    return f"{path}?{query}" if query else path


@register.simple_tag(takes_context=True)
def query_fields(context, *excluded: str):
    """The current query's parameters as hidden inputs (a GET form that changes one of them
    keeps the others), less ``excluded``."""
    from django.utils.html import format_html_join

    request = context["request"]
    rows = [(k, v) for k, values in request.GET.lists() if k not in excluded for v in values]
    return format_html_join("", '<input type="hidden" name="{}" value="{}">', rows) if rows else ""


@register.simple_tag
def page_window(page, around: int = 2) -> list:
    """The page numbers to link around the current one: first, last and ``around`` either side,
    ``None`` for a gap."""
    last, here = page.paginator.num_pages, page.number
    shown = sorted({1, last, *range(max(1, here - around), min(last, here + around) + 1)})
    out, previous = [], 0
    for n in shown:
        if n - previous > 1:
            out.append(None)
        out.append(n)
        previous = n
    return out


@register.simple_tag
def page_sizes() -> tuple:
    from ..lists import PAGE_SIZES

    return PAGE_SIZES
