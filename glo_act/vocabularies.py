"""Code lists. Stored values are the standards' own codes; labels are translatable.

HTCDS v2.0 lists (IOM, CC BY 4.0) are copied verbatim from the field standard; where the
four countries need a value the standard lacks (forced criminality, bacha bazi, ...), the
extension is marked and mapped back on export. tests/test_vocabularies.py checks every HTCDS
list here against ../shared/reference/htcds-v2-fields.json.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Gender(models.TextChoices):
    """HTCDS `prs_Gender`."""

    FEMININE = "Feminine", _("Feminine")
    MASCULINE = "Masculine", _("Masculine")
    TRANSGENDERFEMININE = "TransgenderFeminine", _("Transgender Feminine")
    TRANSGENDERMASCULINE = "TransgenderMasculine", _("Transgender Masculine")
    NONCONFORMING = "NonConforming", _("Non-Conforming")
    NONSPECIFIEDUNKNOWN = "NonSpecifiedUnknown", _("Not Specified/Unknown")


class StatusDecisionOrg(models.TextChoices):
    """HTCDS `vic_TraffickingStatusDecisionMakingOrg`."""

    POLICE = "Police", _("Police")
    NGO = "NGO", _("NGO")
    COURTORPROSECUTION = "CourtOrProsecution", _("Court or prosecution")
    NONPOLICEGOVERNMENTALORGANIZATION = "NonPoliceGovernmentalOrganization", _("Non-police governmental organization")
    OTHER = "Other", _("Other")


class RelationshipToTrafficker(models.TextChoices):
    """HTCDS `vic_RelationshipToTrafficker`."""

    FAMILIAL = "Familial", _("Familial")
    ACQUAINTED = "Acquainted", _("Acquainted")
    UNAQUAINTED = "Unaquainted", _("Unaquainted")


class RecruitmentMethod(models.TextChoices):
    """HTCDS `vic_MethodOfRecruitment`."""

    ATAPLACEOFBUSINESS = "AtAPlaceOfBusiness", _("At a place of business")
    ATANEDUCATIONALINSTITUTION = "AtAnEducationalInstitution", _("At an educational institution")
    ATWORK = "AtWork", _("At work")
    THROUGHONLINESOCIALNETWORKS = "ThroughOnlineSocialNetworks", _("Through online social networks")
    THROUGHANONLINEADVERTISEMENT = "ThroughAnOnlineAdvertisement", _("Through an online advertisement")
    THROUGHATELEVISIONADVERT = "ThroughATelevisionAdvert", _("Through a television advert")
    THROUGHANEWSPAPERADVERT = "ThroughANewspaperAdvert", _("Through a newspaper advert")
    THROUGHFAMILYORFAMILYEVENTS = "ThroughFamilyOrFamilyEvents", _("Through family or family events")
    THROUGHFRIENDSORSOCIALEVENTS = "ThroughFriendsOrSocialEvents", _("Through friends or social events")
    OTHER = "Other", _("Other")


class MethodOfControl(models.TextChoices):
    """HTCDS `vic_MethodsOfControl`."""

    PHYSICALTHREATS = "PhysicalThreats", _("Physical threats")
    THREATSLAWENFORCEMENT = "ThreatsLawEnforcement", _("Threats of law enforcement")
    THREATENSCHILDRENFAMILY = "ThreatensChildrenFamily", _("Threatens children/family")
    DEBTBONDAGE = "DebtBondage", _("Debt bondage")
    FALSEPROMISES = "FalsePromises", _("False promises")
    PHYSICALABUSE = "PhysicalAbuse", _("Physical abuse")
    SEXUALABUSE = "SexualAbuse", _("Sexual abuse")
    TAKESEARNINGS = "TakesEarnings", _("Takes earnings")
    RESTRICTSFINANCIALACCESS = "RestrictsFinancialAccess", _("Restricts financial access")
    RESTRICTSMEDICALCARE = "RestrictsMedicalCare", _("Restricts medical care")
    WITHHOLDSNECESSITIES = "WithholdsNecessities", _("Withholds necessities")
    PSYCHOLOGICALABUSE = "PsychologicalAbuse", _("Psychological abuse")
    PSYCHOACTIVESUBSTANCE = "PsychoactiveSubstance", _("Psychoactive substance")
    EXCESSIVEWORKINGHOURS = "ExcessiveWorkingHours", _("Excessive working hours")
    WITHHOLDSDOCUMENTS = "WithholdsDocuments", _("Withholds documents")
    OTHER = "Other", _("Other")


class ForcedLabourIndustry(models.TextChoices):
    """HTCDS `vic_ForcedLabourIndustry`."""

    A_AGRICULTUREFORESTRYANDFISHING = "A_AgricultureForestryAndFishing", _("Agriculture, forestry and fishing")
    B_MININGANDQUARRYING = "B_MiningAndQuarrying", _("Mining and quarrying")
    C_MANUFACTURING = "C_Manufacturing", _("Manufacturing")
    D_ELECTRICITYGASSTEAMANDAIRCONDITIONINGSUPPLY = (
        "D_ElectricityGasSteamAndAirConditioningSupply",
        _("Electricity, gas, steam and air conditioning supply"),
    )
    E_WATERSUPPLYSEWERAGEWASTEMANAGEMENT = (
        "E_WaterSupplySewerageWasteManagement",
        _("Water supply; sewerage, waste management and remediation"),
    )
    F_CONSTRUCTION = "F_Construction", _("Construction")
    G_WHOLESALEANDRETAILTRADEREPAIROFMOTORVEHICLES = (
        "G_WholesaleAndRetailTradeRepairOfMotorVehicles",
        _("Wholesale and retail trade; repair of motor vehicles and motorcycles"),
    )
    H_TRANSPORTATIONANDSTORAGE = "H_TransportationAndStorage", _("Transportation and storage")
    I_ACCOMMODATIONANDFOODSERVICEACTIVITIES = (
        "I_AccommodationAndFoodServiceActivities",
        _("Accommodation and food service activities"),
    )
    J_INFORMATIONANDCOMMUNICATION = "J_InformationAndCommunication", _("Information and communication")
    K_FINANCIALANDINSURANCEACTIVITIES = "K_FinancialAndInsuranceActivities", _("Financial and insurance activities")
    L_REALESTATEACTIVITIES = "L_RealEstateActivities", _("Real estate activities")
    M_PROFESSIONALSCIENTIFICANDTECHNICALACTIVITIES = (
        "M_ProfessionalScientificAndTechnicalActivities",
        _("Professional, scientific and technical activities"),
    )
    N_ADMINISTRATIVEANDSUPPORTSERVICEACTIVITIES = (
        "N_AdministrativeAndSupportServiceActivities",
        _("Administrative and support service activities"),
    )
    O_PUBLICADMINISTRATIONANDDEFENCE = (
        "O_PublicAdministrationAndDefence",
        _("Public administration and defence; compulsory social security"),
    )
    P_EDUCATION = "P_Education", _("Education")
    Q_HUMANHEALTHANDSOCIALWORKACTIVITIES = (
        "Q_HumanHealthAndSocialWorkActivities",
        _("Human health and social work activities"),
    )
    R_ARTSENTERTAINMENTANDRECREATION = "R_ArtsEntertainmentAndRecreation", _("Arts, entertainment and recreation")
    S_OTHERSERVICEACTIVITIES = "S_OtherServiceActivities", _("Other service activities")
    T_ACTIVITIESOFHOUSEHOLDSASEMPLOYERS = (
        "T_ActivitiesOfHouseholdsAsEmployers",
        _(
            "Activities of households as employers; undifferentiated goods- and services- producing activities of households for own use"
        ),
    )
    U_ACTIVITIESOFEXTRATERRITORIALORGANIZATIONS = (
        "U_ActivitiesOfExtraterritorialOrganizations",
        _("Activities of extraterritorial organizations and bodies"),
    )


class SexExploitationType(models.TextChoices):
    """HTCDS `vic_TypeOfSexExploitation`."""

    PROSTITUTION = "Prostitution", _("Prostitution")
    PORNOGRAPHY = "Pornography", _("Pornography")
    REMOTEINTERACTIVESERVICES = "RemoteInteractiveServices", _("Remote Interactive Services")
    PRIVATESEXUALSERVICES = "PrivateSexualServices", _("Private Sexual Services")


class Vulnerability(models.TextChoices):
    """HTCDS `vic_Vulnerabilities`."""

    ADDICTION = "Addiction", _("Addiction")
    SOCIALGROUP = "SocialGroup", _("Social Group")
    DISCRIMINATION = "Discrimination", _("Discrimination")
    POVERTY = "Poverty", _("Poverty")
    DISABILITYANDPHYSICALHEALTH = "DisabilityAndPhysicalHealth", _("Disability and physical health")
    MENTALHEALTH = "MentalHealth", _("Mental health")
    MIGRATION = "Migration", _("Migration")
    HOMELESSNESS = "Homelessness", _("Homelessness")
    ABUSESOCIALMEDIA = "AbuseSocialMedia", _("Abuse - social media")
    ABUSEPHYSICAL = "AbusePhysical", _("Abuse - physical")
    EDUCATION = "Education", _("Education")
    WORKENVIRONMENT = "WorkEnvironment", _("Work environment")


class CaseStatus(models.TextChoices):
    """HTCDS `cas_Status`."""

    ACTIVE = "Active", _("Active")
    FOLLOWUP = "FollowUp", _("Follow Up")
    CLOSED = "Closed", _("Closed")
    CLOSEDREFERRED = "ClosedReferred", _("Closed Referred")


class ReferralReason(models.TextChoices):
    """HTCDS `cas_ReasonForOutgoingReferral`."""

    ADDITIONALSERVICESREQUIRED = "AdditionalServicesRequired", _("Additional Services Required")
    MIGRATIONORCHANGEOFLOCATION = "MigrationOrChangeOfLocation", _("Migration or Change of Location")
    OTHER = "Other", _("Other")


class SupportType(models.TextChoices):
    """HTCDS `spl_Type`."""

    EDUCATION = "Education", _("Education")
    FINANCIAL = "Financial", _("Financial")
    HEALTH = "Health", _("Health")
    LABOUREXPLOITATIONREHABILITATION = "LabourExploitationRehabilitation", _("Labour Exploitation Rehabilitation")
    LEGAL = "Legal", _("Legal")
    LIVELIHOOD = "Livelihood", _("Livelihood")
    RIGHTSBASEDTRAINING = "RightsBasedTraining", _("Rights-based Training")
    SEXUALEXPLOITATIONREHABILITATION = "SexualExploitationRehabilitation", _("Sexual Exploitation Rehabilitation")
    SOCIALCARE = "SocialCare", _("Social Care")


class ExploitationType(models.TextChoices):
    """HTCDS `vic_TypeOfExploitation`, extended with forced criminality (exported as Other)."""

    FORCEDLABOUR = "ForcedLabour", _("Forced labour")
    SEXUALEXPLOITATION = "SexualExploitation", _("Sexual exploitation")
    CHILDLABOUR = "ChildLabour", _("Child labour")
    FORCEDMARRIAGE = "ForcedMarriage", _("Forced marriage")
    SERVITUDE = "Servitude", _("Servitude")
    FORCEDMILITARYBYNONSTATEACTORS = "ForcedMilitaryByNonStateActors", _("Forced military by non-state actors")
    ORGANREMOVAL = "OrganRemoval", _("Organ removal")
    FORCEDBEGGING = "ForcedBegging", _("Forced begging")
    FORCEDADOPTION = "ForcedAdoption", _("Forced adoption")
    SURROGACY = "Surrogacy", _("Surrogacy")
    OTHER = "Other", _("Other")
    # Extension (glo_act): HTCDS has no value for it; UNODC counts it under "other purposes".
    FORCEDCRIMINALITY = "ForcedCriminality", _("Forced criminality (e.g. drug carrying)")


HTCDS_EXTENSIONS = {"ExploitationType": {"ForcedCriminality": "Other"}}


class TraffickingStatus(models.TextChoices):
    """HTCDS `vic_TraffickingStatus`, preceded by the screening stage before any decision."""

    SCREENED = "Screened", _("Screened (no decision yet)")
    POSSIBLE = "PossibleVictimOfTrafficking", _("Possible victim of trafficking")
    ACTUAL = "ActualVictimOfTrafficking", _("Actual victim of trafficking")
    NOT_VICTIM = "NotAVictimOfTrafficking", _("Not a victim of trafficking")


class PalermoAct(models.TextChoices):
    """Palermo Protocol, Art. 3(a): the act."""

    RECRUITMENT = "Recruitment", _("Recruitment")
    TRANSPORTATION = "Transportation", _("Transportation")
    TRANSFER = "Transfer", _("Transfer")
    HARBOURING = "Harbouring", _("Harbouring")
    RECEIPT = "Receipt", _("Receipt of persons")


class PalermoMeans(models.TextChoices):
    """Palermo Protocol, Art. 3(a): the means (not needed for a child, Art. 3(c))."""

    THREAT = "ThreatOrUseOfForce", _("Threat or use of force")
    COERCION = "Coercion", _("Other forms of coercion")
    ABDUCTION = "Abduction", _("Abduction")
    FRAUD = "Fraud", _("Fraud")
    DECEPTION = "Deception", _("Deception")
    ABUSE_OF_POWER = "AbuseOfPower", _("Abuse of power")
    ABUSE_OF_VULNERABILITY = "AbuseOfVulnerability", _("Abuse of a position of vulnerability")
    PAYMENTS = "PaymentsToControllingPerson", _("Giving or receiving payments to a person having control")


class PalermoPurpose(models.TextChoices):
    """Palermo Protocol, Art. 3(a): the purpose of exploitation."""

    SEXUAL = "SexualExploitation", _("Prostitution of others or other sexual exploitation")
    FORCED_LABOUR = "ForcedLabourOrServices", _("Forced labour or services")
    SLAVERY = "SlaveryOrSimilarPractices", _("Slavery or practices similar to slavery")
    SERVITUDE = "Servitude", _("Servitude")
    ORGAN_REMOVAL = "OrganRemoval", _("Removal of organs")


class IloIndicator(models.TextChoices):
    """ILO's 11 indicators of forced labour."""

    ABUSE_OF_VULNERABILITY = "AbuseOfVulnerability", _("Abuse of vulnerability")
    DECEPTION = "Deception", _("Deception")
    RESTRICTION_OF_MOVEMENT = "RestrictionOfMovement", _("Restriction of movement")
    ISOLATION = "Isolation", _("Isolation")
    VIOLENCE = "PhysicalAndSexualViolence", _("Physical and sexual violence")
    INTIMIDATION = "IntimidationAndThreats", _("Intimidation and threats")
    RETENTION_OF_DOCUMENTS = "RetentionOfIdentityDocuments", _("Retention of identity documents")
    WITHHOLDING_OF_WAGES = "WithholdingOfWages", _("Withholding of wages")
    DEBT_BONDAGE = "DebtBondage", _("Debt bondage")
    ABUSIVE_CONDITIONS = "AbusiveWorkingAndLivingConditions", _("Abusive working and living conditions")
    EXCESSIVE_OVERTIME = "ExcessiveOvertime", _("Excessive overtime")


