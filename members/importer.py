"""The one Excel roster import engine, shared by the web page and `manage.py import_roster`.

`import_roster(*, unit, file, actor, dry_run=False) -> ImportResult` reads a real user's
.xlsx (title rows above the header, full-width characters, stray spaces, short labels, the
many ways of writing 出生年月), matches every row to a person and a post, validates the whole
file with the shared validators, and only then writes, in one transaction, or nothing at all.

Matching: a person by 人员编号 (from an export), else by 身份证号, else by 姓名 + 出生年月 among
the people who hold or held a post in the row's unit. A post by person + unit + 妇联职务 +
任职时间: the same key updates (or leaves unchanged) that post, anything else is a new post.

A person matched by 身份证号 who holds no post in the importer's subtree may be given a new
post, but her personal details are not changed from here (the file's values are ignored).

Blank cells: a blank 身份证号 or 手机号码 keeps the number already on file (an import never
erases personal data by omission); a blank coded cell (性别, 民族 ...) keeps the stored value
or takes the default for a new person; other blank cells mean "empty" (flags mean 否, a blank
离任时间 means the post is current). A column missing from the file leaves its field alone.
"""

import contextlib
import datetime
import io
import itertools
import re
import unicodedata
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

from fedorg.xlsx import FORMULA_PREFIXES
from orgtree.access import visible_units
from orgtree.models import AuditEvent, Unit

from . import codes, services, validators
from .models import Person, Post, pinyin_initials

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
HEADER_SCAN_ROWS = 20
# The template's example row carries this 备注 so that a file uploaded as-is does not import it.
EXAMPLE_MARKER = "【示例行，导入时自动跳过】"
QUERY_CHUNK = 500


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    width: int
    aliases: tuple = ()
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
# An export adds these; the importer reads 人员编号 and ignores the other two (the code decides).
PERSON_ID = Column("人员编号", "person_id", 10, ("人员ID",))
EXPORT_EXTRA = [Column("组织名称", "unit_name", 24), Column("组织层级", "unit_tier", 14)]
IGNORED_HEADERS = {"序号", "编号", "组织名称", "组织层级", "单位名称"}
COLUMN_BY_KEY = {c.key: c for c in [*COLUMNS, PERSON_ID, *EXPORT_EXTRA]}

# The person fields the roster template carries: the services' list less what it has no column for.
PERSON_FIELDS = [f for f in services.PERSON_FIELDS if f not in ("sector", "note")]
POST_FIELDS = ["mode", "method", "end_date", "certificate_no", "two_committees", "note"]
# Blank cells that keep what is stored (see the module docstring).
KEEP_WHEN_BLANK = {"id_number", "mobile", "gender", "ethnicity", "political_status", "education", "source"}
KEEP_WHEN_BLANK_POST = {"mode", "method"}

TRUE_WORDS = {"是", "√", "✓", "✔", "y", "yes", "true", "1", "有", "对"}
FALSE_WORDS = {"否", "×", "✗", "n", "no", "false", "0", "无", "不是", "-", "—", "/"}
DOTS_RE = re.compile(r"\s*[.\u00b7\u0387\u2022\u2027\u2219\u22c5\u30fb\u16eb\u2e31\uff0e\uff65]\s*")
SPACE_NEXT_TO_WIDE_RE = re.compile(r"\s+(?=[^\x00-\x7f])|(?<=[^\x00-\x7f])\s+")
HEADER_JUNK_RE = re.compile(r"[\s\"'\u201c\u201d\u2018\u2019*:：]")
PARENS_RE = re.compile(r"\(.*?\)")
DATE_RE = re.compile(r"^(\d{4})\s*[.\-/年]\s*(\d{1,2})\s*(?:[.\-/月]\s*(\d{1,2})\s*日?)?\s*月?$")
COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})?$")


class RosterFileError(Exception):
    """The file as a whole cannot be read; the message is for the user."""


@dataclass
class CellError:
    row: int | None
    column: str | None
    message: str

    def __str__(self):
        if self.row is None:
            return f"{self.column}：{self.message}" if self.column else self.message
        return f"第{self.row}行 {self.column}：{self.message}"


@dataclass
class RowOutcome:
    row: int
    action: str  # "add" | "update" | "unchanged"
    name: str
    unit_name: str
    role_label: str
    person_is_new: bool
    changes: dict = field(default_factory=dict)  # column header -> [old, new] as shown to users

    ACTION_LABELS = {"add": "新增", "update": "更新", "unchanged": "未变"}

    @property
    def action_label(self):
        return self.ACTION_LABELS[self.action]


@dataclass
class ImportResult:
    dry_run: bool
    sheet_name: str = ""
    header_row: int | None = None
    column_index: dict = field(default_factory=dict)  # key -> 1-based column number in the file
    rows: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    written: bool = False
    persons_added: int = 0
    persons_updated: int = 0
    persons_unchanged: int = 0
    posts_added: int = 0
    posts_updated: int = 0
    posts_unchanged: int = 0

    @property
    def ok(self):
        return not self.errors

    @property
    def row_count(self):
        return len(self.rows)

    def rows_with(self, action):
        return [r for r in self.rows if r.action == action]

    def summary(self):
        return (
            f"人员：新增 {self.persons_added} 人，更新 {self.persons_updated} 人，未变 {self.persons_unchanged} 人；"
            f"任职：新增 {self.posts_added} 条，更新 {self.posts_updated} 条，未变 {self.posts_unchanged} 条。"
        )

    def error_lines(self):
        return [str(e) for e in self.errors]


