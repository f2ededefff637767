"""Composition rules (FORMS.md quotas and the cross-level rule) and the subtree compliance page."""

import datetime
import itertools

import pytest
from django.utils import timezone

from members import rules, services
from members.models import Post
from orgtree import services as tree_services
from orgtree.models import Unit

ON = datetime.date(2016, 8, 31)
START = datetime.date(2016, 6, 1)
R = Post.Role
_serial = itertools.count(1)


def person(name=None):
    n = next(_serial)
    return services.create_person(
        data={"name": name or f"成员{n:05d}", "birth_date": datetime.date(1970 + n % 30, 1 + n % 12, 1)}, actor=None
    )


def staff(unit, *, head=1, vice=2, members=0, head_role=None, vice_role=None, member_role=None):
    """Appoint a roster into `unit`; returns the head posts."""
    congress = unit.is_congress
    head_role = head_role or (R.DIRECTOR if congress else R.CHAIR)
    vice_role = vice_role or (R.DEPUTY_DIRECTOR if congress else R.VICE_CHAIR)
    member_role = member_role or (R.MEMBER if congress else R.EXECUTIVE)
    heads = []
    for role, n in ((head_role, head), (vice_role, vice), (member_role, members)):
        for _ in range(n):
            post = services.appoint(person=person(), unit=unit, role=role, start_date=START, actor=None)
            if role == head_role:
                heads.append(post)
    return heads


def seat_in_parent(head_post):
    """Give a village/community head the 执委 post in her street/township that the plan asks for."""
    return services.appoint(
        person=head_post.person, unit=head_post.unit.parent, role=R.EXECUTIVE, start_date=START, actor=None
    )


def by_rule(findings, unit=None):
    return sorted(f.rule for f in findings if unit is None or f.unit == unit)


def test_a_full_community_federation_is_compliant(tree):
    """15 people (1 主席, 2 副主席, 12 执委) make a community 妇联 达标, with no findings."""
    [head] = staff(tree.community_a, members=12)
    seat_in_parent(head)
    assessment = rules.assess_unit(tree.community_a, on=ON)
    assert assessment.tally.total == 15
    assert assessment.is_compliant
    assert assessment.findings == []


def test_too_few_members_is_a_warning_that_fails_the_quota_and_names_the_unit(tree):
    """A community 妇联 with 13 members is 未达标 and the message says 13 < 15; the shortfall is what
    the campaign measures, so it is a warning a district may explain, not an error."""
    [head] = staff(tree.community_a, members=10)
    seat_in_parent(head)
    [finding] = rules.evaluate_unit(tree.community_a, on=ON)
    assert finding.severity == rules.WARNING and finding.fails_quota
    assert not rules.assess_unit(tree.community_a, on=ON).is_compliant
    assert finding.rule == "quota.total_low"
    assert "兆麟社区" in finding.message and "13 人" in finding.message and "15" in finding.message
    assert finding.fix_url == f"/units/{tree.community_a.pk}/roster/"


def test_a_missing_chair_and_a_single_vice_chair_are_errors(tree):
    """No 主任 and one 副主任 in a village 妇代会: two errors, not 达标."""
    staff(tree.village_a, head=0, vice=1, members=8)
    assessment = rules.assess_unit(tree.village_a, on=ON)
    assert by_rule(assessment.findings) == ["quota.head_missing", "quota.vice_few"]
    assert not assessment.is_compliant
    assert any("没有主任" in f.message for f in assessment.findings)


def test_two_chairs_are_an_error(tree):
    """Exactly one 主席: a second one is an error."""
    heads = staff(tree.community_a, head=2, members=12)
    for head in heads:
        seat_in_parent(head)
    assert by_rule(rules.evaluate_unit(tree.community_a, on=ON)) == ["quota.head_multiple"]


def test_more_than_two_vice_chairs_is_only_a_notice(tree):
    """Three 副主席 are shown as a notice and the unit still 达标."""
    [head] = staff(tree.community_a, vice=3, members=12)
    seat_in_parent(head)
    assessment = rules.assess_unit(tree.community_a, on=ON)
    assert by_rule(assessment.findings) == ["quota.vice_many"]
    assert assessment.findings[0].severity == rules.NOTICE
    assert assessment.is_compliant


def test_an_empty_roster_gets_one_clear_error(tree):
    """A street with nobody on its roster gets one finding that states the whole quota."""
    [finding] = rules.evaluate_unit(tree.street_a, on=ON)
    assert finding.rule == "quota.empty"
    assert "兆麟街道" in finding.message and "25–35" in finding.message


