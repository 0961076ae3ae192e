"""Financing channels (issue 18 item 4): a financing request to a 科技金融 provider follows the
request workflow and ends with the provider's outcome; an equity outcome is a financing round of
the enterprise, a loan or guarantee is recorded as such; the guidance fund invests within its own
budget, apart from the district's grant budgets; bad outcomes are refused with a code and change
nothing."""

import datetime
from decimal import Decimal

import pytest
from django.test import override_settings

from enterprises.models import FinancingRound
from enterprises.services import figures_recompute
from funding.models import Budget
from qinhuai_talent.core import clock
from qinhuai_talent.core.errors import ActionNotAllowed
from qinhuai_talent.core.models import TransitionLog
from serviceplatform import services
from serviceplatform.models import FinancingRequest, FundBudget, ServiceRequest
from serviceplatform.selectors import fund_budgets_for
from tests.domain import raises_domain

pytestmark = pytest.mark.django_db

DAY = datetime.date(2017, 6, 5)


def ask(actor, enterprise, service, *, amount="3000000", instrument="equity"):
    with clock.running_on(DAY):
        return services.request_file(
            actor=actor,
            enterprise=enterprise,
            category="tech_finance",
            need="扩大生产需融资",
            service=service,
            amount_wanted=amount,
            use="购置生产设备",
            instrument=instrument,
        )


def accepted(actor, enterprise, service, staff, **kw):
    req = ask(actor, enterprise, service, **kw)
    with clock.running_on(DAY):
        return services.request_transition(actor=staff, request=req, action="accept")


def outcome(staff, req, **kw):
    with clock.running_on(DAY + datetime.timedelta(days=10)):
        return services.financing_outcome_record(actor=staff, request=req, **kw)


def test_an_equity_outcome_of_the_guidance_fund_becomes_a_financing_round_and_draws_on_its_own_budget(
    api, office, street_officer, street_enterprise, fund, fund_staff
):
    req = accepted(street_officer, street_enterprise, fund[1], fund_staff)
    budgets_before = Budget.objects.count()
    with clock.running_on(DAY + datetime.timedelta(days=10)):
        response = api(fund_staff).post(
            f"/api/v1/service-requests/{req.pk}/record_outcome/",
            {"outcome": "granted", "amount": "3000000", "instrument": "equity", "valuation": "30000000"},
            format="json",
        )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "delivered"
    assert body["financing"]["outcome"] == "granted" and body["financing"]["granted_amount"] == "3000000.00"
    round_ = FinancingRound.objects.get(enterprise=street_enterprise)
    assert (round_.instrument, round_.amount, round_.investor) == ("equity", Decimal("3000000.00"), fund[0].name)
    assert body["financing"]["financing_round"] == round_.pk
    # The fund's own budget: committed 5 million, invested 3, available 2; no grant budget touched.
    fund_budget = fund_budgets_for(office).get()
    assert (fund_budget.amount, fund_budget.invested) == (Decimal("5000000.00"), Decimal("3000000.00"))
    assert Budget.objects.count() == budgets_before == 0
    listed = api(fund_staff).get("/api/v1/fund-budgets/").json()["results"]
    assert [(b["amount"], b["invested"], b["available"]) for b in listed] == [
        ("5000000.00", "3000000.00", "2000000.00")
    ]
    # Counted in the enterprise's financing figures.
    figures_recompute()
    street_enterprise.refresh_from_db()
    assert street_enterprise.cumulative_financing == Decimal("3000000.00")


def test_a_guarantee_is_recorded_as_such_and_counts_in_the_enterprises_financing(
    street_officer, street_enterprise, guarantor, guarantor_staff
):
    req = accepted(street_officer, street_enterprise, guarantor[1], guarantor_staff, instrument="guarantee")
    req = outcome(guarantor_staff, req, outcome="granted", amount="2000000", rate="1.5")
    financing = FinancingRequest.objects.get(request=req)
    assert (financing.granted_instrument, financing.rate) == ("guarantee", Decimal("1.500"))
    assert FinancingRound.objects.get(enterprise=street_enterprise).instrument == "guarantee"
    figures_recompute()
    street_enterprise.refresh_from_db()
    assert street_enterprise.cumulative_financing == Decimal("2000000.00")


