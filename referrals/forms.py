"""Browser forms for referrals. They only shape input: every rule and every write lives in
referrals.services (the consent gate, who may act, which move is legal); a service's
ValidationError comes back through `add_service_errors`, next to the fields, input kept.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.forms import ServiceErrorsMixin, blank, checkboxes
from glo_act.vocabularies import ReferralReason, Service
from partners.countries import country_label
from partners.models import Agency, Country

from .models import DeclineReason, Urgency
from .selectors import receiving_agencies


class AgencySelect(forms.Select):
    """Agency options carry their country and services, so a script can filter them in place."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-country"] = instance.country_id
            option["attrs"]["data-services"] = " ".join(instance.services)
        return option


def agency_label(agency: Agency) -> str:
    place = f" · {agency.city}" if agency.city else ""
    return f"{agency.name}{place}"


def programme_countries():
    rows = Country.objects.filter(is_programme_country=True).order_by("sort_order", "name").values_list("code", "name")
    return [(code, country_label(code, name)) for code, name in rows]


class ReferralForm(ServiceErrorsMixin, forms.Form):
    """Refer a case: where to, for what, why and how urgently; what to share."""

    to_country = forms.ChoiceField(
        label=_("Destination country"),
        help_text=_("Another country makes it a cross-border referral, through both national focal points."),
    )
    services = checkboxes(Service.choices, _("Services needed"))
    to_agency = forms.ModelChoiceField(
        label=_("Receiving agency"),
        queryset=Agency.objects.none(),
        required=False,
        empty_label="—",
        widget=AgencySelect(attrs={"data-agency-filter": "1"}),
        error_messages={
            "invalid_choice": _("Choose an agency in the destination country that offers every service chosen.")
        },
    )
    reason = forms.ChoiceField(label=_("Reason for referral"), choices=blank(ReferralReason.choices))
    urgency = forms.ChoiceField(
        label=_("Urgency"),
        choices=Urgency.choices,
        initial=Urgency.ROUTINE,
        help_text=_("Sets the response deadline."),
    )
    message = forms.CharField(
        label=_("Message to the receiving agency"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
        help_text=_("What they need to know to answer. Avoid names unless identity is shared."),
    )
    share_identity = forms.BooleanField(
        label=_("Share identity and contact details"),
        required=False,
        help_text=_(
            "Only with the person's consent. Without it the agency sees the minimum: case reference, "
            "sex, age band, needs, risk level, languages."
        ),
    )
    override_reason = forms.CharField(
        label=_("Supervisor: send without consent, because"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only when there is no valid consent. Recorded on the referral's timeline."),
    )

    def __init__(self, *args, case, can_override: bool, narrow: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case
        self.fields["to_country"].choices = programme_countries()
        self.fields["to_country"].initial = case.agency.country_id
        self.fields["services"].required = True
        self.fields["services"].error_messages["required"] = _("Choose at least one service.")
        if not can_override:
            del self.fields["override_reason"]
        source = self.data if self.is_bound else self.initial
        country = (source.get("to_country") or case.agency.country_id) if hasattr(source, "get") else None
        services = source.getlist("services") if hasattr(source, "getlist") else list(source.get("services") or [])
        self.chosen_country = country
        self.chosen_services = [s for s in services if s in Service.values]
        # Every agency is listed (a script filters them in place; the service checks the choice);
        # the no-script "Show matching agencies" button asks the server to narrow the list instead.
        self.narrow = narrow
        field = self.fields["to_agency"]
        field.queryset = self.agency_queryset()
        field.label_from_instance = agency_label
        if self.is_cross_border:
            field.help_text = _("Optional across a border: the destination country's focal point can assign it.")

    @property
    def is_cross_border(self) -> bool:
        return bool(self.chosen_country) and self.chosen_country != self.case.agency.country_id

    def agency_queryset(self):
        if not self.narrow:
            return receiving_agencies(exclude=self.case.agency_id).filter(
                is_focal_point=False, country__is_programme_country=True
            )
        qs = receiving_agencies(country=self.chosen_country, exclude=self.case.agency_id).filter(is_focal_point=False)
        if self.chosen_services:
            qs = qs.filter(services__contains=self.chosen_services)
        return qs

    def service_data(self) -> dict:
        d = self.cleaned_data
        return {
            "to_country": d["to_country"],
            "to_agency": d.get("to_agency"),
            "services": d["services"],
            "reason": d["reason"],
            "urgency": d["urgency"],
            "message": d["message"].strip(),
            "share_identity": d["share_identity"],
        }


class SendForm(ServiceErrorsMixin, forms.Form):
    override_reason = forms.CharField(
        label=_("Supervisor: send without consent, because"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only when there is no valid consent. Recorded on the referral's timeline."),
    )


class DeclineForm(ServiceErrorsMixin, forms.Form):
    reason = forms.ChoiceField(label=_("Reason for declining"), choices=blank(DeclineReason.choices))
    details = forms.CharField(label=_("Details"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CompleteForm(ServiceErrorsMixin, forms.Form):
    successful = forms.TypedChoiceField(
        label=_("Was the referral successful?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("If not, why"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    feedback = forms.CharField(
        label=_("Feedback to the sending agency"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReasonForm(ServiceErrorsMixin, forms.Form):
    """Withdraw, or send back to the sender: a written reason."""

    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class AssignForm(ServiceErrorsMixin, forms.Form):
    to_agency = forms.ModelChoiceField(
        label=_("Receiving agency"),
        queryset=Agency.objects.none(),
        empty_label="—",
        widget=AgencySelect,
        error_messages={"invalid_choice": _("Choose an active agency in the destination country.")},
    )

    def __init__(self, *args, referral, **kwargs):
        super().__init__(*args, **kwargs)
        qs = receiving_agencies(country=referral.to_country_id).filter(is_focal_point=False)
        field = self.fields["to_agency"]
        field.queryset = qs
        field.label_from_instance = (
            lambda a: f"{agency_label(a)} — {', '.join(str(Service(s).label) for s in a.services)}"
        )
        if referral.to_agency_id and not self.is_bound:
            field.initial = referral.to_agency_id
