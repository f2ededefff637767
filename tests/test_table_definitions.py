"""Statistics tables defined as data (issue 23): the format, its refusals, and the proof that 附表4 and 附表5
written in it (reports/tabledefs/form4.yaml, form5.yaml) give the built-in tables cell for cell."""

import datetime
from pathlib import Path

import pytest
from test_new_field import add_new_field
from test_report_tables import report_city  # noqa: F401 - the fixture

from fedorg.dates import CUTOFF_2016
from reports import definitions, tables
from reports.defined import cell_people_defined, compute_defined

TABLEDEFS = Path(__file__).resolve().parent.parent / "reports" / "tabledefs"
MID_2016 = datetime.date(2016, 7, 10)  # the new posts of 2016-07-01 held, E_old not yet ended
SAME_KEYS = ("label", "title", "unit", "as_of", "as_of_text", "baseline", "statistics", "unit_note", "notes", "rules")


def load(name):
    return definitions.parse((TABLEDEFS / f"{name}.yaml").read_text(encoding="utf-8"))


def assert_same(form_no, unit, as_of):
    built = tables.compute(form_no, unit=unit, as_of=as_of)
    defined = compute_defined(load(f"form{form_no}"), unit=unit, as_of=as_of)
    assert tables.cell_values(defined) == tables.cell_values(built)
    assert defined["panels"] == built["panels"]
    for key in SAME_KEYS:
        assert defined.get(key) == built.get(key), key
    # Every check but the cross-table one (附表4 against 附表5), which a single table cannot make.
    assert defined["checks"] == [c for c in built["checks"] if not c["message"].startswith("表间核对")]
    return built


@pytest.mark.parametrize("as_of", [CUTOFF_2016, MID_2016])
@pytest.mark.parametrize("form_no", [4, 5])
def test_form4_and_form5_as_definitions_equal_the_built_in_tables_for_the_city_and_daoli(report_city, form_no, as_of):  # noqa: F811
    t = report_city
    city = assert_same(form_no, t.city, as_of)
    district = assert_same(form_no, t.district_a, as_of)
    assert any(v for k, v in tables.cell_values(city).items() if k.endswith("/1") or k.endswith("/2"))
    assert district["panels"][0]["rows"][1:]  # 道里区's streets are rows


@pytest.mark.parametrize("form_no", [4, 5])
def test_the_definitions_equal_the_built_in_tables_with_new_field_federations_and_a_street_itself(
    report_city,  # noqa: F811
    form_no,
):
    t = report_city
    add_new_field(t)
    city = assert_same(form_no, t.city, CUTOFF_2016)
    assert [p["key"] for p in city["panels"]][-1] in ("4-nf", "5-nf")
    assert_same(form_no, t.district_a, CUTOFF_2016)
    assert_same(form_no, t.street_a, CUTOFF_2016)  # 本级 and the new-field row below a street


def test_a_drilled_cell_lists_as_many_people_as_it_counts(report_city):  # noqa: F811
    t = report_city
    for name in ("form4", "form5"):
        definition = load(name)
        snapshot = compute_defined(definition, unit=t.city, as_of=CUTOFF_2016)
        for panel in snapshot["panels"]:
            for row in panel["rows"]:
                for column, value in zip(panel["columns"], row["cells"], strict=True):
                    if column["drill"] and isinstance(value, int):
                        _r, _c, facts = cell_people_defined(
                            definition, unit=t.city, row=row["key"], col=column["key"], as_of=CUTOFF_2016
                        )
                        assert len(facts) == value, (panel["key"], row["key"], column["key"])


# --- storage, versions and the commands ----------------------------------------------------------


