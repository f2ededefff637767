"""附表1–5 on a small hand-built city, every figure worked out by hand (FORMS.md counting rules).

The people (built with the members services) on the 2016 campaign dates, baseline 2016-06-02 and
cut-off 2016-08-31; "old" posts start 2015-01-01, "new" ones 2016-07-01:

道里区 (district): 第10届 congress (2012-06-15, expires 2017-06-15, next 2017-06-01).
    C1 主席 专职 worker party 1968; VC1 副主席 兼职 frontline 民革 回族 1983; VC2 副主席 专职 worker party 1975;
    VC3 副主席 挂职 frontline 1985; ST1 常委 预备党员 1990; EX1 执委 志愿者 frontline 1950 (also 代表);
    EX2 执委 worker party 蒙古族 1982; 代表 DL2 worker party frontline 1988, DL3 维吾尔族 1960.
  兆麟街道 (block 1): S 主席 old; X 执委 new; A 执委 new (A is also 兆麟社区's 主席).
  新农镇 (block 1): nobody.
  兆麟社区 (block 2, 15 = 达标): A 主席 old; V1 执委 old promoted to 副主席 on 7-01; V2 副主席 new;
    E1–E10 执委 new volunteers; E11 执委 new 兼职; E12 执委 new 挂职; E_old 执委 ended 2016-07-15.
  经纬社区 (block 3 妇代会, 7 = 达标): D 主任 new; two 副主任 old; four 委员 new.
  新农村 (block 3 妇代会, 3): N1 主任 old; N2 副主任 new; N3 委员 old.
南岗区 (district): 第9届 congress expired 2016-05-10 (next 2016-10-01); NC 主席.
  花园街道 (block 1): HC 主席 old.  花园社区 (block 2): HCC 主席 old.
"""

import datetime
from types import SimpleNamespace

import pytest

from fedorg.dates import BASELINE_2016, CUTOFF_2016
from members import services as members
from orgtree.models import Congress, Contact
from orgtree.services import update_contacts
from reports import tables

OLD, NEW = datetime.date(2015, 1, 1), datetime.date(2016, 7, 1)
BORN_1980 = datetime.date(1980, 6, 1)


def d(year, month):
    return datetime.date(year, month, 1)