def test_a_person_counts_once_under_her_highest_post_and_delegates_do_not_count(tree):
    """A 副主席 who is also a 代表 counts once, as a 副主席."""
    staff(tree.district_a, head=1, vice=2, members=3)
    vice = Post.objects.filter(unit=tree.district_a, role=R.VICE_CHAIR).first()
    services.appoint(person=vice.person, unit=tree.district_a, role=R.DELEGATE, start_date=START, actor=None)
    tally = rules.tally_unit(tree.district_a, on=ON)
    assert (tally.head, tally.vice, tally.member, tally.total) == (1, 2, 3, 6)


def test_posts_are_counted_on_the_as_of_date(tree):
    """A post ended before the date and one starting after it are not counted."""
    [head] = staff(tree.community_a, members=12)
    seat_in_parent(head)
    member = Post.objects.filter(unit=tree.community_a, role=R.EXECUTIVE).first()
    services.end_post(post=member, end_date=datetime.date(2016, 7, 1), reason="调离", actor=None)
    services.appoint(
        person=person(), unit=tree.community_a, role=R.EXECUTIVE, start_date=datetime.date(2016, 9, 1), actor=None
    )
    assert rules.assess_unit(tree.community_a, on=ON).tally.total == 14
    assert rules.assess_unit(tree.community_a, on=datetime.date(2016, 6, 30)).tally.total == 15


def test_a_community_chair_who_is_not_an_executive_of_her_street_is_a_warning(tree):
    """The cross-level rule names the chair, her unit and the street, and links to appoint her there."""
    staff(tree.community_a, members=12)
    [finding] = rules.evaluate_unit(tree.community_a, on=ON)
    chair = Post.objects.get(unit=tree.community_a, role=R.CHAIR).person
    assert finding.severity == rules.WARNING
    assert finding.rule == "cross_level.head_not_in_parent"
    assert chair.name in finding.message and "兆麟社区" in finding.message and "兆麟街道" in finding.message
    assert finding.fix_url == f"/units/{tree.street_a.pk}/roster/appoint/?person={chair.pk}&role=executive"
    assert rules.assess_unit(tree.community_a, on=ON).is_compliant, "the cross-level rule does not change 达标"


def test_a_village_director_with_a_standing_post_in_her_township_satisfies_the_cross_level_rule(tree):
    """常委 in the township counts as 执委-or-higher; a 代表 post there would not."""
    [head] = staff(tree.village_a, members=4)
    services.appoint(person=head.person, unit=tree.township_a, role=R.DELEGATE, start_date=START, actor=None)
    assert by_rule(rules.evaluate_unit(tree.village_a, on=ON)) == ["cross_level.head_not_in_parent"]
    services.appoint(person=head.person, unit=tree.township_a, role=R.STANDING, start_date=START, actor=None)
    assert rules.evaluate_unit(tree.village_a, on=ON) == []


def test_evaluate_subtree_finds_the_faults_of_every_unit_in_tree_order(tree):
    """A district's review lists each faulty unit below it and nothing outside it."""
    [head] = staff(tree.community_a, members=12)
    seat_in_parent(head)
    staff(tree.community_a2, head=0, vice=2, members=5)  # 妇代会 without 主任
    staff(tree.community_b, members=3)  # another district: not in the review
    findings = rules.evaluate_subtree(tree.district_a, on=ON)
    units = {f.unit for f in findings}
    assert tree.community_b not in units
    assert by_rule(findings, tree.community_a2) == ["quota.head_missing"]
    assert by_rule(findings, tree.community_a) == []
    assert [f.rule for f in findings if f.unit == tree.street_a] == [
        "quota.total_low",
        "quota.head_missing",
        "quota.vice_few",
    ]
    assert by_rule(findings, tree.village_a) == ["quota.empty"]
    assert all(isinstance(f, rules.Finding) and f.message and f.fix_url for f in findings)


def test_archived_units_are_left_out_of_the_review_from_the_day_they_are_archived(tree, city_admin):
    """An archived unit has no roster to fix; on a date before it was archived it still stood, as in 附表4."""
    tree_services.archive_unit(unit=tree.village_a, actor=city_admin, reason="撤村")
    findings = rules.evaluate_subtree(tree.district_a, on=timezone.localdate())
    assert all(f.unit.pk != tree.village_a.pk for f in findings)
    assert by_rule(rules.evaluate_subtree(tree.district_a, on=ON), tree.village_a) == ["quota.empty"]


