"""Demo data: fictional agencies, demo logins, a dozen hand-made cases; optionally many synthetic cases.

    manage.py seed_demo                     # idempotent: `make run` runs it every time
    manage.py seed_demo --cases 1000000     # plus N synthetic cases by COPY (cases/bulk.py)
    manage.py seed_demo --agencies 200      # plus synthetic agencies SYN-001..SYN-200 (benchmarks)

Everything here is fictional. Real organisations (UNODC, IOM, the national commissions) appear only
as clearly marked "(demo)" offices; invented NGOs and shelters are marked "(fictional)". Demo users
have `is_demo=True`: partners.backends refuses them unless DEMO_LOGINS_ENABLED (i.e. DEBUG) is on.
"""

import datetime
import random
import time
import zlib

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from cases import services as case_services
from cases.models import Case
from partners.models import Agency, Country, Membership, Province, Role, Scope, User
from partners.services import agency_create, membership_create
from stats.rollups import rollups_rebuild
from victims.names import name_search_q

DEMO_PASSWORD = "glo-act-demo-2026"


def _case_named(given_latin: str, family_latin: str | None, **filters) -> Case | None:
    """The first case whose person has these Latin names. Names are encrypted: the blind index
    narrows the candidates, the decrypted names decide."""
    cases = Case.objects.filter(**filters).select_related("person").order_by("id")
    match = name_search_q(given_latin, field="person__name_index")
    for case in cases.filter(match) if match is not None else cases:
        person = case.person
        if person.given_name_latin == given_latin and family_latin in (None, person.family_name_latin):
            return case
    return None


# short_name, name, type, country, province, city, services, is_focal_point
AGENCIES = [
    ("UNODC-RO", "UNODC Regional Office (demo)", "UNAgency", "AF", "Kabul", "Kabul", [], False),
    ("UNODC-IR", "UNODC Country Office Iran (demo)", "UNAgency", "IR", "Tehran", "Tehran", [], False),
    ("IOM-AF", "IOM Afghanistan (demo)", "UNAgency", "AF", "Kabul", "Kabul",
     ["ReturnAssistance", "Reintegration", "Medical", "Psychosocial", "CashAssistance", "FamilyTracing",
      "Documentation"], False),
    ("IOM-IR", "IOM Iran (demo)", "UNAgency", "IR", "Tehran", "Tehran",
     ["ReturnAssistance", "Medical", "Psychosocial", "CashAssistance", "Interpretation"], False),
    ("IOM-PK", "IOM Pakistan (demo)", "UNAgency", "PK", "Islamabad Capital Territory", "Islamabad",
     ["ReturnAssistance", "Reintegration", "Medical", "Psychosocial", "CashAssistance", "Documentation"], False),
    ("IOM-IQ", "IOM Iraq (demo)", "UNAgency", "IQ", "Baghdad", "Baghdad",
     ["ReturnAssistance", "Reintegration", "Medical", "Psychosocial", "CashAssistance", "Livelihood", "Shelter"],
     False),
    ("NC-AF", "National Commission against Trafficking in Persons, Afghanistan (demo)", "NationalCommission", "AF",
     "Kabul", "Kabul", ["ChildProtection"], True),
    ("NC-IR", "National Anti-Trafficking Commission, Iran (demo)", "NationalCommission", "IR", "Tehran", "Tehran",
     ["ChildProtection"], True),
    ("NC-IQ", "Central Committee against Trafficking in Persons, Iraq (demo)", "NationalCommission", "IQ",
     "Baghdad", "Baghdad", ["ChildProtection"], True),
    ("NC-PK", "National Anti-Trafficking Commission, Pakistan (demo)", "NationalCommission", "PK",
     "Islamabad Capital Territory", "Islamabad", ["ChildProtection"], True),
    ("IR-POL-THR", "Tehran Police Anti-Trafficking Unit (demo)", "Police", "IR", "Tehran", "Tehran",
     ["LawEnforcement"], False),
    ("AF-BP-ISQ", "Islam Qala Border Police (demo)", "BorderAndImmigration", "AF", "Herat", "Islam Qala",
     ["LawEnforcement", "Interpretation"], False),
    ("PK-ATC-LHR", "Anti-Trafficking Circle Lahore (demo)", "Police", "PK", "Punjab", "Lahore",
     ["LawEnforcement"], False),
    ("IQ-POL-ERB", "Erbil Anti-Trafficking Police Unit (demo)", "Police", "IQ", "Erbil", "Erbil",
     ["LawEnforcement"], False),
    ("IR-TCON", "Tehran Child Outreach Network (fictional)", "NGO", "IR", "Tehran", "Tehran",
     ["ChildProtection", "Psychosocial", "Education", "Medical", "Shelter", "FamilyTracing", "Interpretation"],
     False),
    ("IR-MCS", "Mashhad Migrant Children Support Centre (fictional)", "NGO", "IR", "Razavi Khorasan", "Mashhad",
     ["ChildProtection", "Education", "Psychosocial", "Documentation", "FamilyTracing"], False),
    ("AF-HSH", "Herat Safe House for Returnees (fictional)", "Shelter", "AF", "Herat", "Herat",
     ["Shelter", "Medical", "Psychosocial", "FamilyTracing", "Reintegration", "Education", "ChildProtection"],
     False),
    ("AF-KLA", "Kabul Women's Legal Aid Collective (fictional)", "LegalAid", "AF", "Kabul", "Kabul",
     ["LegalAid", "Psychosocial", "Documentation"], False),
    ("PK-BKR", "Punjab Brick Kiln Workers Relief (fictional)", "NGO", "PK", "Punjab", "Lahore",
     ["LegalAid", "Livelihood", "Education", "CashAssistance", "Documentation"], False),
    ("PK-PRS", "Peshawar Returnee Shelter (fictional)", "Shelter", "PK", "Khyber Pakhtunkhwa", "Peshawar",
     ["Shelter", "Medical", "Psychosocial", "ReturnAssistance", "Interpretation"], False),
    ("IQ-EWS", "Erbil Women and Girls Shelter (fictional)", "Shelter", "IQ", "Erbil", "Erbil",
     ["Shelter", "Medical", "Psychosocial", "LegalAid", "Livelihood"], False),
    ("IQ-BCP", "Basra Child Protection Network (fictional)", "NGO", "IQ", "Basra", "Basra",
     ["ChildProtection", "Education", "Psychosocial", "FamilyTracing"], False),
]  # fmt: skip

