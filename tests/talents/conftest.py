import datetime

import pytest
from django.utils import timezone

from talents import services
from talents.models import Application, DocumentKind, ReviewAssignment

from .factories import ApplicationFactory, CallFactory
from .helpers import pdf


@pytest.fixture
def call(units):
    return CallFactory()


@pytest.fixture
def draft(call, street_officer):
    """A complete draft of 夫子庙街道, with its business plan attached."""
    app = ApplicationFactory(call=call)
    services.attachment_add(actor=street_officer, application_id=app.pk, kind=DocumentKind.BUSINESS_PLAN, upload=pdf())
    return app


@pytest.fixture(autouse=True)
def private_media(tmp_path, settings):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def score_all(app: Application, *experts, office, value=80) -> None:
    for expert in experts:
        services.review_assign(application_id=app.pk, expert=expert, actor=office)
        assignment = ReviewAssignment.objects.get(application=app, expert=expert)
        codes = app.call.criteria.values_list("code", flat=True)
        services.review_submit(assignment_id=assignment.pk, actor=expert, scores=dict.fromkeys(codes, value))


@pytest.fixture
def advance(street_officer, office, expert, expert2):
    """``advance(app, "public_notice")`` moves an application along the pipeline through the services."""

    def move(app: Application, target: str) -> Application:
        officer = street_officer if app.org_unit.code == "fuzimiao" else office
        t = lambda action, actor=officer, **kw: services.application_transition(  # noqa: E731
            application_id=app.pk, action=action, actor=actor, **kw
        )
        order = ["submitted", "expert_review", "defense", "public_notice", "approved"]
        if app.call.program.selection_authority == "recommend_upward":
            order = ["submitted", "expert_review", "recommended", "approved"]
        for state in order:
            app.refresh_from_db()
            if app.state == target:
                break
            if state == "submitted":
                t("submit")
            elif state == "expert_review":
                t("accept")
                score_all(app, expert, expert2, office=office)
            elif state == "defense":
                t("to_defense", actor=office)
                services.defense_record_vote(application_id=app.pk, actor=office, votes_for=5, votes_against=1)
            elif state == "public_notice":
                t("select", actor=office)
            elif state == "recommended":
                t("recommend", actor=office)
            elif state == "approved":
                Application.objects.filter(pk=app.pk).update(
                    notice_starts_on=timezone.localdate() - datetime.timedelta(16),
                    notice_ends_on=timezone.localdate() - datetime.timedelta(1),
                )
                t("approve" if app.state == "public_notice" else "record_approved", actor=office, origin="introduced")
        app.refresh_from_db()
        assert app.state == target
        return app

    return move
