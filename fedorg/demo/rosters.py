"""Demo rosters for the demo city (called at the end of `manage.py seed_demo`).

About 50,000 current posts at city scale on the 2016-08-31 cut-off: a core that held office
before the 2016-06-02 baseline and members appointed during the expansion, some ended posts
so that history exists, about nine units in ten 达标, and deliberate faults (too few members,
no 主席, a single 副主席, heads missing from their street/township 妇联) so that the
compliance page and the returns have something to show.

People and posts are written with bulk_create: they are not tree fields, and one insert per
row would take minutes. Everything is drawn from a seeded generator, so runs are repeatable.
"""

import datetime
import random
from functools import cache

from django.db import transaction

from fedorg.dates import BASELINE_2016, CUTOFF_2016
from members import certificates
from members.models import Certificate, CertificateCounter, Person, Post, pinyin_initials
from members.validators import id_check_char
from orgtree.models import Congress, Contact, Unit

BASELINE, CUTOFF = BASELINE_2016, CUTOFF_2016
EXPANSION_START = BASELINE + datetime.timedelta(days=1)

R = Post.Role
M = Post.Mode
W = Post.Method
T = Post.TwoCommittees

# Surnames weighted roughly by frequency in Heilongjiang; given names typical of women born 1951–1994.
SURNAMES = (
    "王" * 8 + "李" * 8 + "张" * 8 + "刘" * 7 + "陈" * 4 + "杨" * 4 + "赵" * 4 + "孙" * 4 + "于" * 3 + "徐" * 3
    + "高" * 3 + "马" * 3 + "周" * 2 + "吴" * 2 + "郭" * 2 + "朱" * 2 + "胡" * 2 + "林" * 2 + "何" * 2 + "曲" * 2
    + "姜" * 2 + "董" * 2 + "韩" * 2 + "崔" * 2 + "宋" * 2 + "丁" * 2 + "邹" + "吕" + "苏" + "郑" + "谢" + "唐"
    + "冯" + "邓" + "曹" + "许" + "程" + "沈" + "姚" + "卢" + "范" + "石" + "廖" + "贾" + "夏" + "付" + "方" + "白"
    + "孟" + "秦" + "邱" + "尹" + "薛" + "闫" + "段" + "侯" + "史" + "郝" + "顾" + "毛" + "邵" + "万" + "武" + "乔"
    + "谭" + "葛" + "鲁" + "耿" + "隋" + "庞" + "关" + "佟" + "那" + "常"
)  # fmt: skip
GIVEN_ONE = list("静敏丽艳娟霞红梅燕玲芳萍颖丹洁琳慧婷瑶雪薇娜璐倩欣悦")
GIVEN_TWO = [
    "秀梅", "丽华", "淑琴", "桂兰", "玉兰", "秀英", "桂芝", "凤霞", "红梅", "海燕", "晓燕", "艳红", "丽娟", "春梅",
    "雪梅", "慧敏", "晓丽", "玉梅", "淑华", "凤英", "金凤", "亚琴", "玉芬", "淑兰", "秀兰", "桂香", "春燕", "冬梅",
    "秋菊", "晓红", "丽萍", "艳玲", "海英", "玉霞", "淑珍", "凤琴", "丽丽", "晓梅", "雅琴", "婷婷", "佳慧", "思雨",
    "欣怡", "梦瑶", "雨萱", "晓雪", "美玲", "宏伟", "建华", "志强", "国庆", "立新",
]  # fmt: skip
MALE_GIVEN = ["建国", "志刚", "国庆", "立新", "宏伟", "振华", "海涛", "俊峰"]
# Mongolian and Uyghur names written in full with the middle dot, as on their ID cards.
DOTTED_NAMES = [
    ("02", "乌云·其其格"), ("02", "娜仁·托雅"), ("02", "萨仁·高娃"), ("02", "阿拉坦·其木格"),
    ("05", "阿依古丽·买买提"), ("05", "古丽娜尔·艾力"),
]  # fmt: skip
KOREAN_SURNAMES = list("金朴崔李郑姜")
MANCHU_SURNAMES = list("关佟那赵金富")


def _weighted(rng, table):
    """table: [(value, weight), ...]."""
    values, weights = zip(*table, strict=True)
    return rng.choices(values, weights)[0]


