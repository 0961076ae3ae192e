"""Records the reports count, created directly (the reports app only reads them)."""

from datetime import date
from decimal import Decimal

import factory
from django.utils import timezone

from assessment.models import Assessment, AssessmentScheme, AssessmentState
from enterprises.models import Enterprise, MakerSpace
from funding.models import Agreement, AgreementState, ExitCase, ExitFlag, LedgerEntry, Tranche
from qinhuai_talent.core.models import OrgUnit, UnitKind
from talents.models import Application, Call, Industry, Level, Program, Talent, Title


def unit(code: str) -> OrgUnit:
    return OrgUnit.objects.get(code=code)


class IndustryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Industry
        django_get_or_create = ("code",)

    code = "cloud_computing"
    name = "云计算"
    name_en = "Cloud computing"
    leading = True


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"program_{n}")
    name = factory.LazyAttribute(lambda o: f"计划{o.code}")
    name_en = factory.LazyAttribute(lambda o: f"Program {o.code}")
    level = Level.MUNICIPAL


class CallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Call
        django_get_or_create = ("program", "year")

    program = factory.SubFactory(ProgramFactory)
    year = 2017
    title = factory.LazyAttribute(lambda o: f"{o.year} {o.program.code}")
    opens_on = factory.LazyAttribute(lambda o: date(o.year, 3, 1))
    closes_on = factory.LazyAttribute(lambda o: date(o.year, 5, 31))
    quota = 10
    state = "closed"


class TalentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Talent

    name = factory.Sequence(lambda n: f"人才{n}")
    org_unit = factory.LazyFunction(lambda: unit("fuzimiao"))


class TitleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Title

    talent = factory.SubFactory(TalentFactory, org_unit=factory.SelfAttribute("..org_unit"))
    program = factory.SubFactory(ProgramFactory)
    year = 2016
    origin = "introduced"
    org_unit = factory.LazyFunction(lambda: unit("fuzimiao"))


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application

    talent = factory.SubFactory(TalentFactory, org_unit=factory.SelfAttribute("..org_unit"))
    call = factory.SubFactory(CallFactory)
    org_unit = factory.LazyFunction(lambda: unit("fuzimiao"))
    industry = factory.SubFactory(IndustryFactory)
    venture_name = factory.Sequence(lambda n: f"创业项目{n}")
    source_channel = "own"
    state = "submitted"


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    name = factory.Sequence(lambda n: f"秦淮示例科技{n}有限公司")
    credit_code = factory.Sequence(lambda n: f"91320104{n:010d}")
    registered_on = date(2015, 6, 1)
    org_unit = factory.LazyFunction(lambda: unit("fuzimiao"))
    industry = factory.SubFactory(IndustryFactory)


class MakerSpaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MakerSpace

    name = factory.Sequence(lambda n: f"众创空间{n}")
    level = Level.MUNICIPAL
    org_unit = factory.LazyFunction(lambda: unit("fuzimiao"))


class AgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agreement

    number = factory.Sequence(lambda n: f"QH-2017-{n:04d}")
    enterprise = factory.SubFactory(EnterpriseFactory, org_unit=factory.SelfAttribute("..org_unit"))
    talent = factory.SubFactory(TalentFactory, org_unit=factory.SelfAttribute("..org_unit"))
    program = factory.SubFactory(ProgramFactory)
    org_unit = factory.LazyFunction(lambda: unit("fuzimiao"))
    startup_grant = Decimal("1000000.00")
    total = factory.LazyAttribute(lambda o: o.startup_grant)
    starts_on = date(2017, 1, 1)
    ends_on = date(2019, 12, 31)
    state = AgreementState.ACTIVE


class TrancheFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tranche

    agreement = factory.SubFactory(AgreementFactory)
    sequence = factory.Sequence(lambda n: n + 1)
    planned_amount = Decimal("300000.00")
    due_on = date(2017, 3, 31)
    state = "waiting"


class LedgerEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LedgerEntry

    agreement = factory.SubFactory(AgreementFactory)
    org_unit = factory.SelfAttribute("agreement.org_unit")
    kind = "payment"
    amount = Decimal("300000.00")
    voucher = factory.Sequence(lambda n: f"V{n:05d}")
    entry_date = date(2017, 4, 10)
    hash = factory.Sequence(lambda n: f"{n:064x}")


class ExitFlagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExitFlag

    agreement = factory.SubFactory(AgreementFactory)
    org_unit = factory.SelfAttribute("agreement.org_unit")
    rule = "missing_reports"
    evidence = "两个季度未报送经营数据"


class ExitCaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExitCase

    agreement = factory.SubFactory(AgreementFactory)
    org_unit = factory.SelfAttribute("agreement.org_unit")


class SchemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssessmentScheme
        django_get_or_create = ("year", "unit_kind")

    year = 2017
    unit_kind = UnitKind.STREET
    name = "2017年街道人才工作考核"


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assessment

    org_unit = factory.LazyFunction(lambda: unit("fuzimiao"))
    scheme = factory.SubFactory(SchemeFactory)
    year = 2017
    state = AssessmentState.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)
