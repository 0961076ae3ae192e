"""Web pages of the funding app: thin; parse, call one service or selector, render."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.db.models import Case, When
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from enterprises.models import Enterprise
from qinhuai_talent.core.access import can_see_history, get_or_404, is_office, scope_units, unit_scope
from qinhuai_talent.core.actions import post_action, refuse_on_form, success_redirect, workflow_action
from qinhuai_talent.core.audit import history_rows
from qinhuai_talent.core.bulk import queue_view, serves
from qinhuai_talent.core.errors import DomainError
from qinhuai_talent.core.models import Role
from qinhuai_talent.core.navigation import safe_next
from qinhuai_talent.core.spreadsheets import CODE, DATE, MONEY, YEAR, Column, Sheet, export_response
from qinhuai_talent.core.views import paginate
from qinhuai_talent.core.workflow import transitions_of
from talents.models import Application

from . import explain, policies, selectors, services
from .forms import (
    AgreementForm,
    ApprovalLimitForm,
    BudgetForm,
    CloseYearForm,
    EvidenceForm,
    ExitDecisionForm,
    PayForm,
    ReasonForm,
    RecoveryForm,
    RectifyForm,
    ReversalForm,
    UseOfFundsForm,
    UseOfFundsReportForm,
)
from .models import (
    AgreementState,
    Budget,
    ExitRule,
    FlagState,
    LedgerEntry,
    Milestone,
    ReversalState,
    Tranche,
    TrancheState,
    UseOfFundsReport,
)
from .queues import APPROVAL_QUEUE, PAYMENT_QUEUE
from .workflows import FLAG_WORKFLOW, LIVE_REVERSAL_STATES


def funding_reader(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not policies.can_see_funding(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _fmt(request) -> str | None:
    fmt = request.GET.get("format")
    return fmt if fmt in ("csv", "xlsx") else None


# ---------------------------------------------------------------- agreements


@funding_reader
def agreement_list(request):
    qs = selectors.agreements_for(request.user).order_by("-starts_on", "number")
    unit, state, q = request.GET.get("unit", ""), request.GET.get("state", ""), request.GET.get("q", "").strip()
    if unit:
        qs = qs.filter(org_unit__code=unit)
    if state in AgreementState.values:
        qs = qs.filter(state=state)
    if q:
        qs = qs.filter(enterprise__name__icontains=q) | qs.filter(number__icontains=q)
    fmt = _fmt(request)
    if fmt:
        headers = [
            Column(_("Number"), CODE),
            _("Enterprise"),
            _("Talent"),
            _("Unit"),
            _("State"),
            Column(_("Total"), MONEY),
            Column(_("Paid"), MONEY),
            Column(_("Eligible"), MONEY),
            Column(_("Held"), MONEY),
            Column(_("Remaining"), MONEY),
        ]
        rows = (
            [
                a.number,
                a.enterprise.name,
                a.talent.name,
                a.org_unit.name,
                a.get_state_display(),
                a.total,
                a.paid_total,
                a.eligible_amount,
                a.held_amount,
                a.waiting_amount,
            ]
            for a in qs
        )
        return export_response("agreements", [Sheet(_("Agreements"), headers, rows)], fmt)
    page = paginate(request, qs)
    for a in page:
        a.bars = selectors.progress_of(a)
    return render(
        request,
        "funding/agreement_list.html",
        {
            "page": page,
            "units": selectors.units_for_filter(request.user),
            "states": AgreementState.choices,
            "unit": unit,
            "state": state,
            "q": q,
            "can_create": policies.can_write(request.user) and (is_office(request.user) or request.user.org_unit_id),
        },
    )


@funding_reader
def agreement_detail(request, pk: int):
    agreement = get_or_404(
        selectors.agreements_for(request.user).select_related("budget__org_unit", "city_budget__org_unit"), pk=pk
    )
    user = request.user
    tranches = list(
        Tranche.objects.filter(agreement=agreement).prefetch_related("milestones").select_related("use_of_funds")
    )
    payouts = {p.tranche_id: p for p in agreement.payouts.all()}
    for t in tranches:
        t.payout_obj = payouts.get(t.pk)
        if t.payout_obj is not None:
            t.payout_text = explain.render(t.payout_obj.reasons)
        t.report = getattr(t, "use_of_funds", None) if hasattr(t, "use_of_funds") else None
    context = {
        "agreement": agreement,
        "bars": selectors.progress_of(agreement),
        "tranches": tranches,
        "ledger": agreement.ledger.select_related("recorded_by").order_by("id"),
        "flags": agreement.exit_flags.order_by("-raised_at"),
        "cases": agreement.exit_cases.order_by("-opened_at"),
        "actions": [t for t in services.AGREEMENT_WORKFLOW.available(agreement, user) if t.action != "complete"],
        "can_manage": policies.can_manage_agreement(user, agreement),
        "can_open_case": policies.can_open_case(user, agreement)
        and agreement.state in (AgreementState.ACTIVE, AgreementState.SUSPENDED),
        "transitions": transitions_of(agreement),
        "history": history_rows(agreement) if can_see_history(user) else None,
        "evidence_form": EvidenceForm(),
        "report_form": UseOfFundsForm(),
        "reason_form": ReasonForm(),
    }
    return render(request, "funding/agreement_detail.html", context)


@funding_reader
def agreement_create(request):
    user = request.user
    if not policies.can_write(user) or not (is_office(user) or user.org_unit_id):
        raise Http404
    kwargs = {
        "user": user,
        "applications": scope_units(Application.objects.select_related("talent", "call"), user),
        "enterprises": scope_units(Enterprise.objects.all(), user),
        "budgets": selectors.budgets_for(user),
    }
    form = AgreementForm(request.POST or None, **kwargs)
    if request.method == "POST" and form.is_valid():
        try:
            agreement = services.agreement_create(actor=user, **form.cleaned_data)
        except DomainError as exc:
            refuse_on_form(form, exc)
        else:
            return success_redirect(
                request,
                _agreement_page(agreement.pk),
                _("Agreement %(number)s drafted.") % {"number": agreement.number},
            )
    return render(request, "funding/agreement_form.html", {"form": form})


def _agreement_page(agreement_id: int) -> str:
    return reverse("funding:agreement-detail", args=[agreement_id])


@workflow_action(services.AGREEMENT_WORKFLOW)
@require_POST
@funding_reader
def agreement_action(request, pk: int, action: str):
    return post_action(
        request,
        selectors.agreements_for(request.user),
        pk,
        service=lambda agreement: services.agreement_transition(
            actor=request.user, agreement_id=agreement.pk, action=action, reason=request.POST.get("reason", "")
        ),
        redirect=lambda agreement: _agreement_page(agreement.pk),
    )


@require_POST
@funding_reader
def milestone_verify(request, pk: int):
    return post_action(
        request,
        Milestone.objects.filter(tranche__agreement__in=selectors.agreements_for(request.user).values("pk")),
        pk,
        service=lambda milestone: services.milestone_verify(
            actor=request.user, milestone_id=milestone.pk, evidence=request.POST.get("evidence", "")
        ),
        redirect=lambda milestone: _agreement_page(milestone.tranche.agreement_id),
        done=_("Milestone verified; the next recompute proposes the payout."),
    )


@require_POST
@funding_reader
def use_of_funds_submit(request, pk: int):
    return post_action(
        request,
        selectors.tranches_for(request.user),
        pk,
        form=UseOfFundsForm,
        invalid=_("Fill in the summary and the date."),
        service=lambda tranche, **data: services.use_of_funds_submit(actor=request.user, tranche_id=tranche.pk, **data),
        redirect=lambda tranche: _agreement_page(tranche.agreement_id),
        done=_("Use-of-funds report recorded."),
    )


@require_POST
@funding_reader
def use_of_funds_accept(request, pk: int):
    return post_action(
        request,
        scope_units(UseOfFundsReport.objects.all(), request.user),
        pk,
        service=lambda report: services.use_of_funds_accept(actor=request.user, report_id=report.pk),
        redirect=lambda report: _agreement_page(report.tranche.agreement_id),
        done=_("Report accepted."),
    )


# ---------------------------------------------------------------- payouts


@serves(APPROVAL_QUEUE)
@funding_reader
def payout_queue(request):
    """The approver's queue: approve or return the chosen payouts, each through its own service."""
    return queue_view(request, APPROVAL_QUEUE)


