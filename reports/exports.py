"""The summary as tables with headers in the reader's language (简体中文 by default), written as
CSV or XLSX by the portal's one writer (``qinhuai_talent.core.spreadsheets``)."""

from django.utils.translation import pgettext

from assessment.models import AssessmentState
from enterprises.models import EnterpriseClass, FinancingInstrument, RevenueTier
from funding.models import CaseState, ExitRule, FundingSource
from qinhuai_talent.core.i18n import in_reader_language, reads_chinese
from qinhuai_talent.core.spreadsheets import CODE, COUNT, MONEY, NUMBER, YEAR, Column, Sheet
from serviceplatform.models import RequestState, ServiceCategory
from talents.models import ApplicationState, Level, Origin

from .selectors import PIPELINE_STAGES


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _name(row: dict, key: str = "program_name") -> str:
    zh = reads_chinese()
    return row[key] if zh else row[f"{key}_en"]


def summary_sections(data: dict) -> list[Sheet]:
    """The summary's figures as tables; money in yuan with two places."""
    titles = Sheet(
        pgettext("summary export", "Titles"),
        [
            pgettext("summary export", "Program"),
            Column(pgettext("summary export", "Program code"), CODE),
            pgettext("summary export", "Level"),
            pgettext("summary export", "Origin"),
            Column(pgettext("summary export", "Count"), COUNT),
        ],
        [
            [_name(r), r["program"], _label(Level, r["level"]), _label(Origin, r["origin"]), r["count"]]
            for r in data["titles"]
        ],
    )
    pipeline = Sheet(
        pgettext("summary export", "Pipeline"),
        [
            pgettext("summary export", "Program"),
            Column(pgettext("summary export", "Program code"), CODE),
            pgettext("summary export", "Level"),
            Column(pgettext("summary export", "Quota"), COUNT),
            Column(pgettext("summary export", "Applications"), COUNT),
            Column(pgettext("summary export", "Under review"), COUNT),
        ]
        + [Column(_label(ApplicationState, s), COUNT) for s in PIPELINE_STAGES],
        [
            [
                _name(r),
                r["program"],
                _label(Level, r["level"]),
                r["quota"],
                r["applications"],
                r["active"],
                *(r["by_stage"][s] for s in PIPELINE_STAGES),
            ]
            for r in data["pipeline"]
        ],
    )
    ent, spaces = data["enterprises"], data["maker_spaces"]
    enterprises = Sheet(
        pgettext("summary export", "Talent enterprises"),
        [pgettext("summary export", "Figure"), pgettext("summary export", "Value")],
        [
            [pgettext("summary export", "Enterprises"), ent["count"]],
            [pgettext("summary export", "Cumulative sales (yuan)"), ent["cumulative_sales"]],
            [pgettext("summary export", "Cumulative main-business revenue (yuan)"), ent["cumulative_revenue"]],
            [pgettext("summary export", "Cumulative financing (yuan)"), ent["cumulative_financing"]],
            [pgettext("summary export", "Cumulative revenue of 10 million yuan or more"), ent["revenue_10m_plus"]],
            [pgettext("summary export", "Cumulative revenue of 50 million yuan or more"), ent["revenue_50m_plus"]],
            [pgettext("summary export", "Listed on the NEEQ"), ent["neeq_listed"]],
            *([_label(EnterpriseClass, k), v] for k, v in ent["by_class"].items()),
            *([_label(RevenueTier, k), v] for k, v in ent["by_tier"].items()),
            [pgettext("summary export", "Municipal-level maker spaces"), spaces["municipal_level"]],
        ],
    )
    fund = data["funding"]
    funding = Sheet(
        pgettext("summary export", "Funding"),
        [
            pgettext("summary export", "Figure"),
            Column(pgettext("summary export", "Committed (yuan)"), MONEY),
            Column(pgettext("summary export", "Paid (yuan)"), MONEY),
        ],
        [
            [pgettext("summary export", "Agreements"), fund["agreements"], ""],
            [pgettext("summary export", "Total"), fund["committed"], fund["paid"]],
            [pgettext("summary export", "Eligible tranches (yuan)"), fund["eligible"], ""],
            [pgettext("summary export", "Held tranches (yuan)"), fund["held"], ""],
            [pgettext("summary export", "Recovered (yuan)"), "", fund["recovered"]],
            [pgettext("summary export", "Amount to recover (yuan)"), fund["recovery_due"], ""],
            *([_label(FundingSource, r["source"]), r["committed"], r["paid"]] for r in fund["by_source"]),
            [pgettext("summary export", "City share (yuan)"), fund["by_level"]["city"], ""],
            [pgettext("summary export", "District share (yuan)"), fund["by_level"]["district"], ""],
        ],
    )
    quarters = Sheet(
        pgettext("summary export", "Funds by quarter"),
        [
            Column(pgettext("summary export", "Year"), YEAR),
            Column(pgettext("summary export", "Quarter"), COUNT),
            Column(pgettext("summary export", "Planned (yuan)"), MONEY),
            Column(pgettext("summary export", "Paid (yuan)"), MONEY),
        ],
        [[q["year"], q["quarter"], q["planned"], q["paid"]] for q in fund["quarters"]],
    )
    ex = data["exits"]
    exits = Sheet(
        pgettext("summary export", "Exit mechanism"),
        [pgettext("summary export", "Figure"), pgettext("summary export", "Value")],
        [
            [pgettext("summary export", "Open exit flags"), ex["open_flags"]],
            *([_label(ExitRule, k), v] for k, v in ex["open_flags_by_rule"].items()),
            [pgettext("summary export", "Exit cases"), ex["cases"]],
            *([_label(CaseState, k), v] for k, v in ex["cases_by_state"].items()),
            [pgettext("summary export", "Exits"), ex["exits"]],
            [pgettext("summary export", "Amount to recover (yuan)"), ex["recovery_due"]],
            [pgettext("summary export", "Recovered (yuan)"), ex["recovered"]],
        ],
    )
    league = Sheet(
        pgettext("summary export", "Unit assessment"),
        [
            Column(pgettext("summary export", "Rank"), COUNT),
            pgettext("summary export", "Unit"),
            Column(pgettext("summary export", "Unit code"), CODE),
            Column(pgettext("summary export", "Total score"), NUMBER),
            Column(pgettext("summary export", "Last year"), NUMBER),
            pgettext("summary export", "Grade"),
            pgettext("summary export", "Vetoed"),
            pgettext("summary export", "State"),
        ],
        [
            [
                r["position"] if r["position"] is not None else "",
                _name(r, "unit_name"),
                r["org_unit"],
                r["total"] if r["total"] is not None else "",
                r["previous_total"] if r["previous_total"] is not None else "",
                in_reader_language(r["grade_band"], r["grade_band_en"]),
                pgettext("summary export", "Yes") if r["vetoed"] else pgettext("summary export", "No"),
                _label(AssessmentState, r["state"]),
            ]
            for r in data["assessment"]
        ],
    )
    return [titles, pipeline, enterprises, funding, quarters, exits, league, _services_sheet(data["services"])]


