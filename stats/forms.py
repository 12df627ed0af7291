"""Forms of the identifying-export requests (stats.services)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from glo_act.calendar_fields import SolarHijriOrGregorianDateField, use_user_calendar
from glo_act.vocabularies import ExploitationType

from .models import ExportRecord


class ExportRequestForm(forms.Form):
    agency = forms.ModelChoiceField(queryset=None, label=_("Cases of"), empty_label=None)
    format = forms.ChoiceField(label=_("Format"), choices=ExportRecord.Format.choices, initial="xlsx")
    date_from = SolarHijriOrGregorianDateField(required=False, label=_("Cases opened from"))
    date_to = SolarHijriOrGregorianDateField(required=False, label=_("to"))
    exploitation_type = forms.ChoiceField(
        required=False, choices=[("", _("Any"))] + list(ExploitationType.choices), label=_("Exploitation type")
    )
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea({"rows": 3, "dir": "auto"}), min_length=10, max_length=2000,
        help_text=_("Who needs these records and why; the supervisor who approves reads this."),
    )  # fmt: skip

    def __init__(self, *args, agencies, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        from partners.models import Agency

        if user is not None:  # dates typed and shown in the user's calendar, any digits
            use_user_calendar(self, user)
        self.fields["agency"].queryset = Agency.objects.filter(id__in=[a.id for a in agencies])

    def filters(self) -> dict:
        data = self.cleaned_data
        out = {k: data[k].isoformat() for k in ("date_from", "date_to") if data.get(k)}
        if data.get("exploitation_type"):
            out["exploitation_type"] = data["exploitation_type"]
        return out


class DecisionForm(forms.Form):
    note = forms.CharField(required=False, max_length=2000, widget=forms.Textarea({"rows": 2, "dir": "auto"}),
                           label=_("Note (required to decline)"))  # fmt: skip


class DownloadForm(forms.Form):
    password = forms.CharField(
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        label=_("Password for the file"),
        help_text=_("At least 12 characters. The file is an AES-256 encrypted zip; the password is not stored, "
                    "so keep it: nobody can recover it."),
    )  # fmt: skip
