"""A payout's and a flag's explanation, kept as codes and figures and rendered in the reader's language.

The recompute stores ``reasons`` (a list of small dicts); ``render`` turns them into sentences with
gettext, so the same proposal reads in Chinese for the officer and in English for a visitor, and
the stored ``explanation`` text (Chinese, for exports and the ledger's paper trail) never drifts
from the figures.
"""

from decimal import Decimal
from functools import lru_cache

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import translation
from django.utils.translation import gettext

from qinhuai_talent.core.money import format_yuan

# The language the record's own text is kept in.
STORED_LANGUAGE = "zh-hans"


@lru_cache(maxsize=1024)
def _translated(language: str, message: str) -> str:
    with translation.override(language):
        return gettext(message)


@receiver(setting_changed)
def _forget(setting, **kwargs) -> None:
    if setting in {"LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS"}:
        _translated.cache_clear()


class Words:
    """gettext in one language, each message looked up once per process: the recompute renders
    the text of thousands of payouts, and Django's gettext finds the active language and its
    catalog on every call (about a fifth of the recompute's Python time in a profile before this)."""

    def __init__(self, language: str | None = None) -> None:
        self.language = language or translation.get_language() or STORED_LANGUAGE

    def __call__(self, message: str) -> str:
        return _translated(self.language, message)

    def yuan(self, value) -> str:
        return format_yuan(value, gettext=self)


def _milestone_line(r: dict, _: Words) -> str:
    yuan = _.yuan
    kind, ok = r["kind"], r["met"]
    mark = _("met") if ok else _("not yet met")
    if kind == "registered":
        if r.get("actual"):
            text = _("Registered in the district on %(date)s") % {"date": r["actual"]}
        else:
            text = _("Not registered in the district")
    elif kind == "moved_in":
        if r.get("actual"):
            text = _("Moved in on %(date)s") % {"date": r["actual"]}
        else:
            text = _("Not yet moved in")
    elif kind == "paid_in_capital":
        text = _("Paid-in capital %(actual)s against the required %(threshold)s") % {
            "actual": yuan(r["actual"]),
            "threshold": yuan(r["threshold"]),
        }
    elif kind == "financing":
        text = _("Cumulative financing %(actual)s against the required %(threshold)s") % {
            "actual": yuan(r["actual"]),
            "threshold": yuan(r["threshold"]),
        }
    elif kind == "revenue":
        text = _("Cumulative main-business revenue %(actual)s against the required %(threshold)s") % {
            "actual": yuan(r["actual"]),
            "threshold": yuan(r["threshold"]),
        }
    elif kind == "employees":
        text = _("%(actual)s employees against the required %(threshold)s") % {
            "actual": r["actual"] if r["actual"] is not None else "—",
            "threshold": r["threshold"],
        }
    elif kind == "grade":
        text = _("Latest evaluation grade %(actual)s against the required %(threshold)s or better") % {
            "actual": r["actual"] or "—",
            "threshold": r["threshold"],
        }
    elif kind == "date":
        text = _("Date %(threshold)s") % {"threshold": r["threshold"] or "—"}
    elif kind == "use_of_funds":
        text = (
            _("Use-of-funds report of the previous tranche accepted")
            if ok
            else _("Use-of-funds report of the previous tranche not yet accepted")
        )
    else:
        text = _("Manual verification: %(evidence)s") % {"evidence": r.get("actual") or _("no evidence yet")}
    return f"{'✓' if ok else '✗'} {text} ({mark})"


def render(reasons: list[dict], language: str | None = None) -> str:
    """The reasons in ``language`` (the active one when not given), one line each."""
    _ = Words(language)
    yuan = _.yuan
    lines = []
    for r in reasons:
        code = r.get("code")
        if code == "milestone":
            lines.append(_milestone_line(r, _))
        elif code == "factor":
            if r.get("grade"):
                lines.append(
                    _("Latest evaluation grade %(grade)s: %(percent)s of the planned %(planned)s is %(amount)s.")
                    % {
                        "grade": r["grade"],
                        "percent": f"{Decimal(r['factor']) * 100:.0f}%",
                        "planned": yuan(r["planned"]),
                        "amount": yuan(r["amount"]),
                    }
                )
            else:
                lines.append(
                    _("No evaluation yet: the planned %(amount)s is payable in full.") % {"amount": yuan(r["amount"])}
                )
        elif code == "approver":
            if r["level"] == "unit":
                lines.append(
                    _("Within the unit's approval limit of %(limit)s: the unit approves.") % {"limit": yuan(r["limit"])}
                )
            elif r.get("limit") is None:
                lines.append(_("The unit has no delegated approval limit: the district office approves."))
            else:
                lines.append(
                    _("Above the unit's approval limit of %(limit)s: the district office approves.")
                    % {"limit": yuan(r["limit"])}
                )
        elif code == "held":
            lines.append(_("Held: the agreement has an open exit flag."))
    return "\n".join(lines)


def render_stored(reasons: list[dict]) -> str:
    """The text kept in the record (Chinese, the district's working language)."""
    return render(reasons, STORED_LANGUAGE)


def flag_evidence(details: dict, language: str | None = None) -> str:
    _ = Words(language)
    rule = details.get("rule")
    if rule == "missing_reports":
        if details.get("last"):
            return _("No operating report for %(n)s quarters; the last one is for %(last)s.") % details
        return _("No operating report for %(n)s quarters since the agreement started.") % details
    if rule == "moved_out":
        return _("The enterprise's status is “%(status)s” since %(since)s.") % details
    if rule == "founder_not_full_time":
        return _("Founder %(name)s has not worked full-time since %(since)s.") % details
    if rule == "milestone_overdue":
        return _("Milestone “%(milestone)s” of tranche %(sequence)s was due on %(due)s and is not met.") % details
    if rule == "poor_evaluation":
        return _("Evaluation grades, latest first: %(grades)s.") % details
    if rule == "no_revenue":
        return _("Registered on %(since)s and no main-business revenue reported since.") % details
    return ""


def flag_evidence_stored(details: dict) -> str:
    return flag_evidence(details, STORED_LANGUAGE)
