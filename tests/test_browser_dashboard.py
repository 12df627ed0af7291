"""The regional programme manager opens the dashboard, reads the charts, narrows them to one country
and downloads the GLOTIP export. Screenshots go to test-artifacts/ (git-ignored)."""

import datetime

import pytest

from .conftest import load_reference_geography, log_case, make_agency, make_user
from .test_browser_identification import ARTIFACTS, browser, browser_login, shot  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _world():
    load_reference_geography()
    ir = make_agency("IR-NGO", "IR", "NGO", name="Tehran Child Support Centre")
    af = make_agency("AF-HSH", "AF", "Shelter", name="Herat Safe House")
    region = make_agency("UNODC-RO", "AF", "UNAgency", services=[])
    cw_ir, cw_af = make_user("sara", ir, "caseworker"), make_user("ahmad", af, "caseworker")
    make_user("manager", region, "programme_manager", scope="region", last_name="Marchetti")
    today = datetime.date.today()
    for i in range(48):
        user, agency = (cw_ir, ir) if i % 3 else (cw_af, af)
        log_case(
            user, agency,
            person={"given_name_latin": f"P{i}", "gender": ["Masculine", "Feminine"][i % 2], "estimated_age": [12, 15, 24][i % 3]},
            identification={"identified_on": today - datetime.timedelta(days=3 + 31 * (i % 4)),
                            "exploitation_types": [["ForcedBegging"], ["ForcedLabour"], ["ChildLabour"]][i % 3],
                            "context": ["Street", "Worksite"][i % 2]},
        )  # fmt: skip
    from stats.rollups import rollups_rebuild

    rollups_rebuild()


def test_regional_manager_reads_the_dashboard_and_downloads_glotip(live_server, transactional_db, browser):  # noqa: F811
    _world()
    page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page.set_default_timeout(10_000)
    from partners.models import User

    browser_login(page, live_server, User.objects.get(username="manager"))
    page.wait_for_url(f"{live_server.url}/")
    page.get_by_role("link", name="Dashboard").click()
    page.wait_for_url("**/stats/")
    assert page.locator("h1").inner_text() == "Dashboard"
    assert page.locator("svg.chart").count() >= 4
    assert "<11" in page.locator("main").inner_text()
    total = page.locator("[data-figure=total]").inner_text()
    assert total in ("48", "<11")
    shot(page, "dashboard-01-region")

    # Every chart has its table.
    page.locator("#by-exploitation details summary").click()
    assert page.locator("#by-exploitation table").is_visible()
    shot(page, "dashboard-02-table-open", full_page=False)

    # Narrow to Iran.
    page.get_by_label("Country", exact=True).select_option("IR")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**/stats/?*country=IR*")
    assert page.get_by_label("Country", exact=True).input_value() == "IR"
    assert page.locator("[data-figure=total]").inner_text() in ("32", "<11")
    shot(page, "dashboard-03-iran")

    # The GLOTIP export for the same filters.
    link = page.get_by_role("link", name="UNODC GLOTIP CSV")
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    path = ARTIFACTS / f"dashboard-glotip-{download.suggested_filename}"
    download.save_as(path)
    assert path.stat().st_size > 0
    assert "glotip" in download.suggested_filename.lower()
