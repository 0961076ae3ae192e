from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from qinhuai_talent.core.models import FIELD_UNIT_KINDS, OrgUnit


class ReportClientForm(forms.Form):
    username = forms.CharField(
        label=_("Account name"),
        max_length=60,
        validators=[RegexValidator(r"^[\w.@+-]+$", _("Letters, digits and @ . + - _ only."))],
        help_text=_("The name the client's system logs in with, e.g. city-talent-platform."),
    )
    name = forms.CharField(label=_("Client"), max_length=60, help_text=_("Who uses it, e.g. 市人才办数据平台."))
    grants_all_units = forms.BooleanField(label=_("Grant the whole district"), required=False)
    units = forms.ModelMultipleChoiceField(
        label=_("Granted units"),
        queryset=OrgUnit.objects.filter(kind__in=FIELD_UNIT_KINDS, active=True).order_by("kind", "code"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def clean(self):
        data = super().clean()
        if not data.get("grants_all_units") and not data.get("units"):
            raise forms.ValidationError(_("Grant the whole district or at least one unit."))
        return data


class DashboardFilterForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)
    org_unit = forms.ModelChoiceField(
        label=_("Unit"),
        queryset=OrgUnit.objects.filter(kind__in=FIELD_UNIT_KINDS).order_by("kind", "code"),
        to_field_name="code",
        required=False,
        empty_label=_("Whole scope"),
    )
