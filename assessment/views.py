"""Web pages: thin; parse, call one service or selector, render."""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy
from django.views.decorators.http import require_POST

from qinhuai_talent.core import access
from qinhuai_talent.core.actions import ask_first, confirm_many, post_action, workflow_action
from qinhuai_talent.core.audit import history_rows
from qinhuai_talent.core.errors import DomainError
from qinhuai_talent.core.lists import page_of
from qinhuai_talent.core.models import FIELD_UNIT_KINDS, OrgUnit, UnitKind
from qinhuai_talent.core.params import year_param
from qinhuai_talent.core.spreadsheets import CODE, COUNT, MONEY, NUMBER, Column, Sheet, export_response
from qinhuai_talent.core.workflow import transitions_of

from . import policies, selectors, services
from .charts import scorecard_svg
from .forms import (
    ActivityForm,
    GradeBandForm,
    IndicatorForm,
    ManualValueForm,
    PoolForm,
    ReasonForm,
    SchemeCopyForm,
    SchemeForm,
    TargetForm,
)
from .models import AssessmentState, Indicator
from .workflows import ASSESSMENT_WORKFLOW, POOL_WORKFLOW, SCHEME_WORKFLOW

TABLES = {
    "street": UnitKind.STREET,
    "park": UnitKind.PARK,
    "innovation_group": UnitKind.INNOVATION_GROUP,
    "overall": None,
}
PART_LABELS = {
    "total": pgettext_lazy("score", "Total"),
    "hard_total": gettext_lazy("Hard indicators"),
    "soft_total": gettext_lazy("Soft indicators"),
}


def _page(request, qs, per_page: int = 50):
    return page_of(request, qs, per_page)


def _year(request, years: list[int]) -> int:
    try:
        return int(request.GET.get("year") or (years[0] if years else 0))
    except ValueError:
        return years[0] if years else 0


def _league_args(request):
    years = selectors.assessment_years()
    year = _year(request, years)
    table = request.GET.get("table", "street")
    part = request.GET.get("part", "total")
    if table not in TABLES or part not in PART_LABELS:
        raise Http404
    return years, year, table, part


# --- League tables ------------------------------------------------------------------------------


@login_required
def league(request):
    years, year, table, part = _league_args(request)
    rows = selectors.league_for(request.user, year, TABLES[table], part)
    tables = [(key, UnitKind(kind).label if kind else _("Overall")) for key, kind in TABLES.items()]
    # The printable version: one table per unit kind, each under its kind's name (issue 17 item 11).
    printed = request.GET.get("print") == "1"
    by_kind = (
        [(label, selectors.league_for(request.user, year, TABLES[key], part)) for key, label in tables if TABLES[key]]
        if printed
        else []
    )
    return render(
        request,
        "assessment/league.html",
        {
            "rows": rows,
            "years": years,
            "year": year,
            "table": table,
            "tables": tables,
            "part": part,
            "parts": PART_LABELS.items(),
            "part_label": PART_LABELS[part],
            "print": printed,
            "by_kind": by_kind,
            "is_office": access.is_office(request.user),
            "can_open": {r.assessment_id for r in rows} if not access.is_unit_officer(request.user) else set(),
            "own_unit": request.user.org_unit_id,
        },
    )


@login_required
def league_export(request, fmt: str):
    if fmt not in ("csv", "xlsx"):
        raise Http404
    _years, year, table, part = _league_args(request)
    rows = selectors.league_for(request.user, year, TABLES[table], part)
    header = [
        Column(_("Position"), COUNT),
        _("Unit"),
        Column(_("Unit code"), CODE),
        Column(pgettext("score", "Total"), NUMBER),
        Column(_("Hard indicators"), NUMBER),
        Column(_("Soft indicators"), NUMBER),
        Column(_("Bonus points"), NUMBER),
        _("Vetoed"),
        pgettext("assessment", "Grade"),
        Column(_("Rank within the kind"), COUNT),
        Column(_("Last year's total"), NUMBER),
        Column(pgettext("year over year", "Change"), NUMBER),
        _("State"),
    ]
    data = [
        [
            r.position,
            r.org_unit.display_name,
            r.org_unit.code,
            r.total,
            r.hard_total,
            r.soft_total,
            r.bonus_total,
            _("Yes") if r.vetoed else _("No"),
            r.grade_label,
            r.rank,
            r.previous_total,
            r.change,
            AssessmentState(r.state).label,
        ]
        for r in rows
    ]
    return export_response(f"league-{year}-{table}-{part}", [Sheet(_("League tables"), header, data)], fmt)


