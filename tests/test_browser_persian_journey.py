"""Issue 6, done when: a Persian-speaking caseworker in Mashhad does the whole identification and
referral journey in Persian with Solar Hijri dates, and finds the person that an IOM office
registered in Latin letters.

Every label the test clicks is looked up in the Persian catalogue (`fa()`), so the test fails when
the page is not in Persian. Screenshots: test-artifacts/journey-fa-*.png.
"""

import datetime

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext, pgettext

from audit.models import SecurityEvent
from cases.models import Consent
from cases.services import case_share
from glo_act.calendars import gregorian_to_solar_hijri, localise_digits
from referrals.models import Referral, State
from victims.models import Person

from .conftest import load_reference_geography, log_case, make_agency, make_user
from .test_browser_identification import browser, browser_login, shot  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fa(text: str, context: str | None = None) -> str:
    with translation.override("fa"):
        translated = pgettext(context, text) if context else gettext(text)
    assert translated != text, f"no Persian for {text!r}"
    return translated


def solar_hijri_typed(day: datetime.date) -> str:
    """How the caseworker types a date: Solar Hijri, Persian digits, year/month/day."""
    sh = gregorian_to_solar_hijri(day)
    return localise_digits(f"{sh.year}/{sh.month:02d}/{sh.day:02d}", "fa")


