"""任职证书 and 聘任证书: issued by the parent federation, numbered per issuer and year, printed on A4."""

import datetime

import pytest
from django.urls import reverse

from members import services as member_services
from orgtree.models import AuditEvent
from selection import certificates
from selection.models import Certificate

ISSUED = {"issued_on": "2016-09-01"}


def test_a_batch_numbers_the_committee_in_print_order_and_skips_delegates(tree, member, staff_a, login):
    chair = member(tree.street_a, role="chair", name="赵主席")
    vice = member(tree.street_a, role="vice_chair", name="钱副主席")
    volunteer = member_services.appoint(
        person=member_services.create_person(
            data={"name": "孙志愿", "birth_date": datetime.date(1990, 5, 1)}, actor=None
        ),
        unit=tree.street_a,
        role="executive",
        mode="volunteer",
        start_date=datetime.date(2016, 7, 1),
        actor=None,
    )
    member(tree.street_a, role="delegate", name="李代表")
    client = login(staff_a)
    url = reverse("selection:unit_certificates", args=[tree.street_a.pk])
    page = client.get(url)
    assert page.status_code == 200 and "待编号（3 人）" in page.content.decode()
    response = client.post(url, ISSUED)
    assert response.status_code == 302
    numbers = {c.post_id: c.number for c in Certificate.objects.all()}
    assert numbers == {
        chair.pk: "2016-230102-0001",
        vice.pk: "2016-230102-0002",
        volunteer.pk: "2016-230102-0003",
    }
    assert Certificate.objects.get(post=volunteer).kind == Certificate.Kind.VOLUNTEER
    assert Certificate.objects.get(post=chair).issuing_unit == tree.district_a
    body = client.get(url).content.decode()
    assert body.count('class="certificate"') == 3
    assert "聘任证书" in body and "任职证书" in body and "李代表" not in body.split('class="certificate"', 1)[1]
    assert "fedorg/print-portrait.css" in body and "道里区" in body and "2016年9月1日" in body
    assert AuditEvent.objects.filter(action="certificate.issue").count() == 3


def test_numbers_continue_per_issuer_and_restart_each_year(tree, member, staff_a, street_staff):
    first = member(tree.street_a, role="executive")
    second = member(tree.township_a, role="executive")
    community = member(tree.community_a, role="chair")
    later = member(tree.street_a, role="executive")
    certificates.issue_certificates(posts=[first], actor=staff_a, issued_on=datetime.date(2016, 9, 1))
    certificates.issue_certificates(posts=[second], actor=staff_a, issued_on=datetime.date(2016, 9, 2))
    certificates.issue_certificates(posts=[community], actor=street_staff, issued_on=datetime.date(2016, 9, 2))
    certificates.issue_certificates(posts=[later], actor=staff_a, issued_on=datetime.date(2017, 1, 5))
    assert Certificate.objects.get(post=first).number == "2016-230102-0001"
    assert Certificate.objects.get(post=second).number == "2016-230102-0002"  # same issuer: 道里区
    assert Certificate.objects.get(post=community).number == "2016-230102001-0001"  # issued by 兆麟街道
    assert Certificate.objects.get(post=later).number == "2017-230102-0001"


def test_issuing_twice_keeps_the_first_number(tree, member, staff_a):
    post = member(tree.street_a, role="executive")
    certificates.issue_certificates(posts=[post], actor=staff_a, issued_on=datetime.date(2016, 9, 1))
    assert certificates.issue_certificates(posts=[post], actor=staff_a, issued_on=datetime.date(2016, 9, 9)) == []
    assert Certificate.objects.get(post=post).issued_on == datetime.date(2016, 9, 1)


def test_a_single_post_prints_its_own_certificate(tree, member, staff_a, login):
    post = member(tree.street_a, role="vice_chair", name="周副主席")
    client = login(staff_a)
    url = reverse("selection:post_certificate", args=[post.pk])
    assert "待编号（1 人）" in client.get(url).content.decode()
    client.post(url, ISSUED)
    body = client.get(url).content.decode()
    assert "兹任命 周副主席 同志为 兆麟街道妇联 副主席" in body and "2016-230102-0001" in body


def test_a_delegate_gets_no_certificate(tree, member, staff_a, login):
    post = member(tree.street_a, role="delegate")
    client = login(staff_a)
    assert "不发证书" in client.get(reverse("selection:post_certificate", args=[post.pk])).content.decode()
    client.post(reverse("selection:post_certificate", args=[post.pk]), ISSUED)
    assert not Certificate.objects.exists()


