"""Dates: the 2016 campaign's dates, the two ways the forms write a date, and the one reader of a count date.

parse_count_date (and CountDateField, as_of_from on top of it) is how every page, API view, roster view,
command and job reads a 截止时间 / ?as_of=: the same bounds, the same Chinese message everywhere.

Campaigns carry their own baseline and cut-off dates; until a return names one, the 2016
campaign (哈妇发〔2016〕8号) is the default. These constants are the only place the 2016 dates
are written down.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

# The plan's date: 扩员前 counts the people holding a post on this day.
BASELINE_2016 = datetime.date(2016, 6, 2)
# 截止时间: the default as-of date, and 扩员后 / 新增 are counted on it.
CUTOFF_2016 = datetime.date(2016, 8, 31)

# 哈妇发〔2016〕8号 and its due dates: 附表1 at once; 附表2/3 by 6-20; the pilot units' report by
# 6-25; 附表4/5 and the experience report (经验材料) after the cut-off, by 9-20. (The seeding migration keeps its own frozen copy.)
DOC_NUMBER_2016 = "哈妇发〔2016〕8号"
TITLE_2016 = "扩大基层妇联组织成员工作"
DUE_DATES_2016 = {
    "1": datetime.date(2016, 6, 10),
    "2": datetime.date(2016, 6, 20),
    "3": datetime.date(2016, 6, 20),
    "pilot": datetime.date(2016, 6, 25),
    "4": datetime.date(2016, 9, 20),
    "5": datetime.date(2016, 9, 20),
    # "各区、县（市）在扩大基层妇联组织成员工作中好的做法、经验和成效……务于9月20日之前报送" (四、报送要求).
    "experience": datetime.date(2016, 9, 20),
}

DEFAULT_BASELINE = BASELINE_2016
DEFAULT_AS_OF = CUTOFF_2016


def _as_date(day: datetime.date | str | None) -> datetime.date | None:
    if not day:
        return None
    if isinstance(day, str):
        return datetime.date.fromisoformat(day[:10])
    return day


def cn_date(day: datetime.date | str | None) -> str:
    """2016-08-31 (a date or ISO text) -> 2016年8月31日, the official returns' date style; "" for none."""
    day = _as_date(day)
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def year_month(day: datetime.date | str | None) -> str:
    """出生年月 as the forms write it: 1975.03; "" for none."""
    day = _as_date(day)
    return f"{day.year}.{day.month:02d}" if day else ""


# The dates a page may count on (a typo such as 0201-06-20 would otherwise silently count nobody).
EARLIEST_AS_OF = datetime.date(1949, 10, 1)
LATEST_AS_OF = datetime.date(2100, 12, 31)
# The same bounds as text, for the API schema (a date string has no minimum in OpenAPI 3.0).
COUNT_DATE_PATTERN = (
    r"^(1949-1[0-2]-[0-9]{2}|19[5-9][0-9]-[0-9]{2}-[0-9]{2}|20[0-9]{2}-[0-9]{2}-[0-9]{2}|2100-[0-9]{2}-[0-9]{2})$"
)

ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def count_date_message(raw: object) -> str:
    """The one Chinese message for a count date that is not one: pages, API, rosters and commands say it."""
    return (
        f"截止时间“{str(raw)[:20]}”不是有效日期：应为 YYYY-MM-DD（如 2016-08-31），"
        f"在 {EARLIEST_AS_OF:%Y-%m-%d} 至 {LATEST_AS_OF:%Y-%m-%d} 之间。"
    )


def parse_count_date(value: datetime.date | str | None, default: datetime.date | None = None) -> datetime.date | None:
    """The one reader of a count date (截止时间, ?as_of= / ?on=): a date between 1949-10-01 and 2100-12-31.

    A date or its YYYY-MM-DD text; `default` when empty. Anything else raises a ValidationError
    (code "invalid_date") with count_date_message, so every caller refuses the same dates in the same words.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        day: datetime.date | None = value
    else:
        text = str(value).strip()
        try:
            # YYYY-MM-DD only: Python 3.11's fromisoformat also reads 20160831 and 2016-W35-3.
            day = datetime.date.fromisoformat(text) if ISO_DAY.fullmatch(text) else None
        except ValueError:
            day = None
    if day is None or not EARLIEST_AS_OF <= day <= LATEST_AS_OF:
        raise ValidationError(count_date_message(value), code="invalid_date")
    return day


def as_of_from(query: Mapping[str, str], default: datetime.date | None = None) -> tuple[datetime.date, str]:
    """(count date, error) from a page's ?as_of= (or the rosters' older ?on=).

    Every page that counts reads its date here, so the same link gives the same day everywhere.
    Without one it is `default`, else today; a bad date gives the default and parse_count_date's
    message, followed by the day counted instead.
    """
    default = default or timezone.localdate()
    raw = query.get("as_of") or query.get("on") or ""
    try:
        return parse_count_date(raw) or default, ""
    except ValidationError as e:
        return default, f"{e.messages[0]}已按 {cn_date(default)} 统计。"


class CountDateField(forms.DateField):
    """A form's count date: parse_count_date's dates and message.

    Its date input writes the value as YYYY-MM-DD, the one text parse_count_date reads: Django's
    DateInput would write zh-hans's 2016/08/31, which a browser's date input shows as blank.
    """

    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

    def to_python(self, value: Any) -> datetime.date | None:
        try:
            return parse_count_date(value)
        except ValidationError as e:
            raise ValidationError(e.messages[0], code="invalid") from None
