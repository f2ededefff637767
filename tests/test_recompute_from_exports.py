"""Anyone can recompute a past table from the exports (issue 26): after a 2017 会改联, rename, move and merge,
附表4 of 2016 recomputed from `export_units --as-of` and `export_roster --history --as-of` alone equals FedOrg's.

The recomputation below reads nothing of FedOrg's but the two files: the counting rules are written out
here from docs/forms.md (who counts, under which post, which block, 达标 by the 2016 plan's figures), and
the labels are the plan's own words. It is the auditor's check: it shares no code with reports/.
"""

import datetime
from collections import defaultdict

import pytest
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook
from test_history_unchanged import _change_everything
from test_report_tables import report_city  # noqa: F401 - the fixture

from reports import tables

BASELINE = datetime.date(2016, 6, 2)
# 哈妇发〔2016〕8号 三（三）2: total range, 1 head, at least 2 vice-heads; by block.
QUOTAS = {1: (25, 35), 2: (15, 25), 3: (7, 13)}
RANKS = {"主席": 1, "主任": 1, "副主席": 2, "副主任": 2, "常委": 3, "执委": 4, "委员": 4}
MODES = {"专职": "full_time", "兼职": "part_time", "挂职": "seconded", "志愿者": "volunteer"}
METHODS = {"个人自荐": "self", "群众举荐": "masses", "单位推荐": "unit", "直接选拔": "direct"}
SOURCES = {
    "女性楼栋长": "01",
    "单元小组长": "02",
    "女性致富带头人": "03",
    "巾帼文明岗带头人": "04",
    "三八红旗手代表": "05",
    "两新组织女性带头人": "06",
    "自组织女性负责人": "07",
    "法律教育调解专长女性居民": "08",
    "机关企事业单位女干部女职工": "09",
    "其他": "99",
}


def _sheet(path):
    ws = load_workbook(path, read_only=True).worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = next(rows)
    return [dict(zip(header, row, strict=False)) for row in rows]


def _exports(tmp_path, code, day):
    units, roster = tmp_path / f"units-{day}.xlsx", tmp_path / f"roster-{day}.xlsx"
    call_command("export_units", "--unit", code, "--as-of", day.isoformat(), "--out", str(units))
    call_command("export_roster", "--unit", code, "--history", "--as-of", day.isoformat(), "--out", str(roster))
    return _sheet(units), _sheet(roster)


def _held(row, day):
    start = datetime.date.fromisoformat(row["任职时间"])
    end = row["离任时间"] and datetime.date.fromisoformat(row["离任时间"])
    return start <= day and (not end or end > day)


def _recompute_form4(units, roster, reporting_code, day):
    """{row code or "total": {column key: value}} of 附表4 panels 4-1 and 4-2, from the two files."""
    by_code = {u["组织代码"]: u for u in units}
    children = defaultdict(list)
    for u in units:
        children[u["上级代码"]].append(u["组织代码"])

    def block(code):
        u = by_code[code]
        if u["类型"] in ("街道", "乡镇", "镇"):
            return 1
        if u["类型"] in ("社区", "村"):
            return 2 if u["组织形式"] == "妇联" else 3
        return 0

    def subtree(code):
        yield code
        for child in children[code]:
            yield from subtree(child)

    # Each person once per unit, under her highest leadership post held on the day (代表 never counts).
    best, before = {}, set()
    for post in roster:
        if post["妇联职务"] not in RANKS or post["组织代码"] not in by_code:
            continue
        key = (post["组织代码"], post["人员编号"])
        if _held(post, BASELINE):
            before.add(key)
        if _held(post, day):
            ranked = (RANKS[post["妇联职务"]], post["任职编号"])
            if key not in best or ranked < best[key][0]:
                best[key] = (ranked, post)

    per_unit = defaultdict(lambda: defaultdict(int))
    for (code, person), ((rank, _id), post) in best.items():
        u = per_unit[code]
        u["after"] += 1
        u[{1: "chair", 2: "vice"}.get(rank, "member")] += 1
        if (code, person) not in before:
            u["new"] += 1
            if block(code):
                u["new_total"] += 1
                u[f"new_mode_{MODES[post['任职方式']]}"] += 1
                u[f"new_method_{METHODS[post['产生方式']]}"] += 1
                if post["任职方式"] == "兼职":
                    u[f"new_source_{SOURCES[post['来源类别']]}"] += 1
    for code, _person in before:
        per_unit[code]["before"] += 1

    def row_of(codes):
        cells = defaultdict(int)
        for code in codes:
            n, u = block(code), per_unit[code]
            if not n:
                continue
            low, high = QUOTAS[n]
            cells[f"b{n}_units"] += 1
            cells[f"b{n}_done"] += int(low <= u["after"] <= high and u["chair"] == 1 and u["vice"] >= 2)
            for measure in ("before", "after", "chair", "vice", "member", "new"):
                cells[f"b{n}_{measure}"] += u[measure]
            for key, value in u.items():
                if key.startswith("new_"):
                    cells[key] += value
        return cells

    rows = {"total": row_of(subtree(reporting_code))}
    for child in children[reporting_code]:
        rows[child] = row_of(subtree(child))
    return rows


