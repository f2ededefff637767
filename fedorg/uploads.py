"""Uploaded .xlsx files are checked here before openpyxl opens them, and read under a budget.

Why: an .xlsx is a zip of XML. A 765 KB upload can hold a million rows, a few MB can expand to
gigabytes, an XML part can declare entities, and a sheet can claim any dimension. openpyxl
trusts all of that. So every upload (roster import on the web and on the command line, the
public /verify/ page) goes through three steps, each bounded:

1. `check_xlsx(data)` reads the zip index only: file size, entry count, declared uncompressed
   sizes (zipfile never returns more than an entry declares, so the index is a real bound),
   compression ratio, encryption, macros, duplicate names. It then streams each XML part once
   (linear, C-speed) to count cells and tags and to refuse DOCTYPE/ENTITY and non-UTF-8 parts.
   A password-protected .xlsx is an OLE compound file that holds an "EncryptedPackage"
   stream; an old .xls is an OLE file without one: the two get different messages.
2. `open_workbook(data, budget=...)` hands openpyxl a zip whose every read checks the budget:
   a wall-time deadline and a memory ceiling. openpyxl parses a sheet in 16 KB chunks, so a
   slow sheet is stopped within a chunk, not after it.
3. `iter_rows(ws, max_rows=..., max_cols=..., budget=...)` counts every row openpyxl yields,
   blank or not (a sheet that jumps to row 1,048,576 yields every row between), ignores the
   declared dimension, and reads at most `max_cols` columns.

Every refusal is an `UploadRefused` whose message is Chinese and meant for the user.
defusedxml is installed (requirements.txt), so openpyxl parses with it as a second line.

Limits scale with what a caller reads: `Limits.scaled(rows=..., columns=...)` gives every element,
cell and byte cap as rows x columns x a stated allowance per cell (`CellAllowance`, measured on the
city's own roster export), so raising a row cap raises the caps with it and nothing else.

A caller that passes `fast_rows` to `open_workbook` has a plain workbook read by python-calamine
(Rust, ~17x openpyxl's read-only speed) instead, behind the same step 1. The scan of step 1 says
whether calamine can read the file exactly as openpyxl would and within bounded memory (see
`XlsxIndex.fast_refusal`); anything else (formulas, error cells, cells without a reference, a cell
past row 99,999 or a sheet too wide for calamine's dense grid) is read by openpyxl as before.
"""

from __future__ import annotations

import datetime
import io
import re
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any, Literal

from django.conf import settings

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
ENCRYPTED_STREAM_NAMES = ("EncryptedPackage".encode("utf-16-le"), "EncryptionInfo".encode("utf-16-le"))
MACRO_PARTS = re.compile(r"(^|/)vbaProject\.bin$|(^|/)vbaData\.xml$|\.bin$", re.IGNORECASE)
MACRO_CONTENT_TYPE = b"macroEnabled"
XML_SUFFIXES = (".xml", ".rels", ".vml")
SCAN_CHUNK = 256 * 1024
DTD_MARKERS = (b"<!DOCTYPE", b"<!ENTITY", b"<!doctype", b"<!entity")
XML_DECL_ENCODING = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
# A cell element, plain or with a namespace prefix: <c r=.. >, <c/>, <x:c ...>.
CELL_MARKERS = tuple(prefix + b"c" + end for prefix in (b"<", b":") for end in (b" ", b">", b"/", b"\t", b"\n", b"\r"))


@dataclass(frozen=True)
class CellAllowance:
    """What one cell of an honest workbook may cost, with headroom; every scaled limit is rows x columns x this.

    Measured on the demo city's roster export (48,564 rows x 25 columns, 1,043,522 cells written by
    XlsxWriter with inline strings, the densest XML we write): 2.95 start tags, 57 bytes of sheet XML
    and 6.0 bytes of zip per cell. Excel's own files (shared strings) cost less per cell in the sheet
    and add a shared-string part, which the total allows for.
    """

    tags: int = 8  # <c><is><t> for an inline string, <c><v> for a number, a rich-text run's <r><rPr>..
    part_bytes: int = 80  # one XML part, uncompressed: the export's 57 and 40% more
    total_bytes: int = 88  # all parts, uncompressed: one sheet as dense as that, and its shared strings
    zip_bytes: int = 12  # the upload itself, compressed: twice the export's 6
    fixed_bytes: int = 4 * 1024 * 1024  # styles, theme, a title row's merged cells: per file, not per cell


