"""Web pages of the talents app: thin; selectors read, services write, policies decide."""

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, F, Q
from django.http import FileResponse, Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qinhuai_talent.core import access, spreadsheets
from qinhuai_talent.core.actions import post_action, refuse_on_form, workflow_action
from qinhuai_talent.core.audit import history_rows
from qinhuai_talent.core.bulk import MAX_CHOSEN, chosen_ids, queue_view, serves
from qinhuai_talent.core.errors import DomainError
from qinhuai_talent.core.masking import mask_id_number, mask_phone
from qinhuai_talent.core.models import FIELD_UNIT_KINDS, OrgUnit, Role
from qinhuai_talent.core.spreadsheets import DATE, Column, Sheet
from qinhuai_talent.core.views import paginate

from . import forms, policies, selectors, services, support
from .models import Application, ApplicationState, DocumentKind, Education, ExpertDisclosure, Program, ReviewAssignment
from .queues import DECISION_QUEUE, PRELIMINARY_QUEUE
from .workflows import APPLICATION_WORKFLOW, CALL_WORKFLOW, OBJECTION_WORKFLOW, STAGES

APPLICATION_SORTS = {
    # The score as the reader may see it (blind review: an expert's hidden scores sort nothing).
    "score": [F("shown_score").desc(nulls_last=True), "id"],
    "fit": ["-industry_fit", "id"],
    "submitted": ["-submitted_at", "-id"],
    "name": ["talent__name", "id"],
}
TALENT_SORTS = {"name": ["name", "id"], "-name": ["-name", "-id"], "titles": ["-title_count", "name", "id"]}


def _back(app) -> str:
    """The application's page (``app``: the application or its id)."""
    return reverse("talents:application-detail", args=[getattr(app, "pk", app)])


def _board(call) -> str:
    return reverse("talents:call-board", args=[call.pk])


def _own_assignments(request):
    """The person's own review assignments on applications in their scope."""
    return ReviewAssignment.objects.filter(
        expert=request.user, application__in=policies.applications_for(request.user).values("pk")
    ).select_related("application__call")


# ---------------------------------------------------------------- calls and the pipeline board


@login_required
def call_list(request):
    if request.user.role == Role.FINANCE:
        raise Http404
    in_scope = selectors.counted_applications(policies.applications_for(request.user))
    calls = selectors.calls_for(request.user).annotate(
        in_scope=Count("applications", filter=Q(applications__in=in_scope.values("pk")))
    )
    return render(
        request,
        "talents/call_list.html",
        {
            "page": paginate(request, calls),
            "can_manage": policies.can_manage_calls(request.user),
            "can_apply": access.is_office(request.user) or access.is_unit_officer(request.user),
        },
    )


@login_required
def call_create(request):
    if not policies.can_manage_calls(request.user):
        raise Http404
    form = forms.CallForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            call = services.call_create(
                actor=request.user,
                program=d["program"],
                year=d["year"],
                title=d["title"],
                opens_on=d["opens_on"],
                closes_on=d["closes_on"],
                quota=d["quota"],
                focus_industries=list(d["focus_industries"]),
                eligibility=form.eligibility(),
                required_documents=d["required_documents"],
                min_reviews=d["min_reviews"],
                notice_days=d["notice_days"],
                expert_disclosure=d["expert_disclosure"] or ExpertDisclosure.NOTHING,
                criteria=d["rubric"],
            )
        except DomainError as exc:
            refuse_on_form(form, exc)
        else:
            messages.success(request, _("The call has been created; publish it when it is ready."))
            return HttpResponseRedirect(reverse("talents:call-board", args=[call.pk]))
    return render(
        request, "talents/form.html", {"form": form, "heading": _("New call")}, status=400 if form.errors else 200
    )


@workflow_action(CALL_WORKFLOW)
@login_required
@require_POST
def call_action(request, pk: int):
    return post_action(
        request,
        selectors.calls_for(request.user),
        pk,
        service=lambda call: services.call_transition(
            call_id=call.pk, action=request.POST.get("action", ""), actor=request.user
        ),
        redirect=_board,
    )


@login_required
@require_POST
def call_quota(request, pk: int):
    if not policies.can_manage_calls(request.user):
        raise Http404
    return post_action(
        request,
        selectors.calls_for(request.user),
        pk,
        form=forms.QuotaForm,
        service=lambda call, **data: services.call_change_quota(call_id=call.pk, actor=request.user, **data),
        redirect=_board,
        done=_("The quota has been changed."),
    )


