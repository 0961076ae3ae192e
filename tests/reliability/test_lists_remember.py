"""Issue 17 item 12, generated over every list page: lists remember.

A list page is a page that paginates (``core.lists.page_of`` marks the request): found by walking
every web route without parameters as every demo role, not by a hand list. On each, a query (its
page size and, where there is one, its second page) is looked at; then a record it links to is
opened, and every breadcrumb of that record's page back to the list carries exactly the query the
list was left with (the menu opens a list afresh). The long lists jump to a page (the last, a
numbered one, a page number typed). Then the 众创空间 filter (a choice, in the reader's scope) and
the applicant lookup (the new-application form's talents only, never another unit's).
"""

from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import Resolver404, resolve

from qinhuai_talent.core.lists import COOKIE
from qinhuai_talent.core.models import User

from .test_access_matrix import ROLES
from .test_buttons import _is_web, web_patterns

pytestmark = pytest.mark.django_db


class _Links(HTMLParser):
    """The page's links; with ``crumbs``, only those of its breadcrumbs (the menu's links to a list
    open it afresh, a way to leave its filters)."""

    def __init__(self, crumbs: bool = False):
        super().__init__()
        self.crumbs, self.depth = crumbs, 0
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "ol" and "breadcrumb" in (a.get("class") or "").split():
            self.depth += 1
        href = a.get("href")
        if tag == "a" and href and not href.startswith(("#", "mailto:", "http")) and (self.depth or not self.crumbs):
            self.hrefs.append(href)

    def handle_endtag(self, tag):
        if tag == "ol" and self.depth:
            self.depth -= 1


def _links(html: str, crumbs: bool = False) -> list[str]:
    parser = _Links(crumbs)
    parser.feed(html)
    return parser.hrefs


def _record_links(list_path: str, html: str) -> list[str]:
    """Links of a list page to a record's page (a route with the record's id) below the list."""
    found = []
    for href in _links(html):
        path = urlsplit(href).path
        if not path.startswith("/") or path == list_path or path.startswith(("/api/", "/static/", "/admin/")):
            continue
        try:
            match = resolve(path)
        except Resolver404:
            continue
        if "pk" in match.kwargs and path not in found:
            found.append(path)
    return found


def _query(href: str) -> dict:
    return parse_qs(urlsplit(href).query, keep_blank_values=True)


@pytest.fixture(scope="module")
def lists_walked(_demo_district_for_module, django_db_blocker):
    """(role, list path, query, record path, the record page's links back to the list)."""
    rows = []
    paths = sorted("/" + r for r, _e in web_patterns() if _is_web(r) and "<" not in r and not r.endswith(".xlsx"))
    with django_db_blocker.unblock():
        for username in ROLES:
            client = Client()
            client.force_login(User.objects.get(username=username))
            for path in paths:
                first = client.get(path)
                if first.status_code != 200 or getattr(first.wsgi_request, "list_query", None) is None:
                    continue
                page = first.context["page"] if first.context and "page" in first.context else None
                query = {"per_page": "25"}
                if page is not None and page.paginator.count > 25:
                    query["page"] = "2"
                response = client.get(path, query)
                body = response.content.decode()
                records = _record_links(path, body)
                if response.status_code != 200 or not records:
                    rows.append((username, path, query, None, []))
                    continue
                opened = client.get(records[0])
                back = [h for h in _links(opened.content.decode(), crumbs=True) if urlsplit(h).path == path]
                rows.append((username, path, query, (records[0], opened.status_code), back))
    return rows


def test_every_list_remembers_its_query_across_a_visit_to_a_record(lists_walked):
    wrong, with_back = [], set()
    for username, path, query, record, back in lists_walked:
        if record is None or not back:
            continue
        with_back.add(path)
        expected = {k: [v] for k, v in query.items()}
        for href in back:
            if _query(href) != expected:
                wrong.append(f"{username} {path}?{query} → {record[0]}: back link {href}")
    lists = {path for _u, path, *_rest in lists_walked}
    print(f"list pages: {len(lists)}; with a record whose page links back: {len(with_back)}")
    assert len(lists) >= 20, sorted(lists)
    assert len(with_back) >= 8, sorted(with_back)
    assert not wrong, "back links that lost the list's query:\n" + "\n".join(wrong)


