"""Issue 17 item 6 by clicks: money reads the same everywhere. As finance, the office and a park
officer, from the login page, by clicks alone: the district dashboard and the funding report, an
agreement with its tranches, the payout queues, a payout's page, a payout's approval (its confirmation), a new
agreement's form and the Excel import's preview (the downloaded template filled with a row and
uploaded). On every page visited, in Chinese and in English:

- no bare amount: every figure that could be money (four digits or more, or a decimal) has its
  unit beside it as the portal's money formatting writes it (``format_yuan``: "480,000.00 元" /
  "480,000.00 yuan"; ``format_wan``: "48.0 万元" / "48.0 ten-thousand yuan"), or stands in a
  table column whose head names the unit. What is not money is set aside by the element it is
  in (``time``, ``code``, a ``select``'s choices, a chart's drawing, whose figures the table beside
  it repeats, or an element the portal marks ``data-not-money``: scores, years, counts), and the
  names people gave records, never by loosening the pattern;
- every money field of a form names its unit in its label.

A date (2017-09-01), a time, a year (2017年, 2017 Q4, 2016–2017) or a number inside a code
(QH-2017-0002, CZ-2017-001) is not a figure: the pattern's bounds say so."""

import io
import re
from functools import partial
from pathlib import Path

import pytest

from .conftest import open_menu, record_names, screenshot, switch_language, zh
from .test_workflows import open_from_home

pytestmark = pytest.mark.browser

# The units the portal's money formatting writes after a figure, in Chinese and in English.
UNIT_AFTER = r"^\s*(?:万元|亿元|元|ten-thousand yuan|hundred million yuan|yuan)"
# A column head or a form label that names the unit: “金额（元）”, “Amount (10,000 yuan)”.
UNIT_NAMED = r"元|yuan"

BARE_AMOUNTS = """([names, unitAfter, unitNamed]) => {
  const NAMES = names ? new RegExp(names, 'g') : null;
  const UNIT = new RegExp(unitAfter), NAMED = new RegExp(unitNamed);
  // A figure: four digits or more, or a decimal; not part of a date, a time, a code or a year.
  const FIGURE = /(?<![A-Za-z0-9_\\-–:\\/.,#])(\\d{4,}|\\d+\\.\\d+)(?![A-Za-z0-9_\\-–:\\/,#%]|\\.\\d|\\s*(?:年|Q\\d))/g;
  const NOT_MONEY = 'script, style, time, code, select, svg, [data-not-money]';
  const head = (cell) => {
    const table = cell.closest('table');
    const heads = table && table.tHead ? [...table.tHead.rows].at(-1).cells : [];
    let col = 0;
    for (const c of cell.parentElement.cells) { if (c === cell) break; col += c.colSpan || 1; }
    let at = 0;
    for (const h of heads) { if (at <= col && col < at + (h.colSpan || 1)) return h.innerText; at += h.colSpan || 1; }
    return '';
  };
  const bare = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  let node;
  while ((node = walker.nextNode())) {
    const el = node.parentElement;
    if (!node.textContent.trim() || seen.has(el) || el.closest(NOT_MONEY) || !el.checkVisibility()) continue;
    seen.add(el);
    let text = el.innerText;
    // What a descendant that is not money says (a year in a heading's <time>) is blanked out.
    for (const x of el.querySelectorAll(NOT_MONEY)) {
      const said = x.innerText || x.textContent;
      if (said) text = text.replace(said, ' '.repeat(said.length));
    }
    if (NAMES) text = text.replace(NAMES, (m) => ' '.repeat(m.length));
    const cell = el.closest('td, th');
    const headed = cell && cell.tagName === 'TD' && NAMED.test(head(cell));
    for (const m of text.matchAll(FIGURE)) {
      if (UNIT.test(text.slice(m.index + m[0].length)) || headed) continue;
      bare.add(text.slice(Math.max(0, m.index - 24), m.index + m[0].length + 12).replace(/\\s+/g, ' ').trim());
    }
  }
  return [...bare];
}"""

# A form's money fields: the inputs of a decimal amount (step 0.01), each with its label's text.
MONEY_FIELDS = """() => [...document.querySelectorAll('main form input[type=number][step="0.01"]')]
  .filter(e => e.checkVisibility())
  .map(e => [e.name, [...(e.labels || [])].map(l => l.innerText).join(' ')])"""


def _names(portal_db) -> str:
    """What people wrote into records and the units' names (1865创意产业园 is a name, not a sum)."""
    units = [n for row in portal_db.execute("select name, name_en from core_orgunit") for n in row if n]
    return record_names(portal_db).pattern + "".join(f"|{re.escape(u)}" for u in units)


class Pages:
    """The pages a test visited, each checked for bare amounts and unnamed money fields."""

    def __init__(self, page, names: str):
        self.page, self.names, self.visited = page, names, []

    def check(self, what: str, shot: str | None = None) -> None:
        page = self.page
        page.wait_for_load_state()
        assert page.locator(".alert-danger").count() == 0, (what, page.locator(".alert-danger").all_inner_texts())
        bare = page.evaluate(BARE_AMOUNTS, [self.names, UNIT_AFTER, UNIT_NAMED])
        assert not bare, f"{what} ({page.url}) shows amounts without their unit: {bare}"
        unnamed = [(name, label) for name, label in page.evaluate(MONEY_FIELDS) if not re.search(UNIT_NAMED, label)]
        assert not unnamed, f"{what} ({page.url}): money fields whose label names no unit: {unnamed}"
        self.visited.append(what)
        if shot:
            screenshot(page, shot)


