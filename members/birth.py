"""Full birth dates (出生日期): from the 身份证号 when there is one, else the first of the 出生年月.

The forms print 出生年月 (1975.03) and the clerk types it; ages in 周岁 need the day, which the
居民身份证号码 holds (GB 11643: digits 7–14 of the 18-digit number are YYYYMMDD; the older
15-digit number has YYMMDD at digits 7–12, all born 19YY). For someone without an ID number her
age is counted from the first day of her birth month (docs/forms.md "Dates"), so in her birth
month she may count one year older than she is.
"""

import datetime


def birth_from_id(id_number: str | None) -> datetime.date | None:
    """The birth date written in an 18- or 15-digit ID number; None when there is none or it is not a date."""
    value = (id_number or "").strip().upper()
    try:
        if len(value) == 18 and value[:17].isdigit():
            return datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
        if len(value) == 15 and value.isdigit():
            return datetime.date(1900 + int(value[6:8]), int(value[8:10]), int(value[10:12]))
    except ValueError:
        return None
    return None


def full_birth_date(id_number: str | None, birth_month: datetime.date | None) -> datetime.date | None:
    """The date ages are counted from: the ID number's date when it agrees with 出生年月 (or there is no
    出生年月), else the first of the 出生年月."""
    born = birth_from_id(id_number)
    if born is not None and (birth_month is None or (born.year, born.month) == (birth_month.year, birth_month.month)):
        return born
    return birth_month.replace(day=1) if birth_month else None


def birth_date_rule(id_number: str | None, birth_month: datetime.date | None) -> str:
    """How the person's age is counted, in the words the person page shows."""
    born = birth_from_id(id_number)
    if (
        born is not None
        and birth_month is not None
        and (born.year, born.month) == (birth_month.year, birth_month.month)
    ):
        return "按身份证号中的出生日期计算周岁"
    return "无身份证号，按出生年月当月 1 日计算周岁"
