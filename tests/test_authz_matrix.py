"""The authorization matrix, generated from the URL patterns and the API schema.

Every route found by walking `glo_act.urls` (and every operation of `/api/v1/schema/`) is requested
by every role of `world` (caseworker, supervisor, service provider, focal point, programme manager
country / region, auditor, administrator, no membership, anonymous), for every object relation
(an object of the caseworker's own agency IR-NGO, of the focal point's own agency IR-COM, of another
agency of the same country IR-POL, of another country's agency AF-NGO), with every method the route
allows plus PUT and DELETE, which no UI route and few API routes allow.

The EXPECTED answer comes from RULES below, written from the README's "Roles and what they see",
not from what the code does:
- out of scope -> 404 (the UI sends anonymous users to the login page, the API answers 401/403),
  and the body holds none of the object's identifying strings;
- a write by a role without the right -> 403 (404 out of scope, 405 for a method the route does
  not allow, 409 for a referral move that is not this actor's or not legal now) and the database
  is unchanged (an md5 over every row of the cases, victims, referrals and partners tables);
- a write by a role with the right, with valid input -> 2xx/3xx (rolled back: each request runs
  in a savepoint that is rolled back, so every request sees the same world);
- an in-scope read -> 200, pseudonymous readers get no names, places or free text.
A route that has no rule fails the test, so a new route must be given one.

Size (counted by the tests and printed as "MATRIX <role>: N requests"), 2026-11-28 01:15 UTC:
1,460 requests per role x 10 roles = 14,600 requests over 125 routes (API and UI), plus 1,540 in the
admin-site test (every admin URL x 10 roles x GET/POST): 16,140 requests, about 6 minutes on the
2-core machine (one test per role, each with one database setup; every request in a rolled-back
savepoint).
"""

import datetime
import json
import os
import re
from dataclasses import dataclass, field

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from .api_support import client_for
from .conftest import log_case, make_agency, make_user

TODAY = datetime.date.today()
# About 16,000 requests (5 minutes): not in `make test` (kept under 15 minutes) but in `make test-security`,
# which CI runs right after it (.ci/run). AUTHZ_MATRIX=1 runs it.
pytestmark = pytest.mark.skipif(
    os.environ.get("AUTHZ_MATRIX") != "1", reason="authorization matrix: set AUTHZ_MATRIX=1"
)
ROLES = {
    "caseworker": "cw",
    "supervisor": "sup",
    "service_provider": "sp_ir",
    "focal_point": "focal_ir",
    "programme_manager_country": "pm_ir",
    "programme_manager_region": "pm_region",
    "auditor": "auditor_ir",
    "administrator": "admin_user",
    "no_membership": "nobody",
    "anonymous": None,
}
# The agency of each object relation; relations are named from the caseworker's seat (IR-NGO).
RELATIONS = {"own": "ir_ngo", "focal_own": "ir_commission", "same_country": "ir_police", "other_country": "af_ngo"}
EXTRA_METHODS = ("PUT", "DELETE")
REFUSED_WRITE = {403, 404, 405, 409}
OK = {200, 201, 204, 302}


# --- the world the matrix runs against -----------------------------------------------------------


@dataclass
class Obj:
    """The objects of one agency, and the strings that identify its person."""

    agency: object
    case: object
    secrets: list[str]
    sub: dict = field(default_factory=dict)  # route family -> pk
    referral: object = None
    share_agency: str = ""


PEOPLE = {
    "ir_ngo": ("Reza", "Ahmadi", "رضا", "احمدی"),
    "ir_commission": ("Zahra", "Hosseinzadeh", "زهرا", "حسین‌زاده"),
    "ir_police": ("Maryam", "Karimi", "مریم", "کریمی"),
    "af_ngo": ("Ahmad", "Nouri", "احمد", "نوری"),
}


def build_objects(w):
    """One case of every agency with one record of every kind, shared, and a sent referral."""
    from cases import services
    from cases.models import Identification
    from referrals import services as referrals

    w.ir_shelter = make_agency("IR-SHELTER", "IR", "NGO")
    w.af_shelter = make_agency("AF-SHELTER", "AF", "NGO", services=["Shelter", "Reintegration"])
    supervisors = {
        "ir_ngo": w.sup,
        "ir_commission": make_user("sup_com", w.ir_commission, "supervisor"),
        "ir_police": make_user("sup_pol", w.ir_police, "supervisor"),
        "af_ngo": make_user("sup_af", w.af_ngo, "supervisor"),
    }
    w.case_com = log_case(
        w.focal_ir, w.ir_commission,
        person={"given_name": "زهرا", "family_name": "حسین‌زاده", "given_name_latin": "Zahra",
                "family_name_latin": "Hosseinzadeh", "gender": "Feminine", "estimated_age": 17},
    )  # fmt: skip
    cases = {"ir_ngo": w.case_ir, "ir_commission": w.case_com, "ir_police": w.case_police, "af_ngo": w.case_af}
    receivers = {"ir_ngo": w.ir_police, "ir_commission": w.ir_police, "ir_police": w.ir_ngo, "af_ngo": w.af_shelter}
    objects = {}
    for key, case in cases.items():
        sup = supervisors[key]
        name = PEOPLE[key][0]
        obj = Obj(agency=getattr(w, key), case=case, secrets=[*PEOPLE[key], f"Hidden note about {name}"])
        obj.sub["identifications"] = Identification.objects.filter(case=case).first().pk
        obj.sub["notes"] = services.case_note_add(user=sup, case=case, text=f"Hidden note about {name}").pk
        obj.sub["consents"] = services.consent_record(
            user=sup, case=case, purpose="NationalReferral", given_by="Person", notes=f"Hidden note about {name}"
        ).pk
        services.consent_record(user=sup, case=case, purpose="DataProcessing", given_by="Person")
        obj.sub["risk-assessments"] = services.risk_assessment_add(
            user=sup, case=case, risk_level="High", safety_plan=f"Hidden note about {name}",
            next_review_on=TODAY + datetime.timedelta(days=14),
        ).pk  # fmt: skip
        obj.sub["best-interests-determinations"] = services.best_interests_determination_add(
            user=sup, case=case, decided_on=TODAY, panel="Panel", summary=f"Hidden note about {name}"
        ).pk
        obj.sub["reflection-periods"] = services.reflection_period_start(user=sup, case=case, start_date=TODAY).pk
        plan = services.support_plan_add(user=sup, case=case, type="SocialCare", objectives=f"Hidden note about {name}")
        obj.sub["support-plans"] = plan.pk
        obj.sub["services"] = services.service_delivery_record(user=sup, case=case, service="Shelter").pk
        shelter = w.af_shelter if case.agency.country_id == "AF" else w.ir_shelter
        services.case_share(user=sup, case=case, agency=shelter, include_identity=True, reason="Shelter placement")
        obj.share_agency = shelter.short_name
        to = receivers[key]
        referral = referrals.referral_create(
            user=sup, case=case, services=["Shelter"] if "Shelter" in to.services else [to.services[0]],
            reason="AdditionalServicesRequired", to_agency=to, message="For the receiving agency",
        )  # fmt: skip
        obj.referral = referrals.referral_send(user=sup, referral=referral)
        objects[key] = obj
    return objects


