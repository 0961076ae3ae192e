"""Issue 14 item 15: a ledger entry is dated neither before the event that allows it (a payment
before its approval, a recovery before the exit decision) nor in a financial year the office has
closed; the office closes a year that has ended, with a reason, kept on record."""

from datetime import date

import pytest

from funding import services
from funding.models import Agreement, ClosedYear, ExitCase, LedgerEntry, LedgerKind, Payout
from qinhuai_talent.core import clock
from qinhuai_talent.core.demo import ACCOUNTS
from qinhuai_talent.core.models import User
from tests.domain import raises_domain

from .factories import agreement, limit, reverse_payment, unit

pytestmark = pytest.mark.django_db

APPROVED_ON = date(2017, 7, 3)


@pytest.fixture
def approved(office, park_officer, units, recompute):
    """A 300,000 yuan payout of 高新园区, approved by the park's officer on 3 July 2017."""
    limit(unit("gaoxin_park"), "500000.00")
    a = agreement(office)
    recompute("payouts", as_of="2017-06-30")
    payout = Payout.objects.get(agreement=a)
    with clock.running_on(APPROVED_ON):
        services.payout_approve(actor=park_officer, payout_id=payout.pk)
    return payout


def _pay(api, finance, payout, paid_on, language="zh-hans"):
    return api(finance).post(
        f"/api/v1/payouts/{payout.pk}/pay/",
        {"voucher": "CZ-1", "paid_on": paid_on},
        format="json",
        HTTP_ACCEPT_LANGUAGE=language,
    )


@pytest.mark.parametrize(
    ("language", "words"), [("zh-hans", "早于2017-07-03的拨付审批"), ("en", "before the payout's approval")]
)
def test_a_payment_dated_0001_01_01_is_a_clear_400_and_nothing_is_paid(api, finance, approved, language, words):
    response = _pay(api, finance, approved, "0001-01-01", language)
    assert response.status_code == 400
    assert "0001-01-01" in response.json()["paid_on"][0] and words in response.json()["paid_on"][0]
    assert not LedgerEntry.objects.exists()
    assert Agreement.objects.get(pk=approved.agreement_id).paid_total == 0


def test_a_payment_is_not_dated_before_its_approval_but_may_be_on_its_day(api, finance, approved):
    assert _pay(api, finance, approved, "2017-07-02").status_code == 400
    assert not LedgerEntry.objects.exists()
    assert _pay(api, finance, approved, "2017-07-03").status_code == 201
    assert LedgerEntry.objects.get().entry_date == APPROVED_ON


def test_a_payment_is_not_dated_after_the_portals_today(finance, approved):
    with clock.running_on(date(2017, 8, 1)), raises_domain("future_date") as refused:
        services.payout_pay(actor=finance, payout_id=approved.pk, voucher="V", paid_on=date(2017, 8, 2))
    assert (refused.value.code, refused.value.field) == ("future_date", "paid_on")


def test_the_web_form_refuses_a_backdated_payment_with_its_message(web, finance, approved):
    response = web(finance).post(
        f"/funding/payouts/{approved.pk}/pay/",
        {"voucher": "CZ-1", "paid_on": "0001-01-01", "confirmed": "1"},
        follow=True,
    )
    assert "早于2017-07-03的拨付审批" in response.content.decode()
    assert not LedgerEntry.objects.exists()


def _close(office, year=2017, reason="2017年度决算已批复"):
    with clock.running_on(date(2018, 2, 1)):
        return services.financial_year_close(actor=office, year=year, reason=reason)


def _payment(finance, payout, day):
    with clock.running_on(day):
        return services.payout_pay(actor=finance, payout_id=payout.pk, voucher="V-pay", paid_on=day)[0]


def _reversal(office, finance, payout, day):
    with clock.running_on(day):
        return reverse_payment(finance=finance, office=office, payout=payout, voucher="V-rev", reason="账户有误")


def _recovery(office, finance, payout, day):
    with clock.running_on(date(2017, 12, 1)):
        case = services.exit_case_open(actor=office, agreement_id=payout.agreement_id)
        services.exit_case_exit(actor=office, case_id=case.pk, reason="企业注销", recovery_due="100.00")
    with clock.running_on(day):
        return services.exit_case_record_recovery(
            actor=finance, case_id=case.pk, amount="100.00", voucher="V-rec", received_on=day
        )


