"""No page breaks the Content-Security-Policy in a real browser.

Chromium enforces the policy (no inline script or style, nothing from another origin) and reports
each refusal ("Refused to apply inline style ...", "Refused to execute inline script ...") on the
console; a `securitypolicyviolation` listener reports the rest (e.g. style attributes set from a
script). The main pages, as the users who see them, including the Django admin and the Swagger UI
of the API: any violation fails the test, naming the page. Screenshots in test-artifacts/csp-*.png.
"""

import pytest

from .conftest import load_reference_geography, log_case, make_agency, make_user
from .test_browser_identification import browser, browser_login, shot, totp_now  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Runs before any page script, in every document; CDP injects it, so the CSP does not block it.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline")
                + " at " + e.sourceFile + ":" + e.lineNumber);
});
"""
WATCHED = ("Content Security Policy", "Content-Security-Policy", "CSP violation", "Refused to", "Permissions-Policy")


def user_needs_code(user) -> bool:
    from accounts.selectors import mfa_enforced

    return mfa_enforced(user)


class Watcher:
    """Collects console messages about the policies, per page visited."""

    def __init__(self, chromium, live_server, user, name):
        self.live_server = live_server
        self.context = chromium.new_context(viewport={"width": 1280, "height": 900})
        self.context.add_init_script(REPORT_VIOLATIONS)
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.current = "sign-in"
        self.violations = []
        self.visited = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.violations.append((self.current, f"page error: {error}")))
        self.name = name
        if user_needs_code(user):
            totp_now(user)  # an enrolled authenticator: sign-in goes through the code page
        browser_login(self.page, live_server, user)

    def _console(self, message):
        if any(word in message.text for word in WATCHED):
            self.violations.append((self.current, message.text))

    def visit(self, path, *, ready=None, status=200):
        self.current = path
        response = self.page.goto(self.live_server.url + path)
        assert response.status == status, f"{path}: {response.status}"
        self.page.wait_for_load_state("load")
        self.visited.append(path)
        try:
            if ready:
                self.page.locator(ready).first.wait_for()
            self.page.wait_for_timeout(150)  # late reports (deferred scripts, fonts)
        finally:
            shot(self.page, f"csp-{self.name}-{len(self.visited):02d}", full_page=False)
        return self.page


@pytest.fixture
def cast(transactional_db):
    load_reference_geography()
    ngo = make_agency("IR-NGO", "IR", "NGO", name="Tehran Child Outreach Network", city="Tehran",
                      services=["ChildProtection", "Psychosocial", "Shelter"])  # fmt: skip
    shelter = make_agency("IR-SHL", "IR", "Shelter", name="Tehran Children's Shelter",
                          services=["Shelter", "Medical", "Psychosocial"])  # fmt: skip
    region = make_agency("UNODC-ROCA", "AF", "UNAgency", services=[])
    users = {
        "caseworker": make_user("sara", ngo, "caseworker", last_name="Rahimi"),
        "supervisor": make_user("mehdi", ngo, "supervisor", last_name="Karimi"),
        "provider": make_user("farzana", shelter, "service_provider", last_name="Noori"),
        "manager": make_user("elena", region, "programme_manager", scope="region", last_name="Marchetti"),
        "admin": make_user("aisha", region, "administrator", last_name="Siddiqui"),
        "auditor": make_user("daniel", region, "auditor", scope="region", last_name="Okafor"),
    }
    case = log_case(users["caseworker"], ngo)
    from referrals.services import referral_create
    from stats.rollups import rollups_rebuild

    referral = referral_create(user=users["caseworker"], case=case, services=["Shelter"], to_agency=shelter,
                               reason="AdditionalServicesRequired", message="Needs a bed tonight.")  # fmt: skip
    rollups_rebuild()
    return users, ngo, case, referral


def assert_no_violations(watchers):
    problems = [f"{w.name} {page}: {text}" for w in watchers for page, text in w.violations]
    assert not problems, "Policy violations in Chromium:\n" + "\n".join(problems)


def test_no_page_violates_the_content_security_policy(live_server, browser, cast):  # noqa: F811
    users, ngo, case, referral = cast
    watchers = []

    caseworker = Watcher(browser, live_server, users["caseworker"], "caseworker")
    watchers.append(caseworker)
    caseworker.visit("/")
    caseworker.visit("/cases/", ready="table")
    caseworker.visit(f"/cases/{case.reference}/", ready="#person")
    page = caseworker.visit("/cases/new/", ready="form")
    with page.expect_navigation():  # an empty form comes back with its errors (app.js focuses the first)
        page.get_by_role("button", name="Save and open case").click()
    page.locator(".has-error").first.wait_for()
    page = caseworker.visit(f"/cases/{case.reference}/refer/", ready="form")
    page.locator("select[name=to_country]").select_option("IR")  # app.js filters the agency list
    caseworker.visit("/referrals/")
    caseworker.visit(f"/referrals/{referral.reference}/")
    caseworker.visit("/notifications/")
    caseworker.visit("/agencies/", ready="main h1")
    caseworker.visit("/no-such-page/", status=404)
    caseworker.visit("/account/", ready="main h1")
    page = caseworker.visit("/api/v1/docs/", ready=".swagger-ui .info")
    page.locator(".opblock").first.wait_for()
    page.locator(".opblock-summary").first.click()  # expand an operation: more of Swagger UI's code runs
    page.wait_for_timeout(300)
    shot(page, "csp-caseworker-api-docs-open", full_page=False)
    # The phone menu (app.js toggles it).
    page = caseworker.visit("/")
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("button", name="Menu").click()
    assert page.locator("#site-nav").is_visible()

    supervisor = Watcher(browser, live_server, users["supervisor"], "supervisor")
    watchers.append(supervisor)
    supervisor.visit("/stats/", ready="svg.chart")

    manager = Watcher(browser, live_server, users["manager"], "manager")
    watchers.append(manager)
    manager.visit("/")
    manager.visit("/stats/", ready="svg.chart")
    manager.visit(f"/cases/{case.reference}/")

    auditor = Watcher(browser, live_server, users["auditor"], "auditor")
    watchers.append(auditor)
    for path in ["/audit/", "/audit/changes/", "/audit/access/", "/audit/security/"]:
        auditor.visit(path, ready="main h1")

    provider = Watcher(browser, live_server, users["provider"], "provider")
    watchers.append(provider)
    provider.visit("/referrals/")

    admin = Watcher(browser, live_server, users["admin"], "admin")
    watchers.append(admin)
    admin.visit("/admin/", ready="#content")
    admin.visit("/admin/partners/agency/", ready="#changelist")
    admin.visit(f"/admin/partners/agency/{ngo.pk}/change/", ready="form")
    admin.visit("/admin/partners/user/", ready="#changelist")
    admin.visit(f"/admin/partners/user/{users['caseworker'].pk}/change/", ready="form")
    admin.visit("/admin/partners/user/add/", ready="form")
    page = admin.visit("/admin/partners/membership/add/", ready="form")
    page.locator(".select2-selection").first.click()  # the autocomplete widget (select2)
    page.locator(".select2-results__option").first.wait_for()

    for watcher in watchers:
        watcher.context.close()
    assert_no_violations(watchers)


def test_the_watcher_sees_a_violation(live_server, browser, cast):  # noqa: F811
    """The test above can fail: an inline style injected into a page is reported."""
    users = cast[0]
    watcher = Watcher(browser, live_server, users["manager"], "probe")
    page = watcher.visit("/agencies/")
    page.evaluate("""() => {
        const s = document.createElement("style"); s.textContent = "body { color: red }"; document.head.append(s);
        document.body.setAttribute("style", "color: red");
    }""")
    page.wait_for_timeout(200)
    watcher.context.close()
    assert any("style-src" in text for _, text in watcher.violations), watcher.violations
