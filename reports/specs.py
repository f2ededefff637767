"""The declarative specification of 附表1–5 (docs/forms.md, to the cell).

Each table is a header tree (groups, merged cells, column numbers), a row source (computed in
reports/tables.py) and, for every numeric leaf column, a measure: a SQL condition over the
facts of reports/facts.py. The HTML page, the Excel file, the JSON API and the drill-down lists
all come from these definitions.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from members import codes, rules
from members.models import Post
from orgtree.models import Unit

from .facts import DELEGATE_RANK, Fact, age_sql, education_band_sql, political_band_sql
from .snapshot import Column, HeaderCell

FORM_TITLES = {
    1: "扩大基层妇联组织成员工作联系人信息表",
    2: "区、县（市）妇联换届、执常委及代表情况统计表",
    3: "区、县（市）妇联兼职副主席和执常委人员登记表",
    4: "扩大基层妇联组织成员情况统计表",
    5: "扩大基层妇联组织成员后基层妇联干部基本情况统计表",
}
# Statistics tables carry 单位：个、人 and put the 合计 row first.
STATISTICS_FORMS = {2, 4, 5}
UNIT_NOTE = "单位：个、人"

# The ten heavenly stems, then the earthly branches for registers with more text columns (附表3 has 14).
TEXT_NUMBERS = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥"

NOTES = {
    1: "填表说明：每个区、县（市）填写一行；分管领导、具体联系人均须填写，手机、办公电话至少填一项。",
    2: "填表说明：按截止时间在任的人员统计，每人在本单位只按最高职务计一次；执委总数含主席、副主席、常委、执委，"
    "常委总数含主席、副主席、常委；中共党员含预备党员；合计行第4栏为“是”的个数。",
    3: "填表说明：按截止时间在任的本级妇联执委填写，每人只填一次，按最高职务分入兼职副主席、常委、执委三部分；"
    "出生年月写作1975.03。",
    4: "填表说明：扩员前按方案印发日、扩员后按截止时间在任人数统计，每人在一个组织只按最高职务计一次；"
    "新增为截止时间在任而方案印发日未在该组织任职的人员；兼职成员来源只统计任职方式为兼职的新增成员。",
    5: "填表说明：按截止时间在任人员的最高职务分行统计；年龄按截止时间计算周岁，平均年龄保留一位小数；"
    "中共党员含预备党员，民主党派含八个民主党派，其余计入群众。",
}

# A province's 附表1–2 have a row per city (docs/forms.md "A province's tables").
PROVINCE_NOTES = {
    1: "填表说明：每个市（地）填写一行；分管领导、具体联系人均须填写，手机、办公电话至少填一项。",
    2: NOTES[2].replace(
        "合计行第4栏为“是”的个数", "各市（地）行汇总其区、县（市），第4栏和合计行第4栏为按期换届的区、县（市）个数"
    ),
}


@dataclass
class Node:
    """A header cell. Leaves are columns; `numbered` leaves get 1, 2, 3 …, the others 甲, 乙, 丙 …"""

    label: str
    children: list[Node] = field(default_factory=list)
    key: str = ""
    numbered: bool = True
    numeric: bool = True
    width: float = 7
    cond: str = ""  # the measure: a SQL condition over facts (numeric leaves that count people)


def text(label: str, key: str, width: float = 12, numbered: bool = False) -> Node:
    return Node(label, key=key, numbered=numbered, numeric=False, width=width)


def num(label: str, key: str, cond: str = "", width: float = 7) -> Node:
    return Node(label, key=key, cond=cond, width=width)


def group(label: str, *children: Node) -> Node:
    return Node(label, children=list(children))


def leaves(nodes: Iterable[Node]) -> Iterator[Node]:
    for node in nodes:
        if node.children:
            yield from leaves(node.children)
        else:
            yield node


def column_path(nodes: Iterable[Node], key: str) -> list[str]:
    """The header labels from the top down to the leaf `key`, e.g. ["乡镇（街道）妇联", "成员数", "扩员后合计"]."""
    for node in nodes:
        if node.children:
            below = column_path(node.children, key)
            if below:
                return [node.label, *below]
        elif node.key == key:
            return [node.label]
    return []


def depth(nodes: Iterable[Node]) -> int:
    return max((1 + depth(n.children) if n.children else 1) for n in nodes)


def build_header(nodes: Sequence[Node]) -> tuple[list[list[HeaderCell]], list[Column]]:
    """Header rows of {"text", "row", "col", "rowspan", "colspan"} (0-based positions) and the leaf columns."""
    total_depth = depth(nodes)
    rows: list[list[HeaderCell]] = [[] for _ in range(total_depth)]

    def place(node: Node, row: int, col: int) -> int:
        if node.children:
            width = 0
            for child in node.children:
                width += place(child, row + 1, col + width)
            rows[row].append({"text": node.label, "row": row, "col": col, "rowspan": 1, "colspan": width})
            return width
        rows[row].append({"text": node.label, "row": row, "col": col, "rowspan": total_depth - row, "colspan": 1})
        return 1

    col = 0
    for node in nodes:
        col += place(node, 0, col)
    for row in rows:
        row.sort(key=lambda cell: cell["col"])
    columns: list[Column] = []
    numbered, texts = 0, 0
    for leaf in leaves(nodes):
        if leaf.numbered:
            numbered += 1
            number = str(numbered)
        else:
            number = TEXT_NUMBERS[texts]
            texts += 1
        columns.append(
            {"key": leaf.key, "number": number, "numeric": leaf.numeric, "width": leaf.width, "drill": bool(leaf.cond)}
        )
    return rows, columns


def conditions(nodes: Iterable[Node]) -> dict[str, str]:
    """{column key: SQL condition} for every measured leaf."""
    return {leaf.key: leaf.cond for leaf in leaves(nodes) if leaf.cond}


# --- shared conditions over facts -------------------------------------------------------

LEADERSHIP = f"f.rnk < {DELEGATE_RANK}"
AGE = age_sql()
PARTY = political_band_sql("party")
MINORITY = f"f.ethnicity <> '{codes.HAN}'"
R = Post.Role
M = Post.Mode


def role_in(*roles: str) -> str:
    return "f.role IN (" + ", ".join(f"'{r}'" for r in roles) + ")"


def mode_is(mode: str) -> str:
    return f"f.mode = '{mode}'"


# --- 附表1 --------------------------------------------------------------------------------

FORM1_HEADER = [
    text("序号", "seq", width=5),
    text("单位", "unit", width=14),
    group(
        "分管领导", text("姓名", "leader_name", 9), text("职务", "leader_title", 14), text("手机", "leader_mobile", 13)
    ),
    group(
        "具体联系人",
        text("姓名", "contact_name", 9),
        text("职务", "contact_title", 14),
        text("办公电话", "contact_office", 13),
        text("手机", "contact_mobile", 13),
        text("电子邮箱/QQ", "contact_email", 18),
    ),
    text("备注", "note", 10),
]

# --- 附表2 --------------------------------------------------------------------------------

EXECUTIVES = role_in(R.CHAIR, R.VICE_CHAIR, R.STANDING, R.EXECUTIVE)
STANDING = role_in(R.CHAIR, R.VICE_CHAIR, R.STANDING)
DELEGATES = f"f.rnk = {DELEGATE_RANK}"


def _six_breakdowns(prefix: str, base: str) -> list[Node]:
    return [
        num("专职妇女工作者", f"{prefix}_worker", f"{base} AND f.is_women_worker"),
        num("各族各界优秀代表", f"{prefix}_others", f"{base} AND NOT f.is_women_worker"),
        num("基层一线", f"{prefix}_frontline", f"{base} AND f.is_frontline"),
        num("中共党员", f"{prefix}_party", f"{base} AND {PARTY}"),
        num("少数民族", f"{prefix}_minority", f"{base} AND {MINORITY}"),
        num("35岁及以下", f"{prefix}_young", f"{base} AND {AGE} <= 35"),
    ]


FORM2_HEADER = [
    text("单位", "unit", width=12),
    group(
        "换届情况",
        text("现任届次", "term_no", 7, numbered=True),
        text("本届妇代会召开时间", "held_on", 11, numbered=True),
        text("届满时间", "expires_on", 11, numbered=True),
        text("是否按期换届", "on_schedule", 6, numbered=True),
        text("计划换届时间", "next_planned_on", 11, numbered=True),
    ),
    group("妇女代表大会代表", num("总数", "del_total", DELEGATES), group("其中", *_six_breakdowns("del", DELEGATES))),
    group("执行委员会委员", num("总数", "exe_total", EXECUTIVES), group("其中", *_six_breakdowns("exe", EXECUTIVES))),
    group(
        "常务委员会委员",
        num("总数", "std_total", STANDING),
        group(
            "其中",
            num("各族各界优秀代表", "std_others", f"{STANDING} AND NOT f.is_women_worker"),
            num("中共党员", "std_party", f"{STANDING} AND {PARTY}"),
            num("少数民族", "std_minority", f"{STANDING} AND {MINORITY}"),
        ),
    ),
    group(
        "主席、副主席",
        num("主席", "chair", role_in(R.CHAIR)),
        group(
            "副主席",
            num("合计", "vice_total", role_in(R.VICE_CHAIR)),
            num("专职", "vice_full", f"{role_in(R.VICE_CHAIR)} AND {mode_is(M.FULL_TIME)}"),
            num("兼职", "vice_part", f"{role_in(R.VICE_CHAIR)} AND {mode_is(M.PART_TIME)}"),
            num("挂职", "vice_seconded", f"{role_in(R.VICE_CHAIR)} AND {mode_is(M.SECONDED)}"),
        ),
    ),
    text("备注", "note", 8),
]
FORM2_TEXT_COLUMNS = ["term_no", "held_on", "expires_on", "on_schedule", "next_planned_on"]

# --- 附表3 --------------------------------------------------------------------------------

FORM3_HEADER = [
    text("序号", "seq", 5),
    text("姓名", "name", 8),
    group(
        "基本情况",
        text("性别", "gender", 5),
        text("民族", "ethnicity", 7),
        text("出生年月", "birth", 8),
        text("政治面貌", "political", 10),
        text("文化程度", "education", 10),
    ),
    text("工作单位及职务", "workplace", 22),
    group(
        "妇联任职情况",
        text("妇联职务", "role", 8),
        text("任职方式", "mode", 7),
        text("来源类别", "source", 12),
        text("任职时间", "start", 10),
    ),
    text("联系电话", "phone", 13),
    text("备注", "note", 8),
]
# docs/forms.md 附表3 sections, by the person's highest post at the district.
FORM3_SECTIONS = [("part_time_vice", "一、兼职副主席"), ("standing", "二、常委"), ("executive", "三、执委")]


def form3_section(fact: Fact) -> str:
    """一 part-time vice-chairs; 二 the chair, the other vice-chairs and 常委; 三 执委."""
    if fact["role"] == R.VICE_CHAIR and fact["mode"] == M.PART_TIME:
        return "part_time_vice"
    if fact["role"] in (R.CHAIR, R.VICE_CHAIR, R.STANDING):
        return "standing"
    return "executive"


# --- 附表4 --------------------------------------------------------------------------------

# (number, name, role labels for 主席/副主席/执委, quota (min, max) total, 1 chair, >= 2 vices);
# the quota figures are members.rules' (one definition of 达标 for rosters and reports).
BLOCKS = [
    (number, q.label, (q.head_label, q.vice_label, q.member_label), (q.total_min, q.total_max))
    for number, q in enumerate(rules.QUOTAS, start=1)
]
BLOCK_NAMES = {number: name for number, name, _roles, _quota in BLOCKS}
QUOTAS = {number: quota for number, _name, _roles, quota in BLOCKS}
CHAIR, VICE, MEMBER = f"f.rnk = {Post.RANK[R.CHAIR]}", f"f.rnk = {Post.RANK[R.VICE_CHAIR]}", "f.rnk IN (3, 4)"

# Per-unit measures of panel 4-1 (the block is the unit's; see tables.form4).
FORM4_UNIT_MEASURES = {
    "after": LEADERSHIP,
    "chair": CHAIR,
    "vice": VICE,
    "member": MEMBER,
    "new": f"{LEADERSHIP} AND f.is_new = 1",
}
NEW = f"{LEADERSHIP} AND f.is_new = 1 AND f.block > 0"
PART_TIME_NEW = f"{NEW} AND {mode_is(M.PART_TIME)}"


def block_cond(number: int) -> str:
    return f"f.block = {number}"


def _form4_block(number: int, name: str, roles: tuple[str, str, str], _quota: tuple[int, int]) -> Node:
    b = f"b{number}"
    in_block = f"{LEADERSHIP} AND {block_cond(number)}"
    return group(
        name,
        num("个数", f"{b}_units"),
        num("已完成扩员个数", f"{b}_done"),
        group(
            "成员数",
            num("扩员前", f"{b}_before", in_block),
            num("扩员后合计", f"{b}_after", in_block),
            num(f"其中：{roles[0]}", f"{b}_chair", f"{in_block} AND {CHAIR}"),
            num(roles[1], f"{b}_vice", f"{in_block} AND {VICE}"),
            num(roles[2], f"{b}_member", f"{in_block} AND {MEMBER}"),
            num("新增", f"{b}_new", f"{in_block} AND f.is_new = 1"),
        ),
    )


FORM4_HEADER = [text("单位", "unit", 14)] + [_form4_block(*block) for block in BLOCKS]

SOURCE_LABELS = dict(codes.SOURCE)
FORM4_CONT_HEADER = [
    text("单位", "unit", 14),
    num("新增成员总数", "new_total", NEW, width=8),
    group("选聘方式", *[num(label, f"new_mode_{m}", f"{NEW} AND {mode_is(m)}") for m, label in M.choices]),
    group(
        "产生方式",
        *[num(label, f"new_method_{m}", f"{NEW} AND f.method = '{m}'") for m, label in Post.Method.choices],
    ),
    group(
        "兼职成员来源",
        *[
            num(label, f"new_source_{code}", f"{PART_TIME_NEW} AND f.source = '{code}'", width=9)
            for code, label in codes.SOURCE
        ],
    ),
]

# 新领域妇联 (docs/forms.md "New-field federations"): never in the three blocks above; counted apart in a
# panel of their own, 附表4（新领域妇联）, shown when the subtree has any. Rows as in 4-1.
NEW_FIELD_TITLE = "新领域妇联组织成员情况统计表"
NEW_FIELD_KIND_COLUMNS = [
    (Unit.Kind.NF_ORGAN.value, "机关、系统"),
    (Unit.Kind.NF_ENTERPRISE.value, "企业"),
    (Unit.Kind.NF_SOCIETY.value, "社会组织、商会、协会"),
    (Unit.Kind.NF_PARK.value, "园区、商圈、楼宇、众创空间"),
    (Unit.Kind.OTHER.value, "其他"),
]
# The pseudo-block of new-field facts in 附表5's grouping (blocks 1–3 are the grassroots ones).
NEW_FIELD_BLOCK = 4
# A fact of a new-field 妇联: its unit is in no tier (facts._tier_case is NULL for exactly the kinds
# facts.new_field_sql names), so in no block either. The drill-down of both new-field panels filters on it.
NEW_FIELD = "f.tier IS NULL"


def _new_field_people(label: str, key: str) -> Node:
    """A 成员数 column of 附表4（新领域妇联）: 4-1's per-unit measure `key`, over the new-field facts."""
    return num(label, f"nf_{key}", f"{FORM4_UNIT_MEASURES[key]} AND {NEW_FIELD}")


