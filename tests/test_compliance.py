"""The substantive duties a filing must show it meets, checked on its JSON document."""

import copy
import json
from datetime import date

import pytest
from django.utils import translation
from django.utils.functional import Promise

from filings.law import compliance
from filings.law.compliance import ERROR, WARNING, Finding, check_filing
from filings.law.vocabulary import SECURITY_MEASURES, STEPS
from tests.filing_data import complete_filing

TODAY = date(2026, 3, 2)
STEP_KEYS = [key for key, _label in STEPS]


COMPLETE_KINDS = ["assessment_report", "uscc_certificate"]


def changed(*edits) -> dict:
    """A complete filing with some values replaced: each edit is (path, value)."""
    data = complete_filing()
    for path, value in edits:
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return data


def codes(findings) -> list[str]:
    return [finding.code for finding in findings]


def test_the_complete_filing_has_no_findings():
    assert check_filing(complete_filing(), COMPLETE_KINDS, today=TODAY) == []


def D(number, key):  # a deployment's field
    return ("deployments", number, key)


# (check, code, a failing filing, a passing filing); each failing one differs from the complete
# filing only where the duty is broken.
CASES = [
    # --- errors
    pytest.param(
        compliance.check_prohibited_place,
        "prohibited_place",
        changed((D(0, "place_kind"), "fitting_room")),
        changed((D(0, "place_kind"), "retail")),
        id="prohibited_place",
    ),
    pytest.param(
        compliance.check_sensitive_without_basis,
        "sensitive_without_basis",
        changed((("consent", "sensitive_attributes"), ["health"])),
        changed(
            (("consent", "sensitive_attributes"), ["health"]),
            (("consent", "sensitive_basis"), "consent"),
        ),
        id="sensitive_without_basis",
    ),
    pytest.param(
        compliance.check_sensitive_without_basis,
        "sensitive_without_basis",
        changed(
            (("consent", "sensitive_attributes"), ["race"]),
            (("consent", "sensitive_basis"), "marketing"),
        ),
        changed(
            (("consent", "sensitive_attributes"), ["race"]),
            (("consent", "sensitive_basis"), "public_safety"),
        ),
        id="sensitive_with_unknown_basis",
    ),
    pytest.param(
        compliance.check_minors_without_guardian_consent,
        "minors_without_guardian_consent",
        changed((("consent", "minors_under_14"), True)),
        changed(
            (("consent", "minors_under_14"), True),
            (("consent", "guardian_consent_method"), "A parent signs a paper form"),
        ),
        id="minors_without_guardian_consent",
    ),
    pytest.param(
        compliance.check_originals_without_basis,
        "originals_without_basis",
        changed((("facial_data", "keeps_originals"), True)),
        changed(
            (("facial_data", "keeps_originals"), True),
            (("facial_data", "originals_basis"), "law"),
        ),
        id="originals_without_basis",
    ),
    pytest.param(
        compliance.check_originals_without_basis,
        "originals_without_basis",
        changed(
            (("facial_data", "keeps_originals"), True),
            (("facial_data", "originals_basis"), "convenience"),
        ),
        changed(
            (("facial_data", "keeps_originals"), False),
            (("facial_data", "originals_basis"), "convenience"),
        ),
        id="originals_with_unknown_basis",
    ),
    pytest.param(
        compliance.check_listed_venue_without_alternative,
        "listed_venue_without_alternative",
        changed((D(1, "alternative_offered"), "  ")),
        changed(
            (D(1, "alternative_offered"), ""),
            (D(1, "law_requiring_face"), "Real-name registration at hotels"),
        ),
        id="listed_venue_without_alternative",
    ),
    pytest.param(
        compliance.check_listed_venue_without_alternative,
        "listed_venue_without_alternative",
        changed((D(0, "place_kind"), "bank"), (D(0, "alternative_offered"), "")),
        changed(
            (D(0, "place_kind"), "bank"),
            (D(0, "alternative_offered"), ""),
            (D(0, "verifies_identity"), False),
        ),
        id="listed_venue_that_does_not_verify_identity",
    ),
    pytest.param(
        # Draft provisions ("…等经营场所") and Measures Art. 10: any place, not only the nine kinds.
        compliance.check_listed_venue_without_alternative,
        "listed_venue_without_alternative",
        changed((D(0, "place_kind"), "office"), (D(0, "alternative_offered"), "")),
        changed((D(0, "place_kind"), "office"), (D(0, "alternative_offered"), "A badge")),
        id="any_business_venue_verifying_identity_offers_another_way",
    ),
    pytest.param(
        # Draft provisions: "…及其他可能侵害他人隐私的场所"; Measures Art. 13: private spaces.
        compliance.check_private_space_described,
        "private_space_described",
        changed((D(0, "place_kind"), "other"), (D(0, "place_description"), "员工宿舍楼层走廊")),
        changed((D(0, "place_kind"), "other"), (D(0, "place_description"), "员工餐厅入口")),
        id="private_space_described",
    ),
    pytest.param(
        compliance.check_private_space_described,
        "private_space_described",
        changed((D(0, "place_kind"), "other"), (D(0, "name"), "Changing room B")),
        changed((D(0, "place_kind"), "other"), (D(0, "name"), "Loading bay B")),
        id="private_space_named_in_english",
    ),
    pytest.param(
        compliance.check_legal_basis_unnamed,
        "legal_basis_unnamed",
        changed((("consent", "lawful_basis"), "law"), (("consent", "separate_consent"), False)),
        changed(
            (("consent", "lawful_basis"), "law"),
            (("consent", "separate_consent"), False),
            (("consent", "lawful_basis_provision"), "《反恐怖主义法》第二十一条"),
        ),
        id="legal_basis_unnamed",
    ),
    pytest.param(
        compliance.check_no_assessment_report,
        "no_assessment_report",
        "kinds:uscc_certificate",
        "kinds:assessment_report",
        id="no_assessment_report",
    ),
    pytest.param(
        compliance.check_no_consent_method,
        "no_consent_method",
        changed((("consent", "informed_consent_method"), " ")),
        changed((("consent", "informed_consent_method"), "Notice at enrolment")),
        id="no_consent_method",
    ),
    pytest.param(
        compliance.check_no_separate_consent,
        "no_separate_consent",
        changed((("consent", "separate_consent"), False), (("consent", "written_consent"), False)),
        changed((("consent", "separate_consent"), False), (("consent", "written_consent"), True)),
        id="no_separate_consent",
    ),
    pytest.param(
        compliance.check_no_separate_consent,
        "no_separate_consent",
        changed((("consent", "separate_consent"), "yes")),
        changed((("consent", "separate_consent"), True)),
        id="separate_consent_must_really_be_ticked",
    ),
    pytest.param(
        compliance.check_public_place_without_signage,
        "public_place_without_signage",
        changed((D(0, "signage"), False)),
        changed((D(0, "signage"), False), (D(0, "is_public_place"), False)),
        id="public_place_without_signage",
    ),
    pytest.param(
        compliance.check_not_declared_truthful,
        "not_declared_truthful",
        changed((("declaration", "truthful"), False)),
        changed((("declaration", "truthful"), True)),
        id="not_declared_truthful",
    ),
    pytest.param(
        compliance.check_no_assessment,
        "no_assessment",
        changed((("assessment", "assessment_date"), "")),
        changed((("assessment", "assessment_date"), TODAY.isoformat())),
        id="no_assessment",
    ),
    pytest.param(
        compliance.check_no_assessment,
        "no_assessment",
        changed((("assessment", "assessment_date"), "2026-03-03")),
        changed((("assessment", "assessment_date"), "2020-03-03")),
        id="assessment_in_the_future",
    ),
    pytest.param(
        compliance.check_no_assessment,
        "no_assessment",
        changed((("assessment", "assessment_date"), "2026-02-30")),
        changed((("assessment", "assessment_date"), "2026-02-28")),
        id="assessment_date_invalid",
    ),
    pytest.param(
        compliance.check_purpose_missing,
        "purpose_missing",
        changed((("purpose", "purpose"), "")),
        changed((("purpose", "purpose"), "Attendance")),
        id="purpose_missing",
    ),
    # --- warnings
    pytest.param(
        compliance.check_scope_missing,
        "scope_missing",
        changed((("purpose", "scope"), "")),
        changed((("purpose", "scope"), "Staff")),
        id="scope_missing",
    ),
    pytest.param(
        compliance.check_storage_off_device,
        "storage_off_device",
        changed((("facial_data", "storage_locations"), ["device", "cloud"])),
        changed((("facial_data", "storage_locations"), ["device"])),
        id="storage_in_the_cloud",
    ),
    pytest.param(
        compliance.check_storage_off_device,
        "storage_off_device",
        changed((("facial_data", "storage_locations"), ["own_servers"])),
        changed((("facial_data", "storage_locations"), [])),
        id="storage_on_own_servers",
    ),
    pytest.param(
        compliance.check_stored_outside_china,
        "stored_outside_china",
        changed((("facial_data", "stored_outside_china"), True)),
        changed((("facial_data", "stored_outside_china"), False)),
        id="stored_outside_china",
    ),
    pytest.param(
        compliance.check_alternative_dismissed_without_reason,
        "alternative_dismissed_without_reason",
        changed((("purpose", "alternative_rejected_reason"), "")),
        changed((("purpose", "alternative_rejected_reason"), "Cards are shared")),
        id="alternative_dismissed_without_reason",
    ),
    pytest.param(
        compliance.check_alternative_dismissed_without_reason,
        "alternative_dismissed_without_reason",
        changed(
            (("purpose", "alternative_considered"), ""),
            (("purpose", "alternative_rejected_reason"), "Too slow"),
        ),
        changed((("purpose", "alternative_considered"), "PIN codes")),
        id="no_alternative_considered",
    ),
    pytest.param(
        compliance.check_few_security_measures,
        "few_security_measures",
        changed((("security", "measures"), ["encryption", "access_control", "bogus"])),
        changed((("security", "measures"), list(SECURITY_MEASURES))),
        id="few_security_measures",
    ),
    pytest.param(
        compliance.check_public_place_necessity_unstated,
        "public_place_necessity_unstated",
        changed((("purpose", "necessity"), "")),
        changed(
            (("purpose", "necessity"), ""),
            (D(0, "is_public_place"), False),
            (D(1, "is_public_place"), False),
            (D(1, "place_kind"), "office"),
        ),
        id="public_place_necessity_unstated",
    ),
    pytest.param(
        # A street is public by its kind, even with the box left unticked.
        compliance.check_public_place_without_signage,
        "public_place_without_signage",
        changed(
            (D(0, "place_kind"), "street"),
            (D(0, "is_public_place"), False),
            (D(0, "signage"), False),
        ),
        changed(
            (D(0, "place_kind"), "office"),
            (D(0, "is_public_place"), False),
            (D(0, "signage"), False),
        ),
        id="public_by_its_kind_without_signage",
    ),
    pytest.param(
        compliance.check_retention_unspecified,
        "retention_unspecified",
        changed((("facial_data", "retention_period"), "")),
        changed((("facial_data", "retention_period"), "One year")),
        id="retention_unspecified",
    ),
]