# --- normalising text and code lists -----------------------------------------------------------


def normalize_text(value, *, nfkc=True):
    """NFKC (full-width letters, digits and brackets become half-width) and stripped.

    Free text (工作单位及职务, 备注 ...) skips NFKC (nfkc=False): it would rewrite Chinese
    punctuation such as （） and ， and so turn a round trip into an update.
    Our exports escape a text cell that starts with = + - @ with a leading apostrophe
    (fedorg.xlsx.safe_text); reading drops that apostrophe again, so a round trip is exact.
    """
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if nfkc:
        text = unicodedata.normalize("NFKC", text).strip()
    if text[:1] == "'" and text[1:2] in FORMULA_PREFIXES:
        text = text[1:]
    return text


def normalize_name(value):
    """阿依古丽 • 买买提 -> 阿依古丽·买买提; 张　三 -> 张三 (padding spaces in Chinese names go)."""
    text = re.sub(r"\s+", " ", normalize_text(value))
    text = DOTS_RE.sub("\u00b7", text).strip("\u00b7")
    return SPACE_NEXT_TO_WIDE_RE.sub("", text)


def normalize_header(value):
    return HEADER_JUNK_RE.sub("", normalize_text(value))


def _label_key(text):
    return HEADER_JUNK_RE.sub("", normalize_text(text)).lower()


@cache
def header_lookup():
    lookup = {}
    for column in [*COLUMNS, PERSON_ID]:
        for name in (column.header, *column.aliases):
            lookup[normalize_header(name)] = column.key
    return lookup


def _with_codes(pairs, extra=()):
    """{accepted spelling: code} from a code list: each label, each code (01 and 1), and aliases."""
    mapping = {}
    for code, label in pairs:
        mapping[_label_key(label)] = code
        mapping[code.lower()] = code
        if code.isdigit():
            mapping[str(int(code))] = code
    for alias, code in extra:
        mapping[_label_key(alias)] = code
    return mapping


@cache
def code_maps():
    ethnic_short = [(label[:-1], code) for code, label in codes.ETHNICITY if label.endswith("族") and len(label) >= 2]
    return {
        "gender": _with_codes(Person.Gender.choices, [("F", "F"), ("M", "M"), ("女性", "F"), ("男性", "M")]),
        "ethnicity": _with_codes(codes.ETHNICITY, [*ethnic_short, ("外国血统", "98"), ("其它", "97")]),
        "political_status": _with_codes(
            codes.POLITICAL_STATUS,
            [
                ("党员", "01"),
                ("共产党员", "01"),
                ("中国共产党党员", "01"),
                ("预备党员", "02"),
                ("团员", "03"),
                ("共青团员", "03"),
                ("民革", "04"),
                ("民盟", "05"),
                ("民建", "06"),
                ("民进", "07"),
                ("农工党", "08"),
                ("致公党", "09"),
                ("九三学社", "10"),
                ("台盟", "11"),
                ("无党派", "12"),
            ],
        ),
        "education": _with_codes(
            codes.EDUCATION,
            [
                ("博士", "11"),
                ("博士研究生", "11"),
                ("研究生", "14"),
                ("硕士", "14"),
                ("硕士研究生", "14"),
                ("本科", "21"),
                ("大学", "21"),
                ("大学本科", "21"),
                ("大专", "31"),
                ("专科", "31"),
                ("大学专科", "31"),
                ("中专", "41"),
                ("中等专科", "41"),
                ("职高", "44"),
                ("职业高中", "44"),
                ("技校", "47"),
                ("技工学校", "47"),
                ("高中", "61"),
                ("普通高中", "61"),
                ("初中", "71"),
                ("小学", "81"),
                ("其它", "90"),
            ],
        ),
        "source": _with_codes(codes.SOURCE, [("其它", codes.SOURCE_OTHER)]),
        "role": _with_codes(
            Post.Role.choices,
            [("执行委员", Post.Role.EXECUTIVE), ("常务委员", Post.Role.STANDING), ("妇代会主任", Post.Role.DIRECTOR)],
        ),
        "mode": _with_codes(Post.Mode.choices),
        "method": _with_codes(
            Post.Method.choices,
            [("自荐", "self"), ("举荐", "masses"), ("推荐", "unit"), ("选拔", "direct"), ("选举", "direct")],
        ),
        "two_committees": _with_codes(
            [c for c in Post.TwoCommittees.choices if c[0]],
            [
                ("村居委", "committee"),
                ("居委", "committee"),
                ("村委", "committee"),
                ("村(居)委会", "committee"),
                ("居委会", "committee"),
                ("村委会", "committee"),
                ("两委", "both"),
                ("交叉", "both"),
                ("支委和村(居)委", "both"),
                ("支委、村(居)委", "both"),
                ("村支委", "branch"),
                ("党支部委员", "branch"),
                ("支部委员", "branch"),
                ("无", ""),
                ("否", ""),
            ],
        ),
    }


def _choices_hint(key):
    pairs = {
        "gender": Person.Gender.choices,
        "political_status": codes.POLITICAL_STATUS,
        "role": Post.Role.choices,
        "mode": Post.Mode.choices,
        "method": Post.Method.choices,
        "two_committees": [c for c in Post.TwoCommittees.choices if c[0]],
        "source": codes.SOURCE,
    }.get(key)
    if pairs is None:
        return "请从模板的下拉列表中选择"
    return "可填：" + "、".join(str(label) for _code, label in pairs)


