"""Who hears of an application's steps (issue 16, item 6): the applicant's account of each step in
words that do not reveal the review, the unit's officers of new work, the expert of an
assignment and its due date, the office of an objection. Exactly once per step."""

import pytest

from qinhuai_talent.core.models import Role, User
from qinhuai_talent.notifications.models import Notification
from talents import services

pytestmark = pytest.mark.django_db


def inbox(user) -> list[str]:
    rows = Notification.objects.filter(recipient=user, channel="inbox").order_by("id")
    return list(rows.values_list("event", flat=True))


@pytest.fixture
def applicant(draft):
    account = User.objects.create_user("applicant1", password="x-Long-pass-1", role=Role.LEADER)
    draft.talent.account = account
    draft.talent.save()
    return account


def test_the_applicant_hears_of_every_step_to_the_decision(draft, applicant, advance, street_officer, expert, office):
    advance(draft, "approved")
    assert inbox(applicant) == ["application_received", "notice_started", "application_decided"]
    decided = Notification.objects.get(recipient=applicant, event="application_decided", channel="inbox")
    assert "已入选" in decided.body
    # Nothing the applicant receives names an expert or a score.
    for n in Notification.objects.filter(recipient=applicant):
        assert expert.username not in n.body and "score" not in n.params
    assert "application_new_in_unit" in inbox(street_officer)
    assert inbox(expert) == ["review_assigned"]


def test_return_withdraw_and_a_rejection(draft, applicant, street_officer):
    move = lambda action, **kw: services.application_transition(  # noqa: E731
        application_id=draft.pk, action=action, actor=street_officer, **kw
    )
    move("submit")
    move("return", reason="请补充财务报表")
    returned = Notification.objects.get(recipient=applicant, event="application_returned", channel="inbox")
    assert "请补充财务报表" in returned.body
    move("submit")
    move("withdraw", reason="个人原因")
    assert inbox(applicant) == [
        "application_received",
        "application_returned",
        "application_received",
        "application_withdrawn",
    ]
    assert inbox(street_officer).count("application_withdrawn") == 1


def test_an_objection_reaches_the_office(draft, advance, office):
    advance(draft, "public_notice")
    services.objection_record(application_id=draft.pk, actor=office, content="学历存疑")
    assert "objection_filed" in inbox(office)


def test_experts_are_reminded_once_of_a_review_falling_due(draft, advance, street_officer, office, expert, settings):
    from django.utils import timezone

    services.application_transition(application_id=draft.pk, action="submit", actor=street_officer)
    services.application_transition(application_id=draft.pk, action="accept", actor=street_officer)
    assignment = services.review_assign(application_id=draft.pk, expert=expert, actor=office)
    assert services.reviews_remind_due() == 0  # due in 14 days: not yet
    type(assignment).objects.filter(pk=assignment.pk).update(
        assigned_at=timezone.now() - timezone.timedelta(days=settings.REVIEW_DUE_DAYS - 2)
    )
    assert services.reviews_remind_due() > 0
    services.reviews_remind_due()
    assert inbox(expert).count("review_due") == 1
