"""A talent's and an enterprise's own records: what their pages show, the API gives them, and names
nobody of the back office (issue 16: "each sees only their own records", through the same endpoints).

Generated, not listed: the records a self-service page shows are those of every ``own_*`` selector
of every app (the functions the pages read), followed through what they load with them (an
agreement's tranches, a tranche's payout and use-of-funds report); the API list of each record's
model is found in the URLconf. A new own selector, or a new kind of record it loads, is covered the
day it is added. The other direction (nothing else reaches these accounts) is the access matrix's
``owner_may_see``.
"""

import importlib
import inspect
from decimal import Decimal

import pytest
from django.apps import apps
from django.db.models import Model, QuerySet
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from qinhuai_talent.core.models import OUTSIDE_ROLES, OrgUnit, Role, User

from .test_access_matrix import list_all, schema_paths

pytestmark = pytest.mark.django_db

# Records a page shows by name only (a unit, a program, the enterprise an agreement is with, the
# talent an application is of): reference data, not records the account owns.
REFERENCES = {"core.orgunit", "core.user", "talents.program", "talents.call", "talents.industry", "talents.talent"}
REFERENCES |= {"enterprises.enterprise", "enterprises.makerspace"}


def own_selectors() -> list:
    """Every ``own_*(user)`` function of every app's ``selectors`` module."""
    found = []
    for config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.selectors")
        except ModuleNotFoundError:
            continue
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("own_") and function.__module__ == module.__name__:
                found.append(function)
    return found


def _walk(instance: Model, into: dict[str, set[int]], top: bool) -> None:
    label = instance._meta.label_lower
    if label in REFERENCES and not top:
        return
    if instance.pk in into.setdefault(label, set()):
        return
    into[label].add(instance.pk)
    related = list(instance._state.fields_cache.values())
    for rows in getattr(instance, "_prefetched_objects_cache", {}).values():
        related.extend(rows)
    for other in related:
        if isinstance(other, Model):
            _walk(other, into, top=False)


def page_records(user: User) -> dict[str, set[int]]:
    """The records the account's pages show: the selectors' rows and what they load with them."""
    into: dict[str, set[int]] = {}
    for selector in own_selectors():
        result = selector(user)
        if isinstance(result, Model):
            result = [result]
        elif isinstance(result, QuerySet) and result._iterable_class.__name__ != "ModelIterable":
            continue  # ids for a subquery (own_agreement_ids)
        for instance in result or []:
            if isinstance(instance, Model):
                _walk(instance, into, top=True)
    return into


def api_lists() -> dict[str, str]:
    """model label → the API list that serves it (the router's ``<basename>-list`` route, whose
    viewset's serializer names the model)."""
    found = {}

    def visit(resolver):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                visit(entry)
            elif isinstance(entry, URLPattern) and (entry.name or "").endswith("-list"):
                view = getattr(entry.callback, "cls", None)
                serializer = getattr(view, "serializer_class", None)
                queryset = getattr(view, "queryset", None)
                model = serializer.Meta.model if hasattr(serializer, "Meta") else getattr(queryset, "model", None)
                if model is not None:
                    found.setdefault(model._meta.label_lower, reverse(entry.name))

    visit(get_resolver())
    return found


@pytest.fixture
def owners(demo_district):
    """The demo's talent and enterprise accounts, the talent also a founder of an enterprise with an
    agreement and the holder of a title, so that each kind of own record has rows for both."""
    from enterprises.models import Founder
    from funding.models import Agreement, Payout
    from talents.models import Program, Talent, Title

    talent_account, enterprise_account = User.objects.get(username="talent"), User.objects.get(username="enterprise")
    person = Talent.objects.get(account=talent_account)
    # An agreement with payouts and a use-of-funds report: the richest page a founder has.
    funded = Agreement.objects.filter(
        pk__in=Payout.objects.values("agreement"), tranches__use_of_funds__isnull=False
    ).exclude(enterprise__account=enterprise_account)
    enterprise = funded.first().enterprise
    Founder.objects.create(talent=person, enterprise=enterprise, equity_share=Decimal("12.50"))
    Title.objects.create(
        talent=person, program=Program.objects.get(code="district_high_level_entrepreneur"), year=2016,
        origin="self_cultivated", org_unit=OrgUnit.objects.get(pk=person.org_unit_id),
    )  # fmt: skip
    return [talent_account, enterprise_account]


