"""Provider performance (issue 18, item 6): per provider and category, requests received,
accepted, declined, delivered on time, median days to deliver, average rating; the office's
thresholds flag a provider for review on the list and its page; the yearly review suspends an
accreditation through the provider workflow, logged. Set-based: a constant number of queries."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from qinhuai_talent.core import clock
from qinhuai_talent.core.errors import ActionNotAllowed
from qinhuai_talent.core.workflow import transitions_of
from serviceplatform import services
from serviceplatform.models import ServiceCategory
from serviceplatform.selectors import provider_performance
from tests.domain import raises_domain

from .conftest import make_provider, make_staff

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2017, 6, 5)


def _walk(officer, staff, enterprise, service, *, delivered_after=None, rating=None, category=None, provider=None):
    """File (on MONDAY), accept, deliver ``delivered_after`` days later, rate."""
    with clock.running_on(MONDAY):
        req = services.request_file(
            actor=officer,
            enterprise=enterprise,
            category=category or service.category,
            need="需求",
            service=None if provider else service,
            provider=provider,
        )
        req = services.request_transition(actor=staff, request=req, action="accept")
    if delivered_after is not None:
        with clock.running_on(MONDAY + datetime.timedelta(days=delivered_after)):
            req = services.request_transition(actor=staff, request=req, action="deliver", note="完成")
            if rating is not None:
                req = services.request_transition(actor=officer, request=req, action="close", rating=rating)
    return req


@pytest.fixture
def story(street_officer, street_enterprise, ip, ip_staff, law, law_staff):
    """The IP agency (10-day service): one delivered in 5 days (rated 5), one in 15 (late, rated
    2), one declined and taken by the law firm, one consulting request accepted, not delivered."""
    _walk(street_officer, ip_staff, street_enterprise, ip[1], delivered_after=5, rating=5)
    _walk(street_officer, ip_staff, street_enterprise, ip[1], delivered_after=15, rating=2)
    with clock.running_on(MONDAY):
        req = services.request_file(
            actor=street_officer, enterprise=street_enterprise, category="ip", need="检索", service=ip[1]
        )
        req = services.request_transition(actor=ip_staff, request=req, action="decline", reason="排期满")
        req = services.request_assign(actor=street_officer, request=req, provider=law[0])
        services.request_transition(actor=law_staff, request=req, action="accept")
    _walk(street_officer, ip_staff, street_enterprise, None, category="consulting", provider=ip[0])


def test_performance_per_provider_and_category(story, ip, law):
    figures = provider_performance(year=2017)
    ip_total, ip_ip, ip_consulting = (figures[ip[0].pk][c] for c in ("", "ip", "consulting"))
    assert (ip_total.received, ip_total.accepted, ip_total.declined) == (4, 3, 1)
    assert (ip_total.delivered, ip_total.on_time, ip_total.on_time_rate) == (2, 1, Decimal("50.0"))
    assert ip_total.median_days == 10 and ip_total.average_rating == Decimal("3.50")
    assert (ip_ip.received, ip_ip.declined, ip_ip.delivered) == (3, 1, 2)
    assert (ip_consulting.received, ip_consulting.accepted, ip_consulting.delivered) == (1, 1, 0)
    law_total = figures[law[0].pk][""]
    assert (law_total.received, law_total.accepted, law_total.declined, law_total.delivered) == (1, 1, 0, 0)
    assert provider_performance(year=2016) == {}


def test_a_provider_below_the_thresholds_is_flagged_on_the_list_and_its_page(web, office, story, ip, law):
    # Defaults: 80 % on time, rating 3.5, judged from 3 requests: two deliveries judge nothing yet.
    assert provider_performance(year=2017)[ip[0].pk][""].flags == ()
    services.thresholds_set(actor=office, min_on_time_rate=Decimal("80"), min_rating=Decimal("4"), min_requests=2)
    assert provider_performance(year=2017)[ip[0].pk][""].flags == ("on_time", "rating")
    assert provider_performance(year=2017)[law[0].pk][""].flags == ()
    page = web(office)
    listed = page.get("/services/providers/?year=2017").content.decode()
    assert 'data-flags="on_time rating"' in listed and listed.count('data-flags=""') >= 1
    detail = page.get(f"/services/providers/{ip[0].pk}/?year=2017").content.decode()
    assert 'id="review-flags" data-flags="on_time rating"' in detail
    assert 'data-category="consulting"' in detail
    assert "review-flags" not in page.get(f"/services/providers/{law[0].pk}/?year=2017").content.decode()


def test_the_yearly_review_suspends_a_flagged_provider_through_its_workflow(
    web, client, office, street_officer, street_enterprise, story, ip
):
    services.thresholds_set(actor=office, min_on_time_rate=Decimal("80"), min_rating=Decimal("3.5"), min_requests=2)
    page = web(office).get("/services/providers/review/?year=2017").content.decode()
    assert f'action="/services/providers/{ip[0].pk}/action/"' in page and 'value="suspend"' in page
    client.post(
        f"/services/providers/{ip[0].pk}/action/",
        {"action": "suspend", "reason": "2017年度评估未达标", "confirmed": "1"},
    )
    ip[0].refresh_from_db()
    assert ip[0].state == "suspended" and ip[0].state_reason == "2017年度评估未达标"
    log = transitions_of(ip[0]).last()
    assert (log.action, log.actor_id, log.reason) == ("suspend", office.pk, "2017年度评估未达标")
    # Suspended: out of the catalogue, and no new request reaches it.
    assert ip[1].name not in client.get("/services/").content.decode()
    with raises_domain("provider_not_accredited"):
        services.request_file(
            actor=street_officer, enterprise=street_enterprise, category="ip", need="x", service=ip[1]
        )


def test_only_the_office_sets_thresholds_and_bad_values_are_refused(web, office, street_officer, leader):
    for rate, rating, n, code in (
        (Decimal("120"), Decimal("4"), 3, "rate_out_of_range"),
        (Decimal("80"), Decimal("6"), 3, "rating_out_of_range"),
        (Decimal("80"), Decimal("4"), 0, "not_positive"),
    ):
        with raises_domain(code):
            services.thresholds_set(actor=office, min_on_time_rate=rate, min_rating=rating, min_requests=n)
    with raises_domain("permission_denied", kind=ActionNotAllowed):
        services.thresholds_set(
            actor=street_officer, min_on_time_rate=Decimal("1"), min_rating=Decimal("1"), min_requests=1
        )
    body = {"min_on_time_rate": "1", "min_rating": "1", "min_requests": "1"}
    assert web(street_officer).post("/services/providers/review/thresholds/", body).status_code == 404
    assert web(street_officer).get("/services/providers/review/").status_code == 404
    assert web(leader).get("/services/providers/review/").status_code == 200
    assert web(leader).post("/services/providers/review/thresholds/", body).status_code == 404
    response = web(office).post("/services/providers/review/thresholds/", body | {"min_on_time_rate": "90"})
    assert response.status_code == 302
    from serviceplatform.models import ReviewThresholds

    assert ReviewThresholds.current().min_on_time_rate == Decimal("90")


def test_the_provider_list_and_review_take_a_constant_number_of_queries(
    web, office, story, street_officer, street_enterprise
):
    page = web(office)

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert page.get(url).status_code == 200
        return len(ctx.captured_queries)

    before = (count("/services/providers/"), count("/services/providers/review/"))
    for n in range(4):
        provider, service = make_provider(office, f"新增机构{n}", ServiceCategory.MARKETING)
        staff = make_staff(office, provider, f"staff{n}")
        _walk(street_officer, staff, street_enterprise, service, delivered_after=3, rating=4)
    assert (count("/services/providers/"), count("/services/providers/review/")) == before


# --- The same review by API ---------------------------------------------------------------------


def test_the_api_gives_each_providers_figures_by_category_and_its_review_flags(api, office, story, ip, law):
    client = api(office)
    body = client.get("/api/v1/provider-performance/?year=2017").json()
    rows = {r["id"]: r for r in body["results"]}
    assert set(rows) >= {ip[0].pk, law[0].pk}
    mine = rows[ip[0].pk]
    assert mine["year"] == 2017 and mine["flags"] == []
    total = mine["total"]
    assert (total["received"], total["accepted"], total["declined"], total["delivered"], total["on_time"]) == (
        4,
        3,
        1,
        2,
        1,
    )
    assert (total["on_time_rate"], total["median_days"], total["average_rating"]) == ("50.0", 10, "3.50")
    assert [(c["category"], c["received"], c["delivered"]) for c in mine["by_category"]] == [
        ("consulting", 1, 0),
        ("ip", 3, 2),
    ]
    # The office raises the bar: the IP agency is flagged on both counts, the law firm on none.
    response = client.put(
        "/api/v1/provider-review/thresholds/",
        {"min_on_time_rate": "80", "min_rating": "4", "min_requests": 2},
        format="json",
    )
    assert response.status_code == 200 and response.json()["updated_by"] == "office"
    assert client.get(f"/api/v1/provider-performance/{ip[0].pk}/?year=2017").json()["flags"] == ["on_time", "rating"]
    assert client.get(f"/api/v1/provider-performance/{law[0].pk}/?year=2017").json()["flags"] == []
    assert client.get("/api/v1/provider-performance/?year=2016").json()["results"][0]["total"]["received"] == 0


def test_only_the_office_and_leadership_read_the_review_and_only_the_office_sets_thresholds(
    api, office, leader, street_officer, expert, ip_staff, story, ip
):
    from serviceplatform.models import ReviewThresholds

    body = {"min_on_time_rate": "10", "min_rating": "1", "min_requests": 1}
    for user in (street_officer, expert, ip_staff):
        client = api(user)
        assert client.get("/api/v1/provider-performance/").json()["count"] == 0, user
        assert client.get(f"/api/v1/provider-performance/{ip[0].pk}/").status_code == 404, user
        assert client.get("/api/v1/provider-review/thresholds/").status_code == 404, user
        assert client.put("/api/v1/provider-review/thresholds/", body, format="json").status_code in (403, 404), user
    reader = api(leader)
    assert reader.get(f"/api/v1/provider-performance/{ip[0].pk}/").status_code == 200
    assert reader.get("/api/v1/provider-review/thresholds/").json()["min_rating"] == "3.50"
    assert reader.put("/api/v1/provider-review/thresholds/", body, format="json").status_code == 403
    assert not ReviewThresholds.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"min_on_time_rate": "120", "min_rating": "4", "min_requests": 3}, "min_on_time_rate"),
        ({"min_on_time_rate": "80", "min_rating": "0.5", "min_requests": 3}, "min_rating"),
        ({"min_on_time_rate": "80", "min_rating": "4", "min_requests": 0}, "min_requests"),
        ({"min_on_time_rate": "eighty", "min_rating": "4", "min_requests": 3}, "min_on_time_rate"),
        ({"min_rating": "4", "min_requests": 3}, "min_on_time_rate"),
    ],
)
def test_bad_thresholds_are_a_400_naming_the_field_and_change_nothing(api, office, body, field):
    from serviceplatform.models import ReviewThresholds

    response = api(office).put("/api/v1/provider-review/thresholds/", body, format="json")
    assert response.status_code == 400 and field in response.json(), response.content
    assert not ReviewThresholds.objects.exists()
    bad_year = api(office).get("/api/v1/provider-performance/?year=nineteen")
    assert bad_year.status_code == 400 and "year" in bad_year.json()


def test_the_performance_list_takes_a_constant_number_of_queries(api, office, story, street_officer, street_enterprise):
    client = api(office)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/provider-performance/?year=2017").status_code == 200
        return len(ctx.captured_queries)

    before = count()
    for n in range(3):
        provider, service = make_provider(office, f"接口机构{n}", ServiceCategory.MARKETING)
        _walk(
            street_officer, make_staff(office, provider, f"api-staff{n}"), street_enterprise, service, delivered_after=2
        )
    assert count() == before