def _grow_district(district, streets, communities_per_street):
    """A district with more streets and communities, each with a short roster (a fault each)."""
    for s in range(streets):
        street = tree_services.create_unit(
            parent=Unit.objects.get(pk=district.pk),
            name=f"扩展街道{s}",
            code=f"{district.code}9{s:02d}",
            kind=Unit.Kind.STREET,
            actor=None,
        )
        staff(street, members=1)
        for c in range(communities_per_street):
            community = tree_services.create_unit(
                parent=Unit.objects.get(pk=street.pk),
                name=f"扩展社区{s}-{c}",
                code=f"{street.code}{c:03d}",
                kind=Unit.Kind.COMMUNITY,
                actor=None,
            )
            staff(community, members=2)


def test_the_review_runs_in_the_same_number_of_queries_for_a_bigger_subtree(tree, django_assert_max_num_queries):
    """Three queries for a small district and for one four times its size: the unit's bounds, the rule
    set in effect (members.rules.rules_in_effect) and one statement for the units, tallies and heads."""
    with django_assert_max_num_queries(3):
        small = rules.evaluate_subtree(tree.district_b, on=ON)
    _grow_district(tree.district_b, streets=3, communities_per_street=3)
    with django_assert_max_num_queries(3):
        big = rules.evaluate_subtree(tree.district_b, on=ON)
    assert len(big) > len(small)


@pytest.mark.parametrize("kind", ["city", "district"])
def test_units_without_a_quota_block_have_no_quota_findings(tree, kind):
    """The city and districts are not in the FORMS.md quota table."""
    unit = tree.city if kind == "city" else tree.district_a
    assert rules.quota_for(unit) is None
    assert rules.evaluate_unit(unit, on=ON) == []


# --- the compliance page ----------------------------------------------------------------------


def compliance_url(unit):
    return f"/units/{unit.pk}/compliance/"


def test_the_compliance_page_lists_each_fault_with_a_chinese_reason_and_a_fix_link(tree, staff_a, login):
    """A short community and a chair missing from her street's 执委会, with links to fix them."""
    [head] = staff(tree.community_a, members=9)
    page = login(staff_a).get(compliance_url(tree.district_a), {"on": "2016-08-31"}).content.decode()
    assert "成员 12 人，少于 15 人" in page
    assert f"主席{head.person.name}不是兆麟街道的执委" in page
    assert f"/units/{tree.street_a.pk}/roster/appoint/?person={head.person.pk}&amp;role=executive" in page
    assert f"/units/{tree.community_a.pk}/roster/" in page


def test_two_heads_of_one_unit_is_an_error(tree):
    """Two current 主席 cannot both be right: an error that blocks a return until fixed."""
    staff(tree.community_a, head=2, members=12)
    [finding] = [f for f in rules.evaluate_unit(tree.community_a, on=ON) if f.rule == "quota.head_multiple"]
    assert finding.severity == rules.ERROR and finding.fails_quota


def test_the_page_filters_by_severity(tree, staff_a, login):
    """?severity=error shows only the errors (two chairs), not the shortfall warnings."""
    staff(tree.community_a, head=2, members=9)
    response = login(staff_a).get(compliance_url(tree.district_a), {"on": "2016-08-31", "severity": "error"})
    assert {f.severity for f in response.context["findings"]} == {"error"}
    assert "少于 15 人" not in response.content.decode()


def test_the_page_counts_compliant_units_per_block(tree, staff_a, login):
    """道里区 has two streets/townships, one community 妇联 (达标 here) and two 妇代会."""
    [head] = staff(tree.community_a, members=12)
    seat_in_parent(head)
    response = login(staff_a).get(compliance_url(tree.district_a), {"on": "2016-08-31"})
    blocks = {b.quota.block: (b.units, b.compliant) for b in response.context["blocks"]}
    assert blocks == {"street": (2, 0), "village_federation": (1, 1), "village_congress": (2, 0)}


@pytest.mark.parametrize("persona", ["staff_a", "viewer_a", "city_reviewer"])
def test_users_of_the_subtree_may_see_the_compliance_page(tree, persona, request, login):
    """Read-only roles too."""
    assert login(request.getfixturevalue(persona)).get(compliance_url(tree.district_a)).status_code == 200


