"""Issue 14, the smaller page fixes: Django's own wording in plain Chinese, fields that must be
chosen start empty, and pre-submit warnings name a unit with its parents and link to it."""

import re

from django import forms
from django.urls import reverse
from django.utils import translation

from tests.test_people import add_form, add_url


class _Sample(forms.Form):
    text = forms.CharField(min_length=8, max_length=10)
    number = forms.IntegerField(max_value=5)
    choice = forms.ChoiceField(choices=[("a", "甲")])


def test_django_messages_read_as_plain_chinese():
    with translation.override("zh-hans"):
        form = _Sample({"text": "abc", "number": "9", "choice": "z"})
        assert not form.is_valid()
        text = form.errors.as_text()
    assert "至少要 8 个字（现在只有 3 个）" in text
    assert "不能大于 5" in text and "请从列表中选择" in text
    assert "确保该变量" not in text and "选择一个有效的选项" not in text


def test_the_account_form_says_what_active_means(tree, city_admin, login):
    html = login(city_admin).get(reverse("orgtree:account_create")).content.decode()
    assert "指明用户是否被认为是活跃的" not in html
    assert "停用的账号不能登录" in html and ">启用<" in html


def test_education_and_source_start_empty_for_a_new_person(tree, staff_a, login):
    html = login(staff_a).get(add_url(tree.community_a)).content.decode()
    for name in ("p-education", "p-source"):
        select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
        assert re.search(r'<option value="" selected>请选择</option>', select), name
        assert select.count("selected") == 1


def test_a_new_person_without_education_or_source_is_refused(tree, staff_a, login):
    response = login(staff_a).post(add_url(tree.community_a), add_form(**{"p-education": "", "p-source": ""}))
    assert response.status_code == 200
    errors = response.context["person_form"].errors
    assert set(errors) == {"education", "source"}


def test_editing_a_person_keeps_her_recorded_values(tree, staff_a, login, member):
    post = member(tree.community_a, role="executive")
    html = login(staff_a).get(reverse("members:person_edit", args=[post.person.pk])).content.decode()
    select = re.search(r'<select name="education"[^>]*>(.*?)</select>', html, re.S).group(1)
    assert f'value="{post.person.education}" selected' in select
    assert "请选择" not in select


def test_pre_submit_warnings_name_the_unit_with_its_parents_and_link_to_it(tree, campaign_2016, staff_b, login):
    form = campaign_2016.forms.get(form_no="4")
    html = login(staff_b).get(reverse("returns:return_submit", args=[form.pk, tree.district_b.pk])).content.decode()
    street = tree.district_b.get_children().first()
    link = f'<a href="{reverse("orgtree:unit", args=[street.pk])}">南岗区 / {street.name}</a>：'
    assert link in html
