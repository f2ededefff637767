"""The register workbook (档案.xlsx): 优秀女性 and 妇女社会组织, exported, templated and imported with the
roster's engine and its guarantees (issue 11).

The same reader (cells.read_sheet with a SheetLayout of its own), the same cell parsers and
validators, the same bounds (fedorg.uploads, MAX_FILE_BYTES, MAX_ROWS, the "import" budget), the
same Chinese messages naming the sheet, row and column, the same preview-then-confirm (the views
spend the upload's token with the writes, as the roster's do), and the same all-or-nothing write.

Matching, so that importing the same file twice changes nothing:
- an organisation by unit + 组织名称;
- a woman by unit + 身份证号, else by unit + 姓名 + 出生年月 (an entry with no ID number, which the
  file may complete), else, when the row gives neither, by unit + 姓名 if the unit has one entry of
  that name. Anything else is a new entry.

Blank cells: a blank 身份证号 or 联系电话 keeps the number on file, a blank 来源类别 keeps the stored
category (其他 for a new entry); other blank cells mean "empty" (社工 means 否, no organisation).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from openpyxl import Workbook
from openpyxl.worksheet.datavalidation import DataValidation

from fedorg.dates import year_month
from fedorg.masking import mask_id_number, mask_mobile
from fedorg.uploads import Budget, BudgetExceeded, FormulaWithoutValue
from fedorg.xlsx import workbook_bytes, write_simple_sheet
from members import codes, services, validators
from members.models import pinyin_initials
from members.roster_xlsx.cells import (
    ImportOutcome,
    RosterFileError,
    code_for,
    normalize_name,
    normalize_text,
    parse_flag,
    read_file_bytes,
    read_sheet,
)
from members.roster_xlsx.columns import EXAMPLE_MARKER, MAX_ROWS, Column, SheetLayout
from orgtree.access import can_see_personal_data, visible_units
from orgtree.models import AuditEvent, Unit

from .models import RegisterEntry, WomenOrganisation
from .services import organisations_of, register_of

QUERY_CHUNK = 500

UNIT_CODE = Column("组织代码", "unit_code", 16, ("单位代码", "组织编码"))
UNIT_NAME = Column("所属组织", "unit_name", 20)  # written by the export, ignored on import (the code decides)
ENTRY_COLUMNS = (
    UNIT_CODE,
    UNIT_NAME,
    Column("姓名", "name", 10, ("名字",), required=True),
    Column("出生年月", "birth_date", 10, ("出生日期", "出生年月日", "生日")),
    Column("身份证号", "id_number", 21, ("身份证号码", "公民身份号码", "身份证")),
    Column("所在领域", "field", 14, ("领域", "专长领域")),
    Column("工作单位及职务", "workplace_title", 28, ("工作单位", "单位及职务", "工作单位和职务")),
    Column("联系电话", "mobile", 14, ("手机号码", "手机", "手机号", "电话", "联系方式")),
    Column("来源类别", "source", 22, ("来源", "兼职成员来源", "成员来源")),
    Column("社工", "is_social_worker", 6, ("是否社工",)),
    Column("负责的妇女社会组织", "organisation", 24, ("妇女社会组织", "社会组织", "负责的社会组织")),
    Column("备注", "note", 20),
)
ORGANISATION_COLUMNS = (
    UNIT_CODE,
    UNIT_NAME,
    Column("组织名称", "name", 28, ("社会组织名称", "妇女社会组织名称"), required=True),
    Column("活动领域", "field", 14, ("领域",)),
    Column("成员人数", "member_count", 10, ("人数",)),
    Column("联系方式", "contact", 20, ("联系电话", "电话")),
    Column("备注", "note", 20),
)
ENTRY_SHEET, ORGANISATION_SHEET = "优秀女性档案", "妇女社会组织"
ENTRY_LAYOUT = SheetLayout(
    columns=ENTRY_COLUMNS,
    sheet_name=ENTRY_SHEET,
    missing_header="找不到优秀女性档案的表头：前 20 行中没有一行同时包含“姓名”“身份证号”等列名。",
)
ORGANISATION_LAYOUT = SheetLayout(
    columns=ORGANISATION_COLUMNS,
    sheet_name=ORGANISATION_SHEET,
    missing_header="找不到妇女社会组织的表头：前 20 行中没有一行同时包含“组织名称”“活动领域”等列名。",
)
FORMULA_WITHOUT_VALUE = "公式没有计算结果，请粘贴为数值后再导入。"
# Text columns and their model limits.
TEXT_LIMITS = {"field": 50, "workplace_title": 200, "note": 200, "contact": 50}


@dataclass
class RegisterCellError:
    sheet: str | None
    row: int | None
    column: str | None
    message: str

    def __str__(self):
        if self.row is None:
            return self.message
        return f"“{self.sheet}”表第{self.row}行 {self.column}：{self.message}"


@dataclass
class RegisterRowOutcome:
    sheet: str
    row: int
    action: str  # "add" | "update" | "unchanged"
    name: str
    unit_name: str
    changes: dict = field(default_factory=dict)  # header -> [old, new]

    ACTION_LABELS = {"add": "新增", "update": "更新", "unchanged": "未变"}

    @property
    def action_label(self):
        return self.ACTION_LABELS[self.action]


@dataclass
class RegisterImportResult(ImportOutcome):
    dry_run: bool
    rows: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    file_refused: bool = False  # the file as a whole could not be read: no row to point at
    written: bool = False

    def count(self, sheet, action):
        return sum(1 for r in self.rows if r.sheet == sheet and r.action == action)

    def summary(self):
        parts = []
        for sheet, noun, unit in ((ORGANISATION_SHEET, "妇女社会组织", "个"), (ENTRY_SHEET, "优秀女性", "人")):
            parts.append(
                f"{noun}：新增 {self.count(sheet, 'add')} {unit}，更新 {self.count(sheet, 'update')} {unit}，"
                f"未变 {self.count(sheet, 'unchanged')} {unit}"
            )
        return "；".join(parts) + "。"


@dataclass
class _Row:
    sheet: str
    layout: SheetLayout
    number: int
    raw: dict
    values: dict = field(default_factory=dict)
    unit: Unit | None = None
    existing: object = None
    bad: set = field(default_factory=set)  # keys with an error


class _Importer:
    def __init__(self, *, unit, actor, result):
        self.unit, self.actor, self.result = unit, actor, result

    def err(self, row, key, message):
        if isinstance(message, ValidationError):
            message = " ".join(message.messages)
        self.result.errors.append(RegisterCellError(row.sheet, row.number, row.layout.column(key).header, message))
        row.bad.add(key)

    # parsing -------------------------------------------------------------------------------------
    def _common(self, row, present):
        raw = row.raw
        for key, value in list(raw.items()):
            if isinstance(value, FormulaWithoutValue):
                self.err(row, key, FORMULA_WITHOUT_VALUE)
                raw[key] = None
        for key, limit in TEXT_LIMITS.items():
            if key in present:
                value = normalize_text(raw.get(key), nfkc=False)
                if len(value) > limit:
                    self.err(row, key, f"不能超过 {limit} 个字（现有 {len(value)} 个字）。")
                row.values[key] = value[:limit]

    def parse_organisation(self, row, present):
        self._common(row, present)
        name = normalize_text(row.raw.get("name"), nfkc=False)
        if not name:
            self.err(row, "name", "请填写组织名称。")
        elif len(name) > 100:
            self.err(row, "name", "组织名称不能超过 100 个字。")
        row.values["name"] = name
        if "member_count" in present:
            text = normalize_text(row.raw.get("member_count"))
            if not text:
                row.values["member_count"] = None
            elif text.isdigit() and int(text) < 10**6:
                row.values["member_count"] = int(text)
            else:
                self.err(row, "member_count", f"成员人数“{text[:20]}”应为整数，例如 30。")

    def parse_entry(self, row, present):
        self._common(row, present)
        raw, values = row.raw, row.values
        name = normalize_name(raw.get("name"))
        if not name:
            self.err(row, "name", "请填写姓名。")
        else:
            try:
                name = validators.clean_person_name(name)
            except ValidationError as e:
                self.err(row, "name", e)
            if len(name) > 50:
                self.err(row, "name", "姓名不能超过 50 个字。")
        values["name"] = name
        birth = raw.get("birth_date")
        values["birth_date"] = None
        if normalize_text(birth):
            try:
                values["birth_date"] = validators.parse_birth_month(
                    normalize_text(birth) if isinstance(birth, str) else birth
                )
            except ValidationError as e:
                self.err(row, "birth_date", e)
        text_id = normalize_text(raw.get("id_number"))
        if isinstance(raw.get("id_number"), int | float) and abs(raw["id_number"]) >= 1e15:
            self.err(row, "id_number", "身份证号被 Excel 存成了数字，后几位已丢失。请把该列设为“文本”格式后重新填写。")
        elif "*" in text_id:
            self.err(row, "id_number", "身份证号已打码，无法导入。请填写完整号码，或清空此格以保留系统中的号码。")
        else:
            try:
                values["id_number"] = validators.clean_id_number(text_id) or ""
            except ValidationError as e:
                self.err(row, "id_number", e)
        if values.get("id_number"):
            born = validators.id_birth_date(values["id_number"]).replace(day=1)
            if values["birth_date"] is None and "birth_date" not in row.bad:
                values["birth_date"] = born
            else:
                try:
                    validators.check_id_matches_birth(values["id_number"], values["birth_date"])
                except ValidationError as e:
                    self.err(row, "birth_date", e)
        if "mobile" in present:
            text = normalize_text(raw.get("mobile"))
            if "*" in text:
                self.err(row, "mobile", "联系电话已打码，无法导入。请填写完整号码，或清空此格以保留系统中的号码。")
            else:
                try:
                    values["mobile"] = validators.clean_mobile(text)
                except ValidationError as e:
                    self.err(row, "mobile", e)
        if "source" in present:
            spelled = normalize_text(raw.get("source"))
            code = code_for("source", spelled) if spelled else ""
            if code is None:
                labels = "、".join(label for _code, label in codes.SOURCE)
                self.err(row, "source", f"“{spelled}”不是有效的来源类别，可填：{labels}。")
            else:
                values["source"] = code  # "" keeps the stored one
        if "is_social_worker" in present:
            try:
                values["is_social_worker"] = parse_flag(raw.get("is_social_worker"))
            except ValidationError as e:
                self.err(row, "is_social_worker", e)
        if "organisation" in present:
            values["organisation"] = normalize_text(raw.get("organisation"), nfkc=False)

    # units -----------------------------------------------------------------------------------------
    def resolve_units(self, rows, present_by_sheet):
        codes_in_file = {normalize_text(r.raw.get("unit_code")) for r in rows} - {"", self.unit.code}
        by_code = {self.unit.code: self.unit}
        subtree = Unit.objects.subtree_of(self.unit)
        for chunk in _chunks(codes_in_file):
            by_code.update({u.code: u for u in subtree.filter(code__in=chunk)})
        for row in rows:
            code = normalize_text(row.raw.get("unit_code")) if "unit_code" in present_by_sheet[row.sheet] else ""
            unit = by_code.get(code) if code else self.unit
            if unit is None:
                self.err(row, "unit_code", f"组织代码 {code[:30]} 不存在，或不在{self.unit.name}的范围内。")
            elif unit.is_archived:
                self.err(row, "unit_code", f"{unit.name}（{unit.code}）已撤销，不能导入档案。")
            else:
                row.unit = unit

    # matching --------------------------------------------------------------------------------------
    def match_organisations(self, rows):
        unit_ids = {r.unit.pk for r in rows if r.unit}
        stored = {}
        for chunk in _chunks(unit_ids):
            for org in WomenOrganisation.objects.filter(unit_id__in=chunk):
                stored[(org.unit_id, org.name)] = org
        seen = {}
        for row in rows:
            if row.unit is None or not row.values.get("name"):
                continue
            key = (row.unit.pk, row.values["name"])
            if key in seen:
                self.err(row, "name", f"与第{seen[key]}行是同一组织（{row.values['name']}），请合并为一行。")
                continue
            seen[key] = row.number
            row.existing = stored.get(key)
        return stored

    def match_entries(self, rows):
        unit_ids = {r.unit.pk for r in rows if r.unit}
        by_id, by_name_birth, by_name = {}, defaultdict(list), defaultdict(list)
        for chunk in _chunks(unit_ids):
            for entry in RegisterEntry.objects.filter(unit_id__in=chunk).select_related("organisation"):
                if entry.id_number:
                    by_id[(entry.unit_id, entry.id_number)] = entry
                by_name_birth[(entry.unit_id, entry.name, entry.birth_date)].append(entry)
                by_name[(entry.unit_id, entry.name)].append(entry)
        claimed = {}  # existing entry pk or new key -> the file row that took it
        for row in rows:
            values = row.values
            if row.unit is None or not values.get("name") or row.bad:
                continue
            unit_id, name, birth, id_number = (
                row.unit.pk,
                values["name"],
                values.get("birth_date"),
                values.get("id_number"),
            )
            found = None
            if id_number:
                found = by_id.get((unit_id, id_number)) or next(
                    (e for e in by_name_birth.get((unit_id, name, birth), []) if not e.id_number), None
                )
            elif birth is not None:
                candidates = by_name_birth.get((unit_id, name, birth), [])
                found = candidates[0] if len(candidates) == 1 else None
            else:
                candidates = by_name.get((unit_id, name), [])
                found = candidates[0] if len(candidates) == 1 else None
            key = ("entry", found.pk) if found else ("new", unit_id, id_number or (name, birth))
            if key in claimed:
                self.err(row, "name", f"与第{claimed[key]}行是同一人（{name}），请合并为一行。")
                continue
            claimed[key] = row.number
            row.existing = found

    def resolve_entry_organisations(self, entry_rows, organisation_rows, stored):
        in_file = {(r.unit.pk, r.values["name"]) for r in organisation_rows if r.unit and not r.bad}
        for row in entry_rows:
            name = row.values.get("organisation")
            if not name or row.unit is None:
                continue
            key = (row.unit.pk, name)
            if key not in stored and key not in in_file:
                self.err(
                    row,
                    "organisation",
                    f"“{name}”不在{row.unit.name}的妇女社会组织档案中，请先在“{ORGANISATION_SHEET}”表中登记。",
                )

    # planning and writing --------------------------------------------------------------------------
    def plan_organisations(self, rows, present):
        keys = [k for k in ("field", "member_count", "contact", "note") if k in present]
        for row in rows:
            org = row.existing
            changes = {}
            if org is not None:
                for key in keys:
                    if getattr(org, key) != row.values[key]:
                        changes[key] = (getattr(org, key), row.values[key])
            action = "add" if org is None else ("update" if changes else "unchanged")
            row.values["_changes"] = changes
            self.result.rows.append(
                RegisterRowOutcome(
                    ORGANISATION_SHEET,
                    row.number,
                    action,
                    row.values["name"],
                    row.unit.name,
                    {ORGANISATION_LAYOUT.column(k).header: [_shown(o), _shown(n)] for k, (o, n) in changes.items()},
                )
            )

    def plan_entries(self, rows, present):
        for row in rows:
            entry = row.existing
            wanted = _entry_wanted(row.values, present, entry)
            changes = {}
            if entry is not None:
                for key, new in wanted.items():
                    if key == "organisation":
                        old, new = (entry.organisation.name if entry.organisation_id else ""), new or ""
                    else:
                        old = getattr(entry, key)
                    if old != new:
                        changes[key] = (old, new)
            row.values["_wanted"], row.values["_changes"] = wanted, changes
            action = "add" if entry is None else ("update" if changes else "unchanged")
            self.result.rows.append(
                RegisterRowOutcome(
                    ENTRY_SHEET,
                    row.number,
                    action,
                    row.values["name"],
                    row.unit.name,
                    {ENTRY_LAYOUT.column(k).header: [_shown(o), _shown(n)] for k, (o, n) in changes.items()},
                )
            )

    def write(self, organisation_rows, entry_rows, reason):
        events = []

        def event(action, unit, obj, changes):
            events.append(
                services.audit_event(
                    actor=self.actor, action=action, unit=unit, obj=obj, changes=changes, reason=reason
                )
            )

        new_orgs = []
        for row in organisation_rows:
            v = row.values
            if row.existing is None:
                new_orgs.append(
                    (
                        row,
                        WomenOrganisation(
                            unit=row.unit,
                            name=v["name"],
                            field=v.get("field", ""),
                            member_count=v.get("member_count"),
                            contact=v.get("contact", ""),
                            note=v.get("note", ""),
                        ),
                    )
                )
            elif v["_changes"]:
                for key, (_old, new) in v["_changes"].items():
                    setattr(row.existing, key, new)
                row.existing.save(update_fields=list(v["_changes"]))
                event("register.organisation", row.unit, row.existing, services.audit_changes(v["_changes"]))
        WomenOrganisation.objects.bulk_create([org for _row, org in new_orgs], batch_size=QUERY_CHUNK)
        for row, org in new_orgs:
            event("register.organisation", row.unit, org, {"name": [None, org.name]})
        names = {(r.unit.pk, r.values["name"]) for r in entry_rows if r.values.get("organisation")}
        orgs = {}
        for chunk in _chunks({unit_id for unit_id, _name in names}):
            orgs.update({(o.unit_id, o.name): o for o in WomenOrganisation.objects.filter(unit_id__in=chunk)})

        def organisation_of(row, name):
            return orgs[(row.unit.pk, name)] if name else None

        new_entries = []
        for row in entry_rows:
            wanted, changes = row.values["_wanted"], row.values["_changes"]
            if row.existing is None:
                entry = RegisterEntry(unit=row.unit)
                for key, value in wanted.items():
                    if key == "organisation":
                        entry.organisation = organisation_of(row, value)
                    else:
                        setattr(entry, key, value)
                entry.name_initials = pinyin_initials(entry.name)  # bulk_create skips save()
                new_entries.append((row, entry))
            elif changes:
                entry = row.existing
                for key, (_old, new) in changes.items():
                    if key == "organisation":
                        entry.organisation = organisation_of(row, new)
                    else:
                        setattr(entry, key, new)
                entry.save()
                event("register.update", row.unit, entry, services.audit_changes(changes))
        RegisterEntry.objects.bulk_create([entry for _row, entry in new_entries], batch_size=QUERY_CHUNK)
        for row, entry in new_entries:
            event("register.create", row.unit, entry, {"name": [None, entry.name]})
        AuditEvent.objects.bulk_create(events, batch_size=QUERY_CHUNK)


def _shown(value):
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime.date):
        return year_month(value)
    return str(value)


def _entry_wanted(values, present, entry):
    """The stored values a row asks for, after the blank-cell rules of the module docstring."""
    wanted = {"name": values["name"]}
    if values.get("birth_date") is not None or entry is None:
        wanted["birth_date"] = values.get("birth_date")
    for key in ("id_number", "mobile"):
        if values.get(key):
            wanted[key] = values[key]
        elif entry is None:
            wanted[key] = ""
    if values.get("source"):
        wanted["source"] = values["source"]
    elif entry is None:
        wanted["source"] = codes.SOURCE_OTHER
    for key in ("field", "workplace_title", "note", "is_social_worker", "organisation"):
        if key in present:
            wanted[key] = values.get(key)
        elif entry is None:
            wanted[key] = False if key == "is_social_worker" else (None if key == "organisation" else "")
    return wanted


def _chunks(items, size=QUERY_CHUNK):
    items = sorted(items, key=str)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def import_register(*, unit, file, actor, dry_run=False, filename="", budget=None):
    """Validate both sheets of a register workbook, then write all of it in one transaction, or nothing.

    Never raises for a bad file: a refused upload, an exceeded budget and every faulty cell are in
    the result, each naming its sheet, row and column.
    """
    result = RegisterImportResult(dry_run=dry_run)
    if actor is not None and not visible_units(actor).filter(pk=unit.pk).exists():
        result.errors.append(RegisterCellError(None, None, None, f"您无权向{unit.name}导入档案。"))
        result.file_refused = True
        return result
    if unit.is_archived:
        result.errors.append(RegisterCellError(None, None, None, f"{unit.name}已撤销，不能导入档案。"))
        result.file_refused = True
        return result
    budget = budget or Budget("import")
    importer = _Importer(unit=unit, actor=actor, result=result)
    try:
        data = read_file_bytes(file)
        sheets = {}
        for layout in (ORGANISATION_LAYOUT, ENTRY_LAYOUT):
            found = read_sheet(data, budget=budget, layout=layout, optional=True)
            if found is not None:
                sheets[layout.sheet_name] = (layout, found)
        if not sheets:
            raise RosterFileError(
                f"文件中没有可导入的档案：请使用下载的档案模板，在“{ENTRY_SHEET}”或“{ORGANISATION_SHEET}”表中填写。"
            )
        present_by_sheet, rows_by_sheet = {}, {ORGANISATION_SHEET: [], ENTRY_SHEET: []}
        for name, (layout, (_title, _header_row, column_index, records)) in sheets.items():
            present_by_sheet[name] = set(column_index)
            rows_by_sheet[name] = [_Row(name, layout, number, raw) for number, raw in records]
        organisation_rows, entry_rows = rows_by_sheet[ORGANISATION_SHEET], rows_by_sheet[ENTRY_SHEET]
        for row in organisation_rows:
            importer.parse_organisation(row, present_by_sheet[ORGANISATION_SHEET])
        for row in entry_rows:
            importer.parse_entry(row, present_by_sheet[ENTRY_SHEET])
        budget.check()
        importer.resolve_units(organisation_rows + entry_rows, present_by_sheet)
        stored = importer.match_organisations(organisation_rows)
        importer.match_entries(entry_rows)
        importer.resolve_entry_organisations(entry_rows, organisation_rows, stored)
        budget.check()
        if result.errors:
            order = {ORGANISATION_SHEET: 0, ENTRY_SHEET: 1}
            result.errors.sort(key=lambda e: (order.get(e.sheet, 2), e.row or 0))
            return result
        importer.plan_organisations(organisation_rows, present_by_sheet.get(ORGANISATION_SHEET, set()))
        importer.plan_entries(entry_rows, present_by_sheet.get(ENTRY_SHEET, set()))
    except (RosterFileError, BudgetExceeded) as e:
        result.errors.append(RegisterCellError(None, None, None, str(e)))
        result.file_refused = True
        return result
    except MemoryError:
        result.errors.append(RegisterCellError(None, None, None, "导入所需内存超过上限，已停止，未写入任何数据。"))
        result.file_refused = True
        return result
    if dry_run:
        return result
    reason = f"Excel 导入档案{('：' + filename) if filename else ''}"
    try:
        with transaction.atomic():
            importer.write(organisation_rows, entry_rows, reason)
    except IntegrityError:
        result.errors.append(
            RegisterCellError(None, None, None, "保存时发现档案已被他人同时修改，未写入任何数据，请重新导入。")
        )
        return result
    result.written = True
    return result


# --- export and template ----------------------------------------------------------------------------


def _widths(columns):
    return [c.width for c in columns]


def export_register(*, unit, actor, filename):
    """The register file a user downloads (register_workbook, masked unless she may see the unit's
    personal data); when it carries full ID numbers and phones, one audit event records who took them."""
    show = can_see_personal_data(actor, unit)
    stream, rows = register_workbook(unit, show_personal_data=show)
    if show and rows:
        AuditEvent.objects.record(
            actor=actor, action="register.export_unmasked", unit=unit, obj=unit, changes={"filename": filename}
        )
    return stream


def register_workbook(unit, *, show_personal_data):
    """(.xlsx stream, rows) of the unit's subtree register, both sheets; importing it back changes nothing.

    ID numbers and phones are masked for a user who may not see them.
    """
    wb = Workbook()
    ws = wb.active
    ws.title = ENTRY_SHEET
    entry_rows = [
        [
            e.unit.code,
            e.unit.name,
            e.name,
            year_month(e.birth_date) if e.birth_date else "",
            e.id_number if show_personal_data else mask_id_number(e.id_number),
            e.field,
            e.workplace_title,
            e.mobile if show_personal_data else mask_mobile(e.mobile),
            e.get_source_display(),
            "是" if e.is_social_worker else "",
            e.organisation.name if e.organisation_id else "",
            e.note,
        ]
        for e in register_of(unit)
    ]
    write_simple_sheet(ws, [c.header for c in ENTRY_COLUMNS], entry_rows, _widths(ENTRY_COLUMNS))
    organisation_rows = [
        [o.unit.code, o.unit.name, o.name, o.field, "" if o.member_count is None else o.member_count, o.contact, o.note]
        for o in organisations_of(unit)
    ]
    write_simple_sheet(
        wb.create_sheet(ORGANISATION_SHEET),
        [c.header for c in ORGANISATION_COLUMNS],
        organisation_rows,
        _widths(ORGANISATION_COLUMNS),
    )
    for sheet in wb.worksheets:  # 身份证号 and 组织代码 stay text when a clerk types more rows
        for row in sheet.iter_rows(min_row=2, max_col=5):
            for cell in row:
                cell.number_format = "@"
    return workbook_bytes(wb), len(entry_rows) + len(organisation_rows)


def register_template(unit):
    """An empty register workbook with one example row per sheet (skipped on import) and drop-downs."""
    wb = Workbook()
    ws = wb.active
    ws.title = ENTRY_SHEET
    example = [
        unit.code,
        unit.name,
        "王秀兰",
        "1978.05",
        "",
        "法律",
        "某律师事务所律师",
        "13900001111",
        str(dict(codes.SOURCE)[codes.SOURCE_OTHER]),
        "否",
        "",
        EXAMPLE_MARKER,
    ]
    write_simple_sheet(ws, [c.header for c in ENTRY_COLUMNS], [example], _widths(ENTRY_COLUMNS))
    lists = wb.create_sheet("代码表")
    for i, (_code, label) in enumerate(codes.SOURCE, start=1):
        lists.cell(row=i, column=1, value=str(label))
    lists.sheet_state = "hidden"
    rows = MAX_ROWS // 4
    source = DataValidation(type="list", formula1=f"代码表!$A$1:$A${len(codes.SOURCE)}", allow_blank=True)
    source.add(f"I2:I{rows}")
    flag = DataValidation(type="list", formula1='"是,否"', allow_blank=True)
    flag.add(f"J2:J{rows}")
    ws.add_data_validation(source)
    ws.add_data_validation(flag)
    for row in ws.iter_rows(min_row=2, max_row=2, max_col=5):
        for cell in row:
            cell.number_format = "@"
    write_simple_sheet(
        wb.create_sheet(ORGANISATION_SHEET, 1),
        [c.header for c in ORGANISATION_COLUMNS],
        [[unit.code, unit.name, "巾帼志愿服务队", "志愿服务", 30, "13900002222", EXAMPLE_MARKER]],
        _widths(ORGANISATION_COLUMNS),
    )
    return workbook_bytes(wb)