# --- the routes ----------------------------------------------------------------------------------


def walk(resolver=None, prefix="", namespace=None):
    """(qualified name, route pattern text) for every URL pattern of the project."""
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            yield from walk(p, prefix + str(p.pattern), p.namespace or namespace)
        elif isinstance(p, URLPattern):
            name = f"{namespace}:{p.name}" if namespace else p.name
            yield name, prefix + str(p.pattern)


def schema_operations():
    """{api route name: set of methods} from drf-spectacular's generated schema."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    ops = {}
    for path, item in schema["paths"].items():
        methods = {m.upper() for m in item if m in {"get", "post", "put", "patch", "delete"}}
        ops[path] = methods
    return ops


def openapi_path(pattern: str) -> str:
    """api/v1/^cases/(?P<case_reference>[^/.]+)/notes/$ -> /api/v1/cases/{case_reference}/notes/"""
    text = pattern.replace("^", "").replace("$", "")
    text = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", text)
    text = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", text)
    return "/" + text


# --- the rules -----------------------------------------------------------------------------------


@dataclass
class Who:
    """What a user is, computed from the world (not from the code under test)."""

    role: str
    user: object
    agency_key: str | None  # the agency of the user's membership, as a world attribute name


SEATS = {
    "caseworker": "ir_ngo",
    "supervisor": "ir_ngo",
    "service_provider": "ir_ngo",
    "focal_point": "ir_commission",
    "programme_manager_country": "unodc_ir",
    "programme_manager_region": "unodc_region",
    "auditor": "unodc_ir",
    "administrator": "unodc_region",
    "no_membership": None,
    "anonymous": None,
}
CASE_STAFF = {"caseworker", "supervisor", "focal_point"}  # README: work on their own agency's cases
OVERSIGHT = {"programme_manager_country", "programme_manager_region", "auditor"}
REGION = {"programme_manager_region"}
COUNTRY_OF = {"ir_ngo": "IR", "ir_commission": "IR", "ir_police": "IR", "af_ngo": "AF"}


def case_view(role, rel_key) -> str:
    """'identity', 'pseudonymous' or 'none': the README's role x data table for one case."""
    if role in CASE_STAFF and SEATS[role] == rel_key:
        return "identity"
    if role in REGION:
        return "pseudonymous"
    if role in OVERSIGHT and COUNTRY_OF[rel_key] == "IR":
        return "pseudonymous"
    return "none"


def case_right(role, rel_key, right) -> bool:
    if right == "edit":
        return role in CASE_STAFF and SEATS[role] == rel_key
    if right == "supervise":
        return role == "supervisor" and SEATS[role] == rel_key
    if right == "identity":
        return case_view(role, rel_key) == "identity"
    return False


def referral_party(role, rel_key) -> str:
    """'sender', 'receiver', 'oversight' or 'none' for the referral sent from rel_key's case."""
    receivers = {"ir_ngo": "ir_police", "ir_commission": "ir_police", "ir_police": "ir_ngo", "af_ngo": "af_shelter"}
    if role in CASE_STAFF and SEATS[role] == rel_key:
        return "sender"
    if role in {"caseworker", "supervisor", "service_provider"} and SEATS[role] == receivers[rel_key]:
        return "receiver"
    if role in REGION or (role in OVERSIGHT and COUNTRY_OF[rel_key] == "IR"):
        return "oversight"
    return "none"


# Rule kinds (see expect()):
#   public           anyone, anonymous included
#   signed_in        any signed-in user; anonymous -> login / 401
#   admin            administrators only
#   identify         roles that log identifications (case staff)
#   case             an object under a case: needs `right` ('read', 'edit', 'supervise', 'identity', 'owner_read')
#   referral         a referral: `right` = 'read' or the action name
#   notification     the user's own notifications
#   stats            dashboards: programme managers, auditors, supervisors (caseworker / focal point: their scope)
#   export           stats exports (see export kinds)
#   person           a person through the API (identity readers; PATCH: owner staff)
@dataclass
class Rule:
    kind: str
    methods: tuple[str, ...] = ("GET", "HEAD")
    right: str = "read"
    sub: str = ""  # which sub-object fills <pk>
    write: dict = field(default_factory=dict)  # method -> right needed (default: the rule's right)
    payload: object = None  # callable (world, obj, who) -> data for the write methods
    entitled: set = field(default_factory=lambda: set(OK))  # answers accepted from a role with the right


