"""Hostile files: the operating-data import (an .xlsx is a zip) and the application attachments fed
broken, huge, compressed-bomb, entity-bomb, formula-laden, wrong-encoding and wrong-type files.
Each is refused with a clear message within bounded time and memory, and nothing is imported or
stored. (tests/enterprises/test_import.py and tests/talents/test_refusals.py already cover the plain
cases: not a zip, over 2 MB, formulas, wrong headers, .exe renamed .pdf, over the size limit.)"""

import io
import time
import tracemalloc
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from enterprises import imports
from enterprises.models import OperatingReport, ReportImport
from qinhuai_talent.core.errors import DomainError
from qinhuai_talent.core.models import User
from talents import services as talent_services
from talents.models import Attachment, DocumentKind
from tests.domain import raises_domain
from tests.enterprises.factories import EnterpriseFactory
from tests.talents.factories import ApplicationFactory, CallFactory

pytestmark = pytest.mark.django_db

SECONDS = 10.0  # on a shared two-core machine; a refusal usually takes well under one
PEAK_BYTES = 64 * 1024 * 1024  # Python allocations while refusing one file


def _bounded(call):
    """Run ``call``; return (what it returned or raised, seconds, peak bytes allocated)."""
    tracemalloc.start()
    started = time.monotonic()
    try:
        outcome = call()
    except DomainError as exc:
        outcome = exc
    finally:
        seconds = time.monotonic() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert seconds < SECONDS, f"took {seconds:.1f} s"
    assert peak < PEAK_BYTES, f"peaked at {peak / 1048576:.0f} MB"
    return outcome


