"""The six journeys of issue 12, in a real browser (Playwright driving Debian's /usr/bin/chromium).

1. A district clerk adds three people, imports a roster with two faulty rows, fixes them and sees
   her unit become 达标.
2. She opens 附表4, drills into a cell and downloads the file.
3. She submits 附表4 with a warning explained.
4. The city reviewer sends the return back with a pinned cell.
5. The clerk resubmits.
6. The reviewer approves it, downloads the stamped file and verifies its code on /verify/.

Each journey starts from the state the one before leaves, made with the services, so each can fail
on its own. Screenshots of each step go to out/screenshots/ (ignored); `make screenshots` writes them to docs/screenshots/journeys/, which the README shows.
"""

import datetime
import io

import pytest
from conftest import staff_district_a
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from members.models import Person
from members.roster_xlsx.columns import COLUMNS
from returns import services
from returns.models import Return

from .conftest import screenshot

pytestmark = [pytest.mark.django_db(transaction=True)]

FOOTER = {"unit_leader": "王丽", "filled_by": "李娜", "phone": "0451-84661234"}
EXPLANATION = "兆麟社区、经纬社区、新农村主任将在九月换届时进入街道（乡镇）执委会。"
PINNED = "兆麟街道 7"


def valid_id(birth, serial):
    from members.validators import id_check_char

    first17 = f"230102{birth}{serial:03d}"
    return first17 + id_check_char(first17)


@pytest.fixture
def upload_dir(settings, tmp_path):
    settings.ROSTER_IMPORT_DIR = str(tmp_path / "uploads")
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


@pytest.fixture
def district_a(tree, member, campaign_2016):
    """道里区 staffed to quota, except 兆麟社区: 1 主席, 2 副主席 and 6 执委, six short of its 15."""
    return staff_district_a(tree, member, community_a_executives=6)


@pytest.fixture
def staffed(staffed_district_a, campaign_2016):
    return staffed_district_a


def form4(campaign):
    return campaign.forms.get(form_no="4")


def roster_row(unit, name, id_number, start="2016-07-15"):
    birth = f"{id_number[6:10]}.{id_number[10:12]}"
    values = {
        "unit_code": unit.code, "name": name, "gender": "女", "ethnicity": "汉族", "birth_date": birth,
        "id_number": id_number, "political_status": "群众", "education": "大学本科毕业",
        "workplace_title": "兆麟社区居委会", "mobile": "13945100000", "source": "女性楼栋长",
        "is_women_worker": "否", "is_frontline": "是", "role": "执委", "mode": "兼职", "method": "单位推荐",
        "start_date": start,
    }  # fmt: skip
    return [values.get(column.key, "") for column in COLUMNS]


