"""Reads of the talents app, already scoped to what the user may see.

Stable, documented functions for the other apps (reports, assessment) — their signatures do not
change:

- ``title_counts(year=None, units=None)`` → ``[{"program", "level", "origin", "count"}]``
- ``pipeline_counts(year, units=None)`` → ``[{"program", "level", "active", "by_stage": {stage: n}}]``

``units`` is ``None`` (the whole district) or an iterable of ``OrgUnit`` ids or instances.
"""

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import (
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, Rank

from qinhuai_talent.core.models import OrgUnit, User

from . import policies
from .models import Application, ApplicationState, Call, Program, ReviewAssignment, Talent, Title
from .workflows import ACTIVE_STATES, STAGES


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
        .annotate(count=Count("id"))
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

    ``[{"program": code, "level", "active": n, "by_stage": {state: n}}]``, one entry per program
    with a call that year; ``by_stage`` has every stage (0 when none); ``active`` counts the
    applications still in the pipeline (submitted, returned, expert review, defense, recommended,
    public notice), not drafts or decided ones. Two queries.
    """
    calls = list(Call.objects.filter(year=year).select_related("program").order_by("program__code"))
    qs = Application.objects.filter(call__year=year)
    ids = _unit_ids(units)
    if ids is not None:
        qs = qs.filter(org_unit_id__in=ids)
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for row in qs.values("call__program__code", "state").annotate(n=Count("id")):
        counts[row["call__program__code"]][row["state"]] = row["n"]
    result = []
    for call in calls:
        code = call.program.code
        by_stage = {str(s): counts[code].get(s, 0) for s in STAGES}
        result.append(
            {
                "program": code,
                "level": call.program.level,
                "active": sum(by_stage[s] for s in ACTIVE_STATES),
                "by_stage": by_stage,
            }
        )
    return result


# ---------------------------------------------------------------- pages and endpoints


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
    return policies.titles_for(user).select_related("talent", "program", "org_unit")


def applications_list(user: User) -> QuerySet:
    """Applications in scope with what a list shows, and the rank of each by score within its call."""
    return (
        policies.applications_for(user)
        .select_related("talent", "call__program", "org_unit", "industry")
        .annotate(
            review_count=Coalesce(
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
        )
    )


def with_rank(qs: QuerySet) -> QuerySet:
    """Rank by expert score within the call (ties share a rank; unscored ranked last)."""
    return qs.annotate(rank=Window(Rank(), partition_by=F("call_id"), order_by=F("score").desc(nulls_last=True)))


def application_detail(user: User) -> QuerySet:
    return policies.applications_for(user).select_related(
        "talent", "talent__org_unit", "call__program", "org_unit", "industry", "created_by"
    )


def rank_in_call(app: Application) -> int | None:
    """1 for the best expert score in the call; ``None`` while unscored."""
    if app.score is None:
        return None
    return Application.objects.filter(call_id=app.call_id, score__gt=app.score).count() + 1


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
    return qs.aggregate(
        preliminary=Count("id", filter=Q(state=ApplicationState.SUBMITTED), distinct=True),
        returned=Count("id", filter=Q(state=ApplicationState.RETURNED), distinct=True),
        notice=Count("id", filter=Q(state=ApplicationState.PUBLIC_NOTICE), distinct=True),
        recommended=Count("id", filter=Q(state=ApplicationState.RECOMMENDED), distinct=True),
    )


def pending_reviews(user: User) -> int:
    return ReviewAssignment.objects.filter(
        expert=user,
        submitted_at__isnull=True,
        conflict_declared=False,
        application__state=ApplicationState.EXPERT_REVIEW,
    ).count()


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
    "application_detail",
    "rank_in_call",
    "assignments_for_expert",
    "board_counts",
    "attention_counts",
    "pending_reviews",
    "talents_with_title_count",
    "Talent",
]
