from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qinhuai_talent.core.access import is_office, is_unit_officer
from qinhuai_talent.core.actions import post_action, workflow_action
from qinhuai_talent.core.errors import DomainError
from qinhuai_talent.core.masking import mask_phone

from . import services
from .forms import CodeForm, RegisterForm
from .models import ClaimState
from .workflows import CLAIM_WORKFLOW


def register(request):
    if request.user.is_authenticated:
        return HttpResponseRedirect(reverse("home"))
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            registration, _address = services.registration_start(**form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            return HttpResponseRedirect(reverse("selfservice:register-confirm", args=[registration.token]))
    return render(request, "selfservice/register.html", {"form": form}, status=400 if form.errors else 200)


def register_confirm(request, token: str):
    registration = services.Registration.objects.filter(token=token).first()
    if registration is None:
        raise Http404
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.registration_confirm(token=token, code=form.cleaned_data["code"])
        except DomainError as exc:
            form.add_error("code", str(exc.message))
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Your account is confirmed. Welcome!"))
            return HttpResponseRedirect(reverse("home"))
    address = registration.email if registration.channel == "email" else mask_phone(registration.mobile)
    return render(
        request,
        "selfservice/register_confirm.html",
        {"form": form, "address": address},
        status=400 if form.errors else 200,
    )


@login_required
def claims(request):
    if not (is_office(request.user) or is_unit_officer(request.user)):
        raise Http404
    rows = services.claims_for(request.user).order_by("-created_at", "-id")
    return render(request, "selfservice/claims.html", {"claims": rows, "pending": ClaimState.PENDING})


@workflow_action(CLAIM_WORKFLOW)
@login_required
@require_POST
def claim_action(request, pk: int, action: str):
    if action not in ("confirm", "refuse"):
        raise Http404
    return post_action(
        request,
        services.claims_for(request.user),
        pk,
        service=lambda claim: services.claim_decide(
            actor=request.user, claim_id=claim.pk, action=action, reason=request.POST.get("reason", "")
        ),
        redirect=reverse("selfservice:claims"),
        done=_("The claim is decided."),
    )
