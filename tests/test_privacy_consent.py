"""Withdrawing consent to the processing of personal data erases the person's identifying data at
once (cases.services.consent_withdraw -> privacy.services.case_anonymise); other purposes keep their
behaviour. Through the service, the browser and the API; only staff who may edit the case."""

import datetime

import pytest
from django.apps import apps
from django.urls import reverse

from cases import services
from cases.models import REDACTED_FIELDS, Case, CaseEvent, CaseNote, Consent
from privacy.models import ErasureRecord
from referrals.models import Referral
from victims.models import IDENTIFYING_FIELDS, Person

from .api_support import API, client_for
from .conftest import make_agency, make_user

TODAY = datetime.date.today()
WARNING = "This erases the person's identifying data"


def person_is_erased(person_id: int) -> bool:
    person = Person.objects.get(pk=person_id)
    return all(getattr(person, Person._meta.get_field(n).attname) in (None, "", []) for n in IDENTIFYING_FIELDS)


def free_text_left(case) -> list:
    left = []
    for label, names in REDACTED_FIELDS.items():
        model = apps.get_model(label)
        if model is Person or not names:
            continue
        rows = model.objects.filter(pk=case.pk) if model is Case else model.objects.filter(case=case)
        left += [(label, v) for v in rows.values(*names) if set(v.values()) - {""}]
    return left


def fill(w, case):
    services.case_note_add(user=w.cw, case=case, text="Reza lives behind the bazaar")
    services.risk_assessment_add(user=w.cw, case=case, risk_level="High", safety_plan="Keep Reza inside",
                                 next_review_on=TODAY + datetime.timedelta(days=7))  # fmt: skip
    services.person_update(user=w.cw, case=case, data={"phone": "+98 912 000 1111", "date_of_birth": TODAY.replace(
        year=TODAY.year - 14) - datetime.timedelta(days=3), "estimated_age": None})  # fmt: skip


@pytest.fixture
def shelter(world):
    agency = make_agency("IR-SHELTER", "IR", "Shelter", services=["Shelter"])
    make_user("sp_shelter", agency, "service_provider")
    return agency


def test_withdrawing_consent_to_data_processing_erases_at_once(world, shelter):
    from referrals.services import referral_create, referral_send

    case = world.case_ir
    fill(world, case)
    services.consent_record(user=world.cw, case=case, purpose="NationalReferral")
    referral = referral_create(user=world.cw, case=case, services=["Shelter"], reason="AdditionalServicesRequired",
                               to_agency=shelter, message="Reza needs a bed", share_identity=True)  # fmt: skip
    referral_send(user=world.cw, referral=referral)
    processing = services.consent_record(user=world.cw, case=case, purpose="DataProcessing", notes="Signed by Reza")
    ident = case.identifications.get()
    age_then = ident.age_at_identification

    services.consent_withdraw(user=world.cw, case=case, consent=processing, reason="Reza asked us to forget him")

    assert person_is_erased(case.person_id)
    assert Person.objects.get(pk=case.person_id).name_index == []
    assert free_text_left(case) == []
    assert Referral.objects.get(pk=referral.pk).state == "withdrawn"  # as before: nothing shared any more
    assert Referral.objects.get(pk=referral.pk).message == ""
    case.refresh_from_db()
    assert case.status == "Active"  # it goes on, pseudonymous
    ident.refresh_from_db()
    assert ident.age_at_identification == age_then and ident.place == ""
    withdrawn = Consent.objects.get(pk=processing.pk)
    assert withdrawn.withdrawn_on == TODAY and withdrawn.withdrawal_reason == ""
    record = ErasureRecord.objects.get(case=case)
    assert (record.kind, record.actor, record.person_erased, record.case_closed_on) == (
        "consent_withdrawn",
        world.cw,
        True,
        None,
    )
    assert "Reza" not in str(ErasureRecord.objects.filter(pk=record.pk).values().get())
    event = CaseEvent.objects.get(case=case, action="identity_erased")
    assert event.actor == world.cw and "consent" in event.summary
    # Work on the case goes on.
    services.case_note_add(user=world.cw, case=case, text="Follow-up call done")


