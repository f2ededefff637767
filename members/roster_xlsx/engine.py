"""The one Excel roster import engine, shared by the web page and `manage.py import_roster`.

`import_roster(*, unit, file, actor, dry_run=False) -> ImportResult` reads a real user's
.xlsx (title rows above the header, full-width characters, stray spaces, short labels, the
many ways of writing 出生年月; see cells.py), matches every row to a person and a post,
validates the whole file with the same post rules as the roster forms (members.services.check_post)
and the shared validators, and only then writes, in one transaction, or nothing at all. Its audit
rows are built by members.services.audit_event, as the forms' are.

Matching: a person by 人员编号 (from an export), else by 身份证号, else by 姓名 + 出生年月 among
the people who hold or held a post in the row's unit. A post by person + unit + 妇联职务 +
任职时间: the same key updates (or leaves unchanged) that post, anything else is a new post.

A row whose ID number belongs to someone who never held a post in the importer's subtree is
refused with the appoint page's answer ("已有此人，请联系其所在单位"), and with it the whole file:
a post here would open her page, full ID number and mobile, to the importer (issue 25). A person
who did serve here but whose personal data the importer does not keep (members.stewardship: she
serves now outside the subtree too) may be given a new post, but her personal details are not
changed from here (the file's values are ignored), errors never name her, and the preview shows
her by masked ID number only ("已有人员"), not as "新增 <name>".
The same rules hold for the command line, which acts as its --user.

Work is bounded: the file goes through fedorg.uploads (zip index, XML scan, rows counted blank
or not) and the whole import runs under the "import" budget of time and memory.

Blank cells: a blank 身份证号 or 手机号码 keeps the number already on file (an import never
erases personal data by omission); a blank coded cell (性别, 民族 ...) keeps the stored value
or takes the default for a new person; other blank cells mean "empty" (flags mean 否, a blank
离任时间 means the post is current). A column missing from the file leaves its field alone.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar, cast

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone

from fedorg.masking import mask_id_number
from fedorg.uploads import Budget, BudgetExceeded, FormulaWithoutValue
from orgtree.access import visible_units
from orgtree.models import AuditEvent, Unit
from orgtree.versions import form_spans

from .. import services, validators
from ..models import Person, Post, pinyin_initials
from ..signals import roster_certificates_checking, roster_certificates_recording
from ..stewardship import kept_by
from .cells import (
    FileSource,
    ImportOutcome,
    Record,
    RosterFileError,
    choices_hint,
    display_value,
    normalize_name,
    normalize_text,
    parse_day,
    parse_flag,
    read_code,
    read_file_bytes,
    read_sheet_as,
)
from .columns import COLUMN_BY_KEY, COLUMNS, PERSON_ID, POST_ID

QUERY_CHUNK = 500
OUTSIDE_PERSON = "已有此人，请联系其所在单位（此身份证号的人员不在您的管辖范围内，不能在此导入她的任职）。"

# The person fields the roster template carries: the services' list less what it has no column for.
PERSON_FIELDS = [f for f in services.PERSON_FIELDS if f not in ("sector", "note", "is_social_worker", "is_org_leader")]
POST_FIELDS = ["mode", "method", "end_date", "two_committees", "note"]
# Blank cells that keep what is stored (see the module docstring).
KEEP_WHEN_BLANK = {"id_number", "mobile", "gender", "ethnicity", "political_status", "education", "source"}
KEEP_WHEN_BLANK_POST = {"mode", "method"}

# Who a row names: ("pk", person id) for a stored person, ("id", ID number) or
# ("nb", name, birth month, unit id) for a new one.
PersonRef = tuple[Any, ...]
# An audit event's changes: {field: [old, new]}.
Changes = dict[str, list[Any]]
_T = TypeVar("_T")


@dataclass
class CellError:
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return self.column_and_message
        return f"第{self.row}行 {self.column_and_message}"

    @property
    def column_and_message(self) -> str:
        """The line without its row: "身份证号：…", or the message alone when it starts with the column's name."""
        if not self.column or self.message.startswith(self.column):
            return self.message
        return f"{self.column}：{self.message}"


