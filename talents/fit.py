"""Industry fit (定向捕鱼): how well an application matches its call's focus industries, 0–100.

The score is kept on the application (it sorts the board); the reasons are kept as codes and the
industries' names in both languages, and ``explain`` words them in the reader's language, so the
officer reads them in Chinese and a visitor in English whoever submitted the application.
"""

from decimal import Decimal

from django.utils.translation import gettext as _

from qinhuai_talent.core.i18n import reads_chinese

# rule → score before the bonus for a summary that names a focus industry
SCORES = {"no_focus": 50, "focus": 100, "leading": 60, "other": 20}
MENTION_BONUS = 20


def _names(industry) -> dict:
    return {"code": industry.code, "name": industry.name, "name_en": industry.name_en}


def assess(*, industry, focus: list, summary: str) -> tuple[Decimal, dict]:
    """``(score, reasons)`` for an application of ``industry`` to a call with ``focus`` industries.

    Declared industry among the focus industries: 100. Otherwise a district leading industry: 60,
    any other: 20; a summary that names a focus industry adds 20 (at most 100). A call without
    focus industries scores every application a neutral 50.
    """
    reasons = {"industry": _names(industry), "focus": [_names(i) for i in focus], "mentioned": []}
    if not focus:
        rule = "no_focus"
    elif industry.pk in {i.pk for i in focus}:
        rule = "focus"
    else:
        rule = "leading" if industry.leading else "other"
        text = (summary or "").lower()
        reasons["mentioned"] = [_names(i) for i in focus if i.name in (summary or "") or i.name_en.lower() in text]
    score = SCORES[rule] + (MENTION_BONUS if reasons["mentioned"] else 0)
    reasons["rule"] = rule
    return Decimal(min(100, score)).quantize(Decimal("0.01")), reasons


def _chinese() -> bool:
    return reads_chinese()


def _names_of(entries: list[dict]) -> str:
    return ("、" if _chinese() else ", ").join(e["name"] if _chinese() else e["name_en"] for e in entries)


def explain(reasons: dict) -> str:
    """The reasons in the reader's language ('' before the fit was assessed)."""
    rule = (reasons or {}).get("rule")
    if rule is None:
        return ""
    if rule == "no_focus":
        return _("The call names no focus industries; every application scores a neutral 50.")
    names = {
        "industry": _names_of([reasons["industry"]]),
        "focus": _names_of(reasons["focus"]),
    }
    if rule == "focus":
        return _("%(industry)s is one of the call's focus industries (%(focus)s): 100.") % names
    if rule == "leading":
        why = _("%(industry)s is a district leading industry but not a focus of this call: 60.") % names
    else:
        why = _("%(industry)s is not among the call's focus industries (%(focus)s): 20.") % names
    if reasons["mentioned"]:
        why += " " + _("The summary names %(names)s: +20.") % {"names": _names_of(reasons["mentioned"])}
    return why
