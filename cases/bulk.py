"""Bulk loader of synthetic cases, for demos and benchmarks (`manage.py seed_demo --cases N`).

Writes persons, cases, their first identification and the "identification logged" timeline event
straight into PostgreSQL with COPY, in chunks, bypassing the services (too slow for a million rows)
but keeping what the services keep:

- the case summary equals its identification (country = owning agency's country, is_child,
  exploitation_types, trafficking_status, is_smuggled_migrant);
- the identification's age and child flag are computed with `victims.models.age_on` (an unknown age
  is presumed a child);
- case references come from `case_reference_seq` as `IR-2026-000123`; person references are unique
  `P-XXXXXXXX` in the same alphabet as `new_person_reference`;
- identifying values (names, aliases, birth date, document number, place, narrative) are written
  encrypted exactly as the model fields write them (`_Sealer`: a fresh random nonce per value, the
  nonces drawn in blocks), and `Person.name_index` exactly as `Person.name_index_terms` gives it
  (`victims.names.IndexCache`);
- every code is a legal choice of its field (checked once at import, see `_check_vocabularies`);
- Palermo rules hold: an actual victim has acts and purposes, and means when an adult; a decided
  status says who decided; an industry only with forced labour, a sex-exploitation type only with
  sexual exploitation; a closed case has its closing date.

Every generated name, place and story is fictional; narratives say "Synthetic demo record".
"""

import base64
import datetime
import io
import math
import os
import random
import time
from bisect import bisect
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from glo_act import vocabularies as V
from glo_act.crypto import NONCE_BYTES, TOKEN_PREFIX, keyring
from partners.models import IDENTIFYING_ROLES, Agency, Membership
from victims.models import _REF_ALPHABET, age_on
from victims.names import IndexCache

CHILD_AGE = 18
DEFAULT_SEED = 2026
DEFAULT_CHUNK = 50_000
NULL = "\\N"  # COPY text format

# --------------------------------------------------------------------------------------------
# Name pools: (original script, Latin transliteration). Common given and family names, combined
# at random: any resemblance to a real person is coincidence.
# --------------------------------------------------------------------------------------------

PERSIAN = {
    "male": [
        ("علی", "Ali"), ("محمد", "Mohammad"), ("حسین", "Hossein"), ("رضا", "Reza"), ("مهدی", "Mahdi"),
        ("امیر", "Amir"), ("حسن", "Hassan"), ("سعید", "Saeed"), ("مصطفی", "Mostafa"), ("جواد", "Javad"),
        ("مجید", "Majid"), ("حمید", "Hamid"), ("کاظم", "Kazem"), ("یوسف", "Yousef"), ("ابراهیم", "Ebrahim"),
        ("محسن", "Mohsen"), ("بهروز", "Behrouz"), ("فرهاد", "Farhad"), ("کیان", "Kian"), ("آرش", "Arash"),
        ("سینا", "Sina"), ("پویا", "Pouya"), ("امید", "Omid"), ("میلاد", "Milad"),
    ],
    "female": [
        ("فاطمه", "Fatemeh"), ("زهرا", "Zahra"), ("مریم", "Maryam"), ("زینب", "Zeynab"), ("سارا", "Sara"),
        ("نرگس", "Narges"), ("لیلا", "Leila"), ("مینا", "Mina"), ("شیرین", "Shirin"), ("سمیرا", "Samira"),
        ("الهام", "Elham"), ("نازنین", "Nazanin"), ("پریسا", "Parisa"), ("معصومه", "Masoumeh"),
        ("کوثر", "Kowsar"), ("یاسمن", "Yasaman"), ("آزاده", "Azadeh"), ("رویا", "Roya"), ("هانیه", "Hanieh"),
        ("ستاره", "Setareh"),
    ],
    "family": [
        ("احمدی", "Ahmadi"), ("محمدی", "Mohammadi"), ("حسینی", "Hosseini"), ("رضایی", "Rezaei"),
        ("کریمی", "Karimi"), ("موسوی", "Mousavi"), ("جعفری", "Jafari"), ("صادقی", "Sadeghi"),
        ("رحیمی", "Rahimi"), ("قاسمی", "Ghasemi"), ("نوری", "Nouri"), ("کاظمی", "Kazemi"), ("حیدری", "Heydari"),
        ("مرادی", "Moradi"), ("اکبری", "Akbari"), ("عباسی", "Abbasi"), ("سلیمانی", "Soleimani"),
        ("یزدانی", "Yazdani"), ("طاهری", "Taheri"), ("شریفی", "Sharifi"), ("بهرامی", "Bahrami"),
        ("فراهانی", "Farahani"), ("نجفی", "Najafi"), ("زارعی", "Zarei"),
    ],
    "languages": [("fa", 1.0)],
    "no_family_name": 0.0,
}  # fmt: skip

AFGHAN = {
    "male": [
        ("احمد", "Ahmad"), ("محمود", "Mahmood"), ("نجیب", "Najib"), ("فرید", "Farid"), ("عبدالله", "Abdullah"),
        ("جاوید", "Jawid"), ("شفیق", "Shafiq"), ("نصیر", "Nasir"), ("ظاهر", "Zaher"), ("حمید", "Hamid"),
        ("بشیر", "Bashir"), ("رحمت‌الله", "Rahmatullah"), ("گل‌احمد", "Gul Ahmad"), ("سمیع‌الله", "Samiullah"),
        ("نور", "Noor"), ("اجمل", "Ajmal"), ("میرویس", "Mirwais"), ("قدرت", "Qudrat"), ("عزیز", "Aziz"),
        ("خالد", "Khalid"), ("ذبیح‌الله", "Zabihullah"), ("شکیب", "Shakib"), ("صدیق", "Sediq"),
        ("وحید", "Wahid"), ("علیرضا", "Alireza"), ("حسین", "Hussain"),
    ],
    "female": [
        ("فرزانه", "Farzana"), ("ملالی", "Malalai"), ("شبنم", "Shabnam"), ("پروانه", "Parwana"),
        ("نازیه", "Nazia"), ("گلالی", "Gulalai"), ("زرمینه", "Zarmina"), ("مرسل", "Mursal"), ("فریبا", "Fariba"),
        ("حمیده", "Hamida"), ("لیلما", "Lailuma"), ("سودابه", "Sudaba"), ("شکیلا", "Shakila"),
        ("نسرین", "Nasrin"), ("فرشته", "Fereshta"), ("مریم", "Maryam"), ("زهرا", "Zahra"), ("روشنه", "Roshana"),
        ("بی‌بی‌گل", "Bibi Gul"), ("ستوری", "Storai"),
    ],
    "family": [
        ("احمدزی", "Ahmadzai"), ("نوری", "Noori"), ("رحیمی", "Rahimi"), ("حیدری", "Haidari"),
        ("محمدی", "Mohammadi"), ("کریمی", "Karimi"), ("صافی", "Safi"), ("یوسفزی", "Yousafzai"),
        ("پوپلزی", "Popalzai"), ("ستانکزی", "Stanikzai"), ("هاشمی", "Hashimi"), ("جلالی", "Jalali"),
        ("قادری", "Qaderi"), ("عزیزی", "Azizi"), ("سلطانی", "Sultani"), ("امیری", "Amiri"), ("وردک", "Wardak"),
        ("شینواری", "Shinwari"), ("مومند", "Mohmand"), ("علیزی", "Alizai"), ("نیازی", "Niazi"),
        ("رسولی", "Rasuli"), ("جعفری", "Jafari"),
    ],
    "languages": [("prs", 0.55), ("ps", 0.3), ("haz", 0.1), ("uz", 0.05)],
    # Many Afghans have no family name; the father's name tells people apart.
    "no_family_name": 0.25,
}  # fmt: skip

