"""The web's workflow actions: each view that moves a record along a workflow says so, and
every POST action view runs through one helper (``post_action``).

``@workflow_action(WORKFLOW, …)`` marks a view (a POST route of the URLconf) with the workflow it
drives, where the action comes from and which URL argument names the record. The generated button
test (``tests/reliability/test_buttons.py``) walks the URLconf for the mark, so that every button
a page shows can be traced to the transition it leads to and compared with what the workflow
allows that person on that record, and every transition a person may take can be looked for on
the record's page. At run time ``post_action`` reads it to ask once before a transition that
declares its consequence (``Transition.confirm``: money, a decision, a publication, a state that
cannot be undone): the POST without ``confirmed`` shows a page naming the record, the step and
the consequence, carrying the same fields; only that page's POST takes the step. No script is
needed for it, and a forged POST still goes through the workflow's rules. After any transition
the person reads what happened: the view's own message, else the step and the record's new state.
"""

import dataclasses
import functools
from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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
        """The transition(s) a POST with ``value`` (the URL's ``action`` or the POSTed ``field``)
        takes: a route's choice among a few narrows to the one chosen."""
        if isinstance(self.action, str):
            return (self.action,)
        if isinstance(self.action, tuple):
            return (value,) if value in self.action else self.action
        return (value,) if value else ()


def workflow_action(workflow: Workflow, **options):
    """Mark a view as the web's way to take ``workflow``'s transitions (see ``ActionRoute``)."""
    route = ActionRoute(workflow, **options)

    def mark(view):
        @functools.wraps(view)
        def marked(request, *args, **kwargs):
            request.workflow_route = (route, kwargs)
            return view(request, *args, **kwargs)

        marked.workflow_action = route
        return marked

    return mark


def _transition_of(request, record):
    """The transition this POST asks of ``record`` through the view's marked route, or ``None``
    (no mark, a work queue, which confirms its own way, or a value the route handles otherwise)."""
    marked = getattr(request, "workflow_route", None)
    if marked is None or record is None:
        return None
    route, kwargs = marked
    workflow = route.workflow
    if route.bulk or not isinstance(record, workflow.model):
        return None
    actions = route.actions_of(kwargs.get("action") or request.POST.get(route.field))
    if len(actions) != 1 or actions[0] in route.others:
        return None
    return next((t for t in workflow.transitions if t.action == actions[0]), None)


def _state_label(workflow, record) -> str:
    value = getattr(type(record)._base_manager.filter(pk=record.pk).first() or record, workflow.state_field)
    try:
        return str(workflow.states(value).label)
    except ValueError:
        return str(value)


def transition_done(workflow, transition, record) -> str:
    """What happened, in words: the step, the record and its state now."""
    return _("“%(action)s” done: %(record)s is now “%(state)s”.") % {
        "action": transition.label,
        "record": record_name(record),
        "state": _state_label(workflow, record),
    }


def record_name(record) -> str:
    """The record as a confirmation names it: its kind and its own name."""
    return _("%(kind)s “%(name)s”") % {"kind": record._meta.verbose_name, "name": record}


def ask_first(request, record, transition, url: str):
    """The answer to a POST of a step that asks once and is not confirmed yet: the refusal (as a
    message, back to ``url``) if the workflow would refuse it now, else the confirmation page.
    ``None``: go ahead (no such step, or confirmed)."""
    if transition is None or transition.confirm is None or request.POST.get("confirmed") == "1":
        return None
    refusal = request.workflow_route[0].workflow.refusal(record, request.user, transition.action)
    if refusal is not None:
        messages.error(request, str(refusal.message))
        return HttpResponseRedirect(url)
    return confirmation(request, record, transition, url)


def _posted_fields(request) -> list[tuple[str, str]]:
    """What the person posted, to post again from the confirmation page."""
    return [
        (key, value)
        for key in request.POST
        if key not in ("csrfmiddlewaretoken", "confirmed")
        for value in request.POST.getlist(key)
    ]


def _confirmation_page(request, workflow, transition, moved, cancel_url: str, **shown):
    """The confirmation page (``core/confirm_action.html``) for ``transition`` over the records it
    moves (``moved``, one or many): the step, its consequence (each distinct one once), the states
    the records leave and the one they reach, and a form posting the same fields again with
    ``confirmed``.
    ``shown``: how the record is named (``record``, ``record_name``, ``kind``, ``records``)."""
    f = workflow.state_field
    return render(
        request,
        "core/confirm_action.html",
        {
            **shown,
            "t": transition,
            "consequence": " ".join(dict.fromkeys(str(transition.consequence(r)) for r in moved)),
            # A list of states in the reader's language: "、" in Chinese, ", " in English.
            "state_from": _(", ").join(dict.fromkeys(str(workflow.states(getattr(r, f)).label) for r in moved)),
            "state_to": workflow.states(transition.target).label,
            "fields": _posted_fields(request),
            "cancel_url": cancel_url,
        },
    )


def confirmation(request, record, transition, cancel_url: str):
    """The page that asks once: the record, the step, its consequence, the state it leads to, and
    a form posting the same fields again with ``confirmed``."""
    workflow = request.workflow_route[0].workflow
    return _confirmation_page(
        request,
        workflow,
        transition,
        [record],
        cancel_url,
        record=record,
        record_name=record_name(record),
        kind=record._meta.verbose_name,
    )


def refuse_on_form(form, exc: DomainError) -> None:
    """Show a service's refusal on the form: under the field it names when the form has that
    field, else above the form."""
    form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))


def form_page(request, form, *, title: str, crumbs: list[tuple[str, str]], multipart: bool = False, intro: str = ""):
    """A page holding one form (``core/form_page.html``): the title, the breadcrumbs that lead
    to it, an optional line of introduction; ``multipart`` for a form that uploads files."""
    return render(
        request,
        "core/form_page.html",
        {"form": form, "title": title, "crumbs": crumbs, "multipart": multipart, "intro": intro},
    )


def confirm_many(request, workflow, transition, records, cancel_url: str):
    """The answer to a POST of one step over a set of records (every confirmed assessment of a
    year published at once) that is not confirmed yet: the same confirmation page, listing each
    record the step will move. ``None``: confirmed, go ahead. An empty set is asked nothing (the
    service says that nothing was to do)."""
    records = list(records)
    if transition.confirm is None or request.POST.get("confirmed") == "1" or not records:
        return None
    kind = workflow.model._meta.verbose_name_plural
    return _confirmation_page(
        request,
        workflow,
        transition,
        records,
        cancel_url,
        record=kind,
        record_name=ngettext("%(count)s record: %(kind)s", "%(count)s records: %(kind)s", len(records))
        % {"count": len(records), "kind": kind},
        records=[record_name(r) for r in records],
        kind=kind,
    )


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

    A transition that declares its consequence is asked once first (see the module's text); a
    transition without ``done`` says the step and the record's new state.
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
    transition = _transition_of(request, record)
    asked = ask_first(request, record, transition, url)
    if asked is not None:
        return asked
    try:
        result = service(*args, **data)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return HttpResponseRedirect(url)
    text = done(result) if callable(done) else done
    if not text and transition is not None:
        text = transition_done(request.workflow_route[0].workflow, transition, record)
    return success_redirect(request, then(result) if then is not None else url, text)
