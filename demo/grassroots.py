"""The demo's grassroots registers (issue 24): a 妇女之家 in most villages and communities (about nine in
ten, most of them to the 四有 standard, opened 2010–2017, with a few activities in 2016 and 2017), a
two-committee record for every village and community (the 2014 and 2017 elections), and the organisations
of every street and township with and without a women's body (新经济组织 about 95% covered, 新社会组织
about half, as 乌兰浩特's review has it). Deterministic (a Random seeded per unit), bulk writes, and a unit that
already has records is left alone, so seeding again adds nothing.

Cost: in `seed_demo --scale city` on SQLite this step took 1.4 s of 36.1 s (about 34.7 s without it, +4%;
2,466 homes, 8,762 activities, 5,464 两委 records, 2,392 organisations; load average 8.4 on 2 shared
cores; bench/RESULTS.md)."""

import datetime
import random

from grassroots.models import FUNCTIONS, GRASSROOTS_KINDS, STREET_KINDS, Organisation, TwoCommittees, WomenHome
from grassroots.models import WomenHomeActivity as Activity
from members.models import Post
from orgtree.models import Unit

D = datetime.date
BATCH = 2000
TITLES = {
    Activity.Kind.EDUCATION: "三八节普法宣传",
    Activity.Kind.SKILLS: "巧手编织技能培训",
    Activity.Kind.RIGHTS: "妇女维权咨询",
    Activity.Kind.FAMILY: "好家风家庭教育讲座",
    Activity.Kind.CULTURE: "广场舞展演",
    Activity.Kind.CARE: "留守儿童关爱",
    Activity.Kind.VOLUNTEER: "巾帼志愿者入户",
}
ORGANISATIONS = [
    (Organisation.Kind.ORGAN, "{}综合执法队", 1.0, Organisation.WomenOrg.COMMITTEE),
    (Organisation.Kind.INSTITUTION, "{}卫生服务中心", 0.9, Organisation.WomenOrg.COMMITTEE),
    (Organisation.Kind.NEW_ECONOMIC, "{}商贸有限公司", 0.95, Organisation.WomenOrg.FEDERATION),
    (Organisation.Kind.NEW_ECONOMIC, "{}科技有限公司", 0.95, Organisation.WomenOrg.WORKERS),
    (Organisation.Kind.NEW_ECONOMIC, "{}农业合作社", 0.95, Organisation.WomenOrg.GROUP),
    (Organisation.Kind.NEW_SOCIAL, "{}社会工作服务站", 0.5, Organisation.WomenOrg.GROUP),
    (Organisation.Kind.NEW_SOCIAL, "{}养老服务协会", 0.5, Organisation.WomenOrg.FEDERATION),
    (Organisation.Kind.CHAMBER, "{}个体劳动者协会", 0.6, Organisation.WomenOrg.FEDERATION),
]


def _persons_in_charge(unit_ids: list[int]) -> dict[int, int]:
    """{unit id: the person of its highest current post}: who is in charge of the unit's 妇女之家."""
    chosen: dict[int, int] = {}
    rows = (
        Post.objects.filter(unit_id__in=unit_ids, end_date__isnull=True, role__in=["chair", "director"])
        .order_by("unit_id", "pk")
        .values_list("unit_id", "person_id")
    )
    for unit_id, person_id in rows.iterator(chunk_size=5000):
        chosen.setdefault(unit_id, person_id)
    return chosen


