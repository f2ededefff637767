"""A hostile corpus of .xlsx uploads, generated cheaply and deterministically.

    python tests/hostile/make_corpus.py /tmp/corpus      # writes the files and an index

Each sample says what must happen to it: `guard` is a fragment of the refusal that
fedorg.uploads.check_xlsx gives (None: the guard lets it through, the importer decides), and
`outcome` is "imported" (with `rows` rows written into 道里区 230102) or "refused" (a clear
message containing `message`, nothing written).

Bombs are built without ever holding their expanded form: a raw deflate stream of one chunk,
flushed with Z_FULL_FLUSH, is byte-identical each time, so N copies of it decompress to the
chunk repeated N times; the CRC comes from crc32_combine. A 3 GB sheet costs 3 MB and ~0.1 s.
"""

import copy
import datetime
import io
import random
import struct
import sys
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

UNIT_CODE = "230102"
HEADERS = ["姓名", "性别", "出生年月", "身份证号", "手机号码", "妇联职务", "任职时间"]
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
SHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
BOOK_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
MACRO_BOOK_CT = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
# The roster import's caps, scaled from its row cap (members.roster_xlsx.columns.ROSTER_LIMITS; a test
# checks they agree): the cell and element bombs are just over them, so every upload path refuses them.
ROSTER_MAX_CELLS = 1_800_600
ROSTER_MAX_TAGS = 14_404_800
ROSTER_MAX_FILE_BYTES = 25 * 1024 * 1024


@dataclass
class Sample:
    name: str
    data: bytes
    guard: str | None  # fragment of check_xlsx's refusal; None when the guard passes it
    outcome: str  # "imported" | "refused"
    message: str = ""  # fragment of the importer's message when refused
    rows: int = 0  # people written when imported
    note: str = ""


# --- identity numbers ----------------------------------------------------------------------------


def id_number(serial, birth="19750315"):
    first17 = f"{UNIT_CODE}{birth}{serial:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return first17 + "10X98765432"[total % 11]


def person_row(i, **over):
    row = {
        "姓名": f"测试{'甲乙丙丁戊己庚辛壬癸'[i % 10]}{i:03d}",
        "性别": "女",
        "出生年月": "1975.03",
        "身份证号": id_number((2 * i + 2) % 1000),
        "手机号码": f"1381234{i:04d}",
        "妇联职务": "执委",
        "任职时间": "2016-06-02",
    }
    row.update(over)
    return [row[h] for h in HEADERS]


# --- zip building --------------------------------------------------------------------------------


def _gf2_times(mat, vec):
    total, i = 0, 0
    while vec:
        if vec & 1:
            total ^= mat[i]
        vec >>= 1
        i += 1
    return total


def _gf2_square(mat):
    return [_gf2_times(mat, mat[n]) for n in range(32)]


def crc32_combine(crc1, crc2, len2):
    """zlib's crc32_combine: the CRC of A+B from crc(A), crc(B) and len(B)."""
    if len2 <= 0:
        return crc1
    odd = [0xEDB88320] + [1 << n for n in range(31)]
    even = _gf2_square(odd)
    odd = _gf2_square(even)
    while True:
        even = _gf2_square(odd)
        if len2 & 1:
            crc1 = _gf2_times(even, crc1)
        len2 >>= 1
        if not len2:
            break
        odd = _gf2_square(even)
        if len2 & 1:
            crc1 = _gf2_times(odd, crc1)
        len2 >>= 1
        if not len2:
            break
    return crc1 ^ crc2