def test_no_kind_of_ledger_entry_may_be_dated_in_a_closed_year(office, finance, approved):
    """Generated over every kind of ledger entry: each is refused in a closed year, accepted after."""
    writers = {
        LedgerKind.PAYMENT: lambda day: _payment(finance, approved, day),
        LedgerKind.REVERSAL: lambda day: _reversal(office, finance, approved, day),
        LedgerKind.RECOVERY: lambda day: _recovery(office, finance, approved, day),
    }
    assert set(writers) == set(LedgerKind.values), "a new kind of ledger entry needs its closed-year check"
    _payment(finance, approved, date(2017, 12, 20))
    _close(office, 2017)
    for kind, write in writers.items():
        if kind == LedgerKind.PAYMENT:
            # Paying again returns the existing payment; a fresh payout shows the refusal.
            continue
        before = list(LedgerEntry.objects.values_list("pk", flat=True))
        with raises_domain("closed_year") as refused:
            write(date(2017, 12, 28))
        assert refused.value.code == "closed_year", kind
        assert list(LedgerEntry.objects.values_list("pk", flat=True)) == before, kind
    # A reversal in the open year that follows is the way to correct a closed year's payment.
    _reversal(office, finance, approved, date(2018, 1, 5))
    assert LedgerEntry.objects.filter(kind=LedgerKind.REVERSAL, entry_date=date(2018, 1, 5)).exists()


def test_a_payment_in_a_closed_year_is_refused(office, finance, approved):
    _close(office, 2017)
    with raises_domain("closed_year") as refused:
        _payment(finance, approved, date(2017, 12, 20))
    assert (refused.value.code, refused.value.field) == ("closed_year", "paid_on")
    assert "2017财政年度已结账" in str(refused.value.message)
    assert not LedgerEntry.objects.exists()


def test_a_recovery_is_not_dated_before_the_exit_decision(office, finance, approved):
    _payment(finance, approved, date(2017, 8, 1))
    with raises_domain("before_approval") as refused:
        _recovery(office, finance, approved, date(2017, 11, 30))
    assert refused.value.code == "before_approval"
    assert ExitCase.objects.get().recovered == 0


def test_the_office_closes_an_ended_year_once_with_a_reason_and_it_is_on_record(api, office):
    with clock.running_on(date(2018, 2, 1)):
        client = api(office)
        assert client.post("/api/v1/closed-years/", {"year": 2018, "reason": "x"}, format="json").status_code == 400
        assert client.post("/api/v1/closed-years/", {"year": 2017, "reason": " "}, format="json").status_code == 400
        done = client.post("/api/v1/closed-years/", {"year": 2017, "reason": "决算已批复"}, format="json")
        assert done.status_code == 201
        assert (done.json()["year"], done.json()["closed_by"], done.json()["reason"]) == (2017, "office", "决算已批复")
        again = client.post("/api/v1/closed-years/", {"year": 2017, "reason": "再次"}, format="json")
        assert again.status_code == 400 and "已经结账" in again.json()["year"][0]
    assert ClosedYear.objects.count() == 1
    assert [r["year"] for r in client.get("/api/v1/closed-years/").json()["results"]] == [2017]


@pytest.mark.parametrize("username", [a[0] for a in ACCOUNTS])
def test_only_the_office_closes_a_year_by_api_or_page(api, web, units, username):
    user = User.objects.get(username=username)
    with clock.running_on(date(2018, 2, 1)):
        response = api(user).post("/api/v1/closed-years/", {"year": 2016, "reason": "决算"}, format="json")
        page = web(user).post("/funding/ledger/close-year/", {"year": 2015, "reason": "决算"})
    if username == "office":
        assert response.status_code == 201 and page.status_code == 302
        assert set(ClosedYear.objects.filter(closed_by=user).values_list("year", flat=True)) == {2015, 2016}
    else:
        assert response.status_code in (403, 404) and page.status_code in (403, 404), username
        assert not ClosedYear.objects.exists()


def test_the_ledger_page_lists_closed_years_and_shows_the_button_to_the_office_only(web, office, finance):
    _close(office, 2016, "2016年度决算已批复")
    as_office = web(office).get("/funding/ledger/").content.decode()
    assert "2016年度决算已批复" in as_office and "/funding/ledger/close-year/" in as_office
    as_finance = web(finance).get("/funding/ledger/").content.decode()
    assert "2016年度决算已批复" in as_finance and "/funding/ledger/close-year/" not in as_finance
