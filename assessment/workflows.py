"""The state machines of the assessment app: the scheme and the yearly assessment of a unit.

The figures are computed by the system actor (the recompute job, also run after the office
enters a figure); the unit confirms or objects, the office answers and publishes.
"""

from decimal import Decimal

from django.urls import reverse
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from qinhuai_talent.core import access, clock
from qinhuai_talent.core.errors import DomainError
from qinhuai_talent.core.models import FIELD_UNIT_KINDS
from qinhuai_talent.core.workflow import SYSTEM, Transition, Workflow
from qinhuai_talent.notifications.services import notify, unit_officers

from . import policies
from .models import (
    Assessment,
    AssessmentScheme,
    AssessmentState,
    FundRule,
    GradeBand,
    PoolState,
    SchemeState,
    WorkFundPool,
)


def _office(user, obj) -> bool:
    return access.is_office(user)


SCHEME_WORKFLOW = Workflow(
    state_field="state",
    states=SchemeState,
    transitions=[
        Transition(
            "activate",
            (SchemeState.DRAFT,),
            SchemeState.ACTIVE,
            pgettext_lazy("scheme", "Activate"),
            _office,
            confirm=_("The scheme is in force: this year's assessments are computed by its indicators and weights."),
        ),
        Transition(
            "close",
            (SchemeState.ACTIVE,),
            SchemeState.CLOSED,
            _("Close"),
            _office,
            confirm=_("The scheme is closed: no assessment is computed by it any more."),
            destructive=True,
        ),
    ],
    model=AssessmentScheme,
)


def _confirmed(assessment: Assessment, *, actor, reason: str, **_params) -> tuple[str, ...]:
    assessment.confirmed_by = actor
    assessment.unit_comment = reason.strip()
    return ("confirmed_by", "unit_comment")


def _objected(assessment: Assessment, *, reason: str, **_params) -> tuple[str, ...]:
    assessment.unit_comment = reason.strip()
    return ("unit_comment",)


def _computed(assessment: Assessment) -> None:
    if assessment.total is None:
        raise DomainError(_("Compute the assessment before publishing it."), code="not_computed")


def _published(assessment: Assessment, **_params) -> tuple[str, ...]:
    assessment.published_at = clock.now()
    return ("published_at",)


def _tell_the_unit(assessment: Assessment, **_params) -> None:
    """The unit's officers learn their published score and grade, in their own language."""
    notify(
        event="assessment_published",
        recipients=unit_officers(assessment.org_unit_id),
        key=f"assessment:{assessment.pk}:published",
        params={
            "year": assessment.year,
            "unit": assessment.org_unit,
            "score": str(assessment.total),
            "grade": {"zh-hans": assessment.grade_band, "en": assessment.grade_band_en or assessment.grade_band},
        },
        url=reverse("assessment:assessment-detail", args=[assessment.pk]),
    )


