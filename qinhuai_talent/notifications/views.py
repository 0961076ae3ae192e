from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from qinhuai_talent.core.errors import DomainError
from qinhuai_talent.core.lists import page_of
from qinhuai_talent.core.navigation import safe_next

from .models import Channel, Notification
from .services import inbox_for, notification_mark_read, preferences_of, preferences_set


class PreferencesForm(forms.Form):
    email = forms.BooleanField(label=gettext_lazy("Email"), required=False)
    sms = forms.BooleanField(label=gettext_lazy("SMS"), required=False)
    language = forms.ChoiceField(label=gettext_lazy("Language of my messages"), choices=settings.LANGUAGES)


@login_required
def inbox(request):
    qs = inbox_for(request.user)
    if request.GET.get("unread") in ("1", "true"):
        qs = qs.filter(read_at__isnull=True)
    page = page_of(request, qs, 30)
    prefs = preferences_of(request.user)
    form = PreferencesForm(
        initial={"email": prefs[Channel.EMAIL], "sms": prefs[Channel.SMS], "language": request.user.language}
    )
    return render(
        request,
        "notifications/inbox.html",
        {"page": page, "form": form, "unread_only": request.GET.get("unread") in ("1", "true")},
    )


@login_required
@require_POST
def mark_read(request, pk: int):
    try:
        notification_mark_read(actor=request.user, notification_id=pk)
    except Notification.DoesNotExist:
        raise Http404 from None
    return HttpResponseRedirect(safe_next(request, reverse("notification-inbox")))


@login_required
@require_POST
def mark_all_read(request):
    changed = notification_mark_read(actor=request.user)
    messages.success(request, _("%(count)s notifications marked as read.") % {"count": changed})
    return HttpResponseRedirect(reverse("notification-inbox"))


@login_required
@require_POST
def preferences(request):
    form = PreferencesForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please check your choices."))
        return HttpResponseRedirect(reverse("notification-inbox"))
    try:
        preferences_set(
            actor=request.user,
            enabled={Channel.EMAIL: form.cleaned_data["email"], Channel.SMS: form.cleaned_data["sms"]},
            language=form.cleaned_data["language"],
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Your notification preferences are saved."))
    return HttpResponseRedirect(reverse("notification-inbox"))
