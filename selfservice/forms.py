from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AccountKind


class RegisterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Account for"), choices=AccountKind.choices, widget=forms.RadioSelect)
    username = forms.CharField(label=_("Username"), max_length=150)
    name = forms.CharField(label=_("Name (the person or the contact)"), max_length=60)
    mobile = forms.CharField(label=_("Mobile number"), max_length=20)
    email = forms.EmailField(label=_("Email"), required=False)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput)
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput)
    id_number = forms.CharField(label=_("Resident ID number (talent)"), max_length=32, required=False)
    credit_code = forms.CharField(label=_("Unified social credit code (enterprise)"), max_length=30, required=False)
    channel = forms.ChoiceField(
        label=_("Send the code to"),
        choices=[("sms", _("my mobile number (SMS)")), ("email", _("my email"))],
        widget=forms.RadioSelect,
        initial="sms",
    )


class CodeForm(forms.Form):
    code = forms.CharField(label=_("One-time code"), max_length=12)


class InvitationForm(forms.Form):
    """An officer's invitation: for one talent or one enterprise of their unit, by email or SMS."""

    talent = forms.ModelChoiceField(queryset=None, label=_("Talent"), required=False)
    enterprise = forms.ModelChoiceField(queryset=None, label=_("Enterprise"), required=False)
    channel = forms.ChoiceField(
        label=_("Send the invitation by"),
        choices=[("email", _("Email")), ("sms", _("SMS"))],
        widget=forms.RadioSelect,
        initial="email",
    )
    address = forms.CharField(label=_("Email address or mobile number"), max_length=254)

    def __init__(self, *args, user, **kwargs):
        from enterprises.models import Enterprise
        from qinhuai_talent.core import references
        from talents.models import Talent

        super().__init__(*args, **kwargs)
        # Records without an account yet, of the officer's units (the office: all).
        self.fields["talent"].queryset = Talent.objects.filter(account__isnull=True).order_by("name", "pk")
        self.fields["enterprise"].queryset = Enterprise.objects.filter(account__isnull=True).order_by("name", "pk")
        references.narrow_form(self, user)

    def clean(self):
        data = super().clean()
        if bool(data.get("talent")) == bool(data.get("enterprise")):
            raise forms.ValidationError(_("Choose either a talent or an enterprise."))
        return data


class AcceptInvitationForm(forms.Form):
    code = forms.CharField(label=_("Invitation code"), max_length=12)
    username = forms.CharField(label=_("Username"), max_length=150)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput)
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput)
