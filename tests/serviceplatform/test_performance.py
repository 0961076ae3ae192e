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