ETHNICITY = [("01", 88), ("11", 6), ("03", 2), ("10", 2), ("02", 1.5), ("05", 0.5)]
EDUCATION = {
    "district": [("14", 12), ("21", 50), ("31", 25), ("41", 5), ("61", 8)],
    "tier3": [("14", 3), ("21", 35), ("31", 35), ("41", 10), ("61", 12), ("71", 5)],
    "community": [("21", 18), ("31", 32), ("41", 12), ("44", 4), ("61", 20), ("71", 14)],
    "village": [("21", 4), ("31", 14), ("41", 10), ("47", 3), ("61", 27), ("71", 38), ("81", 4)],
}
POLITICAL = {
    "district": [("01", 55), ("02", 2), ("03", 3), ("05", 3), ("06", 2), ("07", 2), ("10", 1), ("12", 2), ("13", 30)],
    "tier3": [("01", 45), ("02", 3), ("03", 6), ("04", 1), ("05", 1), ("13", 44)],
    "community": [("01", 33), ("02", 3), ("03", 9), ("06", 1), ("13", 54)],
    "village": [("01", 28), ("02", 2), ("03", 7), ("13", 63)],
}
SOURCE = {
    "tier3": [("09", 35), ("06", 20), ("04", 10), ("05", 10), ("03", 10), ("08", 10), ("99", 5)],
    "community": [
        ("01", 25),
        ("02", 20),
        ("04", 5),
        ("05", 5),
        ("06", 10),
        ("07", 15),
        ("08", 10),
        ("09", 5),
        ("99", 5),
    ],
    "village": [
        ("03", 30),
        ("01", 10),
        ("02", 5),
        ("05", 10),
        ("06", 5),
        ("07", 15),
        ("08", 10),
        ("09", 5),
        ("99", 10),
    ],
}
NEW_MODE = [(M.PART_TIME, 70), (M.VOLUNTEER, 20), (M.FULL_TIME, 5), (M.SECONDED, 5)]
NEW_METHOD = [(W.SELF, 25), (W.MASSES, 30), (W.UNIT, 30), (W.DIRECT, 15)]
HEAD_TWO_COMMITTEES = [(T.BOTH, 30), (T.COMMITTEE, 25), (T.BRANCH, 15), (T.NONE, 30)]
SECTORS = [
    "妇女界",
    "教育界",
    "医疗卫生界",
    "经济界",
    "农业界",
    "科技界",
    "文化艺术界",
    "社会福利界",
    "法律界",
    "基层社区",
]
END_REASONS = ["工作调动", "退休", "本人辞职", "换届离任", "迁居外地"]
WORKPLACES = {
    "district": [
        "{d}教育局副局长", "{d}人民医院护士长", "{d}第一中学副校长", "{d}民政局科长", "{d}人民法院审判员",
        "{d}妇幼保健院院长", "{d}文化馆馆长", "{d}农业技术推广中心站长", "哈尔滨{co}有限公司总经理",
        "{d}实验小学教师", "{d}工商联副主席", "{d}律师事务所律师",
    ],
    "tier3": [
        "{u}党工委委员", "{u}社区服务中心主任", "{u}办事处科员", "{u}卫生院院长", "{u}中心小学校长",
        "{u}综合文化站站长", "{u}司法所所长", "哈尔滨{co}有限公司办公室主任",
    ],
    "community": [
        "{u}居委会委员", "{u}党委委员", "{u}网格员", "{u}{n}号楼楼栋长", "{u}志愿服务队队长", "退休教师",
        "{co}超市店长", "{u}幼儿园园长", "个体经营者",
    ],
    "village": [
        "{u}村委会委员", "{u}村民", "{u}{co}种植合作社理事长", "{u}卫生室村医", "{u}小学教师", "{u}村民小组长",
        "{u}养殖户", "{u}农家乐经营者",
    ],
}  # fmt: skip
COMPANIES = ["鑫源", "华信", "龙江", "天鹅", "冰城", "松花江", "北方", "金谷", "绿源", "丰禾"]

TIER3_RANGE = (25, 35)
VILLAGE_FEDERATION_RANGE = (15, 25)
VILLAGE_CONGRESS_RANGE = (7, 13)
FAULT_SHARE = 0.10  # about one unit in ten is 未达标 on purpose
CROSS_LEVEL_SHARE = 0.06  # heads who do not sit in their street/township 妇联


def _random_date(rng, start, end):
    return start + datetime.timedelta(days=rng.randrange((end - start).days + 1))


@cache
def _initials(name):
    return pinyin_initials(name)


