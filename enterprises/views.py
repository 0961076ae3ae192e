"""Web pages of the enterprise database: thin, each parses, calls a selector or service, renders."""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qinhuai_talent.core import access, clock, spreadsheets
from qinhuai_talent.core.actions import form_page, post_action, refuse_on_form, workflow_action
from qinhuai_talent.core.audit import history_rows
from qinhuai_talent.core.errors import DomainError
from qinhuai_talent.core.http import content_disposition
from qinhuai_talent.core.models import Role
from qinhuai_talent.core.views import paginate
from qinhuai_talent.core.workflow import transitions_of

from . import charts, forms, imports, policies, selectors, services
from .filters import ENTERPRISE_SORTS, EnterpriseFilter, SupportItemFilter
from .models import ClassRule, FilingStatus, FinancingInstrument, Level, PeriodKind
from .workflows import IMPORT_WORKFLOW


def _reader(request) -> None:
    if not policies.can_read(request.user):
        raise Http404


# --- Enterprises ---------------------------------------------------------------------------------


@login_required
def enterprise_list(request):
    _reader(request)
    qs = selectors.enterprises_for(request.user)
    data = request.GET.copy()
    data.setdefault("sort", "name")
    filterset = EnterpriseFilter(data, queryset=qs, request=request)
    if not filterset.is_valid():
        messages.error(request, _("Some filters were not understood and were ignored."))
        filterset = EnterpriseFilter({"sort": "name"}, queryset=qs, request=request)
    page = paginate(request, filterset.qs)
    sort = data.get("sort", "name")
    columns = [
        (key, label, sort == key, sort == f"-{key}")
        for key, (_f, label) in ENTERPRISE_SORTS.items()
        if key not in ("registered_on", "paid_in_capital")
    ]
    return render(
        request,
        "enterprises/enterprise_list.html",
        {
            "page": page,
            "filter": filterset,
            "columns": columns,
            "can_create": policies.can_create(request.user),
        },
    )


@login_required
def enterprise_detail(request, pk: int):
    _reader(request)
    enterprise = selectors.enterprise_detail(request.user, pk)
    context = selectors.enterprise_page(enterprise)
    reports = context["reports"]
    rounds = list(context["financing_rounds"])
    can_edit = policies.can_edit(request.user, enterprise)
    items = list(context["plan_items"])
    for item in items:
        item.actions = services.SUPPORT_WORKFLOW.available(item, request.user) if can_edit else []
    context.update(
        {
            "enterprise": enterprise,
            "financing_rounds": rounds,
            "plan_items": items,
            "revenue_chart": charts.revenue_chart(reports),
            "people_chart": charts.people_chart(reports),
            "financing_chart": charts.financing_chart(rounds),
            "financing_by_instrument": _by_instrument(rounds),
            "can_edit": can_edit,
            "history": history_rows(enterprise) if access.can_see_history(request.user) else None,
        }
    )
    return render(request, "enterprises/enterprise_detail.html", context)


def _by_instrument(rounds) -> list[tuple[str, Decimal]]:
    """The enterprise's financing summed by instrument (equity, loan, guaranteed loan)."""
    totals: dict[str, Decimal] = {}
    for r in rounds:
        totals[r.instrument] = totals.get(r.instrument, Decimal(0)) + r.amount
    return [(FinancingInstrument(k).label, totals[k]) for k in FinancingInstrument.values if k in totals]