CELL_ALLOWANCE = CellAllowance()


@dataclass(frozen=True)
class Limits:
    """What one upload may contain. The defaults let a 20,000-row, 24-column roster through."""

    max_file_bytes: int = 10 * 1024 * 1024
    max_entries: int = 500
    max_total_bytes: int = 160 * 1024 * 1024  # all entries, uncompressed
    max_part_bytes: int = 64 * 1024 * 1024  # one entry, uncompressed
    max_ratio: int = 100  # uncompressed / compressed, for entries over ratio_floor
    ratio_floor: int = 2 * 1024 * 1024
    max_cells: int = 600_000  # cell elements in all sheets
    max_tags: int = 2_500_000  # start tags in one XML part

    @classmethod
    def scaled(cls, *, rows: int, columns: int, allowance: CellAllowance = CELL_ALLOWANCE) -> Limits:
        """Limits for a sheet of `rows` x `columns` cells: each cap is the cells times its allowance per cell.

        Never below the defaults (a small cap still admits an ordinary file's styles and theme).
        """
        cells = rows * columns
        base = cls()
        return cls(
            max_file_bytes=max(base.max_file_bytes, _whole_mb(cells * allowance.zip_bytes + allowance.fixed_bytes)),
            max_total_bytes=max(base.max_total_bytes, _whole_mb(cells * allowance.total_bytes + allowance.fixed_bytes)),
            max_part_bytes=max(base.max_part_bytes, _whole_mb(cells * allowance.part_bytes)),
            max_cells=max(base.max_cells, cells),
            max_tags=max(base.max_tags, cells * allowance.tags),
        )


