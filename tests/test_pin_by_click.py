"""Pinning a cell by clicking it when sending a return back (issue 14). The cells are checkboxes of
the send-back form, so the click works without JavaScript; the browser test is in tests/e2e."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from returns import services
from returns.models import Return

FOOTER = {"unit_leader": "王丽", "filled_by": "李娜", "phone": "0451-84661234"}


def submitted(campaign, tree, staff):
    form = campaign.forms.get(form_no="2")
    return services.submit_return(form=form, unit=tree.district_a, actor=staff, **FOOTER)


def test_the_reviewer_sees_every_cell_as_a_checkbox_of_the_send_back_form(
    tree, campaign_2016, staff_a, city_reviewer, login
):
    ret = submitted(campaign_2016, tree, staff_a)
    page = login(city_reviewer).get(ret.get_absolute_url()).content.decode()
    boxes = re.findall(r'<input type="checkbox" name="pin" value="([^"]+)" form="send-back"', page)
    assert len(boxes) == len(services.snapshot_cells(ret.snapshot.data))
    assert 'id="send-back"' in page
    assert "点击下方报表中的单元格即可标注" in page
    assert "fedorg/pin.js" in page


def test_clicked_cells_are_pinned_with_typed_ones(tree, campaign_2016, staff_a, city_reviewer, login):
    ret = submitted(campaign_2016, tree, staff_a)
    cells = list(services.snapshot_cells(ret.snapshot.data))
    clicked = [cells[5], cells[2], cells[5]]
    response = login(city_reviewer).post(
        reverse("returns:return_send_back", args=[ret.pk]),
        {"reason": "请核对这两处。", "pin": clicked, "expected_version": ret.version},
    )
    assert response.status_code == 302
    ret.refresh_from_db()
    assert ret.status == Return.Status.RETURNED
    assert ret.pinned_cells == [cells[5], cells[2]]


def test_a_refused_send_back_keeps_the_clicked_cells_ticked(tree, campaign_2016, staff_a, city_reviewer, login):
    ret = submitted(campaign_2016, tree, staff_a)
    cell = list(services.snapshot_cells(ret.snapshot.data))[3]
    response = login(city_reviewer).post(
        reverse("returns:return_send_back", args=[ret.pk]), {"reason": "", "pin": [cell]}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert re.search(rf'value="{re.escape(cell)}" form="send-back"[^>]*checked', page)
    assert Return.objects.get(pk=ret.pk).status == Return.Status.SUBMITTED


def test_a_clicked_ref_that_is_not_a_cell_is_refused(tree, campaign_2016, staff_a, city_reviewer, login):
    ret = submitted(campaign_2016, tree, staff_a)
    response = login(city_reviewer).post(
        reverse("returns:return_send_back", args=[ret.pk]), {"reason": "请核对", "pin": ["main/u999999/3"]}
    )
    assert response.status_code == 400
    assert "所点的单元格已不在这份报表中" in response.content.decode()
    assert Return.objects.get(pk=ret.pk).status == Return.Status.SUBMITTED


def test_the_parser_counts_clicked_and_typed_pins_together(tree, campaign_2016):
    data = services.build_snapshot(campaign_2016.forms.get(form_no="4"), tree.district_a)
    cells = list(services.snapshot_cells(data))
    typed = ",".join(["合计 3"] * 2)
    assert services.parse_cells(typed, data, clicked=[cells[0]])[0] == cells[0]
    with pytest.raises(ValidationError, match="一次最多标注"):
        services.parse_cells(",".join(["合计 3"] * services.MAX_PIN_ENTRIES), data, clicked=[cells[0]])


def test_a_district_clerk_sees_no_checkboxes(tree, campaign_2016, staff_a, login):
    ret = submitted(campaign_2016, tree, staff_a)
    page = login(staff_a).get(ret.get_absolute_url()).content.decode()
    assert 'name="pin"' not in page


def test_a_reviewer_of_another_district_gets_404(tree, campaign_2016, staff_a, staff_b, login):
    ret = submitted(campaign_2016, tree, staff_a)
    assert login(staff_b).get(ret.get_absolute_url()).status_code == 404
    response = login(staff_b).post(reverse("returns:return_send_back", args=[ret.pk]), {"reason": "x", "pin": ["a"]})
    assert response.status_code == 404