def test_load_table_stores_a_version_and_loading_it_again_changes_nothing(db, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    from reports.models import TableDefinition

    out = StringIO()
    call_command("load_table", str(TABLEDEFS / "form4.yaml"), stdout=out)
    call_command("load_table", str(TABLEDEFS / "form4.yaml"), stdout=out)
    assert TableDefinition.objects.filter(key="form4").count() == 1
    assert "未改变" in out.getvalue()
    changed = tmp_path / "form4.yaml"
    changed.write_text(
        (TABLEDEFS / "form4.yaml").read_text(encoding="utf-8").replace("label: 附表4\n", "label: 附表四\n")
    )
    call_command("load_table", str(changed), stdout=out)
    assert list(TableDefinition.objects.filter(key="form4").values_list("version", flat=True)) == [2, 1]
    listed = StringIO()
    call_command("dump_table", "--list", stdout=listed)
    assert listed.getvalue() == "form4\t扩大基层妇联组织成员情况统计表\t第2版\n"
    dumped = StringIO()
    call_command("dump_table", "form4", "--table-version", "1", stdout=dumped)
    assert dumped.getvalue() == (TABLEDEFS / "form4.yaml").read_text(encoding="utf-8")


def test_load_table_refuses_a_wrong_file_naming_the_line(db, tmp_path):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(MINIMAL.replace("where: {rank: 1}", "where: {colour: red}"), encoding="utf-8")
    with pytest.raises(CommandError, match="第9行：没有“colour”这个筛选维度"):
        call_command("load_table", str(wrong))


MINIMAL = """\
key: chairs
title: 主席统计表
rows:
  children: {}
columns:
  - {label: 单位, key: unit, text: row, width: 14}
  - label: 人数
    columns:
      - {label: 主席, key: chairs, count: people, where: {rank: 1}}
      - {label: 组织, key: units, count: units}
"""


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("where: {rank: 1}", "where: {colour: red}"), "第9行：没有“colour”这个筛选维度"),
        (
            ("where: {rank: 1}", "where: {mode: part}"),
            "第9行：“mode”（任职方式）没有“part”这个取值，永远不会有记录符合",
        ),
        (("where: {rank: 1}", "where: {age: {min: 50, max: 40}}"), "第9行：“age”的下限 50 大于上限 40"),
        (("where: {rank: 1}", "where: {mode: []}"), "第9行：“mode”的取值列表是空的"),
        (("count: people", "count: households"), "第9行：没有“households”这种数据来源"),
        (
            (
                "{label: 组织, key: units, count: units}",
                "{label: 组织, key: units, count: units, where: {mode: full_time}}",
            ),
            "第10行：没有“mode”这个筛选维度",
        ),
        (("key: chairs\n", "key: chairs\ncolour: red\n"), "第2行：不认识的键“colour”"),
        (("title: 主席统计表", "title: [主席]"), "第2行：title 应是一段文字"),
        (("  - label: 人数", "  - label: &a 人数\n    x: *a"), "第8行：不支持 YAML 引用"),
        (("rows:\n  children: {}", "rows:\n  children: {"), "不是有效的 YAML"),
    ],
)
def test_a_wrong_definition_is_refused_with_a_message_naming_the_line(change, message):
    with pytest.raises(definitions.DefinitionError) as refused:
        definitions.parse(MINIMAL.replace(*change))
    assert message in str(refused.value)


def test_more_than_200_columns_or_more_than_256_kb_is_refused():
    many = "\n".join(f"  - {{label: 栏{i}, key: c{i}, count: people}}" for i in range(201))
    text = "key: wide\ntitle: 宽表\nrows:\n  children: {}\ncolumns:\n" + many + "\n"
    with pytest.raises(definitions.DefinitionError, match="第206行：一张表最多 200 栏"):
        definitions.parse(text)
    with pytest.raises(definitions.DefinitionError, match="不能超过 256 KB"):
        definitions.parse(MINIMAL + "#" * (256 * 1024))


def test_a_minimal_definition_counts_chairs_and_units_per_district(report_city):  # noqa: F811
    t = report_city
    snapshot = compute_defined(definitions.parse(MINIMAL), unit=t.city, as_of=CUTOFF_2016)
    by_key = {row["key"]: row["cells"] for row in snapshot["rows"]}
    assert [row["label"] for row in snapshot["rows"]] == ["合计", "道里区", "南岗区"]
    assert by_key[f"u{t.district_a.pk}"][0] == "道里区"
    assert by_key["total"][1] == sum(cells[1] for key, cells in by_key.items() if key != "total")
    assert snapshot["form"] == "chairs" and snapshot["unit_note"] == "单位：个、人"
