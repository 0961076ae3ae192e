from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qinhuai_talent.core import references
from qinhuai_talent.core.models import FIELD_UNIT_KINDS, OrgUnit, UnitKind
from qinhuai_talent.core.params import MAX_COUNT

from .models import ActivityKind, AssessmentScheme, FundRule, Indicator, IndicatorKind, TargetMode
from .sources import source_choices

FIELD_KIND_CHOICES = [(k.value, k.label) for k in FIELD_UNIT_KINDS]


class DateInput(forms.DateInput):
    input_type = "date"


class SchemeForm(forms.Form):
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    unit_kind = forms.ChoiceField(label=_("unit kind"), choices=FIELD_KIND_CHOICES)
    name = forms.CharField(label=_("name"), max_length=160)


class SchemeCopyForm(forms.Form):
    source = forms.ModelChoiceField(
        label=_("copy from"), queryset=AssessmentScheme.objects.order_by("-year", "unit_kind")
    )
    year = forms.IntegerField(label=_("for the year"), min_value=2000, max_value=2100)
    with_targets = forms.BooleanField(label=_("copy the targets too"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        # It shares the schemes page with the new-scheme form, which also has a year: its ids
        # differ so that each label points at its own input.
        kwargs.setdefault("auto_id", "id_copy_%s")
        super().__init__(*args, **kwargs)


class IndicatorForm(forms.Form):
    key = forms.SlugField(label=_("key"), max_length=60)
    label = forms.CharField(label=_("indicator"), max_length=160)
    weight = forms.DecimalField(label=_("weight"), min_value=0, max_digits=6, decimal_places=2)
    mode = forms.ChoiceField(label=_("target mode"), choices=TargetMode.choices)
    kind = forms.ChoiceField(label=_("kind"), choices=IndicatorKind.choices)
    source = forms.ChoiceField(label=pgettext_lazy("indicator", "source"), required=False)
    core = forms.BooleanField(label=_("common core"), required=False, initial=True)
    is_veto = forms.BooleanField(label=_("veto item (一票否决)"), required=False)
    min_value = forms.DecimalField(
        label=_("minimum manual value"), initial=Decimal("0"), max_digits=16, decimal_places=2
    )
    max_value = forms.DecimalField(label=_("maximum manual value"), required=False, max_digits=16, decimal_places=2)
    points_per_unit = forms.DecimalField(
        label=_("bonus points per unit"), required=False, min_value=0, max_digits=8, decimal_places=2
    )
    unit_label = forms.CharField(label=_("unit of measure"), max_length=20, required=False)
    order = forms.IntegerField(label=_("order"), min_value=0, max_value=MAX_COUNT, initial=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [("", _("Entered by hand, with evidence"))] + source_choices()


class GradeBandForm(forms.Form):
    code = forms.SlugField(label=_("code"), max_length=20)
    label = forms.CharField(label=pgettext_lazy("assessment", "grade"), max_length=40)
    label_en = forms.CharField(label=_("grade in English"), max_length=40, required=False)
    min_total = forms.DecimalField(label=_("minimum total"), min_value=0, max_digits=7, decimal_places=2)
    fund_factor = forms.DecimalField(
        label=_("work-fund factor"), min_value=0, max_digits=5, decimal_places=2, initial=Decimal("1")
    )

    def __init__(self, *args, **kwargs):
        # It shares the scheme's page with the indicator form, which also has a label: its ids
        # differ so that each label points at its own input.
        kwargs.setdefault("auto_id", "id_band_%s")
        super().__init__(*args, **kwargs)


class TargetForm(forms.Form):
    indicator = forms.ModelChoiceField(label=_("indicator"), queryset=Indicator.objects.none())
    org_unit = forms.ModelChoiceField(label=_("unit"), queryset=OrgUnit.objects.none())
    value = forms.DecimalField(label=_("target"), min_value=0, max_digits=16, decimal_places=2)

    def __init__(self, *args, user, year: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        indicators = Indicator.objects.select_related("scheme").exclude(scheme__state="closed")
        if year:
            indicators = indicators.filter(scheme__year=year)
        self.fields["indicator"].queryset = indicators.order_by("-scheme__year", "scheme__unit_kind", "order")
        self.fields["indicator"].label_from_instance = lambda i: (
            f"{i.scheme.year} · {UnitKind(i.scheme.unit_kind).label} · {i.label}"
        )
        self.fields["org_unit"].queryset = OrgUnit.objects.filter(kind__in=FIELD_UNIT_KINDS, active=True)
        references.narrow_form(self, user)


class ManualValueForm(forms.Form):
    value = forms.DecimalField(label=_("value"), max_digits=16, decimal_places=2)
    evidence = forms.CharField(label=_("evidence"), widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("comment or reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ActivityForm(forms.Form):
    org_unit = forms.ModelChoiceField(label=_("unit"), queryset=OrgUnit.objects.none())
    kind = forms.ChoiceField(label=_("kind"), choices=ActivityKind.choices)
    title = forms.CharField(label=_("title"), max_length=160)
    held_on = forms.DateField(label=_("held on"), widget=DateInput)
    participants = forms.IntegerField(label=_("participants"), min_value=0, max_value=MAX_COUNT, initial=0)
    notes = forms.CharField(label=_("notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        units = OrgUnit.objects.filter(kind__in=FIELD_UNIT_KINDS, active=True)
        if user is not None and user.role in ("street", "park"):
            units = units.filter(pk=user.org_unit_id)
            self.fields["org_unit"].initial = user.org_unit_id
        self.fields["org_unit"].queryset = units
        references.narrow_form(self, user)


class PoolForm(forms.Form):
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    name = forms.CharField(label=_("name"), max_length=120)
    unit_kind = forms.ChoiceField(
        label=_("unit kind"),
        choices=[("", _("All streets, parks and the innovation group"))] + FIELD_KIND_CHOICES,
        required=False,
    )
    amount = forms.DecimalField(label=_("amount (yuan)"), min_value=Decimal("0.01"), max_digits=16, decimal_places=2)
    rule = forms.ChoiceField(label=_("split rule"), choices=FundRule.choices)
    base_percent = forms.DecimalField(
        label=_("equal base share (%)"), min_value=0, max_value=100, initial=Decimal("0"), decimal_places=2
    )
    min_total = forms.DecimalField(
        label=_("minimum total to share"), min_value=0, initial=Decimal("0"), max_digits=7, decimal_places=2
    )
