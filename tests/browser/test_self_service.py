"""Issue 16, "Done when", by clicks alone from the login page, in a real browser: a new talent
registers with the code read from the embedded mail folder, applies to an open call with a
document, is returned for revision by the street's officer, revises and resubmits, and sees 已入选
after the office's decision, told of each step in the inbox and the mail folder; a new enterprise
account claims its enterprise, the park's officer confirms, it files a quarter, the recompute marks
its milestone met and the enterprise sees it. The home pages of both, in both languages, are the
README's screenshots (1366×768).

The pipeline's middle (experts, defense, notice, ratification) is the one ``test_workflows`` walks
(``review_to_approval``); the online application's first half is ``test_online_application``'s."""

import re
import uuid

import pytest

from .conftest import assert_no_error_message, code_in_mail, mails_to, screenshot, switch_language, zh
from .test_workflows import confirm_if_asked, open_new_call, review_to_approval, start_job

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PASSWORD = "Qinhuai-self-2018"
# The demo's 高新园区 enterprise whose revenue milestone waits (cumulative revenue below a million):
# enterprises.demo position 11, unclaimed, with an agreement in force.
CLAIMED = 11


def back_as(page, portal_url: str, cookies: list[dict]) -> None:
    """The new account again, in its own session (it logged in once, when it confirmed its code)."""
    page.context.clear_cookies()
    page.context.add_cookies(cookies)
    page.goto(f"{portal_url}/")


def register(page, portal_url: str, mail_folder, *, kind: str, fields: dict[str, str]) -> list[dict]:
    """From the login page: the registration form, the code from the mail folder, the home page.
    Returns the new account's session cookies."""
    page.context.clear_cookies()
    page.goto(f"{portal_url}/accounts/login/")
    page.locator("#register-link").click()
    page.wait_for_url(f"{portal_url}/accounts/register/")
    page.locator(f"input[name=kind][value={kind}]").check()
    for field, value in fields.items():
        page.locator(f"#id_{field}").fill(value)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.locator("input[name=channel][value=email]").check()
    page.get_by_role("button", name=zh("Send the code")).click()
    page.wait_for_url(re.compile(r"/accounts/register/[\w-]+/$"))
    assert_no_error_message(page)
    page.locator("#id_code").fill(code_in_mail(mail_folder, fields["email"]))
    page.get_by_role("button", name=zh("Confirm")).click()
    page.wait_for_url(f"{portal_url}/")
    assert_no_error_message(page)
    return page.context.cookies()


def inbox_events(page, portal_url: str) -> list[str]:
    """What the inbox holds (by the header's link), then home again (by the header's brand)."""
    page.locator("#inbox-link").click()
    page.wait_for_url(re.compile(r"/notifications/"))
    events = page.locator("[data-event]").evaluate_all("(items) => items.map(i => i.dataset.event)")
    page.locator("a.navbar-brand").click()
    page.wait_for_url(f"{portal_url}/")
    return events


def at_home_1366(page, portal_url: str) -> None:
    """The home page in the README's size, 1366×768."""
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{portal_url}/")


