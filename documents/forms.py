from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AttachmentKind
from .services import DESCRIPTION_MAX, REASON_MAX

ACCEPT = ".pdf,.jpg,.jpeg,.png,.webp,application/pdf,image/jpeg,image/png,image/webp"


class AttachmentForm(forms.Form):
    """Shape only: the service decides by content whether the file is kept."""

    file = forms.FileField(
        label=_("File"),
        help_text=_("A PDF, JPEG, PNG or WebP file. Photos are re-saved without their location and camera data."),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        error_messages={"required": _("Choose a file to attach.")},
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("Decide from the file")), *AttachmentKind.choices]
    )
    description = forms.CharField(label=_("Description"), required=False, max_length=DESCRIPTION_MAX)

    def add_service_errors(self, error):
        for field, messages in error.message_dict.items():
            self.add_error(field if field in self.fields else None, messages)


class AttachmentDeleteForm(forms.Form):
    reason = forms.CharField(label=_("Why remove this attachment?"), max_length=REASON_MAX)