class IdentificationContext(models.TextChoices):
    """Where and how the person came to the attention of the identifying agency."""

    STREET = "Street", _("Street outreach")
    BORDER = "BorderCrossing", _("Border crossing")
    WORKSITE = "Worksite", _("Worksite inspection")
    SHELTER = "Shelter", _("Shelter")
    HOTLINE = "Hotline", _("Hotline")
    POLICE_OPERATION = "PoliceOperation", _("Police operation")
    SELF_REFERRAL = "SelfReferral", _("Self-referral")
    HEALTH_FACILITY = "HealthFacility", _("Health facility")
    DETENTION = "ImmigrationDetention", _("Immigration detention")
    RETURN = "ReturnOrDeportation", _("Return or deportation")
    COMMUNITY = "CommunityReferral", _("Community referral")
    OTHER = "Other", _("Other")


class CaseStage(models.TextChoices):
    """The five stages of the Transnational Referral Mechanism (ICMPD)."""

    IDENTIFICATION = "Identification", _("1. Identification")
    FIRST_ASSISTANCE = "FirstAssistance", _("2. First assistance and protection")
    LONG_TERM_ASSISTANCE = "LongTermAssistance", _("3. Long-term assistance and social inclusion")
    RETURN = "ReturnAndSocialInclusion", _("4. Return and social inclusion")
    PROCEEDINGS = "Proceedings", _("5. Criminal and civil proceedings")


