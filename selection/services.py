"""The path to an appointment (哈妇发〔2016〕8号 三(三)3), as services: register → candidate → vetting →
妇女群众会议 → posts → (certificates, selection.certificates) → 备案.

Each write runs in one transaction, takes `actor=`, and records one AuditEvent per object changed.
Validation reuses members.validators and members.services.check_post; errors are ValidationErrors
keyed by form field, or plain lists that name the woman at fault.
"""

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, QuerySet

from members import rules, validators
from members import services as members_services
from members.models import Person, Post
from members.search import text_match
from orgtree.models import AuditEvent, Unit

from .models import Candidate, Filing, Meeting, RegisterEntry, WomenOrganisation

ENTRY_FIELDS = [
    "name",
    "birth_date",
    "id_number",
    "field",
    "workplace_title",
    "mobile",
    "source",
    "organisation",
    "is_social_worker",
    "note",
]
ORGANISATION_FIELDS = ["name", "field", "member_count", "contact", "note"]
MEETING_FIELDS = ["held_on", "place", "attendance", "note"]
FILING_FIELDS = ["party_org", "party_filed_on", "parent_filed_on", "note"]
# A delegate is elected by a congress, not selected; every other post may be filled by a candidate.
CANDIDATE_ROLES = [r for r in Post.Role if r != Post.Role.DELEGATE]
RESULT_LIMIT = 200


def candidate_roles_for(unit: Unit) -> list[Post.Role]:
    allowed = Post.CONGRESS_ROLES if unit.is_congress else Post.FEDERATION_ROLES
    return [r for r in allowed if r in CANDIDATE_ROLES]


# --- the register (档案) ----------------------------------------------------------------------------


def register_of(unit: Unit) -> QuerySet[RegisterEntry]:
    """Register entries of the unit and of every unit below it, by name."""
    return (
        RegisterEntry.objects.filter(unit__in=Unit.objects.subtree_of(unit))
        .select_related("unit", "organisation")
        .order_by("unit__tree_id", "unit__lft", "name", "pk")
    )


def search_register(unit: Unit, query: str | None, *, unmasked: bool = False) -> list[RegisterEntry]:
    """The unit's (subtree's) register entries matching `query` the way a person search does
    (members.search.text_match: name, pinyin initials; the whole ID number or phone only for a
    searcher who sees them unmasked), or the whole register."""
    q = "".join((query or "").split())
    entries = register_of(unit)
    if q:
        entries = entries.filter(text_match(q, unmasked=unmasked))
    return list(entries[:RESULT_LIMIT])


def organisations_of(unit: Unit) -> QuerySet[WomenOrganisation]:
    return (
        WomenOrganisation.objects.filter(unit__in=Unit.objects.subtree_of(unit))
        .select_related("unit")
        .prefetch_related("leaders")
        .order_by("unit__tree_id", "unit__lft", "name")
    )


def _clean_entry(entry: RegisterEntry) -> None:
    """Normalise a register entry in memory; {field: [messages]} raised as one ValidationError."""
    errors: dict[str, list[str]] = {}
    name = members_services._collect(errors, "name", validators.clean_person_name, entry.name)
    entry.name = name if name is not None else entry.name
    id_number = members_services._collect(errors, "id_number", validators.clean_id_number, entry.id_number)
    entry.id_number = id_number or ""
    if entry.id_number and entry.birth_date is None:
        entry.birth_date = validators.id_birth_date(entry.id_number).replace(day=1)
    if entry.birth_date is not None:
        entry.birth_date = entry.birth_date.replace(day=1)
        members_services._collect(errors, "birth_date", validators.check_birth_date, entry.birth_date)
        if entry.id_number:
            members_services._collect(
                errors, "birth_date", validators.check_id_matches_birth, entry.id_number, entry.birth_date
            )
    mobile = members_services._collect(errors, "mobile", validators.clean_mobile, entry.mobile)
    entry.mobile = mobile if mobile is not None else entry.mobile
    if entry.organisation is not None and entry.organisation.unit_id != entry.unit_id:
        errors.setdefault("organisation", []).append("所选妇女社会组织不在本组织的档案中。")
    if entry.id_number:
        clash = (
            RegisterEntry.objects.filter(unit_id=entry.unit_id, id_number=entry.id_number).exclude(pk=entry.pk).first()
        )
        if clash is not None:
            errors.setdefault("id_number", []).append(f"身份证号 {entry.id_number} 已在本组织档案中（{clash.name}）。")
    members_services._raise(errors)


