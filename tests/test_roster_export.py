"""Roster export and template: columns, subtree, history, masking per role, formula escaping, round trip."""

import ast
import datetime
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from fedorg.uploads import check_xlsx
from members import services as roster
from members.models import Person, Post
from members.roster_xlsx.columns import COLUMNS, EXAMPLE_MARKER, ROSTER_LIMITS
from members.roster_xlsx.engine import import_roster
from members.roster_xlsx.export import EXPORT_COLUMNS, export_roster, roster_posts, stream_rows
from members.roster_xlsx.template import template_workbook
from members.validators import id_check_char
from orgtree.models import AuditEvent
from selection import certificates

HEADERS = [c.header for c in EXPORT_COLUMNS]
START = datetime.date(2016, 6, 2)


def id_number(birth, seq="002"):
    first17 = f"230102{birth}{seq}"
    return first17 + id_check_char(first17)


def appoint(unit, name, birth, role, *, start=START, post=None, **person):
    return roster.create_person_and_appoint(
        person_data={"name": name, "birth_date": birth, **person},
        unit=unit,
        post_data={"role": role, "start_date": start, **(post or {})},
        actor=None,
    )


@pytest.fixture
def rosters(tree):
    """A few posts across 道里区 (and one in 南岗区), entered through the roster services."""
    R = Post.Role
    chair = appoint(
        tree.community_a,
        "张秀梅",
        datetime.date(1975, 3, 1),
        R.CHAIR,
        id_number=id_number("19750315"),
        mobile="13812341234",
        ethnicity="11",
        education="31",
        political_status="02",
        source="03",
        is_frontline=True,
        workplace_title="兆麟社区居委会（主任）",
    )
    street_exec = roster.appoint(
        person=chair.person, unit=tree.street_a, role=R.EXECUTIVE, start_date=START, actor=None
    )
    director = appoint(
        tree.village_a,
        "阿依古丽·买买提",
        datetime.date(1988, 11, 1),
        R.DIRECTOR,
        post={"mode": "full_time", "two_committees": "both"},
    )
    ended = appoint(tree.street_a, "王丽", datetime.date(1970, 1, 1), R.VICE_CHAIR)
    roster.end_post(post=ended, end_date=datetime.date(2017, 1, 1), reason="调离", actor=None)
    outsider = appoint(tree.community_b, "赵敏", datetime.date(1985, 6, 1), R.CHAIR)
    return {"chair": chair, "street_exec": street_exec, "director": director, "ended": ended, "outsider": outsider}


