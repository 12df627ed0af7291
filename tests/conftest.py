"""Shared fixtures: a small world of agencies in two countries and a user for every role.

`world` is the cast that permission tests run against:
- ir_ngo (Iran, NGO): caseworker `cw`, supervisor `sup`, service provider `sp_ir`
- ir_police (Iran, police, another agency in the same country): caseworker `cw_police`
- af_ngo (Afghanistan, NGO): caseworker `cw_af`, service provider `sp_af`
- ir_commission (Iran, national focal point): focal point `focal_ir`
- unodc_ir (Iran, UN agency): country programme manager `pm_ir`, country auditor `auditor_ir`
- unodc_region: regional programme manager `pm_region`
- administrator `admin_user`; a signed-in user with no membership `nobody`
"""

import datetime
import os

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

import pytest  # noqa: E402

PASSWORD = "correct horse battery staple"


def make_agency(short_name, country="IR", type="NGO", services=("Shelter", "Psychosocial"), **kw):
    from partners.models import Country
    from partners.services import agency_create

    return agency_create(
        name=kw.pop("name", f"{short_name} agency"),
        short_name=short_name,
        type=type,
        country=Country.objects.get(code=country),
        services=list(services),
        **kw,
    )


def make_user(username, agency=None, role="caseworker", scope="agency", **kw):
    from partners.models import User
    from partners.services import membership_create

    # Tests read English unless they ask otherwise: left on "automatic", a user of an Iranian agency
    # would read Persian (partners.selectors.user_language). Tests of the automatic choice pass language="".
    kw.setdefault("language", "en")
    user = User.objects.create_user(username=username, password=PASSWORD, first_name=username.title(), **kw)
    if agency is not None:
        membership_create(user=user, agency=agency, role=role, scope=scope)
    return user


def log_case(user, agency, *, person=None, identification=None, **kw):
    """Log an identification with sensible defaults; returns the case."""
    from cases.services import identification_log
    from partners.models import Province

    person_data = {
        "given_name": "رضا",
        "family_name": "احمدی",
        "given_name_latin": "Reza",
        "family_name_latin": "Ahmadi",
        "gender": "Masculine",
        "estimated_age": 14,
        "citizenships": ["AF"],
        "languages": ["prs"],
    }
    person_data.update(person or {})
    ident = {
        "identified_on": datetime.date.today() - datetime.timedelta(days=3),
        "country": agency.country,
        "province": Province.objects.filter(country=agency.country).first(),
        "place": "Street corner near the bazaar",
        "context": "Street",
        "exploitation_types": ["ForcedBegging"],
        "trafficking_status": "PossibleVictimOfTrafficking",
    }
    ident.update(identification or {})
    return identification_log(user=user, agency=agency, person=person_data, identification=ident, **kw)


def load_reference_geography():
    """Countries and provinces, loaded as migration partners 0002 loads them (idempotent)."""
    import importlib

    from django.apps import apps

    importlib.import_module("partners.migrations.0002_countries_provinces").load(apps, None)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Transactional tests (the browser tests) flush every table, migration data included:
    put the reference geography back, so that a reused test database keeps it."""
    with django_db_blocker.unblock():
        load_reference_geography()


@pytest.fixture(autouse=True)
def _reference_data_for_transactional_tests(request):
    """A transactional test (browser, concurrency, Celery) starts after another one flushed every
    table, migration data included, and Django re-created permissions with new ids: put the
    geography back and forget cached permission ids."""
    marker = request.node.get_closest_marker("django_db")
    by_marker = marker is not None and marker.kwargs.get("transaction", False)
    if not ({"transactional_db", "live_server"} & set(request.fixturenames) or by_marker):
        return
    if not by_marker:
        request.getfixturevalue("transactional_db")
    from cases import selectors

    selectors._perm_ids.clear()
    load_reference_geography()


class World:
    pass


@pytest.fixture
def world(db):
    w = World()
    w.ir_ngo = make_agency("IR-NGO", "IR", "NGO")
    w.ir_police = make_agency("IR-POL", "IR", "Police", services=["LawEnforcement"])
    w.af_ngo = make_agency("AF-NGO", "AF", "NGO", services=["Shelter", "Reintegration"])
    w.ir_commission = make_agency("IR-COM", "IR", "NationalCommission", services=[], is_focal_point=True)
    w.unodc_ir = make_agency("UNODC-IR", "IR", "UNAgency", services=[])
    w.unodc_region = make_agency("UNODC-ROCA", "AF", "UNAgency", services=[])

    w.cw = make_user("cw", w.ir_ngo, "caseworker")
    w.sup = make_user("sup", w.ir_ngo, "supervisor")
    w.sp_ir = make_user("sp_ir", w.ir_ngo, "service_provider")
    w.cw_police = make_user("cw_police", w.ir_police, "caseworker")
    w.cw_af = make_user("cw_af", w.af_ngo, "caseworker")
    w.sp_af = make_user("sp_af", w.af_ngo, "service_provider")
    w.focal_ir = make_user("focal_ir", w.ir_commission, "focal_point")
    w.pm_ir = make_user("pm_ir", w.unodc_ir, "programme_manager", scope="country")
    w.auditor_ir = make_user("auditor_ir", w.unodc_ir, "auditor", scope="country")
    w.pm_region = make_user("pm_region", w.unodc_region, "programme_manager", scope="region")
    w.admin_user = make_user("admin_user", w.unodc_region, "administrator")
    w.nobody = make_user("nobody")

    w.case_ir = log_case(w.cw, w.ir_ngo)  # owned by IR-NGO
    w.case_police = log_case(
        w.cw_police, w.ir_police,
        person={"given_name": "مریم", "family_name": "کریمی", "given_name_latin": "Maryam",
                "family_name_latin": "Karimi", "gender": "Feminine", "estimated_age": 16},
    )  # fmt: skip
    w.case_af = log_case(
        w.cw_af, w.af_ngo,
        person={"given_name": "احمد", "family_name": "نوری", "given_name_latin": "Ahmad",
                "family_name_latin": "Nouri", "estimated_age": 30},
        identification={"exploitation_types": ["ForcedLabour"], "context": "Worksite"},
    )  # fmt: skip
    return w


def fresh(user):
    """The same user without the per-object scope cache (after grants or memberships change)."""
    from partners.models import User

    return User.objects.get(pk=user.pk)


# --- Sign-in (issue 5, accounts/): the `client` fixture signs in past the second factor ---------


def mfa_verify_session(client, user):
    """Mark the client's session as having passed the second factor with the user's TOTP device
    (made if the user has none), as accounts.views.mfa_verify does after a right code."""
    from django_otp import DEVICE_ID_SESSION_KEY

    from accounts.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Test authenticator", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


class MFAClient:
    """Mixin: `force_login` and `login` also pass the second factor, so tests of case pages keep
    working. Production is unchanged: tests of the enforcement itself use a plain Client()."""

    def _login(self, user, backend=None):
        super()._login(user, backend)
        mfa_verify_session(self, user)


@pytest.fixture
def client():
    from django.test import Client

    return type("MFATestClient", (MFAClient, Client), {})()


@pytest.fixture
def api_session_client():
    """An APIClient whose session sign-ins pass the second factor (for session-auth API tests)."""
    from rest_framework.test import APIClient

    return type("MFAAPIClient", (MFAClient, APIClient), {})()


# --- end sign-in ---
