"""Issue 14 item 3, generated: every model with a state has a workflow, and no code outside the
workflows writes a state.

Both are generated from the code's own registries (Django's app registry, the source tree), so a
model or a write added tomorrow is covered the day it is added.
"""

import ast
from importlib import import_module
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.utils.module_loading import autodiscover_modules

from qinhuai_talent.core.workflow import workflows_of

STATE_FIELDS = ("state", "status")
PORTAL = (
    "qinhuai_talent",
    "talents",
    "enterprises",
    "funding",
    "assessment",
    "reports",
    "selfservice",
    "serviceplatform",
)

# Models with a state that is not a business state, each with why.
EXEMPT_MODELS = {
    "core.Job": (
        "a background job's queued/running/succeeded/failed is the queue's bookkeeping, not a decision "
        "about a record: it is claimed with a conditional UPDATE so a redelivered task runs once "
        "(core/jobs.py), and what the job changes is logged by the workflows it goes through"
    ),
}

# Files that may write a state field, each with why.
EXEMPT_FILES = {
    "qinhuai_talent/core/workflow.py": "the workflow itself",
    "qinhuai_talent/core/jobs.py": "the job queue's own states (EXEMPT_MODELS)",
    # The demo's applications replay 2017 as of its own days: by 2018-01-15 the calls are closed and
    # the notice periods over, so the workflow (rightly) refuses a submission or a selection today.
    "talents/demo.py": "demo loader: applications in their 2017 states, each with the log rows of its "
    "path stamped on the story's days (core.workflow.log_transition), not steps taken as of today",
}


def _state_field(model):
    for f in model._meta.concrete_fields:
        if f.name in STATE_FIELDS and f.choices:
            return f.name
    return None


def _stateful_models():
    for model in apps.get_models():
        if model.__module__.split(".")[0] not in PORTAL:
            continue
        if model._meta.model_name.startswith("historical"):
            continue  # django-simple-history's copies
        field = _state_field(model)
        if field is not None:
            yield model, field


def test_every_model_with_a_state_field_is_declared_in_its_apps_workflows():
    autodiscover_modules("workflows")
    missing = []
    for model, field in _stateful_models():
        label = model._meta.label
        if label in EXEMPT_MODELS:
            continue
        declared = [w for w in workflows_of(model) if w.state_field == field]
        if not declared:
            missing.append(f"{label}.{field}")
            continue
        module = import_module(f"{model._meta.app_config.name}.workflows")
        for w in declared:
            assert any(v is w for v in vars(module).values()), f"{label}: declared outside its app's workflows.py"
    assert not missing, f"models with a state but no workflow: {missing}"
    assert {m._meta.label for m, _f in _stateful_models()} >= set(EXEMPT_MODELS), "an exemption names no model"


def _writes(path: Path, models: set[str]) -> list[str]:
    """Where a file writes a state field: ``.update(state=…)``, ``create(state=…)``,
    ``Model(state=…)``, ``get_or_create/update_or_create(defaults={"state": …})``, ``x.state = …``,
    ``setattr(x, "state", …)``, and ``bulk_update(…, ["state", …])``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    writers = {"update", "create", "get_or_create", "update_or_create", "bulk_create"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                for sub in ast.walk(t):
                    if isinstance(sub, ast.Attribute) and sub.attr in STATE_FIELDS:
                        found.append(f"{path}:{node.lineno} assigns .{sub.attr}")
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        is_model = isinstance(func, ast.Name) and name in models
        if name in writers or is_model:
            for kw in node.keywords:
                if kw.arg in STATE_FIELDS:
                    found.append(f"{path}:{node.lineno} {name}({kw.arg}=…)")
                if kw.arg == "defaults" and isinstance(kw.value, ast.Dict):
                    for key in kw.value.keys:
                        if isinstance(key, ast.Constant) and key.value in STATE_FIELDS:
                            found.append(f"{path}:{node.lineno} {name}(defaults={{{key.value!r}: …}})")
        if name == "setattr" and len(node.args) >= 2:
            key = node.args[1]
            if isinstance(key, ast.Constant) and key.value in STATE_FIELDS:
                found.append(f"{path}:{node.lineno} setattr(…, {key.value!r})")
        if name == "bulk_update" and len(node.args) >= 2 and isinstance(node.args[1], ast.List | ast.Tuple):
            for elt in node.args[1].elts:
                if isinstance(elt, ast.Constant) and elt.value in STATE_FIELDS:
                    found.append(f"{path}:{node.lineno} bulk_update(…, [{elt.value!r}])")
    return found


def _portal_sources():
    root = Path(settings.BASE_DIR)
    for top in PORTAL:
        for path in sorted((root / top).rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            if "/migrations/" in rel or "/tests/" in rel:
                continue
            yield rel, path


def test_no_code_outside_the_workflows_writes_a_state():
    models = {m.__name__ for m, _f in _stateful_models()}
    offenders = []
    for rel, path in _portal_sources():
        if rel.endswith("/workflows.py") or rel in EXEMPT_FILES:
            continue
        offenders += _writes(path, models)
    assert not offenders, "states written outside a workflow:\n" + "\n".join(offenders)


def test_the_scan_sees_each_kind_of_write(tmp_path):
    """The scan itself: each way of writing a state is found (a scan that finds nothing proves nothing)."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "Payout.objects.filter(pk=1).update(state='held')\n"
        "Tranche.objects.create(state='paid')\n"
        "Payout(state='held')\n"
        "x.state = 'open'\n"
        "setattr(x, 'status', 'done')\n"
        "Item.objects.get_or_create(pk=1, defaults={'status': 'done'})\n"
        "Payout.objects.bulk_update(rows, ['state', 'amount'])\n"
        "Payout.objects.filter(state='held').count()\n"
    )
    assert len(_writes(sample, {"Payout"})) == 7


def test_every_declared_notice_names_a_registered_event_and_an_audience_its_app_resolves():
    """Whom a step tells is data in its transition (``Transition.notices``): every event is one
    the notifications know, every audience one the service sending them resolves."""
    from qinhuai_talent.core.workflow import REGISTRY
    from qinhuai_talent.notifications.events import EVENTS
    from talents.workflows import APPLICATION_WORKFLOW

    autodiscover_modules("workflows")
    declared = [(w, t, n) for w in REGISTRY for t in w.transitions for n in t.notices]
    assert declared, "no transition declares a notice"
    for workflow, transition, notice in declared:
        assert notice.event in EVENTS, (workflow.model.__name__, transition.action, notice.event)
    audiences = {n.audience for t in APPLICATION_WORKFLOW.transitions for n in t.notices}
    assert audiences == {"applicant", "unit"}
    # Every decision tells the applicant its outcome; a step that is no decision tells it nothing of one.
    for t in APPLICATION_WORKFLOW.transitions:
        decided = any(n.event == "application_decided" for n in t.notices)
        assert decided == (t.target in ("approved", "rejected")), t.action
