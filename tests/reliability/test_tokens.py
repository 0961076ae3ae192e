"""API tokens: stored hashed (the database never holds the key), expiring, revocable.

A token ends three ways: it expires (knox's TTL), its holder logs out
(``POST /api/v1/auth/logout/``), or the office revokes the report client that holds it
(``/reports/clients/<id>/revoke/``). Each time the next request with it is a 401 in JSON.
"""

import hashlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import models
from django.utils import timezone
from knox.models import AuthToken
from knox.settings import knox_settings
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def _login(username: str, password: str) -> str:
    response = APIClient().post("/api/v1/auth/token/", {"username": username, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def _with(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def _assert_401_json(response) -> None:
    assert response.status_code == 401, response.content
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()


def _rows_holding(text: str) -> list[str]:
    """Every text column of every table that contains ``text``."""
    found = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, (models.CharField, models.TextField)):
                hits = model._default_manager.filter(**{f"{field.attname}__contains": text})
                if hits.exists():
                    found.append(f"{model._meta.label}.{field.attname}")
    return found


def test_no_column_of_the_database_holds_an_issued_token(units, password):
    token = _login("office", password)
    assert _with(token).get("/api/v1/me/").status_code == 200
    assert _rows_holding(token) == []
    stored = AuthToken.objects.get(user__username="office")
    # What is kept is a digest of the key and a short prefix to find the row by; the prefix alone
    # does not authenticate.
    assert stored.digest == hashlib.sha512(token.encode()).hexdigest()
    assert len(stored.token_key) < len(token) // 4
    _assert_401_json(_with(stored.token_key).get("/api/v1/me/"))
    _assert_401_json(_with(stored.digest).get("/api/v1/me/"))


def test_a_report_clients_token_is_not_stored_either(units, office):
    from reports.services import report_client_create

    _client, token = report_client_create(
        actor=office, username="stats-bureau", name="统计局", grants_all_units=True, units=[]
    )
    assert _rows_holding(token) == []


def test_tokens_expire_and_an_expired_token_is_a_401(units, password):
    before = timezone.now()
    response = APIClient().post("/api/v1/auth/token/", {"username": "park", "password": password}, format="json")
    token = response.json()["token"]
    stored = AuthToken.objects.get(user__username="park")
    assert knox_settings.TOKEN_TTL is not None
    assert stored.expiry is not None and stored.expiry <= before + knox_settings.TOKEN_TTL + timedelta(seconds=5)
    assert response.json()["expiry"] is not None
    assert _with(token).get("/api/v1/me/").status_code == 200
    AuthToken.objects.filter(pk=stored.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    _assert_401_json(_with(token).get("/api/v1/me/"))
    _assert_401_json(_with(token).get("/api/v1/talents/"))
    assert not AuthToken.objects.filter(pk=stored.pk).exists(), "an expired token is removed when presented"


def test_logging_out_revokes_the_token_used_and_only_that_one(units, password):
    laptop, phone = _login("street", password), _login("street", password)
    response = _with(laptop).post("/api/v1/auth/logout/")
    assert response.status_code == 204
    _assert_401_json(_with(laptop).get("/api/v1/me/"))
    _assert_401_json(_with(laptop).post("/api/v1/auth/logout/"))
    assert _with(phone).get("/api/v1/me/").status_code == 200


def test_logging_out_everywhere_revokes_every_token_of_the_caller(units, password):
    tokens = [_login("finance", password) for _ in range(3)]
    other = _login("office", password)
    assert _with(tokens[0]).post("/api/v1/auth/logout/?all=1").status_code == 204
    for token in tokens:
        _assert_401_json(_with(token).get("/api/v1/me/"))
    assert _with(other).get("/api/v1/me/").status_code == 200


def test_a_session_cannot_log_out_someone_elses_tokens(units, office, password):
    token = _login("office", password)
    client = APIClient()
    client.force_login(office)
    assert client.post("/api/v1/auth/logout/?all=1").status_code == 401
    assert _with(token).get("/api/v1/me/").status_code == 200


def test_the_office_revoking_a_report_client_ends_its_tokens_at_once(units, office, client):
    from reports.services import report_client_create, report_client_issue_token

    account, first = report_client_create(
        actor=office, username="city-stats", name="市统计局", grants_all_units=True, units=[]
    )
    second, _expiry = report_client_issue_token(actor=office, client_id=account.pk)
    for token in (first, second):
        assert _with(token).get("/api/v1/reports/summary/", {"year": 2017}).status_code == 200
    client.force_login(office)
    assert client.post(f"/reports/clients/{account.pk}/revoke/").status_code == 302
    for token in (first, second):
        _assert_401_json(_with(token).get("/api/v1/reports/summary/", {"year": 2017}))
        _assert_401_json(_with(token).get("/api/v1/me/"))
    assert not AuthToken.objects.filter(user=account).exists()


def test_only_the_office_may_revoke_a_report_client(units, office, street_officer, leader, client):
    from reports.services import report_client_create

    account, token = report_client_create(
        actor=office, username="audit-office", name="审计局", grants_all_units=True, units=[]
    )
    for someone in (street_officer, leader):
        client.force_login(someone)
        assert client.post(f"/reports/clients/{account.pk}/revoke/").status_code in (403, 404)
    assert _with(token).get("/api/v1/me/").status_code == 200
