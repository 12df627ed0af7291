from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class OTPForm(forms.Form):
    otp = forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=_("The 6-digit code your authenticator app shows now, or one of your recovery codes."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True, "dir": "ltr"}
        ),
    )


class EnrolForm(forms.Form):
    otp = forms.CharField(
        label=_("Code"),
        max_length=10,
        help_text=_("The 6-digit code the app shows after you added the account."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "dir": "ltr"}),
    )


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("What the token is for, e.g. the script that uses it.")
    )


# --- issue 6: language and calendar -----------------------------------------------------------


class LanguageSelect(forms.Select):
    """Each language is offered in its own name, marked with its language (for its font and voice)."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if value:
            option["attrs"]["lang"] = value
        return option


class PreferencesForm(forms.Form):
    """The account page's language and calendar; accounts.services.preferences_update checks and saves."""

    language = forms.ChoiceField(label=_("Language"), required=False, widget=LanguageSelect)
    calendar = forms.ChoiceField(label=_("Calendar"), required=False)

    def __init__(self, *args, automatic_language: str = "", automatic_calendar: str = "", **kwargs):
        from partners.models import User

        super().__init__(*args, **kwargs)
        names = dict(settings.LANGUAGES)
        automatic = gettext("Automatic (now %(language)s)") % {
            "language": names.get(automatic_language, automatic_language)
        }
        self.fields["language"].choices = [("", automatic), *settings.LANGUAGES]
        self.fields["language"].help_text = gettext(
            "The language of every page and of the e-mails you receive. Automatic follows the country of "
            "your agency; English when you work with agencies in several countries."
        )
        calendars = [(value, label) for value, label in User._meta.get_field("calendar").choices if value]
        calendar_names = dict(calendars)
        self.fields["calendar"].choices = [
            ("", gettext("Automatic (now %(calendar)s)") % {"calendar": calendar_names.get(automatic_calendar, "")}),
            *calendars,
        ]
        self.fields["calendar"].help_text = gettext(
            "The calendar dates are shown and typed in. Automatic is the Solar Hijri calendar when all your "
            "agencies are in Iran or Afghanistan, else the Gregorian calendar. Dates are stored the same way "
            "whatever you choose."
        )
