"""The one writer of every CSV and XLSX file the portal hands out (issue 15, items 1 and 11).

Every export, the import template included, describes its tables as ``Sheet``\\ s of typed
``Column``\\ s and lets this module write them, so that what holds for one export holds for all:

- Text that a spreadsheet program would run as a formula (beginning with ``=``, ``+``, ``-``,
  ``@``, a tab or a carriage return) is written with a leading apostrophe, in CSV and XLSX
  alike: an enterprise renamed ``=HYPERLINK(…)`` reads as that text, never as a live formula.
  Characters XML cannot carry are dropped rather than failing the whole file.
- Numbers stay numbers (a negative amount is not "neutralised"), dates are date cells, years
  whole numbers, money a number with two places and its unit (yuan) in the column's heading.
- Each XLSX sheet prints landscape on A4, one page wide, with its heading rows repeated on
  every page; code columns are narrow.

CSV files carry a byte-order mark so that Excel reads the Chinese as UTF-8.
"""

import csv
import datetime
import io
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from .http import content_disposition

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")

# Column kinds: how a value is written and how wide its column is.
TEXT, CODE, DATE, YEAR, COUNT, MONEY, NUMBER = "text", "code", "date", "year", "count", "money", "number"

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
NUMBER_FORMATS = {MONEY: MONEY_FORMAT, DATE: DATE_FORMAT, YEAR: "0", COUNT: "#,##0"}
# Widths in characters (a Chinese character counts two); text columns fit their content.
FIXED_WIDTHS = {CODE: 12, DATE: 11, YEAR: 7, COUNT: 9, MONEY: 16, NUMBER: 10}
MAX_TEXT_WIDTH = 40
WIDTH_SAMPLE_ROWS = 200
A4 = 9  # the paperSize code of A4 (openpyxl's write-only sheets lack the named constant)


@dataclass(frozen=True)
class Column:
    heading: object
    kind: str = TEXT

    def title(self) -> str:
        heading = str(self.heading)
        # Money says its unit, unless the heading names it already (the import template's 销售收入（元）).
        if self.kind == MONEY and not any(unit in heading for unit in ("元", "yuan")):
            return _("%(figure)s (yuan)") % {"figure": heading}
        return heading


@dataclass
class Sheet:
    """One table: a title (the sheet's name in XLSX, a line above the table in a multi-table
    CSV), its columns (a plain heading is a text column) and its rows (any iterable)."""

    title: object
    columns: Sequence[Column | object]
    rows: Iterable[Sequence] = field(default_factory=list)

    def typed_columns(self) -> list[Column]:
        return [c if isinstance(c, Column) else Column(c) for c in self.columns]


def neutralise(text: str) -> str:
    """Text as a spreadsheet shows it and never runs it."""
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def cell_value(value, kind: str = TEXT):
    """A Python value as a spreadsheet value: numbers, dates or neutralised text (or None)."""
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        if not value.is_finite():
            return str(value)
        return value.quantize(Decimal("0.01")) if kind == MONEY else value
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None)
    if isinstance(value, datetime.date):
        return value
    text = str(value)
    if kind == YEAR and text.isdigit():
        return int(text)
    return neutralise(text)


def _csv_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def write_csv(sheets: Sequence[Sheet], heading: object = None) -> bytes:
    """One table as a plain CSV; several (or a heading) one after the other, each under its title."""
    out = io.StringIO()
    writer = csv.writer(out)
    titled = heading is not None or len(sheets) > 1
    if heading is not None:
        writer.writerow([neutralise(str(heading))])
    for sheet in sheets:
        columns = sheet.typed_columns()
        if titled:
            writer.writerow([])
            writer.writerow([neutralise(str(sheet.title))])
        writer.writerow([neutralise(c.title()) for c in columns])
        for row in sheet.rows:
            writer.writerow([_csv_text(cell_value(v, c.kind)) for c, v in zip(columns, row, strict=False)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _text_width(value) -> int:
    text = str(value or "")
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _sheet_title(title: object, taken: set[str]) -> str:
    # At most 31 characters and none of []:*?/\ (Excel's rules), unique in the book.
    base = str(title).translate(str.maketrans("", "", "[]:*?/\\")).strip("'")[:31] or "Sheet"
    name, n = base, 1
    while name.lower() in taken:
        n += 1
        name = f"{base[: 31 - len(str(n)) - 1]} {n}"
    taken.add(name.lower())
    return name


def write_xlsx(sheets: Sequence[Sheet], heading: object = None) -> bytes:
    """Each table on its own sheet, written as it streams (write-only mode)."""
    book = Workbook(write_only=True)
    taken: set[str] = set()
    bold = Font(bold=True)
    for sheet in sheets:
        columns = sheet.typed_columns()
        ws = book.create_sheet(_sheet_title(sheet.title, taken))
        rows = iter(sheet.rows)
        sample = [list(r) for r in itertools.islice(rows, WIDTH_SAMPLE_ROWS)]
        # Write-only sheets take their columns, freeze panes and print setup before any row.
        for index, column in enumerate(columns, start=1):
            if column.kind in FIXED_WIDTHS:
                width = max(FIXED_WIDTHS[column.kind], min(_text_width(column.title()), 2 * FIXED_WIDTHS[column.kind]))
            else:
                seen = [_text_width(column.title())] + [_text_width(r[index - 1]) for r in sample if len(r) >= index]
                width = min(max(seen) + 2, MAX_TEXT_WIDTH)
            ws.column_dimensions[get_column_letter(index)].width = width
        header_row = 2 if heading is not None else 1
        ws.freeze_panes = f"A{header_row + 1}"
        ws.print_title_rows = f"1:{header_row}"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        if heading is not None:
            title_cell = WriteOnlyCell(ws, value=neutralise(str(heading)))
            title_cell.font = bold
            ws.append([title_cell])
        header = []
        for column in columns:
            cell = WriteOnlyCell(ws, value=neutralise(column.title()))
            cell.font = bold
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            header.append(cell)
        ws.append(header)
        for row in itertools.chain(sample, rows):
            cells = []
            for column, value in zip(columns, row, strict=False):
                cell = WriteOnlyCell(ws, value=cell_value(value, column.kind))
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # text is text, whatever it begins with
                elif cell.value is not None:
                    number_format = NUMBER_FORMATS.get(column.kind)
                    if column.kind == MONEY and not isinstance(cell.value, Decimal):
                        number_format = "#,##0"  # a count in a money table (the agreements)
                    if isinstance(cell.value, datetime.datetime):
                        number_format = "yyyy-mm-dd hh:mm"
                    elif isinstance(cell.value, datetime.date):
                        number_format = DATE_FORMAT
                    elif isinstance(cell.value, Decimal) and number_format is None:
                        # Two places shown as written (a score, or money in a mixed figures column).
                        number_format = "0.00" if cell.value.as_tuple().exponent == -2 else None
                    if number_format:
                        cell.number_format = number_format
                cells.append(cell)
            ws.append(cells)
    if not sheets:
        book.create_sheet("Sheet")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_response(name: str, sheets: Sequence[Sheet], fmt: str, heading: object = None) -> HttpResponse:
    """The download of ``sheets`` as ``name.csv`` or ``name.xlsx``; ``fmt`` is one of FORMATS."""
    if fmt == "xlsx":
        response = HttpResponse(write_xlsx(sheets, heading), content_type=XLSX_TYPE)
    else:
        response = HttpResponse(write_csv(sheets, heading), content_type=CSV_TYPE)
    response["Content-Disposition"] = content_disposition(f"{name}.{fmt}")
    return response
