"""The Django admin is for administrators only, and shows no case or person data."""

import pytest

from partners.models import Agency, Membership
from tests.conftest import PASSWORD


def client_for(client, user):
    client.login(username=user.username, password=PASSWORD)
    return client


def test_an_administrator_manages_agencies_users_and_memberships(client, world):
    c = client_for(client, world.admin_user)
    page = c.get("/admin/")
    assert page.status_code == 200
    body = page.content.decode()
    for url in ("/admin/partners/agency/", "/admin/partners/user/", "/admin/partners/membership/"):
        assert url in body
        assert c.get(url).status_code == 200
    assert "/admin/cases/" not in body and "/admin/victims/" not in body


def test_an_agency_added_in_the_admin_gets_its_grant_group(client, world):
    c = client_for(client, world.admin_user)
    response = c.post(
        "/admin/partners/agency/add/",
        {
            "name": "Demo Shelter Herat",
            "short_name": "DSH",
            "type": "Shelter",
            "country": "AF",
            "services": "Shelter,Medical",
            "city": "Herat",
            "is_active": "on",
        },  # fmt: skip
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    agency = Agency.objects.get(short_name="DSH")
    assert agency.group.name == "agency:DSH"
    assert agency.services == ["Shelter", "Medical"]


def test_a_membership_scope_is_only_for_oversight_roles(client, world):
    c = client_for(client, world.admin_user)
    before = Membership.objects.count()
    response = c.post(
        "/admin/partners/membership/add/",
        {
            "user": world.nobody.pk,
            "agency": world.ir_ngo.pk,
            "role": "caseworker",
            "scope": "region",
            "is_active": "on",
        },  # fmt: skip
    )
    assert response.status_code == 200  # the form again, with the error
    assert Membership.objects.count() == before


@pytest.mark.parametrize("who", ["cw", "sup", "pm_region", "auditor_ir", "nobody"])
def test_other_roles_cannot_enter_the_admin(client, world, who):
    c = client_for(client, getattr(world, who))
    assert c.get("/admin/").status_code == 302
    assert c.get("/admin/partners/agency/").status_code == 302


def test_anonymous_is_sent_to_the_admin_login(client, db):
    assert client.get("/admin/partners/user/").status_code == 302


def test_nothing_can_be_deleted_in_the_admin(client, world):
    c = client_for(client, world.admin_user)
    assert c.get(f"/admin/partners/agency/{world.ir_ngo.pk}/delete/").status_code == 403
