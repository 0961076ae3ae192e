"""Reads of the assessment app, already scoped to what the user may see.

``league_table(year, unit_kind=None, units=None)`` is the documented entry point for other apps
(the reports app): keep its signature stable.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from qinhuai_talent.core import access
from qinhuai_talent.core.i18n import in_reader_language
from qinhuai_talent.core.models import FIELD_UNIT_KINDS, OrgUnit, Role, User
from qinhuai_talent.core.registry import Attention

from .models import (
    Activity,
    Assessment,
    AssessmentScheme,
    AssessmentState,
    Indicator,
    IndicatorScore,
    Target,
    WorkFundPool,
    WorkFundShare,
)
from .scoring import competition_ranks
from .sources import SOURCES

PARTS = ("total", "hard_total", "soft_total")


@dataclass
class LeagueRow:
    """One unit's line in a league table."""

    assessment_id: int
    org_unit: OrgUnit
    unit_kind: str
    state: str
    total: Decimal | None
    hard_total: Decimal | None
    soft_total: Decimal | None
    bonus_total: Decimal | None
    vetoed: bool
    grade_band: str
    grade_band_en: str
    rank: int | None  # within the unit kind, on the total (stored by the recompute)
    position: int | None  # within this table, on the column it is sorted by
    previous_total: Decimal | None
    change: Decimal | None

    @property
    def grade_label(self) -> str:
        return in_reader_language(self.grade_band, self.grade_band_en)

    @property
    def state_label(self) -> str:
        return AssessmentState(self.state).label


def league_table(
    year: int,
    unit_kind: str | None = None,
    units=None,
    *,
    part: str = "total",
    published_only: bool = False,
) -> list[LeagueRow]:
    """The league table of ``year``: every assessed unit with its totals, grade, rank and change.

    - ``unit_kind``: ``street``, ``park`` or ``innovation_group``; ``None`` for the overall table
      of all field units (every scheme scores out of 100 base points, so totals compare).
    - ``units``: restrict to these unit ids (e.g. a report client's granted units); ``None`` for all.
    - ``part``: the column the table is sorted and positioned by: ``total``, ``hard_total`` or
      ``soft_total`` (the hard and soft sub-tables).
    - ``published_only``: only published results (what a unit officer may read of other units).

    Rows are sorted by the chosen column, highest first; ``position`` is the competition rank
    (1, 2, 2, 4) in this table, ``rank`` the stored rank within the unit kind. One query.
    """
    if part not in PARTS:
        raise ValueError(f"part must be one of {PARTS}")
    qs = Assessment.objects.filter(year=year).exclude(state=AssessmentState.DRAFT).select_related("org_unit")
    qs = qs.filter(org_unit__kind=unit_kind) if unit_kind else qs.filter(org_unit__kind__in=FIELD_UNIT_KINDS)
    if units is not None:
        qs = qs.filter(org_unit_id__in=units)
    if published_only:
        qs = qs.filter(state=AssessmentState.PUBLISHED)
    assessments = list(qs)
    positions = competition_ranks({a.pk: getattr(a, part) for a in assessments})
    rows = [
        LeagueRow(
            assessment_id=a.pk,
            org_unit=a.org_unit,
            unit_kind=a.org_unit.kind,
            state=a.state,
            total=a.total,
            hard_total=a.hard_total,
            soft_total=a.soft_total,
            bonus_total=a.bonus_total,
            vetoed=a.vetoed,
            grade_band=a.grade_band,
            grade_band_en=a.grade_band_en,
            rank=a.rank,
            position=positions[a.pk],
            previous_total=a.previous_total,
            change=a.change,
        )
        for a in assessments
    ]
    rows.sort(key=lambda r: (r.position is None, r.position or 0, r.org_unit.code))
    return rows


def league_for(user: User, year: int, unit_kind: str | None = None, part: str = "total") -> list[LeagueRow]:
    """The league table as ``user`` may read it: district readers everything computed; a unit
    officer the published table; a report client its granted units' published results."""
    scope = access.unit_scope(user)
    if scope is None and user.role != Role.API_CLIENT:
        return league_table(year, unit_kind, part=part)
    if access.is_unit_officer(user):
        return league_table(year, unit_kind, part=part, published_only=True)
    return league_table(year, unit_kind, units=scope, part=part, published_only=True)


