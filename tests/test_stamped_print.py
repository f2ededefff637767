"""Issue 9: the seal is an asset, and a stamped return prints as an official form.

The seal: served only through the access rule (404 for anonymous and outside the subtree, no /media/ route),
replaced only by the unit's administrators (audited, the reviewing unit told), frozen into each snapshot.
"""

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import Resolver404, resolve, reverse
from openpyxl import load_workbook
from PIL import Image

from orgtree import services as tree_services
from orgtree.models import AuditEvent
from returns import services
from returns.exports import stamped_xlsx
from returns.models import CampaignForm, Notification, SealImage

FOOTER = {"unit_leader": "王丽", "filled_by": "李梅", "phone": "0451-84661234"}


def png(color=(200, 0, 0, 180), size=(200, 200)):
    stream = io.BytesIO()
    Image.new("RGBA", size, color).save(stream, "PNG")
    return stream.getvalue()


def upload(content):
    return SimpleUploadedFile("seal.png", content, content_type="image/png")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def sealed(tree, admin_a, media):
    """道里区 with a red seal set by its own administrator."""
    tree_services.set_seal(unit=tree.district_a, image=upload(png()), actor=admin_a)
    return tree


def seal_url(unit):
    return reverse("orgtree:seal_image", args=[unit.pk])


def submit(campaign, form_no, unit, actor, **extra):
    form = CampaignForm.objects.get(campaign=campaign, form_no=form_no)
    return services.submit_return(form=form, unit=unit, actor=actor, **{**FOOTER, **extra})


def sheet_image_bytes(xlsx):
    ws = load_workbook(io.BytesIO(xlsx)).worksheets[0]
    [image] = ws._images
    return image._data()


# --- the seal is served only through the access rule ------------------------------------------


def test_the_seal_is_served_to_those_who_see_the_unit(sealed, staff_a, viewer_a, city_reviewer, login):
    for user in (staff_a, viewer_a, city_reviewer):
        response = login(user).get(seal_url(sealed.district_a))
        assert response.status_code == 200 and response["Content-Type"] == "image/png"
        assert response.content == png()
        assert "no-store" in response["Cache-Control"]


def test_anonymous_and_outsiders_get_404_for_a_seal(sealed, client, staff_b, street_staff, login):
    assert client.get(seal_url(sealed.district_a)).status_code == 404  # no redirect to the login page either
    assert login(staff_b).get(seal_url(sealed.district_a)).status_code == 404
    # 兆麟街道 is below 道里区: 道里区's seal is outside her subtree.
    assert login(street_staff).get(seal_url(sealed.district_a)).status_code == 404


def test_a_unit_without_a_seal_answers_404(sealed, staff_a, login):
    assert login(staff_a).get(seal_url(sealed.street_a)).status_code == 404


def test_there_is_no_public_media_url(sealed):
    name = sealed.district_a.__class__.objects.get(pk=sealed.district_a.pk).seal.name
    with pytest.raises(Resolver404):
        resolve(f"/media/{name}")


# --- replacing a seal -------------------------------------------------------------------------


def test_staff_and_outsiders_cannot_replace_a_seal(sealed, staff_a, viewer_a, staff_b, login):
    for user in (staff_a, viewer_a):
        with pytest.raises(PermissionDenied):
            tree_services.set_seal(unit=sealed.district_a, image=upload(png((0, 0, 200, 180))), actor=user)
        assert login(user).post(reverse("orgtree:seal", args=[sealed.district_a.pk]), {}).status_code == 403
    with pytest.raises(PermissionDenied):
        tree_services.set_seal(unit=sealed.district_a, image=upload(png((0, 0, 200, 180))), actor=staff_b)
    response = login(staff_b).post(reverse("orgtree:seal", args=[sealed.district_a.pk]), {})
    assert response.status_code == 404
    assert sealed.district_a.__class__.objects.get(pk=sealed.district_a.pk).seal_bytes() == png()


