"""Issue 17 item 9, generated over every chart the report pages draw, at 1366×768 and on a 390-pixel
phone: no label is cut at the chart's edge ("南京市领军型科技创业人才（“321计划”）", "已提交，待初审"), no
zero is printed over a neighbouring bar's value, and every bar links to the records it counts. The
pages are reached by clicks: the dashboard from the menu, then each report page from its list."""

import pytest

from .conftest import open_menu

pytestmark = pytest.mark.browser

OUTSIDE = """() => [...document.querySelectorAll('svg')].flatMap((svg, i) => {
  const box = svg.getBoundingClientRect();
  return [...svg.querySelectorAll('text')]
    .filter(t => t.textContent.trim() && t.getBoundingClientRect().width > 0)
    .filter(t => { const r = t.getBoundingClientRect();
      return r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1; })
    .map(t => `chart ${i + 1}: ${t.textContent.trim()}`); })"""
ZEROES = "() => [...document.querySelectorAll('svg text.value')].filter(t => t.textContent.trim() === '0').length"
UNLINKED_BARS = (
    "() => [...document.querySelectorAll('.report-chart svg .rect, .report-chart svg rect.rect')]"
    ".filter(r => { const b = r.getBoundingClientRect(); return b.width > 0.5 && b.height > 0.5; })"
    ".filter(r => !r.closest('a')).length"
)


@pytest.mark.parametrize("width", [1366, 390])
def test_no_chart_label_is_cut_or_covered_by_a_zero(login, page, portal_url, width):
    page.set_viewport_size({"width": width, "height": 844 if width < 800 else 768})
    login("office")
    open_menu(page, "Reports", "District dashboard")
    report_links = page.locator("[aria-labelledby=report-pages-h] a")
    titles = report_links.all_inner_texts()
    assert len(titles) >= 5
    seen, charts = [], 0
    for title in [None, *titles]:
        if title is not None:
            page.goto(f"{portal_url}/reports/?year=2017")
            page.locator("[aria-labelledby=report-pages-h]").get_by_role("link", name=title, exact=True).click()
            page.wait_for_load_state()
        charts += page.locator(".report-chart svg, .chart svg").count()
        seen += [(page.url, problem) for problem in page.evaluate(OUTSIDE)]
        assert page.evaluate(ZEROES) == 0, page.url
        assert page.evaluate(UNLINKED_BARS) == 0, page.url
    assert charts >= 6
    assert seen == []
