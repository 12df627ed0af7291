"""The dashboard figures: scoped, filtered and, where needed, suppressed. The page and the API both
come through `dashboard()`.

Where each figure comes from:
- cases (identifications per month by country, by exploitation type, by sex and age band, shares of
  children and smuggled migrants, contexts, caseload per agency): the pre-aggregated
  `stats_caserollup` (stats/models.py, stats/rollups.py), a few tens of thousands of rows at a
  million cases, never the raw case rows;
- referrals (funnel, median time to acceptance, overdue now, cross-border flows) and services
  delivered: live, from their own tables, which hold thousands of rows rather than millions.

Scope: a programme manager or auditor sees the countries of their oversight scope (their agency's
country, or the four programme countries for a regional scope); a supervisor sees their agencies.
Every other role has no dashboard (None from `dashboard_scope`, a 403 for the views).

Suppression: every figure goes through stats.suppression unless the user has identity access to
every counted case, i.e. a supervisor or caseworker whose figures count only their own agencies.

- Counts of cases by month, country and agency (the monthly chart's cells and margins, the
  headline total, caseload per agency) are unions of cells of ONE fixed table, `Dashboard._base()`:
  identifications by month x (country, agency) over every month from the first with data to the
  current month, for the user's scope and the exploitation filter. It does not depend on the date
  range, country or agency requested, so it has one suppression pattern; each requested range,
  country or agency is a slice of it, and a figure is shown only when the suppressed fixed table
  already implies it (SelectionTable / the rule of suppress_selection_2d). Overlapping ranges, or a
  country and its agencies, therefore cannot be differenced into a hidden cell.
- The population total of the filters is computed once (`_total`: the selection rule, then
  safe_difference_guard against the adjacent filter states, which also covers the exploitation
  filter the fixed table does not) and is the grand total of every chart over that population
  (monthly headline, sex x age, contexts, caseload): the same figure with the same decision. Charts
  that partition the population are suppressed with that total as their margin, withheld as a
  hidden cell (with complements) when the headline is withheld.
- Other figures (exploitation types, referrals, services, children and smuggled shares) get primary
  and secondary suppression within their chart; the children and smuggled headlines also the guard.
"""

import calendar
import datetime
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db import connections
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from glo_act.calendars import (
    GREGORIAN,
    GREGORIAN_MIN_TYPED_YEAR,
    SOLAR_HIJRI,
    DateInputError,
    gregorian_to_solar_hijri,
    localise_digits,
    normalise_digits,
    parse_date,
    solar_hijri_to_gregorian,
)
from glo_act.db_router import read_replica
from glo_act.vocabularies import ExploitationType, IdentificationContext, Service
from partners.countries import country_names
from partners.models import Agency
from partners.selectors import user_calendar, user_scope

from . import suppression as sup
from .charts import month_label
from .models import (
    AGE_BANDS,
    ALL,
    CHILD_BANDS,
    NONE_RECORDED,
    SEX_GROUPS,
    CaseRollup,
    RollupState,
    context_column,
    sex_age_column,
)

DEFAULT_MONTHS = 12
MAX_MONTHS = 60
AWAITING = ("origin_focal", "destination_focal", "sent")
FIGURES = [
    "identifications-by-month",
    "by-exploitation",
    "by-sex-age",
    "contexts",
    "referral-funnel",
    "cross-border-flows",
    "caseload",
    "services",
]


# ------------------------------------------------------------------------------------------------
# Scope and filters
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DashboardScope:
    countries: frozenset[str]  # oversight (pseudonymous) countries
    agency_ids: frozenset[int]  # supervised agencies
    identity_agency_ids: frozenset[int]  # agencies whose cases the user sees with identity
    can_drill_down: bool


def dashboard_scope(user) -> DashboardScope | None:
    """What the user's dashboard counts; None when the user has no dashboard."""
    scope = user_scope(user)
    if not (scope.oversight_country_codes or scope.supervisor_agency_ids):
        return None
    return DashboardScope(
        countries=frozenset(scope.oversight_country_codes),
        agency_ids=frozenset(scope.supervisor_agency_ids),
        identity_agency_ids=frozenset(scope.case_agency_ids),
        # Supervisors see their agency's cases, oversight roles a pseudonymous case list: both may
        # follow a figure to the (already scoped) case list.
        can_drill_down=scope.has_case_access or scope.is_oversight,
    )


