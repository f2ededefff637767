"""Demo rosters for the demo city (called at the end of `manage.py seed_demo`).

About 50,000 current posts at city scale on the 2016-08-31 cut-off: a core that held office
before the 2016-06-02 baseline and members appointed during the expansion, some ended posts
so that history exists, about nine units in ten 达标, and deliberate faults (too few members,
no 主席, a single 副主席, heads missing from their street/township 妇联) so that the
compliance page and the returns have something to show.

People, posts and certificates are built as plain rows and written by demo/bulk.py (COPY on
PostgreSQL, one executemany INSERT on SQLite): Django model instances and bulk_create cost more than
drawing the rows, and the province demo writes about 600,000 posts. Everything is drawn from a seeded
generator, so runs are repeatable.
"""

import datetime
import random
from functools import cache
from itertools import accumulate

from django.db import transaction

from fedorg.dates import BASELINE_2016, CUTOFF_2016
from members.birth import full_birth_date
from members.models import Person, Post, pinyin_initials
from members.validators import id_check_char
from orgtree.models import Congress, Contact, Unit
from selection import certificates
from selection.models import Certificate, CertificateCounter

from . import bulk, people
from .titles import Titles

BASELINE, CUTOFF = BASELINE_2016, CUTOFF_2016
EXPANSION_START = BASELINE + datetime.timedelta(days=1)

R = Post.Role
M = Post.Mode
W = Post.Method
T = Post.TwoCommittees

# Mongolian and Uyghur names written in full with the middle dot, as on their ID cards.
DOTTED_NAMES = [
    ("02", "乌云·其其格"), ("02", "娜仁·托雅"), ("02", "萨仁·高娃"), ("02", "阿拉坦·其木格"),
    ("05", "阿依古丽·买买提"), ("05", "古丽娜尔·艾力"),
]  # fmt: skip


_CUMULATIVE = {}


def _weighted(rng, table):
    """table: [(value, weight), ...] (a module constant: its cumulative weights are kept).

    rng.choices with the cumulative weights draws exactly what it draws with the weights.
    """
    key = id(table)
    if key not in _CUMULATIVE:
        values, weights = zip(*table, strict=True)
        _CUMULATIVE[key] = (table, values, list(accumulate(weights)))
    _table, values, cumulative = _CUMULATIVE[key]
    return rng.choices(values, cum_weights=cumulative)[0]


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
# How new members serve. Villages and communities recruit 兼职 members and volunteers; a street or
# township also takes a few 社工 full-time and officials seconded from other offices.
NEW_MODE = {
    "tier3": [(M.PART_TIME, 72), (M.VOLUNTEER, 18), (M.FULL_TIME, 4), (M.SECONDED, 6)],
    "community": [(M.PART_TIME, 75), (M.VOLUNTEER, 25)],
    "village": [(M.PART_TIME, 80), (M.VOLUNTEER, 20)],
}
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


PERSON_COLUMNS = ["id", "name", "gender", "ethnicity", "birth_date", "birthday", "id_number", "political_status",
                  "education", "workplace_title", "mobile", "source", "sector", "is_frontline", "is_women_worker",
                  "name_initials"]  # fmt: skip
POST_COLUMNS = ["id", "person_id", "unit_id", "role", "mode", "method", "term_id", "start_date", "end_date",
                "end_reason", "two_committees", "note"]  # fmt: skip


class NewPerson:
    """A Person row before it is written: the fields the demo sets, and its place in the batch."""

    __slots__ = ("idx", "pk", *(c for c in PERSON_COLUMNS if c not in ("id", "birthday")))

    def __init__(self, idx, **fields):
        self.idx, self.pk = idx, None
        for name, value in fields.items():
            setattr(self, name, value)

    def row(self):
        return (self.pk, self.name, self.gender, self.ethnicity, self.birth_date,
                full_birth_date(self.id_number, self.birth_date), self.id_number, self.political_status,
                self.education, self.workplace_title, self.mobile, self.source, self.sector, self.is_frontline,
                self.is_women_worker, self.name_initials)  # fmt: skip


class NewPost:
    """A Post row before it is written; selection.certificates reads its role, mode and unit."""

    __slots__ = ("idx", "pk", "person", "unit", "role", "mode", "method", "term", "start_date", "end_date",
                 "end_reason", "two_committees", "note")  # fmt: skip

    def __init__(self, idx, person, unit, role, mode, method, term, start_date, end_date, end_reason,
                 two_committees="", note=""):  # fmt: skip
        self.idx, self.pk, self.person, self.unit, self.role, self.mode, self.method = idx, None, person, unit, role, mode, method  # fmt: skip
        self.term, self.start_date, self.end_date, self.end_reason = term, start_date, end_date, end_reason
        self.two_committees, self.note = two_committees, note

    def row(self):
        return (self.pk, self.person.pk, self.unit.pk, self.role, self.mode, self.method,
                self.term.pk if self.term is not None else None, self.start_date, self.end_date, self.end_reason,
                self.two_committees, self.note)  # fmt: skip


