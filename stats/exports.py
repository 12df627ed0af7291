"""Statistics exports: CTDC records, UNODC GLOTIP counts and HTCDS case records, as CSV or XLSX.

Entry points (the browser views in stats/export_views.py and the API both call these):
- `export_response(user, kind, fmt, params)` -> a FileResponse ready to return;
- `export_file(user, kind, fmt, params)` -> an `ExportFile` (open file, name, content type, record).
Both raise PermissionDenied (role may not export this kind), ValidationError (bad filter) or
Http404 (unknown kind or format). Every export a signed-in user asks for leaves an ExportRecord,
written in the same request, with its outcome: delivered (rows, withheld cells, milliseconds to
build), refused (the role may not have it) or invalid (which filters were wrong).

Who may export what
- CTDC and GLOTIP (de-identified): programme managers and auditors over their oversight countries,
  supervisors over the cases their own agencies own (not cases shared with them). Caseworkers,
  service providers, focal points and administrators without one of those roles are refused:
  published statistics are a management function, and a caseworker already sees their cases.
- HTCDS (identifying): anyone with identity access, over exactly the cases they see with identity
  (owners' staff in a case role, plus cases shared with identity). Everyone else is refused.

What counts (CTDC and GLOTIP): "detected victims" are cases whose current trafficking status is
PossibleVictimOfTrafficking (presumed, reasonable grounds) or ActualVictimOfTrafficking. Cases still
only Screened, and those decided NotAVictimOfTrafficking, are left out. HTCDS exports every case.

One record per case. Year, age and place come from the case's first identification (year of
registration = the year the case was opened, which is the first identification's date); the types
of exploitation, methods of control, industries, sexual exploitation types and recruitment methods
are the union over all identifications of the case; single-valued fields (relationship to recruiter,
industry, decision-making organisation) take the latest non-empty value.

Disclosure control for the de-identified exports
- Filters: only year range and country. Dates are widened to whole calendar years, and the country
  filter selects the registering country (the case's country), so any export is a union of whole
  (country, year) partitions. Agency and exploitation-type filters are refused for these kinds: two
  exports that differ by one agency or one type would reveal the few records in the difference.
- CTDC: k-anonymity (k = STATS_MIN_CELL) over the quasi-identifiers yearOfRegistration, gender,
  ageBroad, citizenship and CountryOfExploitation, decided within each (country, year) partition, so
  that every union of partitions is k-anonymous too. Records in a group smaller than k are
  generalised step by step (age band -> child/adult; then citizenship -> Other; then gender and age
  -> empty) and merged with others of their group at that level; what still falls short of k is
  withheld and counted in ExportRecord.suppressed_count.
- GLOTIP: one table per (country, year), rows = citizenship x sex x age group, columns = form of
  exploitation; counts under STATS_MIN_CELL shown as "<11", with secondary suppression (suppress_2d)
  so that row and column totals cannot give a suppressed cell back.
Both passes of an export read one snapshot (REPEATABLE READ), so the k-anonymity decided in the
first pass holds for the records written in the second.

Formats: CSV is UTF-8 with a byte order mark (Excel then reads Persian and Arabic); XLSX is written by
openpyxl in write-only mode. In both, a text cell that starts with = + - @ tab or carriage return
gets a leading apostrophe, and XLSX cells are never formulas. Files are built in a spooled temporary
file (memory-bounded: rows are read with .values().iterator(chunk_size=5000)) and then streamed.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import io
import itertools
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, router, transaction
from django.db.models import Q
from django.http import FileResponse, Http404
from django.utils import translation
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from audit.services import access_record  # audit (issue 5)
from cases.models import Case, Identification
from cases.selectors import case_visible_to, identity_q
from glo_act.db_router import read_replica
from glo_act.vocabularies import (
    AGENCY_TYPE_TO_HTCDS,
    HTCDS_EXTENSIONS,
    ExploitationType,
    MethodOfControl,
    RecruitmentMethod,
    SexExploitationType,
    TraffickingStatus,
    Vulnerability,
)
from partners.models import Country
from partners.selectors import user_scope
from victims.models import CTDC_AGE_BANDS, age_band

from .models import ExportRecord

CHUNK = 5000
KINDS = tuple(ExportRecord.Kind.values)
FORMATS = tuple(ExportRecord.Format.values)
DEIDENTIFIED_KINDS = {"ctdc", "glotip"}
DETECTED_STATUSES = (TraffickingStatus.POSSIBLE.value, TraffickingStatus.ACTUAL.value)
# Filters each kind accepts; the de-identified kinds take only those that select whole partitions.
FILTERS_ALLOWED = {
    "ctdc": {"date_from", "date_to", "country"},
    "glotip": {"date_from", "date_to", "country"},
    "htcds": {"date_from", "date_to", "country", "agency", "exploitation_type"},
}
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def min_cell() -> int:
    return int(settings.STATS_MIN_CELL)


# ---------------------------------------------------------------------------------------------
# Filters and scope


@dataclass(frozen=True)
class ExportFilters:
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    country: str | None = None
    agency: int | None = None
    exploitation_type: str | None = None

    def as_dict(self) -> dict:
        out = {}
        for name in ("date_from", "date_to", "country", "agency", "exploitation_type"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value.isoformat() if isinstance(value, datetime.date) else value
        return out

    def case_q(self, prefix: str = "") -> Q:
        """The filters as a condition on cases (`prefix` e.g. "case__" from identifications)."""
        q = Q()
        if self.date_from:
            q &= Q(**{f"{prefix}opened_on__gte": self.date_from})
        if self.date_to:
            q &= Q(**{f"{prefix}opened_on__lte": self.date_to})
        if self.country:
            q &= Q(**{f"{prefix}country_id": self.country})
        if self.agency is not None:
            q &= Q(**{f"{prefix}agency_id": self.agency})
        if self.exploitation_type:
            q &= Q(**{f"{prefix}exploitation_types__contains": [self.exploitation_type]})
        return q


def _get(params, name):
    value = params.get(name) if params is not None else None
    if isinstance(value, str):
        value = value.strip()
    return value or None


def _translated(message: str, params: dict) -> str:
    return _(message) % params if params else _(message)


_lazy_translated = lazy(_translated, str)


def _message(message: str, **params):
    """A message translated when it is read: the user sees it in their language, the ExportRecord
    that logs an invalid request keeps it in English."""
    return _lazy_translated(message, params)


def parse_filters(params, kind: str) -> ExportFilters:
    """Read and check the filters (a QueryDict or dict). Raises ValidationError listing every problem."""
    errors = {}
    given = {name for name in ("date_from", "date_to", "country", "agency", "exploitation_type") if _get(params, name)}
    for name in sorted(given - FILTERS_ALLOWED[kind]):
        errors[name] = _message(
            gettext_noop(
                "The %(kind)s export cannot be filtered by %(filter)s: comparing two such exports would reveal "
                "the few records that differ. Filter by years and country only."
            ),
            kind=kind.upper(),
            filter=name,
        )
    dates = {}
    for name in ("date_from", "date_to"):
        raw = _get(params, name)
        if raw:
            try:
                dates[name] = datetime.date.fromisoformat(str(raw))
            except ValueError:
                errors[name] = _message(gettext_noop("Give a date as YYYY-MM-DD."))
    if kind in DEIDENTIFIED_KINDS:  # whole calendar years only
        if "date_from" in dates:
            dates["date_from"] = dates["date_from"].replace(month=1, day=1)
        if "date_to" in dates:
            dates["date_to"] = dates["date_to"].replace(month=12, day=31)
    country = _get(params, "country")
    if country:
        country = str(country).upper()
        if not Country.objects.filter(code=country).exists():
            errors["country"] = _message(gettext_noop("Unknown country code (ISO 3166 alpha-2)."))
    agency = _get(params, "agency")
    if agency is not None:
        try:
            agency = int(agency)
        except (TypeError, ValueError):
            errors["agency"] = _message(gettext_noop("Give the agency's id."))
    exploitation = _get(params, "exploitation_type")
    if exploitation and exploitation not in ExploitationType.values:
        errors["exploitation_type"] = _message(gettext_noop("Unknown type of exploitation."))
    if errors:
        raise ValidationError(errors)
    return ExportFilters(
        date_from=dates.get("date_from"),
        date_to=dates.get("date_to"),
        country=country,
        agency=agency,
        exploitation_type=exploitation,
    )


def deidentified_scope_q(user) -> Q | None:
    """Cases a user may count in CTDC/GLOTIP exports; None if the user may not export them at all."""
    scope = user_scope(user)
    parts = []
    if scope.oversight_country_codes:
        parts.append(Q(country_id__in=sorted(scope.oversight_country_codes)))
    if scope.supervisor_agency_ids:
        parts.append(Q(agency_id__in=sorted(scope.supervisor_agency_ids)))
    if not parts:
        return None
    q = parts[0]
    for part in parts[1:]:
        q |= part
    return q


def may_export(user, kind: str) -> bool:
    if not user or not user.is_authenticated:
        return False
    if kind in DEIDENTIFIED_KINDS:
        return deidentified_scope_q(user) is not None
    return identity_q(user) is not None


def scoped_cases(user, kind: str, filters: ExportFilters):
    """The cases an export covers: the user's scope for this kind, narrowed by the filters."""
    if kind in DEIDENTIFIED_KINDS:
        q = deidentified_scope_q(user)
        if q is None:
            raise PermissionDenied(_("Your role may not export statistics."))
        return Case.objects.filter(q).filter(filters.case_q()).filter(trafficking_status__in=DETECTED_STATUSES)
    allowed = identity_q(user)
    if allowed is None:
        raise PermissionDenied(_("Only roles with access to identifying data may export case records."))
    return case_visible_to(user).filter(allowed).filter(filters.case_q())


