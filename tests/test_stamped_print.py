"""Issue 9: the seal is an asset, and a stamped return prints as an official form.

The seal: served only through the access rule (404 for anonymous and outside the subtree, no /media/ route),
replaced only by the unit's administrators (audited, the reviewing unit told), frozen into each snapshot.
"""

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import Resolver404, resolve, reverse
from openpyxl import load_workbook
from PIL import Image

from orgtree import services as tree_services
from orgtree.models import AuditEvent
from returns import services
from returns.exports import stamped_xlsx
from returns.models import CampaignForm, Notification, SealImage

FOOTER = {"unit_leader": "王丽", "filled_by": "李梅", "phone": "0451-84661234"}


def png(color=(200, 0, 0, 180), size=(200, 200)):
    stream = io.BytesIO()
    Image.new("RGBA", size, color).save(stream, "PNG")
    return stream.getvalue()


def upload(content):
    return SimpleUploadedFile("seal.png", content, content_type="image/png")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def sealed(tree, admin_a, media):
    """道里区 with a red seal set by its own administrator."""
    tree_services.set_seal(unit=tree.district_a, image=upload(png()), actor=admin_a)
    return tree


def seal_url(unit):
    return reverse("orgtree:seal_image", args=[unit.pk])


def submit(campaign, form_no, unit, actor, **extra):
    form = CampaignForm.objects.get(campaign=campaign, form_no=form_no)
    return services.submit_return(form=form, unit=unit, actor=actor, **{**FOOTER, **extra})


def sheet_image_bytes(xlsx):
    ws = load_workbook(io.BytesIO(xlsx)).worksheets[0]
    [image] = ws._images
    return image._data()


# --- the seal is served only through the access rule ------------------------------------------


def test_the_seal_is_served_to_those_who_see_the_unit(sealed, staff_a, viewer_a, city_reviewer, login):
    for user in (staff_a, viewer_a, city_reviewer):
        response = login(user).get(seal_url(sealed.district_a))
        assert response.status_code == 200 and response["Content-Type"] == "image/png"
        assert response.content == png()
        assert "no-store" in response["Cache-Control"]


def test_anonymous_and_outsiders_get_404_for_a_seal(sealed, client, staff_b, street_staff, login):
    assert client.get(seal_url(sealed.district_a)).status_code == 404  # no redirect to the login page either
    assert login(staff_b).get(seal_url(sealed.district_a)).status_code == 404
    # 兆麟街道 is below 道里区: 道里区's seal is outside her subtree.
    assert login(street_staff).get(seal_url(sealed.district_a)).status_code == 404


def test_a_unit_without_a_seal_answers_404(sealed, staff_a, login):
    assert login(staff_a).get(seal_url(sealed.street_a)).status_code == 404


def test_there_is_no_public_media_url(sealed):
    name = sealed.district_a.__class__.objects.get(pk=sealed.district_a.pk).seal.name
    with pytest.raises(Resolver404):
        resolve(f"/media/{name}")


# --- replacing a seal -------------------------------------------------------------------------


def test_staff_and_outsiders_cannot_replace_a_seal(sealed, staff_a, viewer_a, staff_b, login):
    for user in (staff_a, viewer_a):
        with pytest.raises(PermissionDenied):
            tree_services.set_seal(unit=sealed.district_a, image=upload(png((0, 0, 200, 180))), actor=user)
        assert login(user).post(reverse("orgtree:seal", args=[sealed.district_a.pk]), {}).status_code == 403
    with pytest.raises(PermissionDenied):
        tree_services.set_seal(unit=sealed.district_a, image=upload(png((0, 0, 200, 180))), actor=staff_b)
    response = login(staff_b).post(reverse("orgtree:seal", args=[sealed.district_a.pk]), {})
    assert response.status_code == 404
    assert sealed.district_a.__class__.objects.get(pk=sealed.district_a.pk).seal_bytes() == png()


def test_replacing_a_seal_is_audited_and_the_reviewing_unit_is_told(
    tree, admin_a, city_reviewer, city_admin, staff_b, media, login
):
    tree_services.set_seal(unit=tree.district_a, image=upload(png()), actor=admin_a)
    response = login(admin_a).post(
        reverse("orgtree:seal", args=[tree.district_a.pk]), {"image": upload(png((0, 0, 200, 180)))}
    )
    assert response.status_code == 302
    events = list(AuditEvent.objects.filter(action="unit.seal", unit=tree.district_a).order_by("id"))
    assert len(events) == 2 and events[1].actor == admin_a
    old, new = events[1].changes["seal"]
    assert old and new and old != new  # the images' SHA-256, old -> new
    told = Notification.objects.filter(text__contains="道里区妇联更换了公章图片")
    assert {n.user for n in told} == {city_reviewer, city_admin}
    assert not Notification.objects.filter(user=staff_b).exists()


# --- frozen with the snapshot -----------------------------------------------------------------


def test_a_submitted_return_keeps_the_seal_it_was_stamped_with(sealed, campaign_2016, staff_a, admin_a):
    ret = submit(campaign_2016, "2", sealed.district_a, staff_a)
    assert ret.snapshot.seal is not None and ret.snapshot.seal_bytes == png()
    before = sheet_image_bytes(stamped_xlsx(ret.snapshot))
    tree_services.set_seal(unit=sealed.district_a, image=upload(png((0, 0, 200, 180))), actor=admin_a)
    ret.snapshot.refresh_from_db()
    after = sheet_image_bytes(stamped_xlsx(ret.snapshot))
    assert after == before
    assert SealImage.objects.count() == 1  # stored once per distinct image, not per return


def test_a_return_submitted_without_a_seal_stays_without_one(tree, campaign_2016, staff_a, admin_a, media):
    ret = submit(campaign_2016, "2", tree.district_a, staff_a)
    assert ret.snapshot.seal is None
    tree_services.set_seal(unit=tree.district_a, image=upload(png()), actor=admin_a)
    ret.snapshot.refresh_from_db()
    assert not load_workbook(io.BytesIO(stamped_xlsx(ret.snapshot))).worksheets[0]._images