def test_a_refused_outcome_delivers_the_request_with_its_reason_and_records_no_financing(
    street_officer, street_enterprise, guarantor, guarantor_staff
):
    req = accepted(street_officer, street_enterprise, guarantor[1], guarantor_staff, instrument="loan")
    with raises_domain("reason_missing"):
        outcome(guarantor_staff, req, outcome="refused")
    req = outcome(guarantor_staff, req, outcome="refused", reason="抵押物不足")
    assert req.state == "delivered" and "抵押物不足" in req.delivery_note
    assert FinancingRequest.objects.get(request=req).outcome == "refused"
    assert not FinancingRound.objects.exists()


def _unchanged(req):
    req.refresh_from_db()
    financing = FinancingRequest.objects.get(request=req)
    return req.state, financing.outcome, FinancingRound.objects.count()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"outcome": "granted", "amount": "-1"}, "not_positive"),
        ({"outcome": "granted", "amount": "0"}, "not_positive"),
        # 3 million asked; the office allows 20 % more: 3.6 million at most.
        ({"outcome": "granted", "amount": "3600000.01"}, "outcome_exceeds_request"),
        ({"outcome": "granted", "amount": "1000", "instrument": "bitcoin"}, "instrument_invalid"),
        ({"outcome": "granted", "amount": "1000", "rate": "150", "instrument": "loan"}, "rate_invalid"),
        ({"outcome": "granted", "amount": "1000", "valuation": "10"}, "valuation_below_amount"),
        ({"outcome": "granted", "amount": "1000", "decided_on": datetime.date(2018, 1, 1)}, "date_in_future"),
        ({"outcome": "granted", "amount": "1000", "decided_on": datetime.date(2017, 1, 1)}, "date_before_request"),
        ({"outcome": "maybe"}, "outcome_invalid"),
    ],
)
def test_a_bad_outcome_is_refused_with_its_code_and_changes_nothing(
    street_officer, street_enterprise, guarantor, guarantor_staff, body, code
):
    req = accepted(street_officer, street_enterprise, guarantor[1], guarantor_staff)
    before, logged = _unchanged(req), TransitionLog.objects.count()
    with raises_domain(code):
        outcome(guarantor_staff, req, **body)
    assert _unchanged(req) == before == ("accepted", "", 0)
    assert TransitionLog.objects.count() == logged


def test_the_allowed_excess_is_the_offices_setting(street_officer, street_enterprise, guarantor, guarantor_staff):
    req = accepted(street_officer, street_enterprise, guarantor[1], guarantor_staff)
    with override_settings(FINANCING_OUTCOME_MAX_EXCESS_PERCENT=0), raises_domain("outcome_exceeds_request"):
        outcome(guarantor_staff, req, outcome="granted", amount="3000000.01")
    with override_settings(FINANCING_OUTCOME_MAX_EXCESS_PERCENT=50):
        req = outcome(guarantor_staff, req, outcome="granted", amount="4500000")
    assert FinancingRound.objects.get().amount == Decimal("4500000.00")


