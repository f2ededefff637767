"""Every write to the federation tree. Each function runs in one transaction, takes the
tree lock first, re-reads the units it works on, and records an audit event.

django-mptt keeps lft/rght in the application, so two concurrent writers corrupt the tree
unless they are serialised: on PostgreSQL we take a transaction-scoped advisory lock; on
SQLite every transaction already begins IMMEDIATE (settings), which serialises writers.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import connection, transaction
from django.db.models import Min, Model, Q
from django.forms import ModelForm
from django.utils import timezone

from fedorg import freshness
from fedorg.pinyin import pinyin_initials

from .models import ApiToken, AuditEvent, Contact, Unit, UnitVersion, User, is_new_field_code, validate_unit_code
from .signals import seal_replaced, unit_archiving, unit_converting, unit_merging, units_bulk_loaded

# One nested set per city, and a lock per set: writers in two cities never wait for each other (issue 21).
# A write that adds or renumbers trees (a new city or province: mptt inserts a root in code order and shifts the
# tree ids after it; a bulk load) takes TREE_LOCK_KEY alone, and every other writer holds it shared, then the
# locks of its trees (the two-key form, a key space of its own) in tree order, so no two writers deadlock.
TREE_LOCK_KEY = 730_201_6
TREE_LOCK_CLASS = 730_202


def lock_tree(*units: Unit | None) -> None:
    """Serialise writers of the trees holding `units` until the end of the current transaction; with no
    unit, or None among them (a new root), serialise with every tree writer."""
    if connection.vendor != "postgresql":
        return  # SQLite: every transaction begins IMMEDIATE (settings), one writer at a time
    with connection.cursor() as cursor:
        if not units or any(unit is None for unit in units):
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [TREE_LOCK_KEY])
            return
        cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [TREE_LOCK_KEY])
        # Read after the shared lock: no tree id can shift while it is held. A unit can still move to another
        # city's tree while we wait for its old tree's lock, so read again once locked, until every tree the
        # units are in is one we hold.
        pks = [unit.pk for unit in units if unit is not None]
        held: set[int] = set()
        while True:
            trees = set(Unit.objects.filter(pk__in=pks).values_list("tree_id", flat=True))
            if trees <= held:
                return
            for tree in sorted(trees - held):
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [TREE_LOCK_CLASS, tree])
                held.add(tree)


def _reparent(unit: Unit, new_parent: Unit) -> None:
    """Put `unit` below `new_parent`: mptt moves it (and its subtree) inside the nested sets, unless it heads
    a tree of its own (a city changing province), whose numbers stay as they are."""
    unit.parent = new_parent
    if Unit.tree_parent_for(unit.kind, new_parent.pk) is None:
        unit.save(update_fields=["parent", "updated_at"])
    else:
        unit.move_to(new_parent, "last-child")


def _fresh(unit: Unit) -> Unit:
    """Re-read a unit after taking the lock: instances in memory may carry stale lft/rght."""
    return Unit.objects.get(pk=unit.pk)


def effective_day(day: datetime.date | None = None, *, field: str = "effective_date") -> datetime.date:
    """The day a tree change takes effect: today by default, never in the future."""
    today = timezone.localdate()
    day = day or today
    if day > today:
        raise ValidationError({field: f"生效日期 {day} 不能晚于今天。"})
    return day


def record_version(unit: Unit, *, on: datetime.date, founded_on: datetime.date | None = None) -> UnitVersion:
    """Keep UnitVersion in step with `unit` as just saved: the open version ends on `on` and a new one
    begins, unless nothing it tracks changed. A unit's first version starts on `founded_on`, or has
    no start (valid_from null: it existed before anything was recorded).

    A change dated before the open version's start is refused: history is appended, never rewritten.
    """
    fields = UnitVersion.fields_of(unit)
    current = UnitVersion.objects.filter(unit_id=unit.pk, valid_to__isnull=True).first()
    if current is None:
        first = not UnitVersion.objects.filter(unit_id=unit.pk).exists()
        return UnitVersion.objects.create(unit_id=unit.pk, valid_from=founded_on if first else on, **fields)
    if all(getattr(current, key) == value for key, value in fields.items()):
        return current
    _check_after(current, unit, on)
    if current.valid_from == on:
        for key, value in fields.items():
            setattr(current, key, value)
        current.save()
        return current
    current.valid_to = on
    current.save(update_fields=["valid_to"])
    return UnitVersion.objects.create(unit_id=unit.pk, valid_from=on, **fields)


def _check_founded_within_parent(parent: Unit | None, founded_on: datetime.date) -> None:
    """A unit cannot be founded before its parent existed: no table of that day would find it."""
    if parent is None:
        return
    versions = UnitVersion.objects.filter(unit_id=parent.pk)
    if versions.filter(valid_from__isnull=True).exists():
        return  # the parent existed before anything was recorded
    first = versions.aggregate(first=Min("valid_from"))["first"]
    if first is not None and founded_on < first:
        raise ValidationError({"founded_on": f"成立日期 {founded_on} 早于上级组织“{parent.name}”的成立日期 {first}。"})


def _check_after(version: UnitVersion, unit: Unit, on: datetime.date) -> None:
    if version.valid_from is not None and on < version.valid_from:
        raise ValidationError(
            {"effective_date": f"“{unit.name}”在 {version.valid_from} 已有变更，生效日期不能早于该日期。"}
        )


def _record_subtree_versions(unit: Unit, *, on: datetime.date) -> None:
    """After a move: the unit's and its descendants' versions (their depth may have changed)."""
    for node in Unit.objects.subtree_of(unit).order_by("tree_id", "lft"):
        record_version(node, on=on)


def _close_version(unit: Unit, *, on: datetime.date) -> None:
    """The unit stops existing on `on` (archive, merge): its open version ends, none begins."""
    current = UnitVersion.objects.filter(unit_id=unit.pk, valid_to__isnull=True).first()
    if current is not None:
        _check_after(current, unit, on)
        if current.valid_from == on:
            current.delete()
        else:
            current.valid_to = on
            current.save(update_fields=["valid_to"])


def _check_code(code: str) -> None:
    try:
        validate_unit_code(code)
    except ValidationError as e:
        raise ValidationError({"code": e.messages}) from None


def _check_code_fits_kind(code: str, kind: str, parent: Unit | None) -> None:
    """A new-field federation's code is its parent's code and a segment ("-01"); a territorial unit's is digits."""
    if kind in Unit.NEW_FIELD_KINDS:
        if parent is not None and not (
            is_new_field_code(code) and code.startswith(f"{parent.code}-") and "-" not in code[len(parent.code) + 1 :]
        ):
            raise ValidationError(
                {"code": f"新领域妇联的组织代码应为上级组织代码加“-”和 2–3 位数字，例如 {parent.code}-01。"}
            )
    elif is_new_field_code(code):
        raise ValidationError({"code": "带“-”的组织代码只用于新领域妇联；其他组织请用统计用区划代码。"})