def test_a_new_talent_registers_applies_is_returned_resubmits_and_is_selected(
    login, page, portal_url, portal_db, mail_folder
):
    from talents.models import ApplicationState
    from tests.talents.factories import valid_id_number

    call_url, call_title = open_new_call(login, page, portal_url, portal_db)
    suffix = uuid.uuid4().hex[:6]
    address = f"applicant-{suffix}@example.cn"
    talent = register(
        page,
        portal_url,
        mail_folder,
        kind="talent",
        fields={
            "username": f"applicant{suffix}",
            "name": "陈思远",
            "mobile": f"139{int(suffix, 16) % 10**8:08d}",
            "email": address,
            "id_number": valid_id_number(int(suffix, 16) % 3000 + 3000),
        },
    )
    assert "验证码" in mails_to(mail_folder, address)[0]

    # The open call, applied to online with the business plan, and submitted.
    page.get_by_role("link", name=zh("My applications")).first.click()
    page.wait_for_url(f"{portal_url}/talents/mine/")
    page.locator("#my-open-calls li", has_text=call_title).get_by_role("link", name=zh("Apply online")).click()
    page.wait_for_url(re.compile(r"/talents/mine/apply/\d+/$"))
    page.locator("#id_org_unit").select_option(label="夫子庙街道")
    page.locator("#id_industry").select_option(index=1)
    page.locator("#id_venture_name").fill(f"秦淮云游{suffix}科技有限公司")
    page.locator("#id_summary").fill("秦淮河夜游客流预测与智慧票务")
    page.locator("#id_requested_support").fill("500000")
    # The declarations the call's eligibility rules ask for, where it asks for them.
    if page.locator("#id_is_legal_representative").count():
        page.locator("#id_is_legal_representative").check()
    for field, value in {
        "own_paid_in_capital": "1000000",
        "company_founded_on": "2017-06-01",
        "professional_title": "研究员",
        "birth_date": "1986-05-01",
    }.items():
        if page.locator(f"#id_{field}").count():
            page.locator(f"#id_{field}").fill(value)
    if page.locator("#id_education").count():
        page.locator("#id_education").select_option("doctorate")
    page.get_by_role("button", name=zh("Save as draft")).click()
    page.wait_for_url(re.compile(r"/talents/mine/applications/\d+/$"))
    assert_no_error_message(page)
    own_url = page.url
    app_id = int(own_url.rstrip("/").rsplit("/", 1)[1])
    # A PDF for each document the call asks for (a paper of its own where it asks for none).
    kinds = page.locator("#id_kind option").evaluate_all("(options) => options.map(o => o.value)")
    for kind in [k for k in kinds if k and k != "other"] or ["other"]:
        page.locator("#id_kind").select_option(kind)
        page.locator("#id_file").set_input_files(
            files=[{"name": f"{kind}.pdf", "mimeType": "application/pdf", "buffer": PDF}]
        )
        page.get_by_role("button", name=zh("Upload")).click()
        page.wait_for_load_state()
        assert_no_error_message(page)
    assert page.locator("#ready-to-submit").count() == 1
    page.locator("#submit-button").click()
    page.wait_for_load_state()
    confirm_if_asked(page)
    assert_no_error_message(page)
    assert page.locator("#applicant-stage").inner_text() == "初审中"
    assert "application_received" in inbox_events(page, portal_url)

    # The street's officer returns it for revision.
    login("street")
    page.locator("a.attention-card[data-attention='talents.preliminary']").click()
    page.wait_for_load_state()
    page.locator(f"a[href='/talents/applications/{app_id}/']").first.click()
    page.wait_for_url(f"{portal_url}/talents/applications/{app_id}/")
    page.locator("#reason-return").fill("请补充秦淮河游船公司的合作意向。")
    page.locator("form:has(input[name=action][value=return]) button[type=submit]").click()
    page.wait_for_load_state()
    confirm_if_asked(page)
    assert_no_error_message(page)

    # The applicant hears of it, revises and resubmits with a reply.
    back_as(page, portal_url, talent)
    assert "application_returned" in inbox_events(page, portal_url)
    assert any("退回" in m for m in mails_to(mail_folder, address))
    page.get_by_role("link", name=zh("My applications")).first.click()
    page.locator(f"a[href='/talents/mine/applications/{app_id}/']").click()
    page.wait_for_url(own_url)
    assert page.locator("#applicant-stage").inner_text() == "退回修改"
    page.locator("#id_summary").fill("秦淮河夜游客流预测与智慧票务（已附游船公司合作意向）")
    page.get_by_role("button", name=zh("Save changes")).click()
    page.wait_for_load_state()
    assert_no_error_message(page)
    page.locator("#id_kind").select_option("other")
    page.locator("#id_file").set_input_files(
        files=[{"name": "合作意向书.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name=zh("Upload")).click()
    page.wait_for_load_state()
    page.locator("#id_reply").fill("已补充游船公司合作意向书。")
    page.locator("#submit-button").click()
    page.wait_for_load_state()
    confirm_if_asked(page)
    assert_no_error_message(page)
    assert page.locator("#applicant-stage").inner_text() == "初审中"

    # The unit, the experts and the office carry it to the decision.
    review_to_approval(login, page, portal_url, portal_db, "street", f"{portal_url}/talents/applications/{app_id}/")
    assert page.locator("#app-state").inner_text() == zh(ApplicationState.APPROVED.label)

    # The applicant sees 已入选, and was told of the notice and the decision.
    back_as(page, portal_url, talent)
    events = inbox_events(page, portal_url)
    assert {"application_received", "application_returned", "notice_started", "application_decided"} <= set(events)
    assert any(zh("Decision on your application") in m for m in mails_to(mail_folder, address))
    page.get_by_role("link", name=zh("My applications")).first.click()
    page.locator(f"a[href='/talents/mine/applications/{app_id}/']").click()
    page.wait_for_url(own_url)
    assert page.locator("#applicant-stage").inner_text() == "已入选"
    at_home_1366(page, portal_url)
    screenshot(page, "applicant-home-zh", full_page=False)
    switch_language(page, "en")
    screenshot(page, "applicant-home-en", full_page=False)
    switch_language(page, "zh-hans")


def test_a_new_enterprise_account_claims_files_and_sees_its_milestone_met(
    login, page, portal_url, portal_db, mail_folder
):
    from enterprises.demo import _credit_code

    code = _credit_code(CLAIMED)
    (name,) = portal_db.execute("select name from enterprises_enterprise where credit_code = ?", (code,)).fetchone()
    suffix = uuid.uuid4().hex[:6]
    address = f"enterprise-{suffix}@example.cn"
    account = register(
        page,
        portal_url,
        mail_folder,
        kind="enterprise",
        fields={
            "username": f"ent{suffix}",
            "name": "周明",
            "mobile": f"137{int(suffix, 16) % 10**8:08d}",
            "email": address,
            "credit_code": code,
        },
    )

    # The park's officer confirms the claim from the claims page.
    login("park")
    page.get_by_role("link", name=zh("Enterprise claims")).first.click()
    page.wait_for_url(f"{portal_url}/selfservice/claims/")
    row = page.locator("#claims tr", has_text=name)
    row.get_by_role("button", name=zh("Confirm")).click()
    page.wait_for_load_state()
    confirm_if_asked(page)
    assert_no_error_message(page)

    # The enterprise, told of the confirmation, files its 2017 Q4 again with the revenue it made
    # (a correction, the first version kept).
    back_as(page, portal_url, account)
    assert "enterprise_claim_decided" in inbox_events(page, portal_url)
    page.get_by_role("link", name=zh("My enterprise")).first.click()
    page.wait_for_url(f"{portal_url}/enterprises/mine/")
    form = page.locator("#file-report")
    form.locator("#id_year").fill("2017")
    form.locator("#id_quarter").fill("4")
    for field, value in {
        "sales": "2300000",
        "main_revenue": "2100000",
        "net_profit": "150000",
        "tax_paid": "120000",
        "employees": "18",
        "insured_employees": "18",
        "rnd_spend": "260000",
        "patents_filed": "1",
        "patents_granted": "0",
    }.items():
        form.locator(f"#id_{field}").fill(value)
    form.get_by_role("button", name=zh("Submit the filing")).click()
    page.wait_for_url(f"{portal_url}/enterprises/mine/")
    assert_no_error_message(page)
    page.get_by_role("link", name=zh("My agreements: tranches, milestones and payouts")).click()
    page.wait_for_url(f"{portal_url}/funding/mine/")
    revenue = page.locator("tr[data-tranche='2'] li", has_text="1,000,000")
    assert revenue.get_attribute("data-milestone-met") == "false"

    # The office runs the night's recomputes from the jobs page: the enterprises' figures, then
    # the payouts, whose milestones read them.
    login("office")
    start_job(page, portal_url, "recompute_enterprise_figures")
    start_job(page, portal_url, "recompute_payouts")

    # The enterprise sees the milestone met, and was told.
    back_as(page, portal_url, account)
    assert "milestone_met" in inbox_events(page, portal_url)
    page.get_by_role("link", name=zh("My enterprise")).first.click()
    page.wait_for_url(f"{portal_url}/enterprises/mine/")
    page.get_by_role("link", name=zh("My agreements: tranches, milestones and payouts")).first.click()
    page.wait_for_url(f"{portal_url}/funding/mine/")
    revenue = page.locator("tr[data-tranche='2'] li", has_text="1,000,000")
    assert revenue.get_attribute("data-milestone-met") == "true"
    at_home_1366(page, portal_url)
    screenshot(page, "enterprise-home-zh", full_page=False)
    switch_language(page, "en")
    screenshot(page, "enterprise-home-en", full_page=False)
    switch_language(page, "zh-hans")
