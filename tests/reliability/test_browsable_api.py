"""What a browser gets from the API holds no name of a record outside the caller's scope, as what a
client gets does not: every list of the schema, asked for as a browser asks (``text/html`` first), as
a unit officer and as a talent, against the names of every talent and enterprise they may not see.
DRF's browsable API failed this (its forms' selects listed every talent of the district); the API
now answers JSON only (``REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"]``)."""

import pytest
from rest_framework.test import APIClient

from enterprises.models import Enterprise
from qinhuai_talent.core.access import unit_scope
from qinhuai_talent.core.models import User
from talents.models import Talent

from .test_access_matrix import schema_paths

pytestmark = pytest.mark.django_db

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize("username", ["street", "talent"])
def test_no_html_page_of_the_api_names_a_talent_or_enterprise_out_of_scope(demo_district, username):
    user = User.objects.get(username=username)
    units = unit_scope(user) or []
    hidden = set(Talent.objects.exclude(org_unit__in=units).exclude(account=user).values_list("name", flat=True))
    hidden |= set(Enterprise.objects.exclude(org_unit__in=units).values_list("name", flat=True))
    # A name that a record in scope also has (two people of one name) says nothing.
    hidden -= set(Talent.objects.filter(org_unit__in=units).values_list("name", flat=True))
    hidden -= set(Talent.objects.filter(account=user).values_list("name", flat=True))
    hidden -= set(Enterprise.objects.filter(org_unit__in=units).values_list("name", flat=True))
    assert len(hidden) > 50
    client = APIClient()
    client.force_authenticate(user)
    lists = [p for p, ops in schema_paths().items() if "get" in ops and "{" not in p]
    named = []
    for path in lists:
        response = client.get(path, HTTP_ACCEPT=BROWSER)
        assert response.status_code < 500 and response["Content-Type"].startswith("application/json"), path
        text = response.content.decode()
        named += [f"{path}: {name}" for name in hidden if name and name in text]
    assert not named, "\n".join(named[:20])
