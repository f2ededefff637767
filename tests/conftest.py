"""Personas and a small federation tree, built with the real services.

The tree:
    哈尔滨市 2301 (city)
    ├── 道里区 230102 (district A)
    │   ├── 兆麟街道 230102001 (street)
    │   │   ├── 兆麟社区 230102001001 (community, 妇联)
    │   │   └── 经纬社区 230102001002 (community, 妇代会)
    │   └── 新农镇 230102100 (township)
    │       └── 新农村 230102100201 (village, 妇代会)
    └── 南岗区 230103 (district B)
        └── 花园街道 230103001 (street)
            └── 花园社区 230103001001 (community, 妇联)

Personas: city_admin, city_reviewer, staff_a (道里区), staff_b (南岗区),
street_staff (兆麟街道), viewer_a (道里区, read only); plus the anonymous `client`.
"""

from types import SimpleNamespace

import pytest

from orgtree import services
from orgtree.models import Unit, User

PASSWORD = "test-pass-123"


def build_tree():
    """The tree above, made with the real services; a namespace of fresh Unit instances."""

    def make(parent, name, code, kind, org_form=Unit.OrgForm.FEDERATION):
        return services.create_unit(parent=parent, name=name, code=code, kind=kind, org_form=org_form, actor=None)

    K, F = Unit.Kind, Unit.OrgForm
    t = SimpleNamespace()
    t.city = make(None, "哈尔滨市", "2301", K.CITY)
    t.district_a = make(t.city, "道里区", "230102", K.DISTRICT)
    t.district_b = make(t.city, "南岗区", "230103", K.DISTRICT)
    t.street_a = make(t.district_a, "兆麟街道", "230102001", K.STREET)
    t.community_a = make(t.street_a, "兆麟社区", "230102001001", K.COMMUNITY)
    t.community_a2 = make(t.street_a, "经纬社区", "230102001002", K.COMMUNITY, F.CONGRESS)
    t.township_a = make(t.district_a, "新农镇", "230102100", K.TOWNSHIP)
    t.village_a = make(t.township_a, "新农村", "230102100201", K.VILLAGE, F.CONGRESS)
    t.street_b = make(t.district_b, "花园街道", "230103001", K.STREET)
    t.community_b = make(t.street_b, "花园社区", "230103001001", K.COMMUNITY)
    # Tree writes leave earlier instances stale; hand out fresh ones.
    for name, unit in vars(t).items():
        setattr(t, name, Unit.objects.get(pk=unit.pk))
    return t


@pytest.fixture
def tree(db):
    return build_tree()


def make_user(username, unit, role, **extra):
    user = User(username=username, full_name=extra.pop("full_name", username), unit=unit, role=role, **extra)
    user.set_password(PASSWORD)
    user.save()
    return user


# username -> (the attribute of build_tree()'s namespace the account is bound to, role, full name).
# The access matrix (test_access_matrix.py) calls every route as each of these plus anonymous.
PERSONAS = {
    "city_admin": ("city", User.Role.ADMIN, "市妇联管理员"),
    "city_reviewer": ("city", User.Role.REVIEWER, "市妇联审核员"),
    "staff_a": ("district_a", User.Role.STAFF, "道里区填报员"),
    "staff_b": ("district_b", User.Role.STAFF, "南岗区填报员"),
    "admin_a": ("district_a", User.Role.ADMIN, "道里区管理员"),
    "street_staff": ("street_a", User.Role.STAFF, "兆麟街道填报员"),
    "viewer_a": ("district_a", User.Role.VIEWER, "道里区查看员"),
}


def make_persona(username, tree):
    unit, role, full_name = PERSONAS[username]
    return make_user(username, getattr(tree, unit), role, full_name=full_name)


@pytest.fixture
def city_admin(tree):
    return make_persona("city_admin", tree)


@pytest.fixture
def city_reviewer(tree):
    return make_persona("city_reviewer", tree)


@pytest.fixture
def staff_a(tree):
    return make_persona("staff_a", tree)


@pytest.fixture
def staff_b(tree):
    return make_persona("staff_b", tree)


@pytest.fixture
def admin_a(tree):
    return make_persona("admin_a", tree)


@pytest.fixture
def street_staff(tree):
    return make_persona("street_staff", tree)


@pytest.fixture
def viewer_a(tree):
    return make_persona("viewer_a", tree)


