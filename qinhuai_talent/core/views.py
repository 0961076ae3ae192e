import sys

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import defaults
from django.views.decorators.http import require_POST

from .access import can_see_history, get_or_404, is_office, users_for
from .audit import history_rows
from .errors import DomainError
from .jobs import JOB_KINDS, job_create, job_sentences, jobs_for
from .lists import page_of
from .models import Role
from .registry import attention_for, key_figures_for

ROLE_INTRO = {
    Role.OFFICE: gettext_lazy("Run the programs, configure policy, ratify decisions and see the whole district."),
    Role.STREET: gettext_lazy("Your street's applications, enterprises, payouts and scorecard."),
    Role.PARK: gettext_lazy("Your park's applications, enterprises, payouts and scorecard."),
    Role.EXPERT: gettext_lazy("The applications assigned to you for scoring."),
    Role.FINANCE: gettext_lazy("Approved payouts waiting for payment, and the ledger."),
    Role.LEADER: gettext_lazy("The district's figures at a glance."),
    Role.API_CLIENT: gettext_lazy("This account reads reports through the API."),
    Role.TALENT: gettext_lazy("Your applications, your titles and the agreements of the enterprises you founded."),
    Role.ENTERPRISE: gettext_lazy(
        "Your enterprise, its operating data, agreements, milestones and payouts, and the services you ask for."
    ),
}


@login_required
def home(request):
    user = request.user
    return render(
        request,
        "core/home.html",
        {"attention": attention_for(user), "figures": key_figures_for(user), "intro": ROLE_INTRO.get(user.role, "")},
    )


def paginate(request, qs, per_page: int = 50):
    """The list's page at the person's page size, its query remembered (``core.lists``)."""
    return page_of(request, qs, per_page)


@login_required
def job_list(request):
    user = request.user
    kinds = [k for k in JOB_KINDS.values() if user.is_superuser or user.role in k.roles]
    page = paginate(request, jobs_for(user).order_by("-created_at", "-id"))
    for job in page:
        job.kind_label = JOB_KINDS[job.kind].label if job.kind in JOB_KINDS else job.kind
    from django.conf import settings

    from .schedule import schedule_rows

    # The scheduler's plan is the operators' business: the office and administrators see it.
    schedule = schedule_rows() if is_office(user) else None
    context = {"page": page, "kinds": kinds, "schedule": schedule, "TIME_ZONE": settings.TIME_ZONE}
    return render(request, "core/job_list.html", context)


@login_required
def job_detail(request, pk: int):
    job = get_or_404(jobs_for(request.user), pk=pk)
    label = JOB_KINDS[job.kind].label if job.kind in JOB_KINDS else job.kind
    return render(request, "core/job_detail.html", {"job": job, "kind_label": label, "sentences": job_sentences(job)})


@login_required
@require_POST
def job_start(request):
    try:
        job = job_create(kind=request.POST.get("kind", ""), requested_by=request.user)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return HttpResponseRedirect(reverse("job-list"))
    messages.success(request, _("The job has been started."))
    return HttpResponseRedirect(reverse("job-detail", args=[job.pk]))


@login_required
def user_list(request):
    if not (is_office(request.user) or request.user.role in (Role.STREET, Role.PARK)):
        raise Http404
    qs = users_for(request.user)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(username__icontains=q)
    return render(request, "core/user_list.html", {"page": paginate(request, qs), "q": q})


@login_required
def user_detail(request, pk: int):
    account = get_or_404(users_for(request.user), pk=pk)
    history = None
    if can_see_history(request.user):
        history = history_rows(account)
    return render(request, "core/user_detail.html", {"account": account, "history": history})


def not_found(request, exception=None):
    """handler404: under /api/ a JSON 404 like every other API answer; elsewhere Django's page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    """handler500. A database that is down or restarting is a 503 to retry shortly (JSON for the
    API), rendered without touching the database; anything else is Django's plain 500."""
    if not isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
        return defaults.server_error(request)
    message = _("The database is not reachable right now; nothing was changed. Please try again shortly.")
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=503)
    else:
        response = HttpResponse(f"<!doctype html><title>503</title><h1>{message}</h1>", status=503)
    response["Retry-After"] = "30"
    return response


def locked_out(request, credentials=None):
    """django-axes' lock-out answer: the log-in page says so; the API answers a 429 in JSON, as
    every other API error, with the cool-off as Retry-After."""
    from django.conf import settings

    address_locked = getattr(request, "portal_address_locked", False)
    if request.path.startswith("/api/"):
        if address_locked:
            message = _(
                "Logging in from your address is blocked for a while after too many failed attempts. "
                "Please wait and try again."
            )
        else:
            message = _(
                "Logging in is blocked for this account from your address for a while. Please wait and try "
                "again, or ask the district talent office to unlock it."
            )
        response = JsonResponse({"detail": message}, status=429)
    else:
        response = render(request, "registration/locked_out.html", {"address_locked": address_locked}, status=429)
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response
