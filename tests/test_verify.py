"""The public verification page: a code names unit, form, campaign, status and time; uploads are checked."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from returns import services

FOOTER = {"unit_leader": "王丽", "filled_by": "李娜", "phone": "13812341234"}


def filed(tree, campaign, actor):
    return services.submit_return(form=campaign.forms.get(form_no="2"), unit=tree.district_a, actor=actor, **FOOTER)


def test_anyone_can_look_up_a_code_without_logging_in(tree, campaign_2016, staff_a, client):
    ret = filed(tree, campaign_2016, staff_a)
    response = client.get(reverse("returns:verify", args=[ret.snapshot.code]))
    assert response.status_code == 200
    body = response.content.decode()
    for text in ("道里区", "230102", "附表2", "哈妇发〔2016〕8号", "待审核", "第 1 次上报"):
        assert text in body
    assert "13812341234" not in body and "李娜" not in body and "王丽" not in body


def test_the_code_form_and_a_lower_case_code_work(tree, campaign_2016, staff_a, client):
    ret = filed(tree, campaign_2016, staff_a)
    response = client.get(reverse("returns:verify_form"), {"code": ret.snapshot.code.lower()})
    assert response.status_code == 200 and "道里区" in response.content.decode()
    assert client.get(reverse("returns:verify_form")).status_code == 200


def test_an_unknown_code_answers_404_with_a_hint(tree, client):
    response = client.get(reverse("returns:verify", args=["AAAAAAAAAAAA"]))
    assert response.status_code == 404
    assert "验证码 AAAAAAAAAAAA 不存在" in response.content.decode()


def test_a_superseded_snapshot_says_so(tree, campaign_2016, staff_a, city_reviewer, client):
    ret = filed(tree, campaign_2016, staff_a)
    first = ret.snapshot.code
    services.send_back(ret=ret, actor=city_reviewer, reason="请核对")
    second = filed(tree, campaign_2016, staff_a).snapshot.code
    assert first != second
    assert "已被更新的上报取代" in client.get(reverse("returns:verify", args=[first])).content.decode()
    assert "已被更新的上报取代" not in client.get(reverse("returns:verify", args=[second])).content.decode()


def test_a_file_that_is_not_a_workbook_is_refused_clearly(tree, campaign_2016, staff_a, client):
    ret = filed(tree, campaign_2016, staff_a)
    upload = SimpleUploadedFile("fake.xlsx", b"not a spreadsheet")
    response = client.post(reverse("returns:verify", args=[ret.snapshot.code]), {"file": upload})
    assert response.status_code == 200
    assert "文件不是 Excel（.xlsx）格式" in response.content.decode()


def test_a_file_exported_for_another_code_is_flagged(tree, campaign_2016, staff_a, staff_b, client, login):
    mine = filed(tree, campaign_2016, staff_a)
    other = services.submit_return(
        form=campaign_2016.forms.get(form_no="2"), unit=tree.district_b, actor=staff_b, **FOOTER
    )
    content = login(staff_b).get(reverse("returns:return_export", args=[other.pk])).content
    client.logout()
    response = client.post(
        reverse("returns:verify", args=[mine.snapshot.code]), {"file": SimpleUploadedFile("o.xlsx", content)}
    )
    body = response.content.decode()
    assert "文件与报送时不一致" in body
    assert f"文件上印的验证码是 {other.snapshot.code}" in body


# --- issue 12: the public page is bounded and gives out no stored values ------------------------

import io  # noqa: E402
import re  # noqa: E402
import zipfile  # noqa: E402

import pytest  # noqa: E402
from hostile import make_corpus as corpus  # noqa: E402

CONTACT = {"name": "张红梅", "title": "副主席", "office_phone": "0451-8466", "mobile": "13812349876", "email_qq": ""}


@pytest.fixture
def contacts_return(tree, campaign_2016, staff_a):
    """附表1 of 道里区: its cells hold a contact's name and mobile."""
    from orgtree import services as tree_services

    tree_services.update_contacts(unit=tree.district_a, contacts={"leader": CONTACT, "contact": CONTACT}, actor=staff_a)
    return services.submit_return(
        form=campaign_2016.forms.get(form_no="1"), unit=tree.district_a, actor=staff_a, **FOOTER
    )


def exported(ret, login, user):
    return login(user).get(reverse("returns:return_export", args=[ret.pk])).content


def sheet_part(content, title):
    """The zip member name of the sheet called `title`."""
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        book = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(rf'<sheet[^>]*name="{title}"[^>]*r:id="(rId\d+)"', book).group(1)
    target = re.search(rf'<Relationship[^>]*Id="{rid}"[^>]*Target="([^"]+)"', rels) or re.search(
        rf'<Relationship[^>]*Target="([^"]+)"[^>]*Id="{rid}"', rels
    )
    return "xl/" + target.group(1).lstrip("/").removeprefix("xl/")


def without_declaration(xml):
    return xml.split("?>", 1)[1] if xml.startswith("<?xml") else xml


def post(client, ret, content, name="r.xlsx"):
    return client.post(reverse("returns:verify", args=[ret.snapshot.code]), {"file": SimpleUploadedFile(name, content)})


def test_a_one_row_cell_index_shows_the_public_no_stored_value(contacts_return, staff_a, login, client):
    """Issue 12: the page listed up to 100 stored cells as mismatches, names and full mobiles included."""
    content = exported(contacts_return, login, staff_a)
    part = sheet_part(content, "_cells")
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        xml = z.read(part).decode()
    first_row_end = xml.index("</row>") + len("</row>")
    one_row = xml[: xml.index("<row")] + xml[xml.index("<row") : first_row_end] + xml[xml.index("</sheetData>") :]
    client.logout()
    response = post(client, contacts_return, corpus.replace_part(content, part, one_row.encode()))
    body = response.content.decode()
    assert response.status_code == 200
    assert "文件与报送时不一致" in body and "在文件中找不到" in body
    for secret in ("13812349876", "138****9876", "张红梅", "0451-8466"):
        assert secret not in body


