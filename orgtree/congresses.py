"""换届 as a record (issue 23): a unit's women's congress (妇女代表大会, or a 妇代会's 妇女代表会议), recorded
by its own clerks or its parent's, at every tier.

One congress is one row of `Congress`, unique by (unit, 届次). These services are the only writers (pages,
API, Excel import, demo): each validates in Chinese, runs in one transaction with the unit row locked,
records one audit event, and is idempotent: submitting the same 届 again with the same values changes
nothing and returns the row already there.

A 换届 is due when the previous 届's term runs out (届满时间). Held more than `TIMING_TOLERANCE_MONTHS`
before or after that day it is 提前 or 延期换届, and the record needs a reason.

The posts a congress elected link to it through `members.Post.term` (a layer above: orgtree never imports
members, it reads them through the reverse relation `congress.posts`).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from fedorg.dates import EARLIEST_AS_OF, cn_date

from .models import AuditEvent, Congress, Unit

TIMING_TOLERANCE_MONTHS = 3
MAX_NUMBER = 99
MAX_TERM_YEARS = 10
MAX_COUNT = 9999

# The fields a clerk enters, in form order; the others (timing, created_by, ...) the service sets.
FIELDS = [
    "number",
    "held_on",
    "term_years",
    "expires_on",
    "next_planned_on",
    "delegates_total",
    "delegates_women_workers",
    "delegates_frontline",
    "delegates_party",
    "delegates_minority",
    "delegates_young",
    "executives_elected",
    "standing_elected",
    "vice_chairs_elected",
    "chair_name",
    "timing_reason",
    "note",
]
COUNT_FIELDS = [
    "delegates_total",
    "delegates_women_workers",
    "delegates_frontline",
    "delegates_party",
    "delegates_minority",
    "delegates_young",
    "executives_elected",
    "standing_elected",
    "vice_chairs_elected",
]
DELEGATE_PARTS = COUNT_FIELDS[1:6]
TEXT_FIELDS = {"chair_name": 50, "timing_reason": 200, "note": 200}


def label(field: str) -> str:
    return str(getattr(Congress._meta.get_field(field), "verbose_name", field))


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later (earlier when negative), or the month's last day."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return datetime.date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - day 28 exists in every month


def congresses_of(unit: Unit) -> QuerySet[Congress]:
    """A unit's congresses, the latest 届 first."""
    return Congress.objects.filter(unit=unit).order_by("-number")


def timing_of(
    unit: Unit, *, number: int, held_on: datetime.date, exclude_pk: int | None = None
) -> tuple[str, datetime.date | None]:
    """(Congress.Timing, the previous 届's 届满时间 or None) for a 届 of `unit` held on `held_on`."""
    earlier = Congress.objects.filter(unit=unit, number__lt=number)
    if exclude_pk is not None:
        earlier = earlier.exclude(pk=exclude_pk)
    previous = earlier.order_by("-number").first()
    if previous is None:
        return Congress.Timing.FIRST, None
    due = previous.expires_on
    if held_on < add_months(due, -TIMING_TOLERANCE_MONTHS):
        return Congress.Timing.EARLY, due
    if held_on > add_months(due, TIMING_TOLERANCE_MONTHS):
        return Congress.Timing.LATE, due
    return Congress.Timing.ON_TIME, due


