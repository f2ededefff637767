"""seed_demo --scale province (issue 10), shrunk for a test: Harbin at the small scale, seeded first as the city
demo and then moved below 黑龙江省; one other city (大兴安岭地区) with a tiny grassroots layer; the new-field
federations. The full command is timed in the closing note of issue 10 (SQLite and PostgreSQL)."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from demo import bulk, province, rosters
from members.models import Person, Post
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
    # Their members are people as complete as the grassroots demo's: valid ID numbers that match the
    # birth date, mobiles, and how each serves and was chosen.
    from members.validators import check_id_matches_birth, clean_id_number, clean_mobile

    nf = Post.objects.filter(unit__kind__in=Unit.NEW_FIELD_KINDS).select_related("person")
    with_id = [p.person for p in nf if p.person.id_number]
    assert len(with_id) > 0.8 * nf.count() and sum(bool(p.person.mobile) for p in nf) > 0.8 * nf.count()
    for person in with_id:
        assert clean_id_number(person.id_number) == person.id_number
        check_id_matches_birth(person.id_number, person.birth_date)
    for post in nf:
        assert post.mode and post.method
        if post.person.mobile:
            assert clean_mobile(post.person.mobile) == post.person.mobile
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
def test_the_provincial_form1_has_a_leader_and_a_contact_for_every_city():
    """The province's 附表1 lists the city federations' 分管领导 and 具体联系人, with the city's own area code."""
    ensure_campaign_2016()
    province.seed_organisation(harbin_scale="small", per_district=TINY, only={"2327"})
    form1 = tables.compute(1, unit=Unit.objects.get(code="23"))
    assert not tables.failed_checks(form1)
    rows = form1["panels"][0]["rows"]
    assert len(rows) == 13
    for row in rows:
        assert all(row["cells"][1:-1]), row["label"]  # the last column is 备注
    dxal = Contact.objects.get(unit__code="2327", role=Contact.Role.LEADER)
    assert dxal.office_phone.startswith("0457-") and ("大兴安岭地区妇联" in dxal.title or "大兴安岭地委" in dxal.title)
    assert not Contact.objects.filter(unit__code="2301", title__contains="区委").exists()


# Values that COPY's text format has to escape, and empty strings next to NULLs.
AWKWARD = [
    ("王\t丽华", "230102198001010026", "哈尔滨\\道里区\n妇联\r主席", "", True),
    ("乌云·其其格", None, "", "13945678901", False),
    ("李淑琴", "23010219750601002X", "南岗区\\N", "", False),
]


def orm_and_bulk_people(unit):
    """The same three people written twice: by bulk_create and by the demo's bulk writer."""
    orm = [
        Person(name=name, id_number=None, birth_date=datetime.date(1980, 1, 1), workplace_title=title, mobile=mobile,
               is_frontline=frontline, name_initials="wlh").fill_birthday()
        for name, _id_number, title, mobile, frontline in AWKWARD
    ]  # fmt: skip
    Person.objects.bulk_create(orm)
    first = bulk.reserve_ids(Person, len(AWKWARD))
    written = [
        rosters.NewPerson(i, name=name, gender="F", ethnicity="01", birth_date=datetime.date(1980, 1, 1),
                          id_number=id_number, political_status="13", education="21", workplace_title=title,
                          mobile=mobile, source="99", sector="", is_frontline=frontline, is_women_worker=False,
                          name_initials="wlh")
        for i, (name, id_number, title, mobile, frontline) in enumerate(AWKWARD)
    ]  # fmt: skip
    for person in written:
        person.pk = first + person.idx
    assert bulk.write_rows(Person, rosters.PERSON_COLUMNS, [p.row() for p in written]) == 3
    return orm, written


