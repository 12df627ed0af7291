"""The case timeline in the reader's language and calendar (issue 6).

A CaseEvent keeps its `summary` in English, written once by the service (logs, the database, privacy's
erasure of quoting entries rely on it), and, since issue 6, the facts of the sentence in `params`:
codes of the code lists, references, agency short names, numbers, dates (ISO). The case page builds the
sentence again from the action and its params in the reader's language, so a Persian reader reads a
Persian timeline whatever the language of the person who acted.

An event without params (written before issue 6, by the bulk loader, or by an app that passes none)
is read back from its English summary where the summary's form is fixed (a reference, a short name),
and otherwise shown as stored.
"""

import datetime
import re

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext, pgettext

from glo_act import vocabularies as v
from glo_act.calendars import format_date, localise_digits

# Timeline entries whose summary may quote free text written by staff (a share's reason): what
# pseudonymous readers see instead, and what privacy's erasure leaves in the summary (in English).
FREE_TEXT_EVENTS = {
    "case_shared": gettext_noop("Shared with another agency."),
    "case_unshared": gettext_noop("A share was ended."),
}

# Facts that are names or references typed in any script: isolated in a right-to-left sentence (the
# plain-text counterpart of <bdi>), so that a Latin agency name or reference keeps its place.
_ISOLATED = {"agency", "reference", "provider", "assigned_to", "country", "reason"}

# Summaries with a fixed English form that an event without params is read back from.
_SUMMARY_FORMS = {
    "identification_logged": re.compile(r"^Identification logged by (?P<agency>.+); case opened\.$"),
    "referral_sent": re.compile(r"^Referral (?P<reference>\S+) sent\.$"),
    "referral_declined": re.compile(r"^Referral (?P<reference>\S+) declined\.$"),
    "referral_accepted": re.compile(r"^Referral (?P<reference>\S+) accepted by (?P<agency>.+)\.$"),
    "referral_completed": re.compile(r"^Referral (?P<reference>\S+) completed\.$"),
    "referral_withdrawn": re.compile(r"^Referral (?P<reference>\S+) withdrawn\.$"),
    "referral_expired": re.compile(r"^Referral (?P<reference>\S+) expired unanswered\.$"),
    "opened_from_referral": re.compile(
        r"^Opened from cross-border referral (?P<reference>\S+) \((?P<country>\w+)\)\.$"
    ),
    "attachment_deleted": re.compile(r"^Attachment (?P<id>\d+) removed\.$"),
    "attachments_erased": re.compile(r"^(?P<count>\d+) attachment file\(s\) erased\.$"),
}


class _Reader:
    """Formats the parts of a sentence for one reader: choice labels, dates and numbers."""

    def __init__(self, user, language: str | None):
        from partners.selectors import user_calendar

        self.language = language or "en"
        self.calendar = user_calendar(user) if user is not None else "gregorian"

    @staticmethod
    def label(vocabulary, code) -> str:
        try:
            return str(vocabulary(code).label)
        except ValueError:
            return str(code)

    def number(self, value) -> str:
        return localise_digits(value, self.language)

    def date(self, iso: str) -> str:
        return format_date(datetime.date.fromisoformat(iso), calendar=self.calendar, language=self.language)

    @staticmethod
    def join(items) -> str:
        return pgettext("list separator", ", ").join(str(i) for i in items)


def _person_field_label(name: str) -> str:
    from victims.models import Person

    try:
        return str(Person._meta.get_field(name).verbose_name)
    except Exception:  # noqa: BLE001 - a field since removed: its name
        return name


def _identification_added(p, r):
    return _("Identification of %(date)s recorded.") % {"date": r.date(p["date"])}


def _person_updated(p, r):
    return _("Personal details updated: %(fields)s.") % {"fields": r.join(_person_field_label(f) for f in p["fields"])}


def _consent_recorded(p, r):
    text = _("Consent given: %(purpose)s.") if p["granted"] else _("Consent refused: %(purpose)s.")
    return text % {"purpose": r.label(v.ConsentPurpose, p["purpose"])}


def _consent_withdrawn(p, r):
    return _("Consent withdrawn: %(purpose)s.") % {"purpose": r.label(v.ConsentPurpose, p["purpose"])}


def _risk_assessed(p, r):
    return _("Risk assessed as %(level)s.") % {"level": r.label(v.RiskLevel, p["risk_level"])}


def _reflection_started(p, r):
    days = int(p["days"])
    text = ngettext("Reflection period of %(days)s day started.", "Reflection period of %(days)s days started.", days)
    return text % {"days": r.number(days)}


def _reflection_ended(p, r):
    return _("Reflection period ended: %(reason)s.") % {"reason": r.label(v.ReflectionEndReason, p["end_reason"])}


def _support_plan_added(p, r):
    return _("Support plan added: %(type)s.") % {"type": r.label(v.SupportType, p["type"])}


def _service_recorded(p, r):
    return _("Service recorded: %(service)s by %(provider)s.") % {
        "service": r.label(v.Service, p["service"]),
        "provider": p["provider"],
    }


