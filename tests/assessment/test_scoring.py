"""Every target mode, the veto and the weights rule."""

from decimal import Decimal

import pytest

from assessment.models import AssessmentState, Indicator, TargetMode
from assessment.scoring import competition_ranks, score_indicator
from assessment.services import (
    IndicatorData,
    assessments_recompute,
    indicator_save,
    manual_value_set,
    scheme_activate,
    target_set,
)
from qinhuai_talent.core.errors import DomainError
from qinhuai_talent.core.models import OrgUnit
from tests.domain import raises_domain

from .factories import ActivityFactory, IndicatorFactory, SchemeFactory, street_scheme

D = Decimal


def score(mode, actual, target, weight="20", per=None):
    return score_indicator(
        mode=mode,
        weight=D(weight),
        actual=D(actual),
        target=None if target is None else D(target),
        points_per_unit=None if per is None else D(per),
    ).score


def test_linear_mode_pays_in_proportion_and_rewards_overachievement_up_to_double():
    assert score(TargetMode.LINEAR, "5", "10") == D("10.00")
    assert score(TargetMode.LINEAR, "15", "10") == D("30.00")
    assert score(TargetMode.LINEAR, "100", "10") == D("40.00")


def test_capped_mode_never_pays_more_than_the_weight():
    assert score(TargetMode.CAPPED, "5", "10") == D("10.00")
    assert score(TargetMode.CAPPED, "15", "10") == D("20.00")


def test_threshold_mode_pays_all_or_nothing():
    assert score(TargetMode.THRESHOLD, "9.99", "10") == D("0.00")
    assert score(TargetMode.THRESHOLD, "10", "10") == D("20.00")


def test_bonus_mode_pays_points_per_unit_up_to_its_maximum():
    assert score(TargetMode.BONUS, "3", None, weight="5", per="1.5") == D("4.50")
    assert score(TargetMode.BONUS, "10", None, weight="5", per="1.5") == D("5.00")
    assert score(TargetMode.BONUS, "1", "2", weight="5") == D("2.50")


def test_missing_target_earns_nothing_and_a_zero_target_earns_everything():
    assert score(TargetMode.LINEAR, "5", None) == D("0.00")
    assert score(TargetMode.LINEAR, "0", "0") == D("20.00")


def test_ranks_share_a_place_on_equal_totals():
    assert competition_ranks({1: D("90"), 2: D("80"), 3: D("90"), 4: None}) == {1: 1, 3: 1, 2: 3, 4: None}


def test_recompute_scores_units_against_their_targets_and_ranks_them(office, units):
    scheme = street_scheme()
    activities, participants = scheme.indicators.order_by("order")
    fuzimiao, shuangtang = units["fuzimiao"], units["shuangtang"]
    for unit in (fuzimiao, shuangtang):
        target_set(indicator=activities, org_unit=unit, value=D("4"), actor=office)
        target_set(indicator=participants, org_unit=unit, value=D("100"), actor=office)
    for _ in range(4):
        ActivityFactory(org_unit=fuzimiao, participants=50)
    ActivityFactory(org_unit=shuangtang, participants=20)

    counts = assessments_recompute(year=2017)

    a = fuzimiao.assessments.get(year=2017)
    b = shuangtang.assessments.get(year=2017)
    assert a.state == AssessmentState.COMPUTED
    assert a.total == D("100.00") and a.grade_band == "优秀" and a.rank == 1
    assert a.hard_total == D("60.00") and a.soft_total == D("40.00")
    assert b.total == D("23.00") and b.grade_band == "合格" and b.rank == 2
    assert a.scores.get(indicator=activities).record_count == 4
    assert counts["assessments"] == OrgUnit.objects.filter(kind="street").count()


def test_recompute_twice_changes_nothing(office, units):
    street_scheme()
    ActivityFactory(org_unit=units["fuzimiao"])
    assessments_recompute(year=2017)
    again = assessments_recompute(year=2017)
    assert again["changed"] == 0 and again["created"] == 0 and again["computed"] == 0


def test_a_veto_item_zeroes_the_units_result(office, units):
    scheme = street_scheme()
    veto = IndicatorFactory(scheme=scheme, key="safety", weight=D("0"), is_veto=True, max_value=D("1"))
    for ind in scheme.indicators.exclude(pk=veto.pk):
        target_set(indicator=ind, org_unit=units["fuzimiao"], value=D("1"), actor=office)
    ActivityFactory(org_unit=units["fuzimiao"], participants=5)
    manual_value_set(
        indicator=veto, org_unit=units["fuzimiao"], value=D("1"), evidence="区安委会通报（2017）12号", actor=office
    )
    assessments_recompute(year=2017)
    result = units["fuzimiao"].assessments.get(year=2017)
    assert result.vetoed is True
    assert result.total == D("0.00")


def test_weights_must_add_up_to_100_before_a_scheme_is_activated(office):
    scheme = SchemeFactory(state="draft")
    IndicatorFactory(scheme=scheme, weight=D("60"))
    IndicatorFactory(scheme=scheme, weight=D("30"))
    IndicatorFactory(scheme=scheme, weight=D("15"), mode=TargetMode.BONUS)
    with pytest.raises(DomainError, match="90"):
        scheme_activate(scheme=scheme, actor=office)
    IndicatorFactory(scheme=scheme, weight=D("10"))
    scheme_activate(scheme=scheme, actor=office)
    scheme.refresh_from_db()
    assert scheme.state == "active"


def test_an_active_scheme_refuses_a_change_that_breaks_the_100(office):
    scheme = street_scheme()
    indicator = scheme.indicators.get(key="activities")
    data = IndicatorData(key="activities", label="活动", weight=D("70"), source="activities_held")
    with pytest.raises(DomainError, match="110"):
        indicator_save(scheme=scheme, data=data, actor=office, indicator=indicator)
    assert Indicator.objects.get(pk=indicator.pk).weight == D("60")


def test_a_manual_value_outside_its_range_is_refused(office, units):
    scheme = street_scheme()
    manual = IndicatorFactory(scheme=scheme, key="environment", weight=D("0"), mode=TargetMode.BONUS, max_value=D("5"))
    with pytest.raises(DomainError, match="5"):
        manual_value_set(indicator=manual, org_unit=units["fuzimiao"], value=D("7"), evidence="x", actor=office)
    with raises_domain("evidence_missing"):
        manual_value_set(indicator=manual, org_unit=units["fuzimiao"], value=D("3"), evidence="  ", actor=office)


def test_a_target_for_a_unit_of_the_wrong_kind_is_refused(office, units):
    scheme = street_scheme()
    with raises_domain("wrong_unit_kind") as exc:
        target_set(indicator=scheme.indicators.first(), org_unit=units["gaoxin_park"], value=D("3"), actor=office)
    assert "高新园区" in str(exc.value.message)
