"""Every bad input of the issue is refused with a message naming the problem, nothing half-saved."""

import datetime

import pytest
from django.test import override_settings
from django.utils import timezone

from qinhuai_talent.core.errors import ActionNotAllowed, DomainError
from talents import services
from talents.models import Application, Attachment, Industry, ReviewAssignment, ReviewScore, Talent
from tests.domain import raises_domain

from .factories import ApplicationFactory, TalentFactory, unit
from .helpers import pdf

pytestmark = pytest.mark.django_db


def test_applying_twice_to_the_same_call_is_refused(draft, street_officer):
    with pytest.raises(DomainError, match="已|already") as exc:
        services.application_create(
            actor=street_officer,
            talent=draft.talent,
            call=draft.call,
            industry=draft.industry,
            venture_name="第二份",
            source_channel="own",
        )
    assert exc.value.field == "call"
    assert Application.objects.filter(talent=draft.talent).count() == 1


def test_nothing_is_submitted_after_the_call_closes(draft, street_officer):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    type(draft.call).objects.filter(pk=draft.call_id).update(
        opens_on=yesterday - datetime.timedelta(days=30), closes_on=yesterday
    )
    with raises_domain("call_closed") as exc:
        services.application_transition(application_id=draft.pk, action="submit", actor=street_officer)
    assert exc.value.code == "call_closed" and yesterday.isoformat() in str(exc.value.message)
    assert Application.objects.get(pk=draft.pk).state == "draft"


def test_an_ineligible_profile_is_refused_naming_each_rule(draft, street_officer):
    Application.objects.filter(pk=draft.pk).update(is_legal_representative=False, own_paid_in_capital=100)
    with raises_domain("ineligible") as exc:
        services.application_transition(application_id=draft.pk, action="submit", actor=street_officer)
    message = str(exc.value.message)
    assert exc.value.code == "ineligible"
    assert "法定代表人" in message or "legal representative" in message
    assert "500000" in message
    assert Application.objects.get(pk=draft.pk).submitted_at is None


def test_age_degree_and_company_age_rules(call, street_officer):
    call.eligibility = {"max_age": 35, "min_education": "doctorate", "max_company_age_years": 3}
    call.save()
    talent = TalentFactory(birth_date=datetime.date(1970, 1, 1), education="master")
    app = ApplicationFactory(call=call, talent=talent, company_founded_on=datetime.date(2000, 1, 1))
    assert len(services.eligibility_problems(app)) == 3


def test_an_invalid_id_number_is_refused(units, street_officer, api):
    with raises_domain("id_number_invalid") as exc:
        services.talent_create(
            actor=street_officer, org_unit=unit("fuzimiao"), name="张三", id_number="320104198001010010"
        )
    assert exc.value.field == "id_number"
    response = api(street_officer).post("/api/v1/talents/", {"name": "张三", "id_number": "12345"}, format="json")
    assert response.status_code == 400 and "id_number" in response.json()
    assert not Talent.objects.filter(name="张三").exists()


def test_a_missing_required_document_is_refused(call, street_officer):
    app = ApplicationFactory(call=call)
    with raises_domain("documents_missing") as exc:
        services.application_transition(application_id=app.pk, action="submit", actor=street_officer)
    assert exc.value.field == "attachments"
    assert "商业计划书" in str(exc.value.message) or "Business plan" in str(exc.value.message)


def test_an_attachment_of_the_wrong_type_is_refused(call, street_officer):
    app = ApplicationFactory(call=call)
    for name, content, code in [
        ("virus.exe", b"MZ\x90\x00", "file_type"),
        ("fake.pdf", b"MZ\x90\x00not a pdf", "file_forged"),
    ]:
        with raises_domain(code) as exc:
            services.attachment_add(
                actor=street_officer, application_id=app.pk, kind="business_plan", upload=pdf(name, content)
            )
        assert exc.value.field == "file" and name in str(exc.value.message)
    assert not Attachment.objects.exists()