# --- Assessments (scorecards) ---------------------------------------------------------------------


@login_required
def assessment_list(request):
    qs = selectors.assessments_for(request.user).order_by("-year", "org_unit__kind", "rank", "org_unit__code")
    state = request.GET.get("state", "")
    if state in AssessmentState.values:
        qs = qs.filter(state=state)
    year = request.GET.get("year", "")
    if year.isdigit():
        qs = qs.filter(year=int(year))
    return render(
        request,
        "assessment/assessment_list.html",
        {"page": _page(request, qs), "states": AssessmentState.choices, "state": state, "year": year},
    )


@login_required
def assessment_detail(request, pk: int):
    assessment = selectors.assessment_detail(request.user, pk)
    scores = list(assessment.scores.all())
    last_year = selectors.last_year_scores(assessment)
    rows = [(s, last_year.get(s.indicator.key)) for s in scores]
    user = request.user
    return render(
        request,
        "assessment/assessment_detail.html",
        {
            "assessment": assessment,
            "rows": rows,
            "chart": scorecard_svg(assessment, scores, last_year) if scores else "",
            "actions": ASSESSMENT_WORKFLOW.available(assessment, user),
            "reason_form": ReasonForm(),
            "manual_form": ManualValueForm(),
            "can_enter": not assessment.is_frozen and policies.can_enter_manual_value(user, assessment.org_unit_id),
            "transitions": transitions_of(assessment),
            "history": history_rows(assessment) if access.can_see_history(user) else None,
        },
    )


@workflow_action(ASSESSMENT_WORKFLOW)
@login_required
@require_POST
def assessment_action(request, pk: int, action: str):
    reason = request.POST.get("reason", "")
    handlers = {
        "confirm": lambda a: services.assessment_confirm(assessment_id=a.pk, actor=request.user, comment=reason),
        "object": lambda a: services.assessment_object(assessment_id=a.pk, actor=request.user, reason=reason),
        "reopen": lambda a: services.assessment_reopen(assessment_id=a.pk, actor=request.user, reason=reason),
        "publish": lambda a: services.assessment_publish(assessment_id=a.pk, actor=request.user, reason=reason),
        "publish_unconfirmed": lambda a: services.assessment_publish(
            assessment_id=a.pk, actor=request.user, reason=reason
        ),
    }
    if action not in handlers:
        raise Http404
    return post_action(
        request,
        selectors.assessments_for(request.user),
        pk,
        service=handlers[action],
        redirect=_detail,
        done=lambda a: _("%(unit)s %(year)s: done.") % {"unit": a.org_unit, "year": a.year},
    )


def _detail(assessment) -> str:
    return reverse("assessment:assessment-detail", args=[assessment.pk])


@login_required
@require_POST
def manual_value(request, pk: int, indicator_id: int):
    assessment = access.get_or_404(selectors.assessments_for(request.user), pk=pk)
    return post_action(
        request,
        Indicator.objects.filter(scheme=assessment.scheme_id),
        indicator_id,
        form=ManualValueForm,
        service=lambda indicator, value, evidence: services.manual_value_set(
            indicator=indicator, org_unit=assessment.org_unit, value=value, evidence=evidence, actor=request.user
        ),
        redirect=_detail(assessment),
        done=_("The figure has been saved and the scorecard recomputed."),
    )


@login_required
def evidence(request, pk: int, indicator_id: int):
    assessment = selectors.assessment_detail(request.user, pk)
    score = next((s for s in assessment.scores.all() if s.indicator_id == indicator_id), None)
    if score is None:
        raise Http404
    records = selectors.evidence_records(assessment, score)
    page = _page(request, records) if records is not None else None
    return render(
        request,
        "assessment/evidence.html",
        {"assessment": assessment, "score": score, "page": page},
    )


@login_required
@require_POST
def publish_confirmed(request):
    url = reverse("assessment:league")
    try:
        year = int(request.POST.get("year", ""))
    except ValueError:
        messages.error(request, _("Choose a year."))
        return HttpResponseRedirect(url)
    unit_kind = request.POST.get("unit_kind") or None
    if policies.can_configure(request.user):
        # A publication: asked once, listing every assessment it publishes.
        listed = services.confirmed_to_publish(year=year, unit_kind=unit_kind)
        asked = confirm_many(request, ASSESSMENT_WORKFLOW, ASSESSMENT_WORKFLOW.get("publish"), listed, url)
        if asked is not None:
            return asked
    return post_action(
        request,
        None,
        None,
        service=lambda: services.assessments_publish_confirmed(year=year, unit_kind=unit_kind, actor=request.user),
        redirect=url,
        then=lambda count: f"{url}?year={year}",
        done=lambda count: _("%(count)s assessment(s) published.") % {"count": count},
    )