@dataclass(frozen=True)
class CellReading:
    """A code cell accepted as near one entry of its list, shown in the preview as "读作：…"."""

    row: int
    column: str
    spelled: str
    read_as: str

    def __str__(self) -> str:
        return f"第{self.row}行 {self.column}“{self.spelled}”读作：{self.read_as}"


@dataclass
class RowOutcome:
    row: int
    action: str  # "add" | "update" | "unchanged"
    name: str
    unit_name: str
    role_label: str
    person_is_new: bool
    changes: dict[str, list[str]] = field(default_factory=dict)  # column header -> [old, new] as shown to users
    kept_elsewhere: bool = False  # an existing person whose data another unit keeps: shown masked

    ACTION_LABELS = {"add": "新增", "update": "更新", "unchanged": "未变"}

    @property
    def action_label(self) -> str:
        if self.action == "add" and not self.person_is_new:
            return "新增任职"
        return self.ACTION_LABELS[self.action]


@dataclass
class ImportResult(ImportOutcome):
    dry_run: bool
    sheet_name: str = ""
    header_row: int | None = None
    column_index: dict[str, int] = field(default_factory=dict)  # key -> 1-based column number in the file
    rows: list[RowOutcome] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)
    readings: list[CellReading] = field(default_factory=list)  # near spellings accepted, for the preview
    written: bool = False
    persons_added: int = 0
    persons_updated: int = 0
    persons_unchanged: int = 0
    posts_added: int = 0
    posts_updated: int = 0
    posts_unchanged: int = 0

    def rows_with(self, action: str) -> list[RowOutcome]:
        return [r for r in self.rows if r.action == action]

    def summary(self) -> str:
        return (
            f"人员：新增 {self.persons_added} 人，更新 {self.persons_updated} 人，未变 {self.persons_unchanged} 人；"
            f"任职：新增 {self.posts_added} 条，更新 {self.posts_updated} 条，未变 {self.posts_unchanged} 条。"
        )


# --- parsing and matching rows ------------------------------------------------------------------


NO_KEYS: frozenset[str] = frozenset()


@dataclass(slots=True)
class Row:
    """One data row, parsed as it is read (its raw cells are not kept: a city's file is 48,000 rows)."""

    number: int
    values: dict[str, Any] = field(default_factory=dict)  # parsed person and post values, by field name
    unit: Unit | None = None
    person: Person | None = None
    person_ref: PersonRef | None = None
    post: Post | None = None
    # Keys with an error, and keys already explained (a formula without a value): shared and empty
    # until the row's first fault, so a clean row holds no sets of its own.
    bad: set[str] | frozenset[str] = NO_KEYS
    silenced: set[str] | frozenset[str] = NO_KEYS

    def mark_bad(self, key: str) -> None:
        if not isinstance(self.bad, set):
            self.bad = set()
        self.bad.add(key)

    def mark_silenced(self, key: str) -> None:
        if not isinstance(self.silenced, set):
            self.silenced = set()
        self.silenced.add(key)


class _FileRow(NamedTuple):
    """A post as a file row gives it, beside the stored ones in the leadership check."""

    role: str
    start_date: datetime.date
    end_date: datetime.date | None
    row: int
    source: Row
    unit: Unit  # the source row's unit


class Plan(NamedTuple):
    """What _Engine.plan decided and _Engine.write writes: rows, not unsaved objects, for what is new
    (write builds those by the chunk, so a city's file never holds 48,000 of them at once)."""

    new_people: dict[PersonRef, Row]  # each new person's first row
    changed_people: dict[PersonRef, Person]
    person_changes: dict[PersonRef, Changes]
    new_posts: list[Row]
    changed_posts: list[tuple[Row, Post, Changes]]