def assessment_years() -> list[int]:
    return sorted(set(AssessmentScheme.objects.values_list("year", flat=True)), reverse=True)


def assessments_for(user: User) -> QuerySet:
    """Full assessments (with their scores): district readers all, a unit its own."""
    qs = Assessment.objects.select_related("org_unit", "scheme", "confirmed_by")
    return access.scope_units(qs, user, "org_unit")


def assessment_detail(user: User, pk: int) -> Assessment:
    scores = IndicatorScore.objects.select_related("indicator", "entered_by").order_by(
        "indicator__order", "indicator_id"
    )
    return access.get_or_404(assessments_for(user).prefetch_related(Prefetch("scores", queryset=scores)), pk=pk)


def scores_for(user: User) -> QuerySet:
    qs = IndicatorScore.objects.select_related("assessment__org_unit", "indicator")
    return access.scope_units(qs, user, "assessment__org_unit")


def last_year_scores(assessment: Assessment) -> dict[str, IndicatorScore]:
    """Last year's scores of the same unit, by indicator key (schemes are copied year to year)."""
    rows = IndicatorScore.objects.filter(
        assessment__org_unit_id=assessment.org_unit_id, assessment__year=assessment.year - 1
    ).select_related("indicator")
    return {s.indicator.key: s for s in rows}


def evidence_records(assessment: Assessment, score: IndicatorScore) -> QuerySet | None:
    """The records behind a computed figure (scoped by the assessment, which the caller could open)."""
    source = SOURCES.get(score.indicator.source)
    if source is None:
        return None
    return source.records(assessment.year, assessment.org_unit_id, score.indicator.params or {})


def schemes_visible() -> QuerySet:
    """Schemes are the district's published rules: every signed-in role may read them."""
    return AssessmentScheme.objects.order_by("-year", "unit_kind")


def scheme_detail(pk: int) -> AssessmentScheme:
    return access.get_or_404(schemes_visible().prefetch_related("indicators", "grade_bands"), pk=pk)


def indicators_visible() -> QuerySet:
    return Indicator.objects.select_related("scheme").order_by("-scheme__year", "scheme__unit_kind", "order", "id")


def targets_for(user: User) -> QuerySet:
    qs = Target.objects.select_related("org_unit", "indicator__scheme").order_by(
        "-indicator__scheme__year", "org_unit__code", "indicator__order", "indicator_id"
    )
    return access.scope_units(qs, user, "org_unit")


def activities_for(user: User) -> QuerySet:
    return access.scope_units(Activity.objects.select_related("org_unit"), user, "org_unit")


def pools_for(user: User) -> QuerySet:
    """Work funds are money: the office, leadership and finance read them."""
    if access.unit_scope(user) is not None or user.role == Role.API_CLIENT:
        return WorkFundPool.objects.none()
    return WorkFundPool.objects.order_by("-year", "name")


def shares_of(pool: WorkFundPool) -> QuerySet:
    return (
        WorkFundShare.objects.filter(pool=pool)
        .select_related("org_unit", "assessment")
        .order_by("-amount", "org_unit__code")
    )


def attention(user: User) -> list[Attention]:
    """Office: confirmed assessments to publish and objections to answer; a unit: its scorecard to confirm."""
    url = reverse("assessment:assessment-list")
    mine = assessments_for(user)
    if access.is_office(user):
        return [
            Attention(
                key="assessment.to_publish",
                label=_("Assessments confirmed by their unit, to publish"),
                items=mine.filter(state=AssessmentState.CONFIRMED),
                url=f"{url}?state=confirmed",
            ),
            Attention(
                key="assessment.objections",
                label=_("Objections to assessments, to answer"),
                items=mine.filter(state=AssessmentState.OBJECTED),
                url=f"{url}?state=objected",
                level="danger",
            ),
        ]
    if access.is_unit_officer(user):
        return [
            Attention(
                key="assessment.to_confirm",
                label=_("Your unit's scorecard, to confirm"),
                items=mine.filter(org_unit_id=user.org_unit_id, state=AssessmentState.COMPUTED),
                url=f"{url}?state=computed",
            )
        ]
    return []
