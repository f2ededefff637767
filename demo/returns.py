"""Demo returns for the 2016 campaign (哈妇发〔2016〕8号), called at the end of `manage.py seed_demo`.

Without them the completeness dashboard of a 2026 demo shows every district "未上报, 逾期 3800 天".
Here the districts file their returns through the real workflow (returns.services), acting as
their own staff accounts, and the city reviewer `shi_shenhe` approves or sends them back. Every
row a transition writes (the snapshot, the ReturnEvent, the AuditEvent, the notifications) is
then back-dated to a plausible day of June–September 2016, so the dashboard shows a real spread:
most on time, a few one to five days late, two sent back and still waiting, one fixed and
resubmitted (so the diff has content), a couple that never filed 附表4/5, and 木兰县's 附表1
blocked by its empty 具体联系人.

Only timestamps are rewritten; snapshot data is never touched, so every verification code
still names the numbers it was computed from. The whole story is one transaction and runs
only when the campaign has no returns yet, so a second `seed_demo` adds nothing.
"""

import datetime
import random
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import DateTimeField, ExpressionWrapper, F
from django.utils import timezone
from pypinyin import lazy_pinyin

from demo.tree import DEMO_PASSWORD, GIVEN, SURNAMES
from fedorg.dates import DOC_NUMBER_2016, cn_date
from members import rules
from members import services as member_services
from members.models import Post
from orgtree import services as tree_services
from orgtree.models import AuditEvent, Contact, Unit, User
from returns import services
from returns.models import Campaign, Notification, Return, ReturnEvent, ReturnSnapshot

# The seeded campaign's number lives in its data migration; one spelling of it.
REVIEWER = "shi_shenhe"
# The last day of the story: 附表4/5 were due on 9-20, and a few late ones arrived after it.
STORY_END = datetime.date(2016, 9, 28)
# 2016 public holidays that fall on weekdays (端午 6-9/6-10, 中秋 9-15/9-16) and the Sundays
# worked in exchange: nobody files or reviews a return on a day the office is closed.
HOLIDAYS = {
    datetime.date(2016, 6, 9),
    datetime.date(2016, 6, 10),
    datetime.date(2016, 9, 15),
    datetime.date(2016, 9, 16),
}
WORKED_SUNDAYS = {datetime.date(2016, 6, 12), datetime.date(2016, 9, 18)}
# Districts whose staff have demo logins: the sent-back stories land there first, so a demo
# user logging in as `nangang` or `daoli` finds a return waiting for her.
DEMO_DISTRICTS = ["230103", "230102"]
# Forms filed together by one district on one day, the first day anyone filed them, and how
# many districts filed that batch one to five days late ("a few"; 附表4/5 adds the two still pending).
BATCHES = [
    (("1",), datetime.date(2016, 6, 3), 2),
    (("2", "3"), datetime.date(2016, 6, 13), 3),
    (("pilot",), datetime.date(2016, 6, 17), 2),
    (("4", "5"), datetime.date(2016, 9, 5), 2),
    (("experience",), datetime.date(2016, 9, 8), 2),
]
QUOTA_FIX_RULES = {"quota.total_low", "quota.total_high", "quota.head_missing", "quota.vice_few"}
RULE_COLUMN = {
    "quota.total_low": "after",
    "quota.total_high": "after",
    "quota.head_missing": "chair",
    "quota.vice_few": "vice",
}


def is_workday(day):
    return day in WORKED_SUNDAYS or (day.weekday() < 5 and day not in HOLIDAYS)


def workdays(start, end):
    days, day = [], start
    while day <= end:
        if is_workday(day):
            days.append(day)
        day += datetime.timedelta(days=1)
    return days


