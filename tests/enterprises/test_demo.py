"""The demo enterprises reproduce the seed's figures (DOMAIN.md, section 一), from the recompute."""

import io
from decimal import Decimal

import pytest

from enterprises import demo
from enterprises.models import Enterprise, Founder
from enterprises.selectors import enterprise_figures, maker_space_counts

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture
def seeded(units):
    from talents import demo as talents_demo

    talents_demo.seed(stdout=io.StringIO())
    demo.seed(stdout=io.StringIO())


def test_demo_reproduces_the_seeds_figures_gives_exit_rules_material_and_is_idempotent(seeded):
    """One test: seeding the talents and enterprises takes a while, so it is done once."""
    _figures()
    _exit_rule_material()
    _units_and_founders()
    _idempotent()


def _figures():
    figures = enterprise_figures()
    assert Decimal("1350000000") <= figures["cumulative_sales"] <= Decimal("1400000000")
    assert Decimal("450000000") <= figures["cumulative_financing"] <= Decimal("500000000")
    assert (figures["revenue_10m_plus"], figures["revenue_50m_plus"], figures["neeq_listed"]) == (21, 7, 4)
    assert maker_space_counts()["municipal_level"] == 9
    assert 60 <= Enterprise.objects.count() <= 90


def _exit_rule_material():
    stale = Enterprise.objects.filter(status="active", latest_report_year=2017, latest_report_quarter__lte=2)
    assert stale.count() >= 2
    assert Enterprise.objects.filter(status="moved_out").exists()
    assert Founder.objects.filter(full_time=False, not_full_time_since__lte="2017-06-30").exists()
    assert Enterprise.objects.filter(cumulative_revenue=0, registered_on__lte="2015-12-31").exists()
    assert Enterprise.objects.filter(latest_grade="D").exists()
    grades = Enterprise.objects.filter(evaluations__grade="C", evaluations__year=2017).values("pk")
    assert any(Enterprise.objects.get(pk=g["pk"]).evaluations.filter(year=2017, grade="C").count() == 2 for g in grades)


def _units_and_founders():
    for code in ("fuzimiao", "shuangtang", "gaoxin_park", "guochuang_park"):
        assert Enterprise.objects.filter(org_unit__code=code).count() >= 5
    assert not Founder.objects.exclude(talent__org_unit=models_F_unit()).exists()
    assert (
        Enterprise.objects.filter(industry__code="cloud_computing").count()
        >= Enterprise.objects.filter(industry__code="biomedicine").count()
    )


def models_F_unit():
    from django.db.models import F

    return F("enterprise__org_unit")


def _idempotent():
    before = demo.demo_counts()
    demo.seed(stdout=io.StringIO())
    assert demo.demo_counts() == before
