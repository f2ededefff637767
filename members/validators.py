"""Field rules shared by the roster forms, the Excel import and the API.

Every function raises django.core.exceptions.ValidationError with a Chinese message that
names the value at fault, or returns the cleaned value.
"""

import datetime
import re
import unicodedata
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils import timezone

from fedorg.dates import year_month

if TYPE_CHECKING:
    from collections.abc import Sequence

    from orgtree.models import Unit
    from orgtree.versions import FormSpan

ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
ID_CHECK_CHARS = "10X98765432"
MOBILE_RE = re.compile(r"^1[3-9][0-9]{9}$")
MIN_AGE, MAX_AGE = 16, 90
EARLIEST_BIRTH = datetime.date(1900, 1, 1)
EARLIEST_POST = datetime.date(1949, 1, 1)
POST_DAYS_AHEAD = 366  # a post may be entered up to a year ahead (an appointment already decided)


def ascii_digits(value: object) -> str:
    """Full-width, Arabic-Indic and other Unicode decimal digits -> ASCII 0-9; full-width letters -> ASCII (NFKC).

    Without this "２３０１…" or "٢٣٠١…" would pass a digit check as a different string from "2301…"
    and create a second person with the same ID number.
    """
    text = unicodedata.normalize("NFKC", str(value or ""))
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in text)


# Characters that show nothing or reorder text: zero-width spaces and joiners, bidi embeddings,
# overrides and isolates (U+202A-U+202E, U+2066-U+2069), the BOM U+FEFF, soft hyphen and every
# other "format" (Cf) character, plus control, private-use, surrogate and unassigned code points.
INVISIBLE_CATEGORIES = {"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"}


def _invisible(text: str) -> list[str]:
    return [ch for ch in text if unicodedata.category(ch) in INVISIBLE_CATEGORIES]


def clean_person_name(value: object) -> str:
    """A person's name, stripped; refused when it holds invisible or text-direction characters."""
    name = str(value or "").strip()
    bad = _invisible(name)
    if bad:
        codes = "、".join(dict.fromkeys(f"U+{ord(ch):04X}" for ch in bad))
        raise ValidationError(f"姓名中含有看不见的字符或文字方向控制字符（{codes}），请删除后重新输入。")
    if not name:
        raise ValidationError("请填写姓名。")
    return name


# Today only grows: a date up to the day this module was loaded is never in the future, so most dates are judged
# without reading the clock (an import of 5,000 rows read it 15,000 times, a tenth of its parsing: issue 21).
_LOADED_ON = timezone.localdate()


def check_birth_date(birth_date: datetime.date | None) -> None:
    """出生年月 between 1900 and this month."""
    if birth_date is None or EARLIEST_BIRTH <= birth_date <= _LOADED_ON:
        return
    today = timezone.localdate()
    if birth_date is not None and not EARLIEST_BIRTH <= birth_date <= today:
        raise ValidationError(
            f"出生年月 {birth_date.year}.{birth_date.month:02d} 不合理，应在 1900.01 到 {today.year}.{today.month:02d} 之间。"
        )


def check_post_date(day: datetime.date | None, label: str = "任职时间") -> None:
    """任职时间 / 离任时间 between 1949 and a year from today."""
    if day is None or EARLIEST_POST <= day <= _LOADED_ON + datetime.timedelta(days=POST_DAYS_AHEAD):
        return
    latest = timezone.localdate() + datetime.timedelta(days=POST_DAYS_AHEAD)
    if day is not None and not EARLIEST_POST <= day <= latest:
        raise ValidationError(f"{label} {day:%Y-%m-%d} 不合理，应在 1949-01-01 到 {latest:%Y-%m-%d} 之间。")