def _tr(page, text: str) -> str:
    """A label as the page's reader reads it: the Chinese catalogue's, or the English source."""
    return zh(text) if page.locator("html").get_attribute("lang") == "zh-hans" else text


LANGUAGES = ["zh-hans", "en"]


def _language(page, code: str) -> str:
    if code != "zh-hans":
        switch_language(page, code)
    return code.split("-")[0]


@pytest.mark.parametrize("language", LANGUAGES)
def test_finance_reads_money_the_same_on_the_dashboard_an_agreement_and_a_payout(
    login, page, portal_url, portal_db, language
):
    pages = Pages(page, _names(portal_db))
    login("finance")
    lang = _language(page, language)
    pages.check("finance's home")
    # Finance's summary: the funding report (the district dashboard is the office's, below).
    open_menu(page, "Reports", tr=partial(_tr, page))
    page.locator("#mainnav a[href^='/reports/funding/']").click()
    page.wait_for_load_state()
    pages.check("the funding report", f"money-funding-report-{lang}")
    open_menu(page, "Funding", "Agreements", tr=partial(_tr, page))
    pages.check("the agreements list")
    # An agreement with its tranches and their payouts.
    page.locator("main tbody tr a[href*='/funding/agreements/']").first.click()
    page.wait_for_url(re.compile(r"/funding/agreements/\d+/$"))
    assert page.locator("[data-tranche], .tranche, main .card").count() >= 1
    pages.check("an agreement with its tranches", f"money-agreement-{lang}")
    open_menu(page, "Funding", "Payments to record", tr=partial(_tr, page))
    pages.check("finance's payout queue")
    page.locator("main tbody tr a[href*='/funding/payouts/']").first.click()
    page.wait_for_url(re.compile(r"/funding/payouts/\d+/$"))
    pages.check("a payout's page", f"money-payout-{lang}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_office_reads_money_the_same_on_the_dashboard_the_approvals_and_a_new_agreements_form(
    login, page, portal_url, portal_db, language
):
    pages = Pages(page, _names(portal_db))
    login("office")
    lang = _language(page, language)
    open_menu(page, "Reports", "District dashboard", tr=partial(_tr, page))
    pages.check("the district dashboard", f"money-dashboard-{lang}")
    open_from_home(page, portal_url, "funding.to_approve")
    pages.check("the approver's payout queue")
    page.locator("form[data-queue] tbody tr").first.locator("a[href*='/funding/payouts/']").first.click()
    page.wait_for_url(re.compile(r"/funding/payouts/\d+/$"))
    pages.check("a payout waiting for approval")
    # The approval asks once: its confirmation names the amount.
    page.locator("form[action$='/approve/'] button[type=submit]").first.click()
    page.wait_for_load_state()
    assert page.locator("[data-confirmation]").count() == 1
    pages.check("a payout's approval", f"money-approval-{lang}")
    open_menu(page, "Funding", "Agreements", tr=partial(_tr, page))
    page.get_by_role("link", name=_tr(page, "New agreement")).click()
    page.wait_for_url(re.compile(r"/funding/agreements/new/"))
    assert len(page.evaluate(MONEY_FIELDS)) >= 4  # the form's money fields are there to check
    pages.check("a new agreement's form", f"money-agreement-form-{lang}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_import_preview_names_the_unit_of_every_figure(login, page, portal_url, portal_db, language):
    from openpyxl import load_workbook

    pages = Pages(page, _names(portal_db))
    login("park")
    lang = _language(page, language)
    open_menu(page, "Enterprises", "Import operating data", tr=partial(_tr, page))
    pages.check("the import page")
    with page.expect_download() as download:
        page.locator("a[href$='/imports/template.xlsx']").click()
    workbook = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    sheet = workbook.worksheets[0]
    heads = [c.value for c in sheet[1]]
    # The first enterprise the template lists, filled with a quarter's figures as an officer would.
    figures = [2017, 4, 3_250_000, 3_100_000, 480_000, 150_000, 30, 28, 400_000, 2, 1]
    row = 2
    for column, value in enumerate(figures, start=3):
        sheet.cell(row=row, column=column, value=value)
    sheet.delete_rows(row + 1, sheet.max_row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    page.locator("#id_file").set_input_files(
        files=[{"name": f"figures-{lang}.xlsx", "mimeType": "application/vnd.ms-excel", "buffer": buffer.getvalue()}]
    )
    page.get_by_role("button", name=_tr(page, "Upload and check")).click()
    page.wait_for_url(re.compile(r"/imports/\d+/$"))
    assert page.locator("main tbody tr").count() >= 1, heads
    pages.check("the import's preview", f"money-import-preview-{lang}")
    money_heads = [h for h in page.locator("main table thead th").all_inner_texts() if re.search(UNIT_NAMED, h)]
    assert len(money_heads) >= 3, page.locator("main table thead").all_inner_texts()
