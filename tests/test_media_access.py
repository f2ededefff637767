"""Seal images (found by the access matrix, issue 12): served only to users who may see the unit."""

from conftest import make_persona, make_user
from django.core.files.base import ContentFile

from orgtree import services as tree_services
from orgtree.models import Unit, User


def test_a_seal_image_is_served_only_to_users_who_may_see_its_unit(tree, settings, tmp_path, client):
    """/media/ was django.views.static.serve with no check: anyone, signed in or not, could fetch
    any unit's official seal at the guessable /media/seals/<code>.png."""

    settings.MEDIA_ROOT = tmp_path
    unit = tree.street_a
    tree_services.set_seal(unit=unit, image=ContentFile(b"\x89PNG seal", name="seal.png"), actor=None)
    path = Unit.objects.get(pk=unit.pk).seal.url
    assert path == "/media/seals/230102001.png"

    anonymous = client.get(path)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")
    for username, status in [("staff_b", 404), ("staff_a", 200), ("street_staff", 200), ("city_reviewer", 200)]:
        client.force_login(make_persona(username, tree))
        response = client.get(path)
        assert response.status_code == status, username
    # Below the street (a community clerk printing certificates the street issues): the seal above her shows.
    client.force_login(make_user("community_clerk", tree.community_a, User.Role.STAFF))
    assert client.get(path).status_code == 200
    assert client.get("/media/seals/230103001.png").status_code == 404  # no such seal: the same answer
    assert client.get("/media/../settings.py").status_code == 404
