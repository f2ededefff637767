"""In-app notifications, mirrored by email when the user has an address.

Reminders are idempotent through Notification.key: the same key never reaches the same user
twice, so the cron command can run as often as it likes.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from orgtree.models import Congress, Unit, User, ancestors_q

from . import states
from .models import CampaignForm, Notification, Return

logger = logging.getLogger(__name__)

# Congress reminders look this far ahead: a term that ends within six months needs planning now.
CONGRESS_WARNING_MONTHS = 6
# Overdue returns are chased daily for this long; after that the city follows up by phone,
# and a campaign from years ago must not flood every district's inbox.
OVERDUE_REMINDER_DAYS = datetime.timedelta(days=60)


def notify(*, users: Iterable[User], text: str, url: str = "", key: str = "") -> list[User]:
    """Create one notification per user (skipping users who already have `key`); email after commit."""
    users = [u for u in users if u.is_active]
    if key:
        already = set(Notification.objects.filter(user__in=users, key=key).values_list("user_id", flat=True))
        users = [u for u in users if u.pk not in already]
    if not users:
        return []
    Notification.objects.bulk_create(
        [Notification(user=u, text=text[:300], url=url, key=key) for u in users], ignore_conflicts=True
    )
    recipients = [u.email for u in users if u.email]
    if recipients:
        transaction.on_commit(lambda: _send_email(recipients, text, url))
    return users


def _send_email(recipients: list[str], text: str, url: str) -> None:
    body = text + (f"\n\n{url}" if url else "")
    try:
        send_mail(f"[妇联基层组织管理] {text[:60]}", body, settings.DEFAULT_FROM_EMAIL, recipients)
    except OSError:
        # A broken mail relay must not undo a committed transition; the in-app message stands.
        logger.exception("could not email a notification to %s", recipients)


def district_users(unit: Unit) -> list[User]:
    """Accounts bound to the district itself that file its returns (staff, admin)."""
    return list(User.objects.filter(unit=unit, is_active=True, role__in=[User.Role.STAFF, User.Role.ADMIN]))


def reviewers_above(unit: Unit) -> list[User]:
    """Reviewers and admins bound to a proper ancestor of `unit`."""
    ancestors = Unit.objects.filter(ancestors_q(unit, include_self=False))
    return list(User.objects.filter(unit__in=ancestors, is_active=True, role__in=[User.Role.REVIEWER, User.Role.ADMIN]))


def reviewers_of_parent(unit: Unit) -> list[User]:
    """Reviewers and admins bound to the unit's parent: the unit that reviews its returns."""
    if unit.parent_id is None:
        return []
    return list(
        User.objects.filter(unit_id=unit.parent_id, is_active=True, role__in=[User.Role.REVIEWER, User.Role.ADMIN])
    )


def seal_replaced(*, unit: Unit, actor: Any, new_sha256: str, **_kwargs: Any) -> None:
    """Tell the reviewing unit that a unit's seal changed (returns submitted from now on carry the new one)."""
    who = actor.get_full_name() if actor is not None else "系统"
    notify(
        users=reviewers_of_parent(unit),
        text=f"{unit.federation_name}更换了公章图片（{who}，摘要 {new_sha256[:12]}），此后上报的报表将使用新公章。",
        url=unit.get_absolute_url(),
        key=f"seal:{unit.pk}:{new_sha256[:16]}",
    )


def _units_users(unit_ids: Iterable[int]) -> list[User]:
    return list(User.objects.filter(unit_id__in=unit_ids, is_active=True, role__in=[User.Role.STAFF, User.Role.ADMIN]))


def send_due_reminders(*, today: datetime.date | None = None, days: int = 3) -> int:
    """Remind district accounts of every unsubmitted return due within `days` days, or overdue.

    One notification per user, return and day (key), so reruns on the same day add nothing.
    Returns the number of notifications created.
    """
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=days)
    forms = list(
        CampaignForm.objects.filter(due_date__lte=horizon, due_date__gte=today - OVERDUE_REMINDER_DAYS)
        .select_related("campaign", "campaign__unit")
        .order_by("due_date")
    )
    created = 0
    for form in forms:
        districts = list(form.campaign.districts())
        done = set(
            Return.objects.filter(form=form, status__in=states.reported_values()).values_list("unit_id", flat=True)
        )
        users_by_unit: dict[int | None, list[User]] = {}
        for user in _units_users([d.pk for d in districts if d.pk not in done]):
            users_by_unit.setdefault(user.unit_id, []).append(user)
        url = reverse("returns:campaign", args=[form.campaign_id])
        for district in districts:
            if district.pk in done:
                continue
            left = (form.due_date - today).days
            if left >= 0:
                when = "今天" if left == 0 else f"还有 {left} 天"
                text = f"{district.name}：{form.campaign.doc_number} {form.short_label}应于{form.due_date:%Y-%m-%d}报送，{when}到期。"
            else:
                text = f"{district.name}：{form.campaign.doc_number} {form.short_label}已逾期 {-left} 天（期限 {form.due_date:%Y-%m-%d}），请尽快报送。"
            key = f"due:{form.pk}:{district.pk}:{today:%Y%m%d}"
            created += len(notify(users=users_by_unit.get(district.pk, []), text=text, url=url, key=key))
    return created


def add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return datetime.date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)


def send_congress_reminders(*, today: datetime.date | None = None) -> int:
    """Warn a unit and its parent federation when the unit's latest congress expires within six months
    or has expired with no newer congress recorded. One notification per user, congress and month."""
    today = today or timezone.localdate()
    horizon = add_months(today, CONGRESS_WARNING_MONTHS)
    latest = {row["unit_id"]: row["last"] for row in Congress.objects.values("unit_id").annotate(last=Max("number"))}
    congresses = {
        (c.unit_id, c.number): c
        for c in Congress.objects.filter(expires_on__lte=horizon, unit__archived_at__isnull=True).select_related("unit")
    }
    created = 0
    for unit_id, number in latest.items():
        congress = congresses.get((unit_id, number))
        if congress is None:
            continue
        unit = congress.unit
        if congress.expires_on <= today:
            text = f"{unit.name}第{congress.number}届妇女代表大会已于{congress.expires_on:%Y-%m-%d}届满，尚无新一届记录，请及时换届。"
        else:
            text = (
                f"{unit.name}第{congress.number}届妇女代表大会将于{congress.expires_on:%Y-%m-%d}届满，请做好换届准备。"
            )
        recipients = _units_users([pk for pk in (unit.pk, unit.parent_id) if pk])
        key = f"congress:{congress.pk}:{today:%Y%m}"
        created += len(notify(users=recipients, text=text, url=unit.get_absolute_url(), key=key))
    return created
