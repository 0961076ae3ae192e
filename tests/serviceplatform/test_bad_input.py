"""The issue's bad-input list over the whole class, through the API in both languages: every step
of the request workflow taken out of order, and a financing outcome negative or above what the
office allows, is a 400 with a message in the caller's language naming what is wrong, and
changes nothing (the request, its log, the enterprise's financing)."""

import datetime
import re

import pytest

from enterprises.models import FinancingRound
from qinhuai_talent.core import clock
from qinhuai_talent.core.models import TransitionLog
from qinhuai_talent.core.workflow import PERSON
from serviceplatform import services
from serviceplatform.models import RequestState, ServiceRequest
from serviceplatform.workflows import REQUEST_WORKFLOW

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2017, 6, 5)
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _in_state(state, officer, enterprise, ip, staff):
    """A request of the IP agency in ``state`` (``submitted``: not yet routed)."""
    walk = {
        RequestState.SUBMITTED: [],
        RequestState.ASSIGNED: [],
        RequestState.DECLINED: [("decline", staff, {"reason": "排期已满"})],
        RequestState.ACCEPTED: [("accept", staff, {})],
        RequestState.IN_PROGRESS: [("accept", staff, {}), ("start", staff, {})],
        RequestState.DELIVERED: [("accept", staff, {}), ("deliver", staff, {"note": "已完成"})],
        RequestState.CLOSED: [
            ("accept", staff, {}),
            ("deliver", staff, {"note": "已完成"}),
            ("close", officer, {"rating": 4}),
        ],
        RequestState.CANCELLED: [("cancel", officer, {"reason": "企业已自行解决"})],
    }[state]
    service = None if state == RequestState.SUBMITTED else ip[1]
    with clock.running_on(MONDAY):
        req = services.request_file(actor=officer, enterprise=enterprise, category="ip", need="专利", service=service)
        for action, actor, given in walk:
            req = services.request_transition(actor=actor, request=req, action=action, **given)
    assert req.state == state
    return req


# Whose step each is: the unit's officer routes, closes and cancels; the provider does the work.
TAKER = {"assign": "officer", "close": "officer", "cancel": "officer"}
BODY = {
    "assign": {"provider": None},
    "decline": {"reason": "x"},
    "deliver": {"note": "x"},
    "close": {"rating": 4},
    "cancel": {"reason": "x"},
    "record_outcome": {"outcome": "granted", "amount": "1000"},
}
OUT_OF_ORDER = [
    (t.action, state)
    for t in REQUEST_WORKFLOW.transitions
    if t.by == PERSON
    for state in RequestState.values
    if state not in t.sources
]


@pytest.mark.parametrize(("action", "state"), OUT_OF_ORDER, ids=[f"{a}-from-{s}" for a, s in OUT_OF_ORDER])
def test_every_step_out_of_order_is_a_400_in_both_languages_and_changes_nothing(
    api, street_officer, street_enterprise, ip, ip_staff, action, state
):
    req = _in_state(state, street_officer, street_enterprise, ip, ip_staff)
    taker = street_officer if TAKER.get(action) == "officer" else ip_staff
    body = dict(BODY.get(action, {}))
    if action == "assign":
        body["provider"] = ip[0].pk
    logged = TransitionLog.objects.count()
    before = ServiceRequest.objects.filter(pk=req.pk).values().get()
    answers = {}
    for language in ("zh-hans", "en"):
        response = api(taker).post(
            f"/api/v1/service-requests/{req.pk}/{action}/", body, format="json", HTTP_ACCEPT_LANGUAGE=language
        )
        answers[language] = response
    if state == RequestState.SUBMITTED and taker == ip_staff:
        # Not routed to anyone yet: the provider does not reach it at all.
        assert {r.status_code for r in answers.values()} == {404}
    else:
        for language, response in answers.items():
            assert response.status_code == 400, (language, response.status_code, response.content)
        zh, en = (answers[lang].content.decode() for lang in ("zh-hans", "en"))
        assert CHINESE.search(zh) and not CHINESE.search(en.replace(street_enterprise.name, "")), (zh, en)
    assert ServiceRequest.objects.filter(pk=req.pk).values().get() == before
    assert TransitionLog.objects.count() == logged


@pytest.mark.parametrize(
    ("amount", "code", "english"),
    [
        ("-1", "not_positive", "greater than zero"),
        ("0", "not_positive", "greater than zero"),
        ("1200000.01", "outcome_exceeds_request", "more than the office allows"),
    ],
)
def test_an_outcome_negative_or_above_what_the_office_allows_is_a_400_and_records_nothing(
    api, street_officer, street_enterprise, guarantor, guarantor_staff, amount, code, english
):
    with clock.running_on(MONDAY):
        req = services.request_file(
            actor=street_officer,
            enterprise=street_enterprise,
            category="tech_finance",
            need="融资",
            service=guarantor[1],
            amount_wanted="1000000",
            use="流动资金",
            instrument="guarantee",
        )
        req = services.request_transition(actor=guarantor_staff, request=req, action="accept")
    logged = TransitionLog.objects.count()
    for language, words in (("en", english), ("zh-hans", None)):
        response = api(guarantor_staff).post(
            f"/api/v1/service-requests/{req.pk}/record_outcome/",
            {"outcome": "granted", "amount": amount, "instrument": "guarantee"},
            format="json",
            HTTP_ACCEPT_LANGUAGE=language,
        )
        assert response.status_code == 400 and "amount" in response.json(), response.content
        text = response.content.decode()
        assert (words in text) if words else CHINESE.search(text), text
    req.refresh_from_db()
    assert req.state == "accepted" and not req.financing.outcome
    assert not FinancingRound.objects.filter(enterprise=street_enterprise).exists()
    assert TransitionLog.objects.count() == logged
