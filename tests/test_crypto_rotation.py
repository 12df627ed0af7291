"""Key rotation: seal with key A, list "B,A", rotate, keep only B: everything still reads."""

import base64
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from cases.models import CaseNote
from cases.services import case_note_add
from glo_act.crypto import DecryptionError, _dev_key, decode_key, generate_key, key_id
from tests.conftest import log_case
from victims.models import Person
from victims.names import name_search_q

A, B = generate_key(), generate_key()
INDEX_1, INDEX_2 = generate_key(), generate_key()


@pytest.fixture
def world_under_a(world, settings):
    """The world's rows, sealed with the tests' development key, re-encrypted under key A."""
    dev = base64.urlsafe_b64encode(_dev_key(settings.SECRET_KEY, "field encryption")).decode()
    with override_settings(FIELD_ENCRYPTION_KEYS=[A, dev], BLIND_INDEX_KEY=INDEX_1):
        call_command("rotate_field_keys", stdout=StringIO())
        call_command("rotate_blind_index", stdout=StringIO())
    return world


def key_ids_in(table, column):
    with connection.cursor() as cur:
        cur.execute(f"SELECT DISTINCT split_part({column}, '.', 2) FROM {table} WHERE {column} <> ''")  # noqa: S608
        return {row[0] for row in cur.fetchall()}


def test_rotating_field_keys_re_encrypts_everything_and_old_keys_can_go(world_under_a):
    with override_settings(FIELD_ENCRYPTION_KEYS=[A], BLIND_INDEX_KEY=INDEX_1):
        case = log_case(world_under_a.cw, world_under_a.ir_ngo, person={"given_name": "سمیرا", "given_name_latin": "Samira",
                                                        "aliases": ["Sami"]})  # fmt: skip
        case_note_add(user=world_under_a.cw, case=case, text="Samira works at the carpet workshop.")
        assert key_ids_in("victims_person", "given_name") >= {key_id(decode_key(A))}
    with override_settings(FIELD_ENCRYPTION_KEYS=[B, A], BLIND_INDEX_KEY=INDEX_1):
        assert Person.objects.get(pk=case.person_id).given_name == "سمیرا"  # B is current, A still opens
        out = StringIO()
        call_command("rotate_field_keys", "--batch-size", "2", stdout=out)
        assert "older keys can be removed" in out.getvalue(), out.getvalue()
        assert key_ids_in("victims_person", "given_name") == {key_id(decode_key(B))}
        assert key_ids_in("cases_casenote", "text") == {key_id(decode_key(B))}
        # Running it again changes nothing (resumable).
        again = StringIO()
        call_command("rotate_field_keys", stdout=again)
        assert " 0 re-encrypted" in again.getvalue()
    with override_settings(FIELD_ENCRYPTION_KEYS=[B], BLIND_INDEX_KEY=INDEX_1):
        person = Person.objects.get(pk=case.person_id)
        assert (person.given_name, person.aliases) == ("سمیرا", ["Sami"])
        assert CaseNote.objects.get(case=case).text == "Samira works at the carpet workshop."
        for p in Person.objects.all():  # every row, the world's included, reads with B alone
            assert p.given_name_latin is not None


def test_removing_a_key_before_rotating_says_so(world_under_a):
    with override_settings(FIELD_ENCRYPTION_KEYS=[A], BLIND_INDEX_KEY=INDEX_1):
        case = log_case(world_under_a.cw, world_under_a.ir_ngo)
    with (
        override_settings(FIELD_ENCRYPTION_KEYS=[B], BLIND_INDEX_KEY=INDEX_1),
        pytest.raises(DecryptionError, match="FIELD_ENCRYPTION_KEYS does not list"),
    ):
        Person.objects.get(pk=case.person_id)


def test_rotating_the_blind_index_key_rebuilds_the_index(world_under_a):
    with override_settings(FIELD_ENCRYPTION_KEYS=[A], BLIND_INDEX_KEY=INDEX_1):
        case = log_case(
            world_under_a.cw, world_under_a.ir_ngo, person={"given_name_latin": "Golnar", "given_name": "گلنار"}
        )
        assert Person.objects.filter(name_search_q("golna"), pk=case.person_id).exists()
    with override_settings(FIELD_ENCRYPTION_KEYS=[A], BLIND_INDEX_KEY=INDEX_2):
        assert not Person.objects.filter(name_search_q("golna"), pk=case.person_id).exists()
        out = StringIO()
        call_command("rotate_blind_index", stdout=out)
        assert "persons re-indexed" in out.getvalue()
        assert Person.objects.filter(name_search_q("golna"), pk=case.person_id).exists()
        assert Person.objects.filter(name_search_q("گلن"), pk=case.person_id).exists()
