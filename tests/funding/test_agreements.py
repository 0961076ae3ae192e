"""Budgets and agreements: commitments within what is available, created only from approved
applications, tranches planned from the templates, bad input refused with nothing saved."""

from datetime import date
from decimal import Decimal

import pytest

from funding import services
from funding.models import Agreement, FundingSource, Milestone, PlanTemplate, Tranche
from qinhuai_talent.core.errors import ActionNotAllowed, DomainError
from talents.models import ApplicationState
from tests.domain import raises_domain

from .factories import EnterpriseFactory, TalentFactory, agreement, approved_application, budget, unit

pytestmark = pytest.mark.django_db


def _draft(actor, *, grant="1000000.00", amount="10000000.00", state=ApplicationState.APPROVED, **kwargs):
    org_unit = unit("gaoxin_park")
    talent = TalentFactory(org_unit=org_unit)
    enterprise = EnterpriseFactory(org_unit=org_unit)
    enterprise.founders.create(talent=talent, equity_share=Decimal("51"))
    application = approved_application(talent, org_unit)
    application.state = state
    application.save()
    return services.agreement_create(
        actor=actor,
        application=application,
        enterprise=enterprise,
        budget=budget(org_unit, amount=amount),
        startup_grant=grant,
        starts_on=date(2017, 1, 1),
        ends_on=date(2019, 12, 31),
        template=PlanTemplate.objects.get(code="startup_30_40_30"),
        **kwargs,
    )


def test_the_30_40_30_template_plans_three_tranches_with_milestones(park_officer):
    a = _draft(park_officer)
    tranches = list(a.tranches.order_by("sequence").values_list("planned_amount", flat=True))
    assert tranches == [Decimal("300000.00"), Decimal("400000.00"), Decimal("300000.00")]
    kinds = set(Milestone.objects.filter(tranche__agreement=a, tranche__sequence=1).values_list("kind", flat=True))
    assert kinds == {"registered", "moved_in"}
    assert a.state == "draft" and a.total == Decimal("1000000.00") and a.district_share == a.total


def test_the_4_3_3_template_and_rent_and_equity_components(park_officer):
    org_unit = unit("gaoxin_park")
    talent = TalentFactory(org_unit=org_unit)
    enterprise = EnterpriseFactory(org_unit=org_unit)
    enterprise.founders.create(talent=talent, equity_share=Decimal("51"))
    city_budget = budget(org_unit, amount="2000000.00", source=FundingSource.CITY_SHARE)
    a = services.agreement_create(
        actor=park_officer,
        application=approved_application(talent, org_unit),
        enterprise=enterprise,
        budget=budget(org_unit),
        startup_grant="1500000",
        rent_subsidy="90000",
        equity_investment="500000",
        city_share="500000",
        starts_on=date(2017, 1, 1),
        ends_on=date(2020, 1, 1),
        template=PlanTemplate.objects.get(code="three_years_4_3_3"),
    )
    amounts = list(a.tranches.order_by("sequence").values_list("planned_amount", flat=True))
    assert amounts[:3] == [Decimal("600000.00"), Decimal("450000.00"), Decimal("450000.00")]
    assert sum(amounts) == a.total == Decimal("2090000.00")
    assert a.city_share == Decimal("500000.00") and a.district_share == Decimal("1590000.00")
    # Each component against the budget of its own source and year (issue 14, item 7).
    assert a.city_budget == city_budget and a.budget.source == FundingSource.DISTRICT_TREASURY
    assert services.budget_figures_of(a.budget).committed == Decimal("1590000.00")
    assert services.budget_figures_of(city_budget).committed == Decimal("500000.00")


def test_a_city_share_needs_the_units_city_budget_of_the_year(park_officer):
    with raises_domain("no_budget") as refused:
        _draft(park_officer, city_share="400000")
    assert (refused.value.code, refused.value.field) == ("no_budget", "city_share")
    assert not Agreement.objects.exists()


def test_the_city_share_must_be_available_in_the_city_budget(park_officer):
    budget(unit("gaoxin_park"), amount="300000.00", source=FundingSource.CITY_SHARE)
    with raises_domain("over_budget") as refused:
        _draft(park_officer, city_share="400000")
    assert refused.value.field == "city_share"
    assert not Agreement.objects.exists()
    a = _draft(park_officer, city_share="300000")
    assert services.budget_figures_of(a.city_budget).available == 0


def test_the_district_share_is_not_charged_to_a_city_budget(park_officer):
    org_unit = unit("gaoxin_park")
    talent = TalentFactory(org_unit=org_unit)
    enterprise = EnterpriseFactory(org_unit=org_unit)
    enterprise.founders.create(talent=talent, equity_share=Decimal("51"))
    with raises_domain("wrong_budget_source") as refused:
        services.agreement_create(
            actor=park_officer,
            application=approved_application(talent, org_unit),
            enterprise=enterprise,
            budget=budget(org_unit, source=FundingSource.CITY_SHARE),
            startup_grant="100000",
            starts_on=date(2017, 1, 1),
            ends_on=date(2019, 12, 31),
            template=PlanTemplate.objects.get(code="startup_30_40_30"),
        )
    assert refused.value.field == "budget"
    assert not Agreement.objects.exists()


def test_an_agreement_cannot_commit_more_than_the_budget_has_available(park_officer):
    _draft(park_officer, amount="1500000.00")
    with pytest.raises(DomainError, match="超出预算可用额度") as exc:
        _draft(park_officer, amount="1500000.00")
    assert exc.value.field == "budget"
    assert Agreement.objects.count() == 1 and Tranche.objects.count() == 3


def test_an_agreement_needs_an_approved_application(park_officer):
    with pytest.raises(DomainError, match="已批准的申报"):
        _draft(park_officer, state=ApplicationState.PUBLIC_NOTICE)
    assert not Agreement.objects.exists()


def test_another_unit_cannot_draft_for_this_units_application(street_officer):
    with pytest.raises(ActionNotAllowed):
        _draft(street_officer)


def test_the_district_must_match_the_city_share(park_officer):
    with pytest.raises(DomainError, match="1:1"):
        _draft(park_officer, city_share="600000")


def test_a_negative_milestone_threshold_is_refused(park_officer, office):
    a = agreement(office)
    tranche = a.tranches.get(sequence=2)
    with pytest.raises(DomainError, match="不能为负数"):
        services.milestone_add(actor=park_officer, tranche=tranche, kind="revenue", threshold="-1")
    assert tranche.milestones.count() == 1


def test_negative_amounts_are_refused(park_officer):
    with raises_domain("not_positive"):
        _draft(park_officer, grant="-5")


def test_budget_page_and_api_show_committed_paid_available(api, office, park_officer, units):
    agreement(office)
    row = api(park_officer).get("/api/v1/budgets/").json()["results"][0]
    assert row["org_unit"] == "gaoxin_park" and row["amount"] == "100000000.00"
    assert row["committed"] == "1000000.00" and row["available"] == "99000000.00" and row["paid"] == "0.00"


def test_activation_is_logged_with_who_and_when(office, units):
    from qinhuai_talent.core.workflow import transitions_of

    a = agreement(office)
    log = list(transitions_of(a).values_list("action", "from_state", "to_state", "actor__username"))
    assert log == [("activate", "draft", "active", "office")]
