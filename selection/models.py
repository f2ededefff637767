"""The path to an appointment (issue 11) and what follows it: the register of outstanding women and
women's social organisations, candidates and their vetting, the 妇女群众会议 that appoints them, the
certificates of the posts, and the 备案 of a meeting's result.

The tables keep the members_* (and reports_* for certificates) names they had before this app was
split out of members, so no row moved.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from fedorg.pinyin import pinyin_initials
from members import codes
from members.models import Post


class Certificate(models.Model):
    """任职证书 or 聘任证书 for one post, numbered per issuing unit and year.

    This register is the one source of a certificate's number.
    """

    class Kind(models.TextChoices):
        APPOINTMENT = "appointment", "任职证书"
        VOLUNTEER = "volunteer", "聘任证书"

    post = models.OneToOneField(
        "members.Post", verbose_name="任职", on_delete=models.PROTECT, related_name="certificate"
    )
    kind = models.CharField("证书类型", max_length=12, choices=Kind.choices)
    issuing_unit = models.ForeignKey(
        "orgtree.Unit", verbose_name="颁发单位", on_delete=models.PROTECT, related_name="issued_certificates"
    )
    # Both empty for a number recorded as typed (a roster import of certificates issued on paper);
    # numbers issued here run per issuing unit and year.
    year = models.PositiveSmallIntegerField("年度", null=True, blank=True)
    seq = models.PositiveIntegerField("序号", null=True, blank=True)
    number = models.CharField("证书编号", max_length=40, unique=True)
    issued_on = models.DateField("发证日期")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        db_table = "reports_certificate"
        verbose_name = "证书"
        verbose_name_plural = "证书"
        ordering = ["issuing_unit", "year", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["issuing_unit", "year", "seq"], name="certificate_unique_seq"),
        ]

    def __str__(self):
        return self.number


class CertificateCounter(models.Model):
    """The last sequence number used by an issuing unit in a year; locked while allocating."""

    issuing_unit = models.ForeignKey("orgtree.Unit", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_seq = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "reports_certificatecounter"
        constraints = [models.UniqueConstraint(fields=["issuing_unit", "year"], name="certificatecounter_unique")]

    def __str__(self):
        return f"{self.issuing_unit_id}/{self.year}: {self.last_seq}"


# --- the path to an appointment (issue 11) -----------------------------------------------------
# 哈妇发〔2016〕8号 三(三)3: "深入调查摸底……优秀女性代表人物分布，以及妇女社会组织……建立相应的档案";
# "以个人自荐、群众举荐、单位推荐、直接选拔等形式产生人选，经考核合格……召开妇女群众会议……选拔结果报同级
# 党组织和上级妇联备案". A unit keeps a register (档案) of outstanding women and women's social
# organisations; a woman of the register is proposed as a candidate (人选), vetted (考核), and appointed
# at a 妇女群众会议 (Meeting), whose posts name it; the result is filed (备案, Filing). Services in
# selection/services.py.


class WomenOrganisation(models.Model):
    """妇女社会组织 known to a unit; its leaders are register entries that name it."""

    unit = models.ForeignKey("orgtree.Unit", verbose_name="所属组织", on_delete=models.PROTECT, related_name="+")
    name = models.CharField("组织名称", max_length=100)
    field = models.CharField("活动领域", max_length=50, blank=True)
    member_count = models.PositiveIntegerField("成员人数", null=True, blank=True)
    contact = models.CharField("联系方式", max_length=50, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "members_womenorganisation"
        verbose_name = "妇女社会组织"
        verbose_name_plural = "妇女社会组织"
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="womenorg_unique_name_per_unit")]

    def __str__(self):
        return self.name


class RegisterEntry(models.Model):
    """优秀女性: one outstanding woman in a unit's register (档案), who may become a candidate."""

    unit = models.ForeignKey("orgtree.Unit", verbose_name="所属组织", on_delete=models.PROTECT, related_name="+")
    name = models.CharField("姓名", max_length=50)
    name_initials = models.CharField("拼音首字母", max_length=50, blank=True, editable=False)
    birth_date = models.DateField("出生年月", null=True, blank=True, help_text="任命时必填；填了身份证号可不填。")
    id_number = models.CharField("身份证号", max_length=18, blank=True)
    field = models.CharField("所在领域", max_length=50, blank=True, help_text="如 法律、教育、致富带头人、两新组织。")
    workplace_title = models.CharField("工作单位及职务", max_length=200, blank=True)
    mobile = models.CharField("联系电话", max_length=11, blank=True)
    source = models.CharField("来源类别", max_length=2, choices=codes.SOURCE, default=codes.SOURCE_OTHER)
    organisation = models.ForeignKey(
        WomenOrganisation,
        verbose_name="负责的妇女社会组织",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leaders",
    )
    is_social_worker = models.BooleanField("社工", default=False)
    person = models.ForeignKey(
        "members.Person",
        verbose_name="已登记人员",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="register_entries",
    )
    note = models.CharField("备注", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "members_registerentry"
        verbose_name = "优秀女性档案"
        verbose_name_plural = "优秀女性档案"
        indexes = [models.Index(fields=["unit", "name_initials"], name="register_unit_initials")]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "id_number"], condition=~Q(id_number=""), name="register_unique_id_per_unit"
            )
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name_initials = pinyin_initials(self.name)
        super().save(*args, **kwargs)

    @property
    def is_org_leader(self):
        return self.organisation_id is not None


