"""The dates every 附表 is counted on.

Campaigns (issue 5) carry their own baseline and cut-off dates; until a return names one, the
2016 campaign (哈妇发〔2016〕8号) is the default. These two constants are the only place the
2016 dates are written down for the reports.
"""

import datetime

# The plan's date: 扩员前 counts the people holding a post on this day.
BASELINE_2016 = datetime.date(2016, 6, 2)
# 截止时间: the default as-of date, and 扩员后 / 新增 are counted on it.
CUTOFF_2016 = datetime.date(2016, 8, 31)

DEFAULT_BASELINE = BASELINE_2016
DEFAULT_AS_OF = CUTOFF_2016


def cn_date(day):
    """2016-08-31 -> 2016年8月31日 (the official returns' date style)."""
    return f"{day.year}年{day.month}月{day.day}日"