@pytest.fixture
def login(client):
    """login(user) -> a test client with that user's session."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


# --- rosters (members) --------------------------------------------------------------------


def valid_id_number(birth, serial=2, region="230102"):
    """A GB 11643 ID number with the right check character for a woman born on `birth`."""
    from members.validators import id_check_char

    first17 = f"{region}{birth:%Y%m%d}{serial:03d}"
    return first17 + id_check_char(first17)


@pytest.fixture
def member():
    """member(unit, role="executive", name=..., **person_fields) -> Post, made by the real services."""
    import datetime
    import itertools

    from members import services as member_services

    serial = itertools.count(1)

    def _member(unit, role="executive", name=None, start_date=datetime.date(2016, 6, 1), actor=None, **person_fields):
        n = next(serial)
        data = {"name": name or f"测试成员{n:03d}", "birth_date": datetime.date(1975, 3, 1), **person_fields}
        person = member_services.create_person(data=data, actor=actor)
        return member_services.appoint(person=person, unit=unit, role=role, start_date=start_date, actor=actor)

    return _member


# --- returns (campaigns and returns) ---------------------------------------------------------


@pytest.fixture
def campaign_2016(db):
    """The seeded 哈妇发〔2016〕8号 campaign (re-seeded if a transactional test flushed it)."""
    from returns.services import ensure_campaign_2016

    return ensure_campaign_2016()


@pytest.fixture
def staffed_district_a(tree, member):
    """Every unit below 道里区 staffed exactly to its quota (达标) on the 2016 cut-off.

    The heads of the community and village units hold no seat in their street/township, so the
    cross-level rule gives warnings (not errors): 附表4 can be submitted with a 上报说明.
    """
    return staff_district_a(tree, member)


def staff_district_a(tree, member, *, community_a_executives=12):
    """staffed_district_a's posts; fewer 兆麟社区 executives leave that one unit short of its quota."""
    import datetime

    start = datetime.date(2016, 7, 1)
    federation = [("chair", 1), ("vice_chair", 2)]
    congress = [("director", 1), ("deputy_director", 2)]
    staffing = [
        (tree.street_a, [*federation, ("executive", 22)]),
        (tree.township_a, [*federation, ("executive", 22)]),
        (tree.community_a, [*federation, ("executive", community_a_executives)]),
        (tree.community_a2, [*congress, ("member", 4)]),
        (tree.village_a, [*congress, ("member", 4)]),
    ]
    for unit, roles in staffing:
        for role, count in roles:
            for _ in range(count):
                member(unit, role=role, start_date=start)
    return tree


def clear_demo_city():
    """Undo a class- or module-scoped demo seeding, rows that protect others first.

    Returns protect their snapshots and units, certificates protect their posts, and a unit's
    parent key is PROTECT, so units go leaves first.
    """
    from django.apps import apps

    from grassroots.models import Organisation, TwoCommittees, WomenHome
    from members.models import Person, Post
    from orgtree.models import AuditEvent, Congress, Contact
    from returns.models import Notification, Return, ReturnEvent, ReturnSnapshot, SealImage
    from selection.models import (
        Candidate,
        Certificate,
        CertificateCounter,
        Filing,
        Meeting,
        RegisterEntry,
        WomenOrganisation,
    )

    Return.objects.update(snapshot=None)
    # The grassroots registers (issue 24) protect their units (and the activities go with their homes).
    for model in (WomenHome, TwoCommittees, Organisation):
        model.objects.all().delete()
    # The selection path (issue 11) protects posts, register entries and units: it goes first.
    selection = (Filing, Candidate, RegisterEntry, WomenOrganisation)
    # The demo's seals (issue 26) are frozen into its returns' snapshots: stored images go after them.
    returns_ = (ReturnEvent, ReturnSnapshot, SealImage, Return, Notification)
    for model in (*selection, *returns_, Certificate, CertificateCounter, Post, Meeting, Person):
        model.objects.all().delete()
    # The live campaign seed_demo opens next to 2016's (its forms go with it); 2016's is migrated data.
    from fedorg.dates import DOC_NUMBER_2016
    from returns.models import Campaign

    Campaign.objects.exclude(doc_number=DOC_NUMBER_2016).delete()
    for model in (Congress, Contact, User, AuditEvent):
        model.objects.all().delete()
    if apps.is_installed("axes"):
        apps.get_model("axes", "AccessAttempt").objects.all().delete()
    for level in range(4, -1, -1):
        Unit.objects.filter(level=level).delete()


@pytest.fixture(autouse=True, scope="session")
def _media_outside_the_work_tree(tmp_path_factory):
    """Files saved by code under test (the demo's seals, seeding in a class fixture) go to a temporary folder,
    not the work tree's media/. Set before any storage is used; the `media` fixture still overrides it per test."""
    from django.conf import settings as django_settings

    django_settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the cache: each test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
