"""The shape of the summary (CONTRACT.md, ``GET /api/v1/reports/summary/``), for the schema and
the response alike. Money is a decimal string in yuan with two places."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from assessment.models import AssessmentState
from enterprises.models import EnterpriseClass, FinancingInstrument, RevenueTier
from funding.models import CaseState, ExitRule, FundingSource
from serviceplatform.models import RequestState, ServiceCategory
from talents.models import Level, Origin


def Money(**kwargs):  # noqa: N802 (reads as a field type)
    return serializers.DecimalField(max_digits=16, decimal_places=2, coerce_to_string=True, **kwargs)


def Score(**kwargs):  # noqa: N802
    return serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True, **kwargs)


class TitleCountSerializer(serializers.Serializer):
    program = serializers.CharField(help_text=_("Program code"))
    program_name = serializers.CharField()
    program_name_en = serializers.CharField()
    level = serializers.ChoiceField(choices=Level.choices)
    origin = serializers.ChoiceField(choices=Origin.choices)
    count = serializers.IntegerField(help_text=_("Titles held at the end of the year"))


class PipelineSerializer(serializers.Serializer):
    program = serializers.CharField(help_text=_("Program code of the year's call"))
    program_name = serializers.CharField()
    program_name_en = serializers.CharField()
    level = serializers.ChoiceField(choices=Level.choices)
    call_state = serializers.CharField()
    quota = serializers.IntegerField()
    applications = serializers.IntegerField(help_text=_("Submitted applications, every stage"))
    active = serializers.IntegerField(help_text=_("Applications still under review (not yet decided)"))
    by_stage = serializers.DictField(child=serializers.IntegerField(), help_text=_("Applications per state code"))


class EnterpriseFiguresSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    cumulative_sales = Money()
    cumulative_revenue = Money()
    cumulative_financing = Money()
    revenue_10m_plus = serializers.IntegerField()
    revenue_50m_plus = serializers.IntegerField()
    neeq_listed = serializers.IntegerField()
    by_class = serializers.DictField(child=serializers.IntegerField(), help_text=", ".join(EnterpriseClass.values))
    by_tier = serializers.DictField(child=serializers.IntegerField(), help_text=", ".join(RevenueTier.values))


class MakerSpacesSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    municipal_level = serializers.IntegerField()
    by_level = serializers.DictField(child=serializers.IntegerField())


class SourceMoneySerializer(serializers.Serializer):
    source = serializers.ChoiceField(choices=FundingSource.choices)
    budget = Money(help_text=_("Budgets of the year from this source"))
    committed = Money()
    paid = Money()


class LevelMoneySerializer(serializers.Serializer):
    city = Money(help_text=_("City share of the committed agreements"))
    district = Money(help_text=_("District share of the committed agreements"))


class QuarterSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    quarter = serializers.IntegerField(min_value=1, max_value=4)
    planned = Money(help_text=_("Tranches due in the quarter"))
    paid = Money(help_text=_("Net payments booked in the quarter"))


class FundingFiguresSerializer(serializers.Serializer):
    agreements = serializers.IntegerField()
    committed = Money(help_text=_("Agreements charged to the year's budgets (terminated ones at what they paid)"))
    paid = Money(help_text=_("Paid on those agreements"))
    eligible = Money(help_text=_("Payouts proposed or approved, not yet paid"))
    held = Money(help_text=_("Tranches held by an exit flag"))
    recovered = Money(help_text=_("Funds recovered through the ledger"))
    recovery_due = Money(help_text=_("Recovery decided in exit cases"))
    by_source = SourceMoneySerializer(many=True)
    by_level = LevelMoneySerializer()
    quarters = QuarterSerializer(many=True)


class ExitFiguresSerializer(serializers.Serializer):
    open_flags = serializers.IntegerField()
    open_flags_by_rule = serializers.DictField(child=serializers.IntegerField(), help_text=", ".join(ExitRule.values))
    cases = serializers.IntegerField()
    open_cases = serializers.IntegerField(help_text=_("Cases under investigation or in rectification"))
    cases_by_state = serializers.DictField(child=serializers.IntegerField(), help_text=", ".join(CaseState.values))
    exits = serializers.IntegerField()
    recovery_due = Money()
    recovered = Money()


class LeagueRowSerializer(serializers.Serializer):
    org_unit = serializers.CharField(help_text=_("Unit code"))
    unit_name = serializers.CharField()
    unit_name_en = serializers.CharField()
    unit_kind = serializers.CharField()
    position = serializers.IntegerField(allow_null=True, help_text=_("Place in this table (1, 2, 2, 4)"))
    rank = serializers.IntegerField(allow_null=True, help_text=_("Rank within the unit kind"))
    total = Score()
    hard_total = Score()
    soft_total = Score()
    previous_total = Score()
    change = Score()
    grade_band = serializers.CharField()
    grade_band_en = serializers.CharField(help_text=_("The grade in English ('' where the scheme gave none)"))
    vetoed = serializers.BooleanField()
    state = serializers.ChoiceField(choices=AssessmentState.choices)


class InstrumentMoneySerializer(serializers.Serializer):
    count = serializers.IntegerField()
    amount = Money()


class PlatformFinancingSerializer(serializers.Serializer):
    granted = serializers.IntegerField(help_text=_("Outcomes granted in the year"))
    refused = serializers.IntegerField(help_text=_("Outcomes refused in the year"))
    amount_granted = Money()
    by_instrument = serializers.DictField(
        child=InstrumentMoneySerializer(), help_text=", ".join(FinancingInstrument.values)
    )


class FirstPurchaseFiguresSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    amount = Money()


class ServiceFiguresSerializer(serializers.Serializer):
    requests = serializers.IntegerField(help_text=_("Service requests filed in the year"))
    by_state = serializers.DictField(child=serializers.IntegerField(), help_text=", ".join(RequestState.values))
    by_category = serializers.DictField(child=serializers.IntegerField(), help_text=", ".join(ServiceCategory.values))
    overdue = serializers.IntegerField(help_text=_("Of those, past their deadline today"))
    average_rating = Score(help_text=_("Average rating of the closed ones (1 to 5)"))
    financing = PlatformFinancingSerializer(help_text=_("Financing obtained through the platform"))
    first_purchases = FirstPurchaseFiguresSerializer()


class SummarySerializer(serializers.Serializer):
    year = serializers.IntegerField()
    org_unit = serializers.CharField(allow_null=True, help_text=_("The unit asked for, or null for the scope"))
    generated_at = serializers.DateTimeField()
    titles = TitleCountSerializer(many=True)
    pipeline = PipelineSerializer(many=True)
    enterprises = EnterpriseFiguresSerializer()
    maker_spaces = MakerSpacesSerializer()
    funding = FundingFiguresSerializer()
    exits = ExitFiguresSerializer()
    assessment = LeagueRowSerializer(many=True)
    services = ServiceFiguresSerializer()


class SearchHitSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["applications", "talents", "enterprises", "agreements", "payouts"])
    id = serializers.IntegerField(source="pk")
    title = serializers.CharField()
    detail = serializers.CharField()
    url = serializers.CharField(help_text="The record's page in the portal")


class SearchSerializer(serializers.Serializer):
    query = serializers.CharField(help_text="The query as searched (full-width folded, spaces collapsed)")
    count = serializers.IntegerField()
    results = SearchHitSerializer(many=True, source="hits")
    more = serializers.DictField(
        child=serializers.BooleanField(), help_text="Per kind: whether more records match than are listed"
    )
