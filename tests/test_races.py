"""Double submits on PostgreSQL: import confirmation, return submission and certificate numbering.

A double click sends the same POST two or more times at once. Each must write once: the other
requests answer with the same result (a redirect to it) or 409, never a 500 or a second write.
SQLite serialises writers itself, so the races run on PostgreSQL only; tests/test_roster_import.py
and friends cover the sequential double submit on both.
"""

import io
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from members.models import Person, Post, RosterImport

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]

THREADS = 4
ROUNDS = 3


def run_in_threads(count, work):
    """Start `count` threads that begin `work(i)` at the same instant; return (results, errors)."""
    barrier = threading.Barrier(count)
    results, errors = [None] * count, []

    def target(i):
        try:
            barrier.wait(timeout=30)
            results[i] = work(i)
        except Exception as e:  # collected and asserted on below, never swallowed
            errors.append(f"thread {i}: {e!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results, errors


def same_session_clients(client, count):
    """Clients that share `client`'s session cookie: one browser, several tabs or clicks."""
    clients = []
    for _ in range(count):
        other = Client(raise_request_exception=False)
        other.cookies = client.cookies
        clients.append(other)
    return clients


def roster_file(rows):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "出生年月", "身份证号", "妇联职务", "任职时间"])
    for i in range(rows):
        ws.append([f"并发测试{i:02d}", "1975.03", "", "执委", "2016-06-02"])
    stream = io.BytesIO()
    wb.save(stream)
    stream.seek(0)
    stream.name = "名册.xlsx"
    return stream


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_a_double_clicked_import_confirmation_writes_the_file_once(tree, staff_a, settings, tmp_path, round_):
    """Issue 12: three simultaneous confirmations of a 30-row file wrote 90 people."""
    settings.ROSTER_IMPORT_DIR = str(tmp_path / "uploads")
    client = Client()
    client.force_login(staff_a)
    response = client.post(reverse("members:roster_import", args=[tree.district_a.pk]), {"file": roster_file(30)})
    token = response.context["token"]
    url = reverse("members:roster_import_confirm", args=[tree.district_a.pk])
    clients = same_session_clients(client, THREADS)
    results, errors = run_in_threads(THREADS, lambda i: clients[i].post(url, {"token": token}).status_code)
    assert errors == []
    assert set(results) <= {302, 409}, results
    assert Person.objects.count() == 30
    assert Post.objects.count() == 30
    assert RosterImport.objects.filter(token=token).count() == 1


FOOTER = {"unit_leader": "王丽", "filled_by": "李娜", "phone": "0451-84661234", "explanation": "社区换届后补齐。"}


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_simultaneous_submits_of_one_return_write_one_snapshot(tree, campaign_2016, staff_a, round_):
    """Issue 12: concurrent submits gave 500s on snapshot_unique_number."""
    from returns.models import Return, ReturnEvent, ReturnSnapshot

    form = campaign_2016.forms.get(form_no="2")
    url = reverse("returns:return_submit", args=[form.pk, tree.district_a.pk])
    client = Client()
    client.force_login(staff_a)
    clients = same_session_clients(client, THREADS)
    results, errors = run_in_threads(THREADS, lambda i: clients[i].post(url, FOOTER).status_code)
    assert errors == []
    assert set(results) <= {302, 409}, results
    ret = Return.objects.get(form=form, unit=tree.district_a)
    assert ret.status == Return.Status.SUBMITTED
    assert ReturnSnapshot.objects.filter(ret=ret).count() == 1
    assert ReturnEvent.objects.filter(ret=ret, action="submit").count() == 1


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_simultaneous_batch_numbering_numbers_each_certificate_once(tree, staff_a, member, round_):
    """Issue 12: concurrent 批量编号 gave 500s on the certificate's post_id unique key."""
    from selection.models import Certificate

    posts = [member(tree.community_a, role=role) for role in ("chair", "vice_chair", "executive", "executive")]
    url = reverse("selection:unit_certificates", args=[tree.community_a.pk])
    client = Client()
    client.force_login(staff_a)
    clients = same_session_clients(client, THREADS)
    results, errors = run_in_threads(THREADS, lambda i: clients[i].post(url, {"issued_on": "2016-07-01"}).status_code)
    assert errors == []
    assert set(results) <= {302, 409}, results
    numbers = sorted(Certificate.objects.values_list("seq", flat=True))
    assert numbers == list(range(1, len(posts) + 1))
    assert Certificate.objects.filter(post__in=posts).count() == len(posts)


def test_sixteen_concurrent_job_starts_leave_at_most_the_cap_active(tree, staff_a):
    """Issue 25: start_job counted active jobs, then inserted; 16 parallel starts left 14 active (cap 3)."""
    from jobs import services as job_services
    from jobs.models import Job

    def start(i):
        try:
            job, created = job_services.start_job(
                kind="roster_export", requester=staff_a, unit=tree.district_a, params={"n": i}, title=f"导出 {i}"
            )
        except job_services.JobRefused:
            return "refused"
        return "started" if created else "same"

    results, errors = run_in_threads(16, start)
    assert errors == []
    active = Job.objects.active().filter(requester=staff_a).count()
    assert active == job_services.MAX_ACTIVE_PER_USER == results.count("started")
    assert results.count("refused") == 16 - active
