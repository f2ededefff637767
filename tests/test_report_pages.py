"""附表 pages, downloads, print view, drill-down, JSON API and export_report: access, figures, query counts."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from fedorg.dates import cn_date
from members import services as members
from orgtree import services as tree_services
from orgtree.models import Unit
from reports import specs, tables
from reports.excel import read_values

START = datetime.date(2016, 7, 1)


def staff(unit, role, name, **post):
    person = members.create_person(data={"name": name, "birth_date": datetime.date(1980, 1, 1)}, actor=None)
    return members.appoint(person=person, unit=unit, role=role, start_date=START, actor=None, **post)


@pytest.fixture
def staffed(tree):
    staff(tree.street_a, "chair", "街道主席")
    staff(tree.community_a, "chair", "社区主席")
    staff(tree.community_a, "executive", "社区执委")
    staff(tree.community_a2, "director", "妇代会主任")
    staff(tree.district_a, "vice_chair", "区副主席")
    return tree


def urls(unit_pk, form_no=4):
    return [
        reverse("reports:index", args=[unit_pk]),
        reverse("reports:table", args=[unit_pk, form_no]),
        reverse("reports:print", args=[unit_pk, form_no]),
        reverse("reports:xlsx", args=[unit_pk, form_no]),
        reverse("reports:cell", args=[unit_pk, form_no]) + "?row=total&col=b2_after",
        reverse("api-report", args=[form_no]) + f"?unit={Unit.objects.get(pk=unit_pk).code}",
    ]


@pytest.mark.parametrize("form_no", tables.FORMS)
def test_every_report_page_opens_for_a_read_only_user_of_the_district(staffed, login, viewer_a, form_no):
    client = login(viewer_a)
    for url in urls(staffed.district_a.pk, form_no)[:4]:
        assert client.get(url).status_code == 200, url


def test_a_drill_down_list_names_the_block_its_column_belongs_to(staffed, login, viewer_a):
    """附表4's three blocks each have a 扩员后合计: the list's heading says whose it is."""
    client = login(viewer_a)
    cell = reverse("reports:cell", args=[staffed.district_a.pk, 4])
    headings = {
        col: client.get(f"{cell}?row=total&col={col}").context["col_label"]
        for col in ("b1_after", "b2_after", "b2_chair", "b3_after")
    }
    names = {number: name for number, name, *_rest in specs.BLOCKS}
    assert headings == {
        "b1_after": f"{names[1]}·成员数·扩员后合计",
        "b2_after": f"{names[2]}·成员数·扩员后合计",
        "b2_chair": f"{names[2]}·成员数·{specs.BLOCKS[1][2][0]}",
        "b3_after": f"{names[3]}·成员数·扩员后合计",
    }
    page = client.get(f"{cell}?row=total&col=b2_after").content.decode()
    assert f"合计 · {names[2]}·成员数·扩员后合计：" in page


def test_report_pages_answer_404_outside_the_users_subtree(staffed, login, staff_b):
    client = login(staff_b)
    for url in urls(staffed.district_a.pk):
        assert client.get(url).status_code == 404, url


def test_report_pages_send_anonymous_visitors_to_login(staffed, client):
    response = client.get(urls(staffed.district_a.pk)[1])
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert client.get(urls(staffed.district_a.pk)[5]).status_code in (401, 403)


def test_an_unknown_form_number_is_404(staffed, login, city_admin):
    assert login(city_admin).get(reverse("reports:table", args=[staffed.city.pk, 6])).status_code == 404


def test_table_page_shows_the_merged_header_total_first_and_drilldown_links(staffed, login, city_admin):
    url = reverse("reports:table", args=[staffed.city.pk, 4]) + "?as_of=2016-08-31"
    page = login(city_admin).get(url).content.decode()
    assert 'colspan="8"' in page and "乡镇（街道）妇联" in page and "附表4（续）" in page
    assert page.index(">合计<") < page.index(">道里区<") < page.index(">南岗区<")
    assert "截止时间：2016年8月31日" in page and "填报单位（盖章）：哈尔滨市" in page
    assert "?row=total&amp;col=b2_after&amp;as_of=2016-08-31" in page


def test_a_bad_as_of_date_is_explained_and_today_used(staffed, login, city_admin):
    response = login(city_admin).get(reverse("reports:table", args=[staffed.city.pk, 4]) + "?as_of=2016-13-01")
    assert response.status_code == 200
    assert "不是有效日期" in response.content.decode()
    assert response.context["snapshot"]["as_of"] == timezone.localdate().isoformat()


def test_as_of_changes_the_figures(staffed, login, city_admin):
    client = login(city_admin)
    before = client.get(reverse("reports:table", args=[staffed.city.pk, 4]) + "?as_of=2016-06-30").context
    assert before["snapshot"]["as_of"] == "2016-06-30"
    assert tables.cell_values(before["snapshot"])["4-1/total/12"] == 0


def test_drilldown_page_lists_the_people_counted_with_links_to_their_roster_entries(staffed, login, viewer_a):
    response = login(viewer_a).get(urls(staffed.district_a.pk)[4])
    assert response.status_code == 200
    page = response.content.decode()
    people = [f["name"] for f in response.context["facts"]]
    assert sorted(people) == ["社区主席", "社区执委"]
    for fact in response.context["facts"]:
        assert reverse("members:person", args=[fact["person_id"]]) in page


def test_drilldown_for_a_row_outside_the_table_is_404(staffed, login, city_admin):
    url = reverse("reports:cell", args=[staffed.district_b.pk, 4]) + f"?row=u{staffed.street_a.pk}&col=b1_after"
    assert login(city_admin).get(url).status_code == 404


def test_api_returns_the_snapshot_with_the_same_numbers_as_the_excel_download(staffed, login, staff_a):
    client = login(staff_a)
    data = client.get(reverse("api-report", args=[5]) + f"?unit={staffed.district_a.code}").json()
    assert data["form"] == 5 and data["unit"]["code"] == "230102"
    xlsx = client.get(reverse("reports:xlsx", args=[staffed.district_a.pk, 5]))
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert read_values(xlsx.content) == tables.cell_values(data)
    page = client.get(reverse("reports:table", args=[staffed.district_a.pk, 5]))
    assert tables.cell_values(page.context["snapshot"]) == tables.cell_values(data)


def test_api_rejects_a_bad_date_with_a_chinese_message(staffed, login, staff_a):
    response = login(staff_a).get(reverse("api-report", args=[4]) + "?as_of=yesterday")
    assert response.status_code == 400 and "YYYY-MM-DD" in response.json()["error"]["fields"]["as_of"][0]


def test_export_report_command_writes_the_same_file_as_the_download_button(staffed, login, city_admin, tmp_path):
    out = tmp_path / "f4.xlsx"
    stdout = io.StringIO()
    call_command("export_report", form=4, unit="230102", as_of="2016-08-31", out=str(out), stdout=stdout)
    assert "已导出 附表4" in stdout.getvalue()
    download = login(city_admin).get(reverse("reports:xlsx", args=[staffed.district_a.pk, 4]) + "?as_of=2016-08-31")
    assert read_values(out.read_bytes()) == read_values(download.content)


def test_export_report_command_counts_on_today_like_the_page_when_no_date_is_given(
    staffed, login, city_admin, tmp_path
):
    out = tmp_path / "f4.xlsx"
    stdout = io.StringIO()
    call_command("export_report", form=4, unit="230102", out=str(out), stdout=stdout)
    assert f"截止 {cn_date(timezone.localdate())}" in stdout.getvalue()
    download = login(city_admin).get(reverse("reports:xlsx", args=[staffed.district_a.pk, 4]))
    assert read_values(out.read_bytes()) == read_values(download.content)


def test_export_report_command_names_a_missing_unit(staffed, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="999"):
        call_command("export_report", form=4, unit="999", out=str(tmp_path / "x.xlsx"))


def grow(tree, streets):
    """Add `streets` streets with two staffed communities each under 南岗区."""
    for i in range(streets):
        street = tree_services.create_unit(
            parent=Unit.objects.get(pk=tree.district_b.pk),
            name=f"新增街道{i}",
            code=f"230103{200 + i}",
            kind=Unit.Kind.STREET,
            actor=None,
        )
        staff(street, "chair", f"新街道主席{i}")
        for j in range(2):
            community = tree_services.create_unit(
                parent=street,
                name=f"新社区{i}-{j}",
                code=f"230103{200 + i}{j:03d}",
                kind=Unit.Kind.COMMUNITY,
                actor=None,
            )
            staff(community, "chair", f"新社区主席{i}-{j}")
            staff(community, "vice_chair", f"新社区副主席{i}-{j}")


# The page's own queries (session, user, unit, breadcrumb) plus the table's constant few (one of
# them the unit's name on the count date).
PAGE_QUERY_BOUND = {1: 12, 2: 13, 3: 14, 4: 14, 5: 14}


@pytest.mark.parametrize("form_no", tables.FORMS)
@pytest.mark.parametrize("streets", [0, 6])
def test_report_page_query_count_does_not_grow_with_the_tree(
    staffed, login, city_admin, django_assert_max_num_queries, form_no, streets
):
    grow(staffed, streets)
    client = login(city_admin)
    with django_assert_max_num_queries(PAGE_QUERY_BOUND[form_no]):
        response = client.get(reverse("reports:table", args=[staffed.city.pk, form_no]))
    assert response.status_code == 200


@pytest.mark.parametrize("streets", [0, 6])
def test_drilldown_and_api_query_counts_do_not_grow_with_the_tree(
    staffed, login, city_admin, django_assert_max_num_queries, streets
):
    grow(staffed, streets)
    client = login(city_admin)
    pages = urls(staffed.city.pk)
    with django_assert_max_num_queries(12):
        assert client.get(pages[4]).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(pages[5]).status_code == 200