def _p(data):
    return lambda w, o, who: data


UI_CASE_POSTS = {
    "case_note_add": ("edit", _p({"text": "Matrix note"})),
    "case_update": ("edit", _p({"status": "Active", "stage": ""})),
    "case_close": ("edit", _p({"closure_reason": "SupportGoalsMet", "notes": "Matrix"})),
    "case_identification_add": (
        "edit",
        lambda w, o, who: {
            "identified_on": TODAY.isoformat(),
            "country": o.case.country_id,
            "context": "Street",
            "exploitation_types": ["ForcedBegging"],
            "trafficking_status": "PossibleVictimOfTrafficking",
            "place": "Matrix",
            "province": "",
        },
    ),  # fmt: skip
    "case_consent_add": (
        "edit",
        _p({"purpose": "DataProcessing", "granted": "yes", "given_by": "Person", "given_on": TODAY.isoformat()}),
    ),
    "case_consent_withdraw": ("edit", _p({"withdrawal_reason": "Matrix"})),
    "case_risk_add": (
        "edit",
        _p(
            {
                "assessed_on": TODAY.isoformat(),
                "risk_level": "Medium",
                "safety_plan": "Matrix",
                "next_review_on": (TODAY + datetime.timedelta(days=5)).isoformat(),
            }
        ),
    ),  # fmt: skip
    "case_best_interests_add": ("edit", _p({"decided_on": TODAY.isoformat(), "panel": "P", "summary": "Matrix"})),
    "case_reflection_start": ("edit", _p({"start_date": TODAY.isoformat(), "days": "30"})),
    "case_reflection_end": ("edit", _p({"ended_on": TODAY.isoformat(), "end_reason": "Completed"})),
    "case_support_add": ("edit", _p({"type": "Education", "objectives": "Matrix"})),
    "case_service_add": ("edit", _p({"service": "Psychosocial", "started_on": TODAY.isoformat()})),
    "case_share": (
        "supervise",
        lambda w, o, who: {"agency": str(w.unodc_ir.pk), "reason": "Matrix", "allow_services": "on"},
    ),
    "case_unshare": ("supervise", _p({"reason": "Matrix"})),
    "referral_new": (  # also a GET form page
        "edit",
        lambda w, o, who: {
            "to_country": o.case.country_id,
            "to_agency": str(w.ir_shelter.pk if o.case.country_id == "IR" else w.af_shelter.pk),
            "services": ["Shelter"],
            "reason": "AdditionalServicesRequired",
            "urgency": "routine",
            "message": "Matrix",
        },
    ),  # fmt: skip
}
UI_SUB = {"case_consent_withdraw": "consents", "case_reflection_end": "reflection-periods"}
REFERRAL_ACTIONS = {
    # action -> (parties who may do it on a sent national referral, payload)
    "send": (set(), {"override_reason": ""}),  # legal only from draft: refused for everyone here
    "accept": ({"receiver"}, {}),
    "decline": ({"receiver"}, {"reason": "NoCapacity", "details": "Matrix"}),
    "complete": (set(), {"successful": True}),  # legal only once accepted
    "withdraw": ({"sender"}, {"reason": "Matrix"}),
    "approve": (set(), {}),  # cross-border only
    "send-back": (set(), {"reason": "Matrix"}),
    "assign": (set(), {"to_agency": "IR-SHELTER"}),
}
API_CASE_SUB = {
    "identification": ("identifications", {"identified_on": TODAY.isoformat(), "context": "Street",
                       "exploitation_types": ["ForcedBegging"], "trafficking_status": "PossibleVictimOfTrafficking"}),
    "note": ("notes", {"text": "Matrix note"}),
    "consent": ("consents", {"purpose": "DataProcessing", "given_by": "Person"}),
    "risk-assessment": ("risk-assessments", {"risk_level": "Medium", "safety_plan": "Matrix",
                        "next_review_on": (TODAY + datetime.timedelta(days=5)).isoformat()}),
    "best-interests-determination": ("best-interests-determinations", {"decided_on": TODAY.isoformat(), "panel": "P",
                                     "summary": "Matrix"}),
    "reflection-period": ("reflection-periods", {"days": 30}),
    "support-plan": ("support-plans", {"type": "Education", "objectives": "Matrix"}),
    "service": ("services", {"service": "Psychosocial"}),
}  # fmt: skip