def test_the_uploader_who_may_open_the_return_sees_the_values(contacts_return, staff_a, login):
    content = exported(contacts_return, login, staff_a)
    part = sheet_part(content, "_cells")
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        xml = z.read(part).decode()
    one_row = xml[: xml.index("</row>") + len("</row>")] + xml[xml.index("</sheetData>") :]
    body = post(login(staff_a), contacts_return, corpus.replace_part(content, part, one_row.encode())).content.decode()
    assert "张红梅" in body and "（文件中没有）" in body


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("truncated_cells", "已损坏"),
        ("doctype_cells", "XML 实体声明"),
        ("malformed_workbook", "已损坏"),
        ("entity_workbook", "XML 实体声明"),
    ],
)
def test_a_damaged_or_hostile_export_gets_a_message_not_a_500(contacts_return, staff_a, login, client, damage, message):
    """Issue 12: a truncated _cells XML, a DOCTYPE entity or a malformed workbook.xml gave a 500."""
    content = exported(contacts_return, login, staff_a)
    part = sheet_part(content, "_cells")
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        cells_xml, book_xml = z.read(part).decode(), z.read("xl/workbook.xml").decode()
    if damage == "truncated_cells":
        damaged = corpus.replace_part(content, part, cells_xml[: len(cells_xml) // 2].encode())
    elif damage == "doctype_cells":
        xml = '<?xml version="1.0"?><!DOCTYPE w [<!ENTITY e "x">]>' + without_declaration(cells_xml)
        damaged = corpus.replace_part(content, part, xml.encode())
    elif damage == "malformed_workbook":
        damaged = corpus.replace_part(content, "xl/workbook.xml", book_xml[: book_xml.index("<sheets>") + 20].encode())
    else:
        xml = corpus.LAUGHS + without_declaration(book_xml)
        damaged = corpus.replace_part(content, "xl/workbook.xml", xml.encode())
    client.logout()
    response = post(client, contacts_return, damaged)
    assert response.status_code == 200
    assert message in response.content.decode()


def test_uploads_are_rate_limited_per_address(contacts_return, client, settings):
    settings.VERIFY_UPLOADS_PER_MINUTE = 3
    statuses = [post(client, contacts_return, b"x").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    response = post(client, contacts_return, b"x")
    assert "上传核对过于频繁" in response.content.decode()
    other = client.post(
        reverse("returns:verify", args=[contacts_return.snapshot.code]),
        {"file": SimpleUploadedFile("r.xlsx", b"x")},
        REMOTE_ADDR="10.0.0.9",
    )
    assert other.status_code == 200
    # Looking a code up is not an upload and is not counted.
    assert client.get(reverse("returns:verify", args=[contacts_return.snapshot.code])).status_code == 200


def _upload_from(client, ret, address):
    return client.post(
        reverse("returns:verify", args=[ret.snapshot.code]),
        {"file": SimpleUploadedFile("r.xlsx", b"x")},
        REMOTE_ADDR="10.0.0.1",  # the reverse proxy
        HTTP_X_FORWARDED_FOR=f"198.51.100.7, {address}",  # a client-sent entry, then the proxy's
    )


def test_twelve_clients_behind_a_trusted_proxy_each_get_their_own_allowance(
    contacts_return, client, settings, monkeypatch
):
    """Issue 25: the limit read REMOTE_ADDR only, so behind docs/deploy.md's proxy every visitor shared one bucket."""
    settings.VERIFY_UPLOADS_PER_MINUTE = 2
    monkeypatch.setenv("FORWARDED_FOR_TRUSTED", "true")
    for i in range(12):
        statuses = [_upload_from(client, contacts_return, f"203.0.113.{i}").status_code for _ in range(3)]
        assert statuses == [200, 200, 429], i


def test_without_a_trusted_proxy_the_forwarded_header_is_ignored(contacts_return, client, settings, monkeypatch):
    settings.VERIFY_UPLOADS_PER_MINUTE = 2
    monkeypatch.delenv("FORWARDED_FOR_TRUSTED", raising=False)
    statuses = [_upload_from(client, contacts_return, f"203.0.113.{i}").status_code for i in range(3)]
    assert statuses == [200, 200, 429]  # one address (the proxy's), whatever the header says


def test_the_count_is_shared_by_every_process(contacts_return, client, settings):
    """The count lives in the database cache: a second process (a new cache object) sees it."""
    from django.core.cache.backends.db import DatabaseCache

    from fedorg import ratelimit

    assert ratelimit.allow("probe", "10.0.0.5", limit=5) is True
    other_process = DatabaseCache(settings.CACHES["shared"]["LOCATION"], {})
    keys = [k for k in [f"ratelimit:probe:10.0.0.5:{b}" for b in range(*_buckets())] if other_process.get(k)]
    assert [other_process.get(k) for k in keys] == [1]


def _buckets():
    import time

    now = int(time.time() // 60)
    return now - 1, now + 1


def test_a_body_over_the_size_limit_is_refused_before_it_is_read(contacts_return, client):
    response = post(client, contacts_return, b"PK\x03\x04" + bytes(11 * 1024 * 1024))
    assert response.status_code == 413 and "文件超过 10 MB" in response.content.decode()
