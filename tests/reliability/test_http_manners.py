"""HTTP manners (issue 15 item 12), generated over the routes they speak of: compression for JSON
and exports but never for a page (a CSRF token next to reflected input), an ETag and a 304 on the
report summary and every report page, RFC 5987 file names for every export and the schema, the
token's expiry in +08:00."""

import gzip
import re

import pytest
from django.utils.dateparse import parse_datetime
from rest_framework.test import APIClient

from qinhuai_talent.core import clock
from qinhuai_talent.core.http import content_disposition
from qinhuai_talent.core.models import User

from .test_access_matrix import web_patterns
from .test_export_formulas import export_urls

pytestmark = pytest.mark.django_db

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip"}
RFC2047 = re.compile(r"=\?[\w-]+\?[bBqQ]\?")


@pytest.fixture
def office(demo_district, settings):
    settings.PORTAL_AS_OF = clock.DEMO_DAY.isoformat()
    return User.objects.get(username="office")


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _valid_disposition(header: str) -> bool:
    """RFC 6266: ASCII only, no RFC 2047 word, a quoted ASCII filename, filename* when not ASCII."""
    return header.isascii() and not RFC2047.search(header) and re.search(r'filename="[^"]+"', header) is not None


def test_every_export_has_an_rfc_5987_file_name_and_csv_is_compressed(client, office):
    client.force_login(office)
    urls = export_urls(client)
    problems = []
    for url in urls:
        response = (_api(office) if url.startswith("/api/") else client).get(url, **GZIP)
        disposition = response.get("Content-Disposition", "")
        if not _valid_disposition(disposition):
            problems.append(f"{url}: Content-Disposition {disposition!r}")
        encoded = response.get("Content-Encoding")
        if response["Content-Type"].startswith("text/csv"):
            if encoded != "gzip" or not gzip.decompress(response.content).startswith("\ufeff".encode()):
                problems.append(f"{url}: CSV not compressed")
        elif encoded:
            problems.append(f"{url}: XLSX (a zip already) compressed again")
    assert len(urls) >= 20
    assert problems == [], problems


@pytest.mark.parametrize(
    ("name", "ascii_part", "encoded"),
    [
        ("秦淮区-2017.xlsx", 'filename="-2017.xlsx"', "filename*=UTF-8''%E7%A7%A6%E6%B7%AE%E5%8C%BA-2017.xlsx"),
        ("人才.csv", 'filename="download.csv"', "filename*=UTF-8''%E4%BA%BA%E6%89%8D.csv"),
        ("ledger.csv", 'filename="ledger.csv"', None),
        ('a"b;c/d.csv', 'filename="a_b_c-d.csv"', "filename*=UTF-8''a%22b%3Bc-d.csv"),
    ],
)
def test_a_file_name_is_sent_as_rfc_5987(name, ascii_part, encoded):
    header = content_disposition(name)
    assert header.startswith("attachment; ") and ascii_part in header and _valid_disposition(header)
    assert (encoded in header) if encoded else "filename*" not in header


def test_the_schemas_file_name_is_not_an_encoded_word(api, office):
    response = api(office).get("/api/schema/")
    disposition = response["Content-Disposition"]
    assert _valid_disposition(disposition) and disposition.startswith("inline; ")
    assert 'filename="Qinhuai Talent Portal API.yaml"' in disposition


def test_json_lists_are_compressed(office):
    response = _api(office).get("/api/v1/enterprises/?page_size=50", **GZIP)
    assert response["Content-Encoding"] == "gzip" and "Accept-Encoding" in response["Vary"]
    assert gzip.decompress(response.content).startswith(b'{"count":')


def test_no_page_is_compressed(client, office):
    """Generated over the URLconf: every page without parameters, with reflected input in the
    query, answers uncompressed (its CSRF token must not sit in a compressed body beside it)."""
    client.force_login(office)
    pages = sorted(
        {
            "/" + route
            for route, _ in web_patterns()
            if "<" not in route
            and "(" not in route
            and "\\" not in route
            and "^" not in route
            and not route.startswith(("api/", "admin/", "static/"))
        }
    )
    html, compressed = 0, []
    for page in pages:
        response = client.get(page, {"q": "csrfmiddlewaretoken=" + "a" * 40}, **GZIP)
        if response.get("Content-Type", "").startswith("text/html"):
            html += 1
            if response.get("Content-Encoding"):
                compressed.append(page)
    assert html > 60
    assert compressed == [], compressed


def test_a_response_that_uses_the_csrf_token_is_never_compressed(office):
    from django.http import HttpRequest, JsonResponse
    from django.middleware.csrf import get_token

    from qinhuai_talent.core.http import SafeGZipMiddleware

    request = HttpRequest()
    request.META.update({"HTTP_ACCEPT_ENCODING": "gzip"})
    token = get_token(request)
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = False  # as CsrfViewMiddleware leaves it after the cookie
    response = SafeGZipMiddleware(lambda r: None).process_response(request, JsonResponse({"t": token, "x": "y" * 400}))
    assert not response.has_header("Content-Encoding")


def _report_pages() -> list[str]:
    return sorted(
        "/" + route
        for route, _ in web_patterns()
        if route.startswith("reports/") and "<" not in route and "(" not in route and "^" not in route
    )


def test_the_summary_answers_304_to_its_etag_and_every_report_page_has_one(client, office):
    api = _api(office)
    url = "/api/v1/reports/summary/?year=2017"
    first = api.get(url)
    assert first.status_code == 200 and first.has_header("ETag")
    again = api.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    assert api.get(url, HTTP_IF_NONE_MATCH='"stale"').status_code == 200
    client.force_login(office)
    pages = _report_pages()
    assert len(pages) >= 6, pages
    assert [page for page in pages if not client.get(page).has_header("ETag")] == []


def test_the_tokens_expiry_is_in_the_portals_time(office, password):
    response = APIClient().post("/api/v1/auth/token/", {"username": "office", "password": password}, format="json")
    expiry = response.json()["expiry"]
    assert expiry.endswith("+08:00") and parse_datetime(expiry) is not None, expiry


@pytest.mark.parametrize("username", ["office", "street", "leader"])
def test_every_report_page_answers_304_to_its_own_etag_on_the_demo_district(demo_district, client, username):
    """A page rendered twice for the same person and the same figures is the same page: its ETag
    matches and a conditional GET is a 304 without a body; a changed figure is a new ETag."""
    client.force_login(User.objects.get(username=username))
    found = []
    for page in _report_pages():
        first = client.get(page)
        if first.status_code != 200:
            continue
        again = client.get(page, HTTP_IF_NONE_MATCH=first["ETag"])
        if again.status_code != 304 or again.content != b"":
            found.append((page, again.status_code, first["ETag"], again.get("ETag")))
    assert found == [], found