def rules() -> dict[str, Rule]:
    r: dict[str, Rule] = {
        "healthz": Rule("public"),
        "login": Rule("public", ("GET", "HEAD"), entitled={200, 302}),  # signed in: on to the home page
        "logout": Rule("signed_in", ("POST",), payload=_p({})),
        "home": Rule("signed_in"),
        "case_list": Rule("signed_in"),
        "agency_list": Rule("signed_in"),
        "referral_list": Rule("signed_in"),
        "notification_list": Rule("signed_in"),
        "notification_read_all": Rule("signed_in", ("POST",), payload=_p({})),
        "notification_open": Rule("notification", ("GET",)),
        "notification_read": Rule("notification", ("POST",), payload=_p({})),
        "identification_log": Rule("identify", ("GET", "HEAD", "POST"), payload="identification_log"),
        "identification_duplicates": Rule("identify", ("POST",), payload="identification_log", entitled={200}),
        "case_detail": Rule("case", ("GET", "HEAD")),
        "case_person_edit": Rule("case", ("GET", "HEAD", "POST"), right="edit", payload="person"),
        "stats_dashboard": Rule("stats"),
        # The user's own account (helper "signin"): MFA, recovery codes, API tokens, password.
        "account": Rule("self"),
        "account_preferences": Rule("self", ("POST",), payload=_p({"language": "", "calendar": ""})),
        "set_language": Rule("public", ("POST",), payload=_p({"language": "en", "next": "/login/"}), entitled={302}),
        "mfa_verify": Rule("self", ("GET", "HEAD", "POST"), payload=_p({"token": "000000"})),
        "mfa_enrol": Rule("self", ("GET", "HEAD", "POST"), payload=_p({"token": "000000"})),
        "mfa_qr": Rule("self"),
        "mfa_disable": Rule("self", ("POST",), payload=_p({"token": "000000"})),
        "recovery_codes_regenerate": Rule("self", ("POST",), payload=_p({})),
        "token_create": Rule("self", ("POST",), payload=_p({"name": "Matrix"})),
        "token_revoke": Rule("other_token", ("POST",), payload=_p({})),
        "api:api-token-list": Rule("self", ("GET", "HEAD", "POST"), payload=_p({"name": "Matrix"})),
        "api:api-token-detail": Rule("other_token", ("GET", "HEAD")),
        "api:api-token-revoke": Rule("other_token", ("POST",), payload=_p({})),
        # Audit trail (helper "audit"): auditors only.
        "audit_home": Rule("audit"),
        "api:audit-security-list": Rule("audit"),
        "api:audit-security-detail": Rule("audit"),
        "api:audit-access-list": Rule("audit"),
        "api:audit-access-detail": Rule("audit"),
        "api:audit-change-list": Rule("audit"),
        "api:audit-change-detail": Rule("audit"),
        "audit_changes": Rule("audit"),
        "audit_access": Rule("audit"),
        "audit_security": Rule("audit"),
        # Attachments (helper "documents"): under the case; <pk> is an id that does not exist (404 for all).
        # Documents are identifying: a pseudonymous reader of the case may be told 404 (or 403) for them.
        "attachment_upload": Rule("case", ("POST",), right="edit", payload=_p({}), entitled={200, 302, 400}),
        "attachment_download": Rule("case", ("GET", "HEAD"), right="missing"),
        "attachment_delete": Rule("case", ("POST",), right="missing", payload=_p({})),
        "api:case-attachment-list": Rule("case", ("GET", "HEAD", "POST"), right="identity", write={"POST": "edit"},
                                         payload=_p({}), entitled={400, 415}),
        "api:case-attachment-detail": Rule("case", ("GET", "HEAD"), right="missing"),
        "api:case-attachment-download": Rule("case", ("GET", "HEAD"), right="missing"),
        "api:case-attachment-delete": Rule("case", ("POST",), right="missing", payload=_p({})),
        # Requests for identifying exports (helper "exports"): <pk> is an id that does not exist.
        "export_request_list": Rule("export_request"),
        "export_request_new": Rule("export_request", ("GET", "HEAD", "POST"), payload=_p({})),
        "export_request_detail": Rule("export_request", ("GET", "HEAD", "POST"), right="missing", payload=_p({})),
        "api:export-request-list": Rule("export_request", ("GET", "HEAD", "POST"), payload=_p({})),
        "api:export-request-detail": Rule("export_request", ("GET", "HEAD"), right="missing"),
        "api:export-request-approve": Rule("export_request", ("POST",), right="missing", payload=_p({})),
        "api:export-request-decline": Rule("export_request", ("POST",), right="missing", payload=_p({})),
        "api:export-request-download": Rule("export_request", ("POST",), right="missing", payload=_p({})),
        "api:export-request-withdraw": Rule("export_request", ("POST",), right="missing", payload=_p({})),
        "password_change": Rule("self", ("GET", "HEAD", "POST"), payload=_p({"old_password": "wrong"})),
        "stats_export": Rule("export"),
        "referral_detail": Rule("referral", ("GET", "HEAD")),
        # API
        "api:token": Rule("public", ("POST",), payload=_p({"username": "cw", "password": "wrong password"})),
        "api:schema": Rule("signed_in"),
        "api:docs": Rule("signed_in"),
        "api:stats-export": Rule("export"),
        "api:agency-list": Rule("signed_in"),
        "api:agency-detail": Rule("signed_in"),
        "api:person-list": Rule("signed_in"),
        "api:person-detail": Rule("person", ("GET", "HEAD", "PATCH"), payload=_p({"given_name_latin": "Matrix"})),
        "api:case-list": Rule("signed_in"),
        "api:case-detail": Rule("case", ("GET", "HEAD", "PATCH"), write={"PATCH": "edit"},
                                payload=_p({"status": "Active"})),
        "api:case-close": Rule("case", ("POST",), right="edit", payload=_p({"closure_reason": "SupportGoalsMet"})),
        "api:identification-list": Rule("identify", ("GET", "HEAD", "POST"), payload="api_identification"),
        "api:referral-list": Rule("referral_create", ("GET", "HEAD", "POST"), payload="api_referral"),
        "api:referral-detail": Rule("referral", ("GET", "HEAD")),
        "api:referral-events": Rule("referral", ("GET", "HEAD")),
        "api:notification-list": Rule("signed_in"),
        "api:notification-read-all": Rule("signed_in", ("POST",), payload=_p({})),
        "api:notification-unread-count": Rule("signed_in"),
        "api:notification-detail": Rule("notification", ("GET", "HEAD")),
        "api:notification-read": Rule("notification", ("POST",), payload=_p({})),
        "api:case-share-list": Rule("case", ("GET", "HEAD", "POST"), right="owner_read", write={"POST": "supervise"},
                                    payload=lambda w, o, who: {"agency": "UNODC-IR", "reason": "Matrix"}),
        "api:case-share-end": Rule("case", ("POST",), right="supervise", payload=_p({"reason": "Matrix"})),
        "api:case-consent-withdraw": Rule("case", ("POST",), right="edit", sub="consents",
                                          payload=_p({"withdrawal_reason": "Matrix"})),
        "api:case-reflection-period-end": Rule("case", ("POST",), right="edit", sub="reflection-periods",
                                               payload=_p({"end_reason": "DecidedToCooperate"})),
    }  # fmt: skip
    for name, (right, payload) in UI_CASE_POSTS.items():
        methods = ("GET", "HEAD", "POST") if name == "referral_new" else ("POST",)
        r[name] = Rule("case", methods, right=right, sub=UI_SUB.get(name, ""), payload=payload)
    for action, (_parties, data) in REFERRAL_ACTIONS.items():
        name = "referral_" + action.replace("-", "_")
        r[name] = Rule("referral", ("POST",), right=action, payload=_p(data))
        r["api:referral-" + action] = Rule("referral", ("POST",), right=action, payload=_p(data))
    for basename, (sub, data) in API_CASE_SUB.items():
        # identifications: the payload has no country (400 for those allowed); reflection periods: one is open (400).
        entitled = OK | ({400} if basename in {"identification", "reflection-period"} else set())
        r[f"api:case-{basename}-list"] = Rule(
            "case", ("GET", "HEAD", "POST"), write={"POST": "edit"}, payload=_p(data), entitled=entitled
        )
        r[f"api:case-{basename}-detail"] = Rule("case", ("GET", "HEAD"), sub=sub)
    for slug in ("identifications-by-month", "by-exploitation", "by-sex-age", "contexts", "referral-funnel",
                 "cross-border-flows", "caseload", "services"):  # fmt: skip
        r[f"api:stats-{slug}"] = Rule("stats")
    return r


