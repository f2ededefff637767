"""Open the province's dashboard and 附表4 in headless Chromium, cold and warm, timing each and taking screenshots.

    DATABASE_URL=postgres://…/fedorg_prov21 .venv/bin/python scripts/screenshot_province.py --base http://127.0.0.1:8021

Needs the province demo in that database, a server on --base (runserver or gunicorn) and a job worker
(`manage.py run_jobs`) on the same database. Clears every kept figure first (the cities' shares; the server's
pages through a rule set saved as it is, which changes every version), so the first view is cold: it must answer within 2 s with the counting job's progress, then reload
by itself with the figures once the worker has counted the cities. Writes docs/screenshots/province/:
dashboard-counting.png, dashboard.png, form4-counting.png (when 附表4 was still cold), form4.png, and prints
the times. Signs in as the provincial reviewer with a session made here (no password needed).

Only for people and for the screenshots in docs/; CI does not run it.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fedorg.settings")
OUT = ROOT / "docs" / "screenshots" / "province"


def fonts_env() -> dict[str, str]:
    """Chromium's environment with the app's vendored Chinese fonts (static/fonts) added to fontconfig's: a
    bare Debian has none, and the screenshots would show boxes."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="fedorg-fonts-"))
    (folder / "fonts.conf").write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
        f"<dir>{ROOT / 'static' / 'fonts'}</dir><cachedir>{folder}</cachedir></fontconfig>",
        encoding="utf-8",
    )
    return {**os.environ, "FONTCONFIG_FILE": str(folder / "fonts.conf")}


def session_cookie(user) -> str:
    """A signed-in session of `user`, as a login would make it."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]  # the model backend (axes is first)
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return str(session.session_key)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:8021")
    parser.add_argument("--wait", type=float, default=120.0, help="how long to wait for the counting job (s)")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import caches
    from django.urls import reverse
    from playwright.sync_api import sync_playwright

    from members.models import RuleSet
    from orgtree.models import Unit, User

    province = Unit.objects.get(kind=Unit.Kind.PROVINCE)
    reviewer = User.objects.filter(unit=province, role=User.Role.REVIEWER).first()
    caches["shared"].clear()  # the cities' shares: the first views are cold
    # The server keeps its pages in its own memory per data version: a rule set saved as it is changes the
    # global version and every city's (members.cityversions), as a rule change would.
    rule_set = RuleSet.objects.order_by("pk").first()
    if rule_set is not None:
        rule_set.save()
    OUT.mkdir(parents=True, exist_ok=True)
    host = args.base.split("//", 1)[1].split(":", 1)[0]
    pages = [
        ("dashboard", reverse("orgtree:unit", args=[province.pk]), "已完成扩员（达标）"),
        ("form4", reverse("reports:table", args=[province.pk, 4]), "附表4（续）"),
    ]
    cookie = session_cookie(reviewer)  # before Playwright: its loop makes Django refuse database calls
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"], env=fonts_env())
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "domain": host, "path": "/"}])
        page = context.new_page()
        for name, path, done_text in pages:
            url = args.base + path
            started = time.perf_counter()
            response = page.goto(url, wait_until="domcontentloaded")
            first = time.perf_counter() - started
            assert response is not None and response.ok, f"{url}: {response.status if response else 'no answer'}"
            counting = page.locator("text=正在按市（地）统计").count() > 0
            print(
                f"{name}：首次打开 {first:.2f} s，{'显示统计进度（后台任务）' if counting else '直接显示结果'}",
                flush=True,
            )
            if counting:
                time.sleep(4)  # let the bar move a few steps
                page.screenshot(path=str(OUT / f"{name}-counting.png"), full_page=False)
                waited = time.perf_counter()
                page.wait_for_selector(f"text={done_text}", timeout=args.wait * 1000)
                print(f"{name}：后台统计完成、页面自动刷新用时 {time.perf_counter() - waited:.1f} s", flush=True)
            for attempt in (1, 2):
                started = time.perf_counter()
                page.goto(url, wait_until="domcontentloaded")
                print(f"{name}：再次打开（第 {attempt} 次）{time.perf_counter() - started:.2f} s", flush=True)
            # The tree navigator fetches the province's cities after the page has loaded.
            page.wait_for_selector("text=加载中", state="detached", timeout=10_000)
            page.screenshot(path=str(OUT / f"{name}.png"), full_page=False)
        browser.close()
    print(f"截图：{OUT}")


if __name__ == "__main__":
    main()