ARABIC = {
    "male": [
        ("علي", "Ali"), ("محمد", "Mohammed"), ("حسين", "Hussein"), ("أحمد", "Ahmed"), ("عمر", "Omar"),
        ("مصطفى", "Mustafa"), ("حيدر", "Haider"), ("كرار", "Karrar"), ("يوسف", "Yousif"), ("عباس", "Abbas"),
        ("سجاد", "Sajjad"), ("مرتضى", "Murtadha"), ("زيد", "Zaid"), ("خالد", "Khalid"), ("إبراهيم", "Ibrahim"),
        ("سيف", "Saif"), ("ياسر", "Yasser"), ("قاسم", "Qasim"),
    ],
    "female": [
        ("فاطمة", "Fatima"), ("زينب", "Zainab"), ("مريم", "Maryam"), ("نور", "Noor"), ("سارة", "Sara"),
        ("هدى", "Huda"), ("رقية", "Ruqaya"), ("زهراء", "Zahraa"), ("آمنة", "Amina"), ("دعاء", "Duaa"),
        ("شهد", "Shahad"), ("رسل", "Rusul"), ("بنين", "Baneen"), ("أسماء", "Asmaa"), ("حوراء", "Hawraa"),
        ("ريم", "Reem"),
    ],
    "family": [
        ("الجبوري", "al-Jubouri"), ("الدليمي", "al-Dulaimi"), ("العبيدي", "al-Obaidi"), ("الساعدي", "al-Saadi"),
        ("الربيعي", "al-Rubaie"), ("الشمري", "al-Shammari"), ("التميمي", "al-Tamimi"), ("الخفاجي", "al-Khafaji"),
        ("الزبيدي", "al-Zubaidi"), ("الكعبي", "al-Kaabi"), ("الموسوي", "al-Musawi"), ("الحسيني", "al-Husseini"),
        ("العزاوي", "al-Azzawi"), ("الجنابي", "al-Janabi"), ("البياتي", "al-Bayati"), ("الطائي", "al-Tai"),
    ],
    "languages": [("ar", 0.85), ("ckb", 0.1), ("kmr", 0.05)],
    "no_family_name": 0.0,
}  # fmt: skip

URDU = {
    "male": [
        ("محمد", "Muhammad"), ("علی", "Ali"), ("عمران", "Imran"), ("بلال", "Bilal"), ("عثمان", "Usman"),
        ("حمزہ", "Hamza"), ("عمر", "Umar"), ("فیصل", "Faisal"), ("آصف", "Asif"), ("عرفان", "Irfan"),
        ("نوید", "Naveed"), ("شاہد", "Shahid"), ("ساجد", "Sajid"), ("وسیم", "Waseem"), ("ندیم", "Nadeem"),
        ("طارق", "Tariq"), ("عادل", "Adil"), ("کامران", "Kamran"), ("ارشد", "Arshad"), ("اکرم", "Akram"),
        ("جاوید", "Javed"), ("یاسر", "Yasir"),
    ],
    "female": [
        ("فاطمہ", "Fatima"), ("عائشہ", "Ayesha"), ("زینب", "Zainab"), ("صائمہ", "Saima"), ("نازیہ", "Nazia"),
        ("رضیہ", "Razia"), ("شازیہ", "Shazia"), ("سمیرا", "Sumaira"), ("کلثوم", "Kulsoom"),
        ("رخسانہ", "Rukhsana"), ("بشریٰ", "Bushra"), ("صبا", "Saba"), ("حنا", "Hina"), ("مہوش", "Mehwish"),
        ("ثنا", "Sana"), ("پروین", "Parveen"),
    ],
    "family": [
        ("خان", "Khan"), ("احمد", "Ahmed"), ("حسین", "Hussain"), ("بٹ", "Butt"), ("چوہدری", "Chaudhry"),
        ("ملک", "Malik"), ("شیخ", "Sheikh"), ("قریشی", "Qureshi"), ("رانا", "Rana"), ("مسیح", "Masih"),
        ("گل", "Gul"), ("بھٹی", "Bhatti"), ("اعوان", "Awan"), ("انصاری", "Ansari"), ("راجپوت", "Rajput"),
    ],
    "languages": [("ur", 0.45), ("pa", 0.35), ("sd", 0.08), ("ps", 0.08), ("bal", 0.04)],
    "no_family_name": 0.0,
}  # fmt: skip

NAME_POOL_BY_CITIZENSHIP = {"IR": PERSIAN, "AF": AFGHAN, "IQ": ARABIC, "SY": ARABIC, "PK": URDU}

# Citizenships met by agencies in each country (Afghans are most of the people identified in Iran).
CITIZENSHIPS = {
    "IR": [("AF", 0.60), ("IR", 0.35), ("PK", 0.03), ("IQ", 0.02)],
    "AF": [("AF", 0.97), ("PK", 0.02), ("IR", 0.01)],
    "PK": [("PK", 0.80), ("AF", 0.20)],
    "IQ": [("IQ", 0.90), ("SY", 0.06), ("IR", 0.04)],
}

# Documents people carry, by citizenship vs. country of identification (None: no document).
DOCUMENTS_FOREIGN = [("None", 0.5), ("RefugeeCard", 0.25), ("Passport", 0.1), ("NationalId", 0.15)]
DOCUMENTS_NATIONAL = [("None", 0.35), ("NationalId", 0.45), ("BirthCertificate", 0.15), ("Passport", 0.05)]

