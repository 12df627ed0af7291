"""Browser forms. They only shape input: every rule and every write lives in cases.services.

A form's cleaned_data is passed to the matching service; the service's ValidationError comes
back through `add_service_errors`, so its messages show next to the fields, input kept.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from glo_act.calendar_fields import SolarHijriOrGregorianDateField
from glo_act.calendars import normalise_digits
from glo_act.vocabularies import (
    CaseClosureReason,
    CaseStage,
    CaseStatus,
    ConsentGivenBy,
    ConsentPurpose,
    DocumentType,
    ExploitationType,
    ForcedLabourIndustry,
    Gender,
    IdentificationContext,
    IloIndicator,
    Language,
    MethodOfControl,
    PalermoAct,
    PalermoMeans,
    PalermoPurpose,
    RecruitmentMethod,
    ReflectionEndReason,
    RelationshipToTrafficker,
    RiskFactor,
    RiskLevel,
    Service,
    SexExploitationType,
    StatusDecisionOrg,
    SupportType,
    TraffickingStatus,
    Vulnerability,
)
from partners.countries import country_label
from partners.models import CASE_ROLES, Agency, Country, Province, User


class DigitsIntegerField(forms.IntegerField):
    """A whole number typed with any digits (Latin, Persian or Arabic-Indic); left-to-right.

    A text input: a browser's <input type="number"> refuses Persian digits.
    """

    widget = forms.TextInput

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "inputmode": "numeric", "dir": "ltr", "autocomplete": "off"}

    def to_python(self, value):
        if isinstance(value, str):
            value = normalise_digits(value.strip().replace("\u066c", "").replace("\u066b", "."))
        return super().to_python(value)


def blank(choices, label="—"):
    return [("", label), *choices]


def checkboxes(choices, label, **kw):
    return forms.MultipleChoiceField(
        choices=choices,
        label=label,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        **kw,
    )


class ProvinceSelect(forms.Select):
    """A province select whose options carry their country, so a script can filter them."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-country"] = instance.country_id
        return option


def country_choices(blank_label=None):
    """Countries grouped: the programme countries first, then every other country."""
    programme, other = [], []
    for code, name, is_programme in Country.objects.values_list("code", "name", "is_programme_country").order_by(
        "sort_order", "name"
    ):
        (programme if is_programme else other).append((code, country_label(code, name)))
    groups = [(_("Programme countries"), programme), (_("Other countries"), other)]
    return ([("", blank_label)] if blank_label is not None else []) + groups