@pytest.fixture
def report_city(tree):
    people = SimpleNamespace()

    def hire(key, unit, role, *, start=NEW, end=None, born=BORN_1980, mode="part_time", method="unit", tc="", **person):
        person_data = {
            "name": key,
            "birth_date": born,
            "political_status": person.pop("political", "13"),
            "education": person.pop("education", "21"),
            "ethnicity": person.pop("ethnicity", "01"),
            "source": person.pop("source", "99"),
            "is_frontline": person.pop("frontline", False),
            "is_women_worker": person.pop("worker", False),
            "mobile": person.pop("mobile", ""),
        }
        existing = getattr(people, key, None)
        someone = existing or members.create_person(data=person_data, actor=None)
        setattr(people, key, someone)
        members.appoint(
            person=someone,
            unit=unit,
            role=role,
            start_date=start,
            end_date=end,
            mode=mode,
            method=method,
            two_committees=tc,
            actor=None,
        )
        return someone

    t = tree
    # 道里区 itself (附表2, 附表3).
    hire("C1", t.district_a, "chair", start=OLD, born=d(1968, 1), mode="full_time", worker=True, political="01")
    hire("VC1", t.district_a, "vice_chair", start=OLD, born=d(1983, 5), political="04", ethnicity="03", frontline=True)
    hire("VC2", t.district_a, "vice_chair", start=OLD, born=d(1975, 3), mode="full_time", worker=True, political="01")
    hire("VC3", t.district_a, "vice_chair", start=OLD, born=d(1985, 1), mode="seconded", frontline=True)
    hire("ST1", t.district_a, "standing", start=OLD, born=d(1990, 7), political="02", mobile="13812341234")
    hire("EX1", t.district_a, "executive", start=OLD, born=d(1950, 1), mode="volunteer", frontline=True)
    hire("EX1", t.district_a, "delegate", start=OLD)
    hire("EX2", t.district_a, "executive", start=OLD, born=d(1982, 12), worker=True, political="01", ethnicity="02")
    hire("DL2", t.district_a, "delegate", start=OLD, born=d(1988, 2), worker=True, political="01", frontline=True)
    hire("DL3", t.district_a, "delegate", start=OLD, born=d(1960, 1), ethnicity="05")
    hire("GONE", t.district_a, "executive", start=OLD, end=datetime.date(2016, 5, 1))
    Congress.objects.create(
        unit=t.district_a,
        number=10,
        held_on=datetime.date(2012, 6, 15),
        expires_on=datetime.date(2017, 6, 15),
        next_planned_on=datetime.date(2017, 6, 1),
    )
    # 兆麟社区 (block 2).
    hire(
        "A",
        t.community_a,
        "chair",
        start=OLD,
        born=d(1970, 3),
        mode="full_time",
        political="01",
        source="05",
        tc="both",
    )
    hire("V1", t.community_a, "executive", start=OLD, end=NEW, born=d(1985, 9), political="03", education="31")
    hire("V1", t.community_a, "vice_chair")
    hire(
        "V2",
        t.community_a,
        "vice_chair",
        born=d(1960, 1),
        method="self",
        political="04",
        education="41",
        ethnicity="02",
        source="01",
    )
    for i in range(1, 11):
        hire(f"E{i}", t.community_a, "executive", born=d(1980, 6), mode="volunteer", method="masses", education="71")
    hire("E11", t.community_a, "executive", born=d(1990, 2), political="02", education="14", source="03", tc="branch")
    hire(
        "E12",
        t.community_a,
        "executive",
        born=d(1975, 12),
        mode="seconded",
        method="direct",
        political="12",
        education="61",
        tc="committee",
    )
    hire("E_old", t.community_a, "executive", start=OLD, end=datetime.date(2016, 7, 15))
    # 兆麟街道 (block 1): A also sits on the street's committee.
    hire("S", t.street_a, "chair", start=OLD, born=d(1972, 4), mode="full_time", political="01")
    hire("X", t.street_a, "executive", born=d(1992, 3), method="self", political="03", source="09")
    hire("A", t.street_a, "executive")
    # 经纬社区 (block 3).
    hire("D", t.community_a2, "director", born=d(1966, 5), political="01", source="01")
    for i in (1, 2):
        hire(f"DD{i}", t.community_a2, "deputy_director", start=OLD, born=d(1982, 1), mode="volunteer", education="31")
    for i in (1, 2, 3, 4):
        hire(
            f"M{i}",
            t.community_a2,
            "member",
            born=d(1988, 8),
            method="self",
            political="03",
            education="81",
            source="02",
            tc="both" if i == 1 else "",
        )
    # 新农村 (block 3).
    hire("N1", t.village_a, "director", start=OLD, born=d(1958, 2), education="71")
    hire(
        "N2",
        t.village_a,
        "deputy_director",
        born=d(1979, 11),
        mode="volunteer",
        method="masses",
        political="01",
        education="41",
    )
    hire("N3", t.village_a, "member", start=OLD, born=d(1986, 6), education="71", ethnicity="02")
    # 南岗区.
    hire("NC", t.district_b, "chair", start=OLD, born=d(1970, 1), mode="full_time", worker=True, political="01")
    Congress.objects.create(
        unit=t.district_b,
        number=9,
        held_on=datetime.date(2011, 5, 10),
        expires_on=datetime.date(2016, 5, 10),
        next_planned_on=datetime.date(2016, 10, 1),
    )
    hire("HC", t.street_b, "chair", start=OLD, born=d(1968, 10), mode="full_time", political="01", education="14")
    hire("HCC", t.community_b, "chair", start=OLD, born=d(1983, 3))
    hire("HGONE", t.community_b, "executive", start=OLD, end=datetime.date(2016, 3, 1))
    t.people = people
    return t


def row(snapshot, key, panel=0):
    return next(r for r in snapshot["panels"][panel]["rows"] if r["key"] == key)


def by_number(snapshot, key, panel=0):
    """{column number: value} of one row."""
    numbers = snapshot["panels"][panel]["column_numbers"]
    return dict(zip(numbers, row(snapshot, key, panel)["cells"], strict=True))