# --------------------------------------------------------------------------------------------
# Scenarios: the patterns of domain.md section 7, with their weight in each country.
# --------------------------------------------------------------------------------------------


@dataclass
class Scenario:
    key: str
    weights: dict  # country -> relative weight
    types: list  # list of (exploitation types, weight)
    child_share: float
    female_share: float
    child_ages: tuple
    adult_ages: tuple
    contexts: list
    places: list
    controls: list = field(default_factory=list)
    ilo: list = field(default_factory=list)
    recruitment: list = field(default_factory=list)
    relationships: list = field(default_factory=lambda: [("Acquainted", 0.6), ("Unaquainted", 0.3), ("Familial", 0.1)])
    means: list = field(default_factory=lambda: ["Coercion", "Deception", "AbuseOfVulnerability"])
    purposes: list = field(default_factory=lambda: ["ForcedLabourOrServices"])
    industries: list = field(default_factory=list)
    sex_types: list = field(default_factory=list)
    smuggled: float = 0.03
    vulnerabilities: list = field(default_factory=lambda: ["Poverty", "Education"])
    narrative: str = ""


SCENARIOS = [
    Scenario(
        "begging", {"IR": 25, "AF": 8, "IQ": 10, "PK": 8},
        [(["ForcedBegging"], 0.8), (["ForcedBegging", "ChildLabour"], 0.2)],
        0.8, 0.4, (5, 15), (18, 60), [("Street", 0.7), ("CommunityReferral", 0.15), ("Shelter", 0.15)],
        ["Busy intersection near the bazaar", "Metro station entrance", "Outside a shrine",
         "Traffic lights on a ring road"],
        controls=["PhysicalThreats", "TakesEarnings", "PsychologicalAbuse", "WithholdsNecessities"],
        ilo=["AbuseOfVulnerability", "WithholdingOfWages", "IntimidationAndThreats",
             "AbusiveWorkingAndLivingConditions"],
        recruitment=["ThroughFamilyOrFamilyEvents", "ThroughFriendsOrSocialEvents", "Other"],
        relationships=[("Familial", 0.5), ("Acquainted", 0.4), ("Unaquainted", 0.1)],
        vulnerabilities=["Poverty", "Homelessness", "Education", "Migration"],
        narrative="Synthetic demo record: child seen begging every day; an adult collects the money.",
    ),
    Scenario(
        "child_labour", {"IR": 12, "AF": 10, "IQ": 6, "PK": 12},
        [(["ChildLabour"], 0.6), (["ChildLabour", "ForcedLabour"], 0.4)],
        0.9, 0.3, (7, 17), (18, 22), [("Street", 0.4), ("Worksite", 0.5), ("CommunityReferral", 0.1)],
        ["Waste sorting yard", "Carpet workshop", "Roadside vending stall", "Mechanic's workshop"],
        controls=["ExcessiveWorkingHours", "TakesEarnings", "PhysicalAbuse"],
        ilo=["AbuseOfVulnerability", "ExcessiveOvertime", "AbusiveWorkingAndLivingConditions", "WithholdingOfWages"],
        recruitment=["ThroughFamilyOrFamilyEvents", "AtWork", "AtAPlaceOfBusiness"],
        industries=["E_WaterSupplySewerageWasteManagement", "C_Manufacturing",
                    "G_WholesaleAndRetailTradeRepairOfMotorVehicles", "A_AgricultureForestryAndFishing"],
        vulnerabilities=["Poverty", "Education", "Migration"],
        narrative="Synthetic demo record: child working long hours for little or no pay.",
    ),
    Scenario(
        "debt_bondage", {"PK": 35, "AF": 12, "IR": 5, "IQ": 3},
        [(["ForcedLabour"], 0.85), (["ForcedLabour", "ChildLabour"], 0.15)],
        0.3, 0.4, (6, 17), (18, 65), [("Worksite", 0.6), ("CommunityReferral", 0.25), ("PoliceOperation", 0.15)],
        ["Brick kiln outside the city", "Farm on the river plain", "Carpet weaving house", "Stone quarry"],
        controls=["DebtBondage", "TakesEarnings", "ExcessiveWorkingHours", "WithholdsDocuments", "PhysicalThreats"],
        ilo=["DebtBondage", "WithholdingOfWages", "RestrictionOfMovement", "ExcessiveOvertime",
             "RetentionOfIdentityDocuments"],
        recruitment=["AtWork", "ThroughFamilyOrFamilyEvents", "ThroughFriendsOrSocialEvents"],
        means=["Coercion", "AbuseOfVulnerability", "Deception", "PaymentsToControllingPerson"],
        purposes=["ForcedLabourOrServices", "SlaveryOrSimilarPractices"],
        industries=["C_Manufacturing", "A_AgricultureForestryAndFishing", "B_MiningAndQuarrying"],
        vulnerabilities=["Poverty", "Education", "Discrimination", "SocialGroup"],
        narrative="Synthetic demo record: family working off an advance that never shrinks.",
    ),
    Scenario(
        "forced_criminality", {"AF": 12, "IR": 12, "PK": 6, "IQ": 2},
        [(["ForcedCriminality"], 0.9), (["ForcedCriminality", "ForcedLabour"], 0.1)],
        0.45, 0.1, (12, 17), (18, 40),
        [("BorderCrossing", 0.35), ("PoliceOperation", 0.3), ("ImmigrationDetention", 0.15),
         ("ReturnOrDeportation", 0.2)],
        ["Border crossing point", "Bus terminal", "Checkpoint on the highway", "Detention centre"],
        controls=["PhysicalThreats", "DebtBondage", "PsychoactiveSubstance", "ThreatsLawEnforcement",
                  "ThreatensChildrenFamily"],
        ilo=["IntimidationAndThreats", "DebtBondage", "AbuseOfVulnerability", "Deception"],
        recruitment=["ThroughFriendsOrSocialEvents", "AtWork", "Other"],
        means=["ThreatOrUseOfForce", "Coercion", "Deception", "AbuseOfVulnerability"],
        industries=["H_TransportationAndStorage"],
        smuggled=0.25,
        vulnerabilities=["Poverty", "Migration", "Addiction"],
        narrative="Synthetic demo record: made to carry a package across the border to pay off a debt.",
    ),
    Scenario(
        "forced_marriage", {"AF": 20, "IQ": 30, "PK": 12, "IR": 8},
        [(["ForcedMarriage"], 0.75), (["ForcedMarriage", "Servitude"], 0.15),
         (["ForcedMarriage", "SexualExploitation"], 0.1)],
        0.55, 0.95, (11, 17), (18, 35),
        [("CommunityReferral", 0.3), ("Hotline", 0.25), ("Shelter", 0.2), ("HealthFacility", 0.15),
         ("SelfReferral", 0.1)],
        ["Family home in a village", "Women's health clinic", "Relative's house in town"],
        controls=["PsychologicalAbuse", "PhysicalAbuse", "SexualAbuse", "RestrictsFinancialAccess",
                  "ThreatensChildrenFamily"],
        recruitment=["ThroughFamilyOrFamilyEvents"],
        relationships=[("Familial", 0.85), ("Acquainted", 0.15)],
        means=["Coercion", "AbuseOfPower", "PaymentsToControllingPerson", "AbuseOfVulnerability"],
        purposes=["SlaveryOrSimilarPractices", "Servitude"],
        sex_types=["PrivateSexualServices"],
        vulnerabilities=["Poverty", "Education", "Discrimination"],
        narrative="Synthetic demo record: married off in exchange for a bride price to settle a family debt.",
    ),
    Scenario(
        "sexual_exploitation", {"AF": 10, "IR": 10, "IQ": 20, "PK": 10},
        [(["SexualExploitation"], 0.85), (["SexualExploitation", "ForcedLabour"], 0.15)],
        0.4, 0.8, (12, 17), (18, 40),
        [("Hotline", 0.3), ("PoliceOperation", 0.25), ("Shelter", 0.2), ("HealthFacility", 0.15),
         ("SelfReferral", 0.1)],
        ["Rented flat in the city", "Hotel", "Private party venue", "Online (messaging app)"],
        controls=["SexualAbuse", "PhysicalAbuse", "PsychoactiveSubstance", "TakesEarnings", "WithholdsDocuments"],
        ilo=["PhysicalAndSexualViolence", "Isolation", "RestrictionOfMovement", "Deception"],
        recruitment=["ThroughOnlineSocialNetworks", "ThroughFriendsOrSocialEvents", "AtWork",
                     "ThroughAnOnlineAdvertisement"],
        means=["Deception", "Fraud", "ThreatOrUseOfForce", "AbuseOfVulnerability", "Abduction"],
        purposes=["SexualExploitation"],
        industries=["I_AccommodationAndFoodServiceActivities", "T_ActivitiesOfHouseholdsAsEmployers"],
        sex_types=["Prostitution", "PrivateSexualServices", "Pornography", "RemoteInteractiveServices"],
        smuggled=0.08,
        vulnerabilities=["Poverty", "AbuseSocialMedia", "AbusePhysical", "MentalHealth", "Homelessness"],
        narrative="Synthetic demo record: recruited with a false job offer and then sexually exploited.",
    ),
    Scenario(
        "domestic_servitude", {"IR": 5, "IQ": 12, "PK": 10, "AF": 5},
        [(["Servitude"], 0.5), (["ForcedLabour"], 0.5)],
        0.35, 0.85, (9, 17), (18, 50), [("Hotline", 0.4), ("CommunityReferral", 0.4), ("SelfReferral", 0.2)],
        ["Private household", "Employer's house in a residential district"],
        controls=["WithholdsDocuments", "ExcessiveWorkingHours", "PsychologicalAbuse", "WithholdsNecessities"],
        ilo=["Isolation", "RetentionOfIdentityDocuments", "ExcessiveOvertime", "WithholdingOfWages"],
        recruitment=["ThroughFamilyOrFamilyEvents", "ThroughFriendsOrSocialEvents", "AtAPlaceOfBusiness"],
        purposes=["Servitude", "ForcedLabourOrServices"],
        industries=["T_ActivitiesOfHouseholdsAsEmployers"],
        smuggled=0.05,
        narrative="Synthetic demo record: domestic worker not allowed to leave the house.",
    ),
    Scenario(
        "smuggled_migrant", {"IR": 13, "PK": 7, "AF": 8, "IQ": 4},
        [([], 0.55), (["ForcedLabour"], 0.35), (["Other"], 0.1)],
        0.2, 0.25, (10, 17), (18, 45),
        [("BorderCrossing", 0.4), ("ImmigrationDetention", 0.3), ("ReturnOrDeportation", 0.3)],
        ["Border crossing point", "Immigration detention centre", "Returnee reception centre",
         "Safe house of a smuggler"],
        controls=["DebtBondage", "PhysicalThreats", "WithholdsDocuments", "FalsePromises"],
        ilo=["DebtBondage", "Deception", "RestrictionOfMovement", "RetentionOfIdentityDocuments"],
        recruitment=["ThroughFriendsOrSocialEvents", "ThroughOnlineSocialNetworks", "Other"],
        means=["Deception", "Fraud", "AbuseOfVulnerability", "Coercion"],
        industries=["F_Construction", "A_AgricultureForestryAndFishing", "I_AccommodationAndFoodServiceActivities"],
        smuggled=1.0,
        vulnerabilities=["Migration", "Poverty", "Homelessness"],
        narrative="Synthetic demo record: smuggled across two borders, then told to work off the fee.",
    ),
    Scenario(
        "armed_groups", {"AF": 6, "IQ": 6, "PK": 2, "IR": 0},
        [(["ForcedMilitaryByNonStateActors"], 1.0)],
        0.8, 0.05, (12, 17), (18, 25), [("CommunityReferral", 0.5), ("PoliceOperation", 0.3), ("Shelter", 0.2)],
        ["Village in the district", "Camp for displaced people"],
        controls=["PhysicalThreats", "ThreatensChildrenFamily", "PsychologicalAbuse"],
        ilo=["IntimidationAndThreats", "PhysicalAndSexualViolence", "RestrictionOfMovement"],
        recruitment=["ThroughFriendsOrSocialEvents", "AtAnEducationalInstitution", "Other"],
        means=["ThreatOrUseOfForce", "Abduction", "Coercion"],
        purposes=["ForcedLabourOrServices", "SlaveryOrSimilarPractices"],
        vulnerabilities=["Poverty", "Education", "SocialGroup"],
        narrative="Synthetic demo record: recruited by an armed group as a teenager.",
    ),
    Scenario(
        "organ_removal", {"IR": 1, "PK": 2, "IQ": 1, "AF": 1},
        [(["OrganRemoval"], 1.0)],
        0.05, 0.3, (16, 17), (20, 45), [("HealthFacility", 0.6), ("Hotline", 0.2), ("PoliceOperation", 0.2)],
        ["Private clinic", "Hospital ward"],
        controls=["FalsePromises", "DebtBondage", "TakesEarnings"],
        recruitment=["ThroughAnOnlineAdvertisement", "ThroughFriendsOrSocialEvents"],
        means=["Deception", "Fraud", "AbuseOfVulnerability", "PaymentsToControllingPerson"],
        purposes=["OrganRemoval"],
        vulnerabilities=["Poverty", "DisabilityAndPhysicalHealth"],
        narrative="Synthetic demo record: promised money for a kidney and paid a fraction.",
    ),
]  # fmt: skip