def test_an_outcome_before_acceptance_or_twice_is_refused_and_changes_nothing(
    api, street_officer, street_enterprise, guarantor, guarantor_staff
):
    req = ask(street_officer, street_enterprise, guarantor[1])
    with raises_domain("outcome_before_acceptance"):
        outcome(guarantor_staff, req, outcome="granted", amount="1000000")
    response = api(guarantor_staff).post(
        f"/api/v1/service-requests/{req.pk}/record_outcome/",
        {"outcome": "granted", "amount": "1000000"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400 and "after accepting" in response.content.decode()
    assert _unchanged(req) == ("assigned", "", 0)
    with clock.running_on(DAY):
        req = services.request_transition(actor=guarantor_staff, request=req, action="accept")
    outcome(guarantor_staff, req, outcome="granted", amount="1000000")
    with raises_domain("outcome_recorded"):
        outcome(guarantor_staff, req, outcome="granted", amount="1000000")
    assert _unchanged(req) == ("delivered", "granted", 1)


def test_a_financing_request_is_delivered_by_its_outcome_not_a_bare_delivery(
    street_officer, street_enterprise, guarantor, guarantor_staff, ip, ip_staff
):
    req = accepted(street_officer, street_enterprise, guarantor[1], guarantor_staff)
    with raises_domain("outcome_missing"):
        services.request_transition(actor=guarantor_staff, request=req, action="deliver", note="已放款")
    plain = services.request_file(
        actor=street_officer, enterprise=street_enterprise, category="ip", need="专利", service=ip[1]
    )
    plain = services.request_transition(actor=ip_staff, request=plain, action="accept")
    with raises_domain("not_financing"):
        services.financing_outcome_record(actor=ip_staff, request=plain, outcome="refused", reason="x")


def test_only_the_assigned_provider_records_the_outcome(
    api, street_officer, street_enterprise, guarantor, guarantor_staff, fund_staff
):
    req = accepted(street_officer, street_enterprise, guarantor[1], guarantor_staff)
    with pytest.raises(ActionNotAllowed):
        outcome(street_officer, req, outcome="granted", amount="1000")
    # Another provider's staff do not even find it.
    response = api(fund_staff).post(
        f"/api/v1/service-requests/{req.pk}/record_outcome/", {"outcome": "granted", "amount": "1000"}, format="json"
    )
    assert response.status_code == 404
    assert _unchanged(req) == ("accepted", "", 0)


def test_the_guidance_fund_invests_only_what_its_budget_of_the_year_has_available(
    office, street_officer, street_enterprise, fund, fund_staff
):
    first = accepted(street_officer, street_enterprise, fund[1], fund_staff, amount="4000000")
    outcome(fund_staff, first, outcome="granted", amount="4000000")
    second = accepted(street_officer, street_enterprise, fund[1], fund_staff, amount="2000000")
    with raises_domain("fund_exhausted"):
        outcome(fund_staff, second, outcome="granted", amount="2000000")
    assert _unchanged(second) == ("accepted", "", 1)
    # The office cannot set the budget below what the fund invested; it can raise it.
    with raises_domain("below_invested"):
        services.fund_budget_set(actor=office, provider=fund[0], year=2017, amount="3000000")
    services.fund_budget_set(actor=office, provider=fund[0], year=2017, amount="6000000")
    outcome(fund_staff, second, outcome="granted", amount="2000000")
    assert FundBudget.objects.get().amount == Decimal("6000000.00")


def test_a_fund_without_a_budget_for_the_year_invests_nothing(
    office, street_officer, street_enterprise, fund, fund_staff
):
    FundBudget.objects.filter(provider=fund[0]).update(year=2016)
    req = accepted(street_officer, street_enterprise, fund[1], fund_staff)
    with raises_domain("no_fund_budget"):
        outcome(fund_staff, req, outcome="granted", amount="1000000")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"category": "ip"}, "not_financing_category"),
        ({"amount_wanted": "-5"}, "not_positive"),
        ({"amount_wanted": "abc"}, "not_money"),
        ({"instrument": "shares"}, "instrument_invalid"),
        ({"use": " "}, "use_missing"),
    ],
)
def test_a_bad_financing_request_is_refused_with_its_code_and_nothing_is_filed(
    street_officer, street_enterprise, guarantor, body, code
):
    data = {
        "category": "tech_finance",
        "need": "融资",
        "amount_wanted": "1000000",
        "use": "研发",
        "instrument": "loan",
    } | body
    with raises_domain(code):
        services.request_file(actor=street_officer, enterprise=street_enterprise, **data)
    assert not ServiceRequest.objects.exists()


