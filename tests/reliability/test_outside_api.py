"""The API as an outside client meets it, generated over the OpenAPI schema (issue 15, items 2, 3, 7).

Every operation without credentials, with a malformed token and with an expired one is a JSON 401;
every path under /api/ that does not exist, and every record path whose id is not a number, is a
JSON 404; OPTIONS and HEAD on every route never answer 5xx; a deeply nested JSON body on every
operation that takes one is a 400; a report client's token reads the report endpoints only.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from knox.models import AuthToken
from rest_framework.test import APIClient

from qinhuai_talent.core.models import OrgUnit, Role, User

BODY_METHODS = {"post", "put", "patch"}
METHODS = {"get", "post", "put", "patch", "delete"}
PARAM = re.compile(r"\{(\w+)\}")
NESTED = '{"a":' * 5000 + "1" + "}" * 5000


def _schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def _operations(schema: dict) -> list[tuple[str, str, dict]]:
    return [
        (method, path, op) for path, item in schema["paths"].items() for method, op in item.items() if method in METHODS
    ]


def _public(op: dict) -> bool:
    """An operation that declares no security scheme takes no credentials (the token endpoint)."""
    return not [scheme for scheme in op.get("security", []) if scheme]


def _fill(path: str, value: str = "1") -> str:
    return PARAM.sub(value, path)


def _as(username: str) -> APIClient:
    """A client with a real token, as an integrator holds one."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(User.objects.get(username=username))[1]}")
    return client


def _send(client: APIClient, method: str, url: str, **kw):
    return getattr(client, method)(url, **kw)


def _assert_json(response, status: int, what: str):
    assert response.status_code == status, f"{what}: {response.status_code} {response.content[:300]!r}"
    assert response["Content-Type"].startswith("application/json"), f"{what}: {response['Content-Type']}"
    assert "detail" in response.json(), what


@pytest.fixture(scope="module")
def schema():
    return _schema()


def test_the_schema_has_the_operations_these_tests_are_generated_over(schema):
    ops = _operations(schema)
    assert len(ops) > 80
    assert sum(1 for _m, p, _o in ops if "{id}" in p) > 40


