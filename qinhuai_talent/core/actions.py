"""The web's workflow actions: each view that moves a record along a workflow says so.

``@workflow_action(WORKFLOW, …)`` marks a view (a POST route of the URLconf) with the workflow it
drives, where the action comes from and which URL argument names the record. Nothing at run time
reads the mark; the generated button test (``tests/reliability/test_buttons.py``) walks the
URLconf for it, so that every button a page shows can be traced to the transition it leads to
and compared with what the workflow allows that person on that record, and every transition a
person may take can be looked for on the record's page.
"""

import dataclasses
from dataclasses import dataclass

from .workflow import Workflow


@dataclass(frozen=True)
class ActionRoute:
    workflow: Workflow
    # The transition(s) the route takes: one fixed action, a choice the form makes among a few
    # (e.g. uphold or dismiss an objection), or None: the URL's ``action`` argument, else the
    # POSTed ``field``.
    action: str | tuple[str, ...] | None = None
    field: str = "action"
    # The URL argument holding the record's id, and the other arguments as attributes of the record.
    record: str = "pk"
    parents: dict[str, str] = dataclasses.field(default_factory=dict)
    # Values of ``field`` (or of the URL's ``action``) the route also takes that are not
    # transitions of the workflow, each with what it does instead.
    others: dict[str, str] = dataclasses.field(default_factory=dict)

    def actions_of(self, value: str | None) -> tuple[str, ...]:
        if isinstance(self.action, str):
            return (self.action,)
        if isinstance(self.action, tuple):
            return self.action
        return (value,) if value else ()


def workflow_action(workflow: Workflow, **options):
    """Mark a view as the web's way to take ``workflow``'s transitions (see ``ActionRoute``)."""
    route = ActionRoute(workflow, **options)

    def mark(view):
        view.workflow_action = route
        return view

    return mark
