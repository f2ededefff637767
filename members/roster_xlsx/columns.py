"""The roster workbook's columns: headers and their aliases, code lists, limits.

The one list the template, the export and the import engine all read; it imports no engine.
"""

from dataclasses import dataclass
from typing import Any

from fedorg.uploads import Limits

from .. import codes
from ..models import Person, Post

# A whole city's roster re-imports: the demo city's export (Harbin, 2016-08-31) holds 48,564 posts,
# and the cap leaves a quarter more for a city that grows between elections or a --history export.
MAX_ROWS = 60_000
# Other registers read by the same reader (selection, grassroots) keep their own, smaller caps.
SHEET_MAX_ROWS = 20_000
HEADER_SCAN_ROWS = 20
# Columns read per row: the template's 21, an export's extras, and room for a clerk's own notes.
MAX_COLUMNS = 100
# The width the upload's limits are scaled by (fedorg.uploads.Limits.scaled): an export's 25
# columns and five of a clerk's own. Wider files are read too, within the same total of cells.
BUDGET_COLUMNS = 30
ROSTER_LIMITS = Limits.scaled(rows=HEADER_SCAN_ROWS + MAX_ROWS, columns=BUDGET_COLUMNS)
MAX_FILE_BYTES = ROSTER_LIMITS.max_file_bytes
# The template's example row carries this 备注 so that a file uploaded as-is does not import it.
EXAMPLE_MARKER = "【示例行，导入时自动跳过】"


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    width: int
    aliases: tuple[str, ...] = ()
    required: bool = False


# The canonical columns, in template order (issue 3).
COLUMNS = [
    Column("组织代码", "unit_code", 16, ("单位代码", "组织编码")),
    Column("姓名", "name", 12, ("名字",), required=True),
    Column("性别", "gender", 6),
    Column("民族", "ethnicity", 10),
    Column("出生年月", "birth_date", 10, ("出生日期", "出生年月日", "生日"), required=True),
    Column("身份证号", "id_number", 21, ("身份证号码", "公民身份号码", "身份证")),
    Column("政治面貌", "political_status", 12),
    Column("文化程度", "education", 14, ("学历", "最高学历")),
    Column("工作单位及职务", "workplace_title", 28, ("工作单位", "单位及职务", "工作单位和职务", "现工作单位及职务")),
    Column("手机号码", "mobile", 14, ("手机", "手机号", "联系电话", "电话", "联系方式")),
    Column("来源类别", "source", 22, ("来源", "兼职成员来源", "成员来源")),
    Column("专职妇女工作者", "is_women_worker", 8, ("是否专职妇女工作者",)),
    Column("基层一线", "is_frontline", 8, ("是否基层一线",)),
    Column("妇联职务", "role", 10, ("职务", "妇联任职", "拟任职务"), required=True),
    Column("任职方式", "mode", 10, ("选聘方式",)),
    Column("产生方式", "method", 12),
    Column("任职时间", "start_date", 12, ("任职日期", "任职起始时间", "任职开始时间"), required=True),
    Column("离任时间", "end_date", 12, ("离任日期", "卸任时间", "免职时间")),
    Column("证书编号", "certificate_no", 16, ("任职证书编号", "聘任证书编号")),
    Column("进两委", "two_committees", 12, ("进村(居)两委", "进村居两委", "两委任职", "进\u201c两委\u201d")),
    Column("备注", "note", 20),
]
# An export adds these; the importer reads 人员编号 and 任职编号 and ignores the other two (the code decides).
PERSON_ID = Column("人员编号", "person_id", 10, ("人员ID",))
# The post's stable id: a re-import with it updates that post (任职时间, 妇联职务 and all) instead
# of matching by (person, unit, role, 任职时间) and reading a corrected date as a second post.
POST_ID = Column("任职编号", "post_id", 10, ("任职ID", "任职记录编号"))
EXPORT_EXTRA = [Column("组织名称", "unit_name", 24), Column("组织层级", "unit_tier", 14)]
COLUMN_BY_KEY = {c.key: c for c in [*COLUMNS, PERSON_ID, POST_ID, *EXPORT_EXTRA]}


@dataclass(frozen=True)
class SheetLayout:
    """One kind of sheet the reader (cells.read_sheet) finds in a workbook: its columns (those it reads),
    the sheet tried first, and the message when no row of any sheet reads like its header."""

    columns: tuple[Column, ...]
    sheet_name: str
    missing_header: str
    max_rows: int = SHEET_MAX_ROWS

    @property
    def limits(self) -> Limits:
        """What an upload holding this sheet may contain (fedorg.uploads), scaled by the row cap."""
        return Limits.scaled(rows=HEADER_SCAN_ROWS + self.max_rows, columns=BUDGET_COLUMNS)

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


ROSTER_LAYOUT = SheetLayout(
    columns=(*COLUMNS, PERSON_ID, POST_ID),
    sheet_name="名册",
    missing_header=(
        "找不到表头：前 20 行中没有一行同时包含“姓名”“出生年月”“妇联职务”等列名。"
        "请使用下载的模板，或把表头改成模板中的列名。"
    ),
    max_rows=MAX_ROWS,
)

# The (code, label) list each coded column is written with: the template's drop-downs, the
# export's labels and the import's accepted spellings all come from here.
CODE_LISTS: dict[str, list[tuple[str, Any]]] = {
    "gender": Person.Gender.choices,
    "ethnicity": codes.ETHNICITY,
    "political_status": codes.POLITICAL_STATUS,
    "education": codes.EDUCATION,
    "source": codes.SOURCE,
    "role": Post.Role.choices,
    "mode": Post.Mode.choices,
    "method": Post.Method.choices,
    "two_committees": [c for c in Post.TwoCommittees.choices if c[0]],
}
# Columns whose list is short enough to spell out in an error message.
HINTED_LISTS = {"gender", "political_status", "source", "role", "mode", "method", "two_committees"}


def code_label(key: str, code: object) -> str:
    """The label a coded column shows for `code` (the code itself if the list does not know it)."""
    labels: dict[object, object] = dict(CODE_LISTS[key])
    return str(labels.get(code, code))
