"""The breakdowns (sex x age, children, contexts, smuggled, exploitation types) under differencing.

Each breakdown is a table of (month, country) x category whose row totals are the fixed month x
(country, agency) table's figures (stats.selectors, "breakdowns"). The attacker asks every sub-range
of Jan-Jun for the region, each country and each agency, writes every shown figure (monthly counts,
headlines, every breakdown cell and margin) as an equation over the true counts, adds what they know
of the structure (each month's cases of a country add up the same way by agency and by each
partition), and solves. No small count may come out.
"""

import datetime
from collections import Counter

from django.utils import timezone

from stats.models import CHILD_BANDS
from stats.selectors import Dashboard

from .test_stats_dashboards import SEX, _arrange_months, _facts, _shown_figures
from .test_stats_dashboards import stats_world as dashboard_world
from .test_stats_suppression import determined

stats_world = dashboard_world  # the fixture, under the name the tests ask for

VIEWS = [{}, {"country": "IR"}, {"country": "AF"}, {"agency": "IR-NGO"}, {"agency": "IR-POL"}, {"agency": "AF-NGO"}]


def _truth(year):
    """True counts: by (month, agency) and by (kind, month, country, category)."""
    by_agency, by_category = Counter(), Counter()
    for f in _facts():
        if f["month"].year != year:
            continue
        m, c = f["month"], f["country"]
        by_agency[(m, f["agency"])] += 1
        sex = SEX.get(f["gender"], "u")
        by_category[("sex_age", m, c, (sex, f["band"]))] += 1
        by_category[("contexts", m, c, f["context"] or "-")] += 1
        by_category[("smuggled", m, c, "smuggled" if f["smuggled"] else "not_smuggled")] += 1
        group = "child" if f["band"] in CHILD_BANDS else "adult"
        for t in f["types"] or ["-"]:
            by_category[("exploitation", m, c, (t, group))] += 1
    return by_agency, by_category


def _breakdown_figures(board, months, countries):
    """Every shown breakdown figure as (cells, value): cells are (kind, month, country, category)."""

    def cells(kind, categories):
        return frozenset((kind, m, c, cat) for m in months for c in countries for cat in categories)

    out = []
    sexage = board.figure("by-sex-age")
    bands = list(sexage.labels["age_band"])
    sexes = list(sexage.labels["sex"])
    for cell in sexage.cells:
        out.append((cells("sex_age", [(cell.keys["sex"], cell.keys["age_band"])]), cell))
    for cell in sexage.totals:
        if "sex" in cell.keys:
            out.append((cells("sex_age", [(cell.keys["sex"], b) for b in bands]), cell))
        elif "age_band" in cell.keys:
            out.append((cells("sex_age", [(s, cell.keys["age_band"]) for s in sexes]), cell))
    measures = board.figure("identifications-by-month").measures
    children = [(s, b) for s in sexes for b in CHILD_BANDS]
    out.append((cells("sex_age", children), measures["children"]))
    out.append((cells("sex_age", [(s, b) for s in sexes for b in bands if b not in CHILD_BANDS]), measures["adults"]))
    out.append((cells("smuggled", ["smuggled"]), measures["smuggled"]))
    out.append((cells("smuggled", ["not_smuggled"]), measures["not_smuggled"]))
    for cell in board.figure("contexts").cells:
        out.append((cells("contexts", [cell.keys["context"]]), cell))
    for cell in board.figure("by-exploitation").cells:
        t = cell.keys["exploitation_type"]
        groups = ["child"] if cell.keys["group"] == "children" else ["child", "adult"]
        out.append((cells("exploitation", [(t, g) for g in groups]), cell))
    return [(c, cell.value) for c, cell in out if not cell.suppressed]


