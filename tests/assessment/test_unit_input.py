"""An assessed unit cannot change its own assessment input (issue 14, item 2).

Generated over every kind of indicator (computed from records or entered by hand × hard or soft ×
every target mode, and the veto item) × every unit role (a street officer, a park officer, the
innovation group's officer), each on its own unit's scorecard, through the service, the page and
the API: nothing changes, the refusal's code says why. The office enters every hand-entered figure
(the control). The unit confirms or objects.
"""

import itertools
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from assessment import services
from assessment.models import Assessment, IndicatorKind, ManualValue, TargetMode
from qinhuai_talent.core.models import OrgUnit, Role, User
from tests.domain import raises_domain

from .factories import IndicatorFactory, SchemeFactory

pytestmark = pytest.mark.django_db

UNIT_ROLES = {Role.STREET: "fuzimiao", Role.PARK: "gaoxin_park", "innovation_group": "kechuang_group"}
UNIT_KINDS = {"fuzimiao": "street", "gaoxin_park": "park", "kechuang_group": "innovation_group"}


def _indicators(scheme):
    """One indicator of every kind the scheme can hold."""
    made = []
    for n, (computed, kind, mode) in enumerate(
        itertools.product([True, False], IndicatorKind.values, TargetMode.values)
    ):
        made.append(
            IndicatorFactory(
                scheme=scheme,
                key=f"k{n}",
                label=f"{'computed' if computed else 'manual'} {kind} {mode}",
                source="activities_held" if computed else "",
                kind=kind,
                mode=mode,
                weight=Decimal("5"),
                max_value=None if computed else Decimal("100"),
                points_per_unit=Decimal("1") if mode == TargetMode.BONUS else None,
            )
        )
    made.append(
        IndicatorFactory(scheme=scheme, key="veto", label="veto", weight=Decimal("0"), is_veto=True, max_value=1)
    )
    return made


def _officer(role: str, unit: OrgUnit) -> User:
    real_role = Role.STREET if role == "innovation_group" else role
    user, _ = User.objects.get_or_create(
        username=f"officer-{unit.code}", defaults={"role": real_role, "org_unit": unit}
    )
    return user


@pytest.mark.parametrize("role", list(UNIT_ROLES))
def test_a_unit_officer_changes_no_input_of_its_own_scorecard(units, office, client, role):
    unit = OrgUnit.objects.get(code=UNIT_ROLES[role])
    scheme = SchemeFactory(unit_kind=UNIT_KINDS[unit.code])
    indicators = _indicators(scheme)
    services.assessments_recompute(year=2017)
    assessment = Assessment.objects.get(org_unit=unit, year=2017)
    officer = _officer(role, unit)
    api = APIClient()
    api.force_authenticate(officer)
    client.force_login(officer)
    before = services_snapshot(assessment)
    page = client.get(f"/assessment/scorecards/{assessment.pk}/")
    assert page.status_code == 200 and not page.context["can_enter"]
    for indicator in indicators:
        with raises_domain("permission_denied") as caught:
            services.manual_value_set(
                indicator=indicator, org_unit=unit, value=Decimal("1"), evidence="自报", actor=officer
            )
        assert caught.value.code == "permission_denied", indicator.label
        body = {"indicator": indicator.pk, "value": "1", "evidence": "自报"}
        assert api.post(f"/api/v1/assessments/{assessment.pk}/manual-value/", body).status_code == 403
        client.post(f"/assessment/scorecards/{assessment.pk}/indicators/{indicator.pk}/value/", body)
        assert services_snapshot(assessment) == before, indicator.label
    assert not ManualValue.objects.filter(org_unit=unit).exists()
    # What the unit does with its scorecard: confirm it, or object to it.
    services.assessment_confirm(assessment_id=assessment.pk, actor=officer)


def test_the_office_enters_every_hand_entered_figure_and_none_computed(units, office):
    unit = OrgUnit.objects.get(code="fuzimiao")
    scheme = SchemeFactory(unit_kind="street")
    indicators = _indicators(scheme)
    services.assessments_recompute(year=2017)
    for indicator in indicators:
        if indicator.is_manual:
            services.manual_value_set(
                indicator=indicator, org_unit=unit, value=Decimal("1"), evidence="测评", actor=office
            )
        else:
            with raises_domain("computed") as caught:
                services.manual_value_set(indicator=indicator, org_unit=unit, value=1, evidence="x", actor=office)
            assert caught.value.code == "computed"
    assert ManualValue.objects.filter(org_unit=unit).count() == sum(i.is_manual for i in indicators)


def services_snapshot(assessment: Assessment) -> list:
    assessment.refresh_from_db()
    scores = list(assessment.scores.order_by("indicator_id").values_list("indicator_id", "actual", "score"))
    return [assessment.total, scores]
