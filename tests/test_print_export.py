"""Print views and .xlsx downloads of the roster and the compliance list (issue 14)."""

import datetime
import io

from django.urls import reverse
from openpyxl import load_workbook

ON = "2016-08-31"


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def test_the_compliance_list_downloads_as_xlsx_with_unit_paths(tree, viewer_a, login):
    response = login(viewer_a).get(reverse("members:compliance_xlsx", args=[tree.district_a.pk]), {"on": ON})
    assert "attachment" in response["Content-Disposition"]
    wb = workbook(response)
    ws = wb["问题清单"]
    assert [c.value for c in ws[1]] == ["序号", "程度", "组织", "组织代码", "类型", "问题"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert rows, "an unstaffed district has findings"
    by_code = {row[3]: row for row in rows}
    assert by_code[tree.community_a.code][2] == "道里区 / 兆麟街道 / 兆麟社区"
    assert by_code[tree.community_a.code][1] in {"错误", "警告", "提示"}
    assert ws.freeze_panes == "A2"
    summary = wb["达标情况"]
    assert summary["A1"].value == "类别"
    assert all(isinstance(row[1].value, int) for row in summary.iter_rows(min_row=2, max_row=4))
    assert summary["A6"].value == "按2016年8月31日在任成员检查；达标按《2016年扩员配额（哈妇发〔2016〕8号）》判定。"


def test_the_compliance_download_follows_the_severity_filter(tree, viewer_a, login):
    url = reverse("members:compliance_xlsx", args=[tree.district_a.pk])
    everything = workbook(login(viewer_a).get(url, {"on": ON}))["问题清单"].max_row
    only = workbook(login(viewer_a).get(url, {"on": ON, "severity": "notice"}))["问题清单"]
    assert only.max_row < everything
    assert all(row[1].value == "提示" for row in only.iter_rows(min_row=2))


def test_the_compliance_download_is_404_outside_the_subtree(tree, staff_b, login):
    assert login(staff_b).get(reverse("members:compliance_xlsx", args=[tree.district_a.pk])).status_code == 404


def test_the_compliance_download_needs_a_login(tree, client):
    response = client.get(reverse("members:compliance_xlsx", args=[tree.district_a.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_compliance_page_offers_print_and_download(tree, viewer_a, login):
    html = login(viewer_a).get(reverse("members:compliance", args=[tree.district_a.pk]), {"on": ON}).content.decode()
    assert "data-print" in html and reverse("members:compliance_xlsx", args=[tree.district_a.pk]) in html
    assert "print-landscape.css" in html and 'class="print-only"' in html


def test_the_roster_page_offers_print_and_its_download(tree, viewer_a, login, member):
    member(tree.community_a, name="张秀梅", start_date=datetime.date(2016, 6, 1))
    html = login(viewer_a).get(reverse("members:roster", args=[tree.community_a.pk]), {"on": ON}).content.decode()
    assert "打印名册" in html and "data-print" in html
    export = reverse("members:roster_export", args=[tree.community_a.pk]) + f"?as_of={ON}"
    assert export in html
    response = login(viewer_a).get(export)
    ws = workbook(response).worksheets[0]
    assert any(c.value == "张秀梅" for row in ws.iter_rows() for c in row)
