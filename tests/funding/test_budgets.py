"""Budgets are set and changed by the district office only, by page and API (issue 14, item 6a):
one per unit, year and source, never below what is committed against them, a park's funds only
for a park, no change in a closed year; every change kept in the budget's history under its author."""

from decimal import Decimal

import pytest

from funding import services
from funding.models import ApprovalLimit, Budget, ClosedYear, FundingSource, Payout
from qinhuai_talent.core.errors import ActionNotAllowed
from qinhuai_talent.core.models import User
from tests.domain import raises_domain

from .factories import agreement, budget, limit, unit

pytestmark = pytest.mark.django_db

ROLES = ["office", "street", "street2", "park", "park2", "expert", "finance", "leader", "talent", "enterprise"]


def _json(response) -> str:
    return response.content.decode()


@pytest.mark.parametrize("username", ROLES)
def test_only_the_office_sets_a_budget_by_api_and_page(units, api, client, username):
    user = User.objects.get(username=username)
    body = {"org_unit": "gaoxin_park", "year": 2017, "source": "park_funds", "amount": "3000000.00"}
    response = api(user).post("/api/v1/budgets/", body, format="json")
    made = Budget.objects.filter(org_unit__code="gaoxin_park", year=2017, source="park_funds")
    if username == "office":
        assert response.status_code == 201, _json(response)
        assert response.json()["amount"] == "3000000.00" and response.json()["committed"] == "0.00"
        assert made.get().history.get().history_user == user
    else:
        assert response.status_code in (403, 404), _json(response)
        assert not made.exists()
    client.force_login(user)
    assert client.get("/funding/budgets/new/").status_code == (200 if username == "office" else 404)
    form = {"org_unit": unit("guochuang_park").pk, "year": 2017, "source": "park_funds", "amount": "100"}
    posted = client.post("/funding/budgets/new/", form)
    assert posted.status_code == (302 if username == "office" else 404)
    assert Budget.objects.filter(org_unit__code="guochuang_park").exists() == (username == "office")


@pytest.mark.parametrize("username", ROLES)
def test_only_the_office_changes_a_budget_and_the_history_names_it(units, api, client, username):
    user = User.objects.get(username=username)
    b = budget(unit("gaoxin_park"), amount="5000000.00")
    response = api(user).patch(f"/api/v1/budgets/{b.pk}/", {"amount": "6000000.00"}, format="json")
    b.refresh_from_db()
    if username == "office":
        assert response.status_code == 200, _json(response)
        assert b.amount == Decimal("6000000.00")
        latest = b.history.order_by("-history_date", "-history_id").first()
        assert latest.history_user == user and latest.amount == Decimal("6000000.00")
    else:
        assert response.status_code in (403, 404), _json(response)
        assert b.amount == Decimal("5000000.00")
    client.force_login(user)
    page = client.get(f"/funding/budgets/{b.pk}/edit/")
    assert page.status_code == (200 if username == "office" else 404)
    if username == "office":
        assert f"funding/budgets/{b.pk}/edit/" in client.get("/funding/budgets/").content.decode()


def test_a_budget_is_never_set_below_what_is_committed(office, api):
    a = agreement(office, grant="1000000.00")
    b = a.budget
    with raises_domain("below_committed") as refused:
        services.budget_update(actor=office, budget_id=b.pk, amount="999999.99")
    assert refused.value.code == "below_committed"
    response = api(office).patch(f"/api/v1/budgets/{b.pk}/", {"amount": "10.00"}, format="json")
    assert response.status_code == 400 and "amount" in response.json()
    assert Budget.objects.get(pk=b.pk).amount == b.amount
    assert services.budget_update(actor=office, budget_id=b.pk, amount="1000000.00").amount == Decimal("1000000.00")


def test_one_budget_per_unit_year_and_source(office, api):
    budget(unit("gaoxin_park"), year=2017, source=FundingSource.DISTRICT_TREASURY)
    with raises_domain("duplicate") as refused:
        services.budget_create(
            actor=office, org_unit=unit("gaoxin_park"), year=2017, source="district_treasury", amount="1"
        )
    assert refused.value.code == "duplicate" and refused.value.field == "source"
    body = {"org_unit": "gaoxin_park", "year": 2017, "source": "district_treasury", "amount": "1.00"}
    response = api(office).post("/api/v1/budgets/", body, format="json")
    assert response.status_code == 400 and "source" in response.json()
    other = services.budget_create(
        actor=office, org_unit=unit("gaoxin_park"), year=2016, source="district_treasury", amount="1"
    )
    # Moving another budget onto a taken unit, year and source is refused the same way.
    moved = api(office).patch(f"/api/v1/budgets/{other.pk}/", {"year": 2017}, format="json")
    assert moved.status_code == 400 and "source" in moved.json()
    assert Budget.objects.filter(org_unit__code="gaoxin_park").count() == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"org_unit": "fuzimiao", "year": 2017, "source": "park_funds", "amount": "1.00"}, "source"),
        ({"org_unit": "gaoxin_park", "year": 1999, "source": "city_share", "amount": "1.00"}, "year"),
        ({"org_unit": "gaoxin_park", "year": 2999, "source": "city_share", "amount": "1.00"}, "year"),
        ({"org_unit": "gaoxin_park", "year": 2017, "source": "city_share", "amount": "-1.00"}, "amount"),
        ({"org_unit": "gaoxin_park", "year": 2017, "source": "lottery", "amount": "1.00"}, "source"),
        ({"org_unit": "district_office", "year": 2017, "source": "city_share", "amount": "1.00"}, "org_unit"),
        ({"org_unit": "gaoxin_park", "year": "二〇一七", "source": "city_share", "amount": "1.00"}, "year"),
        ({"org_unit": "gaoxin_park", "year": 2017, "source": "city_share", "amount": "1e30"}, "amount"),
    ],
)
def test_bad_budget_input_is_a_400_naming_the_field_and_nothing_is_saved(office, api, body, field):
    response = api(office).post("/api/v1/budgets/", body, format="json")
    assert response.status_code == 400 and field in response.json(), _json(response)
    assert not Budget.objects.exists()