# --- expectations --------------------------------------------------------------------------------


@dataclass
class Expect:
    statuses: set[int]
    refused_write: bool = False  # the DB must not change
    no_secrets: bool = False  # the body must hold none of the object's identifying strings
    login_redirect: bool = False


def expect(rule: Rule, route: str, method: str, who: Who, rel: str | None) -> Expect:
    api = route.startswith("api:")
    anon = who.role == "anonymous"
    is_write = method in {"POST", "PUT", "PATCH", "DELETE"}
    allowed = method in rule.methods or (method == "HEAD" and "GET" in rule.methods)
    anon_answer = (
        Expect({401, 403}, refused_write=is_write, no_secrets=True)
        if api
        else Expect({302}, refused_write=is_write, no_secrets=True, login_redirect=True)
    )
    if not allowed:
        return undeclared(rule, route, method, who, rel, api, anon, anon_answer)
    if rule.kind == "public":
        if not allowed:
            return Expect({405}, refused_write=is_write)
        return Expect({200, 400} if api else rule.entitled & {200, 302})
    if rule.kind == "admin":
        if who.role == "administrator":
            return Expect({200, 302, 403, 404, 405} if method != "GET" else {200, 302, 404})
        return Expect({302}, refused_write=True, no_secrets=True)
    if anon:
        return anon_answer
    if rule.kind in {"signed_in", "referral_create"}:
        if not allowed:
            return Expect({405}, refused_write=True)
        if rule.kind == "referral_create" and method == "POST":
            return Expect(
                {201} if case_right(who.role, rel, "edit") else {400, 403, 404},
                refused_write=not case_right(who.role, rel, "edit"),
                no_secrets=True,
            )
        if who.role in {"no_membership", "administrator"}:  # nothing to list: a refusal is as good as an empty page
            return Expect({200, 302, 403} if method == "POST" else {200, 403}, refused_write=method == "POST")
        return Expect({200, 302} if method == "POST" else {200})
    if rule.kind == "identify":
        may = who.role in CASE_STAFF
        if not allowed:
            return Expect({405}, refused_write=True)
        if method == "POST":
            done = rule.entitled if rule.entitled != set(OK) else {201, 302}  # the duplicate check answers 200
            return Expect(done if may else {403}, refused_write=not may)
        if api:
            return Expect({200})  # the list is scoped; its content is checked by the list tests
        return Expect({200} if may else {403})
    if rule.kind == "self" and api and anon:
        return anon_answer
    if rule.kind == "self":
        # Only ever the user's own account: any answer but a server error or a leak of someone else.
        return Expect({405} if not allowed else {200, 201, 302, 400, 403, 404, 405}, refused_write=not allowed)
    if rule.kind == "other_token":
        # Another user's API token: 404, never revoked. Administrators manage users' tokens (accounts app).
        if who.role == "administrator":
            return Expect({200, 404})
        return Expect({404, 405} if not allowed else {404}, refused_write=is_write)
    if rule.kind == "export_request":
        # No request exists: lists and forms open (or refused) per role, writes with no input refused.
        if rule.right == "missing":
            return Expect({403, 404}, refused_write=is_write, no_secrets=True)
        if is_write:
            return Expect({200, 400, 403}, refused_write=True, no_secrets=True)
        return Expect({200, 403}, no_secrets=True)
    if rule.kind == "audit":
        if not allowed:
            return Expect({405}, refused_write=True)
        # README: auditors browse the trail; the audit app also lets administrators in (reported to the lead).
        return Expect({200, 302, 404} if who.role in {"auditor", "administrator"} else {403, 404})
    if rule.kind == "notification":
        mine = rel == "mine"
        if not mine:
            return Expect({404, 405} if not allowed else {404}, refused_write=is_write, no_secrets=True)
        if not allowed:
            return Expect({405}, refused_write=True)
        return Expect({200, 302})
    if rule.kind == "stats":
        if not allowed:
            return Expect({405}, refused_write=True)
        if who.role in OVERSIGHT or who.role == "supervisor":
            return Expect({200})
        if who.role in {"caseworker", "focal_point"}:
            return Expect({200, 403})  # README: "aggregates: own scope"; the dashboard section names supervisors
        return Expect({403, 404})
    if rule.kind == "export":
        kind = rel
        if not allowed:
            return Expect({405}, refused_write=True)
        if kind == "htcds":  # identifying: case staff only, and (issue 5) only through an approved request
            return Expect({200, 403} if who.role in CASE_STAFF else {403, 404}, no_secrets=who.role not in CASE_STAFF)
        return Expect({200} if who.role in OVERSIGHT or who.role == "supervisor" else {403, 404}, no_secrets=True)
    if rule.kind == "person":
        view = case_view(who.role, rel)
        if view != "identity":
            return Expect({404, 405} if not allowed else {404}, refused_write=is_write, no_secrets=True)
        if not allowed:
            return Expect({405}, refused_write=True)
        if method == "PATCH":
            return Expect(
                {200} if case_right(who.role, rel, "edit") else {403},
                refused_write=not case_right(who.role, rel, "edit"),
            )
        return Expect({200})
    if rule.kind == "case":
        view = case_view(who.role, rel)
        if view == "none":
            # Out of scope: 404 whatever the method (405 may come first for a method nobody may use).
            codes = {404} if allowed else {404, 405}
            return Expect(codes, refused_write=is_write, no_secrets=True)
        if not allowed:
            return Expect({405}, refused_write=True, no_secrets=view != "identity")
        right = rule.write.get(method, rule.right) if is_write else rule.right
        if right == "read":
            return Expect({200}, no_secrets=view != "identity")
        if right == "missing":  # a sub-object id that does not exist
            return Expect({404}, refused_write=is_write, no_secrets=view != "identity")
        if right == "owner_read":
            ok = case_right(who.role, rel, "edit")
            return Expect({200} if ok else {403, 404}, no_secrets=view != "identity")
        ok = case_right(who.role, rel, right)
        if route.startswith(("attachment_", "api:case-attachment")) and view == "pseudonymous":
            return Expect({403, 404, 405}, refused_write=is_write, no_secrets=True)
        if not is_write:  # a form page (GET) for writers only
            return Expect({200} if ok else {403}, no_secrets=view != "identity")
        return Expect(rule.entitled if ok else {403}, refused_write=not ok, no_secrets=view != "identity")
    if rule.kind == "referral":
        party = referral_party(who.role, rel)
        if party == "none":
            codes = {404} if allowed else {404, 405}
            return Expect(codes, refused_write=is_write, no_secrets=True)
        if not allowed:
            return Expect({405}, refused_write=True, no_secrets=party != "sender")
        if rule.right == "read":
            return Expect({200}, no_secrets=party != "sender")
        parties, _ = REFERRAL_ACTIONS[rule.right]
        if party in parties:
            return Expect(OK)
        # 200: a party whose input the form refused (shown again with the errors); never a write.
        return Expect({200, 403, 409}, refused_write=True, no_secrets=party != "sender")
    raise AssertionError(f"no expectation for rule kind {rule.kind}")