def sheet_rows(stream):
    ws = load_workbook(stream)["名册"]
    rows = list(ws.iter_rows(values_only=True))
    return rows[0], [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


# --- the template -------------------------------------------------------------------------------


def test_the_template_has_the_canonical_headers_dropdowns_instructions_and_an_example(tree):
    wb = load_workbook(template_workbook(tree.community_a))
    assert wb.sheetnames == ["名册", "代码表", "填表说明"]
    ws = wb["名册"]
    assert [c.value for c in ws[1]] == [
        "组织代码", "姓名", "性别", "民族", "出生年月", "身份证号", "政治面貌", "文化程度", "工作单位及职务",
        "手机号码", "来源类别", "专职妇女工作者", "基层一线", "妇联职务", "任职方式", "产生方式", "任职时间",
        "离任时间", "证书编号", "进两委", "备注",
    ]  # fmt: skip
    assert ws.freeze_panes == "A2" and ws["A1"].font.bold
    assert ws.column_dimensions["I"].width > ws.column_dimensions["C"].width
    example = [c.value for c in ws[2]]
    assert example[0] == tree.community_a.code and example[-1] == EXAMPLE_MARKER
    validated = {rng.split(":")[0][:-1] for dv in ws.data_validations.dataValidation for rng in str(dv.sqref).split()}
    letters = {c.header: chr(ord("A") + i) for i, c in enumerate(COLUMNS)}
    coded = ["性别", "民族", "政治面貌", "文化程度", "来源类别", "专职妇女工作者", "基层一线", "妇联职务", "任职方式"]
    coded += ["产生方式", "进两委"]
    assert {letters[h] for h in coded} <= validated
    assert all(dv.formula1.startswith("'代码表'!") for dv in ws.data_validations.dataValidation)
    assert wb["代码表"].sheet_state == "hidden"
    help_text = " ".join(str(c.value) for row in wb["填表说明"].iter_rows() for c in row if c.value)
    assert "1975年3月" in help_text and "2016年6月2日" in help_text


def test_a_filled_in_template_imports_without_its_example_row(tree):
    wb = load_workbook(template_workbook(tree.community_a2))
    ws = wb["名册"]
    ws.append(
        ["", "李红", "女", "汉", "1982.07", "", "群众", "高中", "", "", "其他", "", "", "委员", "", "", "2016-08-01"]
    )
    stream = io.BytesIO()
    wb.save(stream)
    result = import_roster(unit=tree.community_a2, file=stream.getvalue(), actor=None)
    assert result.ok, result.error_lines()
    assert list(Post.objects.values_list("person__name", "unit__name", "role")) == [("李红", "经纬社区", "member")]


def test_the_template_page_answers_inside_the_subtree_and_404_outside(tree, viewer_a, staff_b, login):
    url = reverse("members:roster_template", args=[tree.community_a.pk])
    response = login(viewer_a).get(url)
    assert response.status_code == 200
    assert load_workbook(io.BytesIO(b"".join(response.streaming_content))).sheetnames[0] == "名册"
    assert login(staff_b).get(url).status_code == 404


# --- the export ---------------------------------------------------------------------------------


def test_the_export_has_the_template_columns_plus_person_id_unit_name_and_tier(tree, rosters):
    header, rows = sheet_rows(export_roster(unit=tree.district_a, actor=None))
    assert list(header) == HEADERS
    assert {c.header for c in COLUMNS} | {"人员编号", "任职编号", "组织名称", "组织层级"} == set(header)
    chair = next(r for r in rows if r["妇联职务"] == "主席")
    assert chair["人员编号"] == rosters["chair"].person.pk
    assert (chair["组织代码"], chair["组织名称"], chair["组织层级"]) == ("230102001001", "兆麟社区", "村（社区）级")
    assert (chair["民族"], chair["文化程度"], chair["政治面貌"]) == ("满族", "大学专科毕业", "中共预备党员")
    assert (chair["出生年月"], chair["任职时间"], chair["基层一线"]) == ("1975.03", "2016-06-02", "是")
    assert chair["工作单位及职务"] == "兆麟社区居委会（主任）"


def test_the_export_covers_the_whole_subtree_in_tree_order_and_nothing_outside(tree, rosters):
    _header, rows = sheet_rows(export_roster(unit=tree.district_a, actor=None))
    assert [(r["组织名称"], r["姓名"]) for r in rows] == [
        ("兆麟街道", "张秀梅"),
        ("兆麟社区", "张秀梅"),
        ("新农村", "阿依古丽·买买提"),
    ]


def test_history_adds_ended_posts_and_as_of_picks_the_day(tree, rosters):
    _h, rows = sheet_rows(export_roster(unit=tree.street_a, actor=None, history=True))
    ended = next(r for r in rows if r["姓名"] == "王丽")
    assert ended["离任时间"] == "2017-01-01"
    _h, rows = sheet_rows(export_roster(unit=tree.street_a, actor=None, as_of=datetime.date(2016, 12, 1)))
    assert "王丽" in {r["姓名"] for r in rows}
    _h, rows = sheet_rows(export_roster(unit=tree.street_a, actor=None, as_of=datetime.date(2016, 1, 1)))
    assert rows == []


@pytest.mark.parametrize(
    ("persona", "masked"),
    [("staff_a", False), ("admin_a", False), ("city_admin", False), ("viewer_a", True), ("city_reviewer", True)],
)
def test_id_numbers_and_mobiles_are_masked_for_users_who_may_not_see_them(tree, rosters, request, persona, masked):
    user = request.getfixturevalue(persona)
    _h, rows = sheet_rows(export_roster(unit=tree.district_a, actor=user))
    chair = next(r for r in rows if r["妇联职务"] == "主席")
    if masked:
        full = id_number("19750315")
        assert (chair["身份证号"], chair["手机号码"]) == (full[:6] + "*" * 11 + full[-1:], "138****1234")
    else:
        assert (chair["身份证号"], chair["手机号码"]) == (id_number("19750315"), "13812341234")


def test_text_cells_that_look_like_formulas_are_escaped_and_survive_a_round_trip(tree, rosters):
    post = rosters["director"]
    roster.update_post(post=post, data={"note": '=HYPERLINK("http://x")'}, actor=None)
    certificates.record_typed_numbers([(post, "-17")], actor=None)
    ws = load_workbook(export_roster(unit=tree.village_a, actor=None))["名册"]
    values = [c.value for row in ws.iter_rows(min_row=2) for c in row if isinstance(c.value, str)]
    assert '\'=HYPERLINK("http://x")' in values and "'-17" in values
    assert not any(v.startswith(("=", "+", "-", "@")) for v in values)
    result = import_roster(unit=tree.village_a, file=export_roster(unit=tree.village_a, actor=None), actor=None)
    assert result.ok and result.posts_unchanged == 1 and result.posts_updated == 0


# --- round trip ---------------------------------------------------------------------------------


def test_exporting_and_reimporting_changes_nothing(tree, rosters, staff_a):
    before = AuditEvent.objects.count()
    stream = export_roster(unit=tree.district_a, actor=staff_a, history=True)
    result = import_roster(unit=tree.district_a, file=stream, actor=staff_a)
    assert result.ok, result.error_lines()
    assert {r.action for r in result.rows} == {"unchanged"}
    assert (result.posts_added, result.posts_updated, result.persons_added, result.persons_updated) == (0, 0, 0, 0)
    assert result.written
    assert AuditEvent.objects.count() == before


def test_a_reimported_export_matches_people_by_person_id_instead_of_duplicating(tree, rosters, staff_a):
    wb = load_workbook(export_roster(unit=tree.district_a, actor=staff_a))
    ws = wb["名册"]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[header.index("姓名")].value == "阿依古丽·买买提":
            row[header.index("姓名")].value = "阿依古丽·买买提江"  # a corrected spelling, no ID number to match on
            row[header.index("手机号码")].value = "13900001111"
    stream = io.BytesIO()
    wb.save(stream)
    result = import_roster(unit=tree.district_a, file=stream.getvalue(), actor=staff_a)
    assert result.ok, result.error_lines()
    assert (result.persons_added, result.persons_updated, result.posts_added) == (0, 1, 0)
    person = rosters["director"].person
    person.refresh_from_db()
    assert (person.name, person.mobile, person.name_initials) == ("阿依古丽·买买提江", "13900001111", "ayglmmtj")
    assert Person.objects.count() == 4
    event = AuditEvent.objects.get(action="person.import", object_id=person.pk)
    assert event.changes["name"] == ["阿依古丽·买买提", "阿依古丽·买买提江"] and event.actor == staff_a


def test_a_person_id_outside_the_importers_subtree_is_refused(tree, rosters, staff_a):
    wb = load_workbook(export_roster(unit=tree.city, actor=None))
    ws = wb["名册"]
    stream = io.BytesIO()
    wb.save(stream)
    result = import_roster(unit=tree.city, file=stream.getvalue(), actor=staff_a)
    assert not result.ok
    assert result.error_lines() == [f"您无权向{tree.city.name}导入名册。"]
    header = [c.value for c in ws[1]]
    name = header.index("姓名")
    outsider_row = next(
        i for i, r in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2) if r[name] == "赵敏"
    )
    ws.cell(row=outsider_row, column=header.index("组织代码") + 1, value=tree.community_a.code)
    wb.save(stream := io.BytesIO())
    result = import_roster(unit=tree.district_a, file=stream.getvalue(), actor=staff_a)
    outsider = rosters["outsider"].person.pk
    assert f"第{outsider_row}行 人员编号 {outsider} 不存在，或不在您的管辖范围内。" in result.error_lines()