class RosterBuilder:
    """Collects Person and Post rows in memory, then writes them with two bulk inserts."""

    def __init__(self, rng):
        self.rng = rng
        self.people = []
        self.posts = []
        self.certified = []  # (post, issued_on) to number from the certificate register
        self.ids = set(Person.objects.exclude(id_number=None).values_list("id_number", flat=True))

    # --- people --------------------------------------------------------------------------

    def _name(self, ethnicity, gender):
        rng = self.rng
        if gender == Person.Gender.MALE:
            return rng.choice(SURNAMES) + rng.choice(MALE_GIVEN)
        if ethnicity in ("02", "05"):
            dotted = [name for code, name in DOTTED_NAMES if code == ethnicity]
            if rng.random() < 0.6:
                return rng.choice(dotted)
        surname = {"10": KOREAN_SURNAMES, "11": MANCHU_SURNAMES}.get(ethnicity, SURNAMES)
        given = rng.choice(GIVEN_ONE) if rng.random() < 0.3 else rng.choice(GIVEN_TWO)
        return rng.choice(surname) + given

    def _id_number(self, area, born, gender):
        for _ in range(50):
            seq = self.rng.randrange(0, 500) * 2 + (1 if gender == Person.Gender.MALE else 0)
            first17 = f"{area}{born:%Y%m%d}{seq:03d}"
            number = first17 + id_check_char(first17)
            if number not in self.ids:
                self.ids.add(number)
                return number
        return None

    def person(self, *, level, unit, area, age=(22, 65, 45), source="99", frontline=None, women_worker=False):
        """A new person for a post in `unit`; `level` picks the spreads (district/tier3/community/village)."""
        rng = self.rng
        ethnicity = _weighted(rng, ETHNICITY)
        gender = Person.Gender.MALE if rng.random() < 0.04 else Person.Gender.FEMALE
        name = self._name(ethnicity, gender)
        years = round(rng.triangular(*age))
        born = datetime.date(CUTOFF.year - years - 1, rng.randint(1, 12), rng.randint(1, 28))
        if (born.month, born.day) <= (CUTOFF.month, CUTOFF.day):
            born = born.replace(year=born.year + 1)
        political = _weighted(rng, POLITICAL[level])
        if political == "03" and years > 28:  # 共青团员 are young
            political = "13"
        template = rng.choice(WORKPLACES[level])
        workplace = template.format(d=area_name(unit), u=unit.name, co=rng.choice(COMPANIES), n=rng.randint(1, 30))
        person = Person(
            name=name,
            gender=gender,
            ethnicity=ethnicity,
            birth_date=born.replace(day=1),
            # A few people never gave their ID number: the field is optional.
            id_number=self._id_number(area, born, gender) if rng.random() < 0.93 else None,
            political_status=political,
            education=_weighted(rng, EDUCATION[level]),
            workplace_title=workplace,
            mobile=f"1{rng.choice('35789')}{rng.randrange(10**9):09d}" if rng.random() < 0.96 else "",
            source=source,
            sector=rng.choice(SECTORS) if level == "district" else "",
            is_frontline=(rng.random() < 0.85) if frontline is None else frontline,
            is_women_worker=women_worker,
            name_initials=_initials(name),
        )
        self.people.append(person)
        return person

    # --- posts ---------------------------------------------------------------------------

    def post(self, person, unit, role, start, *, mode=M.PART_TIME, method=W.UNIT, end=None, term=None, **extra):
        certified_on = extra.pop("certified_on", None)
        post = Post(person=person, unit=unit, role=role, mode=mode, method=method, start_date=start, end_date=end,
                    term=term, end_reason=extra.pop("end_reason", ""), **extra)  # fmt: skip
        self.posts.append(post)
        if certified_on is not None:
            self.certified.append((post, certified_on))

    def core_start(self):
        return _random_date(self.rng, datetime.date(2011, 3, 1), datetime.date(2015, 12, 31))

    def new_start(self):
        return _random_date(self.rng, EXPANSION_START, CUTOFF)

    def certificate(self, unit, start):
        """Mark the post for a certificate from the register, issued on its start date."""
        return {"certified_on": start}

    def write(self):
        Person.objects.bulk_create(self.people, batch_size=2000)
        Post.objects.bulk_create(self.posts, batch_size=2000)
        self.write_certificates()
        return len(self.people), len(self.posts)

    def write_certificates(self):
        """Number the marked posts as members.certificates does: per issuing unit and year, no gaps."""
        last_seq = {}
        rows = []
        for post, issued_on in sorted(self.certified, key=lambda pc: (pc[1], pc[0].pk)):
            if not certificates.is_eligible(post):
                continue
            issuer = certificates.issuing_unit_for(post.unit)
            key = (issuer.pk, issued_on.year)
            last_seq[key] = seq = last_seq.get(key, 0) + 1
            rows.append(
                Certificate(
                    post=post, kind=certificates.kind_for(post), issuing_unit=issuer, year=issued_on.year, seq=seq,
                    number=f"{issued_on.year}-{issuer.code}-{seq:04d}", issued_on=issued_on,
                )
            )  # fmt: skip
        Certificate.objects.bulk_create(rows, batch_size=2000)
        CertificateCounter.objects.bulk_create(
            [CertificateCounter(issuing_unit_id=u, year=y, last_seq=n) for (u, y), n in last_seq.items()]
        )