def parse_day(value, header):
    """任职时间 / 离任时间: a date cell, 2016-06-02, 2016.6.2, 2016年6月2日, 20160602, or 2016.06 (the 1st)."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = normalize_text(value)
    if isinstance(value, float) and re.fullmatch(r"\d{4}\.\d", text):
        text += "0"  # Excel turned 2016.10 into 2016.1
    match = DATE_RE.match(text) or COMPACT_DATE_RE.match(text)
    if match:
        year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3) or 1)
        with contextlib.suppress(ValueError):  # 2016-02-30: falls through to the message below
            if 1900 <= year <= 2100:
                return datetime.date(year, month, day)
    raise ValidationError(f"{header}“{text}”不是有效日期，请写成 2016-06-02 或 2016.06.02 这样的格式。")


def parse_flag(value):
    text = _label_key(value)
    if text in TRUE_WORDS or text in {"是的"}:
        return True
    if not text or text in FALSE_WORDS:
        return False
    raise ValidationError(f"“{normalize_text(value)}”应填“是”或“否”（也可填 √ 或留空表示否）。")


# --- reading the file ---------------------------------------------------------------------------


def read_file_bytes(file):
    """Bytes of a path, an uploaded file or a file object, refusing anything over the size limit."""
    if isinstance(file, bytes | bytearray):
        data = bytes(file)
    elif isinstance(file, str) or hasattr(file, "__fspath__"):
        with open(file, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    else:
        if hasattr(file, "seek"):
            file.seek(0)
        data = file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise RosterFileError(f"文件超过 {MAX_FILE_BYTES // (1024 * 1024)} MB，请删除无关的工作表或拆分后分批导入。")
    if not data:
        raise RosterFileError("文件是空的，请重新选择名册文件。")
    return data


def _open_workbook(data, *, read_only=True):
    if data[:4] == b"\xd0\xcf\x11\xe0":
        raise RosterFileError("这是旧版 Excel（.xls）或 WPS 格式的文件，请在 Excel 中“另存为 .xlsx”后再导入。")
    if data[:4] != b"PK\x03\x04":
        raise RosterFileError("文件不是 Excel（.xlsx）格式，请使用下载的模板或“另存为 .xlsx”后再导入。")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
        if "xl/workbook.xml" not in names:
            raise RosterFileError("文件是压缩包但不是 Excel 工作簿（.xlsx），请检查是否选错了文件。")
        return load_workbook(io.BytesIO(data), read_only=read_only, data_only=True)
    except RosterFileError:
        raise
    except Exception as exc:  # openpyxl raises many types on a damaged file; the user needs one answer
        raise RosterFileError("文件已损坏，无法打开。请在 Excel 中打开并重新保存为 .xlsx 后再导入。") from exc


def _header_key(value):
    """(key, is the canonical name) for a header cell, or (None, False)."""
    header = normalize_header(value)
    if not header:
        return None, False
    lookup = header_lookup()
    key = lookup.get(header) or lookup.get(PARENS_RE.sub("", header))
    return key, key is not None and header == normalize_header(COLUMN_BY_KEY[key].header)


def _find_header(rows):
    """(row number, {key: column index}) of the first row that reads like our header.

    A canonical name wins over an alias (a file with both 手机号码 and 联系电话 reads the first).
    """
    for number, values in enumerate(rows[:HEADER_SCAN_ROWS], start=1):
        found, by_alias = {}, {}
        for index, value in enumerate(values, start=1):
            key, canonical = _header_key(value)
            if key and canonical:
                found.setdefault(key, index)
            elif key:
                by_alias.setdefault(key, index)
        found.update({key: index for key, index in by_alias.items() if key not in found})
        if "name" in found and len(found) >= 3:
            return number, found
    return None, {}


def _data_records(numbered_rows, column_index):
    """(excel row, {key: raw value}) for every non-blank data row, refusing more than MAX_ROWS."""
    records = []
    for number, values in numbered_rows:
        record = {key: values[i - 1] if i - 1 < len(values) else None for key, i in column_index.items()}
        if all(normalize_text(v) == "" for v in record.values()):
            continue
        if normalize_text(record.get("note"), nfkc=False) == EXAMPLE_MARKER:
            continue
        records.append((number, record))
        if len(records) > MAX_ROWS:
            raise RosterFileError(
                f"数据超过 {MAX_ROWS} 行的上限，请拆分成几个文件分批导入（每个文件不超过 {MAX_ROWS} 行）。"
            )
    return records


def read_sheet(data):
    """(sheet name, header row, {key: column}, [(excel row, {key: raw value})]) or RosterFileError.

    The sheet named 名册 is tried first, then the others in order; the header is the first of
    the top 20 rows that names 姓名 and at least two other known columns.
    """
    wb = _open_workbook(data)
    try:
        for ws in sorted(wb.worksheets, key=lambda ws: ws.title != "名册"):
            rows_iter = ws.iter_rows(values_only=True)
            head = list(itertools.islice(rows_iter, HEADER_SCAN_ROWS))
            header_row, column_index = _find_header(head)
            if header_row is None:
                continue
            _check_header(head[header_row - 1], column_index)
            numbered = itertools.chain(
                enumerate(head[header_row:], start=header_row + 1), enumerate(rows_iter, start=len(head) + 1)
            )
            records = _data_records(numbered, column_index)
            if not records:
                raise RosterFileError(f"工作表“{ws.title}”第{header_row}行是表头，但下面没有数据行。")
            return ws.title, header_row, column_index, records
    except RosterFileError:
        raise
    except Exception as exc:  # a damaged sheet fails lazily while its rows are read
        raise RosterFileError("文件已损坏，无法读取其中的数据。请在 Excel 中打开并重新保存为 .xlsx 后再导入。") from exc
    finally:
        wb.close()
    raise RosterFileError(
        "找不到表头：前 20 行中没有一行同时包含“姓名”“出生年月”“妇联职务”等列名。请使用下载的模板，或把表头改成模板中的列名。"
    )


def _check_header(values, column_index):
    missing = [c.header for c in COLUMNS if c.required and c.key not in column_index]
    if missing:
        raise RosterFileError(f"表头缺少必填列：{'、'.join(missing)}。请使用下载的模板中的列名。")
    seen = {}
    for index, value in enumerate(values, start=1):
        header = normalize_header(value)
        if header and header in seen and _header_key(value)[0]:
            raise RosterFileError(f"表头中“{header}”出现了两次（第{seen[header]}列和第{index}列），请删除多余的一列。")
        seen.setdefault(header, index)


# --- parsing and matching rows ------------------------------------------------------------------


@dataclass
class Row:
    number: int
    raw: dict
    values: dict = field(default_factory=dict)  # parsed person and post values, by field name
    unit: Unit | None = None
    person: Person | None = None
    person_ref: tuple | None = None
    post: Post | None = None
    bad: set = field(default_factory=set)  # keys with an error


class _Collector:
    def __init__(self, result):
        self.result = result

    def add(self, row, key, message):
        if isinstance(message, ValidationError):
            message = " ".join(message.messages)
        self.result.errors.append(CellError(row.number, COLUMN_BY_KEY[key].header, message))
        row.bad.add(key)


def _parse_row(row, present, err):
    raw, values = row.raw, row.values
    maps = code_maps()

    def text(key):
        return normalize_text(raw.get(key))

    name = normalize_name(raw.get("name"))
    if not name:
        err.add(row, "name", "请填写姓名。")
    elif len(name) > 50:
        err.add(row, "name", "姓名不能超过 50 个字。")
    values["name"] = name

    if "person_id" in present and text("person_id"):
        person_id = text("person_id")
        if person_id.isdigit() and int(person_id) > 0:
            values["person_id"] = int(person_id)
        else:
            err.add(row, "person_id", f"人员编号“{person_id}”应为导出文件中的数字编号。")

    try:
        values["birth_date"] = validators.parse_birth_month(
            raw.get("birth_date") if not isinstance(raw.get("birth_date"), str) else text("birth_date")
        )
    except ValidationError as e:
        err.add(row, "birth_date", e)

    raw_id = raw.get("id_number")
    if isinstance(raw_id, int | float) and abs(raw_id) >= 1e15:
        err.add(row, "id_number", "身份证号被 Excel 存成了数字，后几位已丢失。请把该列设为“文本”格式后重新填写。")
    elif "*" in text("id_number"):
        err.add(row, "id_number", "身份证号已打码，无法导入。请填写完整号码，或清空此格以保留系统中的号码。")
    else:
        try:
            values["id_number"] = validators.clean_id_number(text("id_number"))
        except ValidationError as e:
            err.add(row, "id_number", e)

    if "mobile" in present:
        if "*" in text("mobile"):
            err.add(row, "mobile", "手机号码已打码，无法导入。请填写完整号码，或清空此格以保留系统中的号码。")
        else:
            try:
                values["mobile"] = validators.clean_mobile(text("mobile"))
            except ValidationError as e:
                err.add(row, "mobile", e)

    for key in ("gender", "ethnicity", "political_status", "education", "source", "mode", "method"):
        if key not in present:
            continue
        spelled = text(key)
        if not spelled:
            values[key] = None  # keep or default
            continue
        code = maps[key].get(_label_key(spelled))
        if code is None:
            err.add(row, key, f"“{spelled}”不是有效的{COLUMN_BY_KEY[key].header}，{_choices_hint(key)}。")
        else:
            values[key] = code

    spelled_role = text("role")
    if not spelled_role:
        err.add(row, "role", "请填写妇联职务。")
    else:
        role = maps["role"].get(_label_key(spelled_role))
        if role is None:
            err.add(row, "role", f"“{spelled_role}”不是有效的妇联职务，{_choices_hint('role')}。")
        values["role"] = role

    if "two_committees" in present:
        spelled = text("two_committees")
        code = maps["two_committees"].get(_label_key(spelled), None) if spelled else ""
        if code is None:
            err.add(
                row, "two_committees", f"“{spelled}”不是有效的进两委情况，{_choices_hint('two_committees')}，或留空。"
            )
        else:
            values["two_committees"] = code

    for key in ("is_women_worker", "is_frontline"):
        if key in present:
            try:
                values[key] = parse_flag(raw.get(key))
            except ValidationError as e:
                err.add(row, key, e)

    for key, limit in (("workplace_title", 200), ("certificate_no", 50), ("note", 200)):
        if key in present:
            value = normalize_text(raw.get(key), nfkc=False)
            if len(value) > limit:
                err.add(row, key, f"不能超过 {limit} 个字（现有 {len(value)} 个字）。")
            values[key] = value

    start = raw.get("start_date")
    if normalize_text(start) == "":
        err.add(row, "start_date", "请填写任职时间，例如 2016-06-02。")
    else:
        try:
            values["start_date"] = parse_day(start, "任职时间")
        except ValidationError as e:
            err.add(row, "start_date", e)
    if "end_date" in present:
        end = raw.get("end_date")
        try:
            values["end_date"] = parse_day(end, "离任时间") if normalize_text(end) else None
        except ValidationError as e:
            err.add(row, "end_date", e)


def _chunks(items, size=QUERY_CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _audit_value(value):
    """Audit values as the roster services write them: ISO dates, stored codes, None for blank."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _display(key, value):
    """A stored value as the importer's own label, for the preview and the audit trail."""
    if value is None or value == "":
        return ""
    if key == "birth_date":
        return f"{value.year}.{value.month:02d}"
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "是" if value else "否"
    labels = {
        "gender": dict(Person.Gender.choices),
        "ethnicity": dict(codes.ETHNICITY),
        "political_status": dict(codes.POLITICAL_STATUS),
        "education": dict(codes.EDUCATION),
        "source": dict(codes.SOURCE),
        "role": dict(Post.Role.choices),
        "mode": dict(Post.Mode.choices),
        "method": dict(Post.Method.choices),
        "two_committees": dict(Post.TwoCommittees.choices),
    }.get(key)
    return str(labels.get(value, value)) if labels else str(value)


