from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from qinhuai_talent.core import references
from qinhuai_talent.core.models import FIELD_UNIT_KINDS, PEOPLE_ORDER, OrgUnit, Role, User
from qinhuai_talent.core.params import MAX_COUNT

from .models import Application, Call, DocumentKind, Education, ExpertDisclosure, Industry, Origin, Program, Talent


class DateInput(forms.DateInput):
    input_type = "date"


class TalentForm(forms.ModelForm):
    class Meta:
        model = Talent
        fields = [
            "name",
            "gender",
            "birth_date",
            "nationality",
            "id_number",
            "education",
            "professional_title",
            "overseas_experience",
            "field",
            "phone",
            "email",
            "org_unit",
        ]
        widgets = {"birth_date": DateInput()}

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = OrgUnit.objects.filter(kind__in=FIELD_UNIT_KINDS)
        if user.role in (Role.STREET, Role.PARK):
            self.fields["org_unit"].initial = user.org_unit_id
        references.narrow_form(self, user)

    def clean_id_number(self):
        number = (self.cleaned_data.get("id_number") or "").strip().upper()
        taken = Talent.objects.filter(id_number=number).exclude(pk=self.instance.pk)
        if number and taken.exists():
            raise forms.ValidationError(_("A talent with this ID number is already registered."), code="duplicate")
        return number


class CallForm(forms.Form):
    program = forms.ModelChoiceField(Program.objects.order_by("level", "code"), label=_("program"))
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("title"), max_length=160)
    opens_on = forms.DateField(label=_("opens on"), widget=DateInput())
    closes_on = forms.DateField(label=_("closes on"), widget=DateInput())
    quota = forms.IntegerField(label=_("quota"), min_value=0, max_value=MAX_COUNT, initial=0)
    focus_industries = forms.ModelMultipleChoiceField(
        Industry.objects.all(), label=_("focus industries"), required=False, widget=forms.CheckboxSelectMultiple
    )
    required_documents = forms.MultipleChoiceField(
        choices=DocumentKind.choices, label=_("required documents"), required=False, widget=forms.CheckboxSelectMultiple
    )
    min_reviews = forms.IntegerField(label=_("minimum expert reviews"), min_value=1, max_value=MAX_COUNT, initial=2)
    notice_days = forms.IntegerField(label=_("public notice days"), min_value=1, max_value=MAX_COUNT, initial=15)
    expert_disclosure = forms.ChoiceField(
        label=_("what experts see of other reviews after submitting their own"),
        choices=ExpertDisclosure.choices,
        initial=ExpertDisclosure.NOTHING,
        required=False,
    )
    legal_representative = forms.BooleanField(label=_("applicant must be the legal representative"), required=False)
    min_own_capital = forms.DecimalField(
        label=_("minimum own paid-in capital (yuan)"), required=False, min_value=0, max_digits=16, decimal_places=2
    )
    min_education = forms.ChoiceField(
        label=_("minimum education"),
        required=False,
        choices=[("", "—"), ("bachelor", _("Bachelor")), ("master", _("Master")), ("doctorate", _("Doctorate"))],
    )
    senior_title_suffices = forms.BooleanField(label=_("a senior professional title also qualifies"), required=False)
    max_company_age_years = forms.IntegerField(
        label=_("maximum company age (years)"), required=False, min_value=0, max_value=MAX_COUNT
    )
    max_age = forms.IntegerField(
        label=_("age limit of the applicant"), required=False, min_value=18, max_value=MAX_COUNT
    )
    rubric = forms.CharField(
        label=_("scoring rubric"),
        widget=forms.Textarea(attrs={"rows": 4}),
        initial="innovation|技术创新性|30\nteam|团队能力|20\nmarket|市场前景|30\nindustry_fit|产业契合度|20",
        help_text=_("One criterion per line: code|label|weight (weights add up to 100)."),
    )

    def clean_rubric(self):
        from .services import CriterionSpec

        specs = []
        for line in self.cleaned_data["rubric"].splitlines():
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split("|")]
            if len(parts) != 3:
                raise forms.ValidationError(_("Each line needs code|label|weight."))
            try:
                specs.append(CriterionSpec(code=parts[0], label=parts[1], weight=forms.DecimalField().clean(parts[2])))
            except forms.ValidationError:
                raise forms.ValidationError(_("The weight “%(w)s” is not a number.") % {"w": parts[2]}) from None
        if not specs:
            raise forms.ValidationError(_("A call needs at least one criterion."))
        return specs

    def eligibility(self) -> dict:
        d = self.cleaned_data
        rules: dict = {}
        if d.get("legal_representative"):
            rules["legal_representative"] = True
        if d.get("min_own_capital") is not None:
            rules["min_own_capital"] = str(d["min_own_capital"])
        if d.get("min_education"):
            rules["min_education"] = d["min_education"]
            if d.get("senior_title_suffices"):
                rules["senior_title_suffices"] = True
        for key in ("max_company_age_years", "max_age"):
            if d.get(key) is not None:
                rules[key] = d[key]
        return rules


