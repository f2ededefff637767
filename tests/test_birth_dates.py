"""Full birth dates (issue 9): ages in 周岁 count from the day inside the 身份证号, tested at the birthday."""

import datetime

import pytest
from conftest import valid_id_number

from members import services as members
from members.birth import birth_from_id, full_birth_date
from members.models import Person
from reports import tables

BORN = datetime.date(1980, 8, 31)  # turns 36 on the 2016 cut-off itself


def test_birth_date_from_an_18_digit_id_number():
    assert birth_from_id(valid_id_number(datetime.date(1975, 3, 14))) == datetime.date(1975, 3, 14)


def test_birth_date_from_a_15_digit_id_number():
    assert birth_from_id("230102750314002") == datetime.date(1975, 3, 14)


@pytest.mark.parametrize("value", [None, "", "123", "230102197502300021", "23010219750314002X1"])
def test_no_birth_date_from_a_missing_or_impossible_id_number(value):
    assert birth_from_id(value) is None


def test_without_an_id_number_the_first_of_the_birth_month():
    assert full_birth_date(None, datetime.date(1975, 3, 1)) == datetime.date(1975, 3, 1)
    # An ID number that disagrees with 出生年月 is not trusted for the day.
    assert full_birth_date(valid_id_number(datetime.date(1975, 4, 14)), datetime.date(1975, 3, 1)) == datetime.date(
        1975, 3, 1
    )


def _person(born, *, with_id=True):
    data = {"name": "生日测试", "birth_date": born.replace(day=1)}
    if with_id:
        data["id_number"] = valid_id_number(born)
    return members.create_person(data=data, actor=None)


@pytest.mark.django_db
def test_saving_a_person_stores_the_full_birth_date():
    person = _person(BORN)
    assert Person.objects.get(pk=person.pk).birthday == BORN
    person.id_number = None
    person.save(update_fields=["id_number"])
    assert Person.objects.get(pk=person.pk).birthday == datetime.date(1980, 8, 1)


@pytest.mark.parametrize(
    ("day", "age"),
    [(datetime.date(2016, 8, 30), 35), (datetime.date(2016, 8, 31), 36), (datetime.date(2016, 9, 1), 36)],
)
@pytest.mark.django_db
def test_age_at_the_birthday_boundary(day, age):
    assert _person(BORN).age_on(day) == age


def _young(unit, on):
    """附表5 总计 row's 35岁及以下 (age_35) and 36－45岁 for `unit` counted on `on`."""
    snap = tables.compute(5, unit=unit, as_of=on)
    values = tables.cell_values(snap)
    cols = {c["key"]: c["number"] for c in snap["columns"]}
    return values[f"main/total/{cols['age_35']}"], values[f"main/total/{cols['age_45']}"]


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (datetime.date(2016, 8, 30), (1, 0)),  # the day before her 36th birthday: still 35
        (datetime.date(2016, 8, 31), (0, 1)),  # on it: 36
        (datetime.date(2016, 9, 1), (0, 1)),  # after it
    ],
)
def test_report_ages_turn_on_the_birthday_not_the_first_of_the_month(tree, day, expected):
    person = _person(BORN)
    members.appoint(
        person=person, unit=tree.community_a, role="chair", start_date=datetime.date(2016, 7, 1), actor=None
    )
    assert _young(tree.district_a, day) == expected


def test_without_an_id_number_the_report_counts_from_the_first_of_the_month(tree):
    person = _person(BORN, with_id=False)
    members.appoint(
        person=person, unit=tree.community_a, role="chair", start_date=datetime.date(2016, 7, 1), actor=None
    )
    assert _young(tree.district_a, datetime.date(2016, 8, 1)) == (0, 1)
    assert _young(tree.district_a, datetime.date(2016, 7, 31)) == (1, 0)


def test_the_person_page_says_how_her_age_is_counted(tree, login, staff_a):
    person = _person(BORN)
    members.appoint(
        person=person, unit=tree.community_a, role="chair", start_date=datetime.date(2016, 7, 1), actor=None
    )
    page = login(staff_a).get(person.get_absolute_url()).content.decode()
    assert "按身份证号中的出生日期计算周岁" in page