def test_the_fund_budget_is_the_offices_and_fund_budgets_are_read_in_scope(
    api, office, street_officer, leader, fund, fund_staff, guarantor_staff
):
    with pytest.raises(ActionNotAllowed):
        services.fund_budget_set(actor=street_officer, provider=fund[0], year=2018, amount="1")
    with raises_domain("year_invalid"):
        services.fund_budget_set(actor=office, provider=fund[0], year=1999, amount="1")
    with raises_domain("not_positive"):
        services.fund_budget_set(actor=office, provider=fund[0], year=2017, amount="-1")
    assert api(office).get("/api/v1/fund-budgets/").json()["count"] == 1
    assert api(leader).get("/api/v1/fund-budgets/").json()["count"] == 1
    assert api(fund_staff).get("/api/v1/fund-budgets/").json()["count"] == 1
    assert api(guarantor_staff).get("/api/v1/fund-budgets/").json()["count"] == 0
    assert api(street_officer).get("/api/v1/fund-budgets/").json()["count"] == 0
    created = api(office).post(
        "/api/v1/fund-budgets/", {"provider": fund[0].pk, "year": 2016, "amount": "1000000"}, format="json"
    )
    assert created.status_code == 201 and created.json()["available"] == "1000000.00"


def test_the_pages_file_a_financing_request_and_the_provider_records_its_outcome_by_its_form(
    web, street_officer, street_enterprise, guarantor, guarantor_staff
):
    with clock.running_on(DAY):
        response = web(street_officer).post(
            "/services/requests/new/",
            {
                "enterprise": street_enterprise.pk,
                "category": "tech_finance",
                "need": "流动资金贷款担保",
                "service": guarantor[1].pk,
                "amount_wanted": "2000000",
                "use": "流动资金",
                "instrument": "guarantee",
            },
        )
    assert response.status_code == 302
    req = ServiceRequest.objects.get()
    provider = web(guarantor_staff)
    with clock.running_on(DAY):
        provider.post(f"/services/requests/{req.pk}/action/", {"action": "accept"})
        page = provider.get(f"/services/requests/{req.pk}/").content.decode()
    # The outcome has its form; there is no bare "deliver" button for a financing request.
    assert f"/services/requests/{req.pk}/outcome/" in page and 'value="deliver"' not in page
    with clock.running_on(DAY + datetime.timedelta(days=3)):
        refused = provider.post(
            f"/services/requests/{req.pk}/outcome/", {"outcome": "granted", "amount": "9000000", "confirmed": "1"}
        )
        assert refused.status_code == 302
        req.refresh_from_db()
        assert req.state == "accepted"
        provider.post(
            f"/services/requests/{req.pk}/outcome/",
            {"outcome": "granted", "amount": "2000000", "instrument": "guarantee", "rate": "1.2", "confirmed": "1"},
        )
    req.refresh_from_db()
    assert req.state == "delivered"
    enterprise_page = web(street_officer).get(f"/enterprises/{street_enterprise.pk}/").content.decode()
    assert "担保贷款" in enterprise_page or "Guaranteed loan" in enterprise_page


def test_an_enterprise_account_asks_for_financing_on_its_own_form(web, street_enterprise, guarantor, units):
    from qinhuai_talent.core.models import Role, User

    account = User.objects.create_user("e-fin", password="x-Long-pass-1", role=Role.ENTERPRISE)
    street_enterprise.account = account
    street_enterprise.save(update_fields=["account"])
    client = web(account)
    form = client.get(f"/services/requests/new/?service={guarantor[1].pk}").content.decode()
    assert 'name="amount_wanted"' in form and 'name="instrument"' in form
    with clock.running_on(DAY):
        response = client.post(
            "/services/requests/new/",
            {
                "category": "tech_finance",
                "need": "流动资金贷款担保",
                "service": guarantor[1].pk,
                "amount_wanted": "2000000",
                "use": "流动资金",
                "instrument": "guarantee",
            },
        )
    assert response.status_code == 302, response.content.decode()
    financing = FinancingRequest.objects.get()
    assert (financing.request.enterprise, financing.instrument) == (street_enterprise, "guarantee")
