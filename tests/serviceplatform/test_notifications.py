"""Whom a service request's steps tell (issue 18, through qinhuai_talent/notifications): the
provider when a request is routed to it, the requester (the enterprise's account) when it is
accepted, declined or delivered, the unit's officers when one needs assigning, is declined or is
overdue, the provider when its request is rated or cancelled. Generated over the workflow's
transitions: each step tells exactly the audiences it declares, each person once, never the
person who took it; telling of the same occurrence again (a retry, a rerun) tells nobody twice."""

import datetime
from collections import Counter

import pytest

from qinhuai_talent.core import clock
from qinhuai_talent.core.workflow import PERSON
from qinhuai_talent.notifications.events import render
from qinhuai_talent.notifications.models import Notification
from qinhuai_talent.notifications.services import unit_officers
from serviceplatform import services
from serviceplatform.workflows import REQUEST_WORKFLOW

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2017, 6, 5)


@pytest.fixture
def cast(street_officer, account, own, ip, ip_staff, guarantor, guarantor_staff):
    """The people of a request: its unit's officer, the enterprise's account, two providers' staff."""
    return {
        "officer": street_officer,
        "account": account,
        "enterprise": own,
        "ip": ip,
        "ip_staff": ip_staff,
        "guarantor": guarantor,
        "guarantor_staff": guarantor_staff,
    }


def _filed(c, *, routed=True):
    service = c["ip"][1] if routed else None
    return services.request_file(
        actor=c["officer"], enterprise=c["enterprise"], category="ip", need="专利", service=service
    )


def _accepted(c):
    return services.request_transition(actor=c["ip_staff"], request=_filed(c), action="accept")


def _financing_accepted(c):
    req = services.request_file(
        actor=c["officer"],
        enterprise=c["enterprise"],
        category="tech_finance",
        need="融资",
        service=c["guarantor"][1],
        amount_wanted="1000000",
        use="流动资金",
        instrument="guarantee",
    )
    return services.request_transition(actor=c["guarantor_staff"], request=req, action="accept")


def _delivered(c):
    return services.request_transition(actor=c["ip_staff"], request=_accepted(c), action="deliver", note="已提交")


# Per step: the request brought to a source state, who takes the step, the step itself, and whose
# staff is the request's provider. A transition added to the workflow needs its line here.
RECIPES = {
    "assign": (
        lambda c: _filed(c, routed=False),
        "officer",
        lambda c, r, a: services.request_assign(actor=a, request=r, provider=c["ip"][0]),
        "ip_staff",
    ),
    "accept": (
        _filed,
        "ip_staff",
        lambda c, r, a: services.request_transition(actor=a, request=r, action="accept"),
        "ip_staff",
    ),
    "decline": (
        _filed,
        "ip_staff",
        lambda c, r, a: services.request_transition(actor=a, request=r, action="decline", reason="排期已满"),
        "ip_staff",
    ),
    "start": (
        _accepted,
        "ip_staff",
        lambda c, r, a: services.request_transition(actor=a, request=r, action="start"),
        "ip_staff",
    ),
    "deliver": (
        _accepted,
        "ip_staff",
        lambda c, r, a: services.request_transition(actor=a, request=r, action="deliver", note="已完成"),
        "ip_staff",
    ),
    "record_outcome": (
        _financing_accepted,
        "guarantor_staff",
        lambda c, r, a: services.financing_outcome_record(actor=a, request=r, outcome="granted", amount="800000"),
        "guarantor_staff",
    ),
    "close": (
        _delivered,
        "account",
        lambda c, r, a: services.request_transition(actor=a, request=r, action="close", rating=4),
        "ip_staff",
    ),
    "cancel": (
        _filed,
        "officer",
        lambda c, r, a: services.request_transition(actor=a, request=r, action="cancel", reason="企业已自行解决"),
        "ip_staff",
    ),
}
STEPS = [t for t in REQUEST_WORKFLOW.transitions if t.by == PERSON]


def test_every_step_a_person_takes_has_a_recipe():
    assert {t.action for t in STEPS} == set(RECIPES)


def _told(req, action: str) -> Counter:
    rows = Notification.objects.filter(channel="inbox", key__startswith=f"service_request:{req.pk}:{action}:")
    return Counter(rows.values_list("recipient_id", "event"))


