"""The access matrix, generated from the URL configuration and the OpenAPI schema.

Every API list and detail operation and every web page, as every role, against records of the
caller's unit and of other units, on the demo district. Nothing here is a hand-kept list of
pages: a new endpoint or page is covered the day it is added.

The rule checked is the portal's scoping rule (qinhuai_talent.core.access.unit_scope): a caller
never receives, by list or by id, a record of a unit outside its scope; out of scope is a 404.
Experts have no unit: they see unit records only through their review assignments.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from qinhuai_talent.core.access import unit_scope
from qinhuai_talent.core.models import OrgUnit, Role, User

ROLES = ["office", "street", "street2", "park", "park2", "expert", "finance", "leader"]
DETAIL = re.compile(r"^(?P<list>/api/v1/(?:[\w-]+/)+)\{(?P<param>id|pk)\}/$")

pytestmark = pytest.mark.django_db


def api_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def schema_paths() -> dict:
    import yaml  # drf-spectacular depends on PyYAML
    from django.test import Client

    return yaml.safe_load(Client().get("/api/schema/").content)["paths"]


def list_all(client: APIClient, path: str, limit_pages: int = 20) -> list[dict]:
    rows, url = [], f"{path}?page_size=200"
    for _ in range(limit_pages):
        response = client.get(url)
        assert response.status_code < 500, f"{url}: {response.status_code}"
        if response.status_code != 200:
            return rows
        body = response.json()
        if not isinstance(body, dict) or "results" not in body:
            return rows
        rows.extend(r for r in body["results"] if isinstance(r, dict))
        url = body.get("next")
        if not url:
            break
    return rows


def visible_codes(user: User) -> set[str] | None:
    units = unit_scope(user)
    if units is None:
        return None
    return set(OrgUnit.objects.filter(pk__in=units).values_list("code", flat=True))


def expert_may_see(user: User, list_path: str, row: dict) -> bool:
    """An expert sees an application, and their own review of it, only when it is assigned to them."""
    from talents.models import ReviewAssignment

    if list_path.rstrip("/").endswith("applications"):
        return ReviewAssignment.objects.filter(expert=user, application_id=row.get("id")).exists()
    if list_path.rstrip("/").endswith("reviews"):
        return ReviewAssignment.objects.filter(expert=user, pk=row.get("id")).exists()
    return False


def test_no_list_or_detail_of_the_api_leaks_another_units_record(demo_district):
    paths = schema_paths()
    lists = [p for p, ops in paths.items() if "get" in ops and "{" not in p]
    details = {m["list"]: p for p in paths if (m := DETAIL.match(p)) and "get" in paths[p]}
    office = User.objects.get(username="office")
    leaks, checked = [], 0
    for list_path in lists:
        all_rows = [r for r in list_all(api_for(office), list_path) if r.get("org_unit") and "id" in r]
        if not all_rows:
            continue
        for username in ROLES:
            user = User.objects.get(username=username)
            client = api_for(user)
            codes = visible_codes(user)
            for row in list_all(client, list_path):
                code = row.get("org_unit")
                if not code or codes is None:
                    continue
                allowed = code in codes or (user.role == Role.EXPERT and expert_may_see(user, list_path, row))
                checked += 1
                if not allowed:
                    leaks.append(f"{username} listed {list_path} id={row.get('id')} of {code}")
            detail = details.get(list_path)
            if detail is None or codes is None:
                continue
            outside = [r for r in all_rows if r["org_unit"] not in codes][:3]
            inside = [r for r in all_rows if r["org_unit"] in codes][:1]
            for row in outside:
                if user.role == Role.EXPERT and expert_may_see(user, list_path, row):
                    continue
                status = client.get(detail.replace("{id}", str(row["id"])).replace("{pk}", str(row["id"]))).status_code
                checked += 1
                if status != 404:
                    leaks.append(f"{username} GET {detail} id={row['id']} of {row['org_unit']}: {status}, not 404")
            for row in inside:
                status = client.get(detail.replace("{id}", str(row["id"])).replace("{pk}", str(row["id"]))).status_code
                checked += 1
                if status >= 500:
                    leaks.append(f"{username} GET {detail} own record {row['id']}: {status}")
    print(f"access matrix (API): {checked} checks, {len(leaks)} leaks")
    assert not leaks, "\n".join(leaks)


def web_patterns(resolver=None, prefix: str = ""):
    """Every (route, pattern) of the URLconf, with the route as a string."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from web_patterns(entry, route)
        elif isinstance(entry, URLPattern):
            yield route, entry


def test_every_web_page_answers_every_role_without_a_server_error(demo_district, client):
    pages = sorted(
        {
            "/" + route.lstrip("^").rstrip("$")
            for route, _ in web_patterns()
            if "<" not in route
            and "(" not in route
            and not route.startswith(("api/", "admin/", "static/", "^static"))
            and "\\" not in route
        }
    )
    errors = []
    for username in ROLES:
        client.force_login(User.objects.get(username=username))
        for page in pages:
            response = client.get(page)
            if response.status_code >= 500:
                errors.append(f"{username} GET {page}: {response.status_code}")
    print(f"access matrix (web pages): {len(pages)} pages × {len(ROLES)} roles")
    assert not errors, "\n".join(errors)


def test_web_detail_pages_of_another_unit_are_404(demo_district, client):
    """Web routes `…/<resource>/<int:pk>/…` share the primary key of the API resource of the same name."""
    paths = schema_paths()
    api_lists = {p.rstrip("/").rsplit("/", 1)[-1]: p for p, ops in paths.items() if "get" in ops and "{" not in p}
    office = User.objects.get(username="office")
    rows_by_resource = {}
    leaks, checked = [], 0
    for route, _ in web_patterns():
        match = re.search(r"([\w-]+)/<int:(\w+)>/$", route)
        if not match or route.startswith("api/") or route.startswith("admin/"):
            continue
        resource, param = match.groups()
        if resource not in api_lists:
            continue
        if resource not in rows_by_resource:
            rows_by_resource[resource] = [
                r for r in list_all(api_for(office), api_lists[resource]) if r.get("org_unit") and "id" in r
            ]
        for username in ("street", "park", "street2"):
            user = User.objects.get(username=username)
            codes = visible_codes(user)
            client.force_login(user)
            for row in [r for r in rows_by_resource[resource] if r["org_unit"] not in codes][:2]:
                url = "/" + route.replace(f"<int:{param}>", str(row["id"]))
                status = client.get(url).status_code
                checked += 1
                if status != 404:
                    leaks.append(f"{username} GET {url} ({row['org_unit']}): {status}, not 404")
    print(f"access matrix (web details): {checked} checks, {len(leaks)} leaks")
    assert not leaks, "\n".join(leaks)