def _check_code_free(code: str, *, exclude_pk: int | None = None) -> None:
    clash = Unit.objects.filter(code=code).exclude(pk=exclude_pk).first()
    if clash is not None:
        raise ValidationError({"code": f"组织代码 {code} 已被“{clash.name}”使用。"})


@transaction.atomic
def create_unit(
    *,
    parent: Unit | None,
    name: str,
    code: str,
    kind: str,
    actor: Any,
    org_form: str | None = None,
    is_pilot: bool = False,
    founded_on: datetime.date | None = None,
) -> Unit:
    """A new unit below `parent`. `founded_on` (成立日期) dates it: a table counted on an earlier day leaves
    it out; without one it counts on every day (a unit that existed before it was entered)."""
    # A unit heading a tree of its own (a city, a province) adds a tree: every writer waits.
    lock_tree(None if parent is None or Unit.tree_parent_for(kind, parent.pk) is None else parent)
    parent = _fresh(parent) if parent is not None else None
    name, code = name.strip(), code.strip()
    if not name:
        raise ValidationError({"name": "请填写组织名称。"})
    if not code:
        raise ValidationError({"code": "请填写组织代码。"})
    _check_code(code)
    _check_code_free(code)
    if org_form is None:
        org_form = Unit.OrgForm.FEDERATION
    unit = Unit(parent=parent, name=name, code=code, kind=kind, org_form=org_form, is_pilot=is_pilot)
    try:
        unit.check_parent(parent)
    except ValidationError as e:
        raise ValidationError({"kind": e.messages}) from None
    _check_code_fits_kind(code, kind, parent)
    if org_form == Unit.OrgForm.CONGRESS and not unit.is_village_level:
        raise ValidationError({"org_form": "只有村（社区）一级可以是妇代会。"})
    if founded_on is not None:
        effective_day(founded_on, field="founded_on")
        _check_founded_within_parent(parent, founded_on)
    unit.save()
    record_version(unit, on=timezone.localdate(), founded_on=founded_on)
    AuditEvent.objects.record(
        actor=actor,
        action="unit.create",
        unit=unit,
        obj=unit,
        changes={
            "name": [None, name],
            "code": [None, code],
            "kind": [None, kind],
            "parent": [None, parent and parent.name],
        },
    )
    return unit