# ---------------------------------------------------------------------------------------------
# One fact record per case, read in chunks


_country_cache: dict[str, str] = {}


def alpha3(code: str | None) -> str:
    if not code:
        return ""
    if code not in _country_cache:
        _country_cache.update(Country.objects.values_list("code", "alpha3"))
    return _country_cache.get(code, "")


CASE_FIELDS = {
    "opened_on": "case__opened_on",
    "case_country": "case__country_id",
    "case_exploitation": "case__exploitation_types",
    "gender": "case__person__gender",
    "citizenships": "case__person__citizenships",
}
IDENT_FIELDS = (
    "case_id",
    "identified_on",
    "country_id",
    "age_at_identification",
    "exploitation_types",
    "methods_of_control",
    "forced_labour_industry",
    "sex_exploitation_types",
    "relationship_to_recruiter",
    "recruitment_methods",
)
HTCDS_CASE_FIELDS = {
    "reference": "case__reference",
    "status": "case__status",
    "closure_reason": "case__closure_reason",
    "closure_notes": "case__closure_notes",
    "trafficking_status": "case__trafficking_status",
    "is_smuggled_migrant": "case__is_smuggled_migrant",
    "agency_name": "case__agency__name",
    "agency_short": "case__agency__short_name",
    "agency_type": "case__agency__type",
    "owner_username": "case__assigned_to__username",
    "given_name": "case__person__given_name",
    "family_name": "case__person__family_name",
    "given_name_latin": "case__person__given_name_latin",
    "family_name_latin": "case__person__family_name_latin",
    "date_of_birth": "case__person__date_of_birth",
    "languages": "case__person__languages",
    "vulnerabilities": "case__person__vulnerabilities",
}
HTCDS_IDENT_FIELDS = ("status_decided_by", "narrative", "province__name")