def _clean(unit: Unit, data: Mapping[str, Any], *, exclude_pk: int | None = None) -> dict[str, Any]:
    """The submitted values made whole (届满时间 from the term when left out), or ValidationError in Chinese."""
    errors: dict[str, list[str]] = {}

    def err(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    values: dict[str, Any] = {field: data.get(field) for field in FIELDS}
    for field, size in TEXT_FIELDS.items():
        text = str(values[field] or "").strip()
        if len(text) > size:
            err(field, f"{label(field)}不能超过 {size} 个字。")
        values[field] = text
    number, held_on = values["number"], values["held_on"]
    if number is None:
        err("number", "请填写届次。")
    elif not 1 <= number <= MAX_NUMBER:
        err("number", f"届次应在 1 到 {MAX_NUMBER} 之间。")
    today = timezone.localdate()
    if held_on is None:
        err("held_on", "请填写召开时间。")
    elif held_on > today:
        err("held_on", f"召开时间 {cn_date(held_on)} 不能晚于今天。")
    elif held_on < EARLIEST_AS_OF:
        err("held_on", f"召开时间不能早于 {cn_date(EARLIEST_AS_OF)}。")
    if values["term_years"] is None:
        values["term_years"] = 5
    if not 1 <= values["term_years"] <= MAX_TERM_YEARS:
        err("term_years", f"任期应在 1 到 {MAX_TERM_YEARS} 年之间。")
    for field in COUNT_FIELDS:
        value = values[field]
        if value is not None and not 0 <= value <= MAX_COUNT:
            err(field, f"{label(field)}应在 0 到 {MAX_COUNT} 之间。")
    if errors or number is None or held_on is None:
        raise ValidationError(errors)

    if values["expires_on"] is None:
        values["expires_on"] = add_months(held_on, 12 * values["term_years"])
    if values["expires_on"] <= held_on:
        err("expires_on", "届满时间应晚于召开时间。")
    if values["next_planned_on"] is not None and values["next_planned_on"] <= held_on:
        err("next_planned_on", "计划换届时间应晚于召开时间。")
    total = values["delegates_total"]
    for field in DELEGATE_PARTS:
        part = values[field]
        if part is None:
            continue
        if total is None:
            err("delegates_total", f"填写了{label(field)}，请同时填写代表总数。")
            break
        if part > total:
            err(field, f"{label(field)}（{part}）不能多于代表总数（{total}）。")
    executives, standing = values["executives_elected"], values["standing_elected"]
    if unit.is_congress and standing:
        err("standing_elected", "妇代会不设常委，当选常委人数应为空或 0。")
    if executives is not None and standing is not None and standing > executives:
        err("standing_elected", f"当选常委人数（{standing}）不能多于当选执委人数（{executives}）。")
    vice = values["vice_chairs_elected"]
    if executives is not None and vice is not None and vice > executives:
        err("vice_chairs_elected", f"当选副主席（副主任）人数（{vice}）不能多于当选执委（委员）人数（{executives}）。")

    others = Congress.objects.filter(unit=unit)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    if others.filter(number=number).exists():
        err("number", f"{unit.name}第{number}届已有记录。")
    before = others.filter(number__lt=number).order_by("-number").first()
    after = others.filter(number__gt=number).order_by("number").first()
    if before is not None and before.held_on >= held_on:
        err("held_on", f"第{number}届的召开时间应晚于第{before.number}届（{cn_date(before.held_on)}）。")
    if after is not None and after.held_on <= held_on:
        err("held_on", f"第{number}届的召开时间应早于第{after.number}届（{cn_date(after.held_on)}）。")

    timing, due = timing_of(unit, number=number, held_on=held_on, exclude_pk=exclude_pk)
    values["timing"] = timing
    if timing in (Congress.Timing.EARLY, Congress.Timing.LATE) and not values["timing_reason"]:
        word = "提前" if timing == Congress.Timing.EARLY else "延期"
        assert due is not None
        err(
            "timing_reason",
            f"上一届于 {cn_date(due)} 届满，第{number}届于 {cn_date(held_on)} 召开，{word}超过 "
            f"{TIMING_TOLERANCE_MONTHS} 个月，请填写{word}换届原因。",
        )
    if errors:
        raise ValidationError(errors)
    return values


def _changes(congress: Congress | None, values: Mapping[str, Any]) -> dict[str, list[Any]]:
    changes: dict[str, list[Any]] = {}
    for field in [*FIELDS, "timing"]:
        old = getattr(congress, field) if congress is not None else None
        new = values[field]
        if old != new and not (congress is None and new in (None, "")):
            changes[field] = [_plain(old), _plain(new)]
    return changes


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime.date) else value


def _lock(unit: Unit) -> Unit:
    """The unit row locked until the end of the transaction: two clerks saving one 届 at once queue up. SQLite
    has no row locks: every transaction there begins IMMEDIATE (settings), which serialises writers already."""
    if connection.vendor != "postgresql":
        return unit
    return Unit.objects.select_for_update().get(pk=unit.pk)


def _retime_next(congress: Congress) -> None:
    """The 届 after `congress` is judged against its 届满时间, which may just have changed."""
    following = Congress.objects.filter(unit_id=congress.unit_id, number__gt=congress.number).order_by("number").first()
    if following is None:
        return
    timing, _due = timing_of(following.unit, number=following.number, held_on=following.held_on)
    if timing != following.timing:
        following.timing = timing
        following.save(update_fields=["timing", "updated_at"])


def record_congress(*, unit: Unit, data: Mapping[str, Any], actor: Any) -> tuple[Congress, bool]:
    """Record a 届 of `unit`: (the congress, True) when written, (the congress already there, False) when the
    same 届 was recorded before with the same values (a repeated submit). A 届 already recorded with other
    values is refused: it is corrected with update_congress."""
    with transaction.atomic():
        unit = _lock(unit)
        number = data.get("number")
        existing = Congress.objects.filter(unit=unit, number=number).first() if number is not None else None
        values = _clean(unit, data, exclude_pk=existing.pk if existing is not None else None)
        if existing is not None:
            if not _changes(existing, values):
                return existing, False
            raise ValidationError(
                {
                    "number": f"{unit.name}第{number}届妇女代表大会已有记录（召开时间 {cn_date(existing.held_on)}），"
                    "如需更正请修改该记录。"
                }
            )
        actor_user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
        congress = Congress.objects.create(unit=unit, created_by=actor_user, **values)
        _retime_next(congress)
        AuditEvent.objects.record(
            actor=actor, action="congress.create", unit=unit, obj=congress, changes=_changes(None, values)
        )
    return congress, True


def update_congress(*, congress: Congress, data: Mapping[str, Any], actor: Any) -> Congress:
    """Correct a recorded 届: `data` holds the fields to change (others keep their values). A 届满时间 left
    out is recomputed from the term only when the date held or the term changes."""
    with transaction.atomic():
        unit = _lock(congress.unit)
        congress = Congress.objects.get(pk=congress.pk)
        merged = {field: getattr(congress, field) for field in FIELDS}
        merged.update(data)
        if "expires_on" not in data and ("held_on" in data or "term_years" in data):
            merged["expires_on"] = None
        values = _clean(unit, merged, exclude_pk=congress.pk)
        changes = _changes(congress, values)
        if not changes:
            return congress
        for field, value in values.items():
            setattr(congress, field, value)
        congress.save()
        _retime_next(congress)
        AuditEvent.objects.record(actor=actor, action="congress.update", unit=unit, obj=congress, changes=changes)
    return congress
