"""The unit page's dashboard is cached, and never stale: any change of rosters or units shows at once."""

import datetime

import pytest
from django.urls import reverse

from fedorg import freshness
from members import services as members
from members.models import Post
from orgtree import services as tree_services
from orgtree.models import Unit
from reports import dashboard

START = datetime.date(2016, 7, 1)


def hire(unit, role, name):
    someone = members.create_person(data={"name": name, "birth_date": datetime.date(1980, 1, 1)}, actor=None)
    return members.appoint(person=someone, unit=unit, role=role, start_date=START, actor=None)


@pytest.fixture
def computed(monkeypatch):
    """Counts how often the dashboard is really computed (a cache miss)."""
    calls = []
    real = dashboard.unit_dashboard

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(dashboard, "unit_dashboard", counting)
    return calls


def page_dash(client, unit):
    """The dashboard's figures as the page prints them (the panel's HTML is cached with its figures)."""
    import re

    response = client.get(reverse("orgtree:unit", args=[unit.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    found = re.search(
        r"已完成扩员（达标）<strong>(\d+)</strong> 个 / 基层组织 <strong>(\d+)</strong> 个；在任成员 (\d+) 人", page
    )
    return {"done": int(found.group(1)), "units": int(found.group(2)), "people": int(found.group(3))}


@pytest.mark.django_db(transaction=True)
def test_a_committed_roster_change_shows_on_the_next_view(tree, city_reviewer, login, computed):
    client = login(city_reviewer)
    hire(tree.community_a, "chair", "主席甲")
    first = page_dash(client, tree.city)
    again = page_dash(client, tree.city)
    assert again["people"] == first["people"] == 1
    assert len(computed) == 1, "the second view is served from the cache"

    hire(tree.community_a, "vice_chair", "副主席乙")  # commits (autocommit), then bumps the version
    after = page_dash(client, tree.city)
    assert after["people"] == 2
    assert len(computed) == 2

    post = Post.objects.get(person__name="副主席乙")
    members.end_post(post=post, end_date=datetime.date(2016, 8, 1), reason="调离", actor=None)
    assert page_dash(client, tree.city)["people"] == 1


@pytest.mark.django_db(transaction=True)
def test_bulk_writes_and_new_units_change_the_figures_too(tree, city_reviewer, login):
    client = login(city_reviewer)
    hire(tree.community_a, "chair", "主席甲")
    units_before = page_dash(client, tree.city)["units"]
    version = freshness.current()

    Post.objects.filter(unit=tree.community_a).update(end_date=datetime.date(2016, 7, 2))  # no save(), no signal
    assert freshness.current() != version
    assert page_dash(client, tree.city)["people"] == 0

    street = Unit.objects.get(pk=tree.street_a.pk)
    tree_services.create_unit(parent=street, name="新建社区", code="230102001009", kind=Unit.Kind.COMMUNITY, actor=None)
    assert page_dash(client, Unit.objects.get(pk=tree.city.pk))["units"] == units_before + 1


def test_a_transaction_sees_its_own_uncommitted_change(tree, city_reviewer, login, computed):
    """Inside one transaction (here the test's) the version is bumped only at commit: the cache is bypassed."""
    client = login(city_reviewer)
    assert page_dash(client, tree.city)["people"] == 0
    hire(tree.community_a, "chair", "主席甲")
    assert freshness.pending_bump()
    assert page_dash(client, tree.city)["people"] == 1


def _units_below(client, unit):
    """{kind label: n} as the unit page prints them: "本组织以下共有：区 2 个，街道 3 个，…"."""
    import re

    page = client.get(reverse("orgtree:unit", args=[unit.pk])).content.decode()
    line = re.search(r"本组织以下共有：([^<]*)</p>", page).group(1)
    return {label: int(n) for label, n in re.findall(r"([^\s，]+) (\d+) 个", line)}


@pytest.mark.django_db(transaction=True)
def test_the_unit_pages_list_of_units_below_is_kept_until_the_tree_changes(tree, city_reviewer, login):
    """Issue 21: counting the units below a city read its whole subtree twice on every view (20 ms of 69);
    the list is now rendered once per data version, and the version read once per request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(city_reviewer)
    before = _units_below(client, tree.city)
    assert before["社区"] >= 2, before
    with CaptureQueriesContext(connection) as statements:
        assert _units_below(client, tree.city) == before
    assert not [q for q in statements if "COUNT" in q["sql"] and "orgtree_unit" in q["sql"] and "GROUP BY" in q["sql"]]
    assert len([q for q in statements if "members_dataversion" in q["sql"]]) == 1

    street = Unit.objects.get(pk=tree.street_a.pk)
    tree_services.create_unit(parent=street, name="新建社区", code="230102001009", kind=Unit.Kind.COMMUNITY, actor=None)
    assert _units_below(client, Unit.objects.get(pk=tree.city.pk))["社区"] == before["社区"] + 1
    assert "新建社区" in client.get(reverse("orgtree:unit", args=[street.pk])).content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_new_rule_set_judges_at_once_though_the_rules_are_cached(tree, city_reviewer, login):
    """The rule set in effect is cached per data version; a rule set's save changes the version."""
    from members.models import QuotaRule, RuleSet
    from members.rules import QUOTAS, rules_in_effect

    on = datetime.date(2016, 8, 31)
    assert rules_in_effect(on=on, unit=tree.city).name.startswith("2016年扩员配额")
    own = RuleSet.objects.create(
        name="2016年哈尔滨市补充配额", unit=tree.city, effective_from=datetime.date(2016, 8, 1)
    )
    for q in QUOTAS:  # one save() each: the signal, not a bulk write
        QuotaRule.objects.create(
            rule_set=own,
            block=q.block,
            total_min=q.total_min,
            total_max=q.total_max,
            member_min=q.member_min,
            member_max=q.member_max,
            heads=q.heads,
            vice_min=q.vice_min,
        )
    assert rules_in_effect(on=on, unit=tree.city).name == "2016年哈尔滨市补充配额"


@pytest.mark.django_db(transaction=True)
def test_figures_read_from_a_standby_behind_the_version_are_shown_but_not_kept(monkeypatch):
    """A standby that has not yet replayed the current data version shows older figures: they may be shown
    (the page says how far behind it is) but never kept under that version, nor any panel around them."""
    calls = []

    def figure():
        calls.append("inner")
        return 1

    def panel():
        calls.append("outer")
        return f"<p>{freshness.cached('inner-figure', figure)}</p>"

    monkeypatch.setattr(freshness, "_replica_has", lambda version: False)
    assert freshness.cached("panel", panel) == "<p>1</p>"
    assert freshness.cached("panel", panel) == "<p>1</p>"
    assert calls == ["outer", "inner"] * 2, "nothing kept while the standby is behind"
    monkeypatch.setattr(freshness, "_replica_has", lambda version: True)
    freshness.cached("panel", panel)
    freshness.cached("panel", panel)
    assert calls == ["outer", "inner"] * 3, "kept once the figures are current"


@pytest.mark.django_db(transaction=True)
def test_a_tables_page_is_counted_once_per_data_version_and_sees_every_change(tree, city_reviewer, login):
    """Issue 21: the city's 附表4 counted a fifth of a second on every view. Now it is counted once per data
    version; a roster change, and a contact's (附表1 reads contacts, which are not rosters), show at once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(city_reviewer)
    url4 = reverse("reports:table", args=[tree.city.pk, 4])
    assert client.get(url4).status_code == 200
    with CaptureQueriesContext(connection) as statements:
        client.get(url4)
    assert not [q for q in statements if "WITH RECURSIVE" in q["sql"]], "served without counting again"
    before = client.get(url4).content.decode()
    hire(tree.community_a, "chair", "主席甲")  # commits, then bumps the version
    assert client.get(url4).content.decode() != before  # 兆麟社区's 扩员后 and 主席 columns count her

    url1 = reverse("reports:table", args=[tree.city.pk, 1])
    assert "联系人乙" not in client.get(url1).content.decode()
    tree_services.update_contacts(
        unit=Unit.objects.get(pk=tree.district_a.pk),
        contacts={"contact": {"name": "联系人乙", "title": "组织联络部部长", "office_phone": "0451-84661234"}},
        actor=None,
    )
    assert "联系人乙" in client.get(url1).content.decode()