@dataclass
class CaseFacts:
    case_id: int
    opened_on: datetime.date
    case_country: str
    gender: str
    citizenships: list
    first: dict  # the first identification's row
    exploitation: set = field(default_factory=set)
    methods: set = field(default_factory=set)
    sex_types: set = field(default_factory=set)
    recruitment: set = field(default_factory=set)
    industries: set = field(default_factory=set)
    industry: str = ""  # latest non-empty
    relationship: str = ""  # latest non-empty
    decided_by: str = ""  # latest non-empty

    @property
    def year(self) -> int:
        return self.opened_on.year

    @property
    def age(self) -> int | None:
        return self.first["age_at_identification"]


def case_facts(cases, *, extra_case: dict | None = None, extra_ident: Iterable[str] = ()) -> Iterator[CaseFacts]:
    """Stream one CaseFacts per case of `cases` (a Case queryset), in case id order."""
    case_fields = {**CASE_FIELDS, **(extra_case or {})}
    names = [*IDENT_FIELDS, *extra_ident, *case_fields.values()]
    rows = (
        Identification.objects.using(cases.db)  # the database the cases are read from (replica or primary)
        .filter(case__in=cases.values("id"))
        .order_by("case_id", "identified_on", "id")
        .values(*names)
        .iterator(chunk_size=CHUNK)
    )
    for case_id, group in itertools.groupby(rows, key=lambda r: r["case_id"]):
        group = list(group)
        first = group[0]
        for alias, lookup in case_fields.items():
            first[alias] = first[lookup]
        facts = CaseFacts(
            case_id=case_id,
            opened_on=first["opened_on"],
            case_country=first["case_country"],
            gender=first["gender"],
            citizenships=list(first["citizenships"] or []),
            first=first,
        )
        facts.exploitation.update(first["case_exploitation"] or [])
        for row in group:
            facts.exploitation.update(row["exploitation_types"] or [])
            facts.methods.update(row["methods_of_control"] or [])
            facts.sex_types.update(row["sex_exploitation_types"] or [])
            facts.recruitment.update(row["recruitment_methods"] or [])
            if row["forced_labour_industry"]:
                facts.industries.add(row["forced_labour_industry"])
                facts.industry = row["forced_labour_industry"]
            if row["relationship_to_recruiter"]:
                facts.relationship = row["relationship_to_recruiter"]
            if row.get("status_decided_by"):
                facts.decided_by = row["status_decided_by"]
        yield facts