# username, first name, last name, role, scope, agency
DEMO_USERS = [
    ("caseworker", "Sara", "Rahimi", Role.CASEWORKER, Scope.AGENCY, "IR-TCON"),
    ("supervisor", "Mehdi", "Karimi", Role.SUPERVISOR, Scope.AGENCY, "IR-TCON"),
    ("ngo", "Farzana", "Noori", Role.SERVICE_PROVIDER, Scope.AGENCY, "AF-HSH"),
    ("focal_ir", "Hamid", "Mousavi", Role.FOCAL_POINT, Scope.AGENCY, "NC-IR"),
    ("focal_af", "Nasir", "Ahmadzai", Role.FOCAL_POINT, Scope.AGENCY, "NC-AF"),
    ("manager", "Elena", "Marchetti", Role.PROGRAMME_MANAGER, Scope.REGION, "UNODC-RO"),
    ("auditor", "Daniel", "Okafor", Role.AUDITOR, Scope.REGION, "UNODC-RO"),
    ("admin", "Aisha", "Siddiqui", Role.ADMINISTRATOR, Scope.AGENCY, "UNODC-RO"),
    ("caseworker_fa", "Maryam", "Hosseini", Role.CASEWORKER, Scope.AGENCY, "IR-TCON"),
]
# The demo logins read English, so that the README's walk-throughs match the screen, except this one,
# left on the automatic language and calendar: a caseworker in Iran reads Persian with Solar Hijri dates.
DEMO_AUTOMATIC_LANGUAGE = {"caseworker_fa"}
DEMO_USERNAMES = [u[0] for u in DEMO_USERS]

# Staff who log the cases of the other agencies (and the synthetic ones): demo users that cannot sign
# in at all (unusable password). UN offices without casework (UNODC) have none.
STAFF_NAMES = {
    "AF": [("Ahmad", "Safi"), ("Shabnam", "Haidari"), ("Wahid", "Jalali"), ("Fereshta", "Amiri")],
    "IR": [("Maryam", "Sadeghi"), ("Reza", "Najafi"), ("Leila", "Moradi"), ("Saeed", "Bahrami")],
    "IQ": [("Huda", "al-Saadi"), ("Haider", "al-Rubaie"), ("Zainab", "al-Tamimi"), ("Yousif", "al-Bayati")],
    "PK": [("Bilal", "Chaudhry"), ("Saima", "Qureshi"), ("Imran", "Malik"), ("Hina", "Awan")],
}
NO_CASEWORK = {"UNODC-RO", "UNODC-IR"}
STAFF_PER_AGENCY = 2

SYNTHETIC_TYPES = [
    ("NGO", 0.35, ["ChildProtection", "Psychosocial", "Education", "FamilyTracing"]),
    ("Shelter", 0.2, ["Shelter", "Medical", "Psychosocial"]),
    ("Police", 0.15, ["LawEnforcement"]),
    ("BorderAndImmigration", 0.1, ["LawEnforcement", "Interpretation"]),
    ("LegalAid", 0.1, ["LegalAid", "Documentation"]),
    ("Health", 0.1, ["Medical", "Psychosocial"]),
]
SYNTHETIC_COUNTRIES = [("IR", 0.3), ("AF", 0.3), ("PK", 0.25), ("IQ", 0.15)]


def _days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)


