import unicodedata

from django.core.management.base import BaseCommand

from demo.tree import demo_logins


def display_width(text):
    """Terminal columns: Chinese characters take two, so ljust() alone misaligns the table."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def pad(text, width):
    return str(text) + " " * (width - display_width(text))


class Command(BaseCommand):
    help = "列出演示账号（用户名、密码、角色、所属组织）。"

    def handle(self, *args, **options):
        rows = demo_logins()
        if not rows:
            self.stdout.write("还没有演示账号，请先运行 python manage.py seed_demo。")
            return
        headers = ("用户名", "密码", "角色", "所属组织")
        widths = [max(display_width(r[i]) for r in [headers, *rows]) for i in range(4)]
        self.stdout.write("演示账号（登录 http://127.0.0.1:8000/ ）：")
        for row in [headers, *rows]:
            self.stdout.write("  " + "  ".join(pad(v, w) for v, w in zip(row, widths, strict=True)))