def test_replacing_a_seal_is_audited_and_the_reviewing_unit_is_told(
    tree, admin_a, city_reviewer, city_admin, staff_b, media, login
):
    tree_services.set_seal(unit=tree.district_a, image=upload(png()), actor=admin_a)
    response = login(admin_a).post(
        reverse("orgtree:seal", args=[tree.district_a.pk]), {"image": upload(png((0, 0, 200, 180)))}
    )
    assert response.status_code == 302
    events = list(AuditEvent.objects.filter(action="unit.seal", unit=tree.district_a).order_by("id"))
    assert len(events) == 2 and events[1].actor == admin_a
    old, new = events[1].changes["seal"]
    assert old and new and old != new  # the images' SHA-256, old -> new
    told = Notification.objects.filter(text__contains="道里区妇联更换了公章图片")
    assert {n.user for n in told} == {city_reviewer, city_admin}
    assert not Notification.objects.filter(user=staff_b).exists()


# --- frozen with the snapshot -----------------------------------------------------------------


def test_a_submitted_return_keeps_the_seal_it_was_stamped_with(sealed, campaign_2016, staff_a, admin_a):
    ret = submit(campaign_2016, "2", sealed.district_a, staff_a)
    assert ret.snapshot.seal is not None and ret.snapshot.seal_bytes == png()
    before = sheet_image_bytes(stamped_xlsx(ret.snapshot))
    tree_services.set_seal(unit=sealed.district_a, image=upload(png((0, 0, 200, 180))), actor=admin_a)
    ret.snapshot.refresh_from_db()
    after = sheet_image_bytes(stamped_xlsx(ret.snapshot))
    assert after == before
    assert SealImage.objects.count() == 1  # stored once per distinct image, not per return


def test_a_return_submitted_without_a_seal_stays_without_one(tree, campaign_2016, staff_a, admin_a, media):
    ret = submit(campaign_2016, "2", tree.district_a, staff_a)
    assert ret.snapshot.seal is None
    tree_services.set_seal(unit=tree.district_a, image=upload(png()), actor=admin_a)
    ret.snapshot.refresh_from_db()
    assert not load_workbook(io.BytesIO(stamped_xlsx(ret.snapshot))).worksheets[0]._images


# --- the printed form: widths, heights, sheet names, page numbers, the footer ---------------------


@pytest.fixture
def district_committee(tree, member):
    """道里区's own committee on the 2016 count dates: a 主席 and part-time vice chairs with long texts."""
    import datetime

    start = datetime.date(2016, 3, 1)
    member(tree.district_a, role="chair", name="王丽华", start_date=start, mobile="13904510001")
    for i, workplace in enumerate(["哈尔滨市道里区人民检察院第三检察部主任", "道里区兆麟街道办事处", "个体"]):
        member(
            tree.district_a,
            role="vice_chair",
            name=f"兼职副主席{i + 1}",
            start_date=start,
            mobile=f"1390451000{i + 2}",
            education="60",  # 普通高级中学教育
            source="09",  # 机关企事业单位女干部女职工
            workplace_title=workplace,
        )
    member(tree.district_a, role="standing", name="欧阳娜仁托娅", start_date=start, source="04", education="60")
    return tree


def merged_spans(ws):
    """{(row, col): (last row, last col)} of every merged range's top-left cell."""
    return {(r.min_row, r.min_col): (r.max_row, r.max_col) for r in ws.merged_cells.ranges}


def unfit_cells(ws):
    """Every cell whose text does not fit the width and height it was given, with what was measured."""
    from openpyxl.utils import get_column_letter

    from reports import layout

    spans = merged_spans(ws)
    covered = {
        (r, c) for (r0, c0), (r1, c1) in spans.items() for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)
    } - set(spans)
    faults = []
    for row in ws.iter_rows():
        for cell in row:
            if cell.value in (None, "") or (cell.row, cell.column) in covered:
                continue
            r1, c1 = spans.get((cell.row, cell.column), (cell.row, cell.column))
            width = sum(ws.column_dimensions[get_column_letter(c)].width for c in range(cell.column, c1 + 1))
            height = sum(ws.row_dimensions[r].height or 15 for r in range(cell.row, r1 + 1))
            value = cell.value
            text = f"{value:.1f}" if isinstance(value, float) else str(value)
            size = float(cell.font.sz or 11)
            if not layout.fits(text, width, height, size, wrap=bool(cell.alignment.wrap_text)):
                faults.append(f"{ws.title}!{cell.coordinate} {text!r}: width {width}, height {height}")
    return faults


