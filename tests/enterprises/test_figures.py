"""The set-based recompute: cumulative figures, growth, tiers, latest grade and classes."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command

from enterprises import services
from enterprises.models import ClassChange, ClassRule, Enterprise, Evaluation
from enterprises.selectors import enterprise_figures, maker_space_counts
from qinhuai_talent.core.jobs import JOB_KINDS
from qinhuai_talent.core.models import OrgUnit

from .factories import EnterpriseFactory, FinancingRoundFactory, ReportFactory

pytestmark = pytest.mark.django_db
M = Decimal(1_000_000)


def _quarters(enterprise, year, revenues, employees=10):
    for q, revenue in enumerate(revenues, start=1):
        ReportFactory(
            enterprise=enterprise,
            year=year,
            quarter=q,
            main_revenue=revenue,
            sales=revenue + Decimal(100),
            employees=employees,
        )


def test_the_recompute_job_kind_is_registered():
    assert "recompute_enterprise_figures" in JOB_KINDS


def test_cumulative_figures_sum_current_reports_and_rounds(park_enterprise):
    _quarters(park_enterprise, 2016, [M, M, M, M])
    FinancingRoundFactory(enterprise=park_enterprise, amount=Decimal("3000000"))
    FinancingRoundFactory(enterprise=park_enterprise, amount=Decimal("2000000"), round="B")
    services.figures_recompute()
    park_enterprise.refresh_from_db()
    assert park_enterprise.cumulative_revenue == 4 * M
    assert park_enterprise.cumulative_sales == 4 * M + 400
    assert park_enterprise.cumulative_financing == 5 * M
    assert (park_enterprise.latest_report_year, park_enterprise.latest_report_quarter) == (2016, 4)


def test_a_yearly_report_counts_only_for_a_year_without_quarterly_reports(park_enterprise):
    _quarters(park_enterprise, 2016, [M, M])
    ReportFactory(enterprise=park_enterprise, period_kind="year", year=2016, quarter=None, main_revenue=9 * M)
    ReportFactory(enterprise=park_enterprise, period_kind="year", year=2015, quarter=None, main_revenue=3 * M)
    services.figures_recompute()
    park_enterprise.refresh_from_db()
    assert park_enterprise.cumulative_revenue == 5 * M


def test_a_superseded_version_does_not_count(park_officer, park_enterprise):
    figures = {"sales": "1000", "main_revenue": "1000"}
    services.report_submit(
        actor=park_officer, enterprise=park_enterprise, period_kind="quarter", year=2016, quarter=1, figures=figures
    )
    services.report_submit(
        actor=park_officer,
        enterprise=park_enterprise,
        period_kind="quarter",
        year=2016,
        quarter=1,
        figures={"sales": "3000", "main_revenue": "2500"},
    )
    services.figures_recompute()
    park_enterprise.refresh_from_db()
    assert park_enterprise.cumulative_revenue == Decimal("2500.00")


def test_growth_compares_the_year_to_date_with_the_same_quarters_a_year_earlier(park_enterprise):
    _quarters(park_enterprise, 2016, [M, M, M, 5 * M])
    _quarters(park_enterprise, 2017, [Decimal("1500000"), Decimal("1500000")])
    services.figures_recompute()
    park_enterprise.refresh_from_db()
    assert park_enterprise.revenue_growth == Decimal("0.5000")


def test_growth_is_empty_without_a_comparison_base(park_enterprise):
    _quarters(park_enterprise, 2016, [M])
    services.figures_recompute()
    park_enterprise.refresh_from_db()
    assert park_enterprise.revenue_growth is None


@pytest.mark.parametrize(
    ("revenue", "tier"),
    [(Decimal("9999999.99"), "none"), (Decimal("10000000"), "10m"), (Decimal("49999999"), "10m"), (50 * M, "50m")],
)
def test_revenue_tiers_at_10_and_50_million(park_enterprise, revenue, tier):
    ReportFactory(enterprise=park_enterprise, main_revenue=revenue, sales=revenue)
    services.figures_recompute()
    park_enterprise.refresh_from_db()
    assert park_enterprise.revenue_tier == tier


def test_latest_grade_is_the_most_recent_evaluation(park_enterprise):
    for grade, day in (("A", datetime.date(2016, 7, 1)), ("C", datetime.date(2017, 7, 1))):
        Evaluation.objects.create(
            enterprise=park_enterprise, year=day.year, evaluator="某银行", grade=grade, evaluated_on=day
        )
    services.figures_recompute()
    park_enterprise.refresh_from_db()
    assert park_enterprise.latest_grade == "C"


def test_default_rules_make_a_fast_grower_high_growth_and_record_why(park_enterprise):
    _quarters(park_enterprise, 2016, [M, M, M, M])
    _quarters(park_enterprise, 2017, [2 * M, 2 * M, 2 * M, 2 * M])
    counts = services.figures_recompute()
    park_enterprise.refresh_from_db()
    assert park_enterprise.enterprise_class == "high_growth"
    change = ClassChange.objects.get(enterprise=park_enterprise)
    assert (change.from_class, change.to_class) == ("seed", "high_growth")
    assert change.cumulative_revenue == 12 * M and change.revenue_growth == Decimal("1.0000")
    assert counts["class_changes"] == 1


def test_a_big_grower_with_enough_staff_is_a_little_giant(park_enterprise):
    _quarters(park_enterprise, 2016, [10 * M] * 4, employees=60)
    _quarters(park_enterprise, 2017, [12 * M] * 4, employees=80)
    services.figures_recompute()
    park_enterprise.refresh_from_db()
    assert park_enterprise.enterprise_class == "little_giant"


def test_a_second_recompute_records_no_new_class_change(park_enterprise):
    _quarters(park_enterprise, 2016, [M] * 4)
    _quarters(park_enterprise, 2017, [2 * M] * 4)
    services.figures_recompute()
    assert services.figures_recompute()["class_changes"] == 0
    assert ClassChange.objects.count() == 1


def test_the_office_changing_a_rule_reclassifies_on_the_next_recompute(office, park_enterprise):
    _quarters(park_enterprise, 2016, [M] * 4)
    _quarters(park_enterprise, 2017, [Decimal("1300000")] * 4)  # 30 % growth
    services.figures_recompute()
    park_enterprise.refresh_from_db()
    assert park_enterprise.enterprise_class == "high_growth"
    rule = ClassRule.objects.get(enterprise_class="high_growth")
    services.class_rule_update(actor=office, rule=rule, min_revenue_growth=Decimal("0.5"))
    services.figures_recompute()
    park_enterprise.refresh_from_db()
    assert park_enterprise.enterprise_class == "seed"
    assert list(ClassChange.objects.order_by("id").values_list("to_class", flat=True)) == ["high_growth", "seed"]


def test_an_inactive_rule_is_not_applied(office, park_enterprise):
    _quarters(park_enterprise, 2016, [M] * 4)
    _quarters(park_enterprise, 2017, [2 * M] * 4)
    services.class_rule_update(actor=office, rule=ClassRule.objects.get(enterprise_class="high_growth"), active=False)
    services.figures_recompute()
    park_enterprise.refresh_from_db()
    assert park_enterprise.enterprise_class == "seed"


def test_only_the_office_changes_class_rules(park_officer):
    from qinhuai_talent.core.errors import ActionNotAllowed

    with pytest.raises(ActionNotAllowed):
        services.class_rule_update(actor=park_officer, rule=ClassRule.objects.get(enterprise_class="high_growth"))


def test_recompute_uses_a_fixed_number_of_queries(park_enterprise, django_assert_max_num_queries):
    for n in range(30):
        e = EnterpriseFactory()
        _quarters(e, 2016, [M * (n + 1)] * 4)
        _quarters(e, 2017, [M * (n + 2)] * 4)
    # savepoints, rule lock, rules, 2 bulk updates, class-change select + insert + update, stamp, tiers;
    # the history of changed figures under the system actor: the actor, the figures before and after,
    # the changed enterprises and one insert of their history rows (per 2,000 changed)
    with django_assert_max_num_queries(20):
        services.figures_recompute()


def test_manage_recompute_enterprises_runs_the_job(park_enterprise):
    ReportFactory(enterprise=park_enterprise, main_revenue=20 * M, sales=20 * M)
    call_command("recompute", "--enterprises", verbosity=0)
    park_enterprise.refresh_from_db()
    assert park_enterprise.revenue_tier == "10m"


def test_enterprise_figures_selector_counts_active_enterprises_of_the_units(park_enterprise, street_enterprise):
    ReportFactory(enterprise=park_enterprise, main_revenue=60 * M, sales=70 * M)
    ReportFactory(enterprise=street_enterprise, main_revenue=20 * M, sales=25 * M)
    moved = EnterpriseFactory(status="moved_out")
    ReportFactory(enterprise=moved, main_revenue=90 * M, sales=90 * M)
    Enterprise.objects.filter(pk=park_enterprise.pk).update(listing="neeq", listed_on=datetime.date(2017, 1, 1))
    FinancingRoundFactory(enterprise=park_enterprise, amount=8 * M)
    services.figures_recompute()
    district = enterprise_figures()
    assert district == {
        "count": 2,
        "cumulative_sales": 95 * M,
        "cumulative_financing": 8 * M,
        "revenue_10m_plus": 2,
        "revenue_50m_plus": 1,
        "neeq_listed": 1,
    }
    park = enterprise_figures(units=[OrgUnit.objects.get(code="gaoxin_park").pk])
    assert park["count"] == 1 and park["cumulative_sales"] == 70 * M


def test_maker_space_counts_by_level(units):
    from enterprises.models import MakerSpace

    unit = OrgUnit.objects.get(code="gaoxin_park")
    MakerSpace.objects.create(name="甲空间", level="municipal", org_unit=unit)
    MakerSpace.objects.create(name="乙空间", level="district", org_unit=OrgUnit.objects.get(code="fuzimiao"))
    assert maker_space_counts()["municipal_level"] == 1
    assert maker_space_counts(units=[unit])["total"] == 1
