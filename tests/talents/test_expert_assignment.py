"""Issue 17 item 3: expert assignment that helps.

"The picker shows the experts' names (not usernames), fields of expertise, current load and open
review deadlines, and flags a conflict (same unit, same enterprise, an earlier declared conflict)
before assigning; reviews get a due date shown to the expert with a 'next application' link", and
the office's batch assignment of experts goes through the same service as the single button.
"""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from qinhuai_talent.core.models import OrgUnit, User
from talents import selectors, services
from talents.models import Application, ExpertProfile, Industry, ReviewAssignment
from tests.domain import raises_domain
from tests.enterprises.factories import EnterpriseFactory
from tests.talents.factories import ApplicationFactory, CallFactory

pytestmark = pytest.mark.django_db

QUEUE = reverse("talents:assignment-queue")


def in_review(*apps):
    Application.objects.filter(pk__in=[a.pk for a in apps]).update(state="expert_review")
    for a in apps:
        a.refresh_from_db()
    return apps


@pytest.fixture
def app(call):
    return in_review(ApplicationFactory(call=call))[0]


def profile(user, **fields):
    p, _ = ExpertProfile.objects.update_or_create(user=user, defaults=fields)
    return p


def same_unit(app, expert, office):
    profile(expert, employer="夫子庙街道办事处", employer_unit=app.org_unit)


def same_enterprise(app, expert, office):
    from enterprises.models import Founder

    enterprise = EnterpriseFactory()
    Founder.objects.create(enterprise=enterprise, talent=app.talent, equity_share=Decimal("30"))
    profile(expert, employer=enterprise.name, employer_credit_code=enterprise.credit_code)


def earlier_conflict(app, expert, office):
    last_year = CallFactory(year=app.call.year - 1)
    before = in_review(ApplicationFactory(call=last_year, talent=app.talent, venture_name="早先的申报"))[0]
    assignment = services.review_assign(application_id=before.pk, expert=expert, actor=office)
    services.review_declare_conflict(assignment_id=assignment.pk, actor=expert, reason="曾为其公司顾问")


CONFLICTS = {"same unit": same_unit, "the applicant's enterprise": same_enterprise, "declared before": earlier_conflict}


@pytest.mark.parametrize("kind", sorted(CONFLICTS))
def test_a_conflict_of_interest_refuses_the_assignment_with_its_reason(kind, app, expert, office):
    CONFLICTS[kind](app, expert, office)
    reasons = selectors.review_conflicts([app], [expert])[(app.pk, expert.pk)]
    assert len(reasons) == 1
    with raises_domain("conflict_of_interest") as refused:
        services.review_assign(application_id=app.pk, expert=expert, actor=office)
    assert reasons[0] in str(refused.value.message)
    assert not ReviewAssignment.objects.filter(application=app, expert=expert).exists()
    # Shown the conflict, the assigner may assign despite it; the conflict shown is kept.
    assignment = services.review_assign(application_id=app.pk, expert=expert, actor=office, despite_conflict=True)
    assert assignment.conflict_flagged == reasons[0]


def test_an_expert_without_a_conflict_is_assigned_and_has_a_due_date(app, expert, office, settings):
    profile(expert, employer="南京大学", employer_unit=OrgUnit.objects.get(code="shuangtang"))
    assert selectors.review_conflicts([app], [expert]) == {}
    assignment = services.review_assign(application_id=app.pk, expert=expert, actor=office)
    assert assignment.conflict_flagged == ""
    assert assignment.due_on == timezone.localdate(assignment.assigned_at) + datetime.timedelta(
        days=settings.REVIEW_DUE_DAYS
    )


def test_the_picker_shows_names_fields_load_due_dates_and_conflicts(app, call, expert, expert2, office, client):
    profile(expert, employer="南京大学").fields.set([Industry.objects.get(code="cloud_computing")])
    same_unit(app, expert2, office)
    other = in_review(ApplicationFactory(call=call))[0]
    first = services.review_assign(application_id=other.pk, expert=expert, actor=office)
    client.force_login(office)
    page = client.get(reverse("talents:application-detail", args=[app.pk])).content.decode()
    roster = page[page.index("data-roster") :]
    for e in (expert, expert2):
        assert e.get_full_name() in roster
        assert f">{e.username}<" not in roster
    assert Industry.objects.get(code="cloud_computing").name in roster
    row = roster[roster.index(f'data-expert="{expert.pk}"') :]
    row = row[: row.index("</tr>")]
    assert ">1<" in row.replace(" ", "") and first.due_on.isoformat() in row
    conflicted = roster[roster.index(f'data-expert="{expert2.pk}"') :]
    conflicted = conflicted[: conflicted.index("</tr>")]
    assert "data-conflict" in conflicted and 'name="despite_conflict"' in conflicted


def test_assigning_from_the_picker_despite_a_conflict_needs_the_box_ticked(app, expert, office, client):
    same_unit(app, expert, office)
    client.force_login(office)
    url = reverse("talents:review-assign", args=[app.pk])
    page = client.post(url, {"expert": expert.pk}, follow=True).content.decode()
    assert "conflict" in page.lower() or "回避" in page or "利益冲突" in page
    assert not ReviewAssignment.objects.filter(application=app).exists()
    client.post(url, {"expert": expert.pk, "despite_conflict": "1"})
    assert ReviewAssignment.objects.get(application=app, expert=expert).conflict_flagged


