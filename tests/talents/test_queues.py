"""Issue 17 item 2, the talents queues: a batch decision keeps the call's quota (the same
transition as the page, refused per record with ``quota_full``, the others done); a batch
preliminary review is the officer's own unit only, its return reason read by every applicant."""

import re

import pytest

from talents.models import Application, Program

from .factories import ApplicationFactory, CallFactory

pytestmark = pytest.mark.django_db


def _results(body: str) -> dict[int, str]:
    return {int(pk): code for pk, code in re.findall(r'data-item="(\d+)" data-result="([\w-]*)"', body)}


def test_a_batch_selection_beyond_the_quota_refuses_only_the_records_beyond_it(web, office, advance, units):
    call = CallFactory(
        program=Program.objects.get(code="district_high_level_entrepreneur"), quota=2, required_documents=[]
    )
    apps = [advance(ApplicationFactory(call=call), "defense") for _ in range(3)]
    ids = [str(a.pk) for a in apps]
    client = web(office)
    confirm = client.post("/talents/queues/decisions/", {"action": "select", "ids": ids, "step": "confirm"})
    assert confirm.status_code == 200 and set(Application.objects.values_list("state", flat=True)) == {"defense"}
    body = client.post("/talents/queues/decisions/", {"action": "select", "ids": ids, "step": "run"}).content
    results = _results(body.decode())
    assert list(results.values()) == ["done", "done", "quota_full"]
    states = [Application.objects.get(pk=a.pk).state for a in apps]
    assert states == ["public_notice", "public_notice", "defense"]


def test_a_batch_return_needs_one_reason_and_reaches_every_applicant(web, street_officer, advance, units):
    call = CallFactory(required_documents=[])
    apps = [advance(ApplicationFactory(call=call), "submitted") for _ in range(2)]
    assert {a.org_unit_id for a in apps} == {street_officer.org_unit_id}
    ids = [str(a.pk) for a in apps]
    client = web(street_officer)
    refused = client.post("/talents/queues/preliminary/", {"action": "return", "ids": ids, "step": "confirm"})
    assert refused.status_code == 400 and "请填写理由" in refused.content.decode()
    data = {"action": "return", "ids": ids, "step": "run", "reason": "请补充营业执照"}
    assert set(_results(client.post("/talents/queues/preliminary/", data).content.decode()).values()) == {"done"}
    for app in apps:
        app.refresh_from_db()
        assert app.state == "returned" and app.officer_comment == "请补充营业执照"


def test_the_queue_page_reads_in_english_too(web, street_officer, advance, units):
    advance(ApplicationFactory(call=CallFactory(required_documents=[])), "submitted")
    client = web(street_officer)
    page = client.get("/talents/queues/preliminary/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    zh = client.get("/talents/queues/preliminary/").content.decode()
    assert "Pass preliminary review" in page and "Nothing changes before you confirm" in page
    assert "初审通过" in zh and "在下一页确认之前" in zh