class ConsentPurpose(models.TextChoices):
    DATA_PROCESSING = "DataProcessing", _("Processing of personal data")
    NATIONAL_REFERRAL = "NationalReferral", _("Referral within the country")
    CROSS_BORDER_REFERRAL = "CrossBorderReferral", _("Cross-border referral")
    STATISTICS = "AnonymisedStatistics", _("Use in anonymised statistics")


class ConsentGivenBy(models.TextChoices):
    PERSON = "Person", _("The person")
    GUARDIAN = "Guardian", _("Parent or legal guardian")
    APPOINTED_GUARDIAN = "AppointedGuardian", _("Appointed guardian")


class RiskLevel(models.TextChoices):
    LOW = "Low", _("Low")
    MEDIUM = "Medium", _("Medium")
    HIGH = "High", _("High")
    CRITICAL = "Critical", _("Critical (risk to life)")


class RiskFactor(models.TextChoices):
    RISK_TO_LIFE = "RiskToLife", _("Risk to life")
    RETRAFFICKING = "ReTrafficking", _("Risk of re-trafficking")
    RETALIATION = "RetaliationByTraffickers", _("Retaliation by traffickers")
    FAMILY_INVOLVEMENT = "FamilyInvolvedInTrafficking", _("Family involved in trafficking")
    SELF_HARM = "SelfHarm", _("Self-harm")
    HEALTH = "UrgentHealthNeed", _("Urgent health need")
    DEPORTATION = "DetentionOrDeportation", _("Detention or deportation")
    HOMELESSNESS = "NoSafeAccommodation", _("No safe accommodation")