@login_required
def enterprise_create(request):
    if not policies.can_create(request.user):
        raise PermissionDenied
    form = forms.EnterpriseForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            enterprise = services.enterprise_save(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            refuse_on_form(form, exc)
        else:
            messages.success(request, _("The enterprise has been registered."))
            return HttpResponseRedirect(reverse("enterprises:detail", args=[enterprise.pk]))
    return form_page(
        request,
        form,
        title=_("Register an enterprise"),
        crumbs=[(reverse("enterprises:list"), _("Enterprises"))],
    )


def _editable(request, pk: int):
    enterprise = selectors.enterprise_detail(request.user, pk)
    if not policies.can_edit(request.user, enterprise):
        raise PermissionDenied
    return enterprise


def _crumbs(enterprise) -> list[tuple[str, str]]:
    return [
        (reverse("enterprises:list"), _("Enterprises")),
        (reverse("enterprises:detail", args=[enterprise.pk]), enterprise.name),
    ]


@login_required
def enterprise_edit(request, pk: int):
    enterprise = _editable(request, pk)
    form = forms.EnterpriseForm(request.POST or None, instance=enterprise, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.enterprise_save(actor=request.user, enterprise=enterprise, **form.cleaned_data)
        except DomainError as exc:
            refuse_on_form(form, exc)
        else:
            messages.success(request, _("The changes have been saved."))
            return HttpResponseRedirect(reverse("enterprises:detail", args=[enterprise.pk]))
    return form_page(request, form, title=_("Edit enterprise"), crumbs=_crumbs(enterprise))


def _enterprise_form_view(request, pk: int, *, form_class, service, title: str, done: str, form_kwargs=None):
    """A form on an enterprise whose cleaned data goes to one service as keyword arguments."""
    enterprise = _editable(request, pk)
    kwargs = form_kwargs(enterprise) if form_kwargs else {}
    form = form_class(request.POST or None, **kwargs)
    if request.method == "POST" and form.is_valid():
        try:
            service(actor=request.user, enterprise=enterprise, **form.cleaned_data)
        except DomainError as exc:
            refuse_on_form(form, exc)
        else:
            messages.success(request, done)
            return HttpResponseRedirect(reverse("enterprises:detail", args=[enterprise.pk]))
    return form_page(request, form, title=f"{title} · {enterprise.name}", crumbs=_crumbs(enterprise))


@login_required
def founder_add(request, pk: int):
    return _enterprise_form_view(
        request,
        pk,
        form_class=forms.FounderForm,
        service=services.founder_save,
        title=_("Add or change a founder"),
        done=_("The founder has been saved."),
        form_kwargs=lambda e: {"enterprise": e},
    )


@login_required
def report_add(request, pk: int):
    enterprise = _editable(request, pk)
    form = forms.ReportForm(request.POST or None, initial={"year": forms.default_year()})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        period = {k: data.pop(k) for k in ("period_kind", "year", "quarter")}
        try:
            report = services.report_submit(actor=request.user, enterprise=enterprise, figures=data, **period)
        except DomainError as exc:
            refuse_on_form(form, exc)
        else:
            if report.version > 1:
                messages.success(
                    request,
                    _("The report has been corrected; version %(v)s is now current and the earlier one is kept.")
                    % {"v": report.version},
                )
            else:
                messages.success(request, _("The report has been recorded."))
            messages.info(request, _("Cumulative figures and classes update with the next recompute."))
            return HttpResponseRedirect(reverse("enterprises:detail", args=[enterprise.pk]))
    return form_page(
        request,
        form,
        title=_("Report operating data") + f" · {enterprise.name}",
        crumbs=_crumbs(enterprise),
        intro=_("A second report for the same period is a correction: it becomes current and the earlier one is kept."),
    )


@login_required
def financing_add(request, pk: int):
    return _enterprise_form_view(
        request,
        pk,
        form_class=forms.FinancingRoundForm,
        service=services.financing_round_add,
        title=_("Record a financing round"),
        done=_("The financing round has been recorded."),
    )


@login_required
def evaluation_add(request, pk: int):
    return _enterprise_form_view(
        request,
        pk,
        form_class=forms.EvaluationForm,
        service=services.evaluation_add,
        title=_("Record an evaluation"),
        done=_("The evaluation has been recorded."),
    )


@login_required
def support_item_add(request, pk: int):
    return _enterprise_form_view(
        request,
        pk,
        form_class=forms.SupportItemForm,
        service=services.support_item_create,
        title=_("Add a service to the plan"),
        done=_("The service has been added to the plan."),
        form_kwargs=lambda e: {"enterprise": e, "user": request.user},
    )


@login_required
def visit_add(request, pk: int):
    return _enterprise_form_view(
        request,
        pk,
        form_class=forms.VisitForm,
        service=services.visit_log,
        title=_("Log a visit"),
        done=_("The visit has been logged."),
    )


@workflow_action(services.SUPPORT_WORKFLOW)
@login_required
@require_POST
def support_item_action(request, pk: int):
    return post_action(
        request,
        selectors.support_items_for(request.user),
        pk,
        form=forms.SupportActionForm,
        invalid=_("Unknown action."),
        service=lambda item, **data: services.support_item_transition(actor=request.user, item=item, **data),
        redirect=lambda item: reverse("enterprises:detail", args=[item.enterprise_id]) + "#plan",
        done=_("The plan item has been updated."),
    )


@login_required
def support_item_detail(request, pk: int):
    item = access.get_or_404(selectors.support_items_for(request.user), pk=pk)
    item.actions = services.SUPPORT_WORKFLOW.available(item, request.user)
    return render(
        request,
        "enterprises/support_item_detail.html",
        {
            "item": item,
            "transitions": transitions_of(item),
            "history": history_rows(item) if access.can_see_history(request.user) else None,
        },
    )


@login_required
def support_plan(request):
    """Every plan item in the caller's scope, overdue first."""
    _reader(request)
    filterset = SupportItemFilter(request.GET, queryset=selectors.support_items_for(request.user))
    qs = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    if not filterset.is_valid():
        messages.error(request, _("Some filters were not understood."))
    page = paginate(request, qs.order_by("due_on", "id"))
    return render(request, "enterprises/support_plan.html", {"page": page, "filter": filterset, "today": clock.today()})


# --- Import and export -----------------------------------------------------------------------------


def _importer(request) -> None:
    if not policies.can_import(request.user):
        raise PermissionDenied


@login_required
def import_home(request):
    _importer(request)
    form = forms.ImportUploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = imports.report_import_check(
                actor=request.user,
                org_unit=form.cleaned_data["org_unit"],
                file_name=upload.name,
                data=upload.read(imports.MAX_UPLOAD_BYTES + 1),
            )
        except DomainError as exc:
            refuse_on_form(form, exc)
        else:
            return HttpResponseRedirect(reverse("enterprises:import-detail", args=[batch.pk]))
    page = paginate(request, selectors.imports_for(request.user), per_page=20)
    return render(
        request,
        "enterprises/import_home.html",
        {
            "form": form,
            "page": page,
            "export_form": forms.ExportForm(user=request.user),
            "template_quarter": imports.template_period("quarter"),
            "template_year": imports.template_period("year")[0],
        },
        status=400 if form.errors else 200,
    )


@login_required
def import_template(request):
    _importer(request)
    enterprises = selectors.enterprises_for(request.user).filter(status="active").order_by("org_unit__code", "name")
    unit = request.GET.get("org_unit")
    if unit:
        enterprises = enterprises.filter(org_unit__code=unit)
    year, quarter = imports.template_period("year" if request.GET.get("period") == "year" else "quarter")
    response = HttpResponse(imports.template_xlsx(enterprises, (year, quarter)), content_type=spreadsheets.XLSX_TYPE)
    name = f"operating-data-template-{year}" + (f"-Q{quarter}" if quarter else "")
    response["Content-Disposition"] = content_disposition(f"{name}.xlsx")
    return response


@login_required
def import_detail(request, pk: int):
    _importer(request)
    batch = access.get_or_404(selectors.imports_for(request.user).defer(None), pk=pk)
    return render(
        request,
        "enterprises/import_detail.html",
        {"batch": batch, "rows": batch.rows[:500], "more_rows": max(0, len(batch.rows) - 500)},
    )


@workflow_action(IMPORT_WORKFLOW, action="import")
@login_required
@require_POST
def import_confirm(request, pk: int):
    _importer(request)
    batch = access.get_or_404(selectors.imports_for(request.user), pk=pk)
    try:
        batch = imports.report_import_confirm(
            actor=request.user, batch=batch, accept_warnings=request.POST.get("accept_warnings") == "on"
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("Imported: %(new)s new reports, %(corrected)s corrections. Figures, tiers and classes are recomputed.")
            % {"new": batch.created_reports, "corrected": batch.corrected_reports},
        )
    return HttpResponseRedirect(reverse("enterprises:import-detail", args=[batch.pk]))


@login_required
def export(request):
    _reader(request)
    form = forms.ExportForm(request.GET, user=request.user)
    if not form.is_valid():
        return HttpResponse(_("Unknown export parameters."), status=400, content_type="text/plain; charset=utf-8")
    reports = selectors.reports_for(request.user).order_by("enterprise__org_unit__code", "enterprise__name", "year")
    if form.cleaned_data["org_unit"]:
        reports = reports.filter(enterprise__org_unit=form.cleaned_data["org_unit"])
    if form.cleaned_data["year"]:
        reports = reports.filter(year=form.cleaned_data["year"])
    stamp = clock.today().isoformat()
    return spreadsheets.export_response(
        f"operating-data-{stamp}", [imports.export_sheet(reports)], form.cleaned_data["format"]
    )


# --- Registries and rules --------------------------------------------------------------------------


@login_required
def maker_space_list(request):
    _reader(request)
    qs = selectors.maker_spaces_for(request.user)
    level = request.GET.get("level", "")
    if level in Level.values:
        qs = qs.filter(level=level)
    return render(
        request,
        "enterprises/maker_space_list.html",
        {
            "page": paginate(request, qs.order_by("level", "name")),
            "levels": Level.choices,
            "level": level,
            "can_edit": policies.can_edit_registries(request.user),
        },
    )


@login_required
def maker_space_create(request):
    if not policies.can_edit_registries(request.user):
        raise PermissionDenied
    form = forms.MakerSpaceForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.maker_space_save(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            refuse_on_form(form, exc)
        else:
            messages.success(request, _("The maker space has been registered."))
            return HttpResponseRedirect(reverse("enterprises:maker-spaces"))
    return form_page(
        request,
        form,
        title=_("Register a maker space"),
        crumbs=[(reverse("enterprises:maker-spaces"), _("Maker spaces"))],
    )


@login_required
def mentor_list(request):
    _reader(request)
    qs = selectors.mentors_for(request.user).prefetch_related("enterprises")
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(field__icontains=q) | qs.filter(name__icontains=q)
    return render(
        request,
        "enterprises/mentor_list.html",
        {
            "page": paginate(request, qs.order_by("name")),
            "q": q,
            "can_edit": policies.can_edit_registries(request.user),
        },
    )


@login_required
def mentor_create(request):
    if not policies.can_edit_registries(request.user):
        raise PermissionDenied
    form = forms.MentorForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.mentor_save(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            refuse_on_form(form, exc)
        else:
            messages.success(request, _("The mentor has been registered."))
            return HttpResponseRedirect(reverse("enterprises:mentors"))
    return form_page(
        request, form, title=_("Register a mentor"), crumbs=[(reverse("enterprises:mentors"), _("Mentors"))]
    )


@login_required
def class_rules(request):
    _reader(request)
    rules = list(ClassRule.objects.order_by("-priority", "enterprise_class"))
    editable = policies.can_edit_class_rules(request.user)
    forms_by_rule = [
        (
            rule,
            forms.ClassRuleForm(
                request.POST if request.POST.get("rule") == str(rule.pk) else None, instance=rule, prefix=f"r{rule.pk}"
            ),
        )
        for rule in rules
    ]
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        for rule, form in forms_by_rule:
            if form.is_bound and form.is_valid():
                try:
                    services.class_rule_update(actor=request.user, rule=rule, **form.cleaned_data)
                except DomainError as exc:
                    refuse_on_form(form, exc)
                else:
                    messages.success(
                        request, _("The rule has been saved; it applies from the next recompute of the figures.")
                    )
                    return HttpResponseRedirect(reverse("enterprises:class-rules"))
    changes = selectors.class_changes_for(request.user)[:30]
    return render(
        request,
        "enterprises/class_rules.html",
        {"forms": forms_by_rule, "editable": editable, "changes": changes},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def my_enterprise(request, report_form=None, round_form=None, status: int = 200):
    """An enterprise account's own enterprise: its registration, its quarters' filing windows and
    where it stands with each, its operating data and financing, and the forms to file them."""
    if request.user.role != Role.ENTERPRISE:
        raise Http404
    last_year, last_quarter = selectors.last_ended_quarter()
    return render(
        request,
        "enterprises/mine.html",
        {
            "enterprise": selectors.own_enterprise(request.user),
            "filings": selectors.own_filings(request.user),
            "reports": selectors.own_reports(request.user)[:12],
            "rounds": selectors.own_financing_rounds(request.user),
            "report_form": report_form or forms.OwnReportForm(initial={"year": last_year, "quarter": last_quarter}),
            "round_form": round_form or forms.FinancingRoundForm(),
        },
        status=status,
    )


def _own_or_404(request):
    if request.user.role != Role.ENTERPRISE:
        raise Http404
    enterprise = selectors.own_enterprise(request.user)
    if enterprise is None:
        raise Http404
    return enterprise


@login_required
@require_POST
def my_report_file(request):
    """The enterprise files a quarter's operating data (a second filing of a quarter corrects it)."""
    enterprise = _own_or_404(request)
    form = forms.OwnReportForm(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        period = {"period_kind": PeriodKind.QUARTER, "year": data.pop("year"), "quarter": data.pop("quarter")}
        try:
            report = services.report_submit(actor=request.user, enterprise=enterprise, figures=data, **period)
        except DomainError as exc:
            refuse_on_form(form, exc)
        else:
            if report.version > 1:
                messages.success(
                    request,
                    _("%(period)s corrected: version %(v)s is now current and the earlier one is kept.")
                    % {"period": f"{report.year}Q{report.quarter}", "v": report.version},
                )
            else:
                messages.success(request, _("%(period)s filed.") % {"period": f"{report.year}Q{report.quarter}"})
            return HttpResponseRedirect(reverse("enterprises:mine"))
    return my_enterprise(request, report_form=form, status=400)


@login_required
@require_POST
def my_financing_add(request):
    """The enterprise records a financing round it has closed."""
    enterprise = _own_or_404(request)
    form = forms.FinancingRoundForm(request.POST)
    if form.is_valid():
        try:
            services.financing_round_add(actor=request.user, enterprise=enterprise, **form.cleaned_data)
        except DomainError as exc:
            refuse_on_form(form, exc)
        else:
            messages.success(request, _("The financing round has been recorded."))
            return HttpResponseRedirect(reverse("enterprises:mine"))
    return my_enterprise(request, round_form=form, status=400)


def _quarter_param(request) -> tuple[int, int]:
    year, quarter = selectors.last_ended_quarter()
    try:
        year = int(request.GET.get("year", year))
        quarter = int(request.GET.get("quarter", quarter))
    except ValueError:
        raise Http404 from None
    if quarter not in (1, 2, 3, 4) or not 2000 <= year <= clock.today().year:
        raise Http404
    return year, quarter


@login_required
def filing_board(request):
    """Who has filed a quarter, who is late, who is missing: the unit's enterprises for its officer,
    every unit's for the office and leadership. Queries: the counts by status (1), the page's
    count and rows (2), the filing window (1), besides the session's."""
    if not policies.can_see_filing_board(request.user):
        raise Http404
    year, quarter = _quarter_param(request)
    qs = selectors.quarter_filings(request.user, year, quarter)
    counts = selectors.filing_counts(qs)
    wanted = request.GET.get("status", "")
    if wanted in FilingStatus.values:
        qs = qs.filter(filing_status=wanted)
    page = paginate(request, qs.order_by("org_unit__code", "name").select_related("org_unit"))
    opens_on, closes_on = selectors.filing_window(year, quarter)
    periods = [selectors.last_ended_quarter()]
    while len(periods) < 8:
        periods.append(selectors.previous_quarter(*periods[-1]))
    return render(
        request,
        "enterprises/filing_board.html",
        {
            "year": year,
            "quarter": quarter,
            "opens_on": opens_on,
            "closes_on": closes_on,
            "counts": [(FilingStatus(code), counts[code]) for code in FilingStatus.values],
            "wanted": wanted,
            "page": page,
            "periods": periods,
            "window_form": forms.FilingWindowForm(
                initial={"year": year, "quarter": quarter, "opens_on": opens_on, "closes_on": closes_on}
            )
            if policies.can_set_filing_windows(request.user)
            else None,
        },
    )


@login_required
@require_POST
def filing_window_set(request):
    """The office sets a quarter's filing window."""
    if not policies.can_set_filing_windows(request.user):
        raise Http404
    form = forms.FilingWindowForm(request.POST)
    if form.is_valid():
        try:
            window = services.filing_window_set(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(
                request,
                _("The filing window of %(period)s is %(opens)s to %(closes)s.")
                % {"period": str(window), "opens": window.opens_on.isoformat(), "closes": window.closes_on.isoformat()},
            )
            return HttpResponseRedirect(reverse("enterprises:filing") + f"?year={window.year}&quarter={window.quarter}")
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return HttpResponseRedirect(reverse("enterprises:filing"))
