"""The state machines of the talents app: one table per entity (qinhuai_talent.core.workflow).

The application pipeline::

    draft ─submit→ submitted ─accept→ expert_review ─to_defense→ defense
      ↑              │  └─return→ returned ─submit→ submitted
      └──────────────┘
    expert_review / defense ─select→ public_notice ─approve→ approved   (district-level programs)
    expert_review / defense ─recommend→ recommended ─record_approved→ approved  (city, province, nation)
    … ─reject / preliminary_reject / reject_after_notice / record_rejected→ rejected
    any open state ─withdraw→ withdrawn

The hosting unit's officer (or the office) files on an applicant's behalf; the applicant's own
account (role ``talent``) submits, answers a return by submitting again and withdraws its own
application (``policies.is_applicant_side``), applying online from ``/talents/mine/``.

The table says who may take each step and under which condition on the application's data (the
call open and the applicant eligible with every document, the reviews in, the defense passed, the
notice period over and no objection standing, a place left in the call's quota): one place for
each rule, asked by the services before a step and by the pages before they show its button. It
also says what each step writes with the state (the submission's day and industry fit, the
officer's comment, the public notice's days, the decision's day after the double-funding check)
and its effect (an approval's title).
"""

import datetime

from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from qinhuai_talent.core import clock
from qinhuai_talent.core.errors import DomainError
from qinhuai_talent.core.money import to_money
from qinhuai_talent.core.workflow import Notice, Transition, Workflow

from . import fit, policies, support
from .models import (
    Application,
    Call,
    CallState,
    DocumentKind,
    Education,
    Objection,
    ObjectionState,
    Origin,
    SelectionAuthority,
    Title,
)
from .models import ApplicationState as S

OPEN_STATES = (S.DRAFT, S.SUBMITTED, S.RETURNED, S.EXPERT_REVIEW, S.DEFENSE, S.PUBLIC_NOTICE, S.RECOMMENDED)
FINAL_STATES = (S.APPROVED, S.REJECTED, S.WITHDRAWN)
# An application counts (the calls list, the dashboard, the reports) once it is no longer a draft:
# a draft is the unit's working copy, not an application to the call.
COUNTED_STATES = tuple(s for s in S.values if s != S.DRAFT)
# States that count as “in the pipeline” for the year's figures (not drafts, not decided).
ACTIVE_STATES = (S.SUBMITTED, S.RETURNED, S.EXPERT_REVIEW, S.DEFENSE, S.PUBLIC_NOTICE, S.RECOMMENDED)
# States that take one of the call's places (its quota), and the actions that lead into them.
QUOTA_STATES = (S.PUBLIC_NOTICE, S.RECOMMENDED, S.APPROVED)
QUOTA_ACTIONS = ("select", "recommend", "approve", "record_approved")
# The order of the stages on the pipeline board.
STAGES = (
    S.DRAFT,
    S.SUBMITTED,
    S.RETURNED,
    S.EXPERT_REVIEW,
    S.DEFENSE,
    S.RECOMMENDED,
    S.PUBLIC_NOTICE,
    S.APPROVED,
    S.REJECTED,
    S.WITHDRAWN,
)


# ---------------------------------------------------------------- the rules on the application's data

EDUCATION_RANK = {Education.OTHER: 0, Education.BACHELOR: 1, Education.MASTER: 2, Education.DOCTORATE: 3}


def places_taken(call: Call, *, excluding: int | None = None) -> int:
    """The call's places taken: applications selected (public notice), recommended upward or
    approved (``workflows.QUOTA_STATES``)."""
    qs = Application.objects.filter(call_id=call.pk, state__in=QUOTA_STATES)
    if excluding is not None:
        qs = qs.exclude(pk=excluding)
    return qs.count()


def check_quota(app: Application) -> None:
    """Under the call's row lock, so that two selections at once cannot both take the last place."""
    call = _locked_call(app)
    if call.quota and places_taken(call, excluding=app.pk) >= call.quota:
        raise DomainError(
            gettext(
                "The call's quota of %(quota)s is reached: no further application can be selected, recommended "
                "or approved. The district talent office may raise the quota, giving a reason."
            )
            % {"quota": call.quota},
            code="quota_full",
        )