@transaction.atomic
def rename_unit(
    *, unit: Unit, name: str, actor: Any, code: str | None = None, effective_date: datetime.date | None = None
) -> Unit:
    lock_tree(unit)
    on = effective_day(effective_date)
    unit = _fresh(unit)
    name = name.strip()
    if not name:
        raise ValidationError({"name": "请填写组织名称。"})
    changes: dict[str, Any] = {}
    if name != unit.name:
        changes["name"] = [unit.name, name]
        unit.name = name
    if code is not None and code.strip() != unit.code:
        code = code.strip()
        _check_code(code)
        _check_code_free(code, exclude_pk=unit.pk)
        _check_code_fits_kind(code, unit.kind, unit.parent)
        changes["code"] = [unit.code, code]
        unit.code = code
    if changes:
        unit.save(update_fields=["name", "code", "updated_at"])
        record_version(unit, on=on)
        changes["effective_date"] = str(on)
        AuditEvent.objects.record(actor=actor, action="unit.rename", unit=unit, obj=unit, changes=changes)
    return unit


@transaction.atomic
def move_unit(*, unit: Unit, new_parent: Unit, actor: Any, effective_date: datetime.date | None = None) -> Unit:
    lock_tree(unit, new_parent)
    on = effective_day(effective_date)
    unit, new_parent = _fresh(unit), _fresh(new_parent)
    if new_parent.pk == unit.pk or new_parent.is_descendant_of(unit):
        raise ValidationError({"new_parent": f"不能把“{unit.name}”迁入它自己或它的下级组织“{new_parent.name}”。"})
    try:
        unit.check_parent(new_parent)
    except ValidationError as e:
        raise ValidationError({"new_parent": e.messages}) from None
    old_parent = unit.parent
    if old_parent is not None and old_parent.pk == new_parent.pk:
        return unit
    _reparent(unit, new_parent)
    # move_to leaves the in-memory instance's neighbours stale; return a fresh copy.
    unit = _fresh(unit)
    _record_subtree_versions(unit, on=on)
    AuditEvent.objects.record(
        actor=actor,
        action="unit.move",
        unit=unit,
        obj=unit,
        changes={"parent": [old_parent.name if old_parent else None, new_parent.name], "effective_date": str(on)},
    )
    return unit


def recode_plan(unit: Unit) -> list[tuple[Unit, str, str]]:
    """[(unit, old code, new code)] that would give `unit` and its subtree codes under its parent's.

    After a move a unit keeps a code with its old parent's prefix (230102001 under 南岗区
    230103). The plan keeps each code's length and local part: the unit's own last digits if that
    code is free under the new parent, else the first free number; every descendant whose code
    starts with the unit's old code swaps that prefix. Empty when the code already fits.
    """
    parent = unit.parent
    if parent is None or unit.code.startswith(parent.code):
        return []
    width = len(unit.code) - len(parent.code)
    if width <= 0:
        raise ValidationError(
            f"“{unit.name}”的组织代码 {unit.code} 不比上级“{parent.name}”（{parent.code}）长，无法按上级代码重新编码，请用“更名”直接改代码。"
        )
    subtree = list(
        Unit.objects.subtree_of(unit).order_by("tree_id", "lft").only("pk", "code", "name", "tree_id", "lft")
    )
    mine = {u.code for u in subtree}
    taken = set(Unit.objects.filter(code__startswith=parent.code).exclude(code__in=mine).values_list("code", flat=True))

    def free(new_prefix: str) -> dict[int, str] | None:
        new = {u.pk: new_prefix + u.code[len(unit.code) :] for u in subtree if u.code.startswith(unit.code)}
        return new if not (set(new.values()) & taken) else None

    candidates = [unit.code[-width:]] + [f"{n:0{width}d}" for n in range(1, 10**width)]
    for local in candidates:
        new_prefix = parent.code + local
        if new_prefix in taken:
            continue
        codes = free(new_prefix)
        if codes is not None:
            return [(u, u.code, codes[u.pk]) for u in subtree if u.pk in codes]
    raise ValidationError(f"“{parent.name}”之下已没有空余的组织代码，请用“更名”直接改代码。")


