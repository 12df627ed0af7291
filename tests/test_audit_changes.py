"""The change trail: PostgreSQL triggers record every write to the tracked tables, whoever makes it
(a page, the API, a queryset .update(), raw SQL), with who, when, from where, before and after."""

import datetime

import pytest
from django.db import connection
from django.urls import reverse

from audit.context import audit_context
from audit.models import ChangeEvent
from cases.models import Case, CaseGroupObjectPermission, CaseNote, CaseUserObjectPermission, Consent, Identification
from partners.models import Agency, Membership, User
from referrals.models import Referral
from tests.api_support import API, client_for
from tests.audit_support import IP, META, UA, assert_from_request, changes, latest
from victims.models import Person

TODAY = datetime.date.today()


@pytest.fixture
def ui(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login


def api(user):
    return client_for(user)


# --- Changes made in the browser -----------------------------------------------------------------


def test_a_case_status_change_in_the_browser_is_recorded_with_who_and_from_where(ui, world):
    case = world.case_ir
    response = ui(world.cw).post(
        reverse("case_update", args=[case.reference]), {"status": "FollowUp", "stage": case.stage}, **META
    )
    assert response.status_code == 302
    event = latest("cases_case", case.id, "UPDATE")
    assert_from_request(event, world.cw, "POST", f"/cases/{case.reference}/update/")
    assert "status" in event.changed_fields
    assert event.old["status"] == "Active" and event.new["status"] == "FollowUp"
    assert event.countries == ["IR"] and event.case_ids == [case.id]


def test_a_person_edit_in_the_browser_is_recorded_without_the_names(ui, world):
    case = world.case_ir
    person = case.person
    data = {"given_name_latin": "Rezaaa", "gender": person.gender, "estimated_age": 15, "citizenships": ["AF"]}
    response = ui(world.cw).post(reverse("case_person_edit", args=[case.reference]), data, **META)
    assert response.status_code in (200, 302)
    event = latest("victims_person", person.id, "UPDATE")
    assert_from_request(event, world.cw, "POST")
    assert "given_name_latin" in event.changed_fields
    assert "Rezaaa" not in str(event.new) and "Reza" not in str(event.old)
    assert event.new["given_name_latin"] == "[redacted]"
    assert case.id in event.case_ids and event.countries == ["IR"]


def test_a_note_and_a_consent_in_the_browser_are_recorded(ui, world):
    case = world.case_ir
    c = ui(world.cw)
    assert (
        c.post(reverse("case_note_add", args=[case.reference]), {"text": "Reza came back"}, **META).status_code == 302
    )
    note = CaseNote.objects.get(case=case)
    event = latest("cases_casenote", note.id, "INSERT")
    assert_from_request(event, world.cw, "POST")
    assert event.new["text"] == "[redacted]" and "Reza" not in str(event.new)
    response = c.post(
        reverse("case_consent_add", args=[case.reference]),
        {"purpose": "DataProcessing", "granted": "yes", "given_by": "Person", "given_on": TODAY.isoformat()},
        **META,
    )
    assert response.status_code == 302
    consent = Consent.objects.get(case=case)
    event = latest("cases_consent", consent.id, "INSERT")
    assert_from_request(event, world.cw, "POST")
    assert event.new["purpose"] == "DataProcessing" and event.new["granted"] is True


def test_a_share_in_the_browser_records_the_guardian_grant(ui, world):
    case = world.case_ir
    response = ui(world.sup).post(
        reverse("case_share", args=[case.reference]),
        {"agency": world.af_ngo.pk, "allow_services": "on", "reason": "Shelter in Herat"},
        **META,
    )
    assert response.status_code == 302
    grants = changes("cases_casegroupobjectpermission", action="INSERT")
    assert grants
    for event in grants:
        assert_from_request(event, world.sup, "POST")
        assert event.case_ids == [case.id]
        assert set(event.countries) == {"IR", "AF"}  # the case's country and the receiving agency's


def test_a_referral_drafted_in_the_browser_is_recorded_without_its_message(ui, world):
    from tests.conftest import make_agency

    make_agency("IR-SHELTER", "IR", "Shelter", services=["Shelter", "Medical"])
    case = world.case_ir
    response = ui(world.cw).post(
        reverse("referral_new", args=[case.reference]),
        {"to_country": "IR", "to_agency": Agency.objects.get(short_name="IR-SHELTER").pk, "services": ["Shelter"],
         "reason": "AdditionalServicesRequired", "urgency": "routine", "message": "Reza needs a bed",
         "action": "draft"},
        **META,
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    referral = Referral.objects.get(case=case)
    event = latest("referrals_referral", referral.id, "INSERT")
    assert_from_request(event, world.cw, "POST")
    assert event.new["message"] == "[redacted]" and event.new["state"] == "draft"
    assert event.case_ids == [case.id] and event.countries == ["IR"]


def test_the_admin_site_changes_to_agencies_memberships_and_passwords_are_recorded(ui, world):
    c = ui(world.admin_user)
    response = c.post(
        "/admin/partners/agency/add/",
        {"name": "Demo Shelter Herat", "short_name": "DSH", "type": "Shelter", "country": "AF",
         "services": "Shelter,Medical", "city": "Herat", "is_active": "on"},
        **META,
    )  # fmt: skip
    assert response.status_code == 302
    agency = Agency.objects.get(short_name="DSH")
    assert_from_request(latest("partners_agency", agency.id, "INSERT"), world.admin_user, "POST", "/admin/")

    response = c.post(
        "/admin/partners/membership/add/",
        {"user": world.nobody.pk, "agency": agency.pk, "role": "caseworker", "scope": "agency", "is_active": "on"},
        **META,
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=world.nobody)
    event = latest("partners_membership", membership.id, "INSERT")
    assert_from_request(event, world.admin_user, "POST", "/admin/")
    assert event.new["role"] == "caseworker" and event.countries == ["AF"]

    response = c.post(
        f"/admin/partners/user/{world.nobody.pk}/password/",
        {"password1": "a new long passphrase 2026", "password2": "a new long passphrase 2026"},
        **META,
    )
    assert response.status_code == 302
    event = latest("partners_user", world.nobody.pk, "UPDATE")
    assert_from_request(event, world.admin_user, "POST", "/admin/")
    assert "password" in event.changed_fields
    assert event.old["password"] == "[redacted]" and event.new["password"] == "[redacted]"
    assert not ChangeEvent.objects.filter(new__password__startswith="md5$").exists()
    assert not ChangeEvent.objects.filter(new__password__contains="$").exists()


# --- Changes made through the API (token: the user is known only inside the view) ----------------


def test_api_changes_are_recorded_with_the_token_user(world):
    case = world.case_ir
    c = api(world.sup)
    assert (
        c.patch(API + f"cases/{case.reference}/", {"stage": "FirstAssistance"}, format="json", **META).status_code
        == 200
    )
    assert_from_request(latest("cases_case", case.id, "UPDATE"), world.sup, "PATCH", "/api/v1/cases/")

    person = case.person
    response = c.patch(API + f"victims/{person.reference}/", {"phone": "+98 912 000 0000"}, format="json", **META)
    assert response.status_code == 200, response.content
    event = latest("victims_person", person.id, "UPDATE")
    assert_from_request(event, world.sup, "PATCH", "/api/v1/victims/")
    assert event.changed_fields and "0000" not in str(event.new)

    assert (
        c.post(API + f"cases/{case.reference}/notes/", {"text": "call back"}, format="json", **META).status_code == 201
    )
    assert_from_request(latest("cases_casenote", action="INSERT"), world.sup, "POST")

    response = c.post(
        API + f"cases/{case.reference}/consents/",
        {"purpose": "NationalReferral", "given_by": "Person", "given_on": TODAY.isoformat()}, format="json", **META,
    )  # fmt: skip
    assert response.status_code == 201, response.content
    assert_from_request(latest("cases_consent", action="INSERT"), world.sup, "POST")

    response = c.post(
        API + f"cases/{case.reference}/identifications/",
        {"identified_on": TODAY.isoformat(), "country": "IR", "context": "Street", "place": "Bazaar",
         "exploitation_types": ["ForcedBegging"], "trafficking_status": "PossibleVictimOfTrafficking"},
        format="json", **META,
    )  # fmt: skip
    assert response.status_code == 201, response.content
    event = latest("cases_identification", action="INSERT")
    assert_from_request(event, world.sup, "POST")
    assert event.new["place"] == "[redacted]" and event.new["context"] == "Street"

    response = c.post(API + f"cases/{case.reference}/shares/",
                      {"agency": world.ir_police.short_name, "reason": "joint work"}, format="json", **META)  # fmt: skip
    assert response.status_code == 201, response.content
    assert_from_request(latest("cases_casegroupobjectpermission", action="INSERT"), world.sup, "POST")


def test_an_api_referral_is_recorded(world):
    from tests.conftest import make_agency

    make_agency("IR-SHELTER", "IR", "Shelter", services=["Shelter"])
    payload = {"case": world.case_ir.reference, "to_agency": "IR-SHELTER", "services": ["Shelter"],
               "reason": "AdditionalServicesRequired", "message": "Needs a bed tonight"}  # fmt: skip
    response = api(world.cw).post(API + "referrals/", payload, format="json", **META)
    assert response.status_code == 201, response.content
    event = latest("referrals_referral", action="INSERT")
    assert_from_request(event, world.cw, "POST", "/api/v1/referrals/")
    assert "Needs a bed" not in str(event.new)


# --- Bulk updates and raw SQL ------------------------------------------------------------------------

TRACKED = [
    ("victims_person", Person, "estimated_age", 40),
    ("cases_case", Case, "stage", "FirstAssistance"),
    ("cases_identification", Identification, "context", "Worksite"),
    ("cases_consent", Consent, "purpose", "CrossBorderReferral"),
    ("cases_casenote", CaseNote, "text", "rewritten"),
    ("referrals_referral", Referral, "urgency", "urgent"),
    ("partners_membership", Membership, "is_active", False),
    ("partners_user", User, "first_name", "Renamed"),
    ("partners_agency", Agency, "city", "Mashhad"),
    ("cases_casegroupobjectpermission", CaseGroupObjectPermission, None, None),
    ("cases_caseuserobjectpermission", CaseUserObjectPermission, None, None),
]


@pytest.fixture
def one_of_each(world):
    """A row in every tracked table."""
    from django.contrib.auth.models import Permission

    from cases import services
    from tests.conftest import make_agency

    services.consent_record(user=world.cw, case=world.case_ir, purpose="NationalReferral", given_by="Person")
    services.case_note_add(user=world.cw, case=world.case_ir, text="first note")
    shelter = make_agency("IR-SHELTER", "IR", "Shelter", services=["Shelter"])
    from referrals.services import referral_create

    referral_create(user=world.cw, case=world.case_ir, services=["Shelter"], reason="AdditionalServicesRequired",
                    to_agency=shelter)  # fmt: skip
    perm = Permission.objects.get(codename="view_case")
    CaseGroupObjectPermission.objects.create(permission=perm, group=world.af_ngo.group, content_object=world.case_ir)
    CaseUserObjectPermission.objects.create(permission=perm, user=world.cw_af, content_object=world.case_ir)
    return world


def _column_and_value(model, field, value):
    if field is None:  # the grant tables: move the grant to another case
        other = Case.objects.exclude(pk=model.objects.first().content_object_id).first()
        return "content_object_id", other.pk
    return model._meta.get_field(field).column, value


@pytest.mark.parametrize(("table", "model", "field", "value"), TRACKED, ids=[t[0] for t in TRACKED])
def test_a_queryset_update_is_recorded_with_its_context(one_of_each, table, model, field, value):
    row = model.objects.order_by("pk").first()
    column, new_value = _column_and_value(model, field, value)
    before = ChangeEvent.objects.filter(table_name=table, action="UPDATE").count()
    with audit_context(user_id=one_of_each.admin_user.pk, username="admin_user", ip=IP, user_agent=UA,
                       command="bulk-fix"):  # fmt: skip
        model.objects.filter(pk=row.pk).update(**{column.removesuffix("_id") if field is None else field: new_value})
    assert ChangeEvent.objects.filter(table_name=table, action="UPDATE").count() == before + 1
    event = latest(table, row.pk, "UPDATE")
    assert event.username == "admin_user" and event.actor_id == one_of_each.admin_user.pk and event.ip == IP
    assert event.context["command"] == "bulk-fix"
    assert column in event.changed_fields
    assert event.countries, "every tracked row knows its country"


@pytest.mark.parametrize(("table", "model", "field", "value"), TRACKED, ids=[t[0] for t in TRACKED])
def test_a_raw_sql_update_outside_the_application_is_recorded_with_no_context(one_of_each, table, model, field, value):
    row = model.objects.order_by("pk").first()
    column, new_value = _column_and_value(model, field, value)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [new_value, row.pk])  # noqa: S608
    event = latest(table, row.pk, "UPDATE")
    assert event.context is None and event.actor_id is None and event.username == ""
    assert column in event.changed_fields
    assert event.transaction_id


def test_raw_sql_inside_a_request_context_is_attributed(world):
    with audit_context(user_id=world.cw.pk, username="cw", ip=IP), connection.cursor() as cursor:
        cursor.execute("UPDATE cases_case SET stage = 'FirstAssistance' WHERE id = %s", [world.case_ir.pk])
    event = latest("cases_case", world.case_ir.pk, "UPDATE")
    assert event.username == "cw" and event.ip == IP


def test_deletes_are_recorded_with_the_values_before(world):
    from cases import services

    note = services.case_note_add(user=world.cw, case=world.case_ir, text="to delete")
    CaseNote.objects.filter(pk=note.pk).delete()
    event = latest("cases_casenote", note.pk, "DELETE")
    assert event.old["case_id"] == world.case_ir.pk and event.new is None
    assert event.case_ids == [world.case_ir.pk]


def test_a_save_that_changes_nothing_but_a_timestamp_writes_no_row(world):
    before = ChangeEvent.objects.count()
    Case.objects.get(pk=world.case_ir.pk).save()
    world.cw.last_login = world.cw.date_joined
    world.cw.save(update_fields=["last_login"])
    assert ChangeEvent.objects.count() == before


def test_the_context_does_not_outlive_the_request_on_a_persistent_connection(client, world):
    client.force_login(world.cw)
    client.post(reverse("case_note_add", args=[world.case_ir.reference]), {"text": "x"}, **META)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('glo_act.audit_context', true)")
        assert cursor.fetchone()[0] in ("", None)
        cursor.execute("UPDATE cases_case SET stage = 'FirstAssistance' WHERE id = %s", [world.case_ir.pk])
    assert latest("cases_case", world.case_ir.pk, "UPDATE").context is None


def test_a_celery_task_is_named_in_its_changes(world):
    from celery import shared_task

    @shared_task(name="tests.audit_probe")
    def probe(case_id):
        Case.objects.filter(pk=case_id).update(stage="FirstAssistance")

    probe.delay(world.case_ir.pk)  # eager in the tests, through Celery's signals all the same
    assert latest("cases_case", world.case_ir.pk, "UPDATE").context["task"] == "tests.audit_probe"


def test_kept_columns_are_never_identifying():
    """The trigger's keep lists (migration 0002) hold no identifying or free-text column."""
    import importlib

    from django.apps import apps

    from cases.models import REDACTED_FIELDS

    tracked = importlib.import_module("audit.migrations.0002_triggers").TRACKED
    from audit.display import TABLE_MODELS

    for table, (keep, _redact, _ignore) in tracked.items():
        label = TABLE_MODELS[table]
        model = apps.get_model(label)
        secret = set()
        for name in REDACTED_FIELDS.get(label, ()):
            secret |= {name, model._meta.get_field(name).column}
        if keep != "*":
            assert not secret & set(keep.split(",")), table
            columns = {f.column for f in model._meta.concrete_fields}
            assert set(keep.split(",")) <= columns | {"updated_at"}, (table, set(keep.split(",")) - columns)
        else:
            assert not secret, f"{table} keeps every column but has identifying fields"
