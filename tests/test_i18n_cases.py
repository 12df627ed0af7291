"""Cases in the reader's calendar and digits (issue 6): the case page, the list, the forms that post
to it, search, and the timeline written again in the reader's language.

Readers are given an explicit language and calendar, so these tests hold whatever the automatic
choice for their agency's country is.
"""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import translation

from cases.models import Case, CaseEvent, Consent, ReflectionPeriod, RiskAssessment
from cases.services import case_share, consent_record, reflection_period_start, risk_assessment_add
from cases.timeline import event_text
from glo_act.calendars import format_date, localise_digits

from .conftest import log_case, make_user

# 27 November 2025 is 6 Azar 1404; 27 December 2025 is 6 Dey 1404.
DAY = dt.date(2025, 11, 27)
DAY_SH = "1404/09/06"
DAY_SH_FA = "۱۴۰۴/۰۹/۰۶"
REVIEW = dt.date(2025, 12, 27)
REVIEW_SH_FA = "۱۴۰۴/۱۰/۰۶"


def reader(user, *, calendar="solar_hijri", language="en"):
    user.calendar, user.language = calendar, language
    user.save(update_fields=["calendar", "language"])
    return user


@pytest.fixture
def sh_case(world):
    """A case opened on DAY, with a risk assessment on it."""
    case = log_case(world.cw, world.ir_ngo, identification={"identified_on": DAY})
    risk_assessment_add(
        user=world.cw, case=case, assessed_on=DAY, risk_level="Medium", safety_plan="Stay at the shelter.",
        next_review_on=REVIEW,
    )  # fmt: skip
    return case


def page(client, user, name, *args, **params):
    client.force_login(user)
    response = client.get(reverse(name, args=args), params)
    assert response.status_code == 200
    return response.content.decode()


# --- Display -----------------------------------------------------------------------------------
def test_a_solar_hijri_reader_sees_the_case_dates_in_solar_hijri(client, world, sh_case):
    html = page(client, reader(world.cw), "case_detail", sh_case.reference)
    assert "opened 6 Azar 1404" in html
    assert "assessed 6 Azar 1404" in html and "next review 6 Dey 1404" in html
    assert "27 Nov 2025" not in html and "Nov 2025" not in html
    listing = page(client, world.cw, "case_list")
    assert ">6 Azar 1404</time>" in listing
    assert 'datetime="2025-11-27"' in listing  # the machine-readable date stays ISO


def test_a_persian_reader_sees_persian_digits_and_month_names(client, world, sh_case):
    html = page(client, reader(world.cw, language="fa"), "case_detail", sh_case.reference)
    assert "۶ آذر ۱۴۰۴" in html
    listing = page(client, world.cw, "case_list")
    assert ">۶ آذر ۱۴۰۴</time>" in listing


def test_a_gregorian_reader_keeps_gregorian_dates(client, world, sh_case):
    html = page(client, reader(world.cw, calendar="gregorian"), "case_detail", sh_case.reference)
    assert "opened 27 Nov 2025" in html
    assert "Azar" not in html


def test_counts_and_pages_are_in_the_readers_digits(client, world):
    for i in range(26):
        log_case(world.cw, world.ir_ngo, person={"given_name_latin": f"P{i}"})
    html = page(client, reader(world.cw, language="fa"), "case_list")
    total = Case.objects.filter(agency=world.ir_ngo).count()
    assert localise_digits(total, "fa") in html
    info = re.search(r'class="pagination-info">([^<]*)<', html).group(1)
    assert "۱" in info and "۲" in info and not re.search(r"[0-9]", info)


def test_date_inputs_show_the_readers_calendar(client, world, sh_case):
    period = reflection_period_start(user=world.cw, case=sh_case, start_date=DAY, days=30)
    html = page(client, reader(world.cw, language="fa"), "case_detail", sh_case.reference)
    today = localise_digits(format_date(dt.date.today(), calendar="solar_hijri", style="numeric"), "fa")
    # The period's own "Ended on" input, written in the template under its own id, and the forms' inputs.
    (end_input,) = re.findall(rf'<input[^>]*id="end-on-{period.pk}"[^>]*>', html)
    assert f'value="{today}"' in end_input and 'name="ended_on"' in end_input and 'dir="ltr"' in end_input
    assert 'type="date"' not in html
    (given_on,) = re.findall(r'<input[^>]*name="given_on"[^>]*>', html)
    assert f'value="{today}"' in given_on