class ReflectionEndReason(models.TextChoices):
    COMPLETED = "Completed", _("Period completed")
    DECIDED_TO_COOPERATE = "DecidedToCooperate", _("Decided to cooperate with authorities")
    DECLINED_ASSISTANCE = "DeclinedAssistance", _("Declined further assistance")
    LEFT_CONTACT = "LostContact", _("Lost contact")
    RETURNED = "Returned", _("Returned to country of origin")
    OTHER = "Other", _("Other")


class CaseClosureReason(models.TextChoices):
    GOALS_MET = "SupportGoalsMet", _("Support goals met")
    REFERRED = "ReferredElsewhere", _("Referred to another agency")
    RETURNED = "ReturnedAndReintegrated", _("Returned and reintegrated")
    DECLINED = "DeclinedAssistance", _("Person declined assistance")
    LOST_CONTACT = "LostContact", _("Lost contact")
    NOT_VICTIM = "NotAVictim", _("Not a victim of trafficking")
    DECEASED = "Deceased", _("Deceased")
    OTHER = "Other", _("Other")


class DocumentType(models.TextChoices):
    NONE = "None", _("No document")
    PASSPORT = "Passport", _("Passport")
    NATIONAL_ID = "NationalId", _("National identity card (e.g. Tazkira, Kart-e Melli, CNIC)")
    REFUGEE_CARD = "RefugeeCard", _("Refugee or registration card (e.g. PoR, Amayesh)")
    BIRTH_CERTIFICATE = "BirthCertificate", _("Birth certificate")
    RESIDENCE_PERMIT = "ResidencePermit", _("Residence or work permit")
    OTHER = "Other", _("Other")


