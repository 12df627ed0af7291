"""Dashboards (issue 4): figures equal an independent count, suppression, scoping, constant queries.

`stats_world` adds ~60 cases to the shared `world` in two countries and three agencies, with varied
exploitation types, sexes, ages, contexts, months and smuggled flags, plus referrals and services,
then rebuilds the rollups. The independent count walks the ORM objects in Python.
"""

import datetime
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import Case, ServiceDelivery
from referrals.models import Referral
from stats import suppression as sup
from stats.models import ALL, CaseRollup, sex_age_column
from stats.rollups import rollups_rebuild
from stats.selectors import Dashboard, dashboard_scope
from victims.models import age_band

from .conftest import log_case, make_user
from .test_stats_suppression import determined, published_1d, published_2d, system_1d, system_2d

TYPES = [["ForcedBegging"], ["ForcedLabour"], ["ForcedLabour", "ChildLabour"], ["SexualExploitation"], []]
CONTEXTS = ["Street", "Worksite", "BorderCrossing", "Hotline"]
GENDERS = ["Masculine", "Feminine", "NonSpecifiedUnknown"]
AGES = [7, 14, 16, 19, 25, 33, 50, None]
DAYS_AGO = [3, 40, 75, 110]


def _add_cases(world, n, offset=0):
    today = timezone.localdate()
    agencies = [(world.cw, world.ir_ngo), (world.cw_police, world.ir_police), (world.cw_af, world.af_ngo)]
    cases = []
    for i in range(offset, offset + n):
        user, agency = agencies[i % 3]
        types = TYPES[i % len(TYPES)]
        age = AGES[i % len(AGES)]
        ident = {
            "identified_on": today - datetime.timedelta(days=DAYS_AGO[(i // 3) % len(DAYS_AGO)]),
            "context": CONTEXTS[(i // 2) % len(CONTEXTS)],
            "exploitation_types": types,
            "is_smuggled_migrant": i % 4 == 0,
            "trafficking_status": "PossibleVictimOfTrafficking" if types else "Screened",
        }
        person = {"gender": GENDERS[i % len(GENDERS)], "estimated_age": age, "given_name_latin": f"Person{i}"}
        cases.append(log_case(user, agency, person=person, identification=ident))
    return cases


@pytest.fixture
def stats_world(world):
    w = world
    w.cases = [w.case_ir, w.case_police, w.case_af, *_add_cases(w, 57)]
    now = timezone.now()
    # Referrals straight into the table (the stats only read them): national and cross-border.
    specs = [  # (from, to agency, to country, state, sent days ago, responded hours later, overdue)
        (w.ir_ngo, w.ir_police, "IR", "accepted", 5, 30, False),
        (w.ir_ngo, w.ir_police, "IR", "completed", 20, 10, False),
        (w.ir_ngo, None, "AF", "sent", 4, None, True),
        (w.ir_police, w.ir_ngo, "IR", "declined", 8, 5, False),
        (w.af_ngo, None, "IR", "expired", 30, None, False),
        (w.ir_ngo, w.af_ngo, "AF", "accepted", 12, 50, False),
    ]
    for i, (src, dst, country, state, days, hours, overdue) in enumerate(specs):
        case = next(c for c in w.cases if c.agency_id == src.id)
        sent = now - datetime.timedelta(days=days)
        Referral.objects.create(
            reference=f"R-TEST-{i}", case=case, from_agency=src, to_agency=dst, to_country_id=country,
            is_cross_border=country != src.country_id, services=["Shelter"], reason="Other", state=state,
            sent_at=sent, responded_at=sent + datetime.timedelta(hours=hours) if hours else None,
            response_deadline=now - datetime.timedelta(hours=1) if overdue else sent + datetime.timedelta(days=3),
            created_by=w.cw,
        )  # fmt: skip
    for i, case in enumerate(w.cases[:30]):
        ServiceDelivery.objects.create(
            case=case, service=["Shelter", "Psychosocial", "Medical"][i % 3], support_type="SocialCare",
            provider=case.agency, started_on=case.opened_on, recorded_by=w.cw, recorded_by_agency=case.agency,
        )  # fmt: skip
    rollups_rebuild()
    return w


# ------------------------------------------------------------------------------------------------
# The independent count
# ------------------------------------------------------------------------------------------------


def _facts(cases=None):
    """One dict per case, computed in Python from the ORM objects (not from the rollup SQL)."""
    out = []
    for case in Case.objects.select_related("person", "agency").prefetch_related("identifications"):
        latest = sorted(case.identifications.all(), key=lambda i: (i.identified_on, i.id))[-1]
        out.append({
            "id": case.id, "month": case.opened_on.replace(day=1), "agency": case.agency.short_name,
            "country": case.country_id, "types": list(case.exploitation_types), "child": case.is_child,
            "smuggled": case.is_smuggled_migrant, "gender": case.person.gender, "context": latest.context,
            "band": age_band(latest.age_at_identification), "open": case.status not in ("Closed", "ClosedReferred"),
        })  # fmt: skip
    return out


SEX = {"Feminine": "f", "Masculine": "m", "NonSpecifiedUnknown": "u"}


def _unsuppressed(user, params=None):
    board = Dashboard(user, params or {})
    board.suppress = False  # compare the counting itself; suppression is tested below
    return board


def _values(fig, **fixed):
    return {
        tuple(v for k, v in c.keys.items() if k not in fixed): c.value
        for c in fig.cells
        if all(c.keys.get(k) == v for k, v in fixed.items())
    }


def test_every_figure_equals_an_independent_count(stats_world):
    w = stats_world
    facts = _facts()
    board = _unsuppressed(w.pm_region)
    months = set(board.filters.months)
    facts = [f for f in facts if f["month"] in months]
    assert len(facts) == 60

    monthly = board.figure("identifications-by-month")
    expected = Counter((f["month"], f["country"]) for f in facts)
    got = {k: v for k, v in _values(monthly).items() if v}
    assert got == dict(expected)
    assert monthly.measures["total"].value == len(facts)
    assert monthly.measures["children"].value == sum(f["child"] for f in facts)
    assert monthly.measures["smuggled"].value == sum(f["smuggled"] for f in facts)

    expl = board.figure("by-exploitation")
    expected = Counter(t for f in facts for t in (f["types"] or ["-"]))
    assert _values(expl, group="all") == {(k,): v for k, v in expected.items()}
    expected_children = Counter(t for f in facts if f["child"] for t in (f["types"] or ["-"]))
    assert {k: v for k, v in _values(expl, group="children").items() if v} == {
        (k,): v for k, v in expected_children.items()
    }

    sexage = board.figure("by-sex-age")
    expected = Counter((SEX[f["gender"]], f["band"]) for f in facts)
    assert {k: v for k, v in _values(sexage).items() if v} == dict(expected)
    assert sexage.grand_total.value == len(facts)

    contexts = board.figure("contexts")
    assert _values(contexts) == {(k,): v for k, v in Counter(f["context"] for f in facts).items()}

    caseload = board.figure("caseload")
    assert _values(caseload, measure="opened") == {(k,): v for k, v in Counter(f["agency"] for f in facts).items()}
    assert _values(caseload, measure="open") == {
        (k,): v for k, v in Counter(f["agency"] for f in facts if f["open"]).items()
    }

    services = board.figure("services")
    deliveries = list(ServiceDelivery.objects.all())
    assert _values(services) == {(k,): v for k, v in Counter(d.service for d in deliveries).items()}
    assert services.measures["people_served"].value == len({d.case_id for d in deliveries})

    funnel = board.figure("referral-funnel")
    refs = list(Referral.objects.all())
    accepted = [r for r in refs if r.responded_at and r.state != "declined"]
    assert _values(funnel) == {
        ("sent",): len(refs), ("accepted",): len(accepted), ("declined",): 1, ("completed",): 1, ("expired",): 1,
    }  # fmt: skip
    hours = sorted((r.responded_at - r.sent_at).total_seconds() / 3600 for r in accepted)
    assert funnel.measures["median_days_to_acceptance"] == round(hours[len(hours) // 2] / 24, 1)
    assert funnel.measures["overdue_now"].value == 1

    flows = board.figure("cross-border-flows")
    expected = Counter((r.from_agency.country_id, r.to_country_id) for r in refs if r.is_cross_border)
    assert {k: v for k, v in _values(flows).items() if v} == dict(expected)


def test_filters_narrow_every_figure_like_the_independent_count(stats_world):
    w = stats_world
    facts = [f for f in _facts() if f["country"] == "IR" and "ForcedLabour" in f["types"]]
    board = _unsuppressed(w.pm_region, {"country": "IR", "exploitation_type": "ForcedLabour"})
    assert board.figure("identifications-by-month").measures["total"].value == len(facts)
    assert board.figure("by-sex-age").grand_total.value == len(facts)
    agency = _unsuppressed(w.pm_region, {"agency": "IR-POL"})
    assert agency.figure("identifications-by-month").measures["total"].value == sum(
        1 for f in _facts() if f["agency"] == "IR-POL"
    )
    # One month only.
    month = timezone.localdate().replace(day=1)
    one = _unsuppressed(w.pm_region, {"from": month.strftime("%Y-%m"), "to": month.strftime("%Y-%m")})
    assert one.figure("identifications-by-month").measures["total"].value == sum(
        1 for f in _facts() if f["month"] == month
    )


def test_the_rollup_keeps_one_all_row_per_group_and_does_not_double_count(stats_world):
    total = sum(CaseRollup.objects.filter(exploitation=ALL).values_list("n", flat=True))
    assert total == Case.objects.count()
    by_type = sum(CaseRollup.objects.exclude(exploitation=ALL).values_list("n", flat=True))
    assert by_type > total  # multi-type cases count under each type, but not in the "*" rows
    assert sum(getattr(r, sex_age_column("m", "9-17")) for r in CaseRollup.objects.filter(exploitation=ALL)) == sum(
        1 for f in _facts() if f["gender"] == "Masculine" and f["band"] == "9-17"
    )
    rollups_rebuild()  # idempotent
    assert sum(CaseRollup.objects.filter(exploitation=ALL).values_list("n", flat=True)) == total


def test_the_beat_task_rebuilds_the_rollups(stats_world):
    from django.conf import settings

    from stats.tasks import rebuild_rollups

    log_case(stats_world.cw, stats_world.ir_ngo)
    rebuild_rollups.delay()
    assert sum(CaseRollup.objects.filter(exploitation=ALL).values_list("n", flat=True)) == Case.objects.count()
    assert settings.CELERY_BEAT_SCHEDULE["stats-rollups"]["task"] == "stats.tasks.rebuild_rollups"


# ------------------------------------------------------------------------------------------------
# Suppression
# ------------------------------------------------------------------------------------------------


def _all_cells(board):
    for slug in ["identifications-by-month", "by-exploitation", "by-sex-age", "contexts", "referral-funnel",
                 "cross-border-flows", "caseload", "services"]:  # fmt: skip
        fig = board.figure(slug)
        yield from fig.cells
        yield from fig.totals
        yield from (m for m in fig.measures.values() if hasattr(m, "value"))


def test_oversight_never_sees_a_small_count(stats_world):
    board = Dashboard(stats_world.pm_region, {})
    assert board.suppress
    cells = list(_all_cells(board))
    assert any(c.suppressed for c in cells)
    for cell in cells:
        assert cell.suppressed or cell.value == 0 or cell.value >= board.threshold, cell
    # A suppressed cell never links to the case list (that would undo the "<11").
    assert all(not c.link for c in cells if c.suppressed)


def test_suppression_shows_as_less_than_11_in_the_page_and_the_api(stats_world, client):
    client.force_login(stats_world.pm_ir)
    html = client.get("/stats/").content.decode()
    assert "&lt;11" in html
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(stats_world.pm_ir)
    data = api.get("/api/v1/stats/by-sex-age/").json()
    assert data["suppression_applied"] is True and data["threshold"] == 11
    withheld = [c for c in data["cells"] if c["suppressed"]]
    assert withheld and all(c["value"] is None and c["display"] == "<11" for c in withheld)
    shown = [c for c in data["cells"] + data["totals"] if not c["suppressed"]]
    assert all(c["value"] == 0 or c["value"] >= 11 for c in shown)


def test_headline_total_is_withheld_when_a_month_shorter_range_differs_by_a_few(stats_world):
    """Differencing: total(range) - total(range without its last month) would give that month."""
    w = stats_world
    board = Dashboard(w.pm_region, {})
    last, before = board.filters.months[-1], board.filters.months[-2]
    # Arrange the attack: exactly 3 cases opened in the last month, the rest the month before.
    ids = list(Case.objects.order_by("id").values_list("id", flat=True))
    Case.objects.filter(id__in=ids[:3]).update(opened_on=last)
    Case.objects.filter(id__in=ids[3:]).update(opened_on=before)
    rollups_rebuild()
    assert sum(1 for f in _facts() if f["month"] == last) == 3
    monthly = Dashboard(w.pm_region, {}).figure("identifications-by-month")
    assert monthly.measures["total"].suppressed
    # And the guard itself, directly on the neighbours we pass.
    assert sup.is_suppressed(sup.safe_difference_guard(60, [55]))


def test_adversarial_filters_cannot_isolate_one_agency(stats_world):
    """Country total minus the other agency's total must not reveal a small agency."""
    w = stats_world
    # Arrange the attack: IR-POL keeps 4 cases, IR-NGO many; the country total and IR-NGO's are large.
    police = list(Case.objects.filter(agency=w.ir_police).order_by("id").values_list("id", flat=True))
    Case.objects.filter(id__in=police[4:]).update(agency=w.ir_ngo)
    rollups_rebuild()
    assert Case.objects.filter(agency=w.ir_police).count() == 4
    country = Dashboard(w.pm_region, {"country": "IR"}).figure("identifications-by-month").measures["total"]
    ngo = Dashboard(w.pm_region, {"agency": "IR-NGO"}).figure("identifications-by-month").measures["total"]
    police_total = Dashboard(w.pm_region, {"agency": "IR-POL"}).figure("identifications-by-month").measures["total"]
    assert police_total.suppressed
    # Whatever is shown, country - IR-NGO must not give IR-POL's 4.
    assert country.suppressed or ngo.suppressed or country.value - ngo.value not in range(1, 11)


def test_a_supervisor_on_their_own_agency_sees_exact_figures(stats_world):
    w = stats_world
    board = Dashboard(w.sup, {})
    assert not board.suppress
    total = board.figure("identifications-by-month").measures["total"]
    assert total.value == Case.objects.filter(agency=w.ir_ngo).count()
    assert total.display == str(total.value)


# ------------------------------------------------------------------------------------------------
# Scope
# ------------------------------------------------------------------------------------------------


def test_country_manager_sees_only_their_country(stats_world):
    w = stats_world
    board = Dashboard(w.pm_ir, {})
    board.suppress = False
    assert list(board.countries) == ["IR"]
    assert {a["short_name"] for a in board.agencies.values()} >= {"IR-NGO", "IR-POL"}
    assert "AF-NGO" not in {a["short_name"] for a in board.agencies.values()}
    monthly = board.figure("identifications-by-month")
    assert monthly.measures["total"].value == Case.objects.filter(country_id="IR").count()
    assert {c.keys["country"] for c in monthly.cells} == {"IR"}


def test_regional_manager_sees_the_four_countries(stats_world):
    board = Dashboard(stats_world.pm_region, {})
    assert set(board.countries) == {"AF", "IR", "IQ", "PK"}


def test_supervisor_sees_their_agency_only(stats_world):
    w = stats_world
    board = Dashboard(w.sup, {})
    assert list(board.agencies) == [w.ir_ngo.id]
    caseload = board.figure("caseload")
    assert {c.keys["agency"] for c in caseload.cells} == {"IR-NGO"}


@pytest.mark.parametrize("who", ["cw", "sp_ir", "focal_ir", "nobody", "admin_user", "cw_af"])
def test_other_roles_have_no_dashboard(stats_world, client, who):
    user = getattr(stats_world, who)
    assert dashboard_scope(user) is None
    client.force_login(user)
    assert client.get("/stats/").status_code == 403
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(user)
    assert api.get("/api/v1/stats/caseload/").status_code == 403


def test_anonymous_is_sent_to_sign_in_and_the_api_answers_401(stats_world, client):
    response = client.get("/stats/")
    assert response.status_code == 302 and "/login/" in response["Location"]
    from rest_framework.test import APIClient

    assert APIClient().get("/api/v1/stats/identifications-by-month/").status_code == 401


@pytest.mark.parametrize("params", [{"country": "AF"}, {"agency": "AF-NGO"}, {"agency": "NO-SUCH"}])
def test_filters_outside_the_scope_give_nothing(stats_world, params):
    board = Dashboard(stats_world.pm_ir, params)
    board.suppress = False
    for cell in _all_cells(board):
        assert cell.value == 0, (params, cell)


def test_filters_outside_scope_give_nothing_in_the_api(stats_world):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(stats_world.pm_ir)
    data = api.get("/api/v1/stats/identifications-by-month/", {"country": "AF"}).json()
    assert all(c["value"] == 0 for c in data["cells"] + data["totals"])
    assert data["measures"]["total"]["value"] == 0


def test_the_nav_shows_the_dashboard_to_managers_and_supervisors_only(stats_world, client):
    for user, shown in [(stats_world.pm_ir, True), (stats_world.sup, True), (stats_world.cw, False)]:
        client.force_login(user)
        assert ('href="/stats/"' in client.get("/").content.decode()) is shown


def test_drill_down_links_go_to_the_scoped_case_list(stats_world, client):
    client.force_login(stats_world.sup)
    html = client.get("/stats/").content.decode()
    assert "/cases/?opened_after=" in html
    # The linked list counts what the figure counts (the supervisor sees their agency's cases).
    board = Dashboard(stats_world.sup, {})
    fig = board.figure("identifications-by-month")
    link = fig.measures["total"].link
    response = client.get(link)
    assert response.context["page"].paginator.count == fig.measures["total"].value


# ------------------------------------------------------------------------------------------------
# The page and its cost
# ------------------------------------------------------------------------------------------------


def test_the_page_renders_every_chart_with_a_table(stats_world, client):
    client.force_login(stats_world.pm_region)
    response = client.get("/stats/", {"exploitation_type": "ForcedLabour"})
    assert response.status_code == 200
    html = response.content.decode()
    for anchor in ["identifications-by-month", "by-exploitation", "by-sex-age", "contexts", "referral-funnel",
                   "cross-border-flows", "caseload", "services"]:  # fmt: skip
        assert f'id="{anchor}"' in html
    assert html.count("<svg") >= 5 and html.count("<table") >= 7
    assert "style=" not in html.split("<main", 1)[1]  # CSP-friendly: classes only
    assert "<script" not in html.split("<main", 1)[1]


def test_bad_months_are_reported_not_fatal(stats_world, client):
    client.force_login(stats_world.pm_region)
    response = client.get("/stats/", {"from": "last year"})
    assert response.status_code == 200
    assert "must look like" in response.content.decode()
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(stats_world.pm_region)
    assert api.get("/api/v1/stats/contexts/", {"to": "2026-13"}).status_code == 400


def _page_queries(client):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/stats/").status_code == 200
    return len(ctx.captured_queries)


def test_the_number_of_queries_does_not_grow_with_the_cases(stats_world, client):
    client.force_login(stats_world.pm_region)
    before = _page_queries(client)
    _add_cases(stats_world, 15, offset=100)
    rollups_rebuild()
    client.force_login(stats_world.pm_region)
    assert _page_queries(client) == before
    assert 5 < before <= 20


def test_every_figure_is_served_by_the_api(stats_world):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(stats_world.pm_region)
    for slug in ["identifications-by-month", "by-exploitation", "by-sex-age", "contexts", "referral-funnel",
                 "cross-border-flows", "caseload", "services"]:  # fmt: skip
        response = api.get(f"/api/v1/stats/{slug}/", {"country": "IR"})
        assert response.status_code == 200, slug
        data = response.json()
        assert data["figure"] == slug and data["filters"]["country"] == "IR"
        for cell in data["cells"]:
            assert set(cell) == {"keys", "value", "display", "suppressed"}


def test_an_unknown_agency_user_scope_combination(stats_world):
    """A supervisor who is also a country programme manager: suppressed beyond their own agency."""
    w = stats_world
    from partners.services import membership_create

    both = make_user("both", w.ir_ngo, "supervisor")
    membership_create(user=both, agency=w.unodc_ir, role="programme_manager", scope="country")
    assert Dashboard(both, {}).suppress
    assert not Dashboard(both, {"agency": "IR-NGO"}).suppress
    assert Dashboard(both, {"agency": "IR-POL"}).suppress


# ------------------------------------------------------------------------------------------------
# Linked views: date ranges, countries and agencies are slices of one fixed table
# ------------------------------------------------------------------------------------------------

# Identifications per month (Jan-Jun of last year) by country. Suppressing each requested range's
# month x country table on its own (the former design) gave away Iran's June: the Jan-Jun view
# showed Iran's half-year (40), the Jan-Apr view Iran's Jan-Apr (23), the Jan-May view Iran's May
# (14): June = 40 - 23 - 14 = 3.
IR_MONTHS = [6, 5, 7, 5, 14, 3]
AF_MONTHS = [5, 1, 2, 8, 0, 4]


def _arrange_months(year):
    """Open the cases of each country in Jan-Jun of ``year`` with exactly those counts; returns the
    true counts by (month, agency short name)."""
    truth = Counter()
    for country, counts in (("IR", IR_MONTHS), ("AF", AF_MONTHS)):
        cases = list(Case.objects.filter(country_id=country).order_by("id").values_list("id", "agency__short_name"))
        assert len(cases) == sum(counts)
        start = 0
        for k, n in enumerate(counts):
            month = datetime.date(year, k + 1, 1)
            chunk = cases[start : start + n]
            start += n
            Case.objects.filter(id__in=[i for i, _a in chunk]).update(opened_on=month + datetime.timedelta(days=k))
            truth.update((month, short) for _i, short in chunk)
    rollups_rebuild()
    return truth


def _shown_figures(board, agency_country):
    """Every shown count of the view with the (month, agency) cells it adds up, as (cells, value)."""
    f = board.filters
    chosen = [a for a, c in agency_country.items() if (not f.country or c == f.country) and f.agency in ("", a)]
    country_wide = [a for a, c in agency_country.items() if not f.country or c == f.country]

    def cells(months, agencies, country=None):
        return frozenset((m, a) for m in months for a in agencies if country in (None, agency_country[a]))

    monthly = board.figure("identifications-by-month")
    out = [(cells([c.keys["month"]], chosen, c.keys["country"]), c) for c in monthly.cells]
    out += [(cells([c.keys["month"]], chosen), c) for c in monthly.totals if "month" in c.keys]
    out += [(cells(f.months, chosen, c.keys["country"]), c) for c in monthly.totals if "country" in c.keys]
    everything = cells(f.months, chosen)
    out += [(everything, monthly.measures["total"]), (everything, board.figure("by-sex-age").grand_total)]
    out.append((everything, board.figure("contexts").total()))
    caseload = board.figure("caseload")
    out += [(cells(f.months, [c.keys["agency"]]), c) for c in caseload.cells if c.keys["measure"] == "opened"]
    out.append((cells(f.months, country_wide), caseload.total(measure="opened")))
    return [(cells_, cell.value) for cells_, cell in out if not cell.suppressed]


def test_overlapping_date_ranges_countries_and_agencies_cannot_be_combined_to_a_small_month(stats_world):
    """The attack of test_views_of_different_date_ranges_must_share_one_pattern through the dashboard:
    every sub-range of Jan-Jun, for the region, each country and each agency; an attacker who writes
    every shown figure as an equation over the (month, agency) counts learns no small count."""
    w = stats_world
    year = timezone.localdate().year - 1
    truth = _arrange_months(year)
    months = [datetime.date(year, k, 1) for k in range(1, 7)]
    agency_country = {a.short_name: a.country_id for a in (w.ir_ngo, w.ir_police, w.af_ngo)}
    ranges = [(a, b) for a in months for b in months if a <= b]
    views = [{}, {"country": "IR"}, {"country": "AF"}, {"agency": "IR-NGO"}, {"agency": "IR-POL"}, {"agency": "AF-NGO"}]
    equations, known = [], {}
    for a, b in ranges:
        for view in views:
            board = Dashboard(w.pm_region, {"from": a.strftime("%Y-%m"), "to": b.strftime("%Y-%m"), **view})
            assert board.suppress
            for cells, value in _shown_figures(board, agency_country):
                assert value == sum(truth[c] for c in cells)  # what is shown is true
                assert value == 0 or value >= 11
                name = ("shown", len(known))
                known[name] = value
                equations.append({**{("x", c): 1 for c in cells}, name: -1})
    # The attacker also knows which (month, agency) cells exist; the unknowns are their counts.
    for m in months:
        for country in ("IR", "AF"):
            equations.append(
                {**{("x", (m, a)): 1 for a, c in agency_country.items() if c == country}, ("month", m, country): -1}
            )
    learned = determined(equations, known)
    small_months = {
        ("month", m, c) for m in months for c in ("IR", "AF")
        if 0 < sum(truth[(m, a)] for a, ac in agency_country.items() if ac == c) < 11
    }  # fmt: skip
    assert ("month", months[0], "IR") in small_months and ("month", months[5], "IR") in small_months
    assert small_months.isdisjoint(learned), sorted(small_months & learned)
    small_cells = {("x", c) for c, n in truth.items() if 0 < n < 11}
    assert small_cells.isdisjoint(learned), sorted(small_cells & learned)
    # And the dashboard still says something: Iran's and Afghanistan's half-years are shown.
    half = Dashboard(w.pm_region, {"from": f"{year}-01", "to": f"{year}-06"}).figure("identifications-by-month")
    assert (half.total(country="IR").value, half.total(country="AF").value) == (40, 20)
    assert len(known) > 100


def test_the_first_half_minus_its_start_and_may_does_not_give_june(stats_world):
    """The concrete chain: Jan-Jun (Iran) - Jan-Apr (Iran) - May (Iran, from any view) = June."""
    w = stats_world
    year = timezone.localdate().year - 1
    _arrange_months(year)
    may, june = datetime.date(year, 5, 1), datetime.date(year, 6, 1)

    def iran(first, last, **params):
        board = Dashboard(w.pm_region, {"from": f"{year}-{first:02}", "to": f"{year}-{last:02}", **params})
        return board.figure("identifications-by-month")

    jan_jun = [iran(1, 6).total(country="IR"), iran(1, 6, country="IR").measures["total"]]
    jan_apr = [iran(1, 4).total(country="IR"), iran(1, 4, country="IR").measures["total"]]
    may_cells = [iran(first, last).cell(may, "IR") for first in range(1, 6) for last in range(5, 7)]
    may_headline = iran(5, 5, country="IR").measures["total"]
    june_cells = [iran(first, 6).cell(june, "IR") for first in range(1, 7)]
    shown = {
        "jan_jun": {c.value for c in jan_jun if not c.suppressed},
        "jan_apr": {c.value for c in jan_apr if not c.suppressed},
        "may": {c.value for c in [*may_cells, may_headline] if not c.suppressed},
    }
    differences = {a - b - c for a in shown["jan_jun"] for b in shown["jan_apr"] for c in shown["may"]}
    assert 3 not in differences  # June in Iran: 3 people
    assert all(c.suppressed for c in june_cells)
    # The views agree with each other: one pattern, not one per range.
    assert len(shown["may"]) <= 1 and len({c.suppressed for c in may_cells}) == 1


# ------------------------------------------------------------------------------------------------
# Cross-chart consistency: one population, one total, one decision
# ------------------------------------------------------------------------------------------------


def _population_totals(board):
    """The totals of the breakdowns' population; the headline is the same population unless the
    breakdowns are country-wide for an agency filter (then it is the agency's)."""
    measures = board.figure("identifications-by-month").measures
    totals = {
        "headline": measures["breakdown_total" if board.breakdown_by_country else "total"],
        "by-sex-age": board.figure("by-sex-age").grand_total,
        "contexts": board.figure("contexts").total(),
    }
    return {name: ("<11" if cell.suppressed else cell.value) for name, cell in totals.items()}


def test_every_chart_shows_the_headline_total_or_withholds_it_with_the_headline(stats_world):
    w = stats_world
    board = Dashboard(w.pm_region, {})
    last, before = board.filters.months[-1], board.filters.months[-2]
    # The headline is withheld (a month shorter range differs by 3); sex x age and contexts used to
    # show the exact total (60) next to it.
    ids = list(Case.objects.order_by("id").values_list("id", flat=True))
    Case.objects.filter(id__in=ids[:3]).update(opened_on=last)
    Case.objects.filter(id__in=ids[3:]).update(opened_on=before)
    rollups_rebuild()
    views = [{}, {"country": "IR"}, {"agency": "IR-NGO"}, {"exploitation_type": "ForcedLabour"},
             {"from": before.strftime("%Y-%m"), "to": before.strftime("%Y-%m")}]  # fmt: skip
    withheld = 0
    for params in views:
        board = Dashboard(w.pm_region, params)
        totals = _population_totals(board)
        assert len(set(totals.values())) == 1, (params, totals)
        # Caseload highlights the chosen agency among all: its total is the view without the agency.
        without_agency = {k: v for k, v in params.items() if k != "agency"}
        caseload = board.figure("caseload").total(measure="opened")
        expected = _population_totals(Dashboard(w.pm_region, without_agency))["headline"]
        assert ("<11" if caseload.suppressed else caseload.value) == expected, params
        withheld += totals["headline"] == "<11"
        # A withheld total cannot be added up from the chart's own margins and cells either.
        # The breakdowns' own population: the agency's country when they are country-wide.
        raw_params = {**without_agency, "country": board._breakdown_country} if board.breakdown_by_country else params
        raw = _unsuppressed(w.pm_region, raw_params)
        sexage, raw_sexage = board.figure("by-sex-age"), raw.figure("by-sex-age")
        result = {
            "cells": {(c.keys["sex"], c.keys["age_band"]): c.value for c in sexage.cells},
            "row_totals": {c.keys["sex"]: c.value for c in sexage.totals if "sex" in c.keys},
            "col_totals": {c.keys["age_band"]: c.value for c in sexage.totals if "age_band" in c.keys},
            "grand_total": sexage.grand_total.value,
        }
        table = {(c.keys["sex"], c.keys["age_band"]): c.value for c in raw_sexage.cells}
        _values, equations = system_2d(table, grand_total=raw_sexage.grand_total.value)
        known = {k: v for k, v in published_2d(result, table).items() if not sup.is_suppressed(v)}
        derivable = "grand" in known or "grand" in determined(equations, known)
        assert derivable == (totals["headline"] != "<11"), params
        contexts, raw_contexts = board.figure("contexts"), raw.figure("contexts")
        counts = {c.keys["context"]: c.value for c in raw_contexts.cells}
        _values, equations = system_1d(counts, total=raw_contexts.total().value)
        shown = published_1d({"cells": {c.keys["context"]: c.value for c in contexts.cells},
                              "total": contexts.total().value})  # fmt: skip
        known = {k: v for k, v in shown.items() if not sup.is_suppressed(v)}
        derivable = "total" in known or "total" in determined(equations, known)
        assert derivable == (totals["headline"] != "<11"), params
    assert withheld >= 1  # the case that used to disagree is among them


def test_the_dashboard_offers_only_the_exports_the_user_may_download(stats_world, client):
    client.force_login(stats_world.pm_region)
    html = client.get("/stats/").content.decode()
    assert "/stats/exports/glotip.csv" in html and "/stats/exports/htcds.csv" not in html
    client.force_login(stats_world.sup)
    html = client.get("/stats/").content.decode()
    assert "/stats/exports/htcds.csv" not in html  # identifying: only through an approved request
    assert "/stats/exports/requests/new" in html


def test_the_fixed_tables_are_shared_until_the_rollups_are_rebuilt(stats_world):
    """The fixed table and breakdown sources are cached per scope and rollup rebuild: a second view
    costs fewer queries, and a rebuild is a new key, so figures are never stale."""
    from django.core.cache import cache

    cache.clear()
    w = stats_world
    with CaptureQueriesContext(connection) as cold:
        first = Dashboard(w.pm_region, {}).all_figures()
    with CaptureQueriesContext(connection) as warm:
        again = Dashboard(w.pm_region, {"country": "IR"}).all_figures()  # other filters, same scope
    assert len(warm.captured_queries) < len(cold.captured_queries)
    assert again["by-sex-age"].grand_total.value == Dashboard(w.pm_region, {"country": "IR"}).figure(
        "by-sex-age").grand_total.value  # fmt: skip
    before = first["identifications-by-month"].measures["total"]
    _add_cases(w, 15, offset=200)
    rollups_rebuild()
    after = Dashboard(w.pm_region, {}).figure("identifications-by-month").measures["total"]
    raw = _unsuppressed(w.pm_region).figure("identifications-by-month").measures["total"].value
    assert after.value == raw and (before.suppressed or before.value == raw - 15)
