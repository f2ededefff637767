"""The login page: Chinese errors, the way home, and the demo logins on development servers only."""

from django.urls import reverse

from demo.tree import seed_accounts


def test_a_wrong_password_is_told_in_chinese_and_keeps_the_username(tree, client, staff_a):
    response = client.post(reverse("login"), {"username": "staff_a", "password": "wrong"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "用户名或密码不正确" in body and 'value="staff_a"' in body


def test_a_demo_login_reaches_its_own_unit_page(tree, client):
    seed_accounts()
    response = client.post(reverse("login"), {"username": "daoli", "password": "fedorg2016"}, follow=True)
    assert response.status_code == 200
    assert response.context["unit"] == tree.district_a


def test_a_development_server_lists_the_demo_logins_on_the_login_page(tree, client, settings):
    seed_accounts()
    settings.DEBUG = True
    body = client.get(reverse("login")).content.decode()
    assert "演示账号" in body and 'data-username="daoli"' in body and "道里区" in body


def test_a_production_server_never_lists_demo_logins(tree, client, settings):
    seed_accounts()
    settings.DEBUG = False
    body = client.get(reverse("login")).content.decode()
    assert "演示账号" not in body and "fedorg2016" not in body


def test_a_logged_in_user_is_sent_past_the_login_page(tree, login, staff_a):
    response = login(staff_a).get(reverse("login"))
    assert response.status_code == 302
