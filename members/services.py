"""Roster operations that span models; each runs in one transaction and is audited.

Nothing here deletes: a post ends (end_date, end_reason) and stays as history. Every function
validates through members.validators and raises ValidationError keyed by field name, so a form
can show each message next to the input at fault.
"""

import datetime
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model, Q
from django.utils import timezone

from orgtree.models import AuditEvent, Unit
from orgtree.versions import FormSpan, form_on, form_spans

from . import validators
from .models import Person, Post

if TYPE_CHECKING:
    from .models import RuleSet

PERSON_FIELDS = [
    "name",
    "gender",
    "ethnicity",
    "birth_date",
    "id_number",
    "political_status",
    "education",
    "workplace_title",
    "mobile",
    "source",
    "sector",
    "is_frontline",
    "is_women_worker",
    "is_social_worker",
    "is_org_leader",
    "note",
]
POST_FIELDS = [
    "role",
    "mode",
    "method",
    "term",
    "start_date",
    "end_date",
    "end_reason",
    "two_committees",
    "note",
]


def audit_value(value: Any) -> Any:
    """A JSON-friendly, human-readable value for AuditEvent.changes: ISO dates, stored codes, None for blank."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.date):
        return value.isoformat()
    if hasattr(value, "pk"):
        return str(value)
    return value


def audit_changes(diff: Mapping[str, tuple[Any, Any]]) -> dict[str, list]:
    """{field: (old, new)} -> AuditEvent.changes {field: [old, new]} with audit values."""
    return {name: [audit_value(old), audit_value(new)] for name, (old, new) in diff.items()}


def person_created_changes(person: Person) -> dict[str, list]:
    """The audit changes of a newly registered person: each filled-in field, from nothing."""
    changes = audit_changes({name: (None, getattr(person, name)) for name in PERSON_FIELDS})
    return {name: pair for name, pair in changes.items() if pair[1] not in (None, False)}


def post_created_changes(post: Post) -> dict[str, list]:
    """The audit changes of a new post: who, where, and each filled-in post field."""
    changes: dict[str, list] = {"person": [None, post.person.name], "unit": [None, post.unit.name]}
    for name in POST_FIELDS:
        value = audit_value(getattr(post, name))
        if value is not None:
            changes[name] = [None, value]
    return changes


def audit_event(
    *,
    actor: Any,
    action: str,
    unit: Unit | None = None,
    obj: Model | None = None,
    changes: dict | None = None,
    reason: str = "",
) -> AuditEvent:
    """The unsaved AuditEvent for a roster change; services save it, the Excel import bulk-creates them.

    `actor` None (or anonymous) is the system, e.g. the command line.
    """
    return AuditEvent(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        unit=unit,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=obj.pk if obj is not None else None,
        changes=changes or {},
        reason=reason,
    )


def _record(**kwargs: Any) -> AuditEvent:
    event = audit_event(**kwargs)
    event.save()
    return event


def overlaps(
    start: datetime.date,
    end: datetime.date | None,
    other_start: datetime.date,
    other_end: datetime.date | None,
) -> bool:
    """Do [start, end) and [other_start, other_end) share a day? An open end runs on for ever."""
    far = datetime.date.max
    return start < (other_end or far) and other_start < (end or far)


def leadership_clash(
    *,
    name: str,
    unit: Unit,
    role: str,
    start_date: datetime.date,
    end_date: datetime.date | None = None,
    held: Iterable[Any] = (),
) -> str | None:
    """One current leadership post per person per unit (a delegate post may sit beside it).

    `held` are the person's other posts in `unit`, earliest first: stored posts, or for the Excel
    import also rows of the same file (anything with role, start_date, end_date and, for a file
    row, `row`, its number). Returns the message for the first one that overlaps, or None.
    """
    if role == Post.Role.DELEGATE:
        return None
    for other in held:
        if other.role == Post.Role.DELEGATE:
            continue
        if not overlaps(start_date, end_date, other.start_date, other.end_date):
            continue
        other_role = Post.Role(other.role).label
        if getattr(other, "row", None) is not None:
            return f"{name}在{unit.name}与第{other.row}行的{other_role}任期重叠，同一组织只能担任一个领导职务。"
        return (
            f"{name}在{unit.name}已担任{other_role}（自 {other.start_date:%Y-%m-%d} 起），"
            "同一组织只能担任一个领导职务；如需调整，请先结束原职务。"
        )
    return None


def check_post(
    *,
    name: str,
    unit: Unit,
    role: str | None,
    start_date: datetime.date | None,
    end_date: datetime.date | None = None,
    birth_date: datetime.date | None = None,
    two_committees: str | None = "",
    held: Iterable[Any] | None = None,
    spans: Sequence[FormSpan] | None = None,
) -> dict[str, list[str]]:
    """The rules a post must meet, whoever writes it: the forms, the API and the Excel import.

    Any argument may be None when the caller could not read it; its rules are then skipped.
    The leadership rule (see leadership_clash) is checked when `held` is given and every other
    rule on role and dates passed. Returns {field: [messages]}, empty when the post may be written.

    The role is judged against the unit's form (妇联/妇代会) on the post's own dates: the form it had
    on the start date, and a 妇代会 role may not run past the 会改联 that ended it. `spans` are the
    unit's forms through time (orgtree.versions.form_spans), read here when not given.
    """
    errors: dict[str, list[str]] = {}
    if role and start_date and spans is None:
        spans = form_spans([unit.pk]).get(unit.pk, []) if unit.pk is not None else []
    if role:
        form = form_on(spans, start_date) if spans and start_date else None
        on = start_date if spans and form != spans[-1].org_form else None  # named when the form has changed since
        _collect(errors, "role", validators.check_role_for_unit, role, unit, org_form=form, on=on)
        if spans and start_date and "role" not in errors and (end_date is None or end_date > start_date):
            _collect(errors, "end_date", validators.check_role_through, role, unit, start_date, end_date, spans)
    if start_date:
        _collect(errors, "start_date", validators.check_post_date, start_date, "任职时间")
        plausible = "start_date" not in errors  # an implausible start is reported once, on its own field
        if birth_date and plausible:
            _collect(errors, "start_date", validators.check_age_on, birth_date, start_date)
        if plausible:
            _collect(errors, "end_date", validators.check_dates, start_date, end_date)
    if two_committees and not unit.is_village_level:
        errors.setdefault("two_committees", []).append("进“两委”只适用于村（社区）一级的成员。")
    if held is not None and role and start_date and not {"role", "start_date", "end_date"} & set(errors):
        message = leadership_clash(name=name, unit=unit, role=role, start_date=start_date, end_date=end_date, held=held)
        if message:
            errors.setdefault("role", []).append(message)
    return errors


def _collect(errors: dict[str, list[str]], field: str, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run one validator, filing its message under `field`; returns the cleaned value or None."""
    try:
        return func(*args, **kwargs)
    except ValidationError as e:
        errors.setdefault(field, []).extend(e.messages)
        return None


