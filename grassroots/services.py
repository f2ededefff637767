"""Writes to the grassroots registers: each checks the record against its unit and the dates, saves it
in a transaction and records an AuditEvent. Saving the same data again changes nothing (the API and the
Excel import may repeat a request): records are matched by their natural key (a 妇女之家 by its unit and
name, an activity by its home, date and title, a two-committee record by its unit and election date, an
organisation by its unit and name). A refusal is a ValidationError with the field and a Chinese message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from members.models import Person, Post
from orgtree.models import AuditEvent, Unit

from .models import (
    FOUR_HAS,
    FUNCTIONS,
    GRASSROOTS_KINDS,
    HOME_KINDS,
    STREET_KINDS,
    Organisation,
    TwoCommittees,
    WomenHome,
    WomenHomeActivity,
)

HOME_FIELDS = (
    "name",
    "address",
    "area",
    "opened_on",
    "closed_on",
    *FOUR_HAS,
    "functions",
    "person",
    "online_url",
    "wechat",
    "note",
)
TWO_COMMITTEE_FIELDS = (
    "elected_on",
    "ended_on",
    "members",
    "women",
    "women_names",
    "secretary_woman",
    "director_woman",
    "one_shoulder",
    "chair_in",
    "note",
)
ORGANISATION_FIELDS = ("name", "kind", "women_org", "women_org_on", "listed_on", "closed_on", "note")


def _plain(value: Any) -> Any:
    if isinstance(value, Person):
        return value.pk
    return value.isoformat() if hasattr(value, "isoformat") else value


def differences(obj: Any, data: Mapping[str, Any], fields: tuple[str, ...]) -> dict[str, list[Any]]:
    """{field: [stored, wanted]} for the fields of `data` that would change `obj` (plain values, as audited)."""
    changes: dict[str, list[Any]] = {}
    for name in fields:
        if name not in data:
            continue
        before, after = getattr(obj, name, None), data[name]
        if _plain(before) != _plain(after):
            changes[name] = [_plain(before), _plain(after)]
    return changes


def _apply(obj: Any, data: Mapping[str, Any], fields: tuple[str, ...]) -> dict[str, list[Any]]:
    changes = differences(obj, data, fields)
    for name in changes:
        setattr(obj, name, data[name])
    return changes


def _check_unit(unit: Unit, kinds: tuple[str, ...], what: str) -> None:
    if unit.kind not in kinds:
        raise ValidationError(f"{unit.name}是{unit.get_kind_display()}，不能登记{what}。")
    if unit.is_archived:
        raise ValidationError(f"{unit.name}已撤销，不能再登记{what}。")


def people_of(unit: Unit) -> Any:
    """The people of the unit's roster (anyone who holds or held a post in it): who may be in charge."""
    return Person.objects.filter(pk__in=Post.objects.filter(unit=unit).values("person_id")).order_by("name")


def _check_home(unit: Unit, home: WomenHome) -> None:
    errors: dict[str, str] = {}
    if home.closed_on and home.closed_on <= home.opened_on:
        errors["closed_on"] = "撤销日期应晚于建立日期。"
    for name, label in FOUR_HAS.items():
        when = getattr(home, name)
        if when is not None and when < home.opened_on:
            errors[name] = f"“{label}”的日期不能早于妇女之家的建立日期。"
    unknown = [f for f in home.functions if f not in FUNCTIONS]
    if unknown or len(set(home.functions)) != len(home.functions):
        errors["functions"] = f"八位一体功能只能从{'、'.join(FUNCTIONS.values())}中选择，且不重复。"
    if home.person_id is not None and not people_of(unit).filter(pk=home.person_id).exists():
        errors["person"] = f"负责人应是{unit.name}名册中的人员。"
    if errors:
        raise ValidationError(errors)


def save_home(
    *, unit: Unit, data: Mapping[str, Any], actor: Any, home: WomenHome | None = None
) -> tuple[WomenHome, bool]:
    """(home, created): create (home None: or update the unit's home of that name) or update a 妇女之家.

    `created` is decided in the transaction that saved the row, so the API's 201/200 holds under
    concurrent requests (comparing ids after the fact does not)."""
    _check_unit(unit, HOME_KINDS, "妇女之家")
    with transaction.atomic():
        if home is None:
            home = WomenHome.objects.select_for_update().filter(unit=unit, name=data.get("name")).first()
        created = home is None
        home = home or WomenHome(unit=unit)
        changes = _apply(home, {**data, "functions": list(data.get("functions") or [])}, HOME_FIELDS)
        _check_home(unit, home)
        if not changes and not created:
            return home, False
        clash = WomenHome.objects.filter(unit=unit, name=home.name).exclude(pk=home.pk).exists()
        if clash:
            raise ValidationError({"name": f"{unit.name}已有名为“{home.name}”的妇女之家。"})
        home.save()
        AuditEvent.objects.record(
            actor=actor,
            action="women_home.create" if created else "women_home.update",
            unit=unit,
            obj=home,
            changes=changes,
        )
    return home, created