def numeric(snapshot, key, panel=0):
    """The numbered columns' values of a row, in order (column 1, 2, …)."""
    values = by_number(snapshot, key, panel)
    return [values[n] for n in snapshot["panels"][panel]["column_numbers"] if n.isdigit()]


def assert_checks_hold(snapshot):
    failed = tables.failed_checks(snapshot)
    assert failed == [], failed


# --- 附表4 ----------------------------------------------------------------------------------


def test_form4_counts_every_block_column_for_each_district_and_the_total(report_city):
    """Panel 4-1: 个数, 已完成扩员, 扩员前, 扩员后合计, 主席, 副主席, 执委, 新增 for the three blocks."""
    t = report_city
    snap = tables.compute(4, unit=t.city, as_of=CUTOFF_2016)
    assert [r["label"] for r in snap["rows"]] == ["合计", "道里区", "南岗区"]
    assert numeric(snap, f"u{t.district_a.pk}") == [
        *(2, 0, 1, 3, 1, 0, 2, 2),  # 兆麟街道 + 新农镇
        *(1, 1, 3, 15, 1, 2, 12, 13),  # 兆麟社区 达标
        *(2, 1, 4, 10, 2, 3, 5, 6),  # 经纬社区 达标, 新农村 not
    ]
    assert numeric(snap, f"u{t.district_b.pk}") == [*(1, 0, 1, 1, 1, 0, 0, 0), *(1, 0, 1, 1, 1, 0, 0, 0), *([0] * 8)]
    assert numeric(snap, "total") == [
        *(3, 0, 2, 4, 2, 0, 2, 2),
        *(2, 1, 4, 16, 2, 2, 12, 13),
        *(2, 1, 4, 10, 2, 3, 5, 6),
    ]
    assert_checks_hold(snap)


def test_form4_continuation_counts_new_members_by_mode_method_and_part_time_source(report_city):
    """附表4（续）: 21 new members in 道里区; sources only for the nine 兼职 ones."""
    t = report_city
    snap = tables.compute(4, unit=t.city, as_of=CUTOFF_2016)
    assert snap["panels"][1]["label"] == "附表4（续）"
    expected = [
        21,
        *(0, 9, 1, 11),  # 专职 兼职 挂职 志愿者
        *(6, 11, 3, 1),  # 个人自荐 群众举荐 单位推荐 直接选拔
        *(2, 4, 1, 0, 1, 0, 0, 0, 1, 0),  # sources 01–09, 其他
    ]
    assert numeric(snap, f"u{t.district_a.pk}", panel=1) == expected
    assert numeric(snap, "total", panel=1) == expected
    assert numeric(snap, f"u{t.district_b.pk}", panel=1) == [0] * 19


def test_form4_for_a_district_has_one_row_per_street_including_its_subtree(report_city):
    t = report_city
    snap = tables.compute(4, unit=t.district_a)
    assert [r["label"] for r in snap["rows"]] == ["合计", "兆麟街道", "新农镇"]
    assert numeric(snap, f"u{t.street_a.pk}") == [
        *(1, 0, 1, 3, 1, 0, 2, 2),
        *(1, 1, 3, 15, 1, 2, 12, 13),
        *(1, 1, 2, 7, 1, 2, 4, 5),
    ]
    assert numeric(snap, f"u{t.township_a.pk}") == [*(1, 0, 0, 0, 0, 0, 0, 0), *([0] * 8), *(1, 0, 2, 3, 1, 1, 1, 1)]


def test_form4_on_the_baseline_date_counts_nobody_new(report_city):
    snap = tables.compute(4, unit=report_city.city, as_of=BASELINE_2016)
    total = by_number(snap, "total")
    assert total["4"] == 2 and total["8"] == 0  # S and HC held street posts on 2016-06-02
    assert total["12"] == 4  # A, V1 (then 执委), E_old in 兆麟社区; HCC in 花园社区


# --- 附表5 ----------------------------------------------------------------------------------