@transaction.atomic
def recode_subtree(*, unit: Unit, actor: Any, expected: str | None = None) -> Unit:
    """Give `unit` and its subtree codes under its parent's (the plan of recode_plan), in one
    transaction with one audit event. `expected` is the plan's new code for `unit` as shown to
    the user: if the tree changed meanwhile, nothing is written and the user sees the new plan."""
    lock_tree(unit)
    unit = _fresh(unit)
    plan = recode_plan(unit)
    if not plan:
        raise ValidationError(f"“{unit.name}”的组织代码已与上级一致，无需重新编码。")
    new_code = plan[0][2]
    if expected is not None and expected != new_code:
        raise ValidationError("组织代码刚刚有变化，重新编码的方案已更新，请核对后再确认。")
    for each, _old, new in plan:
        _check_code(new)
        Unit.objects.filter(pk=each.pk).update(code=new, updated_at=timezone.now())
    AuditEvent.objects.record(
        actor=actor,
        action="unit.recode",
        unit=unit,
        obj=unit,
        changes={"code": [unit.code, new_code], "recoded": len(plan)},
    )
    return _fresh(unit)


@transaction.atomic
def archive_unit(*, unit: Unit, actor: Any, reason: str = "", end_posts: bool = False) -> Unit:
    """Archive a unit with no active children. Its open posts are refused, or with `end_posts`
    (the page's confirmation box) ended today in the same transaction."""
    lock_tree(unit)
    unit = _fresh(unit)
    if unit.is_archived:
        raise ValidationError(f"“{unit.name}”已经撤销。")
    active_children = unit.children.filter(archived_at__isnull=True)
    if active_children.exists():
        names = "、".join(active_children.values_list("name", flat=True)[:5])
        raise ValidationError(f"“{unit.name}”还有未撤销的下级组织（{names}），请先迁出、合并或撤销它们。")
    ended = _archive_hook(unit=unit, actor=actor, reason=reason, confirmed=end_posts)
    unit.archived_at = timezone.now()
    unit.save(update_fields=["archived_at", "updated_at"])
    _close_version(unit, on=timezone.localdate())
    changes = {"archived": [False, True], **({"posts_ended": ended} if ended else {})}
    AuditEvent.objects.record(actor=actor, action="unit.archive", unit=unit, obj=unit, changes=changes, reason=reason)
    return unit


def _archive_hook(*, unit: Unit, actor: Any, reason: str, confirmed: bool) -> int:
    """Let the apps above the tree end or refuse what is still open in `unit` (members: its posts)."""
    responses = unit_archiving.send(sender=Unit, unit=unit, actor=actor, reason=reason, confirmed=confirmed)
    return sum(int(ended or 0) for _receiver, ended in responses)


@transaction.atomic
def restore_unit(*, unit: Unit, actor: Any) -> Unit:
    lock_tree(unit)
    unit = _fresh(unit)
    if not unit.is_archived:
        raise ValidationError(f"“{unit.name}”没有撤销，无需恢复。")
    if unit.parent is not None and unit.parent.is_archived:
        raise ValidationError(f"上级组织“{unit.parent.name}”已撤销，请先恢复上级组织。")
    unit.archived_at = None
    unit.merged_into = None
    unit.save(update_fields=["archived_at", "merged_into", "updated_at"])
    record_version(unit, on=timezone.localdate())
    AuditEvent.objects.record(
        actor=actor, action="unit.restore", unit=unit, obj=unit, changes={"archived": [True, False]}
    )
    return unit


