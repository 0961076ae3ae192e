from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from knox.models import AuthToken

from qinhuai_talent.core import spreadsheets
from qinhuai_talent.core.access import can_see_history, get_or_404, unit_scope
from qinhuai_talent.core.actions import refuse_on_form
from qinhuai_talent.core.audit import history_rows
from qinhuai_talent.core.errors import DomainError
from qinhuai_talent.core.i18n import in_reader_language, reads_chinese
from qinhuai_talent.core.lists import page_of
from qinhuai_talent.core.models import OrgUnit, Role, User
from qinhuai_talent.core.views import paginate
from talents.models import Level, Origin
from talents.workflows import ACTIVE_STATES

from . import charts, search, services
from .exports import summary_sections
from .forms import DashboardFilterForm, ReportClientForm
from .links import page_url, records_url
from .pages import PER_PAGE, REPORTS, Report
from .policies import can_manage_report_clients, can_see_dashboard
from .selectors import parse_year, report_scope, summary

# The token just issued, kept in the session only until the next page shows it once.
TOKEN_SESSION_KEY = "reports.new_token"


def _name_keys() -> tuple[str, str]:
    zh = reads_chinese()
    return ("program_name", "unit_name") if zh else ("program_name_en", "unit_name_en")


def _dashboard_inputs(request):
    """The year and scope asked for; bad input is a 400 with the form's messages."""
    form = DashboardFilterForm(request.GET or None)
    scoped = unit_scope(request.user)
    if scoped is not None:
        form.fields["org_unit"].queryset = form.fields["org_unit"].queryset.filter(pk__in=scoped)
    if request.GET and not form.is_valid():
        return form, None, None
    data = form.cleaned_data if request.GET else {}
    year = parse_year(str(data["year"]) if data.get("year") else None)
    if not form.is_bound:
        form.initial["year"] = year  # the year shown, not a blank field
    unit = data.get("org_unit")
    return form, year, report_scope(request.user, unit.code if unit else None)


@login_required
def dashboard(request):
    if not can_see_dashboard(request.user):
        raise Http404
    form, year, scope = _dashboard_inputs(request)
    if scope is None:
        return render(request, "reports/dashboard.html", {"form": form, "invalid": True}, status=400)
    data = summary(scope=scope, year=year)
    program_key, unit_key = _name_keys()
    unit = scope.unit.code if scope.unit else None
    fmt = request.GET.get("export")
    if fmt in ("csv", "xlsx"):
        return _export(data, fmt, year, unit)
    for row in data["titles"]:
        row["url"] = records_url("titles", program=row["program"], origin=row["origin"], year=year, org_unit=unit)
        row["name"] = row[program_key]
        row["level_label"] = Level(row["level"]).label
        row["origin_label"] = Origin(row["origin"]).label
    for row in data["pipeline"]:
        row["url"] = records_url("applications", program=row["program"], year=year, org_unit=unit)
        row["active_url"] = records_url(
            "applications", program=row["program"], year=year, state=list(ACTIVE_STATES), org_unit=unit
        )
        row["name"] = row[program_key]
    for row in data["assessment"]:
        row["name"] = row[unit_key]
        row["grade"] = in_reader_language(row["grade_band"], row["grade_band_en"])
        row["url"] = records_url("assessments", year=year, org_unit=row["org_unit"])
    report_nav = _report_nav(request.user, year, unit)
    by_level = {lv: 0 for lv in Level.values}
    for row in data["titles"]:
        by_level[row["level"]] += row["count"]
    context = {
        "form": form,
        "year": year,
        "scope_unit": scope.unit,
        "own_unit": request.user.org_unit if request.user.role in (Role.STREET, Role.PARK) else None,
        "data": data,
        "titles_by_level": [
            (Level(lv).label, n, records_url("titles", level=lv, year=year, org_unit=unit))
            for lv, n in by_level.items()
        ],
        "titles_total": sum(by_level.values()),
        "links": {
            "titles": records_url("titles", year=year, org_unit=unit),
            "enterprises": records_url("enterprises", status="active", org_unit=unit),
            "revenue_10m": records_url("enterprises", revenue_tier=["10m", "50m"], org_unit=unit),
            "revenue_50m": records_url("enterprises", revenue_tier=["50m"], org_unit=unit),
            "neeq": records_url("enterprises", listing="neeq", org_unit=unit),
            "maker_spaces": records_url("maker_spaces", space_level="municipal", org_unit=unit),
            "agreements": records_url("agreements", year=year, org_unit=unit),
            "paid": records_url("ledger", kind=["payment", "reversal"], year=year, org_unit=unit),
            "eligible": records_url("tranches", tranche_state=["eligible"], year=year, org_unit=unit),
            "held": records_url("tranches", tranche_state=["held"], year=year, org_unit=unit),
            "recovered": records_url("ledger", kind=["recovery"], year=year, org_unit=unit),
            "exit_flags": records_url("exit_flags", flag_state="open", org_unit=unit),
            "exit_cases": records_url("exit_cases", org_unit=unit),
            "exits": records_url("exit_cases", case_state="exited", org_unit=unit),
            "case_recoveries": records_url("exit_cases", org_unit=unit),
            "service_requests": records_url("service_requests", year=year, org_unit=unit),
            "service_requests_closed": records_url("service_requests", state=["closed"], year=year, org_unit=unit),
            "platform_financing": records_url("platform_financing", year=year, org_unit=unit),
            "first_purchases": records_url("first_purchases", year=year, org_unit=unit),
        },
        "report_nav": report_nav,
        "report_links": {key: (title, url) for key, title, url in report_nav},
        "charts": {
            "titles": charts.titles_chart(data["titles"], year, unit, program_key),
            "pipeline": charts.pipeline_funnel(data["pipeline"], year, unit),
            "enterprises": charts.enterprise_chart(data["enterprises"], unit),
            "funds": charts.funds_chart(data["funding"]["quarters"], year, unit),
            "exits": charts.exit_chart(data["exits"], unit),
            "league": charts.league_chart(data["assessment"], year, unit_key),
        },
        "print": request.GET.get("print") == "1",
        "export_query": request.GET.copy(),
    }
    return render(request, "reports/dashboard.html", context)


