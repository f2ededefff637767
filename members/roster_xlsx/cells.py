"""Reading the roster workbook: the file's bytes, its header row, and each cell's value normalised.

Full-width characters, stray spaces, short labels and the many ways of writing a date all end
up here as one value; nothing in this module touches the database.
"""

import contextlib
import datetime
import itertools
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import IO, Any, Literal, TypeVar, cast, overload

from django.core.exceptions import ValidationError

from fedorg import uploads
from fedorg.dates import year_month
from fedorg.xlsx import FORMULA_PREFIXES

from .. import codes
from ..models import Post
from .columns import (
    CODE_LISTS,
    EXAMPLE_MARKER,
    HEADER_SCAN_ROWS,
    HINTED_LISTS,
    MAX_COLUMNS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    ROSTER_LAYOUT,
    ROSTER_LIMITS,
    SheetLayout,
    code_label,
)

TRUE_WORDS = {"是", "√", "✓", "✔", "y", "yes", "true", "1", "有", "对"}
FALSE_WORDS = {"否", "×", "✗", "n", "no", "false", "0", "无", "不是", "-", "—", "/"}
DOTS_RE = re.compile(r"\s*[.\u00b7\u0387\u2022\u2027\u2219\u22c5\u30fb\u16eb\u2e31\uff0e\uff65]\s*")
SPACE_NEXT_TO_WIDE_RE = re.compile(r"\s+(?=[^\x00-\x7f])|(?<=[^\x00-\x7f])\s+")
HEADER_JUNK_RE = re.compile(r"[\s\"'\u201c\u201d\u2018\u2019*:：]")
PARENS_RE = re.compile(r"\(.*?\)")
DATE_RE = re.compile(r"^(\d{4})\s*[.\-/年]\s*(\d{1,2})\s*(?:[.\-/月]\s*(\d{1,2})\s*日?)?\s*月?$")
COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})?$")
MAX_DATE_TEXT = 40
MAX_HEADER_TEXT = 40

_T = TypeVar("_T")
# What a roster file arrives as: a path, its bytes, or an uploaded file / file object.
FileSource = str | os.PathLike[str] | bytes | bytearray | IO[bytes]
# One data row as read: {column key: raw cell value} (text, a number, a date, or None).
Record = dict[str, Any]
# A sheet's row as openpyxl gives it: the cell values left to right.
RowValues = Sequence[Any]
# What read_sheet found: (sheet name, header row, {key: 1-based column}, [(excel row, record)]).
SheetRead = tuple[str, int, dict[str, int], list[tuple[int, Record]]]


class ImportOutcome:
    """What an import result says of itself, over its `rows` and `errors` (the roster's and the register's)."""

    rows: list[Any]  # each kind of import its own outcome per row
    errors: list[Any]  # each kind of import its own error (str() is the message)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def row_count(self) -> int:
        return len(self.rows)

    def error_lines(self) -> list[str]:
        return [str(e) for e in self.errors]


class RosterFileError(Exception):
    """The file as a whole cannot be read; the message is for the user."""


# --- normalising text and code lists -----------------------------------------------------------


def normalize_text(value: object, *, nfkc: bool = True) -> str:
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


def normalize_name(value: object) -> str:
    """阿依古丽 • 买买提 -> 阿依古丽·买买提; 张　三 -> 张三 (padding spaces in Chinese names go)."""
    text = re.sub(r"\s+", " ", normalize_text(value))
    text = DOTS_RE.sub("\u00b7", text).strip("\u00b7")
    return SPACE_NEXT_TO_WIDE_RE.sub("", text)


def normalize_header(value: object) -> str:
    return HEADER_JUNK_RE.sub("", normalize_text(value))


def label_key(text: object) -> str:
    return HEADER_JUNK_RE.sub("", normalize_text(text)).lower()