def area_name(unit):
    return getattr(unit, "district_name", unit.name)


def _plan_faults(rng, units, share):
    """{unit_id: fault} for about `share` of `units`, each fault kind used at least once."""
    count = max(3, round(len(units) * share))
    chosen = rng.sample(units, min(count, len(units)))
    kinds = ["too_few", "no_head", "one_vice"]
    return {unit.pk: kinds[i % len(kinds)] for i, unit in enumerate(chosen)}


def _role_counts(total, fault, *, head=True):
    """(heads, vices, members) for a unit of `total` members with an optional deliberate fault."""
    if fault == "no_head":
        return 0, 2, total - 2
    if fault == "one_vice":
        return 1, 1, total - 2
    return (1 if head else 0), 2, total - 3


def _seat_unit(b, unit, level, *, total, fault, roles, area, extra_vice=False):
    """Fill one tier-3 or tier-4 unit; returns the head Person (or None) for the cross-level rule."""
    rng = b.rng
    head_role, vice_role, member_role = roles
    heads, vices, members = _role_counts(total, fault)
    if extra_vice and fault is None:  # a third vice-chair is a notice, not a fault
        vices, members = 3, members - 1
    head = None
    for _ in range(heads):
        head = b.person(level=level, unit=unit, area=area, age=(32, 60, 47), women_worker=level == "tier3",
                        source=_weighted(rng, SOURCE[level]))  # fmt: skip
        start = b.core_start()
        extra = {"two_committees": _weighted(rng, HEAD_TWO_COMMITTEES)} if level != "tier3" else {}
        mode = M.FULL_TIME if level == "tier3" else M.PART_TIME
        b.post(head, unit, head_role, start, mode=mode, method=W.UNIT, **extra, **b.certificate(unit, start))
    for i in range(vices):
        person = b.person(level=level, unit=unit, area=area, age=(28, 58, 44), source=_weighted(rng, SOURCE[level]))
        # Most vice-chairs predate the plan; one in six was appointed during the expansion.
        start = b.new_start() if rng.random() < 1 / 6 else b.core_start()
        two = T.COMMITTEE if level != "tier3" and i == 0 and rng.random() < 0.3 else T.NONE
        b.post(person, unit, vice_role, start, mode=M.PART_TIME, method=_weighted(rng, NEW_METHOD), two_committees=two)
    core_share = 0.4 if level == "tier3" else 0.3
    for _ in range(members):
        core = rng.random() < core_share
        mode = M.PART_TIME if core else _weighted(rng, NEW_MODE)
        source = _weighted(rng, SOURCE[level]) if mode == M.PART_TIME else "99"
        person = b.person(level=level, unit=unit, area=area, source=source)
        start = b.core_start() if core else b.new_start()
        cert = b.certificate(unit, start) if not core else {}
        b.post(person, unit, member_role, start, mode=mode, method=_weighted(rng, NEW_METHOD), **cert)
    return head


def _history(b, unit, level, roles, area, *, promote):
    """Ended posts: a member who left before the cut-off, and sometimes a promotion (执委 → 副主席)."""
    rng = b.rng
    head_role, vice_role, member_role = roles
    person = b.person(level=level, unit=unit, area=area)
    start = _random_date(rng, datetime.date(2011, 3, 1), datetime.date(2014, 12, 31))
    end = _random_date(rng, datetime.date(2015, 1, 1), datetime.date(2016, 8, 30))
    b.post(person, unit, member_role, start, end=end, end_reason=rng.choice(END_REASONS))
    if promote:
        # A promotion during the expansion: she was a member on the baseline date, so she is not new.
        person = b.person(level=level, unit=unit, area=area)
        promoted_on = _random_date(rng, EXPANSION_START, CUTOFF - datetime.timedelta(days=10))
        b.post(person, unit, member_role, b.core_start(), end=promoted_on, end_reason="职务晋升")
        b.post(person, unit, vice_role, promoted_on, method=W.DIRECT)


