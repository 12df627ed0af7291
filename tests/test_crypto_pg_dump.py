"""The pg_dump check: a dump of a seeded database holds none of the seeded identities in plain text."""

import datetime
import os
import subprocess

import pytest
from django.db import connection

from cases.services import case_note_add, consent_record, risk_assessment_add
from tests.conftest import log_case, make_agency, make_user
from victims.names import normalise_name

PEOPLE = [
    {"given_name": "کامبیز", "family_name": "دلاوری", "given_name_latin": "Kambiz", "family_name_latin": "Delavari",
     "father_name": "فریدون", "aliases": ["Kami-Kite"], "date_of_birth": datetime.date(2012, 5, 17),
     "estimated_age": None, "document_number": "X99887766", "phone": "+98 912 555 0199",
     "email": "kambiz.delavari@example.org", "current_address": "Kuche Golestan 17, Mashhad"},
    {"given_name": "ياسمين", "family_name": "الحيدري", "given_name_latin": "Yasmeen", "family_name_latin": "Alhaidari",
     "father_name": "قحطان", "aliases": ["ياسو"], "document_number": "IQ55443322", "phone": "+964 770 123 4567",
     "email": "yasmeen.h@example.org", "current_address": "شارع الرشيد ٤٢، بغداد", "estimated_age": 15},
]  # fmt: skip
NARRATIVE = "Kambiz sold flowers at the lights for a man called Shahrokh Zandi."
PLACE = "Behind the Imam Reza shrine bus stop"
NOTE = "یاسمین در خانه‌ای در کرج نگهداری می‌شد"
SAFETY = "Escort to the Tabriz safe house on Thursday"
GUARDIAN = "Parvaneh Delavari"


@pytest.mark.django_db(transaction=True)
def test_a_pg_dump_of_a_seeded_database_holds_no_identity_in_plain_text(transactional_db, tmp_path):
    from accounts.models import TOTPDevice

    agency = make_agency("IR-DUMP", "IR", "NGO")
    user = make_user("dumper", agency, "caseworker")
    totp_secret = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True).key
    secrets = [NARRATIVE, PLACE, NOTE, SAFETY, GUARDIAN, totp_secret]
    for i, person in enumerate(PEOPLE * 100):  # a few hundred cases
        case = log_case(user, agency, person=person, identification={"narrative": NARRATIVE, "place": PLACE})
        if i < 2:
            case_note_add(user=user, case=case, text=NOTE)
            consent_record(user=user, case=case, purpose="DataProcessing", given_by="AppointedGuardian",
                           guardian_name=GUARDIAN, notes=NOTE)  # fmt: skip
            risk_assessment_add(user=user, case=case, risk_level="High", risk_factors=["ReTrafficking"],
                                safety_plan=SAFETY, next_review_on=datetime.date.today() + datetime.timedelta(days=5))  # fmt: skip
    for person in PEOPLE:
        for field in ("given_name", "family_name", "given_name_latin", "family_name_latin", "father_name",
                      "document_number", "phone", "email", "current_address"):  # fmt: skip
            secrets.append(person[field])
        secrets += person["aliases"]
        if person.get("date_of_birth"):
            secrets.append(person["date_of_birth"].isoformat())
        secrets.append(f"{person['given_name']} {person['family_name']}")
        secrets.append(f"{person['given_name_latin']} {person['family_name_latin']}")

    settings = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": settings.get("PASSWORD") or ""}
    dump = subprocess.run(
        ["pg_dump", "-h", settings.get("HOST") or "127.0.0.1", "-p", str(settings.get("PORT") or 5432),
         "-U", settings.get("USER") or "postgres", "--no-owner", settings["NAME"]],
        env=env, capture_output=True, timeout=300, check=True,
    ).stdout.decode()  # fmt: skip
    assert "e1." in dump and "IR-DUMP" in dump  # the dump is of the seeded database
    lowered = dump.lower()
    for secret in secrets:
        for form in {secret, secret.lower(), normalise_name(secret), secret.replace(" ", "")}:
            assert form.lower() not in lowered, f"found in the dump: {form!r}"
    # The digits of phone and document numbers, as a search might have normalised them.
    for person in PEOPLE:
        assert person["phone"].replace(" ", "").replace("+", "") not in dump