@pytest.mark.parametrize("purpose", ["NationalReferral", "CrossBorderReferral", "AnonymisedStatistics"])
def test_withdrawing_consent_for_another_purpose_erases_nothing(world, purpose):
    case = world.case_ir
    fill(world, case)
    consent = services.consent_record(user=world.cw, case=case, purpose=purpose)
    person_before = Person.objects.filter(pk=case.person_id).values().get()
    notes_before = list(CaseNote.objects.filter(case=case).values_list("text", flat=True))
    services.consent_withdraw(user=world.cw, case=case, consent=consent, reason="Changed her mind")
    assert Person.objects.filter(pk=case.person_id).values().get() == person_before
    assert list(CaseNote.objects.filter(case=case).values_list("text", flat=True)) == notes_before
    assert Consent.objects.get(pk=consent.pk).withdrawal_reason == "Changed her mind"
    assert not ErasureRecord.objects.exists()
    assert not CaseEvent.objects.filter(action="identity_erased").exists()


def test_a_duplicate_consent_to_data_processing_is_withdrawn_with_it(world):
    case = world.case_ir
    first = services.consent_record(user=world.cw, case=case, purpose="DataProcessing")
    second = services.consent_record(user=world.cw, case=case, purpose="DataProcessing", given_by="Guardian",
                                     guardian_name="Reza's uncle")  # fmt: skip
    services.consent_withdraw(user=world.cw, case=case, consent=second, reason="No")
    assert not services.valid_consent(case, "DataProcessing")
    assert Consent.objects.get(pk=first.pk).withdrawn_on == TODAY
    assert Consent.objects.get(pk=second.pk).guardian_name == ""
    assert person_is_erased(case.person_id)


def test_consent_withdrawal_erases_every_case_of_the_person(world):
    case = world.case_ir
    other = Case.objects.create(
        reference="IR-2026-990101", person=case.person, agency=world.ir_ngo, country_id="IR", created_by=world.cw
    )
    services.case_note_add(user=world.cw, case=other, text="Reza again")
    consent = services.consent_record(user=world.cw, case=case, purpose="DataProcessing")
    services.consent_withdraw(user=world.cw, case=case, consent=consent, reason="No")
    assert CaseNote.objects.get(case=other).text == ""
    assert set(ErasureRecord.objects.values_list("case_id", "kind")) == {
        (case.pk, "consent_withdrawn"),
        (other.pk, "consent_withdrawn"),
    }
    assert CaseEvent.objects.filter(case=other, action="identity_erased").count() == 1


def test_statistics_are_the_same_after_a_withdrawal(world):
    from stats.models import CaseRollup
    from stats.rollups import rollups_rebuild

    def figures():
        rollups_rebuild()
        return sorted(tuple(sorted((k, v) for k, v in r.items() if k != "id")) for r in CaseRollup.objects.values())

    fill(world, world.case_ir)
    before = figures()
    consent = services.consent_record(user=world.cw, case=world.case_ir, purpose="DataProcessing")
    services.consent_withdraw(user=world.cw, case=world.case_ir, consent=consent, reason="No")
    assert person_is_erased(world.case_ir.person_id)
    assert figures() == before


# --- The browser -------------------------------------------------------------------------------------


def test_the_page_warns_before_withdrawing_consent_to_data_processing(world, client):
    case = world.case_ir
    services.consent_record(user=world.cw, case=case, purpose="NationalReferral")
    client.force_login(world.cw)
    page = client.get(reverse("case_detail", args=[case.reference])).content.decode()
    assert WARNING not in page  # referral consent: withdrawing it erases nothing
    processing = services.consent_record(user=world.cw, case=case, purpose="DataProcessing")
    page = client.get(reverse("case_detail", args=[case.reference])).content.decode()
    action = reverse("case_consent_withdraw", args=[case.reference, processing.pk])
    form = page[page.index(f'action="{action}') :]
    form = form[: form.index("</form>")]
    # The warning is inside the withdrawal form, before the button that confirms it.
    assert WARNING in form and form.index(WARNING) < form.index("Withdraw consent")
    assert "cannot be undone" in form and "pseudonymous record" in form
    assert "style=" not in form and "<script" not in form


