"""API conventions: tokens, /me/, JSON errors, pagination, filters."""

import pytest

from qinhuai_talent.core.models import User

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


def test_schema_and_docs_are_served_to_signed_in_callers_only(client, api, office, units):
    """Issue 15 item 9: the schema and the docs describe every operation; anonymous callers get a
    JSON 401 (schema) or the log-in page (docs); a token or a session gets them."""
    anonymous = client.get("/api/schema/")
    assert anonymous.status_code == 401 and anonymous["Content-Type"].startswith("application/json")
    assert client.get("/api/schema/", HTTP_AUTHORIZATION="Token not-a-token").status_code == 401
    docs = client.get("/api/docs/")
    assert docs.status_code == 302 and docs["Location"].startswith("/accounts/login/")
    from knox.models import AuthToken

    token = AuthToken.objects.create(office)[1]
    schema = client.get("/api/schema/", HTTP_AUTHORIZATION=f"Token {token}")
    assert schema.status_code == 200 and b"openapi: 3" in schema.content
    client.force_login(office)
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200


@pytest.mark.parametrize(
    "change",
    ["set_password", "password_change_page", "password_reset_form", "deactivate"],
)
def test_tokens_end_when_the_password_changes_or_the_account_is_deactivated(change, client, office, units):
    """Issue 15 item 6: every token of a person ends when their password changes by any path, or
    when their account is deactivated; other people's tokens keep working."""
    from django.contrib.auth.forms import SetPasswordForm
    from knox.models import AuthToken

    from qinhuai_talent.core.demo import DEMO_PASSWORD

    person = User.objects.get(username="street")
    other = User.objects.get(username="park")
    tokens = [AuthToken.objects.create(person)[1] for _ in range(2)]
    others = AuthToken.objects.create(other)[1]

    def works(token: str) -> bool:
        return client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 200

    assert all(works(t) for t in tokens) and works(others)
    new = "Another-Strong-Pass-2026"
    if change == "set_password":
        person.set_password(new)
        person.save()
    elif change == "password_change_page":
        client.force_login(person)
        response = client.post(
            "/accounts/password/", {"old_password": DEMO_PASSWORD, "new_password1": new, "new_password2": new}
        )
        assert response.status_code == 302
        client.logout()
    elif change == "password_reset_form":
        form = SetPasswordForm(person, {"new_password1": new, "new_password2": new})
        assert form.is_valid(), form.errors
        form.save()
    else:
        person.is_active = False
        person.save(update_fields=["is_active"])
    assert not any(works(t) for t in tokens)
    assert works(others)
    # Saving anything else keeps the tokens.
    fresh = AuthToken.objects.create(other)[1]
    other.first_name = "改名"
    other.save()
    assert works(fresh)


def test_a_token_request_reads_its_token_once_and_an_expired_token_is_refused_and_gone(api, office, password):
    """Every API request authenticates with one query (the token with its user); an expired token
    is a 401 and is deleted; a user's other expired tokens go when they are issued a new one."""
    from datetime import timedelta

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from knox.models import AuthToken
    from knox.settings import CONSTANTS

    from qinhuai_talent.core.api.auth import token_statement
    from qinhuai_talent.core.prepared import statement_name

    def key(token: str) -> str:
        return token[: CONSTANTS.TOKEN_KEY_LENGTH]

    def token() -> str:
        return api().post("/api/v1/auth/token/", {"username": "office", "password": password}).json()["token"]

    first, second = token(), token()
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Token {second}")
    # On PostgreSQL the token statement is prepared once per connection and then EXECUTEd by name.
    executed = "EXECUTE " + statement_name(token_statement(connection).sql)
    for _ in range(2):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/me/").status_code == 200
        reads = [
            q["sql"]
            for q in ctx.captured_queries
            if not q["sql"].startswith("PREPARE ") and ("knox_authtoken" in q["sql"] or q["sql"].startswith(executed))
        ]
        assert len(reads) == 1, reads
    AuthToken.objects.filter(token_key=key(first)).update(expiry=timezone.now() - timedelta(minutes=1))
    client.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert client.get("/api/v1/me/").status_code == 401
    assert not AuthToken.objects.filter(token_key=key(first)).exists()
    AuthToken.objects.filter(token_key=key(second)).update(expiry=timezone.now() - timedelta(minutes=1))
    third = token()
    assert list(AuthToken.objects.filter(user=office).values_list("token_key", flat=True)) == [key(third)]
