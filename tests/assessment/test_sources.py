"""Computed sources read the other apps' records, grouped by unit, and show what they count."""

from datetime import date
from decimal import Decimal

import pytest

from assessment.sources import SOURCES
from talents.models import Origin, Program, Talent, Title

pytestmark = pytest.mark.django_db


def _title(unit, level: str, origin: str, year: int = 2017, n: int = 0) -> Title:
    program, _ = Program.objects.get_or_create(
        code=f"demo-{level}", defaults={"name": f"{level}计划", "name_en": level, "level": level}
    )
    talent = Talent.objects.create(name=f"测试人才{unit.code}{level}{n}", org_unit=unit)
    return Title.objects.create(talent=talent, program=program, year=year, origin=origin, org_unit=unit)


def test_talents_introduced_are_weighted_by_level_and_linked_to_their_titles(units):
    fuzimiao, shuangtang = units["fuzimiao"], units["shuangtang"]
    _title(fuzimiao, "national", Origin.INTRODUCED)
    _title(fuzimiao, "district", Origin.INTRODUCED)
    _title(fuzimiao, "provincial", Origin.SELF_CULTIVATED)  # not introduced: not counted
    _title(shuangtang, "municipal", Origin.INTRODUCED, year=2016)  # another year
    source = SOURCES["talents_introduced_weighted"]
    figures = source.compute(2017, [fuzimiao.pk, shuangtang.pk], {})
    assert figures[fuzimiao.pk].value == Decimal("6.00") and figures[fuzimiao.pk].count == 2
    assert shuangtang.pk not in figures
    custom = source.compute(2017, [fuzimiao.pk], {"weights": {"national": 10}})
    assert custom[fuzimiao.pk].value == Decimal("11.00")
    assert source.records(2017, fuzimiao.pk, {}).count() == 2


def test_every_source_runs_one_query_for_all_units(units, django_assert_max_num_queries):
    unit_ids = [u.pk for u in units.values()]
    for key, source in SOURCES.items():
        with django_assert_max_num_queries(1):
            result = source.compute(2017, unit_ids, {})
        assert isinstance(result, dict), key
        assert source.records(2017, unit_ids[0], {}).count() == 0, key


def test_ratio_sources_answer_100_when_nothing_was_due(units):
    assert SOURCES["payouts_approved_on_time"].empty == Decimal("100.00")
    assert SOURCES["activities_held"].empty == Decimal("0.00")


def test_activities_held_counts_only_the_year_and_the_kinds_asked(units):
    from .factories import ActivityFactory

    unit = units["gaoxin_park"]
    ActivityFactory(org_unit=unit, kind="star_award")
    ActivityFactory(org_unit=unit, kind="salon")
    ActivityFactory(org_unit=unit, kind="salon", held_on=date(2016, 3, 1))
    source = SOURCES["activities_held"]
    assert source.compute(2017, [unit.pk], {})[unit.pk].value == Decimal("2.00")
    assert source.compute(2017, [unit.pk], {"kinds": ["star_award"]})[unit.pk].count == 1
