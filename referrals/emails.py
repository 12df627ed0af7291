"""E-mail text for a notification: the kind, the references and a link, never personal data."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import translation
from django.utils.translation import gettext as _

from .models import Notification, OutboxMessage


def notification_text(notification: Notification) -> str:
    referral = notification.referral
    return _("%(kind)s: referral %(referral)s (case %(case)s).") % {
        "kind": notification.get_kind_display(),
        "referral": referral.reference,
        "case": referral.case.reference,
    }


def render_notification_email(notification: Notification) -> tuple[str, str]:
    from partners.selectors import user_language  # issue 6: the recipient's choice, else their country's

    with translation.override(user_language(notification.recipient)):
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


def _domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "glo-act.invalid"


def notification_email(message: OutboxMessage) -> EmailMessage:
    """The e-mail for an outbox row. Its Message-ID is fixed by the row, so that a receiving server
    that sees the same message twice (a worker lost after the server accepted it) can drop the copy."""
    subject, body = render_notification_email(message.notification)
    return EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to_address],
        headers={"Message-ID": f"<outbox-{message.pk}@{_domain()}>", "X-Glo-Act-Outbox": str(message.pk)},
    )
