"""Bad input on enterprises, founders and reports: a clear refusal, nothing half-saved."""

import datetime
from decimal import Decimal

import pytest

from enterprises import services
from enterprises.models import OperatingReport
from qinhuai_talent.core.errors import ActionNotAllowed, DomainError
from qinhuai_talent.core.models import OrgUnit

from .factories import IndustryFactory, TalentFactory, credit_code

pytestmark = pytest.mark.django_db

FIGURES = {"sales": "1200000", "main_revenue": "1000000", "employees": 30, "insured_employees": 28}


def _new(office, **extra):
    data = {
        "name": "南京新星测试科技有限公司",
        "credit_code": credit_code(900),
        "registered_on": datetime.date(2015, 1, 5),
        "org_unit": OrgUnit.objects.get(code="gaoxin_park"),
        "industry": IndustryFactory(),
        "registered_capital": Decimal("1000000"),
        "paid_in_capital": Decimal("500000"),
    }
    data.update(extra)
    return services.enterprise_save(actor=office, **data)


def test_credit_code_with_a_wrong_check_digit_is_refused(office):
    good = credit_code(900)
    wrong = good[:-1] + ("1" if good[-1] != "1" else "2")
    with pytest.raises(DomainError) as exc:
        _new(office, credit_code=wrong)
    assert exc.value.field == "credit_code" and "统一社会信用代码" in str(exc.value.message)


def test_credit_code_of_the_wrong_length_names_the_length(office):
    with pytest.raises(DomainError, match="18"):
        _new(office, credit_code="91320104MA100")


def test_credit_code_is_stored_compact_and_upper_case(office):
    enterprise = _new(office, credit_code=" " + credit_code(900).lower() + " ")
    assert enterprise.credit_code == credit_code(900)


def test_a_second_enterprise_with_the_same_credit_code_is_refused(office, park_enterprise):
    with pytest.raises(DomainError) as exc:
        _new(office, credit_code=park_enterprise.credit_code)
    assert exc.value.field == "credit_code"


def test_a_second_enterprise_with_the_same_name_is_refused(office, park_enterprise):
    with pytest.raises(DomainError) as exc:
        _new(office, name=park_enterprise.name)
    assert exc.value.field == "name"


def test_paid_in_capital_above_registered_capital_is_refused(office):
    with pytest.raises(DomainError) as exc:
        _new(office, paid_in_capital=Decimal("2000000"))
    assert exc.value.field == "paid_in_capital"


def test_an_officer_cannot_register_an_enterprise_for_another_unit(street_officer):
    with pytest.raises(ActionNotAllowed):
        _new(street_officer)


def test_founders_equity_over_100_percent_is_refused(office, park_enterprise):
    services.founder_save(actor=office, enterprise=park_enterprise, talent=TalentFactory(), equity_share=Decimal(70))
    with pytest.raises(DomainError, match="100"):
        services.founder_save(
            actor=office, enterprise=park_enterprise, talent=TalentFactory(), equity_share=Decimal("30.01")
        )
    assert park_enterprise.founders.count() == 1


def test_changing_a_founders_share_counts_only_the_others(office, park_enterprise):
    talent = TalentFactory()
    services.founder_save(actor=office, enterprise=park_enterprise, talent=talent, equity_share=Decimal(70))
    founder = services.founder_save(actor=office, enterprise=park_enterprise, talent=talent, equity_share=Decimal(100))
    assert founder.equity_share == Decimal(100)


def test_a_founder_who_stops_full_time_work_gets_a_date(office, park_enterprise):
    founder = services.founder_save(
        actor=office, enterprise=park_enterprise, talent=TalentFactory(), equity_share=Decimal(60), full_time=False
    )
    assert founder.not_full_time_since is not None


def _report(actor, enterprise, **kw):
    args = {"period_kind": "quarter", "year": 2016, "quarter": 2, "figures": FIGURES}
    args.update(kw)
    return services.report_submit(actor=actor, enterprise=enterprise, **args)


