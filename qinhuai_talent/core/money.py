"""Money is Decimal yuan with two places, never float."""

from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.utils.translation import gettext as _

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
WAN = Decimal("10000")
YI = Decimal("100000000")


def to_money(value) -> Decimal:
    """Round any number or numeric string to yuan with two places (half up). A Decimal (what the
    database gives) is rounded as it is: ``Decimal(str(d)) == d``, so the text round trip the other
    types take would change nothing."""
    if type(value) is Decimal:
        return value.quantize(CENT, rounding=ROUND_HALF_UP)
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


class MoneyField(models.DecimalField):
    """Yuan, two places, up to a trillion."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", 16)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        return name, "django.db.models.DecimalField", args, kwargs


def money(verbose_name, **kwargs) -> MoneyField:
    """A money column of a model: yuan, two places, zero unless told otherwise."""
    kwargs.setdefault("default", ZERO)
    return MoneyField(verbose_name, **kwargs)


def format_yuan(value, gettext=_) -> str:
    """An exact amount as a record holds it: yuan with two decimals, thousands separators and the
    unit named, “480,000.00 元” (issue 17 item 6: where a page summarises, ``format_wan``).
    ``gettext``: another language's (``funding.explain.Words``) than the active one."""
    return gettext("%(amount)s yuan") % {"amount": f"{to_money(value or 0):,.2f}"}


def format_wan(value) -> str:
    """A sum as the district's documents write it: 万元 below 1 亿, 亿元 above."""
    amount = Decimal(value or 0)
    if abs(amount) >= YI:
        return _("%(amount)s hundred million yuan") % {"amount": f"{(amount / YI):,.2f}"}
    return _("%(amount)s ten-thousand yuan") % {"amount": f"{(amount / WAN):,.1f}"}
