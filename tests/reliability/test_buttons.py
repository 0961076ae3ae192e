"""Issue 14 item 4, generated: the buttons a page shows and the workflow agree, both ways.

1. Every button a page shows (a POST form whose target is a route marked with
   ``@workflow_action``) leads to a transition the person looking at it may take on that record
   in its state: the workflow's own guard (``Workflow.refusal``: the state, who, the condition on
   the record's data), the one the service goes through.
2. Every transition the workflow allows a person on a record has its button on the record's page
   (or is listed below as taken elsewhere, with the reason).

Nothing is a hand list: the action routes are the marked views of the URLconf, the record's page
is the nearest route above the action's that answers a GET, the records are the demo district's,
a few in every state of every workflow, and the pages looked at are these, every page without
parameters and the record pages of the API's lists; the people are every demo role. A route, a
workflow, a state or a button added tomorrow is covered the day it is added.
"""

from collections import defaultdict
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve
from django.utils.module_loading import autodiscover_modules

from qinhuai_talent.core.actions import ActionRoute
from qinhuai_talent.core.bulk import offered
from qinhuai_talent.core.models import User
from qinhuai_talent.core.workflow import PERSON, REGISTRY

from .test_access_matrix import ROLES, WEB_ALIASES, api_for, list_all, schema_paths

pytestmark = pytest.mark.django_db

PER_STATE = 2  # records looked at in each state of each workflow
# Transitions a person takes somewhere else than a button on the record's page, each with why.
ELSEWHERE = {
    ("enterprises.Enterprise", "*"): "the registration status is a field of the enterprise's edit form "
    "(enterprises:edit), which moves it through ENTERPRISE_WORKFLOW",
}


