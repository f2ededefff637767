"""Code lists read a clerk's near spellings (issue 26): the plan's category with a word added or left out is
accepted and the preview says how it was read ("读作：…"); a value near two entries is refused with both named."""

import pytest
from django.urls import reverse
from test_roster_import import entry, run, upload, xlsx

from members.models import Person
from members.roster_xlsx.cells import NEAR_MAX_TEXT, read_code


@pytest.fixture(autouse=True)
def upload_dir(settings, tmp_path):
    """Uploads waiting for confirmation go to a per-test directory (as in test_roster_import)."""
    settings.ROSTER_IMPORT_DIR = str(tmp_path / "uploads")


@pytest.mark.parametrize(
    ("written", "code", "read_as"),
    [
        # 哈妇发〔2016〕8号 三（三）1 with 在职或 left out
        ("辖区内机关和企事业单位退休的女干部、女职工", "09", "机关企事业单位女干部女职工"),
        ("女性三八红旗手代表", "05", "三八红旗手代表"),  # a word added
        ("具有法律教育专长的女性居民", "08", "法律教育调解专长女性居民"),  # 调解 left out
        ("巾帼文明岗的带头人", "04", "巾帼文明岗带头人"),  # filler only
        ("两新组织女性", "06", "两新组织女性带头人"),
    ],
)
def test_a_category_with_a_word_added_or_left_out_reads_as_that_category(written, code, read_as):
    reading = read_code("source", written)
    assert (reading.code, reading.read_as, reading.ambiguous) == (code, read_as, ())


def test_an_exact_spelling_is_read_without_a_note():
    assert read_code("source", "女性楼栋长").read_as == ""
    assert read_code("source", "辖区内具有法律、教育、调解专长的女性居民").read_as == ""


@pytest.mark.parametrize(
    ("key", "written", "named"),
    [
        ("source", "自组织女性带头人", ("两新组织女性带头人", "自组织女性负责人")),
        ("political_status", "中共正式党员", ("中共党员", "中共预备党员")),
    ],
)
def test_a_value_near_two_entries_is_refused_with_both_named(key, written, named):
    reading = read_code(key, written)
    assert reading.code is None and reading.ambiguous == named


@pytest.mark.parametrize(
    ("key", "written"),
    [
        ("source", "热心群众"),  # near nothing
        ("ethnicity", "汗族"),  # short names are a character apart from each other: never guessed
        ("mode", "专职工作者"),
        ("source", "女性楼栋长" * 20),  # too long to be a category: not compared at all
    ],
)
def test_a_value_near_nothing_or_too_short_to_tell_is_refused(key, written):
    assert read_code(key, written).code is None
    assert len("女性楼栋长" * 20) > NEAR_MAX_TEXT


def test_the_import_notes_each_near_reading_and_refuses_an_ambiguous_one_naming_row_and_both(tree):
    near = entry(tree.community_a, source="女性三八红旗手代表")
    result = run(tree.district_a, [near], dry_run=True)
    assert result.ok, result.error_lines()
    assert [str(r) for r in result.readings] == ["第2行 来源类别“女性三八红旗手代表”读作：三八红旗手代表"]
    result = run(tree.district_a, [entry(tree.community_a, source="自组织女性带头人")])
    assert result.error_lines() == [
        "第2行 来源类别：“自组织女性带头人”与“两新组织女性带头人”“自组织女性负责人”都相近，"
        "无法确定是哪一项，请写明其中一项。"
    ]
    assert not Person.objects.exists()


def test_the_preview_page_says_how_a_near_spelling_was_read_and_the_import_stores_that_code(tree, staff_a, login):
    client = login(staff_a)
    response = upload(client, tree.district_a, xlsx([entry(tree.community_a, source="巾帼文明岗的带头人")]))
    page = response.content.decode()
    assert "按相近写法读取的单元格" in page and "读作：巾帼文明岗带头人" in page
    token = response.context["token"]
    client.post(reverse("members:roster_import_confirm", args=[tree.district_a.pk]), {"token": token})
    assert Person.objects.get().source == "04"


@pytest.mark.parametrize(
    "written", ["大学本科毕肄", "本科" * 30, "机" * 61, "辖区内机关和企事业单位退休的女干部、女职工x"]
)
def test_reading_a_near_spelling_is_bounded_work_whatever_the_cell(written):
    """Every spelling of the list compared once with early exits: a hostile cell (the longest comparable,
    or near many spellings) costs at most a few thousand Python lines in the largest list (education)."""
    from counting import python_steps

    from members.roster_xlsx.cells import _read_code

    for key in ("education", "source"):
        _read_code.cache_clear()
        _outcome, steps = python_steps(read_code, key, written)
        assert steps < 20_000, (key, steps)
