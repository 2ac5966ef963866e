"""The words a filing is written in: the kinds of place, data sources, storage, legal bases.

A filing's content is a JSON document (a draft while it is edited, frozen in a version when it is
submitted). Its shape, section by section, is:

    organization: name, uscc, address_division, street_address, legal_representative,
                  responsible_person, responsible_person_id_number, contact_name, contact_mobile,
                  contact_email
    purpose:      purpose, scope, necessity, alternative_considered, alternative_rejected_reason
    facial_data:  people_stored (int), sources (list of SOURCES), sources_detail,
                  storage_locations (list of STORAGE), cloud_provider, stored_outside_china (bool),
                  retention_period, keeps_originals (bool), originals_basis (ORIGINALS_BASES or ""),
                  originals_basis_detail, anonymised_only (bool),
                  off_device_basis (OFF_DEVICE_BASES or ""), off_device_basis_detail
    deployments:  list of {name, place_kind (PLACE_KINDS), place_description,
                  is_public_place (bool), signage (bool), signage_description,
                  verifies_identity (bool), alternative_offered, law_requiring_face,
                  identity_channel}
    consent:      lawful_basis (LAWFUL_BASES; blank reads as "consent"), lawful_basis_provision,
                  informed_consent_method, separate_consent (bool), written_consent (bool),
                  minors_under_14 (bool), guardian_consent_method,
                  sensitive_attributes (list of SENSITIVE_ATTRIBUTES),
                  sensitive_basis (SENSITIVE_BASES or ""), sensitive_basis_detail
    security:     measures (list of SECURITY_MEASURES), measures_detail, processing_rules,
                  operating_procedures
    assessment:   assessment_date (ISO date), conclusion
    declaration:  truthful (bool)

A missing key reads as empty. Attachments are rows of their own (kinds in ATTACHMENT_KINDS).
"""

from django.utils.translation import gettext_lazy as _

STEPS = [
    ("organization", _("Organization and responsible persons")),
    ("purpose", _("Purpose, scope and necessity")),
    ("facial_data", _("Facial information")),
    ("deployments", _("Deployments")),
    ("consent", _("Consent")),
    ("security", _("Security and procedures")),
    ("assessment", _("Impact assessment and attachments")),
    ("review", _("Review and submit")),
]

PROHIBITED_PLACES = {
    "hotel_room": _("Hotel room"),
    "public_bathroom": _("Public bathroom"),
    "fitting_room": _("Fitting room"),
    "toilet": _("Toilet"),
}
# Venues that may not force face verification unless a law or regulation requires it.
LISTED_VENUES = {
    "hotel": _("Hotel (lobby, front desk)"),
    "bank": _("Bank"),
    "railway_station": _("Railway station"),
    "airport": _("Airport"),
    "sports_venue": _("Sports venue"),
    "exhibition_hall": _("Exhibition hall"),
    "museum": _("Museum"),
    "art_gallery": _("Art gallery"),
    "library": _("Library"),
}
OTHER_PLACES = {
    "office": _("Office or workplace entrance"),
    "residential": _("Residential community"),
    "school": _("School or campus"),
    "hospital": _("Hospital"),
    "retail": _("Shop or mall"),
    "street": _("Street or square"),
    "transport": _("Public transport"),
    "online": _("Online service or app"),
}
# "Other place" comes last, after every named kind.
PLACE_KINDS = {**OTHER_PLACES, **LISTED_VENUES, **PROHIBITED_PLACES, "other": _("Other place")}
# Kinds of place that are public by their nature: a deployment there is in a public place whether
# or not the box is ticked.
PUBLIC_PLACE_KINDS = frozenset({"street", "transport", "retail", "hospital", *LISTED_VENUES})
# Words that, in a place's name or description, point at a private space (卧室、宿舍、更衣室、浴室、
# 卫生间、厕所…): the reviewer is told, whatever kind of place was chosen.
PRIVATE_SPACE_WORDS = (
    "卧室",
    "寝室",
    "宿舍",
    "客房",
    "更衣",
    "试衣",
    "浴室",
    "淋浴",
    "澡堂",
    "卫生间",
    "洗手间",
    "厕所",
    "盥洗",
    "哺乳室",
    "母婴室",
    "bedroom",
    "dormitory",
    "guest room",
    "hotel room",
    "changing room",
    "locker room",
    "fitting room",
    "bathroom",
    "shower",
    "toilet",
    "restroom",
    "washroom",
    "lavatory",
)

SOURCES = {
    "collected_directly": _("Collected directly from the people concerned"),
    "provided_by_third_party": _("Provided by another organization"),
    "public_sources": _("Publicly available sources"),
    "other": _("Other"),
}
STORAGE = {
    "device": _("Only on the device that captures it"),
    "own_servers": _("On our own servers"),
    "cloud": _("With a cloud provider"),
}
# Why facial information may leave the device that captures it (Measures Art. 7).
OFF_DEVICE_BASES = {
    "law": _("A law or administrative regulation provides for it"),
    "consent": _("The individual's separate consent"),
}
# What the processing rests on: consent, or a provision of law that requires it.
LAWFUL_BASES = {
    "consent": _("The individual's consent"),
    "law": _("A law or administrative regulation requires the processing"),
}
ORIGINALS_BASES = {
    "law": _("A law or administrative regulation requires it"),
    "consent": _("The individual's separate consent"),
}
SENSITIVE_ATTRIBUTES = {
    "race": _("Race"),
    "ethnicity": _("Ethnicity"),
    "religion": _("Religious belief"),
    "health": _("Health status"),
    "social_class": _("Social class"),
}
SENSITIVE_BASES = {
    "national_security": _("National security"),
    "public_safety": _("Public safety"),
    "emergency": _("Protecting life, health or property in an emergency"),
    "consent": _("The individual's consent"),
    "law": _("A law or administrative regulation provides for it"),
}
# The grounds each rule set allows for analysing sensitive attributes: the draft's own four; under
# the 2025 measures, which have no rule of their own, the PIPL's (Arts. 13, 28, 29): the
# individual's separate consent, or a law or administrative regulation.
DRAFT_SENSITIVE_BASES = ("national_security", "public_safety", "emergency", "consent")
MEASURES_SENSITIVE_BASES = ("consent", "law")
SECURITY_MEASURES = {
    "encryption": _("Encryption in storage and transit"),
    "access_control": _("Access control"),
    "audit_logging": _("Audit logging"),
    "intrusion_prevention": _("Intrusion prevention"),
    "incident_response": _("Incident response plan"),
}
ATTACHMENT_KINDS = {
    "assessment_report": _("Impact assessment report"),
    "uscc_certificate": _("Business licence (USCC certificate) scan"),
    "legal_representative_id": _("ID card copy of the legal representative"),
    "handler_id": _("ID card copy of the person handling the filing"),
    "authorisation_letter": _("Sealed authorisation letter"),
    "commitment_letter": _("Sealed commitment letter"),
    "other": _("Other attachment"),
}

# Every filing number begins so: 网信人脸备 + the office's division code + the year + a sequence.
FILING_NUMBER_PREFIX = "网信人脸备"

CHANGE_STEP_LABEL = _("What changed")
CANCELLATION_STEP_LABEL = _("Cancellation")
