"""The header's search (issue 17 item 4), held to its promises over the demo district:

- it finds applications, talents, enterprises, agreements and payouts by name, application
  number, agreement number, credit code or ID number;
- it is scoped like everything else: for every role that searches, every record found is one its
  list of that kind holds, and a record of another unit is never found, however exact the query;
- an ID number is matched in full only, and shown masked unless the role may see it;
- roles without search have no box, no page (404) and no API (403); bad queries are a message.
"""

import pytest

from enterprises.selectors import enterprises_for
from funding.models import Agreement, Payout
from funding.selectors import agreements_in_scope, payouts_for
from qinhuai_talent.core.masking import mask_id_number
from qinhuai_talent.core.models import SEARCH_ROLES, Role, User
from reports import search
from talents import policies as talent_policies
from talents.models import Application, Talent

pytestmark = pytest.mark.django_db

LISTS = {
    "applications": talent_policies.applications_for,
    "talents": talent_policies.talents_for,
    "enterprises": enterprises_for,
    "agreements": agreements_in_scope,
    "payouts": payouts_for,
}


def _searchers():
    return list(User.objects.filter(role__in=SEARCH_ROLES, is_active=True).order_by("username"))


def _queries() -> list[str]:
    """Queries that find something of every kind: names, numbers, codes, ID numbers."""
    talent = Talent.objects.exclude(id_number="").order_by("id").first()
    application = Application.objects.order_by("id").first()
    agreement = Agreement.objects.select_related("enterprise").order_by("id").first()
    payout = Payout.objects.select_related("agreement").order_by("id").first()
    return [
        talent.name[:2],
        talent.id_number,
        application.venture_name[:3],
        f"#{application.pk}",
        agreement.number,
        agreement.enterprise.credit_code,
        agreement.enterprise.credit_code[:8],
        agreement.enterprise.name[:2],
        payout.agreement.number,
        "科技",
    ]


def test_every_record_found_is_one_the_roles_list_holds(demo_district):
    found_any = set()
    for user in _searchers():
        for query in _queries():
            results = search.search(user, query)
            assert not results.refused
            for kind, hits in results.groups.items():
                in_scope = set(LISTS[kind](user).filter(pk__in=[h.pk for h in hits]).values_list("pk", flat=True))
                assert {h.pk for h in hits} <= in_scope, (user.username, query, kind)
                found_any.add(kind)
    assert found_any == set(LISTS)


def test_another_units_record_is_not_found_by_its_exact_name_or_code(demo_district):
    for user in User.objects.filter(role__in=(Role.STREET, Role.PARK), is_active=True):
        outside = Agreement.objects.exclude(org_unit=user.org_unit_id).select_related("enterprise", "talent").first()
        for query in (outside.number, outside.enterprise.credit_code, outside.enterprise.name, outside.talent.name):
            results = search.search(user, query)
            pks = {(kind, h.pk) for kind, hits in results.groups.items() for h in hits}
            assert ("agreements", outside.pk) not in pks and ("enterprises", outside.enterprise_id) not in pks
            assert ("talents", outside.talent_id) not in pks or Talent.objects.get(
                pk=outside.talent_id
            ).org_unit_id == user.org_unit_id


def test_an_id_number_is_found_whole_only_and_shown_as_the_role_may_see_it(demo_district):
    talent = Talent.objects.exclude(id_number="").select_related("org_unit").order_by("id").first()
    office = User.objects.get(username="office")
    leader = User.objects.get(username="leader")
    hits = search.search(office, talent.id_number).groups["talents"]
    assert [h.pk for h in hits] == [talent.pk] and talent.id_number in hits[0].detail
    led = search.search(leader, talent.id_number).groups["talents"]
    assert talent.id_number not in led[0].detail and mask_id_number(talent.id_number) in led[0].detail
    for part in (talent.id_number[:6], talent.id_number[:14], talent.id_number[4:]):
        assert "talents" not in search.search(office, part).groups, part


def test_an_application_is_found_by_its_number(demo_district):
    application = Application.objects.order_by("-id").first()
    office = User.objects.get(username="office")
    for query in (f"#{application.pk}", str(application.pk), f"No. {application.pk}"):
        assert application.pk in [h.pk for h in search.search(office, query).groups.get("applications", [])]


def test_full_width_and_padded_queries_fold(demo_district):
    agreement = Agreement.objects.order_by("id").first()
    office = User.objects.get(username="office")
    wide = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in agreement.number)
    assert agreement.pk in [h.pk for h in search.search(office, f"  {wide} ").groups["agreements"]]


@pytest.mark.parametrize("role", sorted(set(Role) - set(SEARCH_ROLES) - {Role.SYSTEM}))
def test_roles_without_search_have_no_box_page_or_api(demo_district, client, role):
    from rest_framework.test import APIClient

    user = User.objects.filter(role=role, is_active=True).first()
    user = user or User.objects.create(username=f"x-{role}", role=role)
    client.force_login(user)
    assert client.get("/search/?q=科技").status_code == 404
    api = APIClient()
    api.force_authenticate(user)
    response = api.get("/api/v1/search/?q=科技")
    assert response.status_code == 403 and response.json()["detail"]


def test_the_header_box_leads_to_the_results_page_for_every_searching_role(demo_district, client):
    for user in _searchers():
        client.force_login(user)
        home = client.get("/").content.decode()
        assert 'id="header-search"' in home and 'action="/search/"' in home, user.username
        page = client.get("/search/", {"q": "科技"})
        assert page.status_code == 200


def test_the_page_and_the_api_agree_and_keep_a_constant_number_of_queries(
    demo_district, client, django_assert_max_num_queries
):
    from rest_framework.test import APIClient

    office = User.objects.get(username="office")
    client.force_login(office)
    api = APIClient()
    api.force_authenticate(office)
    for query in _queries():
        with django_assert_max_num_queries(14):
            page = client.get("/search/", {"q": query})
        body = api.get("/api/v1/search/", {"q": query}).json()
        assert page.status_code == 200
        for hit in body["results"]:
            assert hit["url"] in page.content.decode()
        assert body["count"] == len(body["results"])


@pytest.mark.parametrize("query", ["", "a", " ", "x" * 500, "%", "_", "\\", "'; drop table x; --", "\x00"])
def test_odd_queries_are_a_message_never_a_500(demo_district, client, query):
    from rest_framework.test import APIClient

    office = User.objects.get(username="office")
    client.force_login(office)
    assert client.get("/search/", {"q": query}).status_code == 200
    api = APIClient()
    api.force_authenticate(office)
    response = api.get("/api/v1/search/", {"q": query})
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert response.json()["q"]