# ---------------------------------------------------------------------------------------------
# CTDC

CTDC_COLUMNS = [
    "yearOfRegistration",
    "gender",
    "ageBroad",
    "citizenship",
    "CountryOfExploitation",
    "traffickMonths",
    "meansDebtBondageEarnings",
    "meansThreats",
    "meansAbusePsyPhySex",
    "meansFalsePromises",
    "meansDrugsAlcohol",
    "meansDenyBasicNeeds",
    "meansExcessiveWorkHours",
    "meansWithholdDocs",
    "isForcedLabour",
    "isSexualExploit",
    "isOtherExploit",
    "typeOfLabourAgriculture",
    "typeOfLabourConstruction",
    "typeOfLabourDomesticWork",
    "typeOfLabourHospitality",
    "typeOfSexProstitution",
    "typeOfSexPornography",
    "recruiterRelationIntimatePartner",
    "recruiterRelationFriend",
    "recruiterRelationFamily",
    "recruiterRelationOther",
]
CTDC_QUASI_IDENTIFIERS = ("yearOfRegistration", "gender", "ageBroad", "citizenship", "CountryOfExploitation")

CTDC_GENDER = {
    "Masculine": "Man",
    "Feminine": "Woman",
    "TransgenderFeminine": "Trans/Transgender/NonConforming",
    "TransgenderMasculine": "Trans/Transgender/NonConforming",
    "NonConforming": "Trans/Transgender/NonConforming",
    "NonSpecifiedUnknown": "",
}
# HTCDS vic_MethodsOfControl -> CTDC means (codebook v2). "Other" maps to none.
CTDC_MEANS = {
    "meansDebtBondageEarnings": {"DebtBondage", "TakesEarnings"},
    "meansThreats": {"PhysicalThreats", "ThreatensChildrenFamily", "ThreatsLawEnforcement"},
    "meansAbusePsyPhySex": {"PhysicalAbuse", "SexualAbuse", "PsychologicalAbuse"},
    "meansFalsePromises": {"FalsePromises"},
    "meansDrugsAlcohol": {"PsychoactiveSubstance"},
    "meansDenyBasicNeeds": {"RestrictsFinancialAccess", "RestrictsMedicalCare", "WithholdsNecessities"},
    "meansExcessiveWorkHours": {"ExcessiveWorkingHours"},
    "meansWithholdDocs": {"WithholdsDocuments"},
}
# Types of exploitation -> CTDC's three flags (begging, criminality, marriage... are "other", as UNODC).
CTDC_EXPLOITATION = {
    "isForcedLabour": {"ForcedLabour", "ChildLabour", "Servitude"},
    "isSexualExploit": {"SexualExploitation"},
    "isOtherExploit": {
        "ForcedMarriage",
        "ForcedMilitaryByNonStateActors",
        "OrganRemoval",
        "ForcedBegging",
        "ForcedAdoption",
        "Surrogacy",
        "Other",
        "ForcedCriminality",
    },
}
# HTCDS carries the ISIC section only: A (all of it, not just A01) -> Agriculture, F, T, I.
CTDC_LABOUR = {
    "typeOfLabourAgriculture": "A_AgricultureForestryAndFishing",
    "typeOfLabourConstruction": "F_Construction",
    "typeOfLabourDomesticWork": "T_ActivitiesOfHouseholdsAsEmployers",
    "typeOfLabourHospitality": "I_AccommodationAndFoodServiceActivities",
}
# RemoteInteractiveServices and PrivateSexualServices have no v2 variable (the old codebook had them).
CTDC_SEX = {"typeOfSexProstitution": "Prostitution", "typeOfSexPornography": "Pornography"}

CHILD_BANDS = {f"{lo}-{hi}" for lo, hi in CTDC_AGE_BANDS if hi is not None and hi < 18}


