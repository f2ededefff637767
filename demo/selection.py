"""The demo city's 2016 campaign run through the selection path (issue 11), after the rosters are seeded.

哈妇发〔2016〕8号 三(三)3: "以个人自荐、群众举荐、单位推荐、直接选拔等形式产生人选，经考核合格，……在辖区内组织召开
妇女群众会议，由上一级妇联颁发……任职证书，……选拔结果报同级党组织和上级妇联备案。" For every street, township,
community and village:

- a register (档案) of plausible size: every woman appointed in the campaign, and as many again in part
  who were not (some proposed and rejected at vetting); a few women's social organisations, led by
  women of the register; some 社工;
- a candidate for each appointment, proposed by the post's own method and vetted before the meeting;
- one 妇女群众会议 on a plausible 2016 date (a pilot's before 6/20, so that it 达标 on 6/25 as
  "率先完成" asks); every post the campaign created in the unit is dated that day and names it
  (one set-based UPDATE), and so is its certificate, already numbered from the register by rosters.py;
- 备案 filed for most meetings, a few days to two weeks after.

A promotion during the expansion (the end of one post is the start of the next in the same unit) was
decided by the committee, not the meeting: it stays outside any meeting, as a correction would.

Everything is drawn from a seeded generator and written with bulk inserts and set-based UPDATEs, so a
run is repeatable and takes seconds at city scale. Skipped when the city already has meetings.
"""

import datetime
import random
import time
from collections import defaultdict
from functools import cache

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from fedorg.dates import BASELINE_2016, CUTOFF_2016
from members.models import Person, Post, pinyin_initials
from members.rules import TIER3_KINDS, TIER4_KINDS
from members.validators import id_check_char
from orgtree.models import Unit
from selection.models import Candidate, Certificate, Filing, Meeting, RegisterEntry, WomenOrganisation
from selection.services import ENTRY_FIELDS

from . import people

# The plan's date: proposals start the day after it.
CAMPAIGN_START = BASELINE_2016 + datetime.timedelta(days=1)
# Pilots (示范点) report their expanded 妇联 by 6/25 (rosters.PILOT_READY): their meetings come first.
PILOT_MEETINGS_BY = datetime.date(2016, 6, 20)
REJECTED_SHARE = 0.12  # of the women proposed, those the vetting did not pass
NOT_PROPOSED_SHARE = 0.35  # women in the register beyond those proposed, against the appointed
FILED_SHARE = 0.9  # meetings whose result was filed
SOCIAL_WORKER_SHARE = {"community": 0.10, "tier3": 0.06, "village": 0.02}
FIELDS = {
    "community": ["社区服务", "教育", "医疗卫生", "法律", "家政服务", "文化体育", "志愿服务", "楼栋管理"],
    "village": ["种植养殖", "农村电商", "手工编织", "教育", "医疗卫生", "调解", "乡村旅游"],
    "tier3": ["机关事业单位", "教育", "医疗卫生", "法律", "非公企业", "社会组织", "文化体育"],
}
ORGANISATIONS = {
    "community": ["巾帼志愿服务队", "妈妈互助会", "广场舞队", "家庭教育讲师团", "睦邻调解队", "编织协会"],
    "village": ["巾帼致富合作社", "农家女手工坊", "秧歌队", "巾帼志愿服务队"],
    "tier3": ["女企业家联谊会", "巾帼志愿者协会", "家庭教育指导中心", "女性法律援助站", "妇女手工协会"],
}
REJECTION_NOTES = [
    "群众测评满意率未达到要求",
    "本人因工作调动不能履职",
    "本人表示家庭原因暂不能履职",
    "已在其他组织任职，不再重复任用",
    "考察中发现不符合任职条件",
]
PLACES = {
    "community": ["社区居民活动室", "社区党群服务中心", "社区会议室"],
    "village": ["村委会会议室", "村文化活动室", "村党员活动室"],
    "tier3": ["街道会议室", "街道党群服务中心", "镇政府会议室"],
}


def _level(unit):
    if unit.kind in TIER3_KINDS:
        return "tier3"
    return "village" if unit.kind == Unit.Kind.VILLAGE else "community"


def _party_org(unit, parent_name):
    """The same-level party organisation the result is filed with."""
    if unit.kind == Unit.Kind.STREET:
        return f"{unit.name}党工委"
    if unit.kind in TIER3_KINDS:
        return f"{unit.name}党委"
    body = "村党支部" if unit.kind == Unit.Kind.VILLAGE else "社区党委"
    return f"{unit.name.removesuffix('村').removesuffix('社区')}{body}"