def check_open_for_submission(call: Call) -> None:
    today = clock.today()
    if today > call.closes_on:
        raise DomainError(
            gettext("The call “%(call)s” closed on %(date)s; nothing can be submitted after it closes.")
            % {"call": call, "date": call.closes_on.isoformat()},
            field="call",
            code="call_closed",
        )
    if not call.is_open_on(today):
        raise DomainError(gettext("The call “%(call)s” is not open for applications.") % {"call": call}, field="call")


def eligibility_problems(app: Application) -> list[str]:
    """The call's eligibility rules this application fails, each as a sentence (empty: eligible)."""
    rules = app.call.eligibility or {}
    talent = app.talent
    problems: list[str] = []
    if rules.get("legal_representative") and not app.is_legal_representative:
        problems.append(gettext("The applicant must be the company's legal representative."))
    if "min_own_capital" in rules:
        minimum = to_money(rules["min_own_capital"])
        if app.own_paid_in_capital < minimum:
            problems.append(
                gettext("Own paid-in capital of %(have)s yuan is below the required %(need)s yuan.")
                % {"have": app.own_paid_in_capital, "need": minimum}
            )
    if "min_education" in rules:
        need = EDUCATION_RANK[rules["min_education"]]
        have = EDUCATION_RANK.get(talent.education or Education.OTHER, 0)
        title_ok = rules.get("senior_title_suffices") and bool(talent.professional_title)
        if have < need and not title_ok:
            problems.append(
                gettext("The call requires at least a %(degree)s degree%(or_title)s.")
                % {
                    "degree": Education(rules["min_education"]).label,
                    "or_title": gettext(" or a senior professional title")
                    if rules.get("senior_title_suffices")
                    else "",
                }
            )
    if "max_company_age_years" in rules:
        if app.company_founded_on is None:
            problems.append(gettext("The company's founding date is needed to check its age."))
        else:
            years = (app.call.closes_on - app.company_founded_on).days / 365.25
            if years > int(rules["max_company_age_years"]):
                problems.append(
                    gettext("The company is older than %(n)s years.") % {"n": int(rules["max_company_age_years"])}
                )
    if "max_age" in rules:
        if talent.birth_date is None:
            problems.append(gettext("The applicant's birth date is needed to check the age limit."))
        else:
            ref = app.call.closes_on
            age = (
                ref.year
                - talent.birth_date.year
                - ((ref.month, ref.day) < (talent.birth_date.month, talent.birth_date.day))
            )
            if age > int(rules["max_age"]):
                problems.append(gettext("The applicant is older than %(n)s.") % {"n": int(rules["max_age"])})
    return problems


def missing_documents(app: Application) -> list[str]:
    have = {a.kind for a in app.attachments.all()}
    return [str(DocumentKind(k).label) for k in app.call.required_documents if k not in have]


def submitted_reviews(app: Application) -> int:
    return app.assignments.filter(submitted_at__isnull=False, conflict_declared=False).count()


def require_reviews(app: Application) -> None:
    done = submitted_reviews(app)
    if done < app.call.min_reviews:
        raise DomainError(
            gettext("%(done)s of the %(need)s required expert reviews are in; the application cannot move on yet.")
            % {"done": done, "need": app.call.min_reviews},
            code="reviews_missing",
        )


def require_defense_passed(app: Application) -> None:
    if app.call.program.has_defense:
        if app.state != S.DEFENSE:
            raise DomainError(
                gettext("This program has a panel defense; the application must pass it first."),
                code="defense_pending",
            )
        if app.defense_votes_for is None:
            raise DomainError(gettext("Record the panel's vote before deciding on the defense."), code="vote_missing")
        if app.defense_votes_for <= (app.defense_votes_against or 0):
            raise DomainError(
                gettext("The panel did not vote in favour; the application cannot be selected."), code="vote_failed"
            )


def _locked_call(app: Application) -> Call:
    """The application's call, under its row lock when a transition is being taken (so that two
    selections at once cannot both take the last place); read plainly for a page's buttons."""
    calls = Call.objects.select_related("program")
    if transaction.get_connection().in_atomic_block:
        calls = calls.select_for_update(of=("self",))
    return calls.get(pk=app.call_id)


def _submittable(app: Application) -> None:
    check_open_for_submission(app.call)
    problems = eligibility_problems(app)
    if problems:
        raise DomainError(
            gettext("The applicant is not eligible: %(problems)s") % {"problems": " ".join(problems)},
            code="ineligible",
        )
    missing = missing_documents(app)
    if missing:
        raise DomainError(
            gettext("Required documents are missing: %(docs)s.") % {"docs": "、".join(missing)},
            field="attachments",
            code="documents_missing",
        )