ROLES_FEDERATION = (R.CHAIR, R.VICE_CHAIR, R.EXECUTIVE)
ROLES_CONGRESS = (R.DIRECTOR, R.DEPUTY_DIRECTOR, R.MEMBER)


def _seat_district(b, district, congress, tier3_heads, leader_name):
    """A district 妇联: 主席, 4–6 副主席, 常委, 执委 and 250–350 代表 elected at its congress."""
    rng = b.rng
    area = district.code
    held = congress.held_on if congress else datetime.date(2012, 5, 1)
    term = congress
    leadership = []
    chair = b.person(level="district", unit=district, area=area, age=(42, 58, 50), women_worker=True, frontline=False)
    if leader_name:
        chair.name, chair.name_initials = leader_name, _initials(leader_name)
    b.post(chair, district, R.CHAIR, held, mode=M.FULL_TIME, method=W.UNIT, term=term)
    leadership.append(chair)
    n_vices = rng.randint(4, 6)
    for i in range(n_vices):
        # Two full-time vice-chairs; the others part-time or seconded from another office.
        mode = M.FULL_TIME if i < 2 else (M.SECONDED if rng.random() < 0.4 else M.PART_TIME)
        source = "99" if mode != M.PART_TIME else _weighted(rng, SOURCE["tier3"])
        person = b.person(level="district", unit=district, area=area, age=(35, 58, 48), women_worker=i < 2,
                          frontline=False, source=source)  # fmt: skip
        start = held if rng.random() < 0.7 else _random_date(rng, held, datetime.date(2016, 5, 31))
        b.post(person, district, R.VICE_CHAIR, start, mode=mode, method=W.UNIT, term=term)
        leadership.append(person)
    for role, count in ((R.STANDING, rng.randint(8, 12)), (R.EXECUTIVE, rng.randint(30, 45))):
        for _ in range(count):
            person = b.person(level="district", unit=district, area=area, women_worker=rng.random() < 0.15,
                              frontline=rng.random() < 0.4, source=_weighted(rng, SOURCE["tier3"]))  # fmt: skip
            b.post(person, district, role, held, method=_weighted(rng, [(W.UNIT, 80), (W.MASSES, 20)]), term=term)
            leadership.append(person)
    # Delegates: the whole executive committee, most street/township chairs, and other women.
    delegates = list(leadership) + [h for h in tier3_heads if rng.random() < 0.8]
    target = rng.randint(250, 350)
    while len(delegates) < target:
        delegates.append(
            b.person(
                level="district",
                unit=district,
                area=area,
                women_worker=rng.random() < 0.12,
                frontline=rng.random() < 0.45,
                source=_weighted(rng, SOURCE["tier3"]),
            )  # fmt: skip
        )
    for person in delegates:
        b.post(person, district, R.DELEGATE, held, method=W.UNIT, term=term)
    # A few delegates left before the cut-off (moved away, retired).
    for _ in range(rng.randint(2, 5)):
        person = b.person(level="district", unit=district, area=area, source="99")
        end = _random_date(rng, datetime.date(2014, 1, 1), datetime.date(2016, 8, 30))
        b.post(person, district, R.DELEGATE, held, end=end, end_reason=rng.choice(END_REASONS), term=term)


