"""经验材料 (issue 11): text plus attachments up to 10 MB, types checked by content, stored privately and
served through the access rule, submitted, sent back and approved exactly like a 附表 return, and on
the completeness dashboard. The plan asks for it by 9/20 (哈妇发〔2016〕8号 四、报送要求)."""

import datetime
import io
import zipfile

import pytest
from conftest import make_user
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from orgtree.models import User
from returns import services
from returns.models import Return, ReturnAttachment

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
FOOTER = {"unit_leader": "张主席", "filled_by": "李填表", "phone": "0451-84694842"}


def docx_bytes():
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return stream.getvalue()


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def experience_form(campaign_2016):
    return campaign_2016.forms.get(form_no="experience")


def submit_url(form, unit):
    return reverse("returns:return_submit", args=[form.pk, unit.pk])


def attach(client, form, unit, name, data):
    return client.post(
        reverse("returns:attachment_add", args=[form.pk, unit.pk]), {"file": SimpleUploadedFile(name, data)}
    )


def submit(client, form, unit, text):
    return client.post(submit_url(form, unit), {**FOOTER, "pilot_report": text})


def stored_files(media):
    return sorted(p.name for p in media.rglob("*") if p.is_file()) if media.exists() else []


def test_the_plan_asks_for_it_by_september_20(experience_form):
    assert experience_form.due_date == datetime.date(2016, 9, 20)
    assert experience_form.short_label == "经验材料"


