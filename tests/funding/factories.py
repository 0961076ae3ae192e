"""Factories for the funding tests: an approved application, its enterprise and founder, a budget,
and an active agreement planned from a template."""

import itertools
from datetime import date
from decimal import Decimal

import factory

from enterprises.models import Enterprise, Founder
from funding import services
from funding.models import ApprovalLimit, Budget, FundingSource, PlanTemplate
from qinhuai_talent.core.models import OrgUnit
from talents.models import Application, ApplicationState, Call, Industry, Program, SourceChannel, Talent

_seq = itertools.count(1)


def unit(code: str) -> OrgUnit:
    return OrgUnit.objects.get(code=code)


class TalentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Talent

    name = factory.Sequence(lambda n: f"测试人才{n}")
    org_unit = factory.LazyFunction(lambda: unit("gaoxin_park"))


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    name = factory.Sequence(lambda n: f"测试科技有限公司{n}")
    credit_code = factory.Sequence(lambda n: f"91320104MA{n:08d}")
    registered_on = date(2016, 3, 1)
    moved_in_on = date(2016, 4, 1)
    paid_in_capital = Decimal("1200000.00")
    org_unit = factory.LazyFunction(lambda: unit("gaoxin_park"))
    industry = factory.LazyFunction(lambda: Industry.objects.order_by("pk").first())


def approved_application(talent: Talent, org_unit: OrgUnit) -> Application:
    program = Program.objects.get(code="district_high_level_entrepreneur")
    call, _ = Call.objects.get_or_create(
        program=program,
        year=2017,
        defaults={"title": "2017 区高层次创业人才", "opens_on": date(2017, 1, 1), "closes_on": date(2017, 3, 31)},
    )
    return Application.objects.create(
        talent=talent,
        call=call,
        org_unit=org_unit,
        industry=Industry.objects.order_by("pk").first(),
        venture_name=f"项目{next(_seq)}",
        source_channel=SourceChannel.OWN,
        state=ApplicationState.APPROVED,
    )


def budget(org_unit: OrgUnit, amount="100000000.00", year=2017, source=FundingSource.DISTRICT_TREASURY) -> Budget:
    b, _ = Budget.objects.get_or_create(org_unit=org_unit, year=year, source=source, defaults={"amount": amount})
    return b


def limit(org_unit: OrgUnit, amount="500000.00") -> ApprovalLimit:
    return ApprovalLimit.objects.update_or_create(org_unit=org_unit, defaults={"max_amount": amount})[0]


def agreement(
    actor,
    *,
    unit_code="gaoxin_park",
    grant="1000000.00",
    rent="0",
    equity="0",
    template="startup_30_40_30",
    activate=True,
    enterprise=None,
    starts_on=date(2017, 1, 1),
    **enterprise_fields,
):
    org_unit = unit(unit_code)
    talent = TalentFactory(org_unit=org_unit)
    enterprise = enterprise or EnterpriseFactory(org_unit=org_unit, **enterprise_fields)
    Founder.objects.create(
        enterprise=enterprise, talent=talent, equity_share=Decimal("60"), is_legal_representative=True
    )
    application = approved_application(talent, org_unit)
    a = services.agreement_create(
        actor=actor,
        application=application,
        enterprise=enterprise,
        budget=budget(org_unit),
        startup_grant=grant,
        rent_subsidy=rent,
        equity_investment=equity,
        starts_on=starts_on,
        ends_on=date(starts_on.year + 3, starts_on.month, 1),
        template=PlanTemplate.objects.get(code=template) if template else None,
    )
    if activate:
        services.agreement_transition(actor=actor, agreement_id=a.pk, action="activate")
        a.refresh_from_db()
    return a


def reverse_payment(*, finance, office, payout, voucher="CZ-R-1", reason="付款有误"):
    """Finance proposes the payout's reversal (or its proposal waiting already), the office
    approves it; returns the reversal's ledger entry."""
    from funding.models import Reversal, ReversalState

    waiting = Reversal.objects.filter(payout=payout, state=ReversalState.PROPOSED).first()
    reversal = waiting or services.reversal_propose(actor=finance, payout_id=payout.pk, voucher=voucher, reason=reason)
    return services.reversal_approve(actor=office, reversal_id=reversal.pk).entry
