"""Name search without names in the database: the terms of the blind index.

A person's names (both scripts, father's name, aliases) are normalised and cut into terms; each term
is "<kind>:<text>", and only HMAC values of terms reach the database (`Person.name_index`, GIN).

Kinds of term (a prefix per kind keeps them apart before the HMAC):
    w:  a whole name word                 (ranking: exact word matches first)
    f:  a whole name in one script         (ranking: the full name typed)
    g:  a 3-letter piece of a word          (partial names: "reza" finds "rezaei")
    p:  the first two letters of a word     (two-letter queries)
    k:  the phonetic key of a word, and of two neighbouring words written together, in a spelling
        common to both scripts ("محمد", "Mohammad", "Muhammad" -> "mhmd"; see name_keys)

More kinds can be added: give the index a generator in INDEX_TERM_KINDS, and the query an
alternative in QUERY_ALTERNATIVES; a query word matches when ANY of its alternatives has ALL its
terms in the index. Adding a kind, or changing normalise_name or the keys, needs
`manage.py rotate_blind_index` (or a migration like victims 0004) to re-index the persons stored.
"""

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Case, IntegerField, Q, Value, When
from django.db.models.functions import Coalesce

from glo_act.crypto import keyring

MAX_QUERY_WORDS = 6


# ---------------------------------------------------------------------------- across scripts (issue 6)
#
# Normalisation folds the ways one letter is typed on Persian, Arabic, Urdu and Kurdish keyboards
# (ي/ی, ك/ک, ة/ه, أ/إ/آ/ا...), drops harakat, tatweel, joiners and direction marks, and takes the
# diacritics off Latin letters. The phonetic key ("k:" terms) makes one spelling of a name out of
# every script: Perso-Arabic words are transliterated by rule, Latin words are folded the same way
# (short vowels dropped, doubled consonants, kh/gh/sh/ch/th, ph/f, w/v, q/gh...), so "محمد",
# "Mohammad", "Muhammad" and "Mohamed" share the key "mhmd". Keys are deliberately coarse (they make search
# find more); names_match() adds the vowel checks that keep Hassan and Hossein apart.