class Entry:
    """One zip member: its raw deflate (or stored) bytes, CRC and sizes, possibly lying."""

    def __init__(self, name, data=b"", *, method=8, flags=0):
        self.name, self.method, self.flags = name, method, flags
        if method == 8:
            c = zlib.compressobj(6, zlib.DEFLATED, -15)
            self.raw = c.compress(data) + c.flush()
        else:
            self.raw = data
        self.crc, self.size = zlib.crc32(data), len(data)

    @classmethod
    def repeated(cls, name, prefix, chunk, count, suffix):
        """prefix + chunk * count + suffix, compressed once per distinct piece."""
        entry = cls.__new__(cls)
        entry.name, entry.method, entry.flags = name, 8, 0
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        head = c.compress(prefix) + c.flush(zlib.Z_FULL_FLUSH)
        block = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
        again = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
        assert block == again, "a full flush should make each chunk compress identically"
        tail = c.compress(suffix) + c.flush()
        entry.raw = head + block * count + tail
        crc_chunk, crc = zlib.crc32(chunk), zlib.crc32(prefix)
        # crc of chunk*count by doubling
        rep_crc, rep_len, n, acc_crc, acc_len = crc_chunk, len(chunk), count, 0, 0
        while n:
            if n & 1:
                acc_crc = crc32_combine(acc_crc, rep_crc, rep_len) if acc_len else rep_crc
                acc_len += rep_len
            rep_crc = crc32_combine(rep_crc, rep_crc, rep_len)
            rep_len *= 2
            n >>= 1
        crc = crc32_combine(crc, acc_crc, acc_len) if acc_len else crc
        entry.crc = crc32_combine(crc, zlib.crc32(suffix), len(suffix))
        entry.size = len(prefix) + len(chunk) * count + len(suffix)
        return entry


def build_zip(entries, *, declared_sizes=None):
    """Local headers, data, central directory and end record, written by hand (sizes < 4 GB)."""
    out = io.BytesIO()
    central = []
    for entry in entries:
        size = (declared_sizes or {}).get(entry.name, entry.size)
        name = entry.name.encode()
        offset = out.tell()
        out.write(
            struct.pack(
                "<4s5H3L2H",
                b"PK\x03\x04",
                20,
                entry.flags,
                entry.method,
                0,
                0x21,
                entry.crc,
                len(entry.raw),
                size,
                len(name),
                0,
            )
        )
        out.write(name)
        out.write(entry.raw)
        central.append(
            struct.pack(
                "<4s6H3L5H2L",
                b"PK\x01\x02",
                20,
                20,
                entry.flags,
                entry.method,
                0,
                0x21,
                entry.crc,
                len(entry.raw),
                size,
                len(name),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + name
        )
    start = out.tell()
    for record in central:
        out.write(record)
    out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(central), len(central), out.tell() - start, start, 0))
    return out.getvalue()


def content_types(sheets=1, *, book_ct=BOOK_CT, extra=""):
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{SHEET_CT}"/>' for i in range(1, sheets + 1)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="{CT_NS}">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{book_ct}"/>{overrides}{extra}</Types>'
    ).encode()


def skeleton(sheets=1, *, book_ct=BOOK_CT, workbook=None):
    names = "".join(f'<sheet name="名册{i}" sheetId="{i}" r:id="rId{i}"/>' for i in range(1, sheets + 1))
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="{REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, sheets + 1)
    )
    return [
        Entry("[Content_Types].xml", content_types(sheets, book_ct=book_ct)),
        Entry(
            "_rels/.rels",
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL_NS}">'
            f'<Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'.encode(),
        ),
        Entry(
            "xl/workbook.xml",
            workbook
            or (
                f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{NS}" xmlns:r="{REL_NS}">'
                f"<sheets>{names}</sheets></workbook>"
            ).encode(),
        ),
        Entry(
            "xl/_rels/workbook.xml.rels",
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL_NS}">{rels}</Relationships>'.encode(),
        ),
    ]


def esc(text):
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def row_xml(number, values):
    cells = "".join(
        f'<c r="{get_column_letter(i)}{number}" t="inlineStr"><is><t>{esc(v)}</t></is></c>'
        for i, v in enumerate(values, start=1)
        if v not in (None, "")
    )
    return f'<row r="{number}">{cells}</row>'


SHEET_HEAD = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}"><sheetData>'
SHEET_TAIL = "</sheetData></worksheet>"


def sheet_xml(rows, *, head=SHEET_HEAD, extra_rows=""):
    body = "".join(row_xml(n, values) for n, values in enumerate(rows, start=1))
    return (head + body + extra_rows + SHEET_TAIL).encode()


