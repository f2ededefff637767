"""A province's 附表4/5 and dashboard are the sum of its cities' shares, each kept per city data version (issue 21).

The province of tests/test_province.py: 哈尔滨市 (the conftest tree, moved below 黑龙江省 today) and 齐齐哈尔市.
Counted today, as there. Writes commit (transactional tests), so the versions change as in production.
"""

import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from test_province import TODAY, fresh, province, province_reviewer, staff  # noqa: F401 - fixtures

from fedorg.dates import DEFAULT_BASELINE
from jobs.models import Job
from members import cityversions
from members import rules as members_rules
from members import services as members
from members.models import CityVersion, Post, RuleSet
from orgtree import services as tree_services
from orgtree.models import Unit
from reports import dashboard, percity, tables
from reports.facts import scope_params

pytestmark = pytest.mark.django_db(transaction=True)
K = Unit.Kind


@pytest.fixture
def with_new_field(province):  # noqa: F811
    """New-field 妇联 below a city and below a district, staffed: 附表4（新领域妇联） and 附表5's own panel."""
    below_city = tree_services.create_unit(
        parent=fresh(province.qqhr), name="齐齐哈尔市直机关妇工委", code="2302-01", kind=K.NF_ORGAN, actor=None
    )
    below_district = tree_services.create_unit(
        parent=fresh(province.district_a), name="保税区妇联", code="230102-01", kind=K.NF_PARK, actor=None
    )
    staff(fresh(below_city), "chair", "妇工委主席")
    staff(fresh(below_city), "executive", "妇工委执委", 3)
    staff(fresh(below_district), "vice_chair", "保税区副主席", 2)
    return province


@pytest.fixture
def counted(monkeypatch):
    """The cities whose shares were really counted (cache misses), by kind: a spy around the real counts."""
    calls: dict[str, list[int]] = {"form4": [], "form5": [], "dashboard": []}
    for kind, module, name in (
        ("form4", tables, "form4_city_share"),
        ("form5", tables, "form5_city_share"),
        ("dashboard", dashboard, "dashboard_share"),
    ):
        real = getattr(module, name)

        def spy(unit, *args, real=real, kind=kind, **kwargs):
            if unit.tier == 1:
                calls[kind].append(unit.pk)
            return real(unit, *args, **kwargs)

        monkeypatch.setattr(module, name, spy)
    return calls


def _whole_subtree(unit):
    """附表4's row figures, 附表5's groups and the dashboard's sums counted over the whole subtree at once,
    as before issue 21: one statement each, no city shares."""
    rules = members_rules.rules_in_effect(on=TODAY, unit=unit)
    params = scope_params(unit, on=TODAY, base=DEFAULT_BASELINE)
    row_units, _new_field = tables._row_units(unit, params)
    sums, held = tables._form4_counts(params, row_units, rules=rules)
    groups = tables.form5_city_share(unit, as_of=TODAY, baseline=DEFAULT_BASELINE, params=params)
    blocks = dashboard._blocks_only(groups)
    share = dashboard.dashboard_share(unit, as_of=TODAY, baseline=DEFAULT_BASELINE, judged_by=rules, groups=blocks)
    return sums, held, groups, share


def _by_city(unit):
    rules = members_rules.rules_in_effect(on=TODAY, unit=unit)
    params = scope_params(unit, on=TODAY, base=DEFAULT_BASELINE)
    row_units, _new_field = tables._row_units(unit, params)
    sums, held, _nf = tables._form4_by_city(row_units, as_of=TODAY, baseline=DEFAULT_BASELINE, rules=rules)
    groups = tables._form5_by_city(unit, as_of=TODAY, baseline=DEFAULT_BASELINE)
    share = dashboard._by_city(unit, as_of=TODAY, baseline=DEFAULT_BASELINE, judged_by=rules)
    return sums, held, groups, share


def _clean(figures):
    """Drop the keys a cell reads as 0 anyway (a sum of shares has every key, a statement only those it met)."""
    sums, held, groups, share = figures
    return (
        {row: {k: v for k, v in acc.items() if v} for row, acc in sums.items()},
        {k: v for k, v in held.items() if v},
        groups,
        share,
    )


def test_the_provincial_figures_by_city_equal_one_count_of_the_whole_province(with_new_field, counted):
    province = with_new_field  # noqa: F811 - the same province, with new-field 妇联
    whole = _clean(_whole_subtree(province.province))
    assert whole[0][province.qqhr.pk]["b2_after"] == 15
    assert _clean(_by_city(province.province)) == whole
    assert sorted(counted["form4"]) == sorted([province.city.pk, province.qqhr.pk])
    table = tables.compute(4, unit=fresh(province.province), as_of=TODAY)
    new_field = next(panel for panel in table["panels"] if panel["key"] == "4-nf")
    assert [row["label"] for row in new_field["rows"]] == ["合计", "哈尔滨市", "齐齐哈尔市"]
    assert tables.cell_values(table)["4-nf/total/1"] == 2
    shown = dashboard.unit_dashboard(fresh(province.province), as_of=TODAY)
    assert shown["new_field"] == {"units": 2, "people": 6, "chairs": 1, "vices": 2}
    assert shown["people"] == sum(
        dashboard.unit_dashboard(fresh(city), as_of=TODAY)["people"] for city in (province.city, province.qqhr)
    )


