"""Campaigns, returns and their frozen snapshots, review history and notifications.

A Return is one form for one district in one campaign. Every submission freezes the computed
table into a ReturnSnapshot row that is never updated afterwards, so an approved figure can
never change under the reviewer's feet, and a verification code always names the same numbers.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import uuid
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from fedorg.dates import cn_date

from . import states

if TYPE_CHECKING:
    from members.rules import Rules
    from orgtree.models import UnitQuerySet

# The tables keep the names they had when these models lived in the reports app.


class CampaignQuerySet(models.QuerySet["Campaign"]):
    def visible_to(self, user: Any) -> CampaignQuerySet:
        """Campaigns run by a unit above, at or below the user's unit (and those bound to no unit)."""
        from orgtree.models import Unit, ancestors_q, bounds_of

        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.unit_id is None:
            return self if user.is_superuser else self.none()
        tree_id, lft, rght, kind = (
            Unit.objects.filter(pk=user.unit_id).values_list("tree_id", "lft", "rght", "kind").get()
        )
        mine = Unit(pk=user.unit_id, tree_id=tree_id, lft=lft, rght=rght, kind=kind)
        return self.filter(Q(unit__isnull=True) | ancestors_q(mine, prefix="unit__") | bounds_of(mine).q("unit__"))


class Campaign(models.Model):
    """A reporting round such as 哈妇发〔2016〕8号: a baseline, a cut-off and forms with due dates."""

    doc_number = models.CharField("文号", max_length=50, unique=True)
    title = models.CharField("名称", max_length=200)
    # The federation that runs the campaign; its tier-2 descendants file returns.
    # Null means every city (the seeded 2016 plan predates any unit in a fresh database).
    unit = models.ForeignKey(
        "orgtree.Unit", verbose_name="发文单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    baseline_date = models.DateField("扩员基准日期")
    cut_off_date = models.DateField("截止时间")
    # The quotas 达标 is judged by in this campaign's returns; empty: the rule set in effect on the cut-off.
    rule_set = models.ForeignKey(
        "members.RuleSet", verbose_name="配额规则集", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        db_table = "reports_campaign"
        verbose_name = "报送任务"
        verbose_name_plural = "报送任务"
        ordering = ["-cut_off_date", "-id"]

    def __str__(self) -> str:
        return f"{self.title}（{self.doc_number}）"

    def get_absolute_url(self) -> str:
        return reverse("returns:campaign", args=[self.pk])

    def rules(self) -> Rules:
        """The Rules this campaign judges 达标 by (members.rules): its own rule set, or the one in effect on the cut-off."""
        from members import rules

        if self.rule_set is not None:
            return rules.rules_of(self.rule_set)
        return rules.rules_in_effect(on=self.cut_off_date, unit=self.unit)

    def districts(self, user: Any = None) -> UnitQuerySet:
        """The active districts (tier 2) that file returns for this campaign, optionally only those `user` sees."""
        from orgtree.access import visible_units
        from orgtree.models import Unit

        units = Unit.objects.of_tier(2).active()
        if self.unit_id:
            units = units.filter(pk__in=Unit.objects.subtree_of(self.unit).values("pk"))
        if user is not None:
            units = units.filter(pk__in=visible_units(user).values("pk"))
        return units.order_by("tree_id", "lft")


class CampaignForm(models.Model):
    """One required form of a campaign and the date it is due."""

    class FormNo(models.TextChoices):
        FORM_1 = "1", "附表1 工作联系人信息表"
        FORM_2 = "2", "附表2 换届、执常委及代表情况统计表"
        FORM_3 = "3", "附表3 兼职副主席和执常委人员登记表"
        FORM_4 = "4", "附表4 扩大基层妇联组织成员情况统计表"
        FORM_5 = "5", "附表5 基层妇联干部基本情况统计表"
        PILOT = "pilot", "示范点情况报告"
        # 哈妇发〔2016〕8号 四、4: "各区、县（市）在扩大基层妇联组织成员工作中好的做法、经验和成效……务于9月20日之前报送".
        EXPERIENCE = "experience", "经验材料"

    campaign = models.ForeignKey(Campaign, verbose_name="报送任务", on_delete=models.CASCADE, related_name="forms")
    # 附表1–5, the pilot report, 经验材料, or the key of a table defined as data (then `definition` is set).
    form_no = models.CharField("报表", max_length=40, choices=FormNo.choices)
    due_date = models.DateField("报送期限")
    # A statistics table defined as data (reports.TableDefinition): the version the campaign asked for. A
    # return counts with the newest version of its key when it is submitted; its snapshot names that version.
    definition = models.ForeignKey(
        "reports.TableDefinition",
        verbose_name="自定义统计表",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        db_table = "reports_campaignform"
        verbose_name = "报送报表"
        verbose_name_plural = "报送报表"
        ordering = ["campaign", "due_date", "form_no"]
        constraints = [models.UniqueConstraint(fields=["campaign", "form_no"], name="campaignform_unique_form")]

    def __str__(self) -> str:
        return self.short_label

    # The forms that count the expansion's result, on the campaign's cut-off (附表4 and 附表5).
    CUT_OFF_FORMS = ("4", "5")

    @property
    def reference_date(self) -> datetime.date:
        """The day this form counts on by default: the campaign's cut-off for 附表4 and 附表5, the
        due date for the others (附表1–3 and the pilot report of the 2016 plan are due in June)."""
        if self.definition_id is not None:
            rule = self.count_rule
            if rule == "cut_off":
                return self.campaign.cut_off_date
            if rule == "year_end":
                return datetime.date(self.campaign.cut_off_date.year, 12, 31)
            return self.due_date
        if self.form_no in self.CUT_OFF_FORMS:
            return self.campaign.cut_off_date
        return self.due_date

    @property
    def count_rule(self) -> str:
        """A defined table's count date rule (cut_off, due, year_end: reports.definitions.COUNT_DATES)."""
        assert self.definition is not None  # noqa: S101 - only asked of a defined table
        if not hasattr(self, "_count_rule"):
            self._count_rule = self.definition.newest().compiled().count_date
        return self._count_rule

    @property
    def as_of(self) -> datetime.date:
        """The count date of a return not yet submitted: the reference date (see count_date)."""
        return self.reference_date

    def count_date(self, submitted_on: datetime.date) -> datetime.date:
        """The count date fixed when the return is submitted on `submitted_on`: the reference date,
        but never later than the day of submission (figures cannot count a day not yet come).
        Printed as 截止时间; 报出日期 is `submitted_on`."""
        return min(self.reference_date, submitted_on)

    def count_date_reason(self, submitted_on: datetime.date) -> str:
        """Which rule of count_date gave the count date of a return submitted on `submitted_on`, in words."""
        reference = self.reference_date.isoformat()
        if submitted_on < self.reference_date:
            return f"截至报出日（早于本表的统计截止日 {reference}）"
        if self.definition_id is not None:
            from reports.definitions import COUNT_DATES

            source = COUNT_DATES[self.count_rule]
        else:
            source = "任务截止时间" if self.form_no in self.CUT_OFF_FORMS else "报送期限"
        return f"本表的统计截止日 {reference}（{source}）"

    @property
    def is_pilot_report(self) -> bool:
        return self.form_no == self.FormNo.PILOT

    @property
    def is_experience_report(self) -> bool:
        return self.form_no == self.FormNo.EXPERIENCE

    # Deliverables written by the district (text, and for 经验材料 attachments), not counted from the rosters.
    TEXT_REPORTS = (FormNo.PILOT, FormNo.EXPERIENCE)

    @property
    def is_text_report(self) -> bool:
        return self.form_no in self.TEXT_REPORTS

    @property
    def full_label(self) -> str:
        """The form's whole name: "附表4 扩大基层妇联组织成员情况统计表", or a defined table's title."""
        if self.definition is not None:
            return self.definition.title
        return str(self.get_form_no_display())

    @property
    def short_label(self) -> str:
        if self.is_pilot_report:
            return "示范点报告"
        if self.is_experience_report:
            return "经验材料"
        if self.definition is not None:
            return self.definition.title
        return f"附表{self.form_no}"

    @property
    def display_label(self) -> str:
        """附表4 扩大基层妇联组织成员情况统计表, or a defined table's title."""
        if self.definition is not None:
            return self.definition.title
        return self.get_form_no_display()


class Return(models.Model):
    """One form of one campaign filed by one district (tier 2)."""

    class Status(models.TextChoices):
        """The stored values; what each state is called, how it looks and where it may go are in returns/states.py."""

        DRAFT = "draft", states.state("draft").label
        SUBMITTED = "submitted", states.state("submitted").label
        RETURNED = "returned", states.state("returned").label
        APPROVED = "approved", states.state("approved").label

    campaign = models.ForeignKey(Campaign, verbose_name="报送任务", on_delete=models.PROTECT, related_name="returns")
    form = models.ForeignKey(CampaignForm, verbose_name="报表", on_delete=models.PROTECT, related_name="returns")
    unit = models.ForeignKey("orgtree.Unit", verbose_name="填报单位", on_delete=models.PROTECT, related_name="returns")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    # Compare-and-set token: every transition bumps it, so a stale page or a racing reviewer
    # cannot apply a transition to a state it never saw.
    version = models.PositiveIntegerField("版本", default=0)
    snapshot = models.ForeignKey(
        "ReturnSnapshot", verbose_name="当前快照", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    explanation = models.TextField("上报说明", blank=True)
    first_submitted_at = models.DateTimeField("首次上报时间", null=True, blank=True)
    submitted_at = models.DateTimeField("上报时间", null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上报人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Cells and rows the reviewer pinned when sending the return back, highlighted for the district.
    pinned_cells = models.JSONField("退回标注", default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set on every save and every transition (services._compare_and_set): the API's updated_since.
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        db_table = "reports_return"
        verbose_name = "报表"
        verbose_name_plural = "报表"
        constraints = [models.UniqueConstraint(fields=["form", "unit"], name="return_one_per_form_unit")]
        indexes = [
            # the completeness dashboard: campaign_id = %s AND unit_id IN (districts)
            models.Index(fields=["campaign", "unit"], name="return_campaign_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.form.short_label}"

    def get_absolute_url(self) -> str:
        return reverse("returns:return", args=[self.pk])

    @property
    def state(self) -> states.State:
        return states.state(self.status)

    @property
    def is_locked(self) -> bool:
        return self.state.final

    @property
    def can_be_submitted(self) -> bool:
        return states.allowed("submit", self.status)


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def snapshot_digest(envelope: dict[str, Any]) -> tuple[str, str]:
    """(sha256 hex, verification code) of a snapshot envelope.

    The code is the first 12 characters of base32(sha256(canonical JSON)): short enough to read
    out over the phone, and 60 bits are plenty to tell a city's returns apart.
    """
    digest = hashlib.sha256(canonical_json(envelope).encode("utf-8")).digest()
    return digest.hex(), base64.b32encode(digest).decode("ascii")[:12]


class SealImageQuerySet(models.QuerySet["SealImage"]):
    def freeze(self, content: bytes | None) -> SealImage | None:
        """The stored row for these PNG bytes (one row per distinct image), or None for no seal."""
        if not content:
            return None
        digest = hashlib.sha256(content).hexdigest()
        seal, _ = self.get_or_create(sha256=digest, defaults={"image": content})
        return seal


class SealImage(models.Model):
    """A seal image as it was when a return was stamped with it: immutable, shared by content.

    A unit's seal may be replaced later (orgtree.services.set_seal); a snapshot keeps pointing at
    the image it was submitted with, so an approved return downloads the same way forever. The
    bytes live in the database, so they are in the same backup as the snapshot that uses them.
    """

    sha256 = models.CharField("摘要", max_length=64, unique=True)
    image = models.BinaryField("公章图片（PNG）")
    created_at = models.DateTimeField("时间", default=timezone.now)

    objects = SealImageQuerySet.as_manager()

    class Meta:
        verbose_name = "报表公章"
        verbose_name_plural = "报表公章"

    def __str__(self) -> str:
        return f"公章 {self.sha256[:12]}"


class ReturnSnapshot(models.Model):
    """The computed table as submitted: written once, never updated."""

    ret = models.ForeignKey(Return, verbose_name="报表", on_delete=models.PROTECT, related_name="snapshots")
    number = models.PositiveIntegerField("第几次上报")
    data = models.JSONField("报表数据")
    sha256 = models.CharField("摘要", max_length=64)
    code = models.CharField("验证码", max_length=12)
    explanation = models.TextField("上报说明", blank=True)
    # The footer printed on the stamped export (FORMS.md "Common to every table").
    unit_leader = models.CharField("单位负责人", max_length=50)
    filled_by = models.CharField("填表人", max_length=50)
    phone = models.CharField("联系电话", max_length=30)
    report_date = models.DateField("报出日期")
    # The count date (截止时间), fixed at submission: CampaignForm.count_date(report_date).
    as_of = models.DateField("截止时间", null=True, blank=True)
    # The seal the return was stamped with, frozen at submission (null: the unit had none).
    seal = models.ForeignKey(
        SealImage, verbose_name="公章", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("上报时间", default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上报人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        db_table = "reports_returnsnapshot"
        verbose_name = "报表快照"
        verbose_name_plural = "报表快照"
        constraints = [models.UniqueConstraint(fields=["ret", "number"], name="snapshot_unique_number")]
        indexes = [
            # the public /verify/<code>/ page: code = %s
            models.Index(fields=["code"], name="snapshot_code"),
        ]

    def __str__(self) -> str:
        return f"{self.ret} 第{self.number}次上报"

    @property
    def seal_bytes(self) -> bytes | None:
        """The frozen seal's PNG bytes, or None."""
        seal = self.seal if self.seal_id else None
        return bytes(seal.image) if seal is not None else None

    @property
    def footer(self) -> dict[str, str]:
        return {
            "单位负责人": self.unit_leader,
            "填表人": self.filled_by,
            "联系电话": self.phone,
            "报出日期": cn_date(self.report_date),
        }


class SnapshotPdf(models.Model):
    """A snapshot's PDF, rendered once (returns/pdfs.py): the snapshot never changes, so neither does
    its PDF. One per rendition: contacts masked or not, and the /verify/ address its QR code prints."""

    snapshot = models.ForeignKey(ReturnSnapshot, verbose_name="报表快照", on_delete=models.CASCADE, related_name="pdfs")
    masked = models.BooleanField("联系方式打码")
    verify_url = models.CharField("核验网址", max_length=300)
    content = models.BinaryField("PDF")
    render_ms = models.PositiveIntegerField("生成用时（毫秒）", default=0)
    created_at = models.DateTimeField("生成时间", default=timezone.now)

    class Meta:
        verbose_name = "报表 PDF"
        verbose_name_plural = "报表 PDF"
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "masked", "verify_url"], name="snapshot_pdf_one_rendition")
        ]

    def __str__(self) -> str:
        return f"{self.snapshot} PDF"


class RenderSlot(models.Model):
    """A PDF render in progress for one user: the unique user is the limit (one at a time), taken
    and released atomically by returns/pdfs.py:render_slot. A slot older than its lease is stale."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "PDF 生成占用"
        verbose_name_plural = "PDF 生成占用"

    def __str__(self) -> str:
        return f"{self.user} {self.started_at:%H:%M:%S}"


class ReturnEvent(models.Model):
    """One transition of a return: who, when, from which status to which, and why."""

    class Action(models.TextChoices):
        SUBMIT = "submit", "上报"
        APPROVE = "approve", "审核通过"
        SEND_BACK = "send_back", "退回修改"
        REOPEN = "reopen", "重新打开"

    ret = models.ForeignKey(Return, verbose_name="报表", on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField("时间", default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField("操作", max_length=10, choices=Action.choices)
    from_status = models.CharField("原状态", max_length=10, choices=Return.Status.choices)
    to_status = models.CharField("新状态", max_length=10, choices=Return.Status.choices)
    reason = models.TextField("原因或说明", blank=True)
    cells = models.JSONField("标注的单元格", default=list, blank=True)
    snapshot = models.ForeignKey(
        ReturnSnapshot, verbose_name="快照", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        db_table = "reports_returnevent"
        verbose_name = "报表流转记录"
        verbose_name_plural = "报表流转记录"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.ret} {self.get_action_display()}"


class NotificationQuerySet(models.QuerySet["Notification"]):
    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """An in-app message; `key` makes repeated reminders idempotent (one per user and key)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    text = models.CharField("内容", max_length=300)
    url = models.CharField("链接", max_length=300, blank=True)
    key = models.CharField("去重键", max_length=100, blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        db_table = "reports_notification"
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], condition=~Q(key=""), name="notification_once_per_key")
        ]
        indexes = [
            # the unread badge on every page: user_id = %s AND read_at IS NULL
            models.Index(fields=["user", "read_at"], name="notification_user_unread"),
        ]

    def __str__(self) -> str:
        return self.text


class ReturnAttachmentQuerySet(models.QuerySet["ReturnAttachment"]):
    def current(self) -> ReturnAttachmentQuerySet:
        """The attachments that go with the return's next submission (not removed)."""
        return self.filter(removed_at__isnull=True)


def attachment_path(instance: ReturnAttachment, filename: str) -> str:
    """A random name under attachments/: the uploader's file name is kept in `name`, never in the path."""
    return f"attachments/{instance.ret_id}/{uuid.uuid4().hex}.{instance.extension}"


class ReturnAttachment(models.Model):
    """A file that goes with a 经验材料 return: checked by content (fedorg.uploads.sniff_attachment),
    stored under MEDIA_ROOT (never served as a file), downloaded only through the access rule
    (returns.views.attachment_download). Removing one while the return is open only marks it, so a
    submitted snapshot that lists it can still be opened."""

    ret = models.ForeignKey(Return, verbose_name="报表", on_delete=models.CASCADE, related_name="attachments")
    name = models.CharField("文件名", max_length=200)
    extension = models.CharField("类型", max_length=10)
    content_type = models.CharField("MIME 类型", max_length=100)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField("摘要", max_length=64)
    file = models.FileField("文件", upload_to=attachment_path, max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField("上传时间", default=timezone.now)
    removed_at = models.DateTimeField("移除时间", null=True, blank=True)

    objects = ReturnAttachmentQuerySet.as_manager()

    class Meta:
        verbose_name = "报表附件"
        verbose_name_plural = "报表附件"
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("returns:attachment", args=[self.pk])

    def as_listed(self) -> dict[str, Any]:
        """How a snapshot lists it (frozen with the submission)."""
        return {"id": self.pk, "name": self.name, "size": self.size, "sha256": self.sha256, "type": self.extension}
