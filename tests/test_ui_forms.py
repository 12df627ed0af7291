"""The browser forms: good input goes through the services, bad input writes nothing."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import Case, CaseNote, Consent, Identification, RiskAssessment
from partners.models import Province
from victims.models import Person
from victims.names import name_search_q

from .conftest import log_case, make_user

TODAY = datetime.date.today()


def counts():
    return (Person.objects.count(), Case.objects.count(), Identification.objects.count())


def identification_post(world, **overrides):
    data = {
        "given_name": "علی",
        "given_name_latin": "Ali",
        "family_name_latin": "Hosseini",
        "gender": "Masculine",
        "estimated_age": "14",
        "citizenships": ["AF"],
        "identified_on": TODAY.isoformat(),
        "country": "IR",
        "province": str(Province.objects.get(country_id="IR", name="Tehran").pk),
        "place": "Enghelab square",
        "context": "Street",
        "exploitation_types": ["ForcedBegging"],
        "trafficking_status": "PossibleVictimOfTrafficking",
        "narrative": "Found begging.",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def case_of_ali() -> Case:
    """The one case of a person named Ali (names are encrypted: found through the blind index)."""
    named = Case.objects.filter(name_search_q("Ali", field="person__name_index"))
    (case,) = [c for c in named if c.person.given_name_latin == "Ali"]
    return case


@pytest.fixture
def cw_client(client, world):
    client.force_login(world.cw)
    return client


def test_it_logs_an_identification_and_opens_the_case(cw_client, world):
    response = cw_client.post(reverse("identification_log"), identification_post(world))
    case = case_of_ali()
    assert response.status_code == 302
    assert response["Location"] == reverse("case_detail", args=[case.reference])
    assert case.agency == world.ir_ngo
    assert case.is_child
    assert case.person.citizenships == ["AF"]
    assert case.person.age_estimated_on == TODAY
    ident = case.identifications.get()
    assert ident.province.name == "Tehran"
    assert ident.exploitation_types == ["ForcedBegging"]
    page = cw_client.get(response["Location"]).content.decode()
    assert "Identification logged" in page and "Ali Hosseini" in page


def test_the_form_hides_the_agency_choice_for_one_agency(cw_client, world):
    html = cw_client.get(reverse("identification_log")).content.decode()
    assert 'type="hidden" name="agency"' in html
    assert "Identifying agency" not in html


def test_the_form_offers_a_choice_of_agencies(client, world):
    from partners.services import membership_create

    membership_create(user=world.cw, agency=world.ir_commission, role="focal_point")
    client.force_login(world.cw)
    html = client.get(reverse("identification_log")).content.decode()
    assert "Identifying agency" in html
    post = identification_post(world, agency=str(world.ir_commission.pk))
    assert client.post(reverse("identification_log"), post).status_code == 302
    assert case_of_ali().agency == world.ir_commission


def test_it_refuses_an_agency_the_user_cannot_identify_for(cw_client, world):
    before = counts()
    post = identification_post(world, agency=str(world.af_ngo.pk))
    response = cw_client.post(reverse("identification_log"), post)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert counts() == before


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        (
            {"given_name": "", "given_name_latin": "", "family_name_latin": ""},
            None,
            "Give at least one name or alias",
        ),
        ({"province": None, "country": "AF"}, None, None),  # control: valid without province
        ({"country": "AF"}, "province", "This province is not in the selected country."),
        (
            {"date_of_birth": "2012-01-01"},
            "estimated_age",
            "Give either the date of birth or an estimated age, not both.",
        ),
        (
            {"trafficking_status": "ActualVictimOfTrafficking"},
            "status_decided_by",
            "Say who decided the trafficking status.",
        ),
        ({"identified_on": "2999-01-01"}, "identified_on", "cannot be in the future"),
        ({"context": ""}, "context", "This field is required."),
    ],
)
def test_bad_identification_input_shows_errors_and_writes_nothing(cw_client, world, overrides, field, message):
    before = counts()
    response = cw_client.post(reverse("identification_log"), identification_post(world, **overrides))
    if message is None:
        assert response.status_code == 302
        return
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    if field:  # next to its field
        errors = re.search(rf'<ul class="errors" id="id_{field}_error">(.*?)</ul>', html, re.S)
        assert errors and message in errors.group(1)
    assert counts() == before
    # The input is kept.
    assert 'value="Hosseini"' in html or overrides.get("family_name_latin") == ""
    assert "Found begging." in html


def test_bad_case_input_shows_errors_and_writes_nothing(cw_client, world):
    ref = world.case_ir.reference
    cases = [
        ("case_note_add", {"text": "   "}, CaseNote, "This field is required."),
        (
            "case_consent_add",
            {"purpose": "DataProcessing", "granted": "yes", "given_by": "Guardian", "given_on": TODAY.isoformat(),
             "notes": "kept input"},
            Consent,
            "Name the guardian who gave consent.",
        ),
        (
            "case_risk_add",
            {"assessed_on": TODAY.isoformat(), "risk_level": "High", "safety_plan": "kept input",
             "next_review_on": TODAY.isoformat()},
            RiskAssessment,
            "The next review must come after the assessment.",
        ),
    ]  # fmt: skip
    for name, data, model, message in cases:
        before = model.objects.count()
        events = world.case_ir.events.count()
        response = cw_client.post(reverse(name, args=[ref]), data)
        assert response.status_code == 200, name
        html = response.content.decode()
        assert message in html, name
        assert model.objects.count() == before, name
        assert world.case_ir.events.count() == events
        if "kept input" in str(data):
            assert "kept input" in html


def test_case_parts_are_added_through_the_page(cw_client, world):
    ref = world.case_ir.reference
    detail = reverse("case_detail", args=[ref])
    posts = [
        ("case_note_add", {"text": "Spoke with the family."}),
        ("case_consent_add", {"purpose": "NationalReferral", "granted": "yes", "given_by": "Person",
                              "given_on": TODAY.isoformat()}),  # DataProcessing's withdrawal would erase the notes
        ("case_risk_add", {"assessed_on": TODAY.isoformat(), "risk_level": "Medium", "risk_factors": ["ReTrafficking"],
                           "safety_plan": "Daily check-in call.", "next_review_on": (TODAY + datetime.timedelta(days=5)).isoformat()}),
        ("case_reflection_start", {"start_date": TODAY.isoformat(), "days": "30"}),
        ("case_support_add", {"type": "Education", "objectives": "Back to school."}),
        ("case_service_add", {"service": "Psychosocial", "started_on": TODAY.isoformat()}),
    ]  # fmt: skip
    for name, data in posts:
        response = cw_client.post(reverse(name, args=[ref]), data)
        assert response.status_code == 302, (name, response.content.decode()[:2000])
        assert response["Location"].startswith(detail)
    case = world.case_ir
    consent = case.consents.get()
    period = case.reflection_periods.get()
    withdraw = reverse("case_consent_withdraw", args=[ref, consent.pk])
    assert cw_client.post(withdraw, {"withdrawal_reason": ""}).status_code == 200
    assert cw_client.post(withdraw, {"withdrawal_reason": "Changed her mind."}).status_code == 302
    end = reverse("case_reflection_end", args=[ref, period.pk])
    assert cw_client.post(end, {"ended_on": TODAY.isoformat(), "end_reason": "Completed"}).status_code == 302
    close = reverse("case_close", args=[ref])
    assert cw_client.post(close, {"closure_reason": ""}).status_code == 200
    assert cw_client.post(close, {"closure_reason": "SupportGoalsMet", "notes": "Done."}).status_code == 302

    html = cw_client.get(detail).content.decode()
    for text in ["Spoke with the family.", "Daily check-in call.", "Back to school.", "Psychosocial support",
                 "Changed her mind.", "Period completed", "Support goals met", "Risk of re-trafficking"]:  # fmt: skip
        assert text in html, text
    case.refresh_from_db()
    assert case.is_closed
    assert case.events.count() == 10
    # Risk review due shows on the home page.
    home = cw_client.get(reverse("home")).content.decode()
    assert "Risk reviews due" in home


def test_home_lists_risk_reviews_due(cw_client, world):
    from cases.services import risk_assessment_add

    risk_assessment_add(
        user=world.cw, case=world.case_ir, risk_level="High", safety_plan="Plan",
        next_review_on=TODAY + datetime.timedelta(days=3),
    )  # fmt: skip
    html = cw_client.get(reverse("home")).content.decode()
    section = html.split("Risk reviews due")[1].split("</section>")[0]
    assert world.case_ir.reference in section
    assert "Reza" in section


def test_case_list_searches_and_filters(cw_client, world):
    other = log_case(
        world.cw, world.ir_ngo,
        person={"given_name": "زهرا", "family_name": "", "given_name_latin": "Zahra", "family_name_latin": "",
                "estimated_age": 30},
        identification={"exploitation_types": ["ForcedLabour"]},
    )  # fmt: skip
    url = reverse("case_list")
    html = cw_client.get(url, {"q": "zahra"}).content.decode()
    assert other.reference in html and world.case_ir.reference not in html
    html = cw_client.get(url, {"q": "رضا"}).content.decode()
    assert world.case_ir.reference in html and other.reference not in html
    html = cw_client.get(url, {"exploitation_type": "ForcedLabour"}).content.decode()
    assert other.reference in html and world.case_ir.reference not in html
    html = cw_client.get(url, {"is_child": "true"}).content.decode()
    assert world.case_ir.reference in html and other.reference not in html


def test_case_list_paginates(cw_client, world):
    for i in range(26):
        log_case(world.cw, world.ir_ngo, person={"given_name_latin": f"P{i}"})
    html = cw_client.get(reverse("case_list")).content.decode()
    assert "Page 1 of 2" in html
    assert cw_client.get(reverse("case_list"), {"page": 2}).status_code == 200


def _list_queries(client, user):
    client.force_login(user)
    client.get(reverse("case_list"))  # warm up caches (session, permission ids)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("case_list"))
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("shared", [False, True])
def test_case_list_query_count_does_not_grow_with_rows(client, world, shared):
    from cases.services import case_share

    user = make_user("counter", world.ir_ngo, "caseworker")
    for _ in range(10 - 1):
        case = log_case(user, world.ir_ngo)
    viewer = user
    if shared:
        viewer = make_user("sharer", world.af_ngo, "service_provider")
    if shared:  # with identity on both pages: each logs one access row (audit), the same cost
        case_share(user=world.sup, case=case, agency=world.af_ngo, include_identity=True)
    small = _list_queries(client, viewer)
    for _ in range(90):
        case = log_case(user, world.ir_ngo)
        if shared:
            case_share(user=world.sup, case=case, agency=world.af_ngo, include_identity=True)
    large = _list_queries(client, viewer)
    assert large == small


def test_a_further_identification_is_recorded_through_the_page(cw_client, world):
    ref = world.case_ir.reference
    data = {
        "identified_on": TODAY.isoformat(),
        "country": "IR",
        "context": "Shelter",
        "exploitation_types": ["ForcedBegging", "ChildLabour"],
        "acts": ["Recruitment"],
        "purposes": ["ForcedLabourOrServices"],
        "trafficking_status": "ActualVictimOfTrafficking",
        "status_decided_by": "NGO",
    }
    response = cw_client.post(reverse("case_identification_add", args=[ref]), data)
    assert response.status_code == 302
    world.case_ir.refresh_from_db()
    assert world.case_ir.trafficking_status == "ActualVictimOfTrafficking"
    assert world.case_ir.identifications.count() == 2
    # An actual victim without act and purpose is refused by the model rules, next to the fields.
    before = Identification.objects.count()
    bad = {**data, "acts": [], "purposes": []}
    response = cw_client.post(reverse("case_identification_add", args=[ref]), bad)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="identification-acts_error"' in html
    assert Identification.objects.count() == before
