"""Every transition of the application pipeline, through the services, with who may take it."""

import datetime

import pytest
from django.utils import timezone, translation

from qinhuai_talent.core.errors import ActionNotAllowed, DomainError
from qinhuai_talent.core.workflow import transitions_of
from talents import services
from talents.models import Application, ObjectionState, Program, Title
from tests.domain import raises_domain

from .factories import ApplicationFactory, CallFactory

pytestmark = pytest.mark.django_db


def move(app, action, actor, **kw):
    return services.application_transition(application_id=app.pk, action=action, actor=actor, **kw)


def test_street_officer_submits_their_units_draft_and_the_log_says_who(draft, street_officer):
    app = move(draft, "submit", street_officer)
    assert app.state == "submitted" and app.submitted_at is not None
    log = list(transitions_of(app))
    assert [(e.action, e.from_state, e.to_state, e.actor) for e in log] == [
        ("submit", "draft", "submitted", street_officer)
    ]


def test_return_for_revision_needs_a_reason_and_goes_back_with_the_comment(draft, street_officer):
    move(draft, "submit", street_officer)
    with pytest.raises(DomainError, match="请|reason"):
        move(draft, "return", street_officer)
    app = move(draft, "return", street_officer, reason="补充财务报表")
    assert app.state == "returned" and app.officer_comment == "补充财务报表"
    assert move(draft, "submit", street_officer).state == "submitted"


def test_preliminary_review_passes_to_expert_review(draft, street_officer):
    move(draft, "submit", street_officer)
    assert move(draft, "accept", street_officer).state == "expert_review"


def test_preliminary_reject_is_final_with_reason(draft, street_officer):
    move(draft, "submit", street_officer)
    app = move(draft, "preliminary_reject", street_officer, reason="材料不实")
    assert app.state == "rejected" and app.decided_at is not None


def test_defense_waits_for_the_minimum_reviews(draft, street_officer, office, expert, expert2):
    move(draft, "submit", street_officer)
    move(draft, "accept", street_officer)
    with pytest.raises(DomainError, match="0"):
        move(draft, "to_defense", street_officer)
    from .conftest import score_all

    score_all(draft, expert, office=office)
    with raises_domain("reviews_missing"):
        move(draft, "to_defense", street_officer)
    score_all(draft, expert2, office=office, value=60)
    app = move(draft, "to_defense", street_officer)
    assert app.state == "defense" and app.score == 70


def test_hosting_unit_selects_a_district_project_after_a_favourable_vote(draft, advance, street_officer):
    advance(draft, "defense")
    app = Application.objects.get(pk=draft.pk)
    Application.objects.filter(pk=app.pk).update(defense_votes_for=None)
    with raises_domain("vote_missing"):
        move(app, "select", street_officer)
    services.defense_record_vote(application_id=app.pk, actor=street_officer, votes_for=2, votes_against=3)
    with raises_domain("vote_failed"):
        move(app, "select", street_officer)
    services.defense_record_vote(application_id=app.pk, actor=street_officer, votes_for=5, votes_against=2)
    app = move(app, "select", street_officer)
    assert app.state == "public_notice"
    assert app.notice_ends_on == timezone.localdate() + datetime.timedelta(days=15)


