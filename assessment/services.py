"""Every write and state transition of the assessment app."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from qinhuai_talent.core import clock
from qinhuai_talent.core.errors import ActionNotAllowed, DomainError
from qinhuai_talent.core.models import FIELD_UNIT_KINDS, OrgUnit, UnitKind, User
from qinhuai_talent.core.money import to_money
from qinhuai_talent.core.system import system_actor

from . import policies
from .models import (
    Activity,
    Assessment,
    AssessmentScheme,
    AssessmentState,
    FundRule,
    GradeBand,
    Indicator,
    IndicatorKind,
    IndicatorScore,
    ManualValue,
    SchemeState,
    Target,
    TargetMode,
    WorkFundPool,
    WorkFundShare,
)
from .scoring import competition_ranks, points, score_indicator
from .sources import SOURCES
from .workflows import ASSESSMENT_WORKFLOW, POOL_WORKFLOW, SCHEME_WORKFLOW, split_basis

HUNDRED = Decimal("100")
ZERO = Decimal("0")


def _require_office(actor: User) -> None:
    if not policies.can_configure(actor):
        raise ActionNotAllowed(_("Only the district talent office may do this."))


def _published_exists(*, year: int, unit_kind: str, org_unit_id: int | None = None) -> bool:
    qs = Assessment.objects.filter(year=year, org_unit__kind=unit_kind, state=AssessmentState.PUBLISHED)
    if org_unit_id is not None:
        qs = qs.filter(org_unit_id=org_unit_id)
    return qs.exists()


# --- Schemes and indicators ---------------------------------------------------------------------


def base_weight_sum(indicators) -> Decimal:
    return sum((i.weight for i in indicators if i.counts_towards_100), ZERO)


def scheme_check_weights(scheme: AssessmentScheme) -> None:
    """The base weights (bonus and veto items excluded) must add up to exactly 100."""
    total = base_weight_sum(scheme.indicators.all())
    if total != HUNDRED:
        raise DomainError(
            _(
                "The weights of the scheme's indicators add up to %(total)s; "
                "they must add up to 100 (bonus and veto items excluded)."
            )
            % {"total": f"{total:g}"},
            field="weight",
        )


def scheme_create(*, year: int, unit_kind: str, name: str, actor: User) -> AssessmentScheme:
    _require_office(actor)
    if unit_kind not in FIELD_UNIT_KINDS:
        raise DomainError(_("Only streets, parks and the innovation group are assessed."), field="unit_kind")
    if AssessmentScheme.objects.filter(year=year, unit_kind=unit_kind).exists():
        raise DomainError(
            _("There is already a %(kind)s scheme for %(year)s.") % {"kind": UnitKind(unit_kind).label, "year": year},
            field="year",
        )
    return AssessmentScheme.objects.create(year=year, unit_kind=unit_kind, name=name.strip())


@transaction.atomic
def scheme_copy(*, source: AssessmentScheme, year: int, actor: User, with_targets: bool = True) -> AssessmentScheme:
    """Start a year's scheme from another (usually last year's): indicators, grade bands, targets."""
    _require_office(actor)
    if AssessmentScheme.objects.filter(year=year, unit_kind=source.unit_kind).exists():
        raise DomainError(
            _("There is already a %(kind)s scheme for %(year)s.")
            % {"kind": UnitKind(source.unit_kind).label, "year": year},
            field="year",
        )
    name = source.name.replace(str(source.year), str(year)) if str(source.year) in source.name else source.name
    scheme = AssessmentScheme.objects.create(year=year, unit_kind=source.unit_kind, name=name, copied_from=source)
    old = list(source.indicators.all())
    copies = []
    for indicator in old:
        copy = Indicator(scheme=scheme)
        for field in (
            "key label weight mode kind source core is_veto max_value min_value order points_per_unit "
            "unit_label params description"
        ).split():
            setattr(copy, field, getattr(indicator, field))
        copies.append(copy)
    Indicator.objects.bulk_create(copies)
    GradeBand.objects.bulk_create(
        GradeBand(
            scheme=scheme,
            code=b.code,
            label=b.label,
            label_en=b.label_en,
            min_total=b.min_total,
            fund_factor=b.fund_factor,
        )
        for b in source.grade_bands.all()
    )
    if with_targets:
        new_by_key = {i.key: i for i in scheme.indicators.all()}
        Target.objects.bulk_create(
            Target(org_unit_id=t.org_unit_id, indicator=new_by_key[t.indicator.key], value=t.value)
            for t in Target.objects.filter(indicator__scheme=source).select_related("indicator")
        )
    return scheme


@dataclass
class IndicatorData:
    key: str
    label: str
    weight: Decimal
    mode: str = TargetMode.LINEAR
    kind: str = IndicatorKind.HARD
    source: str = ""
    core: bool = True
    is_veto: bool = False
    min_value: Decimal = ZERO
    max_value: Decimal | None = None
    points_per_unit: Decimal | None = None
    unit_label: str = ""
    params: dict | None = None
    description: str = ""
    order: int = 0


def _validate_indicator(data: IndicatorData) -> None:
    if data.source and data.source not in SOURCES:
        raise DomainError(_("Unknown computed source “%(key)s”.") % {"key": data.source}, field="source")
    if data.weight < 0:
        raise DomainError(_("A weight cannot be negative."), field="weight")
    if data.is_veto and data.weight != 0:
        raise DomainError(_("A veto item carries no points: set its weight to 0."), field="weight")
    if data.max_value is not None and data.max_value < data.min_value:
        raise DomainError(_("The maximum must not be below the minimum."), field="max_value")
    if data.params is not None and not isinstance(data.params, dict):
        raise DomainError(_("Source parameters must be a JSON object."), field="params")


@transaction.atomic
def indicator_save(
    *, scheme: AssessmentScheme, data: IndicatorData, actor: User, indicator: Indicator | None = None
) -> Indicator:
    """Add or change an indicator. An active scheme must keep its weights at 100 through every change."""
    _require_office(actor)
    scheme = AssessmentScheme.objects.select_for_update().get(pk=scheme.pk)
    if scheme.state == SchemeState.CLOSED:
        raise DomainError(_("The scheme is closed; it can no longer change."))
    if _published_exists(year=scheme.year, unit_kind=scheme.unit_kind):
        raise DomainError(_("Results of this scheme are published; its indicators can no longer change."))
    _validate_indicator(data)
    if Indicator.objects.filter(scheme=scheme, key=data.key).exclude(pk=getattr(indicator, "pk", None)).exists():
        raise DomainError(_("The scheme already has an indicator with this key."), field="key")
    target = indicator or Indicator(scheme=scheme)
    for field, value in data.__dict__.items():
        setattr(target, field, value if value is not None or field != "params" else {})
    target.save()
    if scheme.state == SchemeState.ACTIVE:
        scheme_check_weights(scheme)
    return target


@transaction.atomic
def grade_band_save(
    *,
    scheme: AssessmentScheme,
    code: str,
    label: str,
    min_total: Decimal,
    fund_factor: Decimal,
    actor: User,
    label_en: str = "",
) -> GradeBand:
    _require_office(actor)
    if scheme.state == SchemeState.CLOSED:
        raise DomainError(_("The scheme is closed; it can no longer change."))
    if min_total < 0 or fund_factor < 0:
        raise DomainError(_("Thresholds and factors cannot be negative."), field="min_total")
    # The scheme's row lock orders concurrent saves; the unique constraint stays the last word.
    AssessmentScheme.objects.select_for_update().get(pk=scheme.pk)
    clash = GradeBand.objects.filter(scheme=scheme, min_total=min_total).exclude(code=code).first()
    if clash is not None:
        raise DomainError(
            _("The grade “%(grade)s” already starts at %(total)s; each grade needs its own minimum total.")
            % {"grade": clash.label, "total": min_total},
            field="min_total",
            code="duplicate",
        )
    band, _created = GradeBand.objects.update_or_create(
        scheme=scheme,
        code=code,
        defaults={"label": label, "label_en": label_en, "min_total": min_total, "fund_factor": fund_factor},
    )
    return band


@transaction.atomic
def scheme_activate(*, scheme: AssessmentScheme, actor: User) -> AssessmentScheme:
    scheme = AssessmentScheme.objects.select_for_update().get(pk=scheme.pk)
    if not policies.can_configure(actor):
        raise ActionNotAllowed(_("Only the district talent office may do this."))
    scheme_check_weights(scheme)
    SCHEME_WORKFLOW.apply(scheme, action="activate", actor=actor)
    return scheme


@transaction.atomic
def scheme_close(*, scheme: AssessmentScheme, actor: User) -> AssessmentScheme:
    scheme = AssessmentScheme.objects.select_for_update().get(pk=scheme.pk)
    if scheme.assessments.exclude(state=AssessmentState.PUBLISHED).exists():
        raise DomainError(_("Publish every assessment of the scheme before closing it."))
    SCHEME_WORKFLOW.apply(scheme, action="close", actor=actor)
    return scheme


# --- Targets, manual values, activities ---------------------------------------------------------


def _check_unit_for(indicator: Indicator, org_unit: OrgUnit) -> None:
    if org_unit.kind != indicator.scheme.unit_kind:
        raise DomainError(
            _("%(unit)s is a %(unit_kind)s; the indicator belongs to the %(scheme_kind)s scheme.")
            % {
                "unit": org_unit.display_name,
                "unit_kind": UnitKind(org_unit.kind).label,
                "scheme_kind": UnitKind(indicator.scheme.unit_kind).label,
            },
            field="org_unit",
            code="wrong_unit_kind",
        )


def _check_not_frozen(indicator: Indicator, org_unit: OrgUnit) -> None:
    if indicator.scheme.state == SchemeState.CLOSED or _published_exists(
        year=indicator.scheme.year, unit_kind=indicator.scheme.unit_kind, org_unit_id=org_unit.pk
    ):
        raise DomainError(
            _("The %(year)s assessment of %(unit)s is published; it can no longer change.")
            % {"year": indicator.scheme.year, "unit": org_unit.display_name},
            code="frozen",
        )


def target_set(*, indicator: Indicator, org_unit: OrgUnit, value: Decimal, actor: User) -> Target:
    """The office sets a unit's target for an indicator; the unit's figures follow at once."""
    _require_office(actor)
    _check_unit_for(indicator, org_unit)
    if value is None or value < 0:
        raise DomainError(_("A target cannot be negative."), field="value")
    with transaction.atomic():
        _check_not_frozen(indicator, org_unit)
        target, _created = Target.objects.update_or_create(
            indicator=indicator, org_unit=org_unit, defaults={"value": value}
        )
    _refresh(indicator.scheme)
    return target


def manual_value_set(
    *, indicator: Indicator, org_unit: OrgUnit, value: Decimal, evidence: str, actor: User
) -> ManualValue:
    """A figure entered by hand, within the indicator's range and always with evidence."""
    if not policies.can_enter_manual_value(actor, org_unit.pk):
        raise ActionNotAllowed(
            _(
                "Only the district talent office enters an assessment's figures; the assessed unit confirms its "
                "scorecard or objects to it."
            )
        )
    if not indicator.is_manual:
        raise DomainError(
            _("This indicator is computed from the portal's records; it takes no manual value."), code="computed"
        )
    _check_unit_for(indicator, org_unit)
    low, high = indicator.min_value, indicator.max_value
    if value is None or value < low or (high is not None and value > high):
        bounds = f"{low:g} – {high:g}" if high is not None else f"≥ {low:g}"
        raise DomainError(
            _("%(value)s is outside the range allowed for “%(indicator)s” (%(bounds)s).")
            % {"value": value, "indicator": indicator.label, "bounds": bounds},
            field="value",
        )
    if not (evidence or "").strip():
        raise DomainError(_("Say what the figure rests on (evidence)."), field="evidence", code="evidence_missing")
    with transaction.atomic():
        _check_not_frozen(indicator, org_unit)
        manual, _created = ManualValue.objects.update_or_create(
            indicator=indicator,
            org_unit=org_unit,
            defaults={"value": value, "evidence": evidence.strip(), "entered_by": actor, "entered_at": clock.now()},
        )
    _refresh(indicator.scheme)
    return manual