@serves(PAYMENT_QUEUE)
@funding_reader
def finance_queue(request):
    """Finance's queue: record the chosen payments, a voucher per row."""
    return queue_view(request, PAYMENT_QUEUE)


@funding_reader
def payout_detail(request, pk: int):
    payout = get_or_404(selectors.payouts_for(request.user), pk=pk)
    user = request.user
    actions = {t.action for t in services.PAYOUT_WORKFLOW.available(payout, user)}
    return render(
        request,
        "funding/payout_detail.html",
        {
            "payout": payout,
            "text": explain.render(payout.reasons),
            "can_approve": "approve" in actions,
            "can_pay": "pay" in actions,
            "pay_form": PayForm(),
            "can_return": "return" in actions,
            "can_resubmit": "resubmit" in actions,
            "reason_form": ReasonForm(),
            "can_propose_reversal": payout.state == "paid"
            and policies.can_propose_reversal(user)
            and not payout.reversals.filter(state__in=LIVE_REVERSAL_STATES).exists(),
            "reversal_form": ReversalForm(),
            "reversals": [
                (r, services.REVERSAL_WORKFLOW.available(r, user))
                for r in payout.reversals.select_related("proposed_by", "decided_by")
            ],
            "ledger": payout.ledger.all(),
            "transitions": transitions_of(payout),
            "history": history_rows(payout) if can_see_history(user) else None,
        },
    )