def undeclared(rule, route, method, who, rel, api, anon, anon_answer) -> Expect:
    """A method the route does not declare: it must write nothing and show nothing more than GET would."""
    if rule.kind == "public":
        return Expect({200, 302, 400, 405}, refused_write=True)
    if rule.kind == "admin":
        return Expect({302}, refused_write=True, no_secrets=True)
    if anon:
        return Expect(anon_answer.statuses | {405}, refused_write=True, no_secrets=True)
    if api:
        codes = {403, 404, 405} | ({200} if method == "OPTIONS" else set())
        return Expect(codes, refused_write=True, no_secrets=True)
    if "GET" in rule.methods:  # Django function views answer other methods like GET, writing nothing
        as_get = expect(rule, route, "GET", who, rel)
        # Opening one's own notification marks it read, whatever the method: that write is the user's own.
        own = rule.kind == "notification" and rel == "mine"
        return Expect(as_get.statuses | {405}, refused_write=not own, no_secrets=as_get.no_secrets)
    return Expect({405}, refused_write=True, no_secrets=True)


# --- running it ----------------------------------------------------------------------------------

SNAPSHOT_PREFIXES = ("cases_", "victims_", "referrals_", "partners_", "documents_", "privacy_", "auth_", "guardian_")


def db_snapshot() -> int:
    """Rows inserted, updated or deleted so far in this transaction in the tables that hold persons,
    cases, referrals, partners, memberships, groups and grants (PostgreSQL's own per-transaction
    counters; they count a write even when it is rolled back or writes the same values)."""
    where = " OR ".join(f"relname LIKE '{p}%%'" for p in SNAPSHOT_PREFIXES)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_xact_user_tables "
            f"WHERE relname <> 'partners_user' AND ({where})"
        )
        return int(cur.fetchone()[0])


def security_event_count():
    """Rows the audit app records for refused requests, if it exists yet (helper "audit")."""
    try:
        from audit.models import SecurityEvent  # noqa: PLC0415
    except ImportError:
        return None
    return SecurityEvent.objects.count()


