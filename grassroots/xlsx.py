"""The grassroots workbook (基层阵地.xlsx): 妇女之家 with their activities, 村（居）两委 and 辖区组织 of a unit's
subtree, exported and imported with the roster's reader and the register's guarantees (issue 24).

Four sheets: 妇女之家, 妇女之家活动, 村（居）两委, 辖区组织. The same bounded reader (cells.read_sheet: fedorg.uploads
checks the file before it is parsed, MAX_FILE_BYTES, a row limit per sheet, the "import" budget), the same
date and 是/否 parsers, messages naming the sheet, row and column (“妇女之家”表第3行 建立日期：…), and the same
preview-then-confirm (grassroots.views spends the upload's token with the writes, as the register does).

Each row is written through grassroots.services, so the import checks exactly what a page or the API
checks and leaves the same audit. All rows run in one transaction: a dry run (the preview), or any row
refused, rolls all of it back, so nothing is half-written. Records are matched by the services' natural
keys (a 妇女之家 by unit + name, an activity by its 妇女之家 + date + title, a two-committee record by unit +
election date, an organisation by unit + name): importing the same file twice changes nothing.

A blank 组织代码 means the unit the file is imported into. A column left out of the file keeps what is
stored; a blank cell in a column that is there means "empty".
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from openpyxl import Workbook

from fedorg.uploads import Budget, BudgetExceeded, FormulaWithoutValue
from fedorg.xlsx import workbook_bytes, write_simple_sheet
from members.models import Person
from members.roster_xlsx.cells import (
    RosterFileError,
    normalize_text,
    parse_day,
    parse_flag,
    read_file_bytes,
    read_sheet,
)
from members.roster_xlsx.columns import Column, SheetLayout
from orgtree.access import visible_units
from orgtree.models import Unit
from selection.register_xlsx import RegisterCellError, RegisterImportResult, RegisterRowOutcome

from . import services
from .models import FUNCTIONS, Organisation, TwoCommittees, WomenHome, WomenHomeActivity

_M = TypeVar("_M", bound=models.Model)
MAX_SHEET_ROWS = 5000  # each row goes through a service (a few queries): a district's registers fit
BUDGET_EVERY = 200  # rows between checks of the import budget while writing
FORMULA_WITHOUT_VALUE = "公式没有计算结果，请粘贴为数值后再导入。"
FUNCTION_SPLIT_RE = re.compile(r"[、,，;；/\s]+")

UNIT_CODE = Column("组织代码", "unit_code", 16, ("单位代码", "组织编码"))
HOME_COLUMNS = (
    UNIT_CODE,
    Column("所在组织", "unit_name", 20),  # written by the export, ignored on import (the code decides)
    Column("妇女之家名称", "name", 24, required=True),
    Column("地址", "address", 28),
    Column("面积（平方米）", "area", 10, ("面积",)),
    Column("建立日期", "opened_on", 12, ("建立时间", "成立日期"), required=True),
    Column("撤销日期", "closed_on", 12),
    Column("有场所日期", "place_on", 12, ("有场所",)),
    Column("有牌子日期", "sign_on", 12, ("有牌子",)),
    Column("有制度日期", "rules_on", 12, ("有制度",)),
    Column("有活动日期", "activities_on", 12, ("有活动",)),
    Column("八位一体功能", "functions", 40, ("功能",)),
    Column("负责人", "person_name", 10),
    Column("负责人编号", "person", 10, ("负责人人员编号",)),
    Column("网上妇女之家网址", "online_url", 30, ("网址",)),
    Column("微信公众号/群", "wechat", 20, ("微信",)),
    Column("备注", "note", 20),
)
ACTIVITY_COLUMNS = (
    UNIT_CODE,
    Column("所在组织", "unit_name", 20),
    Column("所属妇女之家", "name", 24, required=True),
    Column("活动日期", "held_on", 12, required=True),
    Column("活动类型", "kind", 10, required=True),
    Column("活动名称", "title", 28, required=True),
    Column("参加人数", "attendance", 10, required=True),
)
COMMITTEE_COLUMNS = (
    UNIT_CODE,
    Column("村（社区）名称", "name", 20, ("村（社区）", "村（居）")),  # written by the export, ignored on import
    Column("换届选举日期", "elected_on", 12, ("选举日期", "换届日期"), required=True),
    Column("届满日期", "ended_on", 12),
    Column("两委成员人数", "members", 10, required=True),
    Column("其中女性人数", "women", 10, ("女性人数",), required=True),
    Column("女性成员姓名", "women_names", 24),
    Column("党组织书记为女性", "secretary_woman", 10, ("书记为女性",)),
    Column("村（居）委会主任为女性", "director_woman", 10, ("主任为女性",)),
    Column("书记主任一肩挑", "one_shoulder", 10, ("一肩挑",)),
    Column("妇联主席进两委", "chair_in", 10),
    Column("备注", "note", 20),
)
ORGANISATION_COLUMNS = (
    UNIT_CODE,
    Column("所属街道（乡镇）", "unit_name", 20),
    Column("组织名称", "name", 28, required=True),
    Column("组织类别", "kind", 16, required=True),
    Column("妇女组织", "women_org", 12),
    Column("妇女组织建立日期", "women_org_on", 12),
    Column("纳入统计日期", "listed_on", 12, required=True),
    Column("注销日期", "closed_on", 12),
    Column("备注", "note", 20),
)
HOME_SHEET, ACTIVITY_SHEET, COMMITTEE_SHEET, ORGANISATION_SHEET = "妇女之家", "妇女之家活动", "村（居）两委", "辖区组织"


def _layout(columns: tuple[Column, ...], sheet: str) -> SheetLayout:
    names = "”“".join(c.header for c in columns if c.required)
    return SheetLayout(
        columns=columns,
        sheet_name=sheet,
        missing_header=f"找不到“{sheet}”的表头：前 20 行中没有一行同时包含“{names}”等列名。",
        max_rows=MAX_SHEET_ROWS,
    )


LAYOUTS = {
    HOME_SHEET: _layout(HOME_COLUMNS, HOME_SHEET),
    ACTIVITY_SHEET: _layout(ACTIVITY_COLUMNS, ACTIVITY_SHEET),
    COMMITTEE_SHEET: _layout(COMMITTEE_COLUMNS, COMMITTEE_SHEET),
    ORGANISATION_SHEET: _layout(ORGANISATION_COLUMNS, ORGANISATION_SHEET),
}
MODELS: dict[str, type[models.Model]] = {
    HOME_SHEET: WomenHome,
    ACTIVITY_SHEET: WomenHomeActivity,
    COMMITTEE_SHEET: TwoCommittees,
    ORGANISATION_SHEET: Organisation,
}
CHOICES: dict[tuple[str, str], list[tuple[str, str]]] = {
    (ACTIVITY_SHEET, "kind"): list(WomenHomeActivity.Kind.choices),
    (ORGANISATION_SHEET, "kind"): list(Organisation.Kind.choices),
    (ORGANISATION_SHEET, "women_org"): list(Organisation.WomenOrg.choices),
}
NOUNS = {HOME_SHEET: "妇女之家", ACTIVITY_SHEET: "活动", COMMITTEE_SHEET: "两委记录", ORGANISATION_SHEET: "辖区组织"}


@dataclass
class GrassrootsImportResult(RegisterImportResult):
    def summary(self) -> str:
        parts = [
            f"{noun}：新增 {self.count(sheet, 'add')}，更新 {self.count(sheet, 'update')}，"
            f"未变 {self.count(sheet, 'unchanged')}"
            for sheet, noun in NOUNS.items()
            if any(r.sheet == sheet for r in self.rows)
        ]
        return "；".join(parts) + "。" if parts else "文件中没有数据行。"


@dataclass
class _Row:
    sheet: str
    number: int
    raw: dict[str, Any]
    present: set[str]
    values: dict[str, Any] = field(default_factory=dict)
    unit: Unit | None = None
    bad: bool = False

    @property
    def layout(self) -> SheetLayout:
        return LAYOUTS[self.sheet]


class _Importer:
    def __init__(self, *, unit: Unit, actor: Any, result: GrassrootsImportResult) -> None:
        self.unit, self.actor, self.result = unit, actor, result
        self.units: dict[str, Unit | None] = {unit.code: unit}

    def err(self, row: _Row, key: str, message: str | ValidationError) -> None:
        if isinstance(message, ValidationError):
            message = " ".join(message.messages)
        if key not in row.present:  # a service's field without a column of its own: point at the record
            if key == "person" and "person_name" in row.present:
                key = "person_name"
            else:
                key = "name" if "name" in row.present else "unit_code"
        header = row.layout.column(key).header if key in {c.key for c in row.layout.columns} else ""
        self.result.errors.append(RegisterCellError(row.sheet, row.number, header, message))
        row.bad = True

    # parsing ----------------------------------------------------------------------------------------
    def parse(self, row: _Row) -> None:
        """row.values: {model field: value} for every column the file has, each cell checked."""
        model = MODELS[row.sheet]
        for key in row.present:
            value = row.raw.get(key)
            if isinstance(value, FormulaWithoutValue):
                self.err(row, key, FORMULA_WITHOUT_VALUE)
                continue
            column = row.layout.column(key)
            try:
                row.values[key] = self._cell(row, model, column, value)
            except ValidationError as e:
                self.err(row, key, e)
        self._unit_of(row)

    def _cell(self, row: _Row, model: type[models.Model], column: Column, value: Any) -> Any:
        key, text = column.key, normalize_text(value, nfkc=False)
        if key in ("unit_code", "unit_name", "person_name") or (key == "name" and row.sheet == COMMITTEE_SHEET):
            return text
        if not text:
            if column.required:
                raise ValidationError(f"请填写{column.header}。")
            if key == "women_org":
                return Organisation.WomenOrg.NONE
            if key == "person":
                return None
        if key == "functions":
            return _functions(text)
        if key == "person":
            if not re.fullmatch(r"\d{1,9}(\.0+)?", text):
                raise ValidationError(f"负责人编号“{text[:20]}”应为整数（导出文件中的编号）。")
            return int(float(text))
        if (row.sheet, key) in CHOICES:
            return _choice(CHOICES[(row.sheet, key)], text, column.header) if text else ""
        if key == "name" and row.sheet == ACTIVITY_SHEET:
            model, key = WomenHome, "name"  # the activity's 妇女之家, by its name
        model_field = model._meta.get_field(key)
        if not isinstance(model_field, models.Field):
            return text
        if isinstance(model_field, models.DateField):
            return parse_day(value, column.header) if text else None
        if isinstance(model_field, models.BooleanField):
            return parse_flag(value)
        if isinstance(model_field, models.IntegerField):
            if not text:
                return None
            if not re.fullmatch(r"\d{1,9}(\.0+)?", normalize_text(value)):
                raise ValidationError(f"“{text[:20]}”应为不小于 0 的整数。")
            return model_field.clean(int(float(normalize_text(value))), None)
        return model_field.clean(text, None)  # text: max_length, URL

    def _unit_of(self, row: _Row) -> None:
        code = row.values.get("unit_code") or ""
        if not code:
            row.unit = self.unit
            return
        if code not in self.units:
            self.units[code] = Unit.objects.subtree_of(self.unit).filter(code=code).first()
        unit = self.units[code]
        if unit is None:
            self.err(row, "unit_code", f"组织代码 {code[:30]} 不存在，或不在{self.unit.name}的范围内。")
        row.unit = unit

    # writing ------------------------------------------------------------------------------------------
    def run(self, rows_by_sheet: Mapping[str, list[_Row]], budget: Budget) -> None:
        """Match and save every good row through the services; the caller rolls back on any error."""
        failed_homes: set[tuple[int, Any]] = set()
        steps: dict[str, Callable[[_Row], tuple[str, dict[str, list[Any]], str]]] = {
            HOME_SHEET: self._home,
            ACTIVITY_SHEET: self._activity,
            COMMITTEE_SHEET: self._committees,
            ORGANISATION_SHEET: self._organisation,
        }
        for sheet, step in steps.items():
            seen: dict[tuple[Any, ...], int] = {}
            for i, row in enumerate(rows_by_sheet.get(sheet, []), start=1):
                if i % BUDGET_EVERY == 0:
                    budget.check()
                if row.unit is None:
                    continue
                if sheet == ACTIVITY_SHEET and (row.unit.pk, row.values.get("name")) in failed_homes:
                    continue  # its 妇女之家's row is wrong: that error is listed already
                key = (row.unit.pk, *_natural_key(sheet, row.values))
                if key in seen:
                    self.err(row, "name", f"与第{seen[key]}行是同一条记录，请合并为一行。")
                    continue
                seen[key] = row.number
                if row.bad:
                    if sheet == HOME_SHEET:
                        failed_homes.add((row.unit.pk, row.values.get("name")))
                    continue
                try:
                    action, changes, name = step(row)
                except ValidationError as e:
                    self._service_errors(row, e)
                    if sheet == HOME_SHEET:
                        failed_homes.add((row.unit.pk, row.values.get("name")))
                    continue
                except IntegrityError:
                    self.err(row, "name", "保存时与已有记录冲突（可能被他人同时修改），请重新导入。")
                    continue
                headers = {c.key: c.header for c in row.layout.columns}
                self.result.rows.append(
                    RegisterRowOutcome(
                        sheet,
                        row.number,
                        action,
                        name,
                        row.unit.name,
                        {headers.get(k, k): [_shown(o), _shown(n)] for k, (o, n) in changes.items()},
                    )
                )

    def _service_errors(self, row: _Row, e: ValidationError) -> None:
        if hasattr(e, "error_dict"):
            for name, errors in e.error_dict.items():
                for error in errors:
                    self.err(row, name, ValidationError(error.messages))
        else:
            self.err(row, "unit_code", e)

    def _save(
        self,
        existing: _M | None,
        data: dict[str, Any],
        fields: tuple[str, ...],
        save: Callable[[_M | None], Any],
    ) -> tuple[str, dict[str, list[Any]]]:
        changes = services.differences(existing, data, fields) if existing is not None else {}
        if existing is None or changes:
            with transaction.atomic():  # a savepoint: a refused row leaves the others' writes intact
                save(existing)
        return ("add" if existing is None else "update" if changes else "unchanged"), changes

    def _home(self, row: _Row) -> tuple[str, dict[str, list[Any]], str]:
        unit, values = _found(row), row.values
        data = {k: v for k, v in values.items() if k in services.HOME_FIELDS}
        existing = WomenHome.objects.filter(unit=unit, name=values["name"]).first()
        if "functions" not in data:
            data["functions"] = existing.functions if existing else []
        if "person" in values or "person_name" in values:
            data["person"] = self._person(row, unit)
        action, changes = self._save(
            existing,
            data,
            services.HOME_FIELDS,
            lambda home: services.save_home(unit=unit, data=data, actor=self.actor, home=home),
        )
        return action, changes, values["name"]

    def _person(self, row: _Row, unit: Unit) -> Person | None:
        people = services.people_of(unit)
        if row.values.get("person") is not None:
            person = Person.objects.filter(pk=row.values["person"]).first()
            if person is None:
                raise ValidationError({"person": f"负责人编号 {row.values['person']} 不存在。"})
            return person
        name = row.values.get("person_name") or ""
        if not name:
            return None
        found = list(people.filter(name=name)[:2])
        if not found:
            raise ValidationError({"person_name": f"{unit.name}的名册中没有“{name}”。"})
        if len(found) > 1:
            raise ValidationError({"person_name": f"{unit.name}的名册中有多位“{name}”，请填写负责人编号。"})
        return found[0]

    def _activity(self, row: _Row) -> tuple[str, dict[str, list[Any]], str]:
        unit, values = _found(row), row.values
        home = WomenHome.objects.filter(unit=unit, name=values["name"]).first()
        if home is None:
            raise ValidationError(
                {"name": f"{unit.name}没有名为“{values['name']}”的妇女之家（“{HOME_SHEET}”表中也没有）。"}
            )
        data = {k: values[k] for k in ("held_on", "kind", "title", "attendance")}
        existing = WomenHomeActivity.objects.filter(home=home, held_on=values["held_on"], title=values["title"]).first()
        action, changes = self._save(
            existing,
            data,
            ("kind", "attendance"),
            lambda _activity: services.add_activity(home=home, data=data, actor=self.actor),
        )
        return action, changes, f"{home.name} {values['title']}"

    def _committees(self, row: _Row) -> tuple[str, dict[str, list[Any]], str]:
        unit, values = _found(row), row.values
        data = {k: v for k, v in values.items() if k in services.TWO_COMMITTEE_FIELDS}
        existing = TwoCommittees.objects.filter(unit=unit, elected_on=values["elected_on"]).first()
        action, changes = self._save(
            existing,
            data,
            services.TWO_COMMITTEE_FIELDS,
            lambda record: services.save_two_committees(unit=unit, data=data, actor=self.actor, record=record),
        )
        return action, changes, f"{values['elected_on'].isoformat()} 换届"

    def _organisation(self, row: _Row) -> tuple[str, dict[str, list[Any]], str]:
        unit, values = _found(row), row.values
        data = {k: v for k, v in values.items() if k in services.ORGANISATION_FIELDS}
        existing = Organisation.objects.filter(unit=unit, name=values["name"]).first()
        action, changes = self._save(
            existing,
            data,
            services.ORGANISATION_FIELDS,
            lambda organisation: services.save_organisation(
                unit=unit,
                data=data,
                actor=self.actor,
                organisation=organisation,
            ),
        )
        return action, changes, values["name"]


def _found(row: _Row) -> Unit:
    if row.unit is None:
        raise ValueError(f"“{row.sheet}”表第{row.number}行没有组织。")
    return row.unit


def _natural_key(sheet: str, values: Mapping[str, Any]) -> tuple[Any, ...]:
    if sheet == ACTIVITY_SHEET:
        return (values.get("name"), values.get("held_on"), values.get("title"))
    if sheet == COMMITTEE_SHEET:
        return (values.get("elected_on"),)
    return (values.get("name"),)


def _choice(choices: Sequence[tuple[str, str]], text: str, header: str) -> str:
    wanted = re.sub(r"\s+", "", text)
    for code, label in choices:
        if wanted in (code, str(label), str(label).split("（")[0]):
            return code
    raise ValidationError(f"“{text[:20]}”不是有效的{header}，可填：{'、'.join(str(label) for _c, label in choices)}。")


def _functions(text: str) -> list[str]:
    by_label = {label: code for code, label in FUNCTIONS.items()} | {code: code for code in FUNCTIONS}
    codes: list[str] = []
    for part in filter(None, FUNCTION_SPLIT_RE.split(text)):
        if part not in by_label:
            raise ValidationError(
                f"“{part[:20]}”不是八位一体功能，可填：{'、'.join(FUNCTIONS.values())}（以顿号分隔）。"
            )
        if by_label[part] not in codes:
            codes.append(by_label[part])
    return codes


def _shown(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(str(FUNCTIONS.get(v, v)) for v in value)
    return str(value)


def import_grassroots(
    *,
    unit: Unit,
    file: bytes | str | IO[bytes],
    actor: Any,
    dry_run: bool = False,
    filename: str = "",
    budget: Budget | None = None,
) -> GrassrootsImportResult:
    """Check every sheet of a grassroots workbook and save it all in one transaction, or nothing.

    Never raises for a bad file: a refused upload, an exceeded budget and every faulty cell are in the
    result, each naming its sheet, row and column. `dry_run` saves and rolls back, so the preview runs
    every check the write will.
    """
    result = GrassrootsImportResult(dry_run=dry_run)

    def refuse(message: str) -> GrassrootsImportResult:
        result.errors.append(RegisterCellError(None, None, None, message))
        result.file_refused = True
        return result

    if actor is not None and not visible_units(actor).filter(pk=unit.pk).exists():
        return refuse(f"您无权向{unit.name}导入。")
    budget = budget or Budget("import")
    importer = _Importer(unit=unit, actor=actor, result=result)
    try:
        data = read_file_bytes(file)
        rows_by_sheet: dict[str, list[_Row]] = {}
        titles: set[str] = set()
        for sheet, layout in LAYOUTS.items():
            found = read_sheet(data, budget=budget, layout=layout, optional=True)
            if found is None or found[0] in titles:  # one sheet is read as one register only
                continue
            title, _header_row, column_index, records = found
            titles.add(title)
            rows_by_sheet[sheet] = [_Row(sheet, number, raw, set(column_index)) for number, raw in records]
        if not rows_by_sheet:
            raise RosterFileError(f"文件中没有可导入的数据：请使用导出的文件，在“{'”“'.join(LAYOUTS)}”表中填写。")
        for rows in rows_by_sheet.values():
            for row in rows:
                importer.parse(row)
        budget.check()
        with transaction.atomic():
            importer.run(rows_by_sheet, budget)
            if dry_run or result.errors:
                transaction.set_rollback(True)
    except (RosterFileError, BudgetExceeded) as e:
        return refuse(str(e))
    except IntegrityError:
        return refuse("保存时发现数据已被他人同时修改，未写入任何数据，请重新导入。")
    except MemoryError:
        return refuse("导入所需内存超过上限，已停止，未写入任何数据。")
    order = {sheet: i for i, sheet in enumerate(LAYOUTS)}
    result.errors.sort(key=lambda e: (order.get(e.sheet or "", 9), e.row or 0))
    result.written = not dry_run and not result.errors
    return result


# --- export ----------------------------------------------------------------------------------------------


def _date(value: Any) -> str:
    return value.isoformat() if value else ""


def _flag(value: bool) -> str:
    return "是" if value else "否"


def grassroots_workbook(unit: Unit) -> tuple[io.BytesIO, int]:
    """(.xlsx stream, rows) of every grassroots record of the unit's subtree, four sheets, each with its
    header even when empty (the file is also the template); importing it back changes nothing."""
    subtree = Unit.objects.subtree_of(unit)
    tree_order = ("unit__tree_id", "unit__lft")
    homes = WomenHome.objects.filter(unit__in=subtree).select_related("unit", "person").order_by(*tree_order, "name")
    home_rows = [
        [
            h.unit.code,
            h.unit.name,
            h.name,
            h.address,
            "" if h.area is None else h.area,
            _date(h.opened_on),
            _date(h.closed_on),
            _date(h.place_on),
            _date(h.sign_on),
            _date(h.rules_on),
            _date(h.activities_on),
            "、".join(FUNCTIONS.get(f, f) for f in h.functions),
            h.person.name if h.person else "",
            h.person_id or "",
            h.online_url,
            h.wechat,
            h.note,
        ]
        for h in homes
    ]
    activities = (
        WomenHomeActivity.objects.filter(home__unit__in=subtree)
        .select_related("home__unit")
        .order_by("home__unit__tree_id", "home__unit__lft", "home__name", "held_on", "title")
    )
    activity_rows = [
        [a.home.unit.code, a.home.unit.name, a.home.name, _date(a.held_on), a.get_kind_display(), a.title, a.attendance]
        for a in activities
    ]
    committees = (
        TwoCommittees.objects.filter(unit__in=subtree).select_related("unit").order_by(*tree_order, "elected_on")
    )
    committee_rows = [
        [
            c.unit.code,
            c.unit.name,
            _date(c.elected_on),
            _date(c.ended_on),
            c.members,
            c.women,
            c.women_names,
            _flag(c.secretary_woman),
            _flag(c.director_woman),
            _flag(c.one_shoulder),
            _flag(c.chair_in),
            c.note,
        ]
        for c in committees
    ]
    organisations = Organisation.objects.filter(unit__in=subtree).select_related("unit").order_by(*tree_order, "name")
    organisation_rows = [
        [
            o.unit.code,
            o.unit.name,
            o.name,
            o.get_kind_display(),
            o.get_women_org_display(),
            _date(o.women_org_on),
            _date(o.listed_on),
            _date(o.closed_on),
            o.note,
        ]
        for o in organisations
    ]
    wb = Workbook()
    sheets: dict[str, list[list[Any]]] = {
        HOME_SHEET: home_rows,
        ACTIVITY_SHEET: activity_rows,
        COMMITTEE_SHEET: committee_rows,
        ORGANISATION_SHEET: organisation_rows,
    }
    for i, (sheet, rows) in enumerate(sheets.items()):
        ws = wb.active if i == 0 else wb.create_sheet(sheet)
        ws.title = sheet
        columns = LAYOUTS[sheet].columns
        write_simple_sheet(ws, [c.header for c in columns], rows, [c.width for c in columns])
        for cell_row in ws.iter_rows(min_row=2, max_col=1, max_row=max(2, len(rows) + 1)):
            for cell in cell_row:
                cell.number_format = "@"  # 组织代码 stays text when a clerk types more rows
    return workbook_bytes(wb), sum(len(rows) for rows in sheets.values())