def _notice_rows(user, call):
    """The people of a call whose public notice (公示) has begun, as the notice lists them."""
    return (
        selectors.applications_list(user)
        .filter(call=call, notice_starts_on__isnull=False)
        .order_by("notice_starts_on", "org_unit__code", "talent__name", "id")
    )


@login_required
def call_public_notice(request, pk: int, fmt: str = ""):
    """A call's 公示名单: everyone whose public notice has begun, with the notice period and how to
    object, as a page formatted as a notice (printable) and as XLSX or CSV (``fmt``)."""
    if request.user.role == Role.FINANCE:
        raise Http404
    call = access.get_or_404(selectors.calls_for(request.user), pk=pk)
    if fmt and fmt not in spreadsheets.FORMATS:
        raise Http404
    rows = list(_notice_rows(request.user, call))
    periods = sorted({(a.notice_starts_on, a.notice_ends_on) for a in rows})
    if fmt:
        columns = [
            Column(_("No.")),
            Column(_("Name")),
            Column(_("Hosting unit")),
            Column(_("Program")),
            Column(_("Venture")),
            Column(_("Public notice starts"), DATE),
            Column(_("Public notice ends"), DATE),
        ]
        sheet = Sheet(
            _("Public notice"),
            columns,
            (
                [
                    n,
                    a.talent.name,
                    str(a.org_unit),
                    str(call.program),
                    a.venture_name,
                    a.notice_starts_on,
                    a.notice_ends_on,
                ]
                for n, a in enumerate(rows, start=1)
            ),
        )
        heading = _("Public notice of the candidates of %(call)s") % {"call": call.title}
        return spreadsheets.export_response(f"public-notice-{call.year}-{call.program.code}", [sheet], fmt, heading)
    return render(request, "talents/public_notice.html", {"call": call, "rows": rows, "periods": periods})


@login_required
def call_board(request, pk: int):
    """The call's pipeline: counts per stage (the officer's own unit only) and the ranked list."""
    if request.user.role == Role.FINANCE:
        raise Http404
    call = access.get_or_404(selectors.calls_for(request.user).prefetch_related("criteria"), pk=pk)
    counts = selectors.board_counts(request.user, call)
    stage = request.GET.get("stage", "")
    sort = request.GET.get("sort", "score")
    qs = selectors.with_rank(selectors.applications_list(request.user).filter(call=call), request.user)
    if stage in ApplicationState.values:
        qs = qs.filter(state=stage)
    qs = qs.order_by(*APPLICATION_SORTS.get(sort, APPLICATION_SORTS["score"]))
    stages = [(s, ApplicationState(s).label, counts[s]) for s in STAGES]
    return render(
        request,
        "talents/call_board.html",
        {
            "call": call,
            "stages": stages,
            "stage": stage,
            "sort": sort,
            "page": paginate(request, qs),
            "call_actions": CALL_WORKFLOW.available(call, request.user),
            "total": sum(counts.values()),
            "places_taken": services.places_taken(call),
            "quota_form": forms.QuotaForm(initial={"quota": call.quota})
            if policies.can_manage_calls(request.user)
            else None,
            "history": history_rows(call) if access.can_see_history(request.user) else None,
        },
    )


# ---------------------------------------------------------------- applications


@login_required
def application_list(request):
    """Every application in the user's scope across calls and years, filtered by state, year,
    program, unit and name: the list each application card of the home page opens."""
    user = request.user
    if user.role in (Role.FINANCE, Role.EXPERT):
        raise Http404
    qs = selectors.applications_list(user)
    state = request.GET.get("state", "")
    if state in ApplicationState.values:
        qs = qs.filter(state=state)
    year = request.GET.get("year", "")
    if year.isdigit():
        qs = qs.filter(call__year=int(year))
    program = request.GET.get("program", "")
    if program:
        qs = qs.filter(call__program__code=program)
    unit = request.GET.get("unit", "")
    if unit:
        qs = qs.filter(org_unit__code=unit)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(talent__name__icontains=q) | Q(venture_name__icontains=q))
    sort = request.GET.get("sort", "submitted")
    qs = qs.order_by(*APPLICATION_SORTS.get(sort, APPLICATION_SORTS["submitted"]))
    units = OrgUnit.objects.filter(kind__in=FIELD_UNIT_KINDS)
    if access.unit_scope(user) is not None:
        units = units.filter(pk__in=access.unit_scope(user))
    return render(
        request,
        "talents/application_list.html",
        {
            "page": paginate(request, qs),
            "state": state,
            "year": year,
            "program": program,
            "unit": unit,
            "q": q,
            "sort": sort,
            "states": ApplicationState.choices,
            "years": selectors.calls_for(user).order_by("-year").values_list("year", flat=True).distinct(),
            "programs": Program.objects.order_by("level", "code"),
            "units": units,
        },
    )