class ServiceErrorsMixin:
    """Put a service's ValidationError on the fields it names (or on the form as a whole)."""

    def add_service_errors(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                target = field if field in self.fields else None
                for err in errors:
                    message = " ".join(err.messages)
                    if target is None and field != "__all__":
                        label = field.replace("_", " ").capitalize()
                        message = f"{label}: {message}"
                    self.add_error(target, message)
        else:
            self.add_error(None, error.messages)


class PersonForm(ServiceErrorsMixin, forms.Form):
    given_name = forms.CharField(label=_("Given name (original script)"), max_length=100, required=False)
    family_name = forms.CharField(label=_("Family name (original script)"), max_length=100, required=False)
    given_name_latin = forms.CharField(label=_("Given name (Latin letters)"), max_length=100, required=False)
    family_name_latin = forms.CharField(label=_("Family name (Latin letters)"), max_length=100, required=False)
    aliases = forms.CharField(
        label=_("Other names or aliases"),
        required=False,
        help_text=_("Separate several names with commas."),
    )
    father_name = forms.CharField(label=_("Father's name"), max_length=100, required=False)
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices, initial=Gender.NONSPECIFIEDUNKNOWN)
    date_of_birth = SolarHijriOrGregorianDateField(label=_("Date of birth"), required=False)
    estimated_age = DigitsIntegerField(
        label=_("Estimated age (years)"),
        required=False,
        min_value=0,
        max_value=120,
        help_text=_("When the date of birth is not known."),
    )
    citizenships = forms.MultipleChoiceField(
        label=_("Citizenship"),
        required=False,
        help_text=_("Hold Ctrl (Cmd on a Mac) to choose more than one."),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    languages = checkboxes(Language.choices, _("Languages spoken"))
    vulnerabilities = checkboxes(Vulnerability.choices, _("Vulnerabilities"))
    document_type = forms.ChoiceField(
        label=_("Identity document"),
        choices=blank(DocumentType.choices),
        required=False,
    )
    document_number = forms.CharField(label=_("Document number"), max_length=60, required=False)
    document_country = forms.ModelChoiceField(
        label=_("Document issued by"), queryset=Country.objects.all(), required=False, empty_label="—"
    )
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    current_country = forms.ModelChoiceField(
        label=_("Currently in (country)"), queryset=Country.objects.all(), required=False, empty_label="—"
    )
    current_province = forms.ModelChoiceField(
        label=_("Currently in (province)"),
        queryset=Province.objects.all(),
        required=False,
        empty_label="—",
        widget=ProvinceSelect(attrs={"data-province-of": "current_country"}),
    )
    current_address = forms.CharField(label=_("Current address or exact location"), max_length=255, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["citizenships"].choices = country_choices()
        for name in ("given_name", "family_name", "father_name", "aliases", "current_address"):
            self.fields[name].widget.attrs["dir"] = "auto"
        for name in ("given_name_latin", "family_name_latin", "document_number", "phone", "email"):
            self.fields[name].widget.attrs["dir"] = "ltr"
        self.fields["phone"].widget.attrs["inputmode"] = "tel"
        if user is not None:
            from glo_act.calendar_fields import use_user_calendar

            use_user_calendar(self, user)  # the date of birth in the user's calendar, any digits

    def clean_phone(self):
        return normalise_digits(self.cleaned_data.get("phone") or "").strip()

    def clean_document_number(self):
        return normalise_digits(self.cleaned_data.get("document_number") or "").strip()

    def clean(self):
        data = super().clean()
        names = ("given_name", "family_name", "given_name_latin", "family_name_latin", "aliases")
        if not any((data.get(name) or "").strip() for name in names):
            # Person.clean says the same; checked here too so that it shows with the other errors.
            raise ValidationError(_("Give at least one name or alias (original script or Latin letters)."))
        if data.get("date_of_birth") and data.get("estimated_age") is not None:
            self.add_error(
                "estimated_age",
                _("Give either the date of birth or an estimated age, not both."),
            )
        return data

    def service_data(self, estimated_on=None) -> dict:
        data = dict(self.cleaned_data)
        data["aliases"] = [a.strip() for a in data["aliases"].split(",") if a.strip()]
        if data.get("estimated_age") is not None:
            data["age_estimated_on"] = estimated_on or timezone.localdate()
        return data


class IdentificationForm(ServiceErrorsMixin, forms.Form):
    identified_on = SolarHijriOrGregorianDateField(label=_("Date of identification"), initial=timezone.localdate)
    country = forms.ModelChoiceField(label=_("Country"), queryset=Country.objects.filter(is_programme_country=True))
    province = forms.ModelChoiceField(
        label=_("Province"),
        queryset=Province.objects.filter(country__is_programme_country=True),
        required=False,
        empty_label="—",
        widget=ProvinceSelect(attrs={"data-province-of": "country"}),
    )
    place = forms.CharField(
        label=_("Place"),
        max_length=200,
        required=False,
        help_text=_("Town, street or site. Hidden from anyone without identity access."),
    )
    context = forms.ChoiceField(label=_("How the person was met"), choices=blank(IdentificationContext.choices))
    acts = checkboxes(PalermoAct.choices, _("Act"))
    means = checkboxes(
        PalermoMeans.choices,
        _("Means"),
        help_text=_("Not needed for a child (Palermo Protocol, Art. 3(c))."),
    )
    purposes = checkboxes(PalermoPurpose.choices, _("Purpose"))
    exploitation_types = checkboxes(ExploitationType.choices, _("Type of exploitation"))
    forced_labour_industry = forms.ChoiceField(
        label=_("Industry (forced labour only)"),
        choices=blank(ForcedLabourIndustry.choices),
        required=False,
    )
    sex_exploitation_types = checkboxes(SexExploitationType.choices, _("Type of sexual exploitation"))
    methods_of_control = checkboxes(MethodOfControl.choices, _("Methods of control"))
    recruitment_methods = checkboxes(RecruitmentMethod.choices, _("How recruited"))
    relationship_to_recruiter = forms.ChoiceField(
        label=_("Relationship to the recruiter"),
        choices=blank(RelationshipToTrafficker.choices),
        required=False,
    )
    ilo_indicators = checkboxes(IloIndicator.choices, _("ILO indicators of forced labour"))
    is_smuggled_migrant = forms.BooleanField(
        label=_("Smuggled migrant (may also be a victim of trafficking)"), required=False
    )
    trafficking_status = forms.ChoiceField(
        label=_("Trafficking status"),
        choices=TraffickingStatus.choices,
        initial=TraffickingStatus.SCREENED,
    )
    status_decided_by = forms.ChoiceField(
        label=_("Decided by"), choices=blank(StatusDecisionOrg.choices), required=False
    )
    status_decided_on = SolarHijriOrGregorianDateField(label=_("Decided on"), required=False)
    narrative = forms.CharField(
        label=_("What happened"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("In the person's words where possible. Hidden from oversight roles."),
    )

    def __init__(self, *args, agency=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if agency is not None and not self.is_bound:
            self.fields["country"].initial = agency.country_id
        if user is not None:
            from glo_act.calendar_fields import use_user_calendar

            use_user_calendar(self, user)  # dates in the user's calendar, any digits

    def service_data(self) -> dict:
        return dict(self.cleaned_data)


class AgencyChoiceForm(forms.Form):
    agency = forms.ModelChoiceField(label=_("Identifying agency"), queryset=Agency.objects.none())

    def __init__(self, *args, agency_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        qs = Agency.objects.filter(id__in=agency_ids, is_active=True).order_by("name")
        self.fields["agency"].queryset = qs
        self.fields["agency"].empty_label = None
        self.only_agency = qs[0] if len(qs) == 1 else None
        if self.only_agency is not None:
            # One agency: no choice to make, the field is hidden and defaults to it.
            self.fields["agency"].required = False

    def clean_agency(self):
        return self.cleaned_data.get("agency") or self.only_agency


class CaseUpdateForm(ServiceErrorsMixin, forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (CaseStatus.ACTIVE.value, CaseStatus.ACTIVE.label),
            (CaseStatus.FOLLOWUP.value, CaseStatus.FOLLOWUP.label),
        ],
        required=False,
    )
    stage = forms.ChoiceField(label=_("Stage"), choices=CaseStage.choices, required=False)
    assigned_to = forms.ModelChoiceField(
        label=_("Assigned to"), queryset=User.objects.none(), required=False, empty_label=_("(unchanged)")
    )

    def __init__(self, *args, case, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "status": case.status if not case.is_closed else "",
                "stage": case.stage,
                "assigned_to": case.assigned_to_id,
            },
        )
        super().__init__(*args, **kwargs)
        if case.is_closed:
            self.fields["status"].choices = [("", _("Closed (keep)")), *self.fields["status"].choices]
        self.fields["assigned_to"].queryset = (
            User.objects.filter(
                memberships__agency_id=case.agency_id,
                memberships__is_active=True,
                memberships__role__in=list(CASE_ROLES),
                is_active=True,
            )
            .distinct()
            .order_by("first_name", "username")
        )
        self.fields["assigned_to"].label_from_instance = lambda u: u.get_full_name() or u.username

    def service_data(self) -> dict:
        return {k: (v or None) for k, v in self.cleaned_data.items()}


class CaseCloseForm(ServiceErrorsMixin, forms.Form):
    closure_reason = forms.ChoiceField(label=_("Reason for closing"), choices=blank(CaseClosureReason.choices))
    notes = forms.CharField(label=_("Closing notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    referred = forms.BooleanField(label=_("Closed because referred to another agency"), required=False)
    closed_on = SolarHijriOrGregorianDateField(label=_("Closed on"), required=False)

    def service_data(self) -> dict:
        d = self.cleaned_data
        return {
            "reason": d["closure_reason"],
            "notes": d["notes"],
            "referred": d["referred"],
            "closed_on": d["closed_on"],
        }


class NoteForm(ServiceErrorsMixin, forms.Form):
    text = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}))

    def service_data(self) -> dict:
        return {"text": self.cleaned_data["text"]}


class ConsentForm(ServiceErrorsMixin, forms.Form):
    purpose = forms.ChoiceField(label=_("Consent to"), choices=blank(ConsentPurpose.choices))
    granted = forms.TypedChoiceField(
        label=_("Answer"),
        choices=[("yes", _("Given")), ("no", _("Refused"))],
        coerce=lambda v: v == "yes",
        initial="yes",
        widget=forms.RadioSelect,
    )
    given_by = forms.ChoiceField(label=_("Given by"), choices=ConsentGivenBy.choices)
    guardian_name = forms.CharField(label=_("Guardian's name"), max_length=150, required=False)
    given_on = SolarHijriOrGregorianDateField(label=_("Date"), initial=timezone.localdate)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def service_data(self) -> dict:
        return dict(self.cleaned_data)


class ConsentWithdrawForm(ServiceErrorsMixin, forms.Form):
    withdrawal_reason = forms.CharField(label=_("Why is consent withdrawn?"), max_length=500)

    def service_data(self) -> dict:
        return {"reason": self.cleaned_data["withdrawal_reason"]}


class RiskAssessmentForm(ServiceErrorsMixin, forms.Form):
    assessed_on = SolarHijriOrGregorianDateField(label=_("Assessed on"), initial=timezone.localdate)
    risk_level = forms.ChoiceField(label=_("Risk level"), choices=blank(RiskLevel.choices))
    risk_factors = checkboxes(RiskFactor.choices, _("Risk factors"))
    is_return_assessment = forms.BooleanField(label=_("Assessment of the risks of return"), required=False)
    safety_plan = forms.CharField(label=_("Safety plan"), widget=forms.Textarea(attrs={"rows": 3}))
    next_review_on = SolarHijriOrGregorianDateField(label=_("Next review on"))
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def service_data(self) -> dict:
        return dict(self.cleaned_data)


class BestInterestsForm(ServiceErrorsMixin, forms.Form):
    decided_on = SolarHijriOrGregorianDateField(label=_("Decided on"), initial=timezone.localdate)
    panel = forms.CharField(label=_("Panel or authority"), max_length=200)
    family_assessed = forms.BooleanField(label=_("Family assessment done"), required=False)
    recommends_return = forms.BooleanField(label=_("Return is in the child's best interests"), required=False)
    summary = forms.CharField(label=_("Summary of the determination"), widget=forms.Textarea(attrs={"rows": 3}))

    def service_data(self) -> dict:
        return dict(self.cleaned_data)


class ReflectionStartForm(ServiceErrorsMixin, forms.Form):
    start_date = SolarHijriOrGregorianDateField(label=_("Starts on"), initial=timezone.localdate)
    days = DigitsIntegerField(label=_("Days"), min_value=1, max_value=365, initial=30)

    def service_data(self) -> dict:
        return dict(self.cleaned_data)


class ReflectionEndForm(ServiceErrorsMixin, forms.Form):
    ended_on = SolarHijriOrGregorianDateField(label=_("Ended on"), initial=timezone.localdate)
    end_reason = forms.ChoiceField(label=_("Why it ended"), choices=blank(ReflectionEndReason.choices))

    def service_data(self) -> dict:
        return dict(self.cleaned_data)


class SupportPlanForm(ServiceErrorsMixin, forms.Form):
    type = forms.ChoiceField(label=_("Type of support"), choices=blank(SupportType.choices))
    objectives = forms.CharField(label=_("Objectives"), widget=forms.Textarea(attrs={"rows": 3}))
    action_plan = forms.CharField(label=_("Action plan"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    planned_end_date = SolarHijriOrGregorianDateField(label=_("Planned end"), required=False)

    def service_data(self) -> dict:
        return dict(self.cleaned_data)


class ServiceDeliveryForm(ServiceErrorsMixin, forms.Form):
    service = forms.ChoiceField(label=_("Service"), choices=blank(Service.choices))
    provider = forms.ModelChoiceField(
        label=_("Provided by"),
        queryset=Agency.objects.filter(is_active=True).order_by("name"),
        required=False,
        empty_label=_("My agency"),
    )
    support_plan = forms.ModelChoiceField(
        label=_("Under support plan"), queryset=None, required=False, empty_label=_("None")
    )
    started_on = SolarHijriOrGregorianDateField(label=_("Started on"), initial=timezone.localdate)
    ended_on = SolarHijriOrGregorianDateField(label=_("Ended on"), required=False)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["support_plan"].queryset = case.support_plans.all()
        self.fields["support_plan"].label_from_instance = lambda p: p.get_type_display()

    def service_data(self) -> dict:
        return dict(self.cleaned_data)


class CaseShareForm(ServiceErrorsMixin, forms.Form):
    """A supervisor shares the case with another agency's staff (an explicit, recorded exception)."""

    agency = forms.ModelChoiceField(label=_("Share with"), queryset=Agency.objects.none(), empty_label="—")
    include_identity = forms.BooleanField(
        label=_("Include identifying data (names, contacts, places, notes)"),
        required=False,
        help_text=_("Only when the person's consent covers it. Without it the agency sees the pseudonymous case."),
    )
    allow_services = forms.BooleanField(label=_("Let them record services delivered"), required=False, initial=True)
    reason = forms.CharField(label=_("Why"), max_length=200, help_text=_("Recorded on the case timeline."))

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = (
            Agency.objects.filter(is_active=True).exclude(pk=case.agency_id).select_related("country")
            .order_by("country__sort_order", "name")
        )  # fmt: skip

    def service_data(self) -> dict:
        return dict(self.cleaned_data)


class CaseUnshareForm(ServiceErrorsMixin, forms.Form):
    reason = forms.CharField(label=_("Why end the share"), max_length=200)

    def service_data(self) -> dict:
        return {"reason": self.cleaned_data["reason"]}