def _month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _add_months(month: datetime.date, n: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


def _month_end(month: datetime.date) -> datetime.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


_MONTH = re.compile(r"^(\d{4})\s*[-/.\u060d\u066b\u2215]\s*(\d{1,2})$")
# Bidi marks a phone keyboard or a copied date may carry.
_INVISIBLE = dict.fromkeys(map(ord, "\u200e\u200f\u061c\u200c\u200d\u202a\u202b\u202c\u2066\u2067\u2068\u2069"))


def _parse_month(value: str | None) -> datetime.date | None:
    """The first day of the Gregorian month typed as "2026-04" (any digits, "-" or "/"), or None.

    The rollups count Gregorian months. A Solar Hijri month ("1405/01", "۱۴۰۵/۰۱": a year below
    calendars.GREGORIAN_MIN_TYPED_YEAR) is read as the Gregorian month most of its days fall in, the
    one holding its 15th day (Farvardin 1405 -> April 2026, Dey -> January, Esfand -> March): one
    Solar Hijri month for each Gregorian month, so a range typed either way gives the same figures
    (solar_hijri_month gives the way back). A whole date ("1405/01/20", "2026-04-09") means its month.
    """
    text = normalise_digits((value or "").translate(_INVISIBLE)).strip()
    match = _MONTH.match(text)
    if match:
        year, month = int(match[1]), int(match[2])
        if not 1 <= month <= 12:
            return None
        if year < GREGORIAN_MIN_TYPED_YEAR:
            try:
                day = solar_hijri_to_gregorian(year, month, 15)
            except ValueError:
                return None
            year, month = day.year, day.month
    else:
        try:
            day = parse_date(text, SOLAR_HIJRI)  # both calendars: a Solar Hijri year is below 1700
        except (DateInputError, ValueError):
            return None
        year, month = day.year, day.month
    if not (2000 <= year <= 2100):
        return None
    return datetime.date(year, month, 1)


def solar_hijri_month(month: datetime.date) -> tuple[int, int]:
    """(year, month) of the Solar Hijri month that _parse_month reads as this Gregorian month."""
    sh = gregorian_to_solar_hijri(month.replace(day=10))  # Solar Hijri months begin on the 19th-23rd
    return sh.year, sh.month


def month_input_value(month: datetime.date, calendar: str, language: str | None = None) -> str:
    """The month filter's value as the user types it: "2026-04", or "1405/01" in Solar Hijri digits."""
    if calendar == SOLAR_HIJRI:
        year, m = solar_hijri_month(month)
        return localise_digits(f"{year:04d}/{m:02d}", language)
    return month.strftime("%Y-%m")


@dataclass(frozen=True)
class Filters:
    month_from: datetime.date
    month_to: datetime.date
    country: str = ""
    agency: str = ""  # short name, as the case list filters
    exploitation: str = ""
    errors: tuple = ()

    @property
    def months(self) -> list[datetime.date]:
        out, month = [], self.month_from
        while month <= self.month_to:
            out.append(month)
            month = _add_months(month, 1)
        return out

    def as_params(self) -> dict:
        params = {"from": self.month_from.strftime("%Y-%m"), "to": self.month_to.strftime("%Y-%m")}
        for key, value in (
            ("country", self.country),
            ("agency", self.agency),
            ("exploitation_type", self.exploitation),
        ):
            if value:
                params[key] = value
        return params


def parse_filters(params, today: datetime.date | None = None, calendar: str = GREGORIAN) -> Filters:
    """Filters from a query string: from/to as YYYY-MM (default: the last 12 months; see _parse_month
    for the digits and Solar Hijri months it also reads), country (ISO code), agency (short name),
    exploitation_type. A value outside the user's scope is kept as given: it matches nothing, so the
    figures come back empty rather than an error telling what exists. `calendar` only picks the
    example the error messages give."""
    today = today or timezone.localdate()
    errors = []
    solar = calendar == SOLAR_HIJRI
    month_to = _parse_month(params.get("to"))
    if params.get("to") and month_to is None:
        errors.append(_("The end month must look like %(example)s.") % {"example": "1405/12" if solar else "2026-03"})
    month_to = month_to or _month_start(today)
    month_from = _parse_month(params.get("from"))
    if params.get("from") and month_from is None:
        example = "1405/01" if solar else "2026-01"
        errors.append(_("The start month must look like %(example)s.") % {"example": example})
    month_from = month_from or _add_months(month_to, -(DEFAULT_MONTHS - 1))
    if month_from > month_to:
        month_from, month_to = month_to, month_from
    if _add_months(month_from, MAX_MONTHS - 1) < month_to:
        month_from = _add_months(month_to, -(MAX_MONTHS - 1))
        errors.append(_("At most %(n)s months at a time: the range was shortened.") % {"n": MAX_MONTHS})
    return Filters(
        month_from=month_from,
        month_to=month_to,
        country=(params.get("country") or "").strip().upper()[:2],
        agency=(params.get("agency") or "").strip()[:30],
        exploitation=(params.get("exploitation_type") or "").strip()[:40],
        errors=tuple(errors),
    )


# ------------------------------------------------------------------------------------------------
# Figures
# ------------------------------------------------------------------------------------------------


@dataclass
class Cell:
    keys: dict
    value: object  # an int, or sup.SUPPRESSED
    link: str = ""

    @property
    def suppressed(self) -> bool:
        return sup.is_suppressed(self.value)

    @property
    def number(self) -> int | None:
        return None if self.suppressed else self.value

    @property
    def display(self) -> str:
        return sup.display(self.value) if self.suppressed else f"{self.value:,}"


@dataclass
class Figure:
    slug: str
    title: str
    dimensions: list[str]
    labels: dict  # dimension -> {code: label}
    cells: list[Cell] = field(default_factory=list)
    totals: list[Cell] = field(default_factory=list)  # keys: a subset of the dimensions; {} = grand total
    measures: dict = field(default_factory=dict)  # name -> Cell (a headline figure), or a plain value
    note: str = ""

    # Helpers for the templates (a 2-D figure is rows = dimensions[0], columns = dimensions[1]).
    def codes(self, dim: str) -> list:
        return list(self.labels[dim])

    def cell(self, *codes) -> Cell | None:
        key = dict(zip(self.dimensions, codes, strict=True))
        return self._index().get(tuple(key.items()))

    def total(self, **keys) -> Cell | None:
        for cell in self.totals:
            if cell.keys == keys:
                return cell
        return None

    def _index(self) -> dict:
        if not hasattr(self, "_cache"):
            self._cache = {tuple(c.keys.items()): c for c in self.cells}
        return self._cache

    def rows(self) -> list[dict]:
        rows_dim = self.dimensions[0]
        if len(self.dimensions) == 1:
            return [{"code": c.keys[rows_dim], "label": self.labels[rows_dim][c.keys[rows_dim]], "cell": c}
                    for c in self.cells]  # fmt: skip
        cols_dim = self.dimensions[1]
        return [
            {
                "code": r,
                "label": label,
                "cells": [self.cell(r, c) for c in self.labels[cols_dim]],
                "total": self.total(**{rows_dim: r}),
            }
            for r, label in self.labels[rows_dim].items()
        ]

    def columns(self) -> list[dict]:
        cols_dim = self.dimensions[1]
        return [
            {"code": c, "label": label, "total": self.total(**{cols_dim: c})}
            for c, label in self.labels[cols_dim].items()
        ]

    @property
    def grand_total(self) -> Cell | None:
        return self.total()

    @property
    def empty(self) -> bool:
        return not any(c.suppressed or c.value for c in self.cells)

    @property
    def max_value(self) -> int:
        values = [c.value for c in self.cells if not c.suppressed]
        return max(values, default=0)


class Dashboard:
    """All figures for one user and one set of filters. Every query is a fixed one: the number of
    queries does not grow with the number of cases, agencies or months."""

    def __init__(self, user, params, *, scope: DashboardScope | None = None, today=None):
        self.user = user
        self.scope = scope or dashboard_scope(user)
        if self.scope is None:
            raise PermissionError("This user has no dashboard.")
        self.today = today or timezone.localdate()
        self.calendar = user_calendar(user)
        self.filters = parse_filters(params, today=today, calendar=self.calendar)
        self.threshold = sup_threshold()
        # The rollups, referrals and services are read from one database for the whole page: the
        # streaming replica when it is fresh enough, else the primary (glo_act/db_router.py). The
        # scope and the agency names come from the primary, like every permission check.
        self.db = read_replica()
        self._load_names()
        self.suppress = self._needs_suppression()

    # -------------------------------------------------------------- scope, names, suppression
    def _load_names(self):
        s, f = self.scope, self.filters
        q = Q(id__in=sorted(s.agency_ids))
        if s.countries:
            q |= Q(country_id__in=sorted(s.countries))
        agencies = list(
            Agency.objects.filter(q).values_list("id", "short_name", "name", "country_id", "country__name")
            .order_by("country__sort_order", "short_name")
        )  # fmt: skip
        self.agencies = {a[0]: {"short_name": a[1], "name": a[2], "country": a[3]} for a in agencies}
        self.country_names = country_names()
        countries = {c: self.country_names.get(c, c) for c in s.countries}
        for _id, _short, _name, code, name in agencies:
            if _id in s.agency_ids:
                countries.setdefault(code, name)
        order = {c: i for i, (_a, _s, _n, c, _cn) in reversed(list(enumerate(agencies)))}
        self.countries = dict(sorted(countries.items(), key=lambda kv: (order.get(kv[0], 99), kv[1])))
        # The agency filter, resolved within the scope only (-1 matches nothing).
        self.agency_id = None
        if f.agency:
            self.agency_id = next((i for i, a in self.agencies.items() if a["short_name"] == f.agency), -1)

    def _needs_suppression(self) -> bool:
        """Unsuppressed only when every counted case belongs to an agency whose cases the user sees
        with identity: a supervisor's (or caseworker's) own agencies, and nothing else."""
        s = self.scope
        if self.agency_id is not None:
            counted = {self.agency_id} if self.agency_id != -1 else set()
        elif s.countries:
            return True
        else:
            counted = {
                i
                for i in s.agency_ids
                if not self.filters.country or self.agencies[i]["country"] == self.filters.country
            }
        return not counted <= s.identity_agency_ids

    @property
    def out_of_scope(self) -> bool:
        """A country or agency filter outside the user's scope: every figure is empty."""
        return bool(self.filters.country and self.filters.country not in self.countries) or self.agency_id == -1

    @property
    def country_choices(self):
        return list(self.countries.items())

    @property
    def agency_choices(self):
        return [(a["short_name"], f"{a['short_name']} · {a['name']}") for a in self.agencies.values()]

    # -------------------------------------------------------------- rollup querysets
    def _rollups(self, *, agency=True, exploitation=True, months=True, country=True):
        s, f = self.scope, self.filters
        q = Q(agency_id__in=sorted(s.agency_ids))
        if s.countries:
            q |= Q(country_id__in=sorted(s.countries))
        qs = CaseRollup.objects.using(self.db).filter(q)
        if self.out_of_scope:
            qs = qs.filter(agency_id=-1)  # nothing (still one query: the page's cost stays the same)
        if months:
            qs = qs.filter(month__gte=f.month_from, month__lte=f.month_to)
        if country and f.country:
            qs = qs.filter(country_id=f.country)
        if agency and self.agency_id is not None:
            qs = qs.filter(agency_id=self.agency_id)
        if exploitation is True:
            qs = qs.filter(exploitation=f.exploitation or ALL)
        return qs

    # -------------------------------------------------------------- suppression helpers
    def _one_d(self, counts: dict, *, total=None, overlapping=False) -> tuple[dict, object]:
        """A 1-D chart of live counts (referrals, services), suppressed within itself."""
        counts = {k: int(v or 0) for k, v in counts.items()}
        total = sum(counts.values()) if total is None else max(int(total or 0), sum(counts.values()))
        if not self.suppress:
            return counts, total
        out = sup.suppress_1d(counts, total=total, overlapping=overlapping)
        return out["cells"], out["total"]

    def _two_d(self, table: dict, rows: list, cols: list):
        """A 2-D chart of live counts (cross-border flows), suppressed within itself."""
        row_totals = {r: sum(table.get((r, c), 0) for c in cols) for r in rows}
        col_totals = {c: sum(table.get((r, c), 0) for r in rows) for c in cols}
        full = {(r, c): int(table.get((r, c)) or 0) for r in rows for c in cols}
        grand = sum(full.values())
        if not self.suppress:
            return full, row_totals, col_totals, grand
        out = sup.suppress_2d(full, row_totals=row_totals, col_totals=col_totals, grand_total=grand)
        return out["cells"], out["row_totals"], out["col_totals"], out["grand_total"]

    def _guard(self, value, neighbours: list):
        if not self.suppress:
            return value
        if sup.is_suppressed(value):
            return value
        return sup.safe_difference_guard(value, [n for n in neighbours if n is not None])

    def _case_link(self, *, month=None, country=None, exploitation=None, agency=None, child=None) -> str:
        if not self.scope.can_drill_down:
            return ""
        f = self.filters
        params = {
            "opened_after": (month or f.month_from).isoformat(),
            "opened_before": _month_end(month or f.month_to).isoformat(),
        }
        if country or f.country:
            params["country"] = country or f.country
        if agency is not False and (agency or f.agency):
            params["agency"] = agency or f.agency
        expl = exploitation or f.exploitation
        if expl and expl not in (ALL, NONE_RECORDED):
            params["exploitation_type"] = expl
        if child is not None:
            params["is_child"] = "true" if child else "false"
        return reverse("case_list") + "?" + urlencode(params)

    def _cell(self, keys, value, link="") -> Cell:
        suppressed = sup.is_suppressed(value)
        return Cell(keys, value, "" if suppressed or not value else link)

    # -------------------------------------------------------------- case figures
    #
    # Every count of cases below is a union of cells of ONE fixed table, `_base()`: identifications by
    # month x (country, agency), over every month from the first with data to the current month, for
    # the user's scope and the exploitation filter. The date range, the country and the agency chosen
    # only pick cells of it, and a figure is shown only if the suppressed fixed table already implies
    # it (stats.suppression.SelectionTable, the rule of suppress_selection_2d). So two overlapping
    # ranges, or a country and one of its agencies, can no longer be differenced: they are slices of
    # one pattern, not tables suppressed each on its own. The population total of the filters is
    # computed once (`_total`) and is the grand total of every chart over that population.

    def _shared(self, name: str, compute):
        """A value that depends on the scope, the exploitation filter, today and the rollups, but not
        on the range, country or agency chosen (the fixed table, the breakdown sources): computed
        once per rollup rebuild and shared through the cache by every request with the same scope.
        The key holds the rollup's rebuild time, so a rebuild is a new key, never a stale figure."""
        import hashlib

        from django.core.cache import cache

        state = self.rollup_state
        if state is None:
            return compute()
        s = self.scope
        ident = repr((name, state.rebuilt_at.isoformat(), sorted(s.countries), sorted(s.agency_ids),
                      self.out_of_scope, self.filters.exploitation, self.today.isoformat(), self.suppress))  # fmt: skip
        key = "stats:shared:" + hashlib.sha256(ident.encode()).hexdigest()
        value = cache.get(key)
        if value is None:
            value = compute()
            cache.set(key, value, timeout=3600)
        return value

    def _base(self) -> dict:
        """The fixed table (raw counts per measure) and its suppression pattern; one query, shared."""
        if not hasattr(self, "_base_cache"):
            self._base_cache = self._shared("base", self._compute_base)
        return self._base_cache

    def _compute_base(self) -> dict:
        rows = list(
            self._rollups(agency=False, months=False, country=False)
            .values_list("month", "country_id", "agency_id")
            .annotate(t_n=Sum("n"), t_children=Sum("children"), t_smuggled=Sum("smuggled"), t_active=Sum("active"))
        )  # fmt: skip
        base = {"n": {}, "children": {}, "smuggled": {}, "active": {}}
        for m, c, a, *values in rows:
            for name, v in zip(("n", "children", "smuggled", "active"), values, strict=True):
                base[name][(m, (c, a))] = int(v or 0)
        base["columns"] = sorted({(c, a) for _m, c, a, *_v in rows})
        months = []
        if rows:
            month, last = min(r[0] for r in rows), max(max(r[0] for r in rows), _month_start(self.today))
            while month <= last:
                months.append(month)
                month = _add_months(month, 1)
        base["months"] = months
        table = {(m, col): base["n"].get((m, col), 0) for m in months for col in base["columns"]}
        base["selection"] = sup.SelectionTable(table) if self.suppress and table else None
        if base["selection"] is not None:
            base["selection"].figure([])  # build its graph now, so that the cached copy holds it
        return base

    def _columns(self, *, agency=True, country=None) -> list:
        """The (country, agency) columns of the fixed table that the country (and agency) filter picks;
        ``country`` stands in for the country filter."""
        country = country or self.filters.country
        return [
            (c, a)
            for c, a in self._base()["columns"]
            if (not country or c == country) and (not agency or self.agency_id is None or a == self.agency_id)
        ]

    def _raw(self, months, columns, measure="n") -> int:
        values = self._base()[measure]
        return sum(values.get((m, col), 0) for m in months for col in columns)

    def _select(self, months, columns):
        """The figure for a selection of the fixed table: raw, or shown only if the table implies it."""
        base = self._base()
        if not self.suppress:
            return self._raw(months, columns)
        known = set(base["months"])
        cells = [(m, col) for m in months if m in known for col in columns]
        return base["selection"].figure(cells) if base["selection"] is not None else 0

    def _all_types(self) -> dict:
        """Raw counts of every exploitation type in the range per (country, agency), for the guard's
        "all types instead of one" neighbour; one query, only with an exploitation filter."""
        if not hasattr(self, "_all_types_cache"):
            rows = (
                self._rollups(agency=False, exploitation=False).filter(exploitation=ALL)
                .values_list("country_id", "agency_id").annotate(t_n=Sum("n"))
            )  # fmt: skip
            self._all_types_cache = {(c, a): int(n or 0) for c, a, n in rows}
        return self._all_types_cache

    def _neighbours(self, columns, *, agency_chosen, country) -> list[int]:
        """Raw figures of the adjacent filter states, for safe_difference_guard (defence in depth on
        top of the selection rule; it also covers the exploitation filter, which the fixed table does
        not): the range one month longer or shorter at either end, the agency's whole country instead
        of the agency, each agency of the chosen country, every exploitation type instead of one."""
        f = self.filters
        months = f.months
        before, after = _add_months(months[0], -1), _add_months(months[-1], 1)
        out = [self._raw([before, *months], columns), self._raw([*months, after], columns)]
        if len(months) > 1:
            out += [self._raw(months[1:], columns), self._raw(months[:-1], columns)]
        if agency_chosen:
            out.append(self._raw(months, self._columns(agency=False, country=country)))
        elif country:
            for agency in dict.fromkeys(a for _c, a in columns):
                out.append(self._raw(months, [col for col in columns if col[1] == agency]))
        if f.exploitation:
            all_types = self._all_types()
            out.append(sum(all_types.get(col, 0) for col in columns))
        return out

    def _total(self, *, agency=True, country=None) -> tuple[int, object]:
        """(raw, shown) population total of the filters (without the agency filter if agency=False;
        ``country`` for the country filter): the selection rule, then the guard. Computed once per
        filter state, and every chart's grand total over that population is this figure."""
        cache = self.__dict__.setdefault("_total_cache", {})
        agency = agency and self.agency_id is not None
        country = country or self.filters.country
        if (agency, country) not in cache:
            columns = self._columns(agency=agency, country=country)
            raw = self._raw(self.filters.months, columns)
            shown = self._select(self.filters.months, columns)
            if self.suppress and not sup.is_suppressed(shown):
                shown = self._guard(shown, self._neighbours(columns, agency_chosen=agency, country=country))
            cache[(agency, country)] = (raw, shown)
        return cache[(agency, country)]

    def identifications_by_month(self) -> Figure:
        f = self.filters
        months = f.months
        columns = self._columns()
        present = {c for m in months for c, a in columns if self._base()["n"].get((m, (c, a)))}
        countries = list(self.countries) + sorted(present - set(self.countries))  # a case identified elsewhere
        if f.country:
            countries = [f.country] if f.country in countries else []
        by_country = {c: [col for col in columns if col[0] == c] for c in countries}
        shown_columns = [col for c in countries for col in by_country[c]]
        labels = {
            "month": {m: month_label(m) for m in months},  # Gregorian, in the active language
            "country": {c: self.country_names.get(c, c) for c in countries},
        }
        fig = Figure(
            "identifications-by-month", _("Identifications per month, by country"), ["month", "country"], labels
        )
        fig.cells = [
            self._cell(
                {"month": m, "country": c}, self._select([m], by_country[c]), self._case_link(month=m, country=c)
            )
            for m in months
            for c in countries
        ]
        fig.totals = [
            self._cell({"month": m}, self._select([m], shown_columns), self._case_link(month=m)) for m in months
        ]
        fig.totals += [
            self._cell({"country": c}, self._select(months, by_country[c]), self._case_link(country=c))
            for c in countries
        ]
        # Headlines: the population total (shared by every chart), children and smuggled migrants,
        # the last two from the breakdown tables (see _breakdown) over the breakdowns' population.
        _raw_total, total = self._total()
        breakdown_total = self._breakdown_total()
        where = {"agency": False, "country": self._breakdown_country} if self.breakdown_by_country else {}
        sexes = [s for s, _l, _v in SEX_GROUPS]
        child_cols = [(s, b) for s in sexes for b in CHILD_BANDS]
        adult_cols = [(s, b) for s in sexes for b in AGE_BANDS if b not in CHILD_BANDS]
        headline = {
            "children": self._breakdown("sex_age", child_cols),
            "adults": self._breakdown("sex_age", adult_cols),
            "smuggled": self._breakdown("smuggled", ["smuggled"]),
            "not_smuggled": self._breakdown("smuggled", ["not_smuggled"]),
        }
        fig.measures = {
            "total": self._cell({}, total, self._case_link()),
            "children": self._cell({}, headline["children"], self._case_link(child=True, **where)),
            "adults": self._cell({}, headline["adults"]),
            "smuggled": self._cell({}, headline["smuggled"]),
            "not_smuggled": self._cell({}, headline["not_smuggled"]),
            "breakdown_total": self._cell({}, breakdown_total),
            "children_share": _share(headline["children"], breakdown_total),
            "smuggled_share": _share(headline["smuggled"], breakdown_total),
        }
        return fig

    # -------------------------------------------------------------- breakdowns
    #
    # Sex x age band, contexts, smuggled or not (and children, a selection of sex x age) and
    # exploitation types. For a role with case access to every counted case they are plain sums over
    # the filters. Otherwise each is a RowLinesTable of (month, country) x category over every month
    # of the fixed table, whose row totals are that table's (month, country) figures: a date range or
    # a country is a selection of rows, shown only when the published rows imply it, so overlapping
    # ranges or a country and the region cannot be differenced into a hidden cell, and a month the
    # fixed table withholds is withheld in every breakdown too. Their grain is the country: with an
    # agency filter the breakdowns stay country-wide (by agency and category they would be counts of
    # a handful of people; the caseload chart is the agency view). The exploitation filter picks
    # another slice of the rollup, so it is covered by the guard against all types, as in _total.

    @property
    def breakdown_by_country(self) -> bool:
        """The breakdowns ignore the agency filter (suppressed roles only)."""
        return self.suppress and self.agency_id is not None

    @property
    def _breakdown_country(self) -> str:
        """The country the breakdowns count: the country filter, or the chosen agency's country."""
        if self.breakdown_by_country and self.agency_id != -1:
            return self.filters.country or self.agencies[self.agency_id]["country"]
        return self.filters.country

    def _raw_categories(self, kind: str) -> dict:
        """Raw category counts over the filters, agency included (roles that see every counted case);
        one query for all measure breakdowns, one for exploitation types."""
        if kind == "exploitation":
            if not hasattr(self, "_raw_types"):
                rows = (self._rollups(exploitation=False).exclude(exploitation=ALL).values_list("exploitation")
                        .annotate(t_n=Sum("n"), t_children=Sum("children")))  # fmt: skip
                self._raw_types = _type_categories((e, n, ch) for e, n, ch in rows)
            return self._raw_types
        if not hasattr(self, "_sums"):
            self._sums = self._rollups().aggregate(**_breakdown_aggregates())
        return _categories(kind, self._sums)

    def _breakdown_source(self, kind: str, *, all_types=False) -> dict:
        """Raw category counts per (month, country) over every month, for the scope and the
        exploitation filter (or every type); one query for the measure breakdowns, one for types."""
        cache = self.__dict__.setdefault("_breakdown_cache", {})
        key = "exploitation" if kind == "exploitation" else all_types
        if key not in cache:
            cache[key] = self._shared(f"breakdown:{key}", lambda: self._compute_breakdown_source(kind, all_types))
        if kind == "exploitation":
            return cache[key]
        converted = self.__dict__.setdefault("_breakdown_categories", {})
        if (kind, all_types) not in converted:
            converted[(kind, all_types)] = {row: _categories(kind, sums) for row, sums in cache[key].items()}
        return converted[(kind, all_types)]

    def _compute_breakdown_source(self, kind: str, all_types: bool) -> dict:
        if kind == "exploitation":
            qs = self._rollups(agency=False, months=False, country=False, exploitation=False)
            rows = (qs.exclude(exploitation=ALL).values_list("month", "country_id", "exploitation")
                    .annotate(t_n=Sum("n"), t_children=Sum("children")))  # fmt: skip
            grouped = {}
            for m, c, e, n, ch in rows:
                grouped.setdefault((m, c), []).append((e, n, ch))
            return {row: _type_categories(types) for row, types in grouped.items()}
        qs = self._rollups(agency=False, months=False, country=False, exploitation=not all_types)
        if all_types:
            qs = qs.filter(exploitation=ALL)
        aggregates = _breakdown_aggregates()
        rows = qs.values_list("month", "country_id").annotate(**aggregates)
        return {(m, c): dict(zip(aggregates, values, strict=True)) for m, c, *values in rows}

    def _breakdown_rows(self) -> list:
        """The (month, country) rows the filters select (months of the range, the chosen country)."""
        if not hasattr(self, "_breakdown_rows_cache"):
            countries = sorted({c for _m, c in self._breakdown_source("sex_age")})
            if self._breakdown_country:
                countries = [c for c in countries if c == self._breakdown_country]
            self._breakdown_rows_cache = [(m, c) for m in self.filters.months for c in countries]
        return self._breakdown_rows_cache

    def _breakdown_table(self, kind: str) -> sup.RowLinesTable:
        cache = self.__dict__.setdefault("_breakdown_tables", {})
        if kind not in cache:
            source = self._breakdown_source(kind)
            table = {(row, col): n for row, values in source.items() for col, n in values.items()}
            if kind == "exploitation":
                cache[kind] = sup.RowLinesTable(table, None)
            else:
                by_country = {}
                for col in self._base()["columns"]:
                    by_country.setdefault(col[0], []).append(col)
                totals = {(m, c): self._select([m], by_country.get(c, [])) for m, c in source}
                cache[kind] = sup.RowLinesTable(table, totals)
        return cache[kind]

    def _breakdown(self, kind: str, cols: list):
        """One breakdown figure: the sum of categories ``cols`` over the filters."""
        if not self.suppress:
            values = self._raw_categories(kind)
            return sum(values.get(c, 0) for c in cols)
        rows = self._breakdown_rows()
        value = self._breakdown_table(kind).figure([(r, c) for r in rows for c in cols])
        if kind != "exploitation" and self.filters.exploitation and not sup.is_suppressed(value):
            every_type = self._breakdown_source(kind, all_types=True)
            neighbour = sum(every_type.get(r, {}).get(c, 0) for r in rows for c in cols)
            value = sup.safe_difference_guard(value, [neighbour])
        return value

    def _breakdown_present(self, kind: str) -> dict:
        """Raw totals of each category over the filters, to list the categories that occur."""
        if not self.suppress:
            return self._raw_categories(kind)
        source, out = self._breakdown_source(kind), {}
        for r in self._breakdown_rows():
            for col, n in source.get(r, {}).items():
                out[col] = out.get(col, 0) + n
        return out

    def _breakdown_total(self):
        """The population of the breakdowns: the shared total, without the agency when they are
        country-wide."""
        if self.breakdown_by_country:
            return self._total(agency=False, country=self._breakdown_country)[1]
        return self._total()[1]

    @property
    def breakdown_country_name(self) -> str:
        return self.country_names.get(self._breakdown_country, self._breakdown_country)

    def _breakdown_note(self) -> str:
        if not self.breakdown_by_country:
            return ""
        where = self.country_names.get(self._breakdown_country, self._breakdown_country)
        return _("Shown for the whole of %(country)s, not for %(agency)s alone: by agency these counts would "
                 "describe a handful of people.") % {"country": where, "agency": self.filters.agency}  # fmt: skip

    def by_exploitation(self) -> Figure:
        """Cases by exploitation type. A case with several types counts once under each, so the bars
        add up to more than the total (no line to protect: each figure is shown iff it holds no small
        cell); the exploitation filter highlights a bar, it does not filter."""
        labels = {v: str(label) for v, label in ExploitationType.choices}
        labels[NONE_RECORDED] = _("No type recorded")
        present = self._breakdown_present("exploitation")
        counts = {c: present.get((c, "child"), 0) + present.get((c, "adult"), 0) for c in labels}
        codes = sorted((c for c in labels if counts[c]), key=lambda c: (c == NONE_RECORDED, -counts[c]))
        note = _("A case with several types of exploitation counts under each of them.")
        fig = Figure(
            "by-exploitation", _("By exploitation type"), ["exploitation_type", "group"],
            {"exploitation_type": {c: labels[c] for c in codes},
             "group": {"all": _("All ages"), "children": _("Children")}},
            note=" ".join(filter(None, [note, self._breakdown_note()])),
        )  # fmt: skip
        where = {"agency": False, "country": self._breakdown_country} if self.breakdown_by_country else {}
        for c in codes:
            every = self._breakdown("exploitation", [(c, "child"), (c, "adult")])
            kids = self._breakdown("exploitation", [(c, "child")])
            fig.cells.append(
                self._cell({"exploitation_type": c, "group": "all"}, every, self._case_link(exploitation=c, **where))
            )
            fig.cells.append(
                self._cell({"exploitation_type": c, "group": "children"}, kids,
                           self._case_link(exploitation=c, child=True, **where))
            )  # fmt: skip
        return fig

    def by_sex_age(self) -> Figure:
        sexes = [s for s, _l, _v in SEX_GROUPS]
        labels = {"sex": {s: str(label) for s, label, _v in SEX_GROUPS},
                  "age_band": {b: (_("Age unknown") if b == "unknown" else b) for b in AGE_BANDS}}  # fmt: skip
        note = _("CTDC age bands, age at identification. An unknown age is presumed a child.")
        fig = Figure(
            "by-sex-age", _("By sex and age band"), ["sex", "age_band"], labels,
            note=" ".join(filter(None, [note, self._breakdown_note()])),
        )  # fmt: skip
        fig.cells = [self._cell({"sex": s, "age_band": b}, self._breakdown("sex_age", [(s, b)]))
                     for s in sexes for b in AGE_BANDS]  # fmt: skip
        fig.totals = [self._cell({"sex": s}, self._breakdown("sex_age", [(s, b) for b in AGE_BANDS])) for s in sexes]
        fig.totals += [
            self._cell({"age_band": b}, self._breakdown("sex_age", [(s, b) for s in sexes])) for b in AGE_BANDS
        ]
        fig.totals.append(self._cell({}, self._breakdown_total()))
        return fig

    def contexts(self) -> Figure:
        labels = {v: str(label) for v, label in IdentificationContext.choices}
        labels[NONE_RECORDED] = _("Not recorded")
        present = self._breakdown_present("contexts")
        codes = sorted((v for v in labels if present.get(v)), key=lambda v: (v == NONE_RECORDED, -present[v]))
        fig = Figure(
            "contexts", _("Contexts of identification"), ["context"], {"context": {v: labels[v] for v in codes}},
            note=self._breakdown_note(),
        )  # fmt: skip
        fig.cells = [self._cell({"context": v}, self._breakdown("contexts", [v])) for v in codes]
        fig.totals = [self._cell({}, self._breakdown_total())]
        return fig

    def caseload(self) -> Figure:
        """Cases per owning agency (opened in the range), and of them still open. The agency filter
        highlights an agency's bar, it does not hide the others: the chart is over the population
        without the agency filter, each bar a selection of the fixed table and the total that
        population's shared total (_total)."""
        months = self.filters.months
        columns = self._columns(agency=False)
        by_agency = {i: [col for col in columns if col[1] == i] for i in self.agencies}
        rows = {i: (self._raw(months, cols), self._raw(months, cols, "active")) for i, cols in by_agency.items()}
        ids = [i for i in sorted(rows, key=lambda i: -rows[i][0]) if rows[i][0]]
        cells = {i: self._select(months, by_agency[i]) for i in ids}
        _raw_total, total = self._total(agency=False)
        open_cells, open_total = self._one_d({i: rows[i][1] for i in ids})
        fig = Figure(
            "caseload", _("Caseload per agency"), ["agency", "measure"],
            {"agency": {self.agencies[i]["short_name"]: self.agencies[i]["name"] for i in ids},
             "measure": {"opened": _("Opened in the period"), "open": _("Still open")}},
        )  # fmt: skip
        for i in ids:
            short = self.agencies[i]["short_name"]
            fig.cells.append(
                self._cell({"agency": short, "measure": "opened"}, cells[i], self._case_link(agency=short))
            )
            fig.cells.append(self._cell({"agency": short, "measure": "open"}, open_cells[i]))
        fig.totals = [self._cell({"measure": "opened"}, total), self._cell({"measure": "open"}, open_total)]
        return fig

    # -------------------------------------------------------------- referrals and services (live)
    def _range(self):
        f = self.filters
        tz = timezone.get_current_timezone()
        start = datetime.datetime.combine(f.month_from, datetime.time.min, tzinfo=tz)
        end = datetime.datetime.combine(_add_months(f.month_to, 1), datetime.time.min, tzinfo=tz)
        return start, end

    def _referral_where(self) -> tuple[str, list]:
        s, f = self.scope, self.filters
        where = ["(fa.country_id = ANY(%s) OR r.to_country_id = ANY(%s) OR r.from_agency_id = ANY(%s)"
                 " OR r.to_agency_id = ANY(%s))"]  # fmt: skip
        params = [sorted(s.countries), sorted(s.countries), sorted(s.agency_ids), sorted(s.agency_ids)]
        if self.out_of_scope:
            where.append("FALSE")
        if f.country:
            where.append("(fa.country_id = %s OR r.to_country_id = %s)")
            params += [f.country, f.country]
        if self.agency_id is not None:
            where.append("(r.from_agency_id = %s OR r.to_agency_id = %s)")
            params += [self.agency_id, self.agency_id]
        if f.exploitation:
            where.append("c.exploitation_types @> ARRAY[%s]::varchar[]")
            params.append(f.exploitation)
        return " AND ".join(where), params

    def referral_funnel(self) -> Figure:
        where, params = self._referral_where()
        start, end = self._range()
        sql = f"""
            SELECT count(*) FILTER (WHERE in_range),
                   count(*) FILTER (WHERE in_range AND accepted),
                   count(*) FILTER (WHERE in_range AND r.state = 'declined'),
                   count(*) FILTER (WHERE in_range AND r.state = 'completed'),
                   count(*) FILTER (WHERE in_range AND r.state = 'expired'),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM r.responded_at - r.sent_at))
                       FILTER (WHERE in_range AND accepted),
                   count(*) FILTER (WHERE r.state IN ('origin_focal', 'destination_focal', 'sent')
                                    AND r.response_deadline < now())
            FROM referrals_referral r
            JOIN partners_agency fa ON fa.id = r.from_agency_id
            JOIN cases_case c ON c.id = r.case_id
            CROSS JOIN LATERAL (SELECT r.sent_at >= %s AND r.sent_at < %s AS in_range,
                                       r.responded_at IS NOT NULL AND r.state <> 'declined' AS accepted) x
            WHERE r.sent_at IS NOT NULL AND {where}
        """  # noqa: S608 - only placeholders are interpolated
        with connections[self.db].cursor() as cur:
            cur.execute(sql, [start, end, *params])
            sent, accepted, declined, completed, expired, median, overdue = cur.fetchone()
        labels = {"sent": _("Sent"), "accepted": _("Accepted"), "declined": _("Declined"),
                  "completed": _("Completed"), "expired": _("Expired (no answer in time)")}  # fmt: skip
        counts = {"sent": sent, "accepted": accepted, "declined": declined, "completed": completed, "expired": expired}
        # Stages overlap (accepted includes completed), so there is no total to protect; each stage is
        # suppressed on its own and the smallest others with it.
        cells, _t = self._one_d(counts, total=sent, overlapping=True)
        fig = Figure(
            "referral-funnel", _("Referral funnel"), ["stage"], {"stage": labels},
            note=_("Referrals sent in the period, by how far they got. Accepted includes those completed since."),
        )  # fmt: skip
        fig.cells = [self._cell({"stage": k}, cells[k]) for k in labels]
        overdue_cells, _t = self._one_d({"overdue": overdue})
        median_days = None if median is None else round(median / 86400, 1)
        if self.suppress and (sup.is_suppressed(cells["accepted"]) or accepted < self.threshold):
            median_days = None  # a median of a handful of referrals describes those few people
        fig.measures = {
            "median_days_to_acceptance": median_days,
            "overdue_now": self._cell({}, overdue_cells["overdue"]),
        }
        return fig

    def cross_border_flows(self) -> Figure:
        where, params = self._referral_where()
        start, end = self._range()
        sql = f"""
            SELECT fa.country_id, r.to_country_id, count(*)
            FROM referrals_referral r
            JOIN partners_agency fa ON fa.id = r.from_agency_id
            JOIN cases_case c ON c.id = r.case_id
            WHERE r.is_cross_border AND r.sent_at >= %s AND r.sent_at < %s AND {where}
            GROUP BY 1, 2
        """  # noqa: S608 - only placeholders are interpolated
        with connections[self.db].cursor() as cur:
            cur.execute(sql, [start, end, *params])
            table = {(o, d): n for o, d, n in cur.fetchall()}
        codes = list(self.countries)
        for o, d in table:
            for code in (o, d):
                if code not in codes:
                    codes.append(code)
        names = self.country_names
        cells, row_totals, col_totals, grand = self._two_d(table, codes, codes)
        labels = {"origin": {c: names.get(c, c) for c in codes}, "destination": {c: names.get(c, c) for c in codes}}
        fig = Figure(
            "cross-border-flows", _("Cross-border referrals: origin to destination"), ["origin", "destination"], labels,
            note=_("Cross-border referrals sent in the period, from the sending agency's country to the destination."),
        )  # fmt: skip
        fig.cells = [self._cell({"origin": o, "destination": d}, cells[(o, d)]) for o in codes for d in codes]
        fig.totals = [self._cell({"origin": o}, row_totals[o]) for o in codes]
        fig.totals += [self._cell({"destination": d}, col_totals[d]) for d in codes]
        fig.totals.append(self._cell({}, grand))
        return fig

    def services(self) -> Figure:
        s, f = self.scope, self.filters
        where = ["(c.country_id = ANY(%s) OR c.agency_id = ANY(%s) OR sd.provider_id = ANY(%s))"]
        params = [sorted(s.countries), sorted(s.agency_ids), sorted(s.agency_ids)]
        if self.out_of_scope:
            where.append("FALSE")
        if f.country:
            where.append("c.country_id = %s")
            params.append(f.country)
        if self.agency_id is not None:
            where.append("(c.agency_id = %s OR sd.provider_id = %s)")
            params += [self.agency_id, self.agency_id]
        if f.exploitation:
            where.append("c.exploitation_types @> ARRAY[%s]::varchar[]")
            params.append(f.exploitation)
        sql = f"""
            SELECT sd.service, count(*), count(DISTINCT sd.case_id),
                   count(DISTINCT sd.case_id) FILTER (WHERE c.is_child)
            FROM cases_servicedelivery sd JOIN cases_case c ON c.id = sd.case_id
            WHERE sd.started_on >= %s AND sd.started_on <= %s AND {" AND ".join(where)}
            GROUP BY GROUPING SETS ((sd.service), ())
        """  # noqa: S608 - only placeholders are interpolated
        with connections[self.db].cursor() as cur:
            cur.execute(sql, [f.month_from, _month_end(f.month_to), *params])
            rows = cur.fetchall()
        people = children = 0
        counts = {}
        for service, n, persons, kids in rows:
            if service is None:
                people, children = persons, kids
            else:
                counts[service] = n
        labels = {v: str(label) for v, label in Service.choices}
        counts = dict(sorted(counts.items(), key=lambda kv: -kv[1]))
        cells, total = self._one_d(counts)
        served, _t = self._one_d({"people": people, "children": children}, total=people, overlapping=True)
        fig = Figure(
            "services", _("Services delivered, by type"), ["service"],
            {"service": {k: labels.get(k, k) for k in counts}},
            note=_("Services started in the period, for the cases in scope."),
        )  # fmt: skip
        fig.cells = [self._cell({"service": k}, cells[k]) for k in counts]
        fig.totals = [self._cell({}, total)]
        fig.measures = {"people_served": self._cell({}, served["people"]),
                        "children_served": self._cell({}, served["children"])}  # fmt: skip
        return fig

    # -------------------------------------------------------------- all together
    def figure(self, slug: str) -> Figure:
        return {
            "identifications-by-month": self.identifications_by_month,
            "by-exploitation": self.by_exploitation,
            "by-sex-age": self.by_sex_age,
            "contexts": self.contexts,
            "referral-funnel": self.referral_funnel,
            "cross-border-flows": self.cross_border_flows,
            "caseload": self.caseload,
            "services": self.services,
        }[slug]()

    def all_figures(self) -> dict[str, Figure]:
        return {slug: self.figure(slug) for slug in FIGURES}

    @property
    def rollup_state(self):
        if not hasattr(self, "_rollup_state"):
            # From the same database as the figures, never from the primary: _shared() caches the
            # figures under this rebuild time for an hour. Read on a lagging replica, the primary's
            # newer time would file the replica's older figures under the new rebuild, where every
            # process (on the primary too) would then serve them. Read here first, from the same
            # replica, the time is never newer than the figures read after it (replay only moves
            # forward), so a cached figure is never older than its key.
            self._rollup_state = RollupState.objects.using(self.db).filter(name="cases").first()
        return self._rollup_state


def _breakdown_aggregates() -> dict:
    columns = ["n", "children", "smuggled"]
    columns += [sex_age_column(s, b) for s, _l, _v in SEX_GROUPS for b in AGE_BANDS]
    columns += [context_column(v) for v, _l in IdentificationContext.choices]
    return {f"t_{c}": Sum(c) for c in columns}


_SEX_AGE_KEYS = [((s, b), "t_" + sex_age_column(s, b)) for s, _l, _v in SEX_GROUPS for b in AGE_BANDS]
_CONTEXT_KEYS = [(v, "t_" + context_column(v)) for v, _l in IdentificationContext.choices]


def _categories(kind: str, sums: dict) -> dict:
    """A breakdown's categories from summed rollup measures (keys as _breakdown_aggregates gives
    them, "t_" + column); each partition adds up to the cases counted."""

    def get(column):
        return int(sums.get(f"t_{column}") or 0)

    if kind == "sex_age":
        return {key: int(sums.get(column) or 0) for key, column in _SEX_AGE_KEYS}
    if kind == "contexts":
        out = {v: int(sums.get(column) or 0) for v, column in _CONTEXT_KEYS}
        out[NONE_RECORDED] = get("n") - sum(out.values())
        return out
    if kind == "smuggled":
        return {"smuggled": get("smuggled"), "not_smuggled": get("n") - get("smuggled")}
    raise ValueError(kind)


def _type_categories(rows) -> dict:
    """(type, "child"/"adult") counts from (exploitation type, cases, children) rollup sums."""
    out = {}
    for e, n, children in rows:
        out[(e, "child")] = out.get((e, "child"), 0) + int(children or 0)
        out[(e, "adult")] = out.get((e, "adult"), 0) + int(n or 0) - int(children or 0)
    return out


def _share(part, whole):
    if sup.is_suppressed(part) or sup.is_suppressed(whole) or not whole:
        return None
    return round(100 * part / whole, 1)


def sup_threshold() -> int:
    from django.conf import settings

    return settings.STATS_MIN_CELL