# --- Input -------------------------------------------------------------------------------------
def test_consent_dated_in_solar_hijri_with_persian_digits_is_stored_gregorian(client, world, sh_case):
    client.force_login(reader(world.cw, language="fa"))
    response = client.post(
        reverse("case_consent_add", args=[sh_case.reference]),
        {"purpose": "NationalReferral", "granted": "yes", "given_by": "Person", "given_on": DAY_SH_FA},
    )
    assert response.status_code == 302
    consent = Consent.objects.get(case=sh_case, purpose="NationalReferral")
    assert consent.given_on == DAY


def test_risk_assessment_dated_in_solar_hijri_is_stored_gregorian(client, world):
    case = log_case(world.cw, world.ir_ngo, identification={"identified_on": DAY})
    client.force_login(reader(world.cw))
    response = client.post(
        reverse("case_risk_add", args=[case.reference]),
        {"assessed_on": DAY_SH_FA, "risk_level": "High", "safety_plan": "Move to the shelter.",
         "next_review_on": REVIEW_SH_FA},
    )  # fmt: skip
    assert response.status_code == 302
    assessment = RiskAssessment.objects.get(case=case)
    assert (assessment.assessed_on, assessment.next_review_on) == (DAY, REVIEW)


def test_a_solar_hijri_reader_may_still_type_a_gregorian_date(client, world, sh_case):
    client.force_login(reader(world.cw))
    response = client.post(
        reverse("case_consent_add", args=[sh_case.reference]),
        {"purpose": "AnonymisedStatistics", "granted": "yes", "given_by": "Person", "given_on": "2025-11-27"},
    )
    assert response.status_code == 302
    assert Consent.objects.get(case=sh_case, purpose="AnonymisedStatistics").given_on == DAY