def _whole_mb(n: int) -> int:
    """n bytes rounded up to whole MB, so that every message names the cap as the same number."""
    return -(-n // (1024 * 1024)) * 1024 * 1024


DEFAULT_LIMITS = Limits()


class UploadRefused(Exception):
    """The file is not read; `str(error)` is the message for the user."""


class BudgetExceeded(UploadRefused):
    """The work ran out of time or memory; nothing was written."""


class RowLimitExceeded(UploadRefused):
    """A sheet has more rows (blank ones included) than the caller reads."""


def _mb(n: float) -> str:
    return f"{n / (1024 * 1024):.0f} MB"


# --- 1. the zip index and a linear scan ------------------------------------------------------------


# What calamine must not be given (see XlsxIndex.fast_refusal), found by the same linear scan.
FORMULA_MARKERS = (b"<f>", b"<f ", b":f>", b":f ")
ERROR_CELL_MARKER = b't="e"'
REFERENCED_CELL_MARKERS = (b'<c r="', b':c r="')
ROW_MARKERS = (b"<row", b":row ", b":row>")
# Characters XML 1.0 forbids: lxml (openpyxl) refuses the part, calamine would read it.
XML_CONTROL_CHARACTER = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# A reference past column Z (captured) or at row 100,000 and beyond (empty capture).
FAR_REFERENCE = re.compile(rb'r="(?:([A-Z]{2,3})[0-9]|[A-Z]?[0-9]{6})')
FAST_MAX_ROW = 99_999  # no reference has six digits
# calamine builds each sheet as a dense grid (first to last cell, ~32 bytes a slot): at most this many slots.
FAST_MAX_GRID = 4_000_000


@dataclass
class XlsxIndex:
    entries: int = 0
    total_bytes: int = 0
    cells: int = 0
    largest_part: str = ""
    row_tags: int = 0  # <row> elements in the fullest worksheet
    # Why python-calamine may not read this file ("" if it may): formulas (openpyxl marks one without a
    # cached value, calamine reads it as blank), error cells (#N/A: openpyxl gives the text, calamine
    # nothing), characters XML forbids (lxml refuses the part, calamine reads on), cells without a
    # reference (placed by counting), or a grid calamine would allocate too large.
    fast_refusal: str = ""


@dataclass
class _PartScan:
    cells: int = 0
    referenced_cells: int = 0
    formulas: int = 0
    error_cells: int = 0
    control_characters: bool = False
    row_tags: int = 0
    last_column: int = 26  # the widest reference seen, from column Z up
    far_row: bool = False

    def fast_refusal(self) -> str:
        if self.formulas:
            return "formulas"
        if self.error_cells:
            return "error cells"
        if self.control_characters:
            return "control characters"
        if self.referenced_cells != self.cells:
            return "cells without a reference"
        if self.far_row:
            return "a reference at row 100,000 or beyond"
        if FAST_MAX_ROW * self.last_column > FAST_MAX_GRID:
            return f"a reference in column {self.last_column}"
        return ""


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def check_xlsx(data: bytes, *, limits: Limits = DEFAULT_LIMITS, what: str = "文件") -> XlsxIndex:
    """Refuse (UploadRefused) anything but a plain, bounded .xlsx; return what was counted."""
    if not data:
        raise UploadRefused(f"{what}是空的，请重新选择。")
    if len(data) > limits.max_file_bytes:
        raise UploadRefused(f"{what}超过 {_mb(limits.max_file_bytes)}，请删除无关的工作表或拆分后再上传。")
    if data[:8] == OLE_MAGIC or data[:4] == OLE_MAGIC[:4]:
        if any(name in data for name in ENCRYPTED_STREAM_NAMES):
            raise UploadRefused(
                "文件已加密，请在 Excel 中取消密码（文件→信息→保护工作簿→用密码进行加密，清空密码）后再上传。"
            )
        raise UploadRefused("这是旧版 Excel（.xls）或 WPS 格式的文件，请在 Excel 中“另存为 .xlsx”后再上传。")
    if data[:4] != ZIP_MAGIC:
        raise UploadRefused(f"{what}不是 Excel（.xlsx）格式，请使用下载的模板或“另存为 .xlsx”后再上传。")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise UploadRefused(
            f"{what}不完整或已损坏（可能在下载或复制时被截断），请在 Excel 中重新保存为 .xlsx 后再上传。"
        ) from exc
    with archive:
        infos = archive.infolist()
        index = _check_index(infos, len(data), limits, what)
        names = {info.filename for info in infos}
        if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
            raise UploadRefused(f"{what}是压缩包，但不是 Excel 工作簿（.xlsx），请检查是否选错了文件。")
        for info in infos:
            if info.filename.lower().endswith(XML_SUFFIXES):
                scan = _scan_xml(archive, info, limits, what)
                index.cells += scan.cells
                if scan.cells or scan.row_tags:
                    index.row_tags = max(index.row_tags, scan.row_tags)
                    index.fast_refusal = index.fast_refusal or scan.fast_refusal()
                if index.cells > limits.max_cells:
                    raise UploadRefused(
                        f"{what}中的单元格超过 {limits.max_cells:,} 个（含空单元格），请删除多余的行和列，或拆分后分批上传。"
                    )
    return index


def _check_index(infos: list[zipfile.ZipInfo], size: int, limits: Limits, what: str) -> XlsxIndex:
    if len(infos) > limits.max_entries:
        raise UploadRefused(
            f"{what}包含 {len(infos)} 个内部部件，超过 {limits.max_entries} 个的上限，不像是普通的 Excel 文件。"
        )
    index = XlsxIndex(entries=len(infos))
    seen: set[str] = set()
    largest = 0
    for info in infos:
        if info.filename in seen:
            raise UploadRefused(f"{what}内部有重名的部件（{info.filename}），已损坏或被篡改，请重新保存后再上传。")
        seen.add(info.filename)
        if info.flag_bits & 0x1:
            raise UploadRefused("文件已加密，请取消密码后再上传。")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UploadRefused(f"{what}使用了 Excel 不会使用的压缩方式，请在 Excel 中重新保存为 .xlsx 后再上传。")
        if MACRO_PARTS.search(info.filename):
            raise UploadRefused(
                "文件包含宏或嵌入的程序（.xlsm），请在 Excel 中“另存为 .xlsx（Excel 工作簿）”后再上传。"
            )
        if info.header_offset + info.compress_size > size:
            raise UploadRefused(f"{what}不完整（可能在下载或复制时被截断），请在 Excel 中重新保存为 .xlsx 后再上传。")
        if info.file_size > limits.max_part_bytes:
            raise UploadRefused(
                f"{what}中的“{info.filename}”解压后有 {_mb(info.file_size)}，超过 {_mb(limits.max_part_bytes)} 的上限"
                "（常见原因：大量空行或空列被设置了格式）。请删除多余的行和列后再上传。"
            )
        if info.file_size > limits.ratio_floor and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise UploadRefused(
                f"{what}中的“{info.filename}”压缩比异常（{info.file_size // max(info.compress_size, 1)} 倍），"
                "通常是大量空行或重复内容，请删除多余的行和列后再上传。"
            )
        index.total_bytes += info.file_size
        if info.file_size > largest:
            largest, index.largest_part = info.file_size, info.filename
    if index.total_bytes > limits.max_total_bytes:
        raise UploadRefused(
            f"{what}解压后共 {_mb(index.total_bytes)}，超过 {_mb(limits.max_total_bytes)} 的上限，请删除多余的行、列和图片后再上传。"
        )
    return index


def _scan_xml(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits, what: str) -> _PartScan:
    """Stream one XML part once: refuse DTDs and odd encodings, count start tags and cells, note what calamine needs."""
    tags = 0
    scan = _PartScan()
    tail = b""
    head = None
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(SCAN_CHUNK):
                if head is None:
                    head = chunk[:512]
                    _check_encoding(head, info.filename, what)
                window = tail + chunk
                if any(marker in window for marker in DTD_MARKERS):
                    raise UploadRefused(
                        f"{what}的“{info.filename}”含有 XML 实体声明（DOCTYPE/ENTITY），Excel 不会写这种内容，已拒绝读取。"
                        "请在 Excel 中重新保存为 .xlsx 后再上传。"
                    )
                # Tags are counted on the chunk alone (a split "<" is under-counted by one per chunk,
                # which the limits' margin absorbs); markers on the window, less those wholly in the
                # tail (counted with the chunk before), so a marker split between chunks counts once.
                tags += chunk.count(b"<") - chunk.count(b"</")
                scan.cells += _count_cells(window, tail)
                if tags > limits.max_tags:
                    raise UploadRefused(
                        f"{what}的“{info.filename}”包含超过 {limits.max_tags:,} 个 XML 元素，请删除多余的行和列后再上传。"
                    )
                if info.filename.startswith("xl/worksheets/"):
                    _note_for_calamine(scan, chunk, window)
                tail = chunk[-16:]
    except UploadRefused:
        raise
    except Exception as exc:  # BadZipFile (bad CRC), zlib.error, EOFError ...: one answer for the user
        raise UploadRefused(
            f"{what}已损坏（“{info.filename}”无法解压），请在 Excel 中重新保存为 .xlsx 后再上传。"
        ) from exc
    return scan


UNPREFIXED_CELL_MARKERS = tuple(marker for marker in CELL_MARKERS if marker[:1] == b"<")


def _count_cells(window: bytes, tail: bytes) -> int:
    """CELL_MARKERS that end in the window's new chunk; the prefixed forms (<x:c ...>) only where a
    ":c" occurs at all, which saves six passes over a sheet written without prefixes."""
    if b":c" in window:
        return _count_new(CELL_MARKERS, window, tail)
    return _count_new(UNPREFIXED_CELL_MARKERS, window, tail)


def _count_new(markers: tuple[bytes, ...], window: bytes, tail: bytes) -> int:
    """Markers (each at most len(tail) bytes) that end in the window's new chunk."""
    return sum(window.count(marker) - tail.count(marker) for marker in markers)


def _note_for_calamine(scan: _PartScan, chunk: bytes, window: bytes) -> None:
    """Count, in a worksheet's chunk, what decides whether calamine may read it (XlsxIndex.fast_refusal)."""
    tail = window[: len(window) - len(chunk)]
    scan.row_tags += _count_new(ROW_MARKERS, window, tail)
    if scan.formulas or scan.error_cells or scan.control_characters or scan.far_row:
        return  # openpyxl reads this file whatever else it holds: no more counting for calamine
    scan.referenced_cells += _count_new(REFERENCED_CELL_MARKERS, window, tail)
    scan.formulas += _count_new(FORMULA_MARKERS, window, tail)
    scan.error_cells += _count_new((ERROR_CELL_MARKER,), window, tail)
    scan.control_characters = XML_CONTROL_CHARACTER.search(chunk) is not None
    # On the window, so a reference split across two chunks is still seen (perhaps twice: a maximum).
    for columns in FAR_REFERENCE.findall(window):
        if not columns:
            scan.far_row = True
            return
        scan.last_column = max(scan.last_column, _column_number(columns))


def _check_encoding(head: bytes, name: str, what: str) -> None:
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in head[:4]:
        raise UploadRefused(f"{what}的“{name}”不是 UTF-8 编码，Excel 不会这样保存，请重新保存为 .xlsx 后再上传。")
    match = XML_DECL_ENCODING.match(head.removeprefix(b"\xef\xbb\xbf"))
    if match and match.group(1).lower() not in (b"utf-8", b"utf8"):
        raise UploadRefused(f"{what}的“{name}”不是 UTF-8 编码，Excel 不会这样保存，请重新保存为 .xlsx 后再上传。")


# --- 2. the budget --------------------------------------------------------------------------------


def _rss_bytes() -> int | None:
    """Resident memory of this process now (Linux /proc), or None where unknown."""
    try:
        with open("/proc/self/statm", "rb") as handle:
            pages = int(handle.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    import resource

    return pages * resource.getpagesize()


class Budget:
    """A wall-time deadline and a memory ceiling for one import or verification.

    `check()` is cheap (a clock read; memory every 64th call) and is called from the row loop
    and from every read openpyxl makes. Memory is the growth of this process's resident set
    since the budget started, so a threaded server counts other requests too: it errs on the
    side of refusing. `seconds`/`memory_bytes` default to settings.UPLOAD_BUDGET[kind].
    """

    def __init__(self, kind: str = "import", *, seconds: float | None = None, memory_bytes: int | None = None) -> None:
        defaults = getattr(settings, "UPLOAD_BUDGET", {}).get(kind, {})
        self.kind = kind
        self.seconds = seconds if seconds is not None else defaults.get("seconds", 60)
        self.memory_bytes = memory_bytes if memory_bytes is not None else defaults.get("memory_mb", 512) * 1024 * 1024
        self.started = time.monotonic()
        self.deadline = self.started + self.seconds
        self.rss_at_start = _rss_bytes()
        self.calls = 0

    @property
    def label(self) -> str:
        return {"import": "导入", "verify": "核对"}.get(self.kind, "处理")

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def check(self) -> None:
        self.calls += 1
        if time.monotonic() > self.deadline:
            raise BudgetExceeded(
                f"{self.label}超过了 {self.seconds:g} 秒的处理时限，已停止，未写入任何数据。"
                "请删除多余的行、列和工作表，或拆分成几个文件分批上传。"
            )
        if self.calls % 64 == 0 and self.rss_at_start is not None:
            now = _rss_bytes()
            if now is not None and now - self.rss_at_start > self.memory_bytes:
                raise BudgetExceeded(
                    f"{self.label}所需内存超过 {_mb(self.memory_bytes)} 的上限，已停止，未写入任何数据。"
                    "请删除多余的行、列、图片和工作表，或拆分成几个文件分批上传。"
                )


class address_space_limit:  # noqa: N801 - used as a context manager, reads like a function
    """Cap this process's address space (RLIMIT_AS) for a command-line run, where available.

    Process-wide, so only for single-purpose processes such as `manage.py import_roster`,
    never inside a threaded web server. A failed allocation then raises MemoryError, which
    the caller turns into a refusal. Restores the previous soft limit on exit.
    """

    def __init__(self, extra_bytes: int) -> None:
        self.extra_bytes = extra_bytes
        self.previous: tuple[int, int] | None = None

    def __enter__(self) -> address_space_limit:
        try:
            import resource

            soft, hard = resource.getrlimit(resource.RLIMIT_AS)
            with open("/proc/self/statm", "rb") as handle:
                current = int(handle.read().split()[0]) * resource.getpagesize()
            wanted = current + self.extra_bytes
            if hard != resource.RLIM_INFINITY:
                wanted = min(wanted, hard)
            if soft == resource.RLIM_INFINITY or soft > wanted:
                resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))
                self.previous = (soft, hard)
        except (ImportError, OSError, ValueError):
            self.previous = None
        return self

    def __exit__(self, *exc: object) -> Literal[False]:
        if self.previous is not None:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, self.previous)
        return False