def activity_record(
    *,
    org_unit: OrgUnit,
    kind: str,
    title: str,
    held_on: date,
    participants: int,
    notes: str = "",
    actor: User,
) -> Activity:
    if not policies.can_record_activity(actor, org_unit.pk):
        raise ActionNotAllowed(_("You may record activities of your own unit only."))
    if not org_unit.is_field_unit:
        raise DomainError(_("Activities are recorded for streets, parks and the innovation group."), field="org_unit")
    if held_on > clock.today():
        raise DomainError(_("An activity is recorded once it has been held."), field="held_on")
    if participants is None or participants < 0:
        raise DomainError(_("The number of participants cannot be negative."), field="participants")
    if Assessment.objects.filter(org_unit=org_unit, year=held_on.year, state=AssessmentState.PUBLISHED).exists():
        raise DomainError(
            _("The %(year)s assessment of %(unit)s is published; it can no longer change.")
            % {"year": held_on.year, "unit": org_unit.display_name},
            field="held_on",
            code="frozen",
        )
    activity = Activity.objects.create(
        org_unit=org_unit, kind=kind, title=title.strip(), held_on=held_on, participants=participants, notes=notes
    )
    scheme = AssessmentScheme.objects.filter(year=held_on.year, unit_kind=org_unit.kind).first()
    if scheme is not None:
        _refresh(scheme)
    return activity


