"""Who sees what: every list and detail, pages and API, with pinned query counts."""

import pytest

from qinhuai_talent.core.masking import mask_id_number
from talents import services
from talents.models import Application, ReviewAssignment

from .factories import ApplicationFactory, TalentFactory, unit
from .helpers import pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def spread(call, street_officer, other_street_officer, office, expert):
    """Three applications of 夫子庙, two of 双塘; the expert is assigned to one of 夫子庙's."""
    ours = [ApplicationFactory(call=call) for _ in range(3)]
    theirs = [ApplicationFactory(call=call, talent=TalentFactory(org_unit=unit("shuangtang"))) for _ in range(2)]
    Application.objects.filter(pk=ours[0].pk).update(state="expert_review")
    services.review_assign(application_id=ours[0].pk, expert=expert, actor=office)
    services.attachment_add(actor=street_officer, application_id=ours[1].pk, kind="business_plan", upload=pdf())
    return {"ours": ours, "theirs": theirs}


def ids(response):
    assert response.status_code == 200, response.content
    return {r["id"] for r in response.json()["results"]}


def test_application_list_is_scoped_per_role(
    api, spread, street_officer, other_street_officer, office, expert, finance, leader
):
    ours = {a.pk for a in spread["ours"]}
    theirs = {a.pk for a in spread["theirs"]}
    assert ids(api(street_officer).get("/api/v1/applications/")) == ours
    assert ids(api(other_street_officer).get("/api/v1/applications/")) == theirs
    assert ids(api(office).get("/api/v1/applications/")) == ours | theirs
    assert ids(api(leader).get("/api/v1/applications/")) == ours | theirs
    assert ids(api(expert).get("/api/v1/applications/")) == {spread["ours"][0].pk}
    assert ids(api(finance).get("/api/v1/applications/")) == set()


def test_application_detail_out_of_scope_is_404(api, web, spread, other_street_officer, expert, street_officer):
    ours = spread["ours"][1]
    assert api(other_street_officer).get(f"/api/v1/applications/{ours.pk}/").status_code == 404
    assert api(expert).get(f"/api/v1/applications/{ours.pk}/").status_code == 404
    assert api(street_officer).get(f"/api/v1/applications/{ours.pk}/").json()["org_unit"] == "fuzimiao"
    assert web(other_street_officer).get(f"/talents/applications/{ours.pk}/").status_code == 404


def test_transition_on_another_units_application_is_404(api, spread, other_street_officer):
    response = api(other_street_officer).post(f"/api/v1/applications/{spread['ours'][1].pk}/submit/", {}, format="json")
    assert response.status_code == 404


def test_leader_reads_but_never_writes(api, spread, leader):
    response = api(leader).post(f"/api/v1/applications/{spread['ours'][1].pk}/submit/", {}, format="json")
    assert response.status_code == 403


def test_talent_and_title_lists_are_scoped(api, spread, street_officer, other_street_officer, expert, office):
    ours = {a.talent_id for a in spread["ours"]}
    assert ids(api(street_officer).get("/api/v1/talents/")) == ours
    assert ids(api(expert).get("/api/v1/talents/")) == set()
    other = spread["ours"][0].talent
    assert api(other_street_officer).get(f"/api/v1/talents/{other.pk}/").status_code == 404
    assert ids(api(office).get("/api/v1/titles/")) == set()


def test_id_numbers_are_masked_except_on_the_detail_for_office_and_own_unit(
    api, web, spread, street_officer, office, leader
):
    talent = spread["ours"][0].talent
    listed = api(street_officer).get("/api/v1/talents/").json()["results"]
    assert all("*" in r["id_number"] for r in listed)
    assert api(street_officer).get(f"/api/v1/talents/{talent.pk}/").json()["id_number"] == talent.id_number
    assert api(office).get(f"/api/v1/talents/{talent.pk}/").json()["id_number"] == talent.id_number
    assert api(leader).get(f"/api/v1/talents/{talent.pk}/").json()["id_number"] != talent.id_number
    page = web(street_officer).get("/talents/").content.decode()
    assert talent.id_number not in page and mask_id_number(talent.id_number) in page
    assert talent.id_number in web(street_officer).get(f"/talents/{talent.pk}/").content.decode()


def test_leader_detail_page_masks_the_id_number(web, spread, leader):
    talent = spread["ours"][0].talent
    assert talent.id_number not in web(leader).get(f"/talents/{talent.pk}/").content.decode()


def test_reviews_are_scoped(api, spread, expert, expert2, street_officer, other_street_officer):
    assignment = ReviewAssignment.objects.get()
    assert ids(api(expert).get("/api/v1/reviews/")) == {assignment.pk}
    assert ids(api(expert2).get("/api/v1/reviews/")) == set()
    assert ids(api(street_officer).get("/api/v1/reviews/")) == {assignment.pk}
    assert api(other_street_officer).get(f"/api/v1/reviews/{assignment.pk}/").status_code == 404


