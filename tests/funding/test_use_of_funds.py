"""Issue 16, item 5: the enterprise uploads the use-of-funds report a paid tranche asks for, from its
own agreement page (or the API), with a statement of expenditure checked and stored privately; the
officer of its unit hears of it and accepts it, and the next tranche's milestone reads the
acceptance. Another enterprise's tranche is a 404 by every route; bad input a clear message with
nothing saved."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from funding import services
from funding.models import Milestone, Payout, UseOfFundsReport
from qinhuai_talent.core.models import Role, User
from tests.domain import raises_domain

from .factories import agreement, limit, unit

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name="资金使用明细.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def form(**over):
    data = {
        "period_start": "2017-07-01",
        "period_end": "2017-12-31",
        "amount_used": "280000.00",
        "summary": "研发人员薪酬18万元，样机试制10万元。",
        "file": pdf(),
    }
    data.update(over)
    return data


def _account(username: str) -> User:
    return User.objects.create_user(username, password="x-Long-pass-1", role=Role.ENTERPRISE)


@pytest.fixture(autouse=True)
def _private(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def paid(office, park_officer, finance, recompute):
    """An enterprise account's 4:3:3 agreement whose first tranche (400,000 yuan) is paid, the
    second waiting for its date and the first tranche's use-of-funds report; and another
    enterprise's, paid too."""
    limit(unit("gaoxin_park"), "500000.00")
    own = agreement(office, template="three_years_4_3_3")
    other = agreement(office, template="three_years_4_3_3")
    own.enterprise.account = _account("e1")
    own.enterprise.save()
    other.enterprise.account = _account("e2")
    other.enterprise.save()
    recompute("payouts", as_of="2017-06-30")
    for a in (own, other):
        payout = Payout.objects.get(agreement=a, tranche__sequence=1)
        services.payout_approve(actor=park_officer, payout_id=payout.pk)
        services.payout_pay(actor=finance, payout_id=payout.pk, voucher=f"CZ-{a.pk}")
    return own, other


def first(a):
    return a.tranches.get(sequence=1)