class Clock:
    """Back-dates what each workflow call just wrote.

    The services stamp their rows with timezone.now(); after each call, every ReturnSnapshot,
    ReturnEvent, AuditEvent and Notification created since the previous call gets the story's
    time instead. Rows are found by primary key above a watermark, which is safe inside the one
    transaction the seeding runs in.
    """

    MODELS = [
        (ReturnSnapshot, "created_at"),
        (ReturnEvent, "at"),
        (AuditEvent, "at"),
        (Notification, "created_at"),
    ]

    def __init__(self):
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self.marks = {model: self._max_pk(model) for model, _field in self.MODELS}
        self.started = dict(self.marks)

    @staticmethod
    def _max_pk(model):
        return model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def at(self, day, rng, *, earliest=(8, 30), latest=(17, 30)):
        """A time during office hours of `day`, in Asia/Shanghai."""
        start, end = earliest[0] * 60 + earliest[1], latest[0] * 60 + latest[1]
        minute = rng.randrange(start, end)
        return datetime.datetime(
            day.year, day.month, day.day, minute // 60, minute % 60, rng.randrange(60), tzinfo=self.tz
        )

    def stamp(self, when):
        """Give every row written since the last stamp the time `when`."""
        for model, field in self.MODELS:
            fields = {field: when}
            if model is ReturnSnapshot:
                fields["report_date"] = when.date()
            model.objects.filter(pk__gt=self.marks[model]).update(**fields)
            self.marks[model] = self._max_pk(model)


# --- who files ---------------------------------------------------------------------------------


def account_username(district):
    """道外区 -> daowai, 尚志市 -> shangzhi; a one-character name keeps its suffix (宾县 -> binxian)."""
    name = district.name
    if len(name) > 2 and name[-1] in "区县市":
        name = name[:-1]
    return "".join(lazy_pinyin(name))


def district_filer(district, rng, tz):
    """The district's own staff account (daoli, nangang), or a staff account created for it.

    The new accounts are named after the district's 具体联系人, who fills in the returns, and
    share the demo password, so any district's view of the campaign can be tried out.
    """
    existing = (
        User.objects.filter(unit=district, is_active=True, role__in=[User.Role.STAFF, User.Role.ADMIN])
        .order_by("pk")
        .first()
    )
    if existing is not None:
        return existing, False
    username = account_username(district)
    if User.objects.filter(username=username).exists():
        username = f"{username}{district.code[-3:]}"
    contact = district.contacts.filter(role=Contact.Role.CONTACT).exclude(name="").first()
    user = User(
        username=username,
        full_name=contact.name if contact else rng.choice(SURNAMES) + rng.choice(GIVEN),
        role=User.Role.STAFF,
        unit=district,
        phone=contact.office_phone if contact else "",
        date_joined=datetime.datetime(2016, 6, 2, 9, 0, tzinfo=tz),
    )
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user, True


def footer(district, filer):
    """单位负责人, 填表人 and 联系电话 as the submit page pre-fills them (the district's 附表1 contacts)."""
    contacts = {c.role: c for c in district.contacts.all()}
    leader, contact = contacts.get(Contact.Role.LEADER), contacts.get(Contact.Role.CONTACT)
    phone = ""
    if contact is not None:
        phone = contact.office_phone or contact.mobile
    if not phone and leader is not None:
        phone = leader.office_phone or leader.mobile
    return {
        "unit_leader": leader.name if leader and leader.name else filer.get_full_name(),
        "filled_by": contact.name if contact and contact.name else filer.get_full_name(),
        "phone": phone or filer.phone or "0451-84600000",
    }


# --- what the districts write ------------------------------------------------------------------


def _names(units, limit=3):
    """兆麟街道、和平社区、安康社区等 16 个单位 (counted by unit: 学府社区 recurs under two streets)."""
    units = list({u.pk: u for u in units}.values())
    shown = "、".join(dict.fromkeys(u.name for u in units[:limit]))
    return f"{shown}等 {len(units)} 个单位" if len(units) > limit else shown


def explanation(findings, cut_off):
    """A 上报说明 answering the warnings of a district's subtree, one sentence per kind of fault."""
    warnings = [f for f in findings if f.severity == rules.WARNING]
    if not warnings:
        return ""
    quota = [f for f in warnings if f.fails_quota]
    cross = [f for f in warnings if f.rule.startswith("cross")]
    other = [f for f in warnings if f not in quota and f not in cross]
    parts = []
    if quota:
        parts.append(
            f"截至{cn_date(cut_off)}，{_names([f.unit for f in quota])}成员尚未配齐（如{quota[0].message.rstrip('。')}）。"
            "这些单位的换届选举推迟到第四季度，人选已经提名，选举后即行补齐，预计2016年12月底前全部达标。"
        )
    if cross:
        parts.append(
            f"{_names([f.unit for f in cross])}的负责人尚未进入上级妇联执委会，"
            "已报乡镇（街道）妇联，将在下次执委会上按程序增补。"
        )
    if other:
        parts.append(f"其余 {len(other)} 条提醒已逐条核实，情况属实。")
    return "".join(parts)


