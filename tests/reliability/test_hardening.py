"""Hardening: CSRF on every unsafe web request, lock-out by username and IP, the CSP and the
security headers on every page, secure cookies, HTTPS. (API tokens: test_tokens.py; personal
numbers: test_personal_data.py; private attachments: test_access_matrix.py and
tests/talents/test_scoping.py; check --deploy: tests/core/test_settings.py.)"""

import re

import pytest
from django.test import Client

from qinhuai_talent.core.models import Job, User

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
    # Found by `make fuzz`: the lock-out answered the API with the HTML page.
    assert response.status_code == 429 and response["Content-Type"] == "application/json"
    assert "锁定" in response.json()["detail"] and int(response["Retry-After"]) == settings.AXES_COOLOFF_TIME.seconds
    assert b'"token"' not in response.content
    page = Client().post("/accounts/login/", {"username": "finance", "password": password})
    assert page.status_code == 429 and "锁定" in page.content.decode()


def test_production_headers_on_every_page(client, units):
    response = client.get("/accounts/login/")
    assert response["Referrer-Policy"] == "same-origin"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


# ---------------------------------------------------------------- generated over the URLconf


def _web_routes() -> list[str]:
    """Every web route, its parameters filled with an id and an action (the URL resolves)."""
    from .test_access_matrix import web_patterns

    routes = set()
    for route, _ in web_patterns():
        if route.startswith(("api/", "admin/", "static/", "^")) or "\\" in route:
            continue
        url = re.sub(r"<int:\w+>", "1", re.sub(r"<(?:str|slug):\w+>", "approve", route))
        routes.add("/" + url)
    return sorted(routes)