def test_the_citys_export_reimports_through_the_command_as_a_dry_run_that_writes_nothing(
    tree, rosters, city_admin, tmp_path
):
    """export_roster, then import_roster --dry-run as the city's admin: every row read back, an edited
    cell reported as an update, and nothing written either time."""
    out = tmp_path / "city.xlsx"
    call_command("export_roster", "--unit", tree.city.code, "--out", str(out), stdout=io.StringIO())
    index = check_xlsx(out.read_bytes(), limits=ROSTER_LIMITS)
    assert index.fast_refusal == ""  # read by python-calamine, behind the guard
    before = (Person.objects.count(), Post.objects.count(), AuditEvent.objects.count())
    stored = list(Person.objects.order_by("pk").values_list("pk", "mobile", "updated_at"))

    def dry_run(path):
        stdout = io.StringIO()
        call_command(
            "import_roster", str(path), "--unit", tree.city.code, "--user", "city_admin", "--dry-run", stdout=stdout
        )
        return stdout.getvalue().strip()

    assert dry_run(out) == (
        "检查通过（试运行，未写入）：共 4 行。人员：新增 0 人，更新 0 人，未变 3 人；任职：新增 0 条，更新 0 条，未变 4 条。"
    )
    wb = load_workbook(out)
    ws = wb["名册"]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[header.index("姓名")].value == "赵敏":
            row[header.index("手机号码")].value = "13900002222"
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    assert dry_run(edited).endswith("人员：新增 0 人，更新 1 人，未变 2 人；任职：新增 0 条，更新 0 条，未变 4 条。")
    assert (Person.objects.count(), Post.objects.count(), AuditEvent.objects.count()) == before
    assert list(Person.objects.order_by("pk").values_list("pk", "mobile", "updated_at")) == stored