ACTS = ["Recruitment", "Transportation", "Transfer", "Harbouring", "Receipt"]
# Trafficking status by the presence of exploitation types.
STATUS_WITH_TYPES = [("Screened", 0.15), ("PossibleVictimOfTrafficking", 0.45),
                     ("ActualVictimOfTrafficking", 0.30), ("NotAVictimOfTrafficking", 0.10)]  # fmt: skip
STATUS_NO_TYPES = [("Screened", 0.45), ("PossibleVictimOfTrafficking", 0.15), ("NotAVictimOfTrafficking", 0.40)]
DECIDED_BY = {
    "Police": "Police", "BorderAndImmigration": "Police", "Prosecution": "CourtOrProsecution",
    "NGO": "NGO", "Shelter": "NGO", "LegalAid": "NGO", "InternationalNGO": "NGO", "Health": "Other",
}  # fmt: skip
CLOSURE_REASONS = [("SupportGoalsMet", 0.35), ("ReturnedAndReintegrated", 0.2), ("LostContact", 0.15),
                   ("DeclinedAssistance", 0.1), ("ReferredElsewhere", 0.15), ("Other", 0.05)]  # fmt: skip
OPEN_STAGES = [("Identification", 0.2), ("FirstAssistance", 0.3), ("LongTermAssistance", 0.3),
               ("ReturnAndSocialInclusion", 0.12), ("Proceedings", 0.08)]  # fmt: skip
