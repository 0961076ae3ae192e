"""The access matrix, generated from the URL configuration and the OpenAPI schema.

Every API list and detail operation and every web page, as every role, against records of the
caller's unit and of other units, on the demo district. Nothing here is a hand-kept list of
pages: a new endpoint or page is covered the day it is added.

The rules checked: the portal's scoping rule (qinhuai_talent.core.access.unit_scope): a caller
never receives, by list or by id, a record of a unit outside its scope; experts have no unit and
see unit records only through their review assignments. And consistency: what a role's own list
holds opens by id, anything else answers, to reads and writes, on pages and in the API, exactly
as an id that no record has.
"""

import re

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from qinhuai_talent.core.access import unit_scope
from qinhuai_talent.core.models import OrgUnit, Role, User

# The self-service accounts (issue 16) own records of a unit but are in none: nothing of any unit
# reaches them through the back office's lists, details, actions or pages.
ROLES = [
    "office",
    "street",
    "street2",
    "park",
    "park2",
    "expert",
    "finance",
    "leader",
    "talent",
    "enterprise",
    "provider",
]
DETAIL = re.compile(r"^(?P<list>/api/v1/(?:[\w-]+/)+)\{(?P<param>id|pk)\}/$")

pytestmark = pytest.mark.django_db


def api_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def schema_paths() -> dict:
    """The schema's paths, as a signed-in client reads them (the schema is not public)."""
    import yaml  # drf-spectacular depends on PyYAML

    client = APIClient()
    client.force_authenticate(User(username="schema-reader", role=Role.OFFICE))
    return yaml.safe_load(client.get("/api/schema/").content)["paths"]


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


def provider_may_see(user: User, list_path: str, row: dict) -> bool:
    """A provider's staff see a service request only when it is routed to their organisation."""
    from serviceplatform.models import ServiceRequest

    if list_path.rstrip("/").endswith("service-requests"):
        return ServiceRequest.objects.filter(pk=row.get("id"), provider__staff__user=user).exists()
    return False


def owner_may_see(user: User, list_path: str, row: dict) -> bool:
    """A talent's own account sees its own applications (issue 16, item 4) and titles, an
    enterprise's its own enterprise, operating data, financing rounds (item 5), support-plan items
    and service requests (issue 18, item 3), and both the agreements, tranches, payouts and
    use-of-funds reports of an enterprise they own or founded, through the same endpoints as the
    back office."""
    from enterprises.models import Enterprise, FinancingRound, OperatingReport, SupportPlanItem
    from funding.models import Agreement, Payout, Tranche, UseOfFundsReport
    from serviceplatform.models import ServiceRequest
    from talents.models import Application, Title

    resource = list_path.rstrip("/").rsplit("/", 1)[-1]
    if user.role == Role.TALENT and resource in ("applications", "titles"):
        model = Application if resource == "applications" else Title
        return model.objects.filter(pk=row.get("id"), talent__account=user).exists()
    if user.role == Role.ENTERPRISE and resource == "enterprises":
        return Enterprise.objects.filter(pk=row.get("id"), account=user).exists()
    funded = {
        "agreements": (Agreement, ""),
        "tranches": (Tranche, "agreement__"),
        "payouts": (Payout, "agreement__"),
        "use-of-funds-reports": (UseOfFundsReport, "tranche__agreement__"),
    }
    if resource in funded:
        model, via = funded[resource]
        owner = {Role.TALENT: "enterprise__founders__talent__account", Role.ENTERPRISE: "enterprise__account"}
        return model.objects.filter(pk=row.get("id"), **{via + owner[user.role]: user}).exists()
    own = {
        "operating-reports": OperatingReport,
        "financing-rounds": FinancingRound,
        "service-requests": ServiceRequest,
        "support-items": SupportPlanItem,
    }
    model = own.get(list_path.rstrip("/").rsplit("/", 1)[-1])
    if user.role == Role.ENTERPRISE and model is not None:
        return model.objects.filter(pk=row.get("id"), enterprise__account=user).exists()
    return False


MISSING = 10**9  # an id no record has


def own_list(client: APIClient, path: str, cache: dict, key) -> list[dict]:
    if key not in cache:
        cache[key] = [r for r in list_all(client, path) if isinstance(r.get("id"), int)]
    return cache[key]


