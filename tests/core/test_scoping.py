"""A street officer cannot reach another unit's user, job or audit entry by any route."""

import pytest
from django.test import Client

from qinhuai_talent.core.models import Job

pytestmark = pytest.mark.django_db


def test_street_officer_cannot_open_another_units_user(web, api, street_officer, other_street_officer):
    assert web(street_officer).get(f"/accounts/users/{other_street_officer.pk}/").status_code == 404
    assert api(street_officer).get(f"/api/v1/users/{other_street_officer.pk}/").status_code == 404
    listed = {u["username"] for u in api(street_officer).get("/api/v1/users/").json()["results"]}
    assert listed == {"street"}


def test_street_officer_cannot_open_another_units_job(web, api, street_officer, other_street_officer):
    job = Job.objects.create(
        kind="verify_audit", requested_by=other_street_officer, org_unit=other_street_officer.org_unit
    )
    assert web(street_officer).get(f"/jobs/{job.pk}/").status_code == 404
    assert api(street_officer).get(f"/api/v1/jobs/{job.pk}/").status_code == 404
    assert api(street_officer).get("/api/v1/jobs/").json()["count"] == 0
    own = Job.objects.create(kind="verify_audit", requested_by=street_officer, org_unit=street_officer.org_unit)
    assert api(street_officer).get(f"/api/v1/jobs/{own.pk}/").status_code == 200


def test_audit_history_is_for_office_staff_only(web, street_officer, office):
    own_page = web(street_officer).get(f"/accounts/users/{street_officer.pk}/").content.decode()
    assert "变更记录" not in own_page
    office_client = Client()
    office_client.force_login(office)
    page = office_client.get(f"/accounts/users/{street_officer.pk}/").content.decode()
    assert "变更记录" in page


def test_admin_is_closed_to_everyone_but_office(web, street_officer):
    response = web(street_officer).get("/admin/core/user/")
    assert response.status_code == 302 and "/admin/login/" in response.url


def test_office_sees_every_account(api, office):
    assert api(office).get("/api/v1/users/").json()["count"] >= 9
