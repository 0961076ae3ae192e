"""Web forms: parse and show errors; every write goes through a service."""

import datetime

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from qinhuai_talent.core import access, clock, references
from qinhuai_talent.core.models import FIELD_UNIT_KINDS, PEOPLE_ORDER, OrgUnit, Role, User
from qinhuai_talent.core.params import MAX_COUNT, MAX_SMALL
from talents.models import Talent

from .imports import MAX_UPLOAD_BYTES
from .models import (
    ClassRule,
    Enterprise,
    Evaluation,
    FinancingRound,
    Grade,
    MakerSpace,
    Mentor,
    PeriodKind,
    SupportKind,
    Visit,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def field_units(user: User):
    """The units a user may file for: all field units for the office, their own for an officer."""
    qs = OrgUnit.objects.filter(kind__in=FIELD_UNIT_KINDS, active=True).order_by("kind", "code")
    if access.is_office(user):
        return qs
    return qs.filter(pk=user.org_unit_id)


class EnterpriseForm(forms.ModelForm):
    class Meta:
        model = Enterprise
        fields = [
            "name",
            "credit_code",
            "registered_on",
            "moved_in_on",
            "registered_capital",
            "paid_in_capital",
            "address",
            "org_unit",
            "industry",
            "maker_space",
            "listing",
            "listed_on",
            "liaison_officer",
            "status",
            "status_changed_on",
        ]
        widgets = {f: DATE for f in ("registered_on", "moved_in_on", "listed_on", "status_changed_on")}
        labels = {"maker_space": _("Maker space (if incubated there)")}

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = field_units(user)
        self.fields["maker_space"].queryset = MakerSpace.objects.order_by("name")
        self.fields["liaison_officer"].queryset = User.objects.filter(
            role__in=[Role.OFFICE, Role.STREET, Role.PARK], is_active=True
        ).order_by(*PEOPLE_ORDER)
        self.fields["credit_code"].help_text = _("18 characters; the last one is a check digit.")
        references.narrow_form(self, user)

    def validate_unique(self):
        """Uniqueness is the service's to check, with a message that names the field."""


class FounderForm(forms.Form):
    talent = forms.ModelChoiceField(queryset=Talent.objects.none(), label=_("Talent"))
    equity_share = forms.DecimalField(label=_("Equity share (%)"), min_value=0, max_value=100, decimal_places=2)
    is_legal_representative = forms.BooleanField(label=_("Legal representative"), required=False)
    full_time = forms.BooleanField(label=_("Works full-time in the enterprise"), required=False, initial=True)
    not_full_time_since = forms.DateField(label=_("Not full-time since"), required=False, widget=DATE)

    def __init__(self, *args, enterprise: Enterprise, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["talent"].queryset = Talent.objects.filter(org_unit_id=enterprise.org_unit_id).order_by("name")


class ReportForm(forms.Form):
    """A period's figures. Their rules (not negative, headcounts, the period) are the service's,
    the same the Excel import applies (``services.report_figures_check``, ``period_check``): the
    form only parses, so that a refusal reads the same by every way in."""

    # Bounded only by what the columns hold (a year and a quarter are small integers): within that,
    # the service's checks refuse, with the words the import uses.
    period_kind = forms.ChoiceField(label=_("Period"), choices=PeriodKind.choices)
    year = forms.IntegerField(label=_("Year"), min_value=0, max_value=MAX_SMALL)
    quarter = forms.IntegerField(label=_("Quarter"), required=False, min_value=0, max_value=MAX_SMALL)
    sales = forms.DecimalField(label=_("Sales (yuan)"), decimal_places=2, max_digits=16)
    main_revenue = forms.DecimalField(label=_("Main-business revenue (yuan)"), decimal_places=2, max_digits=16)
    net_profit = forms.DecimalField(label=_("Net profit (yuan)"), decimal_places=2, max_digits=16)
    tax_paid = forms.DecimalField(label=_("Tax paid (yuan)"), decimal_places=2, max_digits=16)
    employees = forms.IntegerField(label=_("Employees"), min_value=-MAX_COUNT, max_value=MAX_COUNT)
    insured_employees = forms.IntegerField(
        label=_("Social-insurance headcount"), min_value=-MAX_COUNT, max_value=MAX_COUNT
    )
    rnd_spend = forms.DecimalField(label=_("R&D spend (yuan)"), decimal_places=2, max_digits=16)
    patents_filed = forms.IntegerField(label=_("Patents filed"), min_value=-MAX_COUNT, max_value=MAX_COUNT, initial=0)
    patents_granted = forms.IntegerField(
        label=_("Patents granted"), min_value=-MAX_COUNT, max_value=MAX_COUNT, initial=0
    )


class OwnReportForm(ReportForm):
    """An enterprise account files a quarter (the same figures and the same checks as the officers'
    form and the Excel import: ``services.report_submit``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["period_kind"]
        self.fields["quarter"].required = True


class FilingWindowForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    quarter = forms.IntegerField(label=_("Quarter"), min_value=1, max_value=4)
    opens_on = forms.DateField(label=_("Opens on"), widget=DATE)
    closes_on = forms.DateField(label=_("Closes on"), widget=DATE)


class FinancingRoundForm(forms.ModelForm):
    class Meta:
        model = FinancingRound
        fields = ["investor", "round", "amount", "closed_on"]
        widgets = {"closed_on": DATE}


class EvaluationForm(forms.ModelForm):
    grade = forms.ChoiceField(label=_("Grade"), choices=Grade.choices)

    class Meta:
        model = Evaluation
        fields = ["year", "half", "evaluator", "grade", "score", "comments", "evaluated_on"]
        widgets = {"evaluated_on": DATE, "comments": forms.Textarea(attrs={"rows": 3})}


class SupportItemForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=SupportKind.choices)
    title = forms.CharField(label=_("Service"), max_length=160)
    owner = forms.ModelChoiceField(queryset=User.objects.none(), label=_("Owner"), required=False)
    due_on = forms.DateField(label=_("Due on"), widget=DATE)

    def __init__(self, *args, enterprise: Enterprise, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(
            Q(role=Role.OFFICE) | Q(org_unit_id=enterprise.org_unit_id, role__in=[Role.STREET, Role.PARK]),
            is_active=True,
        ).order_by(*PEOPLE_ORDER)
        references.narrow_form(self, user)


class SupportActionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("start", "start"), ("complete", "complete"), ("cancel", "cancel"), ("reopen", "reopen")]
    )
    outcome = forms.CharField(label=_("Outcome"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    reason = forms.CharField(label=_("Reason"), required=False)


class VisitForm(forms.ModelForm):
    class Meta:
        model = Visit
        fields = ["visited_on", "topic", "notes", "follow_up"]
        widgets = {
            "visited_on": DATE,
            "notes": forms.Textarea(attrs={"rows": 3}),
            "follow_up": forms.Textarea(attrs={"rows": 2}),
        }

    def validate_unique(self):
        """The service checks a repeated visit."""


class ImportUploadForm(forms.Form):
    org_unit = forms.ModelChoiceField(
        queryset=OrgUnit.objects.none(),
        label=_("Unit"),
        required=False,
        empty_label=_("Whole district"),
        help_text=_("Only enterprises of this unit may appear in the file."),
    )
    file = forms.FileField(
        label=_("Excel file (.xlsx)"),
        help_text=_("Use the template; at most 2 MB and 5,000 rows."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = field_units(user)
        if not access.is_office(user):
            self.fields["org_unit"].required = True
            self.fields["org_unit"].empty_label = None
            self.fields["org_unit"].initial = user.org_unit_id
        references.narrow_form(self, user)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MB; please split it."))
        return upload


class ExportForm(forms.Form):
    org_unit = forms.ModelChoiceField(
        queryset=OrgUnit.objects.none(), label=_("Unit"), required=False, empty_label=_("All my units")
    )
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
    format = forms.ChoiceField(label=_("Format"), choices=[("xlsx", "Excel (.xlsx)"), ("csv", "CSV")])

    def __init__(self, *args, user: User, **kwargs):
        # It shares the import page with the upload form, whose fields have the same names: its
        # ids differ so that each label points at its own input.
        kwargs.setdefault("auto_id", "id_export_%s")
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = field_units(user)
        references.narrow_form(self, user)


class ClassRuleForm(forms.ModelForm):
    class Meta:
        model = ClassRule
        fields = [
            "priority",
            "min_cumulative_revenue",
            "min_revenue_growth",
            "min_cumulative_financing",
            "min_employees",
            "active",
        ]


class MakerSpaceForm(forms.ModelForm):
    class Meta:
        model = MakerSpace
        fields = ["name", "level", "operator", "org_unit", "address"]

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = field_units(user)
        references.narrow_form(self, user)


class MentorForm(forms.ModelForm):
    class Meta:
        model = Mentor
        fields = ["name", "field", "organisation", "org_unit", "enterprises"]
        widgets = {"enterprises": forms.SelectMultiple(attrs={"size": 8})}

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = field_units(user)
        self.fields["enterprises"].queryset = Enterprise.objects.order_by("name")
        references.narrow_form(self, user)


def default_year() -> int:
    return (clock.today() - datetime.timedelta(days=92)).year
