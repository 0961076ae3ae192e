"""The unit-assessment report: the year's results by unit kind, with ranks, scores and grades."""

from collections import defaultdict
from decimal import Decimal

from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

from assessment import selectors as assessment_selectors
from assessment.models import AssessmentState
from qinhuai_talent.core.models import FIELD_UNIT_KINDS, UnitKind

from .. import forms
from .base import COUNT, SCORE, Cell, Column, Figure, Records, Report, Table, label_of, yes_no

# ---------------------------------------------------------------- unit assessment


class AssessmentsReport(Report):
    key = "assessments"
    title = pgettext_lazy("report page", "Unit assessment results")
    form_class = forms.AssessmentReportForm

    @cached_property
    def results(self) -> list:
        """The year's league table of the units in scope (assessment's own, one query), by unit
        kind and rank within it."""
        rows = assessment_selectors.league_table(self.year, self.data.get("unit_kind") or None, units=self.scope.units)
        if self.data.get("state"):
            rows = [r for r in rows if r.state == self.data["state"]]
        kinds = {k: i for i, k in enumerate(FIELD_UNIT_KINDS)}
        return sorted(rows, key=lambda r: (kinds.get(r.unit_kind, 9), r.rank is None, r.rank or 0, r.org_unit.code))

    def figures(self) -> list[Figure]:
        rows = self.results
        scored = [r.total for r in rows if r.total is not None]
        return [
            Figure(_("Units assessed"), len(rows)),
            Figure(
                _("Published"),
                sum(r.state == AssessmentState.PUBLISHED for r in rows),
                url=self.url(state=AssessmentState.PUBLISHED),
            ),
            Figure(_("Average total score"), _mean(scored), SCORE),
            Figure(_("Vetoed"), sum(r.vetoed for r in rows)),
        ]

    def tables(self) -> list[Table]:
        by_kind: dict[str, list] = defaultdict(list)
        grades: list[str] = []
        for r in self.results:
            by_kind[r.unit_kind].append(r)
        # Grade bands are each scheme's own labels; best first, as they appear down the ranking.
        for r in sorted(self.results, key=lambda r: -(r.total or 0)):
            if r.grade_label and r.grade_label not in grades:
                grades.append(r.grade_label)
        table = Table(
            "by_kind",
            _("Results by unit kind"),
            [
                Column(_("Unit kind")),
                Column(_("Units assessed"), COUNT),
                Column(_("Average total score"), SCORE),
                Column(_("Highest"), SCORE),
                Column(_("Lowest"), SCORE),
                Column(_("Vetoed"), COUNT),
            ]
            + [Column(g, COUNT) for g in grades],
            note=_("Each kind has its own indicator set (差异化考核); ranks are within the kind."),
        )
        for kind, rows in by_kind.items():
            scored = [r.total for r in rows if r.total is not None]
            table.add(
                Cell(label_of(UnitKind, kind), self.url(unit_kind=kind)),
                len(rows),
                _mean(scored),
                max(scored) if scored else None,
                min(scored) if scored else None,
                sum(r.vetoed for r in rows),
                *(sum(r.grade_label == g for r in rows) for g in grades),
            )
        return [table]

    def records(self) -> Records:
        columns = [
            Column(_("Unit")),
            Column(_("Rank within the kind"), COUNT),
            Column(_("Unit kind")),
            Column(_("Total score"), SCORE),
            Column(_("Hard indicators"), SCORE),
            Column(_("Soft indicators"), SCORE),
            Column(_("Bonus points"), SCORE),
            Column(pgettext("assessment", "Grade")),
            Column(_("Vetoed")),
            Column(_("Last year's total"), SCORE),
            Column(_("Change on last year"), SCORE),
            Column(_("State")),
        ]

        def row(r) -> list:
            return [
                Cell(r.org_unit.display_name, reverse("assessment:assessment-detail", args=[r.assessment_id])),
                r.rank,
                label_of(UnitKind, r.unit_kind),
                r.total,
                r.hard_total,
                r.soft_total,
                r.bonus_total,
                r.grade_label,
                yes_no(r.vetoed),
                r.previous_total,
                r.change,
                r.state_label,
            ]

        return Records(_("Assessments counted"), columns, self.results, row)


def _mean(values: list) -> Decimal | None:
    if not values:
        return None
    return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.01"))