def test_no_list_or_detail_of_the_api_leaks_another_units_record(demo_district):
    """Lists: every row a role receives belongs to a unit in its scope (experts: their assignments).
    Details: a record the role's own list holds opens (200); one it does not is a 404."""
    paths = schema_paths()
    lists = [p for p, ops in paths.items() if "get" in ops and "{" not in p]
    details = {m["list"]: p for p in paths if (m := DETAIL.match(p)) and "get" in paths[p]}
    office = User.objects.get(username="office")
    leaks, checked, cache = [], 0, {}
    for list_path in lists:
        all_rows = own_list(api_for(office), list_path, cache, ("office", list_path))
        for username in ROLES:
            user = User.objects.get(username=username)
            client = api_for(user)
            codes = visible_codes(user)
            mine = own_list(client, list_path, cache, (username, list_path))
            for row in mine:
                code = row.get("org_unit")
                if not code or codes is None:
                    continue
                allowed = (
                    code in codes
                    or (user.role == Role.EXPERT and expert_may_see(user, list_path, row))
                    or (user.role == Role.PROVIDER and provider_may_see(user, list_path, row))
                    or (user.role in (Role.TALENT, Role.ENTERPRISE) and owner_may_see(user, list_path, row))
                )
                checked += 1
                if not allowed:
                    leaks.append(f"{username} listed {list_path} id={row.get('id')} of {code}")
            detail = details.get(list_path)
            if detail is None:
                continue
            visible = {r["id"] for r in mine}
            # Own records (and others' a role may see) and, first, other units' records.
            outside = sorted((r for r in all_rows if r["id"] not in visible), key=lambda r: not r.get("org_unit"))
            for row, expected in [(r, 200) for r in mine[:2]] + [(r, 404) for r in outside[:3]]:
                status = client.get(detail.replace("{id}", str(row["id"])).replace("{pk}", str(row["id"]))).status_code
                checked += 1
                if status != expected:
                    leaks.append(
                        f"{username} GET {detail} id={row['id']} of {row.get('org_unit')}: {status}, not {expected}"
                    )
    print(f"access matrix (API reads): {checked} checks, {len(leaks)} leaks")
    assert not leaks, "\n".join(leaks)


UNSAFE_DETAIL = re.compile(r"^(?P<list>/api/v1/(?:[\w-]+/)+)\{(?:id|pk)\}/(?:[\w-]+/)?$")


def _rolled_back(call):
    """Whatever the request does is undone: a leak found must not change what the next check sees."""
    with transaction.atomic():
        result = call()
        transaction.set_rollback(True)
    return result


def test_no_unsafe_api_operation_tells_a_record_out_of_scope_from_a_missing_one(demo_district):
    """Every POST, PUT, PATCH and DELETE on a record (approve, pay, submit, confirm, dismiss …), by
    every role, on a record its own list does not hold: the same answer as for an id no record has
    (a 404, or the 403/405 every id gets), never a 2xx. Out of scope is indistinguishable from
    missing, so nothing can be learnt or done through a write either."""
    paths = schema_paths()
    unsafe = [
        (method, path, m["list"])
        for path, ops in paths.items()
        if (m := UNSAFE_DETAIL.match(path))
        for method in ops
        if method in ("post", "put", "patch", "delete")
    ]
    assert len(unsafe) > 30, unsafe
    office = User.objects.get(username="office")
    leaks, checked, cache = [], 0, {}
    for method, path, list_path in unsafe:
        if "get" not in paths.get(list_path, {}):
            continue
        all_rows = own_list(api_for(office), list_path, cache, ("office", list_path))
        for username in ROLES:
            user = User.objects.get(username=username)
            client = api_for(user)
            visible = {r["id"] for r in own_list(client, list_path, cache, (username, list_path))}
            outside = [r for r in all_rows if r["id"] not in visible][:2]
            if not outside:
                continue

            def send(pk, client=client):
                url = path.replace("{id}", str(pk)).replace("{pk}", str(pk))
                return _rolled_back(lambda: getattr(client, method)(url, {}, format="json").status_code)

            missing = send(MISSING)
            for row in outside:
                status = send(row["id"])
                checked += 1
                if status != missing or 200 <= status < 300:
                    leaks.append(
                        f"{username} {method.upper()} {path} id={row['id']} of {row.get('org_unit')}: "
                        f"{status}, a missing id {missing}"
                    )
    print(f"access matrix (API writes): {len(unsafe)} operations, {checked} checks, {len(leaks)} leaks")
    assert checked > 100
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


# Web resources named differently from their API list.
WEB_ALIASES = {
    "plan": "support-items",
    "flags": "exit-flags",
    "cases": "exit-cases",
    "scorecards": "assessments",
    "providers": "service-providers",
    "requests": "service-requests",
}


