"""Blind expert review, generated over every figure derived from the reviews × every route.

The promise (issue 14, item 1): until an expert has submitted their own review, nothing derived
from the other reviews reaches them, by page, API, export or download: the expert score, the rank
in the call, the number of reviews, the other experts and their scores and comments, the panel's
vote, the transition-log entries of the decisions taken on the reviews. After their submission,
only what the call's ``expert_disclosure`` (set by the office) allows; by default nothing.

Tested as non-interference: every route the expert can reach (every GET of the URLconf and every
GET operation of the OpenAPI schema, with the list variants a client can ask for) answers the
expert exactly the same whatever the other reviews say. Each ``VARIANT`` changes one figure
derived from the reviews; the office must see each change (else the variant proves nothing), the
expert must see none where the rule hides it.
"""

import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.db import transaction
from django.utils import timezone
from rest_framework.test import APIClient

from qinhuai_talent.core.models import Role, TransitionLog, User
from talents import services
from talents.models import Application, ExpertDisclosure, ReviewAssignment, ReviewScore
from tests.reliability.test_access_matrix import schema_paths, web_patterns

from .factories import ApplicationFactory
from .helpers import pdf

pytestmark = pytest.mark.django_db

# ---------------------------------------------------------------- the world


def _expert(username: str, first: str, last: str) -> User:
    return User.objects.create_user(username, password="x", role=Role.EXPERT, first_name=first, last_name=last)


def _score(assignment: ReviewAssignment, actor: User, innovation, market, comment="") -> None:
    services.review_submit(
        assignment_id=assignment.pk,
        actor=actor,
        scores={"innovation": innovation, "market": market},
        comment=comment,
    )


@pytest.fixture
def world(call, street_officer, office, expert, expert2):
    """Application A (in the panel defense, with a vote) and B (in expert review) of one call, both
    assigned to ``expert``; ``expert2`` and a third expert have scored both."""
    third = _expert("expert_gamma", "Gamma", "Reviewer")
    apps = {}
    for key in ("a", "b"):
        app = ApplicationFactory(call=call)
        services.attachment_add(actor=street_officer, application_id=app.pk, kind="business_plan", upload=pdf())
        for action in ("submit", "accept"):
            services.application_transition(application_id=app.pk, action=action, actor=street_officer)
        for who in (expert, expert2, third):
            services.review_assign(application_id=app.pk, expert=who, actor=office)
        apps[key] = app
    for key, (one, two) in {"a": (71, 83), "b": (64, 59)}.items():
        _score(ReviewAssignment.objects.get(application=apps[key], expert=expert2), expert2, one, two, "secret-2")
        _score(ReviewAssignment.objects.get(application=apps[key], expert=third), third, two, one, "secret-3")
    return {"call": call, "a": apps["a"], "b": apps["b"], "expert": expert, "others": [expert2, third]}


def _to_defense(world, office) -> None:
    a = world["a"]
    a.call.program.has_defense = True
    a.call.program.save()
    services.application_transition(
        application_id=a.pk, action="to_defense", actor=office, reason="two reviews above 70"
    )
    services.defense_record_vote(application_id=a.pk, actor=office, votes_for=7, votes_against=2, abstentions=1)


def _submit_own(world) -> None:
    expert = world["expert"]
    for key, (one, two) in {"a": (50, 50), "b": (40, 45)}.items():
        _score(ReviewAssignment.objects.get(application=world[key], expert=expert), expert, one, two, "mine")


# ---------------------------------------------------------------- what derives from the reviews


def _new_other_review(world):
    """One more expert has scored A: the count, the names, the mean."""
    fourth = _expert("expert4", "Delta", "Reviewer")
    ReviewAssignment.objects.create(
        application=world["a"],
        expert=fourth,
        assigned_by=User.objects.get(username="office"),
        submitted_at=timezone.now(),
        total=Decimal("91.00"),
        comment="secret-4",
    )


def _other_pending_assignment(world):
    fifth = _expert("expert5", "Epsilon", "Reviewer")
    ReviewAssignment.objects.create(
        application=world["a"], expert=fifth, assigned_by=User.objects.get(username="office")
    )


def _other_conflict(world):
    sixth = _expert("expert6", "Zeta", "Reviewer")
    ReviewAssignment.objects.create(
        application=world["a"],
        expert=sixth,
        assigned_by=User.objects.get(username="office"),
        conflict_declared=True,
        conflict_reason="former partner of the applicant",
    )


def _rename_other(world):
    User.objects.filter(pk=world["others"][0].pk).update(first_name="Renamed", last_name="Someone")


def _other_scores(world):
    mine = ReviewAssignment.objects.get(application=world["a"], expert=world["others"][0])
    ReviewScore.objects.filter(assignment=mine).update(score=Decimal("12.00"))
    ReviewAssignment.objects.filter(pk=mine.pk).update(total=Decimal("12.00"))


def _other_comment(world):
    ReviewAssignment.objects.filter(application=world["a"], expert=world["others"][0]).update(comment="changed")