def _inputs(case):
    """A case is a filing (with the complete attachments) or "kinds:..." (with the complete
    filing)."""
    if isinstance(case, str) and case.startswith("kinds:"):
        return complete_filing(), case.removeprefix("kinds:").split(",")
    return case, COMPLETE_KINDS


@pytest.mark.parametrize(("check", "code", "failing", "passing"), CASES)
def test_each_check_fails_and_passes_alone(check, code, failing, passing):
    data, kinds = _inputs(failing)
    found = check(data, kinds, today=TODAY)
    assert codes(found) == [code]
    assert found[0].severity == compliance.RULES[code].severity
    data, kinds = _inputs(passing)
    assert check(data, kinds, today=TODAY) == []


@pytest.mark.parametrize(("check", "code", "failing", "passing"), CASES)
def test_each_failing_case_is_the_only_finding_of_the_whole_filing(check, code, failing, passing):
    data, kinds = _inputs(failing)
    assert codes(check_filing(data, kinds, today=TODAY)) == [code]
    data, kinds = _inputs(passing)
    assert check_filing(data, kinds, today=TODAY) == []


FOLLOW_UP_CODES = {"change_undescribed", "cancellation_undescribed"}  # tested at the end


# Checks of the 2025 measures alone, run under that rule set.
MEASURES_CASES = [
    pytest.param(
        compliance.check_storage_off_device_without_basis,
        "storage_off_device_without_basis",
        changed((("facial_data", "storage_locations"), ["cloud"])),
        changed(
            (("facial_data", "storage_locations"), ["cloud"]),
            (("facial_data", "off_device_basis"), "consent"),
        ),
        id="storage_off_device_without_basis",
    ),
    pytest.param(
        compliance.check_national_channel_unmentioned,
        "national_channel_unmentioned",
        changed((D(1, "identity_channel"), "  ")),
        changed((D(1, "identity_channel"), "国家网络身份认证公共服务")),
        id="national_channel_unmentioned",
    ),
    pytest.param(
        # Art. 8 (minimal retention) is a reminder; the draft's ban has no counterpart.
        compliance.check_originals_kept,
        "originals_kept",
        changed((("facial_data", "keeps_originals"), True)),
        changed((("facial_data", "keeps_originals"), False)),
        id="originals_kept",
    ),
    pytest.param(
        compliance.check_sensitive_without_necessity,
        "sensitive_without_necessity",
        changed(
            (("consent", "sensitive_attributes"), ["health"]),
            (("consent", "sensitive_basis"), "consent"),
        ),
        changed(
            (("consent", "sensitive_attributes"), ["health"]),
            (("consent", "sensitive_basis"), "consent"),
            (("consent", "sensitive_basis_detail"), "体温异常提示，仅用于入园防疫"),
        ),
        id="sensitive_without_necessity",
    ),
]