@pytest.mark.django_db
def test_the_bulk_writer_stores_the_rows_bulk_create_stores(tree):
    """COPY (PostgreSQL) or executemany (SQLite) of the demo's rows reads back field for field as the ORM's
    rows do, defaults and timestamps filled in; later inserts take ids after the reserved block."""
    orm, written = orm_and_bulk_people(tree.community_a)
    fields = [f.attname for f in Person._meta.concrete_fields if f.attname not in ("id", "created_at", "updated_at")]
    orm_rows = list(Person.objects.filter(pk__in=[p.pk for p in orm]).order_by("pk").values(*fields))
    for row, (_name, id_number, *_rest) in zip(orm_rows, AWKWARD, strict=True):
        row["id_number"] = id_number
        row["birthday"] = Person(id_number=id_number, birth_date=row["birth_date"]).fill_birthday().birthday
    written_rows = list(Person.objects.filter(pk__in=[p.pk for p in written]).order_by("pk").values(*fields))
    assert written_rows == orm_rows
    assert written_rows[0]["workplace_title"] == "哈尔滨\\道里区\n妇联\r主席" and written_rows[1]["id_number"] is None
    stamped = Person.objects.get(pk=written[0].pk)
    assert abs(stamped.created_at - timezone.now()) < datetime.timedelta(minutes=5)
    assert stamped.updated_at == stamped.created_at

    congress = None
    posts = [
        rosters.NewPost(0, written[0], tree.community_a, Post.Role.CHAIR, Post.Mode.FULL_TIME, Post.Method.UNIT,
                        congress, datetime.date(2016, 6, 1), None, "", two_committees=Post.TwoCommittees.BOTH),
        rosters.NewPost(1, written[1], tree.community_a, Post.Role.EXECUTIVE, Post.Mode.PART_TIME, Post.Method.SELF,
                        congress, datetime.date(2012, 3, 1), datetime.date(2016, 1, 5), "退休", note="a\tb"),
    ]  # fmt: skip
    first = bulk.reserve_ids(Post, len(posts))
    for post in posts:
        post.pk = first + post.idx
    bulk.write_rows(Post, rosters.POST_COLUMNS, [p.row() for p in posts])
    orm_post = Post.objects.create(person_id=written[1].pk, unit=tree.community_a, role=Post.Role.EXECUTIVE,
                                   mode=Post.Mode.PART_TIME, method=Post.Method.SELF, start_date=datetime.date(2012, 3, 1),
                                   end_date=datetime.date(2016, 1, 5), end_reason="退休", note="a\tb")  # fmt: skip
    assert orm_post.pk > posts[-1].pk, "the sequence was moved past the reserved block"
    post_fields = [f.attname for f in Post._meta.concrete_fields if f.attname not in ("id", "created_at", "updated_at")]
    as_written = Post.objects.filter(pk=posts[1].pk).values(*post_fields).get()
    assert as_written == Post.objects.filter(pk=orm_post.pk).values(*post_fields).get()
    assert Post.objects.current(on=datetime.date(2016, 8, 31)).filter(pk__in=[p.pk for p in posts]).count() == 1
    later = Person.objects.create(name="赵晓燕", birth_date=datetime.date(1985, 5, 1))
    assert later.pk > written[-1].pk


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


def test_a_generated_city_follows_its_county_count_and_the_per_district_layer():
    """七台河 (3 districts, 1 county): a district has 12 streets of 11–17 communities and 6 townships, a county 22
    townships, each of 12–20 villages; so about 280 units per district and 370 per county."""
    rows = province.generated_city_rows(only={"2309"})
    kinds = {}
    for code, _name, kind, _form, _pilot, parent in rows:
        kinds.setdefault(kind, []).append((code, parent))
    assert len(kinds["district"]) == 3 and len(kinds["county"]) == 1
    children = {}
    for code, _name, _kind, _form, _pilot, parent in rows:
        children.setdefault(parent, []).append(code)
    for district, _parent in kinds["district"]:
        streets = [c for c in children[district] if c[6:9] < "200"]
        assert (len(streets), len(children[district]) - len(streets)) == (12, 6)
        assert all(11 <= len(children[street]) <= 17 for street in streets)
    county = kinds["county"][0][0]
    assert len(children[county]) == 22 and all(12 <= len(children[t]) <= 20 for t in children[county])
    assert 3 * 250 + 330 < len(rows) < 3 * 310 + 410


@pytest.mark.django_db
def test_the_province_demo_runs_a_provincial_campaign_over_every_citys_districts(client):
    """The provincial dashboard has something to show: a campaign of 黑龙江省妇联, open now, a row per city."""
    ensure_campaign_2016()
    province.seed_organisation(harbin_scale="small", per_district=TINY, only={"2327"})
    campaign = province.seed_provincial_campaign()
    assert campaign.unit.code == "23" and campaign.doc_number.startswith("黑妇发")
    assert {d.code[:4] for d in campaign.districts()} == {"2301", "2327"}
    assert all(f.due_date > timezone.localdate() for f in campaign.forms.all())
    assert province.seed_provincial_campaign() is None, "a second run adds nothing"
    client.force_login(User.objects.get(username="sheng_shenhe"))
    page = client.get(campaign.get_absolute_url()).content.decode()
    assert "哈尔滨市" in page and "大兴安岭地区" in page
