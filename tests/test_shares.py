"""Sharing a case with another agency: supervisors of the owner only, recorded, in UI and API."""

import pytest
from guardian.shortcuts import get_perms

from cases.models import CaseEvent
from cases.selectors import case_shares, case_visible_to
from tests.api_support import API, client_for
from tests.conftest import PASSWORD, fresh


def ui(client, user):
    client.login(username=user.username, password=PASSWORD)
    return client


def test_a_supervisor_shares_in_the_browser_and_the_receiving_staff_see_it(client, world):
    c = ui(client, world.sup)
    page = c.get(f"/cases/{world.case_ir.reference}/").content.decode()
    assert "Share with another agency" in page and "Only your agency sees this case." in page
    response = c.post(f"/cases/{world.case_ir.reference}/shares/",
                      {"agency": world.af_ngo.pk, "allow_services": "on", "reason": "Shelter in Herat"})  # fmt: skip
    assert response.status_code == 302
    [share] = case_shares(world.case_ir)
    assert share.agency == world.af_ngo and not share.identity and share.services
    assert world.case_ir in case_visible_to(fresh(world.sp_af))
    assert CaseEvent.objects.filter(case=world.case_ir, action="case_shared").exists()
    page = c.get(f"/cases/{world.case_ir.reference}/").content.decode()
    assert "Pseudonymous only" in page and world.af_ngo.name in page

    response = c.post(f"/cases/{world.case_ir.reference}/shares/{world.af_ngo.short_name}/end/", {"reason": "Done"})
    assert response.status_code == 302
    assert case_shares(world.case_ir) == []
    assert world.case_ir not in case_visible_to(fresh(world.sp_af))


def test_a_share_needs_a_reason_and_writes_nothing_without(client, world):
    response = ui(client, world.sup).post(f"/cases/{world.case_ir.reference}/shares/", {"agency": world.af_ngo.pk})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert case_shares(world.case_ir) == []
    assert get_perms(world.af_ngo.group, world.case_ir) == []


def test_a_caseworker_sees_shares_but_cannot_share(client, world):
    c = ui(client, world.cw)
    page = c.get(f"/cases/{world.case_ir.reference}/").content.decode()
    assert "Shared with" in page and "Share with another agency" not in page
    response = c.post(f"/cases/{world.case_ir.reference}/shares/", {"agency": world.af_ngo.pk, "reason": "x"})
    assert response.status_code == 403
    assert case_shares(world.case_ir) == []


@pytest.mark.parametrize("who", ["cw_police", "cw_af", "sp_af", "nobody"])
def test_it_hides_share_urls_of_other_agencies_cases(client, world, who):
    c = ui(client, getattr(world, who))
    assert (
        c.post(f"/cases/{world.case_ir.reference}/shares/", {"agency": world.af_ngo.pk, "reason": "x"}).status_code
        == 404
    )
    assert client_for(getattr(world, who)).get(f"{API}cases/{world.case_ir.reference}/shares/").status_code == 404


def test_oversight_roles_cannot_see_or_make_shares(world):
    api = client_for(world.pm_ir)
    assert api.get(f"{API}cases/{world.case_ir.reference}/shares/").status_code == 403
    response = api.post(f"{API}cases/{world.case_ir.reference}/shares/", {"agency": "AF-NGO", "reason": "x"})
    assert response.status_code == 403
    assert case_shares(world.case_ir) == []


def test_the_api_shares_and_ends_a_share(world):
    api = client_for(world.sup)
    url = f"{API}cases/{world.case_ir.reference}/shares/"
    assert api.get(url).json() == []
    response = api.post(
        url, {"agency": "AF-NGO", "include_identity": True, "reason": "Referral by phone"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json() == [{"agency": "AF-NGO", "agency_name": world.af_ngo.name, "include_identity": True,
                                "allow_services": True}]  # fmt: skip
    assert client_for(world.cw).get(url).json()[0]["agency"] == "AF-NGO"
    assert api.post(f"{url}IR-POL/end/", {"reason": "x"}, format="json").status_code == 404
    assert api.post(f"{url}AF-NGO/end/", {}, format="json").status_code == 400
    assert api.post(f"{url}AF-NGO/end/", {"reason": "Case closed"}, format="json").json() == []


def test_the_api_refuses_bad_share_input(world):
    api = client_for(world.sup)
    url = f"{API}cases/{world.case_ir.reference}/shares/"
    response = api.post(url, {"agency": "NOPE"}, format="json")
    assert response.status_code == 400 and {"agency", "reason"} <= set(response.json())
    response = api.post(url, {"agency": "IR-NGO", "reason": "own"}, format="json")
    assert response.status_code == 400 and "agency" in response.json()
    assert case_shares(world.case_ir) == []
