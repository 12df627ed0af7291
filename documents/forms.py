from django import forms

from .models import AttachmentKind
from .services import DESCRIPTION_MAX, REASON_MAX

ACCEPT = ".pdf,.jpg,.jpeg,.png,.webp,application/pdf,image/jpeg,image/png,image/webp"


class AttachmentForm(forms.Form):
    """Shape only: the service decides by content whether the file is kept."""

    file = forms.FileField(
        label="File",
        help_text="A PDF, JPEG, PNG or WebP file. Photos are re-saved without their location and camera data.",
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        error_messages={"required": "Choose a file to attach."},
    )
    kind = forms.ChoiceField(
        label="Kind", required=False, choices=[("", "Decide from the file"), *AttachmentKind.choices]
    )
    description = forms.CharField(label="Description", required=False, max_length=DESCRIPTION_MAX)

    def add_service_errors(self, error):
        for field, messages in error.message_dict.items():
            self.add_error(field if field in self.fields else None, messages)


class AttachmentDeleteForm(forms.Form):
    reason = forms.CharField(label="Why remove this attachment?", max_length=REASON_MAX)