def _export(data: dict, fmt: str, year: int, unit: str | None) -> HttpResponse:
    heading = _("Qinhuai District talent work: summary %(year)s (%(scope)s)") % {
        "year": year,
        "scope": unit or _("district"),
    }
    name = f"qinhuai-summary-{year}{'-' + unit if unit else ''}"
    return spreadsheets.export_response(name, summary_sections(data), fmt, heading)


def _require_client_manager(request) -> None:
    if not can_manage_report_clients(request.user):
        raise Http404


def _clients():
    return (
        User.objects.filter(role=Role.API_CLIENT)
        .prefetch_related(Prefetch("granted_units", queryset=OrgUnit.objects.order_by("kind", "code")))
        .annotate(token_count=Count("auth_token_set", distinct=True))
        .order_by("-is_active", "username")
    )


@login_required
def client_list(request):
    _require_client_manager(request)
    return render(request, "reports/client_list.html", {"page": paginate(request, _clients())})


@login_required
def client_create(request):
    _require_client_manager(request)
    form = ReportClientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            client, token = services.report_client_create(
                actor=request.user,
                username=form.cleaned_data["username"],
                name=form.cleaned_data["name"],
                grants_all_units=form.cleaned_data["grants_all_units"],
                units=list(form.cleaned_data["units"]),
            )
        except DomainError as exc:
            refuse_on_form(form, exc)
        else:
            request.session[TOKEN_SESSION_KEY] = {"client": client.pk, "token": token}
            messages.success(request, _("The report client has been issued."))
            return HttpResponseRedirect(reverse("reports:client-detail", args=[client.pk]))
    status = 400 if request.method == "POST" else 200
    return render(request, "reports/client_form.html", {"form": form}, status=status)


@login_required
def client_detail(request, pk: int):
    _require_client_manager(request)
    client = get_or_404(_clients(), pk=pk)
    new_token = request.session.pop(TOKEN_SESSION_KEY, None)
    if new_token and new_token.get("client") != client.pk:
        new_token = None
    context = {
        "client": client,
        "tokens": AuthToken.objects.filter(user=client).order_by("-created"),
        "new_token": new_token["token"] if new_token else None,
        "history": history_rows(client) if can_see_history(request.user) else None,
        "summary_url": reverse("reports-summary"),
    }
    return render(request, "reports/client_detail.html", context)


