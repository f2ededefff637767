"""Browser tests of issue 14's remaining pages: pinning a cell by click, the tree navigator keeping
its place and becoming a drawer at 390 px, and the search-as-you-type pickers. Screenshots land in
out/screenshots/ (ignored; `make screenshots` writes docs/screenshots/journeys/)."""

import contextlib

import pytest
from django.urls import reverse

from returns import services
from returns.models import Return

from .conftest import axe_violations, screenshot

pytestmark = [pytest.mark.django_db(transaction=True)]

FOOTER = {"unit_leader": "王丽", "filled_by": "李娜", "phone": "0451-84661234"}


@pytest.fixture
def page_as(page_as):
    """The shared page_as, waiting at the end of a test until each page's requests are done (the
    navigator keeps fetching): the live server shares one in-memory SQLite database, which cannot
    be flushed while a request still runs."""
    pages = []

    def _page(*args, **kwargs):
        page = page_as(*args, **kwargs)
        pages.append(page)
        return page

    yield _page
    for page in pages:
        with contextlib.suppress(Exception):  # a page that never settles is closed anyway
            page.wait_for_load_state("networkidle", timeout=5000)


def test_the_reviewer_pins_cells_by_clicking_them(tree, campaign_2016, staff_a, city_reviewer, page_as, live_server):
    form = campaign_2016.forms.get(form_no="2")
    ret = services.submit_return(form=form, unit=tree.district_a, actor=staff_a, **FOOTER)
    page = page_as(city_reviewer)
    page.goto(live_server.url + ret.get_absolute_url())
    cells = page.locator("table.report td label.pin")
    assert cells.count() > 3
    cells.nth(2).click()
    cells.nth(3).click()
    picked = page.locator("[data-pin-list] li")
    assert picked.count() == 2
    assert "第" in picked.first.inner_text() and "栏" in picked.first.inner_text()
    assert page.locator("[data-pin-bar]").is_visible()
    screenshot(page, "pin_by_click_table")
    cells.nth(3).click()  # a second click takes the pin off
    assert picked.count() == 1
    page.locator("[data-pin-bar] a").click()
    page.fill("#id_reason", "这一格与名册不符，请核对。")
    screenshot(page, "pin_by_click_form")
    assert axe_violations(page) == []
    page.click("button.danger")
    page.wait_for_load_state("load")
    ret.refresh_from_db()
    assert ret.status == Return.Status.RETURNED and len(ret.pinned_cells) == 1


def test_pinning_works_without_javascript(tree, campaign_2016, staff_a, city_reviewer, browser, live_server, client):
    form = campaign_2016.forms.get(form_no="2")
    ret = services.submit_return(form=form, unit=tree.district_a, actor=staff_a, **FOOTER)
    client.force_login(city_reviewer)
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 800})
    host = live_server.url.split("//", 1)[1].split(":")[0]
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "domain": host, "path": "/"}]
    )
    try:
        page = context.new_page()
        page.goto(live_server.url + ret.get_absolute_url())
        page.locator("table.report td label.pin").nth(4).click()
        page.fill("#id_reason", "请核对。")
        page.click("button.danger")
        page.wait_for_load_state("load")
    finally:
        context.close()
    ret.refresh_from_db()
    assert ret.status == Return.Status.RETURNED and len(ret.pinned_cells) == 1


def test_the_navigator_opens_the_path_to_the_current_unit(tree, staff_a, page_as, live_server):
    page = page_as(staff_a)
    page.goto(live_server.url + reverse("orgtree:unit", args=[tree.community_a.pk]))
    current = page.locator(".tree li.current > a")
    current.wait_for()
    assert current.inner_text() == tree.community_a.name
    assert current.get_attribute("aria-current") == "page"
    # Its street is open, and so is the district: the path is visible without a click.
    assert (
        page.locator(f".tree li[data-id='{tree.street_a.code}'] > button.toggle").get_attribute("aria-expanded")
        == "true"
    )
    screenshot(page, "navigator_keeps_place")


