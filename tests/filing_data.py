"""A complete filing document that passes every check: the base the tests vary."""


def complete_filing() -> dict:
    """A filing that meets every duty: no errors and no warnings."""
    return {
        "organization": {
            "name": "示例科技有限公司",
            "uscc": "914403001922038216",
            "address_division": "440300",
            "street_address": "深圳市南山区科技园 1 号",
            "legal_representative": "张三",
            "responsible_person": "李四",
            "responsible_person_id_number": "11010519491231002X",
            "contact_name": "王五",
            "contact_mobile": "13800000000",
            "contact_email": "privacy@example.com",
        },
        "purpose": {
            "purpose": "Entrance control for employees",
            "scope": "Employees of the Shenzhen office only",
            "necessity": "The lobby is public; badges are lent and lost",
            "alternative_considered": "Badge cards",
            "alternative_rejected_reason": "Badges are shared between employees",
        },
        "facial_data": {
            "people_stored": 12_000,
            "sources": ["collected_directly"],
            "sources_detail": "",
            "storage_locations": ["device"],
            "cloud_provider": "",
            "stored_outside_china": False,
            "retention_period": "Until employment ends, then 30 days",
            "keeps_originals": False,
            "originals_basis": "",
            "originals_basis_detail": "",
            "anonymised_only": True,
        },
        "deployments": [
            {
                "name": "Lobby gate",
                "place_kind": "office",
                "is_public_place": True,
                "signage": True,
                "signage_description": "A sign at the door",
                "verifies_identity": True,
                # Any place that verifies identity by face offers another way (draft provisions;
                # Measures Art. 10), not only the listed venues.
                "alternative_offered": "A visitor badge from the reception",
                "law_requiring_face": "",
                # Measures Art. 11: an authoritative national channel, encouraged.
                "identity_channel": "The national online identity authentication public service",
            },
            {
                "name": "Hotel front desk",
                "place_kind": "hotel",
                # A hotel lobby is public by its kind, ticked or not; the box is ticked here.
                "is_public_place": True,
                "signage": True,
                "signage_description": "A sign at the front desk",
                "verifies_identity": True,
                "alternative_offered": "Check-in with an identity card at the desk",
                "law_requiring_face": "",
                "identity_channel": "The national population basic information database",
            },
        ],
        "consent": {
            "informed_consent_method": "A notice and a tick box in the enrolment app",
            "separate_consent": True,
            "written_consent": False,
            "minors_under_14": False,
            "guardian_consent_method": "",
            "sensitive_attributes": [],
            "sensitive_basis": "",
            "sensitive_basis_detail": "",
        },
        "security": {
            "measures": ["encryption", "access_control", "audit_logging"],
            "measures_detail": "AES-256 at rest, TLS in transit",
            "processing_rules": "Rules v1",
            "operating_procedures": "Procedures v1",
        },
        "assessment": {"assessment_date": "2026-01-15", "conclusion": "Acceptable"},
        "declaration": {"truthful": True},
    }


def mark_complete(filing) -> None:
    """Saves a filing whose content a test set by hand, with every step saved complete as the
    pages would have left it: the submission verb refuses a filing with a step left out."""
    from filings.law.steps import STEPS_BY_KIND

    filing.completed_steps = [key for key in STEPS_BY_KIND[filing.kind] if key != "review"]
    filing.save(update_fields=["data", "completed_steps"])
