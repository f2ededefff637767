"""The grassroots registers counted by tables defined as data (issue 24): reports/tabledefs/women_homes.yaml,
two_committees.yaml and coverage.yaml, loaded like any other definition, count 妇女之家, the two committees
and the organisations of the day they are computed for."""

import datetime
from pathlib import Path

import pytest

from grassroots.models import Organisation, TwoCommittees, WomenHome, WomenHomeActivity
from reports.defined import compute_defined
from reports.definitions import DefinitionError, parse

TABLEDEFS = Path(__file__).resolve().parent.parent / "reports" / "tabledefs"
D = datetime.date


def table(key):
    return parse((TABLEDEFS / f"{key}.yaml").read_text(encoding="utf-8"))


def cells(snapshot, label):
    keys = [c["key"] for c in snapshot["columns"]]
    row = next(r for r in snapshot["rows"] if r["label"] == label)
    return dict(zip(keys, row["cells"], strict=True))


OPENED, FOUR = D(2016, 3, 1), D(2016, 5, 1)


def home(unit, name="兆麟社区妇女之家", opened=OPENED, four=FOUR, **extra):
    return WomenHome.objects.create(
        unit=unit,
        name=name,
        opened_on=opened,
        place_on=four,
        sign_on=four,
        rules_on=four,
        activities_on=four,
        **extra,
    )


def test_the_women_homes_table_counts_the_homes_open_on_its_date(tree):
    first = home(tree.community_a, functions=list("abcdefgh"), wechat="兆麟姐妹")
    home(tree.village_a, name="新农村妇女之家", opened=D(2017, 3, 1), four=None)
    home(tree.community_a2, name="经纬社区妇女之家", opened=D(2015, 1, 1), four=None, closed_on=D(2016, 12, 1))
    for held_on, title in ((D(2017, 2, 1), "家风讲座"), (D(2017, 5, 1), "编织培训"), (D(2016, 5, 1), "去年")):
        WomenHomeActivity.objects.create(home=first, held_on=held_on, kind="education", title=title, attendance=30)

    in_2017 = compute_defined(table("women_homes"), unit=tree.district_a, as_of=D(2017, 12, 31))
    total = cells(in_2017, "合计")
    assert (total["places"], total["covered"], total["coverage"]) == (3, 2, 66.7)
    assert (total["homes"], total["four_has"], total["four_has_rate"], total["online"]) == (2, 1, 50.0, 1)
    assert (total["activities"], total["q1"], total["q2"], total["attendance"]) == (2, 1, 1, 60)
    assert cells(in_2017, "兆麟街道")["homes"] == 1 and cells(in_2017, "新农镇")["homes"] == 1
    assert not [c for c in in_2017["checks"] if not c.get("ok", True)]

    in_2016 = compute_defined(table("women_homes"), unit=tree.district_a, as_of=D(2016, 8, 31))
    total = cells(in_2016, "合计")  # 经纬社区's home was still open, 新农村's not yet
    assert (total["homes"], total["covered"], total["four_has"], total["activities"]) == (2, 2, 1, 1)


def test_the_two_committees_table_gives_the_rates_the_reviews_quote(tree):
    TwoCommittees.objects.create(
        unit=tree.community_a, elected_on=D(2017, 5, 1), members=7, women=3, director_woman=True, one_shoulder=True
    )
    TwoCommittees.objects.create(unit=tree.community_a2, elected_on=D(2017, 5, 1), members=5, women=0)
    TwoCommittees.objects.create(unit=tree.village_a, elected_on=D(2014, 1, 1), members=6, women=0)
    TwoCommittees.objects.create(unit=tree.village_a, elected_on=D(2017, 1, 1), members=6, women=1)

    total = cells(compute_defined(table("two_committees"), unit=tree.district_a, as_of=D(2017, 12, 31)), "合计")
    assert (total["places"], total["recorded"], total["members"], total["women"]) == (3, 3, 18, 4)
    assert (total["with_woman"], total["with_woman_rate"], total["head"], total["head_rate"]) == (2, 66.7, 1, 33.3)
    assert (total["one_shoulder"], total["village_rate"], total["community_head_rate"]) == (1, 100.0, 50.0)
    before = cells(compute_defined(table("two_committees"), unit=tree.district_a, as_of=D(2016, 12, 31)), "合计")
    assert (before["recorded"], before["with_woman"]) == (1, 0)  # only 新农村's 2014 committee was in force


def test_the_coverage_table_of_a_street_shows_its_organisations_and_its_rate(tree):
    K, W = Organisation.Kind, Organisation.WomenOrg
    listed = D(2016, 1, 1)
    for name, kind, women_org in (
        ("道里区税务局", K.ORGAN, W.COMMITTEE),
        ("兆麟科技公司", K.NEW_ECONOMIC, W.FEDERATION),
        ("中央大街商贸公司", K.NEW_ECONOMIC, W.NONE),
        ("兆麟社工服务中心", K.NEW_SOCIAL, W.NONE),
    ):
        Organisation.objects.create(unit=tree.street_a, name=name, kind=kind, women_org=women_org, listed_on=listed)

    snapshot = compute_defined(table("coverage"), unit=tree.street_a, as_of=D(2017, 6, 30))
    own = cells(snapshot, "兆麟街道（本级）")
    assert (own["total"], own["covered"], own["uncovered"], own["rate"]) == (4, 2, 2, 50.0)
    assert (own["new_economic"], own["new_economic_rate"], own["new_social_rate"]) == (2, 50.0, 0.0)
    assert (own["w_committee"], own["w_federation"]) == (1, 1)
    district = cells(compute_defined(table("coverage"), unit=tree.district_a, as_of=D(2017, 6, 30)), "兆麟街道")
    assert district["rate"] == 50.0


def test_a_grassroots_dimension_on_the_wrong_source_is_refused_with_its_line():
    text = (
        (TABLEDEFS / "coverage.yaml")
        .read_text(encoding="utf-8")
        .replace("where: {covered: true}", "where: {has_woman: true}")
    )
    with pytest.raises(DefinitionError, match="第15行：没有“has_woman”这个筛选维度"):
        parse(text)