class ApplicationForm(forms.ModelForm):
    class Meta:
        model = Application
        fields = [
            "talent",
            "call",
            "industry",
            "venture_name",
            "summary",
            "requested_support",
            "source_channel",
            "is_legal_representative",
            "own_paid_in_capital",
            "company_founded_on",
        ]
        widgets = {"company_founded_on": DateInput(), "summary": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, user: User, talents=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["talent"].queryset = talents if talents is not None else Talent.objects.none()
        # Hundreds of names: the field searches as the officer types (portal.js), the full
        # choice stays the answer without a script.
        self.fields["talent"].widget.attrs.update(
            {"data-lookup": reverse("talents:talent-lookup"), "data-lookup-label": _("Search the applicant by name")}
        )
        self.fields["call"].queryset = Call.objects.filter(state="open").select_related("program")
        references.narrow_form(self, user)


class QuotaForm(forms.Form):
    quota = forms.IntegerField(label=_("quota"), min_value=0, max_value=MAX_COUNT, help_text=_("0: no quota."))
    reason = forms.CharField(label=_("reason"), max_length=100, widget=forms.Textarea(attrs={"rows": 2}))


class ApplicationEditForm(forms.ModelForm):
    """What the unit side may change in a draft or a returned application (not its talent or call)."""

    class Meta:
        model = Application
        fields = [
            "industry",
            "venture_name",
            "summary",
            "requested_support",
            "source_channel",
            "is_legal_representative",
            "own_paid_in_capital",
            "company_founded_on",
        ]
        widgets = {"company_founded_on": DateInput(), "summary": forms.Textarea(attrs={"rows": 4})}


class ActionForm(forms.Form):
    action = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    origin = forms.ChoiceField(label=_("origin"), choices=[("", "—"), *Origin.choices], required=False)
    confirm_double_funding = forms.BooleanField(label=_("I have checked the double-funding warning"), required=False)


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("document"), choices=DocumentKind.choices)
    file = forms.FileField(label=_("file"), help_text=_("PDF, PNG or JPEG, up to 5 MB."))


class AssignForm(forms.Form):
    expert = forms.ModelChoiceField(
        User.objects.filter(role=Role.EXPERT, is_active=True).order_by(*PEOPLE_ORDER), label=_("expert")
    )
    despite_conflict = forms.BooleanField(label=_("Assign despite the conflict"), required=False)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        references.narrow_form(self, user)


class VoteForm(forms.Form):
    votes_for = forms.IntegerField(label=_("votes for"), min_value=0, max_value=MAX_COUNT)
    votes_against = forms.IntegerField(label=_("votes against"), min_value=0, max_value=MAX_COUNT)
    abstentions = forms.IntegerField(label=_("abstentions"), min_value=0, max_value=MAX_COUNT, initial=0)


class ObjectionForm(forms.Form):
    content = forms.CharField(label=_("objection"), widget=forms.Textarea(attrs={"rows": 2}))
    raised_by = forms.CharField(label=_("raised by"), required=False)
    received_on = forms.DateField(label=_("received on"), required=False, widget=DateInput())


class ResolveForm(forms.Form):
    """The findings; the finding itself is the button pressed (uphold or dismiss, each its own step)."""

    resolution = forms.CharField(label=_("investigation and resolution"), widget=forms.Textarea(attrs={"rows": 2}))


