"""`seed_demo` files the 2016 campaign's returns through the real workflow, dated in 2016."""

import datetime
import io
import re
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from demo import returns as demo
from demo.tree import DEMO_PASSWORD, DISTRICT_WITHOUT_CONTACT
from members.models import Post
from orgtree.models import AuditEvent, Unit, User
from returns import services
from returns.models import Campaign, Notification, Return, ReturnEvent, ReturnSnapshot, snapshot_digest
from tests.conftest import clear_demo_city

pytestmark = pytest.mark.django_db

STORY_START = datetime.date(2016, 6, 2)
TZ = ZoneInfo(settings.TIME_ZONE)


def seed(*args):
    out = io.StringIO()
    call_command("seed_demo", "--scale", "small", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="class")
def seeded(django_db_setup, django_db_blocker):
    """The small demo city with its 2016 returns, built once for the read-only tests of a class."""
    with django_db_blocker.unblock():
        out = seed()
    yield out
    with django_db_blocker.unblock():
        clear_demo_city()


@pytest.fixture
def campaign(seeded):
    return Campaign.objects.get(doc_number=demo.DOC_NUMBER_2016)


@pytest.fixture
def reviewer(seeded):
    return User.objects.get(username=demo.REVIEWER)


def local(moment):
    return timezone.localtime(moment, TZ)


def dashboard(client, user, campaign):
    client.force_login(user)
    response = client.get(reverse("returns:campaign", args=[campaign.pk]))
    assert response.status_code == 200
    return response