# --- Schemes ----------------------------------------------------------------------------------------


@login_required
def scheme_list(request):
    user = request.user
    office = policies.can_configure(user)
    create_form, copy_form = SchemeForm(), SchemeCopyForm()
    if request.method == "POST":
        if not office:
            raise Http404
        try:
            if request.POST.get("form") == "copy":
                copy_form = SchemeCopyForm(request.POST)
                if copy_form.is_valid():
                    scheme = services.scheme_copy(actor=user, **copy_form.cleaned_data)
                    messages.success(request, _("The scheme has been copied; check it and activate it."))
                    return HttpResponseRedirect(reverse("assessment:scheme-detail", args=[scheme.pk]))
            else:
                create_form = SchemeForm(request.POST)
                if create_form.is_valid():
                    scheme = services.scheme_create(actor=user, **create_form.cleaned_data)
                    return HttpResponseRedirect(reverse("assessment:scheme-detail", args=[scheme.pk]))
        except DomainError as exc:
            messages.error(request, str(exc.message))
    return render(
        request,
        "assessment/scheme_list.html",
        {
            "page": _page(request, selectors.schemes_visible()),
            "office": office,
            "create_form": create_form,
            "copy_form": copy_form,
        },
    )


@workflow_action(
    SCHEME_WORKFLOW, field="form", others={"band": "saves a grade band", "indicator": "saves an indicator"}
)
@login_required
def scheme_detail(request, pk: int):
    scheme = selectors.scheme_detail(pk)
    user = request.user
    office = policies.can_configure(user)
    indicator_form, band_form = IndicatorForm(), GradeBandForm()
    if request.method == "POST":
        if not office:
            raise Http404
        url = reverse("assessment:scheme-detail", args=[pk])
        form_name = request.POST.get("form")
        if form_name in ("activate", "close"):
            asked = ask_first(request, scheme, SCHEME_WORKFLOW.get(form_name), url)
            if asked is not None:
                return asked
        try:
            if form_name == "activate":
                services.scheme_activate(scheme=scheme, actor=user)
                messages.success(request, _("The scheme is active."))
                return HttpResponseRedirect(url)
            if form_name == "close":
                services.scheme_close(scheme=scheme, actor=user)
                messages.success(request, _("The scheme is closed."))
                return HttpResponseRedirect(url)
            if form_name == "band":
                band_form = GradeBandForm(request.POST)
                if band_form.is_valid():
                    try:
                        services.grade_band_save(scheme=scheme, actor=user, **band_form.cleaned_data)
                    except DomainError as exc:
                        if exc.field not in band_form.fields:
                            raise
                        band_form.add_error(exc.field, str(exc.message))  # shown at the field, kept typed
                    else:
                        return HttpResponseRedirect(url)
            else:
                indicator_form = IndicatorForm(request.POST)
                if indicator_form.is_valid():
                    data = services.IndicatorData(**indicator_form.cleaned_data)
                    existing = scheme.indicators.filter(key=data.key).first()
                    services.indicator_save(scheme=scheme, data=data, actor=user, indicator=existing)
                    return HttpResponseRedirect(url)
        except DomainError as exc:
            messages.error(request, str(exc.message))
    indicators = list(scheme.indicators.all())
    return render(
        request,
        "assessment/scheme_detail.html",
        {
            "scheme": scheme,
            "indicators": indicators,
            "bands": scheme.grade_bands.all(),
            "base_sum": services.base_weight_sum(indicators),
            "office": office,
            "indicator_form": indicator_form,
            "band_form": band_form,
            "transitions": transitions_of(scheme),
        },
    )


# --- Targets and activities -----------------------------------------------------------------------


