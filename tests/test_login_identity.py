"""One identity per account (issue 25, finding 2): every spelling that reaches an account shares its
lockout, and a spelling that only SQL's UPPER() would match reaches nobody.

On PostgreSQL UPPER('ı') is 'I', so after `daoli` was locked out `daolı` (dotless i) logged in
with the right password: four such spellings gave 16 guesses instead of 4 (5 with the default limit).
"""

import importlib

import pytest
from conftest import PASSWORD, make_user
from django.urls import reverse

from fedorg.usernames import account_name, canonical_username
from orgtree.models import User

# Spellings a login form may receive for the account "daoli" (and "kaili").
SAME_ACCOUNT = {
    "daoli": ["DAOLI", "DaoLi", "ＤＡＯＬＩ", "ｄａｏｌｉ", " daoli "],
    "kaili": ["\u212aaili", "KAILI", "ｋａｉｌｉ"],  # the Kelvin sign K
}
NOBODY = [
    "daol\u0131",
    "DAOL\u0131",
    "daoli\u0307",
    "dao\u0301li",
    "da\u00f6li",
    "daolі",
]  # dotless i, combining marks, Cyrillic і


def post_login(client, username, password, ip="10.0.0.9"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.fixture
def accounts(tree):
    return {name: make_user(name, tree.district_a, User.Role.STAFF) for name in SAME_ACCOUNT}


def test_the_canonical_form_folds_width_case_and_compatibility_letters():
    for name, spellings in SAME_ACCOUNT.items():
        assert {account_name(s) for s in spellings} == {name}
    assert all(account_name(s) is None for s in NOBODY)
    assert canonical_username("daol\u0131") == "daol\u0131"  # casefold keeps the dotless i: it names nobody


@pytest.mark.parametrize("spelling", [s for spellings in SAME_ACCOUNT.values() for s in spellings])
def test_every_spelling_of_an_account_logs_in_as_it(accounts, client, spelling):
    assert post_login(client, spelling, PASSWORD).status_code == 302
    assert client.session["_auth_user_id"] == str(accounts[account_name(spelling)].pk)


@pytest.mark.parametrize("spelling", NOBODY)
def test_a_spelling_only_upper_would_match_names_nobody(accounts, client, spelling):
    response = post_login(client, spelling, PASSWORD)
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_after_five_wrong_passwords_no_spelling_logs_in(accounts, client):
    for _ in range(5):
        post_login(client, "daoli", "wrong-password")
    for spelling in ["daoli", *SAME_ACCOUNT["daoli"], *NOBODY]:
        response = post_login(client, spelling, PASSWORD)
        assert response.status_code in (200, 429), spelling
        assert "_auth_user_id" not in client.session, spelling


def test_failures_under_different_spellings_count_together(accounts, client):
    for spelling in SAME_ACCOUNT["daoli"]:
        post_login(client, spelling, "wrong-password")
    assert post_login(client, "daoli", PASSWORD).status_code == 429


@pytest.mark.parametrize(("username", "message"), [("DaoLi", "已存在"), ("ＤａｏＬｉ", "用户名只能使用英文字母")])
def test_a_name_that_clashes_in_canonical_form_is_refused_at_creation(
    tree, city_admin, login, accounts, username, message
):
    from test_login_security import account_form

    before = User.objects.count()
    response = login(city_admin).post(reverse("orgtree:account_create"), account_form(username=username))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert User.objects.count() == before


def test_the_migration_reports_clashes(db, capsys):
    migration = importlib.import_module("orgtree.migrations.0009_report_username_clashes")
    User.objects.create(username="Daoli")
    User.objects.filter(username="Daoli").update(username="daoli\u0131")  # as if loaded from elsewhere

    class Apps:
        @staticmethod
        def get_model(app, name):
            return User

    migration.report_clashes(Apps, None)
    assert "将无法登录：daoli\u0131" in capsys.readouterr().out
