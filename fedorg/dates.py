"""Dates: the 2016 campaign's dates and the two ways the forms write a date.

Campaigns carry their own baseline and cut-off dates; until a return names one, the 2016
campaign (哈妇发〔2016〕8号) is the default. These constants are the only place the 2016 dates
are written down.
"""

import datetime

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


def as_of_from(query, default: datetime.date | None = None) -> tuple[datetime.date, str]:
    """(count date, error) from a page's ?as_of= (or the rosters' older ?on=).

    Every page that counts reads its date here, so the same link gives the same day everywhere.
    Without one it is `default`, else today; a bad date gives the default and a Chinese message.
    """
    from django.utils import timezone

    default = default or timezone.localdate()
    raw = (query.get("as_of") or query.get("on") or "").strip()
    if not raw:
        return default, ""
    try:
        day = datetime.date.fromisoformat(raw)
    except ValueError:
        day = None
    if day is None or not EARLIEST_AS_OF <= day <= LATEST_AS_OF:
        return default, f"截止时间“{raw[:20]}”不是有效日期（格式：2016-08-31），已按 {cn_date(default)} 统计。"
    return day, ""