def _fedorg_form4(unit, day):
    """FedOrg's 附表4 (4-1 and 4-2) as {row code or "total": {column key: value}}."""
    snapshot = tables.compute(4, unit=unit, as_of=day, baseline=BASELINE)
    codes = {f"u{u_id}": code for u_id, code in _codes_then(unit, day)}
    rows = defaultdict(dict)
    for panel in snapshot["panels"][:2]:
        keys = [c["key"] for c in panel["columns"]]
        for row in panel["rows"]:
            values = dict(zip(keys, row["cells"], strict=True))
            rows[codes.get(row["key"], row["key"])].update(
                {k: v for k, v in values.items() if k != "unit" and isinstance(v, int)}
            )
    return rows


def _codes_then(unit, day):
    from orgtree.versions import subtree_on

    return [(u.unit_id, u.code) for u in subtree_on(unit.pk, day)]


@pytest.mark.parametrize("day", [datetime.date(2016, 8, 31), datetime.date(2016, 6, 20)])
@pytest.mark.parametrize("who", ["city", "district_a"])
def test_a_2016_form4_recomputed_from_the_exports_equals_fedorgs_after_2017_changes(
    report_city,  # noqa: F811
    tmp_path,
    who,
    day,
):
    t = report_city
    unit = getattr(t, who)
    code_then = unit.code
    _change_everything(t)
    unit.refresh_from_db()
    units, roster = _exports(tmp_path, unit.code, day)
    assert {u["组织代码"] for u in units} >= {"230102001", "230102100"}  # 兆麟街道's 2016 code; 新农镇 under 道里区
    mine = _recompute_form4(units, roster, code_then, day)
    theirs = _fedorg_form4(unit, day)
    assert set(mine) == set(theirs)
    assert sum(mine["total"].values()) > 0
    for row, cells in theirs.items():
        for key, value in cells.items():
            assert mine[row].get(key, 0) == value, (row, key)


def test_the_as_of_exports_place_units_and_posts_as_they_stood_that_day(report_city, tmp_path):  # noqa: F811
    """After the 2017 changes: the 2016 unit list has 兆麟街道 under its 2016 code and 新农镇 under 道里区, and the
    2016 roster places the merged community's posts under that community, not the one it merged into."""
    t = report_city
    _change_everything(t)
    units, roster = _exports(tmp_path, "2301", datetime.date(2016, 8, 31))
    by_code = {u["组织代码"]: u for u in units}
    assert by_code["230102001"]["组织名称"] == "兆麟街道" and by_code["230102001"]["本版本终止日期"] == "2017-03-01"
    assert by_code["230102100"]["上级代码"] == "230102"
    assert by_code[t.community_a2.code]["组织形式"] == "妇代会"
    merged = {r["组织代码"] for r in roster if r["姓名"] == "HCC"}
    assert merged == {t.community_b.code}
    today_units, _ = _exports(tmp_path, "2301", timezone.localdate())
    assert "230102001" not in {u["组织代码"] for u in today_units}  # recoded to 230102009 in 2017


def test_export_units_refuses_a_day_before_the_unit_existed_and_a_bad_date(tree, tmp_path):
    from django.core.management.base import CommandError

    from orgtree import services

    new = services.create_unit(
        parent=tree.district_a,
        name="群力新街道",
        code="230102030",
        kind="street",
        actor=None,
        founded_on=datetime.date(2020, 1, 1),
    )
    out = str(tmp_path / "u.xlsx")
    with pytest.raises(CommandError, match="2016-08-31 尚未成立或已撤销"):
        call_command("export_units", "--unit", new.code, "--as-of", "2016-08-31", "--out", out)
    with pytest.raises(CommandError):
        call_command("export_units", "--unit", new.code, "--as-of", "2016-13-01", "--out", out)