def test_the_compliance_page_outside_the_subtree_is_404(tree, staff_b, login):
    """南岗区 cannot review 道里区."""
    assert login(staff_b).get(compliance_url(tree.district_a)).status_code == 404


def test_the_compliance_page_renders_in_constant_queries(tree, city_admin, login, django_assert_max_num_queries):
    """The city page costs the same with 9 units or 21."""
    client = login(city_admin)
    with django_assert_max_num_queries(14):
        small = client.get(compliance_url(tree.city))
    _grow_district(tree.district_b, streets=3, communities_per_street=3)
    with django_assert_max_num_queries(14):
        big = client.get(compliance_url(tree.city))
    assert len(big.context["findings"]) > len(small.context["findings"])


def test_a_reviewer_gets_no_appoint_link_she_could_not_use(tree, city_reviewer, login):
    """Appointing is for editors: a reviewer is pointed at the parent's roster instead of a 403."""
    staff(tree.community_a, members=12)
    client = login(city_reviewer)
    page = client.get(compliance_url(tree.district_a), {"on": "2016-08-31"}).content.decode()
    assert "/roster/appoint/" not in page
    assert f"/units/{tree.street_a.pk}/roster/?on=2016-08-31" in page
    roster = client.get(f"/units/{tree.community_a.pk}/roster/", {"on": "2016-08-31"}).content.decode()
    assert "不是兆麟街道的执委" in roster and "/roster/appoint/" not in roster


def test_the_review_hands_out_readable_units_without_extra_queries(tree, django_assert_max_num_queries):
    """Findings carry units made from the review's own rows (no model __init__ per unit, issue 15):
    they read like loaded units, parent included, and compare equal to them."""
    staff(tree.community_a2, head=0, vice=2, members=5)
    findings = rules.evaluate_subtree(tree.district_a, on=ON)
    unit = next(f.unit for f in findings if f.unit == tree.community_a2)
    with django_assert_max_num_queries(0):
        assert (unit.pk, unit.name, unit.code, unit.tier, unit.is_congress) == (
            tree.community_a2.pk, "经纬社区", "230102001002", 4, True,
        )  # fmt: skip
        assert (unit.get_kind_display(), unit.parent.name, unit.parent_id) == ("社区", "兆麟街道", tree.street_a.pk)
        assert rules.quota_for(unit) is rules.quota_for(tree.community_a2)
    assert unit.get_absolute_url() == tree.community_a2.get_absolute_url()


def test_the_compliance_table_escapes_what_it_shows(tree, staff_a, login):
    # Named so on the page's date: the page shows the names units had then.
    tree_services.rename_unit(unit=tree.community_a2, name="<b>经纬</b>社区", actor=None, effective_date=ON)
    response = login(staff_a).get(f"/units/{tree.district_a.pk}/compliance/?on={ON}")
    page = response.content.decode()
    assert "&lt;b&gt;经纬&lt;/b&gt;社区" in page and "<b>经纬</b>" not in page
    assert 'class="sev-error"' in page and "社区 · 妇代会" in page


def test_the_compliance_page_lists_its_findings_a_page_at_a_time_with_the_excel_for_all(
    tree, city_reviewer, staff_b, login, monkeypatch
):
    """A city has about 1,500 findings (issue 21): the page shows COMPLIANCE_PAGE of them at a time, keeps the
    severity filter in its page links, and offers the whole list as Excel; another district's staff gets 404."""
    import re

    from django.urls import reverse

    from members import views

    monkeypatch.setattr(views, "COMPLIANCE_PAGE", 2)
    client = login(city_reviewer)
    url = reverse("members:compliance", args=[tree.city.pk])
    first = client.get(url, {"on": "2016-08-31"}).content.decode()
    total = int(re.search(r"共 (\d+) 条", first).group(1))
    assert total > 2 and first.count('<tr class="sev-') == 2 and "全部问题：下载 Excel" in first
    pages = -(-total // 2)
    last = client.get(url, {"on": "2016-08-31", "page": pages}).content.decode()
    assert last.count('<tr class="sev-') == total - 2 * (pages - 1)
    filtered = client.get(url, {"on": "2016-08-31", "severity": "error"}).content.decode()
    if "下一页" in filtered:
        assert "severity=error&amp;page=2" in filtered
    assert login(staff_b).get(reverse("members:compliance", args=[tree.district_a.pk])).status_code == 404