def test_a_change_in_one_city_recounts_that_city_only(province, counted):  # noqa: F811
    cells = lambda form: tables.cell_values(tables.compute(form, unit=fresh(province.province), as_of=TODAY))  # noqa: E731
    show = lambda: dashboard.unit_dashboard(fresh(province.province), as_of=TODAY)  # noqa: E731
    first4, first5, first_dash = cells(4), cells(5), show()
    assert sorted(counted["form4"]) == sorted(counted["dashboard"]) == sorted([province.city.pk, province.qqhr.pk])
    assert cells(4) == first4 and cells(5) == first5 and show() == first_dash
    assert len(counted["form4"]) == len(counted["form5"]) == len(counted["dashboard"]) == 2, "nothing recounted"

    post = Post.objects.get(person__name="龙华执委0")
    members.end_post(post=post, end_date=datetime.date(2016, 8, 1), reason="调离", actor=None)

    after4, after5, after_dash = cells(4), cells(5), show()
    assert counted["form4"][2:] == counted["form5"][2:] == counted["dashboard"][2:] == [province.qqhr.pk]
    cell = f"4-1/u{province.qqhr.pk}/{tables._form4_after_number(2)}"
    assert after4[cell] == first4[cell] - 1
    assert after_dash["people"] == first_dash["people"] - 1
    assert after5["main/total/1"] == first5["main/total/1"] - 1
    assert _clean(_by_city(province.province)) == _clean(_whole_subtree(province.province))


def test_a_rule_change_and_a_move_between_cities_recount_every_city(province, counted):  # noqa: F811
    cities = [province.city.pk, province.qqhr.pk]
    before = cityversions.versions(cities)
    staff(province.qq_community, "executive", "龙华新执委")
    after_post = cityversions.versions(cities)
    assert after_post[province.city.pk] == before[province.city.pk]
    assert after_post[province.qqhr.pk] == before[province.qqhr.pk] + 1

    RuleSet.objects.create(name="省细则", unit=province.province, effective_from=datetime.date(2100, 1, 1))
    after_rule = cityversions.versions(cities)
    assert all(after_rule[c] > after_post[c] for c in cities)

    tree_services.move_unit(unit=fresh(province.qq_street), new_parent=fresh(province.district_a), actor=None)
    after_move = cityversions.versions(cities)
    assert all(after_move[c] > after_rule[c] for c in cities)
    # Its posts count in 哈尔滨市 now, and on earlier days in 齐齐哈尔市: a later change there changes both.
    staff(fresh(province.qq_street), "executive", "五龙新执委")
    assert all(cityversions.versions(cities)[c] > after_move[c] for c in cities)
    assert _clean(_by_city(province.province)) == _clean(_whole_subtree(province.province))


def test_a_city_with_no_version_row_yet_gets_one_and_a_bulk_post_write_bumps_its_city(province):  # noqa: F811
    CityVersion.objects.all().delete()
    found = cityversions.versions([province.qqhr.pk])
    post = Post.objects.filter(unit=province.qq_community).first()
    Post.objects.filter(pk=post.pk).update(note="调整")
    assert cityversions.versions([province.qqhr.pk])[province.qqhr.pk] == found[province.qqhr.pk] + 1


def test_cold_cities_are_estimated_from_the_last_count(province):  # noqa: F811
    tables.compute(4, unit=fresh(province.province), as_of=TODAY)
    key = tables.form4_share_key(
        as_of=TODAY,
        baseline=DEFAULT_BASELINE,
        rules=members_rules.rules_in_effect(on=TODAY, unit=province.province),
    )
    assert percity.missing("form4", [province.city.pk, province.qqhr.pk], key=key) == []
    assert percity.estimate("form4", 0) == 0
    assert percity.estimate("form4", 2) > 0
    assert Unit.objects.get(pk=province.province.pk).tier == 0


def test_the_job_behind_a_cold_province_reports_each_city_as_a_step(province):  # noqa: F811
    steps4, steps_dash = [], []
    tables.count_city_shares(4, unit=fresh(province.province), as_of=TODAY, progress=lambda *s: steps4.append(s))
    dashboard.count_city_shares(fresh(province.province), as_of=TODAY, progress=lambda *s: steps_dash.append(s))
    assert steps4 == [(0, 2), (1, 2), (2, 2)]
    # The dashboard's two passes: 附表5's shares (both cities cold), then the dashboard's.
    assert steps_dash == [(0, 4), (1, 4), (2, 4), (2, 4), (3, 4), (4, 4)]