@pytest.mark.parametrize(("check", "code", "failing", "passing"), MEASURES_CASES)
def test_a_measures_check_fails_and_passes_under_the_measures_only(check, code, failing, passing):
    assert codes(check(failing, COMPLETE_KINDS, today=TODAY)) == [code]
    assert check(passing, COMPLETE_KINDS, today=TODAY) == []
    under_measures = codes(check_filing(failing, COMPLETE_KINDS, TODAY, "cac-2025-measures"))
    assert code in under_measures
    assert code not in codes(check_filing(failing, COMPLETE_KINDS, TODAY, "cac-2023-draft"))


def test_storage_off_the_device_without_basis_blocks_under_the_measures_art_8():
    data = changed((("facial_data", "storage_locations"), ["own_servers"]))
    found = check_filing(data, COMPLETE_KINDS, TODAY, "cac-2025-measures")
    assert codes(found) == ["storage_off_device_without_basis", "storage_off_device"]
    assert found[0].is_error
    with translation.override("zh-hans"):
        assert "第八条" in str(found[0].rule)
        assert "人脸信息应当存储于人脸识别设备内" in str(found[0].rule)


def test_every_finding_cites_the_rule_set_of_the_filing():
    data = changed((D(0, "place_kind"), "bank"), (D(0, "alternative_offered"), ""))
    draft = check_filing(data, COMPLETE_KINDS, TODAY, "cac-2023-draft")
    measures = check_filing(data, COMPLETE_KINDS, TODAY, "cac-2025-measures")
    with translation.override("zh-hans"):
        assert str(draft[0].rule).startswith("《征求意见稿》")
        # Measures Art. 10: not the only way where another exists.
        assert str(measures[0].rule).startswith("《人脸识别技术应用安全管理办法》第十条")
        assert "征求意见稿" not in str(measures[0].rule)
    with translation.override("en"):
        assert str(measures[0].rule).startswith("Measures, Art. 10:")