@transaction.atomic
def save_entry(*, unit: Unit, data: Mapping[str, Any], actor: Any, entry: RegisterEntry | None = None) -> RegisterEntry:
    """Add a woman to the unit's register, or correct an entry (`entry`); audited with old → new."""
    if entry is None:
        entry = RegisterEntry(unit=unit)
        before: dict[str, Any] = {}
    else:
        entry = RegisterEntry.objects.select_for_update().get(pk=entry.pk)
        before = {name: getattr(entry, name) for name in ENTRY_FIELDS}
    for name in ENTRY_FIELDS:
        if name in data:
            setattr(entry, name, data[name] if data[name] is not None or name in ("birth_date", "organisation") else "")
    _clean_entry(entry)
    diff = {
        name: (before.get(name), getattr(entry, name))
        for name in ENTRY_FIELDS
        if before.get(name) != getattr(entry, name) and (before or getattr(entry, name) not in (None, "", False))
    }
    if before and not diff:
        return entry
    entry.save()
    AuditEvent.objects.record(
        actor=actor,
        action="register.update" if before else "register.create",
        unit=entry.unit,
        obj=entry,
        changes=members_services.audit_changes(diff),
    )
    return entry


@transaction.atomic
def save_organisation(*, unit: Unit, data: Mapping[str, Any], actor: Any) -> WomenOrganisation:
    """Add a women's social organisation to the unit's register."""
    organisation = WomenOrganisation(unit=unit, **{name: data[name] for name in ORGANISATION_FIELDS if name in data})
    organisation.name = (organisation.name or "").strip()
    if not organisation.name:
        raise ValidationError({"name": ["请填写组织名称。"]})
    if WomenOrganisation.objects.filter(unit=unit, name=organisation.name).exists():
        raise ValidationError({"name": [f"“{organisation.name}”已在本组织档案中。"]})
    organisation.save()
    AuditEvent.objects.record(
        actor=actor,
        action="register.organisation",
        unit=unit,
        obj=organisation,
        changes={"name": [None, organisation.name]},
    )
    return organisation


# --- candidates and vetting -------------------------------------------------------------------------


