"""What a clerk sees in the browser (issue 14): a failed submit announced where she looks, the
narrow layout, and no serious accessibility violations on the main pages."""

import pytest
from django.urls import reverse

from .conftest import axe_violations, screenshot

pytestmark = [pytest.mark.django_db(transaction=True)]


def submit_path(campaign, form_no, unit):
    form = campaign.forms.get(form_no=form_no)
    return reverse("returns:return_submit", args=[form.pk, unit.pk])


def test_a_failed_submit_shows_the_error_without_scrolling_and_focuses_the_field(
    staffed_district_a, campaign_2016, staff_a, page_as, live_server
):
    page = page_as(staff_a)
    page.goto(live_server.url + submit_path(campaign_2016, "4", staffed_district_a.district_a))
    # 上报说明 is marked required: the pre-submit check found warnings.
    assert page.locator("label[for=id_explanation] .req").count() == 1
    for field, value in {"unit_leader": "王丽", "filled_by": "李娜", "phone": "0451-84661234"}.items():
        page.fill(f"#id_{field}", value)
    page.fill("#id_explanation", "")
    page.click("button.primary")
    page.wait_for_load_state("load")
    summary = page.locator("#form-errors")
    assert summary.is_visible()
    viewport = page.viewport_size
    page.wait_for_function("document.activeElement && document.activeElement.id === 'id_explanation'")
    box = summary.bounding_box()
    assert -1 <= box["y"] < viewport["height"], box  # in view without scrolling
    assert "上报说明" in summary.inner_text()
    screenshot(page, "failed_submit")


def test_the_submit_page_puts_its_form_near_the_top(staffed_district_a, campaign_2016, staff_a, page_as, live_server):
    page = page_as(staff_a)
    page.goto(live_server.url + submit_path(campaign_2016, "4", staffed_district_a.district_a))
    button = page.locator("button.primary")
    assert button.bounding_box()["y"] < page.viewport_size["height"]


def test_the_narrow_layout_has_no_sideways_scroll(tree, staff_a, page_as, live_server):
    page = page_as(staff_a, width=390, height=844)
    page.goto(live_server.url + reverse("orgtree:unit", args=[tree.district_a.pk]))
    screenshot(page, "narrow_unit_page")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, overflow


@pytest.mark.parametrize("page_name", ["submit", "campaign"])
def test_main_pages_have_no_serious_accessibility_violations(
    page_name, staffed_district_a, campaign_2016, staff_a, page_as, live_server
):
    page = page_as(staff_a)
    paths = {
        "submit": submit_path(campaign_2016, "4", staffed_district_a.district_a),
        "campaign": reverse("returns:campaign", args=[campaign_2016.pk]),
    }
    page.goto(live_server.url + paths[page_name])
    assert axe_violations(page) == []


def test_the_narrow_roster_says_more_columns_are_to_the_right_and_keeps_the_name_in_view(
    tree, staff_a, page_as, live_server, member
):
    """At 390 px the roster's 身份证号 and 编辑/离任 are 600 px to the right: a hint says so, and the name column
    stays in view while the table scrolls."""
    member(tree.community_a, name="张秀梅")
    page = page_as(staff_a, width=390, height=844)
    page.goto(live_server.url + reverse("members:roster", args=[tree.community_a.pk]))
    hint = page.locator(".scroll-hint").first
    assert hint.is_visible() and "身份证号" in hint.inner_text() and "离任" in hint.inner_text()
    card = page.locator(".card:has(> table.roster)").first
    name_cell = card.locator("td").first
    before = name_cell.bounding_box()["x"]
    card.evaluate("el => { el.scrollLeft = 600; }")
    assert abs(name_cell.bounding_box()["x"] - before) <= 1
    screenshot(page, "narrow_roster")
    wide = page_as(staff_a, width=1280, height=800)
    wide.goto(live_server.url + reverse("members:roster", args=[tree.community_a.pk]))
    assert not wide.locator(".scroll-hint").first.is_visible()