def test_attachments_are_served_only_to_those_who_may_see_the_application(
    web, client, spread, street_officer, other_street_officer, office
):
    app = spread["ours"][1]
    attachment = app.attachments.get()
    url = f"/talents/applications/{app.pk}/attachments/{attachment.pk}/"
    assert web(other_street_officer).get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302
    response = web(street_officer).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")


def test_pipeline_board_counts_only_the_officers_unit(web, spread, call, street_officer, office):
    board = web(street_officer).get(f"/talents/calls/{call.pk}/")
    assert board.context["total"] == 3
    assert dict((code, n) for code, _, n in board.context["stages"])["expert_review"] == 1
    assert web(office).get(f"/talents/calls/{call.pk}/").context["total"] == 5


def test_expert_queue_lists_only_my_pending_reviews(web, spread, expert, expert2):
    assert [a.application_id for a in web(expert).get("/talents/reviews/").context["page"]] == [spread["ours"][0].pk]
    assert list(web(expert2).get("/talents/reviews/").context["page"]) == []
    assert web(expert).get("/talents/").status_code == 404


def test_blind_scoring_hides_other_experts_scores_until_i_submit(web, spread, office, expert, expert2):
    app = spread["ours"][0]
    second = services.review_assign(application_id=app.pk, expert=expert2, actor=office)
    services.review_submit(assignment_id=second.pk, actor=expert2, scores={"innovation": 77, "market": 66})
    before = web(expert).get(f"/talents/applications/{app.pk}/")
    assert [a.expert for a in before.context["assignments"]] == [expert]
    mine = ReviewAssignment.objects.get(application=app, expert=expert)
    services.review_submit(assignment_id=mine.pk, actor=expert, scores={"innovation": 80, "market": 80})
    after = web(expert).get(f"/talents/applications/{app.pk}/")
    # By default the office shows experts nothing of the others, even after their own review.
    assert [a.expert for a in after.context["assignments"]] == [expert]
    app.call.expert_disclosure = "full"
    app.call.save()
    disclosed = web(expert).get(f"/talents/applications/{app.pk}/")
    assert {a.expert for a in disclosed.context["assignments"]} == {expert, expert2}


def test_home_shows_each_role_its_work(web, spread, street_officer, expert):
    Application.objects.filter(pk=spread["ours"][1].pk).update(state="submitted")
    items = {a.label: a.count for a in web(street_officer).get("/").context["attention"]}
    assert items["待我初审的申报"] == 1
    items = {a.label: a.count for a in web(expert).get("/").context["attention"]}
    assert items["分配给我的评审"] == 1


# ---------------------------------------------------------------- pinned query counts


@pytest.fixture
def many(call, office, expert):
    apps = [ApplicationFactory(call=call) for _ in range(12)]
    Application.objects.filter(pk__in=[a.pk for a in apps]).update(state="expert_review")
    for app in apps:
        services.review_assign(application_id=app.pk, expert=expert, actor=office)
    return apps


API_BUDGETS = {
    # session/user, count, page rows; talents: + titles prefetch; reviews: + scores prefetch
    "/api/v1/programs/": 3,
    "/api/v1/calls/": 5,
    "/api/v1/talents/": 4,
    "/api/v1/titles/": 3,
    "/api/v1/applications/": 3,
    "/api/v1/reviews/": 4,
}


@pytest.mark.parametrize("url", list(API_BUDGETS))
def test_api_lists_have_a_constant_number_of_queries(api, many, office, url, django_assert_max_num_queries):
    client = api(office)
    with django_assert_max_num_queries(API_BUDGETS[url]):
        assert client.get(url).status_code == 200


PAGE_BUDGETS = {
    # session, user, calls count, calls page, nav/attention
    "/talents/calls/": 8,
    # session, user, call, criteria, focus industries, stage counts, count, page rows, attention
    "board": 12,
    # session, user, count, page rows, titles prefetch, programs, units
    "/talents/": 9,
}


@pytest.mark.parametrize("url", list(PAGE_BUDGETS))
def test_pages_have_a_constant_number_of_queries(web, many, call, office, url, django_assert_max_num_queries):
    client = web(office)
    target = f"/talents/calls/{call.pk}/" if url == "board" else url
    with django_assert_max_num_queries(PAGE_BUDGETS[url]):
        assert client.get(target).status_code == 200


def test_expert_queue_has_a_constant_number_of_queries(web, many, expert, django_assert_max_num_queries):
    # session, user, count, page rows (with application, call, program, industry), attention
    client = web(expert)
    with django_assert_max_num_queries(6):
        response = client.get("/talents/reviews/")
    assert len(response.context["page"]) == 12
