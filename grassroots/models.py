"""The grassroots registers (issue 24), each on dates so that a table of a year counts that year's state.

- WomenHome (妇女之家) of a community, village or new-field unit: open from `opened_on` until `closed_on`;
  the 四有 standard met on the latest of its four dates; its activities (WomenHomeActivity) on their dates.
- TwoCommittees (村（居）两委) of a village or community: one record per election, in force from
  `elected_on` until the next election (or `ended_on`).
- Organisation (新领域组织) of a street or township, counted for 组建率: recorded from `listed_on` until
  `closed_on`, covered from `women_org_on` (the date its women's organisation was set up).
"""

from __future__ import annotations

import datetime

from django.core.validators import MaxValueValidator
from django.db import models
from django.urls import reverse

from members.models import Person
from orgtree.models import Unit

# Kinds whose unit keeps a 妇女之家 or a two-committee record: villages and communities (tier 4);
# 妇女之家 also in new-field units (docs/forms.md "New-field federations").
GRASSROOTS_KINDS = tuple(Unit.KINDS_BY_TIER[4])
NEW_FIELD_KINDS = (
    Unit.Kind.NF_ORGAN,
    Unit.Kind.NF_ENTERPRISE,
    Unit.Kind.NF_SOCIETY,
    Unit.Kind.NF_PARK,
    Unit.Kind.OTHER,
)
HOME_KINDS = GRASSROOTS_KINDS + NEW_FIELD_KINDS
STREET_KINDS = tuple(Unit.KINDS_BY_TIER[3])

# 八位一体: the eight functions of a 妇女之家 in 道里区's model, spread city-wide in 2012 (哈尔滨市妇联
# 70 years). The sources name the model but not its eight parts; these are the functions the national
# 妇女之家 guidance names, kept as codes so a city may relabel them (docs/forms.md "妇女之家").
FUNCTIONS = {
    "education": "宣传教育",
    "consultation": "议事协商",
    "rights": "维权服务",
    "family": "家庭教育",
    "skills": "技能培训",
    "culture": "文体活动",
    "care": "关爱帮扶",
    "volunteer": "巾帼志愿服务",
}
FOUR_HAS = {
    "place_on": "有场所",
    "sign_on": "有牌子",
    "rules_on": "有制度",
    "activities_on": "有活动",
}


