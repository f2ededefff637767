"""The demo province (seed_demo --scale province): 黑龙江省 above Harbin and the other 12 cities and prefectures.

- The province and its 13 cities and prefectures have their real names and statistical codes
  (fixtures/heilongjiang.json, citing 统计用区划代码 / GB/T 2260).
- Harbin is the city demo exactly as `--scale city` builds it (units, accounts, contacts, congresses,
  rosters, the 2016 returns and the live campaign), with its root below the province.
- The other 12 cities get as many county-level units of each kind (市辖区, 县, 县级市) as in 2016 (from
  the fixture), with generated names and codes, so each city's size follows its real count of districts
  and counties: 齐齐哈尔 (16) and 伊春 (17) are the largest, 七台河 (4) the smallest. Below each of them a
  grassroots layer of PER_DISTRICT: a district about 12 streets of 14 communities and 6 townships of 16
  villages, a county about 22 townships of 16 villages. The absolute size is an assumption, set by issue
  10's "about 600,000 posts" (Harbin ~49,000, the other cities ~550,000) rather than by a census: a
  generated county has more villages than a real one, so that the load and the reports are exercised
  at the size the issue asks for.
- A handful of new-field federations (新领域妇联) with sub-federations in Harbin, after the Tianjin
  2017 report: a 市农业系统妇联 (1 主席, 3 副主席, 20 执委), a 异地商会妇联 with federations in its member
  firms, a 保税区妇联 and a 众创空间妇联 with federations of the firms in it.

Size and time of a fresh `seed_demo --scale province` (2026-11-30, the shared 2-core machine; bench/RESULTS.md):
40,322 units, 551,411 people, 596,580 posts (590,988 held on 2016-08-31), 308,324 certificates;
PostgreSQL 130 s, SQLite 127 s; `check_tree` clean on both. People, posts and certificates go in by COPY
on PostgreSQL and executemany on SQLite (demo/bulk.py), the units by bulk_load_units.

Everything is drawn from seeded generators, so a second run adds nothing.
"""

import datetime
import json
import random
from functools import cache
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from demo import people, tree
from fedorg.dates import DOC_NUMBER_2016
from orgtree import services
from orgtree.models import Contact, Unit, User

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "heilongjiang.json"
PROVINCE_CODE = "23"
HARBIN = tree.CITY_CODE

# The grassroots layer of each generated county-level unit: a district has streets with their
# communities and a few townships, a county or county-level city townships only, each with its villages.
# Each street, township, community and village count is drawn within a quarter either side of these.
# About 280 units and 4,300 posts per district, 370 units and 5,400 posts per county (Harbin: ~170 and ~2,700).
PER_DISTRICT = {"streets": 12, "townships": 6, "county_townships": 22, "communities": 14, "villages": 16}
ORDINALS = "一二三四五六七八九十"

PROVINCE_ACCOUNTS = [
    # username, full name, role, unit code
    ("sheng_admin", "孙桂芝", User.Role.ADMIN, PROVINCE_CODE),
    ("sheng_shenhe", "周玉兰", User.Role.REVIEWER, PROVINCE_CODE),
    ("qqhr_admin", "吴春燕", User.Role.ADMIN, "2302"),
]