@pytest.fixture
def slow_cities(monkeypatch):
    """Every cold city counts as too slow for the request: the page hands the count to a job."""
    monkeypatch.setattr(percity, "REQUEST_SECONDS", 0.0)


def test_a_cold_provincial_table_is_counted_by_a_job_and_then_shown(
    province,  # noqa: F811
    province_reviewer,  # noqa: F811
    login,
    slow_cities,
):
    client = login(province_reviewer)
    url = reverse("reports:table", args=[province.province.pk, 4]) + f"?as_of={TODAY:%Y-%m-%d}"
    page = client.get(url).content.decode()
    assert "正在按市（地）统计附表4" in page and "附表4（续）" not in page
    job = Job.objects.get(kind="province_count")
    assert job.params["what"] == "form4" and job.requester == province_reviewer
    assert "正在按市（地）统计附表4" in client.get(url).content.decode()
    assert Job.objects.filter(kind="province_count").count() == 1, "a second view finds the same job"

    call_command("run_jobs", "--once", stdout=io.StringIO())
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.rows_total) == (Job.Status.DONE, 2, 2)
    page = client.get(url).content.decode()
    assert "附表4（续）" in page and "齐齐哈尔市" in page


def test_a_cold_provincial_dashboard_shows_the_jobs_progress_then_the_figures(
    province,  # noqa: F811
    province_reviewer,  # noqa: F811
    login,
    slow_cities,
):
    client = login(province_reviewer)
    url = reverse("orgtree:unit", args=[province.province.pk])
    page = client.get(url).content.decode()
    assert "正在按市（地）统计扩员情况" in page and "已完成扩员（达标）" not in page
    call_command("run_jobs", "--once", stdout=io.StringIO())
    job = Job.objects.get(kind="province_count")
    assert (job.params["what"], job.status, job.rows_done, job.rows_total) == ("dashboard", Job.Status.DONE, 4, 4)
    assert "已完成扩员（达标）" in client.get(url).content.decode()


def test_a_city_page_never_waits_for_a_job(province, login, slow_cities):  # noqa: F811
    from conftest import make_user

    from orgtree.models import User

    client = login(make_user("hrb_shenhe", province.city, User.Role.REVIEWER))
    page = client.get(reverse("reports:table", args=[province.city.pk, 4])).content.decode()
    assert "附表4（续）" in page
    assert not Job.objects.filter(kind="province_count").exists()


def test_units_loaded_in_bulk_change_their_city_and_the_data_version(province):  # noqa: F811
    """bulk_load_units writes without post_save: it changes the data version and its units' cities all the same."""
    from fedorg import freshness

    cities = [province.qqhr.pk]
    before, version = cityversions.versions(cities)[province.qqhr.pk], freshness.current()
    loaded = tree_services.bulk_load_units(
        rows=[("230202001002", "新建社区", Unit.Kind.COMMUNITY, Unit.OrgForm.FEDERATION, False, "230202001")]
    )
    assert loaded == 1
    assert cityversions.versions(cities)[province.qqhr.pk] > before
    assert freshness.current() != version


def test_cities_gone_cold_right_after_a_count_are_counted_by_a_new_job_not_in_the_request(
    province,  # noqa: F811
    province_reviewer,  # noqa: F811
    login,
    slow_cities,
):
    """A finished job is "the same request" for 30 s (a double click on a download). A count asked for again in
    that time because its cities went cold (here every city: a rule set saved) is a new job: the page counted the
    whole province in the request instead (5–8 s on the province demo, seen in the browser)."""
    client = login(province_reviewer)
    url = reverse("reports:table", args=[province.province.pk, 4]) + f"?as_of={TODAY:%Y-%m-%d}"
    client.get(url)
    call_command("run_jobs", "--once", stdout=io.StringIO())
    assert "附表4（续）" in client.get(url).content.decode()
    # A rule set saved (here one for later years) changes every city's version: all cold again.
    RuleSet.objects.create(name="2099年配额", unit=province.province, effective_from=datetime.date(2099, 1, 1))
    page = client.get(url).content.decode()
    assert "正在按市（地）统计附表4" in page and "附表4（续）" not in page
    jobs = Job.objects.filter(kind="province_count").order_by("pk")
    assert [job.status for job in jobs] == [Job.Status.DONE, Job.Status.QUEUED]
    assert "正在按市（地）统计附表4" in client.get(url).content.decode()
    assert jobs.count() == 2, "a second view finds the new job"
