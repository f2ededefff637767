"""The unit page's dashboard: 达标 per block, expansion progress, composition charts, units furthest from quota.

Everything comes from the same per-unit 附表4 figures and the 附表5 groups, so the dashboard and
the tables never disagree, and it costs a constant handful of queries whatever the subtree size.
"""

import datetime
from collections.abc import Mapping, Sequence
from typing import Any

from fedorg import freshness
from fedorg.dates import DEFAULT_AS_OF, DEFAULT_BASELINE
from fedorg.dbrouting import read_from_replica
from members import codes, rules
from orgtree.models import Unit

from . import percity, specs
from .facts import scope_params
from .tables import Groups, city_rows, form4_share_key, form5_groups, form5_shares, unit_and_new_field_figures

FURTHEST = 8


def _gap(quota: rules.Quota, figures: Mapping[str, int]) -> int:
    """How many people a unit is from its quota: outside the range, missing or extra chairs, missing vice-chairs."""
    after = figures["after"]
    return (
        max(0, quota.total_min - after)
        + max(0, after - quota.total_max)
        + abs(figures["chair"] - quota.heads)
        + max(0, quota.vice_min - figures["vice"])
    )


def _bars(items: Sequence[tuple[str, int]]) -> list[dict[str, Any]]:
    """[(label, value)] -> rows with the bar width in percent of the largest value, for the SVG template."""
    top = max((value for _label, value in items), default=0) or 1
    return [{"label": label, "value": value, "width": round(value * 100 / top, 1)} for label, value in items]


def unit_dashboard(
    unit: Unit,
    *,
    as_of: datetime.date = DEFAULT_AS_OF,
    baseline: datetime.date = DEFAULT_BASELINE,
    fresh: bool = False,
    judged_by: rules.Rules | None = None,
) -> dict[str, Any]:
    """The dashboard of `unit`'s subtree; fresh=True when `unit` was just read in this request (see scope_params).

    达标 is judged by `judged_by` (members.rules.Rules), by default the rule set in effect on `as_of`.
    """
    judged_by = judged_by or rules.rules_in_effect(on=as_of, unit=unit)
    if unit.tier == 0:
        share = _by_city(unit, as_of=as_of, baseline=baseline, judged_by=judged_by)
    else:
        share = dashboard_share(unit, as_of=as_of, baseline=baseline, judged_by=judged_by, fresh=fresh)
    blocks, gaps, new_field_sums, totals = (
        list(share["blocks"].values()),
        share["gaps"],
        share["new_field"],
        share["totals"],
    )
    for stats in blocks:
        stats["share"] = round(stats["done"] * 100 / stats["units"], 1) if stats["units"] else None
    get = lambda key: totals.get(key, 0)  # noqa: E731 - a local shorthand
    return {
        "as_of": as_of,
        "rules": judged_by.label_for(unit),
        "blocks": blocks,
        "units": sum(s["units"] for s in blocks),
        "done": sum(s["done"] for s in blocks),
        "people": get("total"),
        "age": _bars([(label, get(key)) for key, label, _c in specs.AGE_BANDS]),
        "education": _bars([(label, get(f"edu_{key}")) for key, label, _p in codes.EDUCATION_BANDS]),
        "political": _bars([(label, get(f"pol_{key}")) for key, label in specs.POLITICAL_BANDS]),
        "furthest": gaps[:FURTHEST],
        # 新领域妇联: their own line, never in the blocks, the 达标 count or the charts above.
        "new_field": new_field_sums,
    }


def dashboard_share(
    unit: Unit,
    *,
    as_of: datetime.date,
    baseline: datetime.date,
    judged_by: rules.Rules,
    fresh: bool = False,
    groups: Groups | None = None,
) -> dict[str, Any]:
    """The dashboard's sums over `unit`'s subtree: units and 达标 per block, the units furthest from quota
    (the first FURTHEST), the new-field line and the 附表5 totals. Each is a sum over the units or the
    (unit, person) facts of the subtree, so a province's is the sum of its cities' (see _by_city)."""
    # One read of the subtree bounds for both passes; 扩员前 is not shown here, so it is not counted.
    params = scope_params(unit, on=as_of, base=baseline, fresh=fresh)
    units, figures, new_field = unit_and_new_field_figures(unit, as_of=as_of, baseline=baseline, params=params)
    names = {row[0]: row[4] for row in units}
    blocks = {row[0]: row[6] for row in units}
    parents = {row[0]: names.get(row[1], "") for row in units}  # same names recur: 学府社区 under two streets
    per_block: dict[int, dict[str, Any]] = {
        number: {"name": name, "units": 0, "done": 0} for number, name, _r, _q in specs.BLOCKS
    }
    gaps: list[dict[str, Any]] = []
    quotas = dict(judged_by.numbered)
    for unit_id, f in figures.items():
        block = blocks[unit_id]
        stats = per_block[block]
        stats["units"] += 1
        quota = quotas[block]
        if rules.reaches_quota(quota, total=f["after"], head=f["chair"], vice=f["vice"]):
            stats["done"] += 1
        elif quota is not None:
            gaps.append(
                {
                    "id": unit_id,
                    "name": names[unit_id],
                    "parent": parents[unit_id],
                    "block": specs.BLOCK_NAMES[block],
                    "gap": _gap(quota, f),
                    **{key: f[key] for key in ("after", "chair", "vice", "member", "new")},
                }
            )
    gaps.sort(key=lambda g: (-g["gap"], g["name"]))
    if groups is None:
        groups = form5_groups(unit, as_of=as_of, baseline=baseline, params=params)
    totals: dict[str, int] = {}
    for values in groups.values():
        for key, value in values.items():
            totals[key] = totals.get(key, 0) + value
    return {
        "blocks": per_block,
        # A stable sort of the units in tree order: the first FURTHEST of the whole subtree are among the
        # first FURTHEST of each city, and come out in the same order when the cities' are merged in turn.
        "gaps": gaps[:FURTHEST],
        "new_field": {
            "units": len(new_field),
            "people": sum(f["after"] for f in new_field.values()),
            "chairs": sum(f["chair"] for f in new_field.values()),
            "vices": sum(f["vice"] for f in new_field.values()),
        },
        "totals": totals,
    }


