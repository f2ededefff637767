"""The demo city: Harbin's real district layer plus generated streets, townships, communities
and villages, the demo accounts, district contacts and congresses.

Everything is generated from a seeded random generator, so a second run produces the same
rows and `bulk_load_units` (which skips existing codes) adds nothing. Codes follow the
统计用区划代码 pattern: street 0xx / town 1xx / township 2xx after the district code, and
community 0xx / village 2xx after the street or township code.
"""

import datetime
import json
import random
from functools import cache
from pathlib import Path

from django.conf import settings
from django.db import transaction

from demo import people
from fedorg.dates import CUTOFF_2016
from orgtree import congresses, services
from orgtree.models import Congress, Contact, Unit, User

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "harbin.json"
DEMO_PASSWORD = "fedorg2016"  # noqa: S105 - printed on purpose: these are demo logins
CITY_CODE = "2301"

PLACES = Path(settings.BASE_DIR) / "fixtures" / "harbin_places.json"

# City scale: the Harbin review's counts ("127个街、172个乡(镇)妇联,845个社区、1887个村妇代会", shared/reference/
# harbin-federation-70-years.txt). Streets and townships are those of fixtures/harbin_places.json: the
# compiled real names, plus the generated streets that bring them to the review's 127 (marked there).
CITY_TOTALS = {"community": 845, "village": 1887}

URBAN_CORE = {"230102", "230103", "230104", "230110"}
URBAN_OUTER = {"230108", "230109", "230111", "230112", "230113"}

