"""The grassroots registers (issue 24) as sources of tables defined as data.

Registered from ReportsConfig.ready into the registry of reports/definitions.py (SOURCES, DIMENSIONS)
and reports/defined.py (COUNTERS): grassroots sits below reports in the layers and imports nothing
of it, so the registration happens here, above it. Each source counts dicts grassroots/counting.py
gives for the reporting unit's subtree on the count date, each merged with its unit as it stood that
day, so the unit dimensions (tier, kind, org_form, block, new_field, pilot) filter them as they filter
the units source. Rates are fields of 100 or 0: a column `average: organisations.covered` is 组建率 in %.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from grassroots import counting
from grassroots.models import HOME_KINDS, Organisation, WomenHomeActivity

from .defined import COUNTERS, Context, Counted
from .definitions import DIMENSIONS, SOURCES, Dimension, ItemRow, Measure, Source, unit_matches

Fetch = Callable[[Context, list[dict[str, Any]]], list[dict[str, Any]]]
# The unit dimensions a register's records are filtered on (达标 "qualified" is the roster's, not theirs).
UNIT_DIMS = ("tier", "kind", "org_form", "block", "new_field", "pilot")
QUARTERS = {"1": "第一季度", "2": "第二季度", "3": "第三季度", "4": "第四季度"}


def _flag(name: str) -> Callable[[dict[str, Any], Any], bool]:
    return lambda record, yes: bool(record[name]) == yes


def _code(name: str) -> Callable[[dict[str, Any], Any], bool]:
    return lambda record, values: str(record[name]) in values


NEW_DIMENSIONS: dict[str, Dimension] = {
    "four_has": Dimension("四有达标（截止时间）", "bool", test=_flag("four_has")),
    "online": Dimension("有网上妇女之家", "bool", test=_flag("online")),
    "has_home": Dimension("建有妇女之家", "bool", test=_flag("has_home")),
    "quarter": Dimension("活动所在季度", "codes", QUARTERS, test=_code("quarter")),
    "activity_kind": Dimension("活动类型", "codes", dict(WomenHomeActivity.Kind.choices), test=_code("activity_kind")),
    "has_woman": Dimension("两委有女性成员", "bool", test=_flag("has_woman")),
    "woman_head": Dimension("女性任两委正职（书记或主任）", "bool", test=_flag("woman_head")),
    "woman_secretary": Dimension("女性任党组织书记", "bool", test=_flag("woman_secretary")),
    "woman_director": Dimension("女性任村（居）委会主任", "bool", test=_flag("woman_director")),
    "one_shoulder": Dimension("书记、主任“一肩挑”", "bool", test=_flag("one_shoulder")),
    "org_kind": Dimension("组织类别", "codes", dict(Organisation.Kind.choices), test=_code("org_kind")),
    "women_org": Dimension("妇女组织形式", "codes", dict(Organisation.WomenOrg.choices), test=_code("women_org")),
    "covered": Dimension("已建妇女组织", "bool", test=_flag("covered")),
}


def _ids(units: list[dict[str, Any]]) -> list[int]:
    return [u["id"] for u in units]


def _homes(ctx: Context, units: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return counting.homes_on(_ids(units), ctx.as_of)


def _activities(ctx: Context, units: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return counting.activities_in_year(_ids(units), ctx.as_of)


def _coverage(ctx: Context, units: list[dict[str, Any]]) -> list[dict[str, Any]]:
    places = [u for u in units if u["kind"] in HOME_KINDS]
    having = counting.home_coverage(_ids(places), ctx.as_of)
    return [{"unit_id": u["id"], "has_home": 100 if u["id"] in having else 0} for u in places]


def _two_committees(ctx: Context, units: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return counting.two_committees_on(_ids(units), ctx.as_of)


def _organisations(ctx: Context, units: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return counting.organisations_on(_ids(units), ctx.as_of)


def counter(fetch: Fetch) -> Callable[[Context, Mapping[str, Measure], Sequence[ItemRow] | None], Counted]:
    """A counter (reports/defined.py's contract) over the records `fetch` gives, each with its unit's info."""

    def count(ctx: Context, measures: Mapping[str, Measure], rows: Sequence[ItemRow] | None) -> Counted:
        units = ctx.units()
        by_id = {u["id"]: u for u in units}
        result: Counted = {}
        for found in fetch(ctx, units):
            record = {**by_id[found["unit_id"]], **found}
            targets = [record["unit_id"]] if rows is None else [r.key for r in rows if unit_matches(record, r.where)]
            if not targets:
                continue
            for key, m in measures.items():
                if not unit_matches(record, m.where):
                    continue
                add = 1 if m.kind == "count" else int(record[m.field])
                for target in targets:
                    n, d = result.get((target, key), (0, 0))
                    result[(target, key)] = (n + add, d + 1)
        return result

    return count


def _source(key: str, label: str, dims: Sequence[str], fields: Mapping[str, str], fetch: Fetch) -> None:
    SOURCES[key] = Source(key, label, key, (*UNIT_DIMS, *dims), fields={f: (t, "") for f, t in fields.items()})
    COUNTERS[key] = counter(fetch)


def register() -> None:
    """Adds the grassroots dimensions, sources and counters to the registry; repeating it is harmless."""
    DIMENSIONS.update(NEW_DIMENSIONS)
    _source(
        "women_homes",
        "妇女之家（截止时间开放的）",
        ("four_has", "online"),
        {
            "four_has": "四有达标（达标计100，用 average 得达标率%）",
            "area": "面积（平方米）",
            "functions": "具备的八位一体功能项数",
            "eight_in_one": "八位一体功能齐全（计100）",
        },
        _homes,
    )
    _source(
        "women_home_activities",
        "妇女之家活动（截止时间所在年度1月1日至截止时间）",
        ("quarter", "activity_kind"),
        {"attendance": "参加人数"},
        _activities,
    )
    _source(
        "women_home_places",
        "应建妇女之家的村（社区）和新领域组织（每个一条）",
        ("has_home",),
        {"has_home": "建有妇女之家（计100，用 average 得覆盖率%）"},
        _coverage,
    )
    _source(
        "two_committees",
        "村（居）两委（每村、社区按截止时间最近一次换届一条）",
        ("has_woman", "woman_head", "woman_secretary", "woman_director", "one_shoulder"),
        {
            "members": "两委成员人数",
            "women": "女性成员人数",
            "has_woman": "有女性成员（计100，用 average 得女性进两委比例%）",
            "woman_head": "女性任正职（计100，用 average 得正职比例%）",
        },
        _two_committees,
    )
    _source(
        "organisations",
        "街道（乡镇）辖区内的机关、企事业单位和两新组织",
        ("org_kind", "women_org", "covered"),
        {"covered": "已建妇女组织（计100，用 average 得组建率%）"},
        _organisations,
    )
