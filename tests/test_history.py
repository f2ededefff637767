"""Every change to a person or post is recorded (who, when, old → new) and shown on the person page."""

import datetime

from members import services
from members.models import Person, Post
from orgtree.models import AuditEvent


def test_registering_and_appointing_records_two_events_by_the_clerk(tree, staff_a, member):
    """person.create and post.create, each naming the actor and the new values."""
    post = member(tree.community_a, role="chair", name="张秀梅", actor=staff_a)
    person_event = AuditEvent.objects.for_object(post.person).get()
    post_event = AuditEvent.objects.for_object(post).get()
    assert (person_event.action, person_event.actor) == ("person.create", staff_a)
    assert person_event.changes["name"] == [None, "张秀梅"]
    assert (post_event.action, post_event.unit) == ("post.create", tree.community_a)
    assert post_event.changes["role"] == [None, "chair"] and post_event.changes["start_date"] == [None, "2016-06-01"]


def test_an_update_records_only_what_changed_with_old_and_new(tree, staff_a, member):
    """Workplace and education changed; nothing else is listed."""
    person = member(tree.community_a, workplace_title="兆麟社区").person
    services.update_person(person=person, data={"workplace_title": "兆麟街道办", "education": "31"}, actor=staff_a)
    event = AuditEvent.objects.filter(action="person.update").get()
    assert event.changes == {"workplace_title": ["兆麟社区", "兆麟街道办"], "education": ["21", "31"]}


def test_saving_without_changes_records_nothing(tree, staff_a, member):
    """No empty history rows."""
    person = member(tree.community_a).person
    services.update_person(person=person, data={"name": person.name}, actor=staff_a)
    assert not AuditEvent.objects.filter(action="person.update").exists()


def test_ending_a_post_records_the_date_and_the_reason(tree, staff_a, member):
    """post.end with end_date None → date, and the reason."""
    post = member(tree.community_a)
    services.end_post(post=post, end_date=datetime.date(2016, 9, 1), reason="换届", actor=staff_a)
    event = AuditEvent.objects.filter(action="post.end").get()
    assert event.changes["end_date"] == [None, "2016-09-01"] and event.reason == "换届"


def test_the_person_page_shows_the_history_of_the_person_and_her_posts_with_labels(tree, staff_a, login, member):
    """Readable labels: 修改人员信息, 文化程度：大学本科毕业 → 大学专科毕业, 离任."""
    post = member(tree.community_a, name="张秀梅", actor=staff_a)
    services.update_person(person=post.person, data={"education": "31"}, actor=staff_a)
    services.end_post(post=post, end_date=datetime.date(2016, 9, 1), reason="调离", actor=staff_a)
    page = login(staff_a).get(f"/people/{post.person.pk}/").content.decode()
    for text in ("登记人员", "任命", "修改人员信息", "离任", "道里区填报员", "调离"):
        assert text in page
    education = dict(Person._meta.get_field("education").flatchoices)
    assert f"文化程度：{education['21']} → {education['31']}" in page


def test_nothing_in_the_roster_is_ever_deleted(tree, staff_a, member, admin_client):
    """Ending keeps the row, and the admin offers no delete."""
    post = member(tree.community_a)
    services.end_post(post=post, end_date=datetime.date(2016, 9, 1), reason="调离", actor=staff_a)
    assert Post.objects.filter(pk=post.pk).exists()
    response = admin_client.get(f"/django-admin/members/post/{post.pk}/delete/")
    assert response.status_code in (302, 403)
    assert Post.objects.filter(pk=post.pk).exists()


def test_the_unit_page_history_reads_in_chinese_and_masks_personal_data(tree, staff_a, city_reviewer, login):
    """Labels and choice labels instead of field names, no "None", and a reviewer sees the ID number masked."""
    from conftest import valid_id_number

    from orgtree import services as tree_services

    id_number = valid_id_number(datetime.date(1975, 3, 1))
    data = {"name": "张秀梅", "birth_date": datetime.date(1975, 3, 1), "id_number": id_number, "mobile": "13800001234"}
    person = services.create_person(data=data, actor=staff_a, unit=tree.community_a)
    services.appoint(
        person=person, unit=tree.community_a, role="vice_chair", start_date=datetime.date(2016, 6, 1), actor=staff_a
    )
    tree_services.rename_unit(unit=tree.community_a, name="兆麟新社区", actor=staff_a)
    reviewer_page = login(city_reviewer).get(f"/units/{tree.community_a.pk}/").content.decode()
    assert "组织名称：兆麟社区 → 兆麟新社区" in reviewer_page
    assert "姓名：张秀梅" in reviewer_page and "妇联职务：副主席" in reviewer_page
    assert id_number not in reviewer_page and "13800001234" not in reviewer_page and "138****1234" in reviewer_page
    assert "None" not in reviewer_page and "id_number" not in reviewer_page
    staff_page = login(staff_a).get(f"/units/{tree.community_a.pk}/").content.decode()
    assert id_number in staff_page


def test_the_merge_target_page_shows_what_merged_into_it(tree, city_admin, login):
    """The target's event records "merged_from", a reverse relation of Unit without choices: reading them failed (500)."""
    from orgtree import services as tree_services

    tree_services.merge_units(source=tree.community_a2, target=tree.community_a, actor=city_admin)
    response = login(city_admin).get(f"/units/{tree.community_a.pk}/")
    assert response.status_code == 200
    assert tree.community_a2.name in response.content.decode()


def test_a_certificate_in_the_history_reads_in_chinese(tree, staff_a, login, member):
    """certificate.issue records certificate_no/certificate_date, which are no longer Post fields: the page
    printed the raw keys ("certificate_no：— → …")."""
    from selection import certificates

    post = member(tree.community_a, name="隋娟", actor=staff_a)
    certificates.issue_certificates(posts=[post], actor=staff_a, issued_on=datetime.date(2016, 7, 1))
    page = login(staff_a).get(f"/people/{post.person.pk}/").content.decode()
    assert "证书编号：" in page and "发证日期：" in page
    assert "certificate_no" not in page and "certificate_date" not in page


def _recorded_change_keys():
    """Every key written as a literal in a `changes={...}` of the app's code."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    for package in ("orgtree", "members", "selection", "returns", "reports", "jobs"):
        for path in (root / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.keyword) and node.arg == "changes" and isinstance(node.value, ast.Dict):
                    for key in node.value.keys:
                        if isinstance(key, ast.Constant) and isinstance(key.value, str):
                            yield path.relative_to(root), key.value


def test_every_key_the_code_records_has_a_chinese_label():
    """A history row names a change in Chinese whichever record it belongs to."""
    import re

    from django.apps import apps

    from fedorg.history import field_label

    object_types = [""] + [m._meta.label_lower for m in apps.get_models()]
    unlabelled = {
        (str(path), key)
        for path, key in _recorded_change_keys()
        if not any(re.search(r"[\u4e00-\u9fff]", field_label(key, kind)) for kind in object_types)
    }
    assert len(list(_recorded_change_keys())) > 20
    assert not unlabelled
