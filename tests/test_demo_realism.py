"""The demo city a Harbin official would believe (issue 14): the realism rules, at both scales.

Each scale is seeded once per class (without the 2016 returns, which tests/test_demo_returns.py
covers) and only read by the tests.
"""

import datetime
import io
import re
from collections import Counter, defaultdict

import pytest
from django.core.management import call_command

from demo.people import GIVEN_BY_DECADE, MOBILE_PREFIXES_2016_SET, decade_of
from demo.tree import load_places, plan_places
from members import rules
from members.models import Person, Post
from orgtree.models import Contact, Unit
from tests.conftest import clear_demo_city

pytestmark = pytest.mark.django_db

PILOT_DUE = datetime.date(2016, 6, 25)  # the plan: 示范点 report their expanded 妇联 by 6-25
CHAIR_ROLES = [Post.Role.CHAIR, Post.Role.VICE_CHAIR, Post.Role.DIRECTOR, Post.Role.DEPUTY_DIRECTOR]
HEAD_ROLES = [Post.Role.CHAIR, Post.Role.DIRECTOR]


def _seed(scale, blocker):
    with blocker.unblock():
        call_command("seed_demo", "--scale", scale, "--no-returns", stdout=io.StringIO())


def _teardown(blocker):
    with blocker.unblock():
        clear_demo_city()


@pytest.fixture(scope="class", params=["small", "city"])
def demo_city(request, django_db_setup, django_db_blocker):
    _seed(request.param, django_db_blocker)
    yield request.param
    _teardown(django_db_blocker)


def district_of(unit):
    return unit.get_ancestors(include_self=True).get(level=1)