def test_the_caseworker_withdraws_in_the_browser_and_the_case_says_it_was_erased(world, client):
    case = world.case_ir
    processing = services.consent_record(user=world.cw, case=case, purpose="DataProcessing")
    client.force_login(world.cw)
    response = client.post(reverse("case_consent_withdraw", args=[case.reference, processing.pk]),
                           {"withdrawal_reason": "Reza asked us to forget him"})  # fmt: skip
    assert response.status_code == 302
    assert person_is_erased(case.person_id)
    page = client.get(reverse("case_detail", args=[case.reference])).content.decode()
    assert "Identifying data erased" in page and "consent to the processing of personal data was withdrawn" in page
    for secret in ["Reza", "Ahmadi", "رضا", "Street corner near the bazaar"]:
        assert secret not in page


@pytest.mark.parametrize(("who", "status"), [("cw_police", 404), ("cw_af", 404), ("pm_ir", 403), ("nobody", 404)])
def test_only_staff_who_may_edit_the_case_may_withdraw(world, client, who, status):
    case = world.case_ir
    processing = services.consent_record(user=world.cw, case=case, purpose="DataProcessing")
    person_before = Person.objects.filter(pk=case.person_id).values().get()
    client.force_login(getattr(world, who))
    url = reverse("case_consent_withdraw", args=[case.reference, processing.pk])
    response = client.post(url, {"withdrawal_reason": "x"})
    assert response.status_code == status
    assert Consent.objects.get(pk=processing.pk).withdrawn_on is None
    assert Person.objects.filter(pk=case.person_id).values().get() == person_before
    assert not ErasureRecord.objects.exists()
    # And through the API.
    response = client_for(getattr(world, who)).post(
        API + f"cases/{case.reference}/consents/{processing.pk}/withdraw/", {"withdrawal_reason": "x"}, format="json"
    )
    assert response.status_code in (403, 404)
    assert Consent.objects.get(pk=processing.pk).withdrawn_on is None and not ErasureRecord.objects.exists()


def test_anonymous_cannot_withdraw(world, client):
    processing = services.consent_record(user=world.cw, case=world.case_ir, purpose="DataProcessing")
    response = client.post(reverse("case_consent_withdraw", args=[world.case_ir.reference, processing.pk]),
                           {"withdrawal_reason": "x"})  # fmt: skip
    assert response.status_code == 302 and not ErasureRecord.objects.exists()


def test_withdrawal_through_the_api_erases(world):
    case = world.case_ir
    processing = services.consent_record(user=world.cw, case=case, purpose="DataProcessing")
    response = client_for(world.cw).post(
        API + f"cases/{case.reference}/consents/{processing.pk}/withdraw/",
        {"withdrawal_reason": "Reza asked"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert person_is_erased(case.person_id)
    assert ErasureRecord.objects.get(case=case).actor == world.cw
    data = client_for(world.cw).get(API + f"cases/{case.reference}/").json()
    assert "Reza" not in str(data)


def test_a_bad_withdrawal_erases_nothing(world):
    from django.core.exceptions import ValidationError

    processing = services.consent_record(user=world.cw, case=world.case_ir, purpose="DataProcessing")
    with pytest.raises(ValidationError):
        services.consent_withdraw(user=world.cw, case=world.case_ir, consent=processing, reason="  ")
    assert not person_is_erased(world.case_ir.person_id) and not ErasureRecord.objects.exists()


def test_names_cannot_be_entered_again_without_a_new_consent_to_data_processing(world):
    """After the erasure, identifying data comes back only with a new consent to data processing."""
    from django.core.exceptions import ValidationError

    from cases.services import consent_record, consent_withdraw, person_update

    w = world
    case = w.case_ir
    consent = consent_record(user=w.cw, case=case, purpose="DataProcessing", granted=True, given_by="Person",
                             given_on=datetime.date.today())  # fmt: skip
    consent_withdraw(user=w.cw, case=case, consent=consent, reason="Asked us to forget her")
    with pytest.raises(ValidationError) as refused:
        person_update(user=w.cw, case=case, data={"given_name_latin": "Reza"})
    assert "new consent to data processing" in str(refused.value)
    case.person.refresh_from_db()
    assert case.person.given_name_latin == ""
    consent_record(user=w.cw, case=case, purpose="DataProcessing", granted=True, given_by="Person",
                   given_on=datetime.date.today())  # fmt: skip
    person_update(user=w.cw, case=case, data={"given_name_latin": "Reza"})
    case.person.refresh_from_db()
    assert case.person.given_name_latin == "Reza"