def _workbook_zip(sheet_xml: bytes, *, declared_size: int | None = None) -> bytes:
    """A minimal .xlsx whose first sheet is ``sheet_xml``; ``declared_size`` lies about its size."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        )
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    data = buffer.getvalue()
    if declared_size is not None:
        data = _lie_about_size(data, "xl/worksheets/sheet1.xml", declared_size)
    return data


def _lie_about_size(data: bytes, name: str, size: int) -> bytes:
    """Rewrite the uncompressed size of ``name`` in its local header and the central directory."""
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        info = z.getinfo(name)
    local = info.header_offset
    out[local + 22 : local + 26] = size.to_bytes(4, "little")
    marker = name.encode()
    at = bytes(out).find(marker, local + 30 + len(marker))
    record = at - 46
    assert out[record : record + 4] == b"PK\x01\x02"
    out[record + 24 : record + 28] = size.to_bytes(4, "little")
    return bytes(out)


def _sheet(rows: str) -> bytes:
    return (
        '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{rows}</sheetData></worksheet>"
    ).encode()


@pytest.fixture
def importer(units, office):
    EnterpriseFactory()

    def check(data: bytes, name: str = "data.xlsx"):
        return _bounded(lambda: imports.report_import_check(actor=office, org_unit=None, file_name=name, data=data))

    return check


def _nothing_imported():
    assert not OperatingReport.objects.exists()
    assert not ReportImport.objects.filter(state="previewed").exists()


def test_a_compression_bomb_is_refused_before_it_is_unpacked(importer):
    # 200 MB of one repeated row compresses to a few hundred kilobytes.
    row = '<row><c t="inlineStr"><is><t>' + "0" * 1000 + "</t></is></c></row>"
    bomb = _workbook_zip(_sheet(row * 200_000))
    assert len(bomb) < imports.MAX_UPLOAD_BYTES
    outcome = importer(bomb)
    assert isinstance(outcome, DomainError) and outcome.field == "file"
    _nothing_imported()


def test_a_bomb_that_lies_about_its_unpacked_size_is_refused(importer):
    row = '<row><c t="inlineStr"><is><t>' + "0" * 1000 + "</t></is></c></row>"
    bomb = _workbook_zip(_sheet(row * 200_000), declared_size=10_000)
    outcome = importer(bomb)
    assert isinstance(outcome, DomainError) or outcome.state == "rejected"
    _nothing_imported()


def test_an_entity_expansion_bomb_is_refused(importer):
    lol = '<!DOCTYPE lolz [<!ENTITY lol "lollollollollollollollollollol">'
    for i in range(1, 9):
        lol += f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
    lol += "]>"
    xml = (
        f'<?xml version="1.0"?>{lol}<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row><c t="inlineStr"><is><t>&lol8;</t></is></c></row></sheetData></worksheet>'
    ).encode()
    outcome = importer(_workbook_zip(xml))
    assert isinstance(outcome, DomainError) or outcome.state == "rejected"
    _nothing_imported()


def test_a_damaged_workbook_is_refused(importer):
    good = _workbook_zip(_sheet('<row><c t="inlineStr"><is><t>x</t></is></c></row>'))
    for broken in (good[: len(good) // 2], good.replace(b"worksheets/sheet1.xml", b"worksheets/sheetX.xml")):
        outcome = importer(broken)
        assert isinstance(outcome, DomainError), outcome
        assert outcome.field == "file"
    _nothing_imported()


@pytest.mark.parametrize(
    "name, data",
    [
        ("经营数据.csv", "统一社会信用代码,年度,季度\n91320104MA00000001,2017,2\n".encode("gbk")),
        ("经营数据.xlsx", "统一社会信用代码,年度,季度\n91320104MA00000001,2017,2\n".encode("gb18030")),
        ("report.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512),  # the old binary Excel
        ("report.xlsx", b"\xef\xbb\xbf" + "代码\t年度\n".encode("utf-16")),
        ("empty.xlsx", b""),
    ],
    ids=["gbk-csv", "gb18030-text-named-xlsx", "old-xls", "utf16-text", "empty"],
)
def test_a_csv_or_wrong_type_file_is_a_clear_error(importer, name, data):
    outcome = importer(data, name)
    assert isinstance(outcome, DomainError)
    assert "Excel" in str(outcome.message)
    _nothing_imported()


def test_formula_and_dde_payloads_are_refused_row_by_row(importer, units):
    from enterprises.models import Enterprise

    code = Enterprise.objects.get().credit_code
    cells = "".join(f'<c t="inlineStr"><is><t>{h}</t></is></c>' for h in imports.HEADERS)
    payloads = ["=cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "+1+1"]
    rows = f"<row>{cells}</row>"
    for n, payload in enumerate(payloads):
        rows += (
            f'<row><c t="inlineStr"><is><t>{code}</t></is></c><c/><c><v>{2015 + n}</v></c><c><v>1</v></c>'
            f"<c><f>{payload}</f></c></row>"
        )
    outcome = importer(_workbook_zip(_sheet(rows)))
    assert not isinstance(outcome, DomainError)
    assert outcome.state == "rejected" and outcome.rows == []
    _nothing_imported()


def test_the_upload_page_answers_400_to_a_bomb(web, office, units):
    row = '<row><c t="inlineStr"><is><t>' + "0" * 1000 + "</t></is></c></row>"
    bomb = SimpleUploadedFile("bomb.xlsx", _workbook_zip(_sheet(row * 200_000)))
    started = time.monotonic()
    response = web(office).post("/enterprises/imports/", {"file": bomb})
    assert response.status_code == 400
    assert time.monotonic() - started < SECONDS
    _nothing_imported()


# ------------------------------------------------- the work an upload may cost (issue 15, item 4)

SST_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _with_shared_strings(sheet_xml: bytes, sst_xml: bytes) -> bytes:
    """A workbook whose sheet refers to a shared-strings part (written as Excel writes it)."""
    data = _workbook_zip(sheet_xml)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "xl/_rels/workbook.xml.rels":
                body = body.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                    b'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
                )
            z.writestr(info.filename, body)
        z.writestr("xl/sharedStrings.xml", sst_xml)
    return out.getvalue()


def _sst(entries: int, prefix: str = "") -> bytes:
    p = f"{prefix}:" if prefix else ""
    xmlns = f"xmlns:{prefix}" if prefix else "xmlns"
    items = f"<{p}si><{p}t>a</{p}t></{p}si>" * entries
    return f'<?xml version="1.0"?><{p}sst {xmlns}="{SST_NS}" count="{entries}">{items}</{p}sst>'.encode()


def _refused_as_too_costly(outcome) -> None:
    assert isinstance(outcome, DomainError), outcome
    assert (outcome.field, outcome.code) == ("file", "too_costly")


def _timed_refusal(importer, data: bytes, label: str) -> float:
    """Refused within the memory bound (``importer`` traces allocations), and how long the refusal
    takes without the tracing, as a worker would spend it."""
    _refused_as_too_costly(importer(data))
    office = User.objects.get(username="office")
    started = time.monotonic()
    with raises_domain("too_costly") as refused:
        imports.report_import_check(actor=office, org_unit=None, file_name="x.xlsx", data=data)
    seconds = time.monotonic() - started
    _refused_as_too_costly(refused.value)
    print(f"refused {label} ({len(data) / 1024:.0f} KB packed) in {seconds:.2f} s")
    _nothing_imported()
    return seconds


def test_the_issues_shared_strings_file_is_refused_at_once(importer):
    # The file of the issue: 2.3 million shared strings, about 39 MB unpacked, about 100 KB packed.
    bomb = _with_shared_strings(_sheet('<row><c t="s"><v>0</v></c></row>'), _sst(2_300_000))
    assert len(bomb) < imports.MAX_UPLOAD_BYTES
    assert _timed_refusal(importer, bomb, "2.3 million shared strings") < 2.0


@pytest.mark.parametrize("prefix", ["", "x"])
def test_too_many_shared_strings_within_the_size_limit_are_refused(importer, prefix):
    entries = imports.MAX_SHARED_STRINGS + 1
    bomb = _with_shared_strings(_sheet('<row><c t="s"><v>0</v></c></row>'), _sst(entries, prefix))
    with zipfile.ZipFile(io.BytesIO(bomb)) as z:
        assert sum(i.file_size for i in z.infolist()) < imports.MAX_UNZIPPED_BYTES, "under the size cap"
    assert _timed_refusal(importer, bomb, f"{entries:,} shared strings, prefix {prefix!r}") < 2.0


@pytest.mark.parametrize("shape", ["one-wide-row", "many-rows"])
def test_a_cell_bomb_within_the_size_limit_is_refused(importer, shape):
    cells = imports.MAX_CELLS + 1
    if shape == "one-wide-row":
        rows = "<row>" + "<c><v>1</v></c>" * cells + "</row>"
    else:
        rows = "<row><c><v>1</v></c><c><v>1</v></c></row>" * (cells // 2 + 1)
    bomb = _workbook_zip(_sheet(rows))
    assert _timed_refusal(importer, bomb, f"a cell bomb ({shape})") < 2.0


def test_a_workbook_with_a_dtd_is_refused_before_parsing(importer):
    xml = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY c "<c><v>1</v></c>">]>'
        f'<worksheet xmlns="{SST_NS}"><sheetData><row>' + "&c;" * 1000 + "</row></sheetData></worksheet>"
    ).encode()
    _refused_as_too_costly(importer(_workbook_zip(xml)))
    _nothing_imported()


def test_reading_past_the_time_allowed_is_refused(importer, monkeypatch):
    cells = "".join(f'<c t="inlineStr"><is><t>{h}</t></is></c>' for h in imports.HEADERS)
    data = _workbook_zip(_sheet(f"<row>{cells}</row>" + "<row><c><v>1</v></c></row>" * 10))
    monkeypatch.setattr(imports, "MAX_PARSE_SECONDS", -1.0)
    _refused_as_too_costly(importer(data))
    _nothing_imported()


def test_a_full_template_is_within_every_bound(units, office):
    """The limits leave room for what the portal asks for: 5,000 rows of the template."""
    from qinhuai_talent.core.spreadsheets import Sheet, write_xlsx

    enterprise = EnterpriseFactory()
    code = enterprise.credit_code
    amounts = [Decimal("1234567.89")] * 4
    rows = [[code, enterprise.name, 2010 + n // 4, n % 4 + 1, *amounts, 12, 10, 1000, 3, 1] for n in range(5000)]
    data = write_xlsx([Sheet("经营数据", imports._columns(), rows)])
    started = time.monotonic()
    outcome = imports.report_import_check(actor=office, org_unit=None, file_name="full.xlsx", data=data)
    print(f"a full template (5,000 rows, {len(data) / 1024:.0f} KB) read in {time.monotonic() - started:.2f} s")
    assert isinstance(outcome, ReportImport)  # read to the end and checked row by row, not refused


def test_the_upload_page_answers_a_shared_strings_bomb_with_a_400_in_the_users_language(web, office, units):
    bomb = _with_shared_strings(_sheet('<row><c t="s"><v>0</v></c></row>'), _sst(2_300_000))
    response = web(office).post(
        "/enterprises/imports/", {"file": SimpleUploadedFile("bomb.xlsx", bomb)}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 400
    assert "工作簿" in response.content.decode()
    _nothing_imported()


# ---------------------------------------------------------------- attachments


@pytest.fixture
def attach(units, street_officer, tmp_path, settings):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    app = ApplicationFactory(call=CallFactory())

    def add(name: str, content: bytes):
        upload = SimpleUploadedFile(name, content, content_type="application/pdf")
        return _bounded(
            lambda: talent_services.attachment_add(
                actor=street_officer, application_id=app.pk, kind=DocumentKind.BUSINESS_PLAN, upload=upload
            )
        )

    add.root = settings.PRIVATE_MEDIA_ROOT
    return add


@pytest.mark.parametrize(
    "name, content",
    [
        ("计划书.pdf", b""),  # empty
        ("计划书.pdf", b"PK\x03\x04" + b"\x00" * 100),  # a zip (or .docx) named .pdf
        ("计划书.pdf", "%PDF 乱码".encode("gbk")[1:]),  # a PDF with its header cut off
        ("photo.png", b"\xff\xd8\xff\xe0 a jpeg named png"),
        ("计划书.pdf.exe", b"%PDF-1.7 but an exe name"),
        ("计划书.html", b"<script>alert(1)</script>"),
        ("计划书.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
        ("计划书", b"%PDF-1.7 no extension"),
    ],
    ids=["empty", "zip-as-pdf", "cut-header", "jpeg-as-png", "double-ext", "html", "svg", "no-ext"],
)
def test_a_wrong_type_attachment_is_refused_and_not_stored(attach, name, content):
    outcome = attach(name, content)
    assert isinstance(outcome, DomainError) and outcome.field == "file"
    assert name in str(outcome.message)
    assert not Attachment.objects.exists()
    assert not any(p.is_file() for p in attach.root.rglob("*")) if attach.root.exists() else True


def test_a_huge_attachment_is_refused_without_being_read(attach, settings):
    settings.TALENTS_ATTACHMENT_MAX_BYTES = 1024 * 1024
    outcome = attach("计划书.pdf", b"%PDF-1.7\n" + b"0" * (3 * 1024 * 1024))
    assert isinstance(outcome, DomainError) and "MB" in str(outcome.message)
    assert not Attachment.objects.exists()


def test_an_attachment_name_cannot_climb_out_of_the_private_store(attach):
    attachment = attach("../../../../etc/cron.d/计划书.pdf", b"%PDF-1.7\n%%EOF")
    assert isinstance(attachment, Attachment)
    stored = attach.root.resolve()
    assert stored in (attach.root / attachment.file.name).resolve().parents
    assert attachment.original_name == "计划书.pdf"