def _score_of_a(world):
    Application.objects.filter(pk=world["a"].pk).update(score=Decimal("33.33"))


def _rank_of_a(world):
    """B now scores above A: A's rank and the order of the call's list change, not A's score."""
    Application.objects.filter(pk=world["b"].pk).update(score=Decimal("99.99"))


def _vote(world):
    Application.objects.filter(pk=world["a"].pk).update(
        defense_votes_for=3, defense_votes_against=6, defense_abstentions=2
    )


def _decision_log(world):
    """The decision taken on the reviews (A sent to the defense) logged with another reason."""
    TransitionLog.objects.filter(object_id=world["a"].pk, action="to_defense").update(reason="after a long debate")


# name → (change, the disclosure level from which an expert who has submitted sees it)
VARIANTS = {
    "expert_score": (_score_of_a, ExpertDisclosure.SUMMARY),
    "rank_in_call": (_rank_of_a, ExpertDisclosure.SUMMARY),
    "review_count": (_new_other_review, ExpertDisclosure.SUMMARY),
    "other_experts_names": (_rename_other, ExpertDisclosure.FULL),
    "other_experts_assigned": (_other_pending_assignment, ExpertDisclosure.FULL),
    "other_experts_recusals": (_other_conflict, ExpertDisclosure.FULL),
    "other_experts_scores": (_other_scores, ExpertDisclosure.FULL),
    "other_experts_comments": (_other_comment, ExpertDisclosure.FULL),
    "defense_vote": (_vote, ExpertDisclosure.FULL),
    "decision_log": (_decision_log, ExpertDisclosure.FULL),
}
LEVELS = [ExpertDisclosure.NOTHING, ExpertDisclosure.SUMMARY, ExpertDisclosure.FULL]

# ---------------------------------------------------------------- every route


QUERY_VARIANTS = ["", "?sort=score", "?show=all", "?export=csv", "?export=xlsx"]
API_QUERY_VARIANTS = ["?page_size=200", "?page_size=200&ordering=score", "?page_size=200&ordering=-score"]
# The monitoring routes answer the operations network, not a user, and carry no record: their
# request counters change with every request the test itself makes.
OPERATIONS = {"metrics", "healthz", "readyz"}
VOLATILE_KEYS = re.compile(rb'"generated_at":\s*"[^"]*"')


def _web_routes(world) -> list[str]:
    ids = {
        "calls": world["call"].pk,
        "applications": world["a"].pk,
        "": world["a"].talent_id,
    }
    attachment = world["a"].attachments.get().pk
    urls = []
    for route, pattern in web_patterns():
        if route.startswith(("api/", "admin/", "static/", "^static")) or "(" in route or "\\" in route:
            continue
        if pattern.name in OPERATIONS:
            continue
        match = re.search(r"(?:([\w-]+)/)?<int:pk>", route)
        pk = ids.get(match.group(1) or "", world["a"].pk) if match else None
        url = "/" + route.replace("<int:pk>", str(pk)).replace("<int:attachment_id>", str(attachment))
        url = re.sub(r"<int:\w+>", str(world["a"].pk), url)
        url = re.sub(r"<(?:str|slug):\w+>", "talents", url)
        urls.append(url)
    return urls


def _api_routes(world, expert) -> list[str]:
    own = ReviewAssignment.objects.get(application=world["a"], expert=expert).pk
    ids = {"applications": world["a"].pk, "reviews": own, "calls": world["call"].pk, "talents": world["a"].talent_id}
    urls = []
    for path, ops in schema_paths().items():
        if "get" not in ops:
            continue
        if "{" not in path:
            urls.append(path + API_QUERY_VARIANTS[0])
            continue
        resource = path.split("/")[3]
        pk = ids.get(resource, world["a"].pk)
        urls.append(re.sub(r"\{\w+\}", str(pk), path))
    return urls


