"""seed_demo: demo agencies and logins, hand-made cases, idempotence, the COPY bulk loader, scoping."""

import re
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import Client

from cases.bulk import _REF_ALPHABET
from cases.models import (
    Case,
    CaseEvent,
    CaseGroupObjectPermission,
    CaseNote,
    Consent,
    Identification,
    RiskAssessment,
    ServiceDelivery,
)
from cases.selectors import case_access, case_visible_to
from glo_act.crypto import keyring
from partners.management.commands.seed_demo import DEMO_PASSWORD, DEMO_USERNAMES
from partners.models import Agency, Membership, User
from victims.models import Person
from victims.names import name_search_q

MODELS = [Agency, User, Membership, Person, Case, Identification, CaseEvent, CaseNote, Consent, RiskAssessment,
          ServiceDelivery, CaseGroupObjectPermission]  # fmt: skip


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def counts() -> dict:
    return {model.__name__: model.objects.count() for model in MODELS}


def user(username) -> User:
    return User.objects.get(username=username)  # fresh: no cached scope


@pytest.fixture
def seeded(db):
    seed()


def test_seed_creates_agencies_and_demo_users(seeded):
    assert len(DEMO_PASSWORD) >= 12
    agencies = Agency.objects.all()
    assert 20 <= agencies.count() <= 25
    assert set(agencies.values_list("country_id", flat=True)) == {"AF", "IR", "IQ", "PK"}
    # Every name says it is not the real organisation.
    assert all("(demo)" in a.name or "(fictional)" in a.name for a in agencies)
    focal = Agency.objects.filter(is_focal_point=True)
    assert sorted(focal.values_list("country_id", flat=True)) == ["AF", "IQ", "IR", "PK"]
    assert set(focal.values_list("type", flat=True)) == {"NationalCommission"}
    names = set(agencies.values_list("short_name", flat=True))
    assert {"UNODC-RO", "UNODC-IR", "IOM-AF", "IOM-PK", "IOM-IQ"} <= names
    assert all(a.services for a in agencies.filter(type__in=["NGO", "Shelter"]))

    expected = {
        "caseworker": ("caseworker", "agency", "IR-TCON"),
        "supervisor": ("supervisor", "agency", "IR-TCON"),
        "ngo": ("service_provider", "agency", "AF-HSH"),
        "focal_ir": ("focal_point", "agency", "NC-IR"),
        "focal_af": ("focal_point", "agency", "NC-AF"),
        "manager": ("programme_manager", "region", "UNODC-RO"),
        "auditor": ("auditor", "region", "UNODC-RO"),
        "admin": ("administrator", "agency", "UNODC-RO"),
        "caseworker_fa": ("caseworker", "agency", "IR-TCON"),
    }
    assert set(DEMO_USERNAMES) == set(expected)
    from partners.selectors import user_calendar, user_language

    assert user("caseworker").language == "en" and user_language(user("caseworker")) == "en"
    persian = user("caseworker_fa")
    assert persian.language == "" and user_language(persian) == "fa" and user_calendar(persian) == "solar_hijri"
    for username, (role, scope, agency) in expected.items():
        u = user(username)
        assert u.is_demo and u.first_name and u.last_name
        assert u.check_password(DEMO_PASSWORD)
        assert list(u.memberships.values_list("role", "scope", "agency__short_name")) == [(role, scope, agency)]
    tehran = Agency.objects.get(short_name="IR-TCON")
    assert tehran.country_id == "IR" and tehran.city == "Tehran"
    assert Agency.objects.get(short_name="AF-HSH").country_id == "AF"
    # Staff who log the other agencies' cases are demo accounts that cannot sign in at all.
    staff = User.objects.filter(username__startswith="staff.")
    assert staff.exists() and all(u.is_demo and not u.has_usable_password() for u in staff)