def test_every_unsafe_web_request_without_a_csrf_token_is_refused(units, office):
    """POST to every route of the URLconf, logged in, without the token: 403 before any view runs.
    The API's session-authenticated writes are refused the same way."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(office)
    routes = _web_routes()
    assert len(routes) > 80
    accepted = [url for url in routes if client.post(url, {"kind": "verify_audit"}).status_code != 403]
    assert accepted == [], accepted
    from .test_access_matrix import schema_paths

    unsafe = [
        (method, path.replace("{id}", "1").replace("{pk}", "1").replace("{code}", "fuzimiao"))
        for path, ops in schema_paths().items()
        for method in ops
        if method in ("post", "put", "patch", "delete") and not path.endswith("/auth/token/")
    ]
    api_accepted = [
        f"{method.upper()} {path}"
        for method, path in unsafe
        if getattr(client, method)(path, "{}", content_type="application/json").status_code not in (401, 403)
    ]
    assert api_accepted == [], api_accepted
    assert Job.objects.count() == 0


PRODUCTION_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains; preload",
}


@pytest.fixture
def production(settings):
    """The hardening ``settings.production`` adds when debug is off, behind an HTTPS proxy."""
    from qinhuai_talent.settings import production as hardening

    for name in dir(hardening):
        if name.isupper():
            setattr(settings, name, getattr(hardening, name))
    return settings


@pytest.mark.parametrize("username", ["office", "street", "expert", "finance", "leader"])
def test_every_page_carries_the_csp_and_security_headers_and_loads_nothing_from_outside(
    username, production, units, client
):
    client.force_login(User.objects.get(username=username))
    checked = 0
    for url in [u for u in _web_routes() if "/1/" not in u and "approve" not in u] + ["/api/v1/me/"]:
        response = client.get(url, secure=True, HTTP_X_FORWARDED_PROTO="https")
        if response.status_code != 200:
            continue
        checked += 1
        for header, value in PRODUCTION_HEADERS.items():
            assert response.get(header) == value, f"{url}: {header} = {response.get(header)!r}"
        policy = response["Content-Security-Policy"]
        for directive in ("default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "form-action 'self'"):
            assert directive in policy, f"{url}: {policy}"
        assert "unsafe-eval" not in policy and "script-src 'self' 'unsafe-inline'" not in policy
        assert "Permissions-Policy" in response
        if response["Content-Type"].startswith("text/html"):
            html = response.content.decode()
            inline = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>\s*\S", html)
            assert not inline, f"{url} has an inline script the CSP would block: {inline[:2]}"
            outside = re.findall(r"""(?:src|href)=["'](?:https?:)?//[^"']+""", html)
            assert not outside, f"{url} loads from outside: {outside[:3]}"
    assert checked > 10


def test_session_and_csrf_cookies_are_secure_and_http_only(production, units, password):
    client = Client()
    page = client.get("/accounts/login/", secure=True, HTTP_X_FORWARDED_PROTO="https")
    csrf = page.cookies["csrftoken"]
    assert csrf["secure"] and csrf["httponly"] and csrf["samesite"] == "Lax"
    response = client.post(
        "/accounts/login/",
        {"username": "office", "password": password},
        secure=True,
        HTTP_X_FORWARDED_PROTO="https",
    )
    session = response.cookies["sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"


def test_plain_http_is_redirected_to_https(production, units, client):
    response = client.get("/accounts/login/")
    assert response.status_code == 301 and response["Location"].startswith("https://")


# ---------------------------------------------------------------- private attachments


@pytest.fixture
def attachments(units, street_officer, park_officer, expert, office, tmp_path, settings):
    """A business plan on a 夫子庙 application (assigned to ``expert``) and one on a 高新园区 one."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from talents import services
    from talents.models import ApplicationState
    from tests.talents.factories import ApplicationFactory, CallFactory, TalentFactory, unit

    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    call = CallFactory(required_documents=[], eligibility={})
    files = {}
    for officer, code in ((street_officer, "fuzimiao"), (park_officer, "gaoxin_park")):
        app = ApplicationFactory(call=call, talent=TalentFactory(org_unit=unit(code)))
        upload = SimpleUploadedFile("商业计划书.pdf", b"%PDF-1.7 secret plan of " + code.encode(), "application/pdf")
        files[code] = services.attachment_add(actor=officer, application_id=app.pk, kind="business_plan", upload=upload)
    ours = files["fuzimiao"].application
    for action in ("submit", "accept"):
        services.application_transition(application_id=ours.pk, action=action, actor=street_officer)
    services.review_assign(application_id=ours.pk, expert=expert, actor=office)
    assert ours.__class__.objects.get(pk=ours.pk).state == ApplicationState.EXPERT_REVIEW
    return files


def test_private_attachments_are_served_only_to_those_who_may_see_the_application(attachments, client):
    """Every role against every attachment: the file to those who see the application (as a
    download the browser will not run), 404 to everyone else, to the anonymous a login; an
    attachment asked for under another application is a 404; no public URL serves the store."""
    fuzimiao, gaoxin = attachments["fuzimiao"], attachments["gaoxin_park"]
    # Who sees each application: the district office and leadership, the hosting unit's officer,
    # the expert it is assigned to; not finance, not other units, not other experts.
    readers = {fuzimiao.pk: {"office", "leader", "street", "expert"}, gaoxin.pk: {"office", "leader", "park"}}
    wrong = []
    for username in ("office", "street", "street2", "park", "park2", "expert", "expert2", "finance", "leader"):
        user = User.objects.get(username=username)
        client.force_login(user)
        for attachment in (fuzimiao, gaoxin):
            url = f"/talents/applications/{attachment.application_id}/attachments/{attachment.pk}/"
            response = client.get(url)
            may = username in readers[attachment.pk]
            if may:
                body = b"".join(response.streaming_content) if response.status_code == 200 else b""
                ok = (
                    response.status_code == 200
                    and body.startswith(b"%PDF")
                    and response["Content-Disposition"].startswith("attachment")
                    and response["X-Content-Type-Options"] == "nosniff"
                )
            else:
                ok = response.status_code == 404
            if not ok:
                wrong.append(f"{username} GET {url}: {response.status_code} (may see: {may})")
        # The park's file under 夫子庙's application id: not found, whoever asks.
        crossed = f"/talents/applications/{fuzimiao.application_id}/attachments/{gaoxin.pk}/"
        if client.get(crossed).status_code != 404:
            wrong.append(f"{username} GET {crossed} answered")
    assert not wrong, "\n".join(wrong)
    client.logout()
    assert client.get(f"/talents/applications/{fuzimiao.application_id}/attachments/{fuzimiao.pk}/").status_code == 302
    for public in ("/media/", "/private_media/", "/static/../private_media/"):
        assert client.get(public + fuzimiao.file.name).status_code == 404


def test_a_nul_in_a_search_is_a_400_naming_the_parameter(units, office):
    """Found by `make fuzz`: every searchable list answered ``["Null characters are not allowed."]``,
    a bare list where the API promises a message per field."""
    from rest_framework.test import APIClient

    from .test_access_matrix import schema_paths

    client = APIClient()
    client.force_authenticate(office)
    searchable = [
        path
        for path, ops in schema_paths().items()
        if "get" in ops and any(p.get("name") == "search" for p in ops["get"].get("parameters", []))
    ]
    assert len(searchable) > 5
    for path in searchable:
        response = client.get(path, {"search": "云\x00计算"})
        assert response.status_code == 400, path
        assert list(response.json()) == ["search"], (path, response.json())
