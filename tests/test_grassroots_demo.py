"""The demo's grassroots registers (issue 24): 妇女之家 for most villages and communities, two-committee
records for every one of them, organisations for every street and township; seeding again adds nothing."""

import datetime
import io

import pytest
from django.core.management import call_command

from demo.grassroots import seed_grassroots
from grassroots.models import GRASSROOTS_KINDS, STREET_KINDS, Organisation, TwoCommittees, WomenHome
from orgtree.models import Unit
from reports.defined import compute_defined
from reports.definitions import parse
from tests.test_grassroots_tables import TABLEDEFS

pytestmark = pytest.mark.django_db


def test_the_demo_fills_the_registers_plausibly_and_once():
    call_command("seed_demo", "--scale", "small", "--no-returns", stdout=io.StringIO())
    places = Unit.objects.filter(kind__in=GRASSROOTS_KINDS)
    with_home = places.filter(women_homes__isnull=False).distinct().count()
    assert 0.8 * places.count() <= with_home < places.count()
    assert not places.filter(two_committees__isnull=True).exists()
    assert not Unit.objects.filter(kind__in=STREET_KINDS, organisations__isnull=True).exists()
    counts = (WomenHome.objects.count(), TwoCommittees.objects.count(), Organisation.objects.count())
    assert seed_grassroots() == {"homes": 0, "activities": 0, "committees": 0, "organisations": 0}
    assert (WomenHome.objects.count(), TwoCommittees.objects.count(), Organisation.objects.count()) == counts

    city = Unit.objects.get(code="2301")
    on = datetime.date(2017, 12, 31)
    for key, column in (("women_homes", "four_has_rate"), ("two_committees", "with_woman_rate"), ("coverage", "rate")):
        snapshot = compute_defined(parse((TABLEDEFS / f"{key}.yaml").read_text(encoding="utf-8")), unit=city, as_of=on)
        keys = [c["key"] for c in snapshot["columns"]]
        value = dict(zip(keys, snapshot["rows"][0]["cells"], strict=True))[column]
        assert 30 < value < 100, (key, value)