class RosterBuilder:
    """Collects person and post rows in memory, then writes them in bulk (demo/bulk.py)."""

    def __init__(self, rng, *, id_prefix=""):
        self.rng = rng
        self.people = []
        self.posts = []
        self.certified = []  # (post, issued_on) to number from the certificate register
        self.titles = Titles(rng)
        # ID numbers begin with the district's code: only those of the city can clash.
        taken = Person.objects.exclude(id_number=None).filter(id_number__startswith=id_prefix)
        self.ids = set(taken.values_list("id_number", flat=True))

    # --- people --------------------------------------------------------------------------

    def _name(self, ethnicity, born_year):
        rng = self.rng
        if ethnicity in ("02", "05"):
            dotted = [name for code, name in DOTTED_NAMES if code == ethnicity]
            if rng.random() < 0.6:
                return rng.choice(dotted)
        surnames = {"10": people.KOREAN_SURNAMES, "11": people.MANCHU_SURNAMES}.get(ethnicity, people.SURNAMES)
        return people.woman_name(rng, born_year, surnames=surnames)

    def _id_number(self, area, born, gender):
        for _ in range(50):
            seq = self.rng.randrange(0, 500) * 2 + (1 if gender == Person.Gender.MALE else 0)
            first17 = f"{area}{born:%Y%m%d}{seq:03d}"
            number = first17 + id_check_char(first17)
            if number not in self.ids:
                self.ids.add(number)
                return number
        return None

    def person(self, *, level, unit, area, age=(22, 65, 45), source="99", frontline=None, women_worker=False,
               workplace=None):  # fmt: skip
        """A new woman for a post in `unit`; `level` picks the spreads (district/tier3/community/village).

        `workplace` is her 工作单位及职务 when the post itself is her job (a 专职 chair); otherwise
        one is drawn for the kind of unit.
        """
        rng = self.rng
        ethnicity = _weighted(rng, ETHNICITY)
        gender = Person.Gender.FEMALE
        years = round(rng.triangular(*age))
        born = datetime.date(CUTOFF.year - years - 1, rng.randint(1, 12), rng.randint(1, 28))
        if (born.month, born.day) <= (CUTOFF.month, CUTOFF.day):
            born = born.replace(year=born.year + 1)
        name = self._name(ethnicity, born.year)
        political = _weighted(rng, POLITICAL[level])
        if political == "03" and years > 28:  # 共青团员 are young
            political = "13"
        if workplace is None:
            workplace = self.titles.draw(title_level(level, unit), district=unit.demo_district, unit=unit,
                                         parent=getattr(unit, "demo_parent", None))  # fmt: skip
        person = NewPerson(
            len(self.people),
            name=name,
            gender=gender,
            ethnicity=ethnicity,
            birth_date=born.replace(day=1),
            # A few people never gave their ID number: the field is optional.
            id_number=self._id_number(area, born, gender) if rng.random() < 0.93 else None,
            political_status=political,
            education=_weighted(rng, EDUCATION[level]),
            workplace_title=workplace,
            mobile=people.mobile(rng) if rng.random() < 0.96 else "",
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
        post = NewPost(len(self.posts), person, unit, role, mode, method, term, start, end,
                       extra.pop("end_reason", ""), **extra)  # fmt: skip
        self.posts.append(post)
        if certified_on is not None:
            self.certified.append((post, certified_on))

    def core_start(self):
        return _random_date(self.rng, datetime.date(2011, 3, 1), datetime.date(2015, 12, 31))

    def new_start(self, *, by=CUTOFF):
        """A day of the expansion; a pilot's members were all in place by `by` (before 6/25)."""
        return _random_date(self.rng, EXPANSION_START, by)

    def certificate(self, unit, start):
        """Mark the post for a certificate from the register, issued on its start date."""
        return {"certified_on": start}

    def write(self):
        """People, then posts, then certificates, each with a block of ids reserved for it."""
        first = bulk.reserve_ids(Person, len(self.people))
        for person in self.people:
            person.pk = first + person.idx
        bulk.write_rows(Person, PERSON_COLUMNS, (person.row() for person in self.people))
        first = bulk.reserve_ids(Post, len(self.posts))
        for post in self.posts:
            post.pk = first + post.idx
        bulk.write_rows(Post, POST_COLUMNS, (post.row() for post in self.posts))
        self.write_certificates()
        return len(self.people), len(self.posts)

    def write_certificates(self):
        """Number the marked posts as selection.certificates does: per issuing unit and year, no gaps."""
        last_seq = {}
        rows = []
        for post, issued_on in sorted(self.certified, key=lambda pc: (pc[1], pc[0].pk)):
            if not certificates.is_eligible(post):
                continue
            issuer = certificates.issuing_unit_for(post.unit)
            key = (issuer.pk, issued_on.year)
            last_seq[key] = seq = last_seq.get(key, 0) + 1
            rows.append((post.pk, certificates.kind_for(post), issuer.pk, issued_on.year, seq,
                         f"{issued_on.year}-{issuer.code}-{seq:04d}", issued_on))  # fmt: skip
        first = bulk.reserve_ids(Certificate, len(rows))
        columns = ["id", "post_id", "kind", "issuing_unit_id", "year", "seq", "number", "issued_on"]
        bulk.write_rows(Certificate, columns, ((first + i, *row) for i, row in enumerate(rows)))
        first = bulk.reserve_ids(CertificateCounter, len(last_seq))
        bulk.write_rows(
            CertificateCounter,
            ["id", "issuing_unit_id", "year", "last_seq"],
            ((first + i, unit_id, year, n) for i, ((unit_id, year), n) in enumerate(last_seq.items())),
        )


def title_level(level, unit):
    """The titles.py level of a roster level: a tier-3 unit is a street or a township."""
    if level == "tier3":
        return "street" if unit.kind == Unit.Kind.STREET else "township"
    return level


def own_post(unit, role_label):
    """The 工作单位及职务 of someone whose job is the post itself: 道里区妇联主席, 五星村妇代会主任."""
    body = "妇代会" if unit.is_congress else "妇联"
    return f"{unit.name}{body}{role_label}"


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


# Pilots (示范点) report their expanded 妇联 by 6-25: their members were all appointed by this day.
PILOT_READY = datetime.date(2016, 6, 20)


def _seat_unit(b, unit, level, *, total, fault, roles, area, extra_vice=False, pilot=False):
    """Fill one tier-3 or tier-4 unit; returns the head Person (or None) for the cross-level rule.

    The head is the unit's 专职妇女工作者 (the plan: street/township chairs, and the village
    妇代会主任 and community 妇联主席), whose job is the post itself.
    """
    rng = b.rng
    head_role, vice_role, member_role = roles
    heads, vices, members = _role_counts(total, fault)
    if extra_vice and fault is None:  # a third vice-chair is a notice, not a fault
        vices, members = 3, members - 1
    by = PILOT_READY if pilot else CUTOFF
    head = None
    for _ in range(heads):
        two = _weighted(rng, HEAD_TWO_COMMITTEES) if level != "tier3" else T.NONE
        workplace = own_post(unit, Post.Role(head_role).label)
        if two in (T.COMMITTEE, T.BOTH):
            workplace = f"{unit.name}{'村委会' if level == 'village' else '居委会'}委员、{workplace[len(unit.name) :]}"
        head = b.person(level=level, unit=unit, area=area, age=(32, 60, 47), women_worker=True,
                        source=_weighted(rng, SOURCE[level]), workplace=workplace)  # fmt: skip
        start = b.core_start()
        extra = {"two_committees": two} if level != "tier3" else {}
        b.post(head, unit, head_role, start, mode=M.FULL_TIME, method=W.UNIT, **extra, **b.certificate(unit, start))
    for i in range(vices):
        person = b.person(level=level, unit=unit, area=area, age=(28, 58, 44), source=_weighted(rng, SOURCE[level]))
        # Most vice-chairs predate the plan; one in six was appointed during the expansion.
        start = b.new_start(by=by) if rng.random() < 1 / 6 else b.core_start()
        two = T.COMMITTEE if level != "tier3" and i == 0 and rng.random() < 0.3 else T.NONE
        b.post(person, unit, vice_role, start, mode=M.PART_TIME, method=_weighted(rng, NEW_METHOD), two_committees=two)
    core_share = 0.4 if level == "tier3" else 0.3
    for _ in range(members):
        core = rng.random() < core_share
        mode = M.PART_TIME if core else _weighted(rng, NEW_MODE[level])
        source = _weighted(rng, SOURCE[level]) if mode == M.PART_TIME else "99"
        person = b.person(level=level, unit=unit, area=area, source=source)
        start = b.core_start() if core else b.new_start(by=by)
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


def _take_name(b, person, name):
    """She is the 附表1 分管领导 of that name, drawn for the 1960s: born 1958–1972 to fit it
    (her ID number follows the year)."""
    person.name, person.name_initials = name, _initials(name)
    year = min(max(person.birth_date.year, 1958), 1972)
    if year != person.birth_date.year:
        person.birth_date = person.birth_date.replace(year=year)
        if person.id_number:
            first17 = f"{person.id_number[:6]}{year}{person.id_number[10:17]}"
            number = first17 + id_check_char(first17)
            b.ids.discard(person.id_number)
            person.id_number = None if number in b.ids else number
            b.ids.add(number)


def _seat_district(b, district, congress, tier3_heads, leader):
    """A district 妇联: 主席, 4–6 副主席, 常委, 执委 and 250–350 代表 elected at its congress."""
    rng = b.rng
    area = district.code
    held = congress.held_on if congress else datetime.date(2012, 5, 1)
    term = congress
    leadership = []
    leader_name, leader_title = leader or ("", "")
    chair = b.person(level="district", unit=district, area=area, age=(42, 58, 50), women_worker=True, frontline=False,
                     workplace=own_post(district, "主席"))  # fmt: skip
    if leader_name and leader_title.endswith("妇联主席"):
        _take_name(b, chair, leader_name)
    b.post(chair, district, R.CHAIR, held, mode=M.FULL_TIME, method=W.UNIT, term=term)
    leadership.append(chair)
    n_vices = rng.randint(4, 6)
    for i in range(n_vices):
        # Two full-time vice-chairs; the others part-time or seconded from another office.
        mode = M.FULL_TIME if i < 2 else (M.SECONDED if rng.random() < 0.4 else M.PART_TIME)
        source = "99" if mode != M.PART_TIME else _weighted(rng, SOURCE["tier3"])
        person = b.person(level="district", unit=district, area=area, age=(35, 58, 48), women_worker=i < 2,
                          frontline=False, source=source,
                          workplace=own_post(district, "副主席") if mode == M.FULL_TIME else None)  # fmt: skip
        if i == 0 and leader_name and leader_title.endswith("妇联副主席"):
            _take_name(b, person, leader_name)
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
def seed_rosters(*, scale, stdout=None, city_code="2301", seed=None):
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
    rng = random.Random(seed or f"harbin-rosters-{scale}")
    b = RosterBuilder(rng, id_prefix=city_code)
    units = list(subtree.active().order_by("tree_id", "lft"))
    district_of = {}
    for unit in units:
        if unit.tier == 2:
            district_of[unit.pk] = unit
        elif unit.parent_id in district_of:
            district_of[unit.pk] = district_of[unit.parent_id]
        if unit.pk in district_of:
            unit.demo_district = district_of[unit.pk]
    by_pk = {u.pk: u for u in units}
    for unit in units:
        unit.demo_parent = by_pk.get(unit.parent_id)
        if unit.demo_parent is not None:
            unit.parent = unit.demo_parent  # the certificates' issuers, without a query per unit
    tier3 = [u for u in units if u.tier == 3]
    tier4 = [u for u in units if u.tier == 4]
    # Pilots (示范点) and their communities and villages are complete by 6-25: no faults planted there.
    pilot_ids = {u.pk for u in tier3 if u.is_pilot}
    in_pilot = pilot_ids | {u.pk for u in tier4 if u.parent_id in pilot_ids}
    faults = _plan_faults(rng, [u for u in tier3 if u.pk not in in_pilot], FAULT_SHARE) | _plan_faults(
        rng, [u for u in tier4 if u.pk not in in_pilot], FAULT_SHARE
    )
    outside_pool = [u for u in tier4 if u.pk not in in_pilot]
    heads_outside = {u.pk for u in rng.sample(outside_pool, max(2, round(len(tier4) * CROSS_LEVEL_SHARE)))}

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
        head = _seat_unit(b, unit, level, total=total, fault=fault, roles=roles, area=area, extra_vice=extra_vice,
                          pilot=unit.pk in in_pilot)  # fmt: skip
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
                          extra_vice=extra_vice, pilot=unit.pk in in_pilot)  # fmt: skip
        if head is not None:
            tier3_heads.setdefault(district_of[unit.pk].pk, []).append(head)
        for child, person in seated:
            # Most village heads joined the township 妇联 in the expansion itself.
            start = (
                b.new_start(by=PILOT_READY if unit.pk in in_pilot else CUTOFF) if rng.random() < 0.6 else b.core_start()
            )
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
    # A 附表1 分管领导 titled 妇联主席 or 妇联副主席 holds that post in the roster.
    leaders = {
        unit_id: (name, title)
        for unit_id, name, title in Contact.objects.filter(
            unit__in=[u for u in units if u.tier == 2], role=Contact.Role.LEADER
        ).values_list("unit_id", "name", "title")
    }
    for unit in units:
        if unit.tier == 2:
            _seat_district(b, unit, congresses.get(unit.pk), tier3_heads.get(unit.pk, []), leaders.get(unit.pk))

    people, posts = b.write()
    current = Post.objects.filter(unit__in=subtree).current(on=CUTOFF).count()
    if stdout:
        stdout.write(f"名册：{people} 人，{posts} 条任职记录，其中 {CUTOFF:%Y-%m-%d} 在任 {current} 条。")
    return people, posts