FORM4_NF_HEADER = [
    text("单位", "unit", 14),
    group(
        "新领域妇联个数",
        num("合计", "nf_units"),
        group("其中", *[num(label, f"nf_units_{kind}", width=9) for kind, label in NEW_FIELD_KIND_COLUMNS]),
    ),
    group(
        "成员数",
        # Counted on the baseline, as 4-1's 扩员前 (its measure is the leadership facts of that day).
        num("扩员前", "nf_before", f"{LEADERSHIP} AND {NEW_FIELD}"),
        _new_field_people("扩员后合计", "after"),
        _new_field_people("其中：主席", "chair"),
        _new_field_people("副主席", "vice"),
        _new_field_people("执委", "member"),
        _new_field_people("新增", "new"),
    ),
]
NF_NOTES = "新领域妇联（机关、系统，企业，社会组织、商会、协会，园区、商圈、楼宇、众创空间妇联）不计入附表4、附表5的三类基层组织，在本表单独统计。"


def new_field_notes(form_no: int) -> str:
    """填表说明 of the new-field panel of 附表`form_no`: why it stands apart, then the table's own rules of counting."""
    return "填表说明：" + NF_NOTES + NOTES[form_no].removeprefix("填表说明：")


# --- 附表5 --------------------------------------------------------------------------------

