"""Unit pages, tree operations through the browser, the navigator API and search: roles, scope,
Chinese form errors that keep the input, and query counts that do not grow with the tree."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from orgtree import services
from orgtree.models import AuditEvent, Contact, Unit

K, F = Unit.Kind, Unit.OrgForm


def url(name, unit):
    return reverse(name, args=[unit.pk])


def fresh(unit):
    return Unit.objects.get(pk=unit.pk)


def page(response):
    return response.content.decode()


def png_file(name="seal.png", fmt="PNG"):
    buffer = io.BytesIO()
    Image.new("RGBA" if fmt == "PNG" else "RGB", (80, 80), (200, 20, 20)).save(buffer, format=fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


# --- the unit page ------------------------------------------------------------------------


def test_the_unit_page_shows_breadcrumb_kind_form_children_with_counts_and_contacts(tree, staff_a, login):
    services.update_contacts(
        unit=tree.district_a,
        contacts={"leader": {"name": "王丽华", "title": "区妇联主席", "mobile": "13904510001"}},
        actor=staff_a,
    )
    html = page(login(staff_a).get(url("orgtree:unit", tree.district_a)))
    assert "道里区" in html and "组织代码 230102" in html
    assert ">区<" in html and ">妇联<" in html
    assert "兆麟街道" in html and "新农镇" in html
    assert "社区 2" in html  # 兆麟街道's subtree by kind
    assert "王丽华" in html and "区妇联主席" in html
    assert "本组织以下共有：" in html and "街道 1 个" in html and "村 1 个" in html


def test_the_breadcrumb_stops_at_the_users_own_unit(tree, staff_a, login):
    html = page(login(staff_a).get(url("orgtree:unit", tree.community_a)))
    breadcrumb = html.split('class="breadcrumb"')[1].split("</nav>")[0]
    assert "道里区" in breadcrumb and "兆麟街道" in breadcrumb
    assert "哈尔滨市" not in breadcrumb


def test_the_unit_page_of_another_district_is_404(tree, staff_a, login):
    assert login(staff_a).get(url("orgtree:unit", tree.district_b)).status_code == 404


def test_archived_children_are_hidden_until_asked_for(tree, admin_a, login):
    services.archive_unit(unit=tree.community_a2, actor=admin_a)
    client = login(admin_a)
    html = page(client.get(url("orgtree:unit", tree.street_a)))
    assert "经纬社区" not in html and "另有 1 个已撤销的下级组织" in html
    assert "经纬社区" in page(client.get(url("orgtree:unit", tree.street_a) + "?archived=1"))


def test_actions_follow_the_role(tree, staff_a, admin_a, viewer_a, login):
    client = login(viewer_a)
    html = page(client.get(url("orgtree:unit", tree.street_a)))
    assert "编辑联系人" not in html and "调整隶属" not in html
    client = login(staff_a)
    html = page(client.get(url("orgtree:unit", tree.street_a)))
    assert "编辑联系人" in html and "上传公章</a>" not in html and "调整隶属" not in html
    client = login(admin_a)
    html = page(client.get(url("orgtree:unit", tree.street_a)))
    assert "上传公章</a>" in html and "调整隶属" in html and "合并" in html and "更名" in html
    html = page(client.get(url("orgtree:unit", tree.district_a)))
    assert "新建下级组织" in html and "调整隶属" not in html and "更名" not in html


# --- roots and search ---------------------------------------------------------------------


def test_roots_lists_the_users_own_unit_only(tree, staff_a, login):
    html = page(login(staff_a).get(reverse("orgtree:roots")))
    assert "道里区" in html
    assert "哈尔滨市" not in html and "南岗区" not in html


def test_search_finds_by_name_and_by_code_prefix_inside_the_subtree(tree, staff_a, login):
    client = login(staff_a)
    assert "兆麟社区" in page(client.get(reverse("orgtree:search"), {"q": "兆麟"}))
    html = page(client.get(reverse("orgtree:search"), {"q": "230102001"}))
    assert "兆麟社区" in html and "经纬社区" in html
    outside = page(client.get(reverse("orgtree:search"), {"q": "230103"}))
    assert "花园" not in outside and "没有找到" in outside


# --- role rules ---------------------------------------------------------------------------

WRITE_PAGES = [
    "orgtree:create",
    "orgtree:rename",
    "orgtree:move",
    "orgtree:merge",
    "orgtree:archive",
    "orgtree:convert",
]


@pytest.mark.parametrize("name", [*WRITE_PAGES, "orgtree:contacts", "orgtree:seal"])
def test_a_viewer_gets_403_on_every_write_page(tree, viewer_a, login, name):
    unit = tree.village_a
    assert login(viewer_a).get(url(name, unit)).status_code == 403


@pytest.mark.parametrize("name", ["orgtree:restore", "orgtree:pilot"])
def test_a_viewer_gets_403_on_every_write_post(tree, viewer_a, login, name):
    assert login(viewer_a).post(url(name, tree.street_a)).status_code == 403


@pytest.mark.parametrize("name", WRITE_PAGES)
def test_staff_cannot_restructure(tree, staff_a, login, name):
    assert login(staff_a).get(url(name, tree.village_a)).status_code == 403


def test_staff_cannot_set_a_pilot(tree, staff_a, login):
    assert login(staff_a).post(url("orgtree:pilot", tree.street_a), {"is_pilot": "1"}).status_code == 403
    assert not fresh(tree.street_a).is_pilot


def test_staff_may_open_contacts_but_only_administrators_replace_the_seal(tree, staff_a, admin_a, login):
    assert login(staff_a).get(url("orgtree:contacts", tree.street_a)).status_code == 200
    assert login(staff_a).get(url("orgtree:seal", tree.street_a)).status_code == 403
    assert login(admin_a).get(url("orgtree:seal", tree.district_a)).status_code == 200


@pytest.mark.parametrize("name", ["orgtree:rename", "orgtree:move", "orgtree:merge", "orgtree:archive"])
def test_a_district_admin_cannot_restructure_her_own_district(tree, admin_a, login, name):
    client = login(admin_a)
    assert client.get(url(name, tree.district_a)).status_code == 403
    assert client.get(url(name, tree.street_a)).status_code == 200


def test_a_district_admin_cannot_restore_or_pilot_her_own_district(tree, admin_a, login):
    client = login(admin_a)
    assert client.post(url("orgtree:restore", tree.district_a)).status_code == 403
    assert client.post(url("orgtree:pilot", tree.district_a), {"is_pilot": "1"}).status_code == 403


@pytest.mark.parametrize("name", [*WRITE_PAGES, "orgtree:contacts", "orgtree:seal", "orgtree:export"])
def test_a_district_admin_gets_404_in_another_district(tree, admin_a, login, name):
    assert login(admin_a).get(url(name, tree.street_b)).status_code == 404


# --- tree operations through the pages ----------------------------------------------------


def test_a_district_admin_creates_a_child_and_it_is_audited(tree, admin_a, login):
    response = login(admin_a).post(
        url("orgtree:create", tree.street_a),
        {"name": "友谊社区", "code": "230102001003", "kind": K.COMMUNITY, "org_form": F.CONGRESS},
    )
    unit = Unit.objects.get(code="230102001003")
    assert response.status_code == 302 and response["Location"] == url("orgtree:unit", unit)
    assert unit.parent_id == tree.street_a.pk and unit.org_form == F.CONGRESS
    assert AuditEvent.objects.filter(action="unit.create", unit=unit, actor=admin_a).exists()


def test_a_unit_founded_today_is_left_out_of_tables_counted_before_its_founding_date(tree, admin_a, login):
    """成立日期: a community opened now is not in 2016's 附表 (it did not exist then); left blank, the unit
    is one entered late that existed all along."""
    import datetime

    from django.utils import timezone

    from reports import tables

    client = login(admin_a)
    form = page(client.get(url("orgtree:create", tree.street_a)))
    assert f'value="{timezone.localdate():%Y-%m-%d}"' in form and "成立日期" in form
    before = tables.cell_values(tables.compute(4, unit=fresh(tree.district_a), as_of=datetime.date(2016, 8, 31)))
    today = timezone.localdate()
    new = {"name": "友谊社区", "code": "230102001003", "kind": K.COMMUNITY, "org_form": F.FEDERATION}
    assert (
        client.post(url("orgtree:create", tree.street_a), {**new, "founded_on": today.isoformat()}).status_code == 302
    )
    after = tables.cell_values(tables.compute(4, unit=fresh(tree.district_a), as_of=datetime.date(2016, 8, 31)))
    assert after == before, "a unit founded today is not in a table of 2016"
    now = tables.compute(4, unit=fresh(tree.district_a), as_of=today)
    assert "友谊社区" in page(client.get(url("orgtree:unit", Unit.objects.get(code="230102001003"))))
    assert tables.cell_values(now) != after  # counted from today on

    entered_late = {"name": "老街社区", "code": "230102001004", "kind": K.COMMUNITY, "org_form": F.FEDERATION}
    assert client.post(url("orgtree:create", tree.street_a), {**entered_late, "founded_on": ""}).status_code == 302
    assert tables.cell_values(tables.compute(4, unit=fresh(tree.district_a), as_of=datetime.date(2016, 8, 31))) != after


def test_a_founding_date_in_the_future_or_before_the_parents_is_refused_in_chinese(tree, admin_a, login):
    import datetime

    from django.utils import timezone

    from orgtree.models import UnitVersion

    client = login(admin_a)
    new = {"name": "友谊社区", "code": "230102001003", "kind": K.COMMUNITY, "org_form": F.FEDERATION}
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    html = page(client.post(url("orgtree:create", tree.street_a), {**new, "founded_on": tomorrow.isoformat()}))
    assert "不能晚于今天" in html and 'value="友谊社区"' in html
    UnitVersion.objects.filter(unit=tree.street_a).update(valid_from=datetime.date(2010, 1, 1))
    html = page(client.post(url("orgtree:create", tree.street_a), {**new, "founded_on": "2009-05-01"}))
    assert "早于上级组织“兆麟街道”的成立日期 2010-01-01" in html
    assert not Unit.objects.filter(code="230102001003").exists()


def test_create_offers_only_valid_child_kinds(tree, admin_a, login):
    html = page(login(admin_a).get(url("orgtree:create", tree.township_a)))
    assert 'value="village"' in html and 'value="community"' not in html


def test_a_duplicate_code_is_shown_in_chinese_and_the_typed_input_is_kept(tree, admin_a, login):
    response = login(admin_a).post(
        url("orgtree:create", tree.street_a),
        {"name": "我新建的社区", "code": "230102001001", "kind": K.COMMUNITY, "org_form": F.FEDERATION},
    )
    html = page(response)
    assert response.status_code == 200
    assert "组织代码 230102001001 已被“兆麟社区”使用。" in html
    assert 'value="我新建的社区"' in html and 'value="230102001001"' in html


def test_a_blank_name_is_refused_in_chinese(tree, admin_a, login):
    html = page(login(admin_a).post(url("orgtree:rename", tree.street_a), {"name": "", "code": "230102009"}))
    assert "该字段是必填项。" in html
    assert 'value="230102009"' in html
    assert fresh(tree.street_a).code == "230102001"


def test_renaming_through_the_page(tree, admin_a, login):
    login(admin_a).post(url("orgtree:rename", tree.street_a), {"name": "兆麟新街道", "code": "230102001"})
    assert fresh(tree.street_a).name == "兆麟新街道"


def test_moving_into_the_units_own_subtree_shows_the_reason_and_keeps_the_input(tree, admin_a, login):
    response = login(admin_a).post(url("orgtree:move", tree.street_a), {"new_parent": "230102001001"})
    html = page(response)
    assert "不能把“兆麟街道”迁入它自己或它的下级组织“兆麟社区”。" in html
    assert 'value="230102001001"' in html


def test_moving_to_a_parent_outside_the_subtree_is_not_found(tree, admin_a, login):
    html = page(login(admin_a).post(url("orgtree:move", tree.street_a), {"new_parent": "230103"}))
    assert "找不到组织代码为 230103 的组织，或它不在您的管辖范围内。" in html
    assert fresh(tree.street_a).parent_id == tree.district_a.pk


def test_the_city_admin_moves_a_street_between_districts(tree, city_admin, login):
    response = login(city_admin).post(url("orgtree:move", tree.street_a), {"new_parent": "230103"})
    assert response.status_code == 302
    assert fresh(tree.street_a).parent_id == tree.district_b.pk


def test_merging_through_the_page(tree, admin_a, login):
    response = login(admin_a).post(
        url("orgtree:merge", tree.community_a2), {"target": "230102001001", "reason": "撤并"}
    )
    assert response.status_code == 302
    assert fresh(tree.community_a2).merged_into_id == tree.community_a.pk


def test_archiving_needs_a_reason_in_chinese(tree, admin_a, login):
    html = page(login(admin_a).post(url("orgtree:archive", tree.village_a), {"reason": ""}))
    assert "该字段是必填项。" in html
    assert not fresh(tree.village_a).is_archived


def test_archiving_a_unit_with_children_shows_why_not(tree, admin_a, login):
    html = page(login(admin_a).post(url("orgtree:archive", tree.township_a), {"reason": "撤乡并镇"}))
    assert "“新农镇”还有未撤销的下级组织（新农村）" in html
    assert 'value="撤乡并镇"' in html


def test_archive_then_restore_through_the_pages(tree, admin_a, login):
    client = login(admin_a)
    client.post(url("orgtree:archive", tree.village_a), {"reason": "撤并"})
    assert fresh(tree.village_a).is_archived
    response = client.post(url("orgtree:restore", tree.village_a))
    assert response.status_code == 302
    assert not fresh(tree.village_a).is_archived


def test_restore_answers_404_outside_and_refuses_get(tree, admin_a, login):
    client = login(admin_a)
    assert client.post(url("orgtree:restore", tree.community_b)).status_code == 404
    assert client.get(url("orgtree:restore", tree.village_a)).status_code == 405


def test_converting_a_congress_needs_a_valid_date(tree, admin_a, login):
    client = login(admin_a)
    html = page(client.post(url("orgtree:convert", tree.village_a), {"effective_date": "2016年13月"}))
    assert "输入一个有效的日期。" in html and 'value="2016年13月"' in html
    preview = client.post(url("orgtree:convert", tree.village_a), {"effective_date": "2016-07-01"})
    assert preview.status_code == 200 and "确认改建" in page(preview)  # first shows what will change
    assert fresh(tree.village_a).org_form == F.CONGRESS
    response = client.post(url("orgtree:convert", tree.village_a), {"effective_date": "2016-07-01", "confirm": "1"})
    assert response.status_code == 302
    assert fresh(tree.village_a).org_form == F.FEDERATION


def test_converting_a_federation_shows_the_reason(tree, admin_a, login):
    html = page(login(admin_a).post(url("orgtree:convert", tree.community_a), {"effective_date": "2016-07-01"}))
    assert "“兆麟社区”已经是妇联。" in html


def test_setting_a_pilot_through_the_page(tree, admin_a, login):
    login(admin_a).post(url("orgtree:pilot", tree.street_a), {"is_pilot": "1"})
    assert fresh(tree.street_a).is_pilot
    assert login(admin_a).post(url("orgtree:pilot", tree.street_b), {"is_pilot": "1"}).status_code == 404


# --- contacts and seal --------------------------------------------------------------------


def test_staff_edits_contacts_and_the_change_is_audited(tree, staff_a, login):
    data = {"leader-name": "王丽华", "leader-title": "区妇联主席", "leader-mobile": "13904510001"}
    data |= {"contact-name": "李淑琴", "contact-office_phone": "0451-84661234", "contact-mobile": "13904510002"}
    response = login(staff_a).post(url("orgtree:contacts", tree.district_a), data)
    assert response.status_code == 302
    contacts = {c.role: c for c in Contact.objects.filter(unit=tree.district_a)}
    assert contacts["leader"].name == "王丽华" and contacts["contact"].office_phone == "0451-84661234"
    assert AuditEvent.objects.filter(action="unit.contacts", actor=staff_a).exists()


def test_a_bad_mobile_is_refused_in_chinese_and_the_typed_contacts_are_kept(tree, staff_a, login):
    data = {"leader-name": "王丽华", "leader-mobile": "1390451", "contact-name": "李淑琴"}
    html = page(login(staff_a).post(url("orgtree:contacts", tree.district_a), data))
    assert "手机号码应为 11 位数字，以 1 开头。" in html
    assert 'value="王丽华"' in html and 'value="1390451"' in html and 'value="李淑琴"' in html
    assert not Contact.objects.filter(unit=tree.district_a).exists()


def test_contacts_outside_the_subtree_are_404(tree, staff_a, login):
    assert login(staff_a).get(url("orgtree:contacts", tree.district_b)).status_code == 404


def test_a_png_seal_is_stored_and_shown(tree, admin_a, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = login(admin_a)
    response = client.post(url("orgtree:seal", tree.district_a), {"image": png_file()})
    assert response.status_code == 302
    unit = fresh(tree.district_a)
    assert unit.seal.name.startswith("seals/230102")
    assert (tmp_path / unit.seal.name).exists()
    assert url("orgtree:seal_image", unit) in page(client.get(url("orgtree:unit", unit)))
    assert AuditEvent.objects.filter(action="unit.seal", unit=unit).exists()


def test_a_jpeg_seal_is_refused_in_chinese(tree, admin_a, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    html = page(login(admin_a).post(url("orgtree:seal", tree.district_a), {"image": png_file("seal.jpg", "JPEG")}))
    assert "公章图片须为 PNG 格式" in html
    assert not fresh(tree.district_a).seal


def test_a_file_that_is_not_an_image_is_refused(tree, admin_a, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    fake = SimpleUploadedFile("seal.png", b"not an image", content_type="image/png")
    response = login(admin_a).post(url("orgtree:seal", tree.district_a), {"image": fake})
    assert response.status_code == 200
    assert "图片" in page(response)
    assert not fresh(tree.district_a).seal


def test_the_unit_list_downloads_as_xlsx(tree, viewer_a, login):
    response = login(viewer_a).get(url("orgtree:export", tree.district_a))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


# --- API ----------------------------------------------------------------------------------


def test_the_children_api_lists_direct_children_for_the_navigator(tree, staff_a, login):
    data = login(staff_a).get(reverse("api-unit-children", args=[tree.district_a.code])).json()["results"]
    assert [u["code"] for u in data] == ["230102001", "230102100"]
    assert data[0]["has_children"] is True and data[0]["kind_label"] == "街道"


def test_the_children_api_is_404_outside(tree, staff_a, login):
    assert login(staff_a).get(reverse("api-unit-children", args=[tree.district_b.code])).status_code == 404


def test_the_detail_api_answers_inside_and_404_outside(tree, staff_a, login):
    client = login(staff_a)
    assert client.get(reverse("api-unit-detail", args=[tree.street_a.code])).json()["name"] == "兆麟街道"
    assert client.get(reverse("api-unit-detail", args=[tree.street_b.code])).status_code == 404


def test_the_list_api_searches_inside_the_subtree(tree, staff_a, login):
    data = login(staff_a).get(reverse("api-unit-list"), {"q": "社区"}).json()
    assert {u["code"] for u in data["results"]} == {"230102001001", "230102001002"}


# --- query counts -------------------------------------------------------------------------


def grow(parent_code, streets, communities):
    """Add streets × communities below a district with the bulk loader (one rebuild)."""
    rows = []
    for s in range(streets):
        street = f"{parent_code}{200 + s:03d}"
        rows.append((street, f"扩展{s}街道", K.STREET, F.FEDERATION, False, parent_code))
        rows += [
            (f"{street}{c:03d}", f"扩展{s}-{c}社区", K.COMMUNITY, F.CONGRESS, False, street) for c in range(communities)
        ]
    services.bulk_load_units(rows=rows)


def count_queries(client, path, **params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "target",
    [
        lambda t: url("orgtree:unit", t.district_a),
        lambda t: reverse("orgtree:search") + "?q=社区",
        lambda t: reverse("api-unit-children", args=[t.district_a.code]),
        lambda t: reverse("api-unit-list"),
    ],
    ids=["unit page", "search", "children api", "list api"],
)
def test_queries_do_not_grow_with_the_tree(tree, admin_a, login, django_assert_max_num_queries, target):
    client = login(admin_a)
    path = target(tree)
    small = count_queries(client, path)
    grow("230102", streets=12, communities=8)
    with django_assert_max_num_queries(small):
        response = client.get(path)
    assert response.status_code == 200
    assert Unit.objects.count() == 10 + 12 * 9


def test_the_unit_page_stays_within_a_fixed_number_of_queries(tree, admin_a, login, django_assert_max_num_queries):
    grow("230102", streets=12, communities=8)
    services.update_contacts(unit=tree.district_a, contacts={"leader": {"name": "王丽华"}}, actor=admin_a)
    client = login(admin_a)
    # 22: the navigator opens the path to the unit (one query) on top of the count-date and seal reads,
    # and the dashboard reads the rule set in effect (members.rules).
    with django_assert_max_num_queries(22):
        html = page(client.get(url("orgtree:unit", tree.district_a)))
    assert "扩展11街道" in html and "社区 8" in html