LOOKUP_LIMIT = 20


@login_required
def talent_lookup(request):
    """The applicant field's search as you type: up to 20 talents whose name contains ``q``, from
    exactly the talents the new-application form offers this person (another unit's never), as
    JSON ``{"results": [{"id", "name", "unit"}], "more": bool}``."""
    if not (access.is_office(request.user) or access.is_unit_officer(request.user)):
        raise Http404
    q = request.GET.get("q", "").strip()[:50]
    rows = []
    if q:
        qs = policies.talents_for(request.user).filter(name__icontains=q).select_related("org_unit")
        rows = list(qs.order_by("name", "pk")[: LOOKUP_LIMIT + 1])
    results = [{"id": t.pk, "name": str(t), "unit": str(t.org_unit) if t.org_unit_id else ""} for t in rows]
    return JsonResponse({"results": results[:LOOKUP_LIMIT], "more": len(results) > LOOKUP_LIMIT})


@login_required
def application_create(request):
    if not (access.is_office(request.user) or access.is_unit_officer(request.user)):
        raise Http404
    talents = policies.talents_for(request.user).order_by("name")
    form = forms.ApplicationForm(request.POST or None, talents=talents, user=request.user)
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        try:
            app = services.application_create(
                actor=request.user, talent=d.pop("talent"), call=d.pop("call"), industry=d.pop("industry"), **d
            )
        except DomainError as exc:
            refuse_on_form(form, exc)
        else:
            messages.success(request, _("The application has been saved as a draft; add its documents, then submit."))
            return HttpResponseRedirect(_back(app))
    return render(
        request,
        "talents/form.html",
        {"form": form, "heading": _("New application")},
        status=400 if form.errors else 200,
    )


@login_required
def application_detail(request, pk: int):
    user = request.user
    app = access.get_or_404(selectors.application_detail(user), pk=pk)
    criteria = list(app.call.criteria.all())
    view = selectors.review_view(user, app)
    assignments = selectors.visible_assignments(user, app, view)
    mine = next((a for a in assignments if a.expert_id == user.pk), None)
    score_form = None
    if (
        mine
        and mine.submitted_at is None
        and not mine.conflict_declared
        and app.state == ApplicationState.EXPERT_REVIEW
    ):
        score_form = forms.score_form_class(criteria)()
    can_see_id = policies.can_see_id_number(user, app.talent)
    can_assign = (
        access.can_write(user)
        and policies.can_assign_experts(user, app)
        and app.state == ApplicationState.EXPERT_REVIEW
    )
    context = {
        "app": app,
        "id_number": app.talent.id_number if can_see_id else mask_id_number(app.talent.id_number),
        "criteria": criteria,
        "assignments": assignments,
        "mine": mine,
        "score_form": score_form,
        "conflict_form": forms.ConflictForm() if score_form else None,
        "actions": APPLICATION_WORKFLOW.available(app, user) if access.can_write(user) else [],
        "action_form": forms.ActionForm(),
        "attachments": app.attachments.select_related("uploaded_by"),
        "objections": app.objections.select_related("recorded_by", "resolved_by"),
        "transitions": selectors.visible_transitions(user, app, view),
        "rank": selectors.rank_in_call(app, view),
        "review_view": view,
        "eligibility": services.eligibility_problems(app) if app.state in ("draft", "returned") else [],
        "missing_documents": services.missing_documents(app) if app.state in ("draft", "returned") else [],
        "double_funding": support.find(support.for_application(app))
        if policies.is_office(user) and app.state in (ApplicationState.PUBLIC_NOTICE, ApplicationState.RECOMMENDED)
        else None,
        "can_upload": policies.is_unit_side(user, app) and app.state in ("draft", "returned"),
        "can_edit": policies.can_edit_application(user, app),
        "attachment_form": forms.AttachmentForm(),
        "can_assign": can_assign,
        "next_review": selectors.next_review(user, app) if mine else None,
        "experts": _picker(app, assignments) if can_assign else [],
        "can_vote": app.state == ApplicationState.DEFENSE and policies.is_selector(user, app),
        "vote_form": forms.VoteForm(),
        "can_object": app.state == ApplicationState.PUBLIC_NOTICE and policies.can_record_objection(user, app),
        "objection_form": forms.ObjectionForm(),
        "resolve_form": forms.ResolveForm(),
        "resolve_steps": [OBJECTION_WORKFLOW.get("uphold"), OBJECTION_WORKFLOW.get("dismiss")],
        "history": history_rows(app) if access.can_see_history(user) else None,
    }
    return render(request, "talents/application_detail.html", context)