ASSESSMENT_WORKFLOW = Workflow(
    state_field="state",
    states=AssessmentState,
    transitions=[
        Transition("compute", (AssessmentState.DRAFT,), AssessmentState.COMPUTED, _("Compute"), by=SYSTEM),
        # Figures changed after the unit confirmed: the unit confirms the new figures again.
        Transition("recompute", (AssessmentState.CONFIRMED,), AssessmentState.COMPUTED, _("Recompute"), by=SYSTEM),
        Transition(
            "confirm",
            (AssessmentState.COMPUTED,),
            AssessmentState.CONFIRMED,
            _("Confirm"),
            lambda user, obj: policies.can_answer_for_unit(user, obj),
            prepare=_confirmed,
            confirm=_("Your unit accepts these figures and scores; the office may then publish them."),
        ),
        Transition(
            "object",
            (AssessmentState.COMPUTED,),
            AssessmentState.OBJECTED,
            _("Raise an objection"),
            lambda user, obj: policies.can_answer_for_unit(user, obj),
            needs_reason=True,
            prepare=_objected,
            confirm=_("Your objection goes to the district office with your reason; the result waits for its answer."),
        ),
        Transition(
            "reopen",
            (AssessmentState.OBJECTED,),
            AssessmentState.COMPUTED,
            _("Answer the objection"),
            _office,
            True,
            confirm=_("The objection is answered with your reason and the unit is asked to confirm the figures again."),
        ),
        Transition(
            "publish",
            (AssessmentState.CONFIRMED,),
            AssessmentState.PUBLISHED,
            _("Publish"),
            _office,
            condition=_computed,
            prepare=_published,
            effect=_tell_the_unit,
            confirm=_("The result is published in the league table for every reader; the work funds follow it."),
        ),
        # A unit that did not answer in time does not hold up the district's table; the reason is logged.
        Transition(
            "publish_unconfirmed",
            (AssessmentState.COMPUTED,),
            AssessmentState.PUBLISHED,
            _("Publish without the unit's confirmation"),
            _office,
            needs_reason=True,
            condition=_computed,
            prepare=_published,
            effect=_tell_the_unit,
            confirm=_(
                "The result is published without the unit's confirmation, with your reason; the work funds follow it."
            ),
            destructive=True,
        ),
    ],
    model=Assessment,
)


def split_basis(pool: WorkFundPool) -> tuple[list, dict, dict]:
    """What a pool is split by: the year's assessments of its units (every one published), those
    that qualify (total ≥ the pool's minimum, not vetoed) and each one's weight under the pool's
    rule. Refuses (``DomainError``) when there is nothing to split by."""
    qs = Assessment.objects.filter(year=pool.year)
    qs = qs.filter(org_unit__kind=pool.unit_kind) if pool.unit_kind else qs.filter(org_unit__kind__in=FIELD_UNIT_KINDS)
    assessments = list(qs.select_related("scheme", "org_unit"))
    if not assessments:
        raise DomainError(
            gettext("There are no assessments for %(year)s to split the pool by.") % {"year": pool.year},
            code="nothing_to_split",
        )
    unpublished = [a for a in assessments if a.state != AssessmentState.PUBLISHED]
    if unpublished:
        raise DomainError(
            gettext("The split follows published results: %(count)s assessment(s) of %(year)s are not published yet.")
            % {"count": len(unpublished), "year": pool.year},
            code="unpublished",
        )
    qualifying = {a.pk: a for a in assessments if not a.vetoed and a.total is not None and a.total >= pool.min_total}
    if not qualifying:
        raise DomainError(
            gettext("No unit reaches the pool's minimum total; nothing can be split."), code="nothing_to_split"
        )
    if pool.rule == FundRule.BY_GRADE:
        factors = {(b.scheme_id, b.code): b.fund_factor for b in GradeBand.objects.filter(scheme__year=pool.year)}
        weights = {pk: factors.get((a.scheme_id, a.grade_code), Decimal(0)) for pk, a in qualifying.items()}
    else:
        weights = {pk: a.total for pk, a in qualifying.items()}
    if sum(weights.values(), Decimal(0)) <= 0:
        raise DomainError(
            gettext("The split rule gives every qualifying unit a weight of zero."), code="nothing_to_split"
        )
    return assessments, qualifying, weights


def _splittable(pool: WorkFundPool) -> None:
    split_basis(pool)


# A work-fund pool is split by the office among the units by their published results; splitting
# again replaces the split.
POOL_WORKFLOW = Workflow(
    state_field="state",
    states=PoolState,
    transitions=[
        Transition(
            "split",
            (PoolState.DRAFT, PoolState.SPLIT),
            PoolState.SPLIT,
            _("Split the pool"),
            _office,
            condition=_splittable,
            confirm=_("The pool is split among the units by their published results; an earlier split is replaced."),
        ),
    ],
    model=WorkFundPool,
)
