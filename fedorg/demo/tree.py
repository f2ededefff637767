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
from pathlib import Path

from django.conf import settings
from django.db import transaction

from fedorg.dates import CUTOFF_2016
from orgtree import services
from orgtree.models import Congress, Contact, Unit, User

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "harbin.json"
DEMO_PASSWORD = "fedorg2016"  # noqa: S105 - printed on purpose: these are demo logins
CITY_CODE = "2301"

# City scale: the exact totals the demo promises (issue 2).
CITY_TOTALS = {"street": 127, "township": 172, "community": 845, "village": 1887}

# (streets, townships) per district at city scale; sums are 127 and 172. Urban districts get
# mostly streets, counties mostly townships, and every district at least one of each so that
# each has a pilot street and a pilot township.
CITY_PLAN = {
    "230102": (18, 4),  # 道里区
    "230103": (18, 1),  # 南岗区
    "230104": (22, 3),  # 道外区
    "230108": (6, 2),  # 平房区
    "230109": (4, 4),  # 松北区
    "230110": (19, 4),  # 香坊区
    "230111": (7, 11),  # 呼兰区
    "230112": (9, 9),  # 阿城区
    "230113": (5, 20),  # 双城区
    "230123": (2, 9),  # 依兰县
    "230124": (2, 8),  # 方正县
    "230125": (2, 16),  # 宾县
    "230126": (2, 18),  # 巴彦县
    "230127": (2, 8),  # 木兰县
    "230128": (2, 8),  # 通河县
    "230129": (2, 9),  # 延寿县
    "230183": (3, 17),  # 尚志市
    "230184": (2, 21),  # 五常市
}
URBAN_CORE = {"230102", "230103", "230104", "230110"}
URBAN_OUTER = {"230108", "230109", "230111", "230112", "230113"}

# Street names of the two districts that have demo staff accounts are the real ones.
REAL_STREETS = {
    "230102": ["兆麟", "尚志", "新阳路", "抚顺", "共乐", "新华", "城乡路", "工农", "安静", "通江", "经纬", "建国",
               "正阳河", "安和", "群力", "康安", "友谊", "太平"],
    "230103": ["花园", "大成", "七政", "奋斗路", "革新", "文化", "荣市", "燎原", "和兴路", "哈西", "保健路", "护军",
               "曲线", "通达", "先锋路", "新春", "跃进", "芦家"],
}  # fmt: skip
STREET_HEADS = list("新和兴安永太长富建民红光胜春华平康宁丰顺通东西南北朝振滨松")
STREET_TAILS = list("阳安华兴平和乐江河山园林桥源城丰发盛明隆")
TOWN_HEADS = list("新永太长富红光胜民兴安宝金庆福德双五三杏榆柳松兰莲团保青白大前后东西南北")
TOWN_TAILS = list("发和平山河源兴丰安宁阳泉沟屯店甸岭林")
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
    "民乐", "平安", "联合", "先锋", "新发", "长胜", "富民", "保安", "兴旺",
]  # fmt: skip


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
    """Draws names without repeats inside one scope (city-wide for tier 3, per parent for tier 4)."""

    def __init__(self, rng, pool):
        self.rng = rng
        self.pool = list(pool)
        self.used = set()

    def draw(self):
        free = [n for n in self.pool if n not in self.used]
        name = self.rng.choice(free)
        self.used.add(name)
        return name


def _village_pool(rng):
    """Half 王家屯-style names, half names of the collective era (永丰, 红星 ...), as around Harbin."""
    family = [s + e for s in VILLAGE_SURNAMES for e in VILLAGE_ENDINGS]
    return rng.sample(family, len(VILLAGE_NAMES)) + VILLAGE_NAMES


def _tier3_plan(scale, districts):
    """[(district_code, streets, townships)] for the chosen scale."""
    if scale == "city":
        return [(code, *CITY_PLAN[code]) for code, _name, _kind in districts]
    return [(code, 2 if code in URBAN_CORE else 1, 1) for code, _name, _kind in districts]