def _upward(app: Application) -> bool:
    return app.call.program.selection_authority == SelectionAuthority.RECOMMEND_UPWARD


def _to_defense(app: Application) -> None:
    if not app.call.program.has_defense:
        raise DomainError(
            gettext("%(program)s has no panel defense.") % {"program": app.call.program}, code="no_defense"
        )
    require_reviews(app)


def _select(app: Application) -> None:
    if _upward(app):
        raise DomainError(
            gettext("This program is decided above the district: recommend it upward instead."), code="decided_above"
        )
    require_reviews(app)
    require_defense_passed(app)
    check_quota(app)


def _recommend(app: Application) -> None:
    if not _upward(app):
        raise DomainError(
            gettext("District-level programs are selected by the hosting unit, not recommended upward."),
            code="decided_in_district",
        )
    require_reviews(app)
    require_defense_passed(app)
    check_quota(app)


def _approve(app: Application) -> None:
    if app.notice_ends_on and clock.today() < app.notice_ends_on:
        raise DomainError(
            gettext("The public notice runs until %(date)s; the decision can be ratified after it ends.")
            % {"date": app.notice_ends_on.isoformat()},
            code="notice_running",
        )
    states = set(app.objections.values_list("state", flat=True))
    if ObjectionState.OPEN in states:
        raise DomainError(
            gettext("An objection is still under investigation; resolve it first."), code="objection_open"
        )
    if ObjectionState.UPHELD in states:
        raise DomainError(
            gettext("An objection was upheld; the application cannot be approved."), code="objection_upheld"
        )
    check_quota(app)


# ---------------------------------------------------------------- what each step writes, and its effects


def _submitted(app: Application, **_params) -> tuple[str, ...]:
    app.submitted_at = clock.now()
    app.industry_fit, app.industry_fit_reasons = fit.assess(
        industry=app.industry, focus=list(app.call.focus_industries.all()), summary=app.summary
    )
    return ("submitted_at", "industry_fit", "industry_fit_reasons")


def _returned(app: Application, *, reason: str, **_params) -> tuple[str, ...]:
    app.officer_comment = reason
    return ("officer_comment",)


def _in_notice(app: Application, **_params) -> tuple[str, ...]:
    today = clock.today()
    app.notice_starts_on = today
    app.notice_ends_on = today + datetime.timedelta(days=app.call.notice_days)
    return ("notice_starts_on", "notice_ends_on")


def _decided(app: Application, **_params) -> tuple[str, ...]:
    app.decided_at = clock.now()
    return ("decided_at",)


def _approved(app: Application, *, actor, reason: str, confirm_double_funding: bool = False, **_params):
    """就高不重复, by the person's ID number and their enterprises' credit codes (``talents.support``);
    an override is the office's, with the reason logged with the approval."""
    support.check(support.for_application(app), actor=actor, override=confirm_double_funding, reason=reason)
    return _decided(app)


def _grant_title(app: Application, *, origin: str = "", **_params) -> None:
    """An approval gives the talent the program's title, introduced or self-cultivated."""
    if origin not in Origin.values:
        raise DomainError(
            gettext("Choose whether the talent was introduced or self-cultivated."), field="origin", code="origin"
        )
    if Title.objects.filter(talent_id=app.talent_id, program_id=app.call.program_id).exists():
        raise DomainError(
            gettext("%(talent)s already holds a title of %(program)s.")
            % {"talent": app.talent, "program": app.call.program},
            code="title_held",
        )
    Title.objects.create(
        talent_id=app.talent_id,
        program_id=app.call.program_id,
        year=app.call.year,
        origin=origin,
        org_unit_id=app.org_unit_id,
        application=app,
    )


# Whom each step tells (issue 16): the applicant in words that do not reveal the review, the
# unit's officers of new work in their queue (``services.tell_of_transition`` sends them).
def _return_reason(app: Application, *, reason: str) -> dict:
    return {"reason": reason}


def _notice_days(app: Application, *, reason: str) -> dict:
    return {"starts": app.notice_starts_on.isoformat(), "ends": app.notice_ends_on.isoformat()}