# Community names: common Harbin ones, then two-character names of the same kind. Drawn without
# repeats inside a district, so no district has two 康乐社区.
STREET_HEADS = list("新和兴安永太长富建民红光胜春华平康宁丰顺通东西南北朝振滨松")
STREET_TAILS = list("阳安华兴平和乐江河山园林桥源城丰发盛明隆")
COMMUNITY_NAMES = [
    "和平", "民主", "友谊", "幸福", "光明", "建设", "红旗", "胜利", "团结", "繁荣", "文化", "新兴", "东风", "阳光",
    "春华", "锦绣", "丽园", "安居", "康乐", "祥和", "福顺", "翠湖", "银河", "枫叶", "桦树", "松花", "滨江", "江畔",
    "花园", "丁香", "玫瑰", "百合", "紫薇", "海棠", "梧桐", "新村", "工人", "铁路", "电业", "学府", "景阳", "永和",
    "兴华", "中山", "哈药", "东安", "西城", "南山", "北岸", "迎宾", "站前", "河图", "群英", "宏伟", "安康", "龙华",
]  # fmt: skip
VILLAGE_SURNAMES = list(
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
VILLAGE_ENDINGS = ["家屯", "家窝堡", "家店", "家岗", "家沟", "家围子"]
VILLAGE_NAMES = [
    "永丰", "红星", "前进", "胜利", "东升", "新立", "长发", "民主", "富强", "团结", "光明", "友好", "双井", "三合",
    "四合", "五星", "六合", "八一", "太平", "庆丰", "兴隆", "永胜", "德胜", "跃进", "建国", "向阳", "红旗", "新华",
    "民乐", "平安", "联合", "先锋", "新发", "长胜", "富民", "保安", "兴旺", "利民",
]  # fmt: skip


@cache
def load_places():
    """The real streets and townships of each district, and the places the 2016 plan names."""
    return json.loads(PLACES.read_text(encoding="utf-8"))


def plan_places():
    """[(district_code, parent name, place name)] that every scale of the demo contains."""
    return [(p["district"], p["parent"], p["name"]) for p in load_places()["plan_places"]]


def street_names(places):
    """A district's streets: the compiled real ones, then the generated ones (codes follow on)."""
    return places["streets"] + places["generated_streets"]


def city_tier3_totals():
    """{"street": n, "township": m} at city scale: every street and township of the fixture."""
    districts = load_places()["districts"].values()
    return {
        "street": sum(len(street_names(d)) for d in districts),
        "township": sum(len(d["townships"]) for d in districts),
    }


def load_fixture():
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def fixture_rows():
    """The city and its 18 districts as bulk_load_units rows."""
    data = load_fixture()
    city = data["city"]
    rows = [(city["code"], city["name"], city["kind"], Unit.OrgForm.FEDERATION, False, None)]
    rows += [(d["code"], d["name"], d["kind"], Unit.OrgForm.FEDERATION, False, city["code"]) for d in data["districts"]]
    return rows


def load_harbin(*, actor=None):
    """Load fixtures/harbin.json through the bulk loader (which rebuilds the tree)."""
    return services.bulk_load_units(rows=fixture_rows(), actor=actor)


def allocate(total, weights, *, minimum, maximum):
    """Split `total` into len(weights) integers in [minimum, maximum], in proportion to weights.

    Seats go one at a time to the largest weight / (count + 1) (D'Hondt), so the result is
    deterministic and sums exactly to `total`.
    """
    counts = [minimum] * len(weights)
    remaining = total - minimum * len(weights)
    if remaining < 0 or total > maximum * len(weights):
        raise ValueError(f"cannot split {total} into {len(weights)} parts of {minimum}..{maximum}")
    for _ in range(remaining):
        best = max(
            (i for i in range(len(weights)) if counts[i] < maximum),
            key=lambda i: weights[i] / (counts[i] + 1),
        )
        counts[best] += 1
    return counts


class _Names:
    """Draws names without repeats inside one scope (a district)."""

    def __init__(self, rng, pool, used=(), preferred=()):
        self.rng = rng
        self.pool = list(dict.fromkeys(pool))
        self.preferred = list(preferred)
        self.used = set(used)

    def draw(self):
        """A common name three times in five while some are left, else any free one."""
        common = [n for n in self.preferred if n not in self.used]
        if common and self.rng.random() < 0.6:
            name = self.rng.choice(common)
        else:
            name = self.rng.choice([n for n in self.pool if n not in self.used])
        self.used.add(name)
        return name


def _village_pool():
    """王家屯-style names and names of the collective era (永丰, 红星 ...), as around Harbin."""
    return [s + e for s in VILLAGE_SURNAMES for e in VILLAGE_ENDINGS] + VILLAGE_NAMES


def _community_pool():
    return COMMUNITY_NAMES + [h + t for h in STREET_HEADS for t in STREET_TAILS if h != t]


def _tier3_units(scale, code, places, required):
    """[(index, name)] of the streets and of the townships a district has at this scale.

    The index keeps a unit's code the same at both scales. The small city has the first one or
    two streets and the first township of each district, plus every parent of a plan place.
    """
    streets = list(enumerate(street_names(places)))
    townships = list(enumerate(places["townships"]))
    if scale == "city":
        return streets, townships
    n_streets = 2 if code in URBAN_CORE else 1
    n_townships = 1 if streets else 2  # a county has no streets: two townships instead
    keep_streets = [s for s in streets if s[0] < n_streets or s[1] in required]
    keep_townships = [t for t in townships if t[0] < n_townships or t[1] in required]
    return keep_streets, keep_townships


def _township_code(district, name, towns, townships):
    """镇 take codes 1xx and 乡 2xx, numbered in the fixture's order within each kind."""
    if name.endswith("镇"):
        return f"{district}{100 + towns.index(name) + 1:03d}"
    return f"{district}{200 + townships.index(name) + 1:03d}"


def generated_rows(scale, *, seed="harbin-demo"):
    """Streets, townships, communities and villages below the 18 districts, as bulk rows."""
    if scale not in ("small", "city"):
        raise ValueError(f"unknown scale {scale!r}")
    rng = random.Random(f"{seed}-{scale}")
    districts = [(d["code"], d["name"], d["kind"]) for d in load_fixture()["districts"]]
    places = load_places()["districts"]
    required = {}
    for district, parent, name in plan_places():
        required.setdefault(district, {}).setdefault(parent, []).append(name)

    tier3 = []  # (code, name, kind, district_code, pilot, weight)
    for district, _name, _kind in districts:
        wanted = required.get(district, {})
        streets, townships = _tier3_units(scale, district, places[district], wanted)
        street_weight = 1.3 if district in URBAN_CORE else 0.9 if district in URBAN_OUTER else 0.6
        village_weight = 0.5 if district in URBAN_CORE else 0.9 if district in URBAN_OUTER else 1.0
        pilot_street = rng.choice(streets)[0] if streets else None
        pilot_township = rng.choice(townships)[0]
        for i, name in streets:
            tier3.append((f"{district}{i + 1:03d}", name, Unit.Kind.STREET, district, i == pilot_street,
                          street_weight * rng.uniform(0.6, 1.4)))  # fmt: skip
        all_names = places[district]["townships"]
        towns = [n for n in all_names if n.endswith("镇")]
        xiang = [n for n in all_names if not n.endswith("镇")]
        for i, name in townships:
            code = _township_code(district, name, towns, xiang)
            tier3.append((code, name, Unit.Kind.TOWNSHIP, district, i == pilot_township,
                          village_weight * rng.uniform(0.6, 1.4)))  # fmt: skip

    streets = [u for u in tier3 if u[2] == Unit.Kind.STREET]
    townships = [u for u in tier3 if u[2] == Unit.Kind.TOWNSHIP]
    if scale == "city":
        communities = allocate(CITY_TOTALS["community"], [u[5] for u in streets], minimum=2, maximum=20)
        villages = allocate(CITY_TOTALS["village"], [u[5] for u in townships], minimum=3, maximum=20)
    else:
        communities = [rng.randint(2, 3) for _ in streets]
        villages = [rng.randint(2, 3) for _ in townships]

    # Names are unique within a district; the plan's places take their names first.
    names_in = {}
    for district, _name, _kind in districts:
        fixed = [n.removesuffix("社区").removesuffix("村") for p in required.get(district, {}).values() for n in p]
        names_in[district] = (
            _Names(rng, _community_pool(), used=fixed, preferred=COMMUNITY_NAMES),
            _Names(rng, _village_pool(), used=fixed, preferred=VILLAGE_NAMES),
        )

    tier4 = []  # (code, name, kind, parent_code)
    for (code, name, _kind, district, _pilot, _w), n in zip(streets, communities, strict=True):
        fixed = required.get(district, {}).get(name, [])
        chosen = fixed + [f"{names_in[district][0].draw()}社区" for _ in range(max(0, n - len(fixed)))]
        tier4 += [(f"{code}{i + 1:03d}", place, Unit.Kind.COMMUNITY, code) for i, place in enumerate(chosen)]
    for (code, name, _kind, district, _pilot, _w), n in zip(townships, villages, strict=True):
        fixed = required.get(district, {}).get(name, [])
        chosen = fixed + [f"{names_in[district][1].draw()}村" for _ in range(max(0, n - len(fixed)))]
        tier4 += [(f"{code}{200 + i + 1:03d}", place, Unit.Kind.VILLAGE, code) for i, place in enumerate(chosen)]

    # Roughly a quarter of the communities and villages have already become 妇联 (会改联).
    federations = set(rng.sample(range(len(tier4)), round(len(tier4) / 4)))
    rows = [(code, name, kind, Unit.OrgForm.FEDERATION, pilot, parent) for code, name, kind, parent, pilot, _w in tier3]
    for i, (code, name, kind, parent) in enumerate(tier4):
        org_form = Unit.OrgForm.FEDERATION if i in federations else Unit.OrgForm.CONGRESS
        rows.append((code, name, kind, org_form, False, parent))
    return rows


# --- accounts, contacts, congresses ------------------------------------------------------

DEMO_ACCOUNTS = [
    # username, full name, role, unit code, what the login is for
    ("shi_admin", "王丽华", User.Role.ADMIN, CITY_CODE),
    ("shi_shenhe", "李淑琴", User.Role.REVIEWER, CITY_CODE),
    ("daoli", "张秀梅", User.Role.STAFF, "230102"),
    ("nangang", "刘艳红", User.Role.STAFF, "230103"),
    ("jiedao", "赵晓燕", User.Role.STAFF, "230102001"),  # 兆麟街道, present at both scales
]

# 附表1: who leads the 妇联 work of a district ({k} is 区, 县 or 市: 县委常委 in a county, never 区委常委).
# A leader titled 妇联主席 or 妇联副主席 holds that post in the roster too (demo/rosters.py).
LEADER_TITLES = ["{k}妇联主席", "{k}妇联主席", "{k}妇联副主席", "{k}委副书记", "{k}委常委、组织部部长",
                 "{k}委常委、统战部部长"]  # fmt: skip
CONTACT_TITLES = ["{k}妇联组织联络部部长", "{k}妇联办公室主任", "{k}妇联组织联络部干事", "{k}妇联组织联络部副部长"]
SURNAMES = sorted(set(people.SURNAMES))
# Accounts created outside a people generator (the demo logins' own names are fixed above).
GIVEN = people.GIVEN_BY_DECADE[1970] + people.GIVEN_BY_DECADE[1980]
# The one district whose 具体联系人 is left blank, so that 附表1 shows a visible fault.
DISTRICT_WITHOUT_CONTACT = "230127"  # 木兰县


def seed_accounts(*, stdout=None):
    """Create the demo logins that do not exist yet; existing ones are left untouched."""
    units = dict(Unit.objects.filter(code__in=[a[3] for a in DEMO_ACCOUNTS]).values_list("code", "pk"))
    created = 0
    for username, full_name, role, code in DEMO_ACCOUNTS:
        if User.objects.filter(username=username).exists() or code not in units:
            continue
        user = User(username=username, full_name=full_name, role=role, unit_id=units[code])
        user.set_password(DEMO_PASSWORD)
        user.save()
        created += 1
    return created


def _phone(rng):
    return people.mobile(rng)


def seed_contacts(*, rng):
    """分管领导 and 具体联系人 for every district that has none yet (one district left blank)."""
    districts = Unit.objects.filter(parent__code=CITY_CODE).order_by("code")
    with_contacts = set(Contact.objects.filter(unit__in=districts).values_list("unit_id", flat=True))
    done = 0
    for district in districts:
        # Draw for every district so that the values do not depend on which ones already exist.
        k = people.suffix(district.name)
        leader = {
            "name": people.woman_name(rng, rng.randint(1962, 1968)),
            "title": rng.choice(LEADER_TITLES).format(k=k),
            "office_phone": f"0451-{rng.randrange(8200_0000, 8899_9999)}",
            "mobile": _phone(rng),
            "email_qq": f"{rng.randrange(10**8, 10**10)}@qq.com",
        }
        contact = {
            "name": people.woman_name(rng, rng.randint(1972, 1990)),
            "title": rng.choice(CONTACT_TITLES).format(k=k),
            "office_phone": f"0451-{rng.randrange(8200_0000, 8899_9999)}",
            "mobile": _phone(rng),
            "email_qq": f"hrb{district.code[-3:]}fl@163.com",
        }
        if district.pk in with_contacts:
            continue
        contacts = {Contact.Role.LEADER: leader}
        if district.code != DISTRICT_WITHOUT_CONTACT:
            contacts[Contact.Role.CONTACT] = contact
        services.update_contacts(unit=district, contacts=contacts, actor=None)
        done += 1
    return done


def seed_congresses(*, rng):
    """The current 届 of every district (held 2011–2013 for five years, so some have expired by 2016-08-31),
    and the 换届 of a share of the streets, townships, communities and villages below them, all recorded
    through orgtree.congresses as a clerk records them (issue 23). A unit that has a congress already is left
    as it is, so a second run adds nothing."""
    districts = Unit.objects.filter(parent__code=CITY_CODE).order_by("code")
    existing = set(Congress.objects.filter(unit__in=districts).values_list("unit_id", flat=True))
    created = 0
    for district in districts:
        number = rng.randint(11, 16)
        held_on = datetime.date(rng.choice([2011, 2011, 2012, 2012, 2013]), rng.randint(3, 11), rng.randint(1, 28))
        expires_on = held_on.replace(year=held_on.year + 5)
        expired = expires_on <= CUTOFF_2016
        next_planned_on = datetime.date(2016 if expired else expires_on.year, 11 if expired else expires_on.month, 1)
        if district.pk not in existing:
            data = {"number": number, "held_on": held_on, "term_years": 5, "expires_on": expires_on,
                    "next_planned_on": next_planned_on}  # fmt: skip
            created += congresses.record_congress(unit=district, data=data, actor=None)[1]
    return created + seed_grassroots_congresses()


# Of the units below the districts, these shares have their 换届 on record in the demo: a clerk records her
# own unit's congresses as the year goes on, and not every unit has yet.
GRASSROOTS_CONGRESS_SHARE = {3: 0.3, 4: 0.1}
LATE_REASON = "村（社区）“两委”换届推迟，妇代会随之延期换届。"
EARLY_REASON = "乡镇（街道）区划调整，提前换届。"


def _elected(rng, unit):
    """Delegates by category and the committee elected, in the ranges of the 2016 plan's quotas."""
    total = rng.randint(40, 80) if unit.tier == 3 else rng.randint(15, 40)
    executives = (
        rng.randint(25, 35) if unit.tier == 3 else rng.randint(7, 13) if unit.is_congress else rng.randint(15, 25)
    )
    return {
        "delegates_total": total,
        "delegates_women_workers": round(total * rng.uniform(0.1, 0.3)),
        "delegates_frontline": round(total * rng.uniform(0.4, 0.7)),
        "delegates_party": round(total * rng.uniform(0.3, 0.6)),
        "delegates_minority": round(total * rng.uniform(0.0, 0.08)),
        "delegates_young": round(total * rng.uniform(0.1, 0.3)),
        "executives_elected": executives,
        "standing_elected": None if unit.is_congress else rng.randint(5, 9),
        "vice_chairs_elected": 2,
    }


def seed_grassroots_congresses():
    """Streets and townships: the 届 held in 2011–2012 and, for most, its successor 5 years on. Communities and
    villages: 3-year terms, 2011 and 2014 with the village two committees; a few 换届 were held late or early,
    with the reason the service asks for. Its own random stream, so the districts' figures stay as they were."""
    rng = random.Random("harbin-congresses")
    units = list(
        Unit.objects.filter(kind__in=[*Unit.KINDS_BY_TIER[3], *Unit.KINDS_BY_TIER[4]])
        .filter(tree_id__in=Unit.objects.filter(code=CITY_CODE).values("tree_id"))
        .order_by("code")
    )
    # Every unit draws from the stream whether or not it is written, so a second run draws the same numbers.
    recorded = set(Congress.objects.filter(unit__in=units).values_list("unit_id", flat=True))
    created = 0
    for unit in units:
        tier = unit.tier
        if tier not in GRASSROOTS_CONGRESS_SHARE or rng.random() >= GRASSROOTS_CONGRESS_SHARE[tier]:
            continue
        years = 5 if tier == 3 else 3
        first = rng.randint(1, 8)
        held = datetime.date(rng.choice([2011, 2012]) if tier == 3 else 2011, rng.randint(3, 10), rng.randint(1, 28))
        plan = [({"number": first, "held_on": held, "term_years": years}, "")]
        due = held.replace(year=held.year + years)
        if due <= CUTOFF_2016 + datetime.timedelta(days=90):
            draw = rng.random()
            if draw < 0.08:
                again, reason = congresses.add_months(due, rng.randint(5, 9)), LATE_REASON
            elif draw < 0.12 and tier == 3:
                again, reason = congresses.add_months(due, -rng.randint(5, 9)), EARLY_REASON
            else:
                again, reason = congresses.add_months(due, rng.randint(-2, 2)), ""
            if again <= CUTOFF_2016:
                plan.append(({"number": first + 1, "held_on": again, "term_years": years}, reason))
        plan[-1][0].update(_elected(rng, unit))
        if unit.pk in recorded:
            continue
        for data, reason in plan:
            created += congresses.record_congress(unit=unit, data={**data, "timing_reason": reason}, actor=None)[1]
    return created


@transaction.atomic
def seed_units(*, scale):
    """The city, its districts and the generated tiers below, in one bulk load (one rebuild)."""
    return services.bulk_load_units(rows=fixture_rows() + generated_rows(scale))


@transaction.atomic
def seed_organisation(*, scale):
    """Units, accounts, contacts and congresses; returns what was created."""
    rng = random.Random(f"harbin-people-{scale}")
    return {
        "units": seed_units(scale=scale),
        "accounts": seed_accounts(),
        "contacts": seed_contacts(rng=rng),
        "congresses": seed_congresses(rng=rng),
    }


def demo_logins():
    """(username, password, role label, unit name) of every active account that has a unit.

    The fixed demo logins come first, then the district filers seed_demo created, by unit code.
    All share the demo password.
    """
    fixed = [a[0] for a in DEMO_ACCOUNTS]
    users = User.objects.filter(is_active=True, unit__isnull=False).select_related("unit")
    ordered = sorted(
        users, key=lambda u: (u.username not in fixed, fixed.index(u.username) if u.username in fixed else 0,
                              u.unit.code, u.username)
    )  # fmt: skip
    return [(u.username, DEMO_PASSWORD, u.get_role_display(), u.unit.name) for u in ordered]