def test_the_complete_filing_has_no_findings_under_the_measures_either():
    assert check_filing(complete_filing(), COMPLETE_KINDS, TODAY, "cac-2025-measures") == []


def test_face_verification_naming_no_national_channel_warns_under_the_measures_by_subject():
    """The measures: 应用人脸识别技术验证个人身份、辨识特定个人的，鼓励优先使用国家人口基础信息库、
    国家网络身份认证公共服务等渠道实施. Encouraged, not required: a warning, not an error. Its
    article (11 or 12) is not confirmed: cited by subject."""
    data = changed((D(0, "identity_channel"), ""), (D(1, "identity_channel"), ""))
    found = check_filing(data, COMPLETE_KINDS, TODAY, "cac-2025-measures")
    assert codes(found) == ["national_channel_unmentioned", "national_channel_unmentioned"]
    assert not any(finding.is_error for finding in found)
    with translation.override("zh-hans"):
        rule = str(found[0].rule)
        assert rule.startswith("《人脸识别技术应用安全管理办法》：")
        assert "国家人口基础信息库" in rule
        assert "国家网络身份认证公共服务" in rule
        assert "“Lobby gate”" in str(found[0].message)
    with translation.override("en"):
        assert str(found[0].rule).startswith("Measures: ")
    # A deployment that does not verify identity is not asked; the draft has no such check.
    data["deployments"][0]["verifies_identity"] = False
    assert len(check_filing(data, COMPLETE_KINDS, TODAY, "cac-2025-measures")) == 1
    assert check_filing(data, COMPLETE_KINDS, TODAY, "cac-2023-draft") == []


