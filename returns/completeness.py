"""The completeness dashboard's arithmetic: every district against every form of a campaign.

Four queries however many districts there are (forms, districts, returns, and the campaign
the caller already fetched). The counters are computed from the same cells the table shows.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from . import states
from .models import Campaign, Return

STATUS = Return.Status


@dataclass
class Board:
    forms: list
    districts: list
    rows: list  # [(district, [cell, ...])]
    stats: dict
    today: datetime.date
    closed: bool = False


def _cell(form, district, ret, today, *, closed=False):
    """What the dashboard shows for one district and one form.

    After the campaign's last due date it is closed: a missing return reads 未报（任务已结束）
    instead of counting days overdue for ever.
    """
    submitted_on = timezone.localdate(ret.first_submitted_at) if ret and ret.first_submitted_at else None
    status = ret.status if ret else STATUS.DRAFT
    state = states.state(status)
    reported = state.reported
    late_days = None
    if submitted_on is not None:
        late_days = max((submitted_on - form.due_date).days, 0)
    overdue_days = (today - form.due_date).days if not reported and today > form.due_date and not closed else 0
    return {
        "form": form,
        "district": district,
        "ret": ret,
        "status": status,
        "status_label": state.label,
        "state": state,
        "reported": reported,
        "submitted_on": submitted_on,
        # On time counts only what stands as filed: a return sent back is outstanding again, so
        # the on-time rate can never exceed the reporting rate.
        "on_time": reported and late_days == 0,
        "late_days": late_days,
        "overdue_days": overdue_days,
        "counts_for_timeliness": submitted_on is not None or today > form.due_date,
        "closed_missing": closed and not reported,
    }


def _rate(part, whole):
    return round(100 * part / whole, 1) if whole else None


def board(campaign: Campaign, *, user, today: datetime.date) -> Board:
    """The dashboard of `campaign` as `user` may see it (a district sees its own row)."""
    forms = list(campaign.forms.all())
    districts = list(campaign.districts(user))
    returns = {
        (r.form_id, r.unit_id): r
        for r in Return.objects.filter(campaign=campaign, unit__in=[d.pk for d in districts]).only(
            "pk", "form_id", "unit_id", "status", "version", "first_submitted_at", "submitted_at"
        )
    }
    closed = bool(forms) and today > max(f.due_date for f in forms)
    rows = []
    cells = []
    for district in districts:
        row = [_cell(form, district, returns.get((form.pk, district.pk)), today, closed=closed) for form in forms]
        rows.append((district, row))
        cells += row
    return Board(forms=forms, districts=districts, rows=rows, stats=_stats(cells), today=today, closed=closed)


def _stats(cells):
    """The counters of a set of cells (the whole board, or one city's districts)."""
    reported = [c for c in cells if c["reported"]]
    timed = [c for c in cells if c["counts_for_timeliness"]]
    stats = {
        "cells": len(cells),
        "reported": len(reported),
        "approved": sum(c["status"] == STATUS.APPROVED for c in cells),
        "submitted": sum(c["status"] == STATUS.SUBMITTED for c in cells),
        "returned": sum(c["status"] == STATUS.RETURNED for c in cells),
        "missing": sum(c["status"] == STATUS.DRAFT for c in cells),
        # 逾期 counts the missing returns only, so that 已通过 + 待审核 + 已退回 + 未上报 = 应报.
        "overdue": sum(bool(c["overdue_days"]) and c["status"] == STATUS.DRAFT for c in cells),
        "on_time": sum(c["on_time"] for c in cells),
        "timed": len(timed),
        "reporting_rate": _rate(len(reported), len(cells)),
        "on_time_rate": _rate(sum(c["on_time"] for c in timed), len(timed)),
    }
    return stats


@dataclass
class CityRow:
    city: object
    districts: int
    stats: dict


def cities_of(board):
    """The cities (市、地区) the board's districts lie in, in tree order, each with her districts' counters.

    For a provincial campaign's dashboard: a row per city that opens into the city's districts
    (only_city). One query however many districts.
    """
    from orgtree.models import Unit

    tree_ids = {d.tree_id for d in board.districts}
    cities = list(Unit.objects.of_tier(1).filter(tree_id__in=tree_ids).order_by("tree_id", "lft"))
    result = []
    for city in cities:
        rows = [(d, cells) for d, cells in board.rows if d.tree_id == city.tree_id and city.lft < d.lft < city.rght]
        if rows:
            result.append(CityRow(city, len(rows), _stats([c for _d, cells in rows for c in cells])))
    return result


def only_city(board, city):
    """The board narrowed to the districts of one city, with its own counters."""
    rows = [(d, cells) for d, cells in board.rows if d.tree_id == city.tree_id and city.lft < d.lft < city.rght]
    return Board(
        forms=board.forms,
        districts=[d for d, _cells in rows],
        rows=rows,
        stats=_stats([c for _d, cells in rows for c in cells]),
        today=board.today,
        closed=board.closed,
    )