def _vetting_body(unit, parent):
    if unit.kind in TIER3_KINDS:
        return f"{parent.name}妇联" if parent else "区妇联"
    suffix = "党工委" if parent and parent.kind == Unit.Kind.STREET else "党委"
    return f"{parent.name}{suffix}" if parent else "街道党工委"


def _not_on_a_sunday(day):
    """No meetings on Sundays: the Saturday before (the Monday after, on the first Sunday of the campaign)."""
    if day.weekday() != 6:
        return day
    saturday = day - datetime.timedelta(days=1)
    return saturday if saturday >= CAMPAIGN_START else day + datetime.timedelta(days=1)


def campaign_posts(units):
    """The posts the 2016 campaign created in `units`: started after the plan's date and by the cut-off,
    committee posts (no delegates), and not a promotion (the end of another post of hers in the unit)."""
    promoted = Post.objects.filter(
        person_id=OuterRef("person_id"), unit_id=OuterRef("unit_id"), end_date=OuterRef("start_date")
    )
    return (
        Post.objects.filter(unit__in=units, start_date__gt=BASELINE_2016, start_date__lte=CUTOFF_2016)
        .exclude(role=Post.Role.DELEGATE)
        .exclude(Exists(promoted))
    )


# The register's own fields (selection.services.ENTRY_FIELDS) and what the demo sets beside them.
ENTRY_COLUMNS = [
    *(f"{name}_id" if name == "organisation" else name for name in ENTRY_FIELDS),
    "unit_id",
    "name_initials",
    "person_id",
    "created_at",
    "updated_at",
]
CANDIDATE_COLUMNS = [
    "unit_id",
    "entry_id",
    "role",
    "mode",
    "method",
    "proposed_on",
    "status",
    "vetted_on",
    "vetting_body",
    "vetting_note",
    "post_id",
    "created_at",
]
ORGANISATION_COLUMNS = ["unit_id", "name", "field", "member_count", "contact", "note", "created_at"]


@cache
def _initials(name):
    return pinyin_initials(name)


def _stranger(rng, unit, level, ids):
    """A woman of the unit's register who was never appointed (her ID number, when known, unique here)."""
    born = datetime.date(rng.randint(1956, 1994), rng.randint(1, 12), rng.randint(1, 28))
    id_number = ""
    if rng.random() < 0.8:
        first17 = f"{unit.code[:6]}{born:%Y%m%d}{rng.randrange(0, 500) * 2:03d}"
        number = first17 + id_check_char(first17)
        if number not in ids:
            ids.add(number)
            id_number = number
    name = people.woman_name(rng, born.year)
    return {
        "unit_id": unit.pk,
        "name": name,
        "name_initials": _initials(name),
        "birth_date": born.replace(day=1),
        "id_number": id_number,
        "field": rng.choice(FIELDS[level]),
        "workplace_title": "",
        "mobile": people.mobile(rng) if rng.random() < 0.9 else "",
        "source": rng.choice(["01", "02", "03", "04", "05", "06", "07", "08", "09", "99"]),
        "is_social_worker": rng.random() < SOCIAL_WORKER_SHARE[level],
        "note": "",
    }


# Parameters in one INSERT: under SQLite's 32,766 and PostgreSQL's 65,535.
MAX_PARAMETERS = 30_000


