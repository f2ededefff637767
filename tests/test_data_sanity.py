"""Issue 12, data sanity: ID digits, invisible characters in names, date bounds, unit codes, archiving."""

import datetime

import pytest
from conftest import valid_id_number
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from members import services as member_services
from members import validators
from members.models import Person, Post
from members.roster_xlsx.engine import import_roster
from orgtree import services
from orgtree.models import AuditEvent, Unit

BIRTH = datetime.date(1975, 3, 15)
ASCII_ID = valid_id_number(BIRTH)
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


# --- identity numbers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        ASCII_ID.translate(FULL_WIDTH),
        ASCII_ID.translate(ARABIC_INDIC),
        ASCII_ID.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")),
    ],
)
def test_an_id_number_in_other_digits_is_stored_in_ascii(written):
    assert validators.clean_id_number(written) == ASCII_ID


def test_a_lower_case_x_check_character_becomes_upper_case():
    first17 = "23010219750315000"
    number = first17 + validators.id_check_char(first17)
    if number.endswith("X"):
        assert validators.clean_id_number(number.lower()) == number
    else:  # pick a serial whose check character is X
        for serial in range(1000):
            first17 = f"23010219750315{serial:03d}"
            if validators.id_check_char(first17) == "X":
                assert validators.clean_id_number(first17 + "x") == first17 + "X"
                break


@pytest.mark.parametrize(
    "written", [ASCII_ID[:-1] + "Y", ASCII_ID[:5] + "a" + ASCII_ID[6:], ASCII_ID[:17] + "\u200b" + ASCII_ID[17]]
)
def test_anything_but_digits_and_a_final_x_is_refused(written):
    with pytest.raises(ValidationError):
        validators.clean_id_number(written)


def test_a_full_width_id_number_cannot_create_a_second_person(tree):
    member_services.create_person(data={"name": "张秀梅", "birth_date": BIRTH, "id_number": ASCII_ID}, actor=None)
    for written in (ASCII_ID.translate(FULL_WIDTH), ASCII_ID.translate(ARABIC_INDIC)):
        with pytest.raises(ValidationError) as error:
            member_services.create_person(
                data={"name": "张秀梅", "birth_date": BIRTH, "id_number": written}, actor=None
            )
        assert "已登记在人员编号" in " ".join(error.value.messages)
    assert Person.objects.count() == 1


def test_an_arabic_indic_mobile_is_stored_in_ascii():
    assert validators.clean_mobile("13812341234".translate(ARABIC_INDIC)) == "13812341234"


# --- names ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["\u200b\u200b", "\u200b", "\ufeff", "张\u202e梅", "张秀\u200d梅", "\u2066张秀梅\u2069", "张\u00ad梅", "张\x07梅"],
)
def test_a_name_with_invisible_or_bidi_characters_is_refused(tree, name):
    with pytest.raises(ValidationError) as error:
        member_services.create_person(data={"name": name, "birth_date": BIRTH}, actor=None)
    assert "看不见的字符" in error.value.message_dict["name"][0]
    assert not Person.objects.exists()


def test_a_minority_name_with_a_middle_dot_is_still_accepted(tree):
    person = member_services.create_person(data={"name": "阿依古丽·买买提", "birth_date": BIRTH}, actor=None)
    assert person.name == "阿依古丽·买买提"


def test_the_person_page_refuses_a_right_to_left_override_in_the_name(tree, staff_a, login):
    from tests.test_people import add_form, add_url

    response = login(staff_a).post(add_url(tree.community_a), add_form(**{"p-name": "张\u202e梅"}))
    assert response.status_code == 200
    assert "U+202E" in response.content.decode()
    assert not Person.objects.exists()


def import_rows(unit, **values):
    from tests.test_roster_import import entry, xlsx

    return import_roster(unit=unit, file=xlsx([entry(unit, **values)]), actor=None, dry_run=False)


def test_the_roster_import_refuses_a_zero_width_name(tree):
    result = import_rows(tree.community_a, name="\u200b\u200b")
    assert not result.ok
    assert any("看不见的字符" in line for line in result.error_lines())
    assert not Person.objects.exists()


def test_the_roster_import_does_not_duplicate_a_person_by_arabic_indic_digits(tree):
    from tests.test_roster_import import id_number

    assert import_rows(tree.community_a).ok
    number = id_number()
    result = import_rows(tree.community_a2, role="委员", id_number=number.translate(ARABIC_INDIC))
    assert Person.objects.count() == 1
    assert Person.objects.get().id_number == number
    assert result.ok, result.error_lines()


# --- dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize("written", ["2999.12", "1899.12"])
def test_an_implausible_birth_month_is_refused(written):
    with pytest.raises(ValidationError) as error:
        validators.parse_birth_month(written)
    assert "不合理" in error.value.messages[0]