def _raise(errors: dict[str, Any]) -> None:
    if errors:
        raise ValidationError(errors)


def _merge(errors: dict[str, list[str]], error: ValidationError) -> None:
    """Add a ValidationError's messages to `errors`, keyed by field (NON_FIELD_ERRORS when it has none)."""
    items = error.message_dict.items() if hasattr(error, "error_dict") else [(NON_FIELD_ERRORS, error.messages)]
    for name, messages in items:
        errors.setdefault(name, []).extend(messages)


def _clean_person(person: Person) -> None:
    """Normalise and check a Person in memory (ID checksum and birth month, mobile, unique ID)."""
    errors: dict[str, list[str]] = {}
    name = _collect(errors, "name", validators.clean_person_name, person.name)
    person.name = name if name is not None else person.name
    if person.birth_date is None:
        errors["birth_date"] = ["请填写出生年月，例如 1975.03。"]
    else:
        person.birth_date = person.birth_date.replace(day=1)
        _collect(errors, "birth_date", validators.check_birth_date, person.birth_date)
    id_number = _collect(errors, "id_number", validators.clean_id_number, person.id_number)
    person.id_number = id_number or None
    if person.id_number and person.birth_date:
        _collect(errors, "birth_date", validators.check_id_matches_birth, person.id_number, person.birth_date)
    mobile = _collect(errors, "mobile", validators.clean_mobile, person.mobile)
    person.mobile = mobile if mobile is not None else person.mobile
    if person.id_number:
        clash = (
            Person.objects.filter(id_number=person.id_number).exclude(pk=person.pk).values_list("pk", flat=True).first()
        )
        if clash is not None:
            # The other person may sit outside the user's subtree: name only her person number.
            errors.setdefault("id_number", []).append(
                f"身份证号 {person.id_number} 已登记在人员编号 {clash} 名下。同一人只登记一次，"
                "请用“任命已有人员”按完整身份证号找到她再任命。"
            )
    _raise(errors)


