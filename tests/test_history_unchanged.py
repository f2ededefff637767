"""History that does not change (issue 9): later tree changes leave every past 附表 as it was.

A 会改联, a rename, a move and a merge, each dated 2017-03-01, are applied to the hand-built city
of test_report_tables; every 2016 附表 (1–5) of the city and its districts, on the plan's dates,
is then cell-for-cell (indeed snapshot-for-snapshot) what it was before. Reports dated after the
changes do see them.
"""

import datetime

import pytest
from django.db.models import F
from test_report_tables import report_city  # noqa: F401 - the fixture

from members.models import Post
from orgtree import services
from orgtree.models import Unit, UnitVersion
from reports import tables

CHANGED_ON = datetime.date(2017, 3, 1)
DAYS_2016 = [datetime.date(2016, 6, 2), datetime.date(2016, 6, 20), datetime.date(2016, 8, 31)]


def _all_tables(city):
    units = [city, *Unit.objects.filter(parent=city).order_by("code")]
    return {
        (unit.code, form_no, day): tables.compute(form_no, unit=unit, as_of=day)
        for unit in units
        for form_no in tables.FORMS
        for day in DAYS_2016
    }


def _change_everything(t, actor=None):
    services.convert_to_federation(unit=t.community_a2, actor=actor, effective_date=CHANGED_ON)
    services.rename_unit(unit=t.street_a, name="兆麟新街道", code="230102009", actor=actor, effective_date=CHANGED_ON)
    services.move_unit(unit=t.township_a, new_parent=t.district_b, actor=actor, effective_date=CHANGED_ON)
    services.merge_units(source=t.community_b, target=t.community_a, actor=actor, effective_date=CHANGED_ON)


def test_every_2016_table_is_unchanged_after_a_conversion_a_rename_a_move_and_a_merge(report_city):  # noqa: F811
    t = report_city
    before = _all_tables(t.city)
    _change_everything(t)
    after = _all_tables(t.city)
    assert before.keys() == after.keys()
    for key in before:
        assert tables.cell_values(after[key]) == tables.cell_values(before[key]), key
        assert after[key] == before[key], key


def test_tables_dated_after_the_changes_see_them(report_city):  # noqa: F811
    t = report_city
    _change_everything(t)
    later = tables.compute(4, unit=t.city, as_of=CHANGED_ON)
    labels = {r["key"]: r["label"] for r in tables.compute(4, unit=t.district_a, as_of=CHANGED_ON)["rows"]}
    assert labels[f"u{t.street_a.pk}"] == "兆麟新街道"
    assert f"u{t.township_a.pk}" not in labels  # moved to 南岗区
    district_b = {r["key"] for r in tables.compute(4, unit=t.district_b, as_of=CHANGED_ON)["rows"]}
    assert f"u{t.township_a.pk}" in district_b
    # 经纬社区 is a 妇联 now: its 主任 and 委员 count as 主席 and 执委 in block 2 (村（社区）妇联).
    assert Post.objects.filter(unit=t.community_a2, role="chair", start_date=CHANGED_ON).count() == 1
    assert Post.objects.filter(unit=t.community_a2, role="director", end_date=CHANGED_ON).count() == 1
    assert later["checks"] and not tables.failed_checks(later)
    # 花园社区 merged into 兆麟社区: its chair now sits there, and it is gone from later tables.
    assert Post.objects.filter(unit=t.community_a, person__name="HCC", start_date=CHANGED_ON).exists()


def test_each_change_is_a_version_with_its_dates(report_city):  # noqa: F811
    t = report_city
    _change_everything(t)
    versions = UnitVersion.objects.filter(unit=t.community_a2).order_by(F("valid_from").asc(nulls_first=True))
    assert [(v.valid_from, v.valid_to, v.org_form) for v in versions] == [
        (None, CHANGED_ON, Unit.OrgForm.CONGRESS),
        (CHANGED_ON, None, Unit.OrgForm.FEDERATION),
    ]
    merged = UnitVersion.objects.get(unit=t.community_b)
    assert merged.valid_to == CHANGED_ON  # no version open after the merge
    assert UnitVersion.objects.valid_on(CHANGED_ON).get(unit=t.township_a).parent_id == t.district_b.pk


def test_a_change_dated_before_the_last_one_is_refused(tree):
    from django.core.exceptions import ValidationError

    services.rename_unit(unit=tree.street_a, name="兆麟新街道", actor=None, effective_date=CHANGED_ON)
    with pytest.raises(ValidationError, match="生效日期不能早于"):
        services.move_unit(
            unit=tree.street_a, new_parent=tree.district_b, actor=None, effective_date=datetime.date(2017, 1, 1)
        )


def test_a_change_dated_in_the_future_is_refused(tree):
    from django.core.exceptions import ValidationError
    from django.utils import timezone

    with pytest.raises(ValidationError, match="不能晚于今天"):
        services.rename_unit(
            unit=tree.street_a,
            name="兆麟新街道",
            actor=None,
            effective_date=timezone.localdate() + datetime.timedelta(1),
        )
