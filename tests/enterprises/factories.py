import datetime
from decimal import Decimal

import factory
from stdnum.cn import uscc

from enterprises.models import Enterprise, FinancingRound, OperatingReport, SupportPlanItem
from qinhuai_talent.core.models import OrgUnit
from talents.models import Industry, Talent


def credit_code(n: int) -> str:
    body = f"91320104MA{2_000_000 + n:07d}"
    return body + uscc.calc_check_digit(body)


class IndustryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Industry
        django_get_or_create = ("code",)

    code = "cloud_computing"
    name = "云计算"
    name_en = "Cloud computing"
    leading = True


class TalentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Talent

    name = factory.Sequence(lambda n: f"测试人才{n}")
    org_unit = factory.LazyFunction(lambda: OrgUnit.objects.get(code="gaoxin_park"))


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    name = factory.Sequence(lambda n: f"南京测试{n}科技有限公司")
    credit_code = factory.Sequence(credit_code)
    registered_on = datetime.date(2014, 3, 1)
    org_unit = factory.LazyFunction(lambda: OrgUnit.objects.get(code="gaoxin_park"))
    industry = factory.SubFactory(IndustryFactory)
    registered_capital = Decimal("5000000.00")
    paid_in_capital = Decimal("3000000.00")


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OperatingReport

    enterprise = factory.SubFactory(EnterpriseFactory)
    period_kind = "quarter"
    year = 2016
    quarter = 1
    sales = Decimal("1000000.00")
    main_revenue = Decimal("900000.00")
    employees = 20


class FinancingRoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FinancingRound

    enterprise = factory.SubFactory(EnterpriseFactory)
    investor = "测试创投"
    round = "A"
    amount = Decimal("5000000.00")
    closed_on = datetime.date(2016, 5, 1)


class SupportItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupportPlanItem

    enterprise = factory.SubFactory(EnterpriseFactory)
    kind = "mentoring"
    title = factory.Sequence(lambda n: f"辅导{n}")
    due_on = datetime.date(2017, 1, 1)
