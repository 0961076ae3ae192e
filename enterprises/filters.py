"""Filters shared by the list page and the API: one definition of what can be asked."""

from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_filters import rest_framework as filters

from qinhuai_talent.core import access, clock
from qinhuai_talent.core.models import OrgUnit
from qinhuai_talent.core.params import MAX_ID
from talents.models import Industry, Level

from .models import (
    Enterprise,
    EnterpriseClass,
    EnterpriseStatus,
    Evaluation,
    FinancingRound,
    Grade,
    Listing,
    MakerSpace,
    OperatingReport,
    PeriodKind,
    RevenueTier,
    SupportKind,
    SupportPlanItem,
    SupportStatus,
)

# Sortable figures of the enterprise list (query value → field).
ENTERPRISE_SORTS = {
    "name": ("name", pgettext_lazy("thing", "Name")),
    "registered_on": ("registered_on", _("Registered on")),
    "cumulative_sales": ("cumulative_sales", _("Cumulative sales")),
    "cumulative_revenue": ("cumulative_revenue", _("Cumulative main-business revenue")),
    "cumulative_financing": ("cumulative_financing", _("Cumulative financing")),
    "revenue_growth": ("revenue_growth", _("Revenue growth")),
    "latest_employees": ("latest_employees", _("Employees")),
    "latest_grade": ("latest_grade", _("Latest grade")),
    "paid_in_capital": ("paid_in_capital", _("Paid-in capital")),
}


class UnitCodeFilter(filters.ModelChoiceFilter):
    """A unit by its code; an unknown code is a 400."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", OrgUnit.objects.all())
        kwargs.setdefault("to_field_name", "code")
        kwargs.setdefault("label", _("Unit"))
        super().__init__(*args, **kwargs)


def _maker_spaces(request):
    """The maker spaces of the reader's scope (all of them for the district's readers)."""
    if request is None or not request.user.is_authenticated:
        return MakerSpace.objects.none()
    return access.scope_units(MakerSpace.objects.order_by("name"), request.user, "org_unit")


class EnterpriseFilter(filters.FilterSet):
    org_unit = UnitCodeFilter(field_name="org_unit")
    industry = filters.ModelChoiceFilter(
        queryset=Industry.objects.all(), to_field_name="code", field_name="industry", label=_("Industry")
    )
    enterprise_class = filters.ChoiceFilter(choices=EnterpriseClass.choices, label=_("Class"))
    revenue_tier = filters.ChoiceFilter(choices=RevenueTier.choices, label=_("Revenue tier"))
    listing = filters.ChoiceFilter(choices=Listing.choices, label=_("Listing"))
    status = filters.ChoiceFilter(choices=EnterpriseStatus.choices, label=_("Status"))
    latest_grade = filters.ChoiceFilter(choices=Grade.choices, label=_("Latest grade"))
    # A choice among the maker spaces the reader sees (by name), not an id to type.
    maker_space = filters.ModelChoiceFilter(queryset=_maker_spaces, field_name="maker_space", label=_("Maker space"))
    q = filters.CharFilter(method="search", label=_("Search"))
    sort = filters.ChoiceFilter(
        method="sort_by",
        label=_("Sort by"),
        choices=[(k, v[1]) for k, v in ENTERPRISE_SORTS.items()]
        + [(f"-{k}", _("%(figure)s, descending") % {"figure": v[1]}) for k, v in ENTERPRISE_SORTS.items()],
    )

    class Meta:
        model = Enterprise
        fields = ["org_unit", "industry", "enterprise_class", "revenue_tier", "listing", "status", "latest_grade"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(credit_code__icontains=value.upper()))

    def sort_by(self, queryset, name, value):
        figure = F(ENTERPRISE_SORTS[value.lstrip("-")][0])
        # Enterprises without a figure yet go last either way.
        order = figure.desc(nulls_last=True) if value.startswith("-") else figure.asc(nulls_last=True)
        return queryset.order_by(order, "pk")


class ReportFilter(filters.FilterSet):
    org_unit = UnitCodeFilter(field_name="enterprise__org_unit")
    enterprise = filters.NumberFilter(field_name="enterprise_id", min_value=1, max_value=MAX_ID)
    credit_code = filters.CharFilter(field_name="enterprise__credit_code")
    period_kind = filters.ChoiceFilter(choices=PeriodKind.choices)
    year = filters.NumberFilter(min_value=1900, max_value=2100)
    quarter = filters.NumberFilter(min_value=1, max_value=4)

    class Meta:
        model = OperatingReport
        fields = ["org_unit", "enterprise", "credit_code", "period_kind", "year", "quarter"]


class FinancingRoundFilter(filters.FilterSet):
    org_unit = UnitCodeFilter(field_name="enterprise__org_unit")
    enterprise = filters.NumberFilter(field_name="enterprise_id", min_value=1, max_value=MAX_ID)
    closed_after = filters.DateFilter(field_name="closed_on", lookup_expr="gte")
    closed_before = filters.DateFilter(field_name="closed_on", lookup_expr="lte")

    class Meta:
        model = FinancingRound
        fields = ["org_unit", "enterprise", "round", "instrument"]


class EvaluationFilter(filters.FilterSet):
    org_unit = UnitCodeFilter(field_name="enterprise__org_unit")
    enterprise = filters.NumberFilter(field_name="enterprise_id", min_value=1, max_value=MAX_ID)
    year = filters.NumberFilter(min_value=1900, max_value=2100)
    half = filters.NumberFilter(min_value=1, max_value=2)
    grade = filters.ChoiceFilter(choices=Grade.choices)

    class Meta:
        model = Evaluation
        fields = ["org_unit", "enterprise", "year", "half", "grade"]


class MakerSpaceFilter(filters.FilterSet):
    org_unit = UnitCodeFilter(field_name="org_unit")
    level = filters.ChoiceFilter(choices=Level.choices)

    class Meta:
        model = MakerSpace
        fields = ["org_unit", "level"]


class SupportItemFilter(filters.FilterSet):
    org_unit = UnitCodeFilter(field_name="enterprise__org_unit")
    enterprise = filters.NumberFilter(field_name="enterprise_id", min_value=1, max_value=MAX_ID)
    kind = filters.ChoiceFilter(choices=SupportKind.choices)
    status = filters.ChoiceFilter(choices=SupportStatus.choices)
    overdue = filters.BooleanFilter(method="only_overdue", label=_("Overdue only"))

    class Meta:
        model = SupportPlanItem
        fields = ["org_unit", "enterprise", "kind", "status"]

    def only_overdue(self, queryset, name, value):
        from .models import OPEN_SUPPORT_STATUSES

        overdue = Q(status__in=OPEN_SUPPORT_STATUSES, due_on__lt=clock.today())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)