class Language(models.TextChoices):
    """ISO 639 codes of the languages most met in the programme."""

    FA = "fa", _("Persian (Farsi)")
    PRS = "prs", _("Dari")
    PS = "ps", _("Pashto")
    AR = "ar", _("Arabic")
    CKB = "ckb", _("Sorani Kurdish")
    KMR = "kmr", _("Kurmanji Kurdish")
    UR = "ur", _("Urdu")
    PA = "pa", _("Punjabi")
    SD = "sd", _("Sindhi")
    BAL = "bal", _("Balochi")
    UZ = "uz", _("Uzbek")
    TK = "tk", _("Turkmen")
    HAZ = "haz", _("Hazaragi")
    TR = "tr", _("Turkish")
    EN = "en", _("English")
    OTHER = "other", _("Other")


class AgencyType(models.TextChoices):
    UN_AGENCY = "UNAgency", _("UN agency")
    COMMISSION = "NationalCommission", _("National trafficking-in-persons commission")
    MINISTRY = "Ministry", _("Ministry")
    POLICE = "Police", _("Police")
    BORDER = "BorderAndImmigration", _("Border and immigration")
    PROSECUTION = "Prosecution", _("Prosecution or judiciary")
    NGO = "NGO", _("NGO")
    SHELTER = "Shelter", _("Shelter")
    HEALTH = "Health", _("Health service")
    LEGAL_AID = "LegalAid", _("Legal aid")
    INTERNATIONAL_NGO = "InternationalNGO", _("International NGO")


