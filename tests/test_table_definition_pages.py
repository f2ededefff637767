"""Statistics tables defined as data, through the pages (issue 23): an administrator of the city defines a table
in the browser with a preview, saves it, asks for it in a campaign; a district submits it, the city sends it
back with a pinned cell, approves it, exports it as .xlsx and PDF, and the public verifies it by its 验证码."""

import io

from django.test import Client
from django.urls import reverse

from reports.excel import read_values
from reports.models import TableDefinition
from reports.tables import cell_values
from returns.models import Campaign, Return

FOOTER = {"unit_leader": "王丽", "filled_by": "李娜", "phone": "0451-84661234"}
DEFINITION = """\
key: chairs2017
title: 基层妇联主席和执委统计表
label: 统计表
count_date: cut_off
rows:
  children: {where: {new_field: false}}
columns:
  - {label: 单位, key: unit, text: row, width: 14}
  - label: 乡镇（街道）妇联
    columns:
      - {label: 个数, key: b1_units, count: units, where: {block: 1}}
      - {label: 主席, key: b1_chairs, count: people, where: {block: 1, rank: 1}}
      - {label: 执委, key: b1_members, count: people, where: {block: 1, rank: [3, 4]}}
"""


def define_url(unit):
    return reverse("reports:define", args=[unit.pk])


def test_a_table_defined_in_the_browser_goes_through_a_whole_campaign(
    staffed_district_a, city_admin, staff_a, city_reviewer, login
):
    tree = staffed_district_a
    admin = login(city_admin)
    assert admin.get(define_url(tree.city)).status_code == 200
    preview = admin.post(f"{define_url(tree.city)}?as_of=2016-08-31", {"source": DEFINITION, "action": "preview"})
    assert preview.status_code == 200
    assert "基层妇联主席和执委统计表" in preview.content.decode() and "道里区" in preview.content.decode()
    assert not TableDefinition.objects.exists()  # a preview saves nothing
    for _twice in range(2):
        saved = admin.post(define_url(tree.city), {"source": DEFINITION, "action": "save"})
        assert saved.status_code == 302
    stored = TableDefinition.objects.get()  # saving the same text again made no second version
    assert (stored.key, stored.version, stored.owner, stored.created_by) == ("chairs2017", 1, tree.city, city_admin)

    response = admin.post(
        reverse("returns:campaign_create"),
        {
            "doc_number": "哈妇发〔2017〕9号",
            "title": "2017年基层妇联主席统计",
            "baseline_date": "2016-06-02",
            "cut_off_date": "2016-08-31",
            "due_t_chairs2017": "2016-09-20",
        },
    )
    assert response.status_code == 302
    campaign = Campaign.objects.get(doc_number="哈妇发〔2017〕9号")
    form = campaign.forms.get()
    assert (form.form_no, form.definition, form.reference_date.isoformat()) == ("chairs2017", stored, "2016-08-31")

    district = Client()
    district.force_login(staff_a)
    submit_url = reverse("returns:return_submit", args=[form.pk, tree.district_a.pk])
    page = district.get(submit_url)
    assert page.status_code == 200 and "基层妇联主席和执委统计表" in page.content.decode()
    response = district.post(submit_url, FOOTER)
    assert response.status_code == 302
    ret = Return.objects.get()
    assert ret.status == Return.Status.SUBMITTED
    data = ret.snapshot.data
    assert data["form"] == "chairs2017" and data["definition"] == {"id": stored.pk, "key": "chairs2017", "version": 1}
    street_row = next(r for r in data["rows"] if r["label"] == "兆麟街道")
    assert street_row["cells"][1] == 1  # 兆麟街道 is one street

    reviewer = Client()
    reviewer.force_login(city_reviewer)
    pin = f"main/{street_row['key']}/3"
    response = reviewer.post(
        reverse("returns:return_send_back", args=[ret.pk]),
        {"reason": "兆麟街道执委人数请核对。", "pin": [pin], "expected_version": ret.version},
    )
    assert response.status_code == 302
    ret.refresh_from_db()
    assert ret.status == Return.Status.RETURNED and ret.pinned_cells == [pin]
    assert "“兆麟街道”行第3栏" in district.get(ret.get_absolute_url()).content.decode()

    # The city changes the definition: the returned table is resubmitted with the new version, and the
    # first submission keeps the version it was filed with.
    changed = DEFINITION.replace("title: 基层妇联主席和执委统计表", "title: 基层妇联主席、执委统计表")
    assert admin.post(define_url(tree.city), {"source": changed, "action": "save"}).status_code == 302
    assert district.post(submit_url, FOOTER).status_code == 302
    ret.refresh_from_db()
    assert ret.snapshot.number == 2 and ret.snapshot.data["definition"]["version"] == 2
    assert ret.snapshots.get(number=1).data["definition"]["version"] == 1

    response = reviewer.post(reverse("returns:return_approve", args=[ret.pk]), {"expected_version": ret.version})
    assert response.status_code == 302
    ret.refresh_from_db()
    assert ret.status == Return.Status.APPROVED

    exported = reviewer.get(reverse("returns:return_export", args=[ret.pk]))
    assert exported.status_code == 200
    content = b"".join(exported.streaming_content) if exported.streaming else exported.content
    assert read_values(content) == cell_values(ret.snapshot.data)
    printed = reviewer.get(reverse("returns:return_export_pdf", args=[ret.pk]))
    assert printed.status_code == 200 and printed["Content-Type"] == "application/pdf"
    from pypdf import PdfReader

    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(printed.content)).pages)
    assert "基层妇联主席、执委统计表" in text and ret.snapshot.code in text

    public = Client()
    page = public.get(reverse("returns:verify", args=[ret.snapshot.code]))
    assert page.status_code == 200 and "基层妇联主席、执委统计表" in page.content.decode()
    checked = public.post(reverse("returns:verify", args=[ret.snapshot.code]), {"file": _upload(content)})
    assert "全部与报送时一致" in checked.content.decode()