def ctdc_recruiter(facts: CaseFacts) -> str | None:
    """The CTDC recruiterRelation* column set for a case, or None.

    HTCDS has Familial / Acquainted / Unaquainted. Familial -> Family. Acquainted -> Friend when the
    person was recruited through friends or social events, otherwise Other (an acquaintance may be an
    employer, a neighbour, a broker: calling them friends would overstate). Unaquainted (a stranger)
    -> nothing: CTDC has no value for "no relationship". IntimatePartner has no HTCDS source: empty.
    """
    if facts.relationship == "Familial":
        return "recruiterRelationFamily"
    if facts.relationship == "Acquainted":
        if "ThroughFriendsOrSocialEvents" in facts.recruitment:
            return "recruiterRelationFriend"
        return "recruiterRelationOther"
    return None


def ctdc_quasi(facts: CaseFacts) -> tuple:
    band = age_band(facts.age)
    return (
        facts.year,
        CTDC_GENDER.get(facts.gender, ""),
        "" if band == "unknown" else band,
        alpha3(facts.citizenships[0]) if facts.citizenships else "",
        alpha3(facts.first["country_id"]),
    )


def ctdc_row(facts: CaseFacts, quasi: tuple) -> list:
    row = dict(zip(CTDC_QUASI_IDENTIFIERS, quasi, strict=True))
    row["traffickMonths"] = ""  # not recorded: left empty, never guessed
    for column, codes in CTDC_MEANS.items():
        row[column] = 1 if codes & facts.methods else ""
    for column, codes in CTDC_EXPLOITATION.items():
        row[column] = 1 if codes & facts.exploitation else ""
    for column, code in CTDC_LABOUR.items():
        row[column] = 1 if code in facts.industries else ""
    for column, code in CTDC_SEX.items():
        row[column] = 1 if code in facts.sex_types else ""
    relation = ctdc_recruiter(facts)
    for column in ("recruiterRelationIntimatePartner", "recruiterRelationFriend", "recruiterRelationFamily"):
        row[column] = 1 if relation == column else ""
    row["recruiterRelationOther"] = 1 if relation == "recruiterRelationOther" else ""
    return [row[c] for c in CTDC_COLUMNS]


def _broad_age(quasi):
    year, gender, band, citizenship, country = quasi
    if band:
        band = "0-17" if band in CHILD_BANDS or band == "0-17" else "18+"
    return (year, gender, band, citizenship, country)


def _other_citizenship(quasi):
    year, gender, band, citizenship, country = _broad_age(quasi)
    return (year, gender, band, "Other" if citizenship else "", country)


def _no_gender_age(quasi):
    year, _gender, _band, citizenship, country = _other_citizenship(quasi)
    return (year, "", "", citizenship, country)


CTDC_GENERALISATIONS: list[Callable[[tuple], tuple]] = [_broad_age, _other_citizenship, _no_gender_age]


def k_anonymity_plan(counts: Counter, k: int) -> dict[tuple, tuple | None]:
    """For one partition: raw quasi-identifier tuple -> published tuple, or None (withheld).

    Groups of at least k are published as they are. The others are generalised a level at a time and
    merged with the other short groups that meet at that level; a merged group of at least k is
    published at that level. Every published tuple is then shared by at least k records: it is the
    union of groups that each reach k.
    """
    plan: dict[tuple, tuple | None] = {}
    pending = {}
    for quasi, n in counts.items():
        if n >= k:
            plan[quasi] = quasi
        else:
            pending[quasi] = n
    for generalise in CTDC_GENERALISATIONS:
        if not pending:
            break
        merged: dict[tuple, list] = defaultdict(list)
        for quasi in pending:
            merged[generalise(quasi)].append(quasi)
        still = {}
        for general, members in merged.items():
            if sum(pending[m] for m in members) >= k:
                plan.update(dict.fromkeys(members, general))
            else:
                still.update({m: pending[m] for m in members})
        pending = still
    plan.update(dict.fromkeys(pending))
    return plan


def _ctdc_rows(cases, stats: dict) -> Iterator[list]:
    k = min_cell()
    counts: dict[tuple, Counter] = defaultdict(Counter)
    for facts in case_facts(cases):
        counts[(facts.case_country, facts.year)][ctdc_quasi(facts)] += 1
    plans = {part: k_anonymity_plan(c, k) for part, c in counts.items()}
    stats["suppressed"] = sum(n for part, c in counts.items() for quasi, n in c.items() if plans[part][quasi] is None)
    for facts in case_facts(cases):
        published = plans.get((facts.case_country, facts.year), {}).get(ctdc_quasi(facts))
        if published is None:
            continue  # withheld (or, impossible in one snapshot, unseen in the first pass)
        yield ctdc_row(facts, published)


# ---------------------------------------------------------------------------------------------
# GLOTIP