@pytest.mark.parametrize(
    ("calendar", "typed", "message"),
    [
        ("solar_hijri", "۱۴۰۴/۱۳/۰۱", "There is no month 13"),
        ("solar_hijri", "1404/07/31", "1404/07/31 does not exist: month 7 has 30 days."),
        ("solar_hijri", "yesterday", "Enter a date as year/month/day, for example 1405/09/06."),
        ("gregorian", DAY_SH, "1404 looks like a Solar Hijri year."),
    ],
)
def test_a_bad_date_is_explained_and_changes_nothing(client, world, sh_case, calendar, typed, message):
    client.force_login(reader(world.cw, calendar=calendar))
    before = (Consent.objects.count(), CaseEvent.objects.count())
    response = client.post(
        reverse("case_consent_add", args=[sh_case.reference]),
        {"purpose": "NationalReferral", "granted": "yes", "given_by": "Person", "given_on": typed},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert f'value="{typed}"' in html  # the input is kept
    assert (Consent.objects.count(), CaseEvent.objects.count()) == before


def test_reflection_period_days_and_end_date_in_persian_digits(client, world, sh_case):
    client.force_login(reader(world.cw, language="fa"))
    response = client.post(
        reverse("case_reflection_start", args=[sh_case.reference]), {"start_date": DAY_SH_FA, "days": "۴۵"}
    )
    assert response.status_code == 302
    period = ReflectionPeriod.objects.get(case=sh_case)
    assert (period.start_date, period.days) == (DAY, 45)
    response = client.post(
        reverse("case_reflection_end", args=[sh_case.reference, period.pk]),
        {"ended_on": REVIEW_SH_FA, "end_reason": "Completed"},
    )
    assert response.status_code == 302
    period.refresh_from_db()
    assert period.ended_on == REVIEW


def test_case_close_date_in_solar_hijri(client, world, sh_case):
    client.force_login(reader(world.cw))
    response = client.post(
        reverse("case_close", args=[sh_case.reference]), {"closure_reason": "SupportGoalsMet", "closed_on": DAY_SH}
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    sh_case.refresh_from_db()
    assert sh_case.closed_on == DAY


# --- Search and filters ------------------------------------------------------------------------
@pytest.mark.parametrize("digits", ["fa", "ar"])
def test_search_with_persian_or_arabic_digits_finds_the_case_by_reference(client, world, digits):
    case = log_case(world.cw, world.ir_ngo)
    typed = localise_digits(case.reference, digits)
    assert typed != case.reference
    html = page(client, world.cw, "case_list", q=typed)
    assert case.reference in html
    number = case.reference.rsplit("-", 1)[1]
    html = page(client, world.cw, "case_list", q=localise_digits(number, digits))
    assert case.reference in html


def test_oversight_search_with_persian_digits_finds_the_case_by_reference(client, world):
    html = page(client, world.pm_ir, "case_list", q=localise_digits(world.case_ir.reference, "fa"))
    assert world.case_ir.reference in html


def test_the_opened_filter_reads_the_readers_calendar(client, world, sh_case):
    reader(world.cw)
    html = page(client, world.cw, "case_list", opened_after="۱۴۰۴/۰۹/۰۶", opened_before="1404/09/06")
    assert sh_case.reference in html and world.case_ir.reference not in html


# --- Timeline ----------------------------------------------------------------------------------
def test_timeline_events_keep_their_facts_and_an_english_summary(world, sh_case):
    with translation.override("fa"):
        consent_record(user=world.cw, case=sh_case, purpose="NationalReferral", given_on=DAY)
    event = CaseEvent.objects.filter(case=sh_case, action="consent_recorded").get()
    assert event.summary == "Consent given: Referral within the country."
    assert event.params == {"purpose": "NationalReferral", "granted": True}
    risk = CaseEvent.objects.filter(case=sh_case, action="risk_assessed").get()
    assert risk.params == {"risk_level": "Medium"}


def test_timeline_entries_are_written_for_the_reader(client, world, sh_case):
    from cases.services import identification_add

    identification_add(
        user=world.cw, case=sh_case, data={"identified_on": DAY, "country": world.ir_ngo.country, "context": "Street"}
    )
    reader(world.cw)
    event = CaseEvent.objects.get(case=sh_case, action="identification_added")
    assert event_text(event, user=world.cw, language="en") == "Identification of 6 Azar 1404 recorded."
    html = page(client, world.cw, "case_detail", sh_case.reference)
    assert "Identification of 6 Azar 1404 recorded." in html
    assert "Risk assessed as Medium." in html


def test_older_entries_without_facts_are_read_from_their_summary(world, sh_case):
    old = CaseEvent(case=sh_case, action="referral_accepted", summary="Referral IR-R-2025-000001 accepted by AF-NGO.")
    assert event_text(old) == "Referral IR-R-2025-000001 accepted by AF-NGO."
    unknown = CaseEvent(case=sh_case, action="something_new", summary="Something new happened.")
    assert event_text(unknown) == "Something new happened."


def test_share_reasons_stay_out_of_the_pseudonymous_timeline(world):
    case = log_case(world.cw, world.ir_ngo)
    case_share(user=world.sup, case=case, agency=world.af_ngo, reason="Asked by Reza's uncle")
    event = CaseEvent.objects.get(case=case, action="case_shared")
    assert event_text(event, pseudonymous=True) == "Shared with another agency."
    assert event_text(event) == "Shared with AF-NGO without identifying data. Asked by Reza's uncle"


def test_reading_the_timeline_in_another_language_changes_nothing_stored(world, sh_case):
    viewer = make_user("viewer_fa", world.ir_ngo, "caseworker", language="fa")
    before = list(CaseEvent.objects.filter(case=sh_case).values_list("summary", "params"))
    with translation.override("fa"):
        for event in CaseEvent.objects.filter(case=sh_case):
            event_text(event, user=viewer, language="fa")
    assert list(CaseEvent.objects.filter(case=sh_case).values_list("summary", "params")) == before


def test_names_and_references_are_isolated_in_a_right_to_left_sentence(world):
    case = log_case(world.cw, world.ir_ngo)
    case_share(user=world.sup, case=case, agency=world.af_ngo, include_identity=True, reason="")
    event = CaseEvent.objects.get(case=case, action="case_shared")
    with translation.override("fa"):
        assert "\u2068AF-NGO\u2069" in event_text(event, language="fa")
    with translation.override("en"):
        assert event_text(event) == "Shared with AF-NGO with identifying data."
