"""Shared helpers for the referral tests (no tests here): a referral cast on top of `world`, and
walks that bring a referral to any state through the services, the only way states change.

On top of `world`:
- ir_shelter (Iran, shelter): service provider `sp_shelter`, supervisor `sup_shelter` (a national
  referral needs sender and receiver in the same country)
- af_ngo gets a supervisor `sup_af`
- af_com (Afghanistan, national focal point): focal point `focal_af`
- every user has an e-mail address (one outbox row per notified user).
"""

import datetime

from django.utils import timezone

from tests.conftest import make_agency, make_user

NATIONAL_CONSENT = "NationalReferral"
CROSS_BORDER_CONSENT = "CrossBorderReferral"


def referral_world(world):
    from partners.models import User

    w = world
    w.ir_shelter = make_agency("IR-SHELTER", "IR", "Shelter", services=["Shelter", "Medical"])
    w.sp_shelter = make_user("sp_shelter", w.ir_shelter, "service_provider")
    w.sup_shelter = make_user("sup_shelter", w.ir_shelter, "supervisor")
    w.sup_af = make_user("sup_af", w.af_ngo, "supervisor")
    w.af_com = make_agency("AF-COM", "AF", "NationalCommission", services=[], is_focal_point=True)
    w.focal_af = make_user("focal_af", w.af_com, "focal_point")
    for user in User.objects.all():
        user.email = f"{user.username}@example.org"
        user.save(update_fields=["email"])
    for value in list(vars(w).values()):
        if isinstance(value, User):
            value.email = f"{value.username}@example.org"
    w.users = {name: value for name, value in vars(w).items() if isinstance(value, User)}
    return w


def consent(w, purpose, case=None, user=None):
    from cases.services import consent_record

    return consent_record(user=user or w.cw, case=case or w.case_ir, purpose=purpose)


def return_assessment(w, case=None, user=None):
    from cases.services import risk_assessment_add

    return risk_assessment_add(
        user=user or w.cw, case=case or w.case_ir, risk_level="Medium", risk_factors=["ReTrafficking"],
        is_return_assessment=True, safety_plan="Accompanied return, family visited first.",
        next_review_on=timezone.localdate() + datetime.timedelta(days=30),
    )  # fmt: skip


def best_interests(w, case=None, user=None):
    from cases.services import best_interests_determination_add

    return best_interests_determination_add(
        user=user or w.cw, case=case or w.case_ir, panel="BID panel, Tehran", family_assessed=True,
        recommends_return=True, summary="Return to the family in Herat is in the child's interests.",
    )  # fmt: skip


def ready_for_border(w, case=None):
    """Everything the origin focal point needs before approving (the case is a child's)."""
    consent(w, CROSS_BORDER_CONSENT, case)
    return_assessment(w, case)
    best_interests(w, case)


def national(w, **kw):
    """A draft from IR-NGO to IR-SHELTER."""
    from referrals.services import referral_create

    kw.setdefault("services", ["Shelter"])
    kw.setdefault("reason", "AdditionalServicesRequired")
    return referral_create(user=kw.pop("user", w.cw), case=kw.pop("case", w.case_ir), to_agency=w.ir_shelter, **kw)


def cross(w, *, to_agency="af_ngo", **kw):
    """A draft from IR-NGO to Afghanistan (AF-NGO proposed, so its staff are the receivers throughout)."""
    from referrals.services import referral_create

    kw.setdefault("services", ["Shelter"])
    kw.setdefault("reason", "MigrationOrChangeOfLocation")
    agency = getattr(w, to_agency) if to_agency else None
    return referral_create(
        user=kw.pop("user", w.cw), case=kw.pop("case", w.case_ir), to_country="AF", to_agency=agency, **kw
    )


def receiver(w, referral):
    return w.sp_af if referral.is_cross_border else w.sp_shelter


def expire(referral):
    from referrals.models import Referral
    from referrals.services import referral_expire

    Referral.objects.filter(pk=referral.pk).update(response_deadline=timezone.now() - datetime.timedelta(minutes=1))
    assert referral_expire(referral=referral)


# The legal paths to each state, as the services walk them.
NATIONAL_PATHS = {
    "draft": [],
    "sent": ["send"],
    "accepted": ["send", "accept"],
    "declined": ["send", "decline"],
    "completed": ["send", "accept", "complete"],
    "withdrawn": ["send", "withdraw"],
    "expired": ["send", "expire"],
}
CROSS_PATHS = {
    "draft": [],
    "returned": ["send", "send_back"],
    "origin_focal": ["send"],
    "destination_focal": ["send", "approve"],
    "sent": ["send", "approve", "assign"],
    "accepted": ["send", "approve", "assign", "accept"],
    "declined": ["send", "approve", "decline_focal"],
    "completed": ["send", "approve", "assign", "accept", "complete"],
    "withdrawn": ["send", "approve", "withdraw"],
    "expired": ["send", "approve", "expire"],
}


def step(w, referral, action):
    """One legal move by the person whose move it is."""
    from referrals import services as s

    r = receiver(w, referral)
    moves = {
        "send": lambda: s.referral_send(user=w.cw, referral=referral),
        "approve": lambda: s.referral_approve(user=w.focal_ir, referral=referral),
        "send_back": lambda: s.referral_send_back(user=w.focal_ir, referral=referral, reason="Add the return plan."),
        "assign": lambda: s.referral_assign(user=w.focal_af, referral=referral, to_agency=w.af_ngo),
        "accept": lambda: s.referral_accept(user=r, referral=referral),
        "decline": lambda: s.referral_decline(user=r, referral=referral, reason="NoCapacity", details="Full."),
        "decline_focal": lambda: s.referral_decline(user=w.focal_af, referral=referral, reason="SecurityConcerns"),
        "complete": lambda: s.referral_complete(user=r, referral=referral, successful=True, feedback="Housed."),
        "withdraw": lambda: s.referral_withdraw(user=w.cw, referral=referral, reason="Family found."),
        "expire": lambda: expire(referral),
    }
    moves[action]()
    referral.refresh_from_db()
    return referral


def walk(w, referral, state):
    """Bring a fresh draft to `state` along its legal path (consent and checks recorded first)."""
    if referral.is_cross_border:
        if not w.case_ir.consents.filter(purpose=CROSS_BORDER_CONSENT).exists():
            ready_for_border(w)
        path = CROSS_PATHS[state]
    else:
        if not w.case_ir.consents.filter(purpose=NATIONAL_CONSENT).exists():
            consent(w, NATIONAL_CONSENT)
        path = NATIONAL_PATHS[state]
    for action in path:
        step(w, referral, action)
    return referral