def test_a_list_left_without_a_query_is_remembered_so(demo_district, client):
    """Clearing the filters is remembered too: the back link is then the plain list."""
    from enterprises.models import Enterprise

    client.force_login(User.objects.get(username="office"))
    detail = f"/enterprises/{Enterprise.objects.first().pk}/"
    client.get("/enterprises/", {"industry": "e_commerce", "per_page": "25"})
    assert 'href="/enterprises/?industry=e_commerce&amp;per_page=25"' in client.get(detail).content.decode()
    client.get("/enterprises/")
    client.get("/talents/applications/", {"state": "approved"})  # another list leaves this one as it was
    page = client.get(detail).content.decode()
    assert 'href="/enterprises/"' in page and "industry=e_commerce" not in page


def test_a_forged_memory_is_ignored(demo_district, client):
    """A cookie that was not signed by the portal links to the plain list."""
    client.force_login(User.objects.get(username="office"))
    client.cookies[COOKIE] = "forged"
    from talents.models import Application

    app = Application.objects.exclude(state="draft").first()
    page = client.get(f"/talents/applications/{app.pk}/").content.decode()
    assert "forged" not in page


def test_a_long_list_jumps_to_any_page(demo_district, client):
    client.force_login(User.objects.get(username="office"))
    body = client.get("/talents/", {"per_page": "25", "page": "5"}).content.decode()
    page = client.get("/talents/", {"per_page": "25"}).context["page"]
    last = page.paginator.num_pages
    assert last > 10
    links = {_query(h).get("page", [""])[0] for h in _links(body)}
    assert {"1", "4", "6", str(last)} <= links  # first, either side, last
    assert all(_query(h).get("per_page") == ["25"] for h in _links(body) if "page" in _query(h))
    assert 'name="page"' in body and 'type="number"' in body  # a page number typed
    jumped = client.get("/talents/", {"per_page": "25", "page": str(last)})
    assert jumped.context["page"].number == last


def test_the_page_size_is_a_choice_and_anything_else_is_the_default(demo_district, client):
    client.force_login(User.objects.get(username="office"))
    assert client.get("/talents/", {"per_page": "100"}).context["page"].paginator.per_page == 100
    assert client.get("/talents/", {"per_page": "100000"}).context["page"].paginator.per_page == 50
    assert client.get("/talents/", {"per_page": "x"}).context["page"].paginator.per_page == 50


def test_the_maker_space_filter_is_a_choice_of_the_readers_maker_spaces(demo_district, client):
    from enterprises.models import Enterprise, MakerSpace

    park = User.objects.get(username="park")
    client.force_login(park)
    form = client.get("/enterprises/").context["filter"].form
    choices = {str(label) for value, label in form.fields["maker_space"].choices if value}
    own = set(MakerSpace.objects.filter(org_unit=park.org_unit).values_list("name", flat=True))
    assert choices == own and own
    body = client.get("/enterprises/").content.decode()
    assert '<select name="maker_space"' in body
    space = MakerSpace.objects.filter(org_unit=park.org_unit, enterprises__isnull=False).first()
    listed = client.get("/enterprises/", {"maker_space": space.pk, "per_page": "100"}).context["page"]
    assert {e.pk for e in listed} == set(
        Enterprise.objects.filter(maker_space=space, org_unit=park.org_unit).values_list("pk", flat=True)
    )
    foreign = MakerSpace.objects.exclude(org_unit=park.org_unit).first()
    if foreign is not None:
        refused = client.get("/enterprises/", {"maker_space": foreign.pk}, follow=True)
        assert refused.status_code == 200 and foreign.name not in {str(e) for e in refused.context["page"]}


def test_the_applicant_lookup_returns_only_the_talents_the_form_offers(demo_district, client):
    from talents.models import Talent

    street = User.objects.get(username="street")
    foreign = Talent.objects.exclude(org_unit=street.org_unit).first()
    own = Talent.objects.filter(org_unit=street.org_unit).first()
    client.force_login(street)
    found = client.get("/talents/lookup/talents/", {"q": foreign.name}).json()["results"]
    assert foreign.pk not in {t["id"] for t in found}
    assert all(Talent.objects.get(pk=t["id"]).org_unit_id == street.org_unit_id for t in found)
    mine = client.get("/talents/lookup/talents/", {"q": own.name[:2]}).json()
    assert own.pk in {t["id"] for t in mine["results"]} or mine["more"]
    assert len(mine["results"]) <= 20
    form = client.get("/talents/applications/new/").content.decode()
    assert 'data-lookup="/talents/lookup/talents/"' in form
    client.force_login(User.objects.get(username="office"))
    assert foreign.pk in {
        t["id"] for t in client.get("/talents/lookup/talents/", {"q": foreign.name}).json()["results"]
    }
    for username in ("expert", "finance", "leader", "talent", "enterprise", "provider"):
        client.force_login(User.objects.get(username=username))
        assert client.get("/talents/lookup/talents/", {"q": foreign.name}).status_code == 404, username
