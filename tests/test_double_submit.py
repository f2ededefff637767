"""A double submit, one after the other (any database): the second answers with the first's result."""

from django.urls import reverse

from returns import services
from returns.models import ReturnSnapshot
from selection import certificates
from selection.models import Certificate

FOOTER = {"unit_leader": "王丽", "filled_by": "李娜", "phone": "0451-84661234", "explanation": "换届后补齐。"}


def test_the_same_submission_again_returns_the_same_snapshot(tree, campaign_2016, staff_a):
    form = campaign_2016.forms.get(form_no="2")
    first = services.submit_return(form=form, unit=tree.district_a, actor=staff_a, **FOOTER)
    again = services.submit_return(
        form=form, unit=tree.district_a, actor=staff_a, expected_version=first.version - 1, **FOOTER
    )
    assert again.pk == first.pk and again.snapshot_id == first.snapshot_id
    assert ReturnSnapshot.objects.count() == 1


def test_a_repeated_batch_numbering_numbers_nothing_twice(tree, staff_a, member, login):
    posts = [member(tree.community_a, role="chair"), member(tree.community_a, role="executive")]
    first = certificates.issue_certificates(posts=posts, actor=staff_a, issued_on=posts[0].start_date)
    assert len(first) == 2
    # The second click still holds the posts as loaded before the first finished.
    stale = [type(p).objects.get(pk=p.pk) for p in posts]
    for post in stale:
        post._state.fields_cache.pop("certificate", None)
    assert certificates.issue_certificates(posts=stale, actor=staff_a, issued_on=posts[0].start_date) == []
    assert Certificate.objects.count() == 2
    response = login(staff_a).post(
        reverse("selection:unit_certificates", args=[tree.community_a.pk]), {"issued_on": "2016-07-01"}, follow=True
    )
    assert "证书都已编号，没有重复编号" in response.content.decode()
