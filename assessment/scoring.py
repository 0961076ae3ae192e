"""The arithmetic of an indicator's score, kept pure so that every target mode can be tested alone.

Modes (``TargetMode``):

- ``linear``: weight × actual / target; over-achievement earns proportionally more, up to
  ``ASSESSMENT_LINEAR_MAX_RATIO`` (setting, default 2) times the weight so that one runaway
  figure cannot decide the table.
- ``capped``: as linear, but never more than the weight.
- ``threshold``: the whole weight once the actual reaches the target, nothing below.
- ``bonus``: points per unit of the actual (or, without a rate, weight × actual / target), up to the
  weight, which is the item's maximum; bonus items sit outside the 100 base points.

A target of zero asks for nothing, so it earns the weight; a missing target earns nothing (the
office has not set one yet) and says so.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from .models import TargetMode

CENT = Decimal("0.01")
ZERO = Decimal("0")


def points(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Score:
    score: Decimal
    explanation: str


def score_indicator(
    *,
    mode: str,
    weight: Decimal,
    actual: Decimal | None,
    target: Decimal | None,
    points_per_unit: Decimal | None = None,
) -> Score:
    actual = actual if actual is not None else ZERO
    actual = max(actual, ZERO)
    if mode == TargetMode.BONUS and points_per_unit is not None:
        raw = points(actual * points_per_unit)
        earned = min(raw, weight)
        return Score(earned, f"{actual:g} × {points_per_unit:g} = {raw}, ≤ {weight:g} → {earned}")
    if target is None:
        return Score(ZERO.quantize(CENT), _("no target set"))
    if target == 0:
        return Score(points(weight), _("target 0: full points"))
    ratio = actual / target
    if mode == TargetMode.THRESHOLD:
        earned = points(weight) if actual >= target else ZERO.quantize(CENT)
        sign = "≥" if actual >= target else "<"
        return Score(earned, f"{actual:g} {sign} {target:g} → {earned}")
    raw = points(weight * ratio)
    if mode == TargetMode.LINEAR:
        ceiling = points(weight * Decimal(str(getattr(settings, "ASSESSMENT_LINEAR_MAX_RATIO", 2))))
        if raw > ceiling:
            return Score(ceiling, f"{actual:g} / {target:g} × {weight:g} = {raw}, ≤ {ceiling:g} → {ceiling}")
        return Score(raw, f"{actual:g} / {target:g} × {weight:g} = {raw}")
    earned = min(raw, points(weight))
    return Score(earned, f"{actual:g} / {target:g} × {weight:g} = {raw}, ≤ {weight:g} → {earned}")


def competition_ranks(totals: dict[int, Decimal | None]) -> dict[int, int | None]:
    """Standard competition ranking (1, 2, 2, 4) of ids by total, highest first; no total, no rank."""
    ordered = sorted(((t, k) for k, t in totals.items() if t is not None), key=lambda p: -p[0])
    ranks: dict[int, int | None] = {k: None for k, t in totals.items() if t is None}
    previous, previous_rank = None, 0
    for position, (total, key) in enumerate(ordered, start=1):
        rank = previous_rank if total == previous else position
        ranks[key] = rank
        previous, previous_rank = total, rank
    return ranks