def test_a_birth_date_in_the_future_is_refused_by_the_services(tree):
    with pytest.raises(ValidationError) as error:
        member_services.create_person(data={"name": "张秀梅", "birth_date": datetime.date(2999, 12, 1)}, actor=None)
    assert "不合理" in error.value.message_dict["birth_date"][0]


@pytest.mark.parametrize("start", [datetime.date(2999, 12, 31), datetime.date(1900, 1, 1)])
def test_an_implausible_post_start_is_refused(tree, start):
    person = member_services.create_person(data={"name": "张秀梅", "birth_date": BIRTH}, actor=None)
    with pytest.raises(ValidationError) as error:
        member_services.appoint(person=person, unit=tree.community_a, role="executive", start_date=start, actor=None)
    assert any("任职时间" in m and "不合理" in m for m in error.value.messages)
    assert not Post.objects.exists()


def test_an_implausible_end_date_is_refused(tree, member):
    post = member(tree.community_a)
    with pytest.raises(ValidationError) as error:
        member_services.end_post(post=post, end_date=datetime.date(2999, 12, 31), reason="调离", actor=None)
    assert "离任时间" in error.value.messages[0]


def test_a_post_a_year_ahead_is_accepted(tree):
    person = member_services.create_person(data={"name": "张秀梅", "birth_date": BIRTH}, actor=None)
    ahead = timezone.localdate() + datetime.timedelta(days=300)
    post = member_services.appoint(person=person, unit=tree.community_a, role="executive", start_date=ahead, actor=None)
    assert post.start_date == ahead


def test_the_roster_import_refuses_a_post_start_decades_ahead(tree):
    result = import_rows(tree.community_a, start_date="2090-12-31")
    assert not result.ok
    assert any("任职时间" in line and "不合理" in line for line in result.error_lines())


CAMPAIGN = {
    "doc_number": "哈妇发〔2017〕3号",
    "title": "2017年基层妇联组织成员调整",
    "baseline_date": "2017-03-01",
    "cut_off_date": "2017-06-30",
    "due_4": "2017-07-15",
}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"cut_off_date": "2999-12-31"}, "截止时间 2999-12-31 不合理"),
        ({"baseline_date": "1900-01-01"}, "扩员基准日期 1900-01-01 不合理"),
        ({"due_4": "2017-02-01"}, "必须晚于扩员基准日期"),
        ({"due_4": "2999-12-31"}, "不能晚于"),
    ],
)
def test_a_campaign_with_implausible_dates_is_refused(tree, city_admin, login, overrides, message):
    from returns.models import Campaign

    response = login(city_admin).post(reverse("returns:campaign_create"), {**CAMPAIGN, **overrides})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Campaign.objects.filter(doc_number=CAMPAIGN["doc_number"]).exists()


def test_a_form_due_before_the_cut_off_but_after_the_baseline_is_accepted(tree, city_admin, login):
    from returns.models import Campaign

    response = login(city_admin).post(reverse("returns:campaign_create"), {**CAMPAIGN, "due_2": "2017-06-20"})
    assert response.status_code == 302
    assert Campaign.objects.get(doc_number=CAMPAIGN["doc_number"]).forms.count() == 2


# --- unit codes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code", ["../../x", "a/b", "23010", "2301020010011", "２３０１０２００９", "230102 009", "٢٣٠١"]
)
def test_a_unit_code_outside_the_statistical_pattern_is_refused(tree, admin_a, code):
    with pytest.raises(ValidationError) as error:
        services.create_unit(parent=tree.district_a, name="新街道", code=code, kind=Unit.Kind.STREET, actor=admin_a)
    assert "统计用区划代码" in error.value.message_dict["code"][0]
    assert not Unit.objects.filter(name="新街道").exists()


def test_renaming_to_a_bad_code_is_refused(tree, admin_a):
    with pytest.raises(ValidationError):
        services.rename_unit(unit=tree.street_a, name="兆麟街道", code="a/b", actor=admin_a)
    assert Unit.objects.get(pk=tree.street_a.pk).code == "230102001"


def test_the_unit_page_refuses_a_bad_code_in_chinese(tree, city_admin, login):
    data = {"name": "新街道", "code": "../../x", "kind": Unit.Kind.STREET, "org_form": Unit.OrgForm.FEDERATION}
    response = login(city_admin).post(reverse("orgtree:create", args=[tree.district_a.pk]), data)
    assert response.status_code == 200
    assert "应为 2、4、6、9 或 12 位数字" in response.content.decode()


def test_the_database_refuses_a_bad_code(tree):
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.filter(pk=tree.street_a.pk).update(code="a/b")