class _BudgetedStream(io.RawIOBase):
    """A zip member whose every read first checks the budget."""

    def __init__(self, inner: IO[bytes], budget: Budget) -> None:
        self.inner = inner
        self.budget = budget

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        self.budget.check()
        return self.inner.read(size)

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self.inner.close()
        super().close()


class _BudgetedZipFile(zipfile.ZipFile):
    budget: Budget | None = None

    def open(  # type: ignore[override]  # a read gives a budget-checking stream, not typeshed's IO[bytes]
        self,
        name: str | zipfile.ZipInfo,
        mode: Literal["r", "w"] = "r",
        pwd: bytes | None = None,
        *,
        force_zip64: bool = False,
    ) -> IO[bytes] | _BudgetedStream:
        inner = super().open(name, mode, pwd, force_zip64=force_zip64)
        if mode != "r" or self.budget is None:
            return inner
        return _BudgetedStream(inner, self.budget)


def _reader_classes() -> tuple[type[Any], type[Any]]:
    """openpyxl's reader and read-only sheet, adapted (openpyxl 3.1.5, pinned):

    - a read-only sheet no longer scans itself for a <dimension> when it opens: openpyxl parses
      the whole sheet looking for one when it is missing (a million rows, 20 s, before any row
      loop could count them); iter_rows below ignores dimensions anyway;
    - its rows come from `parser_class`, so a caller can ask for FormulaWithoutValue markers;
    - chartsheets are skipped (nothing here reads charts, and they pull in drawings and images).
    """
    from openpyxl.cell.read_only import EMPTY_CELL
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet
    from openpyxl.worksheet._reader import WorkSheetParser

    class GuardedSheet(ReadOnlyWorksheet):
        parser_class = WorkSheetParser

        def _get_size(self) -> None:
            """Dimensions are not read: they may lie, and finding them may mean parsing everything."""

        def _cells_by_row(
            self, min_col: int, min_row: int, max_col: int | None, max_row: int | None, values_only: bool = False
        ) -> Iterator[tuple[Any, ...]]:
            filler = None if values_only else EMPTY_CELL
            empty_row = (filler,) * (max_col + 1 - min_col) if max_col is not None else ()
            counter = min_row
            with self._get_source() as src:
                parser = self.parser_class(
                    src,
                    self._shared_strings,
                    data_only=self.parent.data_only,
                    epoch=self.parent.epoch,
                    date_formats=self.parent._date_formats,
                    timedelta_formats=self.parent._timedelta_formats,
                )
                for idx, row in parser.parse():
                    if max_row is not None and idx > max_row:
                        break
                    for _ in range(counter, idx):  # rows missing from the file are blank rows
                        counter += 1
                        yield empty_row
                    if counter <= idx:
                        counter += 1
                        yield self._get_row(row, min_col, max_col, values_only)

    class GuardedReader(ExcelReader):
        def read_worksheets(self) -> None:
            if not self.read_only:
                return super().read_worksheets()
            for sheet, rel in self.parser.find_sheets():
                if rel.target not in self.valid_files or "chartsheet" in rel.Type:
                    continue
                ws = GuardedSheet(self.wb, sheet.name, rel.target, self.shared_strings)
                ws.sheet_state = sheet.state
                self.wb._sheets.append(ws)
            return None

    return GuardedReader, GuardedSheet


