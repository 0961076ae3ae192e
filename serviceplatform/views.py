"""Web pages of the service platform: the public catalogue, the provider register and the
service requests. Thin: each parses, calls a selector or a service, renders."""

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from enterprises.selectors import own_enterprise
from qinhuai_talent.core import access, clock
from qinhuai_talent.core.actions import form_page, post_action, refuse_on_form, workflow_action
from qinhuai_talent.core.audit import history_rows
from qinhuai_talent.core.errors import DomainError
from qinhuai_talent.core.views import paginate
from qinhuai_talent.core.workflow import transitions_of

from . import forms, policies, selectors, services
from .api.views import ServiceRequestFilter
from .models import ReviewThresholds, ServiceCategory
from .workflows import PROVIDER_WORKFLOW, REQUEST_WORKFLOW


def catalogue(request):
    """The public catalogue (no login): accredited providers' services by category, searchable."""
    form = forms.CatalogueSearchForm(request.GET or None)
    q, category = "", ""
    if form.is_bound and form.is_valid():
        q, category = form.cleaned_data["q"].strip(), form.cleaned_data["category"]
    providers = list(selectors.catalogue(q=q, category=category))
    by_category: dict[str, list] = {}
    for provider in providers:
        for service in provider.offered:
            by_category.setdefault(service.category, []).append(service)
    sections = [(ServiceCategory(c).label, by_category[c]) for c in ServiceCategory.values if c in by_category]
    plan_item = request.GET.get("plan_item", "")
    return render(
        request,
        "serviceplatform/catalogue.html",
        {
            "form": form,
            "sections": sections,
            "count": sum(len(s) for _c, s in sections),
            "q": q,
            # An enterprise asks for a service from here (its plan item carried on, if it came from one).
            "can_request": policies.is_enterprise_account(request.user),
            "plan_item": plan_item if plan_item.isdigit() else "",
        },
    )


# --- Providers --------------------------------------------------------------------------------------


def _review_year(request) -> int:
    year = request.GET.get("year", "")
    if year.isdigit() and 2000 <= int(year) <= clock.today().year:
        return int(year)
    return selectors.review_year_default()


def _with_performance(user, providers, year: int) -> None:
    """Attach each provider's total figures of ``year`` (``perf``), for those who may see them."""
    if policies.can_see_performance(user):
        selectors.with_performance(providers, year=year)


@login_required
def provider_list(request):
    """The register. Queries: the page's count and rows (2), the default year (1), the page's
    providers' performance (3) and the thresholds (1), besides the session's."""
    qs = selectors.providers_for(request.user).order_by("state", "category", "name")
    page = paginate(request, qs)
    year = _review_year(request)
    _with_performance(request.user, page.object_list, year)
    return render(
        request,
        "serviceplatform/provider_list.html",
        {
            "page": page,
            "year": year,
            "can_manage": policies.can_manage_providers(request.user),
            "performance": policies.can_see_performance(request.user),
        },
    )


@login_required
def provider_review(request):
    """The office's yearly provider review: every provider's figures of the year against the
    thresholds, those below first, each accredited one flagged with a button to suspend it
    (through the provider workflow, logged with the reason)."""
    if not policies.can_review_providers(request.user):
        raise Http404
    year = _review_year(request)
    providers = list(selectors.providers_under_review(request.user))
    _with_performance(request.user, providers, year)
    providers.sort(key=lambda p: (not p.perf.flags, p.category, p.name))
    thresholds = ReviewThresholds.current()
    can_set = policies.can_set_thresholds(request.user)
    return render(
        request,
        "serviceplatform/provider_review.html",
        {
            "year": year,
            "providers": providers,
            "thresholds": thresholds,
            "thresholds_form": forms.ThresholdsForm(
                initial={
                    "min_on_time_rate": thresholds.min_on_time_rate,
                    "min_rating": thresholds.min_rating,
                    "min_requests": thresholds.min_requests,
                }
            )
            if can_set
            else None,
            "can_suspend": policies.can_accredit(request.user),
        },
    )


@login_required
@require_POST
def thresholds_set(request):
    if not policies.can_set_thresholds(request.user):
        raise Http404
    return post_action(
        request,
        None,
        None,
        form=forms.ThresholdsForm,
        service=lambda **data: services.thresholds_set(actor=request.user, **data),
        redirect=reverse("serviceplatform:provider-review"),
        done=_("The review thresholds have been saved."),
    )


