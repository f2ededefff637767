"""Excel roster import: the engine, `manage.py import_roster` and the upload -> preview -> confirm pages."""

import datetime
import io
import re
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from members import services as roster
from members.models import Person, Post
from members.roster_xlsx.columns import COLUMN_BY_KEY, COLUMNS, MAX_FILE_BYTES, MAX_ROWS
from members.roster_xlsx.engine import import_roster
from members.roster_xlsx.errors import mark_errors
from members.validators import id_check_char
from orgtree.models import AuditEvent

HEADERS = [c.header for c in COLUMNS]
# openpyxl hands back Excel date cells as naive datetimes; these stand in for such cells.
BIRTH_CELL = datetime.datetime(1975, 3, 15)  # noqa: DTZ001
START_CELL = datetime.datetime(2016, 6, 2)  # noqa: DTZ001
KEYS = [c.key for c in COLUMNS]


@pytest.fixture(autouse=True)
def upload_dir(settings, tmp_path):
    """Uploads waiting for confirmation go to a per-test directory."""
    settings.ROSTER_IMPORT_DIR = str(tmp_path / "uploads")
    return tmp_path / "uploads"


def id_number(birth="19750315", seq="002"):
    """A valid ID number (Harbin 道里区) for the given birth date; an even seq digit is female."""
    first17 = f"230102{birth}{seq}"
    return first17 + id_check_char(first17)


def entry(unit, **values):
    """One roster row as {key: cell}: a valid 执委 of `unit` unless told otherwise."""
    row = {
        "unit_code": unit.code,
        "name": "张秀梅",
        "gender": "女",
        "ethnicity": "汉族",
        "birth_date": "1975.03",
        "id_number": id_number(),
        "political_status": "中共党员",
        "education": "大学本科毕业",
        "workplace_title": "兆麟街道办事处 科员",
        "mobile": "13812341234",
        "source": "女性楼栋长",
        "is_women_worker": "否",
        "is_frontline": "是",
        "role": "委员" if unit.is_congress else "执委",
        "mode": "兼职",
        "method": "单位推荐",
        "start_date": "2016-06-02",
        "end_date": "",
        "certificate_no": "",
        "two_committees": "",
        "note": "",
    }
    row.update(values)
    return row