# --- The assessment's transitions -----------------------------------------------------------------


def _transition(assessment_id: int, *, action: str, actor: User, reason: str = "") -> Assessment:
    with transaction.atomic():
        assessment = Assessment.objects.select_for_update().select_related("org_unit").get(pk=assessment_id)
        ASSESSMENT_WORKFLOW.apply(assessment, action=action, actor=actor, reason=reason)
    return assessment


def assessment_confirm(*, assessment_id: int, actor: User, comment: str = "") -> Assessment:
    return _transition(assessment_id, action="confirm", actor=actor, reason=comment)


def assessment_object(*, assessment_id: int, actor: User, reason: str) -> Assessment:
    return _transition(assessment_id, action="object", actor=actor, reason=reason)


def assessment_reopen(*, assessment_id: int, actor: User, reason: str) -> Assessment:
    """The office answers an objection (after correcting a figure, or explaining why it stands)."""
    assessment = _transition(assessment_id, action="reopen", actor=actor, reason=reason)
    _refresh(assessment.scheme)
    return assessment


def assessment_publish(*, assessment_id: int, actor: User, reason: str = "") -> Assessment:
    current = Assessment.objects.values_list("state", flat=True).get(pk=assessment_id)
    action = "publish_unconfirmed" if current == AssessmentState.COMPUTED else "publish"
    return _transition(assessment_id, action=action, actor=actor, reason=reason)