@pytest.mark.parametrize("form_no", [1, 2, 3, 4, 5])
def test_every_cell_of_every_form_fits_its_column_and_row(district_committee, form_no):
    from reports import tables
    from reports.excel import render_xlsx

    snap = tables.compute(form_no, unit=district_committee.city)
    wb = load_workbook(io.BytesIO(render_xlsx(snap, footer={"单位负责人": "王丽华", "填表人": "李梅"})))
    faults = [f for ws in wb.worksheets if ws.title != "_cells" for f in unfit_cells(ws)]
    assert not faults, "\n".join(faults)


def test_long_source_and_education_widen_their_columns_in_form3(district_committee):
    from reports import layout, tables
    from reports.excel import render_xlsx

    snap = tables.compute(3, unit=district_committee.city)
    ws = load_workbook(io.BytesIO(render_xlsx(snap)))["附表3-道里区"]
    header = {c.value: c.column_letter for row in ws.iter_rows(min_row=4, max_row=6) for c in row if c.value}
    for label, text in (("来源类别", "机关企事业单位女干部女职工"), ("文化程度", "普通高级中学教育")):
        width = ws.column_dimensions[header[label]].width
        assert layout.capacity(width) >= layout.text_width(text), (label, width)


def test_form4_continued_header_columns_17_and_18_are_tall_enough(district_committee):
    from reports import tables
    from reports.excel import render_xlsx

    snap = tables.compute(4, unit=district_committee.city)
    ws = load_workbook(io.BytesIO(render_xlsx(snap)))["附表4（续）"]
    numbers = next(r for r in ws.iter_rows(min_row=4, max_row=12) if r[1].value == "1")
    cols = [c.column for c in numbers if c.value in ("17", "18")]
    assert len(cols) == 2
    assert not [f for f in unfit_cells(ws) if any(f"!{chr(64 + c)}" in f for c in cols)]


def test_sheets_are_named_after_their_form_and_print_page_numbers(district_committee):
    from reports import tables
    from reports.excel import render_xlsx

    wb = load_workbook(io.BytesIO(render_xlsx(tables.compute(3, unit=district_committee.city))))
    assert wb.sheetnames == ["附表3-道里区", "附表3-南岗区", "_cells"]
    for ws in wb.worksheets[:2]:
        assert ws.oddFooter.center.text == "第 &P 页 共 &N 页"
        assert ws.print_title_rows == "$4:$6"
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1


def test_the_seal_sits_inside_the_signature_line_and_covers_no_data(sealed, campaign_2016, staff_a):
    ret = submit(campaign_2016, "2", sealed.district_a, staff_a)
    ws = load_workbook(io.BytesIO(stamped_xlsx(ret.snapshot))).worksheets[0]
    [image] = ws._images
    anchor = image.anchor
    assert ws.cell(row=anchor._from.row + 1, column=1).value == "填报单位（盖章）：道里区妇联"
    row_px = ws.row_dimensions[anchor._from.row + 1].height * 4 / 3
    top_px = anchor._from.rowOff / 9525
    assert top_px + anchor.ext.height / 9525 <= row_px  # ends inside the 填报单位 line: no header, no data