# (code, name, kind, parent code, [(role, how many)]): Harbin's new-field federations.
NEW_FIELD = [
    ("2301-01", "哈尔滨市农业系统妇联", Unit.Kind.NF_ORGAN, HARBIN, [("chair", 1), ("vice_chair", 3), ("executive", 20)]),
    ("2301-01-01", "市农业科学院妇联", Unit.Kind.NF_ORGAN, "2301-01", [("chair", 1), ("vice_chair", 2), ("executive", 6)]),
    ("2301-01-02", "市农机推广站妇联", Unit.Kind.NF_ORGAN, "2301-01", [("chair", 1), ("vice_chair", 1), ("executive", 5)]),
    ("2301-01-03", "市种子管理站妇联", Unit.Kind.NF_ORGAN, "2301-01", [("chair", 1), ("vice_chair", 1), ("executive", 4)]),
    ("2301-02", "哈尔滨市福建商会妇联", Unit.Kind.NF_SOCIETY, HARBIN, [("chair", 1), ("vice_chair", 2), ("executive", 9)]),
    ("2301-02-01", "闽龙商贸有限公司妇联", Unit.Kind.NF_ENTERPRISE, "2301-02", [("chair", 1), ("executive", 4)]),
    ("2301-02-02", "榕江食品有限公司妇联", Unit.Kind.NF_ENTERPRISE, "2301-02", [("chair", 1), ("executive", 3)]),
    ("2301-03", "哈尔滨市女企业家协会妇联", Unit.Kind.NF_SOCIETY, HARBIN, [("chair", 1), ("vice_chair", 2), ("executive", 8)]),
    ("230109-01", "哈尔滨综合保税区妇联", Unit.Kind.NF_PARK, "230109", [("chair", 1), ("vice_chair", 3), ("executive", 11)]),
    ("230102001-01", "中央大街众创空间妇联", Unit.Kind.NF_PARK, "230102001", [("chair", 1), ("vice_chair", 2), ("executive", 7)]),
    ("230102001-01-01", "冰城创客科技有限公司妇联", Unit.Kind.NF_ENTERPRISE, "230102001-01", [("chair", 1), ("executive", 3)]),
]  # fmt: skip


@cache
def load_fixture():
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def short_name(name):
    return name.removesuffix("地区").removesuffix("市")


def _ordinal(i):
    """一, 二 … 十, 十一 … 十九 for i = 0, 1 … 18."""
    n = i + 1
    return ORDINALS[n - 1] if n <= 10 else f"十{ORDINALS[n - 11]}"


def city_rows():
    """The province and its 13 cities and prefectures as bulk_load_units rows."""
    data = load_fixture()
    p = data["province"]
    rows = [(p["code"], p["name"], p["kind"], Unit.OrgForm.FEDERATION, False, None)]
    rows += [(c["code"], c["name"], c["kind"], Unit.OrgForm.FEDERATION, False, p["code"]) for c in data["cities"]]
    return rows


def other_cities(only=None):
    """The fixture's cities other than Harbin (or only those whose codes are in `only`)."""
    return [c for c in load_fixture()["cities"] if c["code"] != HARBIN and (only is None or c["code"] in only)]


def generated_city_rows(*, seed="heilongjiang-demo", per_district=None, only=None):
    """County-level units and their grassroots layers for the 12 cities other than Harbin."""
    rng = random.Random(seed)
    per_district = per_district or PER_DISTRICT
    rows = []
    for city in other_cities(only):
        counts = city["county_level_units"]
        short = short_name(city["name"])
        for kind, first, suffix in (("district", 2, "区"), ("county", 21, "县"), ("county_city", 81, "市")):
            for i in range(counts[kind]):
                code = f"{city['code']}{first + i:02d}"
                rows.append((code, f"{short}{_ordinal(i)}{suffix}", kind, Unit.OrgForm.FEDERATION, False, city["code"]))
                rows += _grassroots(rng, code, county=kind != "district", sizes=per_district)
    return rows


