"""附表1–5 are computed from orgtree and members (see docs/forms.md); the reports app keeps only the
statistics tables defined as data (reports/definitions.py), one row per version of each."""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from .definitions import Definition, DefinitionError, parse


class TableDefinitionQuerySet(models.QuerySet["TableDefinition"]):
    def latest_versions(self) -> TableDefinitionQuerySet:
        """The newest version of each key."""
        newer = TableDefinition.objects.filter(key=models.OuterRef("key"), version__gt=models.OuterRef("version"))
        return self.filter(~models.Exists(newer))

    def usable_by(self, unit: Any) -> TableDefinitionQuerySet:
        """Definitions a unit may ask for or change: its own, those of a unit above it, and the shared ones
        (loaded from a file, owner empty)."""
        if unit is None:
            return self.filter(owner__isnull=True)
        above = unit.get_ancestors(include_self=True).values("pk")
        return self.filter(models.Q(owner__isnull=True) | models.Q(owner__in=above))


class TableDefinition(models.Model):
    """One version of a statistics table defined as data. Never changed: saving a changed definition adds
    the next version, so a return filed with an older one keeps it (its snapshot names the version)."""

    key = models.CharField("标识", max_length=40)
    version = models.PositiveIntegerField("版本")
    title = models.CharField("表名", max_length=100)
    source = models.TextField("定义（YAML）")
    sha256 = models.CharField("摘要", max_length=64)
    # The federation that defined it (a city or a province); empty: loaded from a file, shared by all.
    owner = models.ForeignKey(
        "orgtree.Unit", verbose_name="定义单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="定义人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("时间", default=timezone.now)

    objects = TableDefinitionQuerySet.as_manager()

    class Meta:
        verbose_name = "自定义统计表"
        verbose_name_plural = "自定义统计表"
        ordering = ["key", "-version"]
        constraints = [models.UniqueConstraint(fields=["key", "version"], name="tabledefinition_key_version")]

    def __str__(self) -> str:
        return f"{self.title}（{self.key} 第{self.version}版）"

    def compiled(self) -> Definition:
        return parse(self.source)

    @property
    def stored(self) -> dict[str, Any]:
        """How a snapshot names the version it was computed from."""
        return {"id": self.pk, "key": self.key, "version": self.version}

    def newest(self) -> TableDefinition:
        """The newest version of this definition's key (a campaign counts with it)."""
        return TableDefinition.objects.filter(key=self.key).order_by("-version").first() or self


def save_definition(source: str, *, owner: Any = None, actor: Any = None) -> tuple[TableDefinition, bool]:
    """(version, created): the definition in `source` checked and stored as the next version of its key.

    Saving the same text again returns the stored version (created False): repeating is harmless. A key
    another federation defined is refused, as is anything parse refuses (DefinitionError names the line).
    """
    definition = parse(source)
    digest = hashlib.sha256(source.encode("utf-8")).hexdigest()
    for _attempt in range(3):
        latest = TableDefinition.objects.filter(key=definition.key).order_by("-version").first()
        if latest is not None and latest.owner_id != (owner.pk if owner else None):
            whose = latest.owner.name if latest.owner else "系统（由文件载入）"
            raise DefinitionError(f"标识“{definition.key}”已被{whose}使用，请换一个 key。")
        if latest is not None and latest.sha256 == digest:
            return latest, False
        try:
            with transaction.atomic():
                created = TableDefinition.objects.create(
                    key=definition.key,
                    version=(latest.version + 1) if latest else 1,
                    title=definition.title,
                    source=source,
                    sha256=digest,
                    owner=owner,
                    created_by=actor,
                )
            return created, True
        except IntegrityError:
            continue  # another save took that version number: read again
    raise DefinitionError("保存时发生冲突，请重试。")