@override_settings(TALENTS_ATTACHMENT_MAX_BYTES=1024)
def test_an_attachment_over_the_limit_is_refused(call, street_officer):
    app = ApplicationFactory(call=call)
    with pytest.raises(DomainError, match="MB"):
        services.attachment_add(
            actor=street_officer,
            application_id=app.pk,
            kind="business_plan",
            upload=pdf("big.pdf", b"%PDF" + b"0" * 2048),
        )
    assert not Attachment.objects.exists()


def _in_review(draft, advance, office, expert):
    app = advance(draft, "submitted")
    services.application_transition(application_id=app.pk, action="accept", actor=office)
    return services.review_assign(application_id=app.pk, expert=expert, actor=office)


def test_a_score_outside_the_criterion_range_is_refused(draft, advance, office, expert):
    assignment = _in_review(draft, advance, office, expert)
    for bad in ("101", "-1", "abc"):
        with pytest.raises(DomainError, match="技术创新性|innovation"):
            services.review_submit(
                assignment_id=assignment.pk, actor=expert, scores={"innovation": bad, "market": "80"}
            )
    assert not ReviewScore.objects.exists()
    assert ReviewAssignment.objects.get(pk=assignment.pk).submitted_at is None


def test_every_criterion_must_be_scored(draft, advance, office, expert):
    assignment = _in_review(draft, advance, office, expert)
    with pytest.raises(DomainError, match="市场前景|market"):
        services.review_submit(assignment_id=assignment.pk, actor=expert, scores={"innovation": "80"})


def test_an_expert_may_not_score_what_they_are_not_assigned(draft, advance, office, expert, expert2, api):
    assignment = _in_review(draft, advance, office, expert)
    with pytest.raises(ActionNotAllowed):
        services.review_submit(assignment_id=assignment.pk, actor=expert2, scores={"innovation": 80, "market": 80})
    response = api(expert2).post(
        f"/api/v1/reviews/{assignment.pk}/submit/", {"scores": {"innovation": 80, "market": 80}}, format="json"
    )
    assert response.status_code == 404


def test_an_expert_who_declared_a_conflict_may_not_score(draft, advance, office, expert, api):
    assignment = _in_review(draft, advance, office, expert)
    services.review_declare_conflict(assignment_id=assignment.pk, actor=expert, reason="曾为该公司顾问")
    response = api(expert).post(
        f"/api/v1/reviews/{assignment.pk}/submit/", {"scores": {"innovation": 80, "market": 80}}, format="json"
    )
    assert response.status_code == 403
    assert "利益冲突" in str(response.json()) or "conflict" in str(response.json())
    assert not ReviewScore.objects.exists()


def test_a_conflicted_review_does_not_count_towards_the_minimum(draft, advance, office, expert, expert2):
    assignment = _in_review(draft, advance, office, expert)
    services.review_declare_conflict(assignment_id=assignment.pk, actor=expert, reason="亲属关系")
    second = services.review_assign(application_id=draft.pk, expert=expert2, actor=office)
    services.review_submit(assignment_id=second.pk, actor=expert2, scores={"innovation": 90, "market": 90})
    with raises_domain("reviews_missing") as exc:
        services.application_transition(application_id=draft.pk, action="to_defense", actor=office)
    assert exc.value.code == "reviews_missing"


def test_requested_support_above_the_programs_maximum_is_refused(call, street_officer):
    with raises_domain("above_max_support") as exc:
        services.application_create(
            actor=street_officer,
            talent=TalentFactory(),
            call=call,
            industry=Industry.objects.get(code="e_commerce"),
            venture_name="超额",
            source_channel="own",
            requested_support=9_000_000,
        )
    assert exc.value.field == "requested_support"


def test_messages_are_in_english_when_asked(draft, street_officer, api):
    type(draft.call).objects.filter(pk=draft.call_id).update(
        opens_on=datetime.date(2017, 1, 1), closes_on=datetime.date(2017, 5, 31)
    )
    client = api(street_officer)
    zh = client.post(f"/api/v1/applications/{draft.pk}/submit/", {}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    en = client.post(f"/api/v1/applications/{draft.pk}/submit/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert zh.status_code == en.status_code == 400
    assert "2017-05-31" in str(en.json()) and "closed" in str(en.json())