def _selected(app: Application, *, reason: str) -> dict:
    return {"outcome": _("selected")}


def _not_selected(app: Application, *, reason: str) -> dict:
    return {"outcome": _("not selected")}


SELECTED = (Notice("application_decided", "applicant", _selected),)
NOT_SELECTED = (Notice("application_decided", "applicant", _not_selected),)


APPLICATION_WORKFLOW = Workflow(
    state_field="state",
    states=S,
    transitions=[
        Transition(
            "submit",
            (S.DRAFT, S.RETURNED),
            S.SUBMITTED,
            _("Submit"),
            policies.is_applicant_side,
            condition=_submittable,
            prepare=_submitted,
            notices=(Notice("application_received", "applicant"), Notice("application_new_in_unit", "unit")),
            confirm=_(
                "The application goes to the hosting unit's preliminary review and can no "
                "longer be changed unless it is returned for revision."
            ),
        ),
        Transition(
            "return",
            (S.SUBMITTED,),
            S.RETURNED,
            _("Return for revision"),
            policies.is_unit_side,
            needs_reason=True,
            prepare=_returned,
            notices=(Notice("application_returned", "applicant", _return_reason),),
            confirm=_(
                "The application goes back to the applicant with your reason; it "
                "comes back to preliminary review when submitted again."
            ),
        ),
        Transition(
            "accept",
            (S.SUBMITTED,),
            S.EXPERT_REVIEW,
            _("Pass preliminary review"),
            policies.is_unit_side,
            confirm=_("The application passes preliminary review and goes to the expert review."),
        ),
        Transition(
            "preliminary_reject",
            (S.SUBMITTED,),
            S.REJECTED,
            _("Reject at preliminary review"),
            policies.is_unit_side,
            needs_reason=True,
            prepare=_decided,
            notices=NOT_SELECTED,
            confirm=_("The application is rejected for good and the applicant is told; this cannot be undone."),
            destructive=True,
        ),
        Transition(
            "to_defense",
            (S.EXPERT_REVIEW,),
            S.DEFENSE,
            _("Send to panel defense"),
            policies.is_selector,
            condition=_to_defense,
            confirm=_("The expert review ends and the application goes to the panel defense."),
        ),
        Transition(
            "select",
            (S.EXPERT_REVIEW, S.DEFENSE),
            S.PUBLIC_NOTICE,
            _("Select for public notice"),
            policies.is_selector,
            condition=_select,
            prepare=_in_notice,
            notices=(Notice("notice_started", "applicant", _notice_days),),
            confirm=_(
                "The application takes one of the call's places and its public "
                "notice (公示) begins; the applicant is told."
            ),
        ),
        Transition(
            "reject",
            (S.EXPERT_REVIEW, S.DEFENSE),
            S.REJECTED,
            _("Reject"),
            policies.is_selector,
            needs_reason=True,
            prepare=_decided,
            notices=NOT_SELECTED,
            confirm=_("The application is rejected for good and the applicant is told; this cannot be undone."),
            destructive=True,
        ),
        Transition(
            "recommend",
            (S.EXPERT_REVIEW, S.DEFENSE),
            S.RECOMMENDED,
            _("Recommend upward"),
            policies.is_office,
            condition=_recommend,
            confirm=_("The application takes one of the call's places and is recommended to the higher level."),
        ),
        Transition(
            "approve",
            (S.PUBLIC_NOTICE,),
            S.APPROVED,
            _("Ratify approval"),
            policies.is_office,
            condition=_approve,
            prepare=_approved,
            effect=_grant_title,
            notices=SELECTED,
            confirm=_("The approval is final: the talent receives the title and the applicant is told."),
        ),
        Transition(
            "reject_after_notice",
            (S.PUBLIC_NOTICE,),
            S.REJECTED,
            _("Reject after public notice"),
            policies.is_office,
            needs_reason=True,
            prepare=_decided,
            notices=NOT_SELECTED,
            confirm=_("The application is rejected for good and the applicant is told; this cannot be undone."),
            destructive=True,
        ),
        Transition(
            "record_approved",
            (S.RECOMMENDED,),
            S.APPROVED,
            _("Record approval from above"),
            policies.is_office,
            condition=check_quota,
            prepare=_approved,
            effect=_grant_title,
            notices=SELECTED,
            confirm=_(
                "The higher level's approval is recorded: the talent receives the title and the applicant is told."
            ),
        ),
        Transition(
            "record_rejected",
            (S.RECOMMENDED,),
            S.REJECTED,
            _("Record rejection from above"),
            policies.is_office,
            needs_reason=True,
            prepare=_decided,
            notices=NOT_SELECTED,
            confirm=_("The higher level's rejection is recorded and the applicant is told; this cannot be undone."),
            destructive=True,
        ),
        Transition(
            "withdraw",
            tuple(s for s in OPEN_STATES),
            S.WITHDRAWN,
            _("Withdraw"),
            policies.is_applicant_side,
            needs_reason=True,
            notices=(Notice("application_withdrawn", "applicant"), Notice("application_withdrawn", "unit")),
            confirm=_("The application is withdrawn for good: it cannot be submitted again."),
            destructive=True,
        ),
    ],
    model=Application,
)