def test_the_other_way_check_cites_measures_art_10_and_the_draft_by_its_wording():
    """Measures Art. 10: 不得将人脸识别技术作为唯一验证方式; and, by subject (its number is not
    confirmed): 任何组织和个人不得以办理业务、提升服务质量等为由，误导、欺诈、胁迫个人接受人脸识别
    技术验证个人身份. The draft: the listed venues may not force face verification and offer
    another way."""
    data = changed((D(0, "alternative_offered"), ""))
    (measures,) = check_filing(data, COMPLETE_KINDS, TODAY, "cac-2025-measures")
    (draft,) = check_filing(data, COMPLETE_KINDS, TODAY, "cac-2023-draft")
    assert measures.code == draft.code == "listed_venue_without_alternative"
    assert measures.is_error
    assert draft.is_error
    with translation.override("zh-hans"):
        assert str(measures.rule).startswith("《人脸识别技术应用安全管理办法》第十条：")
        assert "第十二条" not in str(measures.rule)
        assert "误导、欺诈、胁迫" in str(measures.rule)
        assert "唯一验证方式" in str(measures.rule)
        assert str(draft.rule).startswith("《征求意见稿》")
        assert "第十二条" not in str(draft.rule)
    with translation.override("en"):
        assert str(measures.rule).startswith("Measures, Art. 10:")
        assert "misleading, deceiving or coercing" in str(measures.rule)
        assert str(draft.rule).startswith("Draft provisions:")


def test_sensitive_analysis_under_the_measures_rests_on_the_pipl_arts_28_and_29():
    """The 2025 measures have no rule of their own on analysing race, ethnicity, religious belief,
    health status or social class; the check rests on 《中华人民共和国个人信息保护法》第二十八条
    (sensitive personal information: a specific purpose, sufficient necessity, strict protection)
    and 第二十九条 (separate consent)."""
    data = changed(
        (("consent", "sensitive_attributes"), ["religion"]),
        (("consent", "sensitive_basis"), "consent"),
    )
    (measures,) = check_filing(data, COMPLETE_KINDS, TODAY, "cac-2025-measures")
    assert check_filing(data, COMPLETE_KINDS, TODAY, "cac-2023-draft") == []  # consent: a ground
    data["consent"]["sensitive_basis"] = ""
    (draft,) = check_filing(data, COMPLETE_KINDS, TODAY, "cac-2023-draft")
    assert draft.code == "sensitive_without_basis"
    assert measures.code == "sensitive_without_necessity"
    assert measures.is_error
    with translation.override("zh-hans"):
        rule = str(measures.rule)
        assert "《人脸识别技术应用安全管理办法》未" in rule
        assert "《中华人民共和国个人信息保护法》第二十八条" in rule
        assert "第二十九条" in rule
        assert "单独同意" in rule
        assert "特定的目的和充分的必要性" in rule
        assert "个人信息保护法" not in str(draft.rule)
    with translation.override("en"):
        rule = str(measures.rule)
        assert rule.startswith("The Measures have no rule of their own")
        assert "Personal Information Protection Law, Art. 28" in rule
        assert "Art. 29" in rule


def test_every_rule_has_its_words_in_every_rule_set_it_applies_under():
    from filings.law import rules_text

    for rule in compliance.RULES.values():
        for regime in rule.regimes:
            with translation.override("zh-hans"):
                text = str(rules_text.citation(rule.code, regime))
            assert text, (rule.code, regime)
            if regime == "cac-2023-draft":
                assert "征求意见稿" in text or "个人信息" in text or "备案" in text, rule.code
            else:
                assert "征求意见稿" not in text, rule.code


def test_a_lawful_basis_other_than_consent_asks_for_the_provision_not_consent():
    data = changed(
        (("consent", "lawful_basis"), "law"),
        (("consent", "separate_consent"), False),
        (("consent", "minors_under_14"), True),
        (("consent", "lawful_basis_provision"), "《反恐怖主义法》第二十一条"),
    )
    assert check_filing(data, COMPLETE_KINDS, today=TODAY) == []
    data["consent"]["lawful_basis_provision"] = ""
    assert codes(check_filing(data, COMPLETE_KINDS, today=TODAY)) == ["legal_basis_unnamed"]


def test_every_rule_is_registered_and_tested():
    tested = {param.values[1] for param in CASES + MEASURES_CASES}
    assert tested == set(compliance.RULES) - FOLLOW_UP_CODES
    names = [check.__name__ for check in compliance.CHECKS]
    assert len(names) == len(set(names))
    assert all(name.startswith("check_") for name in names)


