"""Which cyberspace office a filing goes to, from the filer's address division code.

Pure functions over the dated snapshot in ``filings/data/divisions.json`` (built by
``scripts/build_divisions.py``), so routing can be tested without a database and the snapshot can be
replaced when the division codes change.

GB/T 2260 codes have six digits: province (2), prefecture (2), county (2). The 2023 draft sends a
filing to the office "at or above the municipal level" where the user is located, the 2025
measures to the provincial office; the caller passes the level its rule set uses.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DIVISIONS_PATH = Path(__file__).resolve().parent.parent / "data" / "divisions.json"

MUNICIPALITIES = frozenset({"110000", "120000", "310000", "500000"})

LEVEL_PROVINCE = "province"
LEVEL_PREFECTURE = "prefecture"
LEVEL_COUNTY_UNIT = "county_unit"

# The authority levels of the rule sets: the 2023 draft (municipal level or above) and the
# 2025 measures (provincial level or above).
AUTHORITY_PREFECTURE = "prefecture"
AUTHORITY_PROVINCE = "province"
AUTHORITY_LEVELS = (AUTHORITY_PREFECTURE, AUTHORITY_PROVINCE)
DEFAULT_AUTHORITY_LEVEL = AUTHORITY_PREFECTURE

# Second pair of a municipality's codes: 01 市辖区 (districts), 02 县 (counties). Groupings, not
# prefectures; 02 is withdrawn except in Chongqing but old codes stay meaningful (never reused).
MUNICIPAL_GROUPING_PAIRS = frozenset({"01", "02"})
# Second pair of the province-administered county-level units (省直辖县级行政区划).
PROVINCE_ADMINISTERED_PAIR = "90"

_CODE_PATTERN = re.compile(r"[0-9]{6}")


@dataclass(frozen=True)
class Division:
    """One province, prefecture-level division or province-administered county-level unit."""

    code: str
    name: str
    name_en: str
    level: str  # LEVEL_PROVINCE | LEVEL_PREFECTURE | LEVEL_COUNTY_UNIT
    province: str  # 6-digit code of its province; a province's own code for a province


@cache
def load_divisions() -> dict[str, Division]:
    """All divisions of the snapshot by code; read once per process. Do not mutate the result."""
    data = json.loads(DIVISIONS_PATH.read_text(encoding="utf-8"))
    divisions: dict[str, Division] = {}
    for row in data["provinces"]:
        divisions[row["code"]] = Division(
            row["code"], row["name"], row["name_en"], LEVEL_PROVINCE, row["code"]
        )
    for key, level in (("prefectures", LEVEL_PREFECTURE), ("county_units", LEVEL_COUNTY_UNIT)):
        for row in data[key]:
            divisions[row["code"]] = Division(
                row["code"], row["name"], row["name_en"], level, row["province"]
            )
    return divisions


def _check_format(code: str) -> None:
    """Reject anything that is not six ASCII digits, naming the value so the bug is findable."""
    if not isinstance(code, str) or not _CODE_PATTERN.fullmatch(code):
        raise ValueError(f"{code!r} is not a division code: expected 6 digits such as '440305'")


def province_of(code: str) -> str:
    """The 6-digit code of the province a division code lies in: '440305' -> '440000'."""
    _check_format(code)
    province = code[:2] + "0000"
    if province not in load_divisions():
        raise ValueError(f"{code!r} is not in a known province ({province} is unknown)")
    return province


def is_municipality(code: str) -> bool:
    """Whether the code lies in Beijing, Tianjin, Shanghai or Chongqing (any level)."""
    return (
        isinstance(code, str)
        and bool(_CODE_PATTERN.fullmatch(code))
        and (code[:2] + "0000" in MUNICIPALITIES)
    )


def _check_known(code: str) -> None:
    """Accept a code of the snapshot, or a county-level code whose parent the snapshot knows.

    Ordinary counties and districts are not in the snapshot: a county code is accepted when its
    prefecture is, as are codes under a municipality's groupings and province-administered
    county-level units newer than the snapshot (xx90yy).
    """
    province = province_of(code)
    if code in load_divisions():
        return
    pair, county = code[2:4], code[4:]
    if province in MUNICIPALITIES:
        known = pair in MUNICIPAL_GROUPING_PAIRS
    elif pair == PROVINCE_ADMINISTERED_PAIR:
        known = county != "00"
    else:
        parent = load_divisions().get(code[:4] + "00")
        known = county != "00" and parent is not None and parent.level == LEVEL_PREFECTURE
    if not known:
        raise ValueError(f"{code!r} is not a known division code (snapshot of divisions.json)")


def address_choices(province_code: str) -> list[Division]:
    """The second select of the address form: the province's prefectures and county units.

    Empty for a municipality, whose office is the municipality itself.
    """
    division = load_divisions().get(province_code) if isinstance(province_code, str) else None
    if division is None or division.level != LEVEL_PROVINCE:
        raise ValueError(f"{province_code!r} is not a province code such as '420000'")
    if province_code in MUNICIPALITIES:
        return []
    return sorted(
        (
            d
            for d in load_divisions().values()
            if d.province == province_code and d.code != d.province
        ),
        key=lambda d: d.code,
    )


def office_code_for(address_code: str, authority_level: str) -> str:
    """The division code of the cyberspace office that receives the filing.

    ``authority_level`` is ``"prefecture"`` (2023 draft, DEFAULT_AUTHORITY_LEVEL) or
    ``"province"`` (2025 measures). Raises ValueError for a code the snapshot cannot place.
    """
    if authority_level not in AUTHORITY_LEVELS:
        raise ValueError(f"authority level {authority_level!r} is not one of {AUTHORITY_LEVELS}")
    _check_known(address_code)
    province = province_of(address_code)
    if authority_level == AUTHORITY_PROVINCE:
        return province
    if (
        province in MUNICIPALITIES
        or address_code == province
        or address_code[2:4] == PROVINCE_ADMINISTERED_PAIR
    ):
        return province
    return address_code[:4] + "00"


def office_display_name(division: Division, language: str) -> str:
    """Name of the office of a division: '深圳市网信办' in Chinese, 'Shenzhen Cyberspace Office'.

    ``language`` is a Django language code; anything not Chinese ("zh", "zh-hans", ...) gets
    English, the portal's other language.
    """
    if language.lower().startswith("zh"):
        return f"{division.name}网信办"
    return f"{division.name_en} Cyberspace Office"
