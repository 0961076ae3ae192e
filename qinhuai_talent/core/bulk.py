"""Work queues with bulk actions (issue 17 item 2): one page per kind of work, with check boxes,
filters and actions taken on the chosen records at once.

A ``Queue`` names the records it lists (its selector, already scoped), the scope chosen ids are
looked up in (a forged id outside it is reported "not found", never touched), and its actions.
Each action runs the SAME service as the single button for each chosen record, one record at a
time, each in its own transaction (the service's ``transaction.atomic``): a refusal leaves that
record unchanged and the others done. The page goes in three steps: choose (GET), confirm (a
POST that changes nothing and lists exactly the chosen records and what will happen to each),
run (a POST that answers with each record's result: done, or refused and why).

The queue's view is marked ``@serves(queue)`` (a ``@workflow_action(..., bulk=True)``) so that
the generated tests find every queue and its buttons: each leads to a transition of the queue's
workflow.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib import messages
from django.db.models import Model, QuerySet
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from .actions import workflow_action
from .errors import DomainError
from .views import paginate
from .workflow import PERSON, Workflow

MAX_CHOSEN = 200  # a page of records; more at once is refused, not truncated


@dataclass(frozen=True)
class RowInput:
    """A value typed per record (a payment's voucher): ``<name>_<pk>`` in the form."""

    name: str
    label: object
    max_length: int = 40
    choices: tuple[tuple[str, object], ...] = ()  # a choice rather than typed text


@dataclass(frozen=True)
class BulkAction:
    action: str  # the workflow's transition
    label: object
    # run(actor=, obj=, reason=, **row values) calls the single action's service; it returns a
    # sentence when the record was already in the wanted state (nothing done twice), else None.
    run: Callable[..., object]
    needs_reason: bool = False
    inputs: tuple[RowInput, ...] = ()
    css: str = "btn-primary"


@dataclass(frozen=True)
class Column:
    label: object
    value: Callable[[Model], object]
    numeric: bool = False


@dataclass(frozen=True)
class Filter:
    name: str
    label: object
    choices: Callable[[object], list[tuple[str, object]]]  # (user) → [(value, label)]
    apply: Callable[[QuerySet, str], QuerySet]


@dataclass(frozen=True)
class Queue:
    key: str
    title: object
    workflow: Workflow
    may_see: Callable[[object], bool]  # (user) → whether the role does this work (else a 404)
    listed: Callable[[object], QuerySet]  # (user) → the records waiting, scoped and ordered
    scope: Callable[[object], QuerySet]  # (user) → where chosen ids are looked up
    actions: tuple[BulkAction, ...]
    name: Callable[[Model], str]  # how a record is named in the confirmation and the result
    link: Callable[[Model], str]
    columns: tuple[Column, ...] = ()
    filters: tuple[Filter, ...] = ()
    intro: object = ""
    # Each row's own button for one record (the single action's route), where the workflow allows it,
    # or a link to the record's page under this label.
    single: tuple[str, Callable[[Model], str]] | None = None
    single_link: object = ""

    def action(self, code: str) -> BulkAction:
        found = next((a for a in self.actions if a.action == code), None)
        if found is None:
            raise DomainError(_("Choose one of the actions offered."), field="action")
        return found


@dataclass
class Item:
    pk: int
    obj: Model | None
    name: str
    values: dict = field(default_factory=dict)
    done: bool = False
    message: str = ""
    code: str = ""


def offered(workflow: Workflow, obj, user, action: str) -> bool:
    """Whether a queue offers ``action`` on ``obj`` to ``user``: the record's state and the
    person (the transition's sources and ``allowed``), not the condition on the record's data,
    which the run checks record by record (and which may cost a query per record)."""
    t = workflow.get(action)
    if t.by != PERSON or getattr(obj, workflow.state_field) not in t.sources:
        return False
    try:
        return t.allowed is None or bool(t.allowed(user, obj))
    except DomainError:  # a guard that refuses with its own reason (four eyes, above the limit)
        return False


def serves(queue: Queue):
    """Mark a view as the page of ``queue``: a bulk workflow action (for the button test) that
    names its queue (for the generated queue tests)."""

    def mark(view):
        view = workflow_action(queue.workflow, bulk=True)(view)
        view.queue = queue
        return view

    return mark


def chosen_ids(request, name: str = "ids") -> list[int]:
    """The records chosen with the check boxes ``name``: ids, each once, at least one, at most a page."""
    ids = []
    for raw in request.POST.getlist(name):
        if raw.isdigit() and len(raw) <= 18 and int(raw) not in ids:
            ids.append(int(raw))
    if not ids:
        raise DomainError(_("Choose at least one record."), field="ids")
    if len(ids) > MAX_CHOSEN:
        raise DomainError(_("Choose at most %(n)s records at once.") % {"n": MAX_CHOSEN}, field="ids")
    return ids


def _items(queue: Queue, user, ids: list[int], action: BulkAction, request) -> list[Item]:
    """The chosen records in the caller's scope, in the order chosen; an id outside it is an
    item "not found" (as a record page answers 404). One query for all of them."""
    found = queue.scope(user).in_bulk(ids)
    items = []
    for pk in ids:
        obj = found.get(pk)
        values = {i.name: request.POST.get(f"{i.name}_{pk}", "").strip() for i in action.inputs}
        items.append(Item(pk=pk, obj=obj, name=queue.name(obj) if obj is not None else f"#{pk}", values=values))
    return items


def run_items(queue: Queue, user, action: BulkAction, items: list[Item], *, reason: str) -> list[Item]:
    """Each chosen record through the single action's service, each on its own."""
    for item in items:
        if item.obj is None:
            item.message, item.code = str(_("Not found.")), "not_found"
            continue
        try:
            said = action.run(actor=user, obj=item.obj, reason=reason, **item.values)
        except DomainError as exc:
            item.message, item.code = str(exc.message), exc.code
            continue
        item.done, item.message = True, str(said or _("Done."))
        item.code = "already" if said else "done"
    return items


def row_values(queue: Queue, obj) -> list[tuple[object, bool]]:
    return [(c.value(obj), c.numeric) for c in queue.columns]


def _filtered(queue: Queue, request) -> tuple[QuerySet, list[dict]]:
    qs = queue.listed(request.user)
    shown = []
    for f in queue.filters:
        choices = f.choices(request.user)
        value = request.GET.get(f.name, "")
        if value and value in {v for v, _l in choices}:
            qs = f.apply(qs, value)
        else:
            value = ""
        shown.append({"name": f.name, "label": f.label, "choices": choices, "value": value})
    return qs, shown


def queue_view(request, queue: Queue):
    """The queue's page: GET lists, POST ``step=confirm`` confirms, POST ``step=run`` runs."""
    if not queue.may_see(request.user):
        raise Http404
    context = {"queue": queue, "base_template": "base.html"}
    if request.method == "POST":
        step = request.POST.get("step", "confirm")
        try:
            action = queue.action(request.POST.get("action", ""))
            ids = chosen_ids(request)
            reason = request.POST.get("reason", "").strip()
            if action.needs_reason and not reason:
                raise DomainError(_("Please give a reason."), field="reason")
            if len(reason) > 2000:
                raise DomainError(_("A reason has at most 2,000 characters."), field="reason")
        except DomainError as exc:
            messages.error(request, exc.message)
            return _list_page(request, queue, context, status=400)
        items = _items(queue, request.user, ids, action, request)
        context.update({"action": action, "items": items, "reason": reason})
        if step == "run":
            run_items(queue, request.user, action, items, reason=reason)
            context["done"] = sum(1 for i in items if i.done)
            context["refused"] = sum(1 for i in items if not i.done)
            return render(request, "core/bulk_result.html", context)
        return render(request, "core/bulk_confirm.html", context)
    return _list_page(request, queue, context)


def _list_page(request, queue: Queue, context: dict, status: int = 200):
    qs, filters = _filtered(queue, request)
    page = paginate(request, qs)
    user = request.user
    rows = []
    for obj in page:
        single = None
        if queue.single is not None and offered(queue.workflow, obj, user, queue.single[0]):
            single = (queue.workflow.label_of(queue.single[0]), queue.single[1](obj))
        rows.append((obj, row_values(queue, obj), single))
    # A bulk button is shown when its transition is offered to this person on a listed record.
    actions = [a for a in queue.actions if any(offered(queue.workflow, obj, user, a.action) for obj, _v, _s in rows)]
    context.update(
        {
            "page": page,
            "rows": rows,
            "filters": filters,
            "actions": actions,
            "needs_reason": any(a.needs_reason for a in actions),
            "inputs": [i for a in actions for i in a.inputs],
        }
    )
    return render(request, "core/bulk_queue.html", context, status=status)