@pytest.mark.usefixtures("demo_city")
class TestDemoRealism:
    def test_no_man_holds_a_chair_post(self):
        men = Post.objects.filter(role__in=CHAIR_ROLES, person__gender=Person.Gender.MALE)
        assert not men.exists(), list(men.values_list("unit__name", "person__name")[:5])

    def test_full_time_chairs_work_at_their_federation(self):
        posts = Post.objects.filter(role__in=CHAIR_ROLES, mode=Post.Mode.FULL_TIME).select_related("unit", "person")
        assert posts.exists()
        for post in posts:
            title = post.person.workplace_title
            assert title.startswith(post.unit.name), (post.unit.name, title)
            assert "妇联" in title or "妇代会" in title, (post.unit.name, title)

    def test_heads_below_the_district_are_full_time_women_workers(self):
        heads = Post.objects.filter(role__in=HEAD_ROLES, unit__level__gte=2).select_related("person")
        assert heads.exists()
        assert not heads.exclude(mode=Post.Mode.FULL_TIME).exists()
        assert not heads.filter(person__is_women_worker=False).exists()
        # Their members are not: a village 委员 is 兼职 or a volunteer.
        village_members = Post.objects.filter(unit__level=4, role__in=[Post.Role.MEMBER, Post.Role.EXECUTIVE])
        assert not village_members.filter(mode__in=[Post.Mode.FULL_TIME, Post.Mode.SECONDED]).exists()

    def test_unit_names_do_not_repeat_within_a_district(self):
        for district in Unit.objects.filter(level=1):
            names = Counter(district.get_descendants().values_list("name", flat=True))
            repeated = [n for n, c in names.items() if c > 1]
            assert not repeated, (district.name, repeated[:5])

    def test_streets_and_townships_are_the_fixtures_ones_and_counties_have_no_streets(self):
        """The compiled real names, and at city scale the generated streets the fixture marks as generated."""
        places = load_places()["districts"]
        for district in Unit.objects.filter(level=1):
            real = places[district.code]
            children = district.get_children()
            streets = set(children.filter(kind="street").values_list("name", flat=True))
            assert streets <= set(real["streets"] + real["generated_streets"])
            assert set(children.filter(kind="township").values_list("name", flat=True)) <= set(real["townships"])
            if district.kind != Unit.Kind.DISTRICT:
                assert not children.filter(kind="street").exists(), district.name

    def test_every_place_the_plan_names_is_present(self):
        for district_code, parent, name in plan_places():
            assert Unit.objects.filter(name=name, parent__name=parent, parent__parent__code=district_code).exists(), (
                district_code,
                parent,
                name,
            )

    def test_mobile_numbers_use_prefixes_in_service_in_2016(self):
        mobiles = list(Person.objects.exclude(mobile="").values_list("mobile", flat=True))
        mobiles += list(Contact.objects.exclude(mobile="").values_list("mobile", flat=True))
        assert mobiles
        bad = [m for m in mobiles if m[:3] not in MOBILE_PREFIXES_2016_SET]
        assert not bad, bad[:5]

    def test_given_names_fit_the_generation(self):
        """A name from her own decade or the next one over: a 附表1 leader's name is drawn for the
        1960s and she may be born in 1958; never a 雨萱 of the 2000s, never a 桂兰 born in 1990."""
        names = {decade: set(given) for decade, given in GIVEN_BY_DECADE.items()}
        for name, born in Person.objects.values_list("name", "birth_date"):
            if "·" in name:
                continue
            decade = decade_of(born.year)
            allowed = names[decade] | names.get(decade - 10, set()) | names.get(decade + 10, set())
            assert name[1:] in allowed, (name, born)
        assert not Person.objects.filter(name__endswith="雨萱").exists()

    def test_head_titles_are_rarely_repeated(self):
        for district in Unit.objects.filter(level=1):
            titles = Counter(
                Person.objects.filter(posts__unit__in=district.get_descendants(include_self=True))
                .distinct()
                .values_list("workplace_title", flat=True)
            )
            for title, n in titles.items():
                assert (
                    n <= 3
                    or re.search(r"(居民|村民|教师|科员|网格员|楼栋长|种植户|养殖户|护士|医生)$", title)
                    or (n <= 8)
                ), (district.name, title, n)
        assert not Person.objects.filter(posts__unit__kind="township", workplace_title__contains="办事处").exists()

    def test_titles_fit_the_level_of_the_unit_people_serve_in(self):
        """A village woman works at her 村委会 or farm, not at a district bureau; a street has an
        办事处 and no 人民政府; a township the reverse; 居委会 are in communities, 村委会 in villages."""
        wrong = {
            "village": r"(局|人民法院|人民检察院|办事处|居委会|社区)",
            "community": r"(局|人民法院|人民检察院|村委会|村民小组|合作社)",
            "street": r"(人民政府|村委会|居委会|卫生院)",
            "township": r"(办事处|居委会|社区卫生服务中心)",
        }
        levels = Counter()
        # One flat query: a prefetch of the city's 45,000 people overflows SQLite's expression depth.
        kinds_of = defaultdict(set)
        titles = {}
        for person_id, name, title, kind in Post.objects.values_list(
            "person_id", "person__name", "person__workplace_title", "unit__kind"
        ):
            kinds_of[person_id].add(kind)
            titles[person_id] = (name, title)
        for person_id, kinds in kinds_of.items():
            name, title = titles[person_id]
            if len(kinds) != 1 or re.search(r"(妇联|妇代会)", title):
                continue  # a woman serving at two levels, or titled by her own federation post
            (kind,) = kinds
            if kind not in wrong:
                continue
            levels[kind] += 1
            assert not re.search(wrong[kind], title), (kind, name, title)
        assert levels["village"] and levels["community"], levels

    def test_district_leaders_have_titles_that_fit_district_or_county(self):
        for contact in Contact.objects.filter(role=Contact.Role.LEADER).select_related("unit"):
            suffix = contact.unit.name[-1] if contact.unit.name[-1] in "县市" else "区"
            assert contact.title[0] == suffix, (contact.unit.name, contact.title)
            if "妇联" in contact.title:
                role = Post.Role.CHAIR if contact.title.endswith("妇联主席") else Post.Role.VICE_CHAIR
                assert Post.objects.filter(unit=contact.unit, role=role, person__name=contact.name).exists(), (
                    contact.unit.name,
                    contact.title,
                    contact.name,
                )

    def test_pilots_meet_their_quota_on_their_due_date(self):
        pilots = list(Unit.objects.filter(is_pilot=True))
        assert pilots
        for pilot in pilots:
            for unit in [pilot, *pilot.get_children()]:
                assessment = rules.assess_unit(unit, on=PILOT_DUE)
                assert assessment.is_compliant, (unit.name, assessment.reasons)


def test_city_tiers_are_counted_once():
    """Guard for the fixture itself: no repeated street or township name within a district."""
    for code, places in load_places()["districts"].items():
        names = places["streets"] + places["generated_streets"] + places["townships"] + places["omitted_townships"]
        assert len(names) == len(set(names)), code
        assert not set(places["omitted_townships"]) & {parent for _d, parent, _n in plan_places()}
    assert sum(1 for _ in plan_places()) == 5


def test_unit_names_do_not_repeat_in_the_generated_rows():
    from demo.tree import generated_rows

    rows = generated_rows("city")
    by_code = {r[0]: r for r in rows}
    seen = Counter((r[0][:6], r[1]) for r in rows)
    assert not [k for k, n in seen.items() if n > 1]
    assert len(by_code) == len(rows)