def web_patterns(resolver=None, prefix: str = ""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from web_patterns(entry, route)
        elif isinstance(entry, URLPattern):
            yield route, entry


def _is_web(route: str) -> bool:
    return not route.startswith(("api/", "admin/", "static/", "^static")) and "\\" not in route and "(" not in route


class _Forms(HTMLParser):
    """Every submission a page offers: (target, {field: value}) per submit button."""

    def __init__(self, page: str):
        super().__init__()
        self.page = page
        self.found: list[tuple[str, dict[str, str]]] = []
        self._form: str | None = None
        self._fields: dict[str, str] = {}
        self._buttons: list[tuple[str | None, str | None, str | None]] = []
        self._ids: list[str] = []
        self._select: str | None = None
        self._required = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            if (a.get("method") or "").lower() == "post":
                self._form, self._fields, self._buttons = a.get("action") or self.page, {}, []
                self._ids = []
        elif self._form is None:
            return
        elif tag == "input" and a.get("type") in ("hidden", None, "text", "checkbox") and a.get("name"):
            self._fields.setdefault(a["name"], a.get("value") or "")
            if a["name"] == "ids":  # a work queue's check boxes: every record it offers
                self._ids.append(a.get("value") or "")
        elif tag == "select" and a.get("name"):
            self._select, self._required = a["name"], "required" in a
        elif tag == "option" and self._select:
            # An optional select as it comes (its first choice); a required one, its first real choice.
            if a.get("value"):
                self._fields.setdefault(self._select, a["value"])
                self._select = None
            elif not self._required:
                self._select = None
        elif (tag == "button" and (a.get("type") or "submit") == "submit") or (
            tag == "input" and a.get("type") == "submit"
        ):
            self._buttons.append((a.get("formaction"), a.get("name"), a.get("value")))

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        if tag == "form" and self._form is not None:
            for formaction, name, value in self._buttons:
                fields = dict(self._fields)
                if name:
                    fields[name] = value or ""
                if not formaction and self._ids:
                    fields["ids"] = list(self._ids)
                self.found.append((formaction or self._form, fields))
            self._form = None


def _buttons(page: str, html: str):
    """(route mark, record id, actions) for every workflow button of a page; an unmarked route
    that receives an ``action`` is reported as such."""
    parser = _Forms(page)
    parser.feed(html)
    for target, fields in parser.found:
        path = urlsplit(target).path or page
        try:
            match = resolve(path)
        except Resolver404:
            yield None, path, ("unresolvable target",), path, fields
            continue
        mark: ActionRoute | None = getattr(match.func, "workflow_action", None)
        if mark is None:
            if "action" in fields or "action" in match.kwargs:
                yield None, path, ("posts an action to a route that declares no workflow",), path, fields
            continue
        value = match.kwargs.get("action") or fields.get(mark.field)
        if value in mark.others:
            continue
        if mark.bulk:
            # A work queue's bulk button: one button per record it offers with a check box.
            for pk in fields.get("ids", []):
                yield mark, int(pk), mark.actions_of(value), path, {**fields, "ids": pk}
            continue
        yield mark, int(match.kwargs[mark.record]), mark.actions_of(value), path, fields


@pytest.fixture(scope="module")
def action_routes():
    autodiscover_modules("workflows")
    return [
        (route, entry.callback.workflow_action)
        for route, entry in web_patterns()
        if _is_web(route) and hasattr(entry.callback, "workflow_action")
    ]


def _fill(route: str, mark: ActionRoute, record, action: str) -> str:
    """The route's path for this record (the record's id, its parents', the action)."""
    kwargs = {mark.record: record.pk, "action": action}
    kwargs.update({k: getattr(record, attr) for k, attr in mark.parents.items()})
    path = route
    for name, value in kwargs.items():
        for conv in ("int", "slug", "str"):
            path = path.replace(f"<{conv}:{name}>", str(value))
    return "/" + path


def _ancestors(path: str):
    """The path, then each path above it (one segment less each time)."""
    parts = path.strip("/").split("/")
    for n in range(len(parts), 0, -1):
        yield "/" + "/".join(parts[:n]) + "/"


def _records(workflow, per_state: int = PER_STATE):
    model, field = workflow.model, workflow.state_field
    rows = []
    for state in sorted(set(model.objects.values_list(field, flat=True))):
        rows += list(model.objects.filter(**{field: state}).order_by("pk")[:per_state])
    return rows


def _pages_of_list(client, url: str, limit: int = 40):
    """A page, and its further pages (``?page=n``) while it links to a next one."""
    for n in range(1, limit + 1):
        response = client.get(url, {"page": n} if n > 1 else {})
        body = response.content.decode() if response.status_code == 200 else ""
        yield response.status_code, body
        if f"page={n + 1}" not in body:
            return


@pytest.fixture(scope="module")
def looked_at(action_routes, _demo_district_for_module, django_db_blocker):
    """Every page looked at, as every role: (user, page) → its workflow buttons; and for every
    record of every workflow, the pages it has its buttons on."""
    from django.test import Client

    with django_db_blocker.unblock():
        users = [User.objects.get(username=u) for u in ROLES]
        office = users[0]
        # The record's page: the nearest route at or above its action route that answers a GET.
        record_pages: dict[tuple, set[str]] = defaultdict(set)  # (workflow id, pk) → pages
        probe = Client()
        probe.force_login(office)
        for route, mark in action_routes:
            for record in _records(mark.workflow):
                action = mark.actions_of(None)[0] if mark.action else mark.workflow.transitions[0].action
                for candidate in _ancestors(_fill(route, mark, record, action)):
                    try:
                        resolve(candidate)
                    except Resolver404:
                        continue
                    if probe.get(candidate).status_code != 405:
                        record_pages[(id(mark.workflow), record.pk)].add(candidate)
                        break
        pages = set().union(*record_pages.values())
        # Every page without parameters, and the record pages of the API's lists (a few ids each).
        pages |= {"/" + r for r, _e in web_patterns() if _is_web(r) and "<" not in r and not r.endswith(".xlsx")}
        api_lists = {p.rstrip("/").rsplit("/", 1)[-1]: p for p, ops in schema_paths().items() if "get" in ops}
        record_routes = []
        for route, _e in web_patterns():
            parts = route.split("/")
            if not _is_web(route) or route.count("<") != 1 or "<int:pk>" not in parts:
                continue
            resource = WEB_ALIASES.get(parts[parts.index("<int:pk>") - 1], parts[parts.index("<int:pk>") - 1])
            if resource in api_lists:
                record_routes.append((route, api_lists[resource]))

        def listed_pages(user):
            lists = {}
            for route, path in record_routes:
                if path not in lists:
                    lists[path] = list_all(api_for(user), path, limit_pages=1)[:3]
                for row in lists[path]:
                    yield "/" + route.replace("<int:pk>", str(row["id"]))

        pages |= set(listed_pages(office))
        shown: dict[tuple[str, str], list] = {}
        posted: dict[tuple[str, str], list] = {}  # every POST form a page offers, workflow or not
        for user in users:
            client = Client()
            client.force_login(user)
            # Besides the pages everyone looks at, the person's own records' pages (an applicant's
            # own application, an enterprise's own report): the first few of each of its API lists.
            for page in sorted(pages | set(listed_pages(user))):
                found, forms = [], []
                for status, body in _pages_of_list(client, page):
                    assert status < 500, f"{user.username} GET {page}: {status}"
                    found += list(_buttons(page, body))
                    if status == 200:
                        parser = _Forms(page)
                        parser.feed(body)
                        forms += parser.found
                shown[(user.username, page)] = found
                posted[(user.username, page)] = forms
    return users, record_pages, shown, posted


def test_every_button_leads_to_a_transition_the_person_may_take_on_that_record_now(looked_at):
    users, _pages, shown, _posted = looked_at
    by_name = {u.username: u for u in users}
    wrong, checked = [], 0
    # A queue's bulk button acts on the records chosen among those it offers, each taken or refused
    # by the same rule (the per-record result): its transition must be offered, by state and
    # person, on at least one of them (core.bulk.offered; the data's condition is the run's).
    bulk_open: dict[tuple, bool] = {}
    for (username, page), buttons in sorted(shown.items()):
        for mark, pk, actions, _path, _fields in buttons:
            if mark is None:
                wrong.append(f"{username} {page}: a button to {pk} {actions[0]}")
                continue
            workflow = mark.workflow
            record = workflow.model._base_manager.get(pk=pk)
            for action in actions:
                checked += 1
                known = {t.action for t in workflow.transitions if t.by == PERSON}
                if action not in known:
                    name = workflow.model.__name__
                    wrong.append(f"{username} {page}: {name} {pk} “{action}” is no person's transition")
                    continue
                refusal = workflow.refusal(record, by_name[username], action)
                if mark.bulk:
                    key = (username, page, workflow.model.__name__, action)
                    bulk_open[key] = bulk_open.get(key, False) or offered(workflow, record, by_name[username], action)
                    continue
                if refusal is not None:
                    state = getattr(record, workflow.state_field)
                    wrong.append(
                        f"{username} {page}: {workflow.model.__name__} {pk} ({state}) “{action}” "
                        f"refused: {refusal.code} {refusal.message}"
                    )
    wrong += [
        f"{u} {page}: the bulk “{a}” is open on none of the {m}s offered"
        for (u, page, m, a), ok in bulk_open.items()
        if not ok
    ]
    print(f"buttons: {checked} shown on {len(shown)} pages × roles")
    assert checked > 100, checked
    assert not wrong, "buttons for transitions the workflow refuses:\n" + "\n".join(sorted(set(wrong)))


def test_every_transition_a_person_may_take_has_its_button_on_the_records_page(looked_at, action_routes):
    users, record_pages, shown, _posted = looked_at
    routed = {id(mark.workflow) for _r, mark in action_routes}
    missing, checked = [], 0
    for workflow in REGISTRY:
        label = workflow.model._meta.label
        person = [t for t in workflow.transitions if t.by == PERSON]
        if not person:
            continue
        if id(workflow) not in routed:
            if (label, "*") not in ELSEWHERE:
                missing.append(f"{label}: person transitions {[t.action for t in person]} but no action route")
            continue
        for record in _records(workflow):
            pages = record_pages.get((id(workflow), record.pk), set())
            for user in users:
                allowed = {t.action for t in workflow.available(record, user)}
                if not allowed:
                    continue
                buttons = set()
                for page in pages:
                    for mark, pk, actions, _path, _fields in shown.get((user.username, page), []):
                        if mark is not None and mark.workflow is workflow and pk == record.pk:
                            buttons |= set(actions)
                checked += len(allowed)
                for action in sorted(allowed - buttons - {a for (m, a) in ELSEWHERE if m == label}):
                    state = getattr(record, workflow.state_field)
                    missing.append(f"{user.username}: {label} {record.pk} ({state}) “{action}”: no button on {pages}")
    print(f"transitions allowed: {checked}, without a button: {len(missing)}")
    assert checked > 50, checked
    assert not missing, "transitions a person may take without their button:\n" + "\n".join(missing)


def test_the_button_walk_sees_a_wrong_button(action_routes):
    """The walk itself: a page offering a transition to a route, and an action to an unmarked
    route, are both found (a walk that finds nothing proves nothing)."""
    route, mark = next((r, m) for r, m in action_routes if r == "talents/applications/<int:pk>/action/")
    html = (
        '<form method="post" action="/talents/applications/7/action/">'
        '<input type="hidden" name="action" value="approve"><button type="submit">OK</button></form>'
        '<form method="post" action="/talents/calls/3/quota/">'
        '<input type="hidden" name="action" value="raise"><button type="submit">OK</button></form>'
    )
    found = list(_buttons("/talents/", html))
    assert found[0][:3] == (mark, 7, ("approve",))
    assert found[1][0] is None


# What a person types into a button's form before pressing it (the form's own hidden values,
# first choices and check boxes come from the page).
TYPED = {
    "reason": "核查后处理",
    "comment": "核查后处理",
    "resolution": "核查后处理",
    "outcome": "已完成",
    "delivery_note": "已完成",
    "voucher": "PZ-2018-0001",
    "recovery_due": "0",
    "rectification_due": "2018-06-30",
    "rating": "5",
    "note": "已完成",
    "origin": "introduced",
}


def _asks_once(client, path: str, data: dict, workflow, transition, pk: int) -> str | None:
    """Press a button whose step asks once, without confirming: what is wrong with the answer
    (``None``: a confirmation page naming the record, the step and its consequence, the record
    unchanged, and a form that posts the same fields with ``confirmed``)."""
    from django.utils import translation
    from django.utils.html import escape

    record = workflow.model._base_manager.get(pk=pk)
    before = getattr(record, workflow.state_field)
    response = client.post(path, data)
    after = getattr(workflow.model._base_manager.get(pk=pk), workflow.state_field)
    body = response.content.decode() if response.status_code == 200 else ""
    with translation.override("zh-hans"):
        expected = [escape(str(record)), escape(transition.consequence(record)), escape(str(transition.label))]
    missing = [text for text in expected if text not in body]
    if response.status_code != 200 or after != before or "data-confirm-action" not in body or missing:
        return f"{response.status_code}, {before}→{after}, missing {missing}"
    return None


def test_pressing_a_button_takes_its_transition(looked_at, client):
    """Every button shown (once per record and action), pressed by the person it was shown to
    and rolled back: a step that declares its consequence (``Transition.confirm``) first answers
    with a confirmation naming the record and the consequence and changes nothing; confirmed (or
    at once, for the others) the record reaches the transition's target, so the service refuses
    nothing the table and the page offered, and a success message says what happened."""
    from django.contrib.messages import get_messages
    from django.db import transaction

    users, _pages, shown, _posted = looked_at
    by_name = {u.username: u for u in users}
    pressed, failures, asked = set(), [], 0
    for (username, page), buttons in sorted(shown.items()):
        for mark, pk, actions, path, fields in buttons:
            if mark is None or (id(mark.workflow), pk, actions, mark.bulk) in pressed:
                continue
            pressed.add((id(mark.workflow), pk, actions, mark.bulk))
            if mark.bulk and any(
                mark.workflow.refusal(mark.workflow.model._base_manager.get(pk=pk), by_name[username], a)
                for a in actions
            ):
                continue  # a record the queue offers but this action refuses: its result says why
            data = {**TYPED, **{k: v for k, v in fields.items() if v}}
            if mark.bulk:
                # A queue's button confirms first; pressed through to its run, for this record alone.
                data.update({"step": "run", "ids": str(pk), **{f"{k}_{pk}": v for k, v in TYPED.items()}})
            workflow = mark.workflow
            targets = {workflow.get(a).target for a in actions}
            client.cookies.clear()
            client.force_login(by_name[username])
            transition = workflow.get(actions[0]) if len(actions) == 1 and not mark.bulk else None
            with transaction.atomic():
                if transition is not None and transition.confirm is not None:
                    asked += 1
                    wrong = _asks_once(client, path, data, workflow, transition, pk)
                    if wrong:
                        failures.append(f"{username} {page}: {workflow.model.__name__} {pk} “{actions[0]}” {wrong}")
                    data["confirmed"] = "1"
                response = client.post(path, data)
                after = getattr(workflow.model._base_manager.get(pk=pk), workflow.state_field)
                told = list(get_messages(response.wsgi_request))
                said = [str(m) for m in told][-1:] or [response.status_code]
                transaction.set_rollback(True)
            if after not in targets:
                failures.append(
                    f"{username} {page}: {workflow.model.__name__} {pk} “{'/'.join(actions)}” left it {after}: {said}"
                )
            elif not mark.bulk and not any(m.level_tag == "success" and str(m).strip() for m in told):
                failures.append(f"{username} {page}: {workflow.model.__name__} {pk} “{actions[0]}” said nothing")
    print(f"buttons pressed: {len(pressed)}, of which asked once first: {asked}")
    assert len(pressed) > 50, len(pressed)
    assert asked > 10, asked
    assert not failures, "buttons the service then refuses, or that did not ask or tell:\n" + "\n".join(failures)


def test_no_form_takes_a_step_that_asks_before_it_is_confirmed(looked_at, client, monkeypatch):
    """Issue 17 item 7, over every POST form of every page looked at (marked as a workflow's route
    or not: an applicant's submit, an objection's finding, a form's own save) and every transition
    of every workflow: pressed as shown, without the confirmation, no form takes a person's step
    that declares its consequence (``Transition.confirm``). A view that reaches such a step
    without ``post_action`` asking first (an unmarked route, a choice of steps the route does not
    narrow to one) fails here, naming the form and the step, the day it is added."""
    from django.db import transaction

    from qinhuai_talent.core.workflow import Workflow

    taken: list[tuple[Workflow, str]] = []
    apply, apply_many = Workflow.apply, Workflow.apply_many

    def recording_apply(self, obj, *, action, **kwargs):
        taken.append((self, action))
        return apply(self, obj, action=action, **kwargs)

    def recording_apply_many(self, queryset, *, action, **kwargs):
        taken.append((self, action))
        return apply_many(self, queryset, action=action, **kwargs)

    monkeypatch.setattr(Workflow, "apply", recording_apply)
    monkeypatch.setattr(Workflow, "apply_many", recording_apply_many)
    users, _pages, _shown, posted = looked_at
    by_name = {u.username: u for u in users}
    pressed, stepped, failures = set(), 0, []
    for (username, page), forms in sorted(posted.items()):
        for target, fields in forms:
            path = urlsplit(target).path or page
            key = (username, path, tuple(sorted(fields)), str(fields.get("action")))
            if key in pressed or path.startswith(("/accounts/", "/i18n/")):
                continue  # signing in and out, the language: no record's step
            pressed.add(key)
            client.cookies.clear()
            client.force_login(by_name[username])
            data = {**TYPED, **{k: v for k, v in fields.items() if v}}
            data.pop("confirmed", None)
            with transaction.atomic():
                taken.clear()
                response = client.post(path, data)
                transaction.set_rollback(True)
            assert response.status_code < 500, f"{username} {page}: POST {path} {response.status_code}"
            stepped += bool(taken)
            for workflow, action in taken:
                t = workflow.get(action)
                if t.by == PERSON and t.confirm is not None:
                    failures.append(
                        f"{username} {page}: POST {path} took {workflow.model._meta.label} “{action}” unasked"
                    )
    print(f"forms pressed unconfirmed: {len(pressed)}, of which took a step: {stepped}")
    assert len(pressed) > 100 and stepped > 10, (len(pressed), stepped)
    assert not failures, "forms that take a step that asks, without asking:\n" + "\n".join(sorted(set(failures)))
