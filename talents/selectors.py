"""Reads of the talents app, already scoped to what the user may see.

Stable, documented functions for the other apps (reports, assessment) — their signatures do not
change:

- ``title_counts(year=None, units=None)`` → ``[{"program", "level", "origin", "count"}]``
- ``pipeline_counts(year, units=None)`` → ``[{"program", "level", "quota", "call_state", "active",
  "by_stage": {stage: n}}]``

``units`` is ``None`` (the whole district) or an iterable of ``OrgUnit`` ids or instances.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, Rank
from django.utils.translation import gettext, pgettext_lazy

from qinhuai_talent.core import access, clock
from qinhuai_talent.core.models import PEOPLE_ORDER, OrgUnit, Role, User

from . import policies
from .models import (
    Application,
    ApplicationState,
    Call,
    CallState,
    Education,
    ExpertDisclosure,
    ExpertProfile,
    Program,
    ReviewAssignment,
    Talent,
    Title,
    review_due_date,
)
from .workflows import ACTIVE_STATES, COUNTED_STATES, STAGES


def _unit_ids(units: Iterable | None) -> list[int] | None:
    if units is None:
        return None
    return [u.pk if isinstance(u, OrgUnit) else int(u) for u in units]


def title_counts(year: int | None = None, units: Iterable | None = None) -> list[dict]:
    """Titles held, by program and origin: ``[{"program": code, "level", "origin", "count"}]``.

    ``year`` counts the titles held at the end of that year (awarded in it or before); ``None``
    counts all. One query; programs without titles are left out; ordered by level then code.
    """
    qs = Title.objects.all()
    if year is not None:
        qs = qs.filter(year__lte=year)
    ids = _unit_ids(units)
    if ids is not None:
        qs = qs.filter(org_unit_id__in=ids)
    rows = (
        qs.values(program_code=F("program__code"), level=F("program__level"), origin_code=F("origin"))
        .annotate(count=Count("*"))
        .order_by("program_code", "origin_code")
    )
    order = {"national": 0, "provincial": 1, "municipal": 2, "district": 3}
    result = [
        {"program": r["program_code"], "level": r["level"], "origin": r["origin_code"], "count": r["count"]}
        for r in rows
    ]
    return sorted(result, key=lambda r: (order.get(r["level"], 9), r["program"], r["origin"]))


def pipeline_counts(year: int, units: Iterable | None = None) -> list[dict]:
    """Applications to ``year``'s calls by program and stage.

    ``[{"program": code, "level", "quota", "call_state", "applications": n, "active": n,
    "by_stage": {state: n}}]``, one entry per program with a call that year (with the call's quota
    and state); ``by_stage`` has every stage (0 when none); ``applications`` counts the applications
    (``COUNTED_STATES``: not drafts); ``active`` counts the applications still in the pipeline
    (submitted, returned, expert review, defense, recommended, public notice), not drafts or
    decided ones. Two queries.
    """
    calls = list(Call.objects.filter(year=year).select_related("program").order_by("program__code"))
    qs = Application.objects.filter(call__year=year)
    ids = _unit_ids(units)
    if ids is not None:
        qs = qs.filter(org_unit_id__in=ids)
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for row in qs.values("call__program__code", "state").annotate(n=Count("*")):
        counts[row["call__program__code"]][row["state"]] = row["n"]
    result = []
    for call in calls:
        code = call.program.code
        by_stage = {str(s): counts[code].get(s, 0) for s in STAGES}
        result.append(
            {
                "program": code,
                "level": call.program.level,
                "quota": call.quota,
                "call_state": call.state,
                "applications": sum(by_stage[s] for s in COUNTED_STATES),
                "active": sum(by_stage[s] for s in ACTIVE_STATES),
                "by_stage": by_stage,
            }
        )
    return result


# ---------------------------------------------------------------- pages and endpoints


def counted_applications(qs: QuerySet) -> QuerySet:
    """The applications of ``qs`` that count as applications to their call (not drafts): the one
    definition the calls list, the dashboard and the reports count by."""
    return qs.filter(state__in=COUNTED_STATES)


def latest_year_with_applications(until: int) -> int | None:
    """The latest call year, not after ``until``, with an application that counts to a call whose
    intake has closed (a year still taking applications, its first few in, is not yet the year to
    report); failing that, the latest with an application that counts at all."""
    from django.db.models import Max

    counted = counted_applications(Application.objects.filter(call__year__lte=until))
    closed = counted.filter(call__closes_on__lt=clock.today()).aggregate(y=Max("call__year"))["y"]
    return closed or counted.aggregate(y=Max("call__year"))["y"]


def programs() -> QuerySet:
    return Program.objects.annotate(title_count=Count("titles")).order_by("level", "code")


def calls_for(user: User) -> QuerySet:
    """Calls are the district's public notices: every signed-in user may read them."""
    return (
        Call.objects.select_related("program").prefetch_related("focus_industries").order_by("-year", "program__code")
    )