@pytest.mark.usefixtures("seeded")
class TestSeededCampaign:
    def test_the_dashboard_shows_a_mix_of_statuses_with_late_and_overdue_cells(self, client, reviewer, campaign):
        """Most returns approved, some awaiting review, some sent back, some never filed; some late."""
        response = dashboard(client, reviewer, campaign)
        stats = response.context["stats"]
        assert stats["approved"] > stats["cells"] * 0.8
        assert stats["submitted"] >= 2
        assert stats["returned"] == 2
        assert stats["missing"] >= 5
        assert stats["approved"] + stats["submitted"] + stats["returned"] + stats["missing"] == stats["cells"]
        assert 50 < stats["on_time_rate"] < 95
        assert 80 < stats["reporting_rate"] < 100
        late = [c for _district, row in response.context["rows"] for c in row if c["late_days"]]
        assert late and all(1 <= c["late_days"] <= 5 for c in late)
        html = response.content.decode()
        for label in ("已通过", "待审核", "已退回", "未报（任务已结束）"):
            assert label in html

    def test_the_dashboard_counts_match_the_return_rows(self, client, reviewer, campaign):
        """Every figure above the grid is what the Return rows say, cell for cell."""
        stats = dashboard(client, reviewer, campaign).context["stats"]
        rows = list(Return.objects.filter(campaign=campaign).select_related("form"))
        by_status = Counter(r.status for r in rows)
        districts = campaign.districts().count()
        assert stats["cells"] == districts * campaign.forms.count()
        assert stats["approved"] == by_status[Return.Status.APPROVED]
        assert stats["submitted"] == by_status[Return.Status.SUBMITTED]
        assert stats["returned"] == by_status[Return.Status.RETURNED]
        assert stats["missing"] == stats["cells"] - len(rows) + by_status[Return.Status.DRAFT]
        assert stats["reported"] == by_status[Return.Status.SUBMITTED] + by_status[Return.Status.APPROVED]
        standing = (Return.Status.SUBMITTED, Return.Status.APPROVED)
        on_time = sum(
            1
            for r in rows
            if r.status in standing and r.first_submitted_at and local(r.first_submitted_at).date() <= r.form.due_date
        )
        assert stats["on_time"] == on_time

    def test_every_transition_is_dated_in_2016_on_a_working_day_and_in_order(self, campaign):
        """Submissions, reviews, events, snapshots, audit entries and notifications all fall in the story."""
        end = demo.STORY_END
        events = list(ReturnEvent.objects.filter(ret__campaign=campaign).order_by("ret_id", "at", "id"))
        assert events
        for event in events:
            day = local(event.at).date()
            assert STORY_START <= day <= end and demo.is_workday(day), event
        for ret in Return.objects.filter(campaign=campaign).exclude(status=Return.Status.DRAFT):
            times = [e.at for e in events if e.ret_id == ret.pk]
            assert times == sorted(times)
            assert ret.submitted_at == max(e.at for e in events if e.ret_id == ret.pk and e.action == "submit")
            if ret.reviewed_at:
                assert ret.reviewed_at > ret.first_submitted_at
        for snapshot in ReturnSnapshot.objects.filter(ret__campaign=campaign):
            assert STORY_START <= snapshot.report_date == local(snapshot.created_at).date() <= end
        # The live campaign seed_demo opens next to 2016's is dated today: only 2016's rows are checked.
        urls = [r.get_absolute_url() for r in Return.objects.filter(campaign=campaign)]
        rets = list(Return.objects.filter(campaign=campaign).values_list("pk", flat=True))
        audit = AuditEvent.objects.filter(action__startswith="return.", object_id__in=rets)
        for at in audit.values_list("at", flat=True):
            assert STORY_START <= local(at).date() <= end
        for at in Notification.objects.filter(url__in=urls).values_list("created_at", flat=True):
            assert STORY_START <= local(at).date() <= end

    def test_only_what_still_waits_for_someone_is_unread(self, reviewer):
        """The reviewer's unread messages are the returns awaiting review; the districts', their send-backs."""
        pending = Return.objects.filter(status=Return.Status.SUBMITTED)
        unread = Notification.objects.unread()
        assert {n.url for n in unread.filter(user=reviewer)} == {r.get_absolute_url() for r in pending}
        sent_back = Return.objects.filter(status=Return.Status.RETURNED)
        district_unread = unread.exclude(user__unit__level=0)
        assert {n.url for n in district_unread} == {r.get_absolute_url() for r in sent_back}

    def test_mulan_county_s_form_1_stays_unfiled_because_its_contact_is_empty(self, seeded, campaign):
        """木兰县 has no 具体联系人, so 附表1 fails its table check and is never filed."""
        mulan = Unit.objects.get(code=DISTRICT_WITHOUT_CONTACT)
        assert not Return.objects.filter(unit=mulan, form__form_no="1").exists()
        assert Return.objects.filter(unit=mulan, form__form_no="2", status=Return.Status.APPROVED).exists()
        assert "木兰县附表1因校验未通过未能上报" in seeded

    def test_two_districts_never_filed_forms_4_and_5_and_show_overdue(self, client, reviewer, campaign):
        missing = Counter(
            district.code
            for district, row in dashboard(client, reviewer, campaign).context["rows"]
            for cell in row
            if cell["form"].form_no in ("4", "5") and cell["status"] == Return.Status.DRAFT and cell["closed_missing"]
        )
        assert sorted(missing.values()) == [2, 2]

    def test_warnings_are_filed_with_a_written_explanation(self, campaign):
        """Every return whose rules warned carries a 上报说明 that names units the warnings are about."""
        explained = 0
        for ret in Return.objects.filter(campaign=campaign, form__form_no__in=["4", "5"]).select_related("form"):
            _errors, warnings = services.submission_problems(ret.form, ret.unit, ret.snapshot.data)
            if warnings:
                assert ret.explanation == ret.snapshot.explanation
                assert any(w.unit.name in ret.explanation for w in warnings), ret
                explained += 1
        assert explained

    def test_the_sent_back_returns_pin_a_cell_and_wait_for_the_district(self, client, campaign):
        """附表4 of 南岗区 (a demo login) is sent back with a cell pinned; nangang sees it highlighted."""
        returned = Return.objects.filter(campaign=campaign, status=Return.Status.RETURNED).select_related("snapshot")
        assert returned.count() == 2
        for ret in returned:
            cells = services.snapshot_cells(ret.snapshot.data)
            assert ret.pinned_cells and all(ref in cells for ref in ret.pinned_cells)
            last = ret.events.order_by("-at").first()
            assert last.action == "send_back" and last.reason and last.cells == ret.pinned_cells
        nangang = User.objects.get(username="nangang")
        ret = returned.get(unit=nangang.unit)
        client.force_login(nangang)
        html = client.get(ret.get_absolute_url()).content.decode()
        assert ret.events.order_by("-at").first().reason in html
        assert services.describe_ref(ret.snapshot.data, ret.pinned_cells[0]) in html

    def test_a_resubmitted_return_shows_the_reviewer_what_changed(self, client, reviewer, campaign):
        """One 附表1 was corrected and approved, one 附表4 was fixed on the roster and awaits review; both have a diff."""
        resubmitted = Return.objects.filter(campaign=campaign, snapshot__number=2).select_related("snapshot", "form")
        assert {(r.form.form_no, r.status) for r in resubmitted} == {("1", "approved"), ("4", "submitted")}
        client.force_login(reviewer)
        for ret in resubmitted:
            first = ret.snapshots.get(number=1)
            changes = services.snapshot_diff(first.data, ret.snapshot.data)
            assert changes
            html = client.get(ret.get_absolute_url()).content.decode()
            assert changes[0][1] in html

    def test_district_staff_see_their_own_row_and_get_404_for_another_district(self, client, campaign):
        """The created filer accounts log in with the demo password and see only their district's returns."""
        daowai = User.objects.get(username="daowai")
        assert daowai.unit.name == "道外区" and daowai.check_password(DEMO_PASSWORD)
        rows = dashboard(client, daowai, campaign).context["rows"]
        assert [district.name for district, _row in rows] == ["道外区"]
        other = Return.objects.filter(campaign=campaign).exclude(unit=daowai.unit).first()
        assert client.get(other.get_absolute_url()).status_code == 404

    def test_every_return_counts_on_a_day_no_later_than_it_was_sent(self, campaign):
        """截止时间 ≤ 报出日期 on every stamped return: the count date was fixed when it was filed."""
        snapshots = list(ReturnSnapshot.objects.filter(ret__campaign=campaign).select_related("ret__form"))
        assert snapshots
        for snapshot in snapshots:
            assert snapshot.as_of is not None and snapshot.as_of <= snapshot.report_date, snapshot
            assert snapshot.data["as_of"] == snapshot.as_of.isoformat()
            assert snapshot.as_of == snapshot.ret.form.count_date(snapshot.report_date)

    def test_every_verification_code_still_names_its_snapshot(self, campaign):
        """Back-dating never touched snapshot data: each code is the hash of the figures it was issued for."""
        for snapshot in ReturnSnapshot.objects.filter(ret__campaign=campaign).select_related("ret__form", "ret__unit"):
            envelope = {
                "campaign": campaign.doc_number,
                "form": snapshot.ret.form.form_no,
                "unit": snapshot.ret.unit.code,
                "number": snapshot.number,
            }
            assert snapshot_digest({**envelope, "table": snapshot.data}) == (snapshot.sha256, snapshot.code)

    def test_a_stamped_export_of_an_approved_return_verifies_on_the_public_page(self, client, reviewer, campaign):
        """The seeded snapshot exports with its code and 2016 报出日期, and the public page confirms every figure."""
        ret = (
            Return.objects.filter(campaign=campaign, status=Return.Status.APPROVED, form__form_no="4")
            .select_related("snapshot", "unit", "form")
            .first()
        )
        client.force_login(reviewer)
        content = client.get(reverse("returns:return_export", args=[ret.pk])).content
        sheet_text = " ".join(
            str(v)
            for ws in load_workbook(io.BytesIO(content))
            for row in ws.iter_rows(values_only=True)
            for v in row
            if v
        )
        code = re.search(r"验证码[：:]\s*([A-Z2-7]{12})", sheet_text).group(1)
        assert code == ret.snapshot.code
        assert "2016年" in sheet_text
        client.logout()
        page = client.get(reverse("returns:verify", args=[code]))
        assert page.status_code == 200
        html = page.content.decode()
        assert ret.unit.name in html and "已通过" in html
        upload = SimpleUploadedFile("return.xlsx", content)
        checked = client.post(reverse("returns:verify", args=[code]), {"file": upload})
        assert checked.context["result"].matches

    def test_the_demo_returns_download_with_the_demo_seal(self, client, reviewer, campaign):
        """Issue 26: every return the demo filed froze its district's demo seal; the stamped Excel carries it."""
        from demo.seals import seal_png

        filed = ReturnSnapshot.objects.filter(ret__campaign=campaign)
        assert filed.exists() and not filed.filter(seal__isnull=True).exists()
        ret = Return.objects.filter(campaign=campaign, status=Return.Status.APPROVED, form__form_no="4").first()
        assert ret.snapshot.seal_bytes == seal_png(f"{ret.unit.name}妇女联合会")
        client.force_login(reviewer)
        workbook = load_workbook(io.BytesIO(client.get(reverse("returns:return_export", args=[ret.pk])).content))
        assert any(ws._images for ws in workbook.worksheets)

    def test_a_second_seed_demo_run_adds_nothing(self, campaign):
        counts = lambda: [  # noqa: E731 - a local shorthand
            m.objects.count() for m in (Return, ReturnSnapshot, ReturnEvent, Notification, AuditEvent, User, Post)
        ]
        before = counts()
        out = seed()
        assert "已有报表，跳过" in out
        assert counts() == before


