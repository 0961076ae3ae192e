import re

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from assessment.models import AssessmentState
from enterprises.models import EnterpriseClass, EnterpriseStatus, FinancingInstrument, Listing, RevenueTier
from funding.models import AgreementState, CaseState, ExitRule, FlagState, FundingSource, LedgerKind, TrancheState
from qinhuai_talent.core.access import is_unit_officer, unit_scope
from qinhuai_talent.core.errors import DomainError
from qinhuai_talent.core.models import FIELD_UNIT_KINDS, OrgUnit, UnitKind, User
from serviceplatform.models import Provider, ProviderState, RequestState, ServiceCategory
from talents.models import ApplicationState, Industry, Level, Origin, Program, SourceChannel

from .selectors import FIRST_YEAR, PIPELINE_STAGES, level_order, parse_year


class ReportClientForm(forms.Form):
    username = forms.CharField(
        label=_("Account name"),
        max_length=60,
        validators=[RegexValidator(r"^[\w.@+-]+$", _("Letters, digits and @ . + - _ only."))],
        help_text=_("The name the client's system logs in with, e.g. city-talent-platform."),
    )
    name = forms.CharField(
        label=_("Client"), max_length=60, help_text=_("Who uses it, e.g. the city talent office's data platform.")
    )
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
    year = forms.IntegerField(label=_("Year"), min_value=FIRST_YEAR, max_value=2100, required=False)
    org_unit = forms.ModelChoiceField(
        label=_("Unit"),
        queryset=OrgUnit.objects.filter(kind__in=FIELD_UNIT_KINDS).order_by("kind", "code"),
        to_field_name="code",
        required=False,
        empty_label=_("Whole scope"),
    )

    def clean_year(self):
        year = self.cleaned_data.get("year")
        if year is None:
            return None
        try:
            return parse_year(str(year))
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from None


def _blank(label):
    return [("", label)]


class ReportFilterForm(DashboardFilterForm):
    """The filters of one report page. The unit choice lists only the units in the caller's scope,
    so another unit's code is refused exactly as an unknown one (a 400 with the field's message).
    ``records_choices`` are the record lists the page offers (the first is the default) and
    ``record_fields`` the filters that narrow only them. Without a year, a page that needs one
    reports this year, and says so in its year box."""

    record_fields: tuple[str, ...] = ()
    records_choices: tuple[tuple[str, object], ...] = ()
    year_required = True

    def __init__(self, data=None, *, user: User):
        if self.year_required and data is not None and not data.get("year"):
            data = data.copy()
            data["year"] = str(parse_year(None))
        super().__init__(data)
        self.user = user
        scoped = unit_scope(user)
        if scoped is not None:
            self.fields["org_unit"].queryset = self.fields["org_unit"].queryset.filter(pk__in=scoped)
        # A street or park officer has one unit: the page is theirs, no choice to offer.
        self.own_unit = user.org_unit if is_unit_officer(user) else None
        if self.records_choices:
            self.fields["records"] = forms.ChoiceField(
                label=_("Records listed"), choices=self.records_choices, required=False
            )

    def filter_fields(self):
        hidden = {"org_unit"} if self.own_unit else set()
        return [self[n] for n in self.fields if n not in self.record_fields and n != "records" and n not in hidden]

    def record_filter_fields(self):
        return [self[n] for n in ("records", *self.record_fields) if n in self.fields]

    def clean(self):
        data = super().clean()
        if self.records_choices and not data.get("records"):
            data["records"] = self.records_choices[0][0]
        return data


def _program_field():
    return forms.ModelChoiceField(
        label=_("Program"),
        queryset=Program.objects.order_by(level_order(), "code"),
        to_field_name="code",
        required=False,
        empty_label=_("All programs"),
    )


class TitleReportForm(ReportFilterForm):
    program = _program_field()
    level = forms.ChoiceField(label=_("Level"), choices=_blank(_("All levels")) + Level.choices, required=False)
    origin = forms.ChoiceField(label=_("Origin"), choices=_blank(_("Both origins")) + Origin.choices, required=False)


class ApplicationReportForm(ReportFilterForm):
    program = _program_field()
    level = forms.ChoiceField(label=_("Level"), choices=_blank(_("All levels")) + Level.choices, required=False)
    industry = forms.ModelChoiceField(
        label=_("Industry"),
        queryset=Industry.objects.order_by("-leading", "order", "code"),
        to_field_name="code",
        required=False,
        empty_label=_("All industries"),
    )
    source = forms.ChoiceField(
        label=_("Source channel"), choices=_blank(_("All channels")) + SourceChannel.choices, required=False
    )
    state = forms.MultipleChoiceField(
        label=_("Stage"),
        choices=[(s, ApplicationState(s).label) for s in PIPELINE_STAGES],
        required=False,
        help_text=_("None chosen: every stage."),
    )


# Enterprises: what the district counts is its active enterprises; “all” lifts that.
ANY_STATUS = "all"