@workflow_action(APPLICATION_WORKFLOW)
@login_required
@require_POST
def application_action(request, pk: int):
    def take(app, action, reason, origin, confirm_double_funding):
        services.application_transition(
            application_id=app.pk,
            action=action,
            actor=request.user,
            reason=reason,
            origin=origin,
            confirm_double_funding=confirm_double_funding,
        )
        return app.pk

    return post_action(
        request,
        policies.applications_for(request.user),
        pk,
        form=forms.ActionForm,
        invalid=_("The request was incomplete."),
        service=take,
        redirect=_back,
        done=lambda app_id: _("Done: the application is now “%(state)s”.") % {"state": _state_label(app_id)},
    )


def _state_label(pk: int) -> str:
    return str(ApplicationState(Application.objects.values_list("state", flat=True).get(pk=pk)).label)


@login_required
@require_POST
def attachment_upload(request, pk: int):
    return post_action(
        request,
        policies.applications_for(request.user),
        pk,
        form=forms.AttachmentForm,
        service=lambda app, kind, file: services.attachment_add(
            actor=request.user, application_id=app.pk, kind=kind, upload=file
        ),
        redirect=_back,
        done=_("The document has been attached."),
    )


def _serve_attachment(app, attachment_id: int) -> FileResponse:
    """One of ``app``'s documents as a download (404 for another application's or a lost file)."""
    attachment = access.get_or_404(app.attachments.all(), pk=attachment_id)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(
        handle, as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type
    )


@login_required
def attachment_download(request, pk: int, attachment_id: int):
    """Served only to those who may see the application; never from a public URL."""
    app = access.get_or_404(policies.applications_for(request.user), pk=pk)
    return _serve_attachment(app, attachment_id)


@login_required
@require_POST
def review_assign(request, pk: int):
    return post_action(
        request,
        policies.applications_for(request.user),
        pk,
        form=lambda app: partial(forms.AssignForm, user=request.user),
        invalid=_("Choose an expert."),
        service=lambda app, expert, despite_conflict: services.review_assign(
            application_id=app.pk, expert=expert, actor=request.user, despite_conflict=despite_conflict
        ),
        redirect=_back,
        # The message names who was assigned, by full name (issue 17 item 5).
        done=lambda assignment: _("%(user)s is assigned to review this application.") % {"user": assignment.expert},
    )


@login_required
@require_POST
def review_submit(request, pk: int):
    def submit(assignment, comment, **scores):
        services.review_submit(assignment_id=assignment.pk, actor=request.user, scores=scores, comment=comment)

    return post_action(
        request,
        _own_assignments(request),
        pk,
        lookup="application_id",
        form=lambda assignment: forms.score_form_class(list(assignment.application.call.criteria.all())),
        invalid=lambda form: " ".join(f"{form.fields[k].label}: {e}" for k, errs in form.errors.items() for e in errs),
        service=submit,
        redirect=lambda assignment: _back(assignment.application_id),
        done=_("Your scores have been submitted."),
    )


@login_required
@require_POST
def review_conflict(request, pk: int):
    return post_action(
        request,
        _own_assignments(request),
        pk,
        lookup="application_id",
        form=forms.ConflictForm,
        invalid=_("Please say what the conflict of interest is."),
        service=lambda assignment, reason: services.review_declare_conflict(
            assignment_id=assignment.pk, actor=request.user, reason=reason
        ),
        redirect=reverse("talents:expert-queue"),
        done=_("Your conflict of interest is recorded; you are recused from this application."),
    )