def test_the_returns_are_skipped_with_no_returns_and_without_rosters(db):
    """--no-returns (and --no-rosters, since returns are counted from the rosters) leave the campaign empty."""
    seed("--no-rosters")
    assert not Return.objects.exists()
    seed("--no-returns")
    assert not Return.objects.exists()
    assert Post.objects.exists()


def test_without_the_city_reviewer_nothing_is_filed(tree, campaign_2016):
    """The story needs shi_shenhe to review; on a database without her, seed_returns says so and files nothing."""
    out = io.StringIO()
    assert demo.seed_returns(stdout=out) is None
    assert "没有审核账号" in out.getvalue()
    assert not Return.objects.exists()


def test_account_usernames_are_the_pinyin_of_the_district_name():
    assert demo.account_username(Unit(name="道外区")) == "daowai"
    assert demo.account_username(Unit(name="尚志市")) == "shangzhi"
    assert demo.account_username(Unit(name="宾县")) == "binxian"


def test_holidays_and_weekends_are_not_working_days_but_the_swapped_sundays_are():
    assert not demo.is_workday(datetime.date(2016, 6, 9))  # 端午节
    assert demo.is_workday(datetime.date(2016, 6, 12))  # Sunday worked in exchange
    assert not demo.is_workday(datetime.date(2016, 6, 18))  # Saturday
    assert demo.workdays(datetime.date(2016, 9, 14), datetime.date(2016, 9, 19)) == [
        datetime.date(2016, 9, 14),
        datetime.date(2016, 9, 18),
        datetime.date(2016, 9, 19),
    ]
