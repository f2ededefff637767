"""A submitted return's PDF is rendered once (issues 21 and 25): at submission by the worker, both
renditions, then every download serves the stored file; a render still done in a request is one
at a time per user."""

import io
import threading

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from returns import pdfs
from returns.models import RenderSlot, SnapshotPdf


def submit_through_the_page(client, campaign_2016, unit, form_no="1"):
    form = campaign_2016.forms.get(form_no=form_no)
    url = reverse("returns:return_submit", args=[form.pk, unit.pk])
    page = client.get(url)
    data = {
        "unit_leader": "王丽",
        "filled_by": "李娜",
        "phone": "0451-84661234",
        "explanation": "测试",
        "expected_version": page.context["form"].initial.get("expected_version") or "",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return form.returns.get(unit=unit)


def test_submission_queues_both_renditions_and_downloads_come_from_storage(
    tree, campaign_2016, staff_a, city_reviewer, viewer_a, login, monkeypatch, django_capture_on_commit_callbacks
):
    from orgtree import services as tree_services

    # 附表1 carries the contacts: the reviewing unit's rendition shows the mobile, everyone else's masks it.
    contact = {"name": "李梅", "title": "组织部长", "office_phone": "0451-84661234", "mobile": "13904510099"}
    leader = {"name": "张红", "title": "副主席", "office_phone": "0451-84660001", "mobile": "13904510001"}
    tree_services.update_contacts(unit=tree.district_a, contacts={"leader": leader, "contact": contact}, actor=staff_a)
    with django_capture_on_commit_callbacks(execute=True):  # the job is queued once the submission commits
        ret = submit_through_the_page(login(staff_a), campaign_2016, tree.district_a)
    assert not SnapshotPdf.objects.exists()  # queued, not rendered in the submitting request
    call_command("run_jobs", "--once", stdout=io.StringIO())
    assert sorted(SnapshotPdf.objects.filter(snapshot=ret.snapshot).values_list("masked", flat=True)) == [False, True]

    # Nothing renders from now on: both downloads, twice each, are served from storage.
    monkeypatch.setattr(pdfs, "stamped_pdf", lambda *a, **k: pytest.fail("rendered again"))
    url = reverse("returns:return_export_pdf", args=[ret.pk])
    reviewer, viewer = login(city_reviewer), Client()
    viewer.force_login(viewer_a)
    first, second = reviewer.get(url), reviewer.get(url)
    assert first.status_code == second.status_code == 200 and first.content == second.content
    masked = viewer.get(url)
    assert masked.status_code == 200 and masked.content != first.content
    assert masked.content == bytes(SnapshotPdf.objects.get(snapshot=ret.snapshot, masked=True).content)


def submit_form_2(tree, campaign_2016, staff_a):
    """道里区's 附表2, submitted by the service (no render is queued: that is the page's and the API's doing)."""
    from returns import services

    return services.submit_return(
        form=campaign_2016.forms.get(form_no="2"),
        unit=tree.district_a,
        actor=staff_a,
        unit_leader="王丽",
        filled_by="李娜",
        phone="0451-84661234",
    )


def test_an_unstored_rendition_is_rendered_once_then_served(tree, campaign_2016, staff_a, city_reviewer, login):
    ret = submit_form_2(tree, campaign_2016, staff_a)
    url = reverse("returns:return_export_pdf", args=[ret.pk])
    client = login(city_reviewer)
    first = client.get(url)
    assert first.status_code == 200 and first.content.startswith(b"%PDF")
    assert SnapshotPdf.objects.filter(snapshot=ret.snapshot).count() == 1
    assert client.get(url).content == first.content
    assert SnapshotPdf.objects.filter(snapshot=ret.snapshot).count() == 1
    assert not RenderSlot.objects.exists()  # the slot is released


def test_a_second_render_by_the_same_user_waits_for_the_first(tree, campaign_2016, staff_a, city_reviewer, login):
    ret = submit_form_2(tree, campaign_2016, staff_a)
    RenderSlot.objects.create(user=city_reviewer)  # her other render, still running
    response = login(city_reviewer).get(reverse("returns:return_export_pdf", args=[ret.pk]), follow=True)
    assert "您的另一份 PDF 正在生成" in response.content.decode()
    assert not SnapshotPdf.objects.exists()


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_six_parallel_downloads_by_one_user_render_at_most_once_at_a_time(tree, campaign_2016, staff_a, city_reviewer):
    """Issue 25: six parallel PDF downloads by one viewer tied up every web worker."""
    ret = submit_form_2(tree, campaign_2016, staff_a)
    url = reverse("returns:return_export_pdf", args=[ret.pk])
    barrier, statuses, rendering, most = threading.Barrier(6), [], [0], [0]
    lock = threading.Lock()
    original = pdfs.stamped_pdf

    def counted(*args, **kwargs):
        with lock:
            rendering[0] += 1
            most[0] = max(most[0], rendering[0])
        try:
            return original(*args, **kwargs)
        finally:
            with lock:
                rendering[0] -= 1

    pdfs.stamped_pdf = counted
    try:

        def download():
            client = Client()
            client.force_login(city_reviewer)
            barrier.wait(timeout=30)
            try:
                statuses.append(client.get(url).status_code)
            finally:
                connection.close()

        threads = [threading.Thread(target=download) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        pdfs.stamped_pdf = original
    assert most[0] == 1
    assert sorted(set(statuses)) <= [200, 303] and 200 in statuses
    assert SnapshotPdf.objects.filter(snapshot=ret.snapshot).count() == 1
