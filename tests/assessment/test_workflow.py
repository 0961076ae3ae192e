"""The assessment's life: compute, confirm, publish; frozen after publication; work funds follow."""

from datetime import date
from decimal import Decimal

import pytest

from assessment.models import Assessment, AssessmentState, FundRule, GradeBand
from assessment.services import (
    activity_record,
    assessment_confirm,
    assessment_publish,
    assessments_recompute,
    grade_band_save,
    manual_value_set,
    scheme_copy,
    target_set,
    work_fund_pool_create,
    work_fund_split,
)
from qinhuai_talent.core.errors import DomainError
from qinhuai_talent.core.jobs import job_run
from qinhuai_talent.core.models import Job, JobState
from qinhuai_talent.core.workflow import transitions_of
from tests.domain import raises_domain

from .factories import ActivityFactory, IndicatorFactory, street_scheme

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def scheme(office, units):
    scheme = street_scheme()
    for indicator in scheme.indicators.all():
        for code in ("fuzimiao", "shuangtang", "zhonghuamen"):
            target_set(indicator=indicator, org_unit=units[code], value=D("2"), actor=office)
    ActivityFactory(org_unit=units["fuzimiao"], participants=3)
    assessments_recompute(year=2017)
    return scheme


def _publish_all(office):
    for a in Assessment.objects.filter(year=2017):
        assessment_publish(assessment_id=a.pk, actor=office, reason="逾期未确认，按计算结果发布")


def test_published_assessment_never_changes_when_data_change(office, street_officer, units, scheme):
    own = units["fuzimiao"].assessments.get(year=2017)
    assessment_confirm(assessment_id=own.pk, actor=street_officer)
    assessment_publish(assessment_id=own.pk, actor=office)
    before = (own.total, list(own.scores.values_list("score", flat=True)))
    ActivityFactory(org_unit=units["fuzimiao"], participants=300)
    counts = assessments_recompute(year=2017)
    own.refresh_from_db()
    assert (own.total, list(own.scores.values_list("score", flat=True))) == before
    assert counts["frozen"] == 1


def test_editing_a_published_assessment_is_refused(office, units, scheme):
    _publish_all(office)
    indicator = scheme.indicators.first()
    with pytest.raises(DomainError, match="已公布"):
        target_set(indicator=indicator, org_unit=units["fuzimiao"], value=D("9"), actor=office)
    with raises_domain("frozen"):
        activity_record(
            org_unit=units["fuzimiao"],
            kind="salon",
            title="迟到的沙龙",
            held_on=date(2017, 3, 1),
            participants=3,
            actor=office,
        )


def test_data_changing_before_publication_updates_the_figures_and_asks_for_reconfirmation(
    office, street_officer, units, scheme
):
    own = units["fuzimiao"].assessments.get(year=2017)
    assessment_confirm(assessment_id=own.pk, actor=street_officer)
    ActivityFactory(org_unit=units["fuzimiao"], participants=3)
    assessments_recompute(year=2017)
    own.refresh_from_db()
    assert own.state == AssessmentState.COMPUTED
    assert [t.action for t in transitions_of(own)] == ["compute", "confirm", "recompute"]


def test_recompute_job_runs_through_the_job_runner(office, scheme, units):
    ActivityFactory(org_unit=units["shuangtang"], participants=3)
    job = Job.objects.create(kind="recompute_assessments", requested_by=office)
    job = job_run(job.pk)
    assert job.state == JobState.SUCCEEDED
    # Shuangtang's figures and the ranks of the streets tied behind it changed.
    assert job.counts["changed"] >= 1
    assert units["shuangtang"].assessments.get(year=2017).total > 0
    again = job_run(Job.objects.create(kind="recompute_assessments", requested_by=office).pk)
    assert again.counts["changed"] == 0


