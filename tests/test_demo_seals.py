"""Issue 26: the demo's federations have red round demo seals (演示 in the middle), and its returns download
stamped with them. The seal upload page says what a good scan looks like."""

import io

import pytest
from django.urls import reverse
from PIL import Image

from demo.seals import full_name, seal_png, seed_seals
from orgtree.models import Unit

pytestmark = pytest.mark.django_db


def test_a_demo_seal_is_a_red_round_png_on_transparent():
    image = Image.open(io.BytesIO(seal_png("道里区妇女联合会")))
    assert image.format == "PNG" and image.mode == "RGBA" and image.size == (480, 480)
    assert image.getpixel((5, 5))[3] == 0 and image.getpixel((150, 200))[3] == 0  # transparent outside and within
    red = [p for p in image.getdata() if p[3] > 200]
    assert red and all(r > 150 and g < 80 and b < 80 for r, g, b, _a in red)
    assert image.getpixel((240, 240 - 8 - 40))[3] > 200  # the star at the centre
    # 演示 under the star: the band below it carries ink that the same seal without the mark would not
    band = image.crop((150, 320, 330, 385))
    assert sum(1 for p in band.getdata() if p[3] > 200) > 1500


def test_seeding_seals_the_units_that_file_and_reuses_the_drawn_image(tree, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    assert full_name(tree.district_a) == "道里区妇女联合会"
    assert seed_seals([tree.city, tree.district_a]) == 2
    tree.district_a.refresh_from_db()
    assert tree.district_a.seal.name == "seals/demo-230102.png" and tree.district_a.seal_bytes().startswith(b"\x89PNG")
    assert seed_seals([tree.city, tree.district_a]) == 0  # already sealed
    Unit.objects.filter(pk=tree.district_a.pk).update(seal="")
    assert seed_seals([Unit.objects.get(pk=tree.district_a.pk)]) == 1
    assert sorted(p.name for p in (tmp_path / "seals").iterdir()) == ["demo-2301.png", "demo-230102.png"]


def test_the_seal_page_says_what_a_good_scan_looks_like(tree, admin_a, staff_b, login):
    url = reverse("orgtree:seal", args=[tree.district_a.pk])
    page = login(admin_a).get(url)
    assert page.status_code == 200
    text = page.content.decode()
    for expected in ("300 dpi", "透明背景", "PNG", "红色印文", "4 厘米"):
        assert expected in text, expected
    assert login(staff_b).get(url).status_code in (403, 404)