@workflow_action(services.PAYOUT_WORKFLOW, action="approve")
@require_POST
@funding_reader
def payout_approve(request, pk: int):
    return post_action(
        request,
        selectors.payouts_for(request.user),
        pk,
        service=lambda payout: services.payout_approve(actor=request.user, payout_id=payout.pk),
        redirect=lambda payout: safe_next(request, _payout_page(payout.pk)),
        done=_("Payout approved; finance will record the payment."),
    )


def _payout_page(payout_id: int) -> str:
    return reverse("funding:payout-detail", args=[payout_id])


def _paid_message(result) -> str:
    entry, created = result
    if not created:
        return _("This payout was already paid (voucher %(v)s); nothing was recorded twice.") % {"v": entry.voucher}
    return _("Payment recorded in the ledger.")


@workflow_action(services.PAYOUT_WORKFLOW, action="return")
@require_POST
@funding_reader
def payout_return(request, pk: int):
    return post_action(
        request,
        selectors.payouts_for(request.user),
        pk,
        service=lambda payout: services.payout_return(
            actor=request.user, payout_id=payout.pk, reason=request.POST.get("reason", "")
        ),
        redirect=lambda payout: safe_next(request, _payout_page(payout.pk)),
        done=_("Payout returned; its preparer has been told why."),
    )


@workflow_action(services.PAYOUT_WORKFLOW, action="resubmit")
@require_POST
@funding_reader
def payout_resubmit(request, pk: int):
    return post_action(
        request,
        selectors.payouts_for(request.user),
        pk,
        service=lambda payout: services.payout_resubmit(
            actor=request.user, payout_id=payout.pk, reason=request.POST.get("reason", "")
        ),
        redirect=lambda payout: _payout_page(payout.pk),
        done=_("Payout resubmitted for approval."),
    )