GLOTIP_COLUMNS = ["Year", "Country", "Citizenship", "Sex", "AgeGroup", "FormOfExploitation", "DetectedVictims"]
GLOTIP_FORMS = ["Sexual exploitation", "Forced labour", "Other purposes", "Not recorded"]
GLOTIP_SEX = {"Feminine": "Female", "Masculine": "Male", "NonSpecifiedUnknown": "Unknown"}  # else "Other"
TOTAL = "Total"


def glotip_form(types: set) -> str:
    """UNODC's grouping: sexual exploitation, forced labour, or other purposes (forced criminal
    activity, begging, forced marriage, baby selling/adoption, organ removal, armed groups, and mixed
    forms: a case with more than one of the three groups counts once, under "Other purposes")."""
    groups = set()
    for code in types:
        if code == "SexualExploitation":
            groups.add("Sexual exploitation")
        elif code in CTDC_EXPLOITATION["isForcedLabour"]:
            groups.add("Forced labour")
        else:
            groups.add("Other purposes")
    if not groups:
        return "Not recorded"
    return groups.pop() if len(groups) == 1 else "Other purposes"


def glotip_age(age: int | None) -> str:
    if age is None:
        return "Unknown"
    return "0-17" if age < 18 else "18+"


def _glotip_rows(cases, stats: dict) -> Iterator[list]:
    from .suppression import display, is_suppressed, suppress_2d

    k = min_cell()
    tables: dict[tuple, Counter] = defaultdict(Counter)
    for facts in case_facts(cases):
        row_key = (
            alpha3(facts.citizenships[0]) if facts.citizenships else "Unknown",
            GLOTIP_SEX.get(facts.gender, "Other"),
            glotip_age(facts.age),
        )
        tables[(facts.year, facts.case_country)][(row_key, glotip_form(facts.exploitation))] += 1
    suppressed = 0

    def cell(value):
        nonlocal suppressed
        if is_suppressed(value):
            suppressed += 1
            return display(value, threshold=k)
        return value

    for year, country in sorted(tables):
        counts = tables[(year, country)]
        row_keys = sorted({r for r, _c in counts})
        table = {(r, c): counts.get((r, c), 0) for r in row_keys for c in GLOTIP_FORMS}
        result = suppress_2d(table, threshold=k)
        head = [year, alpha3(country)]
        for r in row_keys:
            for c in GLOTIP_FORMS:
                yield [*head, *r, c, cell(result["cells"][(r, c)])]
            yield [*head, *r, TOTAL, cell(result["row_totals"][r])]
        for c in GLOTIP_FORMS:
            yield [*head, TOTAL, TOTAL, TOTAL, c, cell(result["col_totals"][c])]
        yield [*head, TOTAL, TOTAL, TOTAL, TOTAL, cell(result["grand_total"])]
    stats["suppressed"] = suppressed


# ---------------------------------------------------------------------------------------------
# HTCDS

# Columns beyond the standard, marked with our own prefix (HTCDS has no case reference).
HTCDS_EXTENSION_COLUMNS = ["glo_CaseReference", "glo_AgeAtIdentification", "glo_IsSmuggledMigrant"]
HTCDS_COLUMNS = [
    "glo_CaseReference",
    "prs_FirstName",
    "prs_SecondName",
    "prs_Birthdate",
    "glo_AgeAtIdentification",
    "prs_Gender",
    "prs_Citizenship",
    "prs_PrimaryLanguage",
    "prs_SecondaryLanguage",
    "vic_TraffickingStatus",
    "vic_TraffickingStatusDecisionMakingOrg",
    "vic_TypeOfExploitation",
    "vic_ForcedLabourIndustry",
    "vic_TypeOfSexExploitation",
    "vic_MethodsOfControl",
    "vic_MethodOfRecruitment",
    "vic_RelationshipToTrafficker",
    "vic_Vulnerabilities",
    "glo_IsSmuggledMigrant",
    "cas_Status",
    "cas_ReasonForCaseClosure",
    "cas_CaseOwner",
    "org_Name",
    "org_Type",
    "hte_Type",
    "hte_Country",
    "hte_State",
    "hte_Date",
    "hte_Description",
]
MULTI_SEPARATOR = ";"  # HTCDS multiselect picklists (Salesforce convention)


def _ordered(codes: Iterable[str], choices) -> str:
    order = {v: i for i, v in enumerate(choices.values)}
    return MULTI_SEPARATOR.join(sorted(set(codes), key=lambda c: (order.get(c, len(order)), c)))


