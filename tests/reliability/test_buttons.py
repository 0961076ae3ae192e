"""Issue 14 item 4, generated: every action button a page shows to a role leads to a transition
that role may take in the record's state (the workflow's ``available``), so a refused action has
no button; and pressing it does take the transition.

Walks the demo district: for every model with a workflow, one record in each state it is in, its
detail page as each demo role; every POST form or button whose target is a workflow action route.
"""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import Resolver404, resolve, reverse

from assessment.workflows import ASSESSMENT_WORKFLOW
from enterprises.workflows import IMPORT_WORKFLOW, SUPPORT_WORKFLOW
from funding.workflows import AGREEMENT_WORKFLOW, CASE_WORKFLOW, FLAG_WORKFLOW, PAYOUT_WORKFLOW
from qinhuai_talent.core.models import User
from talents.workflows import APPLICATION_WORKFLOW, CALL_WORKFLOW

pytestmark = pytest.mark.django_db

# Route name → (workflow, the action when the route has no action of its own).
ROUTES = {
    "talents:call-action": (CALL_WORKFLOW, None),
    "talents:application-action": (APPLICATION_WORKFLOW, None),
    "funding:agreement-action": (AGREEMENT_WORKFLOW, None),
    "funding:case-action": (CASE_WORKFLOW, None),
    "funding:payout-approve": (PAYOUT_WORKFLOW, "approve"),
    "funding:payout-pay": (PAYOUT_WORKFLOW, "pay"),
    "funding:flag-dismiss": (FLAG_WORKFLOW, "dismiss"),
    "assessment:assessment-action": (ASSESSMENT_WORKFLOW, None),
    "enterprises:support-action": (SUPPORT_WORKFLOW, None),
    "enterprises:import-confirm": (IMPORT_WORKFLOW, "import"),
}

# Where each model's actions are shown: its detail page (or the board that lists it).
PAGES = {
    CALL_WORKFLOW: lambda o: reverse("talents:call-board", args=[o.pk]),
    APPLICATION_WORKFLOW: lambda o: reverse("talents:application-detail", args=[o.pk]),
    AGREEMENT_WORKFLOW: lambda o: reverse("funding:agreement-detail", args=[o.pk]),
    CASE_WORKFLOW: lambda o: reverse("funding:case-detail", args=[o.pk]),
    PAYOUT_WORKFLOW: lambda o: reverse("funding:payout-detail", args=[o.pk]),
    FLAG_WORKFLOW: lambda o: reverse("funding:exit-board"),
    ASSESSMENT_WORKFLOW: lambda o: reverse("assessment:assessment-detail", args=[o.pk]),
    SUPPORT_WORKFLOW: lambda o: reverse("enterprises:detail", args=[o.enterprise_id]),
    IMPORT_WORKFLOW: lambda o: reverse("enterprises:import-detail", args=[o.pk]),
}


class _Buttons(HTMLParser):
    """Every submission a page offers: (target path, action field) per submit button."""

    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, str | None]] = []
        self._form: str | None = None
        self._action_field: str | None = None
        self._buttons = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self._form, self._action_field, self._buttons = a.get("action") or "", None, 0
        elif self._form is not None and tag == "input" and a.get("name") == "action":
            self._action_field = a.get("value")
        elif self._form is not None and tag == "button" and (a.get("type") or "submit") == "submit":
            self._buttons += 1
            target = a.get("formaction") or self._form
            value = a.get("value") if a.get("name") == "action" else self._action_field
            self.found.append((target, value))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def _submissions(html: str):
    parser = _Buttons()
    parser.feed(html)
    for target, value in parser.found:
        try:
            match = resolve(urlsplit(target).path)
        except Resolver404:
            continue
        spec = ROUTES.get(match.view_name)
        if spec is None:
            continue
        workflow, fixed = spec
        action = match.kwargs.get("action") or fixed or value
        yield workflow, match.kwargs["pk"], action, urlsplit(target).path


@pytest.fixture
def demo(db, django_capture_on_commit_callbacks):
    with open("/dev/null", "w") as devnull, django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=devnull)


def test_every_button_leads_to_a_transition_the_role_may_take_now(demo, client):
    users = list(User.objects.filter(is_active=True).exclude(role="api_client").order_by("username"))
    assert len(users) >= 6
    checked, pages = 0, 0
    wrong = []
    for workflow, page in PAGES.items():
        model = workflow.model
        records = []
        for state in model.objects.values_list(workflow.state_field, flat=True).distinct():
            records.append(model.objects.filter(**{workflow.state_field: state}).order_by("pk").first())
        for user in users:
            client.force_login(user)
            for record in records:
                response = client.get(page(record))
                if response.status_code != 200:
                    continue
                pages += 1
                for wf, pk, action, _path in _submissions(response.content.decode()):
                    subject = wf.model.objects.get(pk=pk)
                    refusal = wf.refusal(subject, user, action)
                    checked += 1
                    if refusal is not None:
                        state = getattr(subject, wf.state_field)
                        wrong.append(f"{user.username}: {wf.model.__name__} {pk} ({state}) “{action}”: {refusal.code}")
    assert pages > 50 and checked > 10, (pages, checked)
    assert not wrong, "buttons for actions the role may not take:\n" + "\n".join(sorted(set(wrong)))


def test_pressing_a_button_takes_its_transition(demo, client):
    """Each kind of button (workflow × action) shown to someone, pressed once (rolled back): the
    record reaches the transition's target, so the service agrees with the table and the page."""
    users = list(User.objects.filter(is_active=True).exclude(role="api_client").order_by("username"))
    seen: set[tuple[str, str]] = set()
    failures = []
    form = {
        "reason": "核查后处理",
        "comment": "核查后处理",
        "resolution": "核查后处理",
        "outcome": "已完成",
        "voucher": "PZ-2018-0001",
        "recovery_due": "0",
        "rectification_due": "2099-06-30",
        "paid_on": "",
    }
    for workflow, page in PAGES.items():
        records = [
            workflow.model.objects.filter(**{workflow.state_field: s}).order_by("pk").first()
            for s in workflow.model.objects.values_list(workflow.state_field, flat=True).distinct()
        ]
        for user in users:
            client.force_login(user)
            for record in records:
                response = client.get(page(record))
                if response.status_code != 200:
                    continue
                for wf, pk, action, path in _submissions(response.content.decode()):
                    if (wf.model.__name__, action) in seen:
                        continue
                    seen.add((wf.model.__name__, action))
                    target = wf.get(action).target
                    with transaction.atomic():
                        client.post(path, {**form, "action": action})
                        after = getattr(wf.model.objects.get(pk=pk), wf.state_field)
                        transaction.set_rollback(True)
                    if after != target:
                        failures.append(f"{user.username}: {wf.model.__name__} {pk} “{action}” left it {after}")
    assert len(seen) >= 8, seen
    assert not failures, "\n".join(failures)