# --- the command and the pages ------------------------------------------------------------------


def test_the_export_command_writes_full_data_as_the_system(tree, rosters, tmp_path):
    out = tmp_path / "roster.xlsx"
    stdout = io.StringIO()
    call_command("export_roster", "--unit", tree.district_a.code, "--history", "--out", str(out), stdout=stdout)
    assert "已导出 道里区 的名册" in stdout.getvalue()
    _h, rows = sheet_rows(out)
    assert id_number("19750315") in {r["身份证号"] for r in rows}
    assert "王丽" in {r["姓名"] for r in rows}


def test_the_export_command_refuses_a_bad_date_or_unit(tree, tmp_path):
    with pytest.raises(CommandError, match="不是有效日期"):
        call_command(
            "export_roster", "--unit", tree.district_a.code, "--as-of", "2016/8/31", "--out", str(tmp_path / "x")
        )
    with pytest.raises(CommandError, match="组织代码 nope 不存在"):
        call_command("export_roster", "--unit", "nope", "--out", str(tmp_path / "x.xlsx"))


def test_the_download_button_gives_the_same_file_masked_for_a_viewer(tree, rosters, viewer_a, login):
    url = reverse("members:roster_export", args=[tree.district_a.pk])
    response = login(viewer_a).get(url, {"as_of": "2016-08-31", "history": "1"})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    _h, rows = sheet_rows(io.BytesIO(b"".join(response.streaming_content)))
    assert {r["手机号码"] for r in rows if r["姓名"] == "张秀梅"} == {"138****1234"}


def test_the_export_options_page_and_a_bad_date(tree, staff_a, login):
    client = login(staff_a)
    page = client.get(reverse("members:roster_export_options", args=[tree.district_a.pk]))
    assert page.status_code == 200 and "在任日期" in page.content.decode()
    # The date input carries the count date as YYYY-MM-DD, so submitting the form as it stands exports.
    today = timezone.localdate().isoformat()
    assert f'type="date" name="as_of" value="{today}"' in page.content.decode()
    sent = client.get(reverse("members:roster_export", args=[tree.district_a.pk]), {"as_of": today})
    assert sent.status_code in (200, 302)
    bad = client.get(reverse("members:roster_export", args=[tree.district_a.pk]), {"as_of": "昨天"})
    assert bad.status_code == 400 and "errorbox" not in bad.content.decode() and "不是有效日期" in bad.content.decode()