@transaction.atomic
def merge_units(
    *, source: Unit, target: Unit, actor: Any, reason: str = "", effective_date: datetime.date | None = None
) -> Unit:
    """Merge `source` into `target` on `effective_date` (today by default): children move over, the
    source's open posts end on that day and continue in the target (members), source is archived.
    Reports for earlier days still see the source with its own people."""
    lock_tree(source, target)
    on = effective_day(effective_date)
    source, target = _fresh(source), _fresh(target)
    if source.pk == target.pk:
        raise ValidationError({"target": "不能把组织合并到它自己。"})
    if source.is_archived:
        raise ValidationError({"target": f"“{source.name}”已经撤销，不能再合并。"})
    if target.is_archived:
        raise ValidationError({"target": f"“{target.name}”已经撤销，不能作为合并目标。"})
    if target.is_descendant_of(source):
        raise ValidationError({"target": f"不能把“{source.name}”合并到它的下级组织“{target.name}”。"})
    if source.kind != target.kind and target.tier != source.tier:
        raise ValidationError({"target": f"只能合并同一层级的组织：“{source.name}”与“{target.name}”层级不同。"})
    moved_children = []
    for child in list(source.children.order_by("tree_id", "lft")):
        child = _fresh(child)
        try:
            child.check_parent(target)
        except ValidationError as e:
            raise ValidationError({"target": [f"下级组织“{child.name}”无法迁入：", *e.messages]}) from None
        _reparent(child, _fresh(target))
        _record_subtree_versions(_fresh(child), on=on)
        moved_children.append(child.name)
    moved_posts = _merge_hook(source=source, target=target, actor=actor, on=on)
    source = _fresh(source)
    source.archived_at = timezone.now()
    source.merged_into = target
    source.save(update_fields=["archived_at", "merged_into", "updated_at"])
    _close_version(source, on=on)
    changes = {
        "merged_into": [None, target.name],
        "children": moved_children,
        "posts_moved": moved_posts,
        "effective_date": str(on),
    }
    AuditEvent.objects.record(actor=actor, action="unit.merge", unit=source, obj=source, changes=changes, reason=reason)
    AuditEvent.objects.record(
        actor=actor, action="unit.merge", unit=target, obj=target, changes={"merged_from": [None, source.name]}
    )
    return _fresh(target)


def _merge_hook(*, source: Unit, target: Unit, actor: Any, on: datetime.date) -> int:
    """Let the apps above the tree move what they hang on `source` (members carries the posts over on `on`)."""
    responses = unit_merging.send(sender=Unit, source=source, target=target, actor=actor, on=on)
    return sum(int(moved or 0) for _receiver, moved in responses)


@transaction.atomic
def convert_to_federation(*, unit: Unit, actor: Any, effective_date: datetime.date | None = None) -> Unit:
    """会改联 on `effective_date` (today by default): a village/community 妇代会 becomes a 妇联.

    From that day the unit counts in the 妇联 block, and its open 主任/副主任/委员 posts end and
    matching 主席/副主席/执委 posts begin (members, through unit_converting); reports for earlier
    days still see a 妇代会 with its 主任 and 委员.
    """
    lock_tree(unit)
    effective_date = effective_day(effective_date)
    unit = _fresh(unit)
    if unit.org_form == Unit.OrgForm.FEDERATION:
        raise ValidationError(f"“{unit.name}”已经是妇联。")
    unit.org_form = Unit.OrgForm.FEDERATION
    unit.save(update_fields=["org_form", "updated_at"])
    record_version(unit, on=effective_date)
    responses = unit_converting.send(sender=Unit, unit=unit, actor=actor, on=effective_date)
    posts = sum(int(n or 0) for _receiver, n in responses)
    AuditEvent.objects.record(
        actor=actor,
        action="unit.convert",
        unit=unit,
        obj=unit,
        changes={
            "org_form": [Unit.OrgForm.CONGRESS.label, Unit.OrgForm.FEDERATION.label],
            "effective_date": str(effective_date),
            "posts_converted": posts,
        },
    )
    return unit


@transaction.atomic
def set_pilot(*, unit: Unit, is_pilot: bool, actor: Any) -> Unit:
    unit = _fresh(unit)
    if unit.is_pilot != is_pilot:
        AuditEvent.objects.record(
            actor=actor, action="unit.pilot", unit=unit, obj=unit, changes={"is_pilot": [unit.is_pilot, is_pilot]}
        )
        unit.is_pilot = is_pilot
        unit.save(update_fields=["is_pilot", "updated_at"])
    return unit


CONTACT_FIELDS = ["name", "title", "office_phone", "mobile", "email_qq"]


def _verbose_name(model: type[Model], field: str) -> str:
    return str(getattr(model._meta.get_field(field), "verbose_name", field))


@transaction.atomic
def update_contacts(*, unit: Unit, contacts: dict[str, dict[str, Any]], actor: Any) -> Unit:
    """`contacts` maps Contact.Role to a dict of CONTACT_FIELDS."""
    changes = {}
    for role, data in contacts.items():
        contact, _ = Contact.objects.get_or_create(unit=unit, role=role)
        for field in CONTACT_FIELDS:
            new = (data.get(field) or "").strip()
            old = getattr(contact, field)
            if new != old:
                changes[f"{Contact.Role(role).label}.{_verbose_name(Contact, field)}"] = [old, new]
                setattr(contact, field, new)
        contact.save()
    if changes:
        AuditEvent.objects.record(actor=actor, action="unit.contacts", unit=unit, obj=unit, changes=changes)
    return unit