def xlsx(rows, *, headers=HEADERS, keys=KEYS, title_rows=(), sheet="名册"):
    """The bytes of a workbook: optional title rows, a header row, then the rows."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for title in title_rows:
        ws.append(title)
    ws.append(headers)
    for row in rows:
        ws.append([row.get(key, "") for key in keys])
    stream = io.BytesIO()
    wb.save(stream)
    return stream.getvalue()


def run(unit, rows, actor=None, dry_run=False, **kwargs):
    return import_roster(unit=unit, file=xlsx(rows, **kwargs), actor=actor, dry_run=dry_run)


def existing(unit, *, name="王丽", birth=datetime.date(1980, 5, 1), role=Post.Role.EXECUTIVE, **person):
    """A person already on the roster, entered through the roster services."""
    return roster.create_person_and_appoint(
        person_data={"name": name, "birth_date": birth, **person},
        unit=unit,
        post_data={"role": role, "start_date": datetime.date(2016, 6, 2)},
        actor=None,
    )


# --- what it accepts ----------------------------------------------------------------------------


def test_a_clean_file_adds_people_and_posts_with_an_audit_trail(tree, staff_a):
    rows = [
        entry(tree.community_a),
        entry(tree.street_a, name="李红", birth_date="1982.07", id_number=id_number("19820704", "004")),
    ]
    result = run(tree.district_a, rows, actor=staff_a)
    assert result.ok, result.error_lines()
    assert result.written
    assert (result.persons_added, result.posts_added) == (2, 2)
    person = Person.objects.get(name="张秀梅")
    assert person.birth_date == datetime.date(1975, 3, 1)
    assert person.political_status == "01" and person.education == "21" and person.source == "01"
    assert person.is_frontline and not person.is_women_worker
    assert person.name_initials == "zxm"
    post = Post.objects.get(person=person)
    assert (post.unit, post.role, post.start_date) == (tree.community_a, Post.Role.EXECUTIVE, datetime.date(2016, 6, 2))
    assert AuditEvent.objects.filter(action="person.import", actor=staff_a).count() == 2
    post_event = AuditEvent.objects.get(action="post.import", object_id=post.pk)
    assert post_event.changes["role"] == [None, "executive"]
    assert post_event.unit == tree.community_a


def test_title_rows_above_the_header_are_skipped_and_rows_are_numbered_as_in_excel(tree):
    rows = [entry(tree.community_a, mobile="123")]
    result = run(tree.district_a, rows, title_rows=[["道里区妇联成员名册"], ["填报日期：2016年8月31日"]])
    assert result.header_row == 3
    assert result.error_lines() == ["第4行 手机号码“123”不是有效的 11 位大陆手机号。"]


def test_a_delegate_row_with_a_certificate_number_is_refused_at_the_check(tree, staff_a):
    """A delegate gets no certificate, so her typed number has no kind to be recorded under: the
    check names the cell, where the write used to fail the whole file as a concurrent change."""
    rows = [entry(tree.street_a, role="代表", certificate_no="手写-9")]
    result = run(tree.district_a, rows, actor=staff_a)
    assert not result.written
    assert result.error_lines() == ["第2行 证书编号：代表不发证书，证书编号请留空。"]


def test_full_width_headers_and_values_with_stray_spaces_are_understood(tree):
    headers = [f" {h[0]}　{h[1:]} " if len(h) > 1 else h for h in HEADERS]  # 姓　名 with ideographic space
    row = entry(
        tree.community_a,
        name=" 张 秀 梅 ",
        birth_date="１９７５．０３",
        id_number=" " + id_number().replace("0", "０") + " ",
        mobile="１３８ １２３４ １２３４",
        ethnicity=" 汉 ",
        role="执委 ",
    )
    result = run(tree.district_a, [row], headers=headers)
    assert result.ok, result.error_lines()
    person = Person.objects.get()
    assert (person.name, person.mobile, person.id_number) == ("张秀梅", "13812341234", id_number())


@pytest.mark.parametrize(
    "written",
    ["1975.03", "1975-3", "1975年3月", "197503", "1975/03", BIRTH_CELL, 1975.03],
    ids=["dot", "dash", "chinese", "compact", "slash", "date-cell", "number"],
)
def test_each_birth_month_form_is_accepted(tree, written):
    result = run(tree.district_a, [entry(tree.community_a, birth_date=written)])
    assert result.ok, result.error_lines()
    assert Person.objects.get().birth_date == datetime.date(1975, 3, 1)


def test_a_birth_month_of_october_typed_as_a_number_is_not_read_as_january(tree):
    result = run(tree.district_a, [entry(tree.community_a, birth_date=1975.10, id_number=id_number("19751015"))])
    assert result.ok, result.error_lines()
    assert Person.objects.get().birth_date == datetime.date(1975, 10, 1)


@pytest.mark.parametrize(
    ("column", "written", "field", "stored"),
    [
        ("ethnicity", "汉", "ethnicity", "01"),
        ("ethnicity", "满", "ethnicity", "11"),
        ("ethnicity", "朝鲜", "ethnicity", "10"),
        ("political_status", "党员", "political_status", "01"),
        ("political_status", "预备党员", "political_status", "02"),
        ("political_status", "团员", "political_status", "03"),
        ("education", "本科", "education", "21"),
        ("education", "大专", "education", "31"),
        ("education", "中专", "education", "41"),
        ("education", "高中", "education", "61"),
        ("education", "初中", "education", "71"),
        ("education", "研究生", "education", "14"),
        ("education", "硕士", "education", "14"),
        ("education", "博士", "education", "11"),
        ("source", "其它", "source", "99"),
    ],
)
def test_common_short_labels_map_to_the_national_codes(tree, column, written, field, stored):
    result = run(tree.district_a, [entry(tree.community_a, **{column: written})])
    assert result.ok, result.error_lines()
    assert getattr(Person.objects.get(), field) == stored


@pytest.mark.parametrize("dot", ["·", "•", "・", "‧", ".", "．", " · "])
def test_names_with_any_middle_dot_are_stored_with_the_standard_dot(tree, dot):
    result = run(tree.district_a, [entry(tree.community_a, name=f"阿依古丽{dot}买买提", ethnicity="维吾尔")])
    assert result.ok, result.error_lines()
    person = Person.objects.get()
    assert person.name == "阿依古丽·买买提"
    assert person.ethnicity == "05"


@pytest.mark.parametrize(("written", "stored"), [("是", True), ("√", True), ("否", False), ("", False), (None, False)])
def test_flags_accept_yes_no_ticks_and_blanks(tree, written, stored):
    result = run(tree.district_a, [entry(tree.community_a, is_women_worker=written)])
    assert result.ok, result.error_lines()
    assert Person.objects.get().is_women_worker is stored


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("支委", "branch"),
        ("村(居)委", "committee"),
        ("村（居）委", "committee"),
        ("居委", "committee"),
        ("村委", "committee"),
        ("交叉任职", "both"),
        ("两委", "both"),
        ("", ""),
    ],
)
def test_two_committees_accepts_the_usual_spellings(tree, written, stored):
    result = run(tree.district_a, [entry(tree.community_a, two_committees=written)])
    assert result.ok, result.error_lines()
    assert Post.objects.get().two_committees == stored


def test_dates_accept_the_usual_forms_and_a_year_month_means_the_first(tree):
    rows = [
        entry(tree.community_a, start_date=START_CELL, end_date="2018年3月5日"),
        entry(
            tree.community_a,
            name="李红",
            birth_date="1982.07",
            id_number=id_number("19820704", "004"),
            start_date="2016.6",
            end_date=20190101,
        ),
    ]
    result = run(tree.district_a, rows)
    assert result.ok, result.error_lines()
    first, second = Post.objects.order_by("person__name")  # 张 sorts after 李 by code point
    assert {(p.start_date, p.end_date) for p in (first, second)} == {
        (datetime.date(2016, 6, 2), datetime.date(2018, 3, 5)),
        (datetime.date(2016, 6, 1), datetime.date(2019, 1, 1)),
    }


def test_the_unit_code_may_be_left_blank_to_import_into_the_given_unit(tree):
    result = run(tree.community_a, [entry(tree.community_a, unit_code="")])
    assert result.ok, result.error_lines()
    assert Post.objects.get().unit == tree.community_a


def test_the_templates_example_row_is_skipped(tree):
    from members.roster_xlsx.columns import EXAMPLE_MARKER

    rows = [entry(tree.community_a, note=EXAMPLE_MARKER), entry(tree.community_a, name="李红", id_number="")]
    result = run(tree.district_a, rows)
    assert result.ok, result.error_lines()
    assert list(Person.objects.values_list("name", flat=True)) == ["李红"]


# --- matching people and posts ------------------------------------------------------------------


def test_a_person_is_matched_by_id_number_and_her_changed_phone_is_an_update(tree, staff_a):
    post = existing(tree.community_a, name="张秀梅", birth=datetime.date(1975, 3, 1), id_number=id_number())
    row = entry(tree.community_a, mobile="13900001111", political_status="群众", education="", ethnicity="", source="")
    person = post.person
    person.refresh_from_db()
    row.update(workplace_title=person.workplace_title, is_frontline="否", source="")
    result = run(tree.district_a, [row], actor=staff_a)
    assert result.ok, result.error_lines()
    assert (result.persons_updated, result.posts_unchanged, result.posts_added) == (1, 1, 0)
    assert result.rows[0].action == "update"
    assert result.rows[0].changes["手机号码"] == ["", "13900001111"]
    person.refresh_from_db()
    assert person.mobile == "13900001111"
    event = AuditEvent.objects.get(action="person.import", object_id=person.pk)
    assert event.changes["mobile"] == [None, "13900001111"]
    assert Person.objects.count() == 1


def test_without_an_id_number_a_person_is_matched_by_name_and_birth_month_within_the_unit(tree):
    post = existing(tree.community_a, name="王丽", birth=datetime.date(1980, 5, 1))
    result = run(
        tree.district_a, [entry(tree.community_a, name="王丽", birth_date="1980.05", id_number="", role="代表")]
    )
    assert result.ok, result.error_lines()
    assert Person.objects.count() == 1
    assert Post.objects.filter(person=post.person).count() == 2


def test_the_same_name_and_birth_month_in_another_unit_is_a_different_person(tree):
    existing(tree.community_a, name="王丽", birth=datetime.date(1980, 5, 1))
    result = run(tree.district_a, [entry(tree.street_a, name="王丽", birth_date="1980.05", id_number="")])
    assert result.ok, result.error_lines()
    assert Person.objects.filter(name="王丽").count() == 2


def test_the_same_post_again_is_unchanged_and_a_new_role_is_a_new_post(tree):
    rows = [entry(tree.community_a)]
    assert run(tree.district_a, rows).ok
    again = run(tree.district_a, rows)
    assert again.ok and again.rows[0].action == "unchanged"
    assert (again.posts_unchanged, again.persons_unchanged) == (1, 1)
    delegate = run(tree.district_a, [entry(tree.community_a, role="代表")])
    assert delegate.ok and delegate.rows[0].action == "add"
    assert Post.objects.count() == 2 and Person.objects.count() == 1


def test_a_file_may_end_a_post_and_appoint_the_next_leadership_post_of_the_same_person(tree):
    assert run(tree.district_a, [entry(tree.community_a)]).ok
    rows = [
        entry(tree.community_a, end_date="2018-01-01"),
        entry(tree.community_a, role="副主席", start_date="2018-01-01"),
    ]
    result = run(tree.district_a, rows)
    assert result.ok, result.error_lines()
    assert [r.action for r in result.rows] == ["update", "add"]
    assert result.rows[0].changes == {"离任时间": ["", "2018-01-01"]}
    current = Post.objects.current(on=datetime.date(2019, 1, 1)).get()
    assert current.role == Post.Role.VICE_CHAIR


def test_one_person_may_hold_posts_in_two_units_in_one_file(tree):
    rows = [entry(tree.community_a, role="主席"), entry(tree.street_a, role="执委")]
    result = run(tree.district_a, rows)
    assert result.ok, result.error_lines()
    assert Person.objects.count() == 1
    assert result.persons_added == 1 and result.posts_added == 2


def test_a_dry_run_reports_the_plan_and_writes_nothing(tree):
    result = run(tree.district_a, [entry(tree.community_a)], dry_run=True)
    assert result.ok and not result.written
    assert result.posts_added == 1
    assert not Person.objects.exists() and not AuditEvent.objects.filter(action__endswith=".import").exists()


# --- faults: one line per faulty cell -----------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "line"),
    [
        ({"unit_code": "230102001", "two_committees": "支委"}, "第2行 进两委：进“两委”只适用于村（社区）一级的成员。"),
        (
            {"id_number": id_number()[:-1] + "9"},
            f"第2行 身份证号“{id_number()[:-1]}9”校验位不正确，请核对是否抄错。",
        ),
        ({"birth_date": "1976.03"}, "第2行 出生年月 1976.03 与身份证号中的 1975.03 不一致。"),
        ({"mobile": "1381234"}, "第2行 手机号码“1381234”不是有效的 11 位大陆手机号。"),
        (
            {"birth_date": "2005.01", "id_number": ""},
            "第2行 任职时间：任职时年龄为 11 岁，应在 16–90 岁之间，请核对出生年月和任职时间。",
        ),
        ({"end_date": "2016-01-01"}, "第2行 离任时间 2016-01-01 必须晚于任职时间 2016-06-02。"),
        ({"role": "委员"}, "第2行 妇联职务：兆麟社区是妇联，职务只能是：主席、副主席、常委、执委、代表。"),
        (
            {"role": "会长"},
            "第2行 妇联职务：“会长”不是有效的妇联职务，可填：主席、副主席、常委、执委、代表、主任、副主任、委员。",
        ),
        ({"ethnicity": "火星族"}, "第2行 民族：“火星族”不是有效的民族，请从模板的下拉列表中选择。"),
        ({"birth_date": "七五年三月"}, "第2行 出生年月“七五年三月”无法识别，请写成 1975.03 这样的格式。"),
        (
            {"start_date": "去年"},
            "第2行 任职时间“去年”不是有效日期，请写成 2016-06-02 或 2016.06.02 这样的格式。",
        ),
        ({"name": ""}, "第2行 姓名：请填写姓名。"),
        ({"is_frontline": "也许"}, "第2行 基层一线：“也许”应填“是”或“否”（也可填 √ 或留空表示否）。"),
        ({"unit_code": "230103001001"}, "第2行 组织代码 230103001001 不存在，或不在道里区的范围内。"),
        (
            {"id_number": "230102********0026"},
            "第2行 身份证号已打码，无法导入。请填写完整号码，或清空此格以保留系统中的号码。",
        ),
        (
            {"id_number": 230102197503150020},
            "第2行 身份证号被 Excel 存成了数字，后几位已丢失。请把该列设为“文本”格式后重新填写。",
        ),
    ],
    ids=[
        "two-committees-above-village",
        "id-checksum",
        "id-birth",
        "mobile",
        "age",
        "end-before-start",
        "role-for-org-form",
        "unknown-role",
        "unknown-ethnicity",
        "birth-month",
        "start-date",
        "name-missing",
        "flag",
        "unit-outside",
        "masked-id",
        "id-as-number",
    ],
)
def test_each_faulty_cell_gets_one_chinese_line_naming_row_and_column(tree, values, line):
    result = run(tree.district_a, [entry(tree.community_a, **values)])
    assert result.error_lines() == [line]
    assert not Person.objects.exists()


def test_a_second_leadership_post_in_the_same_unit_is_refused(tree):
    existing(tree.community_a, name="张秀梅", birth=datetime.date(1975, 3, 1), id_number=id_number())
    result = run(tree.district_a, [entry(tree.community_a, role="副主席", start_date="2017-01-01")])
    assert result.error_lines() == [
        "第2行 妇联职务：张秀梅在兆麟社区已担任执委（自 2016-06-02 起），同一组织只能担任一个领导职务；"
        "如需调整，请先结束原职务。"
    ]


def test_two_leadership_posts_of_one_person_within_the_file_clash(tree):
    rows = [entry(tree.community_a, role="主席"), entry(tree.community_a, role="副主席", start_date="2017-01-01")]
    result = run(tree.district_a, rows)
    assert result.error_lines() == [
        "第3行 妇联职务：张秀梅在兆麟社区与第2行的主席任期重叠，同一组织只能担任一个领导职务。"
    ]


def test_a_person_listed_twice_for_the_same_post_is_a_duplicate(tree):
    rows = [entry(tree.community_a), entry(tree.community_a, mobile="13900001111")]
    result = run(tree.district_a, rows)
    assert "第3行 姓名：与第2行重复：同一人员在同一组织的同一职务、同一任职时间只能出现一次。" in result.error_lines()


def test_the_same_person_written_differently_in_two_rows_is_flagged(tree):
    rows = [entry(tree.community_a, role="主席"), entry(tree.street_a, mobile="13900001111")]
    result = run(tree.district_a, rows)
    assert result.error_lines() == ["第3行 手机号码：同一人员在第2行填写为“13812341234”，此处为“13900001111”，请统一。"]


def test_two_rows_with_one_id_number_but_different_names_are_flagged(tree):
    rows = [entry(tree.community_a, role="主席"), entry(tree.street_a, name="张秀美")]
    result = run(tree.district_a, rows)
    assert result.error_lines() == ["第3行 姓名：同一人员在第2行填写为“张秀梅”，此处为“张秀美”，请统一。"]


def test_one_bad_row_among_good_ones_writes_nothing_at_all(tree, staff_a):
    good = [entry(tree.community_a, name=f"成员{i}", id_number=id_number(seq=f"{i:02d}4")) for i in range(1, 8)]
    bad = entry(tree.community_a, name="坏行", id_number="", mobile="12345")
    result = run(tree.district_a, [*good, bad], actor=staff_a)
    assert result.error_lines() == ["第9行 手机号码“12345”不是有效的 11 位大陆手机号。"]
    assert not result.written
    assert not Person.objects.exists() and not Post.objects.exists()
    assert not AuditEvent.objects.filter(action__endswith=".import").exists()


def test_several_faults_are_all_reported_in_row_then_column_order(tree):
    rows = [entry(tree.community_a, mobile="1", role="会长"), entry(tree.community_a, name="", birth_date="x")]
    result = run(tree.district_a, rows)
    assert [(e.row, e.column) for e in result.errors] == [
        (2, "手机号码"),
        (2, "妇联职务"),
        (3, "姓名"),
        (3, "出生年月"),
    ]
    assert [line.split(" ")[0] for line in result.error_lines()] == ["第2行", "第2行", "第3行", "第3行"]


# --- faults in the file as a whole --------------------------------------------------------------


def test_a_file_that_is_not_xlsx_is_refused_clearly(tree):
    result = import_roster(unit=tree.district_a, file="姓名,出生年月\n张三,1975.03\n".encode(), actor=None)
    assert result.error_lines() == ["文件不是 Excel（.xlsx）格式，请使用下载的模板或“另存为 .xlsx”后再上传。"]


def test_an_old_xls_file_is_told_to_be_saved_as_xlsx(tree):
    result = import_roster(unit=tree.district_a, file=b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, actor=None)
    assert "另存为 .xlsx" in result.error_lines()[0]


def test_a_truncated_xlsx_is_reported_as_damaged(tree):
    data = xlsx([entry(tree.community_a)])
    result = import_roster(unit=tree.district_a, file=data[: len(data) // 2], actor=None)
    assert result.error_lines() == [
        "文件不完整或已损坏（可能在下载或复制时被截断），请在 Excel 中重新保存为 .xlsx 后再上传。"
    ]


def test_a_zip_that_is_not_a_workbook_is_refused(tree):
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w") as archive:
        archive.writestr("readme.txt", "hello")
    result = import_roster(unit=tree.district_a, file=stream.getvalue(), actor=None)
    assert result.error_lines() == ["文件是压缩包，但不是 Excel 工作簿（.xlsx），请检查是否选错了文件。"]


def test_a_workbook_with_damaged_sheet_xml_is_reported_as_damaged(tree):
    source = zipfile.ZipFile(io.BytesIO(xlsx([entry(tree.community_a)])))
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w") as archive:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            archive.writestr(item, data)
    result = import_roster(unit=tree.district_a, file=stream.getvalue(), actor=None)
    assert len(result.errors) == 1 and "已损坏" in result.error_lines()[0]


def test_a_file_over_the_size_cap_is_refused_before_it_is_opened(tree):
    """The cap is scaled from the row cap (columns.ROSTER_LIMITS): 25 MB for 60,000 rows."""
    result = import_roster(unit=tree.district_a, file=b"PK\x03\x04" + b"\0" * MAX_FILE_BYTES, actor=None)
    assert result.error_lines() == [f"文件超过 {MAX_FILE_BYTES // 1048576} MB，请删除无关的工作表或拆分后分批导入。"]
    assert MAX_FILE_BYTES == 25 * 1048576


def test_a_file_over_the_row_cap_is_refused(tree):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("名册")
    ws.append(HEADERS)
    row = [entry(tree.community_a)[k] for k in KEYS]
    for _ in range(MAX_ROWS + 1):
        ws.append(row)
    stream = io.BytesIO()
    wb.save(stream)
    result = import_roster(unit=tree.district_a, file=stream.getvalue(), actor=None)
    assert len(result.errors) == 1
    assert result.error_lines()[0].startswith("表头下方超过 60,000 行（空行也计算在内）")


def test_a_sheet_without_a_recognisable_header_is_refused(tree):
    result = import_roster(unit=tree.district_a, file=xlsx([], headers=["甲", "乙", "丙"]), actor=None)
    assert "找不到表头" in result.error_lines()[0]


def test_a_header_missing_a_required_column_names_it(tree):
    headers = [h for h in HEADERS if h != "任职时间"]
    keys = [k for k in KEYS if k != "start_date"]
    result = run(tree.district_a, [entry(tree.community_a)], headers=headers, keys=keys)
    assert result.error_lines() == ["表头缺少必填列：任职时间。请使用下载的模板中的列名。"]


def test_a_header_with_only_a_title_and_no_rows_says_so(tree):
    result = import_roster(unit=tree.district_a, file=xlsx([]), actor=None)
    assert result.error_lines() == ["工作表“名册”第1行是表头，但下面没有数据行。"]


# --- the file back with faults marked -----------------------------------------------------------


def test_the_marked_file_fills_faulty_cells_red_and_comments_them(tree):
    data = xlsx([entry(tree.community_a), entry(tree.community_a, name="李红", id_number="", mobile="555")])
    result = import_roster(unit=tree.district_a, file=data, actor=None)
    ws = load_workbook(mark_errors(data, result))["名册"]
    mobile = ws.cell(row=3, column=HEADERS.index("手机号码") + 1)
    assert mobile.fill.fgColor.rgb.endswith("FFC7CE")
    assert "不是有效的 11 位大陆手机号" in mobile.comment.text
    assert ws.cell(row=2, column=HEADERS.index("手机号码") + 1).comment is None
    assert ws.cell(row=1, column=len(HEADERS) + 1).value == "导入错误"
    assert ws.cell(row=3, column=len(HEADERS) + 1).value.startswith("手机号码“555”不是有效的 11 位大陆手机号")


def test_the_marked_file_names_a_column_once_when_its_message_already_does(tree):
    """A message that starts with its column's name is not prefixed with it again ("身份证号：身份证号“…”")."""
    bad_id = id_number()[:-1] + "9"
    data = xlsx([entry(tree.community_a, id_number=bad_id, name="李红")])
    result = import_roster(unit=tree.district_a, file=data, actor=None)
    ws = load_workbook(mark_errors(data, result))["名册"]
    note = ws.cell(row=2, column=len(HEADERS) + 1).value
    assert note.startswith(f"身份证号“{bad_id}”校验位不正确") and "身份证号：身份证号" not in note
    assert str(result.errors[0]) == f"第2行 身份证号“{bad_id}”校验位不正确，请核对是否抄错。"