class Meeting(models.Model):
    """妇女群众会议: where the vetted candidates of a unit are appointed."""

    unit = models.ForeignKey("orgtree.Unit", verbose_name="组织", on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField("会议日期")
    place = models.CharField("会议地点", max_length=100)
    attendance = models.PositiveIntegerField("参会人数")
    note = models.CharField("备注", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "members_meeting"
        verbose_name = "妇女群众会议"
        verbose_name_plural = "妇女群众会议"
        ordering = ["-held_on", "-pk"]

    def __str__(self):
        return f"{self.unit.name} {self.held_on:%Y-%m-%d} 妇女群众会议"

    def get_absolute_url(self):
        return reverse("selection:meeting", args=[self.pk])


class Candidate(models.Model):
    """人选: a woman of the register proposed for a post in a unit, vetted (考核), then appointed."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "待考核"
        PASSED = "passed", "考核合格"
        FAILED = "failed", "考核未通过"
        APPOINTED = "appointed", "已任命"

    OPEN = [Status.PROPOSED, Status.PASSED]

    unit = models.ForeignKey("orgtree.Unit", verbose_name="拟任组织", on_delete=models.PROTECT, related_name="+")
    entry = models.ForeignKey(RegisterEntry, verbose_name="档案", on_delete=models.PROTECT, related_name="candidacies")
    role = models.CharField("拟任职务", max_length=20, choices=Post.Role.choices)
    mode = models.CharField("任职方式", max_length=20, choices=Post.Mode.choices, default=Post.Mode.PART_TIME)
    method = models.CharField("产生方式", max_length=20, choices=Post.Method.choices)
    proposed_on = models.DateField("提名日期")
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.PROPOSED)
    vetted_on = models.DateField("考核日期", null=True, blank=True)
    vetting_body = models.CharField("考核单位", max_length=100, blank=True)
    vetting_note = models.CharField("考核意见", max_length=200, blank=True)
    post = models.OneToOneField(
        "members.Post", verbose_name="任职", null=True, blank=True, on_delete=models.PROTECT, related_name="candidacy"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "members_candidate"
        verbose_name = "人选"
        verbose_name_plural = "人选"
        constraints = [
            # One open candidacy per woman per unit: a double click on "提名" proposes her once.
            models.UniqueConstraint(
                fields=["unit", "entry"],
                condition=Q(status__in=["proposed", "passed"]),
                name="candidate_one_open_per_unit",
            )
        ]

    def __str__(self):
        return f"{self.entry.name}（{self.get_status_display()}）"


class Filing(models.Model):
    """备案: a meeting's selection result, filed with the same-level party organisation and the parent federation."""

    meeting = models.OneToOneField(Meeting, verbose_name="会议", on_delete=models.PROTECT, related_name="filing")
    party_org = models.CharField("同级党组织", max_length=100)
    party_filed_on = models.DateField("报党组织备案日期")
    parent_filed_on = models.DateField("报上级妇联备案日期")
    note = models.CharField("备注", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "members_filing"
        verbose_name = "备案"
        verbose_name_plural = "备案"

    def __str__(self):
        return f"{self.meeting} 备案"