def test_year_over_year_change_comes_from_last_years_total(office, units, scheme):
    _publish_all(office)
    next_year = scheme_copy(source=scheme, year=2018, actor=office)
    next_year.state = "active"
    next_year.save()
    ActivityFactory(org_unit=units["fuzimiao"], held_on=date(2018, 2, 1), participants=3)
    assessments_recompute(year=2018)
    a2017 = units["fuzimiao"].assessments.get(year=2017)
    a2018 = units["fuzimiao"].assessments.get(year=2018)
    assert a2018.previous_total == a2017.total
    assert a2018.change == a2018.total - a2017.total
    assert next_year.indicators.count() == 2 and next_year.grade_bands.count() == 3


def test_work_funds_follow_the_scores_and_add_up_to_the_pool(office, units, scheme):
    _publish_all(office)
    pool = work_fund_pool_create(
        year=2017,
        name="2017年度人才工作经费",
        amount=D("1000000"),
        unit_kind="street",
        base_percent=D("20"),
        min_total=D("0.01"),
        actor=office,
    )
    shares = {s.org_unit.code: s.amount for s in work_fund_split(pool=pool, actor=office)}
    assert sum(shares.values()) == D("1000000.00")
    assert shares["fuzimiao"] > shares["shuangtang"] >= D("0")
    assert shares["qinhong"] == D("0.00")  # no target, no score: below the minimum


def test_work_fund_split_by_grade_uses_the_grade_factors(office, units, scheme):
    _publish_all(office)
    pool = work_fund_pool_create(
        year=2017, name="按等次", amount=D("100000"), unit_kind="street", rule=FundRule.BY_GRADE, actor=office
    )
    shares = {s.org_unit.code: s for s in work_fund_split(pool=pool, actor=office)}
    factors = {b.code: b.fund_factor for b in GradeBand.objects.filter(scheme=scheme)}
    assert shares["fuzimiao"].weight == factors[shares["fuzimiao"].assessment.grade_code]
    assert sum(s.amount for s in shares.values()) == D("100000.00")


def test_rewording_a_grade_after_publication_keeps_the_published_grade_and_its_factor(office, units, scheme):
    _publish_all(office)
    published = units["fuzimiao"].assessments.get(year=2017)
    band = GradeBand.objects.get(scheme=scheme, code=published.grade_code)
    grade_band_save(
        scheme=scheme,
        code=band.code,
        label="第一等次（经区人才工作领导小组审定）",
        min_total=band.min_total,
        fund_factor=band.fund_factor,
        actor=office,
    )
    assessments_recompute(year=2017)
    published.refresh_from_db()
    assert published.grade_band == band.label  # as published
    pool = work_fund_pool_create(
        year=2017, name="按等次", amount=D("100000"), unit_kind="street", rule=FundRule.BY_GRADE, actor=office
    )
    shares = {s.org_unit.code: s for s in work_fund_split(pool=pool, actor=office)}
    assert shares["fuzimiao"].weight == band.fund_factor > 0


def test_work_funds_wait_for_publication(office, scheme):
    pool = work_fund_pool_create(year=2017, name="未发布", amount=D("1000"), actor=office)
    with raises_domain("unpublished"):
        work_fund_split(pool=pool, actor=office)


def test_manual_value_is_entered_by_the_office_with_its_evidence(office, units, scheme):
    indicator = IndicatorFactory(scheme=scheme, key="env", weight=D("5"), mode="bonus", max_value=D("5"))
    manual_value_set(
        indicator=indicator, org_unit=units["fuzimiao"], value=D("4"), evidence="区人才环境测评", actor=office
    )
    score = units["fuzimiao"].assessments.get(year=2017).scores.get(indicator=indicator)
    assert score.manual and score.actual == D("4.00") and score.evidence == "区人才环境测评"


def test_demo_seed_is_idempotent_and_leaves_2017_for_the_units_to_confirm(units):
    from io import StringIO

    from assessment import demo

    demo.seed(StringIO())
    counts = {m: m.objects.count() for m in (Assessment, GradeBand)}
    demo.seed(StringIO())
    assert {m: m.objects.count() for m in (Assessment, GradeBand)} == counts
    assert not Assessment.objects.filter(year=2016).exclude(state=AssessmentState.PUBLISHED).exists()
    assert units["fuzimiao"].assessments.get(year=2017).state == AssessmentState.COMPUTED
    assert units["honghua"].assessments.get(year=2016).vetoed is True