def test_the_footer_signs_with_the_federation_and_its_chair(district_committee, campaign_2016, staff_a, login):
    from orgtree import services as tree_services

    tree = district_committee
    contact = {"name": "李梅", "title": "组织部长", "office_phone": "0451-84661234", "mobile": "13904510099"}
    tree_services.update_contacts(unit=tree.district_a, contacts={"contact": contact}, actor=staff_a)
    form = CampaignForm.objects.get(campaign=campaign_2016, form_no="2")
    page = login(staff_a).get(reverse("returns:return_submit", args=[form.pk, tree.district_a.pk]))
    fields = page.context["form"]
    assert fields["unit_leader"].value() == "王丽华" and fields.fields["unit_leader"].disabled
    assert fields["filled_by"].value() == "道里区填报员" and fields["phone"].value() == "0451-84661234"
    # The 主席 signs, whatever is typed; 填表人 and 联系电话 are as typed.
    ret = submit(campaign_2016, "2", tree.district_a, staff_a, unit_leader="分管领导", phone="0451-99999999")
    assert (ret.snapshot.unit_leader, ret.snapshot.phone) == ("王丽华", "0451-99999999")
    ws = load_workbook(io.BytesIO(stamped_xlsx(ret.snapshot))).worksheets[0]
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "填报单位（盖章）：道里区妇联" in texts
    assert any(t.startswith("单位负责人：王丽华") and "联系电话：0451-99999999" in t for t in texts)


def test_a_sent_back_returns_phone_is_not_carried_over(
    district_committee, campaign_2016, staff_a, city_reviewer, login
):
    tree = district_committee
    ret = submit(campaign_2016, "2", tree.district_a, staff_a, phone="0451-00000000")
    services.send_back(ret=ret, actor=city_reviewer, reason="联系电话有误")
    form = CampaignForm.objects.get(campaign=campaign_2016, form_no="2")
    page = login(staff_a).get(reverse("returns:return_submit", args=[form.pk, tree.district_a.pk]))
    assert page.context["form"]["phone"].value() != "0451-00000000"


# --- the PDF rendition -------------------------------------------------------------------------


