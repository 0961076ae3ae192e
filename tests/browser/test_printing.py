"""Issue 17 item 11, paper that fits, by clicks alone as the leader: the dashboard's printable version
prints on at most six A4 pages with no blank page, the league tables' printable version prints
one table per unit kind, each under its kind's name, and a call's 公示名单 prints as a notice (its
candidates, the notice period, how to object) with its XLSX beside it. Chromium prints to PDF;
the pages are counted in the PDF itself."""

import re
import zlib

import pytest

from qinhuai_talent.core.models import FIELD_UNIT_KINDS

from .conftest import open_menu, screenshot, zh

pytestmark = pytest.mark.browser

TEXT = re.compile(rb"\bT[jJ]\b")


def pdf_pages(pdf: bytes) -> list[bytes]:
    """Each page's content stream (inflated), in the PDF's object order."""
    objects = {int(m.group(1)): m.group(2) for m in re.finditer(rb"(\d+) 0 obj(.*?)endobj", pdf, re.S)}
    pages = []
    for body in objects.values():
        if not re.search(rb"/Type\s*/Page(?!s)", body):
            continue
        refs = re.search(rb"/Contents\s*(\[[^\]]*\]|\d+ 0 R)", body)
        content = b""
        for ref in re.findall(rb"(\d+) 0 R", refs.group(1)) if refs else []:
            stream = re.search(rb"stream\r?\n(.*?)endstream", objects.get(int(ref), b""), re.S)
            if stream:
                try:
                    content += zlib.decompress(stream.group(1))
                except zlib.error:
                    content += stream.group(1)
        pages.append(content)
    return pages


def test_the_dashboard_prints_on_at_most_six_pages_and_none_is_blank(login, page):
    login("leader")
    open_menu(page, "Reports", "District dashboard")
    page.get_by_role("link", name=zh("Printable version")).click()
    page.wait_for_load_state("networkidle")
    assert "print=1" in page.url
    pages = pdf_pages(page.pdf(format="A4", print_background=True))
    assert 1 <= len(pages) <= 6, len(pages)
    assert [n for n, content in enumerate(pages, 1) if not TEXT.search(content)] == []


def test_the_league_tables_print_one_table_per_unit_kind_under_its_name(login, page):
    login("leader")
    open_menu(page, "Assessment", "League tables")
    page.get_by_role("link", name=zh("Printable version (one table per unit kind)")).click()
    page.wait_for_load_state()
    headings = page.locator("section.league-kind h2").all_inner_texts()
    assert [h.split(" · ")[0] for h in headings] == [zh(kind.label) for kind in FIELD_UNIT_KINDS]
    assert page.locator("section.league-kind table").count() == len(FIELD_UNIT_KINDS)
    for section in page.locator("section.league-kind").all():
        assert section.locator("tbody tr").count() >= 1
    screenshot(page, "assessment-league-print-zh")
    pages = pdf_pages(page.pdf(format="A4", print_background=True))
    assert 1 <= len(pages) <= len(FIELD_UNIT_KINDS)
    assert all(TEXT.search(content) for content in pages)


def test_a_calls_public_notice_prints_as_a_notice_and_downloads_as_xlsx(login, page, portal_db):
    """The leader opens a call with candidates on notice from the calls list, then its 公示名单:
    a notice naming each candidate, the notice period and how to object, printed on A4 without a
    blank page, and the same list as XLSX."""
    call_id, title = portal_db.execute(
        "select c.id, c.title from talents_call c join talents_application a on a.call_id = c.id "
        "where a.notice_starts_on is not null order by c.year desc, c.id limit 1"
    ).fetchone()
    names = {
        name
        for (name,) in portal_db.execute(
            "select t.name from talents_application a join talents_talent t on t.id = a.talent_id "
            "where a.call_id = ? and a.notice_starts_on is not null",
            (call_id,),
        )
    }
    login("leader")
    open_menu(page, "Talents", "Calls and pipeline")
    page.locator(f"a[href='/talents/calls/{call_id}/']").first.click()
    page.wait_for_load_state()
    page.get_by_role("link", name=zh("Public notice list")).click()
    page.wait_for_load_state()
    notice = page.locator("#notice")
    text = notice.inner_text()
    assert title in notice.locator("h1").inner_text()
    assert all(name in text for name in names) and names, names
    assert zh("How to object") in text and zh("Notice period") in text
    page.emulate_media(media="print")
    screenshot(page, "call-public-notice-print-zh")
    pages = pdf_pages(page.pdf(format="A4", print_background=True))
    assert 1 <= len(pages) <= 2 and all(TEXT.search(content) for content in pages), len(pages)
    page.emulate_media(media="screen")
    with page.expect_download() as download:
        page.get_by_role("link", name=zh("Download (.xlsx)")).click()
    assert download.value.suggested_filename.endswith(".xlsx")
