"""The talents app's work queues (``qinhuai_talent.core.bulk``): the unit's preliminary review
(初审) and the decisions. Each bulk action is the application page's own transition, through
``services.application_transition``, record by record: the call's quota, the public notice, the
objections and 就高不重复 refuse a record here exactly as on its page."""

from django.urls import reverse
from django.utils.translation import gettext_lazy

from qinhuai_talent.core.access import is_office, is_unit_officer
from qinhuai_talent.core.bulk import BulkAction, Column, Filter, Queue, RowInput

from . import services
from .models import Application, ApplicationState, Call, Origin
from .policies import applications_for
from .workflows import APPLICATION_WORKFLOW

S = ApplicationState
DECISION_STATES = (S.EXPERT_REVIEW, S.DEFENSE, S.PUBLIC_NOTICE)


def _transition(action: str):
    def run(*, actor, obj, reason: str = "", origin: str = "") -> None:
        services.application_transition(application_id=obj.pk, action=action, actor=actor, reason=reason, origin=origin)

    return run


def _scope(user):
    return applications_for(user).select_related("talent", "call__program", "org_unit")


def _name(app: Application) -> str:
    return f"{app.talent.name} · {app.venture_name}"


def _link(app: Application) -> str:
    return reverse("talents:application-detail", args=[app.pk])


def _calls(user) -> list[tuple[str, object]]:
    return [(str(c.pk), str(c)) for c in Call.objects.select_related("program").order_by("-year", "program__code")]


CALL_FILTER = Filter("call", gettext_lazy("Call"), _calls, lambda qs, v: qs.filter(call_id=int(v)))
# The decisions' stages: the home page's card of candidates in public notice opens this queue at its stage.
STATE_FILTER = Filter(
    "state",
    gettext_lazy("State"),
    lambda user: [(str(s), S(s).label) for s in DECISION_STATES],
    lambda qs, v: qs.filter(state=v),
)
COLUMNS = (
    Column(gettext_lazy("Call"), lambda a: a.call),
    Column(gettext_lazy("Unit"), lambda a: a.org_unit),
    Column(gettext_lazy("State"), lambda a: a.get_state_display()),
)


def _may_review(user) -> bool:
    return is_office(user) or is_unit_officer(user)


PRELIMINARY_QUEUE = Queue(
    key="talents.preliminary",
    title=gettext_lazy("Preliminary review"),
    intro=gettext_lazy(
        "Pass the chosen applications to expert review, or return them for revision with one reason "
        "that every applicant reads."
    ),
    workflow=APPLICATION_WORKFLOW,
    may_see=_may_review,
    listed=lambda user: _scope(user).filter(state=S.SUBMITTED).order_by("submitted_at", "id"),
    scope=_scope,
    actions=(
        BulkAction("accept", gettext_lazy("Pass preliminary review"), _transition("accept")),
        BulkAction(
            "return",
            gettext_lazy("Return for revision"),
            _transition("return"),
            needs_reason=True,
            css="btn-outline-danger",
        ),
    ),
    name=_name,
    link=_link,
    columns=COLUMNS,
    filters=(CALL_FILTER,),
)

DECISION_QUEUE = Queue(
    key="talents.decisions",
    title=gettext_lazy("Decisions"),
    intro=gettext_lazy(
        "Select for public notice, reject, or ratify after the notice: each application as on its own "
        "page, so the call's quota, the notice period, objections and double funding refuse it here too."
    ),
    workflow=APPLICATION_WORKFLOW,
    may_see=_may_review,
    listed=lambda user: _scope(user).filter(state__in=DECISION_STATES).order_by("call_id", "-score", "id"),
    scope=_scope,
    actions=(
        BulkAction("select", gettext_lazy("Select for public notice"), _transition("select")),
        BulkAction(
            "approve",
            gettext_lazy("Ratify approval"),
            _transition("approve"),
            inputs=(RowInput("origin", gettext_lazy("Origin of the talent"), choices=tuple(Origin.choices)),),
            css="btn-success",
        ),
        BulkAction(
            "reject", gettext_lazy("Reject"), _transition("reject"), needs_reason=True, css="btn-outline-danger"
        ),
    ),
    name=_name,
    link=_link,
    columns=(*COLUMNS, Column(gettext_lazy("Expert score"), lambda a: a.score if a.score is not None else "—")),
    filters=(CALL_FILTER, STATE_FILTER),
)