def _call_manager(user, call) -> bool:
    return policies.can_manage_calls(user)


def _rubric_complete(call: Call) -> None:
    weights = [c.weight for c in call.criteria.all()]
    if not weights or sum(weights) != 100:
        raise DomainError(
            gettext("A call opens only with a scoring rubric whose weights add up to 100."), code="rubric_incomplete"
        )


def _reopen_instead(state: str) -> DomainError | None:
    if state != CallState.CLOSED:
        return None
    return DomainError(
        gettext("The call is closed: publishing is for a draft. Reopening a closed call is its own step."),
        code="reopen_instead",
    )


def _published(call: Call) -> str:
    return gettext(
        "The call is published: every applicant and unit sees it, and applications are taken from %(opens)s "
        "to %(closes)s."
    ) % {"opens": call.opens_on.isoformat(), "closes": call.closes_on.isoformat()}


def _reopened(call: Call) -> str:
    return gettext(
        "The closed call takes applications again until %(closes)s; applicants and units see it as open."
    ) % {"closes": call.closes_on.isoformat()}


CALL_WORKFLOW = Workflow(
    state_field="state",
    states=CallState,
    transitions=[
        # Publishing a draft and reopening a closed call are two steps with their own words: the
        # one label for both reopened closed calls unawares.
        Transition(
            "open",
            (CallState.DRAFT,),
            CallState.OPEN,
            _("Publish the call"),
            _call_manager,
            condition=_rubric_complete,
            wrong_state=_reopen_instead,
            confirm=_published,
        ),
        Transition(
            "reopen",
            (CallState.CLOSED,),
            CallState.OPEN,
            _("Reopen the call"),
            _call_manager,
            condition=_rubric_complete,
            confirm=_reopened,
        ),
        Transition(
            "close",
            (CallState.OPEN,),
            CallState.CLOSED,
            _("Close the call"),
            _call_manager,
            confirm=_("No application can be submitted to the call any more; the office may reopen it."),
        ),
        Transition(
            "finish",
            (CallState.CLOSED,),
            CallState.FINISHED,
            _("Finish the call"),
            _call_manager,
            confirm=_("The call is finished for good: it cannot be reopened."),
            destructive=True,
        ),
    ],
    model=Call,
)


def _objection_handler(user, objection) -> bool:
    return policies.can_record_objection(user, objection.application)


def _upheld(objection: Objection) -> str:
    return gettext(
        "The objection is upheld with your findings: the application of %(application)s cannot be ratified; "
        "this decision is final."
    ) % {"application": objection.application}


def _dismissed(objection: Objection) -> str:
    return gettext(
        "The objection is dismissed with your findings: the application of %(application)s may be ratified "
        "once its public notice ends; this decision is final."
    ) % {"application": objection.application}


# An objection recorded during the public notice is investigated and resolved by the office.
OBJECTION_WORKFLOW = Workflow(
    state_field="state",
    states=ObjectionState,
    transitions=[
        Transition(
            "uphold",
            (ObjectionState.OPEN,),
            ObjectionState.UPHELD,
            _("Uphold the objection"),
            _objection_handler,
            needs_reason=True,
            confirm=_upheld,
            destructive=True,
        ),
        Transition(
            "dismiss",
            (ObjectionState.OPEN,),
            ObjectionState.DISMISSED,
            _("Dismiss the objection"),
            _objection_handler,
            needs_reason=True,
            confirm=_dismissed,
        ),
    ],
    model=Objection,
)
