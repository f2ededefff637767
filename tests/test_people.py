"""People: registering and appointing in one step, finding people to appoint, the person page, editing."""

import datetime

from members import services
from members.models import Person, Post
from tests.conftest import valid_id_number

BIRTH = datetime.date(1975, 3, 15)


def add_form(**overrides):
    data = {
        "p-name": "张秀梅",
        "p-gender": "F",
        "p-ethnicity": "01",
        "p-birth_date": "1975.03",
        "p-id_number": valid_id_number(BIRTH),
        "p-political_status": "01",
        "p-education": "21",
        "p-workplace_title": "兆麟社区居委会主任",
        "p-mobile": "13812341234",
        "p-source": "99",
        "j-role": "executive",
        "j-start_date": "2016-06-15",
        "j-mode": "part_time",
        "j-method": "unit",
        "next": "roster",
    }
    data.update(overrides)
    return data


def add_url(unit):
    return f"/units/{unit.pk}/roster/add/"


def test_staff_registers_and_appoints_a_new_person_in_one_step(tree, staff_a, login):
    """The person and her post are created, with pinyin initials, and the clerk lands on the roster."""
    response = login(staff_a).post(add_url(tree.community_a), add_form())
    assert response.status_code == 302
    assert response.url == f"/units/{tree.community_a.pk}/roster/"
    person = Person.objects.get()
    assert (person.name, person.name_initials, person.birth_date) == ("张秀梅", "zxm", datetime.date(1975, 3, 1))
    post = Post.objects.get()
    assert (post.unit, post.role, post.start_date) == (tree.community_a, "executive", datetime.date(2016, 6, 15))


def test_save_and_add_another_returns_to_a_blank_form_with_the_post_settings_carried(tree, staff_a, login):
    """A clerk entering 30 people types role, date, mode and method once."""
    client = login(staff_a)
    response = client.post(add_url(tree.community_a), add_form(next="add", **{"j-method": "masses"}))
    assert response.status_code == 302
    assert response.url.startswith(add_url(tree.community_a) + "?")
    page = client.get(response.url).content.decode()
    assert 'value="2016-06-15"' in page
    assert '<option value="masses" selected>' in page
    assert '<option value="executive" selected>' in page
    assert 'name="p-name"' in page and "autofocus" in page
    assert "已登记张秀梅" in page