def _services_sheet(sv: dict) -> Sheet:
    """The "1+x" platform's year: requests by state and category, financing by instrument, first
    purchases (a figure, a count, and an amount where there is one)."""
    fin, fp = sv["financing"], sv["first_purchases"]
    return Sheet(
        pgettext("summary export", "Service platform"),
        [
            pgettext("summary export", "Figure"),
            # Counts, and the closed requests' average rating.
            Column(pgettext("summary export", "Value"), NUMBER),
            Column(pgettext("summary export", "Amount (yuan)"), MONEY),
        ],
        [
            [pgettext("summary export", "Service requests"), sv["requests"], ""],
            *([_label(RequestState, k), v, ""] for k, v in sv["by_state"].items()),
            *([_label(ServiceCategory, k), v, ""] for k, v in sv["by_category"].items()),
            [pgettext("summary export", "Overdue service requests"), sv["overdue"], ""],
            [
                pgettext("summary export", "Average rating"),
                "" if sv["average_rating"] is None else sv["average_rating"],
                "",
            ],
            [
                pgettext("summary export", "Financing granted through the platform"),
                fin["granted"],
                fin["amount_granted"],
            ],
            *([_label(FinancingInstrument, k), v["count"], v["amount"]] for k, v in fin["by_instrument"].items()),
            [pgettext("summary export", "Financing refused"), fin["refused"], ""],
            [pgettext("summary export", "First purchases"), fp["count"], fp["amount"]],
        ],
    )