def pilot_report(district):
    """The text of a district's 示范点情况报告, naming its pilot units: each point said once, one line a paragraph."""
    pilots = list(Unit.objects.subtree_of(district).active().filter(is_pilot=True).order_by("tree_id", "lft"))
    names = "、".join(p.name for p in pilots) or "（暂无）"
    return "\n".join(
        [
            f"根据哈妇发〔2016〕8号文件要求，{district.name}妇联确定{names}为扩大基层妇联组织成员工作示范点，"
            "现将示范点工作情况报告如下。",
            "一、工作进展",
            "示范点妇联按照“会改联”和扩大执委会的要求，于6月中旬召开动员会，逐村（社区）摸排巾帼带头人、"
            "女能人和志愿者人选。",
            "二、主要做法",
            "成员推选采取个人自荐、群众推荐和组织推荐相结合的方式，人选经考核后在村（社区）公示。",
            "三、下一步打算",
            "总结示范点做法，7月底前在全区（县）推开，8月底前完成扩员。",
        ]
    )


def experience_report(district):
    """The text of a district's 经验材料 (its good practice, experience and results, due 9/20), one line a paragraph."""
    return "\n".join(
        [
            f"今年以来，{district.name}妇联按照哈妇发〔2016〕8号文件部署，扎实推进扩大基层妇联组织成员工作。",
            "一、摸底建档",
            "各街道（乡镇）逐村（社区）建立优秀女性和妇女社会组织档案，做到底数清、情况明。",
            "二、多种方式产生人选",
            "个人自荐、群众举荐、单位推荐、直接选拔相结合，经考核合格后在妇女群众会议上选举产生，"
            "由上一级妇联颁发任职证书，选拔结果报同级党组织和上级妇联备案。",
            "三、工作成效",
            "基层妇联组织成员结构明显优化，社工、志愿者和社会组织负责人进入执委会。",
        ]
    )


# --- the story ---------------------------------------------------------------------------------


