"""Factories for the talents app: an open district call with a rubric, talents with valid ID numbers."""

import datetime
import itertools
from decimal import Decimal

import factory
from django.utils import timezone
from stdnum.cn import ric

from qinhuai_talent.core.models import OrgUnit
from talents.models import (
    Application,
    Call,
    CallState,
    Industry,
    Program,
    RubricCriterion,
    SourceChannel,
    Talent,
)

_serial = itertools.count(1)


def valid_id_number(n: int | None = None) -> str:
    n = next(_serial) if n is None else n
    body = f"320104{datetime.date(1980, 1, 1) + datetime.timedelta(days=n):%Y%m%d}{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def unit(code: str) -> OrgUnit:
    return OrgUnit.objects.get(code=code)


class TalentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Talent

    name = factory.Sequence(lambda n: f"测试人才{n}")
    id_number = factory.LazyFunction(valid_id_number)
    birth_date = datetime.date(1985, 6, 1)
    education = "master"
    org_unit = factory.LazyFunction(lambda: unit("fuzimiao"))


class CallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Call
        django_get_or_create = ("program", "year")
        skip_postgeneration_save = True

    program = factory.LazyFunction(lambda: Program.objects.get(code="district_high_level_entrepreneur"))
    year = factory.LazyFunction(lambda: timezone.localdate().year)
    title = factory.LazyAttribute(lambda o: f"{o.year}年{o.program.name}")
    opens_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=10))
    closes_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=30))
    state = CallState.OPEN
    min_reviews = 2
    notice_days = 15
    required_documents = factory.LazyFunction(lambda: ["business_plan"])
    eligibility = factory.LazyFunction(lambda: {"legal_representative": True, "min_own_capital": "500000"})

    @factory.post_generation
    def rubric(self, create, extracted, **kwargs):
        if not create or self.criteria.exists():
            return
        RubricCriterion.objects.bulk_create(
            [
                RubricCriterion(call=self, code="innovation", label="技术创新性", weight=Decimal("60"), order=0),
                RubricCriterion(call=self, code="market", label="市场前景", weight=Decimal("40"), order=1),
            ]
        )
        self.focus_industries.set(Industry.objects.filter(leading=True))


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application

    talent = factory.SubFactory(TalentFactory)
    call = factory.SubFactory(CallFactory)
    org_unit = factory.LazyAttribute(lambda o: o.talent.org_unit)
    industry = factory.LazyFunction(lambda: Industry.objects.get(code="cloud_computing"))
    venture_name = factory.Sequence(lambda n: f"秦淮云{n}科技有限公司")
    summary = "云计算平台"
    requested_support = Decimal("500000.00")
    source_channel = SourceChannel.CONTEST
    is_legal_representative = True
    own_paid_in_capital = Decimal("1000000.00")
