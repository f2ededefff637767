"""Background jobs (issue 15): a big roster export runs in the worker, with progress, cancel and download.

End to end through the views and `manage.py run_jobs --once`; who may see a job (only its
requester, inside her subtree); a double click finds the same job; the queue is bounded per
user; a cancelled, stale or interrupted job ends cleanly.
"""

import datetime
import io
import re
from datetime import timedelta

import pytest
from conftest import valid_id_number
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from jobs import services
from jobs.models import Job
from jobs.registry import Cancelled
from members.models import Person, RosterImport
from members.roster_xlsx.columns import COLUMNS
from orgtree import services as tree_services
from orgtree.models import AuditEvent

AS_OF = "2016-08-31"


@pytest.fixture
def big(monkeypatch):
    """Every subtree counts as big here, so the export goes to the background."""
    monkeypatch.setattr("members.views_excel.BACKGROUND_EXPORT_POSTS", 0)


@pytest.fixture
def district_roster(tree, member):
    posts = [
        member(tree.community_a, "chair", name="张秀梅", id_number=valid_id_number(datetime.date(1975, 3, 15))),
        member(tree.village_a, "director", name="阿依古丽"),
        *(member(tree.street_a, "executive", name=f"成员{i:02d}") for i in range(6)),
    ]
    member(tree.community_b, "chair", name="赵敏")  # 南岗区: not in 道里区's export
    return posts


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def status(client, job):
    response = client.get(reverse("jobs:detail", args=[job.pk]), {"format": "json"})
    assert response.status_code == 200
    return response.json()


def start_export(client, unit, **data):
    return client.post(reverse("members:roster_export_job", args=[unit.pk]), {"as_of": AS_OF, **data})