def test_every_record_a_self_service_page_shows_is_in_the_api_list_and_opens_by_id(owners):
    lists, missing, checked = api_lists(), [], {}
    for user in owners:
        client = APIClient()
        client.force_authenticate(user)
        for label, ids in page_records(user).items():
            path = lists.get(label)
            if path is None:
                continue  # shown inside its parent (a tranche's milestones)
            listed = {r["id"] for r in list_all(client, path)}
            for pk in sorted(ids):
                checked.setdefault(user.role, set()).add(label)
                if pk not in listed:
                    missing.append(f"{user.username}: {label} {pk} on its pages, not in {path}")
                status = client.get(f"{path}{pk}/").status_code
                if status != 200:
                    missing.append(f"{user.username}: GET {path}{pk}/ answered {status}")
    print({role: sorted(labels) for role, labels in checked.items()})
    # Not vacuous: each account's money and its own records were among what was compared.
    assert {
        "funding.agreement",
        "funding.tranche",
        "funding.payout",
        "funding.useoffundsreport",
        "talents.application",
        "talents.title",
    } <= (checked[Role.TALENT])
    assert {
        "funding.agreement",
        "funding.tranche",
        "funding.payout",
        "enterprises.enterprise",
        "enterprises.operatingreport",
    } <= checked[Role.ENTERPRISE]
    assert not missing, "\n".join(missing)


def _strings(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value


def test_nothing_the_api_gives_an_outside_account_names_a_back_office_account(owners):
    """Who filed, prepared, approved or reviewed something is the back office's: to a talent, an
    enterprise or a provider's staff, no value of any list of the schema, nor of the details of the
    rows listed, holds a back-office account's username (the agreement page "names nobody"; a
    payout's ``prepared_by`` and ``approved_by`` are null, a request filed by an officer has no
    ``filed_by``)."""
    # The demo's usernames are words a response holds anyway ("street", "park"): each back-office
    # account gets one that no other value can be, so finding it anywhere in a value is a finding.
    for account in User.objects.exclude(role__in=OUTSIDE_ROLES):
        User.objects.filter(pk=account.pk).update(username=f"staff-{account.pk}-{account.role}")
    back_office = set(User.objects.filter(username__startswith="staff-").values_list("username", flat=True))
    assert len(back_office) > 8
    paths = schema_paths()
    lists = [p for p, ops in paths.items() if "get" in ops and "{" not in p]
    named, rows_read, payouts = [], 0, 0
    for user in [*owners, User.objects.get(username="provider")]:
        client = APIClient()
        client.force_authenticate(user)
        for path in lists:
            for row in list_all(client, path):
                rows_read += 1
                bodies = [row]
                if isinstance(row.get("id"), int) and f"{path}{{id}}/" in paths:
                    bodies.append(client.get(f"{path}{row['id']}/").json())
                if path.endswith("/payouts/"):
                    payouts += 1
                    assert "prepared_by" in row and row["prepared_by"] is None and row["approved_by"] is None, row
                for value in (v for body in bodies for v in _strings(body)):
                    named += [f"{user.username} {path} id={row.get('id')}: {value}" for u in back_office if u in value]
    assert payouts >= 2 and rows_read > 20, (payouts, rows_read)
    assert not named, "\n".join(named)


def test_own_records_read_in_the_api_as_the_office_reads_them_but_for_the_names(owners):
    """Scoping by owner changes which rows a talent or an enterprise gets, never a figure of them (a
    founder's agreement is reached through the founders, beside the progress sums): every own row of
    the money lists equals the office's row of the same id, but for who prepared and approved it."""
    office = APIClient()
    office.force_authenticate(User.objects.get(username="office"))
    compared = 0
    for user in owners:
        mine = APIClient()
        mine.force_authenticate(user)
        for path in ("/api/v1/agreements/", "/api/v1/tranches/", "/api/v1/payouts/"):
            rows = list_all(mine, path)
            assert rows and len({r["id"] for r in rows}) == len(rows), (user.username, path)
            for row in rows:
                theirs = office.get(f"{path}{row['id']}/").json()
                if path.endswith("/payouts/"):
                    theirs.update(prepared_by=None, approved_by=None)
                assert row == theirs, (user.username, path)
                compared += 1
    assert compared > 10