class EnterpriseReportForm(ReportFilterForm):
    year_required = False
    records_choices = (("enterprises", _("Talent enterprises")), ("maker_spaces", _("Maker spaces")))
    record_fields = ("space_level",)

    industry = forms.ModelChoiceField(
        label=_("Industry"),
        queryset=Industry.objects.order_by("-leading", "order", "code"),
        to_field_name="code",
        required=False,
        empty_label=_("All industries"),
    )
    enterprise_class = forms.ChoiceField(
        label=_("Class"), choices=_blank(_("All classes")) + EnterpriseClass.choices, required=False
    )
    revenue_tier = forms.MultipleChoiceField(
        label=_("Revenue tier"), choices=RevenueTier.choices, required=False, help_text=_("None chosen: every tier.")
    )
    listing = forms.ChoiceField(label=_("Listing"), choices=_blank(_("Any listing")) + Listing.choices, required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=EnterpriseStatus.choices + [(ANY_STATUS, _("Any status"))],
        required=False,
        help_text=_("The district counts its active enterprises."),
    )
    space_level = forms.ChoiceField(
        label=_("Maker-space level"), choices=_blank(_("All levels")) + Level.choices, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Enterprise figures are cumulative to date: there is no year to choose.
        del self.fields["year"]

    def clean(self):
        data = super().clean()
        data["status"] = data.get("status") or EnterpriseStatus.ACTIVE
        return data


# Funding: agreements without a budget are charged to the year they start.
NO_BUDGET = "none"
PERIOD = re.compile(r"^(?P<year>\d{4})-Q(?P<quarter>[1-4])$")


class FundingReportForm(ReportFilterForm):
    records_choices = (
        ("agreements", _("Agreements")),
        ("tranches", _("Tranches")),
        ("payments", _("Ledger entries")),
    )
    record_fields = ("tranche_state", "kind", "period")

    program = _program_field()
    source = forms.ChoiceField(
        label=_("Funding source"),
        choices=_blank(_("All sources")) + FundingSource.choices + [(NO_BUDGET, _("No budget"))],
        required=False,
    )
    state = forms.ChoiceField(
        label=_("Agreement state"), choices=_blank(_("All states")) + AgreementState.choices, required=False
    )
    tranche_state = forms.MultipleChoiceField(
        label=_("Tranche state"),
        choices=TrancheState.choices,
        required=False,
        help_text=_("None chosen: every state but cancelled."),
    )
    kind = forms.MultipleChoiceField(
        label=_("Ledger entry kind"),
        choices=LedgerKind.choices,
        required=False,
        help_text=_("None chosen: every kind."),
    )
    period = forms.CharField(
        label=_("Quarter due or entered"),
        required=False,
        max_length=7,
        help_text=_("Such as 2017-Q3: tranches due, or entries made, in that quarter, of agreements of any year."),
    )

    def clean_period(self):
        raw = self.cleaned_data.get("period", "").strip().upper()
        if not raw:
            return None
        match = PERIOD.match(raw)
        if not match:
            raise forms.ValidationError(_("Write the quarter as the year, a dash and Q1 to Q4, such as 2017-Q3."))
        year = int(match["year"])
        try:
            parse_year(str(year))
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from None
        return (year, int(match["quarter"]))


ANY_FLAG_STATE = "all"
# A flag's states in the words of the exit mechanism (“Open” alone also names a call that is open).
FLAG_STATE_LABELS = {
    FlagState.OPEN: pgettext_lazy("exit flag", "Open"),
    FlagState.CLEARED: pgettext_lazy("exit flag", "Cleared"),
    FlagState.DISMISSED: pgettext_lazy("exit flag", "Dismissed"),
}


class ExitReportForm(ReportFilterForm):
    year_required = False
    records_choices = (("flags", _("Exit flags")), ("cases", _("Exit cases")))
    rule = forms.ChoiceField(label=_("Rule"), choices=_blank(_("All rules")) + ExitRule.choices, required=False)
    flag_state = forms.ChoiceField(
        label=_("Flag state"),
        choices=[*FLAG_STATE_LABELS.items(), (ANY_FLAG_STATE, _("Any state"))],
        required=False,
        help_text=_("Open flags hold the agreement's unpaid tranches."),
    )
    case_state = forms.ChoiceField(
        label=_("Case state"), choices=_blank(_("All states")) + CaseState.choices, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].help_text = _("Flags raised and cases opened that year; none chosen: every year.")

    def clean(self):
        data = super().clean()
        data["flag_state"] = data.get("flag_state") or FlagState.OPEN
        return data


class AssessmentReportForm(ReportFilterForm):
    unit_kind = forms.ChoiceField(
        label=_("Unit kind"),
        choices=_blank(_("All kinds")) + [(k, UnitKind(k).label) for k in FIELD_UNIT_KINDS],
        required=False,
    )
    state = forms.ChoiceField(
        label=_("State"),
        choices=_blank(_("Computed or later")) + [c for c in AssessmentState.choices if c[0] != AssessmentState.DRAFT],
        required=False,
    )


# Service platform: requests not yet routed to a provider.
NO_PROVIDER = "none"


class ServicesReportForm(ReportFilterForm):
    records_choices = (
        ("requests", _("Service requests")),
        ("financing", _("Financing through the platform")),
        ("purchases", _("First purchases")),
    )
    record_fields = ("instrument",)

    category = forms.ChoiceField(
        label=_("Service category"), choices=_blank(_("All categories")) + ServiceCategory.choices, required=False
    )
    provider = forms.ChoiceField(label=_("Provider"), required=False)
    state = forms.MultipleChoiceField(
        label=_("Request state"), choices=RequestState.choices, required=False, help_text=_("None chosen: every state.")
    )
    instrument = forms.ChoiceField(
        label=_("Instrument"), choices=_blank(_("All instruments")) + FinancingInstrument.choices, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].help_text = _("Requests filed, outcomes decided and purchases made that year.")
        providers = Provider.objects.exclude(state=ProviderState.APPLIED).order_by("category", "name")
        self.fields["provider"].choices = [
            ("", _("All providers")),
            (NO_PROVIDER, _("Not yet routed")),
            *((str(p.pk), p.display_name) for p in providers),
        ]