def test_a_unit_cannot_issue_its_own_certificates(tree, member, street_staff, login):
    """兆麟街道's members are certified by 道里区, so the street's clerk is told who issues them."""
    member(tree.street_a, role="chair")
    response = login(street_staff).get(reverse("selection:unit_certificates", args=[tree.street_a.pk]))
    assert response.status_code == 403


@pytest.mark.parametrize("name", ["selection:unit_certificates"])
def test_certificate_pages_answer_404_outside_the_subtree(tree, member, staff_b, login, name):
    post = member(tree.street_a, role="chair")
    client = login(staff_b)
    assert client.get(reverse(name, args=[tree.street_a.pk])).status_code == 404
    assert client.get(reverse("selection:post_certificate", args=[post.pk])).status_code == 404
    assert client.post(reverse("selection:post_certificate", args=[post.pk]), ISSUED).status_code == 404
    assert not Certificate.objects.exists()


def test_a_viewer_cannot_issue_certificates(tree, member, viewer_a, login):
    member(tree.street_a, role="chair")
    assert login(viewer_a).get(reverse("selection:unit_certificates", args=[tree.street_a.pk])).status_code == 403


# --- the certificate as issued (issue 26) ---------------------------------------------------


def seal_png():
    import io

    from PIL import Image

    stream = io.BytesIO()
    Image.new("RGBA", (120, 120), (200, 0, 0, 180)).save(stream, "PNG")
    return stream.getvalue()


def certificate_text(body):
    """The printed certificates only, without the page's controls."""
    return body.split('class="certificate"', 1)[1]


def test_a_congress_post_is_appointed_to_the_congress_by_the_federation_above(tree, member, street_staff, login):
    """经纬社区 is a 妇代会: its 主任 is appointed to 经纬社区妇代会, by 兆麟街道妇联, on the issue date."""
    post = member(tree.community_a2, role="director", name="隋娟", start_date=datetime.date(2016, 6, 1))
    client = login(street_staff)
    url = reverse("selection:post_certificate", args=[post.pk])
    client.post(url, {"issued_on": "2016-09-20"})
    text = certificate_text(client.get(url).content.decode())
    assert "兹任命 隋娟 同志为 经纬社区妇代会 主任" in text
    assert "兆麟街道妇联" in text and "（盖章）" in text
    assert "2016年9月20日" in text and "2016年6月1日" not in text
    assert "同志任" not in text and "聘任" not in text.replace("聘任证书", "")


def test_a_federation_post_names_the_unit_federation(tree, member, street_staff, login):
    post = member(tree.community_a, role="chair", name="冯晓丽")
    client = login(street_staff)
    url = reverse("selection:post_certificate", args=[post.pk])
    client.post(url, ISSUED)
    assert "兹任命 冯晓丽 同志为 兆麟社区妇联 主席" in certificate_text(client.get(url).content.decode())


def test_a_volunteer_certificate_says_pinren(tree, member, staff_a, login):
    post = member_services.appoint(
        person=member_services.create_person(
            data={"name": "孙志愿", "birth_date": datetime.date(1990, 5, 1)}, actor=None
        ),
        unit=tree.street_a,
        role="executive",
        mode="volunteer",
        start_date=datetime.date(2016, 7, 1),
        actor=None,
    )
    client = login(staff_a)
    url = reverse("selection:post_certificate", args=[post.pk])
    client.post(url, ISSUED)
    text = certificate_text(client.get(url).content.decode())
    assert "聘任证书" in text and "兹聘任 孙志愿 同志为 兆麟街道妇联 执委（志愿者）" in text
    assert "道里区妇联" in text and "2016年9月1日" in text