class WomenHome(models.Model):
    unit = models.ForeignKey(Unit, verbose_name="所在组织", on_delete=models.PROTECT, related_name="women_homes")
    name = models.CharField("名称", max_length=60)
    address = models.CharField("地址", max_length=120, blank=True)
    area = models.PositiveIntegerField("面积（平方米）", null=True, blank=True, validators=[MaxValueValidator(100000)])
    opened_on = models.DateField("建立日期")
    closed_on = models.DateField("撤销日期", null=True, blank=True)
    place_on = models.DateField("有场所（日期）", null=True, blank=True)
    sign_on = models.DateField("有牌子（日期）", null=True, blank=True)
    rules_on = models.DateField("有制度（日期）", null=True, blank=True)
    activities_on = models.DateField("有活动（日期）", null=True, blank=True)
    functions = models.JSONField("八位一体功能", default=list, blank=True)
    person = models.ForeignKey(
        Person, verbose_name="负责人", null=True, blank=True, on_delete=models.SET_NULL, related_name="women_homes"
    )
    online_url = models.URLField("网上妇女之家网址", max_length=200, blank=True)
    wechat = models.CharField("网上妇女之家微信公众号/群", max_length=60, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "妇女之家"
        verbose_name_plural = "妇女之家"
        ordering = ["unit_id", "opened_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="women_home_unique_name"),
            models.CheckConstraint(
                condition=models.Q(closed_on__isnull=True) | models.Q(closed_on__gt=models.F("opened_on")),
                name="women_home_closes_after_opening",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("grassroots:women_home", args=[self.pk])

    def is_open_on(self, on: datetime.date) -> bool:
        return self.opened_on <= on and (self.closed_on is None or self.closed_on > on)

    def four_has_on(self, on: datetime.date) -> bool:
        """四有 达标 on `on`: all four standards met by then."""
        return all(getattr(self, f) is not None and getattr(self, f) <= on for f in FOUR_HAS)


class WomenHomeActivity(models.Model):
    class Kind(models.TextChoices):
        EDUCATION = "education", "宣传教育"
        SKILLS = "skills", "技能培训"
        RIGHTS = "rights", "维权服务"
        FAMILY = "family", "家庭教育"
        CULTURE = "culture", "文体活动"
        CARE = "care", "关爱帮扶"
        VOLUNTEER = "volunteer", "志愿服务"
        OTHER = "other", "其他"

    home = models.ForeignKey(WomenHome, verbose_name="妇女之家", on_delete=models.CASCADE, related_name="activities")
    held_on = models.DateField("活动日期")
    kind = models.CharField("活动类型", max_length=20, choices=Kind.choices)
    title = models.CharField("活动名称", max_length=80)
    attendance = models.PositiveIntegerField("参加人数", validators=[MaxValueValidator(100000)])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "妇女之家活动"
        verbose_name_plural = "妇女之家活动"
        ordering = ["home_id", "held_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["home", "held_on", "title"], name="women_home_activity_once"),
        ]

    def __str__(self) -> str:
        return f"{self.held_on} {self.title}"


class TwoCommittees(models.Model):
    """The women on a village's or community's 两委 after one election, in force until the next."""

    unit = models.ForeignKey(Unit, verbose_name="村（社区）", on_delete=models.PROTECT, related_name="two_committees")
    elected_on = models.DateField("换届选举日期")
    ended_on = models.DateField("届满日期", null=True, blank=True)
    members = models.PositiveSmallIntegerField("两委成员人数", validators=[MaxValueValidator(99)])
    women = models.PositiveSmallIntegerField("其中女性人数", validators=[MaxValueValidator(99)])
    women_names = models.CharField("女性成员姓名", max_length=120, blank=True, help_text="以顿号分隔")
    secretary_woman = models.BooleanField("党组织书记为女性", default=False)
    director_woman = models.BooleanField("村（居）委会主任为女性", default=False)
    one_shoulder = models.BooleanField("书记、主任“一肩挑”", default=False)
    chair_in = models.BooleanField("妇联主席（妇代会主任）进两委", default=False)
    note = models.CharField("备注", max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "村（居）两委女性成员"
        verbose_name_plural = "村（居）两委女性成员"
        ordering = ["unit_id", "-elected_on"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "elected_on"], name="two_committees_once_per_election"),
            models.CheckConstraint(condition=models.Q(women__lte=models.F("members")), name="two_committees_women_le"),
        ]

    def __str__(self) -> str:
        return f"{self.elected_on} 两委"

    @property
    def woman_head(self) -> bool:
        """A woman holds a 正职 (书记 or 主任)."""
        return self.secretary_woman or self.director_woman


class Organisation(models.Model):
    """An organisation in a street's or township's area, counted for 组建率."""

    class Kind(models.TextChoices):
        ORGAN = "organ", "机关"
        INSTITUTION = "institution", "事业单位"
        ENTERPRISE = "enterprise", "企业（国有、集体）"
        NEW_ECONOMIC = "new_economic", "新经济组织"
        NEW_SOCIAL = "new_social", "新社会组织"
        CHAMBER = "chamber", "商会、协会"
        PARK = "park", "园区、商圈、楼宇"

    class WomenOrg(models.TextChoices):
        NONE = "none", "未建"
        FEDERATION = "federation", "妇联"
        COMMITTEE = "committee", "妇委会"
        WORKERS = "workers", "女职工委员会"
        GROUP = "group", "妇女小组"

    unit = models.ForeignKey(Unit, verbose_name="街道（乡镇）", on_delete=models.PROTECT, related_name="organisations")
    name = models.CharField("组织名称", max_length=80)
    kind = models.CharField("组织类别", max_length=20, choices=Kind.choices)
    women_org = models.CharField("妇女组织", max_length=20, choices=WomenOrg.choices, default=WomenOrg.NONE)
    women_org_on = models.DateField("妇女组织建立日期", null=True, blank=True)
    listed_on = models.DateField("纳入统计日期")
    closed_on = models.DateField("注销日期", null=True, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "新领域组织"
        verbose_name_plural = "新领域组织"
        ordering = ["unit_id", "kind", "name"]
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="organisation_unique_name")]

    def __str__(self) -> str:
        return self.name

    def covered_on(self, on: datetime.date) -> bool:
        return self.women_org != self.WomenOrg.NONE and (self.women_org_on is None or self.women_org_on <= on)
