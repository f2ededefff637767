"""Federation units (one MPTT tree per city), their contacts and congresses, accounts, audit."""

from __future__ import annotations

import datetime
import re
from typing import Any, ClassVar, NamedTuple

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import connection, models
from django.db.models import Q, Subquery
from django.db.models.functions import Lower
from django.urls import reverse
from mptt.managers import TreeManager
from mptt.models import MPTTModel, TreeForeignKey
from mptt.querysets import TreeQuerySet

from fedorg import freshness
from fedorg.choices import fast_choice_display
from fedorg.pinyin import pinyin_initials
from fedorg.usernames import account_name

# 统计用区划代码: 2 (province), 4 (city), 6 (district/county), 9 (street/township) or 12 (community/
# village) ASCII digits. A new-field federation (新领域妇联) has no statistical code of its own: it takes the
# code of the territorial unit it belongs to (4, 6 or 9 digits) and a segment of its own, "-" and 2–3 digits,
# one per level, so that sub-federations can go on below it at any depth: 2301-01, 2301-01-03, 230102001-02.
# The database holds the same pattern as a check constraint.
TERRITORIAL_CODE = r"[0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12}"
NEW_FIELD_CODE = r"([0-9]{4}|[0-9]{6}|[0-9]{9})(-[0-9]{2,3})+"
UNIT_CODE_PATTERN = rf"^({TERRITORIAL_CODE}|{NEW_FIELD_CODE})$"
UNIT_CODE_LENGTHS = (2, 4, 6, 9, 12)
UNIT_CODE_MAX_LENGTH = 40


def is_new_field_code(code: str | None) -> bool:
    return re.fullmatch(NEW_FIELD_CODE, code or "", flags=re.ASCII) is not None


def validate_unit_code(code: str | None) -> None:
    code = code or ""
    territorial = code.isascii() and code.isdigit() and len(code) in UNIT_CODE_LENGTHS
    if not (territorial or (len(code) <= UNIT_CODE_MAX_LENGTH and is_new_field_code(code))):
        raise ValidationError(
            f"组织代码“{code}”不符合统计用区划代码：应为 2、4、6、9 或 12 位数字，例如 230102001001；"
            "新领域妇联为所属市、区县或街道乡镇的代码加“-”和 2–3 位数字，例如 2301-01。",
            code="invalid_unit_code",
        )


# The right end of "all of a tree": a province's subtree is its cities' whole trees.
WHOLE_TREE = 2**31 - 1


class Bounds(NamedTuple):
    """A unit's subtree as stored: the nested sets it spans and the range within them.

    One nested set per city (issue 21): a unit in a city spans its own tree between its lft and rght;
    a province spans its own one-unit tree and the whole trees of its cities."""

    trees: tuple[int, ...]
    lft: int
    rght: int

    def q(self, prefix: str = "") -> Q:
        """The ORM filter `tree_id IN (…) AND lft >= … AND rght <= …` (prefix "unit__" through a relation)."""
        trees: dict[str, Any] = (
            {f"{prefix}tree_id": self.trees[0]} if len(self.trees) == 1 else {f"{prefix}tree_id__in": self.trees}
        )
        # lft <= rght bounds the index range to the subtree (a descendant's lft lies inside it): without it
        # the scan ran from lft to the end of the city's tree, filtering rght.
        bounds = {f"{prefix}lft__gte": self.lft, f"{prefix}lft__lte": self.rght, f"{prefix}rght__lte": self.rght}
        return Q(**trees, **bounds)

    def contains(self, unit: Unit) -> bool:
        return unit.tree_id in self.trees and self.lft <= unit.lft and unit.rght <= self.rght


class Forest(NamedTuple):
    """How the nested sets hang together above the cities: each city heads a tree of its own, and a
    province (one tree of one unit) links to its cities through their `parent` alone."""

    above: dict[int, int]  # tree id -> the unit above its root (a city's province)
    spans: dict[int, tuple[int, ...]]  # a unit above cities -> its own tree and its cities' trees


def forest() -> Forest:
    """The links above the cities, kept per data version (a few hundred roots even for the nation)."""

    def read() -> Forest:
        roots = list(Unit.objects.filter(tree_parent__isnull=True).values_list("pk", "tree_id", "parent_id"))
        tree_of = {pk: tree for pk, tree, _parent in roots}
        above: dict[int, int] = {}
        spans: dict[int, list[int]] = {}
        for _pk, tree, parent_id in sorted(roots, key=lambda row: row[1]):
            if parent_id is not None:
                above[tree] = parent_id
                spans.setdefault(parent_id, [tree_of[parent_id]]).append(tree)
        return Forest(above, {pk: tuple(trees) for pk, trees in spans.items()})

    return freshness.cached("unit-forest", read, in_memory=True)


