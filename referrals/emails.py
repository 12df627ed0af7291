"""E-mail text for a notification: the kind, the references and a link, never personal data."""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from .models import Notification


def notification_text(notification: Notification) -> str:
    referral = notification.referral
    return _("%(kind)s: referral %(referral)s (case %(case)s).") % {
        "kind": notification.get_kind_display(),
        "referral": referral.reference,
        "case": referral.case.reference,
    }


def render_notification_email(notification: Notification) -> tuple[str, str]:
    language = getattr(notification.recipient, "language", "") or settings.LANGUAGE_CODE
    with translation.override(language):
        referral = notification.referral
        subject = f"[glo_act] {notification.get_kind_display()} - {referral.reference}"
        link = f"{settings.SITE_URL.rstrip('/')}/referrals/{referral.reference}/"
        body = "\n\n".join(
            [
                notification_text(notification),
                _("Open it in glo_act: %(link)s") % {"link": link},
                _("This message carries no personal data. Sign in to see what you are allowed to see."),
            ]
        )
    return subject, body