def id_check_char(first17: str) -> str:
    """The GB 11643-1999 check character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def clean_id_number(value: object) -> str:
    """Normalise (ASCII digits, upper-case X, no spaces) and check an 18-character 居民身份证号码."""
    number = re.sub(r"\s", "", ascii_digits(value)).upper()
    if not number:
        return ""
    if not re.fullmatch(r"[0-9]{17}[0-9X]", number):
        raise ValidationError(f"身份证号“{number}”应为 18 位，前 17 位是数字，最后一位是数字或 X。")
    try:
        id_birth_date(number)
    except ValueError:
        raise ValidationError(f"身份证号“{number}”中的出生日期 {number[6:14]} 不是有效日期。") from None
    if id_check_char(number[:17]) != number[17]:
        raise ValidationError(f"身份证号“{number}”校验位不正确，请核对是否抄错。")
    return number


def id_birth_date(value: str) -> datetime.date:
    return datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def check_id_matches_birth(id_number: str | None, birth_date: datetime.date | None) -> None:
    """出生年月 must agree with the birth date inside the ID number."""
    if id_number and birth_date:
        born = id_birth_date(id_number)
        if (born.year, born.month) != (birth_date.year, birth_date.month):
            raise ValidationError(f"出生年月 {year_month(birth_date)} 与身份证号中的 {year_month(born)} 不一致。")


def clean_mobile(value: object) -> str:
    mobile = re.sub(r"[\s-]", "", ascii_digits(value))
    if mobile.startswith("+86"):
        mobile = mobile[3:]
    if mobile and not MOBILE_RE.fullmatch(mobile):
        raise ValidationError(f"手机号码“{mobile}”不是有效的 11 位大陆手机号。")
    return mobile


MAX_DATE_TEXT = 40
BIRTH_MONTH_PATTERNS = [
    re.compile(r"^(\d{4})\s*[.\-/年]\s*(\d{1,2})\s*(?:月)?(?:\s*[.\-/]?\s*\d{1,2}\s*日?)?$"),
    re.compile(r"^(\d{4})(\d{2})(?:\d{2})?$"),
]


def parse_birth_month(value: object) -> datetime.date:
    """出生年月 in the forms real rosters use: 1975.03, 1975-3, 1975年3月, 197503, a date.

    Returns the first day of the month.
    """
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        check_birth_date(value.replace(day=1))
        return value.replace(day=1)
    text = str(value or "").strip()
    if not text:
        raise ValidationError("请填写出生年月，例如 1975.03。")
    if len(text) > MAX_DATE_TEXT:  # before any regex: a roster cell can hold a megabyte
        raise ValidationError(f"出生年月“{text[:20]}…”无法识别，请写成 1975.03 这样的格式。")
    # One space where there were many: the patterns' adjacent \s* then cannot backtrack
    # cubically (2,000 spaces took 50 s, issue 12).
    text = re.sub(r"\s+", " ", text)
    # Excel may turn 1975.10 into the number 1975.1; a one-digit month after a dot means 10.
    if re.fullmatch(r"\d{4}\.\d", text) and isinstance(value, float):
        text = text + "0"
    for pattern in BIRTH_MONTH_PATTERNS:
        match = pattern.match(text)
        if match:
            year, month = int(match.group(1)), int(match.group(2))
            if 1000 <= year <= 9999 and 1 <= month <= 12:
                born = datetime.date(year, month, 1)
                check_birth_date(born)
                return born
    raise ValidationError(f"出生年月“{text}”无法识别，请写成 1975.03 这样的格式。")


def age_on(birth_date: datetime.date, day: datetime.date) -> int:
    """Whole years (周岁) on `day`."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def check_age_on(birth_date: datetime.date, day: datetime.date) -> None:
    age = age_on(birth_date, day)
    if not MIN_AGE <= age <= MAX_AGE:
        raise ValidationError(f"任职时年龄为 {age} 岁，应在 {MIN_AGE}–{MAX_AGE} 岁之间，请核对出生年月和任职时间。")


def check_dates(start_date: datetime.date | None, end_date: datetime.date | None) -> None:
    """任职时间 and 离任时间: each within plausible bounds, and the end after the start."""
    check_post_date(start_date, "任职时间")
    check_post_date(end_date, "离任时间")
    if start_date and end_date and end_date <= start_date:
        raise ValidationError(f"离任时间 {end_date:%Y-%m-%d} 必须晚于任职时间 {start_date:%Y-%m-%d}。")


def check_role_for_unit(
    role: str, unit: "Unit", *, org_form: str | None = None, on: datetime.date | None = None
) -> None:
    """A 妇代会 has 主任/副主任/委员; a 妇联 has 主席/副主席/常委/执委, and 代表.

    `org_form` is the unit's form on the post's start date when known, else the form it has today: a
    主任 post from before a 会改联 is judged as a post of the 妇代会 the unit then was. `on`, when given,
    is named in the message (the form then differs from today's).
    """
    from orgtree.models import Unit

    from .models import Post

    form = org_form or unit.org_form
    allowed = Post.CONGRESS_ROLES if form == Unit.OrgForm.CONGRESS else Post.FEDERATION_ROLES
    if role not in allowed:
        names = "、".join(str(Post.Role(r).label) for r in allowed)
        label = Unit.OrgForm(form).label
        when = f"在 {on:%Y-%m-%d} " if on is not None else ""
        raise ValidationError(f"{unit.name}{when}是{label}，职务只能是：{names}。")


def check_role_through(
    role: str,
    unit: "Unit",
    start_date: datetime.date,
    end_date: datetime.date | None,
    spans: "Sequence[FormSpan]",
) -> None:
    """A post whose role fits the unit's form on its start date ends by the day that form changes.

    The 会改联 ends the open 主任/副主任/委员 posts on its date and continues them as 主席/副主席/执委
    (members.services.convert_posts_for_federation); a 妇代会 role held past that date is refused.
    """
    from orgtree.models import Unit

    from .models import Post

    for span in spans:
        if span.valid_from is None or span.valid_from <= start_date:
            continue
        if end_date is not None and end_date <= span.valid_from:
            break
        allowed = Post.CONGRESS_ROLES if span.org_form == Unit.OrgForm.CONGRESS else Post.FEDERATION_ROLES
        if role in allowed:
            continue
        day = f"{span.valid_from:%Y-%m-%d}"
        change = (
            "会改联为妇联" if span.org_form == Unit.OrgForm.FEDERATION else f"改为{Unit.OrgForm(span.org_form).label}"
        )
        raise ValidationError(
            f"{unit.name}于 {day} {change}，{Post.Role(role).label}职务只能任至这一天：离任时间不能晚于 {day}"
            f"；此后的职务请按{Unit.OrgForm(span.org_form).label}的职务登记。"
        )