def _clean_post(post: Post, *, person: Person) -> None:
    """Check a Post in memory against the unit, the person's age and her other posts."""
    errors: dict[str, list[str]] = {}
    unit = post.unit
    if post.pk is None and unit.is_archived:
        raise ValidationError(f"{unit.name}已撤销，不能再任命成员。")
    if not post.role:
        errors["role"] = ["请选择妇联职务。"]
    if post.start_date is None:
        errors["start_date"] = ["请填写任职时间。"]
    if post.term is not None and post.term.unit_id != unit.pk:
        errors.setdefault("term", []).append(f"所选届次不属于{unit.name}。")
    # Her other posts in the unit, for the leadership rule; a new person has none.
    held: Iterable[Post] | None = None
    if not errors:
        held = Post.objects.none() if person.pk is None else Post.objects.filter(person=person, unit=unit)
        held = held.exclude(pk=post.pk).order_by("start_date", "pk")
    for name, messages in check_post(
        name=person.name,
        unit=unit,
        role=post.role,
        start_date=post.start_date,
        end_date=post.end_date,
        birth_date=person.birth_date,
        two_committees=post.two_committees,
        held=held,
    ).items():
        errors.setdefault(name, []).extend(messages)
    _raise(errors)


def _save_post(post: Post) -> None:
    """Save, turning the open-leadership constraint (a concurrent clerk won) into a form error."""
    try:
        with transaction.atomic():
            post.save()
    except IntegrityError:
        raise ValidationError(
            {"role": [f"{post.person.name}在{post.unit.name}已有在任的领导职务，同一组织只能担任一个。"]}
        ) from None


@transaction.atomic
def create_person(*, data: Mapping[str, Any], actor: Any, unit: Unit | None = None) -> Person:
    """Register a new person; `unit` is where she is being entered (for the unit's history)."""
    person = Person(**{name: data[name] for name in PERSON_FIELDS if name in data})
    _clean_person(person)
    person.save()
    _record(actor=actor, action="person.create", unit=unit, obj=person, changes=person_created_changes(person))
    return person


@transaction.atomic
def appoint(
    *,
    person: Person,
    unit: Unit,
    role: str,
    start_date: datetime.date,
    actor: Any,
    meeting: Any = None,
    **post_fields: Any,
) -> Post:
    """Give `person` the post `role` in `unit` from `start_date` (other Post fields by keyword).

    `meeting` is the 妇女群众会议 that appointed her (selection.services); without one the post is
    an appointment outside a meeting (a correction).
    """
    unknown = set(post_fields) - set(POST_FIELDS)
    if unknown:
        raise TypeError(f"unknown post fields: {sorted(unknown)}")
    person = Person.objects.select_for_update().get(pk=person.pk)
    post = Post(person=person, unit=unit, role=role, start_date=start_date, meeting=meeting, **post_fields)
    _clean_post(post, person=person)
    _save_post(post)
    changes = post_created_changes(post)
    if meeting is not None:
        changes["meeting"] = [None, f"{meeting.held_on:%Y-%m-%d} 妇女群众会议"]
    _record(actor=actor, action="post.create", unit=unit, obj=post, changes=changes)
    return post


@transaction.atomic
def create_person_and_appoint(
    *, person_data: Mapping[str, Any], unit: Unit, post_data: Mapping[str, Any], actor: Any
) -> Post:
    """A new person and her first post, both or neither; errors of both parts are reported together."""
    person = Person(**{name: person_data[name] for name in PERSON_FIELDS if name in person_data})
    errors: dict[str, list[str]] = {}
    try:
        _clean_person(person)
    except ValidationError as e:
        _merge(errors, e)
    post = Post(person=person, unit=unit, **{name: post_data[name] for name in POST_FIELDS if name in post_data})
    try:
        _clean_post(post, person=person)
    except ValidationError as e:
        _merge(errors, e)
    _raise(errors)
    person = create_person(data={name: getattr(person, name) for name in PERSON_FIELDS}, actor=actor, unit=unit)
    fields = {name: post_data[name] for name in POST_FIELDS if name in post_data and name not in ("role", "start_date")}
    return appoint(
        person=person, unit=unit, role=post_data["role"], start_date=post_data["start_date"], actor=actor, **fields
    )


