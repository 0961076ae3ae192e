"""Operating data in and out of spreadsheets: the template, the checked import, the export's table.

An upload is read in streaming mode with size, row and column limits, so that a hostile file
costs bounded time and memory; every problem is reported with its row number, and nothing is
imported unless the whole file is clean and the person confirms it.
"""

import datetime
import functools
import hashlib
import io
import re
import time
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from xml.etree import ElementTree

from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from stdnum.cn import uscc

from qinhuai_talent.core import clock
from qinhuai_talent.core.errors import ActionNotAllowed, DomainError
from qinhuai_talent.core.models import OrgUnit, User
from qinhuai_talent.core.spreadsheets import COUNT, MONEY, TEXT, YEAR, Column, Sheet, write_xlsx

from . import policies
from .models import Enterprise, ImportState, OperatingReport, PeriodKind, ReportImport
from .services import (
    REPORT_AMOUNTS,
    REPORT_COUNTS,
    amounts_check,
    period_check,
    recompute_after_change,
    report_figures_check,
)
from .workflows import IMPORT_WORKFLOW

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
# What an upload may cost, checked by a streaming scan of the zip before openpyxl parses it: a full
# template (5,000 rows of 13 columns) is about 65,000 cells and 3 MB unpacked. Beyond these the
# file is refused (issue 15, item 4: 2.3 million shared strings in 100 KB kept a worker busy 30 s).
MAX_UNZIPPED_BYTES = 16 * 1024 * 1024
MAX_CELLS = 100_000
MAX_SHARED_STRINGS = 100_000
MAX_PARSE_SECONDS = 20.0
SCAN_CHUNK = 1024 * 1024
MAX_LISTED_ERRORS = 200

# (field, header). The headers are the district's own wording, in Chinese whatever the page
# language, so that the same template circulates between the office and the units.
COLUMNS = [
    ("credit_code", "统一社会信用代码"),
    ("name", "企业名称"),
    ("year", "年度"),
    ("quarter", "季度（年报留空）"),
    ("sales", "销售收入（元）"),
    ("main_revenue", "主营业务收入（元）"),
    ("net_profit", "净利润（元）"),
    ("tax_paid", "纳税额（元）"),
    ("employees", "从业人数"),
    ("insured_employees", "社保缴纳人数"),
    ("rnd_spend", "研发投入（元）"),
    ("patents_filed", "专利申请数"),
    ("patents_granted", "专利授权数"),
]
HEADERS = [h for _f, h in COLUMNS]
FIELDS = [f for f, _h in COLUMNS]
FIGURE_FIELDS = FIELDS[4:]


@dataclass
class CheckResult:
    rows: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    error_count: int = 0
    # Rows that name an enterprise but carry no figure: the template lists every enterprise of the
    # unit, and the ones the officer has no figures for are left as they came.
    skipped: int = 0

    def add(self, row: int | None, message: str, column: str = "", enterprise: str = "") -> None:
        self.error_count += 1
        if len(self.errors) < MAX_LISTED_ERRORS:
            self.errors.append({"row": row, "enterprise": enterprise, "column": column, "message": str(message)})


# --- Template and export -------------------------------------------------------------------------


def _columns() -> list[Column]:
    # The credit code is text fitted to its 18 characters (CODE columns are the narrow unit and
    # program codes); an officer reads and copies it whole.
    kinds = {"year": YEAR, "quarter": COUNT, "employees": COUNT, "insured_employees": COUNT}
    kinds |= {f: MONEY for f in REPORT_AMOUNTS} | {f: COUNT for f in REPORT_COUNTS}
    return [Column(header, kinds.get(name, TEXT)) for name, header in COLUMNS]


def template_period(kind: str = "quarter", today: datetime.date | None = None) -> tuple[int, int | None]:
    """The period a template is for: the last quarter that has ended (``kind`` "quarter"), or the
    last whole year ("year", the quarter left empty as the yearly report asks)."""
    today = today or clock.today()
    if kind == "year":
        return today.year - 1, None
    ended = (today.month - 1) // 3  # quarters of this year already over
    return (today.year, ended) if ended else (today.year - 1, 4)


def template_xlsx(enterprises=(), period: tuple[int, int | None] | None = None) -> bytes:
    """The import template: the headers, and one row per enterprise to fill in: its code, its name
    and the period, so that only the figures are left to type. A row left without figures is
    ignored by the import."""
    year, quarter = period or template_period()
    rows = ([enterprise.credit_code, enterprise.name, year, quarter] for enterprise in enterprises)
    return write_xlsx([Sheet(_("Operating data"), _columns(), rows)])


