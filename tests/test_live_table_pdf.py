"""Issue 26: a PDF button beside every table's Excel button, live tables included. A live table's PDF is made by
the worker (job kind report_pdf), after the access check, counted against the requester's cap of active jobs."""

import io

from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from jobs.models import Job

AS_OF = "2016-08-31"


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_table_page_and_the_index_offer_a_pdf_beside_the_excel(tree, staff_a):
    client = client_for(staff_a)
    pdf_url = reverse("reports:pdf", args=[tree.district_a.pk, 4])
    table = client.get(reverse("reports:table", args=[tree.district_a.pk, 4]), {"as_of": AS_OF}).content.decode()
    assert "下载 Excel" in table and f'href="{pdf_url}?as_of={AS_OF}">下载 PDF</a>' in table
    index = client.get(reverse("reports:index", args=[tree.district_a.pk]), {"as_of": AS_OF}).content.decode()
    assert f"{pdf_url}?as_of={AS_OF}" in index


def test_a_live_tables_pdf_asks_then_runs_in_the_worker_and_downloads(tree, staff_a, member):
    member(tree.community_a, "chair", name="张秀梅")
    client = client_for(staff_a)
    url = reverse("reports:pdf", args=[tree.district_a.pk, 4]) + f"?as_of={AS_OF}"
    page = client.get(url)  # a GET never starts work
    assert page.status_code == 200 and "在后台生成 PDF" in page.content.decode() and not Job.objects.exists()
    first, second = client.post(url), client.post(url)  # a double click finds the same job
    job = Job.objects.get()
    assert job.kind == "report_pdf" and first["Location"] == second["Location"] == reverse("jobs:detail", args=[job.pk])
    call_command("run_jobs", "--once", stdout=io.StringIO())
    job.refresh_from_db()
    assert job.status == "done" and "已生成附表4的 PDF" in job.message
    response = client.get(reverse("jobs:download", args=[job.pk]))
    assert response.status_code == 200 and ".pdf" in response["Content-Disposition"]
    reader = PdfReader(io.BytesIO(b"".join(response.streaming_content)))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "扩大基层妇联组织成员情况统计表" in text and "填报单位（盖章）：道里区妇联" in text
    assert len(reader.pages) == 2  # 附表4 and 附表4（续）, one page each


def test_a_live_tables_pdf_is_404_outside_the_subtree_and_starts_nothing(tree, staff_b):
    url = reverse("reports:pdf", args=[tree.district_a.pk, 4]) + f"?as_of={AS_OF}"
    assert client_for(staff_b).get(url).status_code == 404
    assert client_for(staff_b).post(url).status_code == 404
    assert not Job.objects.exists()


def test_a_requester_who_lost_the_unit_gets_no_pdf(tree, staff_a):
    client_for(staff_a).post(reverse("reports:pdf", args=[tree.district_a.pk, 4]) + f"?as_of={AS_OF}")
    staff_a.unit = tree.district_b
    staff_a.save()
    call_command("run_jobs", "--once", stdout=io.StringIO())
    job = Job.objects.get()
    assert (job.status, job.result_file) == ("failed", "") and "无权" in job.message