@transaction.atomic
def propose(
    *,
    entry: RegisterEntry,
    unit: Unit,
    role: str,
    method: str,
    mode: str,
    proposed_on: datetime.date | None,
    actor: Any,
) -> tuple[Candidate, bool]:
    """Propose a woman of the register for `role` in `unit`: returns (candidate, created).

    She has at most one open candidacy per unit (candidate_one_open_per_unit): proposing her again
    (a double click) returns that one instead of a second.
    """
    open_one = Candidate.objects.filter(unit=unit, entry=entry, status__in=Candidate.OPEN).first()
    if open_one is not None:
        return open_one, False
    errors: dict[str, list[str]] = {}
    if role not in candidate_roles_for(unit):
        names = "、".join(str(r.label) for r in candidate_roles_for(unit))
        errors["role"] = [f"{unit.name}是{unit.get_org_form_display()}，拟任职务只能是：{names}。"]
    if method not in Post.Method.values:
        errors["method"] = ["请选择产生方式：个人自荐、群众举荐、单位推荐或直接选拔。"]
    if mode not in Post.Mode.values:
        errors["mode"] = ["请选择任职方式：专职、兼职、挂职或志愿者。"]
    if proposed_on is None:
        errors["proposed_on"] = ["请填写提名日期。"]
    else:
        members_services._collect(errors, "proposed_on", validators.check_post_date, proposed_on, "提名日期")
    if unit.is_archived:
        errors.setdefault("role", []).append(f"{unit.name}已撤销，不能再提名人选。")
    members_services._raise(errors)
    assert proposed_on is not None  # a missing date was refused above
    candidate = Candidate(
        unit=unit,
        entry=entry,
        role=role,
        method=method,
        mode=mode,
        proposed_on=proposed_on,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    try:
        with transaction.atomic():
            candidate.save()
    except IntegrityError:  # a concurrent click won the unique open candidacy
        return Candidate.objects.get(unit=unit, entry=entry, status__in=Candidate.OPEN), False
    AuditEvent.objects.record(
        actor=actor,
        action="candidate.propose",
        unit=unit,
        obj=candidate,
        changes={
            "name": [None, entry.name],
            "role": [None, candidate.get_role_display()],
            "method": [None, candidate.get_method_display()],
            "mode": [None, candidate.get_mode_display()],
        },
    )
    return candidate, True


@transaction.atomic
def vet(
    *,
    candidate: Candidate,
    passed: bool,
    vetted_on: datetime.date | None,
    body: str | None,
    note: str | None,
    actor: Any,
) -> Candidate:
    """Record the vetting (考核) of a candidate: passed or not, on a date, by a body, with a note."""
    candidate = Candidate.objects.select_for_update().select_related("entry").get(pk=candidate.pk)
    if candidate.status == Candidate.Status.APPOINTED:
        raise ValidationError(f"{candidate.entry.name}已任命，考核结果不能再改。")
    errors: dict[str, list[str]] = {}
    if vetted_on is None:
        errors["vetted_on"] = ["请填写考核日期。"]
    else:
        members_services._collect(errors, "vetted_on", validators.check_post_date, vetted_on, "考核日期")
        if vetted_on < candidate.proposed_on:
            errors.setdefault("vetted_on", []).append(f"考核日期不能早于提名日期 {candidate.proposed_on:%Y-%m-%d}。")
    body = (body or "").strip()
    if not body:
        errors["body"] = ["请填写考核单位，例如 街道党工委、区妇联。"]
    members_services._raise(errors)
    assert vetted_on is not None  # a missing date was refused above
    old = candidate.get_status_display()
    candidate.status = Candidate.Status.PASSED if passed else Candidate.Status.FAILED
    candidate.vetted_on, candidate.vetting_body, candidate.vetting_note = vetted_on, body[:100], (note or "")[:200]
    candidate.save()
    AuditEvent.objects.record(
        actor=actor,
        action="candidate.vet",
        unit=candidate.unit,
        obj=candidate,
        changes={
            "status": [old, candidate.get_status_display()],
            "vetted_on": [None, vetted_on.isoformat()],
            "vetting_body": [None, candidate.vetting_body],
        },
    )
    return candidate


def candidates_of(unit: Unit) -> QuerySet[Candidate]:
    return (
        Candidate.objects.filter(unit=unit)
        .select_related("entry", "post", "post__meeting")
        .order_by("status", "entry__name", "pk")
    )


@dataclass
class LookAhead:
    """What a unit would look like if its vetted candidates were appointed, against its quota."""

    unit: Unit
    quota: rules.Quota | None
    now: rules.Tally
    after: rules.Tally
    pending: list[Candidate] = field(default_factory=list)  # vetted candidates, not yet appointed
    already_serving: list[Candidate] = field(default_factory=list)  # of them, women who already hold a post here

    @property
    def compliant_now(self) -> bool:
        return rules.reaches_quota(self.quota, total=self.now.total, head=self.now.head, vice=self.now.vice)

    @property
    def compliant_after(self) -> bool:
        return rules.reaches_quota(self.quota, total=self.after.total, head=self.after.head, vice=self.after.vice)


def look_ahead(unit: Unit, *, on: datetime.date, now: rules.Tally | None = None) -> LookAhead:
    """The unit's tally on `on`, and the tally if every vetted candidate were appointed (rules.reaches_quota).

    Each woman counts once: a candidate who already holds a current leadership post in the unit is
    listed apart and not added again. `now` is the unit's tally when the caller has it (the roster
    page): then one query, or two when a candidate is already a registered person; else one more.
    """
    if now is None:
        now = rules.tally_unit(unit, on=on)
    pending = list(
        Candidate.objects.filter(unit=unit, status=Candidate.Status.PASSED)
        .select_related("entry")
        .order_by("entry__name", "pk")
    )
    serving = set(
        Post.objects.current(on=on)
        .filter(unit=unit, person_id__in=[c.entry.person_id for c in pending if c.entry.person_id])
        .leadership()
        .values_list("person_id", flat=True)
    )
    after = rules.Tally(head=now.head, vice=now.vice, member=now.member)
    already = []
    for candidate in pending:
        if candidate.entry.person_id in serving:
            already.append(candidate)
            continue
        group = rules.ROLE_GROUP[Post.Role(candidate.role)]
        setattr(after, group, getattr(after, group) + 1)
    return LookAhead(unit, rules.quota_for(unit), now, after, pending, already)


# --- the 妇女群众会议 and appointment --------------------------------------------------------------------


@transaction.atomic
def create_meeting(*, unit: Unit, data: Mapping[str, Any], actor: Any) -> Meeting:
    """Record a 妇女群众会议 of the unit (date, place, attendance)."""
    meeting = Meeting(unit=unit, **{name: data[name] for name in MEETING_FIELDS if name in data})
    meeting.place = (meeting.place or "").strip()
    errors: dict[str, list[str]] = {}
    if meeting.held_on is None:
        errors["held_on"] = ["请填写会议日期。"]
    else:
        members_services._collect(errors, "held_on", validators.check_post_date, meeting.held_on, "会议日期")
    if not meeting.place:
        errors["place"] = ["请填写会议地点。"]
    if not meeting.attendance:
        errors["attendance"] = ["请填写参会人数。"]
    if unit.is_archived:
        errors.setdefault("held_on", []).append(f"{unit.name}已撤销。")
    members_services._raise(errors)
    meeting.created_by = actor if actor is not None and actor.is_authenticated else None
    meeting.save()
    AuditEvent.objects.record(
        actor=actor,
        action="meeting.create",
        unit=unit,
        obj=meeting,
        changes={"held_on": [None, meeting.held_on.isoformat()], "place": [None, meeting.place]},
    )
    return meeting


def _person_for(entry: RegisterEntry, *, actor: Any, unit: Unit) -> Person:
    """The Person a register entry becomes: hers if already linked or registered by ID number, else a new one."""
    person = entry.person
    if person is None and entry.id_number:
        person = Person.objects.filter(id_number=entry.id_number).first()
    if person is None:
        if entry.birth_date is None:
            raise ValidationError(f"{entry.name}：档案中没有出生年月或身份证号，请先补全档案再任命。")
        person = members_services.create_person(
            data={
                "name": entry.name,
                "birth_date": entry.birth_date,
                "id_number": entry.id_number or None,
                "workplace_title": entry.workplace_title,
                "mobile": entry.mobile,
                "source": entry.source,
                "sector": entry.field,
                "is_social_worker": entry.is_social_worker,
                "is_org_leader": entry.organisation_id is not None,
            },
            actor=actor,
            unit=unit,
        )
    if entry.person_id != person.pk:
        entry.person = person
        entry.save(update_fields=["person", "updated_at"])
    return person


@dataclass
class MeetingAppointment:
    posts: list[Post]
    already: list[Candidate]  # candidates this meeting had appointed before (a second click)


@transaction.atomic
def appoint_at_meeting(*, meeting: Meeting, candidate_ids: Iterable[int | str], actor: Any) -> MeetingAppointment:
    """Appoint the chosen vetted candidates at `meeting`: all their posts, dated that day, or none.

    The meeting row is locked first, so a second submission (a double click, two tabs) waits for the
    first and then finds its candidates appointed: they are returned in `already`, not appointed twice.
    Any candidate who cannot be appointed (not vetted, a post clash, her age) fails the whole batch with
    a message naming her.
    """
    meeting = Meeting.objects.select_for_update().select_related("unit").get(pk=meeting.pk)
    unit = meeting.unit
    ids = sorted({int(pk) for pk in candidate_ids})
    if not ids:
        raise ValidationError("请勾选要任命的人选。")
    candidates = list(
        Candidate.objects.select_for_update(of=("self",))  # PostgreSQL locks no outer-joined rows
        .filter(unit=unit, pk__in=ids)
        .select_related("entry", "entry__person", "entry__organisation", "post")
        .order_by("pk")
    )
    if len(candidates) != len(ids):
        raise ValidationError("所选人选不属于本组织。")
    errors: list[str] = []
    posts: list[Post] = []
    already: list[Candidate] = []
    for candidate in candidates:
        name = candidate.entry.name
        if candidate.status == Candidate.Status.APPOINTED:
            if candidate.post is not None and candidate.post.meeting_id == meeting.pk:
                already.append(candidate)
            else:
                errors.append(f"{name}已任命，不能重复任命。")
            continue
        if candidate.status != Candidate.Status.PASSED:
            errors.append(f"{name}{candidate.get_status_display()}，考核合格后才能任命。")
            continue
        if candidate.vetted_on and meeting.held_on < candidate.vetted_on:
            errors.append(f"{name}的考核日期 {candidate.vetted_on:%Y-%m-%d} 晚于会议日期。")
            continue
        try:
            person = _person_for(candidate.entry, actor=actor, unit=unit)
            post = members_services.appoint(
                person=person,
                unit=unit,
                role=candidate.role,
                start_date=meeting.held_on,
                actor=actor,
                meeting=meeting,
                mode=candidate.mode,
                method=candidate.method,
            )
        except ValidationError as e:
            errors.extend(f"{name}：{message}" for message in e.messages)
            continue
        candidate.status, candidate.post = Candidate.Status.APPOINTED, post
        candidate.save(update_fields=["status", "post"])
        posts.append(post)
    if errors:
        raise ValidationError(errors)
    return MeetingAppointment(posts=posts, already=already)


def meeting_posts(meeting: Meeting) -> list[Post]:
    """The posts a meeting made, highest first, with their person and certificate."""
    return list(
        Post.objects.filter(meeting=meeting).select_related("person", "unit", "unit__parent", "certificate").by_rank()
    )


def meetings_of(unit: Unit) -> QuerySet[Meeting]:
    return Meeting.objects.filter(unit=unit).annotate(post_count=Count("posts")).select_related("filing")


# --- 备案 -------------------------------------------------------------------------------------------


@transaction.atomic
def record_filing(*, meeting: Meeting, data: Mapping[str, Any], actor: Any) -> tuple[Filing, bool]:
    """Record that a meeting's result was filed with the party organisation and the parent federation.

    One filing per meeting; a second submission (a double click) returns the first: (filing, created).
    """
    meeting = Meeting.objects.select_for_update().select_related("unit").get(pk=meeting.pk)
    existing = Filing.objects.filter(meeting=meeting).first()
    if existing is not None:
        return existing, False
    errors: dict[str, list[str]] = {}
    if not Post.objects.filter(meeting=meeting).exists():
        raise ValidationError("这次会议还没有任命任何人，没有可备案的选拔结果。")
    party_org = (data.get("party_org") or "").strip()
    if not party_org:
        errors["party_org"] = ["请填写同级党组织名称，例如 兆麟街道党工委。"]
    for name, label in (("party_filed_on", "报党组织备案日期"), ("parent_filed_on", "报上级妇联备案日期")):
        day = data.get(name)
        if day is None:
            errors[name] = [f"请填写{label}。"]
        elif day < meeting.held_on:
            errors[name] = [f"{label}不能早于会议日期 {meeting.held_on:%Y-%m-%d}。"]
        else:
            members_services._collect(errors, name, validators.check_post_date, day, label)
    members_services._raise(errors)
    filing = Filing.objects.create(
        meeting=meeting,
        party_org=party_org[:100],
        party_filed_on=data["party_filed_on"],
        parent_filed_on=data["parent_filed_on"],
        note=(data.get("note") or "")[:200],
        recorded_by=actor if actor is not None and actor.is_authenticated else None,
    )
    AuditEvent.objects.record(
        actor=actor,
        action="filing.record",
        unit=meeting.unit,
        obj=filing,
        changes={"party_org": [None, filing.party_org], "parent_filed_on": [None, str(filing.parent_filed_on)]},
    )
    return filing, True


@dataclass
class FilingStatus:
    unit_id: int
    name: str
    kind_label: str
    parent_name: str
    meetings: int
    last_meeting: datetime.date | None
    appointed: int
    filed: int

    @property
    def state(self) -> str:
        if not self.meetings:
            return "未开会"
        if self.filed >= self.meetings:
            return "已备案"
        return "待备案"


def filing_overview(unit: Unit) -> list[FilingStatus]:
    """Every active unit below `unit` that selects by quota (streets, townships, communities, villages):
    its meetings, posts made at them, and how many were filed. Three queries whatever the subtree."""
    units = list(
        Unit.objects.subtree_of(unit)
        .active()
        .filter(kind__in=[*rules.TIER3_KINDS, *rules.TIER4_KINDS])
        .exclude(pk=unit.pk)
        .select_related("parent")
        .order_by("tree_id", "lft")
    )
    ids = [u.pk for u in units]
    meetings: dict[int, Mapping[str, Any]] = {
        row["unit_id"]: row
        for row in Meeting.objects.filter(unit_id__in=ids)
        .values("unit_id")
        .annotate(n=Count("id", distinct=True), last=Max("held_on"), filed=Count("filing", distinct=True))
    }
    posts = dict(
        Post.objects.filter(meeting__unit_id__in=ids)
        .values("meeting__unit_id")
        .annotate(n=Count("id"))
        .values_list("meeting__unit_id", "n")
    )
    rows: list[FilingStatus] = []
    for u in units:
        m: Mapping[str, Any] = meetings.get(u.pk, {})
        rows.append(
            FilingStatus(
                unit_id=u.pk,
                name=u.name,
                kind_label=u.get_kind_display(),
                parent_name=u.parent.name if u.parent_id else "",
                meetings=m.get("n", 0),
                last_meeting=m.get("last"),
                appointed=posts.get(u.pk, 0),
                filed=m.get("filed", 0),
            )
        )
    return rows