@login_required
@require_POST
def client_issue_token(request, pk: int):
    _require_client_manager(request)
    client = get_or_404(_clients(), pk=pk)
    try:
        token, _expiry = services.report_client_issue_token(actor=request.user, client_id=client.pk)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        request.session[TOKEN_SESSION_KEY] = {"client": client.pk, "token": token}
        messages.success(request, _("A new token has been issued."))
    return HttpResponseRedirect(reverse("reports:client-detail", args=[client.pk]))


@login_required
@require_POST
def client_revoke(request, pk: int):
    _require_client_manager(request)
    client = get_or_404(_clients(), pk=pk)
    ended = services.report_client_revoke(actor=request.user, client_id=client.pk)
    messages.success(request, _("The report client has been revoked; %(n)s token(s) ended.") % {"n": ended})
    return HttpResponseRedirect(reverse("reports:client-detail", args=[client.pk]))


def _report_nav(user, year: int | None, unit: str | None) -> list[tuple[str, object, str]]:
    """The report pages this user reads, each for the same year and unit."""
    return [
        (key, cls.title, page_url(f"reports:{key}", year=year, org_unit=unit))
        for key, cls in REPORTS.items()
        if cls.readable_by(user)
    ]


def _year_asked(request) -> int | None:
    try:
        return parse_year(request.GET["year"]) if request.GET.get("year") else None
    except DomainError:
        return None


@login_required
def report_page(request, area: str):
    """One area's report: the filters, the grouped figures, the records they count, and the
    same as CSV or XLSX (``?export=csv|xlsx``). Bad filters are a 400 with the form's messages."""
    report_class = REPORTS[area]
    user = request.user
    if not report_class.readable_by(user):
        raise Http404
    form = report_class.form_class(request.GET, user=user)
    fmt = request.GET.get("export", "")
    valid = form.is_valid()
    if fmt and fmt not in spreadsheets.FORMATS:
        form.add_error(None, _("Export as csv or xlsx."))
        valid = False
    context = {"form": form, "report_class": report_class, "area": area}
    if not valid:
        context["report_nav"] = _report_nav(user, None, None)
        return render(request, "reports/report_page.html", {**context, "invalid": True}, status=400)
    unit = form.cleaned_data.get("org_unit")
    scope = report_scope(user, unit.code if unit else None)
    report = report_class(user=user, scope=scope, data=form.cleaned_data)
    scope_label = scope.unit.display_name if scope.unit else (user.org_unit if form.own_unit else _("Whole district"))
    if fmt:
        return _report_export(report, fmt, str(scope_label))
    # A page without a year (enterprises are cumulative) passes on the year it was opened for.
    year = report.year or _year_asked(request)
    unit_code = scope.unit.code if scope.unit else None
    records = report.records()
    page = page_of(request, records.items, PER_PAGE)
    context.update(
        {
            "report": report,
            "scope_label": scope_label,
            "figures": report.figures(),
            "tables": report.tables(),
            "records": records.table(page),
            "page": page,
            "report_nav": _report_nav(user, year, unit_code),
            "dashboard_url": page_url("reports:dashboard", year=year, org_unit=unit_code)
            if can_see_dashboard(user)
            else None,
        }
    )
    return render(request, "reports/report_page.html", context)


def _report_export(report: Report, fmt: str, scope_label: str) -> HttpResponse:
    heading = _("Qinhuai District talent work: %(report)s, %(period)s (%(scope)s)") % {
        "report": report.title,
        "period": report.period_label(),
        "scope": scope_label,
    }
    unit = report.scope.unit.code if report.scope.unit else None
    parts = ["qinhuai", report.key, str(report.year) if report.year else "", unit or ""]
    return spreadsheets.export_response("-".join(p for p in parts if p), report.sections(), fmt, heading)


@login_required
def search_page(request):
    """The header's search box: what the user's lists hold, matching the query, by kind."""
    if not search.can_search(request.user):
        raise Http404
    query = request.GET.get("q", "")
    results = search.search(request.user, query) if query.strip() else None
    return render(request, "reports/search.html", {"results": results})
