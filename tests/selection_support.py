"""Test helpers for the selection path (the register of women), shared by several test files."""

import datetime


def save_register_entry(unit, **fields):
    from selection import services as selection

    data = {"name": "登记者", "birth_date": datetime.date(1980, 1, 1), "field": "", "source": "", **fields}
    return selection.save_entry(unit=unit, data=data, actor=None)