def test_a_big_export_runs_in_the_worker_with_progress_and_a_download(tree, district_roster, staff_a, big):
    client = client_for(staff_a)
    options = client.get(reverse("members:roster_export_options", args=[tree.district_a.pk])).content.decode()
    assert reverse("members:roster_export_job", args=[tree.district_a.pk]) in options and "在后台生成" in options

    first = start_export(client, tree.district_a)
    second = start_export(client, tree.district_a)  # a double click
    job = Job.objects.get()
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == reverse("jobs:detail", args=[job.pk])
    page = client.get(first["Location"]).content.decode()
    assert "排队中" in page and "取消任务" in page and "progress" in page
    before = status(client, job)
    assert (before["status"], before["percent"], before["download"]) == ("queued", 0, None)

    out = io.StringIO()
    call_command("run_jobs", "--once", stdout=out)
    assert "共执行 1 个任务" in out.getvalue()

    after = status(client, job)
    assert (after["status"], after["percent"], after["rows_done"], after["rows_total"]) == ("done", 100, 8, 8)
    assert after["download"] == reverse("jobs:download", args=[job.pk])
    assert "下载" in client.get(reverse("jobs:list")).content.decode()
    # The page opened while queued already holds the total's place, which the poll fills and shows.
    assert re.search(r'class="job-of" hidden> / <span class="job-total"></span>', page)
    done_page = client.get(first["Location"]).content.decode()
    assert re.search(
        r'<span class="job-done">8</span><span class="job-of"> / <span class="job-total">8</span>', done_page
    )

    response = client.get(after["download"])
    assert response.status_code == 200
    assert "230102-%E9%81%93%E9%87%8C%E5%8C%BA" in response["Content-Disposition"]  # 230102-道里区-名册-….xlsx
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["名册"]
    rows = list(ws.iter_rows(values_only=True))
    header, body = rows[0], [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    assert {"人员编号", "任职编号", "组织代码", "组织名称", "组织层级"} <= set(header) and ws.freeze_panes == "A2"
    assert len(body) == 8 and "赵敏" not in {r["姓名"] for r in body}
    chair = next(r for r in body if r["姓名"] == "张秀梅")
    assert chair["身份证号"] == valid_id_number(datetime.date(1975, 3, 15))  # staff see full data…
    event = AuditEvent.objects.get(action="roster.export_unmasked")  # …and taking it is recorded
    assert event.actor == staff_a and event.changes["as_of"] == AS_OF


def test_a_viewers_export_is_masked_and_not_audited(tree, district_roster, viewer_a, big):
    client = client_for(viewer_a)
    start_export(client, tree.district_a)
    call_command("run_jobs", "--once", stdout=io.StringIO())
    job = Job.objects.get()
    ws = load_workbook(io.BytesIO(b"".join(client.get(reverse("jobs:download", args=[job.pk])).streaming_content)))
    rows = list(ws["名册"].iter_rows(values_only=True))
    ids = {r["身份证号"] for r in (dict(zip(rows[0], row, strict=True)) for row in rows[1:]) if r["姓名"] == "张秀梅"}
    full = valid_id_number(datetime.date(1975, 3, 15))
    assert ids == {full[:6] + "*" * 11 + full[-1]}
    assert not AuditEvent.objects.filter(action="roster.export_unmasked").exists()


def test_only_the_requester_sees_her_job_and_its_file(
    tree, district_roster, staff_a, staff_b, viewer_a, city_admin, big
):
    start_export(client_for(staff_a), tree.district_a)
    call_command("run_jobs", "--once", stdout=io.StringIO())
    job = Job.objects.get()
    for other in (staff_b, viewer_a, city_admin):  # outside, beside and above her
        client = client_for(other)
        for name in ("detail", "download"):
            assert client.get(reverse(f"jobs:{name}", args=[job.pk])).status_code == 404
        assert client.post(reverse("jobs:cancel", args=[job.pk])).status_code == 404
        assert job.title not in client.get(reverse("jobs:list")).content.decode()
    assert start_export(client_for(staff_b), tree.district_a).status_code == 404
    # A requester moved out of the unit loses the job too.
    staff_a.unit = tree.district_b
    staff_a.save()
    assert client_for(staff_a).get(reverse("jobs:download", args=[job.pk])).status_code == 404


def test_a_requester_who_lost_the_unit_before_the_job_ran_gets_nothing(tree, district_roster, staff_a, big):
    start_export(client_for(staff_a), tree.district_a)
    staff_a.unit = tree.district_b
    staff_a.save()
    call_command("run_jobs", "--once", stdout=io.StringIO())
    job = Job.objects.get()
    assert (job.status, job.result_file) == ("failed", "")
    assert "无权" in job.message


def test_cancelling_a_queued_job_and_a_running_one(tree, district_roster, staff_a, big):
    client = client_for(staff_a)
    start_export(client, tree.district_a)
    queued = Job.objects.get()
    client.post(reverse("jobs:cancel", args=[queued.pk]))
    queued.refresh_from_db()
    assert queued.status == "cancelled"
    call_command("run_jobs", "--once", stdout=io.StringIO())  # nothing left to run
    queued.refresh_from_db()
    assert queued.status == "cancelled" and not queued.result_file

    start_export(client, tree.district_a, history="on")
    running = services.claim_next("test-worker")
    client.post(reverse("jobs:cancel", args=[running.pk]))  # the worker sees it at its next report
    running = services.run_job(running)
    assert (running.status, running.result_file) == ("cancelled", "")
    assert not list(services.files_dir().glob(f"job-{running.pk}.*"))
    assert client.get(reverse("jobs:download", args=[running.pk])).status_code == 404


def test_a_worker_told_to_stop_puts_its_job_back_in_the_queue(tree, district_roster, staff_a, big):
    start_export(client_for(staff_a), tree.district_a)
    job = services.run_job(services.claim_next("w1"), should_stop=lambda: True)
    assert (job.status, job.worker, job.rows_done) == ("queued", "", 0)
    assert services.run_job(services.claim_next("w2")).status == "done"


def test_two_workers_never_claim_the_same_job(tree, staff_a):
    job, _ = services.start_job(kind="roster_export", requester=staff_a, unit=tree.district_a, params={}, title="x")
    assert services.claim_next("w1").pk == job.pk
    assert services.claim_next("w2") is None


def test_the_queue_is_bounded_per_user(tree, staff_a, big):
    client = client_for(staff_a)
    for day in ("2016-08-01", "2016-08-02", "2016-08-03"):
        assert start_export(client, tree.district_a, as_of=day).status_code == 302
    refused = start_export(client, tree.district_a, as_of="2016-08-04")
    assert refused["Location"] == reverse("members:roster_export_options", args=[tree.district_a.pk])
    assert Job.objects.count() == 3
    assert "3 个后台任务" in client.get(refused["Location"]).content.decode()


def test_a_stale_job_is_queued_again_then_fails_and_old_files_expire(tree, district_roster, staff_a, big):
    start_export(client_for(staff_a), tree.district_a)
    for attempt in range(1, services.MAX_ATTEMPTS + 1):
        job = services.claim_next(f"dead-worker-{attempt}")
        assert job.attempts == attempt
        assert services.requeue_stale() == 0  # its lease still holds
        Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
        assert services.requeue_stale() == 1
        job.refresh_from_db()
        if attempt < services.MAX_ATTEMPTS:
            assert (job.status, job.worker, job.started_at) == ("queued", "", None)
    assert job.status == "failed" and "中断" in job.message

    start_export(client_for(staff_a), tree.district_a, history="on")
    done = services.run_job(services.claim_next("w"))
    path = services.result_path(done)
    assert path.exists()
    services.sweep_old(now=timezone.now() + timedelta(hours=25))
    done.refresh_from_db()
    assert not path.exists() and done.result_file == "" and "过期" in done.message
    services.sweep_old(now=timezone.now() + timedelta(days=8))
    assert not Job.objects.exists()


def test_a_small_subtree_still_downloads_at_once_and_a_big_one_is_sent_to_the_background(
    tree, district_roster, staff_a, monkeypatch
):
    client = client_for(staff_a)
    url = reverse("members:roster_export", args=[tree.district_a.pk])
    assert client.get(url, {"as_of": AS_OF})["Content-Type"].startswith("application/vnd.openxmlformats")
    monkeypatch.setattr("members.views_excel.BACKGROUND_EXPORT_POSTS", 5)
    response = client.get(url, {"as_of": AS_OF})
    assert response.status_code == 302
    assert response["Location"] == reverse("members:roster_export_options", args=[tree.district_a.pk])
    assert not Job.objects.exists()


def test_the_job_pages_run_in_a_constant_number_of_queries(
    tree, district_roster, staff_a, big, django_assert_max_num_queries
):
    client = client_for(staff_a)
    for day in ("2016-08-01", "2016-08-02", "2016-08-03"):
        start_export(client, tree.district_a, as_of=day)
    job = Job.objects.first()
    with django_assert_max_num_queries(8):
        client.get(reverse("jobs:list"))
    with django_assert_max_num_queries(6):
        client.get(reverse("jobs:detail", args=[job.pk]), {"format": "json"})


def test_progress_reports_raise_cancelled_once_asked(tree, staff_a):
    services.start_job(kind="roster_export", requester=staff_a, unit=tree.district_a, params={}, title="x")
    job = services.claim_next("w")  # progress is reported by the run that holds the claim
    progress = services.Progress(job)
    progress(10, 100)
    Job.objects.filter(pk=job.pk).update(cancel_requested=True)
    progress(20, 100)  # within PROGRESS_SECONDS: not even asked
    with pytest.raises(Cancelled):
        progress(100, 100)  # the last report is always written, and sees the flag


# --- a big import --------------------------------------------------------------------------------


def roster_file(unit, names):
    wb = Workbook()
    ws = wb.active
    ws.title = "名册"
    ws.append([c.header for c in COLUMNS])
    cells = {
        "unit_code": unit.code,
        "gender": "女",
        "birth_date": "1980.05",
        "role": "执委",
        "start_date": "2016-06-02",
    }
    for name in names:
        ws.append([{**cells, "name": name}.get(c.key, "") for c in COLUMNS])
    stream = io.BytesIO()
    wb.save(stream)
    stream.seek(0)
    stream.name = "名册.xlsx"
    return stream


@pytest.fixture
def big_import(monkeypatch, settings, tmp_path):
    settings.ROSTER_IMPORT_DIR = str(tmp_path / "uploads")
    monkeypatch.setattr("members.views_excel.BACKGROUND_IMPORT_ROWS", 2)


def test_a_big_confirmed_import_is_written_by_the_worker(tree, staff_a, big_import):
    client = client_for(staff_a)
    names = [f"导入{i}" for i in range(5)]
    preview = client.post(
        reverse("members:roster_import", args=[tree.street_a.pk]), {"file": roster_file(tree.community_a, names)}
    )
    token = preview.context["token"]
    confirm = reverse("members:roster_import_confirm", args=[tree.street_a.pk])
    first, second = client.post(confirm, {"token": token}), client.post(confirm, {"token": token})
    job = Job.objects.get()
    assert first["Location"] == second["Location"] == reverse("jobs:detail", args=[job.pk])
    assert job.kind == "roster_import" and "5 行" in job.title
    assert not Person.objects.filter(name__in=names).exists()  # nothing written before the worker runs

    call_command("run_jobs", "--once", stdout=io.StringIO())
    data = status(client, job)
    assert (data["status"], data["percent"], data["rows_done"], data["download"]) == ("done", 100, 5, None)
    assert "已导入“名册.xlsx”共 5 行" in data["message"]
    assert Person.objects.filter(name__in=names).count() == 5
    assert RosterImport.objects.get(token=token).rows == 5  # the token is spent with the writes
    assert client.post(confirm, {"token": token}).status_code == 302
    assert Person.objects.filter(name__in=names).count() == 5


def test_a_big_import_that_no_longer_validates_returns_the_marked_file(tree, staff_a, big_import):
    client = client_for(staff_a)
    preview = client.post(
        reverse("members:roster_import", args=[tree.street_a.pk]),
        {"file": roster_file(tree.community_a, ["甲", "乙", "丙"])},
    )
    client.post(reverse("members:roster_import_confirm", args=[tree.street_a.pk]), {"token": preview.context["token"]})
    tree_services.archive_unit(unit=tree.community_a, actor=None, reason="撤销")  # after the preview
    call_command("run_jobs", "--once", stdout=io.StringIO())
    job = Job.objects.get()
    assert job.status == "done" and job.message.startswith("未写入任何数据")
    assert not Person.objects.filter(name__in=["甲", "乙", "丙"]).exists()
    response = client.get(reverse("jobs:download", args=[job.pk]))
    assert "%E9%94%99%E8%AF%AF%E6%A0%87%E6%B3%A8" in response["Content-Disposition"]  # 名册-错误标注.xlsx
    marked = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert marked.max_row == 4 and any(c.comment for row in marked.iter_rows(min_row=2) for c in row)


def test_a_finished_jobs_page_no_longer_offers_to_cancel_or_says_it_carries_on(tree, district_roster, staff_a, big):
    """The note and the cancel button are for a job that still runs; a failed one shows no download either."""
    client = client_for(staff_a)
    start_export(client, tree.district_a)
    job = Job.objects.get()
    url = reverse("jobs:detail", args=[job.pk])
    queued = client.get(url).content.decode()
    assert "可以离开这个页面，任务会在后台继续" in queued and "取消任务" in queued
    Job.objects.filter(pk=job.pk).update(status=Job.Status.FAILED, message="任务失败，请稍后重试。")
    failed = client.get(url).content.decode()
    assert "任务失败，请稍后重试。" in failed
    assert "可以离开这个页面" not in failed and "取消任务" not in failed
    assert 'class="button primary job-download" href="' in failed and " hidden>下载" in failed


# --- a province's 附表 download (reports/background.py) ----------------------------------------


@pytest.fixture
def big_reports(monkeypatch):
    """Every subtree counts as big here, as a province's does, so the 附表 download goes to the worker."""
    monkeypatch.setattr("reports.background.BACKGROUND_REPORT_UNITS", 0)


def test_a_big_subtrees_table_download_asks_then_runs_in_the_worker_and_gives_the_same_file(
    tree, district_roster, staff_a, big_reports, monkeypatch
):
    from reports import tables
    from reports.excel import read_values, render_xlsx

    client = client_for(staff_a)
    url = reverse("reports:xlsx", args=[tree.district_a.pk, 4]) + f"?as_of={AS_OF}"
    page = client.get(url)  # the link never starts work by itself
    assert page.status_code == 200 and "在后台生成 Excel" in page.content.decode() and not Job.objects.exists()
    first, second = client.post(url), client.post(url)  # a double click
    job = Job.objects.get()
    assert first["Location"] == second["Location"] == reverse("jobs:detail", args=[job.pk])
    assert '/ <span class="job-total"></span></span> 步' in client.get(first["Location"]).content.decode()

    call_command("run_jobs", "--once", stdout=io.StringIO())
    after = status(client, job)
    assert (after["status"], after["rows_done"], after["rows_total"]) == ("done", 2, 2)
    assert "已生成附表4（道里区，截止 2016年8月31日）" in after["message"]
    response = client.get(after["download"])
    assert "230102-%E9%99%84%E8%A1%A84-2016-08-31.xlsx" in response["Content-Disposition"]  # 230102-附表4-….xlsx
    snapshot = tables.compute(4, unit=tree.district_a, as_of=datetime.date(2016, 8, 31), user=staff_a)
    expected = render_xlsx(snapshot, seal=tree.district_a.seal_bytes())
    assert read_values(b"".join(response.streaming_content)) == read_values(expected)

    # A small subtree still downloads at once.
    monkeypatch.setattr("reports.background.BACKGROUND_REPORT_UNITS", 10_000)
    assert client.get(url)["Content-Type"].startswith("application/vnd.openxmlformats")


def test_a_table_job_is_refused_outside_the_subtree_and_fails_for_a_requester_who_lost_it(
    tree, district_roster, staff_a, staff_b, big_reports
):
    url = reverse("reports:xlsx", args=[tree.district_a.pk, 4]) + f"?as_of={AS_OF}"
    assert client_for(staff_b).get(url).status_code == 404
    assert client_for(staff_b).post(url).status_code == 404
    assert not Job.objects.exists()
    client_for(staff_a).post(url)
    staff_a.unit = tree.district_b
    staff_a.save()
    call_command("run_jobs", "--once", stdout=io.StringIO())
    job = Job.objects.get()
    assert (job.status, job.result_file) == ("failed", "") and "无权" in job.message


def test_the_download_button_names_its_file_or_what_it_is(tree, staff_a):
    """Issue 26: the job page said "下载 文件"."""
    from jobs import services as job_services
    from jobs.views import download_label

    job, _ = job_services.start_job(kind="roster_export", requester=staff_a, unit=tree.district_a, params={}, title="x")
    assert download_label(job) == "下载结果文件"
    job.result_name = "道里区名册.xlsx"
    assert download_label(job) == "下载 道里区名册.xlsx"


def test_a_run_that_lost_its_lease_writes_nothing(tree, district_roster, staff_a, big):
    """A worker that stalled past its lease wakes up after another took the job over: its result is dropped."""
    start_export(client_for(staff_a), tree.district_a)
    stalled = services.claim_next("stalled-worker")
    Job.objects.filter(pk=stalled.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    assert services.requeue_stale() == 1
    taken_over = services.claim_next("other-worker")
    files = set(services.files_dir().iterdir())
    assert services.run_job(stalled).status == "running"  # nothing written by the stalled run
    assert set(services.files_dir().iterdir()) == files
    done = services.run_job(taken_over)
    assert (done.status, done.worker, done.attempts) == ("done", "other-worker", 2)