def test_submit_send_back_resubmit_approve(tree, staff_a, city_reviewer, login, experience_form):
    client = login(staff_a)
    unit = tree.district_a
    assert client.get(submit_url(experience_form, unit)).status_code == 200
    assert attach(client, experience_form, unit, "做法.pdf", PDF).status_code == 302
    assert attach(client, experience_form, unit, "经验.docx", docx_bytes()).status_code == 302
    assert [(a.name, a.extension) for a in ReturnAttachment.objects.all()] == [
        ("做法.pdf", "pdf"),
        ("经验.docx", "docx"),
    ]
    # no text: refused with a Chinese message, nothing submitted
    response = submit(client, experience_form, unit, "")
    assert response.status_code == 200 and "经验材料正文" in response.content.decode()
    response = submit(client, experience_form, unit, "一、摸底建档；二、群众推荐。")
    ret = Return.objects.get(form=experience_form, unit=unit)
    assert response.status_code == 302 and ret.status == Return.Status.SUBMITTED
    listed = [row["attachment"]["name"] for row in ret.snapshot.data["rows"]]
    assert listed == ["做法.pdf", "经验.docx"]

    reviewer = login(city_reviewer)
    page = reviewer.get(ret.get_absolute_url()).content.decode()
    assert "一、摸底建档" in page and "做法.pdf" in page
    first = ReturnAttachment.objects.get(name="做法.pdf")
    download = reviewer.get(reverse("returns:attachment", args=[first.pk]))
    assert download.status_code == 200 and download.content == PDF
    assert download["Content-Type"] == "application/pdf" and download["Content-Disposition"].startswith("attachment")
    reviewer.post(reverse("returns:return_send_back", args=[ret.pk]), {"reason": "请补充成效的数字"})
    ret.refresh_from_db()
    assert ret.status == Return.Status.RETURNED

    client = login(staff_a)
    assert "请补充成效的数字" in client.get(submit_url(experience_form, unit)).content.decode()
    client.post(reverse("returns:attachment_remove", args=[first.pk]))
    attach(client, experience_form, unit, "照片.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    submit(client, experience_form, unit, "一、摸底建档；二、群众推荐。新增成员 1,200 人。")
    ret.refresh_from_db()
    assert ret.status == Return.Status.SUBMITTED and ret.snapshots.count() == 2
    assert [row["attachment"]["name"] for row in ret.snapshot.data["rows"]] == ["经验.docx", "照片.png"]
    # the first submission still opens the attachment it listed
    assert login(city_reviewer).get(reverse("returns:attachment", args=[first.pk])).status_code == 200
    login(city_reviewer).post(reverse("returns:return_approve", args=[ret.pk]))
    ret.refresh_from_db()
    assert ret.status == Return.Status.APPROVED
    # approved: locked, no more attachments
    response = attach(login(staff_a), experience_form, unit, "再来.pdf", PDF)
    assert not ReturnAttachment.objects.filter(name="再来.pdf").exists()
    export = login(city_reviewer).get(reverse("returns:return_export", args=[ret.pk]))
    assert export.status_code == 200
    # and on paper: the text, the attachments it lists and the 验证码
    from pypdf import PdfReader

    printed = login(city_reviewer).get(reverse("returns:return_export_pdf", args=[ret.pk]))
    assert printed.status_code == 200 and printed["Content-Type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(printed.content)).pages)
    for expected in (
        "经验材料",
        "新增成员 1,200 人",
        "经验.docx",
        "照片.png",
        "附件：1.",
        "道里区妇联",
        ret.snapshot.code,
    ):
        assert expected in text, expected
    assert "SHA-256" not in text and "摘要" not in text  # the files are listed by name; checksums stay for /verify/


def test_too_big_in_all_is_refused_and_nothing_saved(tree, staff_a, login, experience_form, private_media):
    client = login(staff_a)
    unit = tree.district_a
    six_mb = PDF + b"\0" * (6 * 1024 * 1024)
    attach(client, experience_form, unit, "一.pdf", six_mb)
    files = stored_files(private_media)
    response = attach(client, experience_form, unit, "二.pdf", six_mb)
    page = client.get(response.url).content.decode()
    assert "附件合计不能超过 10 MB" in page
    assert list(ReturnAttachment.objects.values_list("name", flat=True)) == ["一.pdf"]
    assert stored_files(private_media) == files


def test_one_file_over_10_mb_is_refused_before_it_is_read(tree, staff_a, login, experience_form, private_media):
    client = login(staff_a)
    response = attach(client, experience_form, tree.district_a, "大.pdf", PDF + b"\0" * (10 * 1024 * 1024 + 70_000))
    assert "超过 10 MB" in client.get(response.url).content.decode()
    assert not ReturnAttachment.objects.exists() and stored_files(private_media) == []


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("报告.pdf", b"MZ\x90\x00" + b"\0" * 200),  # a program named .pdf
        ("报告.docx", b"PK\x03\x04" + b"\0" * 200),  # a broken zip
        ("报告.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600),  # an old .doc
        ("报告.txt", "纯文本".encode()),
    ],
)
def test_a_wrong_type_is_refused_by_content(tree, staff_a, login, experience_form, private_media, name, data):
    client = login(staff_a)
    response = attach(client, experience_form, tree.district_a, name, data)
    page = client.get(response.url).content.decode()
    assert "只能上传" in page or "另存为" in page or "已损坏" in page
    assert not ReturnAttachment.objects.exists() and stored_files(private_media) == []


def test_a_macro_document_is_refused(tree, staff_a, experience_form):
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
        z.writestr("word/vbaProject.bin", b"\0" * 10)
    with pytest.raises(services.ValidationError, match="宏"):
        services.add_attachment(
            form=experience_form, unit=tree.district_a, name="宏.docx", data=stream.getvalue(), actor=staff_a
        )


def test_anonymous_and_outsiders_get_404_on_an_attachment(tree, staff_a, staff_b, client, login, experience_form):
    attachment = services.add_attachment(
        form=experience_form, unit=tree.district_a, name="做法.pdf", data=PDF, actor=staff_a
    )
    url = reverse("returns:attachment", args=[attachment.pk])
    assert client.get(url).status_code == 404  # anonymous: no login redirect that would confirm it exists
    outsider = login(staff_b)
    assert outsider.get(url).status_code == 404
    assert outsider.post(reverse("returns:attachment_remove", args=[attachment.pk])).status_code == 404
    assert attach(outsider, experience_form, tree.district_a, "x.pdf", PDF).status_code == 404
    street = make_user("street_viewer", tree.street_a, User.Role.STAFF)
    assert login(street).get(url).status_code == 404  # below the district: not hers either
    assert ReturnAttachment.objects.current().count() == 1


def test_a_reader_cannot_attach(tree, viewer_a, login, experience_form):
    response = attach(login(viewer_a), experience_form, tree.district_a, "x.pdf", PDF)
    assert response.status_code == 403 and not ReturnAttachment.objects.exists()


def test_a_double_submit_is_one_submission(tree, staff_a, login, experience_form):
    client = login(staff_a)
    attach(client, experience_form, tree.district_a, "做法.pdf", PDF)
    for _ in range(2):
        assert submit(client, experience_form, tree.district_a, "做法如下。").status_code == 302
    ret = Return.objects.get(form=experience_form)
    assert ret.snapshots.count() == 1 and ret.events.count() == 1


def test_it_appears_on_the_completeness_dashboard(tree, staff_a, city_reviewer, login, experience_form):
    services.add_attachment(form=experience_form, unit=tree.district_a, name="做法.pdf", data=PDF, actor=staff_a)
    services.submit_return(form=experience_form, unit=tree.district_a, actor=staff_a, pilot_report="做法。", **FOOTER)
    page = login(city_reviewer).get(reverse("returns:campaign", args=[experience_form.campaign_id])).content.decode()
    assert "经验材料" in page
    from returns import completeness

    board = completeness.board(experience_form.campaign, user=city_reviewer, today=datetime.date(2016, 9, 21))
    cells = {(c["district"].name, c["form"].form_no): c["status"] for _d, row in board.rows for c in row}
    assert cells[("道里区", "experience")] == Return.Status.SUBMITTED
    assert cells[("南岗区", "experience")] == Return.Status.DRAFT


def test_the_attachment_box_does_not_mark_an_optional_file_required(tree, staff_a, login, experience_form):
    """Issue 26: the box said attachments are optional but marked 附件 with the required star."""
    client = login(staff_a)
    page = client.get(submit_url(experience_form, tree.district_a)).content.decode()
    label = page[page.index('for="id_file"') :]
    assert "附件</label>" in label[: label.index("</label>") + 8]  # no star inside the label
    url = reverse("returns:attachment_add", args=[experience_form.pk, tree.district_a.pk])
    response = client.post(url, {}, follow=True)
    assert response.redirect_chain[-1][0] == submit_url(experience_form, tree.district_a)
    assert "请先选择要上传的文件" in response.content.decode()
    assert not ReturnAttachment.objects.exists()