def confirmed_to_publish(*, year: int, unit_kind: str | None = None):
    """The confirmed assessments of a year (and unit kind) that publishing them all would move."""
    qs = Assessment.objects.filter(year=year, state=AssessmentState.CONFIRMED).select_related("org_unit")
    if unit_kind:
        qs = qs.filter(org_unit__kind=unit_kind)
    return qs.order_by("org_unit__kind", "org_unit__code")


def assessments_publish_confirmed(*, year: int, unit_kind: str | None, actor: User) -> int:
    """Publish every confirmed assessment of a year (and kind); each transition is logged."""
    _require_office(actor)
    ids = list(confirmed_to_publish(year=year, unit_kind=unit_kind).values_list("pk", flat=True))
    for pk in ids:
        _transition(pk, action="publish", actor=actor)
    return len(ids)


# --- Recompute ------------------------------------------------------------------------------------

SCORE_FIELDS = ["actual", "target", "score", "evidence", "manual", "entered_by", "explanation", "record_count"]
RESULT_FIELDS = [
    "total",
    "vetoed",
    "grade_band",
    "grade_band_en",
    "grade_code",
    "rank",
    "previous_total",
    "hard_total",
    "soft_total",
    "bonus_total",
]


def _refresh(scheme: AssessmentScheme) -> None:
    """After a target or manual figure changes, the unit sees its figures follow at once."""
    if scheme.state == SchemeState.ACTIVE and scheme.assessments.exists():
        assessments_recompute(scheme_ids=[scheme.pk])


