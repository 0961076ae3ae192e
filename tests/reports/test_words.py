"""Words that do not lie (issue 14, item 11): each figure named for what it is; applications counted
alike on the calls list, the dashboard and the API (drafts are not applications); the dashboard's
default year is the latest year with applications that count."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from assessment import services as assessment_services
from assessment.models import Assessment
from assessment.sources import SOURCES
from tests.assessment.factories import IndicatorFactory, SchemeFactory

from . import factories as f

pytestmark = pytest.mark.django_db


def test_every_computed_figure_is_shown_in_its_sources_measure_not_a_typed_label(units, office, client):
    """A level-weighted score of introduced talents is points, not persons, whatever was typed."""
    scheme = SchemeFactory(unit_kind="street")
    for n, key in enumerate(SOURCES):
        IndicatorFactory(scheme=scheme, key=f"s{n}", source=key, unit_label="人", weight=Decimal("1"))
    assessment_services.assessments_recompute(year=2017)
    assessment = Assessment.objects.get(org_unit=units["fuzimiao"], year=2017)
    client.force_login(office)
    page = client.get(f"/assessment/scorecards/{assessment.pk}/").content.decode()
    for indicator in scheme.indicators.all():
        assert indicator.measure == str(SOURCES[indicator.source].unit_label)
        assert f"{indicator.measure}</span>" in page
    weighted = scheme.indicators.get(source="talents_introduced_weighted")
    assert weighted.measure != "人"


def test_the_calls_list_the_dashboard_and_the_api_count_applications_alike(units, office, client, district):
    client.force_login(office)
    listed = {c.program.code: c.in_scope for c in client.get("/talents/calls/").context["page"] if c.year == 2017}
    dashboard = {r["program"]: r["applications"] for r in client.get("/reports/?year=2017").context["data"]["pipeline"]}
    api = APIClient()
    api.force_authenticate(office)
    summary = {
        r["program"]: r["applications"] for r in api.get("/api/v1/reports/summary/?year=2017").json()["pipeline"]
    }
    assert dashboard == summary
    for program, n in dashboard.items():
        assert listed[program] == n, program
    # the municipal call: 3 submitted and one draft that is not an application
    assert dashboard["municipal_leading_entrepreneur"] == 3


def test_the_dashboard_defaults_to_the_latest_year_with_applications(units, office, client, district, settings):
    settings.PORTAL_AS_OF = "2019-03-01"
    later = f.CallFactory(program=f.ProgramFactory(code="municipal_high_end_team"), year=2019, state="draft")
    f.ApplicationFactory(call=later, org_unit=units["fuzimiao"], state="draft")
    client.force_login(office)
    assert client.get("/reports/").context["year"] == 2017