CLOSED_STAGES = [("LongTermAssistance", 0.5), ("ReturnAndSocialInclusion", 0.35), ("Proceedings", 0.15)]
# Relative caseload by agency type (UN offices that do no casework are left out by having no staff).
TYPE_WEIGHTS = {
    "NGO": 3.0, "Shelter": 2.0, "Police": 2.0, "BorderAndImmigration": 1.5, "UNAgency": 1.5,
    "InternationalNGO": 2.0, "LegalAid": 1.0, "Health": 1.0, "NationalCommission": 0.5, "Ministry": 0.5,
    "Prosecution": 0.5,
}  # fmt: skip


def _check_vocabularies() -> None:
    """Fail at import, not in the database, if a pool holds a value its field does not allow."""

    def legal(values, choices, what):
        allowed = set(choices.values)
        bad = set(values) - allowed
        assert not bad, f"{what}: not legal choices: {sorted(bad)}"

    for s in SCENARIOS:
        legal({t for types, _ in s.types for t in types}, V.ExploitationType, s.key)
        legal({c for c, _ in s.contexts}, V.IdentificationContext, s.key)
        legal(s.controls, V.MethodOfControl, s.key)
        legal(s.ilo, V.IloIndicator, s.key)
        legal(s.recruitment, V.RecruitmentMethod, s.key)
        legal({r for r, _ in s.relationships}, V.RelationshipToTrafficker, s.key)
        legal(s.means, V.PalermoMeans, s.key)
        legal(s.purposes, V.PalermoPurpose, s.key)
        legal(s.industries, V.ForcedLabourIndustry, s.key)
        legal(s.sex_types, V.SexExploitationType, s.key)
        legal(s.vulnerabilities, V.Vulnerability, s.key)
        assert s.purposes, s.key
    legal(ACTS, V.PalermoAct, "acts")
    legal({s for s, _ in STATUS_WITH_TYPES + STATUS_NO_TYPES}, V.TraffickingStatus, "status")
    legal(set(DECIDED_BY.values()) | {"NonPoliceGovernmentalOrganization"}, V.StatusDecisionOrg, "decided by")
    legal({r for r, _ in CLOSURE_REASONS} | {"NotAVictim"}, V.CaseClosureReason, "closure")
    legal({s for s, _ in OPEN_STAGES + CLOSED_STAGES}, V.CaseStage, "stage")
    legal(TYPE_WEIGHTS, V.AgencyType, "agency types")
    legal({d for d, _ in DOCUMENTS_FOREIGN + DOCUMENTS_NATIONAL} - {"None"}, V.DocumentType, "documents")
    for pool in (PERSIAN, AFGHAN, ARABIC, URDU):
        legal({lang for lang, _ in pool["languages"]}, V.Language, "languages")
        for key in ("male", "female", "family"):
            for original, latin in pool[key]:
                assert not set(original + latin) & set('\t\n\r\\"{},'), (original, latin)
    for s in SCENARIOS:
        for place in s.places:
            assert not set(place) & set('\t\n\r\\"{},'), place


_check_vocabularies()

# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------

_HALF = len(_REF_ALPHABET) ** 4  # a reference is 8 symbols: two halves of 4
_ROUND_KEYS = (0x5BD1E995, 0x27D4EB2F, 0x165667B1, 0x61C88647)


def person_reference_for(number: int) -> str:
    """`P-XXXXXXXX` for a person id, through a Feistel permutation of [0, 30^8): distinct ids give
    distinct references that look random and say nothing about the person or the order of entry."""
    left, right = divmod(number % (_HALF * _HALF), _HALF)
    for key in _ROUND_KEYS:
        mixed = ((right * 0x9E3779B1 + key) ^ (right >> 5)) * 0x85EBCA6B
        left, right = right, (left + (mixed >> 11)) % _HALF
    n = left * _HALF + right
    chars = []
    for _ in range(8):
        n, r = divmod(n, 30)
        chars.append(_REF_ALPHABET[r])
    return "P-" + "".join(chars)


class _Sealer:
    """Encrypts values exactly as `glo_act.crypto_fields` does, faster: one AES-GCM context, the
    token head and associated data made once per column, and the random nonces drawn 4,096 at a
    time. Every value still gets its own fresh nonce; "" stays "" as in the fields."""

    def __init__(self, ring):
        self.seal = ring.current.encrypt
        self.kid = ring.current_id
        self.heads: dict[str, tuple[str, bytes]] = {}
        self.nonces, self.at = b"", 0

    def __call__(self, text: str, label: str) -> str:
        if not text:
            return text
        head = self.heads.get(label)
        if head is None:
            head = self.heads[label] = (f"{TOKEN_PREFIX}.{self.kid}.", f"{TOKEN_PREFIX}.{self.kid}.{label}".encode())
        if self.at >= len(self.nonces):
            self.nonces, self.at = os.urandom(NONCE_BYTES * 4096), 0
        nonce = self.nonces[self.at : self.at + NONCE_BYTES]
        self.at += NONCE_BYTES
        return (
            head[0] + base64.urlsafe_b64encode(nonce + self.seal(nonce, text.encode(), head[1])).rstrip(b"=").decode()
        )


