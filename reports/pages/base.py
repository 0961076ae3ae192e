"""What every report page is made of: columns, cells and tables shown on the page and written
to the exports, headline figures, the record list, and the page itself (``Report``)."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import DecimalField, Model, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from qinhuai_talent.core import spreadsheets
from qinhuai_talent.core.i18n import reads_chinese
from qinhuai_talent.core.models import Role, User
from qinhuai_talent.core.spreadsheets import Sheet

from .. import forms
from ..links import page_url
from ..selectors import ZERO, Scope

MONEY = DecimalField(max_digits=16, decimal_places=2)
PER_PAGE = 50

# How a column is shown: money in 万元 on the page and in yuan in the exports, 亿元 for the
# enterprises' cumulative figures as the district's report writes them.
TEXT, COUNT, MONEY_WAN, MONEY_YI, SCORE, DATE, YEAR = "text", "count", "money", "yi", "score", "date", "year"
# How each kind is written to a spreadsheet (money in yuan, as a number).
SHEET_KINDS = {
    TEXT: spreadsheets.TEXT,
    COUNT: spreadsheets.COUNT,
    MONEY_WAN: spreadsheets.MONEY,
    MONEY_YI: spreadsheets.MONEY,
    SCORE: spreadsheets.NUMBER,
    DATE: spreadsheets.DATE,
    YEAR: spreadsheets.YEAR,
}


@dataclass(frozen=True)
class Column:
    label: object
    kind: str = TEXT

    @property
    def numeric(self) -> bool:
        return self.kind != TEXT

    def heading(self, *, export: bool = False) -> str:
        if self.kind in (MONEY_WAN, MONEY_YI):
            if export:
                return _("%(figure)s (yuan)") % {"figure": self.label}
            if self.kind == MONEY_YI:
                return _("%(figure)s (100 million yuan)") % {"figure": self.label}
            return _("%(figure)s (10,000 yuan)") % {"figure": self.label}
        return str(self.label)


@dataclass
class Cell:
    value: object
    url: str = ""
    kind: str = TEXT

    def exported(self):
        if self.value is None:
            return ""
        if isinstance(self.value, date | Decimal | int):
            return self.value
        return str(self.value)


def _cells(columns: list[Column], values: Iterable) -> list[Cell]:
    cells = []
    for column, value in zip(columns, values, strict=True):
        cell = value if isinstance(value, Cell) else Cell(value)
        cell.kind = column.kind
        cells.append(cell)
    return cells


@dataclass
class Table:
    """A grouped summary (or a page of records): rows of cells, each figure linked to its records."""

    key: str
    title: object
    columns: list[Column]
    rows: list[list[Cell]] = field(default_factory=list)
    total: list[Cell] | None = None
    note: object = ""

    def add(self, *values) -> None:
        self.rows.append(_cells(self.columns, values))

    def set_total(self, *values) -> None:
        self.total = _cells(self.columns, values)

    def section(self) -> Sheet:
        rows = [[c.exported() for c in row] for row in self.rows]
        if self.total:
            rows.append([c.exported() for c in self.total])
        columns = [spreadsheets.Column(c.heading(export=True), SHEET_KINDS[c.kind]) for c in self.columns]
        return Sheet(str(self.title), columns, rows)


@dataclass
class Figure:
    """A headline figure above the tables."""

    label: object
    value: object
    kind: str = COUNT
    url: str = ""

    @property
    def heading(self) -> str:
        return Column(self.label, self.kind).heading()


@dataclass
class Records:
    """The record list: a queryset (or list) and how one record reads as a row."""

    title: object
    columns: list[Column]
    items: QuerySet | list
    row: Callable[[object], list]

    def table(self, items: Iterable) -> Table:
        table = Table("records", self.title, self.columns)
        for item in items:
            table.add(*self.row(item))
        return table


def _zh() -> bool:
    return reads_chinese()


def name_of(row: dict, prefix: str) -> str:
    """A unit's or program's name from a ``values()`` row, in the reader's language."""
    return row[f"{prefix}__name"] if _zh() else row[f"{prefix}__name_en"]


def label_of(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value or ""


def sum_money(expr: str, **filters) -> Coalesce:
    return Coalesce(Sum(expr, filter=Q(**filters) if filters else None), Value(ZERO), output_field=MONEY)


def sum_per_agreement(qs: QuerySet, expr: str) -> Coalesce:
    """A per-record sum as a subquery (kept apart from the record's own joins)."""
    sums = qs.values("agreement").annotate(s=Sum(expr)).values("s")
    return Coalesce(Subquery(sums, output_field=MONEY), Value(ZERO), output_field=MONEY)


def unit_keys(prefix: str = "org_unit") -> tuple[str, str, str]:
    return (f"{prefix}__code", f"{prefix}__name", f"{prefix}__name_en")


def quarter_range(year: int, quarter: int) -> tuple[date, date]:
    start = date(year, 3 * quarter - 2, 1)
    end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return start, end


def yes_no(value: bool) -> str:
    return pgettext("report", "Yes") if value else pgettext("report", "No")


class Report:
    """One area's report page. Subclasses say which roles read it, which form filters it, and
    what its figures, tables and record lists are."""

    key: str
    title: object
    roles: tuple[str, ...] = (Role.OFFICE, Role.LEADER, Role.FINANCE, Role.STREET, Role.PARK)
    # Templates read the class's title; they must not call the class.
    do_not_call_in_templates = True
    form_class: type[forms.ReportFilterForm]

    def __init__(self, *, user: User, scope: Scope, data: dict):
        self.user = user
        self.scope = scope
        self.data = data
        self.year: int | None = data.get("year")

    @classmethod
    def readable_by(cls, user: User) -> bool:
        return user.is_authenticated and (user.is_superuser or user.role in cls.roles)

    @property
    def url_name(self) -> str:
        return f"reports:{self.key}"

    def params(self) -> dict:
        """The filters in force, as query parameters."""
        out = {}
        for name, value in self.data.items():
            if value in (None, "", [], ()):
                continue
            if isinstance(value, Model):
                value = value.code
            elif name == "period":
                value = f"{value[0]}-Q{value[1]}"
            out[name] = value
        return out

    def url(self, **changes) -> str:
        """This page with some filters changed (``None`` drops one) and the first page of records."""
        params = {**self.params(), **changes}
        return page_url(self.url_name, **params)

    def period_label(self) -> str:
        if self.year:
            return pgettext("report period", "%(year)s") % {"year": self.year}
        return _("every year")

    def figures(self) -> list[Figure]:
        return []

    def tables(self) -> list[Table]:
        raise NotImplementedError

    def records(self) -> Records:
        raise NotImplementedError

    def sections(self) -> list[Sheet]:
        """The whole report for an export: the figures, every table, and every record listed."""
        figures = Sheet(
            pgettext("report export", "Figures"),
            [pgettext("report export", "Figure"), pgettext("report export", "Value")],
            [[Column(f.label, f.kind).heading(export=True), Cell(f.value).exported()] for f in self.figures()],
        )
        records = self.records()
        items = records.items.iterator(chunk_size=2000) if isinstance(records.items, QuerySet) else records.items
        sections = [figures] if figures.rows else []
        sections += [t.section() for t in self.tables()]
        sections.append(records.table(items).section())
        return sections