def test_a_budget_of_a_closed_year_no_longer_changes(office, api):
    b = budget(unit("gaoxin_park"), year=2016)
    ClosedYear.objects.create(year=2016, reason="结账", closed_by=office)
    with raises_domain("closed_year") as refused:
        services.budget_update(actor=office, budget_id=b.pk, amount="1.00")
    assert refused.value.code == "closed_year"
    body = {"org_unit": "guochuang_park", "year": 2016, "source": "park_funds", "amount": "1.00"}
    assert api(office).post("/api/v1/budgets/", body, format="json").status_code == 400


def test_a_charged_budget_keeps_its_unit_year_and_source(office, api):
    a = agreement(office)
    with raises_domain("in_use") as refused:
        services.budget_update(actor=office, budget_id=a.budget_id, year=2016)
    assert refused.value.code == "in_use"
    assert Budget.objects.get(pk=a.budget_id).year == 2017


def test_the_page_shows_a_refusal_in_the_form_and_the_history(office, client):
    a = agreement(office, grant="1000000.00")
    client.force_login(office)
    form = {"org_unit": a.budget.org_unit_id, "year": 2017, "source": "district_treasury", "amount": "5"}
    refused = client.post(f"/funding/budgets/{a.budget_id}/edit/", form)
    assert refused.status_code == 400 and "amount" in refused.context["form"].errors
    form["amount"] = "2000000"
    assert client.post(f"/funding/budgets/{a.budget_id}/edit/", form).status_code == 302
    page = client.get(f"/funding/budgets/{a.budget_id}/edit/")
    assert page.context["history"] and page.context["history"][0].user == office


# ---------------------------------------------------------------- delegated approval limits (item 6b)


@pytest.mark.parametrize("username", ROLES)
def test_only_the_office_sets_and_changes_a_units_approval_limit(units, api, client, username):
    user = User.objects.get(username=username)
    lim = limit(unit("gaoxin_park"), "500000.00")
    changed = api(user).patch(f"/api/v1/approval-limits/{lim.pk}/", {"max_amount": "800000.00"}, format="json")
    created = api(user).post(
        "/api/v1/approval-limits/", {"org_unit": "guochuang_park", "max_amount": "100000.00"}, format="json"
    )
    lim.refresh_from_db()
    if username == "office":
        assert changed.status_code == 200 and created.status_code == 201, _json(changed) + _json(created)
        assert lim.max_amount == Decimal("800000.00")
        latest = lim.history.order_by("-history_date", "-history_id").first()
        assert latest.history_user == user and latest.max_amount == Decimal("800000.00")
    else:
        assert changed.status_code in (403, 404) and created.status_code in (403, 404)
        assert lim.max_amount == Decimal("500000.00")
        assert not ApprovalLimit.objects.filter(org_unit__code="guochuang_park").exists()
    client.force_login(user)
    for page in (f"/funding/approval-limits/{lim.pk}/edit/", "/funding/approval-limits/new/"):
        assert client.get(page).status_code == (200 if username == "office" else 404)
    posted = client.post(f"/funding/approval-limits/{lim.pk}/edit/", {"max_amount": "1"})
    assert posted.status_code == (302 if username == "office" else 404)


def test_an_officer_reads_only_their_own_units_limit(units, api, park_officer, finance):
    own, other = limit(unit("gaoxin_park")), limit(unit("guochuang_park"))
    seen = {r["org_unit"] for r in api(park_officer).get("/api/v1/approval-limits/").json()["results"]}
    assert seen == {"gaoxin_park"}
    assert api(park_officer).get(f"/api/v1/approval-limits/{other.pk}/").status_code == 404
    assert api(park_officer).get(f"/api/v1/approval-limits/{own.pk}/").status_code == 200
    assert len(api(finance).get("/api/v1/approval-limits/").json()["results"]) == 2


def test_payouts_awaiting_approval_follow_a_changed_limit_at_once(office, park_officer, recompute):
    limit(unit("gaoxin_park"), "500000.00")
    a = agreement(office, grant="1000000.00")  # first tranche 300,000: the park's officer approves
    recompute("payouts", as_of="2017-06-30")
    payout = Payout.objects.get(agreement=a, tranche__sequence=1)
    assert payout.approver_level == "unit"
    services.approval_limit_set(actor=office, org_unit=unit("gaoxin_park"), max_amount="200000")
    payout.refresh_from_db()
    assert payout.approver_level == "district"
    assert any(r.get("code") == "approver" and r["limit"] == "200000.00" for r in payout.reasons)
    with raises_domain("above_limit", kind=ActionNotAllowed):
        services.payout_approve(actor=park_officer, payout_id=payout.pk)
    assert Payout.objects.get(pk=payout.pk).state == "proposed"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"org_unit": "district_office", "max_amount": "1.00"}, "org_unit"),
        ({"org_unit": "gaoxin_park", "max_amount": "-1.00"}, "max_amount"),
        ({"org_unit": "gaoxin_park", "max_amount": "abc"}, "max_amount"),
        ({"org_unit": "nowhere", "max_amount": "1.00"}, "org_unit"),
    ],
)
def test_bad_limit_input_is_a_400_naming_the_field(office, api, body, field):
    response = api(office).post("/api/v1/approval-limits/", body, format="json")
    assert response.status_code == 400 and field in response.json(), _json(response)
    assert not ApprovalLimit.objects.exists()