@workflow_action(services.PAYOUT_WORKFLOW, action="pay")
@require_POST
@funding_reader
def payout_pay(request, pk: int):
    return post_action(
        request,
        selectors.payouts_for(request.user),
        pk,
        form=PayForm,
        invalid=_("Enter the payment voucher number."),
        service=lambda payout, **data: services.payout_pay(actor=request.user, payout_id=payout.pk, **data),
        redirect=lambda payout: _payout_page(payout.pk),
        done=_paid_message,
    )


@require_POST
@funding_reader
def payout_reverse(request, pk: int):
    """Finance proposes to reverse the payout's payment; the office decides."""
    return post_action(
        request,
        selectors.payouts_for(request.user),
        pk,
        form=ReversalForm,
        invalid=_("Enter the reversal voucher number and the reason."),
        service=lambda payout, **data: services.reversal_propose(actor=request.user, payout_id=payout.pk, **data),
        redirect=lambda payout: _payout_page(payout.pk),
        done=_("Reversal proposed; the district office decides it."),
    )


@funding_reader
def reversal_queue(request):
    """Reversals awaiting the office's decision first, then the decided ones, newest first."""
    qs = selectors.reversals_for(request.user).order_by(
        Case(When(state=ReversalState.PROPOSED, then=0), default=1), "-proposed_at", "-id"
    )
    page = paginate(request, qs)
    rows = [(r, services.REVERSAL_WORKFLOW.available(r, request.user)) for r in page]
    return render(request, "funding/reversal_queue.html", {"page": page, "rows": rows})


@workflow_action(services.REVERSAL_WORKFLOW)
@require_POST
@funding_reader
def reversal_action(request, pk: int, action: str):
    decide = {
        "approve": services.reversal_approve,
        "reject": services.reversal_reject,
        "withdraw": services.reversal_withdraw,
    }.get(action)
    if decide is None:
        raise Http404
    return post_action(
        request,
        selectors.reversals_for(request.user),
        pk,
        service=lambda reversal: decide(
            actor=request.user, reversal_id=reversal.pk, reason=request.POST.get("reason", "")
        ),
        redirect=safe_next(request, reverse("funding:reversal-queue")),
    )


# ---------------------------------------------------------------- ledger, budgets, forecast


@funding_reader
def ledger(request):
    qs = selectors.ledger_for(request.user).order_by("-id")
    if request.GET.get("agreement", "").isdigit():
        qs = qs.filter(agreement_id=int(request.GET["agreement"]))
    fmt = _fmt(request)
    if fmt:
        headers = [
            Column(_("Date"), DATE),
            _("Kind"),
            Column(_("Agreement"), CODE),
            _("Unit"),
            Column(_("Amount"), MONEY),
            Column(_("Voucher"), CODE),
            _("Recorded by"),
            Column(_("Hash"), CODE),
        ]
        rows = (
            [
                e.entry_date,
                e.get_kind_display(),
                e.agreement.number,
                e.org_unit.name,
                e.amount,
                e.voucher,
                str(e.recorded_by) if e.recorded_by else "",
                e.hash,
            ]
            for e in qs
        )
        return export_response("ledger", [Sheet(_("Ledger"), headers, rows)], fmt)
    return render(
        request,
        "funding/ledger.html",
        {
            "page": paginate(request, qs),
            "closed_years": selectors.closed_years_for(request.user),
            "close_form": CloseYearForm() if is_office(request.user) else None,
        },
    )


@require_POST
@funding_reader
def ledger_close_year(request):
    if not is_office(request.user):
        raise Http404
    return post_action(
        request,
        None,
        None,
        form=CloseYearForm,
        invalid=_("Enter the year to close and the reason."),
        service=lambda **data: services.financial_year_close(actor=request.user, **data),
        redirect=reverse("funding:ledger"),
        done=lambda closed: _("The financial year %(year)s is closed.") % {"year": closed.year},
    )


