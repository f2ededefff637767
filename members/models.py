"""People and the posts (任职) they hold in federation units."""

import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from fedorg.choices import fast_choice_display
from fedorg.freshness import VersionedQuerySet
from fedorg.pinyin import pinyin_initials  # noqa: F401 - re-exported: members.models.pinyin_initials

from . import codes
from .birth import birth_date_rule, full_birth_date

if TYPE_CHECKING:
    from orgtree.models import Unit


class DataVersion(models.Model):
    """One row: changes after every committed write to people, posts or units (fedorg.freshness)."""

    value = models.BigIntegerField()

    def __str__(self) -> str:
        return str(self.value)


class CityVersion(models.Model):
    """One row per city (市、地区): changes after every committed write inside that city's subtree, so a
    province's figures recount only the cities that changed (members.cityversions)."""

    # The city's unit id, not a foreign key: a row outlives nothing and is never joined.
    city_id = models.BigIntegerField(primary_key=True)
    value = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.city_id}:{self.value}"


class PersonQuerySet(VersionedQuerySet["Person"]):
    """Bulk writes of people also change the cities of their posts (members.cityversions); a new person
    holds no post yet, and a bulk update or delete by query cannot be placed, so changes every city."""

    def bulk_update(self, objs: Any, *args: Any, **kwargs: Any) -> int:
        from .cityversions import note_units

        objs = list(objs)
        people = [person.pk for person in objs]
        note_units(Post.objects.filter(person_id__in=people).values_list("unit_id", flat=True).distinct())
        return super().bulk_update(objs, *args, **kwargs)

    def update(self, *args: Any, **kwargs: Any) -> int:
        from .cityversions import note_all

        note_all()
        return super().update(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        from .cityversions import note_all

        note_all()
        return super().delete(*args, **kwargs)


@fast_choice_display
class Person(models.Model):
    """A person exists once, however many posts she holds."""

    class Gender(models.TextChoices):
        FEMALE = "F", "女"
        MALE = "M", "男"

    name = models.CharField("姓名", max_length=50)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices, default=Gender.FEMALE)
    ethnicity = models.CharField("民族", max_length=2, choices=codes.ETHNICITY, default=codes.HAN)
    birth_date = models.DateField("出生年月", help_text="只用到年和月，日固定为 1 日。")
    # The date ages are counted from (members.birth): the ID number's date, or the first of 出生年月.
    birthday = models.DateField("出生日期", null=True, blank=True, editable=False)
    id_number = models.CharField("身份证号", max_length=18, null=True, blank=True, unique=True)
    political_status = models.CharField("政治面貌", max_length=2, choices=codes.POLITICAL_STATUS, default="13")
    education = models.CharField("文化程度", max_length=2, choices=codes.EDUCATION, default="21")
    workplace_title = models.CharField("工作单位及职务", max_length=200, blank=True)
    mobile = models.CharField("手机号码", max_length=11, blank=True)
    source = models.CharField("来源类别", max_length=2, choices=codes.SOURCE, default=codes.SOURCE_OTHER)
    sector = models.CharField("界别", max_length=50, blank=True)
    is_frontline = models.BooleanField("基层一线", default=False)
    is_women_worker = models.BooleanField("专职妇女工作者", default=False)
    # The plan's new structure "专、兼职妇联干部+社工+志愿者+社会组织负责人" (issue 11).
    is_social_worker = models.BooleanField("社工", default=False)
    is_org_leader = models.BooleanField("社会组织负责人", default=False)
    name_initials = models.CharField("拼音首字母", max_length=50, blank=True, editable=False)
    note = models.CharField("备注", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = "人员"
        verbose_name_plural = "人员"
        indexes = [
            # person search: name / pinyin initials / phone prefix
            models.Index(fields=["name", "birth_date"], name="person_name_birth"),
            models.Index(fields=["name_initials"], name="person_initials"),
            models.Index(fields=["mobile"], name="person_mobile"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Every save path (services, admin, import) keeps the search key in step with the name;
        # bulk loaders that skip save() call pinyin_initials() themselves.
        self.name_initials = pinyin_initials(self.name)
        self.fill_birthday()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_initials"}
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"id_number", "birth_date"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "birthday"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("members:person", args=[self.pk])

    def fill_birthday(self) -> "Person":
        """Set `birthday` from the ID number and 出生年月; bulk writers that skip save() call this."""
        self.birthday = full_birth_date(self.id_number, self.birth_date)
        return self

    @property
    def birthday_rule(self) -> str:
        return birth_date_rule(self.id_number, self.birth_date)

    def age_on(self, day: datetime.date) -> int:
        """Whole years (周岁) on `day`, from the full birth date."""
        # 出生年月 is required, so full_birth_date always has a date to give.
        born = self.birthday or full_birth_date(self.id_number, self.birth_date) or self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def held_on_sql(alias: str, param: str) -> str:
    """THE as-of rule in SQL (FORMS.md): a post is held on a date when it started on or before it and
    had not ended by it. `param` names a bound parameter, %(param)s. PostQuerySet.current is the same
    rule for the ORM; no other code spells it out (reports.facts and members.rules use this)."""
    return f"({alias}.start_date <= %({param})s AND ({alias}.end_date IS NULL OR {alias}.end_date > %({param})s))"


class PostQuerySet(VersionedQuerySet["Post"]):
    # Bulk writes change the cities of the posts' units, old and new (members.cityversions).
    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list["Post"]:
        from .cityversions import note_units

        objs = list(objs)
        note_units(post.unit_id for post in objs)
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs: Any, *args: Any, **kwargs: Any) -> int:
        from .cityversions import note_units

        objs = list(objs)
        note_units(post.unit_id for post in objs)
        note_units(Post.objects.filter(pk__in=[post.pk for post in objs]).values_list("unit_id", flat=True).distinct())
        return super().bulk_update(objs, *args, **kwargs)

    def update(self, *args: Any, **kwargs: Any) -> int:
        from .cityversions import note_units

        note_units(self.values_list("unit_id", flat=True).distinct())
        moved_to = kwargs.get("unit_id", kwargs.get("unit"))
        note_units([getattr(moved_to, "pk", moved_to)] if moved_to is not None else [])
        return super().update(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        from .cityversions import note_units

        note_units(self.values_list("unit_id", flat=True).distinct())
        return super().delete(*args, **kwargs)

    def current(self, *, on: datetime.date) -> "PostQuerySet":
        """Posts held on `on`: started on or before it and not ended by it (FORMS.md as-of rule; held_on_sql)."""
        return self.filter(start_date__lte=on).filter(Q(end_date__isnull=True) | Q(end_date__gt=on))

    def leadership(self) -> "PostQuerySet":
        return self.exclude(role=Post.Role.DELEGATE)

    def by_rank(self) -> "PostQuerySet":
        """Highest post first (主席 before 副主席 ...), then by start date: the roster's order."""
        rank = models.Case(
            *[models.When(role=role, then=models.Value(n)) for role, n in Post.RANK.items()],
            output_field=models.IntegerField(),
        )
        return self.order_by(rank, "role", "start_date", "pk")


@fast_choice_display
class Post(models.Model):
    """One person holding one role in one unit from start_date until end_date (null while current)."""

    class Role(models.TextChoices):
        CHAIR = "chair", "主席"
        VICE_CHAIR = "vice_chair", "副主席"
        STANDING = "standing", "常委"
        EXECUTIVE = "executive", "执委"
        DELEGATE = "delegate", "代表"
        DIRECTOR = "director", "主任"
        DEPUTY_DIRECTOR = "deputy_director", "副主任"
        MEMBER = "member", "委员"

    class Mode(models.TextChoices):
        FULL_TIME = "full_time", "专职"
        PART_TIME = "part_time", "兼职"
        SECONDED = "seconded", "挂职"
        VOLUNTEER = "volunteer", "志愿者"

    class Method(models.TextChoices):
        SELF = "self", "个人自荐"
        MASSES = "masses", "群众举荐"
        UNIT = "unit", "单位推荐"
        DIRECT = "direct", "直接选拔"

    class TwoCommittees(models.TextChoices):
        NONE = "", "无"
        BRANCH = "branch", "支委"
        COMMITTEE = "committee", "村(居)委"
        BOTH = "both", "交叉任职"

    person = models.ForeignKey(Person, verbose_name="人员", on_delete=models.PROTECT, related_name="posts")
    unit = models.ForeignKey("orgtree.Unit", verbose_name="组织", on_delete=models.PROTECT, related_name="posts")
    role = models.CharField("妇联职务", max_length=20, choices=Role.choices)
    mode = models.CharField("任职方式", max_length=20, choices=Mode.choices, default=Mode.PART_TIME)
    method = models.CharField("产生方式", max_length=20, choices=Method.choices, default=Method.UNIT)
    term = models.ForeignKey(
        "orgtree.Congress", verbose_name="届次", null=True, blank=True, on_delete=models.SET_NULL, related_name="posts"
    )
    start_date = models.DateField("任职时间")
    end_date = models.DateField("离任时间", null=True, blank=True)
    end_reason = models.CharField("离任原因", max_length=200, blank=True)
    two_committees = models.CharField("进两委", max_length=10, choices=TwoCommittees.choices, blank=True, default="")
    note = models.CharField("备注", max_length=200, blank=True)
    # The 妇女群众会议 that appointed her; empty for a post entered outside a meeting (a correction,
    # an import, or a post that predates the register).
    meeting = models.ForeignKey(
        "selection.Meeting",
        verbose_name="妇女群众会议",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="posts",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PostQuerySet.as_manager()

    class Meta:
        verbose_name = "任职"
        verbose_name_plural = "任职"
        indexes = [
            # roster page and every report: unit_id IN (subtree) AND start_date <= d AND (end_date ...)
            models.Index(fields=["unit", "start_date", "end_date"], name="post_unit_dates"),
            # the person page: person_id = %s
            models.Index(fields=["person", "start_date"], name="post_person"),
        ]
        constraints = [
            # Two open-ended leadership posts of one person in one unit always overlap, so this
            # backs services.leadership_clash against two clerks saving at the same moment.
            models.UniqueConstraint(
                fields=["person", "unit"],
                condition=Q(end_date__isnull=True) & ~Q(role="delegate"),
                name="post_one_open_leadership_per_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.get_role_display()}"

    # Highest post first (FORMS.md "Counting a person once").
    RANK: dict[str, int] = {
        Role.CHAIR: 1,
        Role.DIRECTOR: 1,
        Role.VICE_CHAIR: 2,
        Role.DEPUTY_DIRECTOR: 2,
        Role.STANDING: 3,
        Role.EXECUTIVE: 4,
        Role.MEMBER: 4,
        Role.DELEGATE: 9,
    }
    FEDERATION_ROLES = [Role.CHAIR, Role.VICE_CHAIR, Role.STANDING, Role.EXECUTIVE, Role.DELEGATE]
    CONGRESS_ROLES = [Role.DIRECTOR, Role.DEPUTY_DIRECTOR, Role.MEMBER]

    @property
    def rank(self) -> int:
        return self.RANK[self.role]

    @property
    def is_leadership(self) -> bool:
        return self.role != self.Role.DELEGATE

    @property
    def registered_certificate(self) -> Any:  # selection.Certificate (a layer above members) or None
        """The post's entry in the certificate register (selection.Certificate), or None."""
        try:
            return self.certificate
        except models.ObjectDoesNotExist:
            return None

    @property
    def certificate_no(self) -> str:
        """证书编号: the register's number and nothing else (select_related("certificate") in lists)."""
        certificate = self.registered_certificate
        return certificate.number if certificate else ""

    @property
    def certificate_date(self) -> datetime.date | None:
        certificate = self.registered_certificate
        return certificate.issued_on if certificate else None

    def is_current_on(self, day: datetime.date) -> bool:
        return self.start_date <= day and (self.end_date is None or self.end_date > day)


class RosterImport(models.Model):
    """One confirmed roster import, keyed by the upload's token: the token is spent once.

    The confirm step inserts this row in the same transaction as the import's writes. Two
    confirmations of one upload (a double click, two tabs) race for the unique token: the
    loser waits for the winner's commit, finds the row, and answers with its summary instead
    of writing the file again (issue 12: 30 rows confirmed three times wrote 90 people).
    """

    token = models.CharField(max_length=64, unique=True)
    unit = models.ForeignKey("orgtree.Unit", on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    filename = models.CharField(max_length=255, blank=True)
    rows = models.PositiveIntegerField(default=0)
    summary = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "名册导入"
        verbose_name_plural = "名册导入"

    def __str__(self) -> str:
        return f"{self.filename} ({self.created_at:%Y-%m-%d %H:%M})"


class RuleSetQuerySet(models.QuerySet["RuleSet"]):
    def applicable_to(self, unit: "Unit | None") -> "RuleSetQuerySet":
        """Rule sets for everyone (no unit) or defined by `unit` or a unit above it."""
        from orgtree.models import ancestors_q

        if unit is None:
            return self.filter(unit__isnull=True)
        return self.filter(Q(unit__isnull=True) | ancestors_q(unit, prefix="unit__"))


class RuleSet(models.Model):
    """Composition rules as data (docs/forms.md "Rule sets"): the quotas 达标 is judged by.

    A campaign names its rule set; without one, or outside a campaign, the rule set in effect on the
    count date applies: the applicable one with the latest 起用日期 on or before it (the earliest
    one before the first). The 2016 set (哈妇发〔2016〕8号) is seeded by a migration.
    """

    name = models.CharField("名称", max_length=100, unique=True)
    source = models.CharField(
        "依据", max_length=200, blank=True, help_text="文件文号和条款，例如 哈妇发〔2016〕8号 三（三）2"
    )
    unit = models.ForeignKey(
        "orgtree.Unit",
        verbose_name="制定单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="空表示适用于所有组织",
    )
    effective_from = models.DateField("起用日期")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = RuleSetQuerySet.as_manager()

    class Meta:
        verbose_name = "配额规则集"
        verbose_name_plural = "配额规则集"
        ordering = ["-effective_from", "-id"]

    def __str__(self) -> str:
        return self.name


class QuotaRule(models.Model):
    """One block's quota in a rule set: the member range and the role counts 达标 needs."""

    class Block(models.TextChoices):
        # The three grassroots blocks of 附表4/5 (docs/forms.md "Tiers and blocks"), in their order.
        STREET = "street", "乡镇（街道）妇联"
        VILLAGE_FEDERATION = "village_federation", "村（社区）妇联"
        VILLAGE_CONGRESS = "village_congress", "村（社区）妇代会"

    rule_set = models.ForeignKey(RuleSet, verbose_name="规则集", on_delete=models.CASCADE, related_name="quotas")
    block = models.CharField("组织类别", max_length=20, choices=Block.choices)
    total_min = models.PositiveSmallIntegerField("成员总数下限")
    total_max = models.PositiveSmallIntegerField("成员总数上限")
    heads = models.PositiveSmallIntegerField("主席（主任）人数", default=1)
    vice_min = models.PositiveSmallIntegerField("副主席（副主任）至少", default=2)
    member_min = models.PositiveSmallIntegerField("执委（委员）下限")
    member_max = models.PositiveSmallIntegerField("执委（委员）上限")

    class Meta:
        verbose_name = "配额"
        verbose_name_plural = "配额"
        constraints = [
            models.UniqueConstraint(fields=["rule_set", "block"], name="quotarule_one_per_block"),
            models.CheckConstraint(condition=Q(total_min__lte=models.F("total_max")), name="quotarule_total_range"),
            models.CheckConstraint(condition=Q(member_min__lte=models.F("member_max")), name="quotarule_member_range"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_set}：{self.get_block_display()} {self.total_min}–{self.total_max}"