def _grade_for(total: Decimal, bands: list[GradeBand]) -> tuple[str, str, str]:
    """``(label, English label, code)`` of the highest band the total reaches (the lowest band
    below them all)."""
    for band in bands:  # ordered by min_total, highest first
        if total >= band.min_total:
            return band.label, band.label_en, band.code
    return (bands[-1].label, bands[-1].label_en, bands[-1].code) if bands else ("", "", "")


def _recompute_scheme(scheme: AssessmentScheme, counts: dict) -> None:
    unit_ids = list(
        OrgUnit.objects.filter(kind=scheme.unit_kind, active=True).order_by("pk").values_list("pk", flat=True)
    )
    existing = set(
        Assessment.objects.filter(year=scheme.year, org_unit_id__in=unit_ids).values_list("org_unit_id", flat=True)
    )
    missing = [u for u in unit_ids if u not in existing]
    Assessment.objects.bulk_create(
        [Assessment(org_unit_id=u, scheme=scheme, year=scheme.year) for u in missing], ignore_conflicts=True
    )
    counts["created"] += len(missing)

    actor = system_actor()
    with transaction.atomic():
        everyone = list(Assessment.objects.select_for_update().filter(scheme=scheme).order_by("pk"))
        open_ones = [a for a in everyone if a.state != AssessmentState.PUBLISHED]
        counts["frozen"] += len(everyone) - len(open_ones)
        counts["assessments"] += len(everyone)
        if not open_ones:
            return
        open_units = [a.org_unit_id for a in open_ones]
        indicators = list(scheme.indicators.all())
        bands = list(scheme.grade_bands.order_by("-min_total"))
        targets = {
            (t.org_unit_id, t.indicator_id): t.value
            for t in Target.objects.filter(indicator__scheme=scheme, org_unit_id__in=open_units)
        }
        manual = {
            (m.org_unit_id, m.indicator_id): m
            for m in ManualValue.objects.filter(indicator__scheme=scheme, org_unit_id__in=open_units)
        }
        figures = {
            i.pk: SOURCES[i.source].compute(scheme.year, open_units, i.params or {})
            for i in indicators
            if i.source in SOURCES
        }
        previous = dict(
            Assessment.objects.filter(year=scheme.year - 1, org_unit_id__in=open_units).values_list(
                "org_unit_id", "total"
            )
        )
        stored = {(s.assessment_id, s.indicator_id): s for s in IndicatorScore.objects.filter(assessment__in=open_ones)}
        to_create, to_update = [], []
        changed_ids = set()
        for assessment in open_ones:
            unit = assessment.org_unit_id
            sums = {"base": ZERO, "bonus": ZERO, IndicatorKind.HARD: ZERO, IndicatorKind.SOFT: ZERO}
            vetoed = False
            for indicator in indicators:
                values = _indicator_values(indicator, unit, figures, manual)
                target = targets.get((unit, indicator.pk))
                if indicator.is_veto:
                    vetoed = vetoed or (values["actual"] or ZERO) > 0
                    result_score, explanation = ZERO, (_("veto") if (values["actual"] or ZERO) > 0 else "—")
                elif values["actual"] is None and indicator.is_manual:
                    result_score, explanation = ZERO, _("no value entered")
                else:
                    result = score_indicator(
                        mode=indicator.mode,
                        weight=indicator.weight,
                        actual=values["actual"],
                        target=target,
                        points_per_unit=indicator.points_per_unit,
                    )
                    result_score, explanation = result.score, result.explanation
                if not indicator.is_veto:
                    sums["bonus" if indicator.mode == TargetMode.BONUS else "base"] += result_score
                    sums[indicator.kind] += result_score
                row = {
                    **values,
                    "target": target,
                    "score": points(result_score),
                    "explanation": str(explanation)[:200],
                }
                existing_score = stored.get((assessment.pk, indicator.pk))
                if existing_score is None:
                    to_create.append(IndicatorScore(assessment=assessment, indicator=indicator, **row))
                    changed_ids.add(assessment.pk)
                elif any(
                    getattr(existing_score, f if f != "entered_by" else "entered_by_id") != _raw(row, f)
                    for f in SCORE_FIELDS
                ):
                    for f, v in row.items():
                        setattr(existing_score, f, v)
                    to_update.append(existing_score)
                    changed_ids.add(assessment.pk)
            total = points(sums["base"] + sums["bonus"])
            result = {
                "total": ZERO.quantize(Decimal("0.01")) if vetoed else total,
                "vetoed": vetoed,
                "hard_total": ZERO.quantize(Decimal("0.01")) if vetoed else points(sums[IndicatorKind.HARD]),
                "soft_total": ZERO.quantize(Decimal("0.01")) if vetoed else points(sums[IndicatorKind.SOFT]),
                "bonus_total": ZERO.quantize(Decimal("0.01")) if vetoed else points(sums["bonus"]),
                "previous_total": previous.get(unit),
            }
            result["grade_band"], result["grade_band_en"], result["grade_code"] = _grade_for(result["total"], bands)
            for f, v in result.items():
                if getattr(assessment, f) != v:
                    setattr(assessment, f, v)
                    changed_ids.add(assessment.pk)
        ranks = competition_ranks({a.pk: a.total for a in everyone})
        for assessment in open_ones:
            if assessment.rank != ranks[assessment.pk]:
                assessment.rank = ranks[assessment.pk]
                changed_ids.add(assessment.pk)
        IndicatorScore.objects.bulk_create(to_create)
        IndicatorScore.objects.bulk_update(to_update, SCORE_FIELDS)
        now = clock.now()
        dirty = [a for a in open_ones if a.pk in changed_ids]
        for assessment in dirty:
            assessment.computed_at = now
        Assessment.objects.bulk_update(dirty, [*RESULT_FIELDS, "computed_at"])
        counts["changed"] += len(dirty)
        for assessment in open_ones:
            if assessment.state == AssessmentState.DRAFT:
                ASSESSMENT_WORKFLOW.apply(assessment, action="compute", actor=actor)
                counts["computed"] += 1
            elif assessment.state == AssessmentState.CONFIRMED and assessment.pk in changed_ids:
                ASSESSMENT_WORKFLOW.apply(
                    assessment,
                    action="recompute",
                    actor=actor,
                    # Stored as written here; the pages show it in the reader's language.
                    reason=gettext_noop("The figures changed after confirmation; please confirm again."),
                )
                counts["to_reconfirm"] += 1