def _blocks_only(groups: Groups) -> Groups:
    """附表5's groups of blocks 1–3, as form5_groups gives them: the new-field 妇联 have their own line."""
    return {key: values for key, values in groups.items() if key[0] != specs.NEW_FIELD_BLOCK}


def _by_city(
    unit: Unit,
    *,
    as_of: datetime.date,
    baseline: datetime.date,
    judged_by: rules.Rules,
    progress: percity.Progress | None = None,
) -> dict[str, Any]:
    """dashboard_share of a province: its cities' shares (reports.percity), added up in tree order.
    `progress(done, total)` counts both passes (附表5's shares, then the dashboard's) city by city."""
    first = second = None
    if progress is not None:
        report = progress
        first = lambda done, total: report(done, 2 * total)  # noqa: E731 - the first half of the steps
        second = lambda done, total: report(total + done, 2 * total)  # noqa: E731 - the second half
    # 附表5's shares first (the same as its page's): the dashboard's charts are their totals.
    groups = form5_shares(unit, as_of=as_of, baseline=baseline, progress=first)
    cities = list(groups)
    units = {u.pk: u for u in Unit.objects.filter(pk__in=cities)}
    got = percity.shares(
        "dashboard",
        cities,
        key=form4_share_key(as_of=as_of, baseline=baseline, rules=judged_by),
        count=lambda city: dashboard_share(
            units[city], as_of=as_of, baseline=baseline, judged_by=judged_by, groups=_blocks_only(groups[city])
        ),
        progress=second,
    )
    per_block: dict[int, dict[str, Any]] = {
        number: {"name": name, "units": 0, "done": 0} for number, name, _r, _q in specs.BLOCKS
    }
    gaps: list[dict[str, Any]] = []
    new_field = {"units": 0, "people": 0, "chairs": 0, "vices": 0}
    totals: dict[str, int] = {}
    for city in cities:
        share = got[city]
        for number, stats in share["blocks"].items():
            per_block[number]["units"] += stats["units"]
            per_block[number]["done"] += stats["done"]
        gaps.extend(share["gaps"])
        for key, value in share["new_field"].items():
            new_field[key] += value
        for key, value in share["totals"].items():
            totals[key] = totals.get(key, 0) + value
    gaps.sort(key=lambda g: (-g["gap"], g["name"]))
    return {"blocks": per_block, "gaps": gaps[:FURTHEST], "new_field": new_field, "totals": totals}


@read_from_replica
def cached_unit_dashboard(
    unit: Unit, *, as_of: datetime.date = DEFAULT_AS_OF, baseline: datetime.date = DEFAULT_BASELINE, fresh: bool = False
) -> dict[str, Any]:
    """unit_dashboard, cached until people, posts, units or rule sets change (fedorg.freshness).

    The key holds the unit's tree bounds (a unit added or moved below it changes them), both dates and
    the rule set judging 达标. A transaction with uncommitted changes of its own computes afresh.
    """
    judged_by = rules.rules_in_effect(on=as_of, unit=unit)
    key = (
        f"dashboard:{unit.pk}:{unit.tree_id}:{unit.lft}:{unit.rght}:"
        f"{as_of.isoformat()}:{baseline.isoformat()}:{judged_by.id}:{hash(judged_by.quotas)}"
    )
    return freshness.cached(
        key, lambda: unit_dashboard(unit, as_of=as_of, baseline=baseline, fresh=fresh, judged_by=judged_by)
    )


def cold_seconds(unit: Unit, *, as_of: datetime.date, baseline: datetime.date = DEFAULT_BASELINE) -> float:
    """Seconds the dashboard of `unit` would count in the request for its cities not counted yet (0 below a
    province: a city's dashboard counts at once)."""
    if unit.tier != 0:
        return 0.0
    judged_by = rules.rules_in_effect(on=as_of, unit=unit)
    cities = city_rows(unit, as_of=as_of)
    form5 = percity.missing("form5", cities, key=f"{as_of.isoformat()}:{baseline.isoformat()}")
    key = form4_share_key(as_of=as_of, baseline=baseline, rules=judged_by)
    return percity.estimate("form5", len(form5)) + percity.estimate(
        "dashboard", len(percity.missing("dashboard", cities, key=key))
    )


def count_city_shares(unit: Unit, *, as_of: datetime.date, progress: percity.Progress | None = None) -> int:
    """Count (and keep) the city shares of a province's dashboard, telling `progress(done, total)` after each
    city of each pass: the background job behind a cold provincial dashboard. Returns the number of steps."""
    judged_by = rules.rules_in_effect(on=as_of, unit=unit)
    steps: list[int] = []

    def report(done: int, total: int) -> None:
        steps[:] = [total]
        if progress is not None:
            progress(done, total)

    _by_city(unit, as_of=as_of, baseline=DEFAULT_BASELINE, judged_by=judged_by, progress=report)
    return steps[0] if steps else 0
