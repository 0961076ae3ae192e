"""The web's workflow actions: each view that moves a record along a workflow says so, and
every POST action view runs through one helper (``post_action``).

``@workflow_action(WORKFLOW, …)`` marks a view (a POST route of the URLconf) with the workflow it
drives, where the action comes from and which URL argument names the record. Nothing at run time
reads the mark; the generated button test (``tests/reliability/test_buttons.py``) walks the
URLconf for it, so that every button a page shows can be traced to the transition it leads to
and compared with what the workflow allows that person on that record, and every transition a
person may take can be looked for on the record's page.
"""

import dataclasses
from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpResponseRedirect

from .access import get_or_404
from .errors import DomainError
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
    # A work queue (``core.bulk``): the records are the POSTed ``ids`` (check boxes), the action
    # the POSTed ``action``; ``step=confirm`` lists what will happen, ``step=run`` takes it.
    bulk: bool = False

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


def form_errors_text(form) -> str:
    """A bound form's errors as one sentence for a flash message (the fields' own messages)."""
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def success_redirect(request, url: str, text="") -> HttpResponseRedirect:
    """Redirect to ``url`` with ``text`` (if any) as the success message."""
    if text:
        messages.success(request, str(text))
    return HttpResponseRedirect(url)


def post_action(
    request, scope, pk, *, service, redirect, done="", form=None, invalid=None, then=None, lookup: str = "pk"
):
    """The web's POST action, one way for every app:

    - the record in the person's scope or a 404 (``scope``: a scoped queryset, the record found
      by ``lookup`` = ``pk``; ``None`` for an action on no record);
    - the form bound to the POST (``form``: a form class, or a function of the record returning
      the bound form's class or a factory taking ``(data, files)``); one that does not validate
      is refused with ``invalid`` (a message, or a function of the bound form; default: the
      form's own errors);
    - the service called with the record and the form's cleaned data; a refusal
      (``DomainError``) shown as a message in the person's language;
    - then a redirect: ``redirect`` (a URL or a function of the record), after a success to
      ``then(result)`` if given, with ``done`` (a message, or a function of the result) shown.
    """
    record = get_or_404(scope, **{lookup: pk}) if scope is not None else None
    url = redirect(record) if callable(redirect) else redirect
    args = (record,) if scope is not None else ()
    data = {}
    if form is not None:
        factory = form if isinstance(form, type) else form(record)
        bound = factory(request.POST, request.FILES)
        if not bound.is_valid():
            text = invalid(bound) if callable(invalid) else invalid
            messages.error(request, str(text) if text else form_errors_text(bound))
            return HttpResponseRedirect(url)
        data = bound.cleaned_data
    try:
        result = service(*args, **data)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return HttpResponseRedirect(url)
    return success_redirect(
        request, then(result) if then is not None else url, done(result) if callable(done) else done
    )