def test_the_errors_the_brief_requires_block_and_the_warnings_do_not():
    required_errors = {
        "prohibited_place",
        "sensitive_without_basis",
        "minors_without_guardian_consent",
        "originals_without_basis",
        "listed_venue_without_alternative",
        "no_assessment_report",
        "no_consent_method",
        "no_separate_consent",
        "public_place_without_signage",
        "not_declared_truthful",
        "no_assessment",
        "purpose_missing",
    }
    required_warnings = {
        "storage_off_device",
        "stored_outside_china",
        "alternative_dismissed_without_reason",
        "few_security_measures",
        "retention_unspecified",
    }
    for code in required_errors:
        assert compliance.RULES[code].severity == ERROR, code
    for code in required_warnings:
        assert compliance.RULES[code].severity == WARNING, code


def test_a_prohibited_place_is_named_and_each_deployment_reported():
    data = changed(
        (D(0, "place_kind"), "toilet"),
        (D(1, "place_kind"), "hotel_room"),
        (D(1, "name"), ""),
    )
    found = compliance.check_prohibited_place(data, COMPLETE_KINDS)
    with translation.override("en"):
        messages = [str(finding.message) for finding in found]
    assert len(messages) == 2
    assert "Lobby gate" in messages[0]
    assert "Toilet" in messages[0]
    assert "Deployment 2" in messages[1]
    assert "Hotel room" in messages[1]


def test_few_security_measures_names_the_missing_ones():
    data = changed((("security", "measures"), ["encryption"]))
    (finding,) = compliance.check_few_security_measures(data, COMPLETE_KINDS)
    with translation.override("en"):
        message = str(finding.message)
    assert "Access control" in message
    assert "Incident response plan" in message
    assert "Encryption" not in message


def test_the_assessment_date_defaults_to_the_local_today():
    past = changed((("assessment", "assessment_date"), "2000-01-01"))
    future = changed((("assessment", "assessment_date"), "2999-01-01"))
    assert check_filing(past, COMPLETE_KINDS) == []
    assert codes(check_filing(future, COMPLETE_KINDS)) == ["no_assessment"]


def test_an_empty_draft_has_errors_and_does_not_raise():
    findings = check_filing({}, [], today=TODAY)
    found = set(codes(compliance.errors(findings)))
    assert {
        "purpose_missing",
        "no_consent_method",
        "no_separate_consent",
        "no_assessment",
        "no_assessment_report",
        "not_declared_truthful",
    } <= found
    # nothing declared, nothing to refuse
    assert "prohibited_place" not in found
    assert "sensitive_without_basis" not in found


GARBAGE = [
    None,
    [],
    "abc",
    {"facial_data": {"people_stored": "abc"}},
    {"deployments": None},
    {"deployments": "abc"},
    {"deployments": {"place_kind": "toilet"}},
    {"deployments": [None, 3, "x", [], {"place_kind": ["toilet"], "name": 7}]},
    {"deployments": [{"place_kind": {"a": 1}, "is_public_place": "yes", "signage": "yes"}]},
    {"purpose": 42, "consent": [], "security": "x", "assessment": None, "declaration": "yes"},
    {"consent": {"sensitive_attributes": "race", "sensitive_basis": ["consent"]}},
    {"consent": {"sensitive_attributes": [["race"], {"x": 1}, None, 5]}},
    {"facial_data": {"storage_locations": {"cloud": 1}, "originals_basis": ["law"]}},
    {"facial_data": {"keeps_originals": "yes", "retention_period": 30}},
    {"security": {"measures": [["encryption"], {"y": 1}, None, 3]}},
    {"assessment": {"assessment_date": 20260101}},
    {"assessment": {"assessment_date": "not-a-date"}},
    {"assessment": {"assessment_date": ["2026-01-01"]}},
    {"declaration": {"truthful": "true"}},
]


@pytest.mark.parametrize("data", GARBAGE)
@pytest.mark.parametrize("kinds", [[], None, "assessment_report", [None, 3, ["x"]], ()])
def test_garbage_never_raises(data, kinds):
    findings = check_filing(data, kinds, today=TODAY)
    assert compliance.errors(findings)
    json.dumps([finding.to_dict() for finding in findings])


def test_a_check_alone_takes_a_draft_of_garbage():
    for check in compliance.CHECKS:
        for data in GARBAGE:
            assert isinstance(check(data, None), list)