def open_workbook(
    data: bytes,
    *,
    budget: Budget,
    limits: Limits = DEFAULT_LIMITS,
    what: str = "文件",
    read_only: bool = True,
    data_only: bool = True,
    fast_rows: int | None = None,
) -> Any:
    """check_xlsx, then openpyxl's workbook reading through a budget-checking zip.

    With `fast_rows` (the most rows the caller reads), a file whose scan found nothing calamine
    reads differently (XlsxIndex.fast_refusal) and no sheet with more <row> elements is read by
    python-calamine instead: a CalamineBook, whose sheets iter_rows() reads like openpyxl's.
    Raises UploadRefused (BudgetExceeded included) for every fault; any other reader error on
    a file that passed the guard is reported as a damaged file.
    """
    reader_class, _sheet_class = _reader_classes()
    index = check_xlsx(data, limits=limits, what=what)
    budget.check()
    if fast_rows is not None and read_only and data_only and not index.fast_refusal and index.row_tags <= fast_rows:
        return CalamineBook(data, budget=budget, what=what)
    try:
        reader = reader_class(io.BytesIO(data), read_only=read_only, data_only=data_only, keep_links=False)
        reader.archive.close()
        archive = _BudgetedZipFile(io.BytesIO(data))
        archive.budget = budget
        reader.archive = archive
        reader.read()
        return reader.wb
    except UploadRefused:
        raise
    except MemoryError as exc:
        raise BudgetExceeded(f"{budget.label}所需内存超过上限，已停止，未写入任何数据。请拆分文件后再上传。") from exc
    except Exception as exc:  # openpyxl raises many types on a damaged file; the user needs one answer
        raise UploadRefused(f"{what}已损坏，无法打开。请在 Excel 中打开并重新保存为 .xlsx 后再上传。") from exc


