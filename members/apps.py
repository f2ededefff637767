from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = "人员与任职"

    def ready(self):
        from orgtree.signals import unit_archiving, unit_merging

        from .services import end_posts_for_archive, transfer_posts_for_merge

        def move_posts(sender, *, source, target, actor, **kwargs):
            return transfer_posts_for_merge(source=source, target=target, actor=actor)

        unit_merging.connect(move_posts, dispatch_uid="members.move_posts_on_merge")

        def end_posts(sender, *, unit, actor, reason, confirmed, **kwargs):
            return end_posts_for_archive(unit=unit, actor=actor, reason=reason, confirmed=confirmed)

        unit_archiving.connect(end_posts, dispatch_uid="members.end_posts_on_archive")