def session_client(user):
    """A browser-like client signed in past the second factor (tests.conftest.mfa_verify_session)."""
    client = Client()
    if user is not None:
        from . import conftest

        client.force_login(user)
        verify = getattr(conftest, "mfa_verify_session", None)
        if verify is not None:
            verify(client, user)
    return client


def matrix_requests(world, objects):
    """(route, method, rule, url, relation key, payload) for every route and object relation."""
    from partners.models import User
    from referrals.models import Notification

    table = rules()
    unknown = []
    requests = []
    ops = schema_operations()
    api_rules = {}
    names = set()
    for name, pattern in walk():
        names.add(name)
        if name.startswith("admin:"):
            continue
        rule = table.get(name)
        if rule is None:
            unknown.append(f"{name} {pattern}")
            continue
        if name.startswith("api:"):
            api_rules[re.sub(r"\{\w+\}", "{}", openapi_path(pattern))] = rule
        kwargs_names = re.findall(r"\(\?P<(\w+)>|<(?:\w+:)?(\w+)>", pattern)
        params = {a or b for a, b in kwargs_names}
        methods = list(dict.fromkeys([*rule.methods, *EXTRA_METHODS]))
        if "GET" in methods and "HEAD" not in methods:
            methods.append("HEAD")
        if name.startswith("api:"):
            methods.append("OPTIONS")
        relations = [None]
        if rule.kind in {"case", "person", "referral", "referral_create"}:
            relations = list(RELATIONS)
        elif rule.kind == "notification":
            relations = ["caseworker", "other"]
        elif rule.kind == "export":
            relations = ["ctdc", "htcds"]
        for rel in relations:
            url = "/" + re.sub(r"\^|\$", "", pattern)
            obj = objects.get(RELATIONS.get(rel, ""), None)
            fill = {}
            for param in params:
                if param in {"reference", "case_reference"}:
                    if rule.kind == "referral":
                        fill[param] = obj.referral.reference
                    elif rule.kind == "person":
                        fill[param] = obj.case.person.reference
                    else:
                        fill[param] = obj.case.reference
                elif param == "pk" and rule.kind == "notification":
                    owner = User.objects.get(username="cw" if rel == "caseworker" else "cw_police")
                    fill[param] = Notification.objects.filter(recipient=owner).first().pk
                elif param == "pk" and rule.kind == "other_token":
                    from accounts.services import api_token_create

                    fill[param] = api_token_create(user=User.objects.get(username="cw_police"), name="theirs")[0].pk
                elif param == "pk" and rule.kind == "audit":
                    fill[param] = 1
                elif param == "pk" and rule.right == "missing":  # an id that does not exist
                    fill[param] = 999999
                elif param == "pk":
                    assert obj is not None, name
                    sub = rule.sub or name.split(":")[-1].removeprefix("case-").rsplit("-", 1)[0] + "s"
                    sub = {"best-interests-determinations": "best-interests-determinations"}.get(sub, sub)
                    fill[param] = obj.sub[sub]
                elif param == "agency":
                    fill[param] = obj.share_agency
                elif param == "short_name":
                    fill[param] = "IR-POL"
                elif param == "kind":
                    fill[param] = rel
                elif param in {"fmt", "format"}:
                    fill[param] = "csv"
                else:
                    raise AssertionError(f"{name}: no way to fill the path parameter {param}")
            for param, value in fill.items():
                url = re.sub(r"\(\?P<" + param + r">[^)]*\)", str(value), url)
                url = re.sub(r"<(?:\w+:)?" + param + ">", str(value), url)
            for method in methods:
                requests.append((name, method, rule, url, rel, obj))
    assert not unknown, "routes without an authorization rule:\n" + "\n".join(unknown)
    for path, methods in ops.items():  # every operation of the schema is a route with a rule for its methods
        path = re.sub(r"\{\w+\}", "{}", path)
        assert path in api_rules, f"{path} is in the API schema but no URL pattern matched it"
        missing = methods - set(api_rules[path].methods)
        assert not missing, f"{path}: the schema has {missing}; give the rule those methods"
    for route in table:
        assert route in names, f"a rule for a route that no longer exists: {route}"
    return requests


def payload_for(rule, world, obj, who, route):
    if rule.payload is None:
        return {}
    if rule.payload == "identification_log":
        from partners.models import Province

        return {
            "agency": str((world.ir_commission if who.role == "focal_point" else world.ir_ngo).pk),
            "given_name_latin": "Matrix", "gender": "Masculine", "estimated_age": "14",
            "identified_on": TODAY.isoformat(), "country": "IR",
            "province": str(Province.objects.filter(country_id="IR").first().pk), "place": "Matrix",
            "context": "Street", "exploitation_types": ["ForcedBegging"],
            "trafficking_status": "PossibleVictimOfTrafficking",
        }  # fmt: skip
    if rule.payload == "person":
        return {"given_name_latin": "Matrix", "gender": "Masculine", "estimated_age": "15"}
    if rule.payload == "api_identification":
        agency = world.ir_commission if who.role == "focal_point" else world.ir_ngo
        return {
            "agency": agency.short_name,
            "person": {"given_name_latin": "Matrix", "gender": "Masculine", "estimated_age": 14},
            "identification": {"identified_on": TODAY.isoformat(), "country": "IR", "context": "Street",
                               "exploitation_types": ["ForcedBegging"],
                               "trafficking_status": "PossibleVictimOfTrafficking"},
        }  # fmt: skip
    if rule.payload == "api_referral":
        to = "AF-SHELTER" if obj.case.country_id == "AF" else "IR-SHELTER"
        return {
            "case": obj.case.reference,
            "to_agency": to,
            "services": ["Shelter"],
            "reason": "AdditionalServicesRequired",
        }
    return rule.payload(world, obj, who)


