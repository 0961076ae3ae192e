"""API conventions: tokens, /me/, JSON errors, pagination, filters."""

import pytest

pytestmark = pytest.mark.django_db


def test_token_for_username_and_password_then_me(api, street_officer, password):
    client = api()
    response = client.post("/api/v1/auth/token/", {"username": "street", "password": password}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get("/api/v1/me/").json()
    assert me["username"] == "street" and me["role"] == "street" and me["org_unit"] == "fuzimiao"


def test_tokens_are_not_stored_in_plain_text(api, office, password):
    from knox.models import AuthToken

    token = api().post("/api/v1/auth/token/", {"username": "office", "password": password}).json()["token"]
    stored = AuthToken.objects.get(user=office)
    assert token not in (stored.digest, stored.token_key) and stored.expiry is not None


def test_me_of_a_user_without_unit_has_null_org_unit(api, leader):
    assert api(leader).get("/api/v1/me/").json()["org_unit"] is None


def test_wrong_password_for_a_token_is_401_json(api, units):
    response = api().post("/api/v1/auth/token/", {"username": "office", "password": "nope"}, format="json")
    assert response.status_code == 401
    assert "detail" in response.json()


def test_missing_and_invalid_tokens_are_401_json(api, units):
    assert api().get("/api/v1/me/").status_code == 401
    client = api()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = client.get("/api/v1/me/")
    assert response.status_code == 401 and response["Content-Type"].startswith("application/json")


def test_malformed_json_is_400(api, office):
    response = api(office).post("/api/v1/jobs/", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()


def test_unknown_job_kind_is_400_naming_the_field(api, office):
    response = api(office).post("/api/v1/jobs/", {"kind": "make_coffee"}, format="json")
    assert response.status_code == 400
    assert "kind" in response.json()


def test_unknown_filter_value_is_400(api, office):
    response = api(office).get("/api/v1/users/?role=emperor")
    assert response.status_code == 400
    assert "role" in response.json()


def test_lists_are_paginated(api, office):
    body = api(office).get("/api/v1/users/").json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] >= 6


def test_schema_and_docs_are_served(client, units):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"openapi: 3" in schema.content
    assert client.get("/api/docs/").status_code == 200