def test_a_faulty_entry_keeps_what_was_typed_and_names_each_fault(tree, staff_a, login):
    """A wrong ID check character and a too-young start: messages by the fields, nothing written."""
    bad_id = valid_id_number(BIRTH)[:17] + ("1" if valid_id_number(BIRTH)[17] != "1" else "2")
    response = login(staff_a).post(
        add_url(tree.community_a),
        add_form(**{"p-id_number": bad_id, "p-birth_date": "2010-1", "j-start_date": "2016-06-15"}),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "校验位不正确" in page
    assert "任职时年龄为 6 岁" in page
    assert 'value="兆麟社区居委会主任"' in page and 'value="13812341234"' in page
    assert not Person.objects.exists() and not Post.objects.exists()


def test_an_unreadable_birth_month_is_reported_on_its_field(tree, staff_a, login):
    """出生年月 "三月七五" cannot be read."""
    response = login(staff_a).post(add_url(tree.community_a), add_form(**{"p-birth_date": "三月七五"}))
    assert "出生年月“三月七五”无法识别" in response.content.decode()


def test_a_middle_dot_name_is_kept_and_searchable_by_initials(tree, staff_a, login, member):
    """阿依古丽·买买提 keeps her dot and is found by "ayg"."""
    member(tree.community_a, name="阿依古丽·买买提")
    page = login(staff_a).get(f"/units/{tree.community_a.pk}/roster/appoint/", {"q": "ayg"}).content.decode()
    assert "阿依古丽·买买提" in page


def test_a_viewer_may_not_add_people(tree, viewer_a, login):
    """Viewers read only: 403."""
    assert login(viewer_a).get(add_url(tree.community_a)).status_code == 403
    assert login(viewer_a).post(add_url(tree.community_a), add_form()).status_code == 403
    assert not Person.objects.exists()


def test_staff_of_another_district_cannot_add_people_here(tree, staff_b, login):
    """Outside the subtree: 404."""
    assert login(staff_b).post(add_url(tree.community_a), add_form()).status_code == 404
    assert not Person.objects.exists()


class TestSearch:
    def setup_people(self, tree, member):
        self.zxm = member(
            tree.community_a, name="张秀梅", id_number=valid_id_number(BIRTH, serial=26), mobile="13812340026"
        ).person
        self.other = member(tree.community_a2, role="member", name="李桂英", mobile="13912345678").person
        self.outsider = member(
            tree.community_b,
            name="张晓敏",
            id_number=valid_id_number(BIRTH, serial=44, region="230103"),
            mobile="13700000044",
        ).person

    def search(self, client, unit, q):
        return client.get(f"/units/{unit.pk}/roster/appoint/", {"q": q}).content.decode()

    def test_pinyin_initials_find_people_in_the_subtree_only(self, tree, staff_a, login, member):
        """ "zxm" finds 张秀梅 of 道里区, not 张晓敏 of 南岗区."""
        self.setup_people(tree, member)
        page = self.search(login(staff_a), tree.street_a, "zxm")
        assert "张秀梅" in page and "张晓敏" not in page

    def test_the_whole_id_number_a_phone_and_a_name_part_find_her_but_a_tail_does_not(
        self, tree, staff_a, login, member
    ):
        """Whole ID number, whole mobile, part of the name; a tail is no search key (issue 25: an oracle)."""
        self.setup_people(tree, member)
        client = login(staff_a)
        found = f"person={self.zxm.pk}"  # her appoint link (the search box's placeholder also says 张秀梅)
        assert found in self.search(client, tree.street_a, self.zxm.id_number)
        assert found not in self.search(client, tree.street_a, self.zxm.id_number[-4:])
        assert "李桂英" in self.search(client, tree.street_a, "13912345678")
        assert "李桂英" in self.search(client, tree.street_a, "桂英")

    def test_a_full_id_number_from_another_district_reveals_only_that_she_exists(self, tree, staff_a, login, member):
        """Issue 12: the page showed her name, ID and full mobile, and let 道里区 appoint (then edit) her."""
        self.setup_people(tree, member)
        client = login(staff_a)
        page = self.search(client, tree.street_a, self.outsider.id_number)
        assert "已有此人，请联系其所在单位" in page
        page = page.replace(f'value="{self.outsider.id_number}"', "")  # her own query, echoed in the search box
        for secret in ("张晓敏", "13700000044", self.outsider.id_number[6:], f"person={self.outsider.pk}"):
            assert secret not in page
        # Nor can the next step be reached with her number, searched or not.
        url = f"/units/{tree.street_a.pk}/roster/appoint/?person={self.outsider.pk}"
        form = {"person": self.outsider.pk, "j-role": "executive", "j-start_date": "2016-07-01", "j-mode": "part_time"}
        assert client.post(url, form).status_code == 404
        assert not Post.objects.filter(person=self.outsider, unit__in=[tree.street_a]).exists()

    def test_a_full_id_number_in_the_subtree_finds_her_as_before(self, tree, staff_a, login, member):
        self.setup_people(tree, member)
        page = self.search(login(staff_a), tree.street_a, self.zxm.id_number)
        assert "张秀梅" in page and "已有此人" not in page

    def test_a_person_outside_the_subtree_cannot_be_fetched_by_number_alone(self, tree, staff_a, login, member):
        """Guessing ?person=<pk> without the full-ID search gives 404."""
        self.setup_people(tree, member)
        url = f"/units/{tree.street_a.pk}/roster/appoint/?person={self.outsider.pk}"
        assert login(staff_a).get(url).status_code == 404

    def test_no_match_offers_to_register_a_new_person(self, tree, staff_a, login):
        """An empty result links to the add form."""
        page = self.search(login(staff_a), tree.street_a, "不存在的人")
        assert "没有找到" in page and f"/units/{tree.street_a.pk}/roster/add/" in page

    def test_the_search_runs_in_few_queries_however_many_people_match(
        self, tree, staff_a, login, member, django_assert_max_num_queries
    ):
        """People and their posts are two queries, not one per person: 2 matches or 12, same bound."""
        client = login(staff_a)
        for size in (2, 12):
            while Person.objects.count() < size:
                member(tree.community_a, name=f"张秀{Person.objects.count()}")
            with django_assert_max_num_queries(14):
                page = self.search(client, tree.street_a, "zx")
            assert page.count("张秀") >= size


class TestPersonPage:
    def test_the_person_page_shows_every_post_in_the_users_subtree(self, tree, staff_a, login, member):
        """Current and ended posts, in two units."""
        post = member(tree.community_a, role="chair", name="张秀梅")
        from members import services

        services.appoint(
            person=post.person, unit=tree.street_a, role="executive", start_date=datetime.date(2016, 6, 1), actor=None
        )
        services.end_post(post=post, end_date=datetime.date(2016, 8, 1), reason="换届", actor=None)
        page = login(staff_a).get(f"/people/{post.person.pk}/").content.decode()
        assert "兆麟社区" in page and "兆麟街道" in page and "换届" in page

    def test_staff_of_another_district_gets_404(self, tree, staff_b, login, member):
        """The person page follows the access rule."""
        post = member(tree.community_a)
        assert login(staff_b).get(f"/people/{post.person.pk}/").status_code == 404

    def test_the_other_districts_posts_are_not_shown(self, tree, staff_b, login, member):
        """A person holding posts in two districts: each district sees only its own."""
        post = member(tree.community_a, name="张秀梅")
        from members import services

        services.appoint(
            person=post.person,
            unit=tree.community_b,
            role="executive",
            start_date=datetime.date(2016, 6, 1),
            actor=None,
        )
        page = login(staff_b).get(f"/people/{post.person.pk}/").content.decode()
        assert "花园社区" in page and "兆麟社区" not in page


class TestEditPerson:
    def edit_data(self, person, **overrides):
        data = {
            "name": person.name,
            "gender": person.gender,
            "ethnicity": person.ethnicity,
            "birth_date": f"{person.birth_date:%Y.%m}",
            "id_number": person.id_number or "",
            "political_status": person.political_status,
            "education": person.education,
            "workplace_title": person.workplace_title,
            "mobile": person.mobile,
            "source": person.source,
            "sector": person.sector,
            "note": person.note,
        }
        data.update(overrides)
        return data

    def test_staff_corrects_a_name_and_the_initials_follow(self, tree, staff_a, login, member):
        """张秀美 -> 李秀梅: name_initials becomes lxm."""
        person = member(tree.community_a, name="张秀美").person
        response = login(staff_a).post(f"/people/{person.pk}/edit/", self.edit_data(person, name="李秀梅"))
        assert response.status_code == 302
        person.refresh_from_db()
        assert (person.name, person.name_initials) == ("李秀梅", "lxm")

    def test_a_birth_month_that_makes_her_too_young_for_a_current_post_is_refused(self, tree, staff_a, login, member):
        """Born 2005 cannot hold a post from 2016-06-01."""
        person = member(tree.community_a).person
        response = login(staff_a).post(f"/people/{person.pk}/edit/", self.edit_data(person, birth_date="2005.01"))
        assert "兆麟社区执委" in response.content.decode()
        person.refresh_from_db()
        assert person.birth_date.year == 1975

    def test_a_viewer_gets_403_and_an_outsider_404(self, tree, viewer_a, staff_b, login, member):
        """Editing needs an editing role inside the subtree."""
        person = member(tree.community_a).person
        assert login(viewer_a).get(f"/people/{person.pk}/edit/").status_code == 403
        assert login(staff_b).get(f"/people/{person.pk}/edit/").status_code == 404

    def appoint_elsewhere(self, person, unit, start=datetime.date(2016, 6, 1), end=None):
        post = services.appoint(person=person, unit=unit, role="executive", start_date=start, actor=None)
        if end:
            services.end_post(post=post, end_date=end, reason="调离", actor=None)
        return post

    def test_a_person_serving_in_another_subtree_too_is_not_edited_from_here(self, tree, staff_a, login, member):
        """Issue 12: 道里区 appointed a 南岗区 member and could then change her name and mobile."""
        person = member(tree.community_b, name="张晓燕", mobile="13900000001").person
        self.appoint_elsewhere(person, tree.community_a)
        client = login(staff_a)
        assert client.get(f"/people/{person.pk}/edit/").status_code == 403
        response = client.post(f"/people/{person.pk}/edit/", self.edit_data(person, name="改名", mobile="13900000002"))
        assert response.status_code == 403
        person.refresh_from_db()
        assert (person.name, person.mobile) == ("张晓燕", "13900000001")
        page = client.get(f"/people/{person.pk}/").content.decode()
        assert "修改人员信息" not in page and "个人信息由其所在单位共同的上级维护" in page

    def test_the_common_superior_edits_her_and_a_unit_she_left_does_not(
        self, tree, staff_a, staff_b, city_admin, login, member
    ):
        post_b = member(tree.community_b, name="张晓燕")
        person = post_b.person
        self.appoint_elsewhere(person, tree.community_a)
        assert (
            login(city_admin).post(f"/people/{person.pk}/edit/", self.edit_data(person, name="张小燕")).status_code
            == 302
        )
        # 南岗区 ends her post there: 道里区, where she still serves, keeps her data; 南岗区 no longer does.
        services.end_post(post=post_b, end_date=datetime.date(2018, 1, 1), reason="调离", actor=None)
        assert login(staff_b).get(f"/people/{person.pk}/edit/").status_code == 403
        assert login(staff_a).get(f"/people/{person.pk}/edit/").status_code == 200

    def test_someone_who_left_every_post_is_kept_by_the_units_she_served(self, tree, staff_a, staff_b, login, member):
        post = member(tree.community_a)
        services.end_post(post=post, end_date=datetime.date(2018, 1, 1), reason="换届", actor=None)
        assert login(staff_a).get(f"/people/{post.person.pk}/edit/").status_code == 200
        assert login(staff_b).get(f"/people/{post.person.pk}/edit/").status_code == 404


def test_the_post_form_links_to_her_details_only_where_they_may_be_changed(tree, staff_a, login, member):
    post_b = member(tree.community_b, name="张晓燕")
    here = services.appoint(
        person=post_b.person, unit=tree.community_a, role="executive", start_date=datetime.date(2016, 6, 1), actor=None
    )
    page = login(staff_a).get(f"/posts/{here.pk}/edit/").content.decode()
    assert f"/people/{post_b.person.pk}/edit/" not in page
    mine = member(tree.community_a)
    assert f"/people/{mine.person.pk}/edit/" in login(staff_a).get(f"/posts/{mine.pk}/edit/").content.decode()