def _around(rng, n):
    """n, give or take a quarter."""
    return rng.randint(n - n // 4, n + n // 4)


def _grassroots(rng, district_code, *, county, sizes):
    rows = []
    heads, tails = tree.STREET_HEADS, tree.STREET_TAILS
    names = tree._Names(rng, [h + t for h in heads for t in tails if h != t])
    communities = tree._Names(rng, tree._community_pool(), preferred=tree.COMMUNITY_NAMES)
    villages = tree._Names(rng, tree._village_pool(), preferred=tree.VILLAGE_NAMES)
    n_streets = 0 if county else sizes["streets"]
    n_townships = sizes["county_townships"] if county else sizes["townships"]
    for i in range(n_streets):
        code = f"{district_code}{i + 1:03d}"
        rows.append((code, f"{names.draw()}街道", Unit.Kind.STREET, Unit.OrgForm.FEDERATION, i == 0, district_code))
        for j in range(_around(rng, sizes["communities"])):
            org_form = Unit.OrgForm.FEDERATION if rng.random() < 0.3 else Unit.OrgForm.CONGRESS
            rows.append((f"{code}{j + 1:03d}", f"{communities.draw()}社区", Unit.Kind.COMMUNITY, org_form, False, code))
    for i in range(n_townships):
        code = f"{district_code}{200 + i + 1:03d}"
        name = f"{names.draw()}{'乡' if rng.random() < 0.3 else '镇'}"
        rows.append((code, name, Unit.Kind.TOWNSHIP, Unit.OrgForm.FEDERATION, i == 0 and county, district_code))
        for j in range(_around(rng, sizes["villages"])):
            org_form = Unit.OrgForm.FEDERATION if rng.random() < 0.25 else Unit.OrgForm.CONGRESS
            rows.append((f"{code}{200 + j + 1:03d}", f"{villages.draw()}村", Unit.Kind.VILLAGE, org_form, False, code))
    return rows


@transaction.atomic
def seed_units(*, harbin_scale="city"):
    """The province, its cities and Harbin's layers at `harbin_scale`, in one bulk load.

    A Harbin already seeded as a root (`--scale city` earlier) is moved below the province first.
    """
    created = 0
    if not Unit.objects.filter(code=PROVINCE_CODE).exists():
        created += services.bulk_load_units(rows=city_rows()[:1])
    harbin = Unit.objects.filter(code=HARBIN).first()
    province = Unit.objects.get(code=PROVINCE_CODE)
    if harbin is not None and harbin.parent_id is None:
        services.move_unit(unit=harbin, new_parent=province, actor=None)
    # Harbin's own row is among the province's cities; its districts come from the city fixture.
    harbin_rows = [row for row in tree.fixture_rows() if row[0] != HARBIN]
    created += services.bulk_load_units(rows=city_rows() + harbin_rows + tree.generated_rows(harbin_scale))
    return created


@transaction.atomic
def seed_other_cities(*, per_district=None, only=None):
    """The 12 other cities' county-level units and grassroots layers, in one bulk load."""
    return services.bulk_load_units(rows=generated_city_rows(per_district=per_district, only=only))


def _new_field_units():
    """Harbin's new-field federations, created one by one with the real service (they are few)."""
    made = 0
    for code, name, kind, parent_code, _roles in NEW_FIELD:
        if Unit.objects.filter(code=code).exists():
            continue
        parent = Unit.objects.get(code=parent_code)
        services.create_unit(parent=parent, name=name, code=code, kind=kind, actor=None)
        made += 1
    return made


def seed_accounts():
    units = dict(Unit.objects.filter(code__in=[a[3] for a in PROVINCE_ACCOUNTS]).values_list("code", "pk"))
    made = 0
    for username, full_name, role, code in PROVINCE_ACCOUNTS:
        if User.objects.filter(username=username).exists() or code not in units:
            continue
        user = User(username=username, full_name=full_name, role=role, unit_id=units[code])
        user.set_password(tree.DEMO_PASSWORD)
        user.save()
        made += 1
    return made


def seed_organisation(*, harbin_scale="city", per_district=None, only=None):
    """Units, Harbin's accounts, contacts and congresses as the city demo has them, and the province's accounts.

    `per_district` and `only` (city codes) shrink the other cities, for tests.
    """
    rng = random.Random(f"harbin-people-{harbin_scale}")
    with transaction.atomic():
        units = seed_units(harbin_scale=harbin_scale)
        accounts = tree.seed_accounts() + seed_accounts()
        contacts = tree.seed_contacts(rng=rng)
        congresses = tree.seed_congresses(rng=rng)
        # After the districts' contacts and congresses, which go to every child of Harbin.
        units += _new_field_units()
        # Each new-field unit is inserted one by one (create_unit); an insert shifts the lft and rght of the
        # units after it in Harbin's own nested set, whatever the other cities hold (one set per city).
        units += seed_other_cities(per_district=per_district, only=only)
        contacts += seed_city_contacts()
        _bind_2016_campaign_to_harbin()
    return {"units": units, "accounts": accounts, "contacts": contacts, "congresses": congresses}


# 长途区号 of each city (the province's 附表1 lists an office phone per city federation).
AREA_CODES = {"2301": "0451", "2302": "0452", "2303": "0467", "2304": "0468", "2305": "0469", "2306": "0459",
              "2307": "0458", "2308": "0454", "2309": "0464", "2310": "0453", "2311": "0456", "2312": "0455",
              "2327": "0457"}  # fmt: skip
CITY_LEADER_TITLES = ["{k}妇联主席", "{k}妇联主席", "{k}妇联副主席", "{p}委常委、组织部部长"]
CITY_CONTACT_TITLES = ["{k}妇联组织联络部部长", "{k}妇联组织联络部副部长", "{k}妇联办公室主任"]


def seed_city_contacts():
    """分管领导 and 具体联系人 of each city federation: the rows of the province's 附表1.

    Drawn from a generator of their own, so Harbin's districts draw exactly what the city demo draws.
    """
    rng = random.Random("heilongjiang-city-contacts")
    done = 0
    for city in Unit.objects.filter(parent__code=PROVINCE_CODE).order_by("code"):
        k = city.name  # 哈尔滨市妇联主席, 大兴安岭地区妇联主席; the party committee is 哈尔滨市委, 大兴安岭地委
        p = city.name.removesuffix("地区") + "地" if city.kind == Unit.Kind.PREFECTURE else city.name
        area = AREA_CODES.get(city.code, "0451")
        leader = {
            "name": people.woman_name(rng, rng.randint(1962, 1968)),
            "title": rng.choice(CITY_LEADER_TITLES).format(k=k, p=p),
            "office_phone": f"{area}-{rng.randrange(8200_0000, 8899_9999)}",
            "mobile": people.mobile(rng),
            "email_qq": f"{rng.randrange(10**8, 10**10)}@qq.com",
        }
        contact = {
            "name": people.woman_name(rng, rng.randint(1972, 1990)),
            "title": rng.choice(CITY_CONTACT_TITLES).format(k=k),
            "office_phone": f"{area}-{rng.randrange(8200_0000, 8899_9999)}",
            "mobile": people.mobile(rng),
            "email_qq": f"fl{city.code}@163.com",
        }
        if city.contacts.exists():
            continue
        contacts = {Contact.Role.LEADER: leader, Contact.Role.CONTACT: contact}
        services.update_contacts(unit=city, contacts=contacts, actor=None)
        done += 1
    return done


def _bind_2016_campaign_to_harbin():
    """哈妇发〔2016〕8号 is Harbin's: with other cities in the database it must not ask them for returns."""
    from returns.models import Campaign

    harbin = Unit.objects.get(code=HARBIN)
    Campaign.objects.filter(doc_number=DOC_NUMBER_2016, unit__isnull=True).update(unit=harbin)


def seed_rosters(*, harbin_scale="city", stdout=None, only=None):
    """Harbin's rosters exactly as the city demo's, then each other city's (smaller, each with its own seed),
    then the new-field federations' members."""
    from demo import rosters

    rosters.seed_rosters(scale=harbin_scale, stdout=stdout, city_code=HARBIN)
    for city in other_cities(only):
        if Unit.objects.filter(parent__code=city["code"]).exists():
            rosters.seed_rosters(
                scale="province", stdout=stdout, city_code=city["code"], seed=f"heilongjiang-rosters-{city['code']}"
            )
    _new_field_rosters()


def _new_field_rosters():
    """Members of the new-field federations: 主席, 副主席 and 执委 from 2016-06, as written in NEW_FIELD.

    Like the grassroots demo's people, most have a valid ID number (area of the district the federation
    sits in, or the city's) and a mobile; they serve 兼职 (a system federation's 主席 专职), the 主席 chosen by
    单位推荐 and the others by 单位推荐, 个人自荐 or 群众举荐 (an assumption of the demo, not a figure from the documents)."""
    from members.models import Person, Post
    from members.validators import id_check_char

    units = {u.code: u for u in Unit.objects.filter(code__in=[row[0] for row in NEW_FIELD])}
    if Post.objects.filter(unit__in=units.values()).exists():
        return 0
    rng = random.Random("heilongjiang-new-field")
    from demo import people

    taken = set(Person.objects.exclude(id_number=None).values_list("id_number", flat=True))

    def id_number(area, born):
        for _ in range(50):
            first17 = f"{area}{born:%Y%m%d}{rng.randrange(0, 500) * 2:03d}"  # an even 17th digit: a woman
            number = first17 + id_check_char(first17)
            if number not in taken:
                taken.add(number)
                return number
        return None

    M, W = Post.Mode, Post.Method
    posts = []
    for code, _name, kind, _parent, roles in NEW_FIELD:
        unit = units[code]
        area = code[:6] if code[:6].isdigit() else f"{code[:4]}00"  # 230102001-01 → 230102; 2301-01 → 230100
        for role, n in roles:
            for _ in range(n):
                born = datetime.date(rng.randint(1965, 1992), rng.randint(1, 12), rng.randint(1, 28))
                person = Person.objects.create(
                    name=people.woman_name(rng, born.year),
                    gender=Person.Gender.FEMALE,
                    birth_date=born.replace(day=1),  # 出生年月; the day comes from the ID number (Person.birthday)
                    id_number=id_number(area, born) if rng.random() < 0.93 else None,
                    mobile=people.mobile(rng) if rng.random() < 0.96 else "",
                    ethnicity="01",
                    political_status=rng.choice(["01", "01", "13", "13", "03"]),
                    education=rng.choice(["21", "31", "41", "61"]),
                    workplace_title=f"{unit.name.removesuffix('妇联')}职工",
                )
                start = datetime.date(2016, rng.randint(6, 8), rng.randint(1, 28))
                full_time = role == "chair" and kind == Unit.Kind.NF_ORGAN
                method = W.UNIT if role == "chair" else rng.choice([W.UNIT, W.UNIT, W.SELF, W.MASSES])
                mode = M.FULL_TIME if full_time else M.PART_TIME
                posts.append(Post(person=person, unit=unit, role=role, start_date=start, mode=mode, method=method))
    Post.objects.bulk_create(posts)
    return len(posts)


PROVINCE_DOC_NUMBER = "黑妇发〔{year}〕17号"
PROVINCE_TITLE = "关于报送{year}年全省基层妇联组织建设情况统计表的通知"
PROVINCE_DUE_IN_DAYS = {"1": 10, "4": 24, "5": 24}


def seed_provincial_campaign(*, today=None, stdout=None):
    """A campaign of the province, open now: every district of every city files 附表1, 4 and 5 in the coming weeks,
    so the provincial dashboard has a row per city (issue 10). A second run adds nothing."""
    from returns import services as return_services
    from returns.models import Campaign

    today = today or timezone.localdate()
    doc_number = PROVINCE_DOC_NUMBER.format(year=today.year)
    admin = User.objects.filter(username="sheng_admin", is_active=True).first()
    if admin is None or Campaign.objects.filter(doc_number=doc_number).exists():
        return None
    campaign = return_services.create_campaign(
        actor=admin,
        doc_number=doc_number,
        title=PROVINCE_TITLE.format(year=today.year),
        baseline_date=datetime.date(2016, 6, 2),
        cut_off_date=today.replace(day=1) - datetime.timedelta(days=1),
        due_dates={form: today + datetime.timedelta(days=n) for form, n in PROVINCE_DUE_IN_DAYS.items()},
    )
    if stdout:
        stdout.write(f"报送任务：{doc_number}（{campaign.title}），全省 {campaign.districts().count()} 个区县报送。")
    return campaign
