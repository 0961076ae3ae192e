"""The spreadsheet import: template, row-by-row errors, nothing imported from a bad file, all-or-nothing."""

import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from enterprises import imports
from enterprises.models import Enterprise, ImportState, OperatingReport, ReportImport
from qinhuai_talent.core.errors import ActionNotAllowed, DomainError
from qinhuai_talent.core.models import Job
from qinhuai_talent.core.spreadsheets import XLSX_TYPE
from tests.domain import raises_domain

from .factories import ReportFactory, credit_code

pytestmark = pytest.mark.django_db


def xlsx(rows, headers=None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(headers if headers is not None else imports.HEADERS)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def row(enterprise, year=2017, quarter=2, sales=1_500_000, revenue=1_200_000, **kw):
    values = {
        "net_profit": 100_000,
        "tax_paid": 60_000,
        "employees": 30,
        "insured": 28,
        "rnd": 150_000,
        "filed": 2,
        "granted": 1,
    }
    values.update(kw)
    code = enterprise if isinstance(enterprise, str) else enterprise.credit_code
    return [
        code,
        "某某科技" if isinstance(enterprise, str) else enterprise.name,
        year,
        quarter,
        sales,
        revenue,
        values["net_profit"],
        values["tax_paid"],
        values["employees"],
        values["insured"],
        values["rnd"],
        values["filed"],
        values["granted"],
    ]


def check(user, data, unit=None, name="data.xlsx"):
    return imports.report_import_check(actor=user, org_unit=unit, file_name=name, data=data)


def errors_of(batch):
    return [(e["row"], e["message"]) for e in batch.errors]


def test_template_has_the_chinese_headers_and_the_units_enterprises(
    web, park_officer, park_enterprise, street_enterprise
):
    response = web(park_officer).get("/enterprises/imports/template.xlsx")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == imports.HEADERS and rows[0][0] == "统一社会信用代码"
    assert [r[0] for r in rows[1:]] == [park_enterprise.credit_code]


def test_park_officer_imports_a_quarter_and_sees_tier_and_class_update(web, park_officer, park_enterprise, eager_jobs):
    """The issue's "done when": a bad file changes nothing; the fixed file imports; figures follow."""
    for q in range(1, 5):
        ReportFactory(enterprise=park_enterprise, year=2016, quarter=q, main_revenue=Decimal(2_000_000))
    client = web(park_officer)
    bad = xlsx([row(park_enterprise, quarter=1, revenue=-5), row(credit_code(777), quarter=1)])
    response = client.post("/enterprises/imports/", {"org_unit": park_officer.org_unit_id, "file": _upload(bad)})
    batch = ReportImport.objects.get()
    assert response.status_code == 302 and batch.state == ImportState.REJECTED
    page = client.get(f"/enterprises/imports/{batch.pk}/")
    assert "row" in page.content.decode() or "行" in page.content.decode()
    assert [e["row"] for e in batch.errors] == [2, 3]
    assert OperatingReport.objects.filter(year=2017).count() == 0

    good = xlsx([row(park_enterprise, quarter=q, revenue=3_000_000, employees=40, insured=38) for q in (1, 2)])
    client.post("/enterprises/imports/", {"org_unit": park_officer.org_unit_id, "file": _upload(good)})
    batch = ReportImport.objects.latest("pk")
    assert batch.state == ImportState.PREVIEWED and batch.row_count == 2
    with eager_jobs():
        response = client.post(f"/enterprises/imports/{batch.pk}/confirm/")
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.state == ImportState.IMPORTED and batch.created_reports == 2
    park_enterprise.refresh_from_db()
    assert park_enterprise.cumulative_revenue == Decimal(14_000_000)
    assert park_enterprise.revenue_tier == "10m"
    assert park_enterprise.enterprise_class == "high_growth"  # 6M in H1 2017 against 4M in H1 2016
    assert Job.objects.filter(kind="recompute_enterprise_figures", state="succeeded").exists()


def _upload(data, name="data.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type=XLSX_TYPE)


def test_a_row_for_a_reported_period_is_a_correction_keeping_the_earlier_version(office, park_enterprise):
    ReportFactory(enterprise=park_enterprise, year=2017, quarter=2, sales=Decimal(1000))
    batch = check(office, xlsx([row(park_enterprise)]))
    imports.report_import_confirm(actor=office, batch=batch)
    versions = list(
        OperatingReport.objects.filter(enterprise=park_enterprise, year=2017, quarter=2)
        .order_by("version")
        .values_list("version", "is_current", "sales")
    )
    assert versions == [(1, False, Decimal("1000.00")), (2, True, Decimal("1500000.00"))]
    batch.refresh_from_db()
    assert batch.corrected_reports == 1 and batch.created_reports == 0


def test_confirming_twice_imports_once(office, park_enterprise):
    batch = check(office, xlsx([row(park_enterprise)]))
    imports.report_import_confirm(actor=office, batch=batch)
    with pytest.raises(DomainError):
        imports.report_import_confirm(actor=office, batch=batch)
    assert OperatingReport.objects.count() == 1


def test_a_bad_file_imports_nothing_and_cannot_be_confirmed(office, park_enterprise):
    batch = check(office, xlsx([row(park_enterprise), row(park_enterprise, sales="abc", quarter=3)]))
    assert batch.state == ImportState.REJECTED and batch.rows == []
    with pytest.raises(DomainError):
        imports.report_import_confirm(actor=office, batch=batch)
    assert not OperatingReport.objects.exists()


def test_a_failure_during_the_import_leaves_nothing_behind(office, park_enterprise, street_enterprise, monkeypatch):
    batch = check(office, xlsx([row(park_enterprise), row(street_enterprise)]))

    def explode(**kwargs):
        raise RuntimeError("recompute could not be queued")

    monkeypatch.setattr(imports, "recompute_after_change", explode)
    with pytest.raises(RuntimeError):
        imports.report_import_confirm(actor=office, batch=batch)
    assert not OperatingReport.objects.exists()
    batch.refresh_from_db()
    assert batch.state == ImportState.PREVIEWED


@pytest.mark.parametrize(
    ("make_row", "message"),
    [
        (lambda e: row(credit_code(555)), "未知的统一社会信用代码"),
        (lambda e: row("91320104MA1234567X"), "不是有效的统一社会信用代码"),
        (lambda e: row(e, year=2013, quarter=4), "早于企业注册日期"),
        (lambda e: row(e, year=2099, quarter=1), "之间"),
        (lambda e: row(e, quarter=5), "季度"),
        (lambda e: row(e, sales=-1), "不能为负数"),
        (lambda e: row(e, sales="一百万"), "不是数字"),
        (lambda e: row(e, employees=10.5), "不是整数"),
        (lambda e: row(e, year=""), "缺少年度"),
    ],
)
def test_each_bad_row_is_reported_with_its_row_number(office, park_enterprise, make_row, message):
    batch = check(office, xlsx([row(park_enterprise, quarter=1), make_row(park_enterprise)]))
    assert batch.state == ImportState.REJECTED
    assert [r for r, _m in errors_of(batch)] == [3]
    assert message.lower() in errors_of(batch)[0][1].lower()
    # Every error names the enterprise as well as the row: its registered name, or the row's own.
    assert batch.errors[0]["enterprise"] in (park_enterprise.name, "某某科技")


@pytest.mark.parametrize("quarter", ["一季度", 1.5, 5, 0])
def test_a_quarter_error_is_reported_under_the_quarter_column(office, park_enterprise, quarter):
    batch = check(office, xlsx([row(park_enterprise, quarter=quarter)]))
    assert [(e["row"], e["column"], e["enterprise"]) for e in batch.errors] == [
        (2, "季度（年报留空）", park_enterprise.name)
    ]


def test_a_period_not_yet_ended_is_reported(office, park_enterprise):
    today = datetime.date.today()
    batch = check(office, xlsx([row(park_enterprise, year=today.year, quarter=(today.month - 1) // 3 + 1)]))
    assert "尚未结束" in errors_of(batch)[0][1]


def test_a_duplicate_row_names_the_first_one(office, park_enterprise):
    batch = check(office, xlsx([row(park_enterprise), row(park_enterprise, sales=2)]))
    assert errors_of(batch) == [(3, "重复行：企业和期间与第 2 行相同。")]


def test_an_officer_cannot_import_another_units_enterprise(park_officer, park_enterprise, street_enterprise):
    batch = check(park_officer, xlsx([row(street_enterprise)]), unit=park_officer.org_unit)
    assert "未知的统一社会信用代码" in errors_of(batch)[0][1]


def test_an_officer_cannot_import_for_another_unit_or_the_district(park_officer, street_enterprise):
    with pytest.raises(ActionNotAllowed):
        check(park_officer, xlsx([row(street_enterprise)]), unit=street_enterprise.org_unit)
    with pytest.raises(ActionNotAllowed):
        check(park_officer, xlsx([row(street_enterprise)]))


def test_wrong_headers_are_reported_and_no_row_is_read(office, park_enterprise):
    batch = check(office, xlsx([row(park_enterprise)], headers=["代码", "年度", "销售"]))
    assert batch.state == ImportState.REJECTED
    assert len(batch.errors) == 1 and "表头" in batch.errors[0]["message"]


def test_a_formula_is_refused(office, park_enterprise):
    batch = check(office, xlsx([row(park_enterprise, sales="=1000*1000")]))
    assert errors_of(batch) == [(2, "单元格含有公式，请只粘贴数值。")]
    assert batch.errors[0]["column"] == "销售收入（元）"


def test_a_file_that_is_not_a_spreadsheet_is_refused_without_a_record(office):
    with pytest.raises(DomainError, match="不是 Excel 工作簿"):
        check(office, b"%PDF-1.4 not a workbook")
    with pytest.raises(DomainError, match="无法作为"):
        buffer = io.BytesIO()
        import zipfile

        with zipfile.ZipFile(buffer, "w") as z:
            z.writestr("hello.txt", "a zip but no workbook")
        check(office, buffer.getvalue())
    assert not ReportImport.objects.exists()


def test_an_oversized_file_is_refused(office):
    with pytest.raises(DomainError, match="超过"):
        check(office, b"PK" + b"0" * (imports.MAX_UPLOAD_BYTES + 1))


def test_too_many_rows_are_refused(office, park_enterprise, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 5)
    batch = check(office, xlsx([row(park_enterprise, year=2015 + n // 4, quarter=n % 4 + 1) for n in range(6)]))
    assert batch.state == ImportState.REJECTED and "超过 5 行" in batch.errors[-1]["message"]


def test_thousands_of_bad_rows_are_reported_briefly(office, park_enterprise):
    batch = check(office, xlsx([row(credit_code(3000 + n)) for n in range(1200)]))
    assert len(batch.errors) == imports.MAX_LISTED_ERRORS + 1
    assert "另有 1000 处" in batch.errors[-1]["message"]


def test_an_empty_file_is_reported(office):
    batch = check(office, xlsx([]))
    assert errors_of(batch) == [(None, "文件中没有数据行。")]


def test_upload_form_shows_a_refusal_as_a_400(web, park_officer):
    response = web(park_officer).post(
        "/enterprises/imports/", {"org_unit": park_officer.org_unit_id, "file": _upload(b"not a zip", "x.xlsx")}
    )
    assert response.status_code == 400 and not ReportImport.objects.exists()


def test_export_csv_and_xlsx_have_the_template_columns_and_only_the_scope(
    web, park_officer, park_enterprise, street_enterprise
):
    ReportFactory(enterprise=park_enterprise, year=2016, quarter=1)
    ReportFactory(enterprise=street_enterprise, year=2016, quarter=1)
    client = web(park_officer)
    body = client.get("/enterprises/export/?format=csv").content.decode("utf-8-sig")
    lines = body.strip().splitlines()
    assert lines[0].split(",")[0] == "统一社会信用代码" and len(lines) == 2
    assert park_enterprise.credit_code in lines[1]
    ws = load_workbook(io.BytesIO(client.get("/enterprises/export/?format=xlsx").content)).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == imports.HEADERS and len(rows) == 2


def test_an_export_reimports_cleanly(web, office, park_enterprise):
    ReportFactory(enterprise=park_enterprise, year=2016, quarter=3)
    data = web(office).get("/enterprises/export/?format=xlsx").content
    batch = check(office, data)
    assert batch.state == ImportState.PREVIEWED and batch.row_count == 1
    assert Enterprise.objects.count() == 1


def test_the_template_comes_filled_for_the_last_quarter_and_reads_whole(web, park_officer, park_enterprise):
    from openpyxl.utils import get_column_letter

    from qinhuai_talent.core import clock

    with clock.running_on(datetime.date(2018, 1, 15)):
        quarterly = web(park_officer).get("/enterprises/imports/template.xlsx")
        yearly = web(park_officer).get("/enterprises/imports/template.xlsx?period=year")
    assert "2017-Q4" in quarterly["Content-Disposition"]
    ws = load_workbook(io.BytesIO(quarterly.content)).worksheets[0]
    assert list(ws.iter_rows(min_row=2, values_only=True))[0][:4] == (
        park_enterprise.credit_code,
        park_enterprise.name,
        2017,
        4,
    )
    assert list(load_workbook(io.BytesIO(yearly.content)).worksheets[0].iter_rows(min_row=2, values_only=True))[0][
        2:4
    ] == (2017, None)
    widths = {h: ws.column_dimensions[get_column_letter(i)].width for i, h in enumerate(imports.HEADERS, start=1)}
    assert widths["统一社会信用代码"] >= len(park_enterprise.credit_code)
    assert widths["企业名称"] >= 2 * len(park_enterprise.name)  # a Chinese character is two wide


@pytest.mark.parametrize("filled", [0, 1])
def test_template_rows_left_without_figures_are_ignored(web, office, park_enterprise, street_enterprise, filled):
    """The issue's complaint: the template as downloaded gave one "缺少年度" per enterprise."""
    from qinhuai_talent.core import clock

    with clock.running_on(datetime.date(2018, 1, 15)):
        template = web(office).get("/enterprises/imports/template.xlsx").content
        book = load_workbook(io.BytesIO(template))
        ws = book.worksheets[0]
        listed = ws.max_row - 1
        for n in range(filled):
            for column, value in enumerate([1_500_000, 1_200_000, 100_000, 60_000, 30, 28, 150_000, 2, 1], start=5):
                ws.cell(row=2 + n, column=column, value=value)
        buffer = io.BytesIO()
        book.save(buffer)
        batch = check(office, buffer.getvalue())
    assert listed == 2
    if filled:
        assert batch.state == ImportState.PREVIEWED and batch.row_count == 1 and batch.skipped_rows == 1
    else:
        assert errors_of(batch) == [(None, "文件中没有数据行。")]


def test_an_implausible_figure_waits_for_the_uploaders_confirmation(web, office, park_enterprise):
    ReportFactory(enterprise=park_enterprise, year=2017, quarter=1, sales=Decimal(1_200_000))
    batch = check(office, xlsx([row(park_enterprise, quarter=2, sales=120)]))
    assert batch.state == ImportState.PREVIEWED
    assert [(w["row"], w["enterprise"], w["column"]) for w in batch.warnings] == [
        (2, park_enterprise.name, "销售收入（元）")
    ]
    assert "1,200,000.00" in batch.warnings[0]["message"] and "万元" in batch.warnings[0]["message"]
    client = web(office)
    page = client.get(f"/enterprises/imports/{batch.pk}/").content.decode()
    assert 'name="accept_warnings"' in page and "1,200,000.00" in page
    client.post(f"/enterprises/imports/{batch.pk}/confirm/")
    batch.refresh_from_db()
    assert batch.state == ImportState.PREVIEWED and OperatingReport.objects.count() == 1
    with raises_domain("warnings_unconfirmed") as refused:
        imports.report_import_confirm(actor=office, batch=batch)
    assert refused.value.code == "warnings_unconfirmed"
    imports.report_import_confirm(actor=office, batch=batch, accept_warnings=True)
    batch.refresh_from_db()
    assert batch.state == ImportState.IMPORTED and OperatingReport.objects.count() == 2


def test_a_plausible_change_gives_no_warning(office, park_enterprise):
    ReportFactory(enterprise=park_enterprise, year=2017, quarter=1, sales=Decimal(1_200_000))
    batch = check(office, xlsx([row(park_enterprise, quarter=2, sales=3_000_000)]))
    assert batch.warnings == []
