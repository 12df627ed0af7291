"""Names across scripts (issue 6): normalisation, phonetic keys, and matching measured on a
labelled set of name pairs (tests/data/name_pairs.csv). No database: fast."""

import csv
from pathlib import Path

import pytest

from victims.names import name_key, name_keys, name_similarity, names_match, normalise_name

PAIRS = Path(__file__).parent / "data" / "name_pairs.csv"
# Measured on the set (1063 pairs: 631 same, 432 different, 40.6% negatives): precision 0.975
# (623 / 639), recall 0.987 (623 / 631). The thresholds sit just below, so a change that loses
# either fails here. The misses are listed when the test runs with -s.
MIN_PRECISION = 0.97
MIN_RECALL = 0.98


def labelled_pairs() -> list[dict]:
    """The rows of tests/data/name_pairs.csv (columns a, b, same, note), "#" comment lines skipped."""
    with PAIRS.open(encoding="utf-8") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


@pytest.mark.parametrize(
    ("typed", "normal"),
    [
        ("رضايي", "رضایی"),  # Arabic yeh
        ("كريم", "کریم"),  # Arabic kaf
        ("فاطمة", "فاطمه"),  # teh marbuta
        ("إبراهيم", "ابراهیم"),  # hamza on alef
        ("مُحَمَّد", "محمد"),  # harakat
        ("محـــمد", "محمد"),  # tatweel
        ("عبد\u200cالله", "عبدالله"),  # zero-width non-joiner
        ("\u202bرضا\u202c\u200f", "رضا"),  # bidi embedding and mark
        ("شاہد", "شاهد"),  # Urdu heh goal
        ("بھٹی", "بهٹی"),  # Urdu do-chashmi heh
        ("کاوە", "کاوه"),  # Sorani final ae
        ("کەریم", "کریم"),  # Sorani medial ae is a vowel sign
        ("ئازاد", "ازاد"),  # Sorani initial hamza seat
        ("José  MÜLLER", "jose muller"),  # Latin diacritics and case
        ("Abdul-Rahman", "abdul rahman"),  # hyphens
        ("Ja'far", "jafar"),  # apostrophes (ayn)
        ("ﻣﺤﻤﺪ", "محمد"),  # presentation forms
    ],
)
def test_it_normalises_letter_variants_marks_and_joiners(typed, normal):
    assert normalise_name(typed) == normal


@pytest.mark.parametrize(
    "spellings",
    [
        ["محمد", "Mohammad", "Muhammad", "Mohammed", "Mohamad", "Mohamed"],
        ["رضایی", "رضائی", "Rezaei", "Rezai", "Rezaee", "Rezaie"],
        ["حسین", "Hossein", "Hussain", "Husain", "Husayn"],
        ["حسینی", "Hosseini", "Husaini", "Hussaini"],
        ["عبدالرحمن", "Abdurrahman", "Abdulrahman", "Abdolrahman"],
        ["موسی", "Musa", "Mousa", "Moosa"],
        ["یوسفزی", "یوسفزۍ", "Yousafzai", "Yusufzai"],
    ],
)
def test_spellings_of_one_name_share_a_key(spellings):
    keys = [name_key(s) for s in spellings]
    assert len(set(keys)) == 1, dict(zip(spellings, keys, strict=True))
    assert all(keys[0] in name_keys(s) for s in spellings)


def test_keys_are_coarse_but_matching_tells_hassan_from_hossein():
    assert name_key("Hassan") == name_key("Hossein")  # search finds both: the user sees the names
    assert not names_match("Hassan", "Hossein")
    assert not names_match("Hassan", "حسین")
    assert not names_match("حسن", "Hussain")
    assert not names_match("Mohammad", "Mahmoud")
    assert not names_match("Ali", "Aliya")
    assert names_match("Mohammad Rezaei", "محمد رضایی")
    assert names_match("Muhammad Rezai", "محمد رضایی")
    assert names_match("Habib Ullah", "حبیب‌الله")  # a compound in one word or two
    assert name_similarity("Mohammad Rezaei", "Mohammad Karimi") == 0.5


def test_nothing_to_match_gives_no_key_and_no_match():
    assert name_key("") is None and name_keys("  ") == set()
    assert not names_match("", "محمد")
    assert name_similarity("---", "Reza") == 0.0


def test_precision_and_recall_on_the_labelled_pairs_hold():
    rows = labelled_pairs()
    assert len(rows) >= 240
    assert {r["same"] for r in rows} == {"0", "1"}
    assert sum(r["same"] == "0" for r in rows) >= 0.4 * len(rows)  # hard negatives, not only spellings
    tp = fp = fn = 0
    misses = []
    for row in rows:
        match, same = names_match(row["a"], row["b"]), row["same"] == "1"
        tp += match and same
        fp += match and not same
        fn += same and not match
        if match != same:
            misses.append(("false match" if match else "missed", row["a"], row["b"], row["note"]))
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    print(f"\nname matching on {len(rows)} pairs: precision {precision:.4f} ({tp}/{tp + fp}), "
          f"recall {recall:.4f} ({tp}/{tp + fn})")  # fmt: skip
    for miss in misses:
        print("  ", *miss)
    assert precision >= MIN_PRECISION, f"precision {precision:.3f}"
    assert recall >= MIN_RECALL, f"recall {recall:.3f}"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Rezaei", "Razavi"),  # the vowels before a final vowel: two family names
        ("رضایی", "Razavi"),
        ("Reza", "Razieh"),  # masculine / feminine
        ("رضا", "Razia"),
        ("Omar", "Ammar"),  # the first vowel
        ("Hamed", "حمید"),  # فاعل / فعیل
        ("Naser", "Naseer"),
        ("Zohreh", "زهرا"),  # -eh is ه, never ا
        ("کمال", "کامل"),  # an alef moved
        ("Jawad", "Javid"),
        ("Maryam", "Maram"),
        ("Jamaal", "Jameel"),
    ],
)
def test_vowels_tell_apart_names_that_share_a_key(a, b):
    assert name_key(a) == name_key(b) or name_keys(a) & name_keys(b)
    assert not names_match(a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Rezai", "Rezayi"),
        ("Fowziyeh", "Fawzia"),  # Persian "ow", Arabic "aw"
        ("Rabia", "رابعه"),  # an ayn read as i
        ("عبد الکریم", "Abdul Karim"),  # a compound written apart in both scripts
        ("Zakaria", "زکریا"),
        ("Mousavi", "موسوی"),
        ("Kawa", "کاوه"),
        ("Husayn", "Hussain"),
    ],
)
def test_the_vowel_checks_keep_spellings_of_one_name_together(a, b):
    assert names_match(a, b)


def test_the_bulk_loaders_cache_indexes_exactly_like_a_save():
    from glo_act.crypto import keyring
    from victims.names import IndexCache, index_terms

    ring = keyring()
    for names, full in [
        (["حبیب‌الله", "Habib Ullah", "", "الهاشمی"], ["حبیب‌الله الهاشمی", "Habib Ullah "]),
        (["Abd al-Rahman", "Yousafzai"], ["Abd al-Rahman Yousafzai"]),
    ]:
        assert IndexCache(ring).values(names=names, full_names=full) == ring.index_values(
            index_terms(names=names, full_names=full)
        )