@cache
def header_lookup(layout: SheetLayout = ROSTER_LAYOUT) -> dict[str, str]:
    lookup = {}
    for column in layout.columns:
        for name in (column.header, *column.aliases):
            lookup[normalize_header(name)] = column.key
    return lookup


# Spellings accepted beside each code list's own labels and codes (01 and 1): the plan's wording
# (哈妇发〔2016〕8号 writes the 来源类别 out in full), common shortenings and older names. A test
# reads every entry (tests/test_code_aliases.py). Punctuation and spaces do not matter (loose_key).
ALIASES: dict[str, list[tuple[str, str]]] = {
    "gender": [("F", "F"), ("M", "M"), ("女性", "F"), ("男性", "M")],
    "ethnicity": [("外国血统", "98"), ("其它", "97")],
    "political_status": [
        ("党员", "01"),
        ("共产党员", "01"),
        ("中国共产党党员", "01"),
        ("中共", "01"),
        ("预备党员", "02"),
        ("中共预备", "02"),
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
        ("无党派人士", "12"),
        ("群众", "13"),
    ],
    "education": [
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
    # 哈妇发〔2016〕8号 三（三）1: "女性楼栋长、单元小组长、女性致富带头人、巾帼文明岗带头人、三八红旗手
    # 代表、两新组织女性带头人、自组织女性负责人、辖区内具有法律、教育、调解专长的女性居民、辖区内机关
    # 和企事业单位在职或退休的女干部、女职工".
    "source": [
        ("楼栋长", "01"),
        ("楼长", "01"),
        ("小组长", "02"),
        ("单元长", "02"),
        ("单元组长", "02"),
        ("致富带头人", "03"),
        ("巾帼文明岗", "04"),
        ("巾帼文明岗负责人", "04"),
        ("三八红旗手", "05"),
        ("两新组织", "06"),
        ("两新组织带头人", "06"),
        ("两新组织女性负责人", "06"),
        ("自组织负责人", "07"),
        ("自组织", "07"),
        ("辖区内具有法律、教育、调解专长的女性居民", "08"),
        ("具有法律、教育、调解专长的女性居民", "08"),
        ("法律、教育、调解专长的女性居民", "08"),
        ("法律教育调解专长", "08"),
        ("法律、教育、调解专长", "08"),
        ("专长女性居民", "08"),
        ("辖区内机关和企事业单位在职或退休的女干部、女职工", "09"),
        ("机关和企事业单位在职或退休的女干部、女职工", "09"),
        ("机关企事业单位女干部、女职工", "09"),
        ("机关企事业单位女干部女职工", "09"),
        ("女干部、女职工", "09"),
        ("女干部", "09"),
        ("女职工", "09"),
        ("其它", codes.SOURCE_OTHER),
    ],
    "role": [
        ("执行委员", Post.Role.EXECUTIVE),
        ("常务委员", Post.Role.STANDING),
        ("妇代会主任", Post.Role.DIRECTOR),
        ("妇联主席", Post.Role.CHAIR),
        ("妇联副主席", Post.Role.VICE_CHAIR),
        ("妇代会副主任", Post.Role.DEPUTY_DIRECTOR),
        ("妇代会委员", Post.Role.MEMBER),
    ],
    "mode": [("专职干部", "full_time"), ("兼任", "part_time"), ("挂职干部", "seconded"), ("招募志愿者", "volunteer")],
    "method": [
        ("自荐", "self"),
        ("举荐", "masses"),
        ("推荐", "unit"),
        ("选拔", "direct"),
        ("选举", "direct"),
    ],
    "two_committees": [
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
}

LOOSE_JUNK_RE = re.compile(r"[、，,。;；/／\\()（）\-—_·.\s]")


def loose_key(text: object) -> str:
    """label_key without punctuation: 法律、教育、调解专长 and 法律,教育,调解专长 read the same."""
    return LOOSE_JUNK_RE.sub("", label_key(text))


def _with_codes(pairs: Iterable[tuple[str, object]], extra: Iterable[tuple[str, str]] = ()) -> dict[str, str]:
    """{accepted spelling: code} from a code list: each label, each code (01 and 1), and aliases;
    each also without its punctuation (loose_key), unless that would clash with an exact spelling."""
    mapping: dict[str, str] = {}
    for code, label in pairs:
        mapping[label_key(label)] = code
        mapping[code.lower()] = code
        if code.isdigit():
            mapping[str(int(code))] = code
    for alias, code in extra:
        mapping[label_key(alias)] = code
    for spelled, code in list(mapping.items()):
        mapping.setdefault(loose_key(spelled), code)
    return mapping


@cache
def code_maps() -> dict[str, dict[str, str]]:
    ethnic_short = [
        (label[:-1], code) for code, label in CODE_LISTS["ethnicity"] if label.endswith("族") and len(label) >= 2
    ]
    extra = {**ALIASES, "ethnicity": [*ethnic_short, *ALIASES["ethnicity"]]}
    return {key: _with_codes(CODE_LISTS[key], extra.get(key, ())) for key in CODE_LISTS}


def code_for(key: str, value: object) -> str | None:
    """The code a cell spells for code list `key` (label, code, alias, punctuation aside), or None."""
    mapping = code_maps()[key]
    found = mapping.get(label_key(value))
    return found if found is not None else mapping.get(loose_key(value))


# Near spellings (issue 26): a clerk writes the plan's category with a word added or left out
# ("辖区内机关和企事业单位退休的女干部、女职工"). Words that carry no meaning in a category are dropped
# first; then a value within a few characters of exactly one code's spellings reads as that code.
FILLER_RE = re.compile(r"辖区内|本辖区|以及|或者|的|和|与|及|或|等")
NEAR_MIN = 5  # shorter spellings (汉族, 群众, 专职) are too close to each other to guess between
NEAR_MAX_TEXT = 60  # a longer cell is not a category; never compared (bounded work per cell)


@dataclass(frozen=True)
class CodeReading:
    """How a cell was read: its code, the label it was read as when it was only near one ("读作"),
    or the labels of the two or more codes it is near (refused)."""

    code: str | None
    read_as: str = ""
    ambiguous: tuple[str, ...] = ()


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, or limit + 1 as soon as it must exceed `limit` (both strings are short)."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


@cache
def _near_spellings(key: str) -> tuple[tuple[str, frozenset[str], str], ...]:
    """(spelling without punctuation and filler words, its characters, code) for every label and alias
    of `key` long enough to be told apart."""
    spellings = {FILLER_RE.sub("", loose_key(s)): code for s, code in code_maps()[key].items()}
    return tuple((s, frozenset(s), code) for s, code in spellings.items() if len(s) >= NEAR_MIN - 1)


def read_code(key: str, value: object) -> CodeReading:
    return _read_code(key, normalize_text(value))


@lru_cache(maxsize=4096)  # a roster repeats its spellings: each distinct one is compared once
def _read_code(key: str, value: str) -> CodeReading:
    """code_for, then near spellings: the value without filler words equals one spelling, or differs
    from the spellings of exactly one code by at most a fifth of its length (two characters at
    least: a word or two). A value near two codes is refused with both named, never guessed."""
    exact = code_for(key, value)
    if exact is not None:
        return CodeReading(exact)
    text = FILLER_RE.sub("", loose_key(value))
    if not NEAR_MIN <= len(text) <= NEAR_MAX_TEXT:
        return CodeReading(None)
    near: dict[str, int] = {}
    chars = frozenset(text)
    for spelling, spelling_chars, code in _near_spellings(key):
        limit = max(2, len(spelling) // 5)
        # Cheap lower bounds first: the length difference, and each character of the spelling the
        # value lacks must be edited in.
        if abs(len(text) - len(spelling)) > limit or len(spelling_chars - chars) > limit:
            continue
        distance = _edit_distance(text, spelling, limit)
        if distance <= limit:
            near[code] = min(distance, near.get(code, distance))
    if not near:
        return CodeReading(None)
    codes = sorted(near)
    if len(codes) > 1:
        return CodeReading(None, ambiguous=tuple(str(code_label(key, code)) for code in codes))
    return CodeReading(codes[0], read_as=str(code_label(key, codes[0])))


def choices_hint(key: str) -> str:
    if key not in HINTED_LISTS:
        return "请从模板的下拉列表中选择"
    return "可填：" + "、".join(str(label) for _code, label in CODE_LISTS[key])


def display_value(key: str, value: object) -> str:
    """A stored value as the roster file writes it (labels, 1975.03, 是/否), for the preview and messages."""
    if value is None or value == "":
        return ""
    if key == "birth_date" and isinstance(value, datetime.date | str):
        return year_month(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "是" if value else "否"
    return code_label(key, value) if key in CODE_LISTS else str(value)


def parse_day(value: object, header: str) -> datetime.date:
    """任职时间 / 离任时间: a date cell, 2016-06-02, 2016.6.2, 2016年6月2日, 20160602, or 2016.06 (the 1st)."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = normalize_text(value)
    if len(text) > MAX_DATE_TEXT:  # before any regex: a roster cell can hold a megabyte
        raise ValidationError(f"{header}“{text[:20]}…”不是有效日期，请写成 2016-06-02 或 2016.06.02 这样的格式。")
    text = re.sub(r"\s+", " ", text)  # one space per run: DATE_RE's adjacent \s* stay linear
    if isinstance(value, float) and re.fullmatch(r"\d{4}\.\d", text):
        text += "0"  # Excel turned 2016.10 into 2016.1
    match = DATE_RE.match(text) or COMPACT_DATE_RE.match(text)
    if match:
        year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3) or 1)
        with contextlib.suppress(ValueError):  # 2016-02-30: falls through to the message below
            if 1900 <= year <= 2100:
                return datetime.date(year, month, day)
    raise ValidationError(f"{header}“{text}”不是有效日期，请写成 2016-06-02 或 2016.06.02 这样的格式。")


def parse_flag(value: object) -> bool:
    text = label_key(value)
    if text in TRUE_WORDS or text in {"是的"}:
        return True
    if not text or text in FALSE_WORDS:
        return False
    raise ValidationError(f"“{normalize_text(value)}”应填“是”或“否”（也可填 √ 或留空表示否）。")


# --- reading the file ---------------------------------------------------------------------------


def read_file_bytes(file: FileSource) -> bytes:
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


def open_workbook(
    data: bytes,
    *,
    budget: uploads.Budget | None = None,
    limits: uploads.Limits = ROSTER_LIMITS,
    fast_rows: int | None = None,
) -> Any:
    """The workbook, read-only, after fedorg.uploads has checked the file (RosterFileError if refused).

    Formula cells without a computed value read as uploads.FormulaWithoutValue, not as blank.
    `fast_rows`: let python-calamine read a plain file of at most that many rows (uploads.open_workbook).
    """
    try:
        wb = uploads.open_workbook(
            data, budget=budget or uploads.Budget("import"), limits=limits, what="文件", fast_rows=fast_rows
        )
    except uploads.UploadRefused as e:
        raise RosterFileError(str(e)) from e
    return uploads.mark_formulas_without_value(wb)


def sheet_rows(ws: Any, *, budget: uploads.Budget, max_rows: int) -> Iterator[tuple[int, RowValues]]:
    """(row number, values) of a roster sheet, every row counted blank or not, MAX_COLUMNS read."""
    return uploads.iter_rows(ws, max_rows=max_rows, max_cols=MAX_COLUMNS, budget=budget)


def _header_key(value: object, layout: SheetLayout = ROSTER_LAYOUT) -> tuple[str | None, bool]:
    """(key, is the canonical name) for a header cell, or (None, False)."""
    header = normalize_header(value)
    if not header or len(header) > MAX_HEADER_TEXT:  # no column name is that long; PARENS_RE is not linear
        return None, False
    lookup = header_lookup(layout)
    key = lookup.get(header) or lookup.get(PARENS_RE.sub("", header))
    return key, key is not None and header == normalize_header(layout.column(key).header)


def _find_header(rows: Sequence[RowValues], layout: SheetLayout = ROSTER_LAYOUT) -> tuple[int | None, dict[str, int]]:
    """(row number, {key: column index}) of the first row that reads like our header.

    A canonical name wins over an alias (a file with both 手机号码 and 联系电话 reads the first).
    """
    for number, values in enumerate(rows[:HEADER_SCAN_ROWS], start=1):
        found: dict[str, int] = {}
        by_alias: dict[str, int] = {}
        for index, value in enumerate(values, start=1):
            key, canonical = _header_key(value, layout)
            if key and canonical:
                found.setdefault(key, index)
            elif key:
                by_alias.setdefault(key, index)
        found.update({key: index for key, index in by_alias.items() if key not in found})
        if "name" in found and len(found) >= 3:
            return number, found
    return None, {}


class _ConvertFailed(Exception):
    """An exception of read_sheet_as' convert, carried past the reader's "damaged file" answer."""


def _data_records(
    numbered_rows: Iterable[tuple[int, RowValues]],
    column_index: Mapping[str, int],
    max_rows: int = MAX_ROWS,
    convert: Callable[[int, Record], _T] | None = None,
) -> list[_T]:
    """convert(excel row, {key: raw value}) for every non-blank data row, refusing more than `max_rows`.

    Each record is converted as it is read, so only the converted rows are kept (without `convert`,
    the (row, record) pairs themselves).
    """
    records: list[_T] = []
    for number, values in numbered_rows:
        record = {key: values[i - 1] if i - 1 < len(values) else None for key, i in column_index.items()}
        if all(normalize_text(v) == "" for v in record.values()):
            continue
        if normalize_text(record.get("note"), nfkc=False) == EXAMPLE_MARKER:
            continue
        if convert is None:
            records.append(cast("_T", (number, record)))
            continue
        try:
            records.append(convert(number, record))
        except Exception as exc:  # the caller's own fault, not a damaged sheet: carried out unchanged
            raise _ConvertFailed from exc
        if len(records) > max_rows:
            raise RosterFileError(
                f"数据超过 {max_rows} 行的上限，请拆分成几个文件分批导入（每个文件不超过 {max_rows} 行）。"
            )
    return records


@overload
def read_sheet(
    data: bytes, *, budget: uploads.Budget | None = None, layout: SheetLayout = ..., optional: Literal[False] = False
) -> SheetRead: ...
@overload
def read_sheet(
    data: bytes, *, budget: uploads.Budget | None = None, layout: SheetLayout = ..., optional: bool
) -> SheetRead | None: ...
def read_sheet(
    data: bytes, *, budget: uploads.Budget | None = None, layout: SheetLayout = ROSTER_LAYOUT, optional: bool = False
) -> SheetRead | None:
    """(sheet name, header row, {key: column}, [(excel row, {key: raw value})]) or RosterFileError.

    The sheet named `layout.sheet_name` (名册) is tried first, then the others in order; the header
    is the first of the top 20 rows that names 姓名 and at least two other known columns. Below the
    header at most `layout.max_rows` rows are read, blank or not (a sheet that jumps to row 1,048,576
    is refused at row max_rows + 1, not after a million empty rows), and at most MAX_COLUMNS columns.
    `optional`: a workbook with no such sheet, or one with a header and no data, gives None.
    """
    found: tuple[str, int, dict[str, int], list[tuple[int, Record]]] | None = _read(
        data, budget=budget, layout=layout, optional=optional, convert=None
    )
    return cast("SheetRead | None", found)


def read_sheet_as(
    data: bytes, convert: Callable[[int, Record], _T], *, budget: uploads.Budget | None = None
) -> tuple[str, int, dict[str, int], list[_T]]:
    """read_sheet of the roster, each data row given to convert(excel row, record) as it is read."""
    found = _read(data, budget=budget, layout=ROSTER_LAYOUT, optional=False, convert=convert)
    assert found is not None  # not optional: a file without rows raised
    return found


def _read(
    data: bytes,
    *,
    budget: uploads.Budget | None,
    layout: SheetLayout,
    optional: bool,
    convert: Callable[[int, Record], _T] | None,
) -> tuple[str, int, dict[str, int], list[_T]] | None:
    """read_sheet, each record given to `convert` as it is read when there is one."""
    budget = budget or uploads.Budget("import")
    wb = open_workbook(data, budget=budget, limits=layout.limits, fast_rows=HEADER_SCAN_ROWS + layout.max_rows)
    try:
        for ws in sorted(wb.worksheets, key=lambda ws: ws.title != layout.sheet_name):
            head = list(
                itertools.islice(
                    sheet_rows(ws, budget=budget, max_rows=HEADER_SCAN_ROWS + layout.max_rows), HEADER_SCAN_ROWS
                )
            )
            header_row, column_index = _find_header([values for _number, values in head], layout)
            if header_row is None:
                continue
            _check_header(head[header_row - 1][1], column_index, layout)
            numbered = _rows_below(ws, header_row, budget, layout.max_rows)
            records = _data_records(numbered, column_index, layout.max_rows, convert)
            if not records:
                if optional:
                    return None
                raise RosterFileError(f"工作表“{ws.title}”第{header_row}行是表头，但下面没有数据行。")
            return ws.title, header_row, column_index, records
    except RosterFileError:
        raise
    except _ConvertFailed as e:
        raise cast("Exception", e.__cause__) from None
    except uploads.UploadRefused as e:
        raise RosterFileError(str(e)) from e
    except Exception as exc:  # a damaged sheet fails lazily while its rows are read
        raise RosterFileError("文件已损坏，无法读取其中的数据。请在 Excel 中打开并重新保存为 .xlsx 后再导入。") from exc
    finally:
        wb.close()
    if optional:
        return None
    raise RosterFileError(layout.missing_header)


def _rows_below(
    ws: Any, header_row: int, budget: uploads.Budget, max_rows: int = MAX_ROWS
) -> Iterator[tuple[int, RowValues]]:
    """The rows under the header, refusing row max_rows + 1 below it whether blank or not."""
    try:
        for number, values in sheet_rows(ws, budget=budget, max_rows=header_row + max_rows):
            if number > header_row:
                yield number, values
    except uploads.RowLimitExceeded as e:
        raise RosterFileError(
            f"表头下方超过 {max_rows:,} 行（空行也计算在内）。请删除表格下方多余的空行（选中后“删除行”，"
            f"而不只是清除内容），或拆分成几个文件分批导入（每个文件不超过 {max_rows:,} 行）。"
        ) from e


def _check_header(values: RowValues, column_index: Mapping[str, int], layout: SheetLayout = ROSTER_LAYOUT) -> None:
    missing = [c.header for c in layout.columns if c.required and c.key not in column_index]
    if missing:
        raise RosterFileError(f"表头缺少必填列：{'、'.join(missing)}。请使用下载的模板中的列名。")
    seen: dict[str, int] = {}
    for index, value in enumerate(values, start=1):
        header = normalize_header(value)
        if header and header in seen and _header_key(value, layout)[0]:
            raise RosterFileError(f"表头中“{header}”出现了两次（第{seen[header]}列和第{index}列），请删除多余的一列。")
        seen.setdefault(header, index)
