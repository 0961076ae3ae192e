"""The funding pages and lists: scoped, constant query counts, exports, actions as buttons."""

import io

import pytest
from django.utils import translation
from openpyxl import load_workbook

from funding import selectors, services
from funding.models import ExitFlag, ExitRule, LedgerEntry, Milestone, Payout, Tranche, TrancheState

from .factories import agreement, limit, unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def district(office, units, recompute):
    """Three agreements of 高新园区 and one of 夫子庙街道, recomputed."""
    limit(unit("gaoxin_park"), "500000.00")
    made = [agreement(office) for _ in range(3)] + [agreement(office, unit_code="fuzimiao")]
    recompute("payouts", as_of="2017-06-30")
    return made


def test_agreement_list_shows_progress_with_constant_queries(
    web, park_officer, district, django_assert_max_num_queries
):
    client = web(park_officer)
    # session, user, count, page of agreements with progress sums, unit filter options
    with django_assert_max_num_queries(8):
        page = client.get("/funding/").content.decode()
    assert page.count("progress-stacked") == 3 and district[3].number not in page


def test_progress_sums_count_each_tranche_once_however_many_flags_are_open(office, park_officer, units):
    a = agreement(office)
    first, second = a.tranches.order_by("sequence")[:2]
    Tranche.objects.filter(pk=first.pk).update(state=TrancheState.ELIGIBLE)
    Tranche.objects.filter(pk=second.pk).update(state=TrancheState.HELD)
    for rule in (ExitRule.MISSING_REPORTS, ExitRule.NO_REVENUE):
        ExitFlag.objects.create(agreement=a, org_unit=a.org_unit, rule=rule, evidence="…")
    row = selectors.agreements_for(park_officer).get(pk=a.pk)
    assert (row.eligible_amount, row.held_amount, row.open_flags) == (first.planned_amount, second.planned_amount, 2)


def test_agreement_detail_is_404_outside_the_unit(web, street_officer, district):
    assert web(street_officer).get(f"/funding/agreements/{district[0].pk}/").status_code == 404
    assert web(street_officer).get(f"/funding/agreements/{district[3].pk}/").status_code == 200


def test_park_officer_approves_from_the_queue_and_finance_pays_from_the_page(
    web, client, park_officer, finance, district
):
    queue = web(park_officer).get("/funding/payouts/").content.decode()
    payout = Payout.objects.filter(org_unit__code="gaoxin_park").first()
    assert f"/funding/payouts/{payout.pk}/approve/" in queue
    web(park_officer).post(f"/funding/payouts/{payout.pk}/approve/", {"next": "/funding/payouts/", "confirmed": "1"})
    assert Payout.objects.get(pk=payout.pk).state == "approved"
    client.logout()
    finance_page = web(finance).get("/funding/payouts/finance/").content.decode()
    assert f"/funding/payouts/{payout.pk}/" in finance_page
    web(finance).post(f"/funding/payouts/{payout.pk}/pay/", {"voucher": "CZ-9", "confirmed": "1"})
    web(finance).post(f"/funding/payouts/{payout.pk}/pay/", {"voucher": "CZ-9", "confirmed": "1"})
    assert LedgerEntry.objects.filter(payout=payout).count() == 1


def test_queue_pages_have_constant_queries(web, office, district, django_assert_max_num_queries):
    Payout.objects.update(approver_level="district")
    client = web(office)
    # session, user, count, the page of payouts with agreement, enterprise, tranche, unit, users joined,
    # their milestones (four eyes on each row's button), the unit filter's choices
    with django_assert_max_num_queries(7):
        assert client.get("/funding/payouts/").status_code == 200


def test_home_shows_what_waits_for_each_role(web, park_officer, district):
    home = web(park_officer).get("/").content.decode()
    assert "/funding/payouts/" in home


def test_exports_as_csv_and_xlsx(web, office, district):
    csv = web(office).get("/funding/?format=csv")
    assert csv["Content-Type"].startswith("text/csv") and district[0].number in csv.content.decode("utf-8-sig")
    xlsx = web(office).get("/funding/budgets/?format=xlsx")
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.values)
    assert len(rows) == 3  # header, 高新园区 and 夫子庙街道 budgets


def test_budget_ledger_forecast_and_exit_pages_render(web, office, finance, park_officer, district):
    payout = Payout.objects.filter(org_unit__code="gaoxin_park").first()
    services.payout_approve(actor=park_officer, payout_id=payout.pk)
    services.payout_pay(actor=finance, payout_id=payout.pk, voucher="CZ-1")
    for url in ("/funding/budgets/", "/funding/ledger/", "/funding/forecast/", "/funding/exits/"):
        assert web(office).get(url).status_code == 200, url
    assert "CZ-1" in web(finance).get("/funding/ledger/").content.decode()


def test_expert_sees_no_money(web, api, expert, district):
    assert web(expert).get("/funding/").status_code == 404
    assert api(expert).get("/api/v1/agreements/").json()["count"] == 0


def test_api_lists_are_scoped_and_carry_unit_codes(api, park_officer, finance, district, django_assert_max_num_queries):
    client = api(park_officer)
    # count, page of agreements with progress sums
    with django_assert_max_num_queries(3):
        body = client.get("/api/v1/agreements/").json()
    assert body["count"] == 3 and {r["org_unit"] for r in body["results"]} == {"gaoxin_park"}
    assert api(finance).get("/api/v1/payouts/").json()["count"] == 4
    assert client.get("/api/v1/payouts/?state=bogus").status_code == 400
    row = client.get("/api/v1/payouts/").json()["results"][0]
    assert row["amount"] == "300000.00" and row["explanation"]


def test_ledger_api_filters_by_payout(api, park_officer, finance, district):
    payout = Payout.objects.filter(org_unit__code="gaoxin_park").first()
    services.payout_approve(actor=park_officer, payout_id=payout.pk)
    services.payout_pay(actor=finance, payout_id=payout.pk, voucher="CZ-1")
    assert api(finance).get(f"/api/v1/ledger/?payout={payout.pk}").json()["count"] == 1
    assert api(finance).get("/api/v1/ledger/?payout=999999").json()["count"] == 0


def test_funding_and_exit_figures(office, district):
    from funding.selectors import exit_figures, funding_figures

    figures = funding_figures(year=2017)
    assert figures["committed"] == 4_000_000 and figures["eligible"] == 1_200_000 and figures["paid"] == 0
    park = funding_figures(units=[unit("gaoxin_park").pk])
    assert park["committed"] == 3_000_000
    assert exit_figures()["open_flags"] == 0


def test_the_agreement_page_says_what_each_milestone_asks_for_in_the_readers_language(web, office, district):
    signed = district[0]
    revenue = Milestone.objects.filter(tranche__agreement=signed, kind="revenue").first()
    assert revenue is not None and revenue.threshold
    client = web(office)
    html = client.get(f"/funding/agreements/{signed.pk}/").content.decode()
    amount = f"{revenue.threshold:,.2f}"
    assert f"累计营收≥{amount}元" in html and "≥X" not in html
    client.cookies["django_language"] = "en"
    # (override: the request activates English in this thread; leaving restores the language)
    with translation.override("zh-hans"):
        html = client.get(f"/funding/agreements/{signed.pk}/").content.decode()
    assert f"Cumulative revenue ≥ {amount} yuan" in html and "≥ X" not in html