@login_required
def target_list(request):
    user = request.user
    years = selectors.assessment_years()
    year = _year(request, years)
    office = policies.can_configure(user)
    form = TargetForm(year=year, user=user)
    if request.method == "POST":
        if not office:
            raise Http404
        form = TargetForm(request.POST, year=year, user=user)
        if form.is_valid():
            try:
                services.target_set(actor=user, **form.cleaned_data)
            except DomainError as exc:
                messages.error(request, str(exc.message))
            else:
                messages.success(request, _("The target has been set."))
                return HttpResponseRedirect(f"{reverse('assessment:target-list')}?year={year}")
    qs = selectors.targets_for(user).filter(indicator__scheme__year=year)
    unit = request.GET.get("unit", "")
    if unit:
        qs = qs.filter(org_unit__code=unit)
    units = OrgUnit.objects.filter(kind__in=FIELD_UNIT_KINDS)
    units = access.scope_units(units, user, "pk") if access.unit_scope(user) is not None else units
    return render(
        request,
        "assessment/target_list.html",
        {
            "page": _page(request, qs, 100),
            "years": years,
            "year": year,
            "form": form,
            "office": office,
            "units": units,
            "unit": unit,
        },
    )


@login_required
def activity_list(request):
    user = request.user
    can_add = access.is_office(user) or access.is_unit_officer(user)
    form = ActivityForm(user=user)
    if request.method == "POST":
        if not can_add:
            raise Http404
        form = ActivityForm(request.POST, user=user)
        if form.is_valid():
            try:
                services.activity_record(actor=user, **form.cleaned_data)
            except DomainError as exc:
                messages.error(request, str(exc.message))
            else:
                messages.success(request, _("The activity has been recorded."))
                return HttpResponseRedirect(reverse("assessment:activity-list"))
    qs = selectors.activities_for(user)
    status = 200
    try:
        year = year_param(request.GET.get("year"))
    except DomainError as exc:
        messages.error(request, str(exc.message))
        year, status = None, 400
    if year is not None:
        qs = qs.filter(held_on__year=year)
    return render(
        request,
        "assessment/activity_list.html",
        {"page": _page(request, qs), "form": form, "can_add": can_add, "year": year or ""},
        status=status,
    )


# --- Work funds -----------------------------------------------------------------------------------


@login_required
def pool_list(request):
    user = request.user
    pools = selectors.pools_for(user)
    if access.unit_scope(user) is not None:
        raise Http404
    office = policies.can_configure(user)
    form = PoolForm()
    if request.method == "POST":
        if not office:
            raise Http404
        form = PoolForm(request.POST)
        if form.is_valid():
            try:
                pool = services.work_fund_pool_create(actor=user, **form.cleaned_data)
            except DomainError as exc:
                messages.error(request, str(exc.message))
            else:
                return HttpResponseRedirect(reverse("assessment:pool-detail", args=[pool.pk]))
    return render(request, "assessment/pool_list.html", {"page": _page(request, pools), "form": form, "office": office})


@workflow_action(POOL_WORKFLOW, action="split")
@login_required
def pool_detail(request, pk: int):
    pool = access.get_or_404(selectors.pools_for(request.user), pk=pk)
    if request.method == "POST":
        if not policies.can_configure(request.user):
            raise Http404
        return post_action(
            request,
            selectors.pools_for(request.user),
            pk,
            service=lambda pool: services.work_fund_split(pool=pool, actor=request.user),
            redirect=reverse("assessment:pool-detail", args=[pk]),
            done=_("The pool has been split by the published results."),
        )
    shares = list(selectors.shares_of(pool))
    return render(
        request,
        "assessment/pool_detail.html",
        {
            "pool": pool,
            "shares": shares,
            "shared": sum((s.amount for s in shares), Decimal("0")),
            "office": policies.can_configure(request.user),
            # Why the pool cannot be split now (the workflow's condition), instead of a button.
            "split_refusal": POOL_WORKFLOW.refusal(pool, request.user, "split"),
        },
    )


@login_required
def pool_export(request, pk: int, fmt: str):
    if fmt not in ("csv", "xlsx"):
        raise Http404
    pool = access.get_or_404(selectors.pools_for(request.user), pk=pk)
    header = [
        _("Unit"),
        Column(_("Unit code"), CODE),
        Column(pgettext("score", "Total"), NUMBER),
        pgettext("assessment", "Grade"),
        Column(_("Split weight"), NUMBER),
        Column(_("Amount (yuan)"), MONEY),
        _("Explanation"),
    ]
    rows = [
        [s.org_unit.display_name, s.org_unit.code, s.total, s.assessment.grade_label, s.weight, s.amount, s.explanation]
        for s in selectors.shares_of(pool)
    ]
    return export_response(f"work-funds-{pool.year}-{pool.pk}", [Sheet(_("Work funds"), header, rows)], fmt)