class _Engine:
    def __init__(self, *, unit, actor, result):
        self.unit = unit
        self.actor = actor
        self.result = result
        self.err = _Collector(result)
        self.outside_people = set()  # matched by ID number, but outside the actor's subtree

    # units -----------------------------------------------------------------------------------
    def resolve_units(self, rows, present):
        codes_in_file = {normalize_text(r.raw.get("unit_code")) for r in rows} - {""}
        by_code = {self.unit.code: self.unit}
        if codes_in_file - {self.unit.code}:
            subtree = Unit.objects.subtree_of(self.unit)
            for chunk in _chunks(codes_in_file - {self.unit.code}):
                by_code.update({u.code: u for u in subtree.filter(code__in=chunk)})
        for row in rows:
            code = normalize_text(row.raw.get("unit_code")) if "unit_code" in present else ""
            unit = by_code.get(code) if code else self.unit
            if unit is None:
                self.err.add(row, "unit_code", f"组织代码 {code} 不存在，或不在{self.unit.name}的范围内。")
            elif unit.is_archived:
                self.err.add(row, "unit_code", f"{unit.name}（{unit.code}）已撤销，不能导入任职。")
            else:
                row.unit = unit

    # people ----------------------------------------------------------------------------------
    def resolve_people(self, rows):
        ids = {r.values["person_id"] for r in rows if r.values.get("person_id")}
        id_numbers = {r.values["id_number"] for r in rows if r.values.get("id_number")}
        by_pk, by_id_number = {}, {}
        visible = visible_units(self.actor) if self.actor is not None else None
        for chunk in _chunks(ids):
            people = Person.objects.filter(pk__in=chunk)
            if visible is not None:
                people = people.filter(posts__unit__in=visible).distinct()
            by_pk.update({p.pk: p for p in people})
        for chunk in _chunks(id_numbers):
            by_id_number.update({p.id_number: p for p in Person.objects.filter(id_number__in=chunk)})
        if visible is not None and by_id_number:
            # A person found by ID number who holds no post in the importer's subtree may be
            # appointed here, but her personal data stays with the units that look after her.
            found = {p.pk for p in by_id_number.values()}
            seen = set()
            for chunk in _chunks(found):
                seen.update(
                    Person.objects.filter(pk__in=chunk, posts__unit__in=visible).values_list("pk", flat=True).distinct()
                )
            self.outside_people = found - seen

        unnamed = [r for r in rows if r.unit and not r.values.get("person_id") and not r.values.get("id_number")]
        by_name_birth = defaultdict(dict)
        if unnamed:
            unit_ids = {r.unit.pk for r in unnamed}
            for chunk in _chunks({r.values["name"] for r in unnamed}):
                candidates = Post.objects.filter(person__name__in=chunk, unit_id__in=unit_ids).select_related("person")
                for post in candidates:
                    key = (post.person.name, post.person.birth_date, post.unit_id)
                    by_name_birth[key][post.person.pk] = post.person

        for row in rows:
            v = row.values
            if "name" in row.bad or "birth_date" in row.bad or row.unit is None:
                continue
            person = None
            if v.get("person_id"):
                person = by_pk.get(v["person_id"])
                if person is None:
                    self.err.add(row, "person_id", f"人员编号 {v['person_id']} 不存在，或不在您的管辖范围内。")
                    continue
                holder = by_id_number.get(v.get("id_number"))
                if holder is not None and holder.pk != person.pk:
                    self.err.add(
                        row, "id_number", f"该身份证号已属于系统中的另一人（{holder.name}，人员编号 {holder.pk}）。"
                    )
                    continue
                row.person_ref = ("pk", person.pk)
            elif v.get("id_number"):
                person = by_id_number.get(v["id_number"])
                row.person_ref = ("pk", person.pk) if person else ("id", v["id_number"])
            else:
                matches = by_name_birth.get((v["name"], v["birth_date"], row.unit.pk), {})
                if len(matches) > 1:
                    self.err.add(
                        row,
                        "name",
                        f"{row.unit.name}有 {len(matches)} 位同名且出生年月相同的人员，请填写身份证号或人员编号以区分。",
                    )
                    continue
                person = next(iter(matches.values()), None)
                row.person_ref = ("pk", person.pk) if person else ("nb", v["name"], v["birth_date"], row.unit.pk)
            row.person = person

        # A row without an ID number names the same new person as a row with one (same unit,
        # name and birth month), so the file cannot create her twice.
        known = {}
        for row in rows:
            if row.person_ref and row.person_ref[0] != "nb":
                known.setdefault((row.values["name"], row.values["birth_date"], row.unit.pk), row.person_ref)
        for row in rows:
            if row.person_ref and row.person_ref[0] == "nb" and row.person_ref[1:] in known:
                row.person_ref = known[row.person_ref[1:]]
                if row.person_ref[0] == "pk":
                    row.person = next(r.person for r in rows if r.person_ref == row.person_ref and r.person)

    def check_people_agree(self, rows, present):
        """The same person in several rows must be written the same way each time."""
        first_row = {}
        for row in rows:
            if row.person_ref is None:
                continue
            first = first_row.setdefault(row.person_ref, row)
            if first is row:
                continue
            for key in PERSON_FIELDS:
                if key not in present and key not in ("name", "birth_date"):
                    continue
                a, b = first.values.get(key), row.values.get(key)
                if key in KEEP_WHEN_BLANK and (a in (None, "") or b in (None, "")):
                    continue
                if a != b and key not in row.bad and key not in first.bad:
                    self.err.add(
                        row,
                        key,
                        f"同一人员在第{first.number}行填写为“{_display(key, a)}”，此处为“{_display(key, b)}”，请统一。",
                    )

    # posts -----------------------------------------------------------------------------------
    def load_posts(self, rows):
        person_ids = {r.person_ref[1] for r in rows if r.person_ref and r.person_ref[0] == "pk"}
        unit_ids = {r.unit.pk for r in rows if r.unit}
        posts = []
        for chunk in _chunks(person_ids):
            posts.extend(Post.objects.filter(person_id__in=chunk, unit_id__in=unit_ids))
        return posts

    def match_posts(self, rows, existing):
        by_key = {}
        for post in existing:
            by_key.setdefault((("pk", post.person_id), post.unit_id, post.role, post.start_date), post)
        seen = {}
        for row in rows:
            if row.person_ref is None or not row.values.get("role") or not row.values.get("start_date"):
                continue
            key = (row.person_ref, row.unit.pk, row.values["role"], row.values["start_date"])
            if key in seen:
                self.err.add(
                    row,
                    "name",
                    f"与第{seen[key].number}行重复：同一人员在同一组织的同一职务、同一任职时间只能出现一次。",
                )
                continue
            seen[key] = row
            row.post = by_key.get(key)

    def check_rules(self, rows, existing):
        units = {}
        for row in rows:
            v = row.values
            if row.unit is None or row.person_ref is None:
                continue
            units[row.unit.pk] = row.unit
            if v.get("role") and "role" not in row.bad:
                try:
                    validators.check_role_for_unit(v["role"], row.unit)
                except ValidationError as e:
                    self.err.add(row, "role", e)
            start = v.get("start_date")
            end = v.get("end_date", row.post.end_date if row.post else None)
            if start and end and "end_date" not in row.bad:
                try:
                    validators.check_dates(start, end)
                except ValidationError as e:
                    self.err.add(row, "end_date", e)
            if start and v.get("birth_date") and "start_date" not in row.bad:
                try:
                    validators.check_age_on(v["birth_date"], start)
                except ValidationError as e:
                    self.err.add(row, "start_date", e)
            if v.get("two_committees") and not row.unit.is_village_level:
                self.err.add(row, "two_committees", "进“两委”只适用于村（社区）一级的成员。")
            id_number = v.get("id_number") or (row.person.id_number if row.person else "")
            if v.get("birth_date") and id_number and "id_number" not in row.bad:
                try:
                    validators.check_id_matches_birth(id_number, v["birth_date"])
                except ValidationError as e:
                    self.err.add(row, "birth_date", e)
        self._check_leadership(rows, existing, units)

    def _check_leadership(self, rows, existing, units):
        """One current leadership post per person per unit, across the stored posts and the file."""
        replaced = {row.post.pk for row in rows if row.post is not None}
        spans = defaultdict(list)  # (person ref, unit) -> [(start, end, role, row or None)]
        for post in existing:
            if post.pk not in replaced and post.role != Post.Role.DELEGATE:
                spans[(("pk", post.person_id), post.unit_id)].append((post.start_date, post.end_date, post.role, None))
        for row in rows:
            v = row.values
            if row.person_ref is None or row.unit is None or not v.get("role") or not v.get("start_date"):
                continue
            if v["role"] == Post.Role.DELEGATE or {"role", "start_date", "end_date"} & row.bad:
                continue
            end = v.get("end_date", row.post.end_date if row.post else None)
            spans[(row.person_ref, row.unit.pk)].append((v["start_date"], end, v["role"], row))
        far = datetime.date.max
        for (_ref, unit_id), items in spans.items():
            if len(items) < 2:
                continue
            items.sort(key=lambda s: s[0])
            unit = units[unit_id]
            for i, (start, end, role, row) in enumerate(items):
                for other_start, other_end, other_role, other_row in items[:i]:
                    if not (start < (other_end or far) and other_start < (end or far)):
                        continue
                    target = row or other_row
                    if target is None or "role" in target.bad:
                        continue
                    name = target.values["name"]
                    if row is not None and other_row is not None:
                        message = (
                            f"{name}在{unit.name}与第{other_row.number}行的{Post.Role(other_role).label}任期重叠，"
                            "同一组织只能担任一个领导职务。"
                        )
                    else:
                        held_role, held_start = (other_role, other_start) if row is not None else (role, start)
                        message = (
                            f"{name}在{unit.name}已担任{Post.Role(held_role).label}（自 {held_start:%Y-%m-%d} 起），"
                            "同一组织只能担任一个领导职务；如需调整，请先在名册中结束原职务，或在本文件中填写其离任时间。"
                        )
                    self.err.add(target, "role", message)

    # changes ---------------------------------------------------------------------------------
    def plan(self, rows, present):
        """Decide add / update / unchanged per row; returns the objects to write."""
        new_people, changed_people, unchanged_people = {}, {}, set()
        person_changes = {}  # ref -> {field: [old, new]}
        new_posts, changed_posts = [], []
        for row in rows:
            v = row.values
            ref = row.person_ref
            first_of_person = ref not in new_people and ref not in changed_people and ref not in unchanged_people
            row_changes = {}
            if first_of_person:
                if row.person is None:
                    person = Person(name=v["name"], birth_date=v["birth_date"])
                    for key in PERSON_FIELDS:
                        if v.get(key) is not None and key in v:
                            setattr(person, key, v[key])
                    person.id_number = person.id_number or None
                    new_people[ref] = person
                    person_changes[ref] = {
                        k: [None, _audit_value(getattr(person, k))]
                        for k in PERSON_FIELDS
                        if _audit_value(getattr(person, k)) not in (None, False)
                    }
                else:
                    person, diff = row.person, {}
                    for key in PERSON_FIELDS:
                        if key not in v or (key in KEEP_WHEN_BLANK and v[key] in (None, "")):
                            continue
                        if person.pk in self.outside_people:
                            break
                        old = getattr(person, key)
                        if old != v[key]:
                            diff[key] = (old, v[key])
                    if diff:
                        for key, (_old, new) in diff.items():
                            setattr(person, key, new)
                        changed_people[ref] = person
                        person_changes[ref] = {k: [_audit_value(a), _audit_value(b)] for k, (a, b) in diff.items()}
                        row_changes.update(
                            {COLUMN_BY_KEY[k].header: [_display(k, a), _display(k, b)] for k, (a, b) in diff.items()}
                        )
                    else:
                        unchanged_people.add(ref)
            person_is_new = ref in new_people

            if row.post is None:
                post = Post(unit=row.unit, role=v["role"], start_date=v["start_date"])
                for key in POST_FIELDS:
                    if v.get(key) is not None:
                        setattr(post, key, v[key])
                new_posts.append((ref, row, post))
                action = "add"
            else:
                post, diff = row.post, {}
                for key in POST_FIELDS:
                    if key not in v or (key in KEEP_WHEN_BLANK_POST and v[key] is None):
                        continue
                    old = getattr(post, key)
                    if old != v[key]:
                        diff[key] = (old, v[key])
                for key, (_old, new) in diff.items():
                    setattr(post, key, new)
                if diff:
                    changed_posts.append(
                        (row, post, {k: [_audit_value(a), _audit_value(b)] for k, (a, b) in diff.items()})
                    )
                    row_changes.update(
                        {COLUMN_BY_KEY[k].header: [_display(k, a), _display(k, b)] for k, (a, b) in diff.items()}
                    )
                action = "update" if row_changes else "unchanged"
            self.result.rows.append(
                RowOutcome(
                    row=row.number,
                    action=action,
                    name=v["name"],
                    unit_name=row.unit.name,
                    role_label=str(Post.Role(v["role"]).label),
                    person_is_new=person_is_new,
                    changes=row_changes,
                )
            )
        r = self.result
        r.persons_added, r.persons_updated, r.persons_unchanged = (
            len(new_people),
            len(changed_people),
            len(unchanged_people),
        )
        r.posts_added, r.posts_updated = len(new_posts), len(changed_posts)
        r.posts_unchanged = len(rows) - len(new_posts) - len(changed_posts)
        return new_people, changed_people, person_changes, new_posts, changed_posts

    def write(self, rows, plan, reason):
        new_people, changed_people, person_changes, new_posts, changed_posts = plan
        now = timezone.now()
        unit_of_person = {}
        for row in rows:
            unit_of_person.setdefault(row.person_ref, row.unit)
        events = []

        def event(action, unit, obj, changes):
            events.append(
                AuditEvent(
                    actor=self.actor if self.actor is not None and self.actor.is_authenticated else None,
                    action=action,
                    unit=unit,
                    object_type=obj._meta.label_lower,
                    object_id=obj.pk,
                    changes=changes,
                    reason=reason,
                )
            )

        # bulk_create skips Person.save(), so the pinyin search key is filled here.
        for person in new_people.values():
            person.name_initials = pinyin_initials(person.name)
        Person.objects.bulk_create(new_people.values(), batch_size=QUERY_CHUNK)
        if changed_people:
            fields = {"updated_at"}
            for ref, person in changed_people.items():
                person.updated_at = now
                person.name_initials = pinyin_initials(person.name)
                fields.update(k for k in person_changes[ref])
                if "name" in person_changes[ref]:
                    fields.add("name_initials")
            Person.objects.bulk_update(changed_people.values(), sorted(fields), batch_size=QUERY_CHUNK)
        for ref, person in [*new_people.items(), *changed_people.items()]:
            event("person.import", unit_of_person[ref], person, person_changes[ref])

        # Posts ended by the file are saved before new ones open, so the one-open-leadership
        # constraint never sees both at once.
        if changed_posts:
            fields = {"updated_at"}
            for _row, post, changes in changed_posts:
                post.updated_at = now
                fields.update(changes)
            Post.objects.bulk_update([p for _r, p, _c in changed_posts], sorted(fields), batch_size=QUERY_CHUNK)
            for row, post, changes in changed_posts:
                event("post.import", row.unit, post, changes)
        people = {**new_people, **changed_people}
        for ref, _row, post in new_posts:
            post.person = people.get(ref) or next(r.person for r in rows if r.person_ref == ref and r.person)
        Post.objects.bulk_create([p for _ref, _row, p in new_posts], batch_size=QUERY_CHUNK)
        for _ref, row, post in new_posts:
            changes = {
                "person": [None, post.person.name],
                "unit": [None, row.unit.name],
                "role": [None, post.role],
                "start_date": [None, _audit_value(post.start_date)],
            }
            changes.update({k: [None, _audit_value(getattr(post, k))] for k in POST_FIELDS if getattr(post, k)})
            event("post.import", row.unit, post, changes)
        AuditEvent.objects.bulk_create(events, batch_size=QUERY_CHUNK)


