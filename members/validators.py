"""Field rules shared by the roster forms, the Excel import and the API.

Every function raises django.core.exceptions.ValidationError with a Chinese message that
names the value at fault, or returns the cleaned value.
"""

import datetime
import re

from django.core.exceptions import ValidationError

from fedorg.dates import year_month

ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
ID_CHECK_CHARS = "10X98765432"
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
MIN_AGE, MAX_AGE = 16, 90


def id_check_char(first17):
    """The GB 11643-1999 check character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def clean_id_number(value):
    """Normalise (upper-case X, no spaces) and check an 18-character 居民身份证号码."""
    value = (value or "").strip().replace(" ", "").upper()
    if not value:
        return ""
    if not re.fullmatch(r"\d{17}[\dX]", value):
        raise ValidationError(f"身份证号“{value}”应为 18 位，前 17 位是数字，最后一位是数字或 X。")
    try:
        id_birth_date(value)
    except ValueError:
        raise ValidationError(f"身份证号“{value}”中的出生日期 {value[6:14]} 不是有效日期。") from None
    if id_check_char(value[:17]) != value[17]:
        raise ValidationError(f"身份证号“{value}”校验位不正确，请核对是否抄错。")
    return value


def id_birth_date(value):
    return datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def check_id_matches_birth(id_number, birth_date):
    """出生年月 must agree with the birth date inside the ID number."""
    if id_number and birth_date:
        born = id_birth_date(id_number)
        if (born.year, born.month) != (birth_date.year, birth_date.month):
            raise ValidationError(f"出生年月 {year_month(birth_date)} 与身份证号中的 {year_month(born)} 不一致。")


def clean_mobile(value):
    value = re.sub(r"[\s-]", "", value or "")
    if value.startswith("+86"):
        value = value[3:]
    if value and not MOBILE_RE.fullmatch(value):
        raise ValidationError(f"手机号码“{value}”不是有效的 11 位大陆手机号。")
    return value


BIRTH_MONTH_PATTERNS = [
    re.compile(r"^(\d{4})\s*[.\-/年]\s*(\d{1,2})\s*(?:月)?(?:\s*[.\-/]?\s*\d{1,2}\s*日?)?$"),
    re.compile(r"^(\d{4})(\d{2})(?:\d{2})?$"),
]


def parse_birth_month(value):
    """出生年月 in the forms real rosters use: 1975.03, 1975-3, 1975年3月, 197503, a date.

    Returns the first day of the month.
    """
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.replace(day=1)
    text = str(value or "").strip()
    if not text:
        raise ValidationError("请填写出生年月，例如 1975.03。")
    # Excel may turn 1975.10 into the number 1975.1; a one-digit month after a dot means 10.
    if re.fullmatch(r"\d{4}\.\d", text) and isinstance(value, float):
        text = text + "0"
    for pattern in BIRTH_MONTH_PATTERNS:
        match = pattern.match(text)
        if match:
            year, month = int(match.group(1)), int(match.group(2))
            if 1900 <= year <= 2100 and 1 <= month <= 12:
                return datetime.date(year, month, 1)
    raise ValidationError(f"出生年月“{text}”无法识别，请写成 1975.03 这样的格式。")


def age_on(birth_date, day):
    """Whole years (周岁) on `day`."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def check_age_on(birth_date, day):
    age = age_on(birth_date, day)
    if not MIN_AGE <= age <= MAX_AGE:
        raise ValidationError(f"任职时年龄为 {age} 岁，应在 {MIN_AGE}–{MAX_AGE} 岁之间，请核对出生年月和任职时间。")


def check_dates(start_date, end_date):
    if start_date and end_date and end_date <= start_date:
        raise ValidationError(f"离任时间 {end_date:%Y-%m-%d} 必须晚于任职时间 {start_date:%Y-%m-%d}。")


def check_role_for_unit(role, unit):
    """A 妇代会 has 主任/副主任/委员; a 妇联 has 主席/副主席/常委/执委, and 代表."""
    from .models import Post

    allowed = Post.CONGRESS_ROLES if unit.is_congress else Post.FEDERATION_ROLES
    if role not in allowed:
        names = "、".join(str(Post.Role(r).label) for r in allowed)
        raise ValidationError(f"{unit.name}是{unit.get_org_form_display()}，职务只能是：{names}。")
