"""Issue 16, item 4, by clicks alone: the demo applicant applies online to an open call with a
document, the street's officer returns it for revision, the applicant revises it and resubmits
with a reply. Against the live demo portal (2018-01-15), as every browser test."""

import re
import uuid

import pytest

from .conftest import assert_no_error_message, screenshot, zh
from .test_workflows import confirm_if_asked

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_a_talent_applies_online_is_returned_revises_and_resubmits(login, page, portal_url):
    venture = f"秦淮数智文旅{uuid.uuid4().hex[:6]}科技有限公司"

    # The applicant, from their home page to the open call they have not applied to yet.
    login("talent")
    page.get_by_role("link", name=zh("My applications")).first.click()
    page.wait_for_url(f"{portal_url}/talents/mine/")
    call = page.locator("#my-open-calls li", has_text="创新型企业家")
    call.get_by_role("link", name=zh("Apply online")).click()
    page.wait_for_url(re.compile(r"/talents/mine/apply/\d+/$"))
    page.locator("#id_org_unit").select_option(label="夫子庙街道")
    page.locator("#id_industry").select_option(index=1)
    page.locator("#id_venture_name").fill(venture)
    page.locator("#id_summary").fill("夫子庙景区客流感知与智慧导览")
    page.locator("#id_requested_support").fill("300000")
    page.locator("#id_is_legal_representative").check()
    page.get_by_role("button", name=zh("Save as draft")).click()
    page.wait_for_url(re.compile(r"/talents/mine/applications/\d+/$"))
    assert_no_error_message(page)
    own_url = page.url
    app_id = int(own_url.rstrip("/").rsplit("/", 1)[1])
    assert page.locator("#submission-problems").count() == 1  # the business plan is missing

    # The document the call asks for, then the submission.
    page.locator("#id_kind").select_option("business_plan")
    page.locator("#id_file").set_input_files(
        files=[{"name": "商业计划书.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name=zh("Upload")).click()
    page.wait_for_load_state()
    confirm_if_asked(page)
    assert_no_error_message(page)
    assert page.locator("#ready-to-submit").count() == 1
    page.locator("#submit-button").click()
    page.wait_for_load_state()
    # The submission asks once, naming the application and what follows; nothing is sent before.
    assert page.locator("[data-confirmation=submit] [data-record]").inner_text().strip()
    assert "初审" in page.locator("[data-consequence]").inner_text()
    confirm_if_asked(page)
    assert_no_error_message(page)
    assert page.locator("#applicant-stage").inner_text() == "初审中"

    # The street's officer finds it among the applications awaiting preliminary review and returns it.
    login("street")
    page.locator("a.attention-card[data-attention='talents.preliminary']").click()
    page.wait_for_load_state()
    page.locator(f"a[href='/talents/applications/{app_id}/']").first.click()
    page.wait_for_url(f"{portal_url}/talents/applications/{app_id}/")
    page.locator("#reason-return").fill("请补充景区试点合作意向书，并说明数据来源。")
    page.locator("form:has(input[name=action][value=return]) button[type=submit]").click()
    page.wait_for_load_state()
    confirm_if_asked(page)
    assert_no_error_message(page)

    # The applicant reads the reason, revises, and resubmits with a reply.
    login("talent")
    page.get_by_role("link", name=zh("My applications")).first.click()
    page.locator(f"a[href='/talents/mine/applications/{app_id}/']").click()
    page.wait_for_url(own_url)
    assert page.locator("#applicant-stage").inner_text() == "退回修改"
    assert "景区试点合作意向书" in page.locator("#return-reason").inner_text()
    page.locator("#id_summary").fill("夫子庙景区客流感知与智慧导览（已附景区合作意向）")
    page.get_by_role("button", name=zh("Save changes")).click()
    page.wait_for_load_state()
    confirm_if_asked(page)
    assert_no_error_message(page)
    page.locator("#id_kind").select_option("business_plan")
    page.locator("#id_file").set_input_files(
        files=[{"name": "合作意向书.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name=zh("Upload")).click()
    page.wait_for_load_state()
    confirm_if_asked(page)
    page.locator("#id_reply").fill("已补充景区合作意向书，数据来自景区闸机与公开客流统计。")
    page.locator("#submit-button").click()
    page.wait_for_load_state()
    confirm_if_asked(page)
    assert_no_error_message(page)
    assert page.locator("#applicant-stage").inner_text() == "初审中"
    timeline = page.locator("#applicant-timeline").inner_text()
    assert "退回修改" in timeline and "已补充景区合作意向书" in timeline
    screenshot(page, "applicant-application-zh")

    # The applicant's inbox, by the header's link: each step told in its own words, the newest first.
    page.locator("#inbox-link").click()
    page.wait_for_url(re.compile(r"/notifications/"))
    events = [e.get_attribute("data-event") for e in page.locator("#inbox [data-event]").all()]
    assert {"application_received", "application_returned"} <= set(events), events
    assert page.locator(f"#inbox a[href='/talents/mine/applications/{app_id}/']").count() >= 1
    screenshot(page, "notifications-inbox-zh")

    # The officer sees it back in the queue with the reply in its log.
    login("street")
    page.goto(f"{portal_url}/talents/applications/{app_id}/")
    assert "已补充景区合作意向书" in page.content()