@transaction.atomic
def seed_rosters(*, scale, stdout=None, city_code="2301"):
    """People and posts for every district, street/township and community/village of the demo city.

    Skipped when the city already has posts, so a second `seed_demo` changes nothing.
    """
    city = Unit.objects.filter(code=city_code).first()
    if city is None:
        raise ValueError(f"组织代码 {city_code} 不存在，请先生成组织。")
    subtree = Unit.objects.subtree_of(city)
    if Post.objects.filter(unit__in=subtree).exists():
        if stdout:
            stdout.write("名册：已有成员，跳过。")
        return 0, 0
    rng = random.Random(f"harbin-rosters-{scale}")
    b = RosterBuilder(rng)
    units = list(subtree.active().order_by("tree_id", "lft"))
    district_of = {}
    for unit in units:
        if unit.tier == 2:
            district_of[unit.pk] = unit
        elif unit.parent_id in district_of:
            district_of[unit.pk] = district_of[unit.parent_id]
        if unit.pk in district_of:
            unit.district_name = district_of[unit.pk].name
    tier3 = [u for u in units if u.tier == 3]
    tier4 = [u for u in units if u.tier == 4]
    faults = _plan_faults(rng, tier3, FAULT_SHARE) | _plan_faults(rng, tier4, FAULT_SHARE)
    heads_outside = {u.pk for u in rng.sample(tier4, max(2, round(len(tier4) * CROSS_LEVEL_SHARE)))}

    # Tier 4 first: their heads take 执委 seats in the parent street/township.
    heads_by_parent = {}
    for unit in tier4:
        area = district_of[unit.pk].code
        fault = faults.get(unit.pk)
        low, high = VILLAGE_FEDERATION_RANGE if not unit.is_congress else VILLAGE_CONGRESS_RANGE
        total = rng.randint(max(3, low - 4), low - 1) if fault == "too_few" else rng.randint(low + 1, high - 1)
        level = "village" if unit.kind == Unit.Kind.VILLAGE else "community"
        roles = ROLES_CONGRESS if unit.is_congress else ROLES_FEDERATION
        extra_vice = rng.random() < 0.03 and total > low + 1
        head = _seat_unit(b, unit, level, total=total, fault=fault, roles=roles, area=area, extra_vice=extra_vice)
        if rng.random() < 0.08:
            _history(b, unit, level, roles, area, promote=rng.random() < 0.4)
        if head is not None:
            heads_by_parent.setdefault(unit.parent_id, []).append((unit, head))

    tier3_heads = {}
    for unit in tier3:
        area = district_of[unit.pk].code
        fault = faults.get(unit.pk)
        heads = heads_by_parent.get(unit.pk, [])
        seated = [(child, head) for child, head in heads if child.pk not in heads_outside]
        low, high = TIER3_RANGE
        if fault == "too_few":
            total = rng.randint(low - 7, low - 1)
            if total - 3 < len(seated):  # too many villages to be short of members: fault it otherwise
                fault = "one_vice"
        if fault != "too_few":
            total = rng.randint(max(low, len(seated) + 4), high - 2)
        # The heads' seats are part of the total: the unit's own new people fill the rest.
        own_total = total - len(seated)
        extra_vice = fault is None and rng.random() < 0.03 and total >= low + 1
        head = _seat_unit(b, unit, "tier3", total=own_total, fault=fault, roles=ROLES_FEDERATION, area=area,
                          extra_vice=extra_vice)  # fmt: skip
        if head is not None:
            tier3_heads.setdefault(district_of[unit.pk].pk, []).append(head)
        for child, person in seated:
            # Most village heads joined the township 妇联 in the expansion itself.
            start = b.new_start() if rng.random() < 0.6 else b.core_start()
            b.post(
                person,
                unit,
                R.EXECUTIVE,
                start,
                method=W.DIRECT,
                note=f"{child.name}{child.get_org_form_display()}负责人",
            )
        for child, person in heads:
            if child.pk in heads_outside and rng.random() < 0.3:
                # She used to sit in the street 妇联, but that seat ended before the cut-off.
                b.post(person, unit, R.EXECUTIVE, b.core_start(), end=_random_date(rng, datetime.date(2016, 1, 1), datetime.date(2016, 8, 30)),
                       end_reason="换届离任")  # fmt: skip
        if rng.random() < 0.08:
            _history(b, unit, "tier3", ROLES_FEDERATION, area, promote=rng.random() < 0.4)

    congresses = {
        c.unit_id: c for c in Congress.objects.filter(unit__in=[u for u in units if u.tier == 2]).order_by("number")
    }
    leaders = dict(
        Contact.objects.filter(
            unit__in=[u for u in units if u.tier == 2], role=Contact.Role.LEADER, title="区妇联主席"
        ).values_list("unit_id", "name")
    )
    for unit in units:
        if unit.tier == 2:
            _seat_district(b, unit, congresses.get(unit.pk), tier3_heads.get(unit.pk, []), leaders.get(unit.pk))

    people, posts = b.write()
    current = Post.objects.filter(unit__in=subtree).current(on=CUTOFF).count()
    if stdout:
        stdout.write(f"名册：{people} 人，{posts} 条任职记录，其中 {CUTOFF:%Y-%m-%d} 在任 {current} 条。")
    return people, posts