def _raw(row: dict, field: str):
    value = row[field]
    if field == "entered_by":
        return value.pk if value is not None else None
    return value


def _indicator_values(indicator: Indicator, unit_id: int, figures: dict, manual: dict) -> dict:
    if indicator.source in SOURCES:
        figure = figures[indicator.pk].get(unit_id)
        return {
            "actual": figure.value if figure else SOURCES[indicator.source].empty,
            "record_count": figure.count if figure else 0,
            "manual": False,
            "evidence": "",
            "entered_by": None,
        }
    entry = manual.get((unit_id, indicator.pk))
    return {
        "actual": entry.value if entry else None,
        "record_count": None,
        "manual": True,
        "evidence": entry.evidence if entry else "",
        "entered_by": entry.entered_by if entry else None,
    }


def assessments_recompute(
    *, year: int | None = None, scheme_ids: list[int] | None = None, progress: Callable[[int, int], None] | None = None
) -> dict:
    """Compute every unpublished assessment of the active schemes (or of the given ones).

    Set-based (a constant number of queries per scheme and indicator, whatever the number of units)
    and idempotent: a second run with unchanged data changes nothing. Published assessments are
    frozen and never touched.
    """
    schemes = AssessmentScheme.objects.filter(state=SchemeState.ACTIVE).order_by("year", "unit_kind")
    if year is not None:
        schemes = schemes.filter(year=year)
    if scheme_ids is not None:
        schemes = schemes.filter(pk__in=scheme_ids)
    schemes = list(schemes)
    counts = {
        "schemes": len(schemes),
        "assessments": 0,
        "created": 0,
        "changed": 0,
        "computed": 0,
        "to_reconfirm": 0,
        "frozen": 0,
    }
    for done, scheme in enumerate(schemes, start=1):
        _recompute_scheme(scheme, counts)
        if progress is not None:
            progress(done, len(schemes))
    if progress is not None and not schemes:
        progress(1, 1)
    return counts


