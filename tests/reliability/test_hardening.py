"""Hardening: CSRF on every unsafe web request, lock-out by username and IP, headers."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_an_unsafe_web_request_without_a_csrf_token_is_refused(units, office):
    client = Client(enforce_csrf_checks=True)
    client.force_login(office)
    assert client.post("/jobs/start/", {"kind": "verify_audit"}).status_code == 403
    assert client.post("/accounts/logout/").status_code == 403


def test_lockout_is_per_username_and_address_not_for_everyone_behind_it(units, password, settings):
    attacker = Client(REMOTE_ADDR="10.0.0.9")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attacker.post("/accounts/login/", {"username": "street", "password": "wrong"})
    assert attacker.post("/accounts/login/", {"username": "street", "password": password}).status_code == 429
    colleague = Client(REMOTE_ADDR="10.0.0.9")
    response = colleague.post("/accounts/login/", {"username": "park", "password": password})
    assert response.status_code == 302


def test_api_token_login_is_locked_out_too(units, password, settings):
    from rest_framework.test import APIClient

    client = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/api/v1/auth/token/", {"username": "finance", "password": "wrong"}, format="json")
    response = client.post("/api/v1/auth/token/", {"username": "finance", "password": password}, format="json")
    assert response.status_code in (401, 403, 429)
    assert b'"token"' not in response.content


def test_production_headers_on_every_page(client, units):
    response = client.get("/accounts/login/")
    assert response["Referrer-Policy"] == "same-origin"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
