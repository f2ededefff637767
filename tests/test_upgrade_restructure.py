"""A database created before the returns app existed upgrades in place (issue 8).

The returns and certificate models moved apps with SeparateDatabaseAndState: their tables keep
their reports_* names, so the upgrade copies nothing. This test builds a database at the
migrations of the first release, writes rows through the historical models, migrates forward
and reads every row back through today's models.
"""

import datetime
import importlib

import pytest
from migrating import migrate_to, migrate_to_latest

BEFORE_THE_MOVE = [
    ("orgtree", "0001_initial"),
    ("members", "0003_person_initials_open_post_constraint"),
    ("reports", "0002_seed_campaign_2016"),
    ("returns", None),
]


@pytest.mark.django_db(transaction=True)
def test_a_database_seeded_before_the_move_upgrades_with_every_row_readable():
    old = migrate_to(BEFORE_THE_MOVE)
    Unit = old.get_model("orgtree", "Unit")
    AuditEvent = old.get_model("orgtree", "AuditEvent")
    Person = old.get_model("members", "Person")
    Post = old.get_model("members", "Post")
    Campaign = old.get_model("reports", "Campaign")
    Return = old.get_model("reports", "Return")
    ReturnSnapshot = old.get_model("reports", "ReturnSnapshot")
    Certificate = old.get_model("reports", "Certificate")
    ContentType = old.get_model("contenttypes", "ContentType")

    city = Unit.objects.create(name="哈尔滨市", code="2301", kind="city", lft=1, rght=4, tree_id=1, level=0)
    district = Unit.objects.create(
        name="道里区", code="230102", kind="district", parent=city, lft=2, rght=3, tree_id=1, level=1
    )
    person = Person.objects.create(name="王秀兰", birth_date=datetime.date(1975, 3, 1))
    post = Post.objects.create(person=person, unit=district, role="executive", start_date=datetime.date(2016, 7, 1))
    # A transactional test before this one may have flushed the seeded campaign: seed it as 0002 did.
    importlib.import_module("reports.migrations.0002_seed_campaign_2016").seed(old, None)
    campaign = Campaign.objects.get(doc_number="哈妇发〔2016〕8号")
    form = campaign.forms.get(form_no="4")
    ret = Return.objects.create(campaign=campaign, form=form, unit=district, status="submitted", version=1)
    snapshot = ReturnSnapshot.objects.create(
        ret=ret, number=1, data={"panels": []}, sha256="0" * 64, code="ABCDEFGHIJKL",
        unit_leader="张", filled_by="李", phone="0451-1", report_date=datetime.date(2016, 9, 1),
    )  # fmt: skip
    Return.objects.filter(pk=ret.pk).update(snapshot=snapshot)
    Certificate.objects.create(
        post=post, kind="appointment", issuing_unit=city, year=2016, seq=1,
        number="2016-2301-0001", issued_on=datetime.date(2016, 7, 2),
    )  # fmt: skip
    AuditEvent.objects.create(action="return.submit", unit=district, object_type="reports.return", object_id=ret.pk)
    ContentType.objects.get_or_create(app_label="reports", model="return")

    migrate_to_latest()

    from django.contrib.contenttypes.models import ContentType as CurrentContentType

    from orgtree.models import AuditEvent as CurrentAuditEvent
    from returns.models import Return as CurrentReturn
    from selection.models import Certificate as CurrentCertificate

    upgraded = CurrentReturn.objects.select_related("snapshot", "campaign", "form").get(pk=ret.pk)
    assert upgraded.snapshot.code == "ABCDEFGHIJKL"
    assert upgraded.form.form_no == "4" and upgraded.campaign.doc_number == "哈妇发〔2016〕8号"
    assert CurrentCertificate.objects.get(post_id=post.pk).number == "2016-2301-0001"
    assert CurrentAuditEvent.objects.for_object(upgraded).count() == 1
    assert not CurrentAuditEvent.objects.filter(object_type__startswith="reports.").exists()
    assert CurrentContentType.objects.filter(app_label="returns", model="return").exists()
    # reports keeps one model of its own since issue 23 (TableDefinition); none of the moved ones.
    assert not CurrentContentType.objects.filter(app_label="reports").exclude(model="tabledefinition").exists()
