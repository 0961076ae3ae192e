"""Online application (issue 16, item 4): a talent applies to an open call from their own account.

Written from the issue's sentences: the call's own form with the host street or park; a draft;
attachments of the kinds the call asks for, checked for type, size and a forged extension; each
failing eligibility rule explained before submission; nothing submitted after the deadline; a
timeline in words that do not reveal the review; a return answered with changes and a reply; a
withdrawal before the decision; a notification at each step. Every bad input is a clear message
and leaves nothing half-saved.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from qinhuai_talent.core.errors import ActionNotAllowed
from qinhuai_talent.core.models import OrgUnit, Role, TransitionLog, User
from qinhuai_talent.notifications.models import Channel, Notification
from talents import selectors, services
from talents.models import Application, ApplicationState, Attachment, Industry, Talent
from talents.workflows import STAGES
from tests.domain import raises_domain

from .factories import ApplicationFactory, CallFactory, TalentFactory
from .helpers import PDF, pdf

pytestmark = pytest.mark.django_db
S = ApplicationState


@pytest.fixture
def applicant(units):
    """A talent account whose record the district keeps (master's degree, born 1985)."""
    user = User.objects.create_user(
        "applicant1", password="x-Long-pass-1", role=Role.TALENT, last_name="林申报", email="lin@example.com"
    )
    TalentFactory(account=user, name="林申报")
    return user


@pytest.fixture
def call(units):
    return CallFactory()


def draft_of(applicant, call, **fields) -> Application:
    values = {
        "venture_name": "秦淮云脑科技有限公司",
        "summary": "城市云计算平台",
        "requested_support": Decimal("500000"),
        "is_legal_representative": True,
        "own_paid_in_capital": Decimal("800000"),
        **fields,
    }
    return services.applicant_draft(
        actor=applicant,
        call_id=call.pk,
        org_unit=OrgUnit.objects.get(code="fuzimiao"),
        industry=Industry.objects.get(code="cloud_computing"),
        **values,
    )


def snapshot(app: Application) -> tuple:
    """What a refusal must leave untouched: the row, its documents and its log."""
    row = Application.objects.filter(pk=app.pk).values().get()
    logs = TransitionLog.objects.filter(object_id=app.pk, content_type__model="application").count()
    return row, Attachment.objects.filter(application=app.pk).count(), logs


# ---------------------------------------------------------------- by clicks: the pages


def test_a_talent_applies_from_the_open_calls_page_and_submits_with_an_attachment(applicant, call, web, street_officer):
    client = web(applicant)
    assert f"/talents/mine/apply/{call.pk}/" in client.get("/open-calls/").content.decode()
    assert f"/talents/mine/apply/{call.pk}/" in client.get("/talents/mine/").content.decode()
    form = client.get(f"/talents/mine/apply/{call.pk}/").content.decode()
    # The call's own form: its rules ask for the legal representative and own capital, not a degree.
    assert 'name="is_legal_representative"' in form and 'name="own_paid_in_capital"' in form
    assert 'name="education"' not in form and 'name="org_unit"' in form
    response = client.post(
        f"/talents/mine/apply/{call.pk}/",
        {
            "org_unit": OrgUnit.objects.get(code="fuzimiao").pk,
            "industry": Industry.objects.get(code="cloud_computing").pk,
            "venture_name": "秦淮云脑科技有限公司",
            "requested_support": "500000",
            "own_paid_in_capital": "300000",
        },
    )
    app = Application.objects.get(talent__account=applicant)
    assert response.status_code == 302 and response["Location"] == f"/talents/mine/applications/{app.pk}/"
    assert app.state == S.DRAFT and app.source_channel == "own" and app.created_by == applicant
    page = client.get(f"/talents/mine/applications/{app.pk}/").content.decode()
    # Each failing rule explained before submission, and the missing document.
    assert "法定代表人" in page and "300000.00" in page and "500000" in page and "商业计划书" in page
    refused = client.post(f"/talents/mine/applications/{app.pk}/submit/", follow=True).content.decode()
    assert "不符合申报条件" in refused
    app.refresh_from_db()
    assert app.state == S.DRAFT
    client.post(
        f"/talents/mine/applications/{app.pk}/edit/",
        {
            "org_unit": app.org_unit_id,
            "industry": app.industry_id,
            "venture_name": app.venture_name,
            "requested_support": "500000",
            "is_legal_representative": "on",
            "own_paid_in_capital": "800000",
        },
    )
    client.post(f"/talents/mine/applications/{app.pk}/attachments/", {"kind": "business_plan", "file": pdf()})
    assert 'id="ready-to-submit"' in client.get(f"/talents/mine/applications/{app.pk}/").content.decode()
    # The submission asks once, naming the application and what follows, and sends nothing yet.
    asked = client.post(f"/talents/mine/applications/{app.pk}/submit/").content.decode()
    assert "data-confirm-action" in asked and "秦淮云脑科技有限公司" in asked and "所属单位初审" in asked
    app.refresh_from_db()
    assert app.state == S.DRAFT
    client.post(f"/talents/mine/applications/{app.pk}/submit/", {"confirmed": "1"})
    app.refresh_from_db()
    assert app.state == S.SUBMITTED and app.submitted_at is not None
    page = client.get(f"/talents/mine/applications/{app.pk}/").content.decode()
    assert "初审中" in page and 'id="applicant-form"' not in page
    # Received (the applicant, linking their own page) and new work in the unit (its officer).
    received = Notification.objects.get(event="application_received", recipient=applicant, channel=Channel.INBOX)
    assert received.url == f"/talents/mine/applications/{app.pk}/"
    assert Notification.objects.filter(event="application_new_in_unit", recipient=street_officer).exists()
    attachment = app.attachments.get()
    download = client.get(f"/talents/mine/applications/{app.pk}/attachments/{attachment.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF


def test_a_talent_without_a_record_gets_one_with_the_id_number_given_at_registration(units, call):
    from selfservice.models import Registration

    user = User.objects.create_user("newbie", password="x-Long-pass-1", role=Role.TALENT, last_name="唐新")
    number = "32010419850601001X"
    from stdnum.cn import ric

    number = number[:17] + ric.calc_check_digit(number[:17])
    Registration.objects.create(
        token="t", kind="talent", username="newbie", name="唐新", mobile="13900000000", password="x",
        id_number=number, channel="sms", code_hash="h", expires_at=timezone.now(), account=user,
    )  # fmt: skip
    app = draft_of(user, call)
    talent = Talent.objects.get(account=user)
    assert talent.id_number == number and talent.birth_date == datetime.date(1985, 6, 1)
    assert talent.name == "唐新" and app.talent == talent and talent.org_unit.code == "fuzimiao"


# ---------------------------------------------------------------- bad input: a clear message, nothing half-saved


def test_submission_after_the_deadline_is_refused_and_changes_nothing(applicant, call, settings):
    app = draft_of(applicant, call)
    services.attachment_add(actor=applicant, application_id=app.pk, kind="business_plan", upload=pdf())
    settings.PORTAL_AS_OF = (call.closes_on + datetime.timedelta(days=1)).isoformat()
    before = snapshot(app)
    with raises_domain("call_closed") as exc:
        services.applicant_submit(actor=applicant, application_id=app.pk)
    assert exc.value.code == "call_closed" and call.closes_on.isoformat() in str(exc.value.message)
    assert snapshot(app) == before
    assert not Notification.objects.filter(event="application_received").exists()
    # A new draft to the closed call is refused too, and no talent record is left behind.
    with raises_domain("call_closed") as exc:
        draft_of(User.objects.create_user("late", password="x", role=Role.TALENT), call)
    assert exc.value.code == "call_closed"
    assert not Talent.objects.filter(account__username="late").exists()


@pytest.mark.parametrize(
    "upload, code",
    [
        (SimpleUploadedFile("plan.docx", b"PK\x03\x04word", content_type="application/msword"), "file_type"),
        (SimpleUploadedFile("plan.exe", b"MZ\x90\x00", content_type="application/octet-stream"), "file_type"),
        (SimpleUploadedFile("plan.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"), "file_forged"),
        (SimpleUploadedFile("photo.png", b"%PDF-1.4 a pdf", content_type="image/png"), "file_forged"),
        (SimpleUploadedFile("big.pdf", PDF + b"0" * 2048, content_type="application/pdf"), "file_too_large"),
    ],
    ids=["wrong-type", "executable", "forged-pdf", "forged-png", "too-large"],
)
def test_a_bad_attachment_is_refused_with_its_reason_and_nothing_is_stored(
    applicant, call, settings, tmp_path, upload, code
):
    settings.TALENTS_ATTACHMENT_MAX_BYTES = 1024
    app = draft_of(applicant, call)
    before = snapshot(app)
    with raises_domain(code) as exc:
        services.attachment_add(actor=applicant, application_id=app.pk, kind="business_plan", upload=upload)
    assert exc.value.code == code and upload.name in str(exc.value.message)
    assert snapshot(app) == before
    stored = tmp_path / "private"
    assert not stored.exists() or not any(p.is_file() for p in stored.rglob("*"))


def test_a_bad_attachment_on_the_page_shows_its_message(applicant, call, web):
    app = draft_of(applicant, call)
    upload = SimpleUploadedFile("plan.pdf", b"not a pdf at all", content_type="application/pdf")
    page = web(applicant).post(
        f"/talents/mine/applications/{app.pk}/attachments/", {"kind": "business_plan", "file": upload}, follow=True
    )
    assert "plan.pdf" in page.content.decode() and "PDF" in page.content.decode()
    assert not app.attachments.exists()


def test_a_document_the_call_does_not_ask_for_is_refused(applicant, call):
    app = draft_of(applicant, call)
    with raises_domain("kind_not_asked") as exc:
        services.attachment_add(actor=applicant, application_id=app.pk, kind="capital_proof", upload=pdf())
    assert exc.value.code == "kind_not_asked" and not app.attachments.exists()


@pytest.mark.parametrize("state", [s for s in STAGES if s not in (S.DRAFT, S.RETURNED)])
def test_an_application_is_not_changed_after_submission_outside_a_return(applicant, call, web, state):
    app = draft_of(applicant, call)
    Application.objects.filter(pk=app.pk).update(state=state)
    before = snapshot(app)
    with raises_domain("not_editable") as exc:
        services.applicant_update(actor=applicant, application_id=app.pk, venture_name="改过的名字")
    assert exc.value.code == "not_editable"
    with raises_domain("not_editable") as exc:
        services.attachment_add(actor=applicant, application_id=app.pk, kind="business_plan", upload=pdf())
    assert exc.value.code == "not_editable"
    response = web(applicant).post(
        f"/talents/mine/applications/{app.pk}/edit/",
        {
            "org_unit": app.org_unit_id,
            "industry": app.industry_id,
            "venture_name": "改过的名字",
            "requested_support": "1",
        },
    )
    assert response.status_code == 400 and "退回修改" in response.content.decode()
    assert snapshot(app) == before


def test_the_host_is_a_street_or_park(applicant, call):
    with raises_domain("host_unit") as exc:
        services.applicant_draft(
            actor=applicant,
            call_id=call.pk,
            org_unit=OrgUnit.objects.get(kind="district_office"),
            industry=Industry.objects.get(code="cloud_computing"),
            venture_name="x",
        )
    assert exc.value.code == "host_unit" and not Application.objects.exists()


def test_a_second_application_to_the_same_call_is_refused(applicant, call):
    draft_of(applicant, call)
    with raises_domain("duplicate") as exc:
        draft_of(applicant, call)
    assert exc.value.code == "duplicate" and Application.objects.count() == 1


def test_only_a_talent_applies_online_and_only_to_their_own(applicant, call, street_officer):
    app = draft_of(applicant, call)
    other = User.objects.create_user("other-talent", password="x", role=Role.TALENT)
    with pytest.raises(ActionNotAllowed):
        services.applicant_submit(actor=other, application_id=app.pk)
    with pytest.raises(ActionNotAllowed):
        services.applicant_draft(
            actor=street_officer,
            call_id=call.pk,
            org_unit=street_officer.org_unit,
            industry=Industry.objects.get(code="cloud_computing"),
            venture_name="x",
        )
    with pytest.raises(ActionNotAllowed):
        services.attachment_add(actor=other, application_id=app.pk, kind="business_plan", upload=pdf())


def test_another_persons_application_is_a_404_on_every_route_of_the_applicant(applicant, call, web):
    mine = draft_of(applicant, call)
    others = ApplicationFactory(call=call)
    attachment = services.attachment_add(actor=applicant, application_id=mine.pk, kind="business_plan", upload=pdf())
    from django.urls import reverse

    routes = ["my-application", "my-application-edit", "my-application-submit", "my-application-withdraw"]
    client = web(User.objects.create_user("nosy", password="x", role=Role.TALENT))
    for name in routes:
        for method in ("get", "post"):
            answers = {
                getattr(client, method)(reverse(f"talents:{name}", args=[pk])).status_code
                for pk in (mine.pk, others.pk, 10**9)
            }
            assert len(answers) == 1 and answers <= {404, 405}, (name, method, answers)
    assert client.get(f"/talents/mine/applications/{mine.pk}/attachments/{attachment.pk}/").status_code == 404
    assert client.get(f"/talents/mine/apply/{call.pk + 1000}/").status_code == 404


# ---------------------------------------------------------------- the applicant's words, over every state


def test_every_state_has_the_applicants_word_and_the_issues_words_are_used(settings):
    assert set(selectors.APPLICANT_STAGES) == set(S.values)
    from django.utils import translation

    with translation.override("zh-hans"):
        words = {s: str(w) for s, w in selectors.APPLICANT_STAGES.items()}
    assert words[S.SUBMITTED] == "初审中" and words[S.EXPERT_REVIEW] == "专家评审中"
    assert words[S.DEFENSE] == "答辩" and words[S.PUBLIC_NOTICE] == "公示中"
    assert words[S.APPROVED] == "已入选" and words[S.REJECTED] == "未入选"


@pytest.mark.parametrize("state", STAGES)
def test_the_applicants_page_in_every_state_shows_where_it_stands_and_nothing_of_the_review(
    applicant, call, web, expert, office, state
):
    app = draft_of(applicant, call)
    Application.objects.filter(pk=app.pk).update(
        state=state, score=Decimal("87.65"), defense_votes_for=7, defense_votes_against=2
    )
    from talents.models import ReviewAssignment

    ReviewAssignment.objects.create(
        application=app, expert=expert, assigned_by=office, total=Decimal("91.23"), comment="内部评语"
    )
    page = web(applicant).get(f"/talents/mine/applications/{app.pk}/").content.decode()
    assert f'data-state="{state}">{selectors.APPLICANT_STAGES[state]}' in page
    for secret in ("87.65", "91.23", "内部评语", expert.get_full_name() or expert.username, "赞成"):
        assert secret not in page, (state, secret)


# ---------------------------------------------------------------- return, reply, withdraw, decision


def test_a_returned_application_is_revised_and_resubmitted_with_a_reply(applicant, call, street_officer, web):
    app = draft_of(applicant, call)
    services.attachment_add(actor=applicant, application_id=app.pk, kind="business_plan", upload=pdf())
    services.applicant_submit(actor=applicant, application_id=app.pk)
    services.application_transition(
        application_id=app.pk, action="return", actor=street_officer, reason="请补充近三年财务报表。"
    )
    returned = Notification.objects.get(event="application_returned", recipient=applicant, channel=Channel.INBOX)
    assert "请补充近三年财务报表" in returned.params["reason"]
    # The reply is asked for; without it nothing moves.
    with raises_domain("reply_missing") as exc:
        services.applicant_submit(actor=applicant, application_id=app.pk, reply=" ")
    assert exc.value.code == "reply_missing"
    services.applicant_update(actor=applicant, application_id=app.pk, summary="补充了财务报表的云计算平台")
    services.attachment_add(actor=applicant, application_id=app.pk, kind="business_plan", upload=pdf("财务报表.pdf"))
    services.applicant_submit(actor=applicant, application_id=app.pk, reply="已补充 2015—2017 年财务报表。")
    app.refresh_from_db()
    assert app.state == S.SUBMITTED and app.summary == "补充了财务报表的云计算平台"
    timeline = [(s.state, s.note) for s in selectors.applicant_timeline(app)]
    assert timeline == [
        (S.DRAFT, ""),
        (S.SUBMITTED, ""),
        (S.RETURNED, "请补充近三年财务报表。"),
        (S.SUBMITTED, "已补充 2015—2017 年财务报表。"),
    ]
    # The officer reads the reply in the application's log; the same application, the same pipeline.
    officer_page = web(street_officer).get(f"/talents/applications/{app.pk}/").content.decode()
    assert "已补充 2015—2017 年财务报表。" in officer_page
    services.application_transition(application_id=app.pk, action="accept", actor=street_officer)


def test_a_talent_withdraws_before_the_decision_but_not_after(applicant, call, street_officer, advance):
    app = draft_of(applicant, call)
    services.attachment_add(actor=applicant, application_id=app.pk, kind="business_plan", upload=pdf())
    services.applicant_submit(actor=applicant, application_id=app.pk)
    with raises_domain("reason_missing") as exc:
        services.applicant_withdraw(actor=applicant, application_id=app.pk, reason="")
    assert exc.value.field == "reason"
    services.applicant_withdraw(actor=applicant, application_id=app.pk, reason="项目已落户外区。")
    app.refresh_from_db()
    assert app.state == S.WITHDRAWN
    assert Notification.objects.filter(event="application_withdrawn", recipient=applicant).exists()
    assert Notification.objects.filter(event="application_withdrawn", recipient=street_officer).exists()
    decided = ApplicationFactory(
        call=call, talent=TalentFactory(account=User.objects.create_user("t2", password="x", role=Role.TALENT))
    )
    Application.objects.filter(pk=decided.pk).update(state=S.REJECTED)
    with raises_domain("invalid_state") as exc:
        services.applicant_withdraw(actor=decided.talent.account, application_id=decided.pk, reason="晚了")
    assert exc.value.code == "invalid_state"


def test_the_applicants_withdrawal_on_its_page_asks_once_and_wants_a_reason(applicant, call, web):
    """Issue 17 item 7: withdrawing cannot be undone, so the page asks once, naming the application
    and the consequence; without a reason it is refused at once, before anything is asked."""
    from django.contrib.messages import get_messages

    app = draft_of(applicant, call)
    client = web(applicant)
    url = f"/talents/mine/applications/{app.pk}/withdraw/"
    refused = client.post(url, {"reason": " "})
    assert [str(m) for m in get_messages(refused.wsgi_request)] == ["请填写理由。"]
    asked = client.post(url, {"reason": "项目已落户外区。"}).content.decode()
    assert "data-confirm-action" in asked and app.venture_name in asked and "不能再次提交" in asked
    app.refresh_from_db()
    assert app.state == S.DRAFT
    client.post(url, {"reason": "项目已落户外区。", "confirmed": "1"})
    app.refresh_from_db()
    assert app.state == S.WITHDRAWN


def test_the_decision_reaches_the_applicant_in_their_words(applicant, call, advance, web):
    app = draft_of(applicant, call)
    services.attachment_add(actor=applicant, application_id=app.pk, kind="business_plan", upload=pdf())
    advance(app, "approved")  # submitted (by the unit here), reviewed, selected, noticed, approved
    decided = Notification.objects.get(event="application_decided", recipient=applicant, channel=Channel.INBOX)
    assert decided.url == f"/talents/mine/applications/{app.pk}/"
    assert Notification.objects.filter(event="notice_started", recipient=applicant).exists()
    page = web(applicant).get(f"/talents/mine/applications/{app.pk}/").content.decode()
    assert "已入选" in page and "公示中" in page and "专家评审中" in page
    assert 'id="withdraw-form"' not in page


def test_an_officer_still_files_on_the_applicants_behalf(applicant, call, street_officer):
    talent = applicant.talent_record
    app = services.application_create(
        actor=street_officer, talent=talent, call=call, industry=Industry.objects.get(code="cloud_computing"),
        venture_name="代为申报的项目", source_channel="referral", is_legal_representative=True,
        own_paid_in_capital=Decimal("900000"),
    )  # fmt: skip
    services.attachment_add(actor=street_officer, application_id=app.pk, kind="business_plan", upload=pdf())
    services.application_transition(application_id=app.pk, action="submit", actor=street_officer)
    app.refresh_from_db()
    assert app.state == S.SUBMITTED
    # …and the applicant follows it on their own page.
    assert selectors.own_applications(applicant).filter(pk=app.pk).exists()


# ---------------------------------------------------------------- the API: the same applications endpoints, own only


def test_a_talent_applies_through_the_api_and_reaches_only_their_own(applicant, call, api, street_officer):
    client = api(applicant)
    others = ApplicationFactory(call=call)
    body = {
        "call": call.pk,
        "org_unit": "fuzimiao",
        "industry": "cloud_computing",
        "venture_name": "秦淮云脑科技有限公司",
        "requested_support": "500000.00",
        "is_legal_representative": True,
        "own_paid_in_capital": "800000.00",
    }
    created = client.post("/api/v1/applications/", body, format="json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["state"] == "draft" and created.json()["source_channel"] == "own"
    assert [r["id"] for r in client.get("/api/v1/applications/").json()["results"]] == [pk]
    assert client.get(f"/api/v1/applications/{others.pk}/").status_code == 404
    for action in ("submit", "withdraw"):
        assert client.post(f"/api/v1/applications/{others.pk}/{action}/", {}, format="json").status_code == 404
    assert client.patch(f"/api/v1/applications/{others.pk}/", {"summary": "x"}, format="json").status_code == 404
    # The back office's steps are not the applicant's.
    assert client.post(f"/api/v1/applications/{pk}/accept/", {}, format="json").status_code == 403
    assert client.patch(f"/api/v1/applications/{pk}/", {"summary": "新的简介"}, format="json").status_code == 200
    refused = client.post(f"/api/v1/applications/{pk}/submit/", {}, format="json")
    assert refused.status_code == 400 and "商业计划书" in str(refused.json())
    upload = client.post(
        f"/api/v1/applications/{pk}/attachments/", {"kind": "business_plan", "file": pdf()}, format="multipart"
    )
    assert upload.status_code == 201
    submitted = client.post(f"/api/v1/applications/{pk}/submit/", {}, format="json")
    assert submitted.status_code == 200 and submitted.json()["state"] == "submitted"
    assert submitted.json()["score"] is None and submitted.json()["review_count"] is None
    late = client.patch(f"/api/v1/applications/{pk}/", {"summary": "提交后再改"}, format="json")
    assert late.status_code == 400 and Application.objects.get(pk=pk).summary == "新的简介"
    services.application_transition(application_id=pk, action="return", actor=street_officer, reason="请补充财务报表。")
    assert client.post(f"/api/v1/applications/{pk}/submit/", {}, format="json").status_code == 400
    answered = client.post(f"/api/v1/applications/{pk}/submit/", {"reason": "已补充。"}, format="json")
    assert answered.status_code == 200 and answered.json()["state"] == "submitted"
    withdrawn = client.post(f"/api/v1/applications/{pk}/withdraw/", {"reason": "不再申报。"}, format="json")
    assert withdrawn.status_code == 200 and withdrawn.json()["state"] == "withdrawn"


def test_the_back_office_still_names_the_talent_and_channel_when_it_files(call, api, street_officer):
    body = {"call": call.pk, "industry": "cloud_computing", "venture_name": "代报项目"}
    response = api(street_officer).post("/api/v1/applications/", body, format="json")
    assert response.status_code == 400 and "talent" in response.json()
    assert not Application.objects.exists()
