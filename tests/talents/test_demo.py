"""The demo reproduces the seed's figures exactly and is idempotent."""

import io

import pytest
from stdnum.cn import ric

from qinhuai_talent.core.models import OrgUnit
from talents import demo
from talents.models import Application, Talent, Title
from talents.selectors import pipeline_counts, title_counts

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(units):
    demo.seed(io.StringIO())


def test_titles_match_the_seed(seeded):
    counts = {(r["program"], r["origin"]): r["count"] for r in title_counts(2017)}
    assert counts == {
        ("academician", "introduced"): 2,
        ("national_thousand_talents", "introduced"): 28,
        ("national_thousand_talents", "self_cultivated"): 2,
        ("provincial_shuangchuang", "self_cultivated"): 22,
        ("provincial_tech_entrepreneur", "self_cultivated"): 10,
        ("municipal_tech_entrepreneur", "self_cultivated"): 14,
        ("municipal_high_end_team", "introduced"): 3,
        ("municipal_leading_entrepreneur", "introduced"): 373,
        ("district_high_level_entrepreneur", "introduced"): counts[("district_high_level_entrepreneur", "introduced")],
        ("district_high_level_entrepreneur", "self_cultivated"): 40
        - counts[("district_high_level_entrepreneur", "introduced")],
    }


def test_pipeline_matches_the_seed_and_every_district_stage_is_populated(seeded):
    rows = {r["program"]: r for r in pipeline_counts(2017)}
    assert rows["national_thousand_talents"]["by_stage"]["defense"] == 3
    assert rows["provincial_shuangchuang"]["by_stage"]["recommended"] == 14
    assert rows["municipal_innovative_entrepreneur"]["active"] == 9
    assert rows["municipal_high_level_entrepreneur"]["active"] == 37
    for unit in ("fuzimiao", "shuangtang", "gaoxin_park", "guochuang_park"):
        by_stage = {r["program"]: r for r in pipeline_counts(2017, units=[OrgUnit.objects.get(code=unit)])}
        stages = by_stage["district_high_level_entrepreneur"]["by_stage"]
        assert all(stages[s] >= 1 for s in stages if s != "recommended"), (unit, stages)


def test_approved_demo_applications_hold_their_titles(seeded):
    for app in Application.objects.filter(state="approved"):
        assert Title.objects.filter(application=app, talent=app.talent).exists()


def test_demo_id_numbers_are_valid_and_seeding_twice_adds_nothing(seeded):
    assert all(ric.is_valid(n) for n in Talent.objects.values_list("id_number", flat=True))
    before = (Talent.objects.count(), Title.objects.count(), Application.objects.count())
    demo.seed(io.StringIO())
    assert (Talent.objects.count(), Title.objects.count(), Application.objects.count()) == before


def test_the_demo_applicant_has_a_draft_and_a_return_to_answer_in_calls_open_on_the_demo_day(seeded, settings):
    from qinhuai_talent.core import clock
    from qinhuai_talent.core.models import User
    from talents import selectors

    settings.PORTAL_AS_OF = clock.DEMO_DAY.isoformat()
    talent = User.objects.get(username="talent")
    apps = {a.state: a for a in selectors.own_applications(talent)}
    assert sorted(apps) == ["draft", "returned"]
    assert {a.org_unit.code for a in apps.values()} == {"fuzimiao"}
    open_calls = set(selectors.open_calls())
    assert {a.call for a in apps.values()} <= open_calls and open_calls
    assert apps["returned"].officer_comment and apps["returned"].attachments.count() == 2
    # The draft explains what stands between it and its submission.
    from talents.services import submission_problems

    assert len(submission_problems(apps["draft"])) >= 2
    # 2018's first applications do not move the reports off 2017, whose calls have closed.
    from reports.selectors import default_year

    assert default_year() == 2017
