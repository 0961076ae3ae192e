"""Enterprise self-filing (issue 16, item 5): an enterprise account files its quarters and its
financing online, for its own enterprise only, with the same checks as the Excel import; the
filing windows; the officer's board of who has filed, who is late, who is missing; the reminders."""

import datetime
import io

import pytest
from django.utils import timezone
from openpyxl import Workbook

from enterprises import imports, selectors, services
from enterprises.models import FilingStatus, FilingWindow, FinancingRound, OperatingReport
from qinhuai_talent.core.errors import ActionNotAllowed
from qinhuai_talent.core.models import OrgUnit, Role, User
from qinhuai_talent.notifications.models import Notification
from tests.domain import raises_domain

from .factories import EnterpriseFactory, ReportFactory

pytestmark = pytest.mark.django_db

FIGURES = {
    "sales": "1200000.00",
    "main_revenue": "1000000.00",
    "net_profit": "-20000.00",
    "tax_paid": "50000.00",
    "employees": 30,
    "insured_employees": 28,
    "rnd_spend": "90000.00",
    "patents_filed": 2,
    "patents_granted": 1,
}


@pytest.fixture(autouse=True)
def portal_day(settings):
    settings.PORTAL_AS_OF = "2018-01-15"


@pytest.fixture
def account(units):
    return User.objects.create_user("e1", password="x-Long-pass-1", role=Role.ENTERPRISE)


@pytest.fixture
def own(account):
    return EnterpriseFactory(account=account, registered_on=datetime.date(2015, 3, 1))


@pytest.fixture
def other(units):
    return EnterpriseFactory(registered_on=datetime.date(2015, 3, 1))


def _stamp(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))


# ---------------------------------------------------------------- filing through the API