def test_the_navigator_is_a_drawer_at_390px(tree, staff_a, page_as, live_server):
    page = page_as(staff_a, width=390, height=844)
    page.goto(live_server.url + reverse("orgtree:unit", args=[tree.community_a.pk]))
    navigator = page.locator("#navigator")
    toggle = page.locator(".nav-toggle")
    assert toggle.is_visible()
    assert not navigator.is_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, overflow
    screenshot(page, "narrow_drawer_closed")
    toggle.click()
    page.locator(".tree li.current > a").wait_for()
    assert navigator.is_visible()
    for _ in range(50):  # slid in (polled from Python: the CSP forbids wait_for_function's eval)
        if navigator.bounding_box()["x"] >= -1:
            break
        page.wait_for_timeout(100)
    box = navigator.bounding_box()
    assert box["x"] >= -1 and box["width"] <= 390
    screenshot(page, "narrow_drawer_open")
    page.keyboard.press("Escape")
    for _ in range(50):
        if "nav-open" not in (page.locator("body").get_attribute("class") or ""):
            break
        page.wait_for_timeout(100)
    assert toggle.get_attribute("aria-expanded") == "false"


def test_the_move_picker_finds_a_unit_by_pinyin_initials(tree, city_admin, page_as, live_server):
    page = page_as(city_admin)
    page.goto(live_server.url + reverse("orgtree:move", args=[tree.community_a.pk]))
    # The live server shares one in-memory SQLite connection between threads: let the navigator's
    # requests finish before the picker's start.
    page.wait_for_load_state("networkidle")
    field = page.locator("#id_new_parent")
    field.type("hyjd", delay=30)  # 花园街道
    option = page.locator(".picker-list [role=option]").first
    option.wait_for()
    assert "花园街道" in option.inner_text() and "南岗区" in option.inner_text()
    screenshot(page, "picker_move")
    assert axe_violations(page) == []
    field.press("ArrowDown")
    field.press("Enter")
    assert field.input_value() == tree.street_b.code
    assert "南岗区 / 花园街道（230103001）" in page.locator(".picked").inner_text()
    page.locator("main form button.primary").click()
    page.wait_for_load_state("load")
    tree.community_a.refresh_from_db()
    assert tree.community_a.parent_id == tree.street_b.pk


def test_the_header_search_goes_to_the_chosen_page(tree, staff_a, member, page_as, live_server):
    post = member(tree.community_a, name="张秀梅")
    page = page_as(staff_a, width=390, height=844)
    page.goto(live_server.url + reverse("orgtree:unit", args=[tree.district_a.pk]))
    page.wait_for_load_state("networkidle")
    box = page.locator("header .search input")
    box.type("zxm", delay=30)
    option = page.locator("header .picker-list [role=option]").first
    option.wait_for()
    assert "张秀梅" in option.inner_text()
    screenshot(page, "header_search_narrow")
    option.click()
    page.wait_for_url(f"**{reverse('members:person', args=[post.person.pk])}")


def test_form_2_scrolls_inside_its_box_with_the_first_column_and_header_in_view(
    staffed_district_a, city_reviewer, page_as, live_server
):
    page = page_as(city_reviewer)
    page.goto(live_server.url + reverse("reports:table", args=[staffed_district_a.city.pk, 2]))
    page.wait_for_load_state("networkidle")
    box = page.locator(".report-scroll").first
    first = page.locator("table.report tbody tr:not(.section) td:first-child").first
    left_before = first.bounding_box()["x"]
    box.evaluate("b => { b.scrollLeft = b.scrollWidth; b.scrollTop = b.scrollHeight; }")
    page.wait_for_timeout(100)
    frame = box.bounding_box()
    assert abs(first.bounding_box()["x"] - left_before) < 2  # the unit column stays put
    head = page.locator("table.report thead").first.bounding_box()
    assert frame["y"] - 1 <= head["y"] <= frame["y"] + 2  # the header is at the top of the box
    last = page.locator("table.report tr.numbers th").last.bounding_box()
    assert last["x"] + last["width"] <= frame["x"] + frame["width"] + 1  # the last column can be reached
    screenshot(page, "form2_scrolled")