@login_required
@require_POST
def defense_vote(request, pk: int):
    return post_action(
        request,
        policies.applications_for(request.user),
        pk,
        form=forms.VoteForm,
        invalid=_("Votes must be whole numbers, at least one cast."),
        service=lambda app, **votes: services.defense_record_vote(application_id=app.pk, actor=request.user, **votes),
        redirect=_back,
        done=_("The panel's vote has been recorded."),
    )


@login_required
@require_POST
def objection_add(request, pk: int):
    return post_action(
        request,
        policies.applications_for(request.user),
        pk,
        form=forms.ObjectionForm,
        invalid=_("Please record what the objection says."),
        service=lambda app, **data: services.objection_record(application_id=app.pk, actor=request.user, **data),
        redirect=_back,
        done=_("The objection has been recorded for investigation."),
    )


@workflow_action(
    OBJECTION_WORKFLOW, action=("uphold", "dismiss"), record="objection_id", parents={"pk": "application_id"}
)
@login_required
@require_POST
def objection_resolve(request, pk: int, objection_id: int):
    app = access.get_or_404(policies.applications_for(request.user), pk=pk)
    return post_action(
        request,
        app.objections.all(),
        objection_id,
        form=forms.ResolveActionForm,
        invalid=_("Please record the investigation's findings."),
        service=lambda objection, action, resolution: services.objection_resolve(
            objection_id=objection.pk, actor=request.user, upheld=action == "uphold", resolution=resolution
        ),
        redirect=_back(app.pk),
        done=_("The objection has been resolved."),
    )


@login_required
def expert_queue(request):
    if request.user.role != Role.EXPERT:
        raise Http404
    pending = request.GET.get("show") != "all"
    qs = selectors.pending_assignments(request.user) if pending else selectors.assignments_for_expert(request.user)
    qs = qs.order_by("submitted_at", "-assigned_at", "-id")
    return render(request, "talents/expert_queue.html", {"page": paginate(request, qs), "pending": pending})


# ---------------------------------------------------------------- the talent registry


@login_required
def talent_list(request):
    if request.user.role == Role.EXPERT:
        raise Http404
    qs = selectors.talents_with_title_count(selectors.talents_list(request.user))
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(field__icontains=q))
    program = request.GET.get("program", "")
    if program:
        qs = qs.filter(titles__program__code=program)
    unit = request.GET.get("unit", "")
    if unit:
        qs = qs.filter(org_unit__code=unit)
    education = request.GET.get("education", "")
    if education in Education.values:
        qs = qs.filter(education=education)
    sort = request.GET.get("sort", "name")
    qs = qs.order_by(*TALENT_SORTS.get(sort, TALENT_SORTS["name"]))
    page = paginate(request, qs)
    for talent in page:
        talent.masked_id = mask_id_number(talent.id_number)
    units = OrgUnit.objects.filter(kind__in=FIELD_UNIT_KINDS)
    if access.unit_scope(request.user) is not None:
        units = units.filter(pk__in=access.unit_scope(request.user))
    return render(
        request,
        "talents/talent_list.html",
        {
            "page": page,
            "q": q,
            "program": program,
            "unit": unit,
            "education": education,
            "sort": sort,
            "programs": Program.objects.order_by("level", "code"),
            "units": units,
            "educations": Education.choices,
            "can_add": access.is_office(request.user) or access.is_unit_officer(request.user),
        },
    )


@login_required
def talent_detail(request, pk: int):
    talent = access.get_or_404(selectors.talent_detail(request.user).select_related("org_unit"), pk=pk)
    applications = policies.applications_for(request.user).filter(talent=talent).select_related("call__program")
    show = policies.can_see_id_number(request.user, talent)
    return render(
        request,
        "talents/talent_detail.html",
        {
            "talent": talent,
            "id_number": talent.id_number if show else mask_id_number(talent.id_number),
            "phone": talent.phone if show else mask_phone(talent.phone),
            "applications": applications,
            "can_edit": policies.can_manage_talents(request.user, talent.org_unit_id),
            "history": history_rows(talent) if access.can_see_history(request.user) else None,
        },
    )