def test_exporting_outside_the_subtree_is_404(tree, staff_b, street_staff, login):
    assert login(staff_b).get(reverse("members:roster_export", args=[tree.district_a.pk])).status_code == 404
    assert (
        login(street_staff).get(reverse("members:roster_export_options", args=[tree.district_a.pk])).status_code == 404
    )


@pytest.mark.parametrize("chunk_size", [1, 3, 2000])
def test_reading_by_chunks_gives_the_rows_of_one_cursor_in_the_same_order(tree, rosters, chunk_size):
    """SQLite reads the export by chunks of ids, so that no read stays open while a job writes its progress."""
    for i in range(7):
        appoint(tree.community_a, f"成员{i}", datetime.date(1980, 1, 1), Post.Role.EXECUTIVE)
    posts = roster_posts(tree.city, as_of=timezone.localdate(), history=True)
    streamed = list(stream_rows(posts, by_chunks=False))
    assert len(streamed) > 7
    assert list(stream_rows(posts, chunk_size=chunk_size, by_chunks=True)) == streamed


def test_the_export_runs_in_a_constant_number_of_queries(tree, rosters, staff_a, login, django_assert_max_num_queries):
    client = login(staff_a)
    url = reverse("members:roster_export", args=[tree.district_a.pk])
    for i in range(20):
        appoint(tree.community_a, f"成员{i}", datetime.date(1980, 1, 1), Post.Role.EXECUTIVE)
    # One counts the subtree's posts (background or not); SQLite reads the ids, then the rows by chunks of 2,000.
    with django_assert_max_num_queries(14):
        response = client.get(url, {"history": "1"})
        b"".join(response.streaming_content)


def test_the_unit_page_links_to_import_export_and_template(tree, staff_a, viewer_a, login):
    page = login(staff_a).get(reverse("orgtree:unit", args=[tree.district_a.pk])).content.decode()
    for name in ("roster_import", "roster_export_options", "roster_template"):
        assert reverse(f"members:{name}", args=[tree.district_a.pk]) in page
    page = login(viewer_a).get(reverse("orgtree:unit", args=[tree.district_a.pk])).content.decode()
    assert reverse("members:roster_import", args=[tree.district_a.pk]) not in page


# --- the export and the template stand on the column list, not on the import engine -------------

ROSTER_XLSX = Path(__file__).resolve().parents[1] / "members" / "roster_xlsx"


@pytest.mark.parametrize("module", ["columns", "cells", "export", "template"])
def test_the_column_modules_the_export_and_the_template_never_import_the_engine(module):
    tree = ast.parse((ROSTER_XLSX / f"{module}.py").read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            imported.add("." * node.level + (node.module or ""))
            imported.update(f"{'.' * node.level}{node.module or ''}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
    engine_like = {name for name in imported if name.rsplit(".", 1)[-1] in ("engine", "errors")}
    assert not engine_like, f"{module}.py imports {sorted(engine_like)}"


def test_loading_the_export_and_the_template_leaves_the_engine_unloaded():
    """Checked in a fresh interpreter: the package's lazy re-exports must not pull the engine in either."""
    script = (
        "import sys, django\n"
        "django.setup()\n"
        "from members.roster_xlsx import export_roster, template_workbook, COLUMNS\n"
        "import members.roster_xlsx.export, members.roster_xlsx.template\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('members.roster_xlsx'))))\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "fedorg.settings")}
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script], cwd=ROSTER_XLSX.parents[1], env=env, capture_output=True, text=True, check=True
    )
    loaded = set(done.stdout.split())
    assert {"members.roster_xlsx.export", "members.roster_xlsx.template", "members.roster_xlsx.columns"} <= loaded
    assert "members.roster_xlsx.engine" not in loaded
    assert "members.roster_xlsx.errors" not in loaded
