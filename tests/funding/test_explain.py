"""A payout's explanation and a flag's evidence read in the reader's language, and the record keeps
the Chinese text (``funding.explain``): every kind of reason, in every language the portal
offers, reads what Django's own translation of each sentence reads, whichever language was
rendered before it in the same process (the words are looked up once per language)."""

from unittest import mock

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from funding import explain
from funding.models import ExitRule, MilestoneKind

MILESTONES = {
    MilestoneKind.REGISTERED: {"actual": "2016-03-01"},
    MilestoneKind.MOVED_IN: {"actual": None},
    MilestoneKind.PAID_IN_CAPITAL: {"actual": "1200000.00", "threshold": "1000000.00"},
    MilestoneKind.FINANCING: {"actual": "0.00", "threshold": "5000000.00"},
    MilestoneKind.REVENUE: {"actual": "640000.00", "threshold": "600000.00"},
    MilestoneKind.EMPLOYEES: {"actual": 12, "threshold": 10},
    MilestoneKind.GRADE: {"actual": "B", "threshold": "B"},
    MilestoneKind.DATE: {"threshold": "2018-06-30"},
    MilestoneKind.USE_OF_FUNDS: {},
    MilestoneKind.MANUAL: {"actual": None},
}
FLAGS = {
    ExitRule.MISSING_REPORTS: {"n": 3, "last": "2017Q2"},
    ExitRule.MOVED_OUT: {"status": "迁出", "since": "2018-01-02"},
    ExitRule.FOUNDER_NOT_FULL_TIME: {"name": "王伟", "since": "2017-05-01"},
    ExitRule.MILESTONE_OVERDUE: {"milestone": "注册", "sequence": 2, "due": "2018-03-01"},
    ExitRule.POOR_EVALUATION: {"grades": "C, C"},
    ExitRule.NO_REVENUE: {"since": "2016-03-01"},
}
LANGUAGES = [code for code, _name in settings.LANGUAGES]


def _reasons(met: bool) -> list[dict]:
    reasons = [{"code": "milestone", "kind": kind, "met": met, **figures} for kind, figures in MILESTONES.items()]
    return [
        *reasons,
        {"code": "factor", "grade": "B", "factor": "0.8000", "planned": "300000.00", "amount": "240000.00"},
        {"code": "factor", "grade": "", "factor": "1", "planned": "300000.00", "amount": "300000.00"},
        {"code": "approver", "level": "unit", "limit": "500000.00"},
        {"code": "approver", "level": "district", "limit": None},
        {"code": "approver", "level": "district", "limit": "100000.00"},
        {"code": "held"},
    ]


def _plain(render, *args) -> str:
    """What the text reads with every sentence looked up through Django's gettext in the active
    language (the caller's ``translation.override``), nothing kept."""
    with mock.patch.object(explain, "_translated", lambda _language, message: gettext(message)):
        return render(*args)


@pytest.mark.parametrize("met", [True, False])
def test_every_reason_reads_in_every_language_as_django_translates_it(met):
    reasons = _reasons(met)
    for first in LANGUAGES:  # whichever language a process rendered first
        explain._translated.cache_clear()
        explain.render(reasons, first)
        for language in LANGUAGES:
            with translation.override(language):
                shown = explain.render(reasons)
                assert shown == _plain(explain.render, reasons), (first, language)
            assert explain.render(reasons, language) == shown
        assert explain.render_stored(reasons) == explain.render(reasons, "zh-hans")
    assert "元" in explain.render_stored(reasons) and "yuan" in explain.render(reasons, "en")


def test_every_flag_reads_in_every_language_as_django_translates_it():
    for rule, figures in FLAGS.items():
        details = {"rule": rule, **figures}
        for language in LANGUAGES:
            with translation.override(language):
                shown = explain.flag_evidence(details)
                assert shown and shown == _plain(explain.flag_evidence, details), (rule, language)
        assert explain.flag_evidence_stored(details) == explain.flag_evidence(details, "zh-hans")