@pytest.mark.parametrize("transition", STEPS, ids=lambda t: t.action)
def test_each_step_tells_its_declared_audiences_each_person_once_and_a_rerun_tells_nobody_again(cast, transition):
    prepare, who, step, staff = RECIPES[transition.action]
    with clock.running_on(MONDAY):
        req = prepare(cast)
        actor = cast[who]
        req = step(cast, req, actor)
    audiences = {
        "provider": {cast[staff].pk},
        "requester": {cast["account"].pk},
        "unit": set(unit_officers(req.org_unit_id)),
    }
    assert cast["officer"].pk in audiences["unit"]
    expected = {(pk, n.event) for n in transition.notices for pk in audiences[n.audience] if pk != actor.pk}
    told = _told(req, transition.action)
    assert set(told) == expected, transition.action
    assert all(n == 1 for n in told.values()), told
    assert actor.pk not in {pk for pk, _event in told}
    if transition.notices:
        assert told, f"{transition.action} declares notices but tells nobody"
    # The same occurrence told again (a retried task, a rerun): no new row for anyone.
    key = Notification.objects.filter(key__startswith=f"service_request:{req.pk}:{transition.action}:").values_list(
        "key", flat=True
    )
    for k in set(key):
        services.tell_of_transition(req, transition.notices, actor=actor, key=k)
    assert _told(req, transition.action) == told


def test_a_request_filed_without_a_provider_tells_the_units_officers_but_not_the_filer(cast, units):
    with clock.running_on(MONDAY):
        by_account = services.request_file(
            actor=cast["account"], enterprise=cast["enterprise"], category="ip", need="专利"
        )
        by_officer = _filed(cast, routed=False)
        routed = _filed(cast)
    assert _told(by_account, "submit") == Counter({(cast["officer"].pk, "service_request_to_assign"): 1})
    assert cast["officer"].pk not in {pk for pk, _e in _told(by_officer, "submit")}
    # Routed at once: the provider hears of it, the unit has nothing to assign.
    assert not _told(routed, "submit")
    assert _told(routed, "assign") == Counter({(cast["ip_staff"].pk, "service_request_assigned"): 1})


def test_the_messages_name_the_request_and_read_in_the_recipients_language(cast):
    with clock.running_on(MONDAY):
        req = services.request_transition(
            actor=cast["ip_staff"], request=_filed(cast), action="decline", reason="排期已满"
        )
    row = Notification.objects.get(channel="inbox", recipient=cast["account"], event="service_request_declined")
    assert row.url == f"/services/requests/{req.pk}/"
    for language, words, number in (("zh-hans", "婉拒", f"第 {req.pk} 号"), ("en", "declined", f"#{req.pk}")):
        subject, body = render(row.event, row.params, language)
        assert number in body and "排期已满" in body and cast["ip"][0].name in body
        assert words in subject + body, (language, subject, body)


def test_overdue_requests_tell_the_unit_and_the_provider_once_per_missed_deadline(cast, park_officer):
    with clock.running_on(MONDAY):
        req = _filed(cast)
    told = Notification.objects.filter(event="service_request_overdue")
    with clock.running_on(MONDAY + datetime.timedelta(days=3)):  # Thursday: due on Thursday, not late
        services.requests_remind_overdue()
        assert not told.exists()
    with clock.running_on(MONDAY + datetime.timedelta(days=4)):
        services.requests_remind_overdue()
        once = told.count()
        services.requests_remind_overdue()  # the beat runs again: nobody hears twice
        assert once and told.count() == once
    overdue = Counter(
        Notification.objects.filter(channel="inbox", event="service_request_overdue").values_list(
            "recipient_id", flat=True
        )
    )
    assert overdue == Counter({cast["officer"].pk: 1, cast["ip_staff"].pk: 1})
    # Accepted late, then its delivery deadline missed too: told again, of the new deadline.
    with clock.running_on(MONDAY + datetime.timedelta(days=4)):
        req = services.request_transition(actor=cast["ip_staff"], request=req, action="accept")
    with clock.running_on(req.due_on + datetime.timedelta(days=1)):
        services.requests_remind_overdue()
    rows = Notification.objects.filter(channel="inbox", event="service_request_overdue", recipient=cast["officer"])
    assert rows.count() == 2
    assert not Notification.objects.filter(event="service_request_overdue", recipient=park_officer).exists()