def test_an_enterprise_files_a_quarter_for_its_own_enterprise_without_naming_it(account, own, other, api):
    response = api(account).post("/api/v1/operating-reports/", {"year": 2017, "quarter": 3, **FIGURES}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["enterprise"] == own.pk and body["version"] == 1 and body["main_revenue"] == "1000000.00"
    report = OperatingReport.objects.get(pk=body["id"])
    assert report.submitted_by == account and report.enterprise == own
    listed = api(account).get("/api/v1/operating-reports/").json()
    assert [r["enterprise"] for r in listed["results"]] == [own.pk]


def test_a_filing_for_another_enterprise_is_refused_with_a_message_and_saves_nothing(account, own, other, api):
    response = api(account).post(
        "/api/v1/operating-reports/", {"enterprise": other.pk, "year": 2017, "quarter": 3, **FIGURES}, format="json"
    )
    assert response.status_code == 400
    assert str(other.pk) in response.json()["enterprise"][0]
    rounds = api(account).post(
        "/api/v1/financing-rounds/",
        {"enterprise": other.pk, "investor": "某创投", "round": "A", "amount": "100.00", "closed_on": "2017-05-01"},
        format="json",
    )
    assert rounds.status_code == 400 and "enterprise" in rounds.json()
    assert not OperatingReport.objects.exists() and not FinancingRound.objects.exists()
    # Another enterprise's reports are not listed and not readable by id.
    theirs = ReportFactory(enterprise=other, year=2017, quarter=2)
    assert api(account).get(f"/api/v1/operating-reports/{theirs.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("year", "quarter"),
    [(2018, 1), (2018, 2), (2019, 4)],
    ids=["current quarter", "next quarter", "years ahead"],
)
def test_a_quarter_that_has_not_ended_on_the_portals_day_is_refused(account, own, api, year, quarter):
    response = api(account).post(
        "/api/v1/operating-reports/", {"year": year, "quarter": quarter, **FIGURES}, format="json"
    )
    assert response.status_code == 400
    assert "year" in response.json()
    assert not OperatingReport.objects.exists()


def test_a_second_filing_of_a_quarter_is_a_correction_and_the_first_is_kept(account, own, api):
    client = api(account)
    client.post("/api/v1/operating-reports/", {"year": 2017, "quarter": 3, **FIGURES}, format="json")
    second = client.post(
        "/api/v1/operating-reports/", {"year": 2017, "quarter": 3, **FIGURES, "employees": 31}, format="json"
    )
    assert second.status_code == 201 and second.json()["version"] == 2
    versions = OperatingReport.objects.filter(enterprise=own, year=2017, quarter=3).order_by("version")
    assert [(r.version, r.is_current, r.employees) for r in versions] == [(1, False, 30), (2, True, 31)]


def test_an_enterprise_records_its_own_financing_round(account, own, api):
    response = api(account).post(
        "/api/v1/financing-rounds/",
        {"investor": "高新创投", "round": "天使轮", "amount": "3000000.00", "closed_on": "2017-09-01"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert FinancingRound.objects.get().enterprise == own


def test_an_enterprise_account_still_writes_nothing_of_the_back_office(account, own, api):
    client = api(account)
    assert client.post("/api/v1/enterprises/", {"name": "x"}, format="json").status_code == 403
    assert client.post("/api/v1/evaluations/", {}, format="json").status_code == 403


def test_an_enterprise_without_a_confirmed_enterprise_is_told_to_name_one(account, api):
    response = api(account).post("/api/v1/operating-reports/", {"year": 2017, "quarter": 3, **FIGURES}, format="json")
    assert response.status_code == 400 and "enterprise" in response.json()


# ---------------------------------------------------------------- one rule: the import's checks


def _import_errors(code: str, row: dict) -> list[str]:
    book = Workbook()
    sheet = book.active
    sheet.append(imports.HEADERS)
    sheet.append([code, "x", row["year"], row["quarter"], *(row.get(f, 0) for f in imports.FIELDS[4:])])
    data = io.BytesIO()
    book.save(data)
    sheet_rows = imports._open_workbook(data.getvalue()).worksheets[0].iter_rows(values_only=True)
    result = imports.check_rows(sheet_rows, enterprises={code: _import_errors.enterprise})
    return [e["message"] for e in result.errors]


BAD = {
    "insured above employees": {"employees": 5, "insured_employees": 6},
    "negative sales": {"sales": "-1.00"},
    "negative tax": {"tax_paid": "-5.00"},
    "quarter not ended": {"year": 2018, "quarter": 1},
    "before registration": {"year": 2014, "quarter": 4},
    "year out of range": {"year": 1999, "quarter": 4},
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_the_online_form_refuses_what_the_import_refuses_with_the_same_message(case, account, own, web):
    row = {"year": 2017, "quarter": 3, **FIGURES, **BAD[case]}
    _import_errors.enterprise = own
    expected = _import_errors(own.credit_code, row)
    assert expected, "the import accepts this row"
    response = web(account).post("/enterprises/mine/reports/", row)
    assert response.status_code == 400
    assert expected[0] in response.content.decode()
    assert not OperatingReport.objects.exists()


def test_the_online_form_files_a_quarter_and_says_so(account, own, web):
    response = web(account).post("/enterprises/mine/reports/", {"year": 2017, "quarter": 3, **FIGURES}, follow=True)
    assert response.status_code == 200
    assert "2017Q3" in response.content.decode()
    assert OperatingReport.objects.get().enterprise == own


def test_the_filing_forms_are_the_enterprise_accounts_only(office, park_officer, own, web):
    for user in (office, park_officer):
        assert web(user).post("/enterprises/mine/reports/", {"year": 2017, "quarter": 3, **FIGURES}).status_code == 404
        assert web(user).post("/enterprises/mine/financing/", {}).status_code == 404
    assert not OperatingReport.objects.exists()


def test_a_service_call_for_another_enterprise_is_refused_with_its_code(account, own, other):
    with raises_domain("not_own_enterprise", kind=ActionNotAllowed):
        services.report_submit(
            actor=account, enterprise=other, period_kind="quarter", year=2017, quarter=3, figures=FIGURES
        )


# ---------------------------------------------------------------- windows and the board


def test_the_default_window_is_the_first_20_days_after_the_quarter_and_the_office_may_change_it(office):
    assert selectors.filing_window(2017, 4) == (datetime.date(2018, 1, 1), datetime.date(2018, 1, 20))
    assert selectors.filing_window(2017, 3) == (datetime.date(2017, 10, 1), datetime.date(2017, 10, 20))
    services.filing_window_set(
        actor=office, year=2017, quarter=4, opens_on=datetime.date(2018, 1, 2), closes_on=datetime.date(2018, 1, 31)
    )
    assert selectors.filing_window(2017, 4) == (datetime.date(2018, 1, 2), datetime.date(2018, 1, 31))


@pytest.mark.parametrize(
    ("opens_on", "closes_on", "field", "code"),
    [
        (datetime.date(2017, 12, 31), datetime.date(2018, 1, 20), "opens_on", "window_before_quarter_end"),
        (datetime.date(2018, 1, 10), datetime.date(2018, 1, 9), "closes_on", "window_closes_first"),
    ],
    ids=["opens before the quarter ends", "closes before it opens"],
)
def test_a_window_that_makes_no_sense_is_refused(office, web, opens_on, closes_on, field, code):
    with raises_domain(code) as refused:
        services.filing_window_set(actor=office, year=2017, quarter=4, opens_on=opens_on, closes_on=closes_on)
    assert refused.value.field == field
    assert not FilingWindow.objects.exists()
    page = web(office).post(
        "/enterprises/filing/window/",
        {"year": 2017, "quarter": 4, "opens_on": opens_on.isoformat(), "closes_on": closes_on.isoformat()},
        follow=True,
    )
    assert str(refused.value.message) in page.content.decode()


def test_only_the_office_sets_windows(park_officer, account, web):
    body = {"year": 2017, "quarter": 4, "opens_on": "2018-01-02", "closes_on": "2018-01-31"}
    for user in (park_officer, account):
        assert web(user).post("/enterprises/filing/window/", body).status_code == 404
    assert not FilingWindow.objects.exists()


def _board_case(units):
    park = OrgUnit.objects.get(code="gaoxin_park")
    street = OrgUnit.objects.get(code="fuzimiao")
    on_time, late, missing, corrected = (EnterpriseFactory(org_unit=park) for _ in range(4))
    elsewhere = EnterpriseFactory(org_unit=street)
    too_young = EnterpriseFactory(org_unit=park, registered_on=datetime.date(2017, 11, 1))
    ReportFactory(enterprise=on_time, year=2017, quarter=3, submitted_at=_stamp(datetime.date(2017, 10, 20)))
    ReportFactory(enterprise=late, year=2017, quarter=3, submitted_at=_stamp(datetime.date(2017, 10, 21)))
    ReportFactory(enterprise=elsewhere, year=2017, quarter=3, submitted_at=_stamp(datetime.date(2017, 10, 3)))
    # A correction after the window does not make a filing on time late.
    ReportFactory(
        enterprise=corrected,
        year=2017,
        quarter=3,
        version=1,
        is_current=False,
        submitted_at=_stamp(datetime.date(2017, 10, 5)),
    )
    ReportFactory(
        enterprise=corrected, year=2017, quarter=3, version=2, submitted_at=_stamp(datetime.date(2017, 12, 5))
    )
    return {
        "on_time": on_time,
        "late": late,
        "missing": missing,
        "corrected": corrected,
        "elsewhere": elsewhere,
        "young": too_young,
    }


def test_the_board_says_who_filed_on_time_who_late_and_who_is_missing_in_the_officers_unit(
    units, park_officer, web, django_assert_max_num_queries
):
    case = _board_case(units)
    statuses = {e.pk: e.filing_status for e in selectors.quarter_filings(park_officer, 2017, 3)}
    assert statuses == {
        case["on_time"].pk: FilingStatus.FILED,
        case["late"].pk: FilingStatus.LATE,
        case["missing"].pk: FilingStatus.MISSING,
        case["corrected"].pk: FilingStatus.FILED,
    }
    client = web(park_officer)
    # session and user (2), the window (1), the counts (1), the page's count and rows (2), the nav (a few)
    with django_assert_max_num_queries(12):
        page = client.get("/enterprises/filing/?year=2017&quarter=3")
    html = page.content.decode()
    assert page.status_code == 200
    assert case["missing"].name in html and case["elsewhere"].name not in html and case["young"].name not in html
    assert 'data-count="missing">1<' in html and 'data-count="late">1<' in html and 'data-count="filed">2<' in html
    missing_only = client.get("/enterprises/filing/?year=2017&quarter=3&status=missing").content.decode()
    assert case["missing"].name in missing_only and case["late"].name not in missing_only


def test_the_board_page_costs_the_same_whatever_the_number_of_enterprises(
    units, park_officer, web, django_assert_num_queries
):
    _board_case(units)
    client = web(park_officer)
    client.get("/enterprises/filing/?year=2017&quarter=3")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get("/enterprises/filing/?year=2017&quarter=3")
    for _ in range(15):
        EnterpriseFactory(org_unit=OrgUnit.objects.get(code="gaoxin_park"))
    with django_assert_num_queries(len(few)):
        client.get("/enterprises/filing/?year=2017&quarter=3")


def test_the_office_sees_every_unit_on_the_board_and_the_open_window_is_due_not_missing(units, office):
    case = _board_case(units)
    statuses = {e.pk: e.filing_status for e in selectors.quarter_filings(office, 2017, 3)}
    assert statuses[case["elsewhere"].pk] == FilingStatus.FILED
    # 2017 Q4's window runs to 2018-01-20: on the portal's day (01-15) nobody is missing yet.
    q4 = {e.pk: e.filing_status for e in selectors.quarter_filings(office, 2017, 4)}
    assert set(q4.values()) == {FilingStatus.DUE}
    assert case["young"].pk in q4


@pytest.mark.parametrize("role_user", ["expert", "finance", "account"])
def test_the_board_is_not_there_for_those_who_do_not_serve_enterprises(role_user, request, web, units):
    user = request.getfixturevalue(role_user)
    assert web(user).get("/enterprises/filing/").status_code == 404


def test_the_enterprise_sees_its_quarters_and_where_it_stands(account, own, web):
    ReportFactory(enterprise=own, year=2017, quarter=2, submitted_at=_stamp(datetime.date(2017, 7, 25)))
    ReportFactory(enterprise=own, year=2017, quarter=1, submitted_at=_stamp(datetime.date(2017, 4, 3)))
    html = web(account).get("/enterprises/mine/").content.decode()
    for period, status in (("2017Q4", "due"), ("2017Q3", "missing"), ("2017Q2", "late"), ("2017Q1", "filed")):
        assert f'data-filing="{period}" data-status="{status}"' in html


# ---------------------------------------------------------------- reminders


def _told(account) -> list[tuple[str, str]]:
    return sorted(
        Notification.objects.filter(recipient=account, channel="inbox").values_list("event", "key"),
    )


def test_reminders_tell_of_the_open_window_the_last_5_days_and_lateness_once_each(account, own, other):
    other.account = User.objects.create_user("e2", password="x-Long-pass-1", role=Role.ENTERPRISE)
    other.save()
    ReportFactory(enterprise=other, year=2017, quarter=3)
    ReportFactory(enterprise=other, year=2017, quarter=4)
    services.filings_remind(today=datetime.date(2018, 1, 2))
    assert _told(account) == [
        ("filing_late", f"filing:{own.pk}:2017Q3:late"),
        ("filing_window_open", f"filing:{own.pk}:2017Q4:open"),
    ]
    services.filings_remind(today=datetime.date(2018, 1, 3))  # a rerun tells nothing again
    services.filings_remind(today=datetime.date(2018, 1, 15))
    services.filings_remind(today=datetime.date(2018, 1, 15))
    assert [k for _e, k in _told(account)].count(f"filing:{own.pk}:2017Q4:closing") == 1
    services.filings_remind(today=datetime.date(2018, 1, 21))
    assert _told(account) == [
        ("filing_late", f"filing:{own.pk}:2017Q3:late"),
        ("filing_late", f"filing:{own.pk}:2017Q4:late"),
        ("filing_window_closing", f"filing:{own.pk}:2017Q4:closing"),
        ("filing_window_open", f"filing:{own.pk}:2017Q4:open"),
    ]
    # An enterprise that has filed hears nothing.
    assert _told(other.account) == []


def test_a_reminder_reads_in_the_recipients_language(account, own):
    from qinhuai_talent.notifications.events import render

    services.filings_remind(today=datetime.date(2018, 1, 15))
    row = Notification.objects.filter(recipient=account, event="filing_window_closing", channel="inbox").get()
    zh = render(row.event, row.params, "zh-hans")
    en = render(row.event, row.params, "en")
    assert "2018-01-20" in zh[1] and "2018-01-20" in en[1]
    assert zh[0] != en[0] and "days left" in en[0]


def test_the_enterprise_reads_its_payouts_explanation_as_officers_do_and_no_approvers_name(units, office, web):
    from funding import engine, explain
    from qinhuai_talent.core.jobs import JobContext
    from qinhuai_talent.core.models import Job
    from tests.funding.factories import agreement, limit, unit

    limit(unit("gaoxin_park"), "500000.00")
    account = User.objects.create_user("e3", password="x-Long-pass-1", role=Role.ENTERPRISE)
    own = agreement(office)
    own.enterprise.account = account
    own.enterprise.save()
    job = Job.objects.create(kind="recompute_payouts", params={"as_of": "2017-06-30"})
    engine.recompute_payouts(JobContext(job_id=job.pk, params={"as_of": "2017-06-30"}))
    payout = own.tranches.get(sequence=1).payout
    html = web(account).get("/funding/mine/").content.decode()
    lines = explain.render(payout.reasons).splitlines()
    assert lines and all(line in html for line in lines)
    assert "✓" in html
    for name in (office.get_full_name(), office.username):
        assert name not in html
