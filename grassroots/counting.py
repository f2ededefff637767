"""The registers as they stood on a date, one dict per record, for the defined tables of reports
(reports/grassroots_sources.py registers a source over each). Rates are carried as 100 or 0 so that a
column's `average` gives a percentage (组建率, 四有 达标率, 女性进两委比例, 正职比例).

Each function takes the ids of the units counted (the reporting unit's subtree on the date) and reads
them in chunks, so a province's subtree stays under SQLite's limit on bound values.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence
from typing import Any

from django.db.models import Q

from .models import FOUR_HAS, Organisation, TwoCommittees, WomenHome, WomenHomeActivity

CHUNK = 500
Record = dict[str, Any]


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start : start + CHUNK])


def _open(on: datetime.date, start: str, end: str) -> Q:
    return Q(**{f"{start}__lte": on}) & (Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gt": on}))


def homes_on(unit_ids: Sequence[int], on: datetime.date) -> list[Record]:
    """The 妇女之家 open on `on`: unit, 四有 达标 on that day (100/0), online presence, area, functions."""
    records = []
    for ids in _chunks(unit_ids):
        rows = WomenHome.objects.filter(_open(on, "opened_on", "closed_on"), unit_id__in=ids).values(
            "unit_id", "area", "online_url", "wechat", "functions", *FOUR_HAS
        )
        for row in rows:
            met = all(row[f] is not None and row[f] <= on for f in FOUR_HAS)
            records.append(
                {
                    "unit_id": row["unit_id"],
                    "four_has": 100 if met else 0,
                    "online": bool(row["online_url"] or row["wechat"]),
                    "area": row["area"] or 0,
                    "functions": len(row["functions"] or []),
                    "eight_in_one": 100 if len(set(row["functions"] or [])) >= 8 else 0,
                }
            )
    return records


def activities_in_year(unit_ids: Sequence[int], on: datetime.date) -> list[Record]:
    """The activities of the count date's year up to the count date, with their quarter."""
    records = []
    start = on.replace(month=1, day=1)
    for ids in _chunks(unit_ids):
        rows = WomenHomeActivity.objects.filter(home__unit_id__in=ids, held_on__gte=start, held_on__lte=on).values_list(
            "home__unit_id", "held_on", "kind", "attendance"
        )
        for unit_id, held_on, kind, attendance in rows:
            records.append(
                {
                    "unit_id": unit_id,
                    "quarter": str((held_on.month - 1) // 3 + 1),
                    "activity_kind": kind,
                    "attendance": attendance,
                }
            )
    return records


def home_coverage(unit_ids: Sequence[int], on: datetime.date) -> set[int]:
    """The ids among `unit_ids` with a 妇女之家 open on `on`."""
    found: set[int] = set()
    for ids in _chunks(unit_ids):
        found.update(
            WomenHome.objects.filter(_open(on, "opened_on", "closed_on"), unit_id__in=ids).values_list(
                "unit_id", flat=True
            )
        )
    return found


def two_committees_on(unit_ids: Sequence[int], on: datetime.date) -> list[Record]:
    """Per village or community, the record of the latest election on or before `on` (none when it ended)."""
    latest: dict[int, Record] = {}
    for ids in _chunks(unit_ids):
        rows = (
            TwoCommittees.objects.filter(unit_id__in=ids, elected_on__lte=on)
            .order_by("unit_id", "elected_on")
            .values("unit_id", "ended_on", "members", "women", "secretary_woman", "director_woman", "one_shoulder")
        )
        for row in rows:
            latest[row["unit_id"]] = dict(row)  # ordered: the last is the latest election
    records = []
    for unit_id, last in latest.items():
        if last["ended_on"] is not None and last["ended_on"] <= on:
            continue
        head = last["secretary_woman"] or last["director_woman"]
        records.append(
            {
                "unit_id": unit_id,
                "members": last["members"],
                "women": last["women"],
                "has_woman": 100 if last["women"] else 0,
                "woman_head": 100 if head else 0,
                "woman_secretary": last["secretary_woman"],
                "woman_director": last["director_woman"],
                "one_shoulder": last["one_shoulder"],
            }
        )
    return records


def organisations_on(unit_ids: Sequence[int], on: datetime.date) -> list[Record]:
    """The organisations listed on `on`, each covered (100/0) when its women's organisation existed by then."""
    records = []
    for ids in _chunks(unit_ids):
        rows = Organisation.objects.filter(_open(on, "listed_on", "closed_on"), unit_id__in=ids).values(
            "unit_id", "kind", "women_org", "women_org_on"
        )
        for row in rows:
            covered = row["women_org"] != Organisation.WomenOrg.NONE and (
                row["women_org_on"] is None or row["women_org_on"] <= on
            )
            records.append(
                {
                    "unit_id": row["unit_id"],
                    "org_kind": row["kind"],
                    "women_org": row["women_org"] if covered else Organisation.WomenOrg.NONE,
                    "covered": 100 if covered else 0,
                }
            )
    return records
