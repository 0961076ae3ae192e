"""Forms of the service platform pages: they parse; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from enterprises.models import FinancingInstrument
from qinhuai_talent.core import references

from .models import OutcomeResult, ServiceCategory


class CatalogueSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=80)
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("All categories")), *ServiceCategory.choices]
    )


class ProviderForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=120)
    name_en = forms.CharField(label=_("English name"), max_length=160, required=False)
    category = forms.ChoiceField(label=_("Main category"), choices=ServiceCategory.choices)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    contact_name = forms.CharField(label=_("Contact person"), max_length=40, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=30, required=False)
    contact_email = forms.EmailField(label=_("Contact email"), required=False)
    service_area = forms.CharField(label=_("Service area"), max_length=160, required=False)


class ProviderActionForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in ("accredit", "suspend", "reinstate", "revoke")])
    reason = forms.CharField(required=False, max_length=2000)


class ThresholdsForm(forms.Form):
    min_on_time_rate = forms.DecimalField(
        label=_("Minimum on-time delivery rate (%)"), max_digits=5, decimal_places=2, min_value=0, max_value=100
    )
    min_rating = forms.DecimalField(
        label=_("Minimum average rating"), max_digits=3, decimal_places=2, min_value=1, max_value=5
    )
    min_requests = forms.IntegerField(
        label=_("Judged from this many requests"),
        min_value=1,
        max_value=1000,
        help_text=_("A provider with fewer delivered (or rated) requests in the year is not judged on them."),
    )


class ServiceForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=ServiceCategory.choices)
    name = forms.CharField(label=_("name"), max_length=120)
    name_en = forms.CharField(label=_("English name"), max_length=160, required=False)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    description_en = forms.CharField(
        label=_("English description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    price = forms.DecimalField(
        label=_("Price (yuan)"),
        max_digits=12,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text=_("Leave empty for a free service."),
    )
    expected_days = forms.IntegerField(label=_("Expected days"), min_value=1, max_value=3650)


class FinancingWanted(forms.Form):
    """A financing request's ask (科技金融): after the request's own fields."""

    amount_wanted = forms.DecimalField(
        label=_("Financing wanted (yuan)"),
        max_digits=14,
        decimal_places=2,
        required=False,
        help_text=_("Only for a financing request (technology finance): the amount, the use and the instrument."),
    )
    use = forms.CharField(label=_("Use of the money"), max_length=2000, required=False)
    instrument = forms.ChoiceField(
        label=_("Instrument wanted"), choices=[("", "—"), *FinancingInstrument.choices], required=False
    )


class RequestForm(FinancingWanted):
    """Filed by the unit's officer on the enterprise's behalf, or by the office."""

    field_order = ["enterprise", "category", "need", "service", "plan_item"]

    enterprise = forms.ModelChoiceField(label=_("Enterprise"), queryset=None)
    category = forms.ChoiceField(label=_("Category"), choices=ServiceCategory.choices)
    need = forms.CharField(label=_("What the enterprise needs"), widget=forms.Textarea(attrs={"rows": 3}))
    service = forms.ModelChoiceField(
        label=_("Service"), queryset=None, required=False, empty_label=_("Let the unit assign a provider")
    )
    plan_item = forms.ModelChoiceField(label=_("From the support plan item"), queryset=None, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from enterprises.models import OPEN_SUPPORT_STATUSES
        from enterprises.selectors import enterprises_for, support_items_for

        from .selectors import services_for

        self.fields["enterprise"].queryset = enterprises_for(user).order_by("name")
        self.fields["service"].queryset = (
            services_for(user)
            .filter(active=True, provider__state="accredited")
            .order_by("category", "provider__name", "name")
        )
        self.fields["plan_item"].queryset = support_items_for(user).filter(status__in=OPEN_SUPPORT_STATUSES)
        references.narrow_form(self, user)


class OwnRequestForm(FinancingWanted):
    """An enterprise asks for a service itself, usually from the catalogue (service and category
    prefilled), possibly for one of its own 一企一策 plan items; or for financing."""

    field_order = ["category", "need", "service", "plan_item"]

    category = forms.ChoiceField(label=_("Category"), choices=ServiceCategory.choices)
    need = forms.CharField(label=_("What you need"), widget=forms.Textarea(attrs={"rows": 3}))
    service = forms.ModelChoiceField(
        label=_("Service"), queryset=None, required=False, empty_label=_("Let the unit assign a provider")
    )
    plan_item = forms.ModelChoiceField(
        label=_("For the support plan item"),
        queryset=None,
        required=False,
        empty_label=_("None"),
        help_text=_("A plan item whose request is closed counts as done."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from .selectors import catalogue_services, own_open_plan_items

        self.fields["service"].queryset = catalogue_services().order_by("category", "provider__name", "name")
        self.fields["plan_item"].queryset = own_open_plan_items(user)


class AssignForm(forms.Form):
    provider = forms.ModelChoiceField(label=_("Provider"), queryset=None)
    service = forms.ModelChoiceField(label=_("Service"), queryset=None, required=False)

    def __init__(self, *args, user, category: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        from .models import Provider, Service

        self.fields["provider"].queryset = Provider.objects.filter(state="accredited").order_by("category", "name")
        offered = Service.objects.filter(active=True, provider__state="accredited").select_related("provider")
        self.fields["service"].queryset = offered.filter(category=category) if category else offered
        references.narrow_form(self, user)


class OutcomeForm(forms.Form):
    """A financing request's outcome, recorded by its provider."""

    outcome = forms.ChoiceField(label=_("Outcome"), choices=OutcomeResult.choices)
    amount = forms.DecimalField(label=_("Amount granted (yuan)"), max_digits=14, decimal_places=2, required=False)
    instrument = forms.ChoiceField(
        label=_("Instrument granted"), choices=[("", "—"), *FinancingInstrument.choices], required=False
    )
    rate = forms.DecimalField(
        label=_("Rate (percent a year)"),
        max_digits=6,
        decimal_places=3,
        required=False,
        help_text=_("A loan's interest or a guarantee's fee."),
    )
    valuation = forms.DecimalField(
        label=_("Valuation (yuan)"),
        max_digits=16,
        decimal_places=2,
        required=False,
        help_text=_("An equity investment's post-money valuation."),
    )
    decided_on = forms.DateField(label=_("Decided on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Reason for refusal"), max_length=2000, required=False)


