import datetime
from typing import Any

from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = "人员与任职"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from fedorg.freshness import bump_on_commit
        from orgtree.models import Congress, Contact, Unit
        from orgtree.signals import unit_archiving, unit_conversion_preview, unit_converting, unit_merging

        from . import (
            background,  # noqa: F401 - registers the background job kinds
            cityversions,
        )
        from .models import Person, Post, QuotaRule, RuleSet
        from .services import (
            conversion_preview,
            convert_posts_for_federation,
            end_posts_for_archive,
            transfer_posts_for_merge,
        )

        def move_posts(
            sender: object, *, source: Unit, target: Unit, actor: Any, on: datetime.date | None = None, **kwargs: Any
        ) -> int:
            return transfer_posts_for_merge(source=source, target=target, actor=actor, on=on)

        unit_merging.connect(move_posts, dispatch_uid="members.move_posts_on_merge")

        def convert_posts(sender: object, *, unit: Unit, actor: Any, on: datetime.date, **kwargs: Any) -> int:
            return convert_posts_for_federation(unit=unit, actor=actor, on=on)

        unit_converting.connect(convert_posts, dispatch_uid="members.convert_posts_on_conversion")

        def preview_conversion(sender: object, *, unit: Unit, on: datetime.date, **kwargs: Any) -> dict[str, Any]:
            return conversion_preview(unit=unit, on=on)

        unit_conversion_preview.connect(preview_conversion, dispatch_uid="members.preview_conversion")

        def end_posts(sender: object, *, unit: Unit, actor: Any, reason: str, confirmed: bool, **kwargs: Any) -> int:
            return end_posts_for_archive(unit=unit, actor=actor, reason=reason, confirmed=confirmed)

        unit_archiving.connect(end_posts, dispatch_uid="members.end_posts_on_archive")

        def changed(**_kwargs: Any) -> None:
            bump_on_commit()

        # A rule set changes 达标 without any roster change, a contact 附表1 and a congress 附表2: cached
        # figures and tables key on the version, so these change it too.
        for model in (Person, Post, Unit, RuleSet, QuotaRule, Contact, Congress):
            post_save.connect(changed, sender=model, weak=False, dispatch_uid=f"freshness-{model.__name__}")
            post_delete.connect(changed, sender=model, weak=False, dispatch_uid=f"freshness-del-{model.__name__}")
        cityversions.connect_signals(person=Person, post=Post, rule_models=(RuleSet, QuotaRule))