class _Collector:
    def __init__(self, result: ImportResult) -> None:
        self.result = result

    def add(self, row: Row, key: str, message: str | ValidationError) -> None:
        if key in row.silenced:  # one message per cell: the formula's, not "请填写姓名" after it
            row.mark_bad(key)
            return
        if isinstance(message, ValidationError):
            message = " ".join(message.messages)
        self.result.errors.append(CellError(row.number, COLUMN_BY_KEY[key].header, message))
        row.mark_bad(key)

    def read(self, row: Row, key: str, spelled: str, after: str = "。") -> str | None:
        """The code `spelled` gives in code list `key` (members.roster_xlsx.cells.read_code), noting a near
        spelling for the preview; None after adding the error (unknown, or near two entries)."""
        header = COLUMN_BY_KEY[key].header
        reading = read_code(key, spelled)
        if reading.ambiguous:
            named = "”“".join(reading.ambiguous)
            self.add(row, key, f"“{spelled}”与“{named}”都相近，无法确定是哪一项，请写明其中一项。")
        elif reading.code is None:
            self.add(row, key, f"“{spelled}”不是有效的{header}，{choices_hint(key)}{after}")
        elif reading.read_as:
            self.result.readings.append(CellReading(row.number, header, spelled, reading.read_as))
        return reading.code


def _name_error(name: str) -> ValidationError | None:
    """The shared name rule (no invisible or text-direction characters), as a message or None."""
    try:
        validators.clean_person_name(name)
    except ValidationError as e:
        return e
    return None


FORMULA_WITHOUT_VALUE = (
    "公式没有计算结果，请粘贴为数值（在 Excel 中复制该列，右键“选择性粘贴→数值”），或在 Excel 中打开并保存后再导入。"
)


def _parse_row(row: Row, raw: Record, present: set[str], err: _Collector) -> None:
    """Fill row.values from the file's cells (raw, which the caller then drops), noting each fault."""
    values = row.values
    for key, value in list(raw.items()):
        if isinstance(value, FormulaWithoutValue):
            err.add(row, key, FORMULA_WITHOUT_VALUE)
            row.mark_silenced(key)
            raw[key] = None
    if "unit_code" in present:
        values["unit_code"] = normalize_text(raw.get("unit_code"))

    def text(key: str) -> str:
        return normalize_text(raw.get(key))

    name = normalize_name(raw.get("name"))
    if not name:
        err.add(row, "name", "请填写姓名。")
    elif bad_name := _name_error(name):
        err.add(row, "name", bad_name)
    elif len(name) > 50:
        err.add(row, "name", "姓名不能超过 50 个字。")
    values["name"] = name

    for key, label in (("person_id", "人员编号"), ("post_id", "任职编号")):
        if key in present and text(key):
            number = text(key)
            if number.isdigit() and 0 < int(number) < 2**62:
                values[key] = int(number)
            else:
                err.add(row, key, f"{label}“{number[:20]}”应为导出文件中的数字编号。")

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
        code = err.read(row, key, spelled)
        if code is not None:
            values[key] = code

    spelled_role = text("role")
    if not spelled_role:
        err.add(row, "role", "请填写妇联职务。")
    else:
        values["role"] = err.read(row, "role", spelled_role)

    if "two_committees" in present:
        spelled = text("two_committees")
        code = err.read(row, "two_committees", spelled, "，或留空。") if spelled else ""
        if code is not None:
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


def _chunks(items: Iterable[_T], size: int = QUERY_CHUNK) -> Iterator[list[_T]]:
    listed = list(items)
    for start in range(0, len(listed), size):
        yield listed[start : start + size]