def add_activity(*, home: WomenHome, data: Mapping[str, Any], actor: Any) -> tuple[WomenHomeActivity, bool]:
    """(activity, created): an activity of the home; the same date and title again updates it."""
    held_on = data["held_on"]
    if held_on < home.opened_on or (home.closed_on and held_on >= home.closed_on):
        raise ValidationError({"held_on": "活动日期应在妇女之家开放期间。"})
    with transaction.atomic():
        activity, created = WomenHomeActivity.objects.select_for_update().get_or_create(
            home=home,
            held_on=held_on,
            title=data["title"],
            defaults={"kind": data["kind"], "attendance": data["attendance"]},
        )
        changes = {} if created else _apply(activity, data, ("kind", "attendance"))
        if changes:
            activity.save()
        if created or changes:
            AuditEvent.objects.record(
                actor=actor,
                action="women_home.activity",
                unit=home.unit,
                obj=home,
                changes={"activity": [None, f"{held_on.isoformat()} {activity.title}"], **changes},
            )
    return activity, created


def save_two_committees(
    *, unit: Unit, data: Mapping[str, Any], actor: Any, record: TwoCommittees | None = None
) -> tuple[TwoCommittees, bool]:
    """(record, created): create (or update the unit's record of that election date) or update a
    two-committee record."""
    _check_unit(unit, GRASSROOTS_KINDS, "村（居）两委")
    with transaction.atomic():
        if record is None:
            record = TwoCommittees.objects.select_for_update().filter(unit=unit, elected_on=data["elected_on"]).first()
        created = record is None
        record = record or TwoCommittees(unit=unit)
        changes = _apply(record, data, TWO_COMMITTEE_FIELDS)
        errors = {}
        if record.women > record.members:
            errors["women"] = "女性人数不能多于两委成员人数。"
        if record.woman_head and not record.women:
            errors["women"] = "书记或主任是女性时，女性人数至少为1。"
        if record.one_shoulder and record.secretary_woman != record.director_woman:
            errors["one_shoulder"] = "“一肩挑”时书记和主任是同一人：两项“为女性”应一致。"
        if record.ended_on and record.ended_on <= record.elected_on:
            errors["ended_on"] = "届满日期应晚于换届选举日期。"
        if errors:
            raise ValidationError(errors)
        if not changes and not created:
            return record, False
        if TwoCommittees.objects.filter(unit=unit, elected_on=record.elected_on).exclude(pk=record.pk).exists():
            raise ValidationError({"elected_on": "这一天的换届已登记。"})
        record.save()
        AuditEvent.objects.record(
            actor=actor,
            action="two_committees.create" if created else "two_committees.update",
            unit=unit,
            obj=record,
            changes=changes,
        )
    return record, created


def save_organisation(
    *, unit: Unit, data: Mapping[str, Any], actor: Any, organisation: Organisation | None = None
) -> tuple[Organisation, bool]:
    """(organisation, created): create (or update the street's organisation of that name) or update one."""
    _check_unit(unit, STREET_KINDS, "辖区组织")
    with transaction.atomic():
        if organisation is None:
            organisation = Organisation.objects.select_for_update().filter(unit=unit, name=data.get("name")).first()
        created = organisation is None
        organisation = organisation or Organisation(unit=unit)
        changes = _apply(organisation, data, ORGANISATION_FIELDS)
        errors = {}
        if organisation.women_org == Organisation.WomenOrg.NONE and organisation.women_org_on:
            errors["women_org_on"] = "未建妇女组织时不填建立日期。"
        if organisation.closed_on and organisation.closed_on <= organisation.listed_on:
            errors["closed_on"] = "注销日期应晚于纳入统计日期。"
        if errors:
            raise ValidationError(errors)
        if not changes and not created:
            return organisation, False
        if Organisation.objects.filter(unit=unit, name=organisation.name).exclude(pk=organisation.pk).exists():
            raise ValidationError({"name": f"{unit.name}已登记名为“{organisation.name}”的组织。"})
        organisation.save()
        AuditEvent.objects.record(
            actor=actor,
            action="organisation.create" if created else "organisation.update",
            unit=unit,
            obj=organisation,
            changes=changes,
        )
    return organisation, created