def test_breakdowns_of_overlapping_ranges_countries_and_agencies_reveal_no_small_count(stats_world):
    w = stats_world
    year = timezone.localdate().year - 1
    _arrange_months(year)
    by_agency, by_category = _truth(year)
    months = [datetime.date(year, k, 1) for k in range(1, 7)]
    agency_country = {a.short_name: a.country_id for a in (w.ir_ngo, w.ir_police, w.af_ngo)}
    equations, known, seen = [], {}, set()

    def learn(cells, value, name):
        if cells in seen:
            return
        seen.add(cells)
        known[(name, len(known))] = value
        equations.append({**dict.fromkeys(cells, 1), (name, len(known) - 1): -1})

    breakdown_figures = 0
    for a, b in [(a, b) for a in months for b in months if a <= b]:
        for view in VIEWS:
            board = Dashboard(w.pm_region, {"from": a.strftime("%Y-%m"), "to": b.strftime("%Y-%m"), **view})
            assert board.suppress
            for cells, value in _shown_figures(board, agency_country):
                cells = frozenset(("x", cell) for cell in cells)
                assert value == sum(by_agency[c[1]] for c in cells)
                learn(cells, value, "count")
            chosen = [m for m in months if a <= m <= b]
            country = view.get("country") or agency_country.get(view.get("agency"))
            countries = [country] if country else ["IR", "AF"]
            for cells, value in _breakdown_figures(board, chosen, countries):
                assert value == sum(by_category[c] for c in cells), cells  # what is shown is true
                assert value == 0 or value >= 11
                learn(cells, value, "breakdown")
                breakdown_figures += 1
    # Structure the attacker knows: per month and country, the agencies and each partition add up
    # to the same number of cases; and every category that occurs (zeros are shown anyway).
    kinds = {k[0] for k in by_category} - {"exploitation"}
    for m in months:
        for country in ("IR", "AF"):
            agencies = {("x", (m, a)): 1 for a, c in agency_country.items() if c == country}
            for kind in kinds:
                cats = {k: -1 for k in by_category if k[:3] == (kind, m, country)}
                equations.append({**agencies, **cats})
    learned = determined(equations, known)
    small = {k for k, n in by_category.items() if 0 < n < 11}
    small |= {("x", k) for k, n in by_agency.items() if 0 < n < 11}
    assert len(small) > 50
    assert small.isdisjoint(learned), sorted(small & learned, key=repr)[:10]
    assert breakdown_figures > 200  # the dashboard still says a lot


def test_with_an_agency_filter_the_breakdowns_are_the_agencys_country(stats_world):
    w = stats_world
    board = Dashboard(w.pm_region, {"agency": "IR-POL"})
    country = Dashboard(w.pm_region, {"country": "IR"})
    assert board.breakdown_by_country
    assert "whole of Iran" in board.figure("by-sex-age").note
    for slug in ("by-sex-age", "contexts", "by-exploitation"):
        assert [c.value for c in board.figure(slug).cells] == [c.value for c in country.figure(slug).cells]
    headline = board.figure("identifications-by-month").measures
    assert headline["breakdown_total"].value == country.figure("identifications-by-month").measures["total"].value
    # Drill-down from a country-wide breakdown lists the country's cases, not the agency's.
    link = board._case_link(child=True, agency=False, country=board._breakdown_country)
    assert "agency=" not in link and "country=IR" in link and "is_child=true" in link
    # A supervisor on their own agency sees the agency's own breakdowns, exactly.
    own = Dashboard(w.sup, {"agency": "IR-NGO"})
    assert not own.suppress and not own.breakdown_by_country
    total = own.figure("identifications-by-month").measures["total"].value
    assert own.figure("by-sex-age").grand_total.value == total
    assert sum(c.value for c in own.figure("contexts").cells) == total


def test_a_month_withheld_in_the_monthly_chart_is_withheld_in_every_breakdown(stats_world):
    w = stats_world
    year = timezone.localdate().year - 1
    _arrange_months(year)  # Iran's June: 3 cases
    june = Dashboard(w.pm_region, {"from": f"{year}-06", "to": f"{year}-06", "country": "IR"})
    assert june.figure("identifications-by-month").measures["total"].suppressed
    for slug in ("by-sex-age", "contexts", "by-exploitation"):
        fig = june.figure(slug)
        assert all(c.suppressed or c.value == 0 for c in fig.cells + fig.totals), slug