def pg_array(values) -> str:
    """A PostgreSQL array literal for COPY text format (values hold no quote or backslash)."""
    if not values:
        return "{}"
    return "{" + ",".join(f'"{v}"' for v in values) + "}"


class _Picker:
    """Weighted choice from (value, weight) pairs with precomputed cumulative weights."""

    __slots__ = ("values", "cum", "total")

    def __init__(self, pairs):
        self.values = [v for v, _ in pairs]
        acc, cum = 0.0, []
        for _, w in pairs:
            acc += w
            cum.append(acc)
        self.cum, self.total = cum, acc

    def __call__(self, rng) -> object:
        return self.values[bisect(self.cum, rng.random() * self.total)]


class NoCaseAgencies(Exception):
    pass


@dataclass
class AgencyInfo:
    id: int
    short_name: str
    type: str
    country: str
    province_id: int | None
    staff: list  # user ids with an identifying role


@dataclass
class LoadResult:
    cases: int
    seconds: float
    first_case_id: int | None = None
    last_case_id: int | None = None


def case_agencies(exclude_user_ids=()) -> list[AgencyInfo]:
    """Active agencies with staff who may log identifications, and those staff."""
    staff: dict[int, list[int]] = {}
    rows = (
        Membership.objects.filter(
            is_active=True, role__in=[str(r) for r in IDENTIFYING_ROLES], agency__is_active=True, user__is_active=True
        )
        .exclude(user_id__in=list(exclude_user_ids))
        .values_list("agency_id", "user_id")
        .order_by("agency_id", "user_id")
    )
    for agency_id, user_id in rows:
        staff.setdefault(agency_id, [])
        if user_id not in staff[agency_id]:
            staff[agency_id].append(user_id)
    agencies = Agency.objects.filter(id__in=staff).order_by("id")
    return [AgencyInfo(a.id, a.short_name, a.type, a.country_id, a.province_id, staff[a.id]) for a in agencies]


# --------------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------------