@transaction.atomic
def update_person(*, person: Person, data: Mapping[str, Any], actor: Any, unit: Unit | None = None) -> Person:
    """Change a person's details; records only the fields that really changed."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    before = {name: getattr(person, name) for name in PERSON_FIELDS}
    for name in PERSON_FIELDS:
        if name in data:
            setattr(person, name, data[name])
    _clean_person(person)
    changes = audit_changes(
        {name: (before[name], getattr(person, name)) for name in PERSON_FIELDS if before[name] != getattr(person, name)}
    )
    if not changes:
        return person
    if "birth_date" in changes:
        # Her age on each current post's start date must still be in range.
        for post in person.posts.filter(end_date__isnull=True).select_related("unit"):
            try:
                validators.check_age_on(person.birth_date, post.start_date)
            except ValidationError as e:
                raise ValidationError(
                    {"birth_date": [f"{post.unit.name}{post.get_role_display()}：{e.messages[0]}"]}
                ) from None
    person.save()
    _record(actor=actor, action="person.update", unit=unit, obj=person, changes=changes)
    return person


@transaction.atomic
def update_post(*, post: Post, data: Mapping[str, Any], actor: Any) -> Post:
    """Correct a post (role, dates, mode, certificate ...); the unit and the person stay."""
    post = Post.objects.select_for_update().select_related("person", "unit").get(pk=post.pk)
    before = {name: getattr(post, name) for name in POST_FIELDS}
    for name in POST_FIELDS:
        if name in data:
            setattr(post, name, data[name])
    if post.end_date is None:
        post.end_reason = ""
    _clean_post(post, person=post.person)
    changes = audit_changes(
        {name: (before[name], getattr(post, name)) for name in POST_FIELDS if before[name] != getattr(post, name)}
    )
    if not changes:
        return post
    _save_post(post)
    _record(actor=actor, action="post.update", unit=post.unit, obj=post, changes=changes)
    return post


@transaction.atomic
def end_post(*, post: Post, end_date: datetime.date | None, reason: str | None, actor: Any) -> Post:
    """End a post on `end_date` (the first day she no longer holds it); the post stays as history."""
    post = Post.objects.select_for_update().select_related("person", "unit").get(pk=post.pk)
    errors: dict[str, list[str]] = {}
    reason = (reason or "").strip()
    if post.end_date is not None:
        raise ValidationError(f"{post.person.name}的{post.get_role_display()}职务已于 {post.end_date:%Y-%m-%d} 离任。")
    if end_date is None:
        errors["end_date"] = ["请填写离任时间。"]
    else:
        _collect(errors, "end_date", validators.check_dates, post.start_date, end_date)
    if not reason:
        errors["reason"] = ["请填写离任原因，例如 换届、调离、退休。"]
    _raise(errors)
    assert end_date is not None  # refused above when missing
    post.end_date, post.end_reason = end_date, reason[:200]
    post.save(update_fields=["end_date", "end_reason", "updated_at"])
    _record(
        actor=actor,
        action="post.end",
        unit=post.unit,
        obj=post,
        changes={"end_date": [None, end_date.isoformat()], "end_reason": [None, post.end_reason]},
        reason=post.end_reason,
    )
    return post


@transaction.atomic
def _open_posts(unit: Unit, on: datetime.date) -> list[Post]:
    """The posts of `unit` not ended by `on` (held on it, or starting later), oldest first."""
    return list(
        Post.objects.filter(unit=unit)
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=on))
        .select_related("person")
        .order_by("start_date", "pk")
    )


def _carry_over(
    post: Post, *, on: datetime.date, unit: Unit, role: str, reason: str, actor: Any, carry: bool = True
) -> Post | None:
    """End `post` on `on` and (carry=True) continue it from `on` in `unit` as `role`: the history
    before `on` keeps the post as it was. A post that starts on or after `on` has no history to
    keep and is changed in place. Returns the post that continues, or None."""
    if post.start_date >= on:
        if not carry:
            post.delete()
            return None
        changes: dict[str, list[Any]] = {}
        if post.unit_id != unit.pk:
            changes["unit"] = [post.unit.name, unit.name]
            post.unit, post.term = unit, None
        if post.role != role:
            changes["role"] = [post.get_role_display(), Post.Role(role).label]
            post.role = role
        post.save()
        _record(actor=actor, action="post.update", unit=unit, obj=post, changes=changes, reason=reason)
        return post
    old_end = post.end_date
    post.end_date, post.end_reason = on, reason[:200]
    post.save(update_fields=["end_date", "end_reason", "updated_at"])
    _record(
        actor=actor,
        action="post.end",
        unit=post.unit,
        obj=post,
        changes={"end_date": [str(old_end) if old_end else None, str(on)]},
        reason=reason,
    )
    if not carry:
        return None
    follow = Post.objects.create(
        person=post.person,
        unit=unit,
        role=role,
        mode=post.mode,
        method=post.method,
        term=post.term if unit.pk == post.unit_id else None,
        start_date=on,
        end_date=old_end,
        two_committees=post.two_committees,
        note=post.note,
    )
    _record(
        actor=actor, action="post.create", unit=unit, obj=follow, changes=post_created_changes(follow), reason=reason
    )
    return follow


def transfer_posts_for_merge(*, source: Unit, target: Unit, actor: Any, on: datetime.date | None = None) -> int:
    """Carry the open posts of `source` over to `target` when units merge on `on` (default today).

    Each post ends in `source` on the merge date and continues in `target` from that day, so reports
    for earlier days are unchanged. A person who already holds a leadership post in `target` keeps
    that one; her leadership post in `source` just ends, since one person holds at most one open
    leadership post per unit. Returns the number of posts carried over.
    """
    on = on or timezone.localdate()
    open_in_target = Post.objects.filter(unit=target).filter(Q(end_date__isnull=True) | Q(end_date__gt=on))
    leaders_in_target = set(open_in_target.leadership().values_list("person_id", flat=True))
    reason = f"组织合并入{target.name}"
    moved = 0
    for post in _open_posts(source, on):
        carry = not (post.is_leadership and post.person_id in leaders_in_target)
        moved += (
            _carry_over(post, on=on, unit=target, role=post.role, reason=reason, actor=actor, carry=carry) is not None
        )
    return moved


# 会改联: the post a 妇代会 role becomes in a 妇联.
CONVERTED_ROLES: dict[str, str] = {
    Post.Role.DIRECTOR: Post.Role.CHAIR,
    Post.Role.DEPUTY_DIRECTOR: Post.Role.VICE_CHAIR,
    Post.Role.MEMBER: Post.Role.EXECUTIVE,
}


def posts_to_convert(unit: Unit, on: datetime.date) -> list[Post]:
    """The posts 会改联 on `on` will end and restart: the open 主任/副主任/委员 posts of `unit`."""
    return [post for post in _open_posts(unit, on) if post.role in CONVERTED_ROLES]


def conversion_preview(*, unit: Unit, on: datetime.date) -> dict[str, Any]:
    """What 会改联 on `on` will change in `unit`, for the confirmation page: the posts that end and
    the ones that begin, its members on that day, and the quota it is judged against before and after."""
    from . import rules

    before = rules.quota_for(unit)
    after = rules.quota_for(Unit(kind=unit.kind, org_form=Unit.OrgForm.FEDERATION))
    tally = rules.tally_unit(unit, on=on)
    counts = {"total": tally.total, "head": tally.head, "vice": tally.vice}
    return {
        "posts": [
            {
                "name": post.person.name,
                "old_role": post.get_role_display(),
                "new_role": Post.Role(CONVERTED_ROLES[post.role]).label,
                "start_date": post.start_date,
                "end_date": post.end_date,
                "in_place": post.start_date >= on,
            }
            for post in posts_to_convert(unit, on)
        ],
        "tally": tally,
        "quota_before": before,
        "quota_after": after,
        "compliant_before": rules.reaches_quota(before, **counts),
        "compliant_after": rules.reaches_quota(after, **counts),
        "short_after": max(after.total_min - tally.total, 0) if after else 0,
    }


def convert_posts_for_federation(*, unit: Unit, actor: Any, on: datetime.date) -> int:
    """会改联 on `on`: the open 主任/副主任/委员 posts of `unit` end that day and 主席/副主席/执委 begin."""
    reason = f"会改联（{on}）"
    posts = posts_to_convert(unit, on)
    for post in posts:
        _carry_over(post, on=on, unit=unit, role=CONVERTED_ROLES[post.role], reason=reason, actor=actor)
    return len(posts)


def end_posts_for_archive(*, unit: Unit, actor: Any, reason: str = "", confirmed: bool = False) -> int:
    """The posts of `unit` still open on the archive day (current, or starting later).

    An archived unit drops out of the 附表, so its posts must not stay current and editable.
    Without `confirmed` they are refused with a message naming them; with it they all end today
    (a post that has not started yet ends on its start date, so it is never held), each audited,
    in the caller's transaction. Returns the number of posts ended.
    """
    today = timezone.localdate()
    open_posts = list(
        Post.objects.filter(unit=unit)
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=today))
        .select_related("person")
        .order_by("start_date", "pk")
    )
    if not open_posts:
        return 0
    if not confirmed:
        names = "、".join(dict.fromkeys(post.person.name for post in open_posts[:8]))
        more = f"等 {len(open_posts)} 项任职" if len(open_posts) > 8 else f"共 {len(open_posts)} 项任职"
        raise ValidationError(
            {
                "end_posts": f"“{unit.name}”还有在任人员（{names}，{more}）。撤销后附表不再统计这个组织，"
                "请先让她们离任或转到其他组织（也可以合并到其他组织），或勾选“同时让在任人员今天离任”。"
            }
        )
    end_reason = f"组织撤销：{reason}" if reason else "组织撤销"
    for post in open_posts:
        old = post.end_date
        post.end_date = max(today, post.start_date)
        post.end_reason = end_reason[:200]
        post.save(update_fields=["end_date", "end_reason", "updated_at"])
        AuditEvent.objects.record(
            actor=actor,
            action="post.end",
            unit=unit,
            obj=post,
            changes={"end_date": [str(old) if old else None, str(post.end_date)]},
            reason=end_reason,
        )
    return len(open_posts)


# --- rule sets (docs/forms.md "Rule sets") ---------------------------------------------------

RULE_FIELDS = ["total_min", "total_max", "heads", "vice_min", "member_min", "member_max"]


def may_define_rule_sets(user: Any) -> bool:
    """A provincial or city (地区) administrator defines rule sets for her subtree."""
    return user.is_superuser or (user.can_manage_tree and user.unit is not None and user.unit.runs_campaigns)


@transaction.atomic
def define_rule_set(
    *,
    actor: Any,
    name: str | None,
    source: str | None,
    effective_from: datetime.date,
    quotas: Mapping[str, Mapping[str, int] | None],
) -> "RuleSet":
    """A new rule set of the actor's unit. `quotas` maps a QuotaRule.Block to a dict of RULE_FIELDS, or to
    None for a block the rule set sets no quota for (its units then never 达标 and are not judged)."""
    from django.core.exceptions import PermissionDenied

    from .models import QuotaRule, RuleSet

    if not may_define_rule_sets(actor):
        raise PermissionDenied("只有省、市（地）妇联管理员可以制定配额规则集。")
    name, source = (name or "").strip(), (source or "").strip()
    errors: dict[str, Any] = {}
    if not name:
        errors["name"] = "请填写规则集名称。"
    elif RuleSet.objects.filter(name=name).exists():
        errors["name"] = f"已有名为“{name}”的规则集。"
    if not any(quotas.values()):
        errors[NON_FIELD_ERRORS] = "请至少为一类组织设定配额。"
    for block, values in quotas.items():
        if not values:
            continue
        label = QuotaRule.Block(block).label
        if values["total_min"] > values["total_max"]:
            errors[f"{block}_total_min"] = f"{label}：成员总数下限不能大于上限。"
        if values["member_min"] > values["member_max"]:
            errors[f"{block}_member_min"] = f"{label}：执委（委员）下限不能大于上限。"
        if values["heads"] < 1:
            errors[f"{block}_heads"] = f"{label}：主席（主任）至少 1 人。"
    if errors:
        raise ValidationError(errors)
    unit = None if actor.unit is None else actor.unit
    rule_set = RuleSet.objects.create(
        name=name, source=source, unit=unit, effective_from=effective_from, created_by=actor
    )
    QuotaRule.objects.bulk_create(
        QuotaRule(rule_set=rule_set, block=block, **{f: values[f] for f in RULE_FIELDS})
        for block, values in quotas.items()
        if values
    )
    AuditEvent.objects.record(
        actor=actor,
        action="ruleset.create",
        unit=unit,
        obj=rule_set,
        changes={
            "name": [None, name],
            "effective_from": [None, str(effective_from)],
            **{
                QuotaRule.Block(block).label: [None, f"{v['total_min']}–{v['total_max']}"]
                for block, v in quotas.items()
                if v
            },
        },
    )
    return rule_set