FORM5_EXPECTED = {
    # 总人数, ages ≤35 36–45 46–55 ≥56, 平均年龄, education ×5, political ×3, 少数民族, mode ×4, 两委 ×3
    "total": [30, 11, 13, 4, 2, 36.9, 2, 6, 3, 3, 16, 7, 1, 22, 2, 3, 13, 1, 13, 3, 3, 2],
    "b1": [4, 1, 1, 2, 0, 40.3, 1, 3, 0, 0, 0, 3, 0, 1, 0, 2, 2, 0, 0, 0, 0, 0],
    "b1r1": [2, 0, 1, 1, 0, 45.5, 1, 1, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0],
    "b1r2": [0, 0, 0, 0, 0, "—", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    "b1r3": [2, 1, 0, 1, 0, 35.0, 0, 2, 0, 0, 0, 1, 0, 1, 0, 0, 2, 0, 0, 0, 0, 0],
    "b2": [16, 3, 11, 1, 1, 36.9, 1, 2, 1, 2, 10, 2, 1, 13, 1, 1, 4, 1, 10, 2, 2, 1],
    "b2r1": [2, 1, 0, 1, 0, 39.5, 0, 2, 0, 0, 0, 1, 0, 1, 0, 1, 1, 0, 0, 1, 1, 1],
    "b2r2": [2, 1, 0, 0, 1, 43.0, 0, 0, 1, 1, 0, 0, 1, 1, 1, 0, 2, 0, 0, 0, 0, 0],
    "b2r3": [12, 1, 11, 0, 0, 35.5, 1, 0, 0, 1, 10, 1, 0, 11, 0, 0, 1, 1, 10, 1, 1, 0],
    "b3": [10, 7, 1, 1, 1, 35.4, 0, 1, 2, 1, 6, 2, 0, 8, 1, 0, 7, 0, 3, 1, 1, 1],
    "b3r1": [2, 0, 0, 1, 1, 54.0, 0, 1, 0, 0, 1, 1, 0, 1, 0, 0, 2, 0, 0, 0, 0, 0],
    "b3r2": [3, 2, 1, 0, 0, 34.7, 0, 0, 2, 1, 0, 1, 0, 2, 0, 0, 0, 0, 3, 0, 0, 0],
    "b3r3": [5, 5, 0, 0, 0, 28.4, 0, 0, 0, 0, 5, 0, 0, 5, 1, 0, 5, 0, 0, 1, 1, 1],
}


@pytest.mark.parametrize("key", list(FORM5_EXPECTED))
def test_form5_row_matches_the_hand_count(report_city, key):
    """Every column of every 附表5 row; 平均年龄 to one decimal, rounded half up."""
    snap = tables.compute(5, unit=report_city.city, as_of=CUTOFF_2016)
    assert numeric(snap, key) == FORM5_EXPECTED[key]


def test_form5_rows_are_in_the_official_order_and_checks_hold(report_city):
    snap = tables.compute(5, unit=report_city.city)
    labels = [r["label"].strip("\u3000") for r in snap["rows"]]
    assert labels == [
        "总计",
        "一、乡镇（街道）妇联小计",
        "主席",
        "副主席",
        "执委",
        "二、村（社区）妇联小计",
        "主席",
        "副主席",
        "执委",
        "三、村（社区）妇代会小计",
        "主任",
        "副主任",
        "委员",
    ]
    assert_checks_hold(snap)
    cross = [c for c in snap["checks"] if c["message"].startswith("表间核对")]
    assert len(cross) == 3 and all(c["ok"] for c in cross)


# --- 附表2 ----------------------------------------------------------------------------------


def test_form2_counts_congress_delegates_committees_and_chairs_per_district(report_city):
    t = report_city
    snap = tables.compute(2, unit=t.city)
    assert [r["label"] for r in snap["rows"]] == ["合计", "道里区", "南岗区"]
    assert numeric(snap, f"u{t.district_a.pk}") == [
        *("第10届", "2012年6月15日", "2017年6月15日", "是", "2017年6月1日"),
        *(3, 1, 2, 2, 1, 1, 1),  # 代表: EX1, DL2, DL3
        *(7, 3, 4, 3, 4, 2, 4),  # 执委: C1 VC1 VC2 VC3 ST1 EX1 EX2
        *(5, 3, 3, 1),  # 常委: C1 VC1 VC2 VC3 ST1
        *(1, 3, 1, 1, 1),
    ]
    assert numeric(snap, f"u{t.district_b.pk}") == [
        *("第9届", "2011年5月10日", "2016年5月10日", "否", "2016年10月1日"),
        *(0, 0, 0, 0, 0, 0, 0),
        *(1, 1, 0, 0, 1, 0, 0),
        *(1, 0, 1, 0),
        *(1, 0, 0, 0, 0),
    ]
    assert numeric(snap, "total") == [
        *("—", "—", "—", 1, "—"),
        *(3, 1, 2, 2, 1, 1, 1),
        *(8, 4, 4, 3, 5, 2, 4),
        *(6, 3, 4, 1),
        *(2, 3, 1, 1, 1),
    ]
    assert_checks_hold(snap)


def test_form2_check_flags_a_volunteer_vice_chair_naming_the_cell(report_city):
    """25 = 26 + 27 + 28 fails when a vice-chair is a volunteer; the warning names row and column."""
    t = report_city
    members.appoint(
        person=t.people.DL3, unit=t.district_a, role="vice_chair", start_date=OLD, mode="volunteer", actor=None
    )
    snap = tables.compute(2, unit=t.city)
    failed = tables.failed_checks(snap)
    assert [c["cell"] for c in failed] == ["main/total/25", f"main/u{t.district_a.pk}/25"]
    assert "道里区" in failed[1]["message"] and "第25栏" in failed[1]["message"]


# --- 附表3 and 附表1 --------------------------------------------------------------------------


def test_form3_lists_the_district_committee_in_three_sections_each_person_once(report_city):
    t = report_city
    snap = tables.compute(3, unit=t.city)
    assert [p["subtitle"] for p in snap["panels"]] == ["道里区", "南岗区"]
    rows = snap["panels"][0]["rows"]
    sections = {}
    current = None
    for r in rows:
        if r["kind"] == "section":
            current = r["label"]
            sections[current] = []
        else:
            sections[current].append(r["label"])
    assert sections == {"一、兼职副主席": ["VC1"], "二、常委": ["C1", "VC2", "VC3", "ST1"], "三、执委": ["EX1", "EX2"]}
    st1 = next(r for r in rows if r["label"] == "ST1")
    assert st1["cells"][:6] == [5, "ST1", "女", "汉族", "1990.07", "中共预备党员"]
    assert st1["cells"][12] == "13812341234"
    assert [r["label"] for r in snap["panels"][1]["rows"] if r["kind"] == "person"] == ["NC"]


def test_form3_masks_phones_for_a_user_who_may_not_see_personal_data(report_city, viewer_a, staff_a):
    t = report_city
    masked = tables.compute(3, unit=t.district_a, user=viewer_a)
    full = tables.compute(3, unit=t.district_a, user=staff_a)
    phone = lambda snap: next(r for r in snap["rows"] if r["label"] == "ST1")["cells"][12]  # noqa: E731
    assert masked["masked"] and phone(masked) == "138****1234"
    assert not full["masked"] and phone(full) == "13812341234"


def test_form1_lists_each_district_contact_and_flags_empty_ones(report_city):
    t = report_city
    update_contacts(
        unit=t.district_a,
        contacts={
            Contact.Role.LEADER: {"name": "王红", "title": "副主席", "mobile": "13900001111"},
            Contact.Role.CONTACT: {
                "name": "李梅",
                "title": "组织部长",
                "office_phone": "0451-1234567",
                "email_qq": "=1@qq",
            },
        },
        actor=None,
    )
    snap = tables.compute(1, unit=t.city)
    assert by_number(snap, f"u{t.district_a.pk}") == {
        "甲": 1,
        "乙": "道里区",
        "丙": "王红",
        "丁": "副主席",
        "戊": "13900001111",
        "己": "李梅",
        "庚": "组织部长",
        "辛": "0451-1234567",
        "壬": "",
        "癸": "=1@qq",
        "子": "",
    }
    failed = [c["cell"] for c in tables.failed_checks(snap)]
    assert failed == [f"main/u{t.district_b.pk}/丙", f"main/u{t.district_b.pk}/己"]


# --- drill-down -----------------------------------------------------------------------------


def test_drilldown_lists_exactly_the_people_counted_in_a_cell(report_city):
    t = report_city
    _row, _col, facts = tables.cell_people(4, unit=t.city, row=f"u{t.district_a.pk}", col="b1_new")
    assert sorted(f["name"] for f in facts) == ["A", "X"]
    _row, _col, facts = tables.cell_people(4, unit=t.city, row="total", col="b2_before")
    assert sorted(f["name"] for f in facts) == ["A", "E_old", "HCC", "V1"]
    _row, _col, facts = tables.cell_people(5, unit=t.city, row="b3r2", col="age_35")
    assert sorted(f["name"] for f in facts) == ["DD1", "DD2"]
    _row, _col, facts = tables.cell_people(2, unit=t.city, row=f"u{t.district_a.pk}", col="del_others")
    assert sorted(f["name"] for f in facts) == ["DL3", "EX1"]


def test_every_drillable_cell_lists_as_many_people_as_it_counts(report_city):
    t = report_city
    for form_no in (2, 4, 5):
        snap = tables.compute(form_no, unit=t.city)
        for panel in snap["panels"]:
            for r in panel["rows"]:
                for column, value in zip(panel["columns"], r["cells"], strict=True):
                    if column["drill"] and r["drill"]:
                        _rl, _cl, facts = tables.cell_people(form_no, unit=t.city, row=r["key"], col=column["key"])
                        assert len(facts) == value, (form_no, r["key"], column["key"])


def test_drilldown_rejects_rows_outside_the_table(report_city):
    t = report_city
    with pytest.raises(tables.CellNotFound):
        tables.cell_people(4, unit=t.district_b, row=f"u{t.street_a.pk}", col="b1_after")
    with pytest.raises(tables.CellNotFound):
        tables.cell_people(4, unit=t.city, row="total", col="nonsense")


# --- the two shapes of the facts on PostgreSQL ------------------------------------------------


@pytest.mark.parametrize("form_no", [3, 4, 5])
def test_every_table_is_the_same_whether_the_scope_reads_whole_tables_or_looks_rows_up(
    report_city, monkeypatch, form_no
):
    """PostgreSQL picks, per statement, between scanning the tables and looking a small scope's rows
    up (facts.whole_tables_sql); both give every cell the same. On SQLite there is one shape."""
    from reports import facts

    t = report_city
    shapes = {}
    for whole in (True, False):
        monkeypatch.setattr(facts, "whole_tables_sql", lambda whole=whole: "(1 = 1)" if whole else "(1 = 0)")
        shapes[whole] = tables.cell_values(tables.compute(form_no, unit=t.city, as_of=CUTOFF_2016))
    assert shapes[True] == shapes[False]
    assert any(v not in (0, "", None, "—") for v in shapes[True].values())


def test_form4_continuation_reads_mode_and_method_from_the_best_posts_key(tree):
    """附表4（续） takes each new member's mode and method from her best post's key (reports.facts.RANK_SPAN)
    and only her source from her record: every code lands in its own column."""
    start = datetime.date(2016, 7, 1)
    for name, role, mode, method, source in (
        ("挂职成员", "vice_chair", "seconded", "direct", "03"),
        ("兼职成员", "executive", "part_time", "masses", "05"),
    ):
        person = members.create_person(
            data={"name": name, "birth_date": datetime.date(1980, 1, 1), "source": source}, actor=None
        )
        members.appoint(
            person=person, unit=tree.community_a, role=role, mode=mode, method=method, start_date=start, actor=None
        )
    snap = tables.compute(4, unit=tree.street_a, as_of=CUTOFF_2016)
    panel = snap["panels"][1]
    row = next(r for r in panel["rows"] if r["key"] == "total")
    cells = dict(zip([c["key"] for c in panel["columns"]], row["cells"], strict=False))
    assert cells["new_total"] == 2
    assert [cells[f"new_mode_{m}"] for m in ("full_time", "part_time", "seconded", "volunteer")] == [0, 1, 1, 0]
    assert [cells[f"new_method_{m}"] for m in ("self", "masses", "unit", "direct")] == [0, 1, 0, 1]
    assert cells["new_source_05"] == 1 and cells["new_source_03"] == 0  # sources count 兼职 members only
