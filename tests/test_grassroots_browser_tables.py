"""The browser half of issue 24's done-when: records entered through the pages are read back in the
defined tables' pages (reports.defined_views): the coverage table of a street shows its organisations with
and without a women's body and its 组建率, the two-committee table of a district shows 女性进两委比例 and
正职比例, and the district's 妇女之家 table counts the community's 妇女之家 recorded in the browser."""

import html
import re
from pathlib import Path

from django.urls import reverse

from grassroots.models import WomenHome
from reports.models import save_definition

TABLEDEFS = Path(__file__).resolve().parent.parent / "reports" / "tabledefs"
CELL_RE = re.compile(r"<t([hd])([^>]*)>(.*?)</t[hd]>", re.S)


def _text(cell):
    return html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()


def _read_table(page):
    """{row label: {"group/column" or "column": cell text}} of the first table on the page, the leaf
    columns found from its two header rows (a rowspan=2 cell is a column, a colspan=n cell a group)."""
    table = page[page.index("<table") : page.index("</table>")]
    head, body = table.split("<tbody>", 1)
    header_rows = [CELL_RE.findall(tr) for tr in re.findall(r"<tr>(.*?)</tr>", head, re.S)]
    second = iter(_text(c[2]) for c in header_rows[1]) if len(header_rows) > 1 else iter(())
    columns = []
    for _kind, attrs, cell in header_rows[0]:
        span = re.search(r'colspan="(\d+)"', attrs)
        if span:
            columns += [f"{_text(cell)}/{next(second)}" for _ in range(int(span.group(1)))]
        else:
            columns.append(_text(cell))
    rows = {}
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        cells = [_text(c[2]) for c in CELL_RE.findall(tr)]
        if cells:
            rows[cells[0]] = dict(zip(columns[1:], cells[1:], strict=True))
    return rows


def _table(client, unit, key):
    response = client.get(reverse("reports:defined_table", args=[unit.pk, key]), {"as_of": "2017-12-31"})
    assert response.status_code == 200
    return _read_table(response.content.decode())


def _post(client, name, pk, data):
    response = client.post(reverse(f"grassroots:{name}", args=[pk]), data)
    assert response.status_code == 302, response.content.decode()


def test_the_tables_read_what_the_browser_recorded(tree, street_staff, staff_a, city_admin, member, login):
    for key in ("women_homes", "two_committees", "coverage"):
        save_definition((TABLEDEFS / f"{key}.yaml").read_text(encoding="utf-8"), owner=tree.city, actor=city_admin)
    chair = member(tree.community_a, role="chair", name="王秀兰")
    street = login(street_staff)
    four_has = dict.fromkeys(("place_on", "sign_on", "rules_on", "activities_on"), "2017-03-01")
    _post(
        street,
        "women_home_add",
        tree.community_a.pk,
        {"name": "兆麟社区妇女之家", "opened_on": "2017-01-10", "person": chair.person_id, **four_has},
    )
    home = WomenHome.objects.get()
    for held_on, title in (("2017-03-08", "三八维权宣传"), ("2017-07-20", "家庭教育讲座")):
        _post(street, "activity_add", home.pk, {"held_on": held_on, "kind": "rights", "title": title, "attendance": 40})
    for unit, women, head in ((tree.community_a, 3, True), (tree.community_a2, 0, False)):
        committee = {"elected_on": "2017-05-01", "members": 7, "women": women}
        _post(street, "two_committees_add", unit.pk, {**committee, **({"director_woman": "on"} if head else {})})
    for name, women_org in (("兆麟科技公司", "federation"), ("兆麟社工站", "none")):
        organisation = {"name": name, "kind": "new_economic", "women_org": women_org, "listed_on": "2016-01-01"}
        _post(street, "organisation_add", tree.street_a.pk, organisation)
    district = login(staff_a)
    _post(district, "two_committees_add", tree.village_a.pk, {"elected_on": "2017-01-05", "members": 5, "women": 1})

    coverage = _table(district, tree.street_a, "coverage")["合计"]
    assert (coverage["合计/组织数"], coverage["合计/已建妇女组织"], coverage["合计/未建"]) == ("2", "1", "1")
    assert coverage["合计/组建率（%）"] == "50.0"
    assert coverage["新经济组织/组建率（%）"] == "50.0"

    committees = _table(district, tree.district_a, "two_committees")
    total = committees["合计"]
    assert (total["已登记两委的"], total["有女性进两委的/个数"], total["女性任正职的/个数"]) == ("3", "2", "1")
    assert total["有女性进两委的/女性进两委比例（%）"] == "66.7"
    assert total["女性任正职的/正职比例（%）"] == "33.3"
    assert committees["兆麟街道"]["女性任正职的/正职比例（%）"] == "50.0"

    homes = _table(district, tree.district_a, "women_homes")
    assert homes["兆麟街道"]["妇女之家/总数"] == "1" and homes["新农镇"]["妇女之家/总数"] == "0"
    assert homes["合计"]["村（社区）覆盖/建有妇女之家的"] == "1"