def _bad_tokens(units) -> dict[str, str]:
    expired_instance, expired = AuthToken.objects.create(User.objects.get(username="street"))
    AuthToken.objects.filter(pk=expired_instance.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    return {
        "none": "",
        "unknown": "Token " + "0" * 64,
        "short": "Token abc",
        "spaces": "Token a b",
        "no key": "Token",
        "other scheme": "Bearer " + "0" * 64,
        "not hex": "Token " + "zz" * 32,
        "expired": f"Token {expired}",
    }


def test_every_operation_without_valid_credentials_is_a_json_401(schema, units):
    tried = 0
    for label, header in _bad_tokens(units).items():
        for method, path, op in _operations(schema):
            if _public(op):
                continue
            client = APIClient()
            if header:
                client.credentials(HTTP_AUTHORIZATION=header)
            what = f"{method.upper()} {path} with {label} token"
            kw = {"data": {}, "format": "json"} if method in BODY_METHODS else {}
            response = _send(client, method, _fill(path), **kw)
            _assert_json(response, 401, what)
            tried += 1
    assert tried > 8 * 80


def test_no_operation_answers_an_anonymous_or_bad_token_caller_with_data(schema, units):
    """The exact failure of issue 15: a list answered ``200 {"count": 0}`` to nobody."""
    for method, path, op in _operations(schema):
        if method == "get" and not _public(op):
            assert APIClient().get(_fill(path)).status_code == 401, path


@pytest.mark.parametrize("who", [None, "office", "street", "expert"])
def test_options_and_head_never_answer_5xx_on_any_route(schema, units, who):
    client = APIClient()
    if who:
        client.force_authenticate(User.objects.get(username=who))
    for path, item in schema["paths"].items():
        public = all(_public(op) for method, op in item.items() if method in METHODS)
        for query in ("", "?all=true"):
            url = _fill(path) + query
            for method in ("options", "head"):
                response = _send(client, method, url)
                assert response.status_code < 500, f"{method.upper()} {url} as {who}: {response.status_code}"
                if who is None and method == "options" and not public:
                    assert response.status_code == 401, url


@pytest.mark.parametrize("value", ["null,null", "abc", "1.5", "-1", "１", "99999999999999999999999", "%00"])
def test_a_path_id_that_is_not_a_record_number_is_a_json_404_on_every_operation(schema, units, value):
    office = APIClient()
    office.force_authenticate(User.objects.get(username="office"))
    tried = 0
    for method, path, _op in _operations(schema):
        if "{id}" not in path:
            continue
        kw = {"data": {}, "format": "json"} if method in BODY_METHODS else {}
        response = _send(office, method, path.replace("{id}", value), **kw)
        _assert_json(response, 404, f"{method.upper()} {path} id={value}")
        tried += 1
    assert tried > 40


@pytest.mark.parametrize(
    "path", ["/api/", "/api/v1/nothing/", "/api/v1/talents/1/nothing/", "/api/v2/talents/", "/api/v1/talents/1/2/"]
)
def test_a_path_under_api_that_does_not_exist_is_a_json_404(units, path):
    for client in (APIClient(), APIClient()):
        client.force_authenticate(User.objects.get(username="office"))
        for method in ("get", "post", "delete"):
            _assert_json(_send(client, method, path), 404, f"{method} {path}")


def test_a_deeply_nested_json_body_is_a_400_on_every_operation_that_takes_one(schema, units):
    office = _as("office")
    tried = 0
    for method, path, op in _operations(schema):
        # Logout reads no body (and would end the token).
        if method not in BODY_METHODS or "requestBody" not in op:
            continue
        response = _send(office, method, _fill(path), data=NESTED, content_type="application/json")
        # An upload takes multipart only (the schema says so): JSON is an unsupported media type.
        takes_json = "application/json" in op["requestBody"].get("content", {})
        expected = (400, 404, 403, 405) if takes_json else (415, 404, 403, 405)
        assert response.status_code in expected, f"{method.upper()} {path}: {response.status_code}"
        if response.status_code == 400:
            tried += 1
    assert tried > 15  # the list operations that create; a detail path of a missing id is a 404 first


def test_api_errors_speak_the_readers_language(units):
    office = APIClient()
    office.force_authenticate(User.objects.get(username="office"))
    missing = office.get("/api/v1/enterprises/999999/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()["detail"]
    assert "Enterprise" not in missing and "matches" not in missing
    bad = office.post("/api/v1/jobs/", data="{", content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert bad.status_code == 400 and "JSON parse error" not in bad.json()["detail"]
    assert office.get("/api/v1/enterprises/999999/", HTTP_ACCEPT_LANGUAGE="en").json()["detail"] == "Not found."


def test_a_report_client_reads_the_report_endpoints_only(schema, units):
    reporter = User.objects.create(username="reporter", role=Role.API_CLIENT)
    reporter.granted_units.add(OrgUnit.objects.get(code="fuzimiao"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(reporter)[1]}")
    allowed = {"/api/v1/reports/summary/", "/api/v1/me/"}
    for method, path, op in _operations(schema):
        if _public(op) or path == "/api/v1/auth/logout/":
            continue
        kw = {"data": {}, "format": "json"} if method in BODY_METHODS else {}
        response = _send(client, method, _fill(path), **kw)
        if path in allowed:
            assert response.status_code < 400 or response.status_code == 405, f"{method} {path}: {response.status_code}"
        else:
            _assert_json(response, 403, f"{method.upper()} {path} as a report client")
    summary = client.get("/api/v1/reports/summary/?year=2017")
    assert summary.status_code == 200