def test_bulk_loading_refuses_a_bad_code_naming_the_unit(tree):
    with pytest.raises(ValidationError) as error:
        services.bulk_load_units(
            rows=[("a/b", "坏代码街道", Unit.Kind.STREET, Unit.OrgForm.FEDERATION, False, "230102")], actor=None
        )
    assert "坏代码街道" in error.value.messages[0]


def test_the_code_migration_names_a_unit_with_a_bad_code(tree):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("orgtree.migrations.0003_unit_code_statistical_pattern")
    migration.check_existing_codes(apps, None)  # the test tree complies
    fake = type("FakeApps", (), {"get_model": staticmethod(lambda *a: FakeUnit)})
    with pytest.raises(RuntimeError) as error:
        migration.check_existing_codes(fake, None)
    assert "兆麟街道（id 7，代码“a/b”）" in str(error.value) and "花园街道" not in str(error.value)


class FakeUnit:
    class objects:  # noqa: N801 - mimics a model manager
        @staticmethod
        def order_by(*_):
            class Rows:
                @staticmethod
                def values_list(*_):
                    return [(7, "兆麟街道", "a/b"), (8, "花园街道", "230103001")]

            return Rows


def test_the_username_migration_names_accounts_that_clash_by_case():
    import importlib

    migration = importlib.import_module("orgtree.migrations.0002_user_username_ascii_case_insensitive")

    class Users:
        class objects:  # noqa: N801 - mimics a model manager
            @staticmethod
            def order_by(*_):
                class Rows:
                    @staticmethod
                    def values_list(*_):
                        return [(1, "daoli"), (2, "DaoLi"), (3, "dаoli")]

                return Rows

    fake = type("FakeApps", (), {"get_model": staticmethod(lambda *a: Users)})
    with pytest.raises(RuntimeError) as error:
        migration.check_existing_usernames(fake, None)
    assert "daoli（id 1）、DaoLi（id 2）" in str(error.value) and "dаoli（id 3）" in str(error.value)


# --- archiving --------------------------------------------------------------------------------


def test_archiving_a_unit_with_current_posts_is_refused_naming_them(tree, admin_a, member):
    member(tree.community_a, name="张秀梅")
    with pytest.raises(ValidationError) as error:
        services.archive_unit(unit=tree.community_a, actor=admin_a, reason="撤并")
    assert "张秀梅" in error.value.message_dict["end_posts"][0]
    assert not Unit.objects.get(pk=tree.community_a.pk).is_archived
    assert Post.objects.get().end_date is None


def test_archiving_with_confirmation_ends_every_open_post_in_the_same_transaction(tree, admin_a, member):
    today = timezone.localdate()
    current = member(tree.community_a, name="张秀梅")
    future = member(tree.community_a, name="李红", start_date=today + datetime.timedelta(days=30))
    services.archive_unit(unit=tree.community_a, actor=admin_a, reason="撤并", end_posts=True)
    assert Unit.objects.get(pk=tree.community_a.pk).is_archived
    current.refresh_from_db()
    future.refresh_from_db()
    assert current.end_date == today and current.end_reason == "组织撤销：撤并"
    assert future.end_date == future.start_date  # never held
    assert not Post.objects.current(on=today).filter(unit=tree.community_a).exists()
    assert AuditEvent.objects.filter(action="post.end", actor=admin_a).count() == 2


def test_a_unit_without_posts_archives_without_confirmation(tree, admin_a, member):
    post = member(tree.community_a)
    member_services.end_post(post=post, end_date=datetime.date(2017, 1, 1), reason="调离", actor=None)
    services.archive_unit(unit=tree.community_a, actor=admin_a, reason="撤并")
    assert Unit.objects.get(pk=tree.community_a.pk).is_archived


def test_the_archive_page_asks_for_the_confirmation_and_then_ends_the_posts(tree, admin_a, login, member):
    member(tree.community_a, name="张秀梅")
    client = login(admin_a)
    url = reverse("orgtree:archive", args=[tree.community_a.pk])
    response = client.post(url, {"reason": "撤并"})
    assert response.status_code == 200
    assert "同时让在任人员今天离任" in response.content.decode() and "张秀梅" in response.content.decode()
    assert not Unit.objects.get(pk=tree.community_a.pk).is_archived
    response = client.post(url, {"reason": "撤并", "end_posts": "on"})
    assert response.status_code == 302
    assert Unit.objects.get(pk=tree.community_a.pk).is_archived
    assert Post.objects.get().end_date == timezone.localdate()


def test_the_archive_page_is_out_of_reach_outside_the_subtree(tree, admin_a, login, member):
    member(tree.community_b)
    response = login(admin_a).post(
        reverse("orgtree:archive", args=[tree.community_b.pk]), {"reason": "x", "end_posts": "on"}
    )
    assert response.status_code == 404
    assert not Unit.objects.get(pk=tree.community_b.pk).is_archived
    assert Post.objects.get().end_date is None