def test_seed_makes_hand_made_cases_through_the_services(seeded):
    tehran = Agency.objects.get(short_name="IR-TCON")
    own = Case.objects.filter(agency=tehran, created_by__username="caseworker")
    assert 10 <= own.count() <= 14
    assert Case.objects.exclude(agency=tehran).count() >= 4
    assert set(Case.objects.values_list("country_id", flat=True)) == {"AF", "IR", "IQ", "PK"}
    types = {t for ts in Case.objects.values_list("exploitation_types", flat=True) for t in ts}
    assert {"ForcedBegging", "ForcedLabour", "ForcedCriminality", "ForcedMarriage", "ChildLabour"} <= types
    assert Case.objects.filter(is_smuggled_migrant=True).exists()
    assert Case.objects.filter(status__in=["Closed", "ClosedReferred"]).exists()
    assert RiskAssessment.objects.filter(case__agency=tehran).count() >= 5
    assert Consent.objects.filter(case__agency=tehran).count() >= 5
    assert CaseNote.objects.filter(case__agency=tehran).exists()
    assert ServiceDelivery.objects.filter(case__agency=tehran).exists()
    # Names in the original script and in Latin letters.
    person = next(p for p in Person.objects.filter(name_search_q("Samiullah")) if p.given_name_latin == "Samiullah")
    assert re.search(r"[\u0600-\u06FF]", person.given_name)
    assert person.name_index == keyring().index_values(person.name_index_terms())
    # Every case has its timeline, starting with the identification.
    assert not Case.objects.filter(events__isnull=True).exists()
    # One case shared by the supervisor with the `ngo` agency.
    grants = CaseGroupObjectPermission.objects.filter(permission__codename="view_case")
    assert grants.count() == 1
    grant = grants.get()
    assert grant.group.agency.short_name == "AF-HSH" and grant.content_object.agency == tehran
    assert grant.content_object.events.filter(action="case_shared", actor__username="supervisor").exists()


def test_seed_is_idempotent(seeded):
    before = counts()
    out = seed()
    assert counts() == before
    assert "0 agencies, 0 users and 0 demo cases created" in out


def test_seed_prints_the_demo_logins(db, settings):
    settings.DEMO_LOGINS_ENABLED = True
    out = seed()
    for username in DEMO_USERNAMES:
        assert re.search(rf"^{username}\s", out, re.MULTILINE)
    assert DEMO_PASSWORD in out
    assert "Tehran Child Outreach Network" in out
    settings.DEMO_LOGINS_ENABLED = False
    assert "only work with DEBUG on" in seed()


@pytest.mark.parametrize("username", DEMO_USERNAMES)
def test_demo_users_log_in_only_when_demo_logins_are_enabled(seeded, settings, username):
    settings.DEMO_LOGINS_ENABLED = True
    assert authenticate(username=username, password=DEMO_PASSWORD) == user(username)
    assert authenticate(username=username, password="wrong-password-123") is None
    assert Client().login(username=username, password=DEMO_PASSWORD)

    settings.DEMO_LOGINS_ENABLED = False
    assert authenticate(username=username, password=DEMO_PASSWORD) is None
    assert not Client().login(username=username, password=DEMO_PASSWORD)


def test_bulk_cases_are_complete_and_consistent(seeded):
    before = counts()
    before_ids = set(Case.objects.values_list("id", flat=True))
    out = seed(cases=500, chunk_size=200)  # three chunks
    after = counts()
    for name in ("Case", "Person", "Identification", "CaseEvent"):
        assert after[name] - before[name] == 500, name
    assert after["Agency"] == before["Agency"] and after["User"] == before["User"]
    assert "Added 500 synthetic cases" in out

    new = Case.objects.exclude(id__in=before_ids).select_related("person", "agency")
    assert new.count() == 500
    demo_logins = set(User.objects.filter(username__in=DEMO_USERNAMES).values_list("id", flat=True))
    ref_pattern = re.compile(rf"^P-[{_REF_ALPHABET}]{{8}}$")
    for case in new:
        ident = case.identifications.get()
        person = case.person
        assert case.country_id == case.agency.country_id == ident.country_id
        assert ident.agency_id == person.agency_id == case.agency_id
        assert case.is_child == ident.is_child
        assert case.exploitation_types == ident.exploitation_types
        assert case.trafficking_status == ident.trafficking_status
        assert case.is_smuggled_migrant == ident.is_smuggled_migrant
        assert case.opened_on == ident.identified_on
        assert re.fullmatch(rf"{case.country_id}-{case.opened_on.year}-\d{{6,}}", case.reference)
        assert ref_pattern.match(person.reference)
        assert person.name_index == keyring().index_values(person.name_index_terms())
        assert ident.age_at_identification == person.age(ident.identified_on)
        assert ident.is_child == person.is_child(ident.identified_on)
        assert case.created_by_id == case.assigned_to_id == ident.caseworker_id
        assert case.created_by_id not in demo_logins
        assert Membership.objects.filter(user_id=ident.caseworker_id, agency=case.agency, role="caseworker").exists()
        assert case.events.filter(action="identification_logged").count() == 1
        # Legal choices everywhere, and the Palermo rules of Identification.clean.
        person.full_clean()
        ident.full_clean()
        case.full_clean()

    cases = Case.objects.all()
    assert cases.values("reference").distinct().count() == cases.count()
    persons = Person.objects.all()
    assert persons.values("reference").distinct().count() == persons.count()
    # Realistic spread: every country, children and adults, several forms of exploitation.
    assert set(new.values_list("country_id", flat=True)) == {"AF", "IR", "IQ", "PK"}
    children = new.filter(is_child=True).count()
    assert 100 < children < 400
    assert len({t for ts in new.values_list("exploitation_types", flat=True) for t in ts}) >= 6
    assert new.values("agency").distinct().count() >= 10

    # A second run adds 500 more, with new references.
    seed(cases=500)
    assert Case.objects.count() == after["Case"] + 500
    assert Case.objects.values("reference").distinct().count() == Case.objects.count()
    assert Person.objects.values("reference").distinct().count() == Person.objects.count()


