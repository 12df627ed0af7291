"""A Persian-speaking caseworker in Tehran logs a boy already registered by a colleague in Latin
letters: the form shows the existing record while she types, and she adds the identification to it.

Drives Debian's Chromium (see test_browser_identification). Screenshots go to test-artifacts/.
"""

import re

import pytest

from audit.models import SecurityEvent
from cases.models import Case, Identification
from victims.models import Person

from .conftest import load_reference_geography, log_case, make_agency, make_user
from .test_browser_identification import browser, browser_login, shot  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PERSIAN_DIGIT = re.compile("[۰-۹]")


def test_a_persian_caseworker_links_a_person_registered_in_latin_letters(live_server, transactional_db, browser):  # noqa: F811
    load_reference_geography()
    agency = make_agency("IR-TCON", "IR", "NGO", name="Tehran Child Outreach Network (test)", city="Tehran")
    colleague = make_user("mehdi", agency, "supervisor", last_name="Karimi")
    existing = log_case(
        colleague, agency,
        person={"given_name": "", "family_name": "", "given_name_latin": "Mohammad", "family_name_latin": "Rezaei",
                "gender": "Masculine", "estimated_age": 15, "citizenships": ["AF"], "languages": []},
    )  # fmt: skip
    sara = make_user("sara", agency, "caseworker", last_name="Rahimi")
    persons_before = Person.objects.count()

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(10_000)
    csp_errors = []
    page.on("console", lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None)
    browser_login(page, live_server, sara)
    sara.language = "fa"  # Persian; the calendar is automatic: Solar Hijri for an agency in Iran
    sara.save(update_fields=["language"])

    page.goto(f"{live_server.url}/cases/new/")
    assert page.locator("html").get_attribute("lang") in ("fa", None)
    identified_on = page.locator("#id_identified_on").input_value()
    assert identified_on.startswith("۱۴"), identified_on  # today, Solar Hijri, Persian digits

    # She types the boy's name as he says it, in Persian; the panel appears when she moves on.
    page.locator("#id_given_name").fill("محمد")
    page.locator("#id_family_name").fill("رضایی")
    page.locator("#id_gender").select_option("Masculine")
    page.locator("#id_estimated_age").fill("۱۶")
    page.locator("#id_citizenships").select_option("AF")
    page.locator("#id_father_name").focus()  # leaves the citizenship field: the form asks the server
    panel = page.locator("#duplicates-slot [data-duplicates-panel]")
    panel.wait_for()
    text = panel.inner_text()
    assert "Mohammad Rezaei" in text
    assert existing.reference in text
    assert page.locator("input[name=duplicates_token]").input_value()
    panel.scroll_into_view_if_needed()
    shot(page, "dup-01-panel-while-typing", full_page=False)

    # The rest of the form.
    page.locator("#id_context").select_option("Street")
    page.locator("input[name=exploitation_types][value=ForcedLabour]").check()
    page.locator("#id_narrative").fill("Carrying loads at the Khavaran terminal for a man who keeps his pay.")

    # Saving without a choice keeps everything and asks (the server's own check).
    page.locator(".sticky-actions button[type=submit]").click()
    page.wait_for_load_state()
    assert page.url.endswith("/cases/new/")
    assert Person.objects.count() == persons_before
    panel = page.locator("#duplicates")
    assert "Mohammad Rezaei" in panel.inner_text()
    assert page.locator("#id_given_name").input_value() == "محمد"
    shot(page, "dup-02-panel-after-save", full_page=False)

    # Pressing Enter in a field never links: it submits without a choice, the panel comes back.
    page.locator("#id_place").press("Enter")
    page.wait_for_load_state()
    assert page.url.endswith("/cases/new/") and Person.objects.count() == persons_before

    # She checks the record and says it is the same boy.
    page.locator(f"#duplicates button[value='link:{existing.person.reference}']").click()
    page.wait_for_url(f"**/cases/{existing.reference}/")
    shot(page, "dup-03-linked-case")
    assert Person.objects.count() == persons_before
    ident = Identification.objects.filter(case=existing, caseworker=sara).get()
    assert "محمد" in ident.narrative  # the name as typed, kept with the identification
    assert Case.objects.filter(person=existing.person).count() == 1
    event = SecurityEvent.objects.get(kind="duplicate_linked")
    assert event.actor_id == sara.id and event.detail["person"] == existing.person.reference
    assert not csp_errors  # the panel's script and its fetch run under the policy
    page.close()