def import_roster(*, unit, file, actor, dry_run=False, filename=""):
    """Validate the whole file, then write all of it in one transaction, or nothing.

    `file` is a path, bytes, or a file object. `actor` is the user importing, or None for the
    command line (a system import). Never raises for a bad file: the faults are in the result.
    """
    result = ImportResult(dry_run=dry_run)
    if actor is not None and not visible_units(actor).filter(pk=unit.pk).exists():
        result.errors.append(CellError(None, None, f"您无权向{unit.name}导入名册。"))
        return result
    if unit.is_archived:
        result.errors.append(CellError(None, None, f"{unit.name}已撤销，不能导入名册。"))
        return result
    try:
        data = read_file_bytes(file)
        result.sheet_name, result.header_row, result.column_index, records = read_sheet(data)
    except RosterFileError as e:
        result.errors.append(CellError(None, None, str(e)))
        return result
    present = set(result.column_index)
    rows = [Row(number=number, raw=raw) for number, raw in records]
    engine = _Engine(unit=unit, actor=actor, result=result)
    for row in rows:
        _parse_row(row, present, engine.err)
    engine.resolve_units(rows, present)
    engine.resolve_people(rows)
    engine.check_people_agree(rows, present)
    existing = engine.load_posts(rows)
    engine.match_posts(rows, existing)
    engine.check_rules(rows, existing)
    if result.errors:
        result.errors.sort(key=lambda e: (e.row or 0, _column_order(e.column)))
        return result
    plan = engine.plan(rows, present)
    if dry_run:
        return result
    reason = f"Excel 导入{('：' + filename) if filename else ''}"
    try:
        with transaction.atomic():
            engine.write(rows, plan, reason)
    except IntegrityError:
        result.errors.append(
            CellError(
                None, None, "保存时发现数据已被他人同时修改（如同一身份证号刚被录入），未写入任何数据，请重新导入。"
            )
        )
        return result
    result.written = True
    return result