def test_garbage_fails_closed():
    found = codes(check_filing(GARBAGE[8], [], today=TODAY))
    assert "public_place_without_signage" in found  # "yes" is a public place, not a sign
    found = codes(check_filing(GARBAGE[10], [], today=TODAY))
    assert "sensitive_without_basis" in found
    found = codes(check_filing(GARBAGE[13], [], today=TODAY))
    assert "originals_without_basis" in found
    assert "retention_unspecified" in found
    found = codes(check_filing(GARBAGE[18], [], today=TODAY))
    assert "not_declared_truthful" in found


def test_attachment_kinds_may_be_a_generator():
    kinds = (kind for kind in COMPLETE_KINDS)
    assert check_filing(complete_filing(), kinds, today=TODAY) == []


def test_to_dict_renders_both_languages_and_is_json():
    data = changed((D(0, "place_kind"), "toilet"))
    with translation.override("zh-hans"):
        (finding,) = check_filing(data, COMPLETE_KINDS, today=TODAY)
    assert isinstance(finding.message, Promise)  # rendered later, in the reader's language
    rendered = finding.to_dict()
    assert json.loads(json.dumps(rendered)) == rendered
    assert set(rendered) == {"code", "severity", "step", "rule", "message"}
    assert rendered["code"] == "prohibited_place"
    assert rendered["severity"] == ERROR
    assert rendered["step"] == "deployments"
    for key in ("rule", "message"):
        assert set(rendered[key]) == {"zh-hans", "en"}
        assert all(isinstance(text, str) and text for text in rendered[key].values())
    assert rendered["rule"]["en"].startswith("Draft provisions: no image capture")
    assert "fitting rooms" in rendered["rule"]["en"]
    assert "Lobby gate" in rendered["message"]["en"]
    assert "Toilet" in rendered["message"]["en"]
    assert "Lobby gate" in rendered["message"]["zh-hans"]


def test_to_dict_joins_lists_in_each_language():
    data = changed((("facial_data", "storage_locations"), ["own_servers", "cloud"]))
    (finding,) = check_filing(data, COMPLETE_KINDS, today=TODAY)
    rendered = finding.to_dict()
    assert "On our own servers, With a cloud provider" in rendered["message"]["en"]
    assert "%(" not in rendered["message"]["zh-hans"]


def test_errors_come_before_warnings_and_each_in_step_order():
    data = changed(
        (("declaration", "truthful"), False),  # error, review
        (("facial_data", "stored_outside_china"), True),  # warning, facial_data
        (("purpose", "scope"), ""),  # warning, purpose
        (D(0, "place_kind"), "toilet"),  # error, deployments
        (("consent", "minors_under_14"), True),  # error, consent
        (("security", "measures"), []),  # warning, security
        (("purpose", "purpose"), ""),  # error, purpose
    )
    findings = check_filing(data, [], today=TODAY)
    severities = [finding.severity for finding in findings]
    assert severities == sorted(severities, key=[ERROR, WARNING].index)
    assert compliance.errors(findings) + compliance.warnings(findings) == findings
    for group in (compliance.errors(findings), compliance.warnings(findings)):
        steps = [STEP_KEYS.index(finding.step) for finding in group]
        assert steps == sorted(steps)
    assert codes(findings)[0] == "purpose_missing"
    assert codes(findings)[-1] == "few_security_measures"


def _every_finding():
    findings = check_filing({}, [], today=TODAY)
    for param in CASES:
        data, kinds = _inputs(param.values[2])
        findings += check_filing(data, kinds, today=TODAY)
    for param in MEASURES_CASES:
        findings += check_filing(param.values[2], COMPLETE_KINDS, TODAY, "cac-2025-measures")
    return findings


def test_each_finding_is_fixed_at_a_step_of_the_form():
    findings = _every_finding()
    assert {finding.code for finding in findings} == set(compliance.RULES) - FOLLOW_UP_CODES
    for finding in findings:
        assert finding.step in STEP_KEYS
        assert finding.severity in (ERROR, WARNING)
        assert str(finding.rule) in {
            str(compliance.RULES[finding.code].text_for(regime))
            for regime in compliance.RULES[finding.code].regimes
        }


def test_a_finding_refuses_an_unknown_step_or_severity():
    with pytest.raises(ValueError, match="step"):
        Finding("x", ERROR, "nowhere", compliance.PROHIBITED_PLACE.text, "m")
    with pytest.raises(ValueError, match="severity"):
        Finding("x", "fatal", "review", compliance.PROHIBITED_PLACE.text, "m")