def seed_grassroots(*, stdout=None) -> dict[str, int]:
    rng = random.Random(24)  # noqa: S311 - demo data
    places = list(
        Unit.objects.filter(kind__in=GRASSROOTS_KINDS, archived_at__isnull=True)
        .order_by("pk")
        .values_list("pk", "name", "kind", "code")
    )
    have_home = set(WomenHome.objects.values_list("unit_id", flat=True))
    have_committees = set(TwoCommittees.objects.values_list("unit_id", flat=True))
    in_charge = _persons_in_charge([pk for pk, _n, _k, _c in places if pk not in have_home])
    functions = list(FUNCTIONS)
    homes, committees = [], []
    for pk, name, kind, code in places:
        # Per unit and by its code, not its id: a unit left without a home stays so, and the figures are the
        # same in any database (PostgreSQL does not reuse ids, so seeding by id drew differently in each test).
        rng = random.Random(f"grassroots-{code}")  # noqa: S311 - demo data
        if pk not in have_home and rng.random() < 0.9:
            opened = D(rng.randint(2010, 2017), rng.randint(1, 12), 1)
            standard = opened + datetime.timedelta(days=rng.randint(30, 400))
            meets = rng.random() < 0.65
            homes.append(
                WomenHome(
                    unit_id=pk,
                    name=f"{name}妇女之家",
                    address=f"{name}党群服务中心",
                    area=rng.choice([40, 60, 80, 100, 120, 150]),
                    opened_on=opened,
                    place_on=opened,
                    sign_on=opened,
                    rules_on=standard if meets or rng.random() < 0.5 else None,
                    activities_on=standard if meets else None,
                    functions=functions if rng.random() < 0.4 else rng.sample(functions, rng.randint(3, 7)),
                    person_id=in_charge.get(pk),
                    wechat=f"{name}姐妹" if rng.random() < 0.3 else "",
                )
            )
        if pk not in have_committees:
            size = 5 if kind == Unit.Kind.COMMUNITY else rng.randint(5, 7)
            for elected in (D(2014, 3, 15), D(2017, 3, 15)):
                women = rng.choices([0, 1, 2, 3], weights=[3 if elected.year == 2014 else 2, 50, 30, 10])[0]
                secretary = women > 0 and rng.random() < 0.04
                director = women > 0 and rng.random() < (0.25 if kind == Unit.Kind.COMMUNITY else 0.03)
                one_shoulder = secretary and director
                committees.append(
                    TwoCommittees(
                        unit_id=pk,
                        elected_on=elected,
                        members=size,
                        women=women,
                        secretary_woman=secretary,
                        director_woman=director,
                        one_shoulder=one_shoulder,
                        chair_in=women > 0,
                    )
                )
    WomenHome.objects.bulk_create(homes, batch_size=BATCH)
    TwoCommittees.objects.bulk_create(committees, batch_size=BATCH)
    new_homes = WomenHome.objects.filter(unit_id__in=[h.unit_id for h in homes]).values_list("pk", "opened_on")
    activities = []
    kinds = list(TITLES)
    for home_id, opened in new_homes.iterator(chunk_size=5000):
        for year in (2016, 2017):
            for _n in range(rng.randint(0, 4)):
                held = D(year, rng.randint(1, 12), rng.randint(1, 28))
                if held < opened:
                    continue
                kind = rng.choice(kinds)
                activities.append(
                    Activity(
                        home_id=home_id,
                        held_on=held,
                        kind=kind,
                        title=f"{TITLES[kind]}（{held:%m月%d日}）",
                        attendance=rng.randint(15, 120),
                    )
                )
    Activity.objects.bulk_create(activities, batch_size=BATCH, ignore_conflicts=True)
    streets = Unit.objects.filter(kind__in=STREET_KINDS, archived_at__isnull=True).exclude(
        pk__in=Organisation.objects.values("unit_id")
    )
    organisations = []
    for pk, name in streets.order_by("pk").values_list("pk", "name"):
        short = name.removesuffix("街道").removesuffix("镇").removesuffix("乡")
        for kind, pattern, share, women_org in ORGANISATIONS:
            covered = rng.random() < share
            listed = D(rng.randint(2010, 2016), rng.randint(1, 12), 1)
            organisations.append(
                Organisation(
                    unit_id=pk,
                    name=pattern.format(short),
                    kind=kind,
                    women_org=women_org if covered else Organisation.WomenOrg.NONE,
                    women_org_on=listed + datetime.timedelta(days=rng.randint(0, 500)) if covered else None,
                    listed_on=listed,
                )
            )
    Organisation.objects.bulk_create(organisations, batch_size=BATCH)
    counts = {
        "homes": len(homes),
        "activities": len(activities),
        "committees": len(committees),
        "organisations": len(organisations),
    }
    if stdout is not None:
        stdout.write(
            f"妇女之家 {counts['homes']} 个（活动 {counts['activities']} 次）；两委记录 {counts['committees']} 条；"
            f"辖区组织 {counts['organisations']} 个。"
        )
    return counts
