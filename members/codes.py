"""National code lists, loaded from fixtures/codes/*.json (each file cites its standard)."""

import json
from pathlib import Path

from django.conf import settings

CODES_DIR = Path(settings.BASE_DIR) / "fixtures" / "codes"


def _load(name: str) -> list[tuple[str, str]]:
    data = json.loads((CODES_DIR / f"{name}.json").read_text(encoding="utf-8"))
    return [(item["code"], item["label"]) for item in data["items"]]


ETHNICITY = _load("ethnicity")  # GB/T 3304
POLITICAL_STATUS = _load("political_status")  # GB/T 4762
EDUCATION = _load("education")  # GB/T 4658-2006
SOURCE = _load("source")  # 哈妇发〔2016〕8号 nine categories + 其他

HAN = "01"
PARTY_MEMBER_CODES = {"01", "02"}  # 中共党员 includes 预备党员
DEMOCRATIC_PARTY_CODES = {"04", "05", "06", "07", "08", "09", "10", "11"}
SOURCE_OTHER = "99"

# FORMS.md 附表5: five education bands by the first digit of the GB/T 4658 code.
EDUCATION_BANDS = [
    ("postgraduate", "研究生", ("1",)),
    ("bachelor", "大学本科", ("2",)),
    ("college", "大专", ("3",)),
    ("high_school", "高中（中专）", ("4", "6")),
    ("junior_or_below", "初中及以下", ("7", "8", "9")),
]


def education_band(code: str | None) -> str:
    for key, _label, prefixes in EDUCATION_BANDS:
        if code and code[0] in prefixes:
            return key
    return "junior_or_below"


def political_band(code: str | None) -> str:
    if code in PARTY_MEMBER_CODES:
        return "party"
    if code in DEMOCRATIC_PARTY_CODES:
        return "democratic"
    return "masses"