def test_a_report_for_a_period_not_yet_ended_is_refused(park_officer, park_enterprise):
    today = datetime.date.today()
    with pytest.raises(DomainError, match="尚未结束"):
        _report(park_officer, park_enterprise, year=today.year, quarter=(today.month - 1) // 3 + 1)
    with pytest.raises(DomainError):
        _report(park_officer, park_enterprise, year=today.year + 1, quarter=1)


def test_a_report_for_a_period_before_registration_is_refused(park_officer, park_enterprise):
    with pytest.raises(DomainError, match="早于企业注册日期"):
        _report(park_officer, park_enterprise, year=2013, quarter=4)


def test_the_quarter_of_registration_may_be_reported(park_officer, park_enterprise):
    assert _report(park_officer, park_enterprise, year=2014, quarter=1).version == 1


@pytest.mark.parametrize("field", ["sales", "main_revenue", "tax_paid", "rnd_spend"])
def test_negative_amounts_are_refused(park_officer, park_enterprise, field):
    with pytest.raises(DomainError) as exc:
        _report(park_officer, park_enterprise, figures={**FIGURES, field: "-1"})
    assert exc.value.field == field
    assert not OperatingReport.objects.exists()


def test_a_loss_is_a_negative_net_profit_and_allowed(park_officer, park_enterprise):
    report = _report(park_officer, park_enterprise, figures={**FIGURES, "net_profit": "-250000.5"})
    assert report.net_profit == Decimal("-250000.50")


def test_a_non_numeric_amount_is_refused(park_officer, park_enterprise):
    with pytest.raises(DomainError, match="不是有效金额"):
        _report(park_officer, park_enterprise, figures={**FIGURES, "sales": "lots"})


def test_a_correction_adds_a_version_and_keeps_the_earlier_one(park_officer, park_enterprise):
    first = _report(park_officer, park_enterprise)
    second = _report(park_officer, park_enterprise, figures={**FIGURES, "sales": "1500000"})
    first.refresh_from_db()
    assert (first.version, first.is_current, first.sales) == (1, False, Decimal("1200000.00"))
    assert (second.version, second.is_current, second.sales) == (2, True, Decimal("1500000.00"))


def test_an_officer_cannot_report_for_another_units_enterprise(street_officer, park_enterprise):
    with pytest.raises(ActionNotAllowed):
        _report(street_officer, park_enterprise)


def test_insured_headcount_above_employees_is_refused(park_officer, park_enterprise):
    with pytest.raises(DomainError) as exc:
        _report(park_officer, park_enterprise, figures={**FIGURES, "insured_employees": 31})
    assert exc.value.field == "insured_employees"


def test_a_financing_round_of_zero_is_refused(park_officer, park_enterprise):
    with pytest.raises(DomainError):
        services.financing_round_add(
            actor=park_officer,
            enterprise=park_enterprise,
            investor="某创投",
            round="A",
            amount=0,
            closed_on=datetime.date(2016, 1, 1),
        )


def test_completing_a_plan_item_needs_an_outcome_and_is_logged(park_officer, park_enterprise):
    from qinhuai_talent.core.workflow import transitions_of

    item = services.support_item_create(
        actor=park_officer,
        enterprise=park_enterprise,
        kind="mentoring",
        title="导师辅导",
        due_on=datetime.date(2017, 1, 1),
    )
    with pytest.raises(DomainError):
        services.support_item_transition(actor=park_officer, item=item, action="complete")
    item = services.support_item_transition(actor=park_officer, item=item, action="complete", outcome="完成三次辅导")
    assert item.status == "done" and item.completed_on is not None
    assert [t.to_state for t in transitions_of(item)] == ["done"]


def test_a_plan_items_states_and_changes_read_in_the_users_language(web, office, park_officer, park_enterprise):
    from django.utils import translation

    from enterprises.models import SupportStatus

    item = services.support_item_create(
        actor=park_officer,
        enterprise=park_enterprise,
        kind="mentoring",
        title="导师辅导",
        due_on=datetime.date(2017, 1, 1),
    )
    services.support_item_transition(actor=park_officer, item=item, action="start")
    client = web(office)
    html = client.get(f"/enterprises/plan/{item.pk}/").content.decode()
    with translation.override("zh-hans"):
        # The transition log and the change history show the state's name, not its code.
        assert f"<td>{SupportStatus.PLANNED.label}</td><td>{SupportStatus.IN_PROGRESS.label}</td>" in html
        assert f"{SupportStatus.PLANNED.label} → {SupportStatus.IN_PROGRESS.label}" in html
    assert "planned" not in html and "in_progress" not in html
    client.cookies["django_language"] = "en"
    # (override: the request activates English in this thread; leaving restores the language)
    with translation.override("zh-hans"):
        html = client.get(f"/enterprises/{park_enterprise.pk}/").content.decode()
    # The plan's buttons follow the language of the request, not the one the module was loaded in.
    assert ">Complete</button>" in html and "办结" not in html


def test_another_units_officer_cannot_move_a_plan_item(park_officer, other_street_officer, park_enterprise):
    item = services.support_item_create(
        actor=park_officer,
        enterprise=park_enterprise,
        kind="mentoring",
        title="导师辅导",
        due_on=datetime.date(2017, 1, 1),
    )
    with pytest.raises(ActionNotAllowed):
        services.support_item_transition(actor=other_street_officer, item=item, action="start")