def test_a_caseworker_in_mashhad_identifies_and_refers_in_persian(live_server, transactional_db, browser):  # noqa: F811
    load_reference_geography()
    iom = make_agency("IR-IOM-MHD", "IR", "UNAgency", name="IOM Mashhad sub-office", city="Mashhad",
                      services=["Psychosocial"])  # fmt: skip
    ngo = make_agency("IR-MHD", "IR", "NGO", name="Mashhad Child Rights Society", city="Mashhad",
                      services=["ChildProtection", "Psychosocial"])  # fmt: skip
    shelter = make_agency("IR-MSH", "IR", "Shelter", name="Mashhad Children's Shelter", city="Mashhad",
                          services=["Shelter", "Medical"])  # fmt: skip
    iom_officer = make_user("john", iom, "supervisor", last_name="Miller")
    # IOM registered the boy in Latin letters at the border and shared the case, with identity.
    iom_case = log_case(
        iom_officer, iom,
        person={"given_name": "", "family_name": "", "given_name_latin": "Muhammad", "family_name_latin": "Rezai",
                "gender": "Masculine", "estimated_age": 14, "citizenships": ["AF"], "languages": []},
    )  # fmt: skip
    case_share(user=iom_officer, case=iom_case, agency=ngo, include_identity=True, reason="Follow-up in Mashhad")
    # Maryam reads Persian: her language and calendar are automatic for an agency in Iran.
    maryam = make_user("maryam", ngo, "caseworker", last_name="Hosseini", language="")
    make_user("farzana", shelter, "service_provider", last_name="Noori")
    persons = Person.objects.count()
    today = timezone.localdate()

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(15_000)
    browser_login(page, live_server, maryam)
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("html").get_attribute("lang") == "fa"
    assert page.locator("html").get_attribute("dir") == "rtl"
    shot(page, "journey-fa-01-home")

    # 1. Log identification: the boy says his name in Persian.
    page.get_by_role("link", name=fa("Log identification")).first.click()
    page.wait_for_url("**/cases/new/")
    assert page.locator("#id_identified_on").input_value() == solar_hijri_typed(today)
    page.locator("#id_given_name").fill("محمد")
    page.locator("#id_family_name").fill("رضایی")
    page.locator("#id_gender").select_option("Masculine")
    page.locator("#id_estimated_age").fill("۱۵")
    page.locator("#id_citizenships").select_option("AF")
    page.locator("#id_father_name").focus()
    panel = page.locator("#duplicates-slot [data-duplicates-panel]")
    panel.wait_for()
    assert "Muhammad Rezai" in panel.inner_text() and iom_case.reference in panel.inner_text()
    assert fa("Possible existing records") in panel.inner_text()
    page.locator("#id_context").select_option("Street")
    page.locator("input[name=exploitation_types][value=ForcedLabour]").check()
    page.locator("#id_narrative").fill("در پایانه مسافربری کار می‌کرد و مزدش را نمی‌گرفت.")
    shot(page, "journey-fa-02-duplicate-found")
    page.locator(f"button[value='link:{iom_case.person.reference}']").first.click()
    page.wait_for_url("**/cases/*/")
    assert Person.objects.count() == persons  # the same boy, not a second record
    reference = page.url.rstrip("/").rsplit("/", 1)[-1]
    assert SecurityEvent.objects.filter(kind="duplicate_linked", actor=maryam).exists()
    shot(page, "journey-fa-03-case")

    # 2. Consent, dated in Solar Hijri with Persian digits.
    page.get_by_text(fa("Record consent")).first.click()
    form = page.locator("#consents form").last
    form.get_by_label(fa("Consent to")).select_option(value="NationalReferral")
    form.get_by_label(fa("Given by")).select_option("Guardian")
    form.get_by_label(fa("Guardian's name")).fill("لیلا مرادی")
    yesterday = today - datetime.timedelta(days=1)
    form.get_by_label(fa("Date")).fill(solar_hijri_typed(yesterday))
    with page.expect_navigation():
        form.get_by_role("button", name=fa("Save consent")).click()
    assert fa("Consent recorded.") in page.locator(".messages").inner_text()
    assert (
        Consent.objects.get(case__person__reference=iom_case.person.reference, case__agency=ngo).given_on == yesterday
    )
    shot(page, "journey-fa-04-consent")

    # 3. Refer to the shelter.
    page.get_by_role("link", name=fa("Refer"), exact=True).click()
    page.wait_for_url("**/refer/")
    page.locator("input[name=services][value=Shelter]").check()
    page.get_by_label(fa("Receiving agency"), exact=True).select_option(str(shelter.pk))
    page.get_by_label(fa("Reason for referral")).select_option("AdditionalServicesRequired")
    page.get_by_label(fa("Urgency")).select_option("urgent")
    page.get_by_label(fa("Message to the receiving agency")).fill("امشب به جای امن نیاز دارد.")
    shot(page, "journey-fa-05-refer")
    page.get_by_role("button", name=fa("Send referral")).click()
    page.wait_for_url("**/referrals/RF-*/")
    referral = Referral.objects.get()
    assert referral.state == State.SENT and referral.case.reference == reference
    shot(page, "journey-fa-06-sent")

    # 4. The shelter (in English) accepts; Maryam sees it in Persian, dated in Solar Hijri.
    provider = browser.new_page(viewport={"width": 1280, "height": 900})
    provider.set_default_timeout(15_000)
    from partners.models import User

    browser_login(provider, live_server, User.objects.get(username="farzana"))
    provider.goto(f"{live_server.url}/referrals/{referral.reference}/")
    provider.get_by_role("button", name="Accept referral").click()
    provider.wait_for_url(f"**/referrals/{referral.reference}/")
    referral.refresh_from_db()
    assert referral.state == State.ACCEPTED

    page.goto(f"{live_server.url}/notifications/")
    item = page.locator(".inbox-item.is-unread")
    assert referral.reference in item.inner_text()
    item.get_by_role("link").first.click()
    page.wait_for_url(f"**/referrals/{referral.reference}/")
    timeline = page.locator("#timeline").inner_text()
    assert fa("Accepted") in timeline
    month = gregorian_to_solar_hijri(today).month
    from glo_act.calendars import solar_hijri_month_name

    assert solar_hijri_month_name(month, "fa") in page.locator("main").inner_text()
    assert "Accepted" not in timeline
    shot(page, "journey-fa-07-accepted")

    # 5. The case list finds the boy whichever script she types.
    for typed in ("رضایی", "Rezaei", "Rezai"):
        page.goto(f"{live_server.url}/cases/")
        search = page.get_by_label(fa("Search by reference or name"))
        search.fill(typed)
        search.press("Enter")
        page.wait_for_load_state()
        assert reference in page.locator("main").inner_text(), typed
    shot(page, "journey-fa-08-search")
    _ = pgettext  # used by fa()
