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