def test_the_complete_filing_is_not_changed_by_checking():
    data = complete_filing()
    before = copy.deepcopy(data)
    check_filing(data, COMPLETE_KINDS, today=TODAY)
    assert data == before


# --- Follow-up filings ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("section", "problem"),
    [
        ({}, "blank"),
        ({"description": "新增闸机", "effective_date": "2099-01-01"}, "future"),
        ({"description": "", "effective_date": "2026-03-01"}, "blank"),
        ({"description": "新增闸机", "effective_date": "not a date"}, "valid date"),
    ],
)
def test_a_change_must_say_what_changed_and_when(section, problem):
    findings = compliance.check_change({"change": section}, today=TODAY)
    assert codes(findings)[0] == "change_undescribed"
    assert all(f.step == "change" for f in findings)
    assert any(problem in f.to_dict()["message"]["en"] for f in findings)


def test_a_described_past_change_passes():
    data = {"change": {"description": "新增闸机", "effective_date": "2026-01-05"}}
    assert compliance.check_change(data, today=TODAY) == []


def test_a_cancellation_needs_the_date_the_fate_of_the_data_and_the_declaration():
    findings = compliance.check_cancellation({}, today=TODAY)
    assert set(codes(findings)) == {"cancellation_undescribed", "not_declared_truthful"}
    done = {
        "cancellation": {
            "stopped_on": "2026-01-05",
            "deletion_method": "deleted",
            "deletion_detail": "Erased on 2026-01-06",
        },
        "declaration": {"truthful": True},
    }
    assert compliance.check_cancellation(done, today=TODAY) == []


def test_each_rule_set_has_its_own_list_of_checks():
    """No draft-only rule under the measures, and the measures' own rules not under the draft."""
    both = {
        "purpose_missing",
        "scope_missing",
        "alternative_dismissed_without_reason",
        "public_place_necessity_unstated",
        "storage_off_device",
        "stored_outside_china",
        "retention_unspecified",
        "prohibited_place",
        "private_space_described",
        "listed_venue_without_alternative",
        "public_place_without_signage",
        "no_consent_method",
        "no_separate_consent",
        "legal_basis_unnamed",
        "minors_without_guardian_consent",
        "few_security_measures",
        "no_assessment",
        "no_assessment_report",
        "not_declared_truthful",
        "change_undescribed",
        "cancellation_undescribed",
    }
    assert set(compliance.rules_for("cac-2023-draft")) == both | {
        "originals_without_basis",
        "sensitive_without_basis",
    }
    assert set(compliance.rules_for("cac-2025-measures")) == both | {
        "originals_kept",
        "storage_off_device_without_basis",
        "national_channel_unmentioned",
        "sensitive_without_necessity",
    }


def test_originals_without_a_basis_block_under_the_draft_and_remind_under_the_measures():
    data = changed((("facial_data", "keeps_originals"), True))
    (draft,) = check_filing(data, COMPLETE_KINDS, TODAY, "cac-2023-draft")
    assert (draft.code, draft.is_error) == ("originals_without_basis", True)
    (measures,) = check_filing(data, COMPLETE_KINDS, TODAY, "cac-2025-measures")
    assert (measures.code, measures.is_error) == ("originals_kept", False)
    with translation.override("zh-hans"):
        assert str(measures.rule).startswith("《人脸识别技术应用安全管理办法》第八条")


def test_the_drafts_grounds_for_sensitive_analysis_are_not_the_measures():
    data = changed(
        (("consent", "sensitive_attributes"), ["ethnicity"]),
        (("consent", "sensitive_basis"), "public_safety"),
        (("consent", "sensitive_basis_detail"), "公共安全"),
    )
    assert check_filing(data, COMPLETE_KINDS, TODAY, "cac-2023-draft") == []
    (measures,) = check_filing(data, COMPLETE_KINDS, TODAY, "cac-2025-measures")
    assert measures.code == "sensitive_without_necessity"
    data["consent"]["sensitive_basis"] = "law"
    assert check_filing(data, COMPLETE_KINDS, TODAY, "cac-2025-measures") == []


def test_other_place_is_the_last_choice():
    from filings.forms.filing_steps import DeploymentForm

    values = [value for value, _label in DeploymentForm().fields["place_kind"].choices]
    assert values[-1] == "other"
    assert values[0] == ""  # the blank choice first
