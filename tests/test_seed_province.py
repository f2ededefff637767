"""seed_demo --scale province (issue 10), shrunk for a test: Harbin at the small scale, seeded first as the city
demo and then moved below 黑龙江省; one other city (大兴安岭地区) with a tiny grassroots layer; the new-field
federations. The full command is timed in the closing note of issue 10 (SQLite and PostgreSQL)."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from fedorg.demo import province
from members.models import Post
from orgtree.integrity import find_tree_faults
from orgtree.models import Contact, Unit, User
from reports import tables
from returns.services import ensure_campaign_2016

TINY = {"streets": 1, "townships": 1, "county_townships": 1, "communities": 1, "villages": 2}


def harbin_digest():
    harbin = Unit.objects.get(code="2301")
    units = Unit.objects.subtree_of(harbin).exclude(kind__in=Unit.NEW_FIELD_KINDS)
    posts = Post.objects.filter(unit__in=units)
    return (
        sorted(units.values_list("code", "name", "kind", "org_form")),
        sorted(map(str, posts.values_list("unit__code", "person__name", "role", "start_date", "end_date"))),
    )


@pytest.mark.django_db
def test_the_province_demo_puts_harbin_as_it_is_below_the_province_with_the_other_cities():
    ensure_campaign_2016()
    call_command("seed_demo", "--scale", "small", "--no-returns", stdout=io.StringIO())
    before = harbin_digest()

    province.seed_organisation(harbin_scale="small", per_district=TINY, only={"2327"})
    province.seed_rosters(harbin_scale="small", only={"2327"})

    sheng = Unit.objects.get(code="23")
    assert sheng.parent is None and sheng.name == "黑龙江省" and sheng.kind == Unit.Kind.PROVINCE
    cities = {u.code: u.name for u in sheng.get_children()}
    assert len(cities) == 13 and cities["2301"] == "哈尔滨市" and cities["2327"] == "大兴安岭地区"
    assert harbin_digest() == before, "Harbin is exactly the city demo, only moved below the province"
    assert find_tree_faults() == []

    dxal = Unit.objects.get(code="2327")
    assert dxal.kind == Unit.Kind.PREFECTURE and dxal.get_children().count() == 7
    assert Post.objects.filter(unit__in=Unit.objects.subtree_of(dxal)).current(on="2016-08-31").exists()

    agri = Unit.objects.get(code="2301-01")
    assert agri.kind == Unit.Kind.NF_ORGAN and agri.get_children().count() == 3
    roles = list(Post.objects.filter(unit=agri).values_list("role", flat=True))
    assert (roles.count("chair"), roles.count("vice_chair"), roles.count("executive")) == (1, 3, 20)
    assert Unit.objects.get(code="230102001-01-01").get_ancestors().filter(code="230102001").exists()

    campaign = ensure_campaign_2016()
    assert campaign.unit.code == "2301"
    assert {d.code[:4] for d in campaign.districts()} == {"2301"}
    assert User.objects.get(username="sheng_shenhe").unit_id == sheng.pk

    # Harbin joined the province today (it was seeded as a root first): count the tree as it stands today.
    today = timezone.localdate()
    f4 = tables.compute(4, unit=sheng, as_of=today)
    rows = {r["label"]: r for r in f4["panels"][0]["rows"]}
    assert list(rows)[0] == "合计" and len(rows) == 14 and "大兴安岭地区" in rows
    harbin_total = next(
        r for r in tables.compute(4, unit=Unit.objects.get(code="2301"), as_of=today)["panels"][0]["rows"]
    )
    assert rows["哈尔滨市"]["cells"][1:] == harbin_total["cells"][1:]
    assert any(p["key"] == "4-nf" for p in f4["panels"])

    # A second run adds nothing.
    assert province.seed_organisation(harbin_scale="small", per_district=TINY, only={"2327"})["units"] == 0
    out = io.StringIO()
    call_command("check_tree", stdout=out)


@pytest.mark.django_db
def test_a_fresh_database_gets_harbin_below_the_province_from_the_start():
    """Seeded at province scale in an empty database, Harbin was never a root: the 2016 tables of 23 list it."""
    ensure_campaign_2016()
    province.seed_organisation(harbin_scale="small", per_district=TINY, only={"2327"})
    harbin = Unit.objects.get(code="2301")
    assert harbin.parent.code == "23" and Unit.objects.filter(code="2301").count() == 1
    assert find_tree_faults() == []
    labels = [r["label"] for r in tables.compute(1, unit=Unit.objects.get(code="23"))["panels"][0]["rows"]]
    assert labels[0] == "哈尔滨市" and "大兴安岭地区" in labels and len(labels) == 13
    assert not Contact.objects.filter(unit__kind__in=Unit.NEW_FIELD_KINDS).exists()
    assert Contact.objects.filter(unit__parent=harbin).values("unit").distinct().count() == 18


@pytest.mark.django_db
def test_the_fast_rebuild_numbers_the_tree_as_mptt_does(tree):
    """orgtree.services.rebuild_tree gives every unit the lft, rght, level and tree_id mptt's rebuild() gives it,
    with a second root and a new-field code (a "-" that the database may sort apart from digits)."""
    from orgtree import services

    other = services.create_unit(parent=None, name="齐齐哈尔市", code="2302", kind=Unit.Kind.CITY, actor=None)
    services.create_unit(parent=other, name="龙沙区", code="230202", kind=Unit.Kind.DISTRICT, actor=None)
    services.create_unit(
        parent=Unit.objects.get(code="2301"), name="市农业系统妇联", code="2301-01", kind=Unit.Kind.NF_ORGAN, actor=None
    )
    fields = ("code", "lft", "rght", "level", "tree_id")
    Unit.objects.update(lft=0, rght=0, level=0, tree_id=0)
    Unit.objects.rebuild()
    by_mptt = sorted(Unit.objects.values_list(*fields))
    Unit.objects.update(lft=0, rght=0, level=0, tree_id=0)
    services.rebuild_tree()
    assert sorted(Unit.objects.values_list(*fields)) == by_mptt
    assert find_tree_faults() == []
