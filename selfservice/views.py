from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qinhuai_talent.core.access import is_office, is_unit_officer
from qinhuai_talent.core.actions import post_action, refuse_on_form, workflow_action
from qinhuai_talent.core.errors import DomainError
from qinhuai_talent.core.masking import mask_phone

from . import services
from .forms import AcceptInvitationForm, CodeForm, InvitationForm, RegisterForm
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
            refuse_on_form(form, exc)
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
        {"form": form, "address": address, "registration": registration, "minutes": services.CODE_MINUTES},
        status=400 if form.errors else 200,
    )


@require_POST
def register_resend(request, token: str):
    """ "Resend the code": a new code to the same address; the one sent before stops working."""
    if not services.Registration.objects.filter(token=token).exists():
        raise Http404
    return post_action(
        request,
        None,
        None,
        service=lambda: services.registration_resend(token=token),
        redirect=reverse("selfservice:register-confirm", args=[token]),
        done=_("A new code has been sent; the code sent before no longer works."),
    )


def invitation_accept(request, token: str):
    """The invitee's page (the link in the invitation): the code, a username and a password."""
    invitation = services.Invitation.objects.select_related("talent", "enterprise").filter(token=token).first()
    if invitation is None:
        raise Http404
    if request.user.is_authenticated:
        return HttpResponseRedirect(reverse("home"))
    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(token=token, **form.cleaned_data)
        except DomainError as exc:
            refuse_on_form(form, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Your account is ready. Welcome!"))
            return HttpResponseRedirect(reverse("home"))
    return render(
        request,
        "selfservice/invitation_accept.html",
        {"form": form, "invitation": invitation},
        status=400 if form.errors else 200,
    )


@login_required
def invitations(request):
    """Officers invite accounts for their unit's talents and enterprises (the office for any)."""
    user = request.user
    if not (is_office(user) or is_unit_officer(user)):
        raise Http404
    form = InvitationForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        record = data["talent"] or data["enterprise"]
        try:
            services.invitation_send(
                actor=user,
                channel=data["channel"],
                address=data["address"],
                talent_id=data["talent"].pk if data["talent"] else None,
                enterprise_id=data["enterprise"].pk if data["enterprise"] else None,
            )
        except DomainError as exc:
            refuse_on_form(form, exc)
        else:
            messages.success(request, _("Invitation for %(name)s sent.") % {"name": record.name})
            return HttpResponseRedirect(reverse("selfservice:invitations"))
    rows = services.invitations_for(user)[:100]
    return render(
        request,
        "selfservice/invitations.html",
        {"form": form, "invitations": rows, "now": timezone.now()},
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