class _Generator:
    def __init__(self, agencies: list[AgencyInfo], provinces: dict[str, list[int]], rng: random.Random,
                 today: datetime.date):  # fmt: skip
        self.rng = rng
        self.today = today
        self.agencies = agencies
        self.agency_picker = _Picker([(a, TYPE_WEIGHTS.get(a.type, 1.0)) for a in agencies])
        self.provinces = provinces
        self.scenario_picker = {
            c: _Picker([(s, s.weights.get(c, 0)) for s in SCENARIOS if s.weights.get(c, 0) > 0])
            for c in ("AF", "IR", "IQ", "PK")
        }
        self.fallback_scenarios = _Picker([(s, 1.0) for s in SCENARIOS])
        self.citizenship = {c: _Picker(p) for c, p in CITIZENSHIPS.items()}
        self.types = {s.key: _Picker(s.types) for s in SCENARIOS}
        self.contexts = {s.key: _Picker(s.contexts) for s in SCENARIOS}
        self.relationships = {s.key: _Picker(s.relationships) for s in SCENARIOS}
        self.status_with = _Picker(STATUS_WITH_TYPES)
        self.status_without = _Picker(STATUS_NO_TYPES)
        self.closure = _Picker(CLOSURE_REASONS)
        self.open_stage = _Picker(OPEN_STAGES)
        self.closed_stage = _Picker(CLOSED_STAGES)
        self.docs_foreign = _Picker(DOCUMENTS_FOREIGN)
        self.docs_national = _Picker(DOCUMENTS_NATIONAL)
        self.languages = {id(p): _Picker(p["languages"]) for p in (PERSIAN, AFGHAN, ARABIC, URDU)}
        self.summary = {a.id: f"Identification logged by {a.short_name}; case opened." for a in agencies}
        ring = keyring()
        self.seal = _Sealer(ring)
        self.index = IndexCache(ring)

    def rows(self, person_ids, case_ids, case_numbers):
        """COPY text buffers for persons, cases, identifications and events of one chunk."""
        rng = self.rng
        rand = rng.random
        randint = rng.randint
        choice = rng.choice
        sample = rng.sample
        today = self.today
        tz = datetime.UTC
        persons, cases, idents, events = io.StringIO(), io.StringIO(), io.StringIO(), io.StringIO()
        pw, cw, iw, ew = persons.write, cases.write, idents.write, events.write
        refs = []
        seal, P = self.seal, "victims.Person."
        for person_id, case_id, number in zip(person_ids, case_ids, case_numbers, strict=True):
            agency = self.agency_picker(rng)
            country = agency.country
            scen = (self.scenario_picker.get(country) or self.fallback_scenarios)(rng)
            # When: more cases recently (the system's use grows); never today or in the future.
            days_ago = 1 + int(1094 * (1.0 - math.sqrt(rand())))
            identified_on = today - datetime.timedelta(days=days_ago)
            created_at = datetime.datetime(identified_on.year, identified_on.month, identified_on.day,
                                           randint(6, 19), randint(0, 59), randint(0, 59), tzinfo=tz)  # fmt: skip
            created_s = created_at.isoformat(sep=" ")
            # Who.
            citizenship = self.citizenship.get(country, self.citizenship["AF"])(rng)
            pool = NAME_POOL_BY_CITIZENSHIP.get(citizenship, AFGHAN)
            child = rand() < scen.child_share
            female = rand() < scen.female_share
            r = rand()
            if r < 0.015:
                gender = "NonSpecifiedUnknown"
            elif r < 0.018 and not child:
                gender = choice(("TransgenderFeminine", "TransgenderMasculine", "NonConforming"))
            else:
                gender = "Feminine" if female else "Masculine"
            age = randint(*scen.child_ages) if child else randint(*scen.adult_ages)
            r = rand()
            if r < 0.35:  # birth date known (document or credible statement)
                dob = identified_on - datetime.timedelta(days=int(age * 365.25) + randint(1, 360))
                est, est_on = None, None
            elif r < 0.97:  # estimated at identification
                dob, est, est_on = None, age, identified_on
            else:  # unknown: presumed a child
                dob, est, est_on = None, None, None
            age_at = age_on(date_of_birth=dob, estimated_age=est, estimated_on=est_on, on=identified_on)
            is_child = age_at is None or age_at < CHILD_AGE
            given, given_l = choice(pool["female"] if female else pool["male"])
            if rand() < pool["no_family_name"]:
                family, family_l = "", ""
            else:
                family, family_l = choice(pool["family"])
            father = choice(pool["male"])[0] if rand() < 0.6 else ""
            aliases = [choice(pool["female"] if female else pool["male"])[1]] if rand() < 0.05 else []
            name_index = self.index.values(
                names=[given, family, given_l, family_l, father, *aliases],
                full_names=[f"{given} {family}", f"{given_l} {family_l}"],
            )
            index_s = "{" + ",".join(map(str, name_index)) + "}"
            lang = self.languages[id(pool)](rng)
            languages = [lang, "fa"] if country == "IR" and lang != "fa" and rand() < 0.3 else [lang]
            doc = self.docs_national(rng) if citizenship == country else self.docs_foreign(rng)
            if doc == "None":
                doc, doc_no, doc_country = "", "", NULL
            else:
                doc_no, doc_country = f"{randint(10_000_000, 99_999_999)}", citizenship
            vulns = sample(scen.vulnerabilities, randint(1, min(3, len(scen.vulnerabilities))))
            if citizenship != country and "Migration" not in vulns:
                vulns.append("Migration")
            province = agency.province_id if (agency.province_id and rand() < 0.7) else None
            if province is None:
                provs = self.provinces.get(country)
                province = choice(provs) if provs else None
            province_s = str(province) if province else NULL
            reference = person_reference_for(person_id)
            refs.append(reference)
            pw(
                f"{person_id}\t{reference}\t{agency.id}\t{seal(given, P + 'given_name')}\t"
                f"{seal(family, P + 'family_name')}\t{seal(given_l, P + 'given_name_latin')}\t"
                f"{seal(family_l, P + 'family_name_latin')}\t"
                f"{pg_array([seal(a, P + 'aliases') for a in aliases])}\t{seal(father, P + 'father_name')}\t{gender}\t"
                f"{seal(dob.isoformat(), P + 'date_of_birth') if dob else NULL}\t"
                f"{est if est is not None else NULL}\t{est_on.isoformat() if est_on else NULL}\t"
                f"{{{citizenship}}}\t{pg_array(languages)}\t{doc}\t{seal(doc_no, P + 'document_number')}\t"
                f"{doc_country}\t{country}\t{province_s}\t\t\t\t{pg_array(vulns)}\t{index_s}\t{created_s}\t{created_s}\n"
            )
            # What.
            types = self.types[scen.key](rng)
            if types == ["ForcedMarriage", "SexualExploitation"] and not scen.sex_types:
                types = ["ForcedMarriage"]
            status = (self.status_with if types else self.status_without)(rng)
            smuggled = rand() < scen.smuggled
            if status in ("PossibleVictimOfTrafficking", "ActualVictimOfTrafficking"):
                acts = sorted(sample(ACTS, randint(1, 2)))
                means = (
                    sorted(sample(scen.means, randint(1, min(3, len(scen.means)))))
                    if (not is_child or rand() < 0.5)
                    else []
                )
                purposes = sorted(sample(scen.purposes, 1 if len(scen.purposes) == 1 or rand() < 0.7 else 2))
            elif status == "Screened" and types:
                acts = [choice(ACTS)] if rand() < 0.5 else []
                means, purposes = [], []
            else:
                acts, means, purposes = [], [], []
            if status in ("ActualVictimOfTrafficking", "NotAVictimOfTrafficking"):
                decided_by = DECIDED_BY.get(agency.type, "NonPoliceGovernmentalOrganization")
                decided_on = identified_on + datetime.timedelta(days=min(days_ago - 1, randint(0, 60)))
                decided_s = decided_on.isoformat()
            else:
                decided_by, decided_s = "", NULL
            industry = choice(scen.industries) if ("ForcedLabour" in types and scen.industries) else ""
            if "ForcedLabour" in types and not industry:
                industry = "C_Manufacturing"
            sex_types = [choice(scen.sex_types)] if ("SexualExploitation" in types and scen.sex_types) else []
            if types and status != "NotAVictimOfTrafficking":
                controls = sorted(sample(scen.controls, randint(1, min(3, len(scen.controls)))))
                ilo = sorted(sample(scen.ilo, randint(1, min(3, len(scen.ilo))))) if scen.ilo else []
                recruitment = [choice(scen.recruitment)] if scen.recruitment else []
                relationship = self.relationships[scen.key](rng)
            else:
                controls, ilo, recruitment, relationship = [], [], [], ""
            context = self.contexts[scen.key](rng)
            staff = agency.staff
            user = staff[0] if len(staff) == 1 else choice(staff)
            iw(
                f"{case_id}\t{identified_on.isoformat()}\t{country}\t{province_s}\t"
                f"{seal(choice(scen.places), 'cases.Identification.place')}\t"
                f"{agency.id}\t{user}\t{context}\t{pg_array(acts)}\t{pg_array(means)}\t{pg_array(purposes)}\t"
                f"{pg_array(types)}\t{industry}\t{pg_array(sex_types)}\t{pg_array(controls)}\t"
                f"{pg_array(recruitment)}\t{relationship}\t{pg_array(ilo)}\t{'t' if smuggled else 'f'}\t"
                f"{status}\t{decided_by}\t{decided_s}\t{seal(scen.narrative, 'cases.Identification.narrative')}\t"
                f"{age_at if age_at is not None else NULL}\t{'t' if is_child else 'f'}\t{created_s}\n"
            )
            # The case and its state today.
            reference_case = f"{country}-{identified_on.year}-{number:06d}"
            r = rand()
            closed = (
                (days_ago > 180 and r < 0.6)
                or (days_ago > 30 and r < 0.08)
                or (status == "NotAVictimOfTrafficking" and days_ago > 14 and r < 0.9)
            )
            if closed:
                reason = "NotAVictim" if status == "NotAVictimOfTrafficking" else self.closure(rng)
                case_status = "ClosedReferred" if reason == "ReferredElsewhere" else "Closed"
                closed_on = identified_on + datetime.timedelta(days=randint(7, max(7, min(days_ago - 1, 365))))
                if closed_on >= today:
                    closed_on = today - datetime.timedelta(days=1)
                closed_s = closed_on.isoformat()
                stage = "Identification" if reason == "NotAVictim" else self.closed_stage(rng)
                updated_s = f"{closed_s} 12:00:00+00:00"
            else:
                reason, closed_s = "", NULL
                case_status = "FollowUp" if (days_ago > 90 and rand() < 0.3) else "Active"
                stage = "Identification" if days_ago < 7 else self.open_stage(rng)
                updated_s = created_s
            cw(
                f"{case_id}\t{reference_case}\t{person_id}\t{agency.id}\t{user}\t{case_status}\t{stage}\t"
                f"{identified_on.isoformat()}\t{closed_s}\t{reason}\t\t{country}\t{'t' if is_child else 'f'}\t"
                f"{pg_array(types)}\t{status}\t{'t' if smuggled else 'f'}\t{user}\t{created_s}\t{updated_s}\n"
            )
            ew(f"{case_id}\t{user}\tidentification_logged\t{self.summary[agency.id]}\t{created_s}\n")
        return persons, cases, idents, events, refs