@funding_reader
def budget_list(request):
    qs = selectors.budgets_for(request.user).order_by("-year", "org_unit__code", "source")
    if request.GET.get("year", "").isdigit():
        qs = qs.filter(year=int(request.GET["year"]))
    rows = list(qs)
    for b in rows:
        b.available = b.amount - b.committed
    fmt = _fmt(request)
    if fmt:
        headers = [
            Column(_("Year"), YEAR),
            _("Unit"),
            _("Source"),
            *(Column(h, MONEY) for h in (_("Amount"), _("Committed"), _("Paid"), _("Available"))),
        ]
        data = (
            [b.year, b.org_unit.name, b.get_source_display(), b.amount, b.committed, b.paid, b.available] for b in rows
        )
        return export_response("budgets", [Sheet(_("Budgets"), headers, data)], fmt)
    return render(
        request, "funding/budget_list.html", {"budgets": rows, "can_edit": policies.can_set_budgets(request.user)}
    )


def _budget_form_page(request, form, *, budget: Budget | None, status: int = 200):
    return render(
        request,
        "funding/budget_form.html",
        {
            "form": form,
            "budget": budget,
            "figures": services.budget_figures_of(budget) if budget else None,
            "history": history_rows(budget) if budget is not None and can_see_history(request.user) else None,
        },
        status=status,
    )