@transaction.atomic
def set_seal(*, unit: Unit, image: File, actor: Any) -> Unit:
    """Store a new seal image for `unit`: only the unit's administrators (an admin at or above it).

    The seal is an asset, never a public file: it is served through orgtree.views.unit_seal_image
    (the access rule) and frozen into every return submitted with it. Replacing it is audited
    with the SHA-256 of the old and new image, and seal_replaced tells the reviewing unit.
    """
    if actor is None or not actor.can_manage_tree or not Unit.objects.visible_to(actor).filter(pk=unit.pk).exists():
        raise PermissionDenied("只有本单位或上级的管理员可以更换公章。")
    unit = _fresh(unit)
    old_name = unit.seal.name if unit.seal else None
    # A seal whose file is gone has no old hash (sha256(None) raised TypeError and refused the new seal).
    old_bytes = unit.seal_bytes() if old_name else None
    old_sha = hashlib.sha256(old_bytes).hexdigest() if old_bytes is not None else None
    unit.seal.save(f"{unit.code}.png", image, save=False)
    unit.save(update_fields=["seal", "updated_at"])
    new_sha = hashlib.sha256(unit.seal_bytes() or b"").hexdigest()
    AuditEvent.objects.record(
        actor=actor,
        action="unit.seal",
        unit=unit,
        obj=unit,
        changes={"seal": [old_sha and old_sha[:12], new_sha[:12]], "file": [old_name, unit.seal.name]},
    )
    seal_replaced.send(sender=Unit, unit=unit, actor=actor, old_sha256=old_sha, new_sha256=new_sha)
    return unit


@transaction.atomic
def bulk_load_units(*, rows: Iterable[tuple[str, str, str, str, bool, str | None]], actor: Any = None) -> int:
    """Insert many units at once (seeding, imports of a whole city), then rebuild the tree.

    `rows` are (code, name, kind, org_form, is_pilot, parent_code) in any order in which
    parents come before children. This is the one place that writes tree fields in bulk,
    and it does so under the tree lock and rebuilds before committing.
    """
    lock_tree()
    existing = dict(Unit.objects.values_list("code", "pk"))
    new_rows = [row for row in rows if row[0] not in existing]
    if not new_rows:
        return 0
    for code, name, *_rest in new_rows:
        try:
            validate_unit_code(code)
        except ValidationError as e:
            raise ValidationError(f"{name}：{e.messages[0]}") from None
    # Parent ids are needed before children, so insert one level at a time.
    by_level: dict[int, list] = {}
    parent_of: dict[str | None, str | None] = {row[0]: row[5] for row in new_rows}

    def depth(code: str | None) -> int:
        d = 0
        while parent_of.get(code) is not None and parent_of[code] in parent_of:
            code = parent_of[code]
            d += 1
        return d

    for row in new_rows:
        by_level.setdefault(depth(row[0]), []).append(row)
    # Once per name: community and village names repeat from one county to the next.
    initials = {name: pinyin_initials(name) for name in {row[1] for row in new_rows}}
    created = []
    with Unit.objects.disable_mptt_updates():
        for level in sorted(by_level):
            batch = [
                Unit(
                    code=code,
                    name=name,
                    name_initials=initials[name],
                    kind=kind,
                    org_form=org_form,
                    is_pilot=is_pilot,
                    parent_id=existing[parent_code] if parent_code else None,
                    tree_parent_id=Unit.tree_parent_for(kind, existing[parent_code] if parent_code else None),
                    lft=0,
                    rght=0,
                    tree_id=0,
                    level=0,
                )
                for code, name, kind, org_form, is_pilot, parent_code in by_level[level]
            ]
            Unit.objects.bulk_create(batch, batch_size=1000)
            _read_back_pks(batch)
            existing.update((u.code, u.pk) for u in batch)
            created += batch
    tree_fields = rebuild_tree()
    for unit in created:
        unit.lft, unit.rght, unit.level, unit.tree_id = tree_fields[unit.pk]
    UnitVersion.objects.bulk_create(
        [UnitVersion(unit_id=u.pk, valid_from=None, **UnitVersion.fields_of(u)) for u in created], batch_size=1000
    )
    AuditEvent.objects.record(actor=actor, action="unit.bulk_load", changes={"created": len(new_rows)})
    # Bulk writes send no post_save: the kept figures and pages must learn of the new units all the same.
    freshness.bump_on_commit()
    units_bulk_loaded.send(sender=Unit, units=created)
    return len(new_rows)