PERSON_COLUMNS = (
    "id, reference, agency_id, given_name, family_name, given_name_latin, family_name_latin, aliases, "
    "father_name, gender, date_of_birth, estimated_age, age_estimated_on, citizenships, languages, "
    "document_type, document_number, document_country_id, current_country_id, current_province_id, "
    "phone, email, current_address, vulnerabilities, name_index, created_at, updated_at"
)
CASE_COLUMNS = (
    "id, reference, person_id, agency_id, assigned_to_id, status, stage, opened_on, closed_on, closure_reason, "
    "closure_notes, country_id, is_child, exploitation_types, trafficking_status, is_smuggled_migrant, "
    "created_by_id, created_at, updated_at"
)
IDENTIFICATION_COLUMNS = (
    "case_id, identified_on, country_id, province_id, place, agency_id, caseworker_id, context, acts, means, "
    "purposes, exploitation_types, forced_labour_industry, sex_exploitation_types, methods_of_control, "
    "recruitment_methods, relationship_to_recruiter, ilo_indicators, is_smuggled_migrant, trafficking_status, "
    "status_decided_by, status_decided_on, narrative, age_at_identification, is_child, created_at"
)
EVENT_COLUMNS = "case_id, actor_id, action, summary, created_at"


def _next_values(cur, sequence_sql: str, n: int) -> list[int]:
    cur.execute(f"SELECT nextval({sequence_sql}) FROM generate_series(1, %s)", [n])  # noqa: S608
    return sorted(row[0] for row in cur.fetchall())


def _copy(cur, table: str, columns: str, buffer: io.StringIO) -> None:
    buffer.seek(0)
    cur.copy_expert(f"COPY {table} ({columns}) FROM STDIN", buffer)


def load_cases(
    n: int,
    *,
    seed: int = DEFAULT_SEED,
    chunk_size: int = DEFAULT_CHUNK,
    exclude_user_ids=(),
    progress: Callable[[str], None] | None = None,
) -> LoadResult:
    """Add `n` synthetic cases (each with its person, identification and timeline event)."""
    started = time.monotonic()
    if n <= 0:
        return LoadResult(0, 0.0)
    agencies = case_agencies(exclude_user_ids)
    if not agencies:
        raise NoCaseAgencies("No active agency has staff who may log identifications; run seed_demo first.")
    from partners.models import Province

    provinces: dict[str, list[int]] = {}
    for pid, country in Province.objects.values_list("id", "country_id").order_by("id"):
        provinces.setdefault(country, []).append(pid)
    # Distinct streams per run: the same seed gives the same mix, the next run new rows.
    with connection.cursor() as cur:
        cur.execute("SELECT last_value FROM case_reference_seq")
        (offset,) = cur.fetchone()
    rng = random.Random(f"{seed}:{offset}")
    gen = _Generator(agencies, provinces, rng, timezone.localdate())

    done = 0
    first_id = last_id = None
    with connection.cursor() as cur:
        while done < n:
            size = min(chunk_size, n - done)
            with transaction.atomic():
                # Losing the last chunks in a crash is harmless here; waiting for each WAL flush is not.
                cur.execute("SET LOCAL synchronous_commit TO off")
                # --- audit (issue 5): demo bulk data is not audited; row triggers off for this transaction ---
                from audit.db import bulk_load_unaudited

                bulk_load_unaudited(cur)
                # --- end audit ---
                person_ids = _next_values(cur, "pg_get_serial_sequence('victims_person', 'id')", size)
                case_ids = _next_values(cur, "pg_get_serial_sequence('cases_case', 'id')", size)
                numbers = _next_values(cur, "'case_reference_seq'", size)
                persons, cases, idents, events, refs = gen.rows(person_ids, case_ids, numbers)
                cur.execute("SELECT reference FROM victims_person WHERE reference = ANY(%s)", [refs])
                taken = {row[0] for row in cur.fetchall()}
                if taken:  # a random service-made reference met one of ours: rewrite those rows
                    persons = _replace_references(persons, taken, rng, cur)
                _copy(cur, "victims_person", PERSON_COLUMNS, persons)
                _copy(cur, "cases_case", CASE_COLUMNS, cases)
                _copy(cur, "cases_identification", IDENTIFICATION_COLUMNS, idents)
                _copy(cur, "cases_caseevent", EVENT_COLUMNS, events)
            first_id = case_ids[0] if first_id is None else first_id
            last_id = case_ids[-1]
            done += size
            if progress:
                elapsed = time.monotonic() - started
                progress(f"  {done:>10,} / {n:,} cases  {elapsed:7.1f} s  {done / elapsed:8,.0f} cases/s")
        cur.execute("ANALYZE victims_person, cases_case, cases_identification, cases_caseevent")
        # Move the name index's pending entries into the index now, not at the first searches.
        cur.execute("SELECT gin_clean_pending_list('person_name_index'::regclass)")
    return LoadResult(done, time.monotonic() - started, first_id, last_id)


def _replace_references(persons: io.StringIO, taken: set[str], rng: random.Random, cur) -> io.StringIO:
    def fresh() -> str:
        while True:
            ref = "P-" + "".join(rng.choice(_REF_ALPHABET) for _ in range(8))
            cur.execute("SELECT 1 FROM victims_person WHERE reference = %s", [ref])
            if ref not in taken and cur.fetchone() is None:
                taken.add(ref)
                return ref

    out = io.StringIO()
    for line in persons.getvalue().splitlines(keepends=True):
        pid, ref, rest = line.split("\t", 2)
        out.write(f"{pid}\t{fresh() if ref in taken else ref}\t{rest}")
    return out