class Story:
    """Files, reviews and back-dates every return of the campaign, in chronological phases."""

    def __init__(self, campaign, reviewer, rng):
        self.campaign = campaign
        self.reviewer = reviewer
        self.rng = rng
        self.clock = Clock()
        self.forms = {f.form_no: f for f in campaign.forms.all()}
        self.districts = list(campaign.districts())
        self.cut_off = campaign.cut_off_date
        self.filers, self.accounts_created = {}, []
        for district in self.districts:
            self.filers[district.pk], created = district_filer(district, rng, self.clock.tz)
            if created:
                self.accounts_created.append(self.filers[district.pk].username)
        self._findings = {}
        self.blocked = []

    def findings(self, district):
        if district.pk not in self._findings:
            self._findings[district.pk] = rules.evaluate_subtree(district, on=self.cut_off)
        return self._findings[district.pk]

    # one transition each, back-dated -----------------------------------------------------------

    def submit(self, form, district, when):
        """File one return as the district's staff; None when its errors block it (it stays unfiled)."""
        filer = self.filers[district.pk]
        text = explanation(self.findings(district), self.cut_off) if form.form_no in services.ROSTER_FORMS else ""
        try:
            ret = services.submit_return(
                form=form,
                unit=district,
                actor=filer,
                explanation=text,
                pilot_report=pilot_report(district)
                if form.is_pilot_report
                else experience_report(district)
                if form.is_experience_report
                else "",
                now=when,  # the count date is fixed by the story's day of submission
                **footer(district, filer),
            )
        except ValidationError as error:
            self.blocked.append((district, form, error.messages))
            self.clock.stamp(when)
            return None
        first = ret.snapshot.number == 1
        Return.objects.filter(pk=ret.pk).update(submitted_at=when, **({"first_submitted_at": when} if first else {}))
        self.clock.stamp(when)
        return ret

    def approve(self, ret, when):
        services.approve_return(ret=ret, actor=self.reviewer)
        Return.objects.filter(pk=ret.pk).update(reviewed_at=when)
        self.clock.stamp(when)

    def send_back(self, ret, when, *, reason, refs):
        ret.refresh_from_db()
        cells = services.parse_cells("、".join(refs), ret.snapshot.data)
        services.send_back(ret=ret, actor=self.reviewer, reason=reason, cells=cells)
        Return.objects.filter(pk=ret.pk).update(reviewed_at=when)
        self.clock.stamp(when)

    # dates --------------------------------------------------------------------------------------

    def due(self, forms):
        return min(self.forms[f].due_date for f in forms if f in self.forms)

    def late_day(self, forms):
        due = self.due(forms)
        return self.rng.choice(workdays(due + datetime.timedelta(days=1), due + datetime.timedelta(days=5)))

    def filing_day(self, forms, first_day, *, late):
        """A working day in the week or so before the due date, or one to five days after it."""
        if late:
            return self.late_day(forms)
        return self.rng.choice(workdays(first_day, self.due(forms)))

    def review_day(self, filed_on, *, soonest=1, latest=3):
        later = workdays(filed_on + datetime.timedelta(days=soonest), STORY_END)
        return later[min(self.rng.randint(0, latest - soonest), len(later) - 1)] if later else None

    def after(self, when, day):
        """A time on `day`, after `when` if it is the same day."""
        moment = self.clock.at(day, self.rng)
        return max(moment, when + datetime.timedelta(minutes=self.rng.randint(20, 90)))

    # the plot -----------------------------------------------------------------------------------

    def _quota_target(self, district, wanted_rules):
        """A quota finding in the district that 附表4 has a cell for: (finding, tier-3 row unit)."""
        for finding in self.findings(district):
            if finding.severity == rules.WARNING and finding.rule in wanted_rules and finding.unit.tier in (3, 4):
                row_unit = finding.unit if finding.unit.tier == 3 else Unit.objects.get(pk=finding.unit.parent_id)
                return finding, row_unit
        return None

    def _form4_ref(self, ret, finding, row_unit):
        block = rules.QUOTAS.index(rules.quota_for(finding.unit)) + 1
        key = f"b{block}_{RULE_COLUMN[finding.rule]}"
        for panel in ret.snapshot.data["panels"]:
            for column in panel["columns"]:
                if column.get("key") == key:
                    return f"{panel['key']}/u{row_unit.pk}/{column['number']}"
        raise LookupError(key)

    def cast(self):
        """Which district plays which part; the rest file normally."""
        by_code = {d.code: d for d in self.districts}
        preferred = [by_code[c] for c in DEMO_DISTRICTS if c in by_code]
        ordered = preferred + [d for d in self.districts if d not in preferred]
        taken = set()

        def pick(candidates, test=lambda d: True):
            for district in candidates:
                if district.pk not in taken and test(district):
                    taken.add(district.pk)
                    return district
            return None

        roles = {}
        roles["returned_4"] = pick(ordered, lambda d: self._quota_target(d, QUOTA_FIX_RULES))
        roles["contact_fix"] = pick(
            ordered, lambda d: d.contacts.filter(role=Contact.Role.CONTACT).exclude(office_phone="").exists()
        )
        roles["resubmitted_4"] = pick(self.districts, lambda d: self._quota_target(d, {"quota.vice_few"}))
        rest = [d for d in self.districts if d.pk not in taken and d.code not in DEMO_DISTRICTS]
        self.rng.shuffle(rest)
        roles["returned_3"] = pick(rest)
        roles["never_45"] = [pick(rest), pick(rest)]
        roles["pending_5"] = [pick(rest), pick(rest)]
        return roles

    def run(self):
        roles = self.cast()
        special = {
            ("1", roles["contact_fix"]),
            ("3", roles["returned_3"]),
            ("4", roles["returned_4"]),
            ("4", roles["resubmitted_4"]),
        }
        never = {d for d in roles["never_45"] if d}
        pending = {d for d in roles["pending_5"] if d}
        # Phase 1: everybody files each batch; the special returns are filed in phase 2.
        for batch, first_day, late_count in BATCHES:
            filing = [d for d in self.districts if not (batch[0] == "4" and d in never)]
            late = set(self.rng.sample(filing, min(late_count, len(filing))))
            if batch[0] == "4":
                late |= pending  # filed after the deadline, so the reviewer has not got to 附表5 yet
            for district in filing:
                day = self.filing_day(batch, first_day, late=district in late)
                for form_no in batch:
                    form = self.forms.get(form_no)
                    if form is None or (form_no, district) in special:
                        continue
                    when = self.clock.at(day, self.rng)
                    ret = self.submit(form, district, when)
                    if ret is None:
                        continue
                    if form_no == "5" and district in pending:
                        continue  # filed late in the window and not yet reviewed
                    review = self.review_day(day)
                    if review is not None:
                        self.approve(ret, self.after(when, review))
        # Phase 2: the stories that need a send-back, in the order they happened.
        self.contact_fix(roles["contact_fix"])
        self.returned_3(roles["returned_3"])
        self.returned_4(roles["returned_4"])
        self.resubmitted_4(roles["resubmitted_4"])
        self.leave_open_items_unread()
        return roles

    def contact_fix(self, district):
        """附表1 sent back for a wrong office phone, corrected on the unit page, resubmitted, approved."""
        form = self.forms.get("1")
        if district is None or form is None:
            return
        day = datetime.date(2016, 6, 6)
        when = self.clock.at(day, self.rng)
        ret = self.submit(form, district, when)
        if ret is None:
            return
        contact = district.contacts.get(role=Contact.Role.CONTACT)
        reason = (
            f"具体联系人{contact.name}的办公电话{contact.office_phone}与区妇联办公室登记的号码不一致，"
            "请核实后更正并重新上报。"
        )
        back = self.after(when, datetime.date(2016, 6, 7))
        row = f"u{district.pk}"
        self.send_back(ret, back, reason=reason, refs=[f"main/{row}/辛"])
        fixed = self.after(back, datetime.date(2016, 6, 8))
        number = (
            f"0451-{int(contact.office_phone[-8:]) + 11:08d}"
            if contact.office_phone[-8:].isdigit()
            else "0451-84600011"
        )
        filer = self.filers[district.pk]
        tree_services.update_contacts(
            unit=district,
            contacts={Contact.Role.CONTACT: {**_contact_fields(contact), "office_phone": number}},
            actor=filer,
        )
        self.clock.stamp(fixed)
        resubmitted = fixed + datetime.timedelta(minutes=25)
        ret = self.submit(form, district, resubmitted)
        self.approve(ret, self.after(resubmitted, datetime.date(2016, 6, 12)))

    def returned_3(self, district):
        """附表3 sent back because one member's 工作单位及职务 is too vague; the district has not answered."""
        form = self.forms.get("3")
        if district is None or form is None:
            return
        when = self.clock.at(datetime.date(2016, 6, 16), self.rng)
        ret = self.submit(form, district, when)
        if ret is None:
            return
        person_rows = [
            (panel, row)
            for panel in ret.snapshot.data["panels"]
            for row in panel["rows"]
            if row.get("kind") == "person"
        ]
        if not person_rows:
            self.approve(ret, self.after(when, datetime.date(2016, 6, 17)))
            return
        panel, row = person_rows[-1]
        reason = f"{row['label']}的工作单位及职务只写了单位简称，请写明单位全称和具体职务，与登记表一致后重新上报。"
        self.send_back(
            ret, self.after(when, datetime.date(2016, 6, 17)), reason=reason, refs=[f"{panel['key']}/{row['key']}/辛"]
        )

    def returned_4(self, district):
        """附表4 sent back with the cell of a unit short of its quota pinned; still awaiting the district."""
        form = self.forms.get("4")
        if district is None or form is None:
            return
        when = self.clock.at(datetime.date(2016, 9, 13), self.rng)
        ret = self.submit(form, district, when)
        if ret is None:
            return
        finding, row_unit = self._quota_target(district, QUOTA_FIX_RULES)
        reason = (
            f"{finding.message.rstrip('。')}。上报说明称换届推迟，但该单位已于8月完成换届，"
            "名册与选举结果不符，请核对名册、补录当选人员后重新上报。"
        )
        self.send_back(
            ret,
            self.after(when, datetime.date(2016, 9, 14)),
            reason=reason,
            refs=[self._form4_ref(ret, finding, row_unit)],
        )

    def resubmitted_4(self, district):
        """附表4 sent back for a missing vice-head; the district enters her and resubmits (awaiting review)."""
        form = self.forms.get("4")
        if district is None or form is None:
            return
        when = self.clock.at(datetime.date(2016, 9, 8), self.rng)
        ret = self.submit(form, district, when)
        if ret is None:
            return
        finding, row_unit = self._quota_target(district, {"quota.vice_few"})
        unit = finding.unit
        reason = f"{finding.message.rstrip('。')}。据该单位换届选举结果应为 2 人，请核对名册补录后重新上报。"
        back = self.after(when, datetime.date(2016, 9, 12))
        self.send_back(ret, back, reason=reason, refs=[self._form4_ref(ret, finding, row_unit)])
        # The vice-head elected in August had not been entered: the district adds her.
        fixed = self.after(back, datetime.date(2016, 9, 19))
        role = Post.Role.DEPUTY_DIRECTOR if unit.is_congress else Post.Role.VICE_CHAIR
        while any(f.rule == "quota.vice_few" for f in rules.evaluate_unit(unit, on=self.cut_off)):
            member_services.create_person_and_appoint(
                person_data={
                    "name": self.rng.choice(SURNAMES) + self.rng.choice(GIVEN),
                    "birth_date": datetime.date(self.rng.randint(1968, 1988), self.rng.randint(1, 12), 1),
                    "education": "31",
                    "workplace_title": f"{unit.name}居民",
                },
                unit=unit,
                post_data={"role": role, "start_date": datetime.date(2016, 8, 26), "method": Post.Method.MASSES},
                actor=self.filers[district.pk],
            )
        self.clock.stamp(fixed)
        self._findings.pop(district.pk, None)
        self.submit(form, district, fixed + datetime.timedelta(minutes=40))

    def leave_open_items_unread(self):
        """Everything of 2016 was read long ago, except what still waits for someone to act on it."""
        read_at = ExpressionWrapper(F("created_at") + datetime.timedelta(hours=2), output_field=DateTimeField())
        seeded = Notification.objects.filter(pk__gt=self.clock.started[Notification])
        seeded.update(read_at=read_at)
        open_returns = Return.objects.filter(
            campaign=self.campaign, status__in=[Return.Status.SUBMITTED, Return.Status.RETURNED]
        ).select_related("unit")
        for ret in open_returns:
            latest = ret.events.order_by("-at", "-id").values_list("at", flat=True).first()
            seeded.filter(url=ret.get_absolute_url(), created_at=latest).update(read_at=None)