AGE_BANDS = [
    ("age_35", "35岁及以下", f"{AGE} <= 35"),
    ("age_45", "36－45岁", f"{AGE} BETWEEN 36 AND 45"),
    ("age_55", "46－55岁", f"{AGE} BETWEEN 46 AND 55"),
    ("age_56", "56岁及以上", f"{AGE} >= 56"),
]
POLITICAL_BANDS = [("party", "中共党员"), ("democratic", "民主党派"), ("masses", "群众")]
TWO_COMMITTEES = [
    ("tc_branch", "进支委", f"f.two_committees IN ('{Post.TwoCommittees.BRANCH}', '{Post.TwoCommittees.BOTH}')"),
    (
        "tc_committee",
        "进村(居)委",
        f"f.two_committees IN ('{Post.TwoCommittees.COMMITTEE}', '{Post.TwoCommittees.BOTH}')",
    ),
    ("tc_both", "交叉任职", f"f.two_committees = '{Post.TwoCommittees.BOTH}'"),
]
FORM5_HEADER = [
    text("项目", "item", 22),
    num("总人数", "total", "1 = 1"),
    group("年龄", *[num(label, key, cond) for key, label, cond in AGE_BANDS], num("平均年龄", "avg_age", width=7)),
    group("文化程度", *[num(label, f"edu_{key}", education_band_sql(key)) for key, label, _p in codes.EDUCATION_BANDS]),
    group("政治面貌", *[num(label, f"pol_{key}", political_band_sql(key)) for key, label in POLITICAL_BANDS]),
    num("少数民族", "minority", MINORITY),
    group("选聘方式", *[num(label, f"mode_{m}", mode_is(m)) for m, label in M.choices]),
    group("进“两委”", *[num(label, key, cond) for key, label, cond in TWO_COMMITTEES]),
    text("备注", "note", 8),
]
# 附表5 rows below each block's 小计: the highest post (常委 are rare below the district and go with 执委;
# docs/forms.md "Deliberate differences" 3).
FORM5_RANKS = [("r1", CHAIR), ("r2", VICE), ("r3", MEMBER)]
