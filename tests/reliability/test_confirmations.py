"""Issue 17 item 7, generated over every workflow: what matters asks once.

A person's step that leads to a state it cannot come back from by a step of its own (a decision,
a payment, a publication, a final state), and every step that looks destructive, declares its
consequence (``Transition.confirm``); ``post_action`` then asks once, naming the record and that
consequence, before taking it (the button test presses every button shown, first unconfirmed).
Nothing here is a hand list but the exceptions, each with its reason.
"""

import pytest
from django.utils import translation
from django.utils.module_loading import autodiscover_modules

from qinhuai_talent.core.workflow import EFFECT, PERSON, REGISTRY

# (model label, action): why the step does not ask.
NOT_ASKED = {
    ("enterprises.ReportImport", "import"): "the preview lists every row it imports and is the confirmation; "
    "its button says how many rows",
    ("enterprises.Enterprise", "deregister"): "a field of the enterprise's edit form, saved with the form",
    ("enterprises.SupportPlanItem", "start"): "the service's own progress; nothing is decided for anyone else",
    ("serviceplatform.ServiceRequest", "accept"): "the provider's own progress; the requester may still cancel",
    ("serviceplatform.ServiceRequest", "start"): "the provider's own progress; the requester may still cancel",
}


def _workflows():
    autodiscover_modules("workflows")
    return REGISTRY


def _cannot_be_undone(workflow, t) -> bool:
    """No step of a person or the system leads from the step's target back to where it came from."""
    return not any(u.by != EFFECT and t.target in u.sources and u.target in t.sources for u in workflow.transitions)


def test_every_step_that_cannot_be_undone_or_destroys_asks_once():
    missing, asked = [], 0
    for workflow in _workflows():
        label = workflow.model._meta.label
        for t in workflow.transitions:
            if t.by != PERSON:
                continue
            if t.confirm is not None:
                asked += 1
                continue
            if (_cannot_be_undone(workflow, t) or t.destructive) and (label, t.action) not in NOT_ASKED:
                missing.append(f"{label} “{t.action}”")
    assert asked > 40, asked
    assert not missing, "steps that cannot be undone without a confirmation:\n" + "\n".join(missing)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_consequence_reads_in_the_readers_language(language):
    """A confirmation's sentence is translated (Chinese has no Latin sentence left in it)."""
    untranslated = []
    for workflow in _workflows():
        for t in workflow.transitions:
            if t.confirm is None or callable(t.confirm):
                continue
            with translation.override(language):
                text = t.consequence(None)
            if language == "zh-hans" and text.isascii():
                untranslated.append(f"{workflow.model._meta.label} “{t.action}”: {text}")
    assert not untranslated, "\n".join(untranslated)


def test_the_call_is_published_reopened_and_created_under_three_labels():
    """发布 (a draft), 重新开放 (a closed call) and 新建 (a new call) are three words for three things."""
    from talents.workflows import CALL_WORKFLOW

    with translation.override("zh-hans"):
        publish, reopen = str(CALL_WORKFLOW.get("open").label), str(CALL_WORKFLOW.get("reopen").label)
        new = translation.gettext("New call")
    assert len({publish, reopen, new}) == 3, (publish, reopen, new)
    assert CALL_WORKFLOW.get("open").sources == ("draft",) and CALL_WORKFLOW.get("reopen").sources == ("closed",)