def raw_workbook(rows, **kwargs):
    return build_zip([*skeleton(), Entry("xl/worksheets/sheet1.xml", sheet_xml(rows, **kwargs))])


def roster(n=3, **over):
    return [HEADERS, *(person_row(i, **over) for i in range(n))]


def openpyxl_book(rows, *, merge=(), before=()):
    wb = Workbook()
    ws = wb.active
    ws.title = "名册"
    for line in before:
        ws.append(line)
    for values in rows:
        ws.append(values)
    for ref in merge:
        ws.merge_cells(ref)
    stream = io.BytesIO()
    wb.save(stream)
    return stream.getvalue()


def replace_part(data, name, new):
    """The same zip with one member replaced (written by zipfile)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, new if info.filename == name else src.read(info.filename))
    return out.getvalue()


def ole_file(stream_names):
    """A compound-file (OLE2) container whose directory names the given streams."""
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<L", header, 44, 1)  # one FAT sector
    struct.pack_into("<L", header, 48, 1)  # directory starts at sector 1
    struct.pack_into("<L", header, 56, 4096)
    struct.pack_into("<L", header, 60, 0xFFFFFFFE)
    struct.pack_into("<L", header, 68, 0xFFFFFFFE)
    struct.pack_into("<L", header, 76, 0)  # DIFAT[0] = sector 0
    for i in range(1, 109):
        struct.pack_into("<L", header, 76 + 4 * i, 0xFFFFFFFF)
    fat = bytearray(b"\xff" * 512)
    struct.pack_into("<LL", fat, 0, 0xFFFFFFFD, 0xFFFFFFFE)
    directory = bytearray()
    for i, name in enumerate(["Root Entry", *stream_names]):
        record = bytearray(128)
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        record[: len(encoded)] = encoded
        struct.pack_into("<H", record, 64, len(encoded))
        record[66] = 5 if i == 0 else 2
        directory += record
    directory += bytes(512 - len(directory) % 512) if len(directory) % 512 else b""
    return bytes(header) + bytes(fat) + bytes(directory) + bytes(4096)


# --- the corpus ----------------------------------------------------------------------------------

XXE_DOCTYPE = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    + "]>"
)


def bombs():
    yield Sample(
        "bomb_million_blank_rows.xlsx",
        build_zip(
            [
                *skeleton(),
                Entry(
                    "xl/worksheets/sheet1.xml",
                    (
                        SHEET_HEAD
                        + row_xml(1, HEADERS)
                        + row_xml(2, person_row(0))
                        + "".join(f'<row r="{n}"/>' for n in range(3, 1_000_003))
                        + SHEET_TAIL
                    ).encode(),
                ),
            ]
        ),
        None,
        "refused",
        "空行也计算在内",
        note="765 KB in the issue: a million empty <row> elements; the row loop stops at 60,001",
    )
    yield Sample(
        "bomb_jump_to_last_row.xlsx",
        raw_workbook(roster(2), extra_rows=row_xml(1_048_576, ["尾"])),
        None,
        "refused",
        "空行也计算在内",
        note="a few hundred bytes: openpyxl yields a million empty rows before the last one",
    )
    rng = random.Random(7)
    spam = "".join(
        f'<row r="{n}" spans="1:7" ht="{rng.randint(10, 99)}.{rng.randint(0, 99)}" customHeight="1"/>'
        for n in range(4, 300_000)
    )
    yield Sample(
        "bomb_blank_rows_low_ratio.xlsx",
        raw_workbook(roster(2), extra_rows=spam),
        None,
        "refused",
        "空行也计算在内",
        note="300,000 formatted blank rows that compress only ~10x, so no ratio check catches them",
    )
    row = "<row>" + '<c t="n"></c>' * 10_000 + "</row>"
    yield Sample(
        "bomb_2000_rows_10000_columns.xlsx",
        build_zip(
            [
                *skeleton(),
                Entry.repeated(
                    "xl/worksheets/sheet1.xml",
                    (SHEET_HEAD + row_xml(1, HEADERS)).encode(),
                    row.encode(),
                    2000,
                    SHEET_TAIL.encode(),
                ),
            ]
        ),
        "解压后有",
        "refused",
        note="20 million cells, ~280 MB of XML",
    )
    yield Sample(
        "bomb_2gb_sheet.xlsx",
        build_zip(
            [
                *skeleton(),
                Entry.repeated(
                    "xl/worksheets/sheet1.xml",
                    SHEET_HEAD.encode(),
                    b"<row><c/><c/><c/><c/><c/><c/><c/><c/></row>" * 24_000,
                    2_000,
                    SHEET_TAIL.encode(),
                ),
            ]
        ),
        "解压后有",
        "refused",
        note="~2 MB expanding to ~2 GB",
    )
    yield Sample(
        "bomb_shared_strings_1gb.xlsx",
        build_zip(
            [
                *skeleton(),
                Entry("xl/worksheets/sheet1.xml", sheet_xml(roster(1))),
                Entry.repeated(
                    "xl/sharedStrings.xml",
                    f'<?xml version="1.0"?><sst xmlns="{NS}">'.encode(),
                    b"<si><t>a</t></si>" * 4096,
                    16_000,
                    b"</sst>",
                ),
            ]
        ),
        "解压后有",
        "refused",
        note="the shared-string table openpyxl loads whole",
    )
    blob = Entry.repeated("xl/media/blob.xml", b"<a>", b"<b/>" * 1024, 480, b"</a>")
    parts = [copy.copy(blob) for _ in range(100)]
    for i, part in enumerate(parts):
        part.name = f"xl/media/blob{i}.xml"
    yield Sample(
        "bomb_many_mid_parts.xlsx",
        build_zip([*skeleton(), Entry("xl/worksheets/sheet1.xml", sheet_xml(roster(1))), *parts]),
        "解压后共",
        "refused",
        note="100 parts of 1.9 MB each: every part under the ratio floor, 190 MB in all",
    )
    yield Sample(
        "bomb_many_entries.xlsx",
        build_zip(
            [
                *skeleton(),
                Entry("xl/worksheets/sheet1.xml", sheet_xml(roster(1))),
                *(Entry(f"xl/x/{i}.txt", b"") for i in range(2000)),
            ]
        ),
        "内部部件",
        "refused",
    )
    rows_per_sheet = ROSTER_MAX_CELLS // 4 // 100 + 10
    sheets = [
        Entry.repeated(
            f"xl/worksheets/sheet{i}.xml",
            SHEET_HEAD.encode(),
            b"<row>" + b"<c/>" * 100 + b"</row>",
            rows_per_sheet,
            SHEET_TAIL.encode(),
        )
        for i in range(1, 5)
    ]
    yield Sample(
        "bomb_cells_four_sheets.xlsx",
        build_zip([*skeleton(4), *sheets]),
        "单元格超过",
        "refused",
        note="four sheets of 451,000 empty cells, each under 2 MB: just over the roster's 1,800,600",
    )
    tag_chunk = bytearray(4 * 262_144)
    n = len(tag_chunk) // 4
    tag_chunk[0::4], tag_chunk[2::4], tag_chunk[3::4] = b"<" * n, b"/" * n, b">" * n
    # Eight letters: ~8x compression keeps the file under the guard's 10 MB and the ratio under 100.
    tag_chunk[1::4] = rng.randbytes(n).translate(bytes(97 + b % 8 for b in range(256)))
    yield Sample(
        "bomb_tags.xlsx",
        build_zip(
            [
                *skeleton(),
                Entry.repeated(
                    "xl/worksheets/sheet1.xml",
                    (SHEET_HEAD + "</sheetData>").encode(),
                    bytes(tag_chunk),
                    ROSTER_MAX_TAGS // n + 1,
                    b"</worksheet>",
                ),
            ]
        ),
        "XML 元素",
        "refused",
        note="14.4 million tiny elements after sheetData (the roster's cap and a chunk), compressing only ~8x",
    )
    yield Sample(
        "bomb_lying_declared_size.xlsx",
        build_zip(
            [
                *skeleton(),
                Entry.repeated(
                    "xl/worksheets/sheet1.xml",
                    SHEET_HEAD.encode(),
                    b"<row><c/></row>" * 1000,
                    20_000,
                    SHEET_TAIL.encode(),
                ),
            ],
            declared_sizes={"xl/worksheets/sheet1.xml": 4096},
        ),
        "已损坏",
        "refused",
        note="the index says 4 KB, the stream holds 300 MB: zipfile stops at 4 KB and the CRC fails",
    )


def xml_attacks():
    body = SHEET_HEAD[SHEET_HEAD.index("?>") + 2 :] + row_xml(1, HEADERS) + row_xml(2, ["&x;", "女"]) + SHEET_TAIL
    yield Sample(
        "xxe_sheet.xlsx",
        build_zip([*skeleton(), Entry("xl/worksheets/sheet1.xml", (XXE_DOCTYPE + body).encode())]),
        "DOCTYPE",
        "refused",
    )
    laughs = LAUGHS + f'<sst xmlns="{NS}"><si><t>&lol9;</t></si></sst>'
    yield Sample(
        "billion_laughs_shared_strings.xlsx",
        build_zip(
            [
                *skeleton(),
                Entry("xl/worksheets/sheet1.xml", sheet_xml(roster(1))),
                Entry("xl/sharedStrings.xml", laughs.encode()),
            ]
        ),
        "DOCTYPE",
        "refused",
    )
    workbook = (
        XXE_DOCTYPE
        + f'<workbook xmlns="{NS}" xmlns:r="{REL_NS}"><sheets><sheet name="&x;" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ).encode()
    yield Sample(
        "xxe_workbook.xlsx",
        build_zip([*skeleton(workbook=workbook), Entry("xl/worksheets/sheet1.xml", sheet_xml(roster(1)))]),
        "DOCTYPE",
        "refused",
    )
    yield Sample(
        "doctype_content_types.xlsx",
        build_zip(
            [
                Entry(
                    "[Content_Types].xml",
                    b'<?xml version="1.0"?><!DOCTYPE Types SYSTEM "http://127.0.0.1/x.dtd">'
                    + content_types()[content_types().index(b"?>") + 2 :],
                ),
                *skeleton()[1:],
                Entry("xl/worksheets/sheet1.xml", sheet_xml(roster(1))),
            ]
        ),
        "DOCTYPE",
        "refused",
    )
    entity_late = SHEET_HEAD + "<!-- " + " " * 100_000 + " -->" + SHEET_TAIL
    yield Sample(
        "doctype_after_long_comment.xlsx",
        build_zip(
            [
                *skeleton(),
                Entry(
                    "xl/worksheets/sheet1.xml",
                    (
                        '<?xml version="1.0"?><!--'
                        + "x" * 300_000
                        + '--><!DOCTYPE w [<!ENTITY e "e">]>'
                        + entity_late[entity_late.index("?>") + 2 :]
                    ).encode(),
                ),
            ]
        ),
        "DOCTYPE",
        "refused",
        note="the DOCTYPE comes after 300 KB, past any fixed-size prefix check",
    )
    utf16 = (
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE w [<!ENTITY e "e">]>' + sheet_xml(roster(1)).decode()[38:]
    ).encode("utf-16")
    yield Sample(
        "utf16_sheet.xlsx", build_zip([*skeleton(), Entry("xl/worksheets/sheet1.xml", utf16)]), "UTF-8", "refused"
    )
    utf7 = b'<?xml version="1.0" encoding="UTF-7"?>+ADw-!DOCTYPE w+AD4-' + sheet_xml(roster(1))[38:]
    yield Sample(
        "utf7_sheet.xlsx", build_zip([*skeleton(), Entry("xl/worksheets/sheet1.xml", utf7)]), "UTF-8", "refused"
    )
    broken = SHEET_HEAD + row_xml(1, HEADERS) + '<row r="2"><c r="A2" t="inlineStr"><is><t>张'
    yield Sample(
        "truncated_sheet_xml.xlsx",
        build_zip([*skeleton(), Entry("xl/worksheets/sheet1.xml", broken.encode())]),
        None,
        "refused",
        "损坏",
    )
    yield Sample(
        "malformed_workbook_xml.xlsx",
        build_zip(
            [
                *skeleton(workbook=b'<?xml version="1.0"?><workbook xmlns="x"><sheets><sheet name="a"'),
                Entry("xl/worksheets/sheet1.xml", sheet_xml(roster(1))),
            ]
        ),
        None,
        "refused",
        "损坏",
    )
    yield Sample(
        "control_char_in_xml.xlsx",
        build_zip(
            [*skeleton(), Entry("xl/worksheets/sheet1.xml", sheet_xml([HEADERS, person_row(0, 姓名="张\x01三")]))]
        ),
        None,
        "refused",
        "损坏",
        note="a raw U+0001 is not allowed in XML 1.0",
    )


def containers():
    good = openpyxl_book(roster(2))
    yield Sample("empty.xlsx", b"", "空", "refused", note="the guard says 文件是空的; the upload form 提交的是空文件")
    yield Sample("not_a_zip.xlsx", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "不是 Excel", "refused")
    yield Sample(
        "encrypted_ooxml.xlsx",
        ole_file(["EncryptionInfo", "EncryptedPackage", "\x06DataSpaces"]),
        "文件已加密",
        "refused",
    )
    yield Sample("legacy_xls.xls", ole_file(["Workbook", "\x05SummaryInformation"]), "旧版 Excel", "refused")
    macro_entries = [
        Entry(
            "[Content_Types].xml",
            content_types(
                book_ct=MACRO_BOOK_CT,
                extra='<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>',
            ),
        ),
        *skeleton(book_ct=MACRO_BOOK_CT)[1:],
        Entry("xl/worksheets/sheet1.xml", sheet_xml(roster(1))),
        Entry("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0" + bytes(1000)),
    ]
    yield Sample("macro.xlsm", build_zip(macro_entries), "宏", "refused")
    encrypted_entry = [*skeleton(), Entry("xl/worksheets/sheet1.xml", sheet_xml(roster(1)), flags=1)]
    yield Sample("zip_encrypted_entry.xlsx", build_zip(encrypted_entry), "已加密", "refused")
    yield Sample("truncated_half.xlsx", good[: len(good) // 2], "不完整", "refused")
    yield Sample("truncated_tail.xlsx", good[:-10], "不完整", "refused")
    damaged = bytearray(good)
    with zipfile.ZipFile(io.BytesIO(good)) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for i in range(start + 5, start + min(info.compress_size, 60)):
        damaged[i] ^= 0x5A
    yield Sample("corrupt_sheet_data.xlsx", bytes(damaged), "已损坏", "refused")
    yield Sample("zip_not_workbook.xlsx", build_zip([Entry("readme.txt", b"hello")]), "不是 Excel 工作簿", "refused")
    bz = [*skeleton(), Entry("xl/worksheets/sheet1.xml", sheet_xml(roster(1)), method=0)]
    bz[-1].method = 12
    yield Sample("bzip2_method.xlsx", build_zip(bz), "压缩方式", "refused")
    dup = [
        *skeleton(),
        Entry("xl/worksheets/sheet1.xml", sheet_xml(roster(1))),
        Entry("xl/worksheets/sheet1.xml", sheet_xml(roster(3))),
    ]
    yield Sample("duplicate_entries.xlsx", build_zip(dup), "重名", "refused")
    noise = random.Random(3).randbytes(ROSTER_MAX_FILE_BYTES + 1024 * 1024)
    yield Sample(
        "oversized_upload.xlsx",
        build_zip([*skeleton(), Entry("xl/media/noise.bin", noise, method=0)]),
        "MB，请删除无关的工作表",
        "refused",
        note="over every path's size cap: the guard's 10 MB, the roster import's 25 MB",
    )


def contents():
    yield Sample("ok_plain.xlsx", openpyxl_book(roster(3)), None, "imported", rows=3)
    yield Sample("ok_raw_inline_strings.xlsx", raw_workbook(roster(4)), None, "imported", rows=4)
    spellings = [
        datetime.datetime(2016, 6, 2),  # noqa: DTZ001 - an Excel date cell is naive
        "2016-06-02",
        "2016.6.2",
        "2016年6月2日",
        "20160602",
        "2016.06",
        "2016/6/2",
        "2016 年 6 月 2 日",
        "２０１６－０６－０２",
        "2016-6",
    ]
    rows = [HEADERS, *(person_row(i, 任职时间=s) for i, s in enumerate(spellings))]
    yield Sample(
        "ok_dates_every_spelling.xlsx",
        openpyxl_book(rows),
        None,
        "imported",
        rows=len(spellings),
        note="every accepted spelling of 任职时间",
    )
    births = ["1975.03", "1975-03", "1975年3月", "197503", "1975/3", datetime.datetime(1975, 3, 15)]  # noqa: DTZ001
    rows = [HEADERS, *(person_row(i, 出生年月=s) for i, s in enumerate(births))]
    yield Sample("ok_birth_months_every_spelling.xlsx", openpyxl_book(rows), None, "imported", rows=len(births))
    bad_dates = ["2016-02-30", "1899-01-01", "16.6.2", "二〇一六年六月", "6/2/2016", "2016-13-01"]
    rows = [HEADERS, *(person_row(i, 任职时间=s) for i, s in enumerate(bad_dates))]
    yield Sample("dates_unreadable.xlsx", openpyxl_book(rows), None, "refused", "任职时间")
    yield Sample(
        "ok_title_rows_merged.xlsx",
        openpyxl_book(roster(3), before=[["道里区妇联执委名册"], ["填报单位：道里区"]], merge=["A1:G1", "A2:G2"]),
        None,
        "imported",
        rows=3,
        note="merged title rows above the header",
    )
    merged_header = openpyxl_book(
        [["基本信息", None, None, None, None, "任职信息", None], *roster(2)], merge=["A1:E1", "F1:G1"]
    )
    yield Sample(
        "ok_merged_group_header.xlsx",
        merged_header,
        None,
        "imported",
        rows=2,
        note="a merged group header above the real one",
    )
    yield Sample(
        "merged_header_cells.xlsx",
        openpyxl_book(
            [["姓名", None, "出生年月", "身份证号", "手机号码", "妇联职务", "任职时间"], *roster(2)[1:]],
            merge=["A1:B1"],
        ),
        None,
        "imported",
        rows=2,
        note="性别 swallowed by a merged 姓名 header: the column is read as absent, the rest imports",
    )
    yield Sample(
        "ok_lying_dimension_huge.xlsx",
        raw_workbook(roster(3), head=SHEET_HEAD.replace("<sheetData>", '<dimension ref="A1:XFD1048576"/><sheetData>')),
        None,
        "imported",
        rows=3,
    )
    yield Sample(
        "ok_lying_dimension_small.xlsx",
        raw_workbook(roster(3), head=SHEET_HEAD.replace("<sheetData>", '<dimension ref="A1:A1"/><sheetData>')),
        None,
        "imported",
        rows=3,
    )
    yield Sample(
        "huge_cell_repetitive.xlsx",
        raw_workbook([HEADERS, person_row(0, 姓名="张" * 1_000_000)]),
        "压缩比异常",
        "refused",
        note="a 1-million-character name compresses 900x",
    )
    rng = random.Random(5)
    noise = "".join(chr(0x4E00 + rng.randrange(20_000)) for _ in range(300_000))
    yield Sample(
        "huge_cell.xlsx",
        raw_workbook([HEADERS, person_row(0, 姓名=noise)]),
        None,
        "refused",
        "姓名",
        note="a 300,000-character name",
    )
    note_rows = [[*HEADERS, "备注"], [*person_row(0), "备" * 40_000]]
    yield Sample("huge_note.xlsx", openpyxl_book(note_rows), None, "refused", "备注")
    formula = (
        SHEET_HEAD
        + row_xml(1, HEADERS)
        + row_xml(2, person_row(0)).replace(
            f'<c r="A2" t="inlineStr"><is><t>{person_row(0)[0]}</t></is></c>',
            '<c r="A2" t="str"><f>CONCAT("张","三")</f></c>',
        )
        + SHEET_TAIL
    )
    yield Sample(
        "formula_without_cached_value.xlsx",
        build_zip([*skeleton(), Entry("xl/worksheets/sheet1.xml", formula.encode())]),
        None,
        "refused",
        "公式没有计算结果",
    )
    cached = formula.replace('<f>CONCAT("张","三")</f></c>', '<f>CONCAT("张","三")</f><v>张三</v></c>')
    yield Sample(
        "ok_formula_with_cached_value.xlsx",
        build_zip([*skeleton(), Entry("xl/worksheets/sheet1.xml", cached.encode())]),
        None,
        "imported",
        rows=1,
    )
    escapes = roster(2)
    escapes[1][0] = "张\t三\n"
    escapes[2][0] = "\u200b李四\u200b"
    yield Sample(
        "control_and_invisible_chars.xlsx",
        openpyxl_book(escapes),
        None,
        "either",
        note="tab, newline and zero-width spaces in names",
    )
    yield Sample(
        "bidi_override_name.xlsx", openpyxl_book([HEADERS, person_row(0, 姓名="\u202e梅秀张")]), None, "either"
    )
    numeric_id = openpyxl_book([HEADERS, person_row(0, 身份证号=230102197503150026)])
    yield Sample("id_as_number.xlsx", numeric_id, None, "refused", "身份证号")
    yield Sample(
        "redos_birth_month.xlsx",
        raw_workbook([HEADERS, person_row(0, 出生年月="1975.3" + " " * 2000 + "x")]),
        None,
        "refused",
        "出生年月",
        note="2,000 spaces took 50 s in the birth-month pattern",
    )
    yield Sample(
        "redos_header_cell.xlsx",
        raw_workbook([[*HEADERS, "(" * 50_000], person_row(0)]),
        None,
        "imported",
        rows=1,
        note="a header cell of 50,000 '(' was quadratic in the bracket pattern",
    )
    yield Sample(
        "errors_on_1000_rows.xlsx",
        raw_workbook([HEADERS, *(person_row(i % 500, 手机号码="12345") for i in range(1000))]),
        None,
        "refused",
        "手机号码",
        note="1,000 faulty rows: the error list and the marked workbook (comments on the first 300), streamed",
    )
    yield Sample("no_header.xlsx", openpyxl_book([["a", "b"], [1, 2]]), None, "refused", "找不到表头")
    yield Sample("header_only.xlsx", openpyxl_book([HEADERS]), None, "refused", "没有数据行")
    wide = [[*HEADERS, *(f"列{i}" for i in range(3000))], [*person_row(0), *("x" for _ in range(3000))]]
    yield Sample(
        "ok_3000_extra_columns.xlsx",
        raw_workbook(wide),
        None,
        "imported",
        rows=1,
        note="columns past the roster's are not read",
    )
    yield Sample(
        "ok_blank_rows_between.xlsx",
        raw_workbook([HEADERS, person_row(0), [], [], person_row(1)]),
        None,
        "imported",
        rows=2,
    )
    yield Sample(
        "over_row_limit_real_rows.xlsx",
        raw_workbook(roster(2), extra_rows="".join(row_xml(n, ["x"]) for n in range(4, 60_010))),
        None,
        "refused",
        "60,000",
    )


def build_corpus():
    """All samples, in a stable order."""
    samples = [*bombs(), *xml_attacks(), *containers(), *contents()]
    names = [s.name for s in samples]
    assert len(names) == len(set(names)), "sample names must be unique"
    return samples


def main(argv):
    target = Path(argv[1] if len(argv) > 1 else "hostile-corpus")
    target.mkdir(parents=True, exist_ok=True)
    lines = []
    for sample in build_corpus():
        (target / sample.name).write_bytes(sample.data)
        lines.append(f"{sample.name}\t{len(sample.data)}\t{sample.guard or '-'}\t{sample.outcome}\t{sample.note}")
    (target / "INDEX.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} files in {target}")


if __name__ == "__main__":
    main(sys.argv)
