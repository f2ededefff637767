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
    assert "无法读取该文件" in response.content.decode()


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