_ARABIC_FOLD = str.maketrans(
    {
        "\u064a": "\u06cc",  # ي Arabic yeh -> ی Persian yeh
        "\u0649": "\u06cc",  # ى alef maksura
        "\u06d2": "\u06cc",  # ے Urdu yeh barree
        "\u06d3": "\u06cc",
        "\u0626": "\u06cc",  # ئ yeh with hamza
        "\u06cd": "\u06cc",  # ۍ Pashto
        "\u06d0": "\u06cc",  # ې Pashto
        "\u06ce": "\u06cc",  # ێ Sorani ê
        "\u0643": "\u06a9",  # ك Arabic kaf -> ک
        "\u06aa": "\u06a9",
        "\u0629": "\u0647",  # ة teh marbuta -> ه
        "\u06c0": "\u0647",  # ۀ
        "\u06c1": "\u0647",  # ہ Urdu heh goal
        "\u06c2": "\u0647",
        "\u06c3": "\u0647",
        "\u06be": "\u0647",  # ھ heh doachashmee
        "\u06d5": "\u0647",  # ە Sorani ae
        "\u0623": "\u0627",  # أ
        "\u0625": "\u0627",  # إ
        "\u0622": "\u0627",  # آ
        "\u0671": "\u0627",  # ٱ
        "\u0672": "\u0627",
        "\u0673": "\u0627",
        "\u0624": "\u0648",  # ؤ
        "\u06c6": "\u0648",  # ۆ Sorani o
        "\u06c7": "\u0648",
        "\u06c8": "\u0648",
        "\u06cb": "\u0648",  # ۋ
        "\u06ba": "\u0646",  # ں noon ghunna
        "\u06b5": "\u0644",  # ڵ Sorani
        "\u0695": "\u0631",  # ڕ Sorani
        "\u0621": "",  # ء lone hamza
        "\u0640": "",  # tatweel
    }
)
# Harakat, Quranic marks, superscript alef; joiners, direction marks and isolates; soft hyphen, BOM.
_DROP = re.compile(
    "[\u064b-\u065f\u0670\u06d6-\u06ed\u08d3-\u08ff\u200b-\u200f\u202a-\u202e\u2066-\u2069\u061c\u00ad\ufeff]"
)
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_LATIN_EXTRA = str.maketrans({"ı": "i", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe"})
_APOSTROPHES = re.compile("['’‘`ʿʾʼ´]")


def normalise_name(text: str) -> str:
    """One form per name whatever the keyboard: letter variants folded, marks, joiners, direction
    marks and Latin diacritics dropped, lower case, hyphens and spaces collapsed to one space."""
    text = unicodedata.normalize("NFKC", text or "")  # presentation forms -> letters
    # Sorani: a word-initial hamza seat carries a vowel (ئازاد Azad), a medial ە is a vowel sign.
    text = re.sub(r"(?<![\u0600-\u06ff])\u0626\u0627?", "\u0627", text)
    text = re.sub(r"\u06d5(?=[\u0600-\u06ff])", "", text)
    text = _DROP.sub("", text).translate(_ARABIC_FOLD).translate(_DIGITS)
    text = _DROP.sub("", unicodedata.normalize("NFKD", text.casefold()))
    # Latin diacritics go (é -> e); Arabic-script letters were folded above and are left whole.
    text = "".join(c for c in text if not (unicodedata.category(c) == "Mn" and "\u0300" <= c <= "\u036f"))
    text = unicodedata.normalize("NFC", text).translate(_LATIN_EXTRA)
    text = _APOSTROPHES.sub("", text).replace("-", " ").replace("_", " ").replace(".", " ")
    return " ".join(text.split())


def words(text: str) -> list[str]:
    return normalise_name(text).split()


def trigrams(word: str) -> list[str]:
    return [word[i : i + 3] for i in range(len(word) - 2)]


def _word_terms(word: str) -> Iterable[str]:
    yield "w:" + word
    yield "p:" + word[:2]
    for tri in trigrams(word):
        yield "g:" + tri


_LATIN_VOWELS = set("aeiouy")
_ARABIC_LETTERS = {
    "ب": "b", "پ": "p", "ت": "t", "ٹ": "t", "ټ": "t", "ط": "t", "ث": "s", "س": "s", "ص": "s", "څ": "s",
    "ج": "j", "چ": "C", "ح": "h", "ه": "h", "خ": "x", "د": "d", "ڈ": "d", "ډ": "d", "ذ": "z", "ز": "z",
    "ژ": "z", "ض": "z", "ظ": "z", "ځ": "z", "ږ": "z", "ر": "r", "ڑ": "r", "ړ": "r", "ش": "S", "ښ": "S",
    "غ": "q", "ق": "q", "ف": "f", "ڤ": "v", "ک": "k", "گ": "g", "ل": "l", "م": "m", "ن": "n", "ڼ": "n",
}  # fmt: skip
_ARABIC_VOWELS = set("اویع")
# Words whose final ی is said "a" (alef maksura: Musa, Isa, Mostafa, Morteza, Leila...).
_FINAL_YEH_IS_A = {
    "موسی", "عیسی", "یحیی", "مصطفی", "مجتبی", "مرتضی", "لیلی", "کبری", "صغری", "هدی", "بشری",
    "سلمی", "لبنی", "منی", "یسری", "مولی", "نجوی", "عظمی",
}  # fmt: skip
_LATIN_DIGRAPHS = [("tch", "C"), ("kh", "x"), ("gh", "q"), ("sh", "S"), ("ch", "C"), ("zh", "z"), ("th", "s"),
                   ("dh", "z"), ("ph", "f"), ("ck", "k"), ("dj", "j"), ("w", "v"), ("c", "k"), ("x", "x")]  # fmt: skip


def is_arabic_script(word: str) -> bool:
    return any("\u0600" <= c <= "\u06ff" or "\u0750" <= c <= "\u077f" for c in word)


def _dedupe(chars: list[str]) -> list[str]:
    out: list[str] = []
    for c in chars:
        if not out or out[-1] != c:
            out.append(c)
    return out


def _latin_units(word: str) -> list[str]:
    """A Latin word as sound units: class letters for consonants, vowels as they are."""
    word = "".join(c for c in word if "a" <= c <= "z")
    word = re.sub(r"^abd[aeiou]([tdrzsn])\1", r"abdul\1", word)  # Abdur-Rahman, Abdus-Salam
    word = re.sub(r"[aeiou](?:d|ld|dd)(?:in|een)$", "uldin", word)  # Nasir-ud-Din, Alaa al-Din
    units, i = [], 0
    while i < len(word):
        for digraph, unit in _LATIN_DIGRAPHS:
            if word.startswith(digraph, i):
                units.append(unit)
                i += len(digraph)
                break
        else:
            units.append(word[i])
            i += 1
    # Doubled consonants go (Mohammad, Muhammad); doubled vowels stay: "ee", "oo" say long vowels.
    return [u for j, u in enumerate(units) if j == 0 or u != units[j - 1] or u in _LATIN_VOWELS]


def _arabic_units(word: str) -> list[str]:
    return _dedupe([c for c in word if c in _ARABIC_LETTERS or c in _ARABIC_VOWELS])


def _split(units: list[str], vowel) -> tuple[str, list[tuple[str, str]]]:
    """(initial vowel group, [(consonant, vowel group after it)...]) with medial v/y as vowels."""
    head, pairs = "", []
    for i, u in enumerate(units):
        is_vowel = vowel(u) and not (i == 0 and u in ("y", "v", "ی", "و"))
        if is_vowel:
            if pairs:
                pairs[-1] = (pairs[-1][0], pairs[-1][1] + u)
            else:
                head += u
        else:
            pairs.append((u, ""))
    return head, pairs


def _latin_vowel(u: str) -> bool:
    return u in _LATIN_VOWELS or u == "v"


def _arabic_vowel(u: str) -> bool:
    return u in _ARABIC_VOWELS


def _final_latin(pairs) -> str:
    """Final vowel class of a Latin word: "i", "a", "u" or "" (ends in a consonant)."""
    if not pairs:
        return ""
    last, tail = pairs[-1]
    if last == "h" and len(pairs) > 1 and pairs[-2][1] and pairs[-2][1][-1] in "ae":  # -ah, -eh
        return "a"
    if not tail:
        return ""
    if tail[-1] in "iy" or tail.endswith(("ee", "ey", "ie")):
        return "i"
    if tail[-1] in "ae":
        return "a"
    return "u"  # o, u, ou, oo, ow, v


def _latin_key(word: str) -> tuple[str, list[str]]:
    units = _latin_units(word)
    head, pairs = _split(units, _latin_vowel)
    final = _final_latin(pairs)
    if final and pairs and pairs[-1][0] == "h" and not pairs[-1][1] and len(pairs) > 1:
        pairs = pairs[:-1]  # the h of -ah, -eh is part of the vowel
    consonants = [c for c, _ in pairs]
    key = ("_" if head else "") + "".join(consonants) + final
    return key, [g for _, g in pairs[:-1]]


def _arabic_key(word: str) -> tuple[str, list[str]]:
    units = _arabic_units(word)
    while len(units) > 1 and units[-1] == "ع":  # Shafi' شفیع: the vowel before the ayn ends the word
        units = units[:-1]
    final = ""
    if len(units) > 1:
        last = units[-1]
        if last == "ی":
            final = "a" if word in _FINAL_YEH_IS_A else "i"
        elif last in ("ا", "ه") or (last == "ح" and units[-2] == "ا"):
            final = "a"
        elif last == "و":
            final = "u"
        if final:
            units = units[:-1]
    head, pairs = _split(units, _arabic_vowel)
    consonants = [_ARABIC_LETTERS.get(c, {"ی": "y", "و": "v"}.get(c, "")) for c, _ in pairs]
    key = ("_" if head else "") + "".join(consonants) + final
    return key, [g for _, g in pairs[:-1]]


def name_keys(word: str) -> set[str]:
    """The phonetic keys of one normalised word, from either script ("" words give none)."""
    word = normalise_name(word).replace(" ", "")
    if not word:
        return set()
    if is_arabic_script(word):
        keys = {_arabic_key(word)[0]}
        if word.startswith("ال") and len(word) > 4:
            keys.add(_arabic_key(word[2:])[0])  # the article: al-Hashemi, Hashemi
        return {k for k in keys if k.strip("_")}
    key = _latin_key(word)[0]
    return {key} if key.strip("_") else set()


def name_key(word: str) -> str | None:
    """The one key a query word is looked up by (the index holds every variant)."""
    word = normalise_name(word).replace(" ", "")
    if not word:
        return None
    key = _arabic_key(word)[0] if is_arabic_script(word) else _latin_key(word)[0]
    return key if key.strip("_") else None


# Compounds written as one word, also indexed by their parts so that the parts typed apart find them
# (stored "عبدالرحمن", typed "Abdul Rahman"; stored "Habibullah", typed "حبیب الله").
_COMPOUNDS = [
    re.compile(r"^(.{2,}?)(الله|اله|الدین)$"),
    re.compile(r"^(عبدال?)(.{2,})$"),
    re.compile(r"^(.{2,}?)([aeiou]ll?ah?|[aeiou]d?d(?:in|een))$"),
    re.compile(r"^(abd[aeiou]?l?)(.{3,})$"),
]


def compound_parts(word: str) -> list[str]:
    word = re.sub(r"^abd[aeiou]([tdrzsn])\1", r"abdul\1", word)  # Abdur-Rahman: Abdul Rahman
    for pattern in _COMPOUNDS:
        if m := pattern.match(word):
            return [m.group(1), m.group(2)]
    return []


def _key_terms(word: str) -> Iterable[str]:
    for key in name_keys(word):
        yield "k:" + key
    for part in compound_parts(word):
        for key in name_keys(part):
            yield "k:" + key


def _pair_key_terms(name_words: list[str]) -> set[str]:
    """Keys of two neighbouring words written as one (Habib Ullah / حبیب‌الله, Abdul Rahman)."""
    terms = set()
    for first, second in zip(name_words, name_words[1:], strict=False):
        terms.update(_key_terms(first + second))
    return terms


# Index side: each takes one normalised word and yields terms. Issue 6 appends its kinds here.
INDEX_TERM_KINDS: list[Callable[[str], Iterable[str]]] = [_word_terms, _key_terms]


def _substring_alternative(word: str) -> list[str] | None:
    if len(word) >= 3:
        return ["g:" + t for t in trigrams(word)]
    if len(word) == 2:
        return ["p:" + word]
    return None  # one letter says nothing: no name condition


# Query side: each takes one normalised query word and returns the terms that must ALL be present
# for that alternative to match (None: no such alternative). Issue 6 appends its kinds here.
def _key_alternative(word: str) -> list[str] | None:
    key = name_key(word)
    return ["k:" + key] if key and len(key.strip("_")) >= 2 else None


def _article_alternative(word: str) -> list[str] | None:
    """الهاشمی typed finds "Hashemi" stored: the key without the Arabic article (the index holds both
    for a name stored with it, name_keys)."""
    if is_arabic_script(word) and word.startswith("ال") and len(word) > 4:
        return _key_alternative(word[2:])
    return None


def _compound_alternative(word: str) -> list[str] | None:
    """عبدالکریم typed finds "Abd al-Karim" stored (three words, no key of the whole): the keys of
    the compound's parts, both required."""
    keys = [name_key(part) for part in compound_parts(word)]
    if keys and all(k and len(k.strip("_")) >= 2 for k in keys):
        return ["k:" + k for k in keys]
    return None


QUERY_ALTERNATIVES: list[Callable[[str], list[str] | None]] = [
    _substring_alternative,
    _key_alternative,
    _article_alternative,
    _compound_alternative,
]


def index_terms(*, names: Iterable[str], full_names: Iterable[str] = ()) -> set[str]:
    """Every term of a person's names (each name part, aliases included) and full names."""
    terms = set()
    for name in names:
        name_words = words(name or "")
        for word in name_words:
            for kind in INDEX_TERM_KINDS:
                terms.update(kind(word))
        terms |= _pair_key_terms(name_words)
    for full in full_names:
        full = normalise_name(full or "")
        if full:
            terms.add("f:" + full)
            terms |= _pair_key_terms(full.split())
    return terms


@dataclass
class NameQuery:
    """Per query word, its alternatives (each a list of terms that must all be present)."""

    words: list[list[list[str]]]
    rank_terms: list[tuple[str, int]]

    @classmethod
    def parse(cls, text: str) -> "NameQuery | None":
        typed = words(text)[:MAX_QUERY_WORDS]
        # A Latin article alone says nothing ("Al-Hashimi" finds هاشمی), unless it is all that was typed.
        qwords = without_articles(typed) or typed
        word_alternatives = [[alt for make in QUERY_ALTERNATIVES if (alt := make(w))] for w in qwords]
        # "Abd" and what follows are one name written apart (عبد الکریم, Abd al-Karim): each of its
        # words is also satisfied by the key of the whole compound, however the person was stored.
        for i, word in enumerate(qwords[:-1]):
            if word in _ABD:
                end = i + 3 if qwords[i + 1] in _ARTICLES and i + 2 < len(qwords) else i + 2
                if key := name_key("".join(qwords[i:end])):
                    for j in range(i, end):
                        word_alternatives[j].append(["k:" + key])
        groups = [alternatives for alternatives in word_alternatives if alternatives]
        if not groups:
            return None
        rank = [("w:" + w, 1) for w in qwords] + [("f:" + " ".join(typed), 2)]
        rank += [("k:" + k, 1) for w in qwords if (k := name_key(w))]
        return cls(groups, rank)


def name_search_q(text: str, *, field: str = "name_index") -> Q | None:
    """A filter on the blind index: every query word is a part of some name word (None: no name
    condition can be made from the text, e.g. a single letter)."""
    query = NameQuery.parse(text)
    if query is None:
        return None
    ring = keyring()
    required: list[int] = []
    either = Q()
    for alternatives in query.words:
        if len(alternatives) == 1:
            required += ring.index_values(alternatives[0])
        else:
            any_of = Q()
            for alt in alternatives:
                any_of |= Q(**{f"{field}__contains": ring.index_values(alt)})
            either &= any_of
    condition = Q(**{f"{field}__contains": sorted(set(required))}) if required else Q()
    return condition & either


def name_rank(text: str, *, field: str = "name_index", within: Q | None = None):
    """An expression ranking matches: whole words typed, then the full name typed, score higher.

    `within` limits ranking to rows the user may search by name (0 elsewhere), so the order of
    pseudonymous rows never depends on their names."""
    query = NameQuery.parse(text)
    if query is None:
        return None
    ring = keyring()
    total = Value(0)
    for term, weight in query.rank_terms:
        condition = Q(**{f"{field}__contains": [ring.index_value(term)]})
        if within is not None:
            condition &= within
        total = total + Case(When(condition, then=Value(weight)), default=Value(0), output_field=IntegerField())
    return Coalesce(total, Value(0), output_field=IntegerField())


class IndexCache:
    """Blind index values of many persons' names, reusing each word's values (bulk loads: names
    repeat). Gives exactly `ring.index_values(index_terms(...))`."""

    def __init__(self, ring):
        self.ring = ring
        self._words: dict[str, set[int]] = {}

    def values(self, *, names, full_names=()) -> list[int]:
        out: set[int] = set()
        for name in names:
            name_words = words(name or "")
            out |= {self.ring.index_value(t) for t in _pair_key_terms(name_words)}
            for word in name_words:
                cached = self._words.get(word)
                if cached is None:
                    terms = set()
                    for kind in INDEX_TERM_KINDS:
                        terms.update(kind(word))
                    cached = self._words[word] = {self.ring.index_value(t) for t in terms}
                out |= cached
        for full in full_names:
            full = normalise_name(full or "")
            if full:
                out.add(self.ring.index_value("f:" + full))
                out |= {self.ring.index_value(t) for t in _pair_key_terms(full.split())}
        return sorted(out)


# ---- matching two names (duplicates): keys, then the long vowels that tell Hassan from Hossein

_STRONG_I = {"ai", "ay", "ei", "ey", "ee", "ie", "iy", "y"}
_STRONG_U = {"ou", "oo", "uu", "ov", "oov", "ouv"}
_STRONG_A = {"aa"}
_LATIN_CONFLICTS = {("I", "a"), ("U", "a"), ("I", "U"), ("i", "a"), ("A", "I"), ("A", "U"), ("A", "i"), ("a", "o")}
_ARTICLES = {"al", "el"}
_ABD = {"عبد", "abd", "abdul", "abdol", "abdel", "abdal"}  # Abdul Karim, عبد الکریم: a compound written apart


def _latin_type(group: str) -> str:
    if group in _STRONG_I:
        return "I"
    if group in _STRONG_U:
        return "U"
    if group in _STRONG_A:
        return "A"
    return group if group in ("a", "i", "o") else "?"


def _slots_conflict(sa: str, ga: str, sb: str, gb: str) -> bool:
    """Whether two vowel groups between the same consonants cannot be the same sounds."""
    if sa == sb == "latin":
        if "v" in ga and "v" in gb:  # a w or v between vowels: the sounds on each side (Jawad / Javid)
            (xa, ya), (xb, yb) = ga.split("v", 1), gb.split("v", 1)
            diphthong = {xa, xb} == {"a", "o"}  # Persian "ow" is Arabic "aw" (Fowzieh / Fawzia)
            return (not diphthong and _slots_conflict(sa, xa, sb, xb)) or _slots_conflict(sa, ya, sb, yb)
        x, y = _latin_type(ga), _latin_type(gb)
        if {ga, gb} == {"e", "ee"}:
            return True  # Hamed / Hameed, Naser / Naseer: a short vowel against a long one
        if ("y" in ga and not set(gb) & set("iey")) or ("y" in gb and not set(ga) & set("iey")):
            return True  # Maryam / Maram
        return (x, y) in _LATIN_CONFLICTS or (y, x) in _LATIN_CONFLICTS
    if sa == sb == "arabic":  # the letters ی, و, ع are stable in spelling; ا comes and goes
        return bool((set(ga) ^ set(gb)) & {"ی", "و", "ع"})
    latin, arabic = (ga, gb) if sa == "latin" else (gb, ga)
    if "ی" in arabic and not set(latin) & set("iey"):
        return True  # Hassan / حسین
    if "و" in arabic and not set(latin) & set("ouv"):
        return True  # Mohammad / محمود
    if "y" in latin and "ی" not in arabic:
        return True  # Maryam / مرام
    kind = _latin_type(latin)
    if kind == "I" and "ی" not in arabic:
        return True  # Hossein / حسن
    if kind == "U" and "و" not in arabic:
        return True  # Mahmoud / محمد
    return kind == "i" and "ا" in arabic  # Siddiq / صادق


def _pattern_conflict(sa: str, slots_a: tuple, sb: str, slots_b: tuple) -> bool:
    """Arabic script: an alef moved to another vowel place is another pattern (کمال / کامل).

    Persian romanisation of the two patterns فاعل / فعیل: "Hamed" (a, e) is حامد, never حمید,
    whose first vowel is short (no alef) and second long (ی). A Latin "e" against a ی, right after a
    Latin "a" against no alef, cannot be the same name (Hamed / حمید, Salem / سلیم, Naser / نصیر)."""
    if sa == sb == "arabic":  # an alef in another place: کمال / کامل (فعال / فاعل)
        moved_from = [i for i, (x, y) in enumerate(zip(slots_a, slots_b, strict=True)) if "ا" in x and "ا" not in y]
        moved_to = [i for i, (x, y) in enumerate(zip(slots_a, slots_b, strict=True)) if "ا" in y and "ا" not in x]
        return bool(moved_from and moved_to)
    if {sa, sb} != {"latin", "arabic"}:
        return False
    latin, arabic = (slots_a, slots_b) if sa == "latin" else (slots_b, slots_a)
    return any(
        latin[i] == "e" and "ی" in arabic[i] and "a" in latin[i - 1] and "ا" not in arabic[i - 1]
        for i in range(1, len(latin))
    )


def _tails_conflict(sa: str, ta: str, sb: str, tb: str) -> bool:
    """The vowels between the last consonant and a final vowel (رضایی / رضوی, Reza / Razieh)."""
    if sa == sb == "arabic":
        return bool((set(ta) ^ set(tb)) & {"ی", "و"})
    if sa == sb == "latin":
        for x, y in ((ta, tb), (tb, ta)):
            if "v" in x and not set(y) & set("ouv"):
                return True  # Rezaei / Razavi
            if "i" in x and not set(y) & set("iey"):
                return True  # Reza / Razia
        return False
    latin, arabic = (ta, tb) if sa == "latin" else (tb, ta)
    if "و" in arabic and not set(latin) & set("ouv"):
        return True  # Rezaei / رضوی
    if "v" in latin and "و" not in arabic:
        return True  # Razavi / رضایی
    if "ی" in arabic and not set(latin) & set("iey"):
        return True  # Reza / رضیه
    return "i" in latin and not set(arabic) & {"ی", "ع"}  # Razia / رضا (but Rabia / رابعه: an ayn)


def _latin_ending(word: str) -> str:
    """How a Latin word ends, as far as Persian spelling tells: "eh" (-e, -eh: final ه), "aa" (ا, ء)."""
    if word.endswith(("eh", "e")) and not word.endswith(("ee", "ie", "ue", "oe")):
        return "eh"
    return "aa" if word.endswith("aa") else ""


def _endings_conflict(a: "_Word", b: "_Word") -> bool:
    if a.script == b.script == "arabic":
        return {a.last, b.last} == {"ا", "ه"}  # زهرا / زهره: both "a" in Latin letters, two names in their own script
    if {a.script, b.script} != {"latin", "arabic"}:
        return False
    latin, arabic = (a, b) if a.script == "latin" else (b, a)
    return (latin.last == "eh" and arabic.last == "ا") or (latin.last == "aa" and arabic.last == "ه")  # Zohreh / زهرا


def _latin_inner_tail(group: str, final: str) -> str:
    """The vowel group after a Latin word's last consonant without the letters of its final vowel."""
    endings = {"i": ("ee", "ey", "ie", "i", "y"), "a": ("aa", "a", "e"), "u": ("oo", "ou", "o", "u", "v")}
    for ending in endings.get(final, ()):
        if group.endswith(ending):
            return group[: -len(ending)]
    return group


def _latin_shape(word: str) -> tuple[str, str]:
    """(initial vowel group, inner tail) of a Latin word, as _latin_key splits it."""
    head, pairs = _split(_latin_units(word), _latin_vowel)
    final = _final_latin(pairs)
    if final and pairs and pairs[-1][0] == "h" and not pairs[-1][1] and len(pairs) > 1:
        pairs = pairs[:-1]
    return head, _latin_inner_tail(pairs[-1][1], final) if pairs else ""


def _arabic_shape(word: str) -> tuple[str, str]:
    units = _arabic_units(word)
    while len(units) > 1 and units[-1] == "ع":
        units = units[:-1]
    if len(units) > 1 and (units[-1] in ("ی", "ا", "ه", "و") or (units[-1] == "ح" and units[-2] == "ا")):
        units = units[:-1]
    head, pairs = _split(units, _arabic_vowel)
    return head, pairs[-1][1] if pairs else ""


@dataclass(frozen=True)
class _Word:
    keys: frozenset
    script: str
    slots: tuple
    last: str = ""
    head: str = ""
    tail: str = ""


def _analyse(word: str) -> _Word | None:
    word = word.replace(" ", "")
    if not word:
        return None
    if is_arabic_script(word):
        head, tail = _arabic_shape(word)
        return _Word(frozenset(name_keys(word)), "arabic", tuple(_arabic_key(word)[1]), word[-1], head, tail)
    head, tail = _latin_shape(word)
    return _Word(frozenset(name_keys(word)), "latin", tuple(_latin_key(word)[1]), _latin_ending(word), head, tail)


def _words_match(a: _Word, b: _Word) -> bool:
    if not a.keys & b.keys:
        return False
    if _endings_conflict(a, b):
        return False
    if a.script == b.script == "latin" and {a.head, b.head} in ({"a", "o"}, {"a", "u"}):
        return False  # Omar / Ammar
    if len(a.slots) != len(b.slots):
        return True  # keys agree; the vowels cannot be lined up (an article, a compound): no veto
    if _tails_conflict(a.script, a.tail, b.script, b.tail):
        return False
    if _pattern_conflict(a.script, a.slots, b.script, b.slots):
        return False
    return not any(_slots_conflict(a.script, ga, b.script, gb) for ga, gb in zip(a.slots, b.slots, strict=True))


def without_articles(name_words: list[str]) -> list[str]:
    """Latin "al-", "el-" go (Al-Hashimi, هاشمی), except after "abd" (Abd al-Rahman)."""
    return [w for i, w in enumerate(name_words) if w not in _ARTICLES or (i and name_words[i - 1] == "abd")]


def abd_joined(name_words: list[str]) -> list[str]:
    """ "Abd" and the word after it (and an article between) written as one word: عبد الکریم ->
    عبدالکریم, Abd al-Karim -> abdalkarim, the way the compound is indexed whichever way it was stored."""
    out, i = [], 0
    while i < len(name_words):
        word = name_words[i]
        if word in _ABD and i + 1 < len(name_words):
            end = i + 3 if name_words[i + 1] in _ARTICLES and i + 2 < len(name_words) else i + 2
            out.append("".join(name_words[i:end]))
            i = end
        else:
            out.append(word)
            i += 1
    return out


def name_similarity(a: str, b: str) -> float:
    """How far two written names can be the same name, 0 to 1, whatever their scripts: the share
    of words (of the longer name) that match another's word by key and long vowels; 1 when the
    names written without spaces match (compounds: Abdul Rahman, عبدالرحمن)."""
    a_words, b_words = without_articles(words(a)), without_articles(words(b))
    a_parts = [p for w in a_words for p in (compound_parts(w) or [w])]
    b_parts = [p for w in b_words for p in (compound_parts(w) or [w])]
    wa = [w for w in (_analyse(x) for x in a_parts) if w and w.keys]
    wb = [w for w in (_analyse(x) for x in b_parts) if w and w.keys]
    if not wa or not wb:
        return 0.0
    split = len(a_parts) != len(a_words) or len(b_parts) != len(b_words)
    apart = any(w in _ABD or (w.startswith("ال") and i) for i, w in enumerate(a_words + b_words))
    if len(wa) != len(wb) or split or apart:  # a compound in one word or two: Abdul Rahman, عبدالرحمن
        ja, jb = _analyse("".join(a_words)), _analyse("".join(b_words))
        if ja and jb and ja.keys and jb.keys and _words_match(ja, jb):
            return 1.0
    unused = list(wb)
    matched = 0
    for x in wa:
        for i, y in enumerate(unused):
            if _words_match(x, y):
                matched += 1
                del unused[i]
                break
    return matched / max(len(wa), len(wb))


NAME_MATCH_THRESHOLD = 0.99


def names_match(a: str, b: str, *, threshold: float = NAME_MATCH_THRESHOLD) -> bool:
    """True when two written names (any script) are likely the same name: every word matches."""
    return name_similarity(a, b) >= threshold