# The hand-made cases. `by` is a demo username or "staff" (the agency's first staff member).
# `ident` holds `days_ago` (the identification date) and `province` (a name) besides the service's fields.
DEMO_CASES = [
    {
        "agency": "IR-TCON", "by": "caseworker",
        "person": {"given_name": "سمیع‌الله", "given_name_latin": "Samiullah", "father_name": "گل‌احمد",
                   "gender": "Masculine", "estimated_age": 11, "citizenships": ["AF"], "languages": ["prs", "fa"],
                   "vulnerabilities": ["Poverty", "Migration", "Homelessness"]},
        "ident": {"days_ago": 40, "province": "Tehran", "place": "Intersection near the Tajrish bazaar (fictional)",
                  "context": "Street", "acts": ["Recruitment", "Harbouring"], "purposes": ["ForcedLabourOrServices"],
                  "exploitation_types": ["ForcedBegging"], "methods_of_control": ["TakesEarnings", "PhysicalThreats"],
                  "ilo_indicators": ["AbuseOfVulnerability", "WithholdingOfWages"],
                  "relationship_to_recruiter": "Acquainted", "trafficking_status": "PossibleVictimOfTrafficking",
                  "narrative": "Begs at the intersection from early morning. A man he calls 'uncle' brings him "
                               "and takes the money. Says his parents live in a village in Herat province."},
        "consents": [("DataProcessing", "AppointedGuardian", "Leila Moradi (appointed guardian)"),
                     ("CrossBorderReferral", "AppointedGuardian", "Leila Moradi (appointed guardian)")],
        "risk": ("High", ["ReTrafficking", "RetaliationByTraffickers", "NoSafeAccommodation"],
                 "Sleeps at the night shelter; outreach team avoids the intersection; family tracing through the "
                 "Herat partner.", 14),
        "notes": ["Family tracing requested: he named his village and his mother's name.",
                  "Attended the learning centre twice this week; eats well, sleeps badly."],
        "services": [("Psychosocial", "IR-TCON", 35, "caseworker")],
        "share": {"with": "AF-HSH", "identity": True,
                  "reason": "Referral for family tracing and reception on return.",
                  "services": [("FamilyTracing", "AF-HSH", 10, "ngo")]},
    },
    {
        "agency": "IR-TCON", "by": "caseworker",
        "person": {"given_name": "مرسل", "family_name": "حیدری", "given_name_latin": "Mursal",
                   "family_name_latin": "Haidari", "gender": "Feminine", "estimated_age": 9, "citizenships": ["AF"],
                   "languages": ["haz", "fa"], "vulnerabilities": ["Poverty", "Migration", "Education"]},
        "ident": {"days_ago": 25, "province": "Tehran", "place": "Metro station entrance (fictional)",
                  "context": "Street", "acts": ["Harbouring"], "purposes": ["ForcedLabourOrServices"],
                  "exploitation_types": ["ForcedBegging"], "methods_of_control": ["TakesEarnings"],
                  "relationship_to_recruiter": "Familial", "trafficking_status": "PossibleVictimOfTrafficking",
                  "narrative": "Sells flowers and begs at the metro entrance until late at night; her earnings "
                               "go to a relative who rents her to a group of adults."},
        "consents": [("DataProcessing", "AppointedGuardian", "Leila Moradi (appointed guardian)")],
        "risk": ("Medium", ["FamilyInvolvedInTrafficking"], "Daily contact at the learning centre; no contact "
                 "with the relative without a social worker present.", 30),
        "notes": ["Attends the learning centre three mornings a week."],
        "services": [("Education", "IR-TCON", 20, "caseworker")],
    },
    {
        "agency": "IR-TCON", "by": "caseworker",
        "person": {"given_name": "امیر", "family_name": "قاسمی", "given_name_latin": "Amir",
                   "family_name_latin": "Ghasemi", "gender": "Masculine", "dob_years": 14, "citizenships": ["IR"],
                   "languages": ["fa"], "document_type": "BirthCertificate",
                   "vulnerabilities": ["Poverty", "Education"]},
        "ident": {"days_ago": 60, "province": "Tehran", "place": "Waste sorting yard in the south of the city",
                  "context": "Worksite", "acts": ["Recruitment"], "purposes": ["ForcedLabourOrServices"],
                  "exploitation_types": ["ChildLabour", "ForcedLabour"],
                  "forced_labour_industry": "E_WaterSupplySewerageWasteManagement",
                  "methods_of_control": ["ExcessiveWorkingHours", "TakesEarnings"],
                  "ilo_indicators": ["ExcessiveOvertime", "AbusiveWorkingAndLivingConditions"],
                  "trafficking_status": "ActualVictimOfTrafficking", "status_decided_by": "NGO",
                  "narrative": "Sorts waste twelve hours a day for a contractor who pays his food only."},
        "consents": [("DataProcessing", "Guardian", "Fatemeh Ghasemi (mother)")],
        "risk": ("Medium", ["UrgentHealthNeed"], "Medical check for cuts and a cough; mother informed.", 30),
        "services": [("Medical", "IR-TCON", 55, "caseworker")],
    },
    {
        "agency": "IR-TCON", "by": "caseworker",
        "person": {"given_name": "ذبیح‌الله", "family_name": "عزیزی", "given_name_latin": "Zabihullah",
                   "family_name_latin": "Azizi", "gender": "Masculine", "estimated_age": 16, "citizenships": ["AF"],
                   "languages": ["ps", "prs"], "vulnerabilities": ["Poverty", "Migration", "Addiction"]},
        "ident": {"days_ago": 18, "province": "Tehran", "place": "Police station (referred by the police)",
                  "context": "PoliceOperation", "acts": ["Recruitment", "Transportation"],
                  "means": ["Coercion", "Deception"], "purposes": ["ForcedLabourOrServices"],
                  "exploitation_types": ["ForcedCriminality"], "is_smuggled_migrant": True,
                  "methods_of_control": ["DebtBondage", "PhysicalThreats", "PsychoactiveSubstance"],
                  "ilo_indicators": ["DebtBondage", "IntimidationAndThreats"],
                  "trafficking_status": "PossibleVictimOfTrafficking",
                  "narrative": "Arrested carrying a package from the border; says the smugglers made him carry "
                               "it to pay for his crossing and threatened his family in Nimruz."},
        "consents": [("DataProcessing", "AppointedGuardian", "Leila Moradi (appointed guardian)"),
                     ("NationalReferral", "AppointedGuardian", "Leila Moradi (appointed guardian)")],
        "risk": ("Critical", ["RiskToLife", "RetaliationByTraffickers", "DetentionOrDeportation"],
                 "Not to be returned before a return risk assessment; lawyer to attend every hearing.", 7),
        "notes": ["Asked the commission to treat him as a presumed victim, not as a drug courier."],
    },
    {
        "agency": "IR-TCON", "by": "caseworker",
        "person": {"given_name": "شبنم", "family_name": "احمدزی", "given_name_latin": "Shabnam",
                   "family_name_latin": "Ahmadzai", "gender": "Feminine", "estimated_age": 24,
                   "citizenships": ["AF"], "languages": ["prs"], "vulnerabilities": ["Migration", "Poverty"]},
        "ident": {"days_ago": 9, "province": "Tehran", "place": "Called the hotline from a western suburb",
                  "context": "Hotline", "is_smuggled_migrant": True, "trafficking_status": "Screened",
                  "narrative": "Crossed through Pakistan and Sistan and Baluchestan; the smuggler now demands "
                               "twice the agreed fee and keeps her passport."},
        "consents": [("DataProcessing", "Person", "")],
        "risk": ("High", ["ReTrafficking", "DetentionOrDeportation"], "Meets staff only at the NGO office; "
                 "has the hotline number saved under another name.", 7),
        "notes": ["Screening to continue at the next meeting, with a female Dari interpreter."],
    },
    {
        "agency": "IR-TCON", "by": "caseworker",
        "person": {"given_name": "زرمینه", "family_name": "صافی", "given_name_latin": "Zarmina",
                   "family_name_latin": "Safi", "gender": "Feminine", "estimated_age": 15, "citizenships": ["AF"],
                   "languages": ["ps", "fa"], "vulnerabilities": ["Poverty", "Migration", "Education"]},
        "ident": {"days_ago": 12, "province": "Tehran", "place": "Community centre (fictional)",
                  "context": "CommunityReferral", "acts": ["Transfer"], "purposes": ["SlaveryOrSimilarPractices"],
                  "exploitation_types": ["ForcedMarriage"], "recruitment_methods": ["ThroughFamilyOrFamilyEvents"],
                  "relationship_to_recruiter": "Familial", "trafficking_status": "PossibleVictimOfTrafficking",
                  "narrative": "Promised in marriage to a man of fifty to settle her father's debt."},
        "consents": [("DataProcessing", "AppointedGuardian", "Leila Moradi (appointed guardian)")],
        "risk": ("Critical", ["RiskToLife", "FamilyInvolvedInTrafficking"], "Placed in the girls' shelter; the "
                 "family does not know where.", 7),
        "services": [("Shelter", "IR-TCON", 11, "caseworker")],
    },
    {
        "agency": "IR-TCON", "by": "caseworker",
        "person": {"given_name": "نازنین", "family_name": "طاهری", "given_name_latin": "Nazanin",
                   "family_name_latin": "Taheri", "gender": "Feminine", "dob_years": 17, "citizenships": ["IR"],
                   "languages": ["fa"], "document_type": "NationalId",
                   "vulnerabilities": ["AbuseSocialMedia", "MentalHealth"]},
        "ident": {"days_ago": 30, "province": "Tehran", "place": "Online (messaging app)", "context": "Hotline",
                  "acts": ["Recruitment"], "purposes": ["SexualExploitation"],
                  "exploitation_types": ["SexualExploitation"], "sex_exploitation_types": ["RemoteInteractiveServices"],
                  "recruitment_methods": ["ThroughOnlineSocialNetworks"], "methods_of_control": ["PsychologicalAbuse"],
                  "trafficking_status": "PossibleVictimOfTrafficking",
                  "narrative": "Groomed through a social network; threatened with the release of images."},
        "consents": [("DataProcessing", "Guardian", "Azadeh Taheri (mother)")],
        "risk": ("High", ["SelfHarm", "RetaliationByTraffickers"], "Weekly counselling; safety plan agreed with "
                 "her mother; accounts reported to the platform.", 7),
        "services": [("Psychosocial", "IR-TCON", 28, "caseworker")],
    },
    {
        "agency": "IR-TCON", "by": "caseworker",
        "person": {"given_name": "علیرضا", "family_name": "جعفری", "given_name_latin": "Alireza",
                   "family_name_latin": "Jafari", "gender": "Masculine", "estimated_age": 12, "citizenships": ["AF"],
                   "languages": ["haz", "fa"], "vulnerabilities": ["Poverty", "Migration"]},
        "ident": {"days_ago": 5, "province": "Tehran", "place": "Carpet workshop (fictional)", "context": "Worksite",
                  "exploitation_types": ["ChildLabour"], "trafficking_status": "Screened",
                  "narrative": "Weaves carpets in a basement workshop; has not been to school for two years."},
        "notes": ["Visit planned with the labour inspectorate."],
    },
    {
        "agency": "IR-TCON", "by": "caseworker",
        "person": {"given_name": "فرید", "family_name": "رسولی", "given_name_latin": "Farid",
                   "family_name_latin": "Rasuli", "gender": "Masculine", "dob_years": 19, "citizenships": ["AF"],
                   "languages": ["prs"], "document_type": "RefugeeCard",
                   "vulnerabilities": ["Migration", "Poverty"]},
        "ident": {"days_ago": 75, "province": "Tehran", "place": "Construction site (fictional)",
                  "context": "SelfReferral", "acts": ["Recruitment", "Transportation"],
                  "means": ["Deception", "AbuseOfVulnerability"], "purposes": ["ForcedLabourOrServices"],
                  "exploitation_types": ["ForcedLabour"], "forced_labour_industry": "F_Construction",
                  "methods_of_control": ["WithholdsDocuments", "TakesEarnings"],
                  "ilo_indicators": ["RetentionOfIdentityDocuments", "WithholdingOfWages", "Deception"],
                  "trafficking_status": "ActualVictimOfTrafficking", "status_decided_by": "NGO",
                  "narrative": "Worked eight months on a building site without pay; the contractor kept his card."},
        "consents": [("DataProcessing", "Person", ""), ("NationalReferral", "Person", "")],
        "risk": ("Low", [], "Lives with cousins; contacts the NGO weekly.", 60),
    },
    {
        "agency": "IR-TCON", "by": "caseworker",
        "person": {"given_name": "نور", "given_name_latin": "Noor", "aliases": ["Noori"], "gender": "Masculine",
                   "citizenships": ["AF"], "languages": ["prs"], "vulnerabilities": ["Homelessness"]},
        "ident": {"days_ago": 2, "province": "Tehran", "place": "Bus terminal (fictional)", "context": "Street",
                  "exploitation_types": ["ForcedBegging"], "trafficking_status": "Screened",
                  "narrative": "Could not say his age; treated as a child until an age assessment."},
        "notes": ["Age unknown: presumed a child (Palermo Protocol practice)."],
    },
    {
        "agency": "IR-TCON", "by": "caseworker",
        "person": {"given_name": "کیان", "family_name": "مرادی", "given_name_latin": "Kian",
                   "family_name_latin": "Moradi", "gender": "Masculine", "dob_years": 10, "citizenships": ["IR"],
                   "languages": ["fa"], "vulnerabilities": ["Poverty"]},
        "ident": {"days_ago": 50, "province": "Tehran", "place": "Park near the bazaar (fictional)",
                  "context": "Street", "trafficking_status": "NotAVictimOfTrafficking", "status_decided_by": "NGO",
                  "narrative": "Sells chewing gum with his father after school."},
        "close": ("NotAVictim", "No exploitation found; the family was referred to the municipality's "
                                "support programme.", 40),
    },
    {
        "agency": "IR-TCON", "by": "caseworker",
        "person": {"given_name": "پروانه", "family_name": "امیری", "given_name_latin": "Parwana",
                   "family_name_latin": "Amiri", "gender": "Feminine", "estimated_age": 13, "citizenships": ["AF"],
                   "languages": ["prs", "fa"], "vulnerabilities": ["Migration", "Poverty"]},
        "ident": {"days_ago": 200, "province": "Tehran", "place": "Street market (fictional)", "context": "Street",
                  "acts": ["Harbouring"], "purposes": ["ForcedLabourOrServices"],
                  "exploitation_types": ["ForcedBegging"], "trafficking_status": "ActualVictimOfTrafficking",
                  "status_decided_by": "NGO", "narrative": "Begged for a neighbour who kept the money."},
        "consents": [("DataProcessing", "AppointedGuardian", "Leila Moradi (appointed guardian)"),
                     ("CrossBorderReferral", "AppointedGuardian", "Leila Moradi (appointed guardian)")],
        "risk": ("Low", [], "Return risk assessed with the receiving shelter; mother traced in Herat.", 30, True),
        "services": [("ReturnAssistance", "IOM-IR", 120, "caseworker")],
        "close": ("ReturnedAndReintegrated", "Returned to her mother; follow-up by the Herat partner.", 100),
    },
    {
        "agency": "IR-MCS", "by": "staff",
        "person": {"given_name": "حسین", "family_name": "نیازی", "given_name_latin": "Hussain",
                   "family_name_latin": "Niazi", "gender": "Masculine", "estimated_age": 10, "citizenships": ["AF"],
                   "languages": ["prs"], "vulnerabilities": ["Poverty", "Migration"]},
        "ident": {"days_ago": 15, "province": "Razavi Khorasan", "place": "Outside a shrine (fictional)",
                  "context": "Street", "acts": ["Harbouring"], "purposes": ["ForcedLabourOrServices"],
                  "exploitation_types": ["ForcedBegging"], "trafficking_status": "PossibleVictimOfTrafficking",
                  "narrative": "Begs outside the shrine with three other boys brought by the same man."},
    },
    {
        "agency": "PK-BKR", "by": "staff",
        "person": {"given_name": "ارشد", "family_name": "مسیح", "given_name_latin": "Arshad",
                   "family_name_latin": "Masih", "gender": "Masculine", "dob_years": 38, "citizenships": ["PK"],
                   "languages": ["pa", "ur"], "document_type": "NationalId",
                   "vulnerabilities": ["Poverty", "Discrimination", "Education"]},
        "ident": {"days_ago": 90, "province": "Punjab", "place": "Brick kiln outside the city (fictional)",
                  "context": "Worksite", "acts": ["Recruitment", "Harbouring"],
                  "means": ["Coercion", "PaymentsToControllingPerson"],
                  "purposes": ["ForcedLabourOrServices", "SlaveryOrSimilarPractices"],
                  "exploitation_types": ["ForcedLabour"], "forced_labour_industry": "C_Manufacturing",
                  "methods_of_control": ["DebtBondage", "TakesEarnings", "WithholdsDocuments"],
                  "ilo_indicators": ["DebtBondage", "WithholdingOfWages", "RestrictionOfMovement"],
                  "trafficking_status": "ActualVictimOfTrafficking", "status_decided_by": "NGO",
                  "narrative": "An advance taken six years ago has grown with every deduction; the family may "
                               "not leave the kiln."},
        "consents": [("DataProcessing", "Person", "")],
        "risk": ("High", ["RetaliationByTraffickers"], "Family moved to a relative's village during the case.", 21),
        "services": [("LegalAid", "PK-BKR", 80, "staff")],
    },
    {
        "agency": "PK-BKR", "by": "staff",
        "person": {"given_name": "ساجد", "family_name": "مسیح", "given_name_latin": "Sajid",
                   "family_name_latin": "Masih", "father_name": "ارشد", "gender": "Masculine", "estimated_age": 12,
                   "citizenships": ["PK"], "languages": ["pa"], "vulnerabilities": ["Poverty", "Education"]},
        "ident": {"days_ago": 90, "province": "Punjab", "place": "Brick kiln outside the city (fictional)",
                  "context": "Worksite", "acts": ["Harbouring"], "purposes": ["ForcedLabourOrServices"],
                  "exploitation_types": ["ChildLabour", "ForcedLabour"], "forced_labour_industry": "C_Manufacturing",
                  "trafficking_status": "PossibleVictimOfTrafficking",
                  "narrative": "Moulds bricks with his father from the age of eight."},
        "services": [("Education", "PK-BKR", 60, "staff")],
    },
    {
        "agency": "AF-BP-ISQ", "by": "staff",
        "person": {"given_name": "اجمل", "family_name": "شینواری", "given_name_latin": "Ajmal",
                   "family_name_latin": "Shinwari", "gender": "Masculine", "estimated_age": 15,
                   "citizenships": ["AF"], "languages": ["ps"], "vulnerabilities": ["Poverty", "Migration"]},
        "ident": {"days_ago": 8, "province": "Herat", "place": "Returnee reception point (fictional)",
                  "context": "ReturnOrDeportation", "acts": ["Recruitment", "Transportation"],
                  "purposes": ["ForcedLabourOrServices"], "exploitation_types": ["ForcedCriminality"],
                  "is_smuggled_migrant": True, "trafficking_status": "PossibleVictimOfTrafficking",
                  "narrative": "Deported from Iran; says he was made to carry drugs across the border twice."},
    },
    {
        "agency": "IQ-EWS", "by": "staff",
        "person": {"given_name": "شهد", "family_name": "الجبوري", "given_name_latin": "Shahad",
                   "family_name_latin": "al-Jubouri", "gender": "Feminine", "estimated_age": 14,
                   "citizenships": ["IQ"], "languages": ["ar"], "vulnerabilities": ["Poverty", "Education"]},
        "ident": {"days_ago": 20, "province": "Erbil", "place": "Women's health clinic (fictional)",
                  "context": "HealthFacility", "acts": ["Transfer"], "purposes": ["SlaveryOrSimilarPractices"],
                  "exploitation_types": ["ForcedMarriage"], "relationship_to_recruiter": "Familial",
                  "trafficking_status": "PossibleVictimOfTrafficking",
                  "narrative": "Married at thirteen in an unregistered ceremony; brought to the clinic pregnant."},
        "risk": ("Critical", ["RiskToLife", "UrgentHealthNeed", "FamilyInvolvedInTrafficking"],
                 "Admitted to the shelter; medical follow-up at the clinic.", 7),
    },
    {
        "agency": "NC-IR", "by": "focal_ir",
        "person": {"given_name": "میرویس", "family_name": "پوپلزی", "given_name_latin": "Mirwais",
                   "family_name_latin": "Popalzai", "gender": "Masculine", "estimated_age": 27,
                   "citizenships": ["AF"], "languages": ["ps", "prs"], "vulnerabilities": ["Migration", "Poverty"]},
        "ident": {"days_ago": 33, "province": "Sistan and Baluchestan", "place": "Immigration detention centre",
                  "context": "ImmigrationDetention", "acts": ["Transportation"], "means": ["Deception"],
                  "purposes": ["ForcedLabourOrServices"], "exploitation_types": ["ForcedLabour"],
                  "forced_labour_industry": "A_AgricultureForestryAndFishing", "is_smuggled_migrant": True,
                  "trafficking_status": "PossibleVictimOfTrafficking",
                  "narrative": "Smuggled for farm work that was never paid; detained after a raid on the farm."},
    },
    {
        "agency": "NC-AF", "by": "focal_af",
        "person": {"given_name": "ملالی", "family_name": "وردک", "given_name_latin": "Malalai",
                   "family_name_latin": "Wardak", "gender": "Feminine", "estimated_age": 16, "citizenships": ["AF"],
                   "languages": ["ps"], "vulnerabilities": ["Migration", "AbusePhysical"]},
        "ident": {"days_ago": 14, "province": "Kabul", "place": "Returnee transit centre (fictional)",
                  "context": "ReturnOrDeportation", "acts": ["Recruitment", "Transportation"],
                  "purposes": ["SexualExploitation"], "exploitation_types": ["SexualExploitation"],
                  "sex_exploitation_types": ["Prostitution"], "trafficking_status": "PossibleVictimOfTrafficking",
                  "narrative": "Returned from Iran; describes being sold to a man who exploited her in a flat."},
    },
]  # fmt: skip