def test_the_enterprise_reports_from_its_agreement_page_and_the_officer_hears_of_it(paid, web, park_officer):
    own, _other = paid
    account = own.enterprise.account
    client = web(account)
    page = client.get("/funding/mine/").content.decode()
    url = f"/funding/mine/tranches/{first(own).pk}/use-of-funds/"
    assert url in page
    response = client.post(url, form())
    assert response.status_code == 302 and response["Location"] == "/funding/mine/"
    report = UseOfFundsReport.objects.get(tranche=first(own))
    assert report.amount_used == Decimal("280000.00") and report.period_end == date(2017, 12, 31)
    assert report.submitted_by == account and report.org_unit == own.org_unit and not report.accepted
    assert report.original_name == "资金使用明细.pdf" and report.content_type == "application/pdf"
    # Stored privately under a random name, served only through the scoped download.
    assert report.file.name.startswith(f"funding/{first(own).pk}/") and "资金" not in report.file.name
    download = client.get(f"/funding/use-of-funds/{report.pk}/file/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert client.get("/funding/mine/").content.decode().count('data-use-of-funds="submitted"') == 1
    told = park_officer.notifications.get(event="use_of_funds_submitted", channel="inbox")
    assert told.params["agreement"] == own.number and told.url == f"/funding/agreements/{own.pk}/"
    officer = web(park_officer)
    assert officer.get(f"/funding/use-of-funds/{report.pk}/file/").status_code == 200
    assert "资金使用明细.pdf" in officer.get(f"/funding/agreements/{own.pk}/").content.decode()


def test_the_officers_acceptance_meets_the_next_tranches_milestone_at_the_recompute(paid, web, park_officer, recompute):
    own, _other = paid
    web(own.enterprise.account).post(f"/funding/mine/tranches/{first(own).pk}/use-of-funds/", form())
    second = own.tranches.get(sequence=2)
    use_of_funds = Milestone.objects.get(tranche=second, kind="use_of_funds")
    recompute("payouts", as_of="2017-06-30")
    use_of_funds.refresh_from_db()
    assert not use_of_funds.met  # submitted, not yet accepted
    report = UseOfFundsReport.objects.get(tranche=first(own))
    assert web(park_officer).post(f"/funding/use-of-funds/{report.pk}/accept/").status_code == 302
    recompute("payouts", as_of="2017-06-30")
    use_of_funds.refresh_from_db()
    assert use_of_funds.met
    assert own.enterprise.account.notifications.filter(event="use_of_funds_accepted").exists()


def test_another_enterprises_tranche_is_a_404_by_page_api_and_download(paid, web, api):
    own, other = paid
    intruder = own.enterprise.account
    theirs = first(other)
    client = web(intruder)
    assert client.get(f"/funding/mine/tranches/{theirs.pk}/use-of-funds/").status_code == 404
    assert client.post(f"/funding/mine/tranches/{theirs.pk}/use-of-funds/", form()).status_code == 404
    response = api(intruder).post("/api/v1/use-of-funds-reports/", {**form(), "tranche": theirs.pk}, format="multipart")
    assert response.status_code == 404
    assert not UseOfFundsReport.objects.exists()
    # Their report, once filed, is not the intruder's to read by list, id or file.
    services.use_of_funds_report(
        actor=other.enterprise.account,
        tranche_id=theirs.pk,
        period_start=date(2017, 7, 1),
        period_end=date(2017, 12, 31),
        amount_used=Decimal("1"),
        summary="x",
        upload=pdf(),
    )
    report = UseOfFundsReport.objects.get()
    assert client.get(f"/funding/use-of-funds/{report.pk}/file/").status_code == 404
    assert api(intruder).get(f"/api/v1/use-of-funds-reports/{report.pk}/").status_code == 404
    assert api(intruder).get("/api/v1/use-of-funds-reports/").json()["count"] == 0
    # The officers' own form and the back office's pages stay closed to an enterprise account.
    assert client.post(f"/funding/tranches/{theirs.pk}/use-of-funds/", form()).status_code == 404
    assert client.post(f"/funding/tranches/{first(own).pk}/use-of-funds/", form()).status_code == 404
    assert client.post(f"/funding/use-of-funds/{report.pk}/accept/").status_code == 404


def test_a_talent_founder_and_an_officer_cannot_report_for_the_enterprise(paid, web, park_officer):
    own, _other = paid
    url = f"/funding/mine/tranches/{first(own).pk}/use-of-funds/"
    assert web(park_officer).get(url).status_code == 404
    talent = User.objects.create_user("t1", password="x-Long-pass-1", role=Role.TALENT)
    own.talent.account = talent
    own.talent.save()
    assert web(talent).get(url).status_code == 404
    assert not UseOfFundsReport.objects.exists()


def test_the_api_files_a_report_for_an_own_paid_tranche(paid, api):
    own, _other = paid
    response = api(own.enterprise.account).post(
        "/api/v1/use-of-funds-reports/", {**form(), "tranche": first(own).pk}, format="multipart"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["amount_used"] == "280000.00" and body["org_unit"] == "gaoxin_park" and body["accepted"] is False
    assert api(own.enterprise.account).get("/api/v1/use-of-funds-reports/").json()["count"] == 1


@pytest.mark.parametrize(
    ("over", "message", "code"),
    [
        ({"file": pdf("明细.docx")}, "文件类型不符", "file_type"),
        ({"file": pdf("明细.pdf", b"PK\x03\x04 not a pdf")}, "", "file_forged"),
        ({"period_end": "2017-06-30"}, "", "period_order"),
        ({"amount_used": "400000.01"}, "400,000.00", "amount_above_paid"),
        ({"summary": "   "}, "", "summary_missing"),
    ],
)
def test_bad_input_is_refused_with_its_reason_and_nothing_is_saved(paid, web, over, message, code, tmp_path):
    own, _other = paid
    response = web(own.enterprise.account).post(f"/funding/mine/tranches/{first(own).pk}/use-of-funds/", form(**over))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not UseOfFundsReport.objects.exists()
    assert not list((tmp_path / "private").rglob("*.*"))
    kwargs = {k: v for k, v in form(**over).items() if k != "file"}
    kwargs.update(
        period_start=date.fromisoformat(kwargs["period_start"]),
        period_end=date.fromisoformat(kwargs["period_end"]),
        amount_used=Decimal(kwargs["amount_used"]),
    )
    with raises_domain(code):
        services.use_of_funds_report(
            actor=own.enterprise.account, tranche_id=first(own).pk, upload=form(**over)["file"], **kwargs
        )


def test_a_file_above_the_limit_is_refused(paid, web, settings):
    own, _other = paid
    settings.TALENTS_ATTACHMENT_MAX_BYTES = 1024
    big = pdf(content=PDF + b"0" * 2048)
    response = web(own.enterprise.account).post(f"/funding/mine/tranches/{first(own).pk}/use-of-funds/", form(file=big))
    assert response.status_code == 400 and "MB" in response.content.decode()
    assert not UseOfFundsReport.objects.exists()


def test_an_unpaid_tranche_and_a_second_report_are_refused(paid, web):
    own, _other = paid
    client = web(own.enterprise.account)
    second = own.tranches.get(sequence=2)
    response = client.post(f"/funding/mine/tranches/{second.pk}/use-of-funds/", form())
    assert response.status_code == 400 and "尚未拨付" in response.content.decode()
    assert not UseOfFundsReport.objects.exists()
    with raises_domain("tranche_not_paid"):
        services.use_of_funds_report(
            actor=own.enterprise.account,
            tranche_id=second.pk,
            period_start=date(2017, 7, 1),
            period_end=date(2017, 12, 31),
            amount_used=Decimal("1"),
            summary="x",
            upload=pdf(),
        )
    assert client.post(f"/funding/mine/tranches/{first(own).pk}/use-of-funds/", form()).status_code == 302
    again = client.post(f"/funding/mine/tranches/{first(own).pk}/use-of-funds/", form(summary="第二份"))
    assert again.status_code == 400 and "已于" in again.content.decode()
    report = UseOfFundsReport.objects.get()
    assert report.summary.startswith("研发人员薪酬")
    with raises_domain("report_exists"):
        services.use_of_funds_report(
            actor=own.enterprise.account,
            tranche_id=first(own).pk,
            period_start=date(2017, 7, 1),
            period_end=date(2017, 12, 31),
            amount_used=Decimal("1"),
            summary="第二份",
            upload=pdf(),
        )
    assert UseOfFundsReport.objects.count() == 1