class _Engine:
    def __init__(self, *, unit: Unit, actor: Any, result: ImportResult) -> None:
        self.unit = unit
        self.actor = actor
        self.result = result
        self.err = _Collector(result)
        self.outside_people: set[int] = set()  # matched by ID number, but outside the actor's subtree

    # units -----------------------------------------------------------------------------------
    def resolve_units(self, rows: list[Row], present: set[str]) -> None:
        codes_in_file = {r.values.get("unit_code", "") for r in rows} - {""}
        by_code = {self.unit.code: self.unit}
        if codes_in_file - {self.unit.code}:
            subtree = Unit.objects.subtree_of(self.unit)
            for chunk in _chunks(codes_in_file - {self.unit.code}):
                by_code.update({u.code: u for u in subtree.filter(code__in=chunk)})
        for row in rows:
            code = row.values.get("unit_code", "")
            unit = by_code.get(code) if code else self.unit
            if unit is None:
                self.err.add(row, "unit_code", f"组织代码 {code} 不存在，或不在{self.unit.name}的范围内。")
            elif unit.is_archived:
                self.err.add(row, "unit_code", f"{unit.name}（{unit.code}）已撤销，不能导入任职。")
            else:
                row.unit = unit

    # people ----------------------------------------------------------------------------------
    def resolve_people(self, rows: list[Row]) -> None:
        ids = {r.values["person_id"] for r in rows if r.values.get("person_id")}
        id_numbers = {r.values["id_number"] for r in rows if r.values.get("id_number")}
        by_pk: dict[int, Person] = {}
        by_id_number: dict[str | None, Person] = {}
        visible = visible_units(self.actor) if self.actor is not None else None
        for chunk in _chunks(ids):
            people = Person.objects.filter(pk__in=chunk)
            if visible is not None:
                people = people.filter(posts__unit__in=visible).distinct()
            by_pk.update({p.pk: p for p in people})
        for chunk in _chunks(id_numbers):
            by_id_number.update({p.id_number: p for p in Person.objects.filter(id_number__in=chunk)})
        seen: set[int] | None = None  # people found by ID number who hold or held a post in the subtree
        if visible is not None and by_id_number:
            found = {p.pk for p in by_id_number.values()}
            seen = set()
            for chunk in _chunks(found):
                seen.update(
                    Person.objects.filter(pk__in=chunk, posts__unit__in=visible).values_list("pk", flat=True).distinct()
                )

        unnamed = [r for r in rows if r.unit and not r.values.get("person_id") and not r.values.get("id_number")]
        by_name_birth: defaultdict[tuple[str, datetime.date | None, int], dict[int, Person]] = defaultdict(dict)
        if unnamed:
            unit_ids = {r.unit.pk for r in unnamed if r.unit is not None}
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
                    if seen is None or holder.pk in seen:
                        message = f"该身份证号已属于系统中的另一人（{holder.name}，人员编号 {holder.pk}）。"
                    else:  # someone outside the subtree: not even her name (issue 12)
                        message = "该身份证号已属于系统中的另一人，请核对；如确为此人，请联系其所在单位。"
                    self.err.add(row, "id_number", message)
                    continue
                row.person_ref = ("pk", person.pk)
            elif v.get("id_number"):
                person = by_id_number.get(v["id_number"])
                if person is not None and seen is not None and person.pk not in seen:
                    # All her posts are outside the subtree: a post here would open her page, full ID
                    # number and mobile included, to this importer (issue 25). The appoint page's answer.
                    self.err.add(row, "id_number", OUTSIDE_PERSON)
                    continue
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

        # Her personal data may be changed from here only if the importer keeps it
        # (members.stewardship): every post she has not left is in the importer's subtree.
        if self.actor is not None:
            matched = {row.person.pk for row in rows if row.person is not None}
            self.outside_people = matched - kept_by(self.actor, matched)

        # A row without an ID number names the same new person as a row with one (same unit,
        # name and birth month), so the file cannot create her twice.
        known: dict[tuple[Any, ...], PersonRef] = {}
        for row in rows:
            if row.person_ref and row.person_ref[0] != "nb" and row.unit is not None:
                known.setdefault((row.values["name"], row.values["birth_date"], row.unit.pk), row.person_ref)
        person_of = {row.person_ref: row.person for row in rows if row.person is not None}
        for row in rows:
            if row.person_ref and row.person_ref[0] == "nb" and row.person_ref[1:] in known:
                row.person_ref = known[row.person_ref[1:]]
                if row.person_ref[0] == "pk":
                    row.person = person_of[row.person_ref]

    def check_people_agree(self, rows: list[Row], present: set[str]) -> None:
        """The same person in several rows must be written the same way each time."""
        first_row: dict[PersonRef, Row] = {}
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
                        f"同一人员在第{first.number}行填写为“{display_value(key, a)}”，此处为“{display_value(key, b)}”，请统一。",
                    )

    # posts -----------------------------------------------------------------------------------
    def load_posts(self, rows: list[Row]) -> list[Post]:
        person_ids = {r.person_ref[1] for r in rows if r.person_ref and r.person_ref[0] == "pk"}
        unit_ids = {r.unit.pk for r in rows if r.unit}
        posts: list[Post] = []
        for chunk in _chunks(person_ids):
            posts.extend(Post.objects.filter(person_id__in=chunk, unit_id__in=unit_ids).select_related("certificate"))
        return posts

    def match_posts(self, rows: list[Row], existing: list[Post]) -> None:
        """Each row's stored post: by 任职编号 when the file has it, else by (person, unit, role, 任职时间)."""
        by_key: dict[tuple[Any, ...], Post] = {}
        by_pk = {post.pk: post for post in existing}
        for post in existing:
            by_key.setdefault((("pk", post.person_id), post.unit_id, post.role, post.start_date), post)
        seen: dict[tuple[Any, ...], Row] = {}
        seen_ids: dict[int, Row] = {}
        for row in rows:
            post_id = row.values.get("post_id")
            if post_id and row.person_ref is not None and row.unit is not None:
                stored = by_pk.get(post_id)
                if stored is None or ("pk", stored.person_id) != row.person_ref or stored.unit_id != row.unit.pk:
                    self.err.add(row, "post_id", f"任职编号 {post_id} 不存在，或不是该人员在该组织的任职。")
                elif post_id in seen_ids:
                    self.err.add(
                        row, "post_id", f"与第{seen_ids[post_id].number}行重复：任职编号 {post_id} 只能出现一次。"
                    )
                else:
                    seen_ids[post_id] = row
                    row.post = stored
                continue
            if row.person_ref is None or row.unit is None:
                continue
            if not row.values.get("role") or not row.values.get("start_date"):
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

    def check_certificates(self, rows: list[Row]) -> None:
        """证书编号 typed in the file against the certificate register (selection/certificates.py, which
        answers members.signals.roster_certificates_checking)."""
        typed = [r for r in rows if r.values.get("certificate_no") and "certificate_no" not in r.bad]
        # A delegate's post has no certificate (selection.certificates.kind_for): her number has no
        # kind to be recorded under, and recording it failed the whole import at the write.
        delegates = [r for r in typed if r.values.get("role") == Post.Role.DELEGATE]
        for row in delegates:
            self.err.add(row, "certificate_no", "代表不发证书，证书编号请留空。")
        typed = [r for r in typed if r.values.get("role") != Post.Role.DELEGATE]
        if not typed:
            return
        entries = [(r.post, r.values["certificate_no"]) for r in typed]
        for _receiver, faults in roster_certificates_checking.send(sender=_Engine, entries=entries):
            # django-stubs types a receiver's answer as str | None; this signal's answer {index: message}.
            for i, message in cast("dict[int, str]", faults).items():
                self.err.add(typed[i], "certificate_no", message)

    def check_rules(self, rows: list[Row], existing: list[Post]) -> None:
        """The post rules of members.services.check_post on every row, then the one about leadership.

        Each role is judged against its unit's form on the post's dates (the units' forms read in one
        query): a 主任 post ended by 会改联 stays a 主任 post of what was then a 妇代会.
        """
        spans = form_spans({row.unit.pk for row in rows if row.unit is not None})
        for row in rows:
            v = row.values
            if row.unit is None or row.person_ref is None:
                continue
            end = v.get("end_date", row.post.end_date if row.post else None)
            problems = services.check_post(
                name=v["name"],
                unit=row.unit,
                role=v.get("role") if "role" not in row.bad else None,
                start_date=v.get("start_date"),
                end_date=end if "end_date" not in row.bad else None,
                birth_date=v.get("birth_date"),
                two_committees=v.get("two_committees"),
                spans=spans.get(row.unit.pk, []),
            )
            for key, messages in problems.items():
                self.err.add(row, key, " ".join(messages))
            id_number = v.get("id_number") or (row.person.id_number if row.person else "")
            if v.get("birth_date") and id_number and "id_number" not in row.bad:
                try:
                    validators.check_id_matches_birth(id_number, v["birth_date"])
                except ValidationError as e:
                    self.err.add(row, "birth_date", e)
        self._check_leadership(rows, existing)

    def _check_leadership(self, rows: list[Row], existing: list[Post]) -> None:
        """One current leadership post per person per unit, across the stored posts and the file.

        Each row is checked (services.leadership_clash) against the posts that start before it,
        stored or in the file, and against the stored posts that start after it.
        """
        replaced = {row.post.pk for row in rows if row.post is not None}
        spans: defaultdict[tuple[PersonRef, int], list[Post | _FileRow]] = defaultdict(
            list
        )  # (person ref, unit id) -> [stored Post or _FileRow]
        for post in existing:
            if post.pk not in replaced and post.role != Post.Role.DELEGATE:
                spans[(("pk", post.person_id), post.unit_id)].append(post)
        for row in rows:
            v = row.values
            if row.person_ref is None or row.unit is None or not v.get("role") or not v.get("start_date"):
                continue
            if v["role"] == Post.Role.DELEGATE or {"role", "start_date", "end_date"} & row.bad:
                continue
            end = v.get("end_date", row.post.end_date if row.post else None)
            spans[(row.person_ref, row.unit.pk)].append(
                _FileRow(v["role"], v["start_date"], end, row.number, row, row.unit)
            )
        for items in spans.values():
            if len(items) < 2:
                continue
            items.sort(key=lambda item: item.start_date)
            for index, item in enumerate(items):
                if not isinstance(item, _FileRow):
                    continue
                later_stored = [other for other in items[index + 1 :] if not isinstance(other, _FileRow)]
                message = services.leadership_clash(
                    name=item.source.values["name"],
                    unit=item.unit,
                    role=item.role,
                    start_date=item.start_date,
                    end_date=item.end_date,
                    held=[*items[:index], *later_stored],
                )
                if message:
                    self.err.add(item.source, "role", message)

    # changes ---------------------------------------------------------------------------------
    def plan(self, rows: list[Row], present: set[str]) -> Plan:
        """Decide add / update / unchanged per row; returns what to write."""
        new_people: dict[PersonRef, Row] = {}
        changed_people: dict[PersonRef, Person] = {}
        unchanged_people: set[PersonRef] = set()
        person_changes: dict[PersonRef, Changes] = {}  # ref -> {field: [old, new]}
        new_posts: list[Row] = []
        changed_posts: list[tuple[Row, Post, Changes]] = []
        for row in rows:
            v = row.values
            ref, unit = row.person_ref, row.unit
            # plan runs only on a file without errors, where every row found its unit and its person.
            assert ref is not None and unit is not None
            first_of_person = ref not in new_people and ref not in changed_people and ref not in unchanged_people
            row_changes: dict[str, list[str]] = {}
            if first_of_person:
                if row.person is None:
                    new_people[ref] = row
                else:
                    person = row.person
                    diff: dict[str, tuple[Any, Any]] = {}
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
                        person_changes[ref] = services.audit_changes(diff)
                        row_changes.update(
                            {
                                COLUMN_BY_KEY[k].header: [display_value(k, a), display_value(k, b)]
                                for k, (a, b) in diff.items()
                            }
                        )
                    else:
                        unchanged_people.add(ref)
            person_is_new = ref in new_people

            number = v.get("certificate_no") or ""
            if number and (row.post is None or row.post.certificate_no != number):
                row_changes[COLUMN_BY_KEY["certificate_no"].header] = [
                    row.post.certificate_no if row.post is not None else "",
                    number,
                ]
            if row.post is None:
                new_posts.append(row)
                action = "add"
            else:
                post = row.post
                diff = {}
                # Matched by 任职编号, the row may correct the post's 妇联职务 and 任职时间 too.
                for key in ("role", "start_date", *POST_FIELDS):
                    if key not in v or (key in KEEP_WHEN_BLANK_POST and v[key] is None):
                        continue
                    old = getattr(post, key)
                    if old != v[key]:
                        diff[key] = (old, v[key])
                for key, (_old, new) in diff.items():
                    setattr(post, key, new)
                if diff:
                    changed_posts.append((row, post, services.audit_changes(diff)))
                    row_changes.update(
                        {
                            COLUMN_BY_KEY[k].header: [display_value(k, a), display_value(k, b)]
                            for k, (a, b) in diff.items()
                        }
                    )
                action = "update" if row_changes else "unchanged"
            elsewhere = row.person is not None and row.person.pk in self.outside_people
            self.result.rows.append(
                RowOutcome(
                    row=row.number,
                    action=action,
                    # Not the file's name beside an existing person of another unit: it would read
                    # as "新增 <name>" and confirm who holds the number (issue 12).
                    name=f"已有人员（身份证号 {mask_id_number(row.person.id_number)}）"
                    if elsewhere and row.person is not None
                    else v["name"],
                    unit_name=unit.name,
                    role_label=str(Post.Role(v["role"]).label),
                    person_is_new=person_is_new,
                    changes=row_changes,
                    kept_elsewhere=elsewhere,
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
        return Plan(new_people, changed_people, person_changes, new_posts, changed_posts)

    def write(self, rows: list[Row], plan: Plan, reason: str) -> None:
        new_people, changed_people, person_changes, new_posts, changed_posts = plan
        now = timezone.now()
        unit_of_person: dict[PersonRef | None, Unit | None] = {}
        for row in rows:
            unit_of_person.setdefault(row.person_ref, row.unit)
        events: list[AuditEvent] = []

        def event(action: str, unit: Unit | None, obj: Model, changes: Changes) -> None:
            """Queue one audit row; they are saved by the chunk, so a city's file never holds them all."""
            events.append(
                services.audit_event(
                    actor=self.actor, action=action, unit=unit, obj=obj, changes=changes, reason=reason
                )
            )
            if len(events) >= QUERY_CHUNK:
                AuditEvent.objects.bulk_create(events)
                events.clear()

        # New people by the chunk: built, saved, audited and let go; a post needs only her key and name.
        saved: dict[PersonRef, tuple[int, str]] = {}
        for chunk in _chunks(new_people.items()):
            created = [_new_person(row.values) for _ref, row in chunk]
            Person.objects.bulk_create(created)
            for (ref, row), person in zip(chunk, created, strict=True):
                saved[ref] = (person.pk, person.name)
                event("person.import", row.unit, person, services.person_created_changes(person))
        if changed_people:
            fields = {"updated_at"}
            for ref, person in changed_people.items():
                person.updated_at = now
                person.name_initials = pinyin_initials(person.name)
                fields.update(k for k in person_changes[ref])
                if "name" in person_changes[ref]:
                    fields.add("name_initials")
                if {"id_number", "birth_date"} & set(person_changes[ref]):
                    person.fill_birthday()
                    fields.add("birthday")
            Person.objects.bulk_update(changed_people.values(), sorted(fields), batch_size=QUERY_CHUNK)
        for ref, person in changed_people.items():
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
        post_of_row: dict[int, Post] = {}  # new posts with a 证书编号 typed in the file
        for post_rows in _chunks(new_posts):
            posts = []
            for row in post_rows:
                post = _new_post(row)
                if row.person is not None:
                    post.person = row.person
                else:
                    assert row.person_ref is not None  # planned rows all found their person
                    pk, name = saved[row.person_ref]
                    post.person = Person(pk=pk, name=name)
                posts.append(post)
            Post.objects.bulk_create(posts)
            for row, post in zip(post_rows, posts, strict=True):
                event("post.import", row.unit, post, services.post_created_changes(post))
                if row.values.get("certificate_no"):
                    post_of_row[row.number] = post
        # 证书编号 typed in the file go to the certificate register, the one source of the number.
        typed = []
        for row in rows:
            number = row.values.get("certificate_no")
            holder = row.post or post_of_row.get(row.number)
            if number and holder is not None and holder.certificate_no != number:
                typed.append((holder, number))
        if typed:
            for _receiver, recorded in roster_certificates_recording.send(
                sender=_Engine, entries=typed, actor=self.actor
            ):
                # django-stubs types a receiver's answer as str | None; this signal's is [(post, changes)].
                for post, changes in cast("list[tuple[Post, Changes]]", recorded):
                    event("certificate.record", post.unit, post, changes)
        AuditEvent.objects.bulk_create(events, batch_size=QUERY_CHUNK)


def _new_person(values: dict[str, Any]) -> Person:
    """The unsaved Person a row's values describe, with what bulk_create skips (Person.save's pinyin key, birthday)."""
    person = Person(name=values["name"], birth_date=values["birth_date"])
    for key in PERSON_FIELDS:
        if values.get(key) is not None and key in values:
            setattr(person, key, values[key])
    person.id_number = person.id_number or None
    person.name_initials = pinyin_initials(person.name)
    person.fill_birthday()
    return person


def _new_post(row: Row) -> Post:
    v = row.values
    post = Post(unit=row.unit, role=v["role"], start_date=v["start_date"])
    for key in POST_FIELDS:
        if v.get(key) is not None:
            setattr(post, key, v[key])
    return post


def import_roster(
    *,
    unit: Unit,
    file: FileSource,
    actor: Any,
    dry_run: bool = False,
    filename: str = "",
    budget: Budget | None = None,
    progress: Callable[[int, int], object] | None = None,
    on_write: Callable[[], object] | None = None,
) -> ImportResult:
    """Validate the whole file, then write all of it in one transaction, or nothing.

    `file` is a path, bytes, or a file object. `actor` is the user importing (the web page's
    user, the command's --user), or None for a system import (benchmarks). `budget` is a
    fedorg.uploads.Budget, by default the "import" one from settings. Never raises for a bad
    file: the faults, a refused upload and an exceeded budget included, are in the result.

    A background job passes `progress(done, total)`, called between the stages with the share
    of the file's rows they stand for (validation runs outside any transaction, so another
    connection sees it), and `on_write()`, called inside the write transaction before the
    writes (to spend the upload's token with them).
    """

    def stage(share: float) -> None:
        if progress is not None:
            progress(int(len(rows) * share), len(rows))

    result = ImportResult(dry_run=dry_run)
    if actor is not None and not visible_units(actor).filter(pk=unit.pk).exists():
        result.errors.append(CellError(None, None, f"您无权向{unit.name}导入名册。"))
        return result
    if unit.is_archived:
        result.errors.append(CellError(None, None, f"{unit.name}已撤销，不能导入名册。"))
        return result
    budget = budget or Budget("import")
    try:
        data = read_file_bytes(file)
        engine = _Engine(unit=unit, actor=actor, result=result)
        present: set[str] = set()

        def parsed(number: int, raw: Record) -> Row:
            if not present:
                present.update(raw)  # every record has the header's keys
            row = Row(number=number)
            _parse_row(row, raw, present, engine.err)
            return row

        result.sheet_name, result.header_row, result.column_index, rows = read_sheet_as(data, parsed, budget=budget)
        stage(0.3)
        stage(0.3)
        engine.resolve_units(rows, present)
        engine.resolve_people(rows)
        budget.check()
        stage(0.45)
        engine.check_people_agree(rows, present)
        existing = engine.load_posts(rows)
        engine.match_posts(rows, existing)
        engine.check_rules(rows, existing)
        engine.check_certificates(rows)
        budget.check()
        stage(0.6)
        if result.errors:
            result.errors.sort(key=lambda e: (e.row or 0, _column_order(e.column)))
            return result
        plan = engine.plan(rows, present)
        budget.check()
        stage(0.7)
    except (RosterFileError, BudgetExceeded) as e:
        result.errors.append(CellError(None, None, str(e)))
        return result
    except MemoryError:
        result.errors.append(
            CellError(None, None, "导入所需内存超过上限，已停止，未写入任何数据。请拆分文件后再导入。")
        )
        return result
    if dry_run:
        return result
    reason = f"Excel 导入{('：' + filename) if filename else ''}"
    try:
        with transaction.atomic():
            if on_write is not None:
                on_write()
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


def _column_order(header: str | None) -> int:
    order = [PERSON_ID.header, POST_ID.header, *(c.header for c in COLUMNS)]
    return order.index(header) if header in order else len(order)