# --- the command --------------------------------------------------------------------------------


def test_the_command_imports_and_prints_a_summary(tree, staff_a, tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(xlsx([entry(tree.community_a)]))
    out = io.StringIO()
    call_command("import_roster", str(path), "--unit", tree.district_a.code, "--user", "staff_a", stdout=out)
    assert "导入完成：共 1 行。人员：新增 1 人，更新 0 人，未变 0 人；任职：新增 1 条" in out.getvalue()
    assert Post.objects.count() == 1


def test_the_command_dry_run_writes_nothing(tree, staff_a, tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(xlsx([entry(tree.community_a)]))
    out = io.StringIO()
    call_command(
        "import_roster", str(path), "--unit", tree.district_a.code, "--user", "staff_a", "--dry-run", stdout=out
    )
    assert out.getvalue().startswith("检查通过（试运行，未写入）")
    assert not Post.objects.exists()


def test_the_command_prints_one_line_per_fault_and_exits_1(tree, staff_a, tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(
        xlsx([entry(tree.community_a, mobile="1"), entry(tree.community_a, name="李红", id_number="", role="会长")])
    )
    out = io.StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("import_roster", str(path), "--unit", tree.district_a.code, "--user", "staff_a", stdout=out)
    assert excinfo.value.returncode == 1
    assert "未写入任何数据" in str(excinfo.value)
    lines = out.getvalue().splitlines()
    assert lines == [
        "第2行 手机号码“1”不是有效的 11 位大陆手机号。",
        "第3行 妇联职务：“会长”不是有效的妇联职务，可填：主席、副主席、常委、执委、代表、主任、副主任、委员。",
    ]
    assert not Person.objects.exists()


def test_the_command_refuses_an_unknown_unit_and_a_missing_file(tree, staff_a, tmp_path):
    with pytest.raises(CommandError, match="组织代码 999 不存在"):
        call_command("import_roster", str(tmp_path / "x.xlsx"), "--unit", "999", "--user", "staff_a")
    with pytest.raises(CommandError, match="无法打开文件"):
        call_command(
            "import_roster", str(tmp_path / "missing.xlsx"), "--unit", tree.district_a.code, "--user", "staff_a"
        )


# --- the pages ----------------------------------------------------------------------------------


def upload(client, unit, data, name="名册.xlsx"):
    file = io.BytesIO(data)
    file.name = name
    return client.post(reverse("members:roster_import", args=[unit.pk]), {"file": file})


def test_staff_upload_previews_then_confirm_writes(tree, staff_a, login, upload_dir):
    client = login(staff_a)
    assert client.get(reverse("members:roster_import", args=[tree.district_a.pk])).status_code == 200
    existing(tree.community_a, name="张秀梅", birth=datetime.date(1975, 3, 1), id_number=id_number())
    rows = [entry(tree.community_a, mobile="13900001111"), entry(tree.street_a, name="李红", id_number="")]
    response = upload(client, tree.district_a, xlsx(rows))
    assert response.status_code == 200
    page = response.content.decode()
    assert "确认导入" in page and "手机号码：（空） → 13900001111" in page
    assert Person.objects.count() == 1  # nothing written by the preview
    token = response.context["token"]
    response = client.post(reverse("members:roster_import_confirm", args=[tree.district_a.pk]), {"token": token})
    assert response.status_code == 302
    assert response.url == reverse("members:roster", args=[tree.district_a.pk])
    assert Person.objects.count() == 2
    assert Person.objects.get(name="张秀梅").mobile == "13900001111"
    again = client.post(reverse("members:roster_import_confirm", args=[tree.district_a.pk]), {"token": token})
    assert again.status_code == 302 and Person.objects.count() == 2  # a token is used once
    assert list(upload_dir.iterdir()) == []  # the confirmed upload is removed from the server


def test_an_upload_with_errors_lists_them_and_offers_the_marked_file(tree, staff_a, login):
    client = login(staff_a)
    response = upload(client, tree.district_a, xlsx([entry(tree.community_a, mobile="12")]))
    page = response.content.decode()
    assert "名册有 1 处错误，未导入" in page
    assert "手机号码“12”不是有效的 11 位大陆手机号" in page
    link = re.search(r'href="([^"]+errors\.xlsx)"', page).group(1)
    marked = client.get(link)
    assert marked.status_code == 200
    ws = load_workbook(io.BytesIO(b"".join(marked.streaming_content)))["名册"]
    assert ws.cell(row=2, column=HEADERS.index("手机号码") + 1).comment is not None
    assert not Person.objects.exists()


def test_a_file_level_fault_is_shown_on_the_upload_form(tree, staff_a, login):
    response = upload(login(staff_a), tree.district_a, b"not a spreadsheet", name="名册.csv")
    assert response.status_code == 200
    assert "文件不是 Excel（.xlsx）格式" in response.content.decode()


def test_another_session_cannot_confirm_or_download_someone_elses_upload(tree, staff_a, admin_a, client):
    client.force_login(staff_a)
    response = upload(client, tree.district_a, xlsx([entry(tree.community_a, mobile="12")]))
    link = re.search(r'href="([^"]+errors\.xlsx)"', response.content.decode()).group(1)
    token = link.split("/")[-2]
    client.force_login(admin_a)
    assert client.get(link).status_code == 404
    response = client.post(reverse("members:roster_import_confirm", args=[tree.district_a.pk]), {"token": token})
    assert response.status_code == 302 and response.url == reverse("members:roster_import", args=[tree.district_a.pk])


def test_a_street_clerk_can_import_into_her_street(tree, street_staff, login):
    client = login(street_staff)
    response = upload(client, tree.street_a, xlsx([entry(tree.community_a)]))
    assert response.status_code == 200 and "确认导入" in response.content.decode()


def test_importing_outside_the_subtree_is_404(tree, staff_b, street_staff, login):
    assert login(staff_b).get(reverse("members:roster_import", args=[tree.district_a.pk])).status_code == 404
    client = login(street_staff)
    assert upload(client, tree.district_a, xlsx([entry(tree.community_a)])).status_code == 404
    confirm = reverse("members:roster_import_confirm", args=[tree.township_a.pk])
    assert client.post(confirm, {"token": "x" * 32}).status_code == 404


def test_viewers_and_reviewers_may_not_import(tree, viewer_a, city_reviewer, login):
    assert login(viewer_a).get(reverse("members:roster_import", args=[tree.district_a.pk])).status_code == 403
    assert upload(login(city_reviewer), tree.district_a, xlsx([entry(tree.community_a)])).status_code == 403
    assert not Person.objects.exists()


def test_anonymous_users_are_sent_to_login(tree, client):
    response = client.get(reverse("members:roster_import", args=[tree.district_a.pk]))
    assert response.status_code == 302 and "/login/" in response.url


def test_the_upload_page_shows_a_progress_indicator_for_long_imports(tree, staff_a, login):
    page = login(staff_a).get(reverse("members:roster_import", args=[tree.district_a.pk])).content.decode()
    assert 'data-progress="正在上传并检查' in page and 'class="progress"' in page
    response = upload(login(staff_a), tree.district_a, xlsx([entry(tree.community_a)]))
    assert 'data-progress="正在写入 1 行' in response.content.decode()


def test_a_canonical_header_wins_over_an_alias_of_the_same_column(tree):
    headers = [*HEADERS, "联系电话"]
    keys = [*KEYS, "office_phone"]
    rows = [entry(tree.community_a, office_phone="0451-8888888")]
    result = run(tree.district_a, rows, headers=headers, keys=keys)
    assert result.ok, result.error_lines()
    assert Person.objects.get().mobile == "13812341234"


def test_aliases_such_as_xueli_and_chushengriqi_are_understood(tree):
    headers = ["序号", "姓名", "出生日期", "身份证号码", "学历", "职务", "任职日期", "联系电话"]
    keys = ["seq", "name", "birth_date", "id_number", "education", "role", "start_date", "mobile"]
    rows = [{"seq": 1, **entry(tree.community_a, education="大专")}]
    result = run(tree.community_a, rows, headers=headers, keys=keys)
    assert result.ok, result.error_lines()
    person = Person.objects.get()
    assert (person.education, person.mobile, person.posts.get().unit) == ("31", "13812341234", tree.community_a)


def test_the_same_header_twice_is_refused(tree):
    result = run(tree.district_a, [entry(tree.community_a)], headers=[*HEADERS, "姓名"], keys=[*KEYS, "name"])
    assert result.error_lines() == ["表头中“姓名”出现了两次（第2列和第22列），请删除多余的一列。"]


def test_checking_a_file_takes_the_same_number_of_queries_for_3_rows_as_for_60(tree):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for(n):
        rows = [
            entry(tree.community_a, name=f"成员{i}", id_number=id_number(seq=f"{i:02d}4"), unit_code=code)
            for i in range(n)
            for code in [(tree.community_a.code, tree.street_a.code, tree.village_a.code)[i % 3]]
        ]
        for row in rows:
            row["role"] = "委员" if row["unit_code"] == tree.village_a.code else "执委"
        data = xlsx(rows)
        with CaptureQueriesContext(connection) as captured:
            result = import_roster(unit=tree.district_a, file=data, actor=None, dry_run=True)
        assert result.ok, result.error_lines()
        return len(captured)

    assert queries_for(3) == queries_for(60) <= 8


def test_a_person_from_another_district_is_refused_whole_and_nothing_of_her_is_shown(tree, staff_a):
    """Found by ID number outside the clerk's subtree (issue 25): a post here would open her page, full ID
    number and mobile, to the clerk. The row gets the appoint page's answer and the file writes nothing."""
    post = existing(
        tree.community_b, name="张秀梅", birth=datetime.date(1975, 3, 1), id_number=id_number(), mobile="13700000000"
    )
    posts_before = Post.objects.count()
    result = run(tree.district_a, [entry(tree.community_a, mobile="13900001111")], actor=staff_a)
    assert not result.ok
    lines = " ".join(result.error_lines())
    assert "已有此人，请联系其所在单位" in lines
    assert "张秀梅" not in lines and "13700000000" not in lines and str(post.person.pk) not in lines
    assert Post.objects.count() == posts_before
    assert set(post.person.posts.values_list("unit__name", flat=True)) == {"花园社区"}


# --- one set of post rules for the forms and the import -----------------------------------------


@pytest.mark.parametrize(
    ("where", "field", "post", "cells"),
    [
        (
            "community_a",
            "role",
            {"role": Post.Role.VICE_CHAIR, "start_date": datetime.date(2017, 1, 1)},
            {"role": "副主席", "start_date": "2017-01-01"},
        ),
        (
            "street_a",
            "two_committees",
            {"role": Post.Role.EXECUTIVE, "start_date": datetime.date(2016, 6, 2), "two_committees": "branch"},
            {"two_committees": "支委"},
        ),
        (
            "community_a2",
            "role",
            {"role": Post.Role.CHAIR, "start_date": datetime.date(2016, 6, 2)},
            {"role": "主席"},
        ),
        (
            "street_a",
            "start_date",
            {"role": Post.Role.EXECUTIVE, "start_date": datetime.date(1985, 1, 1)},
            {"start_date": "1985-01-01"},
        ),
        (
            "street_a",
            "end_date",
            {
                "role": Post.Role.EXECUTIVE,
                "start_date": datetime.date(2017, 1, 1),
                "end_date": datetime.date(2016, 1, 1),
            },
            {"start_date": "2017-01-01", "end_date": "2016-01-01"},
        ),
    ],
    ids=["second-leadership-post", "two-committees-above-village", "role-for-org-form", "age", "end-before-start"],
)
def test_the_appoint_service_and_the_import_refuse_a_post_with_the_same_message(tree, where, field, post, cells):
    """Both go through members.services.check_post, so a clerk reads one wording for one rule."""
    held = existing(tree.community_a, name="张秀梅", birth=datetime.date(1975, 3, 1), id_number=id_number())
    unit = getattr(tree, where)
    with pytest.raises(ValidationError) as refused:
        roster.appoint(person=held.person, unit=unit, actor=None, **post)
    result = run(tree.district_a, [entry(unit, **cells)])
    header = COLUMN_BY_KEY[field].header
    assert [(e.row, e.column) for e in result.errors] == [(2, header)]
    assert [e.message for e in result.errors] == refused.value.message_dict[field]
    assert Post.objects.filter(person=held.person).count() == 1
