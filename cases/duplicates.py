"""Likely duplicates when a caseworker logs an identification (issue 6).

Before the person is created, the typed name, sex, age and citizenship are compared with the
persons already registered that the user may see with identity (victims.selectors.likely_duplicates,
scoped by cases.selectors.identity_q: out-of-scope persons are never looked at, nor counted).
When there are any, the form comes back unsaved with a panel of the candidates, and the caseworker
chooses: "this is the same person" (the identification goes to that person's record) or "none of
these" (a new person). The server is the authority:

- the panel carries a signed token naming the candidates shown to this user; a decision counts only
  when the token covers every candidate found now (a crafted POST without the panel, or one made
  after the name was changed to match someone else, gets the panel again);
- a person chosen must be one of the candidates found now (so, in the user's scope).

The form's script (static/js/duplicates.js) asks `identification_duplicates` for the same panel
while the caseworker types; it is progressive enhancement only.
"""

import datetime
from dataclasses import dataclass, field

from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext as _

from glo_act.crypto import keyring
from partners.countries import country_names
from victims.models import Person, age_on
from victims.names import name_keys, without_articles, words
from victims.selectors import Duplicate, likely_duplicates

from .models import Case
from .selectors import identity_q

DECISION_FIELD = "duplicate_decision"  # the panel's buttons: "link:<person reference>" or "new"
KEPT_FIELD = "duplicate_kept"  # a decision made while other fields still had errors
TOKEN_FIELD = "duplicates_token"
NEW = "new"
LINK = "link:"
TOKEN_SALT = "cases.duplicates"
TOKEN_MAX_AGE = 4 * 3600  # seconds: a long interview at a border post


# ------------------------------------------------------------------------------- what was typed


def typed_person(data: dict, *, on: datetime.date | None = None) -> dict:
    """The keyword arguments of likely_duplicates from a person form's cleaned data (valid parts)."""
    on = on or timezone.localdate()
    aliases = data.get("aliases") or ""
    if isinstance(aliases, str):
        aliases = [a.strip() for a in aliases.split(",") if a.strip()]
    age = None
    if data.get("date_of_birth"):
        age = age_on(date_of_birth=data["date_of_birth"], estimated_age=None, estimated_on=None, on=on)
    elif data.get("estimated_age") is not None:
        age = data["estimated_age"]
    return {
        "given": data.get("given_name") or "",
        "family": data.get("family_name") or "",
        "given_latin": data.get("given_name_latin") or "",
        "family_latin": data.get("family_name_latin") or "",
        "aliases": aliases,
        "gender": data.get("gender") or "",
        "age": age,
        "citizenships": list(data.get("citizenships") or ()),
        "on": on,
    }


def has_name(typed: dict) -> bool:
    return any(typed[k].strip() for k in ("given", "family", "given_latin", "family_latin")) or bool(typed["aliases"])


def typed_name_index(person: dict) -> list[int]:
    """The typed names' phonetic keys as blind-index values (HMAC of the "k:" terms, as in
    Person.name_index): the audit trail can prove which persons the typed name matched without
    holding the name, or its key, in clear. A rotation of the index key makes old values stale."""
    keys: set[str] = set()
    names = [person.get(k) or "" for k in ("given_name", "family_name", "given_name_latin", "family_name_latin")]
    names += list(person.get("aliases") or ())
    for name in names:
        for word in without_articles(words(name)):
            keys |= name_keys(word)
    return sorted(keyring().index_values("k:" + k for k in sorted(keys))) if keys else []


# ------------------------------------------------------------------------------- candidates


@dataclass
class Candidate:
    """One possible existing record, as the panel shows it."""

    person: Person
    name_original: str
    name_latin: str
    gender: str
    age: int | None
    date_of_birth: datetime.date | None
    citizenships: list[str]
    case_references: list[str]
    differences: list[str] = field(default_factory=list)  # labels of what the typed data says otherwise
    chosen: bool = False

    @property
    def reference(self) -> str:
        return self.person.reference

    @property
    def decision(self) -> str:
        return LINK + self.person.reference


def find(user, typed: dict) -> list[Duplicate]:
    """The likely duplicates of the typed person in the user's identity scope ([] without a name)."""
    if not has_name(typed):
        return []
    return likely_duplicates(user=user, **typed)


def candidates(user, found: list[Duplicate], person_data: dict, *, chosen: str = "") -> list[Candidate]:
    """The panel's rows: names as stored (both scripts), sex, age, citizenship and the person's cases
    that the user may see with identity (never their other cases)."""
    if not found:
        return []
    allowed = identity_q(user)
    refs: dict[int, list[str]] = {}
    cases = Case.objects.filter(allowed, person_id__in=[d.person.id for d in found]).order_by("-opened_on", "-id")
    for person_id, reference in cases.values_list("person_id", "reference"):
        refs.setdefault(person_id, []).append(reference)
    countries = country_names()
    rows = []
    for d in found:
        p = d.person
        original = " ".join(x for x in (p.given_name, p.family_name) if x)
        latin = " ".join(x for x in (p.given_name_latin, p.family_name_latin) if x)
        if not original and not latin and p.aliases:
            original = p.aliases[0]
        rows.append(
            Candidate(
                person=p,
                name_original=original,
                name_latin="" if latin == original else latin,
                gender=p.get_gender_display(),
                age=p.age(),
                date_of_birth=p.date_of_birth,
                citizenships=[countries.get(c, c) for c in p.citizenships],
                case_references=refs.get(p.id, []),
                differences=[label for label, _typed in differences(p, person_data)],
                chosen=chosen == LINK + p.reference,
            )
        )
    return rows