def heads_cities(unit: Unit) -> bool:
    """A province with cities below it: its subtree is more than its own nested set."""
    return unit.kind == Unit.Kind.PROVINCE and unit.pk in forest().spans


def _bounds(pk: int, kind: str, tree_id: int, lft: int, rght: int) -> Bounds:
    """Only a province reads the forest: every other unit's subtree is a range of its own set."""
    spans = forest().spans.get(pk) if kind == Unit.Kind.PROVINCE else None
    return Bounds(spans, 1, WHOLE_TREE) if spans else Bounds((tree_id,), lft, rght)


def bounds_of(unit: Unit) -> Bounds:
    """The subtree of a unit by the tree fields and kind it carries (read them fresh where a write may have
    moved it)."""
    return _bounds(unit.pk, unit.kind, unit.tree_id, unit.lft, unit.rght)


def read_bounds(pk: int) -> Bounds:
    """The subtree of the unit `pk` as stored now (Unit.DoesNotExist if there is none)."""
    return _bounds(pk, *Unit.objects.filter(pk=pk).values_list("kind", "tree_id", "lft", "rght").get())


def unit_bounds(pk: int) -> Bounds | None:
    """The subtree of a unit as stored now, None if there is none.

    Every page reads the bounds of its user's unit (the access rule) and of its ancestors: they are
    kept in this process per data version, which every tree write changes when it commits (a unit's
    save bumps it), and read afresh inside a transaction that has written (issue 21: one statement
    fewer per page, two on pages with a breadcrumb)."""

    def read() -> Bounds | None:
        try:
            return read_bounds(pk)
        except Unit.DoesNotExist:
            return None

    return freshness.cached(f"unit-bounds:{pk}", read, in_memory=True)


def ancestors_q(unit: Unit, *, include_self: bool = True, prefix: str = "") -> Q:
    """The units above `unit` (and itself): the ranges around it in its city's tree, and the unit its tree's
    root links up to (a city's province), found by the root's one index probe in the same statement."""
    lt, gt = ("lte", "gte") if include_self else ("lt", "gt")
    q = Q(**{f"{prefix}tree_id": unit.tree_id, f"{prefix}lft__{lt}": unit.lft, f"{prefix}rght__{gt}": unit.rght})
    # `= (SELECT … LIMIT 1)`, not `IN (…)`: PostgreSQL ORs a scalar with the range as two index scans, where
    # the IN made it scan the whole unit table (7.9 ms on a province against 0.9 ms).
    root_parent = Unit.objects.filter(tree_id=unit.tree_id, lft=1, parent__isnull=False).values("parent_id")[:1]
    return q | Q(**{f"{prefix}pk": Subquery(root_parent)})


class UnitQuerySet(TreeQuerySet):
    def active(self) -> UnitQuerySet:
        return self.filter(archived_at__isnull=True)

    def territorial_first(self) -> UnitQuerySet:
        """Tree order, with the new-field 妇联 after the territorial units: a city lists its districts first."""
        new_field = models.Case(
            models.When(kind__in=Unit.NEW_FIELD_KINDS, then=models.Value(1)), default=models.Value(0)
        )
        return self.order_by(new_field, "tree_id", "lft")

    def visible_to(self, user: Any) -> UnitQuerySet:
        """Units in the subtree of the user's unit (archived included); none for anonymous users.

        Reads the user's unit bounds as stored now (unit_bounds), so it is never fooled by a stale
        in-memory instance after a tree write.
        """
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.unit_id is None:
            return self if user.is_superuser else self.none()
        bounds = unit_bounds(user.unit_id)
        if bounds is None:
            return self.none()
        return self.filter(bounds.q())

    def subtree_of(self, unit: Unit) -> UnitQuerySet:
        """The unit and all its descendants, by the unit's bounds as stored now."""
        return self.filter(read_bounds(unit.pk).q())

    def matching(self, query: str | None) -> UnitQuerySet:
        """Units whose name contains `query`, whose code starts with it, or whose pinyin initials
        start with it (兆麟 / 230102001 / zljd): what the pickers and the search box match."""
        q = "".join((query or "").split()).replace("\x00", "")
        if not q:
            return self.none()
        if q.isascii() and q.isalpha():
            return self.filter(models.Q(name_initials__startswith=q.lower()) | models.Q(name__icontains=q))
        if q.isdigit():
            return self.filter(code__startswith=q)
        return self.filter(name__icontains=q)

    def subtree_paths(self, unit: Unit) -> dict[int, tuple[str, str]]:
        """{pk: (path, code)} for `unit` and its descendants in one query, the path naming each unit
        with its parents from `unit` down ("道里区 / 兆麟街道 / 康乐社区"): many communities share a name."""
        rows = self.subtree_of(unit).values_list("pk", "parent_id", "name", "code")
        # The unit first: below a province, its cities head trees of their own (lft 1 like the province's).
        ordered = sorted(rows.order_by("tree_id", "lft"), key=lambda row: row[0] != unit.pk)
        paths: dict[int, tuple[str, str]] = {}
        for pk, parent_id, name, code in ordered:
            parent = paths.get(parent_id) if pk != unit.pk else None
            paths[pk] = (f"{parent[0]} / {name}" if parent else name, code)
        return paths

    def of_tier(self, tier: int) -> UnitQuerySet:
        return self.filter(kind__in=Unit.KINDS_BY_TIER[tier])

    def child_subtree_kind_counts(self, unit: Unit) -> dict[int, list[tuple[str, int]]]:
        """{child_id: [(kind label, n)]}: the active units below each child of `unit`, by kind, in one query."""
        table = Unit._meta.db_table
        sql = (
            f"SELECT c.id, d.kind, COUNT(*) FROM {table} c "  # noqa: S608 - table name is ours, values are bound
            f"JOIN {table} d ON d.tree_id = c.tree_id AND d.lft > c.lft AND d.rght < c.rght "
            "WHERE c.parent_id = %s AND d.archived_at IS NULL GROUP BY c.id, d.kind"
        )
        counts: dict[int, list[tuple[str, int]]] = {}
        with connection.cursor() as cursor:
            cursor.execute(sql, [unit.pk])
            for child_id, kind, n in sorted(cursor.fetchall(), key=lambda row: Unit.KIND_ORDER[row[1]]):
                counts.setdefault(child_id, []).append((Unit.Kind(kind).label, n))
        return counts


