"""Our code lists must speak HTCDS v2.0 exactly (the reference file in ../shared)."""

import json
from pathlib import Path

import pytest

from glo_act import vocabularies as v

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "htcds-v2-fields.json"

PAIRS = {
    "prs_Gender": v.Gender,
    "vic_TraffickingStatusDecisionMakingOrg": v.StatusDecisionOrg,
    "vic_RelationshipToTrafficker": v.RelationshipToTrafficker,
    "vic_MethodOfRecruitment": v.RecruitmentMethod,
    "vic_MethodsOfControl": v.MethodOfControl,
    "vic_ForcedLabourIndustry": v.ForcedLabourIndustry,
    "vic_TypeOfSexExploitation": v.SexExploitationType,
    "vic_Vulnerabilities": v.Vulnerability,
    "cas_Status": v.CaseStatus,
    "cas_ReasonForOutgoingReferral": v.ReferralReason,
    "spl_Type": v.SupportType,
}


def _htcds():
    if not REFERENCE.exists():
        pytest.skip("shared/reference is not beside the checkout")
    return {f["name"]: f for f in json.loads(REFERENCE.read_text())["fields"]}


@pytest.mark.parametrize("field,choices", PAIRS.items(), ids=list(PAIRS))
def test_it_uses_the_htcds_codes_exactly(field, choices):
    codes = [value["name"] for value in _htcds()[field]["values"]]
    assert list(choices.values) == codes


def test_exploitation_types_are_htcds_plus_marked_extensions():
    codes = [value["name"] for value in _htcds()["vic_TypeOfExploitation"]["values"]]
    ours = list(v.ExploitationType.values)
    assert ours[: len(codes)] == codes
    extensions = set(ours[len(codes) :])
    assert extensions == set(v.HTCDS_EXTENSIONS["ExploitationType"])
    assert all(target in codes for target in v.HTCDS_EXTENSIONS["ExploitationType"].values())


def test_trafficking_status_holds_the_htcds_values():
    codes = {value["name"] for value in _htcds()["vic_TraffickingStatus"]["values"]}
    assert codes <= set(v.TraffickingStatus.values)


def test_every_agency_type_maps_to_an_htcds_org_type():
    org_types = {value["name"] for value in _htcds()["org_Type"]["values"]}
    assert set(v.AGENCY_TYPE_TO_HTCDS) == set(v.AgencyType.values)
    assert set(v.AGENCY_TYPE_TO_HTCDS.values()) <= org_types


def test_every_service_maps_to_a_support_type():
    assert set(v.SERVICE_TO_SUPPORT_TYPE) == set(v.Service.values)
    assert set(v.SERVICE_TO_SUPPORT_TYPE.values()) <= set(v.SupportType.values)
