"""How a change row reads: field by field, before and after, identifying values never shown.

The trigger already stores identifying columns as "[redacted]"; this layer hides, in addition,
every field that cases.models.REDACTED_FIELDS or victims.models.IDENTIFYING_FIELDS names (and the
password hash), whatever the row holds, so that even an auditor sees "(changed)" only.
"""

import contextlib
from functools import cache

from django.apps import apps
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

HIDDEN = "(changed)"  # the stored and API value; pages show it translated
REDACTED_MARK = "[redacted]"
TABLE_MODELS = {
    "victims_person": "victims.Person",
    "cases_case": "cases.Case",
    "cases_identification": "cases.Identification",
    "cases_consent": "cases.Consent",
    "cases_casenote": "cases.CaseNote",
    "referrals_referral": "referrals.Referral",
    "partners_user": "partners.User",
    "partners_membership": "partners.Membership",
    "partners_agency": "partners.Agency",
    "cases_casegroupobjectpermission": "cases.CaseGroupObjectPermission",
    "cases_caseuserobjectpermission": "cases.CaseUserObjectPermission",
}
EXTRA_HIDDEN = {
    "victims_person": {"search_names"},
    "partners_user": {"password"},
    "referrals_referral": {
        "message", "override_reason", "decline_details", "withdraw_reason", "returned_reason", "outcome_reason",
        "feedback",
    },
}  # fmt: skip


@cache
def hidden_columns(table: str) -> frozenset[str]:
    """Column names of a tracked table whose values are never shown."""
    from cases.models import REDACTED_FIELDS

    label = TABLE_MODELS.get(table)
    names = set(EXTRA_HIDDEN.get(table, ()))
    if label:
        model = apps.get_model(label)
        for name in REDACTED_FIELDS.get(label, ()):
            names.add(name)
            with contextlib.suppress(Exception):  # a field renamed by another change: the name is enough
                names.add(model._meta.get_field(name).column)
    return frozenset(names)


def _show(table: str, field: str, value):
    if value == REDACTED_MARK or (field in hidden_columns(table) and value not in (None, "", [])):
        return HIDDEN
    return value


def field_changes(event) -> list[dict]:
    """[{"field", "old", "new"}] for one change row, identifying values as "(changed)"."""
    old, new = event.old or {}, event.new or {}
    if event.action == "UPDATE":
        fields = event.changed_fields
    else:
        fields = sorted(k for k, v in (new or old).items() if v not in (None, "", []))
    rows = []
    for field in fields:
        before = _show(event.table_name, field, old.get(field)) if event.action != "INSERT" else None
        after = _show(event.table_name, field, new.get(field)) if event.action != "DELETE" else None
        rows.append({"field": field, "old": before, "new": after, "hidden": HIDDEN in (before, after)})
    return rows


# What an access row names (`AccessEvent.what`, a stored code written by the views) as an auditor
# reads it. Codes stay as stored (API, filters); unknown codes are shown as they are.
WHAT_LABELS = {
    "case": _("Case page"),
    "case list": _("Case list"),
    "home page": _("Home page"),
    "likely duplicates": _("Possible existing records"),
    "person edit": _("Person edit form"),
    "referral form": _("Referral form"),
    "referral": _("Referral page"),
    "attachment download": _("Attachment download"),
}


def what_label(code: str) -> str:
    """The display label of an access row's `what` code ("api case" -> "API: case")."""
    if code in WHAT_LABELS:
        return str(WHAT_LABELS[code])
    if code.startswith("api "):
        return gettext("API: %(endpoint)s") % {"endpoint": code[4:]}
    if code.startswith("htcds export "):
        return gettext("HTCDS export (%(format)s)") % {"format": code[len("htcds export ") :].upper()}
    return code