def _calamine_refusal(what: str, exc: BaseException) -> UploadRefused:
    refusal = UploadRefused(f"{what}已损坏，无法打开。请在 Excel 中打开并重新保存为 .xlsx 后再上传。")
    refusal.__cause__ = exc
    return refusal


def _as_openpyxl_reads(value: Any) -> Any:
    """A calamine cell value as openpyxl's read-only, data-only reader gives it.

    A blank cell is None, not ""; a whole number is an int (openpyxl casts "5" to 5; calamine gives
    5.0); a date cell is a datetime at midnight (openpyxl never gives a bare date). Beyond 2**53 a
    float has no exact int; Excel itself keeps 15 digits, so such a cell reads as the float it is.
    Times, durations, booleans and text are the same in both.
    """
    kind = type(value)
    if kind is str:
        return value or None
    if kind is float:
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if kind is datetime.date:
        return datetime.datetime(value.year, value.month, value.day)  # noqa: DTZ001 - Excel dates are naive
    return value


class CalamineSheet:
    """One worksheet read by python-calamine, iterated as GuardedSheet is: values from row 1, max_col wide.

    The sheet is parsed (in Rust, whole) on the first iteration, with the budget checked around it:
    the scan of check_xlsx has bounded its cells and its grid. python-calamine 0.9 gives rows from
    row 1 but columns from the first used one; the leading columns are put back here.
    """

    def __init__(self, book: Any, title: str, budget: Budget, what: str) -> None:
        self._book = book
        self._sheet: Any = None
        self.title = title
        self.budget = budget
        self.what = what

    def _load(self) -> Any:
        if self._sheet is None:
            self.budget.check()
            try:
                self._sheet = self._book.get_sheet_by_name(self.title)
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as exc:  # calamine's errors, and a Rust panic (pyo3's PanicException is no Exception)
                raise _calamine_refusal(self.what, exc) from exc
            self.budget.check()
        return self._sheet

    @property
    def last_row(self) -> int:
        """The number of the sheet's last row with a cell (0 when empty): known before any row is read."""
        end = self._load().end
        return 0 if end is None else end[0] + 1

    def iter_rows(self, *, min_row: int = 1, max_col: int, values_only: bool = True) -> Iterator[tuple[Any, ...]]:
        sheet = self._load()
        start = sheet.start
        if start is None:
            return
        lead: tuple[None, ...] = (None,) * min(start[1], max_col)
        keep = max_col - len(lead)
        number = 0
        for values in sheet.iter_rows():
            number += 1
            if number < min_row:
                continue
            row = lead + tuple([_as_openpyxl_reads(value) for value in values[:keep]])
            yield row + (None,) * (max_col - len(row))


