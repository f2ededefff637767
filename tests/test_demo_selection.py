"""The demo city runs the 2016 campaign through the selection path (issue 11): registers, candidates
(some rejected at vetting), one 妇女群众会议 per unit, posts that name it, certificates from the register
with no duplicate numbers, 备案 for most units, and pilots that 达标 by 6/25.

The small city is seeded once for the module (without the returns) and only read by the tests.
"""

import datetime
import io
import re
from collections import Counter

import pytest
from django.core.management import call_command
from django.db.models import Count, F

from demo.selection import campaign_posts, seed_selection
from fedorg.dates import BASELINE_2016, CUTOFF_2016
from members import rules
from members.models import Person, Post
from orgtree.models import Unit
from selection.models import Candidate, Certificate, Filing, Meeting, RegisterEntry, WomenOrganisation
from tests.conftest import clear_demo_city

pytestmark = pytest.mark.django_db
PILOT_DUE = datetime.date(2016, 6, 25)


@pytest.fixture(scope="module", autouse=True)
def small_city(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        out = io.StringIO()
        call_command("seed_demo", "--scale", "small", "--no-returns", stdout=out)
    yield out.getvalue()
    with django_db_blocker.unblock():
        clear_demo_city()


def grassroots():
    return Unit.objects.active().filter(kind__in=[*rules.TIER3_KINDS, *rules.TIER4_KINDS])


def test_the_command_reports_what_the_selection_path_made(small_city):
    assert re.search(r"选聘：档案 \d+ 人.*妇女群众会议 \d+ 次，会上任命 \d+ 人；备案 \d+ 次", small_city)


def test_no_certificate_number_is_given_twice_and_all_come_from_the_register():
    numbers = list(Certificate.objects.values_list("number", flat=True))
    assert numbers and len(numbers) == len(set(numbers))
    for number, year, seq, code in Certificate.objects.values_list("number", "year", "seq", "issuing_unit__code"):
        assert seq is not None and number == f"{year}-{code}-{seq:04d}"
    # no two certificates share a (issuer, year, seq) and the counters stand at the last number issued
    seqs = Counter(Certificate.objects.values_list("issuing_unit_id", "year", "seq"))
    assert max(seqs.values()) == 1


def test_every_post_with_a_meeting_names_a_meeting_of_its_own_unit_and_is_dated_that_day():
    linked = Post.objects.filter(meeting__isnull=False)
    assert linked.count() > 500
    assert not linked.exclude(meeting__unit=F("unit")).exists()
    assert not linked.exclude(start_date=F("meeting__held_on")).exists()
    # and its certificate was issued that day too
    assert not Certificate.objects.filter(post__meeting__isnull=False).exclude(issued_on=F("post__start_date")).exists()


def test_every_post_the_campaign_created_came_from_a_meeting():
    assert not campaign_posts(grassroots()).filter(meeting__isnull=True).exists()
    # posts from before the plan stay outside any meeting
    assert not Post.objects.filter(meeting__isnull=False, start_date__lte=BASELINE_2016).exists()


def test_one_meeting_per_unit_on_a_plausible_2016_date():
    per_unit = Meeting.objects.values("unit").annotate(n=Count("id"))
    assert {row["n"] for row in per_unit} == {1}
    assert per_unit.count() >= 0.9 * grassroots().count()
    days = list(Meeting.objects.values_list("held_on", flat=True))
    assert all(BASELINE_2016 < day <= CUTOFF_2016 and day.weekday() != 6 for day in days)
    assert len(set(days)) > 20  # spread over the summer, not one date for the whole city
    assert all(30 <= n <= 200 for n in Meeting.objects.values_list("attendance", flat=True))


def test_candidates_were_vetted_and_some_rejected():
    statuses = Counter(Candidate.objects.values_list("status", flat=True))
    assert statuses[Candidate.Status.FAILED] > 0
    assert statuses[Candidate.Status.APPOINTED] > 5 * statuses[Candidate.Status.FAILED]
    failed = Candidate.objects.filter(status=Candidate.Status.FAILED)
    assert not failed.filter(vetting_note="").exists() and not failed.filter(post__isnull=False).exists()
    appointed = Candidate.objects.filter(status=Candidate.Status.APPOINTED).select_related("post", "post__meeting")
    for candidate in appointed[:300]:
        post = candidate.post
        assert candidate.proposed_on <= candidate.vetted_on <= post.meeting.held_on
        assert (candidate.role, candidate.method, candidate.mode) == (post.role, post.method, post.mode)
    # each appointed woman is in her unit's register, linked to her person
    assert not appointed.exclude(entry__unit=F("unit")).exists()
    assert not appointed.exclude(entry__person=F("post__person")).exists()


def test_registers_are_of_plausible_size():
    sizes = dict(RegisterEntry.objects.values_list("unit").annotate(n=Count("id")))
    appointed = dict(Post.objects.filter(meeting__isnull=False).values_list("unit").annotate(n=Count("id")))
    for unit_id, n in appointed.items():
        assert n < sizes[unit_id] <= 2 * n + 3
    assert WomenOrganisation.objects.exists()
    assert Person.objects.filter(is_social_worker=True).exists() and Person.objects.filter(is_org_leader=True).exists()


def test_most_units_have_filed_their_result():
    filed = Filing.objects.values_list("meeting__unit", flat=True).distinct().count()
    assert 0.8 * Meeting.objects.count() <= filed < Meeting.objects.count()
    assert not Filing.objects.filter(party_filed_on__lt=F("meeting__held_on")).exists()


def test_pilots_meet_their_quota_by_june_25():
    pilots = list(Unit.objects.filter(is_pilot=True))
    assert pilots
    for pilot in pilots:
        for unit in [pilot, *pilot.get_children()]:
            assessment = rules.assess_unit(unit, on=PILOT_DUE)
            assert assessment.is_compliant, (unit.name, assessment.reasons)
            assert not Meeting.objects.filter(unit=unit, held_on__gt=datetime.date(2016, 6, 20)).exists()


def test_a_second_run_adds_nothing():
    before = (Meeting.objects.count(), RegisterEntry.objects.count(), Candidate.objects.count())
    assert seed_selection(scale="small") == (0, 0)
    assert (Meeting.objects.count(), RegisterEntry.objects.count(), Candidate.objects.count()) == before