def generated_rows(scale, *, seed="harbin-demo"):
    """Streets, townships, communities and villages below the 18 districts, as bulk rows."""
    if scale not in ("small", "city"):
        raise ValueError(f"unknown scale {scale!r}")
    rng = random.Random(f"{seed}-{scale}")
    districts = [(d["code"], d["name"], d["kind"]) for d in load_fixture()["districts"]]
    street_names = _Names(rng, [h + t for h in STREET_HEADS for t in STREET_TAILS])
    town_names = _Names(rng, [h + t for h in TOWN_HEADS for t in TOWN_TAILS])
    for names in REAL_STREETS.values():
        street_names.used.update(names)

    tier3 = []  # (code, name, kind, district_code, weight)
    for district, n_streets, n_townships in _tier3_plan(scale, districts):
        real = REAL_STREETS.get(district, [])
        pilot_street = rng.randrange(n_streets)
        pilot_township = rng.randrange(n_townships)
        street_weight = 1.3 if district in URBAN_CORE else 0.9 if district in URBAN_OUTER else 0.6
        village_weight = 0.5 if district in URBAN_CORE else 0.9 if district in URBAN_OUTER else 1.0
        for i in range(n_streets):
            base = real[i] if i < len(real) else street_names.draw()
            name = f"{base}街道"
            tier3.append((f"{district}{i + 1:03d}", name, Unit.Kind.STREET, district, i == pilot_street,
                          street_weight * rng.uniform(0.6, 1.4)))  # fmt: skip
        towns = 0
        for i in range(n_townships):
            # About three in five are 镇 (code 1xx), the rest 乡 (code 2xx).
            if rng.random() < 0.6:
                code, name = f"{district}{100 + towns + 1:03d}", f"{town_names.draw()}镇"
                towns += 1
            else:
                code, name = f"{district}{200 + i - towns + 1:03d}", f"{town_names.draw()}乡"
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

    tier4 = []  # (code, name, kind, parent_code)
    for street, n in zip(streets, communities, strict=True):
        names = _Names(rng, COMMUNITY_NAMES)
        tier4 += [(f"{street[0]}{i + 1:03d}", f"{names.draw()}社区", Unit.Kind.COMMUNITY, street[0]) for i in range(n)]
    for township, n in zip(townships, villages, strict=True):
        names = _Names(rng, _village_pool(rng))
        tier4 += [
            (f"{township[0]}{200 + i + 1:03d}", f"{names.draw()}村", Unit.Kind.VILLAGE, township[0]) for i in range(n)
        ]

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

LEADER_TITLES = ["区妇联主席", "区妇联副主席", "区委常委、宣传部长"]
CONTACT_TITLES = ["区妇联组织部部长", "区妇联办公室主任", "区妇联组织联络部干事"]
SURNAMES = list(
    "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = ["秀梅", "丽华", "淑琴", "桂兰", "玉兰", "秀英", "桂芝", "凤霞", "红梅", "海燕", "晓燕", "艳红", "丽娟", "春梅",
         "雪梅", "慧敏", "静", "敏", "丹", "颖", "艳", "娜", "婷婷", "晓丽", "玉梅", "淑华", "凤英", "金凤", "亚琴", "宏"]  # fmt: skip
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
    return f"1{rng.choice('358')}{rng.randrange(10**9):09d}"


def seed_contacts(*, rng):
    """分管领导 and 具体联系人 for every district that has none yet (one district left blank)."""
    districts = Unit.objects.filter(parent__code=CITY_CODE).order_by("code")
    with_contacts = set(Contact.objects.filter(unit__in=districts).values_list("unit_id", flat=True))
    done = 0
    for district in districts:
        # Draw for every district so that the values do not depend on which ones already exist.
        leader = {
            "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
            "title": rng.choice(LEADER_TITLES),
            "office_phone": f"0451-{rng.randrange(8200_0000, 8899_9999)}",
            "mobile": _phone(rng),
            "email_qq": f"{rng.randrange(10**8, 10**10)}@qq.com",
        }
        contact = {
            "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
            "title": rng.choice(CONTACT_TITLES),
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
    """The current 届 of every district: held 2011–2013 for five years, so some have expired by 2016-08-31."""
    districts = Unit.objects.filter(parent__code=CITY_CODE).order_by("code")
    existing = set(Congress.objects.filter(unit__in=districts).values_list("unit_id", flat=True))
    new = []
    for district in districts:
        number = rng.randint(11, 16)
        held_on = datetime.date(rng.choice([2011, 2011, 2012, 2012, 2013]), rng.randint(3, 11), rng.randint(1, 28))
        expires_on = held_on.replace(year=held_on.year + 5)
        expired = expires_on <= CUTOFF_2016
        next_planned_on = datetime.date(2016 if expired else expires_on.year, 11 if expired else expires_on.month, 1)
        if district.pk not in existing:
            new.append(
                Congress(
                    unit=district,
                    number=number,
                    held_on=held_on,
                    term_years=5,
                    expires_on=expires_on,
                    next_planned_on=next_planned_on,
                )
            )
    Congress.objects.bulk_create(new)
    return len(new)


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
    """(username, password, role label, unit name) of the demo accounts that exist."""
    users = {
        u.username: u for u in User.objects.filter(username__in=[a[0] for a in DEMO_ACCOUNTS]).select_related("unit")
    }
    return [
        (username, DEMO_PASSWORD, users[username].get_role_display(), users[username].unit.name)
        for username, *_ in DEMO_ACCOUNTS
        if username in users
    ]