def _upload(content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("return.xlsx", content)


def test_a_wrong_definition_is_shown_again_with_the_line_and_nothing_is_saved(tree, city_admin, login):
    wrong = DEFINITION.replace("where: {block: 1, rank: 1}", "where: {block: 1, rank: 7}")
    response = login(city_admin).post(define_url(tree.city), {"source": wrong, "action": "save"})
    assert response.status_code == 400
    assert "第12行：“rank”（最高职务等级）没有“7”这个取值" in response.content.decode()
    assert not TableDefinition.objects.exists()


def test_only_an_administrator_of_a_city_or_province_may_define_tables(
    tree, city_admin, city_reviewer, admin_a, staff_a, login
):
    assert login(city_admin).get(define_url(tree.city)).status_code == 200
    assert login(city_reviewer).get(define_url(tree.city)).status_code == 403
    assert login(admin_a).get(define_url(tree.district_a)).status_code == 403  # a district runs no campaigns
    assert login(admin_a).get(define_url(tree.city)).status_code == 404  # above her unit
    response = login(staff_a).post(define_url(tree.city), {"source": DEFINITION, "action": "save"})
    assert response.status_code == 404
    assert not TableDefinition.objects.exists()
    assert Client().get(define_url(tree.city)).status_code == 302  # to the login page


def test_a_defined_table_its_excel_and_its_drill_down_follow_the_access_rule(
    staffed_district_a, city_admin, staff_a, staff_b, login
):
    from reports.models import save_definition

    tree = staffed_district_a
    save_definition(DEFINITION, owner=tree.city, actor=city_admin)
    client = login(staff_a)
    table = reverse("reports:defined_table", args=[tree.district_a.pk, "chairs2017"])
    page = client.get(f"{table}?as_of=2016-08-31")
    assert page.status_code == 200 and "兆麟街道" in page.content.decode()
    assert "cell/?row=" in page.content.decode()  # counted people link to their list
    xlsx = client.get(reverse("reports:defined_xlsx", args=[tree.district_a.pk, "chairs2017"]))
    assert xlsx.status_code == 200
    cell = reverse("reports:defined_cell", args=[tree.district_a.pk, "chairs2017"])
    listed = client.get(cell, {"row": "total", "col": "b1_members", "as_of": "2016-08-31"})
    assert listed.status_code == 200
    assert client.get(cell, {"row": "total", "col": "nope"}).status_code == 404
    assert client.get(reverse("reports:defined_table", args=[tree.district_a.pk, "nope"])).status_code == 404
    other = login(staff_b)
    assert other.get(table).status_code == 404  # 道里区 is outside 南岗区's subtree
    assert other.get(cell, {"row": "total", "col": "b1_members"}).status_code == 404


def test_the_api_lists_and_filters_returns_of_a_defined_table_by_its_key(
    staffed_district_a, city_admin, staff_a, city_reviewer, login
):
    """The returns API (issue 23): a defined table's return carries its key as `form`, `?form=<key>` finds it,
    the campaign names the table by its title, and a key no campaign asks for is refused (400)."""
    tree = staffed_district_a
    admin = login(city_admin)
    admin.post(define_url(tree.city), {"source": DEFINITION, "action": "save"})
    admin.post(
        reverse("returns:campaign_create"),
        {
            "doc_number": "哈妇发〔2017〕9号",
            "title": "2017年基层妇联主席统计",
            "baseline_date": "2016-06-02",
            "cut_off_date": "2016-08-31",
            "due_t_chairs2017": "2016-09-20",
        },
    )
    campaign = Campaign.objects.get(doc_number="哈妇发〔2017〕9号")
    form = campaign.forms.get()
    district = login(staff_a)
    assert (
        district.post(reverse("returns:return_submit", args=[form.pk, tree.district_a.pk]), FOOTER).status_code == 302
    )
    reviewer = login(city_reviewer)
    listed = reviewer.get("/api/v1/returns/", {"form": "chairs2017"}).json()
    assert [r["form"] for r in listed["results"]] == ["chairs2017"]
    assert reviewer.get("/api/v1/returns/", {"form": "4"}).json()["results"] == []
    refused = reviewer.get("/api/v1/returns/", {"form": "no_such_table"})
    assert refused.status_code == 400 and "不是可选值" in refused.content.decode()
    campaigns = reviewer.get("/api/v1/campaigns/").json()["results"]
    forms = next(c["forms"] for c in campaigns if c["id"] == campaign.pk)
    assert forms == [
        {"id": form.pk, "form_no": "chairs2017", "label": "基层妇联主席和执委统计表", "due_date": "2016-09-20",
         "as_of": "2016-08-31"}
    ]  # fmt: skip