def _export_row(report: OperatingReport) -> list:
    return [
        report.enterprise.credit_code,
        report.enterprise.name,
        report.year,
        report.quarter if report.period_kind == PeriodKind.QUARTER else "",
        *(getattr(report, f) for f in ("sales", "main_revenue", "net_profit", "tax_paid")),
        report.employees,
        report.insured_employees,
        report.rnd_spend,
        report.patents_filed,
        report.patents_granted,
    ]


def export_sheet(reports) -> Sheet:
    """The operating data in the template's columns, so that an export can be corrected and imported."""
    rows = (_export_row(report) for report in reports.iterator(chunk_size=2000))
    return Sheet(_("Operating data"), _columns(), rows)


# --- Reading and checking an upload ----------------------------------------------------------------


_ELEMENT = r"<(?:[A-Za-z_][\w.-]*:)?%s[\s/>]"
_CELL, _SHARED_STRING = re.compile(rb"%b" % (_ELEMENT % "c").encode()), re.compile(rb"%b" % (_ELEMENT % "si").encode())
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)


def _too_costly(message: str) -> DomainError:
    return DomainError(message, field="file", code="too_costly")


def _scan(archive: zipfile.ZipFile) -> None:
    """Refuse, before parsing, a workbook that would cost more than a full template: counted in the
    bytes actually unpacked (not the sizes the zip declares), its cells and shared strings."""
    if sum(info.file_size for info in archive.infolist()) > MAX_UNZIPPED_BYTES:
        raise _too_costly(_("The workbook is too large once unpacked; please split it."))
    unpacked = cells = strings = 0
    for info in archive.infolist():
        name = info.filename.lower()
        if not name.endswith((".xml", ".rels")):
            continue
        pattern = _SHARED_STRING if name.endswith("sharedstrings.xml") else _CELL if "worksheets/" in name else None
        tail = b""
        with archive.open(info) as member:
            while chunk := member.read(SCAN_CHUNK):
                unpacked += len(chunk)
                if unpacked > MAX_UNZIPPED_BYTES:
                    raise _too_costly(_("The workbook is too large once unpacked; please split it."))
                text = tail + chunk
                if _DTD.search(text):
                    # No spreadsheet program writes a DTD; entities would expand past these counts.
                    raise _too_costly(
                        _("The workbook contains markup a spreadsheet does not need; please save it again from Excel.")
                    )
                if pattern is not None:
                    found = len(pattern.findall(text)) - len(pattern.findall(tail))
                    if pattern is _CELL:
                        cells += found
                    else:
                        strings += found
                tail = text[-64:]
        if cells > MAX_CELLS:
            raise _too_costly(
                _("The workbook has more than %(max)s cells; please split it.") % {"max": f"{MAX_CELLS:,}"}
            )
        if strings > MAX_SHARED_STRINGS:
            raise _too_costly(
                _("The workbook has more than %(max)s different texts; please split it.")
                % {"max": f"{MAX_SHARED_STRINGS:,}"}
            )


def _open_workbook(data: bytes):
    if len(data) > MAX_UPLOAD_BYTES:
        raise DomainError(
            _("The file is larger than %(mb)s MB; please split it.") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)},
            field="file",
        )
    if not data or not zipfile.is_zipfile(io.BytesIO(data)):
        raise DomainError(_("The file is not an Excel workbook (.xlsx). Please use the template."), field="file")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _scan(archive)
        return load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except DomainError:
        raise
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError, ElementTree.ParseError):
        raise DomainError(
            _("The file could not be read as an Excel workbook (.xlsx). Please use the template."), field="file"
        ) from None


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _number(value, column: str) -> Decimal:
    if value is None or (isinstance(value, str) and not value.strip()):
        return Decimal(0)
    if isinstance(value, bool) or isinstance(value, datetime.date | datetime.datetime | datetime.time):
        raise DomainError(_("“%(value)s” in “%(column)s” is not a number.") % {"value": value, "column": column})
    try:
        number = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        raise DomainError(
            _("“%(value)s” in “%(column)s” is not a number.") % {"value": value, "column": column}
        ) from None
    if not number.is_finite():
        raise DomainError(_("“%(value)s” in “%(column)s” is not a number.") % {"value": value, "column": column})
    return number


def _whole(value, column: str) -> int | None:
    number = _number(value, column)
    if number != number.to_integral_value():
        raise DomainError(_("“%(value)s” in “%(column)s” is not a whole number.") % {"value": value, "column": column})
    return int(number)