def send(client, method, url, data, api):
    kw = {}
    if method in {"POST", "PUT", "PATCH"}:
        kw = {"data": json.dumps(data), "content_type": "application/json"} if api else {"data": data}
    return getattr(client, method.lower())(url, **kw)


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(ROLES))
def test_every_route_answers_every_role_as_the_readme_says(world, role):
    """One role: every route x every object relation x every method (MATRIX_SIZE over the 10 roles)."""
    objects = build_objects(world)
    users = {role: getattr(world, ROLES[role]) if ROLES[role] else None}
    requests = matrix_requests(world, objects)
    failures = []
    count = 0
    refusals_without_event = []
    audit = security_event_count() is not None
    for role, user in users.items():
        who = Who(role, user, SEATS[role])
        ui_client = session_client(user)
        api_client = client_for(user)
        ui_client.raise_request_exception = api_client.raise_request_exception = False  # a 500 is a finding
        from django.conf import settings

        session_cookie = ui_client.cookies.get(settings.SESSION_COOKIE_NAME)
        for name, method, rule, url, rel, obj in requests:
            api = name.startswith("api:")
            client = api_client if api else ui_client
            if rule.kind == "notification":
                exp = expect(
                    rule, name, method, who, "mine" if (rel, role) == ("caseworker", "caseworker") else "other"
                )
            else:
                exp = expect(rule, name, method, who, RELATIONS.get(rel, rel))
            if method == "HEAD":  # a view may take GET only (405 for HEAD): never more than GET shows
                exp.statuses = exp.statuses | {405}
            data = payload_for(rule, world, obj, who, name) if method in {"POST", "PUT", "PATCH"} else {}
            with transaction.atomic():
                before = db_snapshot() if exp.refused_write else None
                events = security_event_count() if audit else None
                response = send(client, method, url, data, api)
                count += 1
                problems = []
                if response.status_code not in exp.statuses:
                    problems.append(f"status {response.status_code} not in {sorted(exp.statuses)}")
                if exp.login_redirect and response.status_code == 302 and "/login/" not in response["Location"]:
                    problems.append(f"redirect to {response['Location']}, not the login page")
                if exp.refused_write and before != db_snapshot():
                    problems.append("the database changed")
                if exp.no_secrets and obj is not None and method != "HEAD":
                    text = response.content.decode("utf-8", "replace")
                    leaked = [s for s in obj.secrets if s in text or json.dumps(s)[1:-1] in text]
                    if leaked:
                        problems.append(f"leaked {leaked}")
                if audit and response.status_code == 403 and security_event_count() == events:
                    problems.append("a 403 without a security event in the audit trail")
                if problems:
                    failures.append(f"{role:26} {method:7} {url} [{rel}]: " + "; ".join(problems))
                transaction.set_rollback(True)
            if session_cookie is not None:  # the rollback restored the session row; logout or a new key did not
                ui_client.cookies[settings.SESSION_COOKIE_NAME] = session_cookie.value
    print(f"MATRIX {role}: {count} requests")
    assert not failures, f"{len(failures)} of {count} answers differ from the rules:\n" + "\n".join(failures)
    if audit:
        assert not refusals_without_event, "403s without a security event:\n" + "\n".join(refusals_without_event[:50])


@pytest.mark.django_db
def test_the_admin_site_is_for_administrators_only(world):
    """Every admin route: administrators get in, everyone else is sent to the admin login."""
    from django.apps import apps

    users = {role: (getattr(world, attr) if attr else None) for role, attr in ROLES.items()}
    admin_routes = [(n, p) for n, p in walk() if n.startswith("admin:")]
    assert admin_routes
    failures = []
    count = 0
    for name, pattern in admin_routes:
        url = "/" + pattern.replace("^", "").replace("$", "")
        params = re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", url)
        params = {a or b for a, b in params}
        fill = {}
        if "app_label" in params:
            fill["app_label"] = "partners"
        if "object_id" in params:
            m = re.match(r"admin:([a-z0-9]+)_([a-z0-9]+)_", name)
            try:
                model = apps.get_model(m.group(1), m.group(2)) if m else None
            except LookupError:
                model = None
            first = model.objects.order_by("pk").first() if model else None
            fill["object_id"] = first.pk if first else 1
        for param in params - set(fill):
            fill[param] = 1
        for param, value in fill.items():
            url = re.sub(r"<(?:\w+:)?" + param + ">", str(value), url)
            url = re.sub(r"\(\?P<" + param + r">[^)]*\)", str(value), url)
        for role, user in users.items():
            client = session_client(user)
            for method in ("GET", "POST"):
                with transaction.atomic():
                    before = db_snapshot() if role != "administrator" else None
                    response = getattr(client, method.lower())(url, {})
                    count += 1
                    if name in {"admin:login", "admin:logout"}:  # open pages: the sign-in form, signing out
                        ok = response.status_code in {200, 302, 405}  # logout: POST only
                        if not ok:
                            failures.append(f"{role} {method} {url}: {response.status_code}")
                    elif role != "administrator":
                        ok = response.status_code == 302 and "/admin/login/" in response["Location"]
                        if not ok or before != db_snapshot():
                            failures.append(f"{role} {method} {url}: {response.status_code}")
                    elif method == "GET" and response.status_code >= 500:
                        failures.append(f"{role} {method} {url}: {response.status_code}")
                    transaction.set_rollback(True)
    print(f"ADMIN_MATRIX_SIZE={count}")
    assert not failures, "\n".join(failures)