# --- Work funds -----------------------------------------------------------------------------------


def work_fund_pool_create(
    *,
    year: int,
    name: str,
    amount: Decimal,
    unit_kind: str = "",
    rule: str = FundRule.BY_SCORE,
    base_percent: Decimal = ZERO,
    min_total: Decimal = ZERO,
    actor: User,
) -> WorkFundPool:
    _require_office(actor)
    if amount is None or amount <= 0:
        raise DomainError(_("The pool must hold a positive amount."), field="amount")
    if not (0 <= base_percent <= 100):
        raise DomainError(_("The equal base share is a percentage between 0 and 100."), field="base_percent")
    if unit_kind and unit_kind not in FIELD_UNIT_KINDS:
        raise DomainError(_("Only streets, parks and the innovation group are assessed."), field="unit_kind")
    if WorkFundPool.objects.filter(year=year, name=name.strip()).exists():
        raise DomainError(_("A pool with this name already exists for the year."), field="name")
    return WorkFundPool.objects.create(
        year=year,
        name=name.strip(),
        amount=to_money(amount),
        unit_kind=unit_kind,
        rule=rule,
        base_percent=base_percent,
        min_total=min_total,
        created_by=actor,
    )


def _largest_remainder(amount: Decimal, weights: dict[int, Decimal]) -> dict[int, Decimal]:
    """Split ``amount`` by ``weights`` into cents that add up to exactly ``amount``."""
    total_weight = sum(weights.values(), ZERO)
    if total_weight <= 0:
        return {k: Decimal("0.00") for k in weights}
    cents = int(amount * 100)
    raw = {k: Decimal(cents) * w / total_weight for k, w in weights.items()}
    floors = {k: int(v.to_integral_value(rounding=ROUND_DOWN)) for k, v in raw.items()}
    left = cents - sum(floors.values())
    for k in sorted(raw, key=lambda k: (-(raw[k] - floors[k]), k))[:left]:
        floors[k] += 1
    return {k: Decimal(v) / 100 for k, v in floors.items()}


@transaction.atomic
def work_fund_split(*, pool: WorkFundPool, actor: User) -> list[WorkFundShare]:
    """Split the pool among the units by their published results and the office's rule.

    A base share (``base_percent`` of the pool) goes equally to every unit that qualifies
    (total ≥ ``min_total``, not vetoed); the rest follows the total score or the grade's fund
    factor. Shares are in cents and add up to the pool exactly. Splitting again replaces the split.
    """
    _require_office(actor)
    pool = WorkFundPool.objects.select_for_update().get(pk=pool.pk)
    assessments, qualifying, weights = split_basis(pool)
    amount = pool.amount
    base = to_money(amount * pool.base_percent / HUNDRED)
    equal = _largest_remainder(base, {pk: Decimal(1) for pk in qualifying})
    by_rule = _largest_remainder(amount - base, weights)
    WorkFundShare.objects.filter(pool=pool).delete()
    shares = []
    for a in assessments:
        share_amount = equal.get(a.pk, ZERO) + by_rule.get(a.pk, ZERO)
        if a.pk in qualifying:
            explanation = _("base %(base)s + by rule %(rule)s") % {"base": equal[a.pk], "rule": by_rule[a.pk]}
        elif a.vetoed:
            explanation = _("vetoed: no share")
        else:
            explanation = _("below the minimum total %(min)s: no share") % {"min": pool.min_total}
        shares.append(
            WorkFundShare(
                pool=pool,
                org_unit=a.org_unit,
                assessment=a,
                total=a.total or ZERO,
                weight=weights.get(a.pk, ZERO),
                amount=to_money(share_amount),
                explanation=explanation,
            )
        )
    WorkFundShare.objects.bulk_create(shares)
    pool.split_at = clock.now()
    POOL_WORKFLOW.apply(pool, action="split", actor=actor, extra_fields=("split_at",))
    return shares