class Command(BaseCommand):
    help = "Create fictional demo agencies, demo logins and demo cases (idempotent); --cases N adds synthetic ones."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=0, help="Add N synthetic cases (PostgreSQL COPY).")
        parser.add_argument(
            "--agencies",
            type=int,
            default=0,
            help="Ensure N extra synthetic agencies SYN-001..SYN-N exist (for benchmarks).",
        )
        parser.add_argument("--seed", type=int, default=2026, help="Random seed of the synthetic data.")
        parser.add_argument("--chunk-size", type=int, default=50_000, help="Rows per COPY chunk.")

    def handle(self, *args, cases=0, agencies=0, seed=2026, chunk_size=50_000, verbosity=1, **options):
        if cases < 0 or agencies < 0 or chunk_size <= 0:
            raise CommandError("--cases, --agencies and --chunk-size must be positive.")
        if not Country.objects.filter(code="IR").exists():
            raise CommandError("No countries loaded: run `manage.py migrate` first.")
        self.verbosity = verbosity
        with transaction.atomic():
            created_agencies = self._agencies()
            created_users = self._users()
            created_staff = self._staff([a[0] for a in AGENCIES if a[0] not in NO_CASEWORK])
            # Sign-in (issue 5): demo users get an authenticator with the published demo key, DEBUG only.
            if settings.DEBUG and settings.DEMO_LOGINS_ENABLED:
                from accounts.services import demo_totp_devices_ensure

                demo_totp_devices_ensure(users=User.objects.filter(username__in=DEMO_USERNAMES, is_demo=True))
        with transaction.atomic():
            created_cases = self._demo_cases()
        with transaction.atomic():
            created_referrals = self._demo_referrals()
        self._say(
            f"Demo data: {created_agencies} agencies, {created_users + created_staff} users and "
            f"{created_cases} demo cases created (existing ones kept)."
        )
        self._say(f"Demo referrals: {created_referrals} created (existing ones kept).")
        if agencies:
            with transaction.atomic():
                made = self._synthetic_agencies(agencies, seed)
            self._say(f"Synthetic agencies: {made} created ({agencies} wanted).")
        if cases:
            self._bulk(cases, seed, chunk_size)
        rollups_rebuild()  # the dashboards read pre-aggregates (stats/rollups.py); bring them up to date now
        self._print_logins()

    # ---------------------------------------------------------------- output

    def _say(self, text, style=None):
        if self.verbosity >= 1:
            self.stdout.write(style(text) if style else text)

    def _print_logins(self):
        if self.verbosity < 1:
            return
        users = {u.username: u for u in User.objects.filter(username__in=DEMO_USERNAMES)}
        rows = [("login", "name", "role", "agency", "password")]
        for username, *_ in DEMO_USERS:
            user = users.get(username)
            if user is None:
                continue
            m = user.memberships.select_related("agency").order_by("id").first()
            role = m.get_role_display() + (f" ({m.get_scope_display().lower()})" if m.scope != "agency" else "")
            rows.append((username, user.get_full_name(), role, f"{m.agency.name}", DEMO_PASSWORD))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        line = "  ".join("-" * w for w in widths)
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING("Demo logins"))
        for i, row in enumerate(rows):
            self.stdout.write("  ".join(col.ljust(w) for col, w in zip(row, widths, strict=True)).rstrip())
            if i == 0:
                self.stdout.write(line)
        if settings.DEMO_LOGINS_ENABLED:
            self.stdout.write(self.style.SUCCESS("Demo logins work because DEBUG is on."))
            # Sign-in (issue 5): the second step for the demo accounts.
            from accounts.services import DEMO_TOTP_SECRET

            self.stdout.write(
                "Second step: every demo account's authenticator key is "
                f"{DEMO_TOTP_SECRET} (time-based, 6 digits, 30 s).\n"
                "  Add it to any authenticator app, or get the current code with "
                f"`oathtool --totp -b {DEMO_TOTP_SECRET}` or `.venv/bin/python manage.py demo_code`."
            )
        else:
            self.stdout.write(self.style.WARNING("Demo logins only work with DEBUG on: they are refused now."))

    # ---------------------------------------------------------------- agencies and users

    def _province(self, country: str, name: str | None):
        return Province.objects.get(country_id=country, name=name) if name else None

    def _agencies(self) -> int:
        existing = set(Agency.objects.values_list("short_name", flat=True))
        countries = {c.code: c for c in Country.objects.filter(code__in=["AF", "IR", "IQ", "PK"])}
        made = 0
        for short, name, type_, country, province, city, services, focal in AGENCIES:
            if short in existing:
                continue
            agency_create(
                name=name, short_name=short, type=type_, country=countries[country],
                province=self._province(country, province), city=city, services=services, is_focal_point=focal,
                email=f"{short.lower()}@demo.example.org",
            )  # fmt: skip
            made += 1
        return made

    def _ensure_user(self, username, first, last, *, usable_password: bool) -> tuple[User, bool]:
        user = User.objects.filter(username=username).first()
        if user is not None:
            return user, False
        user = User(username=username, first_name=first, last_name=last, is_demo=True,
                    email=f"{username.replace('_', '.')}@demo.example.org")  # fmt: skip
        if usable_password:
            user.set_password(DEMO_PASSWORD)
        else:
            user.set_unusable_password()
        user.save()
        return user, True

    def _ensure_membership(self, user, agency, role, scope=Scope.AGENCY) -> None:
        if not Membership.objects.filter(user=user, agency=agency, role=role).exists():
            membership_create(user=user, agency=agency, role=role, scope=scope)

    def _users(self) -> int:
        agencies = {a.short_name: a for a in Agency.objects.filter(short_name__in=[u[5] for u in DEMO_USERS])}
        made = 0
        for username, first, last, role, scope, agency in DEMO_USERS:
            user, created = self._ensure_user(username, first, last, usable_password=True)
            if created:  # a later choice on the Account page is kept when seed_demo runs again
                user.language = "" if username in DEMO_AUTOMATIC_LANGUAGE else "en"
                user.save(update_fields=["language"])
            made += created
            self._ensure_membership(user, agencies[agency], role, scope)
        return made

    def _staff(self, short_names) -> int:
        """Two caseworkers per casework agency, who log its cases; they cannot sign in."""
        made = 0
        for agency in Agency.objects.filter(short_name__in=list(short_names)).order_by("id"):
            names = STAFF_NAMES.get(agency.country_id, STAFF_NAMES["AF"])
            rng = random.Random(agency.short_name)
            for i in range(1, STAFF_PER_AGENCY + 1):
                first, last = rng.choice(names)
                user, created = self._ensure_user(f"staff.{agency.short_name.lower()}.{i}", first, last,
                                                  usable_password=False)  # fmt: skip
                made += created
                self._ensure_membership(user, agency, Role.CASEWORKER)
        return made

    def _synthetic_agencies(self, n: int, seed: int) -> int:
        rng = random.Random(seed)
        countries = {c.code: c for c in Country.objects.filter(code__in=["AF", "IR", "IQ", "PK"])}
        provinces: dict[str, list] = {}
        for p in Province.objects.filter(country_id__in=list(countries)).order_by("id"):
            provinces.setdefault(p.country_id, []).append(p)
        existing = set(Agency.objects.filter(short_name__startswith="SYN-").values_list("short_name", flat=True))
        type_labels = {"NGO": "Community Association", "Shelter": "Shelter", "Police": "Police Unit",
                       "BorderAndImmigration": "Border Post", "LegalAid": "Legal Aid Centre",
                       "Health": "Health Centre"}  # fmt: skip
        made, shorts = 0, []
        for i in range(1, n + 1):
            # Draw for every number, made or not, so SYN-017 is the same agency whatever N is.
            country = rng.choices([c for c, _ in SYNTHETIC_COUNTRIES], [w for _, w in SYNTHETIC_COUNTRIES])[0]
            type_, _, services = rng.choices(SYNTHETIC_TYPES, [w for _, w, _ in SYNTHETIC_TYPES])[0]
            province = rng.choice(provinces[country])
            short = f"SYN-{i:03d}"
            shorts.append(short)
            if short in existing:
                continue
            agency_create(
                name=f"{province.name} {type_labels[type_]} {i:03d} (fictional)", short_name=short, type=type_,
                country=countries[country], province=province, city=province.name, services=list(services),
                email=f"{short.lower()}@demo.example.org",
            )  # fmt: skip
            made += 1
        self._staff(shorts)
        return made

    # ---------------------------------------------------------------- hand-made cases

    def _actor(self, by: str, agency: Agency) -> User:
        if by == "staff":
            return User.objects.get(username=f"staff.{agency.short_name.lower()}.1")
        return User.objects.get(username=by)

    def _demo_cases(self) -> int:
        made = 0
        agencies = {a.short_name: a for a in Agency.objects.filter(short_name__in=[a[0] for a in AGENCIES])}
        for spec in DEMO_CASES:
            agency = agencies[spec["agency"]]
            user = self._actor(spec["by"], agency)
            person = dict(spec["person"])
            if _case_named(person.get("given_name_latin", ""), person.get("family_name_latin", ""),
                           agency=agency, created_by=user):  # fmt: skip
                continue
            self._demo_case(spec, agency, user, agencies)
            made += 1
        return made

    def _demo_case(self, spec, agency, user, agencies) -> Case:
        person = dict(spec["person"])
        ident = dict(spec["ident"])
        identified_on = _days_ago(ident.pop("days_ago"))
        if "dob_years" in person:  # a birth date that makes the person that old on the identification day
            days = int(person.pop("dob_years") * 365.25) + 47
            person["date_of_birth"] = identified_on - datetime.timedelta(days=days)
        if "estimated_age" in person:
            person["age_estimated_on"] = identified_on
        person.setdefault("current_country", agency.country)
        if person.get("document_type"):
            person["document_number"] = f"DEMO-{zlib.crc32(person['given_name_latin'].encode()) % 10**7:07d}"
            person["document_country"] = Country.objects.get(code=person["citizenships"][0])
        province = self._province(agency.country_id, ident.pop("province"))
        ident.update(identified_on=identified_on, country=agency.country, province=province)
        if ident.get("status_decided_by"):
            ident.setdefault("status_decided_on", min(identified_on + datetime.timedelta(days=3), _days_ago(1)))
        case = case_services.identification_log(user=user, agency=agency, person=person, identification=ident)
        start = identified_on + datetime.timedelta(days=1)
        for purpose, given_by, guardian in spec.get("consents", []):
            case_services.consent_record(user=user, case=case, purpose=purpose, given_by=given_by,
                                         guardian_name=guardian, given_on=start)  # fmt: skip
        if "risk" in spec:
            level, factors, plan, review_days, *rest = spec["risk"]
            case_services.risk_assessment_add(
                user=user, case=case, assessed_on=start, risk_level=level, risk_factors=factors, safety_plan=plan,
                next_review_on=start + datetime.timedelta(days=review_days), is_return_assessment=bool(rest),
            )  # fmt: skip
        for text in spec.get("notes", []):
            case_services.case_note_add(user=user, case=case, text=text)
        for service, provider, days, by in spec.get("services", []):
            case_services.service_delivery_record(
                user=self._actor(by, agency), case=case, service=service, provider=agencies[provider],
                started_on=_days_ago(days), notes="Demo service record.",
            )  # fmt: skip
        if "share" in spec:
            share = spec["share"]
            target = agencies[share["with"]]
            supervisor = Membership.objects.filter(agency=agency, role=Role.SUPERVISOR).first().user
            case_services.case_share(user=supervisor, case=case, agency=target, include_identity=share["identity"],
                                     reason=share["reason"])  # fmt: skip
            for service, provider, days, by in share.get("services", []):
                case_services.service_delivery_record(
                    user=self._actor(by, target), case=case, service=service, provider=agencies[provider],
                    started_on=_days_ago(days), notes="Demo service record by the receiving agency.",
                )  # fmt: skip
        if "close" in spec:
            reason, notes, days = spec["close"]
            case_services.case_close(user=user, case=case, reason=reason, notes=notes, closed_on=_days_ago(days))
        return case

    # ---------------------------------------------------------------- referrals

    def _demo_referrals(self) -> int:
        """Referrals made through the services, so that the inboxes of `ngo`, `focal_ir` and `focal_af`
        have something in them. A case that already has a referral is left alone (idempotent)."""
        from referrals import services as referral_services

        tehran = Agency.objects.filter(short_name="IR-TCON").first()
        if tehran is None:
            return 0
        agencies = {a.short_name: a for a in Agency.objects.filter(short_name__in=["IR-MCS", "AF-HSH"])}
        users = {u.username: u for u in User.objects.filter(username__in=["caseworker", "focal_ir", "focal_af"])}
        if len(agencies) < 2 or len(users) < 3:
            return 0
        caseworker = users["caseworker"]

        def case_of(name):
            case = _case_named(name, None, agency=tehran)
            if case is None or case.is_closed or case.referrals.exists():
                return None
            return case

        def ensure_consent(case, purpose):
            if case_services.valid_consent(case, purpose) is None:
                case_services.consent_record(user=caseworker, case=case, purpose=purpose, given_by="AppointedGuardian",
                                             guardian_name="Leila Moradi (appointed guardian)")  # fmt: skip

        made = 0
        # 1. National, sent and awaiting the Mashhad centre's answer.
        case = case_of("Zabihullah")
        if case is not None:
            ensure_consent(case, "NationalReferral")
            referral = referral_services.referral_create(
                user=caseworker, case=case, to_agency=agencies["IR-MCS"], services=["Psychosocial", "Documentation"],
                reason="AdditionalServicesRequired", urgency="urgent",
                message="Needs counselling in Pashto and help with a birth certificate.",
            )  # fmt: skip
            referral_services.referral_send(user=caseworker, referral=referral)
            made += 1
        # 2. Cross-border to Herat: approved by focal_ir, assigned by focal_af, waiting for `ngo` to accept.
        case = case_of("Samiullah")
        if case is not None:
            ensure_consent(case, "CrossBorderReferral")
            if not case.risk_assessments.filter(is_return_assessment=True).exists():
                case_services.risk_assessment_add(
                    user=caseworker, case=case, assessed_on=_days_ago(3), risk_level="Medium",
                    risk_factors=["ReTrafficking"], is_return_assessment=True,
                    safety_plan="Escorted return through Islam Qala; reception at the Herat safe house.",
                    next_review_on=_days_ago(-14),
                )  # fmt: skip
            if not case.best_interests_determinations.exists():
                case_services.best_interests_determination_add(
                    user=caseworker, case=case, decided_on=_days_ago(2), panel="Tehran child welfare panel (demo)",
                    family_assessed=True, recommends_return=True,
                    summary="Mother traced in Herat province and willing to care for him; return recommended.",
                )  # fmt: skip
            referral = referral_services.referral_create(
                user=caseworker, case=case, to_country="AF", services=["FamilyTracing", "Reintegration", "Shelter"],
                reason="MigrationOrChangeOfLocation", urgency="routine", share_identity=True,
                message="Return to his mother in Herat; needs reception and school enrolment.",
            )  # fmt: skip
            referral = referral_services.referral_send(user=caseworker, referral=referral)
            referral = referral_services.referral_approve(user=users["focal_ir"], referral=referral)
            referral_services.referral_assign(user=users["focal_af"], referral=referral, to_agency=agencies["AF-HSH"])
            made += 1
        # 3. Cross-border, waiting for Iran's focal point.
        case = case_of("Mursal")
        if case is not None:
            ensure_consent(case, "CrossBorderReferral")
            referral = referral_services.referral_create(
                user=caseworker, case=case, to_country="AF", services=["FamilyTracing"],
                reason="MigrationOrChangeOfLocation", urgency="urgent",
                message="Family tracing in Kabul before any decision on return.",
            )  # fmt: skip
            referral_services.referral_send(user=caseworker, referral=referral)
            made += 1
        return made

    # ---------------------------------------------------------------- synthetic cases

    def _bulk(self, n: int, seed: int, chunk_size: int) -> None:
        from cases.bulk import NoCaseAgencies, load_cases

        exclude = User.objects.filter(username__in=DEMO_USERNAMES).values_list("id", flat=True)
        self._say(f"Adding {n:,} synthetic cases in chunks of {chunk_size:,} (COPY)...")
        started = time.monotonic()
        try:
            result = load_cases(n, seed=seed, chunk_size=chunk_size, exclude_user_ids=list(exclude), progress=self._say)
        except NoCaseAgencies as e:
            raise CommandError(str(e)) from e
        elapsed = time.monotonic() - started
        rate = result.cases / elapsed if elapsed else 0
        self._say(f"Added {result.cases:,} synthetic cases in {elapsed:.1f} s ({rate:,.0f} cases/s).",
                  self.style.SUCCESS)  # fmt: skip
