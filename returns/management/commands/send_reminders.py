"""Send the due-date and congress reminders; safe to run from cron as often as you like."""

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from returns.notifications import send_congress_reminders, send_due_reminders


class Command(BaseCommand):
    help = "提醒各区报表即将到期或已逾期，并提醒妇代会即将届满或已届满未换届。同一天重复运行不会重复提醒。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=3, help="提前几天提醒（默认 3 天）")
        parser.add_argument("--today", help="按这一天计算（YYYY-MM-DD，默认今天），用于补发")

    def handle(self, *args: Any, days: int, today: str | None = None, **options: Any) -> None:
        if days < 0:
            raise CommandError("--days 不能为负数。")
        try:
            day = datetime.date.fromisoformat(today) if today else None
        except ValueError:
            raise CommandError(f"--today 应为 YYYY-MM-DD，收到 {today!r}。") from None
        with transaction.atomic():
            due = send_due_reminders(today=day, days=days)
            congress = send_congress_reminders(today=day)
        self.stdout.write(f"报表提醒 {due} 条，换届提醒 {congress} 条。")