@login_required
def provider_create(request):
    if not policies.can_manage_providers(request.user):
        raise PermissionDenied
    form = forms.ProviderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            provider = services.provider_register(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            refuse_on_form(form, exc)
        else:
            messages.success(request, _("The provider's application has been registered."))
            return HttpResponseRedirect(reverse("serviceplatform:provider-detail", args=[provider.pk]))
    return form_page(
        request,
        form,
        title=_("Register a service provider"),
        crumbs=[(reverse("serviceplatform:providers"), _("Service providers"))],
    )


@login_required
def provider_detail(request, pk: int):
    provider = access.get_or_404(selectors.providers_for(request.user), pk=pk)
    services_qs = selectors.services_for(request.user).filter(provider=provider).order_by("category", "name")
    year = _review_year(request)
    performance = None
    if policies.can_see_performance(request.user):
        selectors.with_performance([provider], year=year)
        performance = {"total": provider.perf, "rows": provider.perf_by_category}
    return render(
        request,
        "serviceplatform/provider_detail.html",
        {
            "provider": provider,
            "year": year,
            "performance": performance,
            "services": services_qs,
            "actions": PROVIDER_WORKFLOW.available(provider, request.user),
            "can_manage": policies.can_manage_providers(request.user),
            "transitions": transitions_of(provider),
            "history": history_rows(provider) if access.can_see_history(request.user) else None,
        },
    )


@workflow_action(PROVIDER_WORKFLOW)
@login_required
@require_POST
def provider_action(request, pk: int):
    return post_action(
        request,
        selectors.providers_for(request.user),
        pk,
        form=forms.ProviderActionForm,
        invalid=_("Unknown action."),
        service=lambda provider, **data: services.provider_transition(actor=request.user, provider=provider, **data),
        redirect=lambda provider: reverse("serviceplatform:provider-detail", args=[provider.pk]),
        done=_("The provider's accreditation has been updated."),
    )


@login_required
def service_create(request, pk: int):
    provider = access.get_or_404(selectors.providers_for(request.user), pk=pk)
    if not policies.can_manage_providers(request.user):
        raise PermissionDenied
    form = forms.ServiceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.service_save(actor=request.user, provider=provider, **form.cleaned_data)
        except DomainError as exc:
            refuse_on_form(form, exc)
        else:
            messages.success(request, _("The service has been added."))
            return HttpResponseRedirect(reverse("serviceplatform:provider-detail", args=[provider.pk]))
    return form_page(
        request,
        form,
        title=_("Add a service"),
        crumbs=[
            (reverse("serviceplatform:providers"), _("Service providers")),
            (reverse("serviceplatform:provider-detail", args=[provider.pk]), provider.display_name),
        ],
    )


# --- Service requests ---------------------------------------------------------------------------------


def _request_reader(request) -> None:
    if not policies.can_read_requests(request.user):
        raise Http404


@login_required
def request_list(request):
    _request_reader(request)
    filterset = ServiceRequestFilter(request.GET, queryset=selectors.requests_for(request.user))
    if not filterset.is_valid():
        messages.error(request, _("Some filters were not understood."))
    qs = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    own = policies.is_enterprise_account(request.user)
    return render(
        request,
        "serviceplatform/request_list.html",
        {
            "page": paginate(request, qs.order_by("-filed_at", "-pk")),
            "filter": filterset,
            "can_file": policies.can_file(request.user),
            "own": own,
            "plan_items": selectors.own_plan_items(request.user) if own else None,
        },
    )


def _initial(request) -> dict:
    """What the catalogue's button (or a plan item's link) prefills: category, service, plan item."""
    initial = {}
    for key in ("enterprise", "category", "service", "plan_item"):
        value = request.GET.get(key, "")
        if value.isdigit() or (key == "category" and value in ServiceCategory.values):
            initial[key] = value
    if "service" in initial and "category" not in initial:
        service = selectors.catalogue_services().filter(pk=initial["service"]).first()
        if service is not None:
            initial["category"] = service.category
    return initial


@login_required
def request_create(request):
    if not policies.can_file(request.user):
        raise PermissionDenied
    initial = _initial(request) if request.method == "GET" else {}
    own = None
    if policies.is_enterprise_account(request.user):
        own = own_enterprise(request.user)
        if own is None:
            raise Http404
        form = forms.OwnRequestForm(request.POST or None, user=request.user, initial=initial)
    else:
        form = forms.RequestForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if own is not None:
            data["enterprise"] = own
        try:
            obj = services.request_file(actor=request.user, **data)
        except DomainError as exc:
            refuse_on_form(form, exc)
        else:
            messages.success(request, _("The service request has been filed."))
            return HttpResponseRedirect(reverse("serviceplatform:request-detail", args=[obj.pk]))
    return form_page(
        request,
        form,
        title=_("Ask for a service") if own is not None else _("File a service request"),
        crumbs=[(reverse("serviceplatform:requests"), _("Service requests"))],
    )


@login_required
def request_detail(request, pk: int):
    _request_reader(request)
    obj = access.get_or_404(selectors.requests_for(request.user), pk=pk)
    available = REQUEST_WORKFLOW.available(obj, request.user)
    # Assigning and a financing outcome have forms of their own.
    actions = [t for t in available if t.action not in ("assign", "record_outcome")]
    can_assign = any(t.action == "assign" for t in available)
    can_record = any(t.action == "record_outcome" for t in available)
    return render(
        request,
        "serviceplatform/request_detail.html",
        {
            "req": obj,
            "own": policies.is_own_request(request.user, obj),
            "actions": actions,
            "assign_form": forms.AssignForm(user=request.user, category=obj.category) if can_assign else None,
            "financing": getattr(obj, "financing", None),
            "outcome_form": forms.OutcomeForm(initial={"instrument": obj.financing.instrument}) if can_record else None,
            "transitions": transitions_of(obj),
            "history": history_rows(obj) if access.can_see_history(request.user) else None,
        },
    )


@workflow_action(REQUEST_WORKFLOW, action="assign")
@login_required
@require_POST
def request_assign(request, pk: int):
    _request_reader(request)
    return post_action(
        request,
        selectors.requests_for(request.user),
        pk,
        form=lambda obj: partial(forms.AssignForm, user=request.user, category=obj.category),
        invalid=_("Please choose an accredited provider."),
        service=lambda obj, **data: services.request_assign(actor=request.user, request=obj, **data),
        redirect=_request_page,
        done=_("The request has been assigned."),
    )


def _request_page(obj) -> str:
    return reverse("serviceplatform:request-detail", args=[obj.pk])


@workflow_action(REQUEST_WORKFLOW)
@login_required
@require_POST
def request_action(request, pk: int):
    _request_reader(request)
    return post_action(
        request,
        selectors.requests_for(request.user),
        pk,
        form=forms.RequestActionForm,
        invalid=lambda form: _("Please rate the service from 1 to 5.")
        if "rating" in form.errors
        else _("Unknown action."),
        service=lambda obj, **data: services.request_transition(actor=request.user, request=obj, **data),
        redirect=_request_page,
        done=_("The service request has been updated."),
    )


@workflow_action(REQUEST_WORKFLOW, action="record_outcome")
@login_required
@require_POST
def request_outcome(request, pk: int):
    """The provider records a financing request's outcome (granted or refused)."""
    _request_reader(request)
    return post_action(
        request,
        selectors.requests_for(request.user),
        pk,
        form=forms.OutcomeForm,
        invalid=_("Please check the outcome's amount, rate, valuation and date."),
        service=lambda obj, **data: services.financing_outcome_record(actor=request.user, request=obj, **data),
        redirect=_request_page,
        done=_("The financing outcome has been recorded."),
    )


# --- Guidance fund budgets --------------------------------------------------------------------------


@login_required
def fund_budget_list(request):
    """The guidance funds' own budgets: committed, invested, available (apart from grant budgets)."""
    qs = selectors.fund_budgets_for(request.user)
    if not (access.is_office(request.user) or request.user.role in access.DISTRICT_READERS or qs.exists()):
        raise Http404
    rows = list(qs.order_by("-year", "provider__name"))
    for row in rows:
        row.available = row.amount - row.invested
    return render(
        request,
        "serviceplatform/fund_budget_list.html",
        {"budgets": rows, "can_manage": policies.can_manage_providers(request.user)},
    )


@login_required
def fund_budget_set(request):
    if not policies.can_manage_providers(request.user):
        raise PermissionDenied
    form = forms.FundBudgetForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.fund_budget_set(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            refuse_on_form(form, exc)
        else:
            messages.success(request, _("The fund's budget has been saved."))
            return HttpResponseRedirect(reverse("serviceplatform:fund-budgets"))
    return form_page(
        request,
        form,
        title=_("Set a guidance fund's budget"),
        crumbs=[(reverse("serviceplatform:fund-budgets"), _("Guidance fund budgets"))],
    )


# --- First purchases -----------------------------------------------------------------------------------


@login_required
def first_purchase_list(request):
    if not policies.can_read_purchases(request.user):
        raise Http404
    form = forms.FirstPurchaseFilterForm(request.GET or None)
    qs = selectors.first_purchases_for(request.user)
    if form.is_bound and not form.is_valid():
        messages.error(request, _("Some filters were not understood."))
        qs = qs.none()
    elif form.is_bound:
        if form.cleaned_data["year"]:
            qs = qs.filter(purchased_on__year=form.cleaned_data["year"])
        if form.cleaned_data["q"].strip():
            q = form.cleaned_data["q"].strip()
            qs = qs.filter(
                Q(enterprise__name__icontains=q)
                | Q(product__icontains=q)
                | Q(buyer__icontains=q)
                | Q(contract_number__icontains=q)
            )
    return render(
        request,
        "serviceplatform/first_purchase_list.html",
        {
            "form": form,
            "page": paginate(request, qs.order_by("-purchased_on", "-pk")),
            "can_enter": policies.can_enter_purchases(request.user),
        },
    )


@login_required
def first_purchase_create(request):
    if not policies.can_enter_purchases(request.user):
        raise PermissionDenied
    initial = {"enterprise": request.GET["enterprise"]} if request.GET.get("enterprise", "").isdigit() else {}
    form = forms.FirstPurchaseForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            obj = services.first_purchase_add(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            refuse_on_form(form, exc)
        else:
            messages.success(request, _("The first purchase has been entered."))
            return HttpResponseRedirect(reverse("enterprises:detail", args=[obj.enterprise_id]))
    return form_page(
        request,
        form,
        title=_("Enter a first purchase"),
        crumbs=[(reverse("serviceplatform:first-purchases"), _("First purchases"))],
    )
