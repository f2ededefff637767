"""The roster template (名册模板.xlsx): the importer's columns, drop-down lists and instructions."""

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from fedorg.xlsx import BODY_FONT, BORDER, CENTER, HEADER_FILL, HEADER_FONT, workbook_bytes
from orgtree.models import Unit

from ..models import Post
from ..validators import id_check_char
from .columns import CODE_LISTS, COLUMNS, EXAMPLE_MARKER, MAX_FILE_BYTES, MAX_ROWS

CODE_SHEET = "代码表"
FLAG_LABELS = ["是", "否"]
# Rows that carry drop-downs and text format: generous, without bloating the file.
TEMPLATE_ROWS = 5000

HELP = {
    "组织代码": "本人任职的组织的代码。从某个组织页面下载模板时可留空，默认导入到该组织；填写时必须是该组织或其下级组织的代码。",
    "姓名": "必填。姓名中的间隔号（如 阿依古丽·买买提）可写成 · • ・ 或 . ，系统统一为 ·；多余空格会去掉。",
    "性别": "女 或 男，留空按“女”。",
    "民族": "按 GB/T 3304 填写，如 汉族、满族、朝鲜族；可简写为 汉、满。",
    "出生年月": "必填。可写成 1975.03、1975-3、1975年3月、197503，或 Excel 日期单元格。",
    "身份证号": "18 位居民身份证号码，校验位和出生日期都会核对。请把本列设为“文本”格式，否则 Excel 会吞掉后几位。留空时保留系统中已有的号码。",
    "政治面貌": "按 GB/T 4762 填写，如 中共党员、中共预备党员、共青团员、群众；可简写为 党员、预备党员、团员。",
    "文化程度": "按 GB/T 4658 填写，如 大学本科毕业；可简写为 研究生、硕士、博士、本科、大专、中专、高中、初中。",
    "工作单位及职务": "如 兆麟街道办事处 科员。",
    "手机号码": "11 位大陆手机号。留空时保留系统中已有的号码。",
    "来源类别": "从下拉列表中选择（方案规定的九类，或 其他）。",
    "专职妇女工作者": "是 或 否（也可填 √，留空表示否）。",
    "基层一线": "是 或 否（也可填 √，留空表示否）。",
    "妇联职务": "必填。妇联：主席、副主席、常委、执委、代表；妇代会：主任、副主任、委员。同一人在同一组织只能担任一个领导职务。",
    "任职方式": "专职、兼职、挂职 或 志愿者，留空按“兼职”。",
    "产生方式": "个人自荐、群众举荐、单位推荐 或 直接选拔，留空按“单位推荐”。",
    "任职时间": "必填。可写成 2016-06-02、2016.6.2、2016年6月2日、20160602，或 Excel 日期单元格；只写年月（2016.06）按当月 1 日。任职时年龄须在 16–90 岁之间。",
    "离任时间": "仍在任的留空；填写时必须晚于任职时间，日期写法同任职时间。",
    "证书编号": "任职证书或志愿者聘任证书的编号，可留空。",
    "进两委": "村（社区）成员进“两委”情况：支委、村(居)委（也可写 村委、居委）或 交叉任职（也可写 两委），未进留空。",
    "备注": "可留空。",
}


def _code_lists() -> dict[str, tuple[str, list[str]]]:
    """(header, labels) per 代码表 column; the key names the importer column they feed."""

    def labels(key: str) -> list[str]:
        return [str(label) for _code, label in CODE_LISTS[key]]

    return {
        "gender": ("性别", labels("gender")),
        "ethnicity": ("民族", labels("ethnicity")),
        "political_status": ("政治面貌", labels("political_status")),
        # The group headings of GB/T 4658 (codes ending in 0, bar 其他) are not choices.
        "education": (
            "文化程度",
            [label for code, label in CODE_LISTS["education"] if not code.endswith("0") or code == "90"],
        ),
        "source": ("来源类别", labels("source")),
        "flag": ("是否", FLAG_LABELS),
        "role": ("妇联职务", labels("role")),
        "mode": ("任职方式", labels("mode")),
        "method": ("产生方式", labels("method")),
        "two_committees": ("进两委", labels("two_committees")),
    }


def example_id_number() -> str:
    """A made-up but valid ID number for the example row (born 1975-03-15, female)."""
    first17 = "23010219750315002"
    return first17 + id_check_char(first17)


def _example_row(unit: Unit) -> list[str]:
    role = Post.Role.MEMBER if unit.is_congress else Post.Role.EXECUTIVE
    values = {
        "unit_code": unit.code,
        "name": "张秀梅",
        "gender": "女",
        "ethnicity": "汉族",
        "birth_date": "1975.03",
        "id_number": example_id_number(),
        "political_status": "中共党员",
        "education": "大学本科毕业",
        "workplace_title": "兆麟街道办事处 科员",
        "mobile": "13812341234",
        "source": "女性楼栋长",
        "is_women_worker": "否",
        "is_frontline": "是",
        "role": str(Post.Role(role).label),
        "mode": "兼职",
        "method": "单位推荐",
        "start_date": "2016-06-02",
        "end_date": "",
        "certificate_no": "",
        "two_committees": "",
        "note": EXAMPLE_MARKER,
    }
    return [values[c.key] for c in COLUMNS]