def _contact_fields(contact):
    return {field: getattr(contact, field) for field in tree_services.CONTACT_FIELDS}


def seed_returns(*, stdout=None):
    """File and review the demo city's 2016 returns; does nothing if the campaign already has returns."""

    def say(text):
        if stdout is not None:
            stdout.write(text)

    campaign = Campaign.objects.filter(doc_number=DOC_NUMBER_2016).first()
    if campaign is None:
        say(f"报表：没有报送任务 {DOC_NUMBER_2016}，跳过。")
        return None
    if campaign.returns.exists():
        say(f"报表：{DOC_NUMBER_2016} 已有报表，跳过。")
        return None
    reviewer = User.objects.filter(username=REVIEWER, is_active=True).first()
    if reviewer is None:
        say(f"报表：没有审核账号 {REVIEWER}，跳过。")
        return None
    with transaction.atomic():
        story = Story(campaign, reviewer, random.Random("harbin-returns-2016"))
        roles = story.run()
    counts = dict.fromkeys(Return.Status.values, 0)
    for status in Return.objects.filter(campaign=campaign).values_list("status", flat=True):
        counts[status] += 1
    expected = len(story.districts) * len(story.forms)
    summary = "，".join(f"{Return.Status(s).label} {n}" for s, n in counts.items() if n)
    say(
        f"报表：{DOC_NUMBER_2016} 应报 {expected} 份，{summary}，未上报 {expected - sum(counts.values())} 份；"
        f"新建区县填报账号 {len(story.accounts_created)} 个（密码同演示账号）"
        + (f"：{'、'.join(story.accounts_created)}。" if story.accounts_created else "。")
    )
    for district, form, _messages in story.blocked:
        say(f"  {district.name}{form.short_label}因校验未通过未能上报。")
    return roles