def test_bulk_replaces_a_person_reference_already_taken(seeded, monkeypatch):
    from cases import bulk

    taken = Person.objects.order_by("id").first().reference
    monkeypatch.setattr(bulk, "person_reference_for", lambda number: taken)
    before = Person.objects.count()
    seed(cases=10)
    assert Person.objects.count() == before + 10
    assert Person.objects.filter(reference=taken).count() == 1
    assert Person.objects.values("reference").distinct().count() == before + 10


def test_bulk_needs_agencies_with_staff(db):
    """Without agencies whose staff may identify, the loader refuses (seed_demo always seeds them first)."""
    from django.core.management.base import CommandError

    from cases.bulk import NoCaseAgencies, load_cases
    from partners.management.commands.seed_demo import Command

    with pytest.raises(NoCaseAgencies):
        load_cases(5)
    command = Command(stdout=StringIO())
    command.verbosity = 0
    with pytest.raises(CommandError, match="run seed_demo first"):
        command._bulk(5, 2026, 100)


def test_seeded_data_scopes_correctly(seeded):
    seed(cases=500)
    tehran = Agency.objects.get(short_name="IR-TCON")
    shared = CaseGroupObjectPermission.objects.get(permission__codename="view_case").content_object

    caseworker = user("caseworker")
    visible = set(case_visible_to(caseworker).values_list("id", flat=True))
    assert visible == set(Case.objects.filter(agency=tehran).values_list("id", flat=True))
    assert shared.id in visible
    assert Case.objects.filter(agency=tehran).count() > 12  # the bulk cases reached this agency too

    ngo = user("ngo")
    assert list(case_visible_to(ngo)) == [shared]
    access = case_access(ngo, shared)
    assert access.shared and access.view_identity and access.record_services and not access.edit

    focal_ir = user("focal_ir")
    commission = Agency.objects.get(short_name="NC-IR")
    assert set(case_visible_to(focal_ir)) == set(Case.objects.filter(agency=commission))

    for username in ("manager", "auditor"):
        u = user(username)
        assert case_visible_to(u).count() == Case.objects.count()
        assert case_access(u, shared).pseudonymous


def test_synthetic_agencies(seeded):
    before = Agency.objects.count()
    seed(agencies=5)
    syn = Agency.objects.filter(short_name__startswith="SYN-")
    assert Agency.objects.count() == before + 5 == before + syn.count()
    assert all("(fictional)" in a.name and a.country_id in {"AF", "IR", "IQ", "PK"} for a in syn)
    assert all(a.memberships.filter(role="caseworker").count() == 2 for a in syn)
    seed(agencies=5)
    assert Agency.objects.count() == before + 5
    seed(agencies=7, cases=300)
    assert Agency.objects.filter(short_name__startswith="SYN-").count() == 7
    assert Case.objects.filter(agency__short_name__startswith="SYN-").exists()
