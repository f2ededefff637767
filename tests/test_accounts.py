"""Account management: an admin manages the accounts of her own subtree and nothing else."""

import pytest
from conftest import PASSWORD
from django.urls import reverse

from orgtree.models import AuditEvent, User


def form_data(**overrides):
    data = {
        "username": "zhaolin_tb",
        "full_name": "赵晓燕",
        "role": User.Role.STAFF,
        "phone": "0451-84661234",
        "is_active": "on",
        "unit": "230102001",
        "password": "Zhaolin-2016",
    }
    data.update(overrides)
    return data


def test_a_district_admin_lists_only_accounts_of_her_subtree(tree, admin_a, staff_a, street_staff, staff_b, login):
    html = login(admin_a).get(reverse("orgtree:accounts")).content.decode()
    assert "staff_a" in html and "street_staff" in html and "admin_a" in html
    assert "staff_b" not in html


def test_a_district_admin_creates_an_account_for_a_street_and_it_is_audited(tree, admin_a, login, client):
    response = login(admin_a).post(reverse("orgtree:account_create"), form_data())
    assert response.status_code == 302
    account = User.objects.get(username="zhaolin_tb")
    assert (account.unit_id, account.role, account.full_name) == (tree.street_a.pk, User.Role.STAFF, "赵晓燕")
    event = AuditEvent.objects.get(action="account.create", object_id=account.pk)
    assert event.actor == admin_a
    assert event.changes["password"] == ["******", "（已重设）"]
    assert "Zhaolin-2016" not in str(event.changes)
    client.logout()
    response = client.post(reverse("login"), {"username": "zhaolin_tb", "password": "Zhaolin-2016"})
    assert response.status_code == 302 and response.wsgi_request.user == account


def test_an_account_cannot_be_bound_to_a_unit_outside_the_admins_subtree(tree, admin_a, login):
    response = login(admin_a).post(reverse("orgtree:account_create"), form_data(unit="230103"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "找不到组织代码为 230103 的组织，或它不在您的管辖范围内。" in html
    assert 'value="赵晓燕"' in html and 'value="230103"' in html
    assert not User.objects.filter(username="zhaolin_tb").exists()


def test_an_account_outside_the_subtree_is_404(tree, admin_a, staff_b, login):
    client = login(admin_a)
    assert client.get(reverse("orgtree:account_edit", args=[staff_b.pk])).status_code == 404
    assert client.post(reverse("orgtree:account_edit", args=[staff_b.pk]), form_data(unit="230102")).status_code == 404
    staff_b.refresh_from_db()
    assert staff_b.unit_id == tree.district_b.pk


def test_a_missing_account_is_404(tree, admin_a, login):
    assert login(admin_a).get(reverse("orgtree:account_edit", args=[999999])).status_code == 404


def test_editing_keeps_the_password_when_left_blank_and_records_what_changed(tree, admin_a, street_staff, login):
    data = form_data(username="street_staff", full_name="兆麟街道妇联", role=User.Role.VIEWER, password="")
    response = login(admin_a).post(reverse("orgtree:account_edit", args=[street_staff.pk]), data)
    assert response.status_code == 302
    street_staff.refresh_from_db()
    assert street_staff.role == User.Role.VIEWER and street_staff.check_password(PASSWORD)
    event = AuditEvent.objects.get(action="account.update", object_id=street_staff.pk)
    assert event.changes["role"] == ["staff", "viewer"]
    assert "password" not in event.changes


def test_the_edit_form_shows_the_accounts_unit_code(tree, admin_a, street_staff, login):
    html = login(admin_a).get(reverse("orgtree:account_edit", args=[street_staff.pk])).content.decode()
    assert 'value="230102001"' in html


def test_a_weak_password_is_refused_in_chinese(tree, admin_a, login):
    html = login(admin_a).post(reverse("orgtree:account_create"), form_data(password="12345678")).content.decode()
    assert "密码" in html and ("太常见" in html or "全都是数字" in html)
    assert not User.objects.filter(username="zhaolin_tb").exists()


def test_a_taken_username_is_refused_in_chinese(tree, admin_a, staff_a, login):
    html = login(admin_a).post(reverse("orgtree:account_create"), form_data(username="staff_a")).content.decode()
    assert "已存在" in html


@pytest.mark.parametrize("persona", ["staff_a", "viewer_a", "city_reviewer"])
@pytest.mark.parametrize("name", ["orgtree:accounts", "orgtree:account_create"])
def test_non_admins_get_403(tree, request, login, persona, name):
    user = request.getfixturevalue(persona)
    assert login(user).get(reverse(name)).status_code == 403


def test_staff_cannot_edit_an_account_even_inside_her_subtree(tree, staff_a, street_staff, login):
    assert login(staff_a).get(reverse("orgtree:account_edit", args=[street_staff.pk])).status_code == 403


def test_anonymous_is_sent_to_the_login_page(tree, client):
    response = client.get(reverse("orgtree:accounts"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_login_page_is_chinese_and_a_wrong_password_is_explained(tree, staff_a, client):
    assert "登录" in client.get(reverse("login")).content.decode()
    html = client.post(reverse("login"), {"username": "staff_a", "password": "wrong"}).content.decode()
    assert "用户名或密码不正确" in html and 'value="staff_a"' in html


def test_logging_in_lands_on_the_users_unit_page(tree, staff_a, client):
    response = client.post(reverse("login"), {"username": "staff_a", "password": PASSWORD}, follow=True)
    # "/" shows her unit's page itself (issue 21: one request, not a second redirect).
    assert response.redirect_chain[-1][0] == reverse("home")
    assert response.context["unit"] == tree.district_a
    assert "道里区填报员" in response.content.decode()


def test_logging_out_returns_to_the_login_page(tree, staff_a, login):
    response = login(staff_a).post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] == reverse("login")