def _read_back_pks(units: list[Unit]) -> None:
    """Ids of just bulk-created units, where the database did not return them (SQLite before 3.35),
    read back by code a few hundred at a time (SQLite's limit on bound parameters)."""
    missing = [u for u in units if u.pk is None]
    for start in range(0, len(missing), 500):
        chunk = missing[start : start + 500]
        pks = dict(Unit.objects.filter(code__in=[u.code for u in chunk]).values_list("code", "pk"))
        for unit in chunk:
            unit.pk = pks[unit.code]


def rebuild_tree() -> dict[int, tuple[int, int, int, int]]:
    """Set lft, rght, level and tree_id of every unit from mptt's parent links (a city or a province heads a
    tree of its own: Unit.tree_parent_for); returns {pk: (lft, rght, level,
    tree_id)}. Only the caller's lock makes it safe: bulk_load_units holds the tree lock.

    The same numbering as mptt's rebuild(): roots and siblings in code order (as the database sorts codes),
    tree ids from 1. mptt writes every node through a CASE of a thousand branches per statement: 51 s for
    the 40,322 units of the province demo on PostgreSQL (issue 10). This computes the numbers in one pass and
    writes only the rows that changed, a few statements in all: 3 s for the same tree.
    """
    rows = list(Unit.objects.order_by("code").values_list("pk", "tree_parent_id", "lft", "rght", "level", "tree_id"))
    children: dict[int | None, list[int]] = {}
    for pk, parent_id, *_ in rows:
        children.setdefault(parent_id, []).append(pk)
    numbered = {}
    for tree_id, root in enumerate(children.get(None, []), start=1):
        counter = 1
        stack: list[tuple[int, int, int | None]] = [(root, 0, None)]
        while stack:
            pk, level, lft = stack.pop()
            if lft is not None:  # every child is numbered: close the node
                numbered[pk] = (lft, counter, level, tree_id)
                counter += 1
                continue
            stack.append((pk, level, counter))
            counter += 1
            stack.extend((child, level + 1, None) for child in reversed(children.get(pk, [])))
    changed = [(pk, *numbered[pk]) for pk, _parent, *fields in rows if tuple(fields) != numbered[pk]]
    table = Unit._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for start in range(0, len(changed), 20_000):
                columns = [list(column) for column in zip(*changed[start : start + 20_000], strict=True)]
                cursor.execute(
                    f"UPDATE {table} AS u SET lft = v.lft, rght = v.rght, level = v.level, tree_id = v.tree_id "  # noqa: S608 - our own table name
                    "FROM (SELECT unnest(%s::int[]) AS id, unnest(%s::int[]) AS lft, unnest(%s::int[]) AS rght, "
                    "unnest(%s::int[]) AS level, unnest(%s::int[]) AS tree_id) AS v WHERE u.id = v.id",
                    columns,
                )
        else:
            cursor.executemany(
                f"UPDATE {table} SET lft = %s, rght = %s, level = %s, tree_id = %s WHERE id = %s",  # noqa: S608
                [(*fields, pk) for pk, *fields in changed],
            )
    return numbered


@transaction.atomic
def save_account(*, form: ModelForm[User], actor: Any) -> User:
    """Create or update an account from a valid AccountForm, recording what changed."""
    creating = form.instance.pk is None
    changes = {
        name: [str(form.initial.get(name, "")) if not creating else None, str(form.cleaned_data.get(name))]
        for name in form.changed_data
        if name != "password"
    }
    if "password" in form.changed_data and form.cleaned_data.get("password"):
        changes["password"] = ["******", "（已重设）"]
    account = form.save()
    AuditEvent.objects.record(
        actor=actor,
        action="account.create" if creating else "account.update",
        unit=account.unit,
        obj=account,
        changes=changes,
    )
    return account


# --- API tokens ------------------------------------------------------------------------------

TOKEN_PREFIX = "fo_"  # noqa: S105 - a marker in front of every key, not a secret
TOKEN_USE_RECORD_INTERVAL = datetime.timedelta(minutes=1)  # last_used_at and the audit: one write a minute at most
# A token lives at most a year: a forgotten script stops working rather than holding a key forever.
TOKEN_MAX_DAYS = 366