def test_web_pages_and_actions_of_a_record_out_of_scope_answer_as_for_a_missing_one(demo_district, client):
    """Every web route on a record (`…/<int:pk>/…`: pages, actions, downloads), GET and POST, by
    every role, for records the role's API list does not hold: the same answer as for an id no
    record has (404), never a page or a redirect after a change."""
    paths = schema_paths()
    api_lists = {p.rstrip("/").rsplit("/", 1)[-1]: p for p, ops in paths.items() if "get" in ops and "{" not in p}
    office = User.objects.get(username="office")
    routes = []
    for route, _ in web_patterns():
        match = re.search(r"([\w-]+)/<int:pk>/", route)
        if match is None or route.startswith(("api/", "admin/")):
            continue
        resource = WEB_ALIASES.get(match.group(1), match.group(1))
        if resource in api_lists:
            url = re.sub(r"<int:(?!pk>)\w+>", "1", re.sub(r"<(?:str|slug):\w+>", "approve", route))
            routes.append(("/" + url, api_lists[resource]))
    assert len(routes) > 30, routes
    client.raise_request_exception = False
    leaks, checked, cache = [], 0, {}
    for username in ROLES:
        user = User.objects.get(username=username)
        client.force_login(user)
        api = api_for(user)
        for url, list_path in routes:
            all_rows = own_list(api_for(office), list_path, cache, ("office", list_path))
            visible = {r["id"] for r in own_list(api, list_path, cache, (username, list_path))}
            row = next((r for r in all_rows if r["id"] not in visible), None)
            if row is None:
                continue
            for method in ("get", "post"):

                def send(pk, method=method, url=url):
                    target = url.replace("<int:pk>", str(pk))
                    return _rolled_back(lambda: getattr(client, method)(target).status_code)

                missing, status = send(MISSING), send(row["id"])
                checked += 1
                if status != missing:
                    leaks.append(
                        f"{username} {method.upper()} {url} id={row['id']} ({row.get('org_unit')}): "
                        f"{status}, a missing id {missing}"
                    )
    print(f"access matrix (web records): {len(routes)} routes, {checked} checks, {len(leaks)} leaks")
    assert checked > 300
    assert not leaks, "\n".join(leaks)


def test_no_api_create_files_for_an_enterprise_that_is_not_the_callers(demo_district):
    """Every POST of a list (operating reports, financing rounds, evaluations, plan items …), by
    every role but the office, naming an enterprise outside the caller's reach: never a 2xx and
    nothing written to the enterprise database. An enterprise account reaches its own only."""
    import yaml
    from django.apps import apps

    from enterprises.models import Enterprise

    reader = APIClient()
    reader.force_authenticate(User(username="schema-reader", role=Role.OFFICE))
    schema = yaml.safe_load(reader.get("/api/schema/").content)
    bodies = schema["components"]["schemas"]

    def names_an_enterprise(op: dict) -> bool:
        ref = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {}).get("$ref")
        return bool(ref) and "enterprise" in bodies.get(ref.rsplit("/", 1)[-1], {}).get("properties", {})

    creates = [p for p, ops in schema["paths"].items() if "{" not in p and names_an_enterprise(ops.get("post", {}))]
    assert "/api/v1/operating-reports/" in creates and "/api/v1/financing-rounds/" in creates, creates
    models = [m for m in apps.get_app_config("enterprises").get_models() if not m.__name__.startswith("Historical")]

    def rows():
        return [m.objects.count() for m in models]

    wrote, checked = [], 0
    for username in ROLES:
        user = User.objects.get(username=username)
        if user.role == Role.OFFICE:
            continue
        client = api_for(user)
        units = unit_scope(user)
        outside = Enterprise.objects.exclude(account=user)
        if units is not None:
            outside = outside.exclude(org_unit_id__in=units)
        target = outside.order_by("pk").first()
        for path in creates:

            def send(path=path, client=client, target=target):
                before = rows()
                status = client.post(path, {"enterprise": target.pk, "year": 2017, "quarter": 3}, format="json")
                return status.status_code, rows() != before

            status, changed = _rolled_back(send)
            checked += 1
            if 200 <= status < 300 or changed:
                wrote.append(f"{username} POST {path} naming enterprise {target.pk}: {status}, wrote {changed}")
    print(f"access matrix (creates naming an enterprise): {len(creates)} operations, {checked} checks")
    assert checked >= 4 * len(ROLES)
    assert not wrote, "\n".join(wrote)