# --- the live campaign -------------------------------------------------------------------------

LIVE_DOC_NUMBER = "哈妇发〔{year}〕21号"
LIVE_TITLE = "关于报送{year}年度基层妇联组织成员巩固情况统计表的通知"
# Forms and how many days from today each is due: the first closes next week, the last in a month.
LIVE_DUE_IN_DAYS = {"1": 6, "2": 13, "3": 13, "4": 27, "5": 27}
# Districts that have already filed 附表1 (one approved, the others awaiting review); the demo
# districts daoli and nangang are left to file it themselves.
LIVE_EARLY_FILERS = ["230104", "230110", "230111", "230183"]


def seed_live_campaign(*, today=None, stdout=None):
    """A campaign open now, next to 2016's, so a visitor sees live work: due dates in the coming
    weeks (relative to today), a few districts already filed, one return approved.

    Does nothing when this year's campaign exists, so a second `seed_demo` adds nothing.
    """
    today = today or timezone.localdate()
    doc_number = LIVE_DOC_NUMBER.format(year=today.year)
    if Campaign.objects.filter(doc_number=doc_number).exists():
        if stdout:
            stdout.write(f"报送任务：{doc_number} 已存在，跳过。")
        return None
    admin = User.objects.filter(username="shi_admin", is_active=True).first()
    reviewer = User.objects.filter(username=REVIEWER, is_active=True).first()
    if admin is None or reviewer is None:
        return None
    first_of_month = today.replace(day=1)
    cut_off = first_of_month - datetime.timedelta(days=1)
    rng = random.Random(f"harbin-live-{today.isoformat()}")
    with transaction.atomic():
        campaign = services.create_campaign(
            actor=admin,
            doc_number=doc_number,
            title=LIVE_TITLE.format(year=today.year),
            baseline_date=datetime.date(2016, 6, 2),
            cut_off_date=cut_off,
            due_dates={form: today + datetime.timedelta(days=n) for form, n in LIVE_DUE_IN_DAYS.items()},
        )
        clock = Clock()
        published = datetime.datetime.combine(today - datetime.timedelta(days=8), datetime.time(9, 30), clock.tz)
        Campaign.objects.filter(pk=campaign.pk).update(created_at=published)
        clock.stamp(published)
        form = campaign.forms.get(form_no="1")
        filed = 0
        for i, code in enumerate(LIVE_EARLY_FILERS):
            district = Unit.objects.filter(code=code).first()
            if district is None:
                continue
            filer, _created = district_filer(district, rng, clock.tz)
            day = today - datetime.timedelta(days=len(LIVE_EARLY_FILERS) - i)
            try:
                ret = services.submit_return(form=form, unit=district, actor=filer, **footer(district, filer))
            except ValidationError:
                continue
            when = clock.at(day, rng)
            Return.objects.filter(pk=ret.pk).update(submitted_at=when, first_submitted_at=when)
            clock.stamp(when)
            filed += 1
            if i == 0:
                services.approve_return(ret=ret, actor=reviewer)
                later = when + datetime.timedelta(hours=20)
                Return.objects.filter(pk=ret.pk).update(reviewed_at=later)
                clock.stamp(later)
                # She read the filing when she approved it; the district reads its approval.
                Notification.objects.filter(url=ret.get_absolute_url()).update(read_at=later)
    if stdout:
        stdout.write(
            f"报送任务：{doc_number}（{campaign.title}）进行中，附表1 {LIVE_DUE_IN_DAYS['1']} 天后截止，"
            f"已有 {filed} 个区县上报。"
        )
    return campaign