# HTCDS org_Type for each agency type, for export.
AGENCY_TYPE_TO_HTCDS = {
    "UNAgency": "CentralGovernmentOrganisation",
    "NationalCommission": "CentralGovernmentOrganisation",
    "Ministry": "CentralGovernmentOrganisation",
    "Police": "LawEnforcement",
    "BorderAndImmigration": "ImmigrationService",
    "Prosecution": "LegalService",
    "NGO": "NGO",
    "Shelter": "NGO",
    "Health": "HealthServiceOrganisation",
    "LegalAid": "LegalService",
    "InternationalNGO": "NGO",
}


class Service(models.TextChoices):
    """What an agency offers and what a referral asks for."""

    SHELTER = "Shelter", _("Shelter")
    MEDICAL = "Medical", _("Medical care")
    PSYCHOSOCIAL = "Psychosocial", _("Psychosocial support")
    LEGAL_AID = "LegalAid", _("Legal aid")
    INTERPRETATION = "Interpretation", _("Interpretation")
    FAMILY_TRACING = "FamilyTracing", _("Family tracing")
    EDUCATION = "Education", _("Education")
    LIVELIHOOD = "Livelihood", _("Livelihood and vocational training")
    RETURN_ASSISTANCE = "ReturnAssistance", _("Return assistance")
    REINTEGRATION = "Reintegration", _("Reintegration")
    CASH = "CashAssistance", _("Cash assistance")
    DOCUMENTATION = "Documentation", _("Civil documentation")
    CHILD_PROTECTION = "ChildProtection", _("Child protection and best-interests procedures")
    LAW_ENFORCEMENT = "LawEnforcement", _("Law enforcement and investigation")


# The HTCDS support type (spl_Type) closest to each service, proposed when a service is recorded.
SERVICE_TO_SUPPORT_TYPE = {
    "Shelter": "SocialCare",
    "Medical": "Health",
    "Psychosocial": "Health",
    "LegalAid": "Legal",
    "Interpretation": "SocialCare",
    "FamilyTracing": "SocialCare",
    "Education": "Education",
    "Livelihood": "Livelihood",
    "ReturnAssistance": "SocialCare",
    "Reintegration": "SocialCare",
    "CashAssistance": "Financial",
    "Documentation": "Legal",
    "ChildProtection": "SocialCare",
    "LawEnforcement": "Legal",
}