def test_the_issuer_seal_is_printed_in_the_seal_place_and_served_to_the_issuer(
    tree, member, admin_a, street_staff, login, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from orgtree import services as tree_services

    settings.MEDIA_ROOT = tmp_path
    tree_services.set_seal(
        unit=tree.street_a,
        image=SimpleUploadedFile("seal.png", seal_png(), content_type="image/png"),
        actor=admin_a,
    )
    post = member(tree.community_a2, role="director")
    client = login(street_staff)
    url = reverse("selection:post_certificate", args=[post.pk])
    client.post(url, ISSUED)
    text = certificate_text(client.get(url).content.decode())
    seal_url = reverse("orgtree:seal_image", args=[tree.street_a.pk])
    assert f'src="{seal_url}"' in text and "（盖章）" not in text
    assert client.get(seal_url).status_code == 200


# --- one certificate number: the register's (issue 8) -----------------------------------------


def test_the_roster_shows_the_register_number_and_a_reimport_keeps_it(tree, member, staff_a):
    """证书编号 on the roster export is the register's; re-importing the file changes nothing."""
    from members.roster_xlsx import export_roster, import_roster

    post = member(tree.community_a, role="executive")
    [certificate] = certificates.issue_certificates(posts=[post], actor=staff_a, issued_on=datetime.date(2016, 7, 1))
    post.refresh_from_db()
    assert post.certificate_no == certificate.number
    data = export_roster(unit=tree.community_a, actor=staff_a)
    result = import_roster(unit=tree.community_a, file=data, actor=staff_a)
    assert result.ok and result.posts_added == 0 and result.posts_updated == 0
    assert Certificate.objects.get(post=post).number == certificate.number


def test_a_typed_number_is_recorded_in_the_register_unless_another_post_has_it(tree, member, staff_a):
    from openpyxl import load_workbook

    from members.roster_xlsx import export_roster, import_roster

    taken = member(tree.community_a, role="executive")
    [issued] = certificates.issue_certificates(posts=[taken], actor=staff_a, issued_on=datetime.date(2016, 7, 1))
    post = member(tree.community_a, role="executive")

    def with_number(number):
        wb = load_workbook(export_roster(unit=tree.community_a, actor=staff_a))
        ws = wb["名册"]
        header = [c.value for c in ws[1]]
        col = header.index("证书编号") + 1
        name_col = header.index("姓名") + 1
        for row in ws.iter_rows(min_row=2):
            if row[name_col - 1].value == post.person.name:
                ws.cell(row=row[0].row, column=col, value=number)
        import io

        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()

    clash = import_roster(unit=tree.community_a, file=with_number(issued.number), actor=staff_a)
    assert not clash.ok, clash.errors
    assert any("已在证书登记簿中登记给另一任职" in e.message for e in clash.errors), [str(e) for e in clash.errors]
    assert not Certificate.objects.filter(post=post).exists()

    typed = import_roster(unit=tree.community_a, file=with_number("纸质-2016-007"), actor=staff_a)
    assert typed.ok
    recorded = Certificate.objects.get(post=post)
    assert (recorded.number, recorded.seq) == ("纸质-2016-007", None)
    post.refresh_from_db()
    assert post.certificate_no == "纸质-2016-007"


def test_a_number_the_register_issued_cannot_be_overwritten_by_a_typed_one(tree, member, staff_a):
    post = member(tree.community_a, role="executive")
    certificates.issue_certificates(posts=[post], actor=staff_a, issued_on=datetime.date(2016, 7, 1))
    post.refresh_from_db()
    faults = certificates.typed_number_faults([(post, "手写-1")])
    assert "系统编号" in faults[0]


def test_the_certificate_pdf_reads_as_issued(tree, member, street_staff, staff_b, login):
    """The PDF's own text (issue 26): the post of the unit's 妇代会, the issuer's full name, the issue date."""
    import io

    from pypdf import PdfReader

    post = member(tree.community_a2, role="director", name="隋娟", start_date=datetime.date(2016, 6, 1))
    client = login(street_staff)
    pdf_url = reverse("selection:post_certificate_pdf", args=[post.pk])
    assert client.get(pdf_url).status_code == 302  # not numbered yet: back to the page that numbers it
    client.post(reverse("selection:post_certificate", args=[post.pk]), {"issued_on": "2016-09-20"})
    response = client.get(pdf_url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(b"".join(response.streaming_content)))
    text = "".join(page.extract_text() for page in reader.pages).replace("\n", "").replace(" 职 证 ", "职证")
    assert len(reader.pages) == 1 and reader.pages[0].mediabox.height > reader.pages[0].mediabox.width  # portrait
    assert "第 1 页" not in text  # a certificate carries no page number
    for expected in ("任职证书", "隋娟", "经纬社区妇代会", "主任", "兆麟街道妇联", "2016年9月20日"):
        assert expected in text, expected
    assert login(staff_b).get(pdf_url).status_code == 404