def htcds_exploitation(codes: Iterable[str]) -> str:
    mapped = {HTCDS_EXTENSIONS["ExploitationType"].get(c, c) for c in codes}
    return _ordered(mapped, ExploitationType)


def htcds_row(facts: CaseFacts) -> list:
    f = facts.first
    status = f["trafficking_status"]
    owner = f["agency_short"] + (f"/{f['owner_username']}" if f["owner_username"] else "")
    languages = list(f["languages"] or [])
    closure = f["closure_reason"] + (f": {f['closure_notes']}" if f["closure_notes"] else "")
    row = {
        "glo_CaseReference": f["reference"],
        "prs_FirstName": f["given_name"] or f["given_name_latin"],
        "prs_SecondName": f["family_name"] or f["family_name_latin"],
        "prs_Birthdate": f["date_of_birth"].isoformat() if f["date_of_birth"] else "",
        "glo_AgeAtIdentification": "" if facts.age is None else facts.age,
        "prs_Gender": facts.gender,
        "prs_Citizenship": MULTI_SEPARATOR.join(facts.citizenships),
        "prs_PrimaryLanguage": languages[0] if languages else "",
        "prs_SecondaryLanguage": languages[1] if len(languages) > 1 else "",
        # Screened (no decision yet) is ours, not HTCDS's: exported as empty.
        "vic_TraffickingStatus": "" if status == TraffickingStatus.SCREENED else status,
        "vic_TraffickingStatusDecisionMakingOrg": facts.decided_by,
        "vic_TypeOfExploitation": htcds_exploitation(facts.exploitation),
        "vic_ForcedLabourIndustry": facts.industry,
        "vic_TypeOfSexExploitation": _ordered(facts.sex_types, SexExploitationType),
        "vic_MethodsOfControl": _ordered(facts.methods, MethodOfControl),
        "vic_MethodOfRecruitment": _ordered(facts.recruitment, RecruitmentMethod),
        "vic_RelationshipToTrafficker": facts.relationship,
        "vic_Vulnerabilities": _ordered(f["vulnerabilities"] or [], Vulnerability),
        "glo_IsSmuggledMigrant": 1 if f["is_smuggled_migrant"] else "",
        "cas_Status": f["status"],
        "cas_ReasonForCaseClosure": closure,
        "cas_CaseOwner": owner,
        "org_Name": f["agency_name"],
        "org_Type": AGENCY_TYPE_TO_HTCDS.get(f["agency_type"], ""),
        "hte_Type": "Exploitation",
        "hte_Country": f["country_id"],
        "hte_State": f["province__name"] or "",
        "hte_Date": f["identified_on"].isoformat(),
        "hte_Description": f["narrative"],
    }
    return [row[c] for c in HTCDS_COLUMNS]


def _htcds_rows(cases, stats: dict) -> Iterator[list]:
    stats["suppressed"] = 0
    for facts in case_facts(cases, extra_case=HTCDS_CASE_FIELDS, extra_ident=HTCDS_IDENT_FIELDS):
        yield htcds_row(facts)


COLUMNS = {"ctdc": CTDC_COLUMNS, "glotip": GLOTIP_COLUMNS, "htcds": HTCDS_COLUMNS}
ROWS = {"ctdc": _ctdc_rows, "glotip": _glotip_rows, "htcds": _htcds_rows}


# ---------------------------------------------------------------------------------------------
# Writers


def safe_text(value) -> str | int:
    """A cell value that no spreadsheet will run: text starting with = + - @ tab or CR is quoted."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return 1 if value else ""
    if isinstance(value, int):
        return value
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def write_csv(out, columns, rows: Iterable[list]) -> int:
    """UTF-8 with BOM into binary file `out`; returns the number of data rows."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerow(columns)
    n = 0
    for n, row in enumerate(rows, 1):  # noqa: B007
        writer.writerow([safe_text(v) for v in row])
    text.flush()
    text.detach()
    return n


def write_xlsx(out, columns, rows: Iterable[list], title: str) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title)

    def cells(values):
        # safe_text already quoted every leading "=", so no value can be taken for a formula; the
        # typed cell is a second lock, and kept off the common path (a WriteOnlyCell costs 10x).
        out = []
        for value in values:
            value = safe_text(value)
            if isinstance(value, str) and value.startswith("="):
                cell = WriteOnlyCell(ws, value=value)
                cell.data_type = "s"
                value = cell
            out.append(value)
        return out

    ws.append(cells(columns))
    n = 0
    for n, row in enumerate(rows, 1):  # noqa: B007
        ws.append(cells(row))
    wb.save(out)
    return n


# ---------------------------------------------------------------------------------------------
# Running an export


