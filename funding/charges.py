"""What each budget carries of an agreement (issue 14, item 7): one rule for the budgets, their
figures, the reports and the tests.

An agreement has two components by level of government: the district's share (``district_share``,
the total less the city's share, charged to ``budget``: the unit's district-treasury or park funds
of the year) and the city's share (``city_share``, charged to ``city_budget``: the unit's
city-share budget of the same year).

- An agreement in force (``COMMITTING_STATES``) commits each share in full to its budget.
- A terminated agreement commits what it paid, and money paid counts against the district's share
  first (the district funds a venture before the city joins it), the rest against the city's.

So, per agreement, the two components always add up to its committed total (the total, or what a
terminated one paid) and to its paid total.
"""

from decimal import Decimal

from django.db.models import Case, DecimalField, F, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, Greatest, Least

from .models import AgreementState
from .workflows import COMMITTING_STATES

MONEY = DecimalField(max_digits=16, decimal_places=2)
ZERO = Value(Decimal("0.00"), output_field=MONEY)

DISTRICT = "district"
CITY = "city"
# The agreement's field that names the budget charged with each component.
BUDGET_FIELD = {DISTRICT: "budget", CITY: "city_budget"}


def share_of(component: str, prefix: str = ""):
    """An agreement's share of one level: the city's as agreed, the district's the rest of the
    total (what ``agreement_create`` stores as ``district_share``; read from the total so that a
    record written without it still adds up)."""
    if component == CITY:
        return F(f"{prefix}city_share")
    return F(f"{prefix}total") - F(f"{prefix}city_share")


def paid_of(component: str, prefix: str = ""):
    """What an agreement paid from one component: the district's share first."""
    paid, district = F(f"{prefix}paid_total"), share_of(DISTRICT, prefix)
    if component == DISTRICT:
        return Least(paid, district, output_field=MONEY)
    return Greatest(paid - district, ZERO, output_field=MONEY)


def committed_of(component: str, prefix: str = ""):
    """What an agreement commits to the budget of one component."""
    share = share_of(component, prefix)
    return Case(
        When(Q(**{f"{prefix}state__in": COMMITTING_STATES}), then=share),
        When(Q(**{f"{prefix}state": AgreementState.TERMINATED}), then=paid_of(component, prefix)),
        default=ZERO,
        output_field=MONEY,
    )


def budget_sum(component: str, measure) -> Coalesce:
    """A subquery for a budget row: the sum of ``measure`` (``committed_of`` or ``paid_of``) over
    the agreements charged to it with ``component``."""
    from .models import Agreement

    field = BUDGET_FIELD[component]
    rows = (
        Agreement.objects.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(s=Sum(measure(component)))
        .values("s")
    )
    return Coalesce(Subquery(rows, output_field=MONEY), ZERO, output_field=MONEY)


def budget_committed() -> Coalesce:
    return budget_sum(DISTRICT, committed_of) + budget_sum(CITY, committed_of)


def budget_paid() -> Coalesce:
    return budget_sum(DISTRICT, paid_of) + budget_sum(CITY, paid_of)
