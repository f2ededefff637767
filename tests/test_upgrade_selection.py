"""A database created before the selection app existed upgrades in place (issue 20).

The register, candidates, meetings, certificates and 备案 moved from members to selection with
SeparateDatabaseAndState: their tables keep their members_* and reports_* names, so the upgrade
copies nothing. This test builds a database at the migrations just before the move, writes rows
through the historical models, migrates forward and reads every row back through today's models.
"""

import datetime

import pytest
from migrating import migrate_to, migrate_to_latest

BEFORE_THE_MOVE = [
    ("members", "0010_rule_sets"),
    ("selection", None),
]


@pytest.mark.django_db(transaction=True)
def test_a_database_seeded_before_the_selection_app_upgrades_with_every_row_readable():
    old = migrate_to(BEFORE_THE_MOVE)
    Unit = old.get_model("orgtree", "Unit")
    AuditEvent = old.get_model("orgtree", "AuditEvent")
    ContentType = old.get_model("contenttypes", "ContentType")
    Person = old.get_model("members", "Person")
    Post = old.get_model("members", "Post")
    WomenOrganisation = old.get_model("members", "WomenOrganisation")
    RegisterEntry = old.get_model("members", "RegisterEntry")
    Meeting = old.get_model("members", "Meeting")
    Candidate = old.get_model("members", "Candidate")
    Filing = old.get_model("members", "Filing")
    Certificate = old.get_model("members", "Certificate")
    CertificateCounter = old.get_model("members", "CertificateCounter")

    city = Unit.objects.create(name="哈尔滨市", code="2301", kind="city", lft=1, rght=4, tree_id=1, level=0)
    district = Unit.objects.create(
        name="道里区", code="230102", kind="district", parent=city, lft=2, rght=3, tree_id=1, level=1
    )
    organisation = WomenOrganisation.objects.create(unit=district, name="巾帼志愿者协会")
    person = Person.objects.create(name="王秀兰", birth_date=datetime.date(1975, 3, 1))
    entry = RegisterEntry.objects.create(
        unit=district, name="王秀兰", name_initials="wxl", organisation=organisation, person=person
    )
    meeting = Meeting.objects.create(unit=district, held_on=datetime.date(2016, 7, 1), place="区妇联", attendance=40)
    post = Post.objects.create(
        person=person, unit=district, role="executive", start_date=datetime.date(2016, 7, 1), meeting=meeting
    )
    candidate = Candidate.objects.create(
        unit=district, entry=entry, role="executive", method="masses", proposed_on=datetime.date(2016, 6, 1),
        status="appointed", post=post,
    )  # fmt: skip
    filing = Filing.objects.create(
        meeting=meeting, party_org="道里区委", party_filed_on=datetime.date(2016, 7, 5),
        parent_filed_on=datetime.date(2016, 7, 6),
    )  # fmt: skip
    Certificate.objects.create(
        post=post, kind="appointment", issuing_unit=city, year=2016, seq=1,
        number="2016-2301-0001", issued_on=datetime.date(2016, 7, 2),
    )  # fmt: skip
    CertificateCounter.objects.create(issuing_unit=city, year=2016, last_seq=1)
    AuditEvent.objects.create(
        action="meeting.create", unit=district, object_type="members.meeting", object_id=meeting.pk
    )
    ContentType.objects.get_or_create(app_label="members", model="meeting")

    migrate_to_latest()

    from django.contrib.contenttypes.models import ContentType as CurrentContentType

    from members.models import Post as CurrentPost
    from orgtree.models import AuditEvent as CurrentAuditEvent
    from selection.models import Candidate as CurrentCandidate
    from selection.models import CertificateCounter as CurrentCounter
    from selection.models import Meeting as CurrentMeeting
    from selection.models import RegisterEntry as CurrentEntry

    upgraded = CurrentMeeting.objects.select_related("filing").get(pk=meeting.pk)
    assert upgraded.filing.pk == filing.pk and upgraded.filing.party_org == "道里区委"
    assert list(upgraded.posts.values_list("pk", flat=True)) == [post.pk]
    appointed = CurrentPost.objects.select_related("meeting", "certificate", "candidacy__entry").get(pk=post.pk)
    assert appointed.meeting == upgraded
    assert appointed.certificate_no == "2016-2301-0001"
    assert appointed.candidacy.pk == candidate.pk and appointed.candidacy.entry.organisation.name == "巾帼志愿者协会"
    assert CurrentEntry.objects.get(pk=entry.pk).person_id == person.pk
    assert CurrentCandidate.objects.get(pk=candidate.pk).get_status_display() == "已任命"
    assert CurrentCounter.objects.get(issuing_unit_id=city.pk, year=2016).last_seq == 1
    assert CurrentAuditEvent.objects.for_object(upgraded).count() == 1
    assert not CurrentAuditEvent.objects.filter(object_type__startswith="members.meeting").exists()
    assert CurrentContentType.objects.filter(app_label="selection", model="meeting").exists()
    assert not CurrentContentType.objects.filter(app_label="members", model="meeting").exists()
