"""Issue 14 item 14 (accounts): nobody changes their own role, unit or rights, the admin
included; every change of another account's role or unit is kept (who, when, old → new) and
shown to the office on the account's page."""

import pytest
from django.contrib.admin.sites import site
from django.forms import MultiWidget
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver

from qinhuai_talent.core.demo import ACCOUNTS
from qinhuai_talent.core.models import OrgUnit, Role, User

pytestmark = pytest.mark.django_db


def _admin_post_data(actor: User, account: User, **changes) -> dict:
    """What the admin's change form of ``account`` posts, as ``actor`` sees it, with ``changes``."""
    request = RequestFactory().get("/")
    request.user = actor
    model_admin = site._registry[User]
    form = model_admin.get_form(request, account, change=True)(instance=account)
    data = {}
    for name, field in form.fields.items():
        value = changes.get(name, form[name].value())
        if isinstance(field.widget, MultiWidget):
            for i, part in enumerate(field.widget.decompress(value)):
                data[f"{name}_{i}"] = part if part is not None else ""
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, list | tuple):
            data[name] = [getattr(v, "pk", v) for v in value]
        elif value is not None:
            data[name] = getattr(value, "pk", value)
    return data


def _superuser(units) -> User:
    return User.objects.create_superuser("root", "root@example.org", "x-Strong-Pass-1", role=Role.OFFICE)


@pytest.mark.parametrize("who", ["office", "superuser"])
def test_nobody_changes_their_own_role_or_unit_in_the_admin(client, units, who):
    actor = User.objects.get(username="office") if who == "office" else _superuser(units)
    finance_unit = OrgUnit.objects.get(code="finance_bureau")
    client.force_login(actor)
    for changes in ({"role": Role.FINANCE}, {"org_unit": finance_unit}):
        data = _admin_post_data(actor, actor, **changes)
        response = client.post(f"/admin/core/user/{actor.pk}/change/", data)
        assert response.status_code == 200, "the form is shown again with its error"
        assert "Nobody changes their own role" in response.content.decode() or "不得更改自己的角色" in (
            response.content.decode()
        )
        actor.refresh_from_db()
        assert actor.role == Role.OFFICE and actor.org_unit_id != finance_unit.pk


def test_the_office_changes_another_accounts_role_and_the_change_is_kept_and_shown(client, units):
    office = User.objects.get(username="office")
    street2 = User.objects.get(username="street2")
    park_unit = OrgUnit.objects.get(code="guochuang_park")
    client.force_login(office)
    data = _admin_post_data(office, street2, role=Role.PARK, org_unit=park_unit)
    response = client.post(f"/admin/core/user/{street2.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    street2.refresh_from_db()
    assert (street2.role, street2.org_unit_id) == (Role.PARK, park_unit.pk)
    latest = street2.history.order_by("-history_id").first()
    assert latest.history_user == office
    page = client.get(f"/accounts/users/{street2.pk}/").content.decode()
    assert "街道人才专员 → 园区人才专员" in page or "Street officer → Park officer" in page
    assert office.get_full_name() in page or "office" in page


def _own_account_writes():
    """Every web route under /accounts/ and /admin/core/user/ and every API operation on users or
    the caller, generated from the URLconf and the schema, with the caller's own id."""
    routes = []

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern).lstrip("^"))
            elif isinstance(p, URLPattern):
                routes.append(prefix + str(p.pattern).lstrip("^").rstrip("$"))

    walk(get_resolver().url_patterns)
    prefixes = ("accounts/", "api/v1/users", "api/v1/me", "admin/core/user/")
    return [r.replace("<path:object_id>", "<int:pk>") for r in routes if r.startswith(prefixes)]


@pytest.mark.parametrize("username", [a[0] for a in ACCOUNTS])
def test_no_page_or_api_lets_anyone_change_their_own_role_or_unit(client, api, units, username):
    user = User.objects.get(username=username)
    before = (user.role, user.org_unit_id, user.is_superuser, user.is_staff)
    other_unit = OrgUnit.objects.exclude(pk=user.org_unit_id).order_by("pk").first()
    body = {"role": Role.OFFICE, "org_unit": other_unit.code, "is_superuser": True, "is_staff": True}
    routes = _own_account_writes()
    assert routes, "the URLconf has account routes"
    tried = 0
    for route in routes:
        path = "/" + route.replace("<int:pk>", str(user.pk)).replace("(?P<pk>[^/.]+)", str(user.pk))
        if "<" in path or "(?P" in path or "\\" in path:
            continue
        tried += 1
        client.force_login(user)  # a route may have logged the client out
        client.post(path, {**body, "org_unit": other_unit.pk})
        for method in ("post", "put", "patch"):
            getattr(api(user), method)(path, body, format="json")
    assert tried >= 5
    user.refresh_from_db()
    assert (user.role, user.org_unit_id, user.is_superuser, user.is_staff) == before