def roster_file(rows):
    wb = Workbook()
    ws = wb.active
    ws.title = "名册"
    ws.append([column.header for column in COLUMNS])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(page, data, name):
    page.set_input_files(
        "input[type=file]",
        files=[{"name": name, "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "buffer": data}],
    )  # fmt: skip
    with page.expect_navigation():
        page.click("button.primary")


def download(page, click):
    with page.expect_download() as info:
        page.click(click)
    path = info.value.path()
    return info.value.suggested_filename, open(path, "rb").read()  # noqa: PTH123, SIM115


def badge_of(page):
    return page.locator(".badge.ok, .badge.fail").first.inner_text()


# --- 1 ----------------------------------------------------------------------------------------


def test_1_clerk_adds_three_people_imports_a_roster_fixes_two_rows_and_her_unit_becomes_compliant(
    district_a, staff_a, page_as, live_server, upload_dir
):
    community = district_a.community_a
    page = page_as(staff_a)
    page.goto(live_server.url + reverse("members:roster", args=[community.pk]))
    assert badge_of(page).startswith("未达标")

    # Three people through the add form: "保存并继续添加" twice, then "保存并返回名册".
    page.goto(live_server.url + reverse("members:person_add", args=[community.pk]))
    for n, (name, button) in enumerate([("周晓梅", "add"), ("吴丽娟", "add"), ("郑春燕", "roster")], start=1):
        page.fill("#id_p-name", name)
        page.select_option("#id_p-gender", "F")
        page.fill("#id_p-birth_date", f"1982.0{n}")
        page.fill("#id_p-id_number", valid_id(f"19820{n}15", 20 + 2 * n))
        page.fill("#id_p-mobile", f"1394510000{n}")
        page.select_option("#id_p-education", "21")  # 文化程度 and 来源类别 start at 请选择 and must be chosen
        page.select_option("#id_p-source", index=1)
        page.select_option("#id_j-role", "executive")
        page.fill("#id_j-start_date", "2016-07-10")
        if n == 1:
            screenshot(page, "journey1-1-add-person")
        with page.expect_navigation():
            page.click(f"button[name=next][value={button}]")
    body = page.locator("main").inner_text()
    assert all(name in body for name in ("周晓梅", "吴丽娟", "郑春燕")), body[:1500]
    assert badge_of(page).startswith("未达标")  # 12 of 15

    # A roster file of four people, two of them faulty: a wrong check digit and a month 13.
    good_id = valid_id("19850315", 42)
    bad_id = good_id[:-1] + ("0" if good_id[-1] != "0" else "1")
    rows = [
        roster_row(community, "冯秀兰", valid_id("19790211", 44)),
        roster_row(community, "陈桂芝", bad_id),
        roster_row(community, "褚玉梅", valid_id("19880609", 46), start="2016-13-01"),
        roster_row(community, "卫淑珍", valid_id("19900101", 48)),
    ]
    page.goto(live_server.url + reverse("members:roster_import", args=[community.pk]))
    upload(page, roster_file(rows), "兆麟社区名册.xlsx")
    text = page.locator("main").inner_text()
    assert "名册有 2 处错误" in text and "身份证号" in text and "任职时间" in text, text[:2000]
    assert not Person.objects.filter(name__in=["冯秀兰", "卫淑珍"]).exists()  # nothing partial
    screenshot(page, "journey1-2-import-errors")

    # She downloads the file with the faults marked, fixes the two cells and uploads it again.
    _name, marked = download(page, "text=下载标注了错误的文件")
    wb = load_workbook(io.BytesIO(marked))
    ws = wb.worksheets[0]
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == bad_id:
                cell.value = good_id
            elif cell.value == "2016-13-01":
                cell.value = "2016-12-01"
    fixed = io.BytesIO()
    wb.save(fixed)
    upload(page, fixed.getvalue(), "兆麟社区名册（已改正）.xlsx")
    assert "确认导入" in page.locator("main").inner_text()
    screenshot(page, "journey1-3-import-preview")
    with page.expect_navigation():
        page.click("button.primary")
    assert Person.objects.filter(name__in=["冯秀兰", "陈桂芝", "褚玉梅", "卫淑珍"]).count() == 4

    page.goto(live_server.url + reverse("members:roster", args=[community.pk]))
    assert badge_of(page) == "达标"
    screenshot(page, "journey1-4-compliant")
    page.goto(live_server.url + reverse("members:compliance", args=[district_a.district_a.pk]))
    screenshot(page, "journey1-5-compliance")


# --- 2 ----------------------------------------------------------------------------------------


def test_2_clerk_opens_form_4_drills_into_a_cell_and_downloads_the_file(staffed, staff_a, page_as, live_server):
    page = page_as(staff_a)
    page.goto(live_server.url + reverse("orgtree:unit", args=[staffed.district_a.pk]))
    screenshot(page, "unit-page")  # the README's screenshot
    page.goto(live_server.url + reverse("reports:table", args=[staffed.district_a.pk, 4]))
    assert "附表4" in page.title()
    screenshot(page, "journey2-1-form4")
    cell_links = page.locator("a[href*='/reports/4/cell/']")
    assert cell_links.count() > 0
    with page.expect_navigation():
        cell_links.first.click()
    assert "/reports/4/cell/" in page.url
    assert page.locator("main table tbody tr").count() > 0  # the people counted in that cell
    screenshot(page, "journey2-2-cell")

    page.goto(live_server.url + reverse("reports:table", args=[staffed.district_a.pk, 4]))
    name, data = download(page, "text=下载 Excel")
    assert name.endswith(".xlsx")
    text = "\n".join(
        str(v) for ws in load_workbook(io.BytesIO(data)).worksheets for row in ws.iter_rows(values_only=True)
        for v in row if v
    )  # fmt: skip
    assert "附表4" in text and "道里区" in text


# --- 3 ----------------------------------------------------------------------------------------


def test_3_clerk_submits_with_a_warning_explained(staffed, campaign_2016, staff_a, page_as, live_server):
    page = page_as(staff_a)
    page.goto(live_server.url + reverse("returns:return_submit", args=[form4(campaign_2016).pk, staffed.district_a.pk]))
    assert "不是兆麟街道的执委" in page.locator("main").inner_text()  # the cross-level warning
    for field, value in FOOTER.items():
        page.fill(f"#id_{field}", value)
    page.fill("#id_explanation", EXPLANATION)
    screenshot(page, "journey3-1-submit")
    with page.expect_navigation():
        page.click("button.primary")
    ret = Return.objects.get(unit=staffed.district_a, form=form4(campaign_2016))
    assert ret.status == Return.Status.SUBMITTED and ret.explanation == EXPLANATION
    assert "待审核" in page.locator("main").inner_text()
    screenshot(page, "journey3-2-submitted")


# --- 4 ----------------------------------------------------------------------------------------


def submitted(tree, campaign, clerk, **extra):
    return services.submit_return(
        form=form4(campaign), unit=tree.district_a, actor=clerk, **FOOTER, explanation=EXPLANATION, **extra
    )


def test_4_reviewer_sends_the_return_back_with_a_pinned_cell(
    staffed, campaign_2016, staff_a, city_reviewer, page_as, live_server
):
    ret = submitted(staffed, campaign_2016, staff_a)
    page = page_as(city_reviewer)
    page.goto(live_server.url + ret.get_absolute_url())
    page.fill("#id_reason", "兆麟街道执委人数与花名册不符，请核对。")
    page.fill("#id_cells", PINNED)
    screenshot(page, "journey4-1-send-back")
    with page.expect_navigation():
        page.click("button.danger >> text=退回修改")
    ret.refresh_from_db()
    assert ret.status == Return.Status.RETURNED and len(ret.pinned_cells) == 1
    body = page.locator("main").inner_text()
    assert "已退回" in body and "“兆麟街道”行第7栏" in body
    screenshot(page, "journey4-2-sent-back")


# --- 5 ----------------------------------------------------------------------------------------


def sent_back(tree, campaign, clerk, reviewer):
    ret = submitted(tree, campaign, clerk)
    cells = services.parse_cells(PINNED, ret.snapshot.data)
    return services.send_back(ret=ret, actor=reviewer, reason="兆麟街道执委人数与花名册不符，请核对。", cells=cells)


def test_5_clerk_sees_the_pinned_cell_and_resubmits(
    staffed, campaign_2016, staff_a, city_reviewer, member, page_as, live_server
):
    ret = sent_back(staffed, campaign_2016, staff_a, city_reviewer)
    member(staffed.street_a, role="executive", start_date=datetime.date(2016, 8, 1))  # the missing 执委, added
    page = page_as(staff_a)
    page.goto(live_server.url + ret.get_absolute_url())
    body = page.locator("main").inner_text()
    assert "兆麟街道执委人数与花名册不符" in body and "“兆麟街道”行第7栏" in body
    assert page.locator(".pinned").count() >= 1  # the pinned cell is marked in the table
    screenshot(page, "journey5-1-returned")
    with page.expect_navigation():
        page.click("text=修改后重新上报")
    for field, value in FOOTER.items():
        page.fill(f"#id_{field}", value)
    page.fill("#id_explanation", "已补录一名执委；" + EXPLANATION)
    with page.expect_navigation():
        page.click("button.primary")
    ret.refresh_from_db()
    assert ret.status == Return.Status.SUBMITTED and ret.snapshot.number == 2
    screenshot(page, "journey5-2-resubmitted")


# --- 6 ----------------------------------------------------------------------------------------


def test_6_reviewer_approves_downloads_the_stamped_file_and_verifies_its_code(
    staffed, campaign_2016, staff_a, city_reviewer, member, browser, page_as, live_server, upload_dir
):
    ret = sent_back(staffed, campaign_2016, staff_a, city_reviewer)
    member(staffed.street_a, role="executive", start_date=datetime.date(2016, 8, 1))
    ret = submitted(staffed, campaign_2016, staff_a, expected_version=ret.version)
    page = page_as(city_reviewer)
    page.goto(live_server.url + ret.get_absolute_url())
    assert "与上次上报的差异" in page.locator("main").inner_text()
    screenshot(page, "journey6-1-review")
    with page.expect_navigation():
        page.click("button.primary >> text=审核通过")
    ret.refresh_from_db()
    assert ret.status == Return.Status.APPROVED
    code = ret.snapshot.code
    name, stamped = download(page, "text=下载盖章报表（Excel）")
    assert name.endswith(".xlsx")
    assert code in "\n".join(
        str(v) for ws in load_workbook(io.BytesIO(stamped)).worksheets for row in ws.iter_rows(values_only=True)
        for v in row if v
    )  # fmt: skip
    screenshot(page, "journey6-2-approved")

    # Anyone holding the file checks it on /verify/: the code, then the file itself.
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    try:
        public = context.new_page()
        public.goto(live_server.url + reverse("returns:verify_form"))
        public.fill("input[name=code]", code)
        with public.expect_navigation():
            public.click("button.primary >> text=查询")
        text = public.locator("main").inner_text()
        assert "道里区" in text and "已通过" in text
        assert "李娜" not in text and "0451-84661234" not in text  # no personal data on the public page
        public.set_input_files(
            "input[type=file]",
            files=[{"name": name, "mimeType": "application/octet-stream", "buffer": stamped}],
        )
        with public.expect_navigation():
            public.click("button.primary >> text=上传并核对")
        assert "全部与报送时一致" in public.locator("main").inner_text()
        screenshot(public, "journey6-3-verified")
    finally:
        context.close()