class CalamineBook:
    """A workbook read by python-calamine, with what the roster reader uses of openpyxl's: worksheets, close()."""

    def __init__(self, data: bytes, *, budget: Budget, what: str) -> None:
        import python_calamine

        try:
            self._book = python_calamine.CalamineWorkbook.from_object(io.BytesIO(data))
            names = [
                sheet.name
                for sheet in self._book.sheets_metadata
                if sheet.typ == python_calamine.SheetTypeEnum.WorkSheet
            ]
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # calamine's errors, and a Rust panic (pyo3's PanicException is no Exception)
            raise _calamine_refusal(what, exc) from exc
        self.worksheets = [CalamineSheet(self._book, name, budget, what) for name in names]

    @property
    def sheetnames(self) -> list[str]:
        return [ws.title for ws in self.worksheets]

    def __getitem__(self, name: str) -> CalamineSheet:
        return next(ws for ws in self.worksheets if ws.title == name)

    def close(self) -> None:
        self._book.close()


# --- 3. the row loop ------------------------------------------------------------------------------


def iter_rows(
    ws: Any, *, max_rows: int, max_cols: int, budget: Budget, min_row: int = 1, what: str = "工作表"
) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(row number, values) for rows min_row.., every row counted whether blank or not.

    Refuses once row number `max_rows + 1` appears; reads at most `max_cols` columns; ignores
    the sheet's declared dimension (it can claim A1:XFD1048576, or be missing).
    """
    if hasattr(ws, "reset_dimensions"):
        ws.reset_dimensions()
    too_many = RowLimitExceeded(
        f"{what}“{ws.title}”超过 {max_rows:,} 行（空行也计算在内）。"
        "请删除表格下方多余的空行（选中后“删除行”，而不只是清除内容），或拆分成几个文件分批上传。"
    )
    number = min_row - 1
    try:
        # A sheet calamine has read knows its last row: refused before its rows are read and parsed.
        if getattr(ws, "last_row", 0) > max_rows:
            raise too_many
        for values in ws.iter_rows(min_row=min_row, max_col=max_cols, values_only=True):
            number += 1
            if number > max_rows:
                raise too_many
            budget.check()
            yield number, values
    except UploadRefused:
        raise
    except MemoryError as exc:
        raise BudgetExceeded(f"{budget.label}所需内存超过上限，已停止，未写入任何数据。请拆分文件后再上传。") from exc
    except Exception as exc:  # a damaged sheet fails lazily while its rows are read
        raise UploadRefused(
            f"{what}“{ws.title}”已损坏，无法读取其中的数据。请在 Excel 中重新保存为 .xlsx 后再上传。"
        ) from exc


# --- formula cells that carry no computed value ------------------------------------------------------


class FormulaWithoutValue(str):
    """A cell holding a formula but no cached result (a file written by a program, not Excel).

    Read with data_only=True, openpyxl gives None for such a cell, and the user would be told
    "请填写姓名" about a cell she did fill. The roster reader sees this marker instead and says
    that the formula has no computed value. The string is the formula text.
    """


def _formula_aware_parser() -> type[Any]:
    from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

    class FormulaAwareParser(WorkSheetParser):
        def parse_cell(self, element: Any) -> dict[str, Any]:
            cell = super().parse_cell(element)
            if self.data_only and cell["value"] is None:
                formula = element.find(FORMULA_TAG)
                if formula is not None:
                    cell["value"] = FormulaWithoutValue("=" + (formula.text or ""))
            return cell

    return FormulaAwareParser


def mark_formulas_without_value(wb: Any) -> Any:
    """Make the sheets of `wb` (from open_workbook) yield FormulaWithoutValue for formula cells with no result."""
    parser_class = _formula_aware_parser()
    for ws in wb.worksheets:
        if hasattr(ws, "parser_class"):
            ws.parser_class = parser_class
    return wb


# --- attachments (经验材料): the type is read from the content, never from the file name ---------------

PDF_MAGIC = b"%PDF-"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
ATTACHMENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
ATTACHMENT_KINDS = "PDF、Word（.docx）、Excel（.xlsx）、JPG 或 PNG"
# An Office document may hold pictures; it is still checked for zip bombs, macros and damage.
ATTACHMENT_ZIP_LIMITS = Limits(max_file_bytes=10 * 1024 * 1024, max_ratio=200)


def sniff_attachment(data: bytes, *, what: str = "附件") -> str:
    """The attachment's type by its content, one of ATTACHMENT_TYPES' keys, or UploadRefused.

    PDF, PNG and JPEG by their signatures; .docx and .xlsx as zips whose index passes the same
    checks as an imported workbook (size, entries, ratio, encryption, macros) and that hold a Word
    document or an Excel workbook. Anything else, a renamed file included, is refused.
    """
    if not data:
        raise UploadRefused(f"{what}是空的，请重新选择。")
    if data.startswith(PDF_MAGIC):
        return "pdf"
    if data.startswith(PNG_MAGIC):
        return "png"
    if data.startswith(JPEG_MAGIC):
        return "jpg"
    if data[:4] == OLE_MAGIC[:4]:
        raise UploadRefused(
            f"{what}是旧版 Word/Excel（.doc/.xls）或加密的文件，请另存为 .docx 或 .xlsx（并取消密码）后再上传。"
        )
    if data[:4] == ZIP_MAGIC:
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
            raise UploadRefused(f"{what}不完整或已损坏，请重新保存后再上传。") from exc
        with archive:
            infos = archive.infolist()
            _check_index(infos, len(data), ATTACHMENT_ZIP_LIMITS, what)
            names = {info.filename for info in infos}
        if "[Content_Types].xml" in names and "word/document.xml" in names:
            return "docx"
        if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
            return "xlsx"
        raise UploadRefused(f"{what}是压缩包，不是 Word 或 Excel 文件。只能上传 {ATTACHMENT_KINDS} 文件。")
    raise UploadRefused(
        f"{what}不是可接受的文件类型（按文件内容判断，与扩展名无关）。只能上传 {ATTACHMENT_KINDS} 文件。"
    )