@funding_reader
def budget_create(request):
    """The office sets a budget; anyone else: as for a page that is not there."""
    if not policies.can_set_budgets(request.user):
        raise Http404
    form = BudgetForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            budget = services.budget_create(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            refuse_on_form(form, exc)
        else:
            return success_redirect(
                request,
                reverse("funding:budget-list") + f"?year={budget.year}",
                _("Budget %(budget)s set.") % {"budget": budget},
            )
    return _budget_form_page(request, form, budget=None, status=400 if form.errors else 200)


@funding_reader
def budget_edit(request, pk: int):
    """The office changes a budget (never below what is committed); kept in its history."""
    budget = get_or_404(selectors.budgets_for(request.user), pk=pk)
    if not policies.can_set_budgets(request.user):
        raise Http404
    initial = {"org_unit": budget.org_unit_id, "year": budget.year, "source": budget.source, "amount": budget.amount}
    form = BudgetForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.budget_update(actor=request.user, budget_id=budget.pk, **form.cleaned_data)
        except DomainError as exc:
            refuse_on_form(form, exc)
        else:
            return success_redirect(
                request, reverse("funding:budget-list") + f"?year={form.cleaned_data['year']}", _("Budget changed.")
            )
    return _budget_form_page(request, form, budget=budget, status=400 if form.errors else 200)


@funding_reader
def limit_list(request):
    """Each unit's delegated approval limit: the district sees every unit, an officer their own."""
    return render(
        request,
        "funding/limit_list.html",
        {"units": selectors.units_with_limits(request.user), "can_edit": policies.can_set_budgets(request.user)},
    )


def _limit_form_page(request, limit, *, initial=None):
    form = ApprovalLimitForm(request.POST or None, user=request.user, initial=initial)
    if limit is not None:
        form.fields["org_unit"].disabled = True  # a limit stays with its unit
    if request.method == "POST" and form.is_valid():
        try:
            services.approval_limit_set(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            refuse_on_form(form, exc)
        else:
            return success_redirect(request, reverse("funding:limit-list"), _("Approval limit set."))
    return render(
        request,
        "funding/limit_form.html",
        {"form": form, "limit": limit, "history": history_rows(limit) if limit is not None else None},
        status=400 if form.errors else 200,
    )


@funding_reader
def limit_create(request):
    if not policies.can_set_budgets(request.user):
        raise Http404
    unit = request.GET.get("unit", "")
    return _limit_form_page(request, None, initial={"org_unit": int(unit)} if unit.isdigit() else None)


@funding_reader
def limit_edit(request, pk: int):
    """The office changes a unit's limit; kept in the limit's history."""
    limit = get_or_404(selectors.limits_for(request.user), pk=pk)
    if not policies.can_set_budgets(request.user):
        raise Http404
    return _limit_form_page(request, limit, initial={"org_unit": limit.org_unit_id, "max_amount": limit.max_amount})


@funding_reader
def forecast(request):
    data = selectors.cash_flow_forecast(unit_scope(request.user))
    fmt = _fmt(request)
    if fmt:
        headers = (
            [_("Unit")]
            + [Column(f"{q} {_('eligible')}", MONEY) for q in data["quarters"]]
            + [Column(f"{q} {_('likely')}", MONEY) for q in data["quarters"]]
        )
        rows = (
            [u["name"]] + [c["eligible"] for c in u["quarters"]] + [c["likely"] for c in u["quarters"]]
            for u in data["units"]
        )
        return export_response("forecast", [Sheet(_("Cash-flow forecast"), headers, rows)], fmt)
    return render(request, "funding/forecast.html", {"data": data})


# ---------------------------------------------------------------- exits


@funding_reader
def exit_board(request):
    board = selectors.exit_board(request.user)
    flags = (
        selectors.flags_for(request.user).filter(state=FlagState.OPEN).order_by("org_unit__code", "rule", "-raised_at")
    )
    rule = request.GET.get("rule", "")
    if rule in ExitRule.values:
        flags = flags.filter(rule=rule)
    page = paginate(request, flags)
    for flag in page:
        flag.can_dismiss = FLAG_WORKFLOW.refusal(flag, request.user, "dismiss") is None
    return render(
        request,
        "funding/exit_board.html",
        {"board": board, "page": page, "reason_form": ReasonForm(), "rule": rule},
    )


@workflow_action(FLAG_WORKFLOW, action="dismiss")
@require_POST
@funding_reader
def flag_dismiss(request, pk: int):
    return post_action(
        request,
        selectors.flags_for(request.user),
        pk,
        service=lambda flag: services.exit_flag_dismiss(
            actor=request.user, flag_id=flag.pk, reason=request.POST.get("reason", "")
        ),
        redirect=reverse("funding:exit-board"),
        done=_("Flag dismissed."),
    )


@require_POST
@funding_reader
def case_open(request, pk: int):
    return post_action(
        request,
        selectors.agreements_for(request.user),
        pk,
        service=lambda agreement: services.exit_case_open(
            actor=request.user, agreement_id=agreement.pk, note=request.POST.get("reason", "")
        ),
        redirect=lambda agreement: _agreement_page(agreement.pk),
        then=lambda case: reverse("funding:case-detail", args=[case.pk]),
        done=_("Exit case opened."),
    )


@funding_reader
def case_detail(request, pk: int):
    case = get_or_404(selectors.cases_for(request.user), pk=pk)
    user = request.user
    return render(
        request,
        "funding/case_detail.html",
        {
            "case": case,
            "flags": case.flags.all(),
            "actions": {t.action for t in services.CASE_WORKFLOW.available(case, user)},
            "can_recover": case.state == "exited"
            and policies.can_record_recovery(user)
            and case.recovered < case.recovery_due,
            # Three of the forms side by side ask for a reason: each its own ids, so that each
            # label names its own field.
            "rectify_form": RectifyForm(auto_id="id_rectify_%s"),
            "reason_form": ReasonForm(auto_id="id_continue_%s"),
            "exit_form": ExitDecisionForm(auto_id="id_exit_%s", initial={"recovery_due": case.agreement.paid_total}),
            "recovery_form": RecoveryForm(),
            "ledger": LedgerEntry.objects.filter(agreement=case.agreement, kind="recovery").order_by("id"),
            "transitions": transitions_of(case),
            "history": history_rows(case) if can_see_history(user) else None,
        },
    )


@workflow_action(services.CASE_WORKFLOW, others={"recover": "records a recovery in the ledger"})
@require_POST
@funding_reader
def case_action(request, pk: int, action: str):
    user, post = request.user, request.POST
    steps = {
        # action: (form, its message when invalid, the service on the case and the form's data)
        "rectify": (
            RectifyForm,
            _("Give a deadline and what must be rectified."),
            lambda case, rectification_due, reason: services.exit_case_rectify(
                actor=user, case_id=case.pk, due=rectification_due, reason=reason
            ),
        ),
        "continue": (
            None,
            None,
            lambda case: services.exit_case_continue(actor=user, case_id=case.pk, reason=post.get("reason", "")),
        ),
        "exit": (
            None,
            None,
            lambda case: services.exit_case_exit(
                actor=user, case_id=case.pk, reason=post.get("reason", ""), recovery_due=post.get("recovery_due")
            ),
        ),
        "recover": (
            RecoveryForm,
            _("Enter the amount and the receipt voucher."),
            lambda case, **data: services.exit_case_record_recovery(actor=user, case_id=case.pk, **data),
        ),
    }
    if action not in steps:
        raise Http404
    form, invalid, service = steps[action]
    return post_action(
        request,
        selectors.cases_for(user),
        pk,
        form=form,
        invalid=invalid,
        service=service,
        redirect=lambda case: reverse("funding:case-detail", args=[case.pk]),
        # A decision says itself (the step and the case's new state); a recovery is no step.
        done=_("The recovery has been recorded in the ledger.") if action == "recover" else "",
    )


@login_required
def my_agreements(request):
    """A self-service account's agreements: tranches, each milestone met or not, payout states."""
    if request.user.role not in (Role.TALENT, Role.ENTERPRISE):
        raise Http404
    agreements = list(selectors.own_agreements(request.user))
    for agreement in agreements:
        for tranche in agreement.tranches.all():
            # The officers' explanation of the payout (milestones against their thresholds, the
            # grade's factor), which names nobody.
            payout = getattr(tranche, "payout", None)
            tranche.explanation = explain.render(payout.reasons) if payout is not None else ""
            tranche.report = getattr(tranche, "use_of_funds", None) if hasattr(tranche, "use_of_funds") else None
            tranche.may_report = (
                request.user.role == Role.ENTERPRISE and tranche.state == TrancheState.PAID and tranche.report is None
            )
    return render(request, "funding/mine.html", {"agreements": agreements})


def _own_tranche_or_404(request, pk: int):
    if not request.user.is_authenticated or request.user.role != Role.ENTERPRISE:
        raise Http404
    return get_or_404(selectors.own_tranches(request.user), pk=pk)


@login_required
def my_use_of_funds(request, pk: int):
    """The enterprise reports how a paid tranche's funds were used, from its own agreement page;
    another enterprise's tranche is a 404, a refusal a message on the form with nothing saved."""
    tranche = _own_tranche_or_404(request, pk)
    form = UseOfFundsReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.use_of_funds_report(
                actor=request.user,
                tranche_id=tranche.pk,
                period_start=data["period_start"],
                period_end=data["period_end"],
                amount_used=data["amount_used"],
                summary=data["summary"],
                upload=data["file"],
            )
        except DomainError as exc:
            refuse_on_form(form, exc)
        else:
            return success_redirect(
                request,
                reverse("funding:mine"),
                _("Use-of-funds report of tranche %(sequence)s submitted; the officer of your unit checks it.")
                % {"sequence": tranche.sequence},
            )
    return render(
        request,
        "funding/use_of_funds_form.html",
        {
            "tranche": tranche,
            "agreement": tranche.agreement,
            "form": form,
            "report": getattr(tranche, "use_of_funds", None),
        },
        status=400 if form.errors else 200,
    )


@login_required
def use_of_funds_file(request, pk: int):
    """A report's statement of expenditure, served only to those who may read the report."""
    report = get_or_404(selectors.use_of_funds_reports_for(request.user), pk=pk)
    if not report.file:
        raise Http404
    try:
        handle = report.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=report.original_name, content_type=report.content_type)