class ResolveActionForm(ResolveForm):
    action = forms.ChoiceField(choices=[("uphold", "uphold"), ("dismiss", "dismiss")])


class ConflictForm(forms.Form):
    reason = forms.CharField(label=_("conflict of interest"), widget=forms.Textarea(attrs={"rows": 2}))


def score_form_class(criteria):
    """A form with one bounded field per rubric criterion."""
    fields = {
        c.code: forms.DecimalField(
            label=f"{c.label} ({c.weight}%)", min_value=0, max_value=c.max_score, decimal_places=2, required=True
        )
        for c in criteria
    }
    fields["comment"] = forms.CharField(label=_("comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    return type("ScoreForm", (forms.Form,), fields)


# ---------------------------------------------------------------- online application (issue 16, item 4)


class ApplicantForm(forms.Form):
    """The call's own form, as the applicant fills it in: the host street or park, the venture,
    and what the call's eligibility rules are checked against (only the fields its rules need)."""

    org_unit = forms.ModelChoiceField(
        OrgUnit.objects.filter(kind__in=FIELD_UNIT_KINDS, active=True).order_by("kind", "code"),
        label=_("Host street or park"),
        help_text=_("The street or park where your venture is, or would be, registered."),
    )
    industry = forms.ModelChoiceField(Industry.objects.all(), label=_("industry"))
    venture_name = forms.CharField(label=_("venture"), max_length=160)
    summary = forms.CharField(label=_("venture summary"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    requested_support = forms.DecimalField(
        label=_("requested support (yuan)"), min_value=0, max_digits=16, decimal_places=2, initial=0
    )
    is_legal_representative = forms.BooleanField(label=_("I am the company's legal representative"), required=False)
    own_paid_in_capital = forms.DecimalField(
        label=_("own paid-in capital (yuan)"), min_value=0, max_digits=16, decimal_places=2, initial=0
    )
    company_founded_on = forms.DateField(label=_("company founded on"), required=False, widget=DateInput())
    education = forms.ChoiceField(label=_("education"), choices=[("", "—"), *Education.choices], required=False)
    professional_title = forms.CharField(label=_("professional title"), max_length=60, required=False)
    birth_date = forms.DateField(label=_("birth date"), required=False, widget=DateInput())

    # Which eligibility rule asks for which of the optional fields.
    RULE_FIELDS = {
        "legal_representative": ("is_legal_representative",),
        "min_own_capital": ("own_paid_in_capital",),
        "max_company_age_years": ("company_founded_on",),
        "min_education": ("education", "professional_title"),
        "max_age": ("birth_date",),
    }

    def __init__(self, *args, user: User, call: Call, talent: Talent | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        rules = (call.eligibility or {}) if call is not None else {}
        for rule, names in self.RULE_FIELDS.items():
            for name in names:
                if not rules.get(rule):
                    del self.fields[name]
        if "birth_date" in self.fields and talent is not None and talent.id_number:
            del self.fields["birth_date"]  # the ID number says it
        if talent is not None:
            for name in ("education", "professional_title", "birth_date"):
                if name in self.fields:
                    self.fields[name].initial = getattr(talent, name)
        references.narrow_form(self, user)

    @classmethod
    def initial_from(cls, app: Application) -> dict:
        fields = ("venture_name", "summary", "requested_support", "is_legal_representative", "own_paid_in_capital")
        return {
            "org_unit": app.org_unit_id,
            "industry": app.industry_id,
            "company_founded_on": app.company_founded_on,
            **{name: getattr(app, name) for name in fields},
        }


class ApplicantAttachmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("document"))
    file = forms.FileField(label=_("file"), help_text=_("PDF, PNG or JPEG, up to 5 MB."))

    def __init__(self, *args, kinds: list[str] | None = None, **kwargs):
        """``kinds``: the documents the call asks for (``services.applicant_document_kinds``)."""
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, DocumentKind(k).label) for k in kinds or DocumentKind.values]


class ApplicantSubmitForm(forms.Form):
    reply = forms.CharField(
        label=_("Your reply to the officer"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Say what you changed in answer to the return."),
    )


class ApplicantWithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Why you withdraw"), widget=forms.Textarea(attrs={"rows": 2}))