def test_ratification_waits_for_the_notice_and_creates_the_title(draft, advance, office, street_officer):
    app = advance(draft, "public_notice")
    with raises_domain("notice_running"):
        move(app, "approve", office, origin="introduced")
    Application.objects.filter(pk=app.pk).update(
        notice_starts_on=timezone.localdate() - datetime.timedelta(days=16),
        notice_ends_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    with pytest.raises(ActionNotAllowed):
        move(app, "approve", street_officer, origin="introduced")
    with raises_domain("origin"):
        move(app, "approve", office)
    app = move(app, "approve", office, origin="self_cultivated")
    title = Title.objects.get(application=app)
    assert app.state == "approved"
    assert (title.talent, title.program.code, title.year, title.origin, title.org_unit) == (
        app.talent,
        "district_high_level_entrepreneur",
        app.call.year,
        "self_cultivated",
        app.org_unit,
    )
    assert [e.action for e in transitions_of(app)] == ["submit", "accept", "to_defense", "select", "approve"]


def test_an_open_objection_holds_the_decision_until_it_is_resolved(draft, advance, office):
    app = advance(draft, "public_notice")
    Application.objects.filter(pk=app.pk).update(
        notice_starts_on=timezone.localdate() - datetime.timedelta(days=16),
        notice_ends_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    objection = services.objection_record(application_id=app.pk, actor=office, content="学历造假")
    with pytest.raises(DomainError, match="异议|objection"):
        move(app, "approve", office, origin="introduced")
    services.objection_resolve(objection_id=objection.pk, actor=office, upheld=False, resolution="经核查不属实")
    objection.refresh_from_db()
    assert objection.state == ObjectionState.DISMISSED
    assert move(app, "approve", office, origin="introduced").state == "approved"


def test_an_upheld_objection_leads_to_rejection_after_notice(draft, advance, office):
    app = advance(draft, "public_notice")
    objection = services.objection_record(application_id=app.pk, actor=office, content="学历造假")
    services.objection_resolve(objection_id=objection.pk, actor=office, upheld=True, resolution="经核查属实")
    with raises_domain("notice_running"):
        move(app, "approve", office, origin="introduced")
    assert move(app, "reject_after_notice", office, reason="异议成立").state == "rejected"
    assert not Title.objects.filter(application=app).exists()


def test_selector_rejects_after_expert_review(draft, advance, street_officer):
    app = advance(draft, "expert_review")
    assert move(app, "reject", street_officer, reason="评分靠后").state == "rejected"


def test_withdraw_from_any_open_state(draft, advance, street_officer):
    app = advance(draft, "expert_review")
    assert move(app, "withdraw", street_officer, reason="个人原因").state == "withdrawn"
    with raises_domain("invalid_state"):
        move(app, "submit", street_officer)


def test_upward_programs_are_recommended_and_the_outcome_recorded(units, advance, office, street_officer):
    call = CallFactory(program=Program.objects.get(code="municipal_high_level_entrepreneur"), eligibility={})
    app = ApplicationFactory(call=call)
    call.required_documents = []
    call.save()
    app = advance(app, "expert_review")
    with raises_domain("decided_above"):
        move(app, "select", office)
    with pytest.raises(ActionNotAllowed):
        move(app, "recommend", street_officer)
    assert move(app, "recommend", office).state == "recommended"
    app = move(app, "record_approved", office, origin="introduced")
    assert app.state == "approved" and Title.objects.get(application=app).program.code == call.program.code

    other = ApplicationFactory(call=call)
    other = advance(other, "recommended")
    assert move(other, "record_rejected", office, reason="省级评审未入选").state == "rejected"


def test_district_projects_are_not_recommended_upward(draft, advance, office):
    app = advance(draft, "expert_review")
    with raises_domain("decided_in_district"):
        move(app, "recommend", office)


def test_a_program_without_defense_goes_straight_to_notice(units, advance, office):
    program = Program.objects.get(code="district_high_level_entrepreneur")
    Program.objects.filter(pk=program.pk).update(has_defense=False)
    call = CallFactory(required_documents=[])
    app = advance(ApplicationFactory(call=call), "expert_review")
    with raises_domain("no_defense"):
        move(app, "to_defense", office)
    assert move(app, "select", office).state == "public_notice"


def test_another_units_officer_may_not_move_the_application(draft, other_street_officer, park_officer, expert):
    for actor in (other_street_officer, park_officer, expert):
        with pytest.raises(ActionNotAllowed):
            move(draft, "submit", actor)
    assert Application.objects.get(pk=draft.pk).state == "draft"


def test_unknown_action_and_wrong_state_are_refused(draft, street_officer):
    with raises_domain("unknown_action"):
        move(draft, "teleport", street_officer)
    with raises_domain("invalid_state"):
        move(draft, "accept", street_officer)


def test_call_is_opened_closed_and_finished_by_the_office(units, office, street_officer):
    call = CallFactory(state="draft", year=2030)
    with pytest.raises(ActionNotAllowed):
        services.call_transition(call_id=call.pk, action="open", actor=street_officer)
    assert services.call_transition(call_id=call.pk, action="open", actor=office).state == "open"
    assert services.call_transition(call_id=call.pk, action="close", actor=office).state == "closed"
    assert services.call_transition(call_id=call.pk, action="finish", actor=office).state == "finished"


def test_a_call_opens_only_with_a_rubric_of_100(units, office):
    call = CallFactory(state="draft", year=2031)
    call.criteria.filter(code="market").delete()
    with pytest.raises(DomainError, match="100"):
        services.call_transition(call_id=call.pk, action="open", actor=office)


def test_industry_fit_is_scored_and_explained(call, units):
    from talents.fit import explain
    from talents.models import Industry

    with translation.override("zh-hans"):
        fit, why = services.industry_fit(call=call, industry=Industry.objects.get(code="cloud_computing"), summary="")
        assert fit == 100 and "云计算" in explain(why)
        fit, _ = services.industry_fit(call=call, industry=Industry.objects.get(code="biomedicine"), summary="")
        assert fit == 20
        fit, why = services.industry_fit(
            call=call, industry=Industry.objects.get(code="biomedicine"), summary="结合电子商务"
        )
        assert fit == 40 and "加20分" in explain(why)
    # Scored while a Chinese officer submitted it, the reasons read in English for an English reader.
    with translation.override("en"):
        assert explain(why) == (
            "Biomedicine is not among the call's focus industries (Cloud computing, Smart transport, E-commerce): 20."
            " The summary names E-commerce: +20."
        )