def check_rows(
    rows, *, enterprises: dict[str, Enterprise], today: datetime.date | None = None, deadline: float | None = None
) -> CheckResult:
    """Check spreadsheet rows (header first). ``enterprises`` maps the credit codes the uploader
    may import for to their enterprises; any other code is reported as unknown. Reading past
    ``deadline`` (a ``time.monotonic()`` instant) refuses the file."""
    result = CheckResult()
    today = today or clock.today()
    header = next(rows, None)
    found = [_cell_text(v) for v in (header or ())]
    while found and not found[-1]:
        found.pop()
    if found != HEADERS:
        result.add(
            1,
            _("The headers do not match the template. Expected: %(expected)s. Found: %(found)s.")
            % {"expected": " | ".join(HEADERS), "found": " | ".join(found) or "—"},
        )
        return result
    seen: dict[tuple, int] = {}
    for number, raw in enumerate(rows, start=2):
        if deadline is not None and time.monotonic() > deadline:
            raise _too_costly(
                _("Reading the workbook took longer than %(s)s seconds; please split it.")
                % {"s": int(MAX_PARSE_SECONDS)}
            )
        if number > MAX_ROWS + 1:
            result.rows = []
            result.add(None, _("The file has more than %(max)s data rows; please split it.") % {"max": MAX_ROWS})
            return result
        values = list(raw[: len(COLUMNS)]) + [None] * (len(COLUMNS) - len(raw[: len(COLUMNS)]))
        if all(_cell_text(v) == "" for v in values):
            continue
        cells = dict(zip(FIELDS, values, strict=True))
        if all(_cell_text(cells[name]) == "" for name in FIGURE_FIELDS):
            result.skipped += 1
            continue
        who = _who(cells, enterprises)
        formula = next(
            (h for (f, h), v in zip(COLUMNS, values, strict=True) if isinstance(v, str) and v.startswith("=")), None
        )
        if formula:
            result.add(number, _("The cell contains a formula; please paste the values only."), formula, who)
            continue
        row, ok = _check_row(number, cells, enterprises, today, functools.partial(result.add, number, enterprise=who))
        if not ok:
            continue
        key = (row["credit_code"], row["period_kind"], row["year"], row["quarter"])
        if key in seen:
            result.add(
                number,
                _("Duplicate row: the same enterprise and period as row %(row)s.") % {"row": seen[key]},
                HEADERS[0],
                who,
            )
            continue
        seen[key] = number
        result.rows.append(row)
    if not result.rows and not result.error_count:
        result.add(None, _("The file has no data rows."))
    return result


def _who(cells: dict, enterprises: dict) -> str:
    """The enterprise a row speaks of, for its errors: its registered name when the code is one of
    the scope's, else whatever name the row gives."""
    enterprise = enterprises.get(uscc.compact(_cell_text(cells["credit_code"])))
    return enterprise.name if enterprise is not None else _cell_text(cells["name"])


def _check_row(number: int, cells: dict, enterprises: dict, today, add) -> tuple[dict, bool]:
    """One row's checks; ``add(message, column)`` reports a problem of this row."""
    header = dict(COLUMNS)
    ok = True
    code = uscc.compact(_cell_text(cells["credit_code"]))
    enterprise = None
    if not code:
        add(_("The credit code is missing."), header["credit_code"])
        ok = False
    elif not uscc.is_valid(code):
        add(_("“%(code)s” is not a valid unified social credit code.") % {"code": code}, header["credit_code"])
        ok = False
    else:
        enterprise = enterprises.get(code)
        if enterprise is None:
            add(
                _("Unknown credit code “%(code)s”: no enterprise of this import's scope has it.") % {"code": code},
                header["credit_code"],
            )
            ok = False
    year = quarter = None
    try:
        year = _whole(cells["year"], header["year"])
        if not year:
            raise DomainError(_("The year is missing."))
    except DomainError as exc:
        add(exc.message, header["year"])
        ok = False
    try:
        quarter = _whole(cells["quarter"], header["quarter"]) if _cell_text(cells["quarter"]) else None
    except DomainError as exc:
        add(exc.message, header["quarter"])
        ok = False
    period_kind = PeriodKind.YEAR if quarter is None else PeriodKind.QUARTER
    if ok and enterprise is not None:
        try:
            period_check(
                period_kind=period_kind, year=year, quarter=quarter, registered_on=enterprise.registered_on, today=today
            )
        except DomainError as exc:
            add(exc.message, header["quarter"] if exc.field == "quarter" else header["year"])
            ok = False
    figures = {}
    for name in REPORT_AMOUNTS + REPORT_COUNTS:
        try:
            if name in REPORT_COUNTS:
                figures[name] = _whole(cells[name], header[name])
            else:
                figures[name] = _number(cells[name], header[name])
            figures.update({name: amounts_check({name: figures[name]})[name]})
        except DomainError as exc:
            add(exc.message, header[name])
            ok = False
    if ok:
        # The rules between figures are the filing's own (the form and the API check the same).
        try:
            figures = report_figures_check(figures)
        except DomainError as exc:
            add(exc.message, header.get(exc.field, ""))
            ok = False
    if not ok:
        return {}, False
    row = {
        "row": number,
        "credit_code": code,
        "enterprise": enterprise.pk,
        "name": enterprise.name,
        "period_kind": period_kind,
        "year": year,
        "quarter": quarter,
        **{k: str(v) if isinstance(v, Decimal) else v for k, v in figures.items()},
    }
    return row, True