class FundBudgetForm(forms.Form):
    provider = forms.ModelChoiceField(label=_("Guidance fund"), queryset=None)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    amount = forms.DecimalField(label=_("Committed (yuan)"), max_digits=16, decimal_places=2, min_value=0)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import Provider

        self.fields["provider"].queryset = Provider.objects.filter(category=ServiceCategory.TECH_FINANCE).order_by(
            "name"
        )
        references.narrow_form(self, user)


class FirstPurchaseForm(forms.Form):
    enterprise = forms.ModelChoiceField(label=_("Enterprise"), queryset=None)
    buyer = forms.CharField(label=_("Buyer department"), max_length=120)
    product = forms.CharField(label=_("Product"), max_length=160)
    amount = forms.DecimalField(label=_("Amount (yuan)"), max_digits=14, decimal_places=2)
    purchased_on = forms.DateField(label=_("Purchased on"), widget=forms.DateInput(attrs={"type": "date"}))
    contract_number = forms.CharField(label=_("Contract number"), max_length=60)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from enterprises.selectors import enterprises_for

        self.fields["enterprise"].queryset = enterprises_for(user).order_by("name")
        references.narrow_form(self, user)


class FirstPurchaseFilterForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)
    q = forms.CharField(label=_("Search"), max_length=80, required=False)


class RequestActionForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in ("accept", "decline", "start", "deliver", "close", "cancel")])
    reason = forms.CharField(required=False, max_length=2000)
    note = forms.CharField(required=False, max_length=4000)
    rating = forms.IntegerField(required=False, min_value=1, max_value=5)
    comment = forms.CharField(required=False, max_length=2000)
