"""Issue 15 item 8: no open redirect. Every page that sends its user to a ``next`` reads it through
``qinhuai_talent.core.navigation.safe_next`` (a scan of the code: nothing else reads ``next``), and
every such view, fed a hostile ``next``, redirects within the site."""

import ast
import pathlib
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from funding.models import Payout
from qinhuai_talent.core.navigation import safe_next
from qinhuai_talent.notifications.models import Channel
from qinhuai_talent.notifications.services import notify

pytestmark = pytest.mark.django_db

ROOT = pathlib.Path(settings.BASE_DIR)
HOSTILE = [
    "//evil.example/x",
    "https://evil.example/x",
    "http:evil.example",
    "/\\evil.example/x",
    "\\\\evil.example",
    "javascript:alert(1)",
    " //evil.example",
    "https:///evil.example",
]


def _reads_next(node: ast.AST) -> bool:
    """``<x>.get("next"…)`` or ``<x>["next"]`` on a request's GET or POST."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
        target = node.func.value
    elif isinstance(node, ast.Subscript):
        target, node = node.value, ast.Call(func=None, args=[node.slice], keywords=[])
    else:
        return False
    first = node.args[0] if node.args else None
    return (
        isinstance(target, ast.Attribute)
        and target.attr in ("GET", "POST")
        and isinstance(first, ast.Constant)
        and first.value == "next"
    )


def test_only_safe_next_reads_a_next_field():
    readers = []
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in (".venv", "tests", "bench") or "migrations" in relative.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if _reads_next(node):
                readers.append(f"{relative}:{node.lineno}")
    assert readers and all(r.startswith("qinhuai_talent/core/navigation.py") for r in readers), readers


@pytest.mark.parametrize("target", HOSTILE)
def test_safe_next_refuses_every_other_site(rf, target):
    for request in (rf.post("/x/", {"next": target}), rf.get("/x/", {"next": target})):
        assert safe_next(request, "/fallback/") == "/fallback/"
    assert safe_next(rf.post("/x/", {"next": "/funding/payouts/"}), "/fallback/") == "/funding/payouts/"


def _stays_on_site(response) -> None:
    assert response.status_code in (301, 302, 303), response.status_code
    location = urlsplit(response["Location"])
    assert not location.netloc and not location.scheme and response["Location"].startswith("/"), response["Location"]
    assert not response["Location"].startswith(("//", "/\\")), response["Location"]


@pytest.mark.parametrize("target", HOSTILE)
def test_action_views_redirect_within_the_site(client, office, park_officer, target):
    from funding import engine
    from qinhuai_talent.core.jobs import JobContext
    from qinhuai_talent.core.models import Job
    from tests.funding.factories import agreement, limit, unit

    limit(unit("gaoxin_park"), "500000.00")
    agreement(office)
    job = Job.objects.create(kind="recompute_payouts", params={"as_of": "2017-06-30"})
    engine.recompute_payouts(JobContext(job_id=job.pk, params=job.params))
    payout = Payout.objects.first()
    # Approving a payout, done and refused (both answer with a redirect to where the form said).
    for user in (park_officer, office):
        client.force_login(user)
        _stays_on_site(client.post(f"/funding/payouts/{payout.pk}/approve/", {"next": target, "confirmed": "1"}))
    # Marking a notification read.
    notify(event="job_failed", recipients=[office], key="redirect-test", params={"kind": "x", "job": 1, "message": "m"})
    item = office.notifications.get(channel=Channel.INBOX)
    client.force_login(office)
    _stays_on_site(client.post(f"/notifications/{item.pk}/read/", {"next": target}))


@pytest.mark.parametrize("target", HOSTILE)
def test_the_login_page_redirects_within_the_site(client, office, target):
    from qinhuai_talent.core.demo import DEMO_PASSWORD

    response = client.post(f"/accounts/login/?next={target}", {"username": "office", "password": DEMO_PASSWORD})
    _stays_on_site(response)
