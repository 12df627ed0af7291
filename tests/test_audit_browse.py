"""Auditors browse the trail in the pages and the API, filtered by user, record, dates and action;
a country auditor sees their country only; nobody else sees anything (not even a count)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AccessEvent, ChangeEvent, SecurityEvent
from audit.services import access_record, security_event_record
from tests.api_support import API, client_for
from tests.audit_support import META
from tests.conftest import log_case, make_user

TABS = ["/audit/changes/", "/audit/access/", "/audit/security/"]
API_TABS = ["audit/changes/", "audit/access/", "audit/security/"]
TODAY = datetime.date.today()


@pytest.fixture
def trail(world, client):
    """Changes, views and security events in Iran and in Afghanistan, made through the pages."""
    world.auditor_region = make_user("auditor_region", world.unodc_region, "auditor", scope="region")
    client.force_login(world.cw)
    client.post(f"/cases/{world.case_ir.reference}/update/", {"status": "FollowUp", "stage": "Identification"}, **META)
    client.get(f"/cases/{world.case_ir.reference}/", **META)
    client.force_login(world.cw_af)
    client.post(f"/cases/{world.case_af.reference}/notes/", {"text": "Ahmad returned"}, **META)
    client.get(f"/cases/{world.case_af.reference}/", **META)
    security_event_record(kind="login_failed", username="cw_af")
    security_event_record(kind="login_failed", username="cw")
    client.logout()
    return world


def page(client, who, url, **params):
    client.force_login(who)
    response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    return response


def api_rows(who, url, **params):
    response = client_for(who).get(API + url, params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


# --- Who may ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["cw", "sup", "sp_ir", "focal_ir", "pm_ir", "pm_region", "nobody"])
def test_other_roles_get_403_on_every_audit_page_and_endpoint(client, trail, who):
    user = getattr(trail, who)
    client.force_login(user)
    for url in ["/audit/", *TABS]:
        response = client.get(url)
        assert response.status_code == 403, url
        assert str(ChangeEvent.objects.count()) not in response.content.decode().split("event")[0][-20:]
    api = client_for(user)
    for url in API_TABS:
        response = api.get(API + url)
        assert response.status_code == 403, url
        assert "count" not in response.json() and "results" not in response.json()
    assert api.get(API + f"audit/changes/{ChangeEvent.objects.first().pk}/").status_code == 403


def test_anonymous_is_sent_to_sign_in_and_the_api_answers_401(client, trail):
    for url in ["/audit/", *TABS]:
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]
    for url in API_TABS:
        assert client_for().get(API + url).status_code == 401


@pytest.mark.parametrize("who", ["auditor_region", "admin_user"])
def test_regional_auditors_and_administrators_see_everything(client, trail, who):
    user = getattr(trail, who)
    assert "All countries." in page(client, user, "/audit/changes/").content.decode()
    ids = {row["id"] for row in api_rows(user, "audit/changes/", page_size=100)}
    assert ChangeEvent.objects.filter(countries__contains=["AF"]).filter(pk__in=ids).exists()
    assert ChangeEvent.objects.filter(countries__contains=["IR"]).filter(pk__in=ids).exists()
    assert len(api_rows(user, "audit/security/")) == SecurityEvent.objects.count()


def test_a_country_auditor_sees_only_their_country(client, trail):
    auditor = trail.auditor_ir
    changes = api_rows(auditor, "audit/changes/", page_size=100)
    assert changes and all("IR" in row["countries"] for row in changes)
    assert not api_rows(auditor, "audit/changes/", case=trail.case_af.reference)
    assert api_rows(auditor, "audit/changes/", case=trail.case_ir.reference)
    access = api_rows(auditor, "audit/access/")
    assert access and all(row["countries"] == ["IR"] for row in access)
    security = api_rows(auditor, "audit/security/")
    assert {row["username"] for row in security} <= {"cw", "auditor_ir"}  # IR agencies' staff only
    assert "cw" in {row["username"] for row in security}
    html = page(client, auditor, "/audit/changes/", case=trail.case_af.reference).content.decode()
    assert "0 events" in html
    # A row of another country is not reachable by id either.
    af_row = ChangeEvent.objects.exclude(countries__contains=["IR"]).first()
    assert client_for(auditor).get(API + f"audit/changes/{af_row.pk}/").status_code == 404


# --- Filters ----------------------------------------------------------------------------------------


def test_filters_by_user_record_date_and_action_in_the_api(trail):
    auditor = trail.auditor_region
    by_user = api_rows(auditor, "audit/changes/", user="cw_af")
    assert by_user and {row["username"] for row in by_user} == {"cw_af"}
    assert api_rows(auditor, "audit/changes/", user=str(trail.cw_af.pk)) == by_user

    case = trail.case_ir
    record = api_rows(auditor, "audit/changes/", table="cases_case", record=str(case.pk), action="UPDATE")
    assert len(record) == 1 and record[0]["changes"][0]["field"] == "status"
    assert record[0]["changes"][0] == {"field": "status", "old": "Active", "new": "FollowUp", "hidden": False}
    assert record[0]["ip"] == META["REMOTE_ADDR"] and record[0]["method"] == "POST"

    by_case = api_rows(auditor, "audit/changes/", case=case.reference, page_size=100)
    assert {row["table_name"] for row in by_case} >= {"cases_case", "victims_person", "cases_identification"}
    assert all(case.pk in row["case_ids"] or row["table_name"] == "victims_person" for row in by_case)

    assert api_rows(auditor, "audit/changes/", date_from=TODAY.isoformat(), date_to=TODAY.isoformat())
    assert not api_rows(auditor, "audit/changes/", date_from=(TODAY + datetime.timedelta(days=1)).isoformat())
    assert not api_rows(auditor, "audit/changes/", date_to=(TODAY - datetime.timedelta(days=1)).isoformat())

    deletes = api_rows(auditor, "audit/changes/", action="DELETE")
    assert deletes == []
    assert client_for(auditor).get(API + "audit/changes/", {"action": "DROP"}).status_code == 400

    views = api_rows(auditor, "audit/access/", case=case.reference)
    assert [row["what"] for row in views] == ["case"] and views[0]["person_ids"] == [case.person_id]
    failed = api_rows(auditor, "audit/security/", action="login_failed", user="cw")
    assert len(failed) == 1


def test_identifying_values_read_changed_even_for_auditors(client, trail):
    from cases import services

    services.person_update(user=trail.cw, case=trail.case_ir, data={"given_name_latin": "Rezaaa"})
    auditor = trail.auditor_region
    [row] = api_rows(auditor, "audit/changes/", table="victims_person", action="UPDATE")
    change = next(c for c in row["changes"] if c["field"] == "given_name_latin")
    assert change == {"field": "given_name_latin", "old": "(changed)", "new": "(changed)", "hidden": True}
    html = page(client, auditor, "/audit/changes/", case=trail.case_ir.reference).content.decode()
    assert "(changed)" in html
    for secret in ("Reza", "رضا", "Ahmadi", "bazaar", "Ahmad returned"):
        assert secret not in html, secret
    notes = api_rows(auditor, "audit/changes/", table="cases_casenote")
    assert "Ahmad" not in str(notes)


def test_the_pages_filter_and_paginate(client, trail, settings):
    settings.AUDIT_PAGE_SIZE = 5
    auditor = trail.auditor_region
    html = page(client, auditor, "/audit/changes/").content.decode()
    assert "Page 1 of" in html and "Audit trail" in html
    html = page(client, auditor, "/audit/changes/", table="cases_case", action="UPDATE", user="cw").content.decode()
    assert "1 event matches" in html and "FollowUp" in html
    html = page(client, auditor, "/audit/access/", case=trail.case_af.reference).content.decode()
    assert "1 event matches" in html
    html = page(client, auditor, "/audit/security/", action="login_failed").content.decode()
    assert "2 events match" in html


def _count(html: str) -> int:
    import re

    from glo_act.calendars import normalise_digits

    text = re.search(r'id="audit-count">([^<]*)<', html).group(1)
    return int(re.search(r"\d+", normalise_digits(text)).group(0))


def test_the_date_filters_read_the_users_calendar_and_any_digits(client, trail):
    """A Persian-reading auditor types Solar Hijri days in Persian digits; rows show in that calendar."""
    from glo_act.calendars import SOLAR_HIJRI, format_date

    auditor = trail.auditor_region
    auditor.language, auditor.calendar = "fa", SOLAR_HIJRI
    auditor.save(update_fields=["language", "calendar"])
    client.force_login(auditor)
    today = format_date(TODAY, calendar=SOLAR_HIJRI, language="fa", style="numeric")  # "۱۴۰۵/۰۹/۰۶"
    tomorrow = format_date(TODAY + datetime.timedelta(days=1), calendar=SOLAR_HIJRI, language="fa", style="numeric")
    assert today[0] == "۱"
    everything = client.get("/audit/changes/").content.decode()
    html = client.get("/audit/changes/", {"date_from": today, "date_to": today}).content.decode()
    assert _count(html) == _count(everything) > 0
    assert _count(client.get("/audit/changes/", {"date_from": tomorrow}).content.decode()) == 0
    html = client.get("/audit/security/", {"date_from": "1300/01/01", "action": "login_failed"}).content.decode()
    assert _count(html) == 2 and "۲" in html  # counts in Persian digits
    assert format_date(TODAY, calendar=SOLAR_HIJRI, language="fa", style="long") in html  # "۶ آذر ۱۴۰۵"
    html = client.get("/audit/changes/", {"date_from": "not a day"}).content.decode()
    assert "has-error" in html


def test_the_pages_hold_no_inline_script_or_style(client, trail):
    for url in TABS:
        html = page(client, trail.auditor_region, url).content.decode()
        assert "<script>" not in html and " style=" not in html and "onclick" not in html


# --- Cost -------------------------------------------------------------------------------------------


def _queries(client, who, url, **params):
    client.force_login(who)
    client.get(url, params)  # warm the session
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", TABS)
def test_an_audit_page_costs_the_same_queries_for_few_or_many_rows(client, trail, url):
    auditor = trail.auditor_ir
    few = _queries(client, auditor, url)
    for _ in range(30):
        case = log_case(trail.cw, trail.ir_ngo)
        access_record(user=trail.cw, request=None, case_ids=[case.pk], what="case")
        security_event_record(kind="login", user=trail.cw)
    many = _queries(client, auditor, url)
    assert few == many, (few, many)  # no query per row
    # session, user, MFA device, the menu's roles, unread count, the session's idle stamp (3); and the
    # audit's own: scope, count, page, the page's case references
    assert many <= 12, many
    print(f"{url}: {many} queries")
    filtered = _queries(client, auditor, url, user="cw", date_from=TODAY.isoformat())
    assert filtered == many


def test_the_api_costs_the_same_queries_for_few_or_many_rows(trail):
    client = client_for(trail.auditor_region)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(API + "audit/changes/", {"page_size": 100}).status_code == 200
        return len(ctx.captured_queries)

    count()  # warm the token's last-use stamp
    few = count()
    for _ in range(20):
        log_case(trail.cw, trail.ir_ngo)
    assert count() == few


def test_the_schema_documents_the_audit_endpoints(trail):
    schema = client_for(trail.auditor_region).get(API + "schema/", {"format": "json"})
    assert schema.status_code == 200
    text = schema.content.decode()
    for path in ("/api/v1/audit/changes/", "/api/v1/audit/access/", "/api/v1/audit/security/"):
        assert path in text
    assert AccessEvent.objects.exists()
