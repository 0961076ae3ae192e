from decimal import Decimal

from django import template
from django.utils.translation import gettext as _

from ..money import WAN, YI, format_wan

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
    return format_wan(value)


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
