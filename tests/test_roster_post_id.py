"""Excel round trips that let a clerk correct things (issue 9): the export's 任职编号 (post id).

Re-importing an export with a corrected 任职时间, 任职方式, 产生方式 or 来源类别 updates that post
instead of refusing it as a second leadership post; and the export re-imports unchanged after a
会改联, a move and a rename.
"""

import datetime
import io

from openpyxl import load_workbook
from test_roster_export import rosters  # noqa: F401 - the fixture

from members import services as roster
from members.models import Post
from members.roster_xlsx.engine import import_roster
from members.roster_xlsx.export import export_roster
from orgtree import services as tree_services

CHANGED_ON = datetime.date(2017, 3, 1)


def edited(stream, name, role, **cells):
    """The export with the cells of `name`'s `role` row replaced (by header)."""
    wb = load_workbook(io.BytesIO(stream) if isinstance(stream, bytes) else stream)
    ws = wb["名册"]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[header.index("姓名")].value == name and row[header.index("妇联职务")].value == role:
            for column, value in cells.items():
                row[header.index(column)].value = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_the_export_carries_each_post_s_id(tree, rosters):  # noqa: F811
    ws = load_workbook(export_roster(unit=tree.district_a, actor=None))["名册"]
    header = [c.value for c in ws[1]]
    ids = {row[header.index("任职编号")] for row in ws.iter_rows(min_row=2, values_only=True)}
    assert rosters["chair"].pk in ids and rosters["director"].pk in ids


def test_a_corrected_start_date_mode_method_and_source_update_the_post(tree, rosters, staff_a):  # noqa: F811
    chair = rosters["chair"]
    source = "辖区内具有法律、教育、调解专长的女性居民"  # 哈妇发〔2016〕8号's own wording
    file = edited(
        export_roster(unit=tree.district_a, actor=staff_a),
        "张秀梅",
        "主席",
        任职时间="2016-07-15",
        任职方式="专职",
        产生方式="群众举荐",
        来源类别=source,
    )
    file = edited(file, "张秀梅", "执委", 来源类别=source)  # her other post's row says the same
    result = import_roster(unit=tree.district_a, file=file, actor=staff_a)
    assert result.ok, result.error_lines()
    assert (result.posts_added, result.posts_updated, result.persons_updated) == (0, 1, 1)
    chair.refresh_from_db()
    chair.person.refresh_from_db()
    assert (chair.start_date, chair.mode, chair.method) == (datetime.date(2016, 7, 15), "full_time", "masses")
    assert chair.person.source == "08"
    assert Post.objects.filter(person=chair.person, unit=tree.community_a).count() == 1


def test_without_the_post_id_a_corrected_start_date_is_still_a_second_post(tree, rosters, staff_a):  # noqa: F811
    file = edited(
        export_roster(unit=tree.district_a, actor=staff_a), "张秀梅", "主席", 任职时间="2016-07-15", 任职编号=None
    )
    result = import_roster(unit=tree.district_a, file=file, actor=staff_a, dry_run=True)
    assert not result.ok  # the old behaviour, for files without the column: a clash, not a silent change


def test_a_post_id_of_another_person_or_unit_is_refused(tree, rosters, staff_a):  # noqa: F811
    file = edited(export_roster(unit=tree.district_a, actor=staff_a), "张秀梅", "主席", 任职编号=rosters["director"].pk)
    result = import_roster(unit=tree.district_a, file=file, actor=staff_a, dry_run=True)
    assert not result.ok
    assert any("任职编号" in line for line in result.error_lines())


def test_the_export_reimports_unchanged_after_a_conversion_a_move_and_a_rename(tree, rosters, city_admin):  # noqa: F811
    roster.appoint(
        person=rosters["director"].person,
        unit=tree.village_a,
        role="member",
        start_date=datetime.date(2015, 1, 1),
        end_date=datetime.date(2016, 1, 1),
        actor=None,
    )
    tree_services.convert_to_federation(unit=tree.village_a, actor=city_admin, effective_date=CHANGED_ON)
    tree_services.move_unit(unit=tree.street_a, new_parent=tree.district_b, actor=city_admin, effective_date=CHANGED_ON)
    tree_services.rename_unit(
        unit=tree.community_a, name="兆麟新社区", code="230102001009", actor=city_admin, effective_date=CHANGED_ON
    )
    for history in (False, True):
        stream = export_roster(unit=tree.city, actor=city_admin, history=history)
        result = import_roster(unit=tree.city, file=stream, actor=city_admin)
        assert result.ok, result.error_lines()
        assert {r.action for r in result.rows} == {"unchanged"}, [r for r in result.rows if r.action != "unchanged"]
    director = Post.objects.get(person=rosters["director"].person, unit=tree.village_a, end_date=None)
    assert director.role == "chair" and director.start_date == CHANGED_ON
