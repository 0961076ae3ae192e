"""The report pages of each area: the records a figure counts and the grouped figures they add up
to, laid out once as tables that the page shows and its CSV and XLSX exports write.

Each page filters one scoped queryset (``Scope`` from ``selectors.report_scope``, built on
``qinhuai_talent.core.access``) and computes every figure from it with grouped aggregates, so the
record list below the figures is exactly what they count, and a page runs the same number of
queries for ten rows or ten thousand. Without filters the figures are the apps' own (the tests tie
them to ``talents.selectors.title_counts``, ``enterprises.selectors.enterprise_figures``,
``funding.selectors.funding_figures`` and the rest, which the dashboard shows); the apps' selectors
take no filters but the year and the units, so the grouping by a filter lives here.
"""

from .assessment import AssessmentsReport
from .base import PER_PAGE, Report
from .enterprises import EnterprisesReport
from .funding import ExitsReport, FundingReport
from .services import ServicesReport
from .talents import ApplicationsReport, TalentsReport

REPORTS: dict[str, type[Report]] = {
    r.key: r
    for r in (
        TalentsReport,
        ApplicationsReport,
        EnterprisesReport,
        FundingReport,
        ExitsReport,
        AssessmentsReport,
        ServicesReport,
    )
}

__all__ = ["PER_PAGE", "REPORTS", "Report"]