def _column_order(header):
    order = [PERSON_ID.header, *(c.header for c in COLUMNS)]
    return order.index(header) if header in order else len(order)


# --- the file back with the faults marked ------------------------------------------------------

ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
ERROR_FONT = Font(color="9C0006")


def mark_errors(file, result):
    """The uploaded workbook with each faulty cell filled red and commented, plus a 导入错误 column."""
    data = read_file_bytes(file)
    wb = _open_workbook(data, read_only=False)
    ws = wb[result.sheet_name] if result.sheet_name in wb.sheetnames else wb.worksheets[0]
    by_row = defaultdict(list)
    by_cell = defaultdict(list)
    key_by_header = {c.header: c.key for c in COLUMN_BY_KEY.values()}
    for error in result.errors:
        if error.row is None:
            continue
        by_row[error.row].append(f"{error.column}：{error.message}")
        column = result.column_index.get(key_by_header.get(error.column))
        if column:
            by_cell[(error.row, column)].append(error.message)
    for (row, column), messages in by_cell.items():
        cell = ws.cell(row=row, column=column)
        cell.fill = ERROR_FILL
        cell.font = ERROR_FONT
        comment = Comment("\n".join(messages), "FedOrg")
        comment.width, comment.height = 320, 40 + 20 * len(messages)
        cell.comment = comment
    if by_row and result.header_row:
        note_column = ws.max_column + 1
        header = ws.cell(row=result.header_row, column=note_column, value="导入错误")
        header.font = Font(bold=True, color="9C0006")
        for row, messages in by_row.items():
            ws.cell(row=row, column=note_column, value="；".join(messages)).font = ERROR_FONT
        ws.column_dimensions[header.column_letter].width = 60
    stream = io.BytesIO()
    wb.save(stream)
    stream.seek(0)
    return stream