def test_the_expert_sees_the_due_date_and_a_link_to_the_next_application(call, expert, office, client):
    first, second = in_review(ApplicationFactory(call=call), ApplicationFactory(call=call))
    a1 = services.review_assign(application_id=first.pk, expert=expert, actor=office)
    services.review_assign(application_id=second.pk, expert=expert, actor=office)
    client.force_login(expert)
    queue = client.get(reverse("talents:expert-queue")).content.decode()
    assert a1.due_on.isoformat() in queue
    page = client.get(reverse("talents:application-detail", args=[first.pk])).content.decode()
    assert a1.due_on.isoformat() in page[page.index("data-due") :]
    nxt = page[page.index("data-next-review") :]
    assert reverse("talents:application-detail", args=[second.pk]) in nxt[: nxt.index("</p>")]


# ---------------------------------------------------------------- the batch assignment queue


def shuangtang():
    return OrgUnit.objects.get(code="shuangtang")


def post(client, step, apps, experts, **extra):
    data = {"step": step, "ids": [a if isinstance(a, int) else a.pk for a in apps]}
    data["experts"] = [e if isinstance(e, int) else e.pk for e in experts]
    return client.post(QUEUE, {**data, **extra})


def results(response) -> dict[str, str]:
    import re

    return dict(re.findall(r'data-pair="(\d+-\d+)" data-result="(\w+)"', response.content.decode()))


@pytest.mark.parametrize("username", ["expert", "finance", "leader", "talent", "enterprise"])
def test_the_queue_is_not_there_for_roles_that_do_not_assign(username, units, client):
    client.force_login(User.objects.get(username=username))
    assert client.get(QUEUE).status_code == 404
    assert client.post(QUEUE, {"step": "confirm", "ids": [1], "experts": [1]}).status_code == 404


def test_a_unit_officer_lists_only_their_units_applications(call, street_officer, other_street_officer, client):
    ours, theirs = in_review(
        ApplicationFactory(call=call),
        ApplicationFactory(call=call, talent__org_unit=OrgUnit.objects.get(code="shuangtang")),
    )
    client.force_login(street_officer)
    page = client.get(QUEUE).content.decode()
    assert f'data-application="{ours.pk}"' in page and f'data-application="{theirs.pk}"' not in page
    # Another unit's application chosen by a forged id: not found, untouched.
    run = post(client, "run", [theirs], [User.objects.get(username="expert")])
    assert set(results(run).values()) == {"not_found"}
    assert not ReviewAssignment.objects.filter(application=theirs).exists()


def test_the_confirmation_lists_every_pair_and_changes_nothing(call, expert, expert2, office, client):
    a, b = in_review(ApplicationFactory(call=call), ApplicationFactory(call=call, talent__org_unit=shuangtang()))
    same_unit(a, expert2, office)  # 夫子庙街道: a conflict with a, not with b of 双塘街道
    services.review_assign(application_id=b.pk, expert=expert, actor=office)
    client.force_login(office)
    confirm = post(client, "confirm", [a, b], [expert, expert2])
    assert confirm.status_code == 200
    assert results(confirm) == {
        f"{a.pk}-{expert.pk}": "assign",
        f"{a.pk}-{expert2.pk}": "conflict_of_interest",
        f"{b.pk}-{expert.pk}": "already_assigned",
        f"{b.pk}-{expert2.pk}": "assign",
    }
    assert ReviewAssignment.objects.count() == 1


def test_the_run_assigns_each_pair_through_the_service_once(call, expert, expert2, office, client, mailoutbox):
    a, b = in_review(ApplicationFactory(call=call), ApplicationFactory(call=call, talent__org_unit=shuangtang()))
    same_unit(a, expert2, office)  # 夫子庙街道: a conflict with a, not with b of 双塘街道
    client.force_login(office)
    first = results(post(client, "run", [a, b], [expert, expert2]))
    assert first == {
        f"{a.pk}-{expert.pk}": "done",
        f"{a.pk}-{expert2.pk}": "conflict_of_interest",
        f"{b.pk}-{expert.pk}": "done",
        f"{b.pk}-{expert2.pk}": "done",
    }
    assert set(ReviewAssignment.objects.values_list("application_id", "expert_id")) == {
        (a.pk, expert.pk),
        (b.pk, expert.pk),
        (b.pk, expert2.pk),
    }
    # Posted again (a double click, the back button): nothing is assigned twice.
    again = results(post(client, "run", [a, b], [expert, expert2]))
    assert "done" not in again.values()
    assert ReviewAssignment.objects.count() == 3


def test_a_forged_expert_is_not_found(app, office, client, units):
    client.force_login(office)
    run = post(client, "run", [app], [User.objects.get(username="finance")])
    assert set(results(run).values()) == {"not_found"}
    assert not ReviewAssignment.objects.exists()


def test_choosing_nothing_is_a_400_with_a_message(app, office, client):
    client.force_login(office)
    response = client.post(QUEUE, {"step": "confirm", "ids": [app.pk]})
    assert response.status_code == 400


def test_the_queue_page_costs_the_same_queries_for_many_applications(
    call, office, client, django_assert_max_num_queries
):
    in_review(*[ApplicationFactory(call=call) for _ in range(3)])
    client.force_login(office)
    with django_assert_max_num_queries(40) as few:
        client.get(QUEUE)
    in_review(*[ApplicationFactory(call=call) for _ in range(12)])
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(QUEUE)
