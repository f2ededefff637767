"""Issue 12, accounts: lockout, password rules, usernames, idle sessions, CSP and audit of logins."""

import base64

import pytest
from conftest import PASSWORD
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from orgtree.models import AuditEvent, User


def post_login(client, username, password, ip="10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


# --- lockout ----------------------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_username_on_that_address_even_for_the_right_password(tree, client, staff_a):
    for _ in range(4):
        assert post_login(client, "staff_a", "wrong-password").status_code == 200
    assert post_login(client, "staff_a", "wrong-password").status_code == 429  # the fifth failure locks
    response = post_login(client, "staff_a", PASSWORD)
    body = response.content.decode()
    assert response.status_code == 429
    assert "暂时无法登录" in body and "15 分钟" in body and "5 次" in body
    assert "_auth_user_id" not in client.session


def test_a_lockout_ignores_the_case_of_the_username(tree, client, staff_a):
    for name in ["STAFF_A", "Staff_A", "staff_A", "sTaff_a", "staff_a"]:
        post_login(client, name, "wrong-password")
    assert post_login(client, "staff_a", PASSWORD).status_code == 429


def test_the_lockout_is_per_username_and_address_not_per_address(tree, client, staff_a, staff_b):
    for _ in range(5):
        post_login(client, "staff_a", "wrong-password", ip="10.0.0.1")
    # The same user from another address, and another user from the same office address, still log in.
    assert post_login(client, "staff_a", PASSWORD, ip="10.0.0.2").status_code == 302
    client.logout()
    assert post_login(client, "staff_b", PASSWORD, ip="10.0.0.1").status_code == 302


def test_four_failures_then_the_right_password_logs_in(tree, client, staff_a):
    for _ in range(4):
        post_login(client, "staff_a", "wrong-password")
    assert post_login(client, "staff_a", PASSWORD).status_code == 302


def test_the_api_takes_no_password_so_it_cannot_be_used_to_guess_one(tree, client, staff_a):
    token = base64.b64encode(f"staff_a:{PASSWORD}".encode()).decode()
    response = client.get(reverse("api-unit-list"), HTTP_AUTHORIZATION=f"Basic {token}")
    assert response.status_code in (401, 403)


def test_a_forwarded_for_header_is_ignored_unless_the_proxy_is_trusted(tree, client, staff_a, monkeypatch):
    monkeypatch.delenv("FORWARDED_FOR_TRUSTED", raising=False)
    for n in range(5):
        client.post(
            reverse("login"),
            {"username": "staff_a", "password": "wrong-password"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        )
    assert post_login(client, "staff_a", PASSWORD, ip="10.0.0.1").status_code == 429


# --- passwords --------------------------------------------------------------------------------


def account_form(**overrides):
    data = {
        "username": "daoli",
        "full_name": "道里区妇联",
        "role": User.Role.STAFF,
        "phone": "",
        "is_active": "on",
        "unit": "230102",
        "password": "Harbin-Fulian-2016",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("daoli123", "至少需要 10 个字符"),
        ("daoli12345", "不能包含用户名"),
        ("DaoLi-2016!", "不能包含用户名"),
        ("daoli", "和用户名相同"),
        ("1234567890", "全都是数字"),
        ("password123", "太常见"),
    ],
)
def test_weak_passwords_are_refused_with_a_clear_chinese_message(tree, city_admin, login, password, message):
    html = login(city_admin).post(reverse("orgtree:account_create"), account_form(password=password)).content.decode()
    assert message in html
    assert "确保该变量" not in html
    assert not User.objects.filter(username="daoli").exists()


def test_a_good_password_is_accepted(tree, city_admin, login):
    response = login(city_admin).post(reverse("orgtree:account_create"), account_form())
    assert response.status_code == 302
    assert User.objects.get(username="daoli").check_password("Harbin-Fulian-2016")


def test_the_password_change_page_applies_the_same_rules_in_chinese(tree, staff_a, login):
    client = login(staff_a)
    data = {"old_password": PASSWORD, "new_password1": "staff_a2016", "new_password2": "staff_a2016"}
    html = client.post(reverse("password_change"), data).content.decode()
    assert "不能包含用户名" in html
    staff_a.refresh_from_db()
    assert staff_a.check_password(PASSWORD)


# --- usernames --------------------------------------------------------------------------------


def test_usernames_differing_only_by_case_cannot_both_exist(tree, city_admin, staff_a, login):
    html = login(city_admin).post(reverse("orgtree:account_create"), account_form(username="Staff_A")).content.decode()
    assert "已存在" in html
    assert User.objects.filter(username__iexact="staff_a").count() == 1


def test_the_database_refuses_a_case_variant_of_an_existing_username(tree, staff_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="STAFF_A")


@pytest.mark.parametrize("username", ["dаoli", "道里", "ｄａｏｌｉ", "dao li", "daoli\u200b"])
def test_a_non_ascii_or_look_alike_username_is_refused(tree, city_admin, login, username):
    html = login(city_admin).post(reverse("orgtree:account_create"), account_form(username=username)).content.decode()
    assert "用户名只能使用英文字母" in html
    assert not User.objects.filter(username=username).exists()


def test_the_model_validator_refuses_a_cyrillic_username():
    with pytest.raises(ValidationError):
        User._meta.get_field("username").run_validators("dаoli")


def test_a_login_ignores_the_case_of_the_username(tree, client, staff_a):
    assert post_login(client, "STAFF_A", PASSWORD).status_code == 302


# --- sessions ---------------------------------------------------------------------------------


def test_a_session_expires_after_thirty_idle_minutes(tree, client, staff_a, settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    post_login(client, "staff_a", PASSWORD)
    assert client.session.get_expiry_age() == 30 * 60
    assert client.cookies["sessionid"]["max-age"] == 30 * 60


def test_activity_renews_the_idle_limit_at_most_once_a_minute(tree, client, staff_a, monkeypatch):
    from django.contrib.sessions.models import Session

    from fedorg import middleware

    clock = [1_000_000]
    monkeypatch.setattr(middleware.time, "time", lambda: clock[0])
    post_login(client, "staff_a", PASSWORD)
    page = reverse("orgtree:unit", args=[staff_a.unit_id])
    client.get(page)
    key = client.session.session_key
    first = Session.objects.get(session_key=key).expire_date
    clock[0] += 30  # half a minute later: no write
    assert "sessionid" not in client.get(page).cookies
    clock[0] += 31  # a minute after the last renewal: renewed
    response = client.get(page)
    assert response.cookies["sessionid"]["max-age"] == 30 * 60
    assert Session.objects.get(session_key=key).expire_date > first


def test_an_idle_session_is_logged_out(tree, client, staff_a):
    import datetime

    from django.contrib.sessions.models import Session

    post_login(client, "staff_a", PASSWORD)
    Session.objects.update(expire_date=Session.objects.get().expire_date - datetime.timedelta(minutes=31))
    response = client.get(reverse("orgtree:unit", args=[staff_a.unit_id]))
    assert response.status_code == 302 and reverse("login") in response["Location"]


# --- content security policy ------------------------------------------------------------------


def test_every_page_sends_a_csp_without_inline_script(tree, client):
    policy = client.get(reverse("login"))["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"


def test_no_template_has_inline_script_style_or_event_handlers():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "templates"
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=\"|\son[a-z]+=|javascript:", re.I)
    offenders = [
        f"{path.relative_to(root)}:{n}"
        for path in root.rglob("*.html")
        # rendered to PDF by WeasyPrint, never served
        if path.relative_to(root).as_posix() not in {"reports/pdf.html", "reports/pdf_text.html"}
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if inline.search(line)
    ]
    assert offenders == []


def test_the_pages_that_had_inline_script_still_load_their_behaviour(tree, client, settings):
    from demo.tree import seed_accounts

    seed_accounts()
    settings.DEBUG = True
    body = client.get(reverse("login")).content.decode()
    assert "fedorg/app.js" in body and 'class="link demo-login"' in body


# --- audit ------------------------------------------------------------------------------------


def test_a_login_is_audited_with_the_address(tree, client, staff_a):
    post_login(client, "staff_a", PASSWORD, ip="10.1.2.3")
    event = AuditEvent.objects.get(action="auth.login")
    assert (event.actor, event.unit, event.changes["ip"]) == (staff_a, tree.district_a, "10.1.2.3")


def test_a_failed_login_is_audited_without_the_password(tree, client, staff_a):
    post_login(client, "staff_a", "secret-guess-1", ip="10.1.2.3")
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.actor is None and event.object_id == staff_a.pk and event.unit == tree.district_a
    assert event.changes == {"username": "staff_a", "ip": "10.1.2.3"}
    assert "secret-guess-1" not in str(event.changes)


def test_a_failed_login_for_an_unknown_username_is_audited_too(tree, client):
    post_login(client, "nobody", "secret-guess-1")
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.object_id is None and event.changes["username"] == "nobody"


def test_a_password_change_is_audited_without_the_password(tree, staff_a, login):
    new = "Harbin-Daoli-Fulian"
    data = {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    response = login(staff_a).post(reverse("password_change"), data)
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="auth.password_change")
    assert event.actor == staff_a and event.object_id == staff_a.pk
    assert new not in str(event.changes) and PASSWORD not in str(event.changes)


def test_an_unmasked_roster_download_is_audited(tree, staff_a, login, member):
    member(tree.street_a)
    response = login(staff_a).get(reverse("members:roster_export", args=[tree.district_a.pk]))
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="roster.export_unmasked")
    assert (event.actor, event.unit) == (staff_a, tree.district_a)
    assert event.changes["filename"].endswith(".xlsx")


def test_a_masked_roster_download_is_not_an_unmasked_one(tree, viewer_a, login, member):
    member(tree.street_a)
    assert login(viewer_a).get(reverse("members:roster_export", args=[tree.district_a.pk])).status_code == 200
    assert not AuditEvent.objects.filter(action="roster.export_unmasked").exists()