# --- Services: check an upload, confirm it ----------------------------------------------------------


def _scope_enterprises(actor: User, org_unit: OrgUnit | None) -> dict[str, Enterprise]:
    qs = Enterprise.objects.only("pk", "credit_code", "name", "registered_on", "org_unit_id")
    if org_unit is not None:
        qs = qs.filter(org_unit=org_unit)
    return {e.credit_code: e for e in qs}


def _check_may_import(actor: User, org_unit: OrgUnit | None) -> None:
    if not policies.can_import(actor):
        raise ActionNotAllowed(_("Your role may not import operating data."))
    if org_unit is None and not policies.can_import_whole_district(actor):
        raise ActionNotAllowed(_("Only the district office imports for the whole district."))
    if org_unit is not None and not policies.can_edit_unit(actor, org_unit.pk):
        raise ActionNotAllowed(_("You may only import for your own unit."))


def report_import_check(
    *, actor: User, org_unit: OrgUnit | None, file_name: str, data: bytes, today: datetime.date | None = None
) -> ReportImport:
    """Read and check an upload; record the outcome (rows to import, or the errors). Imports nothing.

    A file that cannot be read at all (not a workbook, too large) is refused with a DomainError
    and leaves no record.
    """
    _check_may_import(actor, org_unit)
    deadline = time.monotonic() + MAX_PARSE_SECONDS
    workbook = _open_workbook(data)
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(max_col=len(COLUMNS) + 5, values_only=True)
        result = check_rows(rows, enterprises=_scope_enterprises(actor, org_unit), today=today, deadline=deadline)
    except (ValueError, KeyError, TypeError, IndexError, zipfile.BadZipFile, ElementTree.ParseError):
        # ParseError: a malformed or entity-expanding sheet XML (the parser refuses the expansion).
        raise DomainError(_("The workbook is damaged and could not be read to the end."), field="file") from None
    finally:
        workbook.close()
    return IMPORT_WORKFLOW.create_record(
        actor=actor,
        action="check",
        state=ImportState.REJECTED if result.error_count else ImportState.PREVIEWED,
        org_unit=org_unit,
        file_name=file_name[:200],
        sha256=hashlib.sha256(data).hexdigest(),
        row_count=len(result.rows),
        errors=result.errors + ([{"row": None, "column": "", "message": _more(result)}] if _more(result) else []),
        warnings=[] if result.error_count else plausibility_warnings(result.rows),
        skipped_rows=result.skipped,
        rows=[] if result.error_count else result.rows,
        uploaded_by=actor,
    )


# An amount this many times larger or smaller than the same enterprise's previous report is most
# likely typed in the wrong unit (万元 for 元) or with digits missing; the uploader confirms it.
IMPLAUSIBLE_RATIO = 100
PLAUSIBILITY_AMOUNTS = ("sales", "main_revenue", "tax_paid", "rnd_spend")


def _period_label(year: int, quarter: int | None) -> str:
    if quarter:
        return _("%(year)s Q%(quarter)s") % {"year": year, "quarter": quarter}
    return _("the year %(year)s") % {"year": year}


