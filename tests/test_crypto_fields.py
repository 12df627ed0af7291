"""Encryption at rest of identifying fields: what the database holds, and what the code reads."""

import datetime

import pytest
from django.core.exceptions import FieldError
from django.db import connection

from cases.models import CaseNote, Identification
from cases.services import case_note_add, consent_record, risk_assessment_add
from glo_act.crypto import DecryptionError, keyring
from tests.conftest import log_case
from victims.models import Person

PERSIAN = {"given_name": "کامبیز", "family_name": "دلاوری", "given_name_latin": "Kambiz",
           "family_name_latin": "Delavari", "father_name": "فریدون", "aliases": ["کامی", "Kami"],
           "date_of_birth": datetime.date(2011, 3, 21), "estimated_age": None, "document_number": "X99887766",
           "phone": "+98 912 555 0199", "email": "kambiz@example.org", "current_address": "کوچه گلستان ۱۷، مشهد"}  # fmt: skip


def raw(table, column, pk):
    with connection.cursor() as cur:
        cur.execute(f'SELECT "{column}" FROM "{table}" WHERE id = %s', [pk])  # noqa: S608
        return cur.fetchone()[0]


def test_it_round_trips_identifying_fields_in_both_scripts(world):
    case = log_case(world.cw, world.ir_ngo, person=PERSIAN, identification={"place": "پشت حرم", "narrative": "Story"})
    person = Person.objects.get(pk=case.person_id)
    for field, value in PERSIAN.items():
        assert getattr(person, field) == value, field
    ident = Identification.objects.get(case=case)
    assert (ident.place, ident.narrative) == ("پشت حرم", "Story")
    # values() and values_list() decrypt too (the HTCDS export reads names that way).
    assert Person.objects.filter(pk=person.pk).values_list("given_name", "date_of_birth").get() == (
        "کامبیز", datetime.date(2011, 3, 21))  # fmt: skip


def test_the_column_holds_ciphertext_that_differs_between_rows_with_the_same_name(world):
    one = log_case(world.cw, world.ir_ngo, person=PERSIAN).person
    two = log_case(world.cw, world.ir_ngo, person=PERSIAN).person
    for field, value in PERSIAN.items():
        if field in ("estimated_age", "aliases"):
            continue
        a, b = raw("victims_person", field, one.pk), raw("victims_person", field, two.pk)
        plain = value.isoformat() if isinstance(value, datetime.date) else value
        assert plain not in str(a) and str(a) != str(b), field
    assert raw("victims_person", "given_name", one.pk).startswith(f"e1.{keyring().current_id}.")
    assert raw("victims_person", "aliases", one.pk)[0].startswith("e1.")
    note = case_note_add(user=world.cw, case=one.cases.get(), text="He sleeps at the bus terminal.")
    assert "terminal" not in raw("cases_casenote", "text", note.pk)


def test_tampered_ciphertext_raises_a_clear_error(world):
    person = world.case_ir.person
    token = raw("victims_person", "given_name", person.pk)
    flipped = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    with connection.cursor() as cur:
        cur.execute("UPDATE victims_person SET given_name = %s WHERE id = %s", [flipped, person.pk])
    with pytest.raises(DecryptionError, match="victims.Person.given_name: the encrypted value failed its integrity"):
        Person.objects.get(pk=person.pk)


def test_a_ciphertext_moved_to_another_column_does_not_open(world):
    person = world.case_ir.person
    with connection.cursor() as cur:
        cur.execute("UPDATE victims_person SET phone = given_name WHERE id = %s", [person.pk])
    with pytest.raises(DecryptionError, match="victims.Person.phone"):
        Person.objects.get(pk=person.pk)


def test_plain_text_written_behind_the_application_is_refused(world):
    with connection.cursor() as cur:
        cur.execute("UPDATE victims_person SET family_name = 'Injected' WHERE id = %s", [world.case_ir.person_id])
    with pytest.raises(DecryptionError, match="not an encrypted value"):
        Person.objects.get(pk=world.case_ir.person_id)


def test_empty_values_round_trip_and_erasing_names_empties_the_blind_index(world):
    person = log_case(world.cw, world.ir_ngo, person=PERSIAN).person
    assert person.name_index
    for field in ("given_name", "family_name", "given_name_latin", "family_name_latin", "father_name",
                  "document_number", "phone", "email", "current_address"):  # fmt: skip
        setattr(person, field, "")
    person.aliases, person.date_of_birth = [], None
    person.save(update_fields=["given_name", "family_name", "given_name_latin", "family_name_latin", "father_name",
                               "aliases", "date_of_birth", "document_number", "phone", "email", "current_address"])  # fmt: skip
    person = Person.objects.get(pk=person.pk)
    assert (person.given_name, person.aliases, person.date_of_birth, person.phone) == ("", [], None, "")
    assert person.name_index == []
    assert raw("victims_person", "given_name", person.pk) == "" and raw("victims_person", "name_index", person.pk) == []
    assert Person.objects.filter(pk=person.pk, given_name="").exists()


def test_sql_filters_on_encrypted_fields_fail_loudly(world):
    with pytest.raises(FieldError, match="is encrypted"):
        list(Person.objects.filter(given_name_latin="Reza"))
    with pytest.raises(FieldError, match="is encrypted"):
        list(CaseNote.objects.filter(text__icontains="x"))
    assert Person.objects.filter(date_of_birth__isnull=True).exists()


def test_free_text_of_every_case_record_is_encrypted(world):
    case = world.case_ir
    consent = consent_record(user=world.cw, case=case, purpose="DataProcessing", given_by="AppointedGuardian",
                             guardian_name="Uncle Jamshid Delavari", notes="Agreed in Dari.")  # fmt: skip
    ra = risk_assessment_add(user=world.cw, case=case, risk_level="High", risk_factors=["ReTrafficking"],
                             safety_plan="Stay at the Mashhad shelter.",
                             next_review_on=datetime.date.today() + datetime.timedelta(days=7))  # fmt: skip
    assert "Jamshid" not in raw("cases_consent", "guardian_name", consent.pk)
    assert "Dari" not in raw("cases_consent", "notes", consent.pk)
    assert "shelter" not in raw("cases_riskassessment", "safety_plan", ra.pk)
    ident = case.identifications.get()
    assert "bazaar" not in raw("cases_identification", "place", ident.pk)
    assert ident.place == "Street corner near the bazaar"
