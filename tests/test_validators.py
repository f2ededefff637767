"""Field rules shared by the roster forms, the import and the API: every variant and fault the issue lists."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from members import services, validators
from members.models import Post
from tests.conftest import valid_id_number

BIRTH = datetime.date(1975, 3, 15)
GOOD_ID = valid_id_number(BIRTH)
START = datetime.date(2016, 6, 1)


def messages_of(excinfo):
    return " ".join(excinfo.value.messages)


class TestIdNumber:
    def test_a_valid_id_number_is_accepted_and_normalised(self):
        """Spaces go and a lower-case x check character becomes X."""
        first17 = "11010519491231002"
        expected = first17 + validators.id_check_char(first17)
        assert expected.endswith("X")
        assert validators.clean_id_number(f" {expected[:6]} {expected[6:].lower()} ") == expected

    def test_a_wrong_check_character_is_rejected_with_the_number_in_the_message(self):
        """GB 11643 checksum."""
        wrong = GOOD_ID[:17] + ("0" if GOOD_ID[17] != "0" else "1")
        with pytest.raises(ValidationError) as excinfo:
            validators.clean_id_number(wrong)
        assert "校验位不正确" in messages_of(excinfo) and wrong in messages_of(excinfo)

    @pytest.mark.parametrize("value", ["23010219750315002", "2301021975031500261", "23010219750315002A"])
    def test_a_malformed_id_number_is_rejected(self, value):
        """18 characters, 17 digits then a digit or X."""
        with pytest.raises(ValidationError, match="18 位"):
            validators.clean_id_number(value)

    def test_an_impossible_birth_date_inside_the_id_is_rejected(self):
        """19750231 is not a date."""
        first17 = "23010219750231002"
        with pytest.raises(ValidationError, match="不是有效日期"):
            validators.clean_id_number(first17 + validators.id_check_char(first17))

    def test_the_birth_month_must_match_the_id_number(self):
        """出生年月 1975.04 against an ID born 1975-03."""
        validators.check_id_matches_birth(GOOD_ID, datetime.date(1975, 3, 1))
        with pytest.raises(ValidationError, match="1975.04 与身份证号中的 1975.03 不一致"):
            validators.check_id_matches_birth(GOOD_ID, datetime.date(1975, 4, 1))


class TestMobile:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [("13812341234", "13812341234"), ("+86 138-1234-1234", "13812341234"), ("", "")],
    )
    def test_mainland_mobiles_are_accepted_and_normalised(self, value, expected):
        """Spaces, dashes and +86 are tolerated; an empty mobile is allowed."""
        assert validators.clean_mobile(value) == expected

    @pytest.mark.parametrize("value", ["1381234123", "23812341234", "12812341234", "138123412345"])
    def test_other_numbers_are_rejected(self, value):
        """11 digits starting 13–19."""
        with pytest.raises(ValidationError, match="大陆手机号"):
            validators.clean_mobile(value)


class TestBirthMonth:
    @pytest.mark.parametrize(
        "value", ["1975.03", "1975-3", "1975年3月", "197503", "1975/03", datetime.date(1975, 3, 20), "19750320"]
    )
    def test_the_forms_real_rosters_use_all_mean_march_1975(self, value):
        """Every accepted spelling gives the first day of the month."""
        assert validators.parse_birth_month(value) == datetime.date(1975, 3, 1)

    def test_an_excel_number_with_a_lost_trailing_zero_means_october(self):
        """Excel turns 1975.10 into 1975.1."""
        assert validators.parse_birth_month(1975.1) == datetime.date(1975, 10, 1)

    @pytest.mark.parametrize("value", ["", "三月", "1975.13", "75.03"])
    def test_unreadable_values_are_rejected_in_chinese(self, value):
        """The message shows the expected form."""
        with pytest.raises(ValidationError, match="1975.03"):
            validators.parse_birth_month(value)


class TestAgeAndDates:
    @pytest.mark.parametrize(
        ("born", "ok"), [("2000-06-02", True), ("2000-06-03", False), ("1926-06-02", True), ("1925-06-01", False)]
    )
    def test_the_age_on_the_start_date_must_be_between_16_and_90(self, born, ok):
        """周岁 on 2016-06-02: 16 and 90 pass, 15 and 91 fail."""
        day = datetime.date(2016, 6, 2)
        if ok:
            validators.check_age_on(datetime.date.fromisoformat(born), day)
        else:
            with pytest.raises(ValidationError, match="16–90"):
                validators.check_age_on(datetime.date.fromisoformat(born), day)

    @pytest.mark.parametrize("end", [datetime.date(2016, 6, 1), datetime.date(2016, 5, 1)])
    def test_the_end_date_must_be_after_the_start_date(self, end):
        """Same day or earlier is refused."""
        with pytest.raises(ValidationError, match="必须晚于任职时间"):
            validators.check_dates(START, end)


class TestRulesThroughTheServices:
    def test_a_chair_role_in_a_congress_is_refused_naming_the_unit(self, tree):
        """A 妇代会 has 主任/副主任/委员."""
        person = services.create_person(data={"name": "张秀梅", "birth_date": BIRTH}, actor=None)
        with pytest.raises(ValidationError) as excinfo:
            services.appoint(person=person, unit=tree.village_a, role=Post.Role.CHAIR, start_date=START, actor=None)
        assert "新农村是妇代会" in str(excinfo.value.message_dict["role"])

    def test_a_director_role_in_a_federation_is_refused(self, tree):
        """A 妇联 has 主席/副主席/常委/执委/代表."""
        person = services.create_person(data={"name": "张秀梅", "birth_date": BIRTH}, actor=None)
        with pytest.raises(ValidationError, match="职务只能是"):
            services.appoint(
                person=person, unit=tree.community_a, role=Post.Role.DIRECTOR, start_date=START, actor=None
            )

    def test_a_second_current_leadership_post_in_one_unit_is_refused_but_a_delegate_post_is_not(self, tree, member):
        """One current leadership post per person per unit; 代表 may sit beside it."""
        post = member(tree.district_a, role=Post.Role.EXECUTIVE)
        with pytest.raises(ValidationError) as excinfo:
            services.appoint(
                person=post.person, unit=tree.district_a, role=Post.Role.STANDING, start_date=START, actor=None
            )
        assert "已担任执委" in excinfo.value.message_dict["role"][0]
        services.appoint(
            person=post.person, unit=tree.district_a, role=Post.Role.DELEGATE, start_date=START, actor=None
        )
        assert Post.objects.filter(person=post.person).count() == 2

    def test_after_ending_a_post_she_may_take_a_new_one_in_the_same_unit(self, tree, member):
        """A promotion: end 执委, then appoint 副主席 from the next day."""
        post = member(tree.district_a, role=Post.Role.EXECUTIVE)
        services.end_post(post=post, end_date=datetime.date(2016, 7, 1), reason="职务调整", actor=None)
        services.appoint(
            person=post.person,
            unit=tree.district_a,
            role=Post.Role.VICE_CHAIR,
            start_date=datetime.date(2016, 7, 1),
            actor=None,
        )
        held = Post.objects.filter(person=post.person, unit=tree.district_a).order_by("start_date")
        assert [(p.role, p.start_date, p.end_date) for p in held] == [
            (Post.Role.EXECUTIVE, post.start_date, datetime.date(2016, 7, 1)),
            (Post.Role.VICE_CHAIR, datetime.date(2016, 7, 1), None),
        ]

    def test_a_new_person_gets_every_fault_reported_at_once(self, tree):
        """Bad ID, bad mobile, too young and an end before the start: four fields, nothing written."""
        with pytest.raises(ValidationError) as excinfo:
            services.create_person_and_appoint(
                person_data={
                    "name": "李小红",
                    "birth_date": datetime.date(2005, 1, 1),
                    "id_number": "230102200501010000",
                    "mobile": "12345",
                },
                unit=tree.community_a,
                post_data={"role": Post.Role.EXECUTIVE, "start_date": START, "end_date": datetime.date(2016, 1, 1)},
                actor=None,
            )
        assert {"id_number", "mobile", "start_date", "end_date"} <= set(excinfo.value.message_dict)
        assert not Post.objects.exists()

    def test_an_id_number_registered_to_someone_else_is_refused_without_naming_her(self, tree):
        """A person exists once; the message gives her person number, not her name."""
        first = services.create_person(data={"name": "张秀梅", "birth_date": BIRTH, "id_number": GOOD_ID}, actor=None)
        with pytest.raises(ValidationError) as excinfo:
            services.create_person(data={"name": "另一人", "birth_date": BIRTH, "id_number": GOOD_ID}, actor=None)
        message = excinfo.value.message_dict["id_number"][0]
        assert f"人员编号 {first.pk}" in message and "张秀梅" not in message


def test_every_fast_choice_label_is_djangos_own():
    """fedorg.choices replaces get_FOO_display with a lookup (issue 21): the labels are Django's, an unknown
    code reads as itself, and a blank as blank."""
    from django.db.models import Model

    from members.models import Person, Post
    from orgtree.models import Unit

    for model in (Person, Post, Unit):
        for field in model._meta.concrete_fields:
            if not field.choices:
                continue
            display = getattr(model, f"get_{field.name}_display")
            for value, label in [*field.flatchoices, ("未知代码", "未知代码")]:
                obj = model()
                setattr(obj, field.attname, value)
                assert display(obj) == label, (model.__name__, field.name, value)
                assert display(obj) == Model._get_FIELD_display(obj, field)