def plausibility_warnings(rows: list[dict]) -> list[dict]:
    """Warnings for checked rows whose amounts differ from the enterprise's previous report of the
    same kind (the quarter before, or the year before) by a factor of ``IMPLAUSIBLE_RATIO`` or
    more. One query for the whole upload."""
    if not rows:
        return []
    years = {r["year"] for r in rows}
    previous: dict[tuple[int, str], list[dict]] = {}
    for report in (
        OperatingReport.objects.filter(
            enterprise_id__in={r["enterprise"] for r in rows},
            is_current=True,
            year__gte=min(years) - 1,
            year__lte=max(years),
        )
        .order_by("year", "quarter")
        .values("enterprise_id", "period_kind", "year", "quarter", *PLAUSIBILITY_AMOUNTS)
    ):
        previous.setdefault((report["enterprise_id"], report["period_kind"]), []).append(report)
    header = dict(COLUMNS)
    warnings = []
    for row in rows:
        here = (row["year"], row["quarter"] or 0)
        earlier = [
            r
            for r in previous.get((row["enterprise"], row["period_kind"]), ())
            if (r["year"], r["quarter"] or 0) < here
        ]
        if not earlier:
            continue
        before = earlier[-1]
        for name in PLAUSIBILITY_AMOUNTS:
            value, was = Decimal(row[name]), before[name]
            if value > 0 and was > 0 and max(value, was) / min(value, was) >= IMPLAUSIBLE_RATIO:
                warnings.append(
                    {
                        "row": row["row"],
                        "enterprise": row["name"],
                        "column": header[name],
                        "message": _(
                            "%(value)s yuan, against %(previous)s yuan reported for %(period)s: "
                            "please check the unit (yuan, not 10,000 yuan) and the digits."
                        )
                        % {
                            "value": f"{value:,.2f}",
                            "previous": f"{was:,.2f}",
                            "period": _period_label(before["year"], before["quarter"]),
                        },
                    }
                )
    return warnings


def _more(result: CheckResult) -> str:
    hidden = result.error_count - len(result.errors)
    if hidden <= 0:
        return ""
    return _("… and %(n)s more errors not listed.") % {"n": hidden}


@transaction.atomic
def report_import_confirm(*, actor: User, batch: ReportImport, accept_warnings: bool = False) -> ReportImport:
    """Import a checked upload whole: every row becomes the current report of its period (a row for
    a period already reported is a correction: a new version, the earlier one kept), then the
    figures are recomputed. Set-based: a fixed number of queries whatever the row count."""
    batch = ReportImport.objects.select_for_update(of=("self",)).select_related("org_unit").get(pk=batch.pk)
    _check_may_import(actor, batch.org_unit)
    if batch.state != ImportState.PREVIEWED:
        raise DomainError(_("This upload has already been imported or has errors; nothing was changed."))
    if batch.warnings and not accept_warnings:
        raise DomainError(
            _("Some figures look implausible (listed above). Check them, then confirm that they are right."),
            field="accept_warnings",
            code="warnings_unconfirmed",
        )
    scope = Enterprise.objects.filter(pk__in={r["enterprise"] for r in batch.rows})
    if batch.org_unit is not None:
        scope = scope.filter(org_unit=batch.org_unit)
    valid_ids = set(scope.values_list("pk", flat=True))
    if any(r["enterprise"] not in valid_ids for r in batch.rows):
        raise DomainError(
            _("An enterprise of this upload has left the unit since it was checked; please upload again.")
        )
    existing = {}
    for report in (
        OperatingReport.objects.filter(enterprise_id__in=valid_ids, year__in={r["year"] for r in batch.rows})
        .order_by("enterprise_id", "period_kind", "year", "quarter", "version")
        .values("pk", "enterprise_id", "period_kind", "year", "quarter", "version", "is_current")
    ):
        key = (report["enterprise_id"], report["period_kind"], report["year"], report["quarter"])
        existing[key] = report  # ordered by version: the last one kept is the latest
    superseded, new = [], []
    now = clock.now()
    for row in batch.rows:
        key = (row["enterprise"], row["period_kind"], row["year"], row["quarter"])
        previous = existing.get(key)
        if previous is not None:
            superseded.append((key, previous))
        new.append(
            OperatingReport(
                enterprise_id=row["enterprise"],
                period_kind=row["period_kind"],
                year=row["year"],
                quarter=row["quarter"],
                version=previous["version"] + 1 if previous else 1,
                is_current=True,
                submitted_by=actor,
                submitted_at=now,
                source_import=batch,
                **{name: Decimal(row[name]) for name in REPORT_AMOUNTS},
                **{name: row[name] for name in REPORT_COUNTS},
            )
        )
    if superseded:
        OperatingReport.objects.filter(pk__in=[p["pk"] for _k, p in superseded], is_current=True).update(
            is_current=False
        )
    OperatingReport.objects.bulk_create(new, batch_size=1000)
    batch.imported_at = now
    batch.created_reports = len(new) - len(superseded)
    batch.corrected_reports = len(superseded)
    IMPORT_WORKFLOW.apply(
        batch, action="import", actor=actor, extra_fields=("imported_at", "created_reports", "corrected_reports")
    )
    recompute_after_change(org_unit=batch.org_unit, requested_by=actor)
    return batch