# ------------------------------------------------------------------------------- typed differences

# The person form's fields, in its order.
_COMPARED = (
    "given_name", "family_name", "given_name_latin", "family_name_latin", "father_name", "aliases", "gender",
    "date_of_birth", "estimated_age", "citizenships", "languages", "document_type", "document_number",
    "document_country", "phone", "email", "current_country", "current_province", "current_address",
    "vulnerabilities",
)  # fmt: skip
_LISTS = {"aliases", "citizenships", "languages", "vulnerabilities"}


def _label(name: str) -> str:
    from .forms import PersonForm

    return str(PersonForm.base_fields[name].label)


def _show(name: str, value) -> str:
    """A typed value as text for the narrative: choice labels, country names, ISO dates."""
    from .forms import PersonForm

    if isinstance(value, datetime.date):
        return value.isoformat()
    choices = dict(getattr(PersonForm.base_fields[name], "choices", None) or [])
    if name == "citizenships":
        names = country_names()
        return ", ".join(names.get(v, v) for v in value)
    if isinstance(value, (list, tuple)):
        return ", ".join(str(choices.get(v, v)) for v in value)
    if name in ("gender", "document_type"):
        return str(choices.get(value, value))
    return str(value)


def differences(person: Person, typed: dict) -> list[tuple[str, str]]:
    """What the caseworker typed that the person's record says otherwise or lacks: [(label, value)].

    Only values typed are compared (a blank typed field says nothing). Lists compare by what the
    typed list adds; an estimated age compares with the record's age on the day it was estimated.
    """
    out = []
    for name in _COMPARED:
        value = typed.get(name)
        if value in (None, "", [], ()):
            continue
        stored = getattr(person, name, None)
        if name in _LISTS:
            extra = [v for v in value if v not in (stored or [])]
            if extra:
                out.append((_label(name), _show(name, extra)))
            continue
        if name == "gender":
            if value == "NonSpecifiedUnknown" or value == stored:
                continue
        elif name == "estimated_age":
            when = typed.get("age_estimated_on") or timezone.localdate()
            if person.age(when) == value:
                continue
        elif isinstance(stored, str) and isinstance(value, str):
            if stored.strip().casefold() == value.strip().casefold():
                continue
        elif stored == value:
            continue
        out.append((_label(name), _show(name, value)))
    return out


def differences_note(diffs: list[tuple[str, str]]) -> str:
    """The typed differences as a paragraph for the identification's narrative (never lost)."""
    if not diffs:
        return ""
    lines = "\n".join(f"- {label}: {value}" for label, value in diffs)
    heading = _("Typed at this identification and not in the person's record (the record was not changed):")
    return f"{heading}\n{lines}"


# ------------------------------------------------------------------------------- the decision


def issue_token(user, person_ids) -> str:
    """A signed statement that these candidates were shown to this user (see module docstring)."""
    return signing.dumps({"u": user.pk, "p": sorted(int(i) for i in person_ids)}, salt=TOKEN_SALT, compress=True)


def token_covers(token: str, user, person_ids) -> bool:
    if not token:
        return False
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        return False
    return data.get("u") == user.pk and set(person_ids) <= set(data.get("p") or [])


@dataclass(frozen=True)
class Decision:
    """What the caseworker chose about the candidates (empty: nothing yet)."""

    value: str = ""

    @property
    def link_reference(self) -> str:
        return self.value.removeprefix(LINK) if self.value.startswith(LINK) else ""

    @property
    def is_new(self) -> bool:
        return self.value == NEW

    @property
    def made(self) -> bool:
        return bool(self.link_reference) or self.is_new


def posted_decision(post) -> Decision:
    """The button pressed now, else a decision kept from an earlier submission with errors."""
    for name in (DECISION_FIELD, KEPT_FIELD):
        value = (post.get(name) or "").strip()
        if value == NEW or (value.startswith(LINK) and len(value) <= 40):
            return Decision(value)
    return Decision()


@dataclass
class Check:
    """The outcome of the server-side check for one submission."""

    found: list[Duplicate]
    decision: Decision
    covered: bool  # the token covers every candidate found now

    @property
    def chosen_person(self) -> Person | None:
        ref = self.decision.link_reference
        return next((d.person for d in self.found if d.person.reference == ref), None)

    @property
    def resolved(self) -> bool:
        """Nothing to show, or an explicit choice among exactly what was shown."""
        if not self.found:
            return not self.decision.link_reference  # a link to someone no longer found: ask again
        if not self.covered:
            return False
        return self.decision.is_new or self.chosen_person is not None

    @property
    def stale_choice(self) -> bool:
        """A person was chosen who is not among the candidates now (the typed details changed)."""
        return bool(self.decision.link_reference) and self.chosen_person is None


def check(user, typed: dict, post) -> Check:
    found = find(user, typed)
    token = post.get(TOKEN_FIELD) or ""
    covered = token_covers(token, user, [d.person.id for d in found])
    return Check(found=found, decision=posted_decision(post), covered=covered)