def talents_list(user: User) -> QuerySet:
    return (
        policies.talents_for(user)
        .select_related("org_unit")
        .prefetch_related(Prefetch("titles", queryset=Title.objects.select_related("program").order_by("year")))
    )


def talent_detail(user: User) -> QuerySet:
    return talents_list(user)


def titles_list(user: User) -> QuerySet:
    """The titles the API lists: the caller's units', or a talent account's own (``own_titles``,
    which its page shows)."""
    qs = own_titles(user) if access.is_self_service(user) else policies.titles_for(user)
    return qs.select_related("talent", "program", "org_unit")


# ---------------------------------------------------------------- blind review
#
# What derives from the expert reviews (the expert score, the rank in the call, the number of
# reviews, the other experts and their scores and comments, the panel's vote, the decisions logged
# after the expert review began) reaches the district's own readers. An expert sees none of it
# until they have submitted their own review, and after that only what the call's
# ``expert_disclosure`` allows. Pages and API read it from here alone.

# Roles that read every review of the applications in their scope.
REVIEW_READERS = (Role.OFFICE, Role.LEADER, Role.STREET, Role.PARK)
SUMMARY_LEVELS = (ExpertDisclosure.SUMMARY, ExpertDisclosure.FULL)


@dataclass(frozen=True)
class ReviewView:
    """What one user may see of the reviews of one application."""

    summary: bool  # the expert score, the rank in the call, the number of reviews
    others: bool  # the other experts' names, scores and comments, the panel's vote, later log entries


def _reads_all_reviews(user: User) -> bool:
    return user.is_authenticated and (user.is_superuser or user.role in REVIEW_READERS)


def review_view(user: User, app: Application) -> ReviewView:
    """The blind-review rule for one application (``app.call`` is read)."""
    if _reads_all_reviews(user):
        return ReviewView(summary=True, others=True)
    if not user.is_authenticated or user.role != Role.EXPERT:
        return ReviewView(summary=False, others=False)
    done = ReviewAssignment.objects.filter(
        application_id=app.pk, expert=user, submitted_at__isnull=False, conflict_declared=False
    ).exists()
    level = app.call.expert_disclosure
    return ReviewView(summary=done and level in SUMMARY_LEVELS, others=done and level == ExpertDisclosure.FULL)


def _own_review_done(user: User) -> Exists:
    return Exists(
        ReviewAssignment.objects.filter(
            application=OuterRef("pk"), expert=user, submitted_at__isnull=False, conflict_declared=False
        )
    )


def _review_count() -> Coalesce:
    return Coalesce(
        Subquery(
            ReviewAssignment.objects.filter(
                application=OuterRef("pk"), submitted_at__isnull=False, conflict_declared=False
            )
            .values("application")
            .annotate(n=Count("id"))
            .values("n"),
            output_field=IntegerField(),
        ),
        Value(0),
    )


def with_review_figures(qs: QuerySet, user: User) -> QuerySet:
    """``qs`` of applications with what ``user`` may see of their reviews, as ``shown_score``,
    ``shown_review_count``, ``shown_votes_for``, ``shown_votes_against``, ``shown_abstentions``
    (``None`` where hidden). Reading ``score`` or the vote fields directly is for the district's
    own readers only; every page and endpoint that shows them reads these."""
    figures = {
        "shown_score": (F("score"), DecimalField(max_digits=6, decimal_places=2), "summary"),
        "shown_review_count": (_review_count(), IntegerField(), "summary"),
        "shown_votes_for": (F("defense_votes_for"), IntegerField(), "others"),
        "shown_votes_against": (F("defense_votes_against"), IntegerField(), "others"),
        "shown_abstentions": (F("defense_abstentions"), IntegerField(), "others"),
    }
    if _reads_all_reviews(user):
        return qs.annotate(**{name: expr for name, (expr, _, _) in figures.items()})
    if not user.is_authenticated or user.role != Role.EXPERT:
        return qs.annotate(**{name: Value(None, output_field=out) for name, (_, out, _) in figures.items()})
    done = _own_review_done(user)
    allowed = {
        "summary": Q(done, call__expert_disclosure__in=SUMMARY_LEVELS),
        "others": Q(done, call__expert_disclosure=ExpertDisclosure.FULL),
    }
    return qs.annotate(
        **{
            name: Case(When(allowed[level], then=expr), default=Value(None), output_field=out)
            for name, (expr, out, level) in figures.items()
        }
    )