def pdf_text(content):
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def test_the_pdf_of_a_return_prints_the_form_its_seal_pages_and_verification(
    sealed, campaign_2016, staff_a, city_reviewer, login
):
    from orgtree import services as tree_services

    contact = {"name": "李梅", "title": "组织部长", "office_phone": "0451-84661234", "mobile": "13904510099"}
    leader = {"name": "张红", "title": "副主席", "office_phone": "0451-84660001", "mobile": "13904510001"}
    tree_services.update_contacts(
        unit=sealed.district_a, contacts={"leader": leader, "contact": contact}, actor=staff_a
    )
    ret = submit(campaign_2016, "1", sealed.district_a, staff_a)
    response = login(city_reviewer).get(reverse("returns:return_export_pdf", args=[ret.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].endswith(".pdf")
    reader, text = pdf_text(response.content)
    page = reader.pages[0]
    assert float(page.mediabox.width) > float(page.mediabox.height)  # landscape
    assert round(float(page.mediabox.width)) == 842  # A4: 297 mm
    for expected in ("附表1", "填报单位（盖章）：道里区妇联", "截止时间", "联系电话：0451-84661234", ret.snapshot.code):
        assert expected in text, expected
    assert "13904510099" in text  # the reviewing unit receives the contact in full
    assert f"第 1 页 共 {len(reader.pages)} 页" in text
    assert f"/verify/{ret.snapshot.code}/" in text
    images = [img for p in reader.pages for img in p.images]
    assert images  # the seal (the QR code is vector)


def test_the_pdf_masks_phones_for_a_browsing_viewer_and_is_404_outside(
    tree, campaign_2016, staff_a, staff_b, login, media
):
    from conftest import make_user

    from orgtree import services as tree_services
    from orgtree.models import User

    contact = {"name": "李梅", "title": "组织部长", "office_phone": "0451-84661234", "mobile": "13904510099"}
    leader = {"name": "张红", "title": "副主席", "office_phone": "0451-84660001", "mobile": "13904510001"}
    tree_services.update_contacts(unit=tree.district_a, contacts={"leader": leader, "contact": contact}, actor=staff_a)
    ret = submit(campaign_2016, "1", tree.district_a, staff_a)
    viewer = make_user("city_viewer", tree.city, User.Role.VIEWER)
    _reader, text = pdf_text(login(viewer).get(reverse("returns:return_export_pdf", args=[ret.pk])).content)
    assert "13904510099" not in text and "139****0099" in text
    assert login(staff_b).get(reverse("returns:return_export_pdf", args=[ret.pk])).status_code == 404


def test_the_pilot_report_prints_as_a_pdf_with_its_table_text_seal_and_code(
    sealed, campaign_2016, staff_a, staff_b, city_admin, city_reviewer, login
):
    """示范点情况报告 goes to the city on paper as a 公文: portrait, its text, 附件 the table, 落款 with the seal, 验证码."""
    tree_services.set_pilot(unit=sealed.community_a, is_pilot=True, actor=city_admin)
    text = "兆麟社区作为示范点，先行扩员。\n第二段：做法与成效。"
    ret = submit(campaign_2016, "pilot", sealed.district_a, staff_a, pilot_report=text, explanation="尚在选聘")
    page = login(staff_a).get(ret.get_absolute_url()).content.decode()
    assert reverse("returns:return_export_pdf", args=[ret.pk]) in page
    response = login(city_reviewer).get(reverse("returns:return_export_pdf", args=[ret.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader, printed = pdf_text(response.content)
    for expected in (
        "扩大基层妇联组织成员工作示范点情况报告",
        "兆麟社区作为示范点，先行扩员。",
        "第二段：做法与成效。",
        "附件：示范点情况表",
        "道里区妇联",
        "示范点名称",
        "兆麟社区",
        "联系人：李梅",
        "— 1 —",
        ret.snapshot.code,
    ):
        assert expected in printed, expected
    assert "填报单位（盖章）" not in printed and "报告正文" not in printed and "SHA-256" not in printed
    page = reader.pages[0]
    assert float(page.mediabox.width) < float(page.mediabox.height)  # portrait
    assert printed.index("第二段") < printed.index("附件：示范点情况表") < printed.index("示范点名称")
    assert [img for p in reader.pages for img in p.images]  # the seal
    assert login(staff_b).get(reverse("returns:return_export_pdf", args=[ret.pk])).status_code == 404


def test_a_long_form_repeats_its_header_rows_on_every_page(district_committee):
    from reports import tables
    from reports.pdf import render_pdf

    snap = tables.compute(3, unit=district_committee.district_a)
    panel = snap["panels"][0]
    person = next(r for r in panel["rows"] if r["kind"] == "person")
    panel["rows"] += [{**person, "key": f"x{i}"} for i in range(60)]
    reader, _text = pdf_text(render_pdf(snap))
    assert len(reader.pages) >= 2
    for page in reader.pages:
        assert "工作单位及职务" in page.extract_text()  # the <thead> on every page


def test_export_report_writes_a_pdf_when_the_name_ends_in_pdf(district_committee, tmp_path):
    from django.core.management import call_command

    out = tmp_path / "f3.pdf"
    call_command("export_report", form=3, unit="230102", as_of="2016-08-31", out=str(out), stdout=io.StringIO())
    assert out.read_bytes().startswith(b"%PDF")
    _reader, text = pdf_text(out.read_bytes())
    assert "兼职副主席和执常委人员登记表" in text and "王丽华" in text and "填报单位（盖章）：道里区妇联" in text


def test_the_return_page_offers_the_pdf_beside_the_excel(tree, campaign_2016, staff_a, login):
    ret = submit(campaign_2016, "2", tree.district_a, staff_a)
    html = login(staff_a).get(ret.get_absolute_url()).content.decode()
    assert reverse("returns:return_export_pdf", args=[ret.pk]) in html and "下载打印版（PDF）" in html


def test_weasyprint_is_not_loaded_by_starting_the_app():
    import os
    import subprocess
    import sys
    from pathlib import Path

    script = (
        "import django, sys; django.setup(); import web.urls; from django.urls import resolve; resolve('/'); "
        "import returns.views; print('weasyprint' in sys.modules)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "fedorg.settings"}
    out = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "False"