def template_workbook(unit: Unit) -> io.BytesIO:
    """The .xlsx a clerk fills in for `unit` (its code goes in the example row)."""
    wb = Workbook()
    roster = wb.active
    roster.title = "名册"
    roster.append([c.header for c in COLUMNS])
    for cell in roster[1]:
        cell.font, cell.border, cell.fill, cell.alignment = HEADER_FONT, BORDER, HEADER_FILL, CENTER
    roster.append(_example_row(unit))
    for cell in roster[2]:
        cell.font, cell.border = Font(name="宋体", size=11, color="808080", italic=True), BORDER
    roster.freeze_panes = "A2"
    roster.row_dimensions[1].height = 30
    position = {c.key: get_column_letter(i) for i, c in enumerate(COLUMNS, start=1)}
    for column in COLUMNS:
        letter = position[column.key]
        roster.column_dimensions[letter].width = column.width
        if column.key in ("unit_code", "id_number", "mobile", "birth_date", "certificate_no"):
            # Text format keeps Excel from turning an ID into 2.30102E+17 or 1975.10 into 1975.1.
            roster.column_dimensions[letter].number_format = "@"
    for cell in roster[2]:
        if COLUMNS[cell.column - 1].key in ("unit_code", "id_number", "mobile", "birth_date", "certificate_no"):
            cell.number_format = "@"

    code_sheet = wb.create_sheet(CODE_SHEET)
    lists = _code_lists()
    for index, (_key, (header, labels)) in enumerate(lists.items(), start=1):
        letter = get_column_letter(index)
        code_sheet.cell(row=1, column=index, value=header).font = HEADER_FONT
        for row, label in enumerate(labels, start=2):
            code_sheet.cell(row=row, column=index, value=label)
        code_sheet.column_dimensions[letter].width = max(10, max(len(x) for x in labels) * 2 + 2)
        targets = [k for k in position if k == _key or (_key == "flag" and k in ("is_women_worker", "is_frontline"))]
        for target in targets:
            validation = DataValidation(
                type="list",
                formula1=f"'{CODE_SHEET}'!${letter}$2:${letter}${len(labels) + 1}",
                allow_blank=True,
                showErrorMessage=False,  # short forms such as 汉 or 本科 are accepted on import
                showInputMessage=True,
                promptTitle=COLUMNS[[c.key for c in COLUMNS].index(target)].header,
                prompt=HELP[COLUMNS[[c.key for c in COLUMNS].index(target)].header][:250],
            )
            validation.add(f"{position[target]}2:{position[target]}{TEMPLATE_ROWS + 1}")
            roster.add_data_validation(validation)
    code_sheet.sheet_state = "hidden"

    help_sheet = wb.create_sheet("填表说明")
    help_sheet.append(["填表说明"])
    help_sheet["A1"].font = Font(name="宋体", bold=True, size=14)
    help_sheet.append(
        [
            f"在“名册”工作表中每行填写一人的一项任职，第 2 行是示例（导入时自动跳过，可删除）。"
            f"表头上方可以有标题行；每个文件最多 {MAX_ROWS:,} 行、{MAX_FILE_BYTES // 1048576} MB。"
            "导入前会先全部检查，只要有一处错误就不写入任何数据，并把出错的单元格标红、加批注后返还给您。"
        ]
    )
    help_sheet.append(
        [
            "同一人员按“人员编号”（从系统导出的名册中才有）、身份证号、或本组织内的“姓名 + 出生年月”识别；"
            "同一人员、同一组织、同一职务、同一任职时间的任职视为同一条，会被更新而不是重复添加。"
        ]
    )
    help_sheet.append([])
    help_sheet.append(["列名", "是否必填", "填写说明"])
    for cell in help_sheet[5]:
        cell.font, cell.border, cell.fill = HEADER_FONT, BORDER, HEADER_FILL
    for column in COLUMNS:
        required = "必填" if column.required else ("可留空" if column.key != "unit_code" else "按情况")
        help_sheet.append([column.header, required, HELP[column.header]])
    for row in help_sheet.iter_rows(min_row=6):
        for cell in row:
            cell.border, cell.font = BORDER, BODY_FONT
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    help_sheet.column_dimensions["A"].width = 16
    help_sheet.column_dimensions["B"].width = 10
    help_sheet.column_dimensions["C"].width = 90
    for row in (2, 3):
        help_sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=3)
        help_sheet.cell(row=row, column=1).alignment = Alignment(wrap_text=True, vertical="top")
        help_sheet.row_dimensions[row].height = 48
    wb.active = 0
    return workbook_bytes(wb)
