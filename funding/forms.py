from django import forms
from django.utils.translation import gettext_lazy as _

from enterprises.models import Enterprise
from qinhuai_talent.core import references
from qinhuai_talent.core.models import FIELD_UNIT_KINDS, OrgUnit
from talents.models import Application, ApplicationState

from .models import Budget, FundingSource, PlanTemplate

MONEY = {"max_digits": 16, "decimal_places": 2, "min_value": 0}


class AgreementForm(forms.Form):
    application = forms.ModelChoiceField(Application.objects.none(), label=_("Approved application"))
    enterprise = forms.ModelChoiceField(Enterprise.objects.none(), label=_("Enterprise"))
    budget = forms.ModelChoiceField(Budget.objects.none(), label=_("Budget"))
    template = forms.ModelChoiceField(PlanTemplate.objects.all(), label=_("Tranche plan"), required=False)
    startup_grant = forms.DecimalField(label=_("Startup grant (yuan)"), initial=0, **MONEY)
    rent_subsidy = forms.DecimalField(label=_("Rent subsidy (yuan)"), initial=0, **MONEY)
    equity_investment = forms.DecimalField(label=_("Equity investment (yuan)"), initial=0, **MONEY)
    city_share = forms.DecimalField(label=_("City share (yuan)"), initial=0, **MONEY)
    starts_on = forms.DateField(label=_("Starts on"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("Ends on"), widget=forms.DateInput(attrs={"type": "date"}))
    # 就高不重复: the office may sign anyway, giving the reason.
    confirm_double_funding = forms.BooleanField(label=_("I have checked the double-funding warning"), required=False)
    reason = forms.CharField(
        label=_("Reason for funding the same person again"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, user, applications, enterprises, budgets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["application"].queryset = applications.filter(state=ApplicationState.APPROVED)
        self.fields["enterprise"].queryset = enterprises
        self.fields["budget"].queryset = budgets
        references.narrow_form(self, user)


class PayForm(forms.Form):
    voucher = forms.CharField(label=_("Voucher number"), max_length=40)
    paid_on = forms.DateField(label=_("Paid on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class EvidenceForm(forms.Form):
    evidence = forms.CharField(label=_("Evidence checked"), widget=forms.Textarea(attrs={"rows": 2}))


class UseOfFundsForm(forms.Form):
    summary = forms.CharField(label=_("How the funds were used"), widget=forms.Textarea(attrs={"rows": 3}))
    submitted_on = forms.DateField(label=_("Submitted on"), widget=forms.DateInput(attrs={"type": "date"}))


class UseOfFundsReportForm(forms.Form):
    """The enterprise's own report on a paid tranche (its checks are the service's)."""

    period_start = forms.DateField(label=_("Period from"), widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label=_("Period to"), widget=forms.DateInput(attrs={"type": "date"}))
    amount_used = forms.DecimalField(label=_("Amount used (yuan)"), **MONEY)
    summary = forms.CharField(label=_("How the funds were used"), widget=forms.Textarea(attrs={"rows": 4}))
    file = forms.FileField(label=_("Statement of expenditure"), help_text=_("PDF, PNG or JPEG, up to 5 MB."))


class RectifyForm(forms.Form):
    rectification_due = forms.DateField(label=_("Rectify by"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("What must be rectified"), widget=forms.Textarea(attrs={"rows": 2}))


class ExitDecisionForm(forms.Form):
    reason = forms.CharField(label=_("Decision and grounds"), widget=forms.Textarea(attrs={"rows": 2}))
    recovery_due = forms.DecimalField(label=_("Amount to recover (yuan)"), initial=0, **MONEY)


class RecoveryForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount received (yuan)"), **MONEY)
    voucher = forms.CharField(label=_("Receipt voucher"), max_length=40)
    received_on = forms.DateField(
        label=_("Received on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class CloseYearForm(forms.Form):
    year = forms.IntegerField(label=_("Financial year"), min_value=1900, max_value=9999)
    reason = forms.CharField(label=_("Reason for closing"), widget=forms.Textarea(attrs={"rows": 2}))


class BudgetForm(forms.Form):
    """A unit's budget of a year from one source (the office's)."""

    org_unit = forms.ModelChoiceField(OrgUnit.objects.none(), label=_("Unit"))
    year = forms.IntegerField(label=_("Year"), min_value=1900, max_value=9999)
    source = forms.ChoiceField(label=_("Source"), choices=FundingSource.choices)
    amount = forms.DecimalField(label=_("Amount (yuan)"), **MONEY)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = OrgUnit.objects.filter(kind__in=FIELD_UNIT_KINDS).order_by("kind", "code")
        references.narrow_form(self, user)


class ApprovalLimitForm(forms.Form):
    """A unit's delegated approval limit (the office's)."""

    org_unit = forms.ModelChoiceField(OrgUnit.objects.none(), label=_("Unit"))
    max_amount = forms.DecimalField(label=_("Approval limit (yuan)"), **MONEY)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = OrgUnit.objects.filter(kind__in=FIELD_UNIT_KINDS).order_by("kind", "code")
        references.narrow_form(self, user)


class ReversalForm(forms.Form):
    """Finance's proposal to reverse a payment: the reversal voucher and why."""

    voucher = forms.CharField(label=_("Reversal voucher number"), max_length=40)
    reason = forms.CharField(label=_("Why the payment is reversed"), widget=forms.Textarea(attrs={"rows": 2}))