@fast_choice_display
class Unit(MPTTModel):
    class Kind(models.TextChoices):
        PROVINCE = "province", "省"
        CITY = "city", "市"
        PREFECTURE = "prefecture", "地区"
        DISTRICT = "district", "区"
        COUNTY = "county", "县"
        COUNTY_CITY = "county_city", "县级市"
        STREET = "street", "街道"
        TOWNSHIP = "township", "乡镇"
        TOWN = "town", "镇"
        COMMUNITY = "community", "社区"
        VILLAGE = "village", "村"
        # 新领域妇联 (docs/forms.md "New-field federations"): outside the territorial tiers.
        NF_ORGAN = "nf_organ", "机关、系统妇联"
        NF_ENTERPRISE = "nf_enterprise", "企业妇联"
        NF_SOCIETY = "nf_society", "社会组织、商会、协会妇联"
        NF_PARK = "nf_park", "园区、商圈、楼宇、众创空间妇联"
        OTHER = "other", "其他新领域妇联"

    # Kinds from the top of the tree down, new-field kinds last: the order in which lists of kinds read.
    KIND_ORDER = {kind: i for i, kind in enumerate(Kind.values)}

    class OrgForm(models.TextChoices):
        FEDERATION = "federation", "妇联"
        CONGRESS = "congress", "妇代会"

    name = models.CharField("组织名称", max_length=100)
    # Unique through unit_code_unique below: one index for equality and for prefix LIKE.
    code = models.CharField("组织代码", max_length=UNIT_CODE_MAX_LENGTH, validators=[validate_unit_code])
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    org_form = models.CharField("组织形式", max_length=20, choices=OrgForm.choices, default=OrgForm.FEDERATION)
    parent = models.ForeignKey(
        "self", verbose_name="上级组织", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # One nested set per city (issue 21): mptt's parent is the real parent everywhere below a city, and none
    # for a city or a province, so a city heads a tree of its own and a write never shifts another city's
    # units. A province links to its cities through `parent` alone (see Forest). Kept in step by save().
    # Declared here, not by mptt, for its index: mptt indexes tree_id alone and (tree_id, lft), and a tree write
    # rewrites every index entry of each row it shifts. (tree_id, lft), unit_tree_range below, serves both.
    tree_id = models.PositiveIntegerField(editable=False)
    tree_parent = TreeForeignKey(
        "self", verbose_name="树内上级", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        editable=False,
    )  # fmt: skip
    is_pilot = models.BooleanField("示范点", default=False)
    archived_at = models.DateTimeField("撤销时间", null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name="并入",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_from",
        db_index=False,  # unit_merged_into, partial
    )
    seal = models.ImageField("公章图片", upload_to="seals/", blank=True)
    # The pickers' search key (兆麟街道 -> zljd), kept in step with the name by save().
    name_initials = models.CharField("拼音首字母", max_length=50, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TreeManager.from_queryset(UnitQuerySet)()

    class MPTTMeta:
        parent_attr = "tree_parent"
        order_insertion_by = ["code"]

    class Meta:
        verbose_name = "组织"
        verbose_name_plural = "组织"
        indexes = [
            # visible_to / subtree_of: tree_id = %s AND lft BETWEEN ... (every scoped query); mptt's own
            # (tree_id, lft) index, which it adds unless the model has one.
            models.Index(fields=["tree_id", "lft"], name="unit_tree_range"),
            # the navigator's search box: name LIKE %s
            models.Index(fields=["name"], name="unit_name"),
            # the pickers: name_initials LIKE 'zl%'
            models.Index(fields=["name_initials"], name="unit_initials"),
            # A merged unit's target: almost every unit has none, and those rows stay out of the index.
            models.Index(
                fields=["merged_into"], condition=models.Q(merged_into__isnull=False), name="unit_merged_into"
            ),
        ]
        constraints = [
            # One index where a unique CharField has two on PostgreSQL (the constraint's, and a
            # varchar_pattern_ops copy for LIKE 'prefix%'): the pattern operator class answers both, and
            # every row a tree write shifts rewrites an entry in each index (issue 21).
            models.UniqueConstraint(
                fields=["code"],
                name="unit_code_unique",
                opclasses=["varchar_pattern_ops"],
                violation_error_message="组织代码已被其他组织使用。",
            ),
            models.CheckConstraint(
                condition=models.Q(code__regex=UNIT_CODE_PATTERN),
                name="unit_code_statistical_pattern",
                violation_error_message="组织代码应为 2、4、6、9 或 12 位数字，新领域妇联为上级代码加“-”和 2–3 位数字。",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Every save path keeps the pickers' search key in step with the name; the bulk loader
        # (services.bulk_load_units) fills it itself.
        self.name_initials = pinyin_initials(self.name)
        self.tree_parent_id = self.tree_parent_for(self.kind, self.parent_id)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_initials"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("orgtree:unit", args=[self.pk])

    # Kinds that head a nested set of their own: a province (alone in its set) and a city with everything
    # below it. A tree write then shifts one city's units at most (issue 21), whatever the province holds.
    TREE_ROOT_KINDS = ("province", "city", "prefecture")

    @classmethod
    def tree_parent_for(cls, kind: str, parent_id: int | None) -> int | None:
        """mptt's parent for a unit of `kind` below `parent_id`: the real parent, except at a tree's root."""
        return None if kind in cls.TREE_ROOT_KINDS else parent_id

    def get_ancestors(self, ascending: bool = False, include_self: bool = False) -> UnitQuerySet:
        """mptt's ancestors inside the city's tree, and the province above the city (one nested set per city)."""
        top_first = models.Case(models.When(kind=Unit.Kind.PROVINCE, then=0), default=1)
        order = (top_first.desc(), "-lft") if ascending else (top_first.asc(), "lft")
        return Unit.objects.filter(ancestors_q(self, include_self=include_self)).order_by(*order)

    def is_descendant_of(self, other: MPTTModel, include_self: bool = False) -> bool:
        """Below `other` (or `other` itself with include_self), across the link from a province to its cities."""
        if self.pk == other.pk:
            return include_self
        return isinstance(other, Unit) and bounds_of(other).contains(self)

    def is_ancestor_of(self, other: MPTTModel, include_self: bool = False) -> bool:
        return isinstance(other, Unit) and other.is_descendant_of(self, include_self=include_self)

    # A province heads no mptt children: its cities are trees of their own. mptt's readers of what lies
    # below follow the link, so that a province's children are its cities and its descendants their units.
    def get_children(self) -> UnitQuerySet:
        if heads_cities(self):
            return Unit.objects.filter(parent=self)
        return super().get_children()

    def get_descendants(self, include_self: bool = False) -> UnitQuerySet:
        if heads_cities(self):
            below = Unit.objects.filter(bounds_of(self).q())
            return below if include_self else below.exclude(pk=self.pk)
        return super().get_descendants(include_self=include_self)

    def get_descendant_count(self) -> int:
        if heads_cities(self):
            return Unit.objects.filter(bounds_of(self).q()).count() - 1
        return super().get_descendant_count()

    @property
    def code_fits_parent(self) -> bool:
        """False when the code does not start with the parent's (kept from the old parent after a move)."""
        parent = self.parent
        return parent is None or self.code.startswith(parent.code)

    # Tier 0 province, 1 city/prefecture (市、地区), 2 district/county/county-level city, 3 street/township,
    # 4 community/village (FORMS.md "Tiers"). The tier comes from the kind alone, never from the depth.
    KINDS_BY_TIER = {
        0: [Kind.PROVINCE],
        1: [Kind.CITY, Kind.PREFECTURE],
        2: [Kind.DISTRICT, Kind.COUNTY, Kind.COUNTY_CITY],
        3: [Kind.STREET, Kind.TOWNSHIP, Kind.TOWN],
        4: [Kind.COMMUNITY, Kind.VILLAGE],
    }
    # Kinds that may be the root of a tree: a province, or a city on its own (the 2016 demo).
    ROOT_KINDS = [Kind.PROVINCE, Kind.CITY]
    VALID_PARENT_KINDS: dict[str, list[Unit.Kind]] = {
        Kind.PROVINCE: [],
        Kind.CITY: [Kind.PROVINCE],
        Kind.PREFECTURE: [Kind.PROVINCE],
        Kind.DISTRICT: [Kind.CITY, Kind.PREFECTURE],
        Kind.COUNTY: [Kind.CITY, Kind.PREFECTURE],
        Kind.COUNTY_CITY: [Kind.CITY, Kind.PREFECTURE],
        Kind.STREET: [Kind.DISTRICT, Kind.COUNTY, Kind.COUNTY_CITY],
        Kind.TOWNSHIP: [Kind.DISTRICT, Kind.COUNTY, Kind.COUNTY_CITY],
        Kind.TOWN: [Kind.DISTRICT, Kind.COUNTY, Kind.COUNTY_CITY],
        Kind.COMMUNITY: [Kind.STREET, Kind.TOWN],
        Kind.VILLAGE: [Kind.TOWNSHIP, Kind.TOWN],
    }
    # 新领域妇联: below a city, a district, a street or township, or another new-field federation.
    NEW_FIELD_KINDS = [Kind.NF_ORGAN, Kind.NF_ENTERPRISE, Kind.NF_SOCIETY, Kind.NF_PARK, Kind.OTHER]
    NEW_FIELD_PARENT_KINDS = [
        Kind.CITY,
        Kind.PREFECTURE,
        Kind.DISTRICT,
        Kind.COUNTY,
        Kind.COUNTY_CITY,
        Kind.STREET,
        Kind.TOWNSHIP,
        Kind.TOWN,
        *NEW_FIELD_KINDS,
    ]
    VALID_PARENT_KINDS.update(dict.fromkeys(NEW_FIELD_KINDS, NEW_FIELD_PARENT_KINDS))

    @property
    def tier(self) -> int | None:
        """0–4 by kind (never by depth); None for a new-field federation, which is in no tier."""
        for tier, kinds in self.KINDS_BY_TIER.items():
            if self.kind in kinds:
                return tier
        return None

    TIER_LABELS = {0: "省", 1: "市（地）", 2: "区县", 3: "街道乡镇", 4: "社区村"}

    @property
    def tier_label(self) -> str:
        return self.TIER_LABELS[self.tier] if self.tier is not None else "新领域妇联"

    # The five levels as the 2017 reform plan names them; a clerk reads 省级, not 第0级.
    LEVEL_NAMES = {0: "省级", 1: "市（地）级", 2: "县（市、区）级", 3: "乡镇（街道）级", 4: "村（社区）级"}

    @property
    def level_text(self) -> str:
        """What the unit page says of its place: 县（市、区）级, or 新领域妇联（企业妇联）."""
        if self.is_new_field:
            return f"新领域妇联（{self.get_kind_display()}）"
        tier = self.tier
        assert tier is not None  # every kind outside the new field has a tier
        return self.LEVEL_NAMES[tier]

    @property
    def is_new_field(self) -> bool:
        return self.kind in self.NEW_FIELD_KINDS

    @property
    def federation_name(self) -> str:
        """The federation's own name as it signs a form: 道里区妇联, 经纬社区妇代会."""
        return self.federation_name_for(self.name)

    def federation_name_for(self, name: str) -> str:
        """The federation's name built on `name` (e.g. the unit's name on a count date)."""
        body = "妇代会" if self.is_congress else "妇联"
        return name if name.endswith(body) else f"{name}{body}"

    def seal_bytes(self) -> bytes | None:
        """The PNG bytes of the unit's seal, or None when it has none (or its file is gone)."""
        if not self.seal:
            return None
        try:
            with self.seal.open("rb") as f:
                return f.read()
        except (FileNotFoundError, OSError):
            return None

    @property
    def runs_campaigns(self) -> bool:
        """A province or a city (地区) federation may run a campaign; its districts file the returns."""
        return self.tier in (0, 1)

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def is_village_level(self) -> bool:
        return self.tier == 4

    @property
    def is_congress(self) -> bool:
        return self.org_form == self.OrgForm.CONGRESS

    @classmethod
    def child_kinds_of(cls, kind: str) -> list[str]:
        return [child for child, parents in cls.VALID_PARENT_KINDS.items() if kind in parents]

    @classmethod
    def check_kind(cls, kind: str) -> None:
        """Raise ValidationError for a kind that is not one of Unit.Kind (never a bare KeyError)."""
        if kind not in cls.VALID_PARENT_KINDS:
            names = "、".join(str(label) for _value, label in cls.Kind.choices)
            raise ValidationError(f"没有“{kind}”这种组织类型，只能是：{names}。")

    def check_parent(self, parent: Unit | None) -> None:
        """Raise ValidationError unless `parent` may hold a unit of this kind."""
        self.check_kind(self.kind)
        allowed = self.VALID_PARENT_KINDS[self.kind]
        if parent is None:
            if self.kind not in self.ROOT_KINDS:
                raise ValidationError(f"{self.get_kind_display()}级组织必须有上级组织。")
            return
        if parent.kind not in allowed:
            names = "、".join(str(self.Kind(k).label) for k in allowed) or "无"
            raise ValidationError(
                f"{self.get_kind_display()}不能设在{parent.get_kind_display()}（{parent.name}）之下，"
                f"上级只能是：{names}。"
            )
        if parent.is_archived:
            raise ValidationError(f"上级组织“{parent.name}”已撤销，不能在其下设立或迁入组织。")


class UnitVersionQuerySet(models.QuerySet["UnitVersion"]):
    def valid_on(self, day: datetime.date) -> UnitVersionQuerySet:
        """The versions in force on `day` (one per unit that existed then)."""
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gt=day)
        )


class UnitVersion(models.Model):
    """What a unit was from `valid_from` until the day before `valid_to`: its name, code, kind, form and parent.

    Every tree write (orgtree/services.py) closes the unit's open version on the day the change takes
    effect and opens a new one, so a report counted on a past day reads the tree as it was then
    (reports/facts.py) and gives the same figures after any later 会改联, rename, move, merge or
    archive. `valid_from` is null for the first version of a unit entered without a founding date
    (it existed before anything was recorded); `valid_to` is null while the version is in force;
    an archived unit has no open version. The same "held on a date" rule as posts: a version is in
    force on d when valid_from <= d < valid_to.
    """

    unit = models.ForeignKey(Unit, verbose_name="组织", on_delete=models.CASCADE, related_name="versions")
    valid_from = models.DateField("起始日期", null=True, blank=True)
    valid_to = models.DateField("终止日期", null=True, blank=True)
    name = models.CharField("组织名称", max_length=100)
    code = models.CharField("组织代码", max_length=UNIT_CODE_MAX_LENGTH)
    kind = models.CharField("类型", max_length=20, choices=Unit.Kind.choices)
    org_form = models.CharField("组织形式", max_length=20, choices=Unit.OrgForm.choices)
    parent = models.ForeignKey(
        Unit, verbose_name="上级组织", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    level = models.PositiveIntegerField("层级", default=0)

    objects = UnitVersionQuerySet.as_manager()

    TRACKED = ("name", "code", "kind", "org_form", "parent_id", "level")

    class Meta:
        verbose_name = "组织历史版本"
        verbose_name_plural = "组织历史版本"
        indexes = [
            # the report scope's recursion: parent_id = %s, then the dates
            models.Index(fields=["parent", "valid_from"], name="unitversion_parent"),
            models.Index(fields=["unit", "valid_from"], name="unitversion_unit"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["unit"], condition=Q(valid_to__isnull=True), name="unitversion_one_open_per_unit"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.valid_from or '…'}–{self.valid_to or '…'}"

    @classmethod
    def fields_of(cls, unit: Unit) -> dict[str, Any]:
        return {field: getattr(unit, field) for field in cls.TRACKED}


class Contact(models.Model):
    """附表1 contacts: each unit has one 分管领导 and one 具体联系人."""

    class Role(models.TextChoices):
        LEADER = "leader", "分管领导"
        CONTACT = "contact", "具体联系人"

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="contacts")
    role = models.CharField("类别", max_length=10, choices=Role.choices)
    name = models.CharField("姓名", max_length=50, blank=True)
    title = models.CharField("职务", max_length=100, blank=True)
    office_phone = models.CharField("办公电话", max_length=30, blank=True)
    mobile = models.CharField("手机", max_length=20, blank=True)
    email_qq = models.CharField("电子邮箱/QQ", max_length=100, blank=True)

    class Meta:
        verbose_name = "联系人"
        verbose_name_plural = "联系人"
        constraints = [models.UniqueConstraint(fields=["unit", "role"], name="contact_one_per_role")]
        ordering = ["unit", "role"]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.name}"

    @property
    def is_empty(self) -> bool:
        return not (self.name and (self.mobile or self.office_phone))


class Congress(models.Model):
    """A women's congress (妇女代表大会) of a unit: 第N届, when held, when its term runs out."""

    class Timing(models.TextChoices):
        FIRST = "first", "首次记录"
        ON_TIME = "on_time", "按期换届"
        EARLY = "early", "提前换届"
        LATE = "late", "延期换届"

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="congresses")
    number = models.PositiveSmallIntegerField("届次")
    held_on = models.DateField("召开时间")
    term_years = models.PositiveSmallIntegerField("任期（年）", default=5)
    expires_on = models.DateField("届满时间")
    next_planned_on = models.DateField("计划换届时间", null=True, blank=True)
    # 代表 by the categories 附表2 columns 6–12 count (各族各界优秀代表 is total minus 专职妇女工作者), as the
    # congress declared them; empty for a congress recorded without its delegate figures (the 2016 seeds).
    delegates_total = models.PositiveSmallIntegerField("代表总数", null=True, blank=True)
    delegates_women_workers = models.PositiveSmallIntegerField("其中专职妇女工作者", null=True, blank=True)
    delegates_frontline = models.PositiveSmallIntegerField("其中基层一线", null=True, blank=True)
    delegates_party = models.PositiveSmallIntegerField("其中中共党员", null=True, blank=True)
    delegates_minority = models.PositiveSmallIntegerField("其中少数民族", null=True, blank=True)
    delegates_young = models.PositiveSmallIntegerField("其中35岁及以下", null=True, blank=True)
    # Who the congress elected, as counts; the posts themselves link here through members.Post.term.
    executives_elected = models.PositiveSmallIntegerField("当选执委（委员）人数", null=True, blank=True)
    standing_elected = models.PositiveSmallIntegerField("当选常委人数", null=True, blank=True)
    vice_chairs_elected = models.PositiveSmallIntegerField("当选副主席（副主任）人数", null=True, blank=True)
    chair_name = models.CharField("当选主席（主任）", max_length=50, blank=True)
    # Against the previous 届's 届满时间 (orgtree/congresses.py): held more than the tolerance before or after
    # it is 提前 or 延期, and needs a reason.
    timing = models.CharField("换届时间", max_length=10, choices=Timing.choices, default=Timing.FIRST)
    timing_reason = models.CharField("提前或延期换届原因", max_length=200, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    created_by = models.ForeignKey(
        "orgtree.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="录入人"
    )
    created_at = models.DateTimeField("录入时间", auto_now_add=True, null=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True, null=True)

    class Meta:
        verbose_name = "妇女代表大会"
        verbose_name_plural = "妇女代表大会"
        constraints = [models.UniqueConstraint(fields=["unit", "number"], name="congress_unique_number")]
        ordering = ["unit", "-number"]

    def __str__(self) -> str:
        return f"{self.unit.name}第{self.number}届妇女代表大会"

    def is_expired_on(self, day: datetime.date) -> bool:
        return self.expires_on <= day


# ASCII letters, digits and _ . @ + - only: no Chinese, full-width or Cyrillic look-alikes ("dаoli" with a
# Cyrillic а), so two accounts can never look the same on screen.
username_validator = RegexValidator(
    r"^[A-Za-z0-9_.@+-]+\Z",
    "用户名只能使用英文字母、数字和 _ . @ + -，不能有中文、全角字符或其他文字的字母。",
    code="invalid_username",
)


class CaseInsensitiveUserManager(UserManager["User"]):
    def get_by_natural_key(self, username: str | None) -> User:
        """Logins compare the canonical form (fedorg.usernames): "DaoLi" and "ＤａｏＬｉ" are daoli, and
        "daolı" (dotless i) is nobody, though PostgreSQL's UPPER() would have matched it to DAOLI."""
        name = account_name(username)
        if name is None:
            raise self.model.DoesNotExist(f"no account is named {username!r}")
        return self.get(username__iexact=name)

    def for_login_name(self, username: str) -> User | None:
        """The account a typed login name means, or None (for the audit of a failed login)."""
        name = account_name(username)
        return self.filter(username__iexact=name).first() if name else None


class User(AbstractUser):
    """An account bound to one unit; it acts only inside that unit's subtree."""

    username = models.CharField(
        "用户名",
        max_length=150,
        unique=True,
        validators=[username_validator],
        help_text="英文字母、数字和 _ . @ + -，不区分大小写。",
        error_messages={"unique": "这个用户名已存在。"},
    )

    class Role(models.TextChoices):
        ADMIN = "admin", "管理员"
        REVIEWER = "reviewer", "审核员"
        STAFF = "staff", "填报员"
        VIEWER = "viewer", "查看员"

    full_name = models.CharField("姓名", max_length=50, blank=True)
    unit = models.ForeignKey(Unit, verbose_name="所属组织", null=True, blank=True, on_delete=models.PROTECT)
    role = models.CharField("角色", max_length=10, choices=Role.choices, default=Role.VIEWER)
    phone = models.CharField("联系电话", max_length=30, blank=True)

    objects: ClassVar[CaseInsensitiveUserManager] = CaseInsensitiveUserManager()

    class Meta:
        verbose_name = "账号"
        verbose_name_plural = "账号"
        constraints = [
            models.UniqueConstraint(
                Lower("username"),
                name="user_username_ci_unique",
                violation_error_message="这个用户名已存在（不区分大小写）。",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name or self.username

    @property
    def can_manage_tree(self) -> bool:
        return self.is_superuser or self.role == self.Role.ADMIN

    @property
    def can_edit(self) -> bool:
        """May change rosters and contacts in the subtree, and submit returns (seals: can_manage_tree)."""
        return self.is_superuser or self.role in (self.Role.ADMIN, self.Role.STAFF)

    @property
    def can_review(self) -> bool:
        return self.is_superuser or self.role in (self.Role.ADMIN, self.Role.REVIEWER)

    @property
    def can_see_personal_data(self) -> bool:
        """Full 身份证号 and 手机号码 inside the subtree; viewers and reviewers see them masked."""
        return self.can_edit


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def record(
        self,
        *,
        actor: Any,
        action: str,
        unit: Unit | None = None,
        obj: models.Model | None = None,
        changes: dict[str, Any] | None = None,
        reason: str = "",
    ) -> AuditEvent:
        return self.create(
            actor=actor if actor is not None and actor.is_authenticated else None,
            action=action,
            unit=unit,
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=obj.pk if obj is not None else None,
            changes=changes or {},
            reason=reason,
        )

    def for_object(self, obj: models.Model) -> AuditEventQuerySet:
        return self.filter(object_type=obj._meta.label_lower, object_id=obj.pk)


class AuditEvent(models.Model):
    """Who did what, when, with old -> new values. Written by every service."""

    at = models.DateTimeField("时间", auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.SET_NULL
    )
    action = models.CharField("操作", max_length=40)
    unit = models.ForeignKey(Unit, verbose_name="组织", null=True, blank=True, on_delete=models.SET_NULL)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.BigIntegerField(null=True, blank=True)
    changes = models.JSONField("变更", default=dict, blank=True)
    reason = models.TextField("原因", blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = "操作记录"
        verbose_name_plural = "操作记录"
        ordering = ["-at", "-id"]
        indexes = [
            # the history panel of a person, post or return: object_type = %s AND object_id = %s
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
            # the unit page's history: unit_id = %s ORDER BY at DESC
            models.Index(fields=["unit", "at"], name="audit_unit_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"

    ACTION_LABELS = {
        "unit.create": "新建组织",
        "unit.rename": "更名",
        "unit.move": "调整隶属",
        "unit.archive": "撤销",
        "unit.restore": "恢复",
        "unit.merge": "合并",
        "unit.convert": "妇代会改建妇联",
        "unit.contacts": "修改联系人",
        "unit.seal": "上传公章",
        "unit.pilot": "设置示范点",
        "unit.bulk_load": "批量导入组织",
        "unit.recode": "按上级重新编码",
        "account.create": "新建账号",
        "account.update": "修改账号",
        "auth.login": "登录",
        "auth.login_failed": "登录失败",
        "auth.password_change": "修改密码",
        "roster.export_unmasked": "导出名册（含完整身份证号和手机号）",
        "person.create": "登记人员",
        "person.update": "修改人员信息",
        "person.import": "Excel 导入人员",
        "post.create": "任命",
        "post.update": "修改任职",
        "post.end": "离任",
        "post.move": "随组织合并转入",
        "post.import": "Excel 导入任职",
        "campaign.create": "新建报送任务",
        "ruleset.create": "制定配额规则集",
        "certificate.issue": "颁发证书",
        "certificate.record": "登记证书编号",
        "register.create": "登记优秀女性档案",
        "register.update": "修改档案",
        "register.organisation": "登记妇女社会组织",
        "register.export_unmasked": "导出档案（含完整身份证号和电话）",
        "candidate.propose": "提名人选",
        "candidate.vet": "考核人选",
        "meeting.create": "记录妇女群众会议",
        "filing.record": "选拔结果备案",
        "return.submit": "上报报表",
        "return.approve": "审核通过",
        "return.send_back": "退回修改",
        "return.reopen": "重新打开报表",
        "token.issue": "签发接口令牌",
        "token.revoke": "吊销接口令牌",
        "token.use": "使用接口令牌",
    }

    @property
    def action_label(self) -> str:
        return self.ACTION_LABELS.get(self.action, self.action)


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self, now: datetime.datetime) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True, expires_at__gt=now)


class ApiToken(models.Model):
    """A key a script sends instead of a password (docs/api.md), issued by an administrator.

    It acts as `user`, narrowed to the subtree of `unit` (which lies in the user's subtree), and
    only reads unless `can_write`. The key itself is shown once; only its SHA-256 is stored
    (keys are 256 random bits, so a plain hash is as strong as a slow one).
    """

    name = models.CharField("名称", max_length=100)
    prefix = models.CharField("令牌前缀", max_length=12, help_text="令牌开头几位，用于辨认，不能用于登录。")
    key_hash = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="代表账号", on_delete=models.CASCADE, related_name="api_tokens"
    )
    unit = models.ForeignKey(Unit, verbose_name="限定组织范围", on_delete=models.PROTECT, related_name="api_tokens")
    can_write = models.BooleanField("允许写入", default=False)
    created_at = models.DateTimeField("签发时间", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="签发人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField("过期时间")
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}…）"

    def status_label(self, now: datetime.datetime) -> str:
        if self.revoked_at is not None:
            return "已吊销"
        if self.expires_at <= now:
            return "已过期"
        return "有效"