def hash_token_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@transaction.atomic
def issue_api_token(
    *,
    actor: Any,
    name: str | None,
    user: User | None,
    unit: Unit | None,
    can_write: bool,
    expires_at: datetime.datetime | None,
) -> tuple[ApiToken, str]:
    """Issue a token acting as `user` within `unit`'s subtree; returns (token, key). The key is shown once.

    The issuer must be an administrator; the account and the unit must both lie in her subtree,
    and the unit in the account's own subtree (a token never sees more than its account).
    """
    if not actor.can_manage_tree:
        raise PermissionDenied("只有管理员可以签发接口令牌。")
    visible = Unit.objects.visible_to(actor)
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = "请填写令牌名称，例如“区名册同步脚本”。"
    if user is None or user.unit_id is None or not visible.filter(pk=user.unit_id).exists():
        errors["user"] = "只能为本组织及下级组织的账号签发令牌。"
    elif not user.is_active:
        errors["user"] = f"账号 {user.username} 已停用，不能为它签发令牌。"
    if unit is None or not visible.filter(pk=unit.pk).exists():
        errors["unit"] = "令牌的组织范围必须在您管辖的组织之内。"
    elif "user" not in errors and not Unit.objects.visible_to(user).filter(pk=unit.pk).exists():
        assert user is not None and user.unit is not None  # no "user" error: the account and its unit exist
        errors["unit"] = f"令牌的组织范围必须在账号 {user.username} 所属组织（{user.unit.name}）之内。"
    now = timezone.now()
    if expires_at is None or expires_at <= now:
        errors["expires_at"] = "过期时间必须晚于现在。"
    elif (expires_at - now).days > TOKEN_MAX_DAYS:
        errors["expires_at"] = f"令牌最长有效 {TOKEN_MAX_DAYS} 天，请缩短有效期。"
    if errors:
        raise ValidationError(errors)
    assert user is not None and unit is not None and expires_at is not None  # each None was an error above
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        name=name[:100],
        prefix=key[:10],
        key_hash=hash_token_key(key),
        user=user,
        unit=unit,
        can_write=bool(can_write),
        created_by=actor,
        expires_at=expires_at,
    )
    AuditEvent.objects.record(
        actor=actor,
        action="token.issue",
        unit=unit,
        obj=token,
        changes={
            "name": [None, token.name],
            "user": [None, user.username],
            "unit": [None, unit.name],
            "can_write": [None, token.can_write],
            "expires_at": [None, expires_at.isoformat()],
        },
    )
    return token, key


@transaction.atomic
def revoke_api_token(*, token: ApiToken, actor: Any, reason: str = "") -> ApiToken:
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        raise ValidationError(f"令牌“{token.name}”已经吊销。")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    AuditEvent.objects.record(
        actor=actor,
        action="token.revoke",
        unit=token.unit,
        obj=token,
        changes={"revoked": [False, True]},
        reason=reason,
    )
    return token


def use_api_token(key: str, *, method: str | None, path: str) -> tuple[ApiToken, User] | None:
    """The usable token for `key` and the account it acts as, scoped to its unit; None if unknown,
    revoked, expired, or its account or unit no longer fit. Its use is recorded (audit and last_used_at)
    at most once a minute: the first request of each quiet minute.

    The returned user is the token's account with `unit` replaced, in memory only, by the token's
    unit: every access check (orgtree.access) reads the user's unit, so the token sees that
    subtree and nothing above it. The instance must never be saved.
    """
    if not key.startswith(TOKEN_PREFIX) or len(key) > 100:
        return None
    now = timezone.now()
    token = (
        ApiToken.objects.usable(now)
        .select_related("user", "unit")
        .filter(key_hash=hash_token_key(key), user__is_active=True)
        .first()
    )
    if token is None:
        return None
    user = token.user
    if not Unit.objects.visible_to(user).filter(pk=token.unit_id).exists():
        return None
    # At most one write per token per minute (issue 25: a polling script wrote an UPDATE and an audit
    # row per request). The conditional UPDATE lets exactly one of several parallel requests record it.
    quiet_since = now - TOKEN_USE_RECORD_INTERVAL
    recorded = (
        ApiToken.objects.filter(pk=token.pk)
        .filter(Q(last_used_at__isnull=True) | Q(last_used_at__lte=quiet_since))
        .update(last_used_at=now)
    )
    if recorded:
        AuditEvent.objects.record(
            actor=user, action="token.use", unit=token.unit, obj=token, changes={"request": f"{method} {path[:200]}"}
        )
    user.unit = token.unit
    return token, user