@dataclass
class ExportFile:
    file: object  # a binary file object positioned at 0
    filename: str
    content_type: str
    record: ExportRecord


@contextlib.contextmanager
def _snapshot(using: str):
    """One consistent snapshot for both passes (REPEATABLE READ), unless already in a transaction."""
    connection = connections[using]
    if connection.in_atomic_block:
        with transaction.atomic(using=using):
            yield
        return
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def _refuse(user, kind, fmt, filters: dict, reason: str):
    if user is not None and user.is_authenticated:
        ExportRecord.objects.create(
            user=user, kind=kind, format=fmt, filters=filters, outcome=ExportRecord.Outcome.REFUSED, reason=reason
        )
    raise PermissionDenied(reason)


def export_file(user, kind: str, fmt: str, params=None, *, approved_request=None) -> ExportFile:
    """Build an export for `user` and record it. See the module docstring. An identifying kind is
    built only under an approved request (stats.services.export_request_download, which encrypts it)."""
    if kind not in KINDS or fmt not in FORMATS:
        raise Http404("No such export.")
    started = time.monotonic()
    raw = {k: str(v)[:100] for k, v in (params or {}).items() if k in FILTERS_ALLOWED["htcds"] and v}
    if not may_export(user, kind):
        _refuse(user, kind, fmt, raw, "role")
    if kind not in DEIDENTIFIED_KINDS and approved_request is None:
        _refuse(user, kind, fmt, raw, "approval required: request it under Exports, a supervisor approves it")
    try:
        filters = parse_filters(params or {}, kind)
    except ValidationError as e:
        with translation.override("en"):  # the record is a log: English; the user reads their language
            problems = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in e.message_dict.items())
        ExportRecord.objects.create(
            user=user, kind=kind, format=fmt, filters=raw, outcome=ExportRecord.Outcome.INVALID, reason=problems[:300]
        )
        raise
    # The de-identified exports (the long ones: tens of seconds at a million cases) read the streaming
    # replica when it is fresh enough, else the primary (glo_act/db_router.py). HTCDS stays on the
    # primary: its scope includes per-case shares, whose withdrawal must count at once, and the access
    # record below (written on the primary from the same queryset) must name the cases the file holds.
    using = read_replica() if kind in DEIDENTIFIED_KINDS else router.db_for_read(Case)
    cases = scoped_cases(user, kind, filters).using(using)
    if fmt == "xlsx" and kind != "glotip" and cases.count() > settings.EXPORT_XLSX_MAX_ROWS:
        # Writing XLSX costs ~1 ms a row here (10 min for 625k CTDC rows at a million cases): refuse
        # it up front rather than hold a worker that long; CSV of the same rows takes seconds.
        problem = _message(
            gettext_noop("More than %(n)s records: choose CSV, or narrow the dates or the country."),
            n=f"{settings.EXPORT_XLSX_MAX_ROWS:,}",
        )
        with translation.override("en"):
            reason = f"format: {problem}"[:300]
        ExportRecord.objects.create(
            user=user, kind=kind, format=fmt, filters=filters.as_dict(), outcome=ExportRecord.Outcome.INVALID,
            reason=reason, request=approved_request,
        )  # fmt: skip
        raise ValidationError({"format": [problem]})
    stats: dict = {}
    out = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 (FileResponse closes it)
    with _snapshot(using):
        rows = ROWS[kind](cases, stats)
        if fmt == "csv":
            count = write_csv(out, COLUMNS[kind], rows)
        else:
            count = write_xlsx(out, COLUMNS[kind], rows, title=kind.upper())
    if kind == "htcds":  # audit (issue 5): the file names every exported person
        access_record(user=user, request=None, case_queryset=cases, what=f"htcds export {fmt}")
    record = ExportRecord.objects.create(
        user=user,
        kind=kind,
        format=fmt,
        filters=filters.as_dict(),
        row_count=count,
        suppressed_count=stats.get("suppressed", 0),
        duration_ms=round(1000 * (time.monotonic() - started)),
        request=approved_request,
    )
    out.seek(0)
    stamp = datetime.date.today().isoformat()
    return ExportFile(
        file=out,
        filename=f"glo_act-{kind}-{stamp}.{fmt}",
        content_type=CONTENT_TYPES[fmt],
        record=record,
    )


def export_response(user, kind: str, fmt: str, params=None) -> FileResponse:
    """The export as a download: attachment, never cached."""
    export = export_file(user, kind, fmt, params)
    response = FileResponse(export.file, as_attachment=True, filename=export.filename, content_type=export.content_type)
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