@login_required
def talent_edit(request, pk: int):
    """The office, or the officer of the talent's unit; anyone else: as for a missing talent."""
    talent = access.get_or_404(selectors.talent_detail(request.user), pk=pk)
    if not policies.can_manage_talents(request.user, talent.org_unit_id):
        raise Http404
    form = forms.TalentForm(request.POST or None, instance=talent, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.talent_update(actor=request.user, talent_id=talent.pk, **form.cleaned_data)
        except DomainError as exc:
            refuse_on_form(form, exc)
        else:
            messages.success(request, _("The talent's record has been changed."))
            return HttpResponseRedirect(reverse("talents:talent-detail", args=[talent.pk]))
    return render(
        request,
        "talents/form.html",
        {"form": form, "heading": _("Change %(name)s's record") % {"name": talent.name}},
        status=400 if form.errors else 200,
    )


@login_required
def application_edit(request, pk: int):
    """The hosting unit's officer or the office, while the application is a draft or returned."""
    app = access.get_or_404(selectors.application_detail(request.user), pk=pk)
    if not policies.can_edit_application(request.user, app):
        raise Http404
    form = forms.ApplicationEditForm(request.POST or None, instance=app)
    if request.method == "POST" and form.is_valid():
        try:
            services.application_update(actor=request.user, application_id=app.pk, **form.cleaned_data)
        except DomainError as exc:
            refuse_on_form(form, exc)
        else:
            messages.success(request, _("The application has been changed."))
            return HttpResponseRedirect(_back(app))
    return render(
        request,
        "talents/form.html",
        {"form": form, "heading": _("Change the application “%(venture)s”") % {"venture": app.venture_name}},
        status=400 if form.errors else 200,
    )


@login_required
def talent_create(request):
    if not (access.is_office(request.user) or access.is_unit_officer(request.user)):
        raise Http404
    form = forms.TalentForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        try:
            talent = services.talent_create(actor=request.user, **d)
        except DomainError as exc:
            refuse_on_form(form, exc)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The talent has been registered."))
            return HttpResponseRedirect(reverse("talents:talent-detail", args=[talent.pk]))
    return render(
        request,
        "talents/form.html",
        {"form": form, "heading": _("Register a talent")},
        status=400 if form.errors else 200,
    )


@login_required
def my_applications(request):
    """A talent's own applications and titles, in words that do not reveal the review."""
    if request.user.role != Role.TALENT:
        raise Http404
    apps = list(selectors.own_applications(request.user))
    for app in apps:
        app.stage = selectors.APPLICANT_STAGES[app.state]
    applied = {app.call_id for app in apps}
    calls = [c for c in selectors.open_calls() if c.pk not in applied]
    return render(
        request,
        "talents/mine.html",
        {"applications": apps, "titles": selectors.own_titles(request.user), "open_calls": calls},
    )


# ---------------------------------------------------------------- online application (issue 16, item 4)


def _my_page(app: Application) -> str:
    return reverse("talents:my-application", args=[app.pk])


def _mine(pk: int):
    return HttpResponseRedirect(reverse("talents:my-application", args=[pk]))


def _own_applications(request):
    """A talent account's own applications; for any other role, nothing is there (a 404)."""
    if request.user.role != Role.TALENT:
        raise Http404
    return selectors.own_application(request.user)


def _own_or_404(request, pk: int) -> Application:
    """A talent account's own application; anything else (another's, another role) is a 404."""
    return access.get_or_404(_own_applications(request), pk=pk)


@login_required
def my_apply(request, call_id: int):
    """A talent applies to an open call: the call's own form, saved as a draft."""
    if request.user.role != Role.TALENT:
        raise Http404
    call = access.get_or_404(selectors.open_calls(), pk=call_id)
    talent = getattr(request.user, "talent_record", None)
    existing = selectors.own_applications(request.user).filter(call=call).first()
    if existing is not None:
        return _mine(existing.pk)
    form = forms.ApplicantForm(request.POST or None, user=request.user, call=call, talent=talent)
    if request.method == "POST" and form.is_valid():
        try:
            app = services.applicant_draft(actor=request.user, call_id=call.pk, **form.cleaned_data)
        except DomainError as exc:
            refuse_on_form(form, exc)
        else:
            messages.success(request, _("Your application has been saved as a draft."))
            return _mine(app.pk)
    _describe(call)
    return render(request, "talents/apply.html", {"form": form, "call": call}, status=400 if form.errors else 200)


@login_required
def my_application(request, pk: int):
    """The applicant's own application: where it stands in words that do not reveal the review, its
    timeline, and while it is a draft or returned, the form, the documents and what stands between
    it and its submission."""
    app = _own_or_404(request, pk)
    editable = app.state in services.EDITABLE_STATES
    form = None
    if editable:
        form = forms.ApplicantForm(
            initial=forms.ApplicantForm.initial_from(app), user=request.user, call=app.call, talent=app.talent
        )
        if app.state != ApplicationState.DRAFT:
            form.fields["org_unit"].disabled = True
    return _my_application_page(request, app, form=form)


def _my_application_page(request, app: Application, *, form=None, status: int = 200, **extra):
    editable = app.state in services.EDITABLE_STATES
    kinds = services.applicant_document_kinds(app.call)
    context = {
        "app": app,
        "stage": selectors.APPLICANT_STAGES[app.state],
        "timeline": selectors.applicant_timeline(app),
        "editable": editable,
        "form": form,
        "problems": services.submission_problems(app) if editable else [],
        "required": [DocumentKind(k).label for k in app.call.required_documents if k in DocumentKind.values],
        "attachment_form": forms.ApplicantAttachmentForm(kinds=kinds) if editable else None,
        # The submission's button only when the workflow would take it (the problems above say why not).
        "submit_form": forms.ApplicantSubmitForm()
        if editable and APPLICATION_WORKFLOW.refusal(app, request.user, "submit") is None
        else None,
        "withdraw_form": forms.ApplicantWithdrawForm()
        if APPLICATION_WORKFLOW.refusal(app, request.user, "withdraw") is None
        else None,
        "submit_step": APPLICATION_WORKFLOW.get("submit"),
        "withdraw_step": APPLICATION_WORKFLOW.get("withdraw"),
        **extra,
    }
    return render(request, "talents/my_application.html", context, status=status)


@login_required
@require_POST
def my_application_edit(request, pk: int):
    app = _own_or_404(request, pk)
    if app.state not in services.EDITABLE_STATES:
        # Submitted and not returned: the service says why nothing changes.
        try:
            services.applicant_update(actor=request.user, application_id=app.pk)
        except DomainError as exc:
            return _my_application_page(request, app, status=400, refusal=exc.message)
    form = forms.ApplicantForm(request.POST, user=request.user, call=app.call, talent=app.talent)
    if app.state != ApplicationState.DRAFT:
        form.fields["org_unit"].disabled = True
        form.initial["org_unit"] = app.org_unit_id
    if form.is_valid():
        try:
            services.applicant_update(actor=request.user, application_id=app.pk, **form.cleaned_data)
        except DomainError as exc:
            refuse_on_form(form, exc)
        else:
            messages.success(request, _("Your changes have been saved."))
            return _mine(app.pk)
    return _my_application_page(request, app, form=form, status=400)


@login_required
@require_POST
def my_attachment_upload(request, pk: int):
    return post_action(
        request,
        _own_applications(request),
        pk,
        form=lambda app: partial(forms.ApplicantAttachmentForm, kinds=services.applicant_document_kinds(app.call)),
        service=lambda app, kind, file: services.attachment_add(
            actor=request.user, application_id=app.pk, kind=kind, upload=file
        ),
        redirect=_my_page,
        done=_("The document has been attached."),
    )


@login_required
def my_attachment_download(request, pk: int, attachment_id: int):
    app = _own_or_404(request, pk)
    return _serve_attachment(app, attachment_id)


@workflow_action(APPLICATION_WORKFLOW, action="submit")
@login_required
@require_POST
def my_application_submit(request, pk: int):
    return post_action(
        request,
        _own_applications(request),
        pk,
        form=forms.ApplicantSubmitForm,
        service=lambda app, reply: services.applicant_submit(actor=request.user, application_id=app.pk, reply=reply),
        redirect=_my_page,
        done=_("Your application has been submitted."),
    )


@workflow_action(APPLICATION_WORKFLOW, action="withdraw")
@login_required
@require_POST
def my_application_withdraw(request, pk: int):
    return post_action(
        request,
        _own_applications(request),
        pk,
        # Without a reason, refused before the confirmation is asked, in the workflow's own words.
        form=forms.ApplicantWithdrawForm,
        invalid=_("Please give a reason."),
        service=lambda app, reason: services.applicant_withdraw(
            actor=request.user, application_id=app.pk, reason=reason
        ),
        redirect=_my_page,
        done=_("Your application has been withdrawn."),
    )


def open_calls(request):
    """Every call open for applications today, without login, in Chinese and English."""
    calls = list(selectors.open_calls())
    for call in calls:
        _describe(call)
    return render(request, "talents/open_calls.html", {"calls": calls, "units": _host_units()})


def open_call_notice(request, pk: int):
    """The printable 申报通知 of an open call."""
    call = access.get_or_404(selectors.open_calls(), pk=pk)
    _describe(call)
    return render(request, "talents/open_call_notice.html", {"call": call, "units": _host_units()})


def _describe(call) -> None:
    call.rules = selectors.eligibility_words(call.eligibility or {})
    call.documents = [DocumentKind(d).label for d in call.required_documents or [] if d in DocumentKind.values]


def _host_units():
    """Where one applies: the district's streets, parks and the innovation group."""
    return OrgUnit.objects.filter(kind__in=FIELD_UNIT_KINDS, active=True).order_by("kind", "code")


@serves(PRELIMINARY_QUEUE)
@login_required
def preliminary_queue(request):
    """The unit's preliminary review (初审): pass or return the chosen applications at once."""
    return queue_view(request, PRELIMINARY_QUEUE)


@serves(DECISION_QUEUE)
@login_required
def decision_queue(request):
    """Select, reject or ratify the chosen applications at once."""
    return queue_view(request, DECISION_QUEUE)


# ---------------------------------------------------------------- expert assignment


def _picker(app, assignments) -> list:
    """The experts as the application's assignment picker shows them: name, fields, load, next due
    date, a conflict with this application flagged, and whether already assigned."""
    roster = selectors.expert_roster()
    conflicts = selectors.review_conflicts([app], [r.expert for r in roster])
    assigned = {a.expert_id for a in assignments}
    for r in roster:
        r.conflicts = conflicts.get((app.pk, r.expert.pk), [])
        r.assigned = r.expert.pk in assigned
    return roster


@login_required
def assignment_queue(request):
    """Expert assignment at once (issue 17 item 3): choose applications in expert review and the
    experts to review them; the confirmation lists every pair and what will happen to it (a conflict
    of interest is refused here, and assigned despite it only on the application's own page, where
    the assigner sees it); each pair then goes through ``review_assign`` like the single button."""
    user = request.user
    if not policies.may_assign_any(user):
        raise Http404
    listed = selectors.awaiting_assignment(user)
    calls = [(str(c.pk), str(c)) for c in selectors.calls_awaiting_assignment(listed)]
    call = request.GET.get("call", "")
    if call in {v for v, _l in calls}:
        listed = listed.filter(call_id=int(call))
    else:
        call = ""
    roster = selectors.expert_roster()
    context = {"calls": calls, "call": call, "roster": roster}
    if request.method == "POST":
        try:
            ids, expert_ids = chosen_ids(request), chosen_ids(request, "experts")
            if len(ids) * len(expert_ids) > MAX_CHOSEN:
                raise DomainError(_("Choose at most %(n)s assignments at once.") % {"n": MAX_CHOSEN}, field="ids")
        except DomainError as exc:
            messages.error(request, exc.message)
            return _assignment_list(request, listed, context, status=400)
        found = selectors.awaiting_assignment(user).in_bulk(ids)
        experts = {r.expert.pk: r.expert for r in roster}
        pairs = selectors.assignment_pairs(
            [(pk, found.get(pk)) for pk in ids], [(pk, experts.get(pk)) for pk in expert_ids]
        )
        if request.POST.get("step") == "run":
            for pair in pairs:
                if pair.app is None or pair.expert is None:
                    continue
                try:
                    services.review_assign(application_id=pair.app.pk, expert=pair.expert, actor=user)
                except DomainError as exc:
                    pair.result, pair.message = exc.code, str(exc.message)
                else:
                    pair.result, pair.message = "done", _("Assigned.")
            context["done"] = sum(1 for p in pairs if p.result == "done")
            context["refused"] = len(pairs) - context["done"]
        context.update({"pairs": pairs, "step": request.POST.get("step", "confirm")})
        return render(request, "talents/assignment_confirm.html", context)
    return _assignment_list(request, listed, context)


def _assignment_list(request, listed, context, status=200):
    context["page"] = paginate(request, listed)
    return render(request, "talents/assignment_queue.html", context, status=status)