class _Rows:
    """Rows of one table with their ids given here, inserted at the end in a few multi-row INSERTs.

    bulk_create spent most of the demo's time preparing 70,000 model instances field by field (about
    20 s at city scale), and psycopg2's executemany sends one statement per row; rows of plain values,
    numbered from the table's current maximum, in INSERTs of MAX_PARAMETERS values need neither. The
    table's id sequence is set past them afterwards (a no-op on SQLite). Only for the demo's own seeding,
    inside its transaction: the application writes through the services.
    """

    def __init__(self, model, columns):
        self.model, self.columns, self.rows = model, columns, []
        self.next_id = (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1

    def add(self, **values):
        pk = self.next_id
        self.next_id += 1
        self.rows.append([pk, *(values.get(c) for c in self.columns)])
        return pk

    def insert(self):
        if not self.rows:
            return
        meta = self.model._meta
        fields = [meta.pk, *(meta.get_field(c) for c in self.columns)]
        adapt = [_adapter(field) for field in fields]
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        for index, field in enumerate(fields):  # auto_now(_add) columns were left empty
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                adapt[index] = _same
                for row in self.rows:
                    row[index] = now
        table = connection.ops.quote_name(meta.db_table)
        names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        row_marks = f"({', '.join(['%s'] * len(fields))})"
        per_statement = MAX_PARAMETERS // len(fields)
        with connection.cursor() as cursor:
            for start in range(0, len(self.rows), per_statement):
                batch = self.rows[start : start + per_statement]
                cursor.execute(
                    f"INSERT INTO {table} ({names}) VALUES {', '.join([row_marks] * len(batch))}",  # noqa: S608
                    [a(v) for row in batch for a, v in zip(adapt, row, strict=True)],
                )
            for sql in connection.ops.sequence_reset_sql(no_style(), [self.model]):
                cursor.execute(sql)


def _same(value):
    return value


def _adapter(field):
    if isinstance(field, models.DateTimeField):
        return connection.ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return connection.ops.adapt_datefield_value
    return _same


@transaction.atomic
def seed_selection(*, scale, stdout=None, city_code="2301", seed=None):
    """Registers, candidates, meetings, 备案 for the demo city's grassroots units; (meetings, linked posts)."""
    started = time.monotonic()
    city = Unit.objects.filter(code=city_code).first()
    if city is None:
        return 0, 0
    units = list(
        Unit.objects.subtree_of(city)
        .active()
        .filter(kind__in=[*TIER3_KINDS, *TIER4_KINDS])
        .select_related("parent")
        .order_by("tree_id", "lft")
    )
    if not units or Meeting.objects.filter(unit__in=Unit.objects.subtree_of(city)).exists():
        if stdout:
            stdout.write("选聘：已有妇女群众会议，跳过。")
        return 0, 0
    # The province demo's Harbin is the city demo's Harbin, selection included.
    rng = random.Random(seed or f"harbin-selection-{'city' if scale == 'province' else scale}")
    by_pk = {u.pk: u for u in units}
    pilot_ids = {u.pk for u in units if u.is_pilot} | {u.pk for u in units if u.parent_id and u.parent.is_pilot}
    posts = list(
        campaign_posts(units)
        .order_by("unit_id", "start_date", "pk")
        .values_list(
            "pk",
            "unit_id",
            "start_date",
            "role",
            "mode",
            "method",
            "person_id",
            "person__name",
            "person__name_initials",
            "person__birth_date",
            "person__id_number",
            "person__workplace_title",
            "person__mobile",
            "person__source",
        )
    )
    by_unit = defaultdict(list)
    for row in posts:
        by_unit[row[1]].append(row)

    # One meeting per unit that appointed anyone, on the median of its campaign posts' dates (a weekday).
    meetings = []
    for unit_id, rows in by_unit.items():
        unit = by_pk[unit_id]
        level = _level(unit)
        held_on = sorted(r[2] for r in rows)[len(rows) // 2]
        if unit_id in pilot_ids:
            held_on = min(held_on, PILOT_MEETINGS_BY)
        held_on = _not_on_a_sunday(held_on)
        attendance = {"tier3": (60, 200), "community": (40, 150), "village": (30, 120)}[level]
        meetings.append(
            Meeting(
                unit_id=unit_id,
                held_on=held_on,
                place=f"{unit.name}{rng.choice(PLACES[level])}" if level != "tier3" else rng.choice(PLACES[level]),
                attendance=rng.randint(*attendance),
            )
        )
    Meeting.objects.bulk_create(meetings, batch_size=2000)
    held = {m.unit_id: m.held_on for m in meetings}

    entries = _Rows(RegisterEntry, ENTRY_COLUMNS)
    candidates = _Rows(Candidate, CANDIDATE_COLUMNS)
    organisations = _Rows(WomenOrganisation, ORGANISATION_COLUMNS)
    organisation_column = 1 + ENTRY_COLUMNS.index("organisation_id")
    ids = set()
    appointed = rejected = 0
    for unit in units:
        rows = by_unit.get(unit.pk, [])
        level = _level(unit)
        meeting_day = held.get(unit.pk)
        body = _vetting_body(unit, unit.parent)
        first_row = len(entries.rows)
        # the women appointed: each was in the register, proposed, vetted and appointed at the meeting
        for (
            pk,
            _unit,
            _start,
            role,
            mode,
            method,
            person_id,
            name,
            initials,
            born,
            id_number,
            work,
            mobile,
            source,
        ) in rows:
            entry_id = entries.add(
                unit_id=unit.pk,
                name=name,
                name_initials=initials,
                birth_date=born,
                id_number=id_number or "",
                field=rng.choice(FIELDS[level]),
                workplace_title=work,
                mobile=mobile,
                source=source,
                is_social_worker=rng.random() < SOCIAL_WORKER_SHARE[level],
                person_id=person_id,
                note="",
            )
            if id_number:
                ids.add(id_number)
            proposed_on = max(CAMPAIGN_START, meeting_day - datetime.timedelta(days=rng.randint(12, 30)))
            candidates.add(
                unit_id=unit.pk,
                entry_id=entry_id,
                role=role,
                mode=mode,
                method=method,
                proposed_on=proposed_on,
                status=Candidate.Status.APPOINTED,
                vetted_on=min(meeting_day, proposed_on + datetime.timedelta(days=rng.randint(3, 10))),
                vetting_body=body,
                vetting_note="考核合格",
                post_id=pk,
            )
            appointed += 1
        # women of the register who were not appointed; some proposed and not passed by the vetting
        for _ in range(round(len(rows) * NOT_PROPOSED_SHARE) + rng.randint(1, 3)):
            entry_id = entries.add(**_stranger(rng, unit, level, ids))
            if meeting_day is not None and rng.random() < REJECTED_SHARE / NOT_PROPOSED_SHARE:
                proposed_on = max(CAMPAIGN_START, meeting_day - datetime.timedelta(days=rng.randint(12, 30)))
                candidates.add(
                    unit_id=unit.pk,
                    entry_id=entry_id,
                    role=Post.Role.MEMBER if unit.is_congress else Post.Role.EXECUTIVE,
                    mode=rng.choice([Post.Mode.PART_TIME, Post.Mode.VOLUNTEER]),
                    method=rng.choice(Post.Method.values),
                    proposed_on=proposed_on,
                    status=Candidate.Status.FAILED,
                    vetted_on=min(meeting_day, proposed_on + datetime.timedelta(days=rng.randint(3, 10))),
                    vetting_body=body,
                    vetting_note=rng.choice(REJECTION_NOTES),
                    post_id=None,
                )
                rejected += 1
        # women's social organisations known to the unit, each led by a woman of its register
        if level != "village" or rng.random() < 0.4:
            unit_rows = entries.rows[first_row:]
            for org_name in rng.sample(ORGANISATIONS[level], k=min(len(ORGANISATIONS[level]), rng.randint(0, 2))):
                organisation_id = organisations.add(
                    unit_id=unit.pk,
                    name=f"{unit.name}{org_name}",
                    field=org_name[-3:],
                    member_count=rng.randint(12, 80),
                    contact=people.mobile(rng),
                    note="",
                )
                if unit_rows:
                    rng.choice(unit_rows)[organisation_column] = organisation_id
    organisations.insert()
    entries.insert()
    candidates.insert()

    # Every post the campaign made in a unit is dated the day of its meeting and names it; so is its certificate.
    meeting_of_unit = Meeting.objects.filter(unit_id=OuterRef("unit_id"))
    linked = campaign_posts(units).update(
        meeting_id=Subquery(meeting_of_unit.values("pk")[:1]),
        start_date=Subquery(meeting_of_unit.values("held_on")[:1]),
    )
    Certificate.objects.filter(post__meeting__unit__in=units).update(
        issued_on=Subquery(Post.objects.filter(pk=OuterRef("post_id")).values("start_date")[:1])
    )
    # 社工 and 社会组织负责人 (the plan's new structure) come from the register to the people appointed.
    linked_entries = RegisterEntry.objects.filter(unit__in=units, person__isnull=False)
    Person.objects.filter(pk__in=linked_entries.filter(is_social_worker=True).values("person_id")).update(
        is_social_worker=True
    )
    Person.objects.filter(pk__in=linked_entries.filter(organisation__isnull=False).values("person_id")).update(
        is_org_leader=True
    )

    # 备案 for most meetings, a few days to two weeks after.
    filings = []
    for meeting in (
        Meeting.objects.filter(unit__in=units)
        .order_by("unit__tree_id", "unit__lft")
        .values_list("pk", "unit_id", "held_on")
    ):
        pk, unit_id, held_on = meeting
        if rng.random() >= FILED_SHARE:
            continue
        unit = by_pk[unit_id]
        party_on = held_on + datetime.timedelta(days=rng.randint(2, 10))
        filings.append(
            Filing(
                meeting_id=pk,
                party_org=_party_org(unit, unit.parent.name if unit.parent else ""),
                party_filed_on=party_on,
                parent_filed_on=party_on + datetime.timedelta(days=rng.randint(0, 5)),
            )
        )
    Filing.objects.bulk_create(filings, batch_size=2000)
    if stdout:
        stdout.write(
            f"选聘：档案 {len(entries.rows)} 人、妇女社会组织 {len(organisations.rows)} 个；"
            f"人选 {appointed + rejected} 人（考核未通过 {rejected} 人）；妇女群众会议 {len(meetings)} 次，"
            f"会上任命 {linked} 人；备案 {len(filings)} 次。用时 {time.monotonic() - started:.1f} 秒。"
        )
    return len(meetings), linked