def applications_list(user: User) -> QuerySet:
    """Applications in scope with what a list shows, the review figures as the user may see them
    (``with_review_figures``)."""
    return with_review_figures(
        policies.applications_for(user).select_related("talent", "call__program", "org_unit", "industry"), user
    )


def with_rank(qs: QuerySet, user: User) -> QuerySet:
    """Rank by expert score within the call (ties share a rank; unscored ranked last), as ``rank``.

    The district's readers rank within what they see; an expert reads the rank in the whole call
    where the blind-review rule lets them (``None`` elsewhere)."""
    if _reads_all_reviews(user):
        return qs.annotate(rank=Window(Rank(), partition_by=F("call_id"), order_by=F("score").desc(nulls_last=True)))
    better = (
        Application.objects.filter(call_id=OuterRef("call_id"), score__gt=OuterRef("score"))
        .values("call_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    rank = Coalesce(Subquery(better, output_field=IntegerField()), Value(0)) + 1
    return qs.annotate(
        rank=Case(When(shown_score__isnull=False, then=rank), default=Value(None), output_field=IntegerField())
    )


def application_detail(user: User) -> QuerySet:
    return with_review_figures(
        policies.applications_for(user).select_related(
            "talent", "talent__org_unit", "call__program", "org_unit", "industry", "created_by"
        ),
        user,
    )


def rank_in_call(app: Application, view: ReviewView) -> int | None:
    """1 for the best expert score in the call; ``None`` while unscored or hidden from the reader."""
    if app.score is None or not view.summary:
        return None
    return Application.objects.filter(call_id=app.call_id, score__gt=app.score).count() + 1


def visible_assignments(user: User, app: Application, view: ReviewView) -> list[ReviewAssignment]:
    """The review assignments of ``app`` the user may see: all of them for the district's readers
    and where the call discloses them; otherwise only the expert's own."""
    from .models import ReviewScore

    qs = app.assignments.select_related("expert").prefetch_related(
        Prefetch("scores", queryset=ReviewScore.objects.select_related("criterion"))
    )
    if not view.others:
        qs = qs.filter(expert_id=user.pk) if user.role == Role.EXPERT else qs.none()
    return list(qs)


def visible_transitions(user: User, app: Application, view: ReviewView):
    """The transition log of ``app``: the entries after the expert review began are decisions
    taken on the reviews, hidden from an expert the call does not show the other reviews to."""
    from qinhuai_talent.core.workflow import transitions_of

    entries = list(transitions_of(app))
    if view.others:
        return entries
    started = [i for i, e in enumerate(entries) if e.to_state == ApplicationState.EXPERT_REVIEW]
    return entries[: started[-1] + 1] if started else entries


def assignments_for_expert(user: User) -> QuerySet:
    return ReviewAssignment.objects.filter(expert=user).select_related(
        "application__call__program", "application__industry"
    )


def board_counts(user: User, call: Call) -> dict[str, int]:
    """Applications of the call per stage, within the user's scope (a unit officer: their own unit)."""
    rows = policies.applications_for(user).filter(call=call).values("state").annotate(n=Count("id"))
    found = {r["state"]: r["n"] for r in rows}
    return {str(s): found.get(s, 0) for s in STAGES}


def attention_counts(user: User) -> dict[str, int]:
    """What waits for this user: one query."""
    qs = policies.applications_for(user)
    states = (ApplicationState.SUBMITTED, ApplicationState.RETURNED, ApplicationState.PUBLIC_NOTICE)
    states += (ApplicationState.RECOMMENDED,)
    return qs.aggregate(**{str(s): Count("id", filter=Q(state=s), distinct=True) for s in states})


def pending_assignments(user: User) -> QuerySet:
    """The expert's reviews still to do: the expert queue's default list and the home page's card."""
    return assignments_for_expert(user).filter(
        submitted_at__isnull=True, conflict_declared=False, application__state=ApplicationState.EXPERT_REVIEW
    )


def pending_reviews(user: User) -> int:
    return pending_assignments(user).count()


@dataclass
class ExpertRow:
    """An expert as the assignment picker shows them: name, fields, load and deadlines."""

    expert: User
    fields: list
    employer: str
    open_reviews: int
    overdue: int
    next_due: object  # a date, or None
    conflicts: list = field(default_factory=list)  # with the application a picker is shown for
    assigned: bool = False


def next_review(user: User, app: Application) -> ReviewAssignment | None:
    """The expert's next review waiting for their scores, the one due first, other than ``app``."""
    return pending_assignments(user).exclude(application=app).order_by("assigned_at", "id").first()


def expert_roster() -> list[ExpertRow]:
    """Every active expert with their fields of expertise, open reviews (assigned, neither scored
    nor recused, the application still in expert review), how many are overdue and the nearest
    due date: three queries whatever the number of experts."""

    experts = list(User.objects.filter(role=Role.EXPERT, is_active=True).order_by(*PEOPLE_ORDER))
    profiles = {p.user_id: p for p in ExpertProfile.objects.filter(user__in=experts).prefetch_related("fields")}
    overdue_before = clock.now() - datetime.timedelta(days=settings.REVIEW_DUE_DAYS)
    load = {
        r["expert_id"]: r
        for r in _open_assignments()
        .filter(expert__in=experts)
        .values("expert_id")
        .annotate(n=Count("id"), late=Count("id", filter=Q(assigned_at__lt=overdue_before)), first=Min("assigned_at"))
    }
    rows = []
    for e in experts:
        p, n = profiles.get(e.pk), load.get(e.pk, {})
        rows.append(
            ExpertRow(
                expert=e,
                fields=list(p.fields.all()) if p else [],
                employer=p.employer if p else "",
                open_reviews=n.get("n", 0),
                overdue=n.get("late", 0),
                next_due=review_due_date(n["first"]) if n.get("first") else None,
            )
        )
    return rows


def _open_assignments() -> QuerySet:
    return ReviewAssignment.objects.filter(
        submitted_at__isnull=True, conflict_declared=False, application__state=ApplicationState.EXPERT_REVIEW
    )


def review_conflicts(applications: Iterable[Application], experts: Iterable[User]) -> dict[tuple[int, int], list[str]]:
    """回避, flagged before an expert is assigned: for each (application id, expert id) pair with a
    conflict, the reasons in words. An expert conflicts with an application when they work for its
    hosting street or park, work for or hold shares in an enterprise its applicant founded (by
    credit code), or declared a conflict with the same applicant before. Three queries for any
    number of pairs; the one place of this rule (the picker, the queue and the service ask it)."""
    apps = list(applications)
    experts = list(experts)
    if not apps or not experts:
        return {}
    profiles = {p.user_id: p for p in ExpertProfile.objects.filter(user__in=experts).select_related("employer_unit")}
    codes = {p.employer_credit_code for p in profiles.values() if p.employer_credit_code}
    founded = defaultdict(dict)  # talent id → {credit code: enterprise name}, through the founders
    if codes:
        path = "talent__founded__enterprise__"
        for talent_id, code, name in Application.objects.filter(
            pk__in=[a.pk for a in apps], **{f"{path}credit_code__in": codes}
        ).values_list("talent_id", f"{path}credit_code", f"{path}name"):
            founded[talent_id][code] = name
    earlier = defaultdict(set)  # (talent id, expert id) → calls
    for talent_id, expert_id, call in ReviewAssignment.objects.filter(
        conflict_declared=True, expert__in=experts, application__talent_id__in={a.talent_id for a in apps}
    ).values_list("application__talent_id", "expert_id", "application__call__title"):
        earlier[(talent_id, expert_id)].add(call)
    found: dict[tuple[int, int], list[str]] = {}
    for app in apps:
        for e in experts:
            reasons = []
            p = profiles.get(e.pk)
            if p is not None and p.employer_unit_id is not None and p.employer_unit_id == app.org_unit_id:
                reasons.append(gettext("works for the hosting unit %(unit)s") % {"unit": p.employer_unit})
            if p is not None and p.employer_credit_code in founded.get(app.talent_id, {}):
                reasons.append(
                    gettext("works for or holds shares in the applicant's enterprise %(name)s")
                    % {"name": founded[app.talent_id][p.employer_credit_code]}
                )
            if (app.talent_id, e.pk) in earlier:
                reasons.append(
                    gettext("declared a conflict with this applicant before (%(calls)s)")
                    % {"calls": "、".join(sorted(earlier[(app.talent_id, e.pk)]))}
                )
            if reasons:
                found[(app.pk, e.pk)] = reasons
    return found


def awaiting_assignment(user: User) -> QuerySet:
    """Applications in expert review the user may assign experts to, with their assigned experts."""
    qs = policies.assignable(user, policies.applications_for(user)).filter(state=ApplicationState.EXPERT_REVIEW)
    return (
        qs.select_related("talent", "call__program", "org_unit", "industry")
        .prefetch_related(Prefetch("assignments", queryset=ReviewAssignment.objects.select_related("expert")))
        .order_by("call_id", "submitted_at", "id")
    )


def calls_awaiting_assignment(listed: QuerySet) -> QuerySet:
    return Call.objects.filter(pk__in=listed.values("call_id")).select_related("program").order_by("-year", "pk")


@dataclass
class AssignmentPair:
    """One (application, expert) of a bulk assignment, and what will happen (or happened) to it."""

    app_id: int
    app: Application | None
    expert_id: int
    expert: User | None
    result: str = ""  # "assign", "already_assigned", "conflict_of_interest", "not_found"; after the run, a code
    message: str = ""


def assignment_pairs(apps: list[tuple[int, Application | None]], experts: list[tuple[int, User | None]]):
    """Every chosen application with every chosen expert, with what the assignment would do: assign,
    or be refused (not found, already assigned, a conflict of interest and why). Four queries."""
    real_apps = [a for _pk, a in apps if a is not None]
    real_experts = [e for _pk, e in experts if e is not None]
    conflicts = review_conflicts(real_apps, real_experts)
    assigned = set(
        ReviewAssignment.objects.filter(application__in=real_apps, expert__in=real_experts).values_list(
            "application_id", "expert_id"
        )
    )
    pairs = []
    for app_id, app in apps:
        for expert_id, expert in experts:
            pair = AssignmentPair(app_id, app, expert_id, expert)
            if app is None or expert is None:
                pair.result, pair.message = "not_found", gettext("Not found.")
            elif (app_id, expert_id) in assigned:
                pair.result, pair.message = "already_assigned", gettext("Already assigned.")
            elif (app_id, expert_id) in conflicts:
                pair.result = "conflict_of_interest"
                pair.message = gettext(
                    "Conflict of interest: %(reasons)s; assign on the application's own page if you must."
                ) % {"reasons": "; ".join(conflicts[(app_id, expert_id)])}
            else:
                pair.result, pair.message = "assign", gettext("Will be assigned.")
            pairs.append(pair)
    return pairs


def talents_with_title_count(qs: QuerySet) -> QuerySet:
    return qs.annotate(title_count=Count("titles"))


__all__ = [
    "title_counts",
    "pipeline_counts",
    "programs",
    "calls_for",
    "talents_list",
    "talent_detail",
    "titles_list",
    "applications_list",
    "with_rank",
    "with_review_figures",
    "review_view",
    "ReviewView",
    "visible_assignments",
    "visible_transitions",
    "application_detail",
    "rank_in_call",
    "assignments_for_expert",
    "board_counts",
    "attention_counts",
    "pending_reviews",
    "talents_with_title_count",
    "Talent",
]


# ---------------------------------------------------------------- the applicant's own (issue 16)

# Where an application stands, in words that do not reveal the review (what the applicant reads).
APPLICANT_STAGES = {
    ApplicationState.DRAFT: pgettext_lazy("applicant", "Draft"),
    ApplicationState.SUBMITTED: pgettext_lazy("applicant", "Preliminary review"),
    ApplicationState.RETURNED: pgettext_lazy("applicant", "Returned for revision"),
    ApplicationState.EXPERT_REVIEW: pgettext_lazy("applicant", "Expert review"),
    ApplicationState.DEFENSE: pgettext_lazy("applicant", "Panel defense"),
    ApplicationState.RECOMMENDED: pgettext_lazy("applicant", "Under review above the district"),
    ApplicationState.PUBLIC_NOTICE: pgettext_lazy("applicant", "In public notice"),
    ApplicationState.APPROVED: pgettext_lazy("applicant", "Selected"),
    ApplicationState.REJECTED: pgettext_lazy("applicant", "Not selected"),
    ApplicationState.WITHDRAWN: pgettext_lazy("applicant", "Withdrawn"),
}


def own_applications(user: User) -> QuerySet:
    """A talent account's own applications (nothing for any other role)."""
    qs = Application.objects.select_related("call__program", "org_unit").order_by("-created_at", "-id")
    return access.scope_own(qs, user, talent="talent__account")


def own_titles(user: User) -> QuerySet:
    qs = Title.objects.select_related("program").order_by("-year", "id")
    return access.scope_own(qs, user, talent="talent__account")


# ---------------------------------------------------------------- open calls, in public (issue 16)


def open_calls() -> QuerySet:
    """Calls open for applications on the portal's today (``PORTAL_AS_OF`` where set); closed and
    draft calls are not public."""
    today = clock.today()
    return (
        Call.objects.filter(state=CallState.OPEN, opens_on__lte=today, closes_on__gte=today)
        .select_related("program")
        .prefetch_related("focus_industries")
        .order_by("closes_on", "pk")
    )


def eligibility_words(rules: dict) -> list[str]:
    """A call's eligibility rules in plain words, in the reader's language."""
    words = []
    if rules.get("legal_representative"):
        words.append(gettext("The applicant is the company's legal representative."))
    if rules.get("min_own_capital"):
        amount = f"{Decimal(str(rules['min_own_capital'])):,.0f}"
        words.append(
            gettext("The applicant has paid in at least %(amount)s yuan of their own capital.") % {"amount": amount}
        )
    if rules.get("min_education"):
        degree = Education(rules["min_education"]).label
        if rules.get("senior_title_suffices"):
            words.append(
                gettext("The applicant holds at least a %(degree)s degree, or a senior professional title.")
                % {"degree": degree}
            )
        else:
            words.append(gettext("The applicant holds at least a %(degree)s degree.") % {"degree": degree})
    if rules.get("max_company_age_years"):
        words.append(
            gettext("The company was registered no more than %(n)s years ago.") % {"n": rules["max_company_age_years"]}
        )
    if rules.get("max_age"):
        words.append(gettext("The applicant is at most %(n)s years old.") % {"n": rules["max_age"]})
    return words


# Log entries whose reason the applicant reads: the officer's reason for returning the application,
# and the applicant's own reply or reason. Every other reason (a rejection's, the panel's) stays
# inside the review.
APPLICANT_READS_REASON = ("return", "submit", "withdraw")


@dataclass(frozen=True)
class TimelineStep:
    day: object
    state: str
    stage: str
    note: str


def applicant_timeline(app: Application) -> list[TimelineStep]:
    """Where ``app`` has been, in the applicant's words (``APPLICANT_STAGES``): the day each stage
    began and, for a return and the applicant's own steps, what was said. No reviewer, score or
    internal reason appears; steps that stay within one stage in those words are one step."""
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from qinhuai_talent.core.models import TransitionLog

    rows = (
        TransitionLog.objects.filter(content_type=ContentType.objects.get_for_model(Application), object_id=app.pk)
        .order_by("at", "id")
        .values_list("action", "to_state", "at", "reason")
    )
    steps: list[TimelineStep] = []
    for action, to_state, at, reason in rows:
        if to_state not in APPLICANT_STAGES:
            continue
        stage = str(APPLICANT_STAGES[to_state])
        note = reason if action in APPLICANT_READS_REASON else ""
        if steps and steps[-1].stage == stage and not note:
            continue
        steps.append(TimelineStep(day=timezone.localdate(at), state=to_state, stage=stage, note=note))
    return steps


def own_application(user: User) -> QuerySet:
    """One of a talent account's own applications, with what its page shows."""
    return own_applications(user).select_related("industry", "talent").prefetch_related("attachments")


def own_applications_list(user: User) -> QuerySet:
    """A talent account's own applications as the API lists them: the review's figures are never
    theirs (``with_review_figures`` gives them ``None``)."""
    return with_review_figures(
        own_applications(user).select_related("talent", "call__program", "org_unit", "industry"), user
    )