def _case_updated(p, r):
    changes = []
    if p.get("status"):
        changes.append(_("status %(status)s") % {"status": r.label(v.CaseStatus, p["status"])})
    if p.get("stage"):
        changes.append(_("stage %(stage)s") % {"stage": r.label(v.CaseStage, p["stage"])})
    if p.get("assigned_to"):
        changes.append(_("assigned to %(name)s") % {"name": p["assigned_to"]})
    return _("Changed: %(changes)s.") % {"changes": pgettext("list separator", "; ").join(changes)}


def _case_closed(p, r):
    return _("Case closed: %(reason)s.") % {"reason": r.label(v.CaseClosureReason, p["reason"])}


def _with_reason(text: str, p: dict) -> str:
    """A share's reason, free text in the writer's language, follows the sentence as written."""
    reason = (p.get("reason") or "").strip()
    return f"{text} {reason}" if reason else text


def _case_shared(p, r):
    if p["identity"]:
        text = _("Shared with %(agency)s with identifying data.")
    else:
        text = _("Shared with %(agency)s without identifying data.")
    return _with_reason(text % {"agency": p["agency"]}, p)


def _case_unshared(p, r):
    return _with_reason(_("Access of %(agency)s ended.") % {"agency": p["agency"]}, p)


def _attachment_added(p, r):
    from documents.models import AttachmentContentType, AttachmentKind

    return _("%(kind)s attached (%(type)s, attachment %(id)s).") % {
        "kind": r.label(AttachmentKind, p["kind"]),
        "type": r.label(AttachmentContentType, p["content_type"]),
        "id": p["id"],
    }


def _attachments_erased(p, r):
    count = int(p["count"])
    text = ngettext("%(count)s attachment file erased.", "%(count)s attachment files erased.", count)
    return text % {"count": r.number(count)}


def _identity_erased(p, r):
    if p["kind"] == "consent_withdrawn":
        return _("Identifying data erased: consent to the processing of personal data was withdrawn.")
    days = int(p["days"])
    if p.get("person_erased"):
        text = ngettext(
            "Identifying data erased: %(days)s day since the case was closed.",
            "Identifying data erased: %(days)s days since the case was closed.",
            days,
        )
    else:
        text = ngettext(
            "Free text erased: %(days)s day since the case was closed. The person's details are kept while "
            "another of their cases is open or recently closed.",
            "Free text erased: %(days)s days since the case was closed. The person's details are kept while "
            "another of their cases is open or recently closed.",
            days,
        )
    return text % {"days": r.number(days)}


# action -> the sentence from params (a KeyError means params lack a fact: the summary is shown).
_TEXTS = {
    "identification_logged": lambda p, r: _("Identification logged by %(agency)s; case opened.") % p,
    "identification_added": _identification_added,
    "person_updated": _person_updated,
    "note_added": lambda p, r: _("Note added."),
    "consent_recorded": _consent_recorded,
    "consent_withdrawn": _consent_withdrawn,
    "risk_assessed": _risk_assessed,
    "best_interests_determined": lambda p, r: _("Best-interests determination recorded."),
    "reflection_started": _reflection_started,
    "reflection_ended": _reflection_ended,
    "support_plan_added": _support_plan_added,
    "service_recorded": _service_recorded,
    "case_updated": _case_updated,
    "case_closed": _case_closed,
    "case_shared": _case_shared,
    "case_unshared": _case_unshared,
    "attachment_added": _attachment_added,
    "attachment_deleted": lambda p, r: _("Attachment %(id)s removed.") % p,
    "attachments_erased": _attachments_erased,
    "identity_erased": _identity_erased,
    "referral_sent": lambda p, r: _("Referral %(reference)s sent.") % p,
    "referral_declined": lambda p, r: _("Referral %(reference)s declined.") % p,
    "referral_accepted": lambda p, r: _("Referral %(reference)s accepted by %(agency)s.") % p,
    "referral_completed": lambda p, r: _("Referral %(reference)s completed.") % p,
    "referral_withdrawn": lambda p, r: _("Referral %(reference)s withdrawn.") % p,
    "referral_expired": lambda p, r: _("Referral %(reference)s expired unanswered.") % p,
    "opened_from_referral": lambda p, r: _("Opened from cross-border referral %(reference)s (%(country)s).") % p,
}


def event_text(event, *, user=None, language: str | None = None, pseudonymous: bool = False) -> str:
    """The sentence of one timeline entry for this reader (in the active translation)."""
    action, summary = event.action, event.summary
    if action in FREE_TEXT_EVENTS and (pseudonymous or summary == FREE_TEXT_EVENTS[action]):
        return _(FREE_TEXT_EVENTS[action])
    params = event.params or None
    if not params and action in _SUMMARY_FORMS:
        match = _SUMMARY_FORMS[action].match(summary)
        params = match.groupdict() if match else None
    if not params and action in ("note_added", "best_interests_determined"):
        params = {"-": True}
    text = _TEXTS.get(action)
    if text is None or not params:
        return summary
    if translation.get_language_bidi():
        params = {k: f"\u2068{val}\u2069" if k in _ISOLATED and val else val for k, val in params.items()}
    try:
        return text(params, _Reader(user, language))
    except (KeyError, TypeError, ValueError):
        return summary
