"""Reads of persons. `likely_duplicates` feeds the identification form's warning (issue 6)."""

import datetime
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from glo_act.crypto import keyring

from .models import Person
from .names import abd_joined, compound_parts, is_arabic_script, name_key, name_similarity, without_articles, words

AGE_TOLERANCE = 2  # years either way: ages of victims are often estimated
MAX_CANDIDATES = 500  # persons sharing a name key, read and compared in memory
UNKNOWN_GENDERS = {"", "NonSpecifiedUnknown"}


@dataclass(frozen=True)
class Duplicate:
    person: Person
    case: object  # the most recent case of the person that the user may see with identity
    score: float  # name similarity, 0 to 1 (victims.names.name_similarity)


def _full_names(person: Person) -> list[str]:
    names = [f"{person.given_name} {person.family_name}", f"{person.given_name_latin} {person.family_name_latin}"]
    return [n for n in (*names, *person.aliases) if n.strip()]


def likely_duplicates(
    *,
    user,
    given: str = "",
    family: str = "",
    given_latin: str = "",
    family_latin: str = "",
    aliases=(),
    gender: str = "",
    age: int | None = None,
    citizenships=(),
    on: datetime.date | None = None,
    limit: int = 10,
) -> list[Duplicate]:
    """Persons already registered who may be the one being identified: the same name in any script
    or common spelling (every word), the same sex, an age within 2 years, a common citizenship.

    Only persons whose identity the user may see are looked at, so the warning reveals nothing new.
    What is unknown on either side (sex, age, citizenship) does not rule a person out: a missed
    duplicate hides a child twice, a false one costs a look.
    """
    from cases.models import Case
    from cases.selectors import identity_q

    allowed = identity_q(user) if user is not None and user.is_authenticated else None
    typed = [n for n in (f"{given} {family}", f"{given_latin} {family_latin}", *aliases) if n and n.strip()]
    if allowed is None:
        return []
    # Candidates hold the key of every word of one of the typed names (or of the name written as
    # one word): the GIN index narrows them; name_similarity then decides on the decrypted names.
    ring = keyring()
    by_name = Q()
    for name in typed:
        name_words = without_articles(words(name))
        # الهاشمی typed, "Hashemi" stored: the Arabic article off too (a name stored with it is indexed both ways)
        bare = [w[2:] if w.startswith("ال") and len(w) > 4 and is_arabic_script(w) else w for w in name_words]
        variants = [[name_key(w) for w in name_words], [name_key("".join(name_words))]]
        if bare != name_words:
            variants += [[name_key(w) for w in bare], [name_key("".join(bare))]]
        joined = abd_joined(name_words)  # عبد الکریم typed, "Abdul Karim" or "Abdulkarim" stored
        if joined != name_words:
            variants.append([name_key(w) for w in joined])
        parts = [p for w in name_words for p in (compound_parts(w) or [w])]  # عبدالکریم typed, "Abd al-Karim" stored
        if parts != name_words:
            variants.append([name_key(p) for p in parts])
        for keys in variants:
            if keys and all(keys):
                by_name |= Q(name_index__contains=ring.index_values("k:" + k for k in keys))
    if not by_name:
        return []
    visible_cases = Case.objects.filter(allowed)
    candidates = Person.objects.filter(by_name, id__in=visible_cases.values("person_id")).order_by("-created_at")[
        :MAX_CANDIDATES
    ]
    on = on or timezone.localdate()
    wanted_citizenships = set(citizenships or ())
    found = []
    for person in candidates:
        if gender not in UNKNOWN_GENDERS and person.gender not in UNKNOWN_GENDERS and person.gender != gender:
            continue
        their_age = person.age(on)
        if age is not None and their_age is not None and abs(their_age - age) > AGE_TOLERANCE:
            continue
        if wanted_citizenships and person.citizenships and not wanted_citizenships & set(person.citizenships):
            continue
        score = max((name_similarity(a, b) for a in typed for b in _full_names(person)), default=0.0)
        if score < 0.99:
            continue
        found.append((score, person))
    found.sort(key=lambda item: (-item[0], -item[1].created_at.timestamp()))
    found = found[:limit]
    cases = {}
    for case in visible_cases.filter(person_id__in=[p.id for _, p in found]).order_by("opened_on", "id"):
        cases[case.person_id] = case  # the latest wins
    return [Duplicate(person=p, case=cases.get(p.id), score=s) for s, p in found]