def _body(response) -> object:
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
        return [list(ws.iter_rows(values_only=True)) for ws in book.worksheets]
    content = b"".join(response.streaming_content) if response.streaming else response.content
    # The CSRF token differs on every page rendered; nothing else may.
    # The CSRF token differs on every page rendered, a report's stamp on every request; nothing else may.
    return VOLATILE_KEYS.sub(b"", re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", content))


def _snapshot(user: User, routes: list[str]) -> dict[str, tuple[int, object]]:
    from django.test import Client

    from qinhuai_talent.core.lists import COOKIE as LIST_MEMORY

    web, api = Client(), APIClient()
    web.force_login(user)
    api.force_authenticate(user)
    out = {}
    for url in routes:
        # Each page as reached directly: a breadcrumb carries the query its list was last left
        # with (core.lists), which is the visit's order, not a figure.
        web.cookies.pop(LIST_MEMORY, None)
        response = (api if url.startswith("/api/") else web).get(url)
        assert response.status_code < 500, f"{url}: {response.status_code}"
        out[url] = (response.status_code, _body(response))
    return out


def _reached(before: dict) -> list[str]:
    """The routes a user reached, once per answer: a query variant answering as its plain route
    did (the page ignores the parameter) is checked through the plain route."""
    return [
        url
        for url, (status, body) in before.items()
        if status not in (302, 403, 404, 405)
        and (url == (plain := _plain(url)) or _unquery(url, before.get(plain)) != _unquery(url, (status, body)))
    ]


def _changed(user: User, world, before: dict, names: list[str], routes: list[str]) -> list[str]:
    """The routes whose answer to ``user`` changes when the figures ``names`` change together."""
    with transaction.atomic():
        for name in names:
            VARIANTS[name][0](world)
        after = _snapshot(user, routes)
        transaction.set_rollback(True)
    return [url for url in routes if after[url] != before[url]]


def _leaks(user: User, world, before: dict, names: list[str], routes: list[str]) -> list[str]:
    """Every (figure, route) where a change of one of ``names`` reaches ``user``. All of them are
    changed at once first (one pass over the routes); a route that answers differently is then
    tried with each figure alone, to name it."""
    if not names:
        return []
    changed = _changed(user, world, before, names, routes)
    if not changed:
        return []
    return [f"{name}: {url}" for name in names for url in _changed(user, world, before, [name], changed)]


def _unquery(url: str, answer):
    """An answer without the echoes of the URL's query (the language switcher's ``next``)."""
    if answer is None or not isinstance(answer[1], bytes) or "?" not in url:
        return answer
    query = url.split("?", 1)[1].encode()
    body = answer[1]
    for form in (query, query.replace(b"&", b"&amp;"), query.replace(b"=", b"%3D").replace(b"&", b"%26")):
        body = body.replace(b"?" + form, b"").replace(form, b"")
    return answer[0], body


def _plain(url: str) -> str:
    path = url.split("?", 1)[0]
    return path + "?page_size=200" if path.startswith("/api/") else path


def _survey(user: User, world) -> dict:
    """The answers to ``user`` of every route, then of the query variants of the routes it reached
    (sorting, filters, exports)."""
    before = _snapshot(user, _web_routes(world) + _api_routes(world, world["expert"]))
    more = []
    for url, (status, _) in before.items():
        if status in (302, 403, 404, 405) or url != _plain(url):
            continue
        path = url.split("?", 1)[0]
        more += [path + q for q in (API_QUERY_VARIANTS if path.startswith("/api/") else QUERY_VARIANTS) if q]
    return before | _snapshot(user, [u for u in more if u not in before])


def _detail_routes(world) -> list[str]:
    """Where an application's review figures are shown: its page, the call's board, the API."""
    a, call = world["a"].pk, world["call"].pk
    return [
        f"/talents/applications/{a}/",
        f"/talents/calls/{call}/",
        f"/api/v1/applications/{a}/",
        "/api/v1/applications/?page_size=200&ordering=-score",
    ]


def test_an_expert_who_has_not_submitted_sees_nothing_derived_from_other_reviews(world, office):
    """Even where the call shows experts everything after their own review, an expert still to
    submit sees no change of any figure, on any route."""
    world["call"].expert_disclosure = ExpertDisclosure.FULL
    world["call"].save()
    _to_defense(world, office)
    expert = world["expert"]
    before = _survey(expert, world)
    reached = _reached(before)
    assert len(reached) > 10, reached  # the queue, the call, both applications, the API's lists
    leaks = _leaks(expert, world, before, list(VARIANTS), reached)
    print(f"blind review (pending): {len(VARIANTS)} figures × {len(reached)} routes, {len(leaks)} leaks")
    assert not leaks, "\n".join(leaks)


@pytest.mark.parametrize("level", LEVELS)
def test_after_submitting_an_expert_sees_exactly_what_the_call_discloses(world, office, level):
    world["call"].expert_disclosure = level
    world["call"].save()
    _submit_own(world)
    _to_defense(world, office)
    expert = world["expert"]
    before = _survey(expert, world)
    reached = _reached(before)
    order = LEVELS.index
    hidden = [name for name, (_, shown_from) in VARIANTS.items() if order(level) < order(shown_from)]
    leaks = _leaks(expert, world, before, hidden, reached)
    print(f"blind review (submitted, {level}): {len(hidden)} hidden × {len(reached)} routes, {len(leaks)} leaks")
    assert not leaks, "\n".join(leaks)
    details = _detail_routes(world)
    unseen = [name for name in VARIANTS if name not in hidden and not _changed(expert, world, before, [name], details)]
    assert not unseen, f"disclosed by the call but not shown to the expert: {unseen}"


def test_the_office_sees_every_figure_the_variants_change(world, office):
    """The control: each variant changes what the district's readers see of the application, so the
    tests above would notice it reaching an expert."""
    _to_defense(world, office)
    details = _detail_routes(world)
    before = _snapshot(office, details)
    unseen = [name for name in VARIANTS if not _changed(office, world, before, [name], details)]
    assert not unseen, unseen
