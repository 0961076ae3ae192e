"""Issue 16, item 5, by clicks alone: the demo enterprise sees the quarter it has not filed as
missing, files it from its own page, sees it counted late, and reads its agreement's milestones met
with the officers' explanation. Against the live demo portal (2018-01-15), as every browser test."""

import pytest

from .conftest import screenshot, zh

pytestmark = pytest.mark.browser


def test_the_demo_enterprise_files_its_missing_quarter_and_sees_its_milestones(login, page, portal_url):
    login("enterprise")
    page.get_by_role("link", name=zh("My enterprise")).first.click()
    page.wait_for_url(f"{portal_url}/enterprises/mine/")
    missing = page.locator("#my-filings tr[data-filing='2017Q3']")
    assert missing.get_attribute("data-status") == "missing"
    assert page.locator("#my-filings tr[data-filing='2017Q4']").get_attribute("data-status") == "filed"

    form = page.locator("#file-report")
    form.locator("#id_year").fill("2017")
    form.locator("#id_quarter").fill("3")
    for field, value in {
        "sales": "8600000",
        "main_revenue": "7900000",
        "net_profit": "650000",
        "tax_paid": "420000",
        "employees": "64",
        "insured_employees": "70",
        "rnd_spend": "700000",
        "patents_filed": "2",
        "patents_granted": "1",
    }.items():
        form.locator(f"#id_{field}").fill(value)
    form.get_by_role("button", name=zh("Submit the filing")).click()
    page.wait_for_load_state()
    # More insured than employed: the import's own message, nothing filed.
    assert page.locator("#file-report .invalid-feedback").count() == 1
    assert page.locator("#my-filings tr[data-filing='2017Q3']").get_attribute("data-status") == "missing"

    page.locator("#file-report #id_insured_employees").fill("60")
    page.locator("#file-report").get_by_role("button", name=zh("Submit the filing")).click()
    page.wait_for_url(f"{portal_url}/enterprises/mine/")
    assert page.locator(".alert-danger").count() == 0
    assert page.locator("#my-filings tr[data-filing='2017Q3']").get_attribute("data-status") == "late"
    screenshot(page, "enterprise-filing-zh")

    page.get_by_role("link", name=zh("My agreements: tranches, milestones and payouts")).click()
    page.wait_for_url(f"{portal_url}/funding/mine/")
    assert page.locator("text=✓").count() >= 1
    assert page.locator("[data-explanation]").count() >= 1
