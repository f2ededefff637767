"""Seal images (found by the access matrix, issue 12): only users who may see the unit get them.

/media/ was django.views.static.serve with no check: anyone, signed in or not, could fetch any
unit's official seal at the guessable /media/seals/<code>.png. The test is written against every
URL a seal could be served from, so it holds whichever route serves it.
"""

import contextlib
import io

from conftest import make_persona, make_user
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import NoReverseMatch, reverse
from PIL import Image

from orgtree.models import User


def png():
    buffer = io.BytesIO()
    Image.new("RGBA", (80, 80), (200, 20, 20)).save(buffer, format="PNG")
    return SimpleUploadedFile("seal.png", buffer.getvalue(), content_type="image/png")


def seal_urls(unit):
    urls = [f"/media/seals/{unit.code}.png"]
    with contextlib.suppress(NoReverseMatch):  # the seal route of issue 9, where it exists
        urls.append(reverse("orgtree:seal_image", args=[unit.pk]))
    return urls


def served(client, unit):
    """The URLs that hand this client the seal image."""
    found = []
    for url in seal_urls(unit):
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if response.status_code == 200 and body.startswith(b"\x89PNG"):
            found.append(url)
    return found


def test_a_seal_image_is_served_only_to_users_who_may_see_its_unit(tree, settings, tmp_path, client):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(make_persona("admin_a", tree))
    assert client.post(reverse("orgtree:seal", args=[tree.street_a.pk]), {"image": png()}).status_code == 302
    assert served(client, tree.street_a)

    client.logout()
    assert served(client, tree.street_a) == []  # anonymous
    client.force_login(make_persona("staff_b", tree))
    assert served(client, tree.street_a) == []  # another district
    for username in ("staff_a", "street_staff", "city_reviewer"):
        client.force_login(make_persona(username, tree))
        assert served(client, tree.street_a), username
    assert client.get("/media/../settings.py").status_code == 404


def test_no_media_route_serves_a_seal_and_a_clerk_below_the_street_does_not_get_its_seal(
    tree, settings, tmp_path, client
):
    """There is no /media/ route at all, and the seal route keeps to the access rule: a community's
    clerk does not see the street above her, so she does not get its seal either (a certificate the
    street issues is printed by the street)."""
    settings.MEDIA_ROOT = tmp_path
    client.force_login(make_persona("admin_a", tree))
    client.post(reverse("orgtree:seal", args=[tree.street_a.pk]), {"image": png()})
    client.force_login(make_user("community_clerk", tree.community_a, User.Role.STAFF))
    # No /media/ route exists (issue 9): the seal is served only through the access rule's route.
    assert client.get(f"/media/seals/{tree.street_a.code}.png").status_code == 404
    assert client.get(reverse("orgtree:seal_image", args=[tree.street_a.pk])).status_code == 404
    assert served(client, tree.street_a) == []
