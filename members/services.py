"""Roster operations that span models; each runs in one transaction and is audited."""

from django.db import transaction
from django.utils import timezone

from orgtree.models import AuditEvent

from .models import Post


@transaction.atomic
def transfer_posts_for_merge(*, source, target, actor):
    """Move the current posts of `source` to `target` when units merge.

    A person who already holds a current leadership post in `target` keeps that one; her
    leadership post in `source` is ended on the merge date, since one person holds at most one
    current leadership post per unit. Ended posts stay with `source` as its history.
    Returns the number of posts moved.
    """
    today = timezone.localdate()
    current = Post.objects.current(on=today)
    leaders_in_target = set(current.filter(unit=target).leadership().values_list("person_id", flat=True))
    moved = ended = 0
    for post in current.filter(unit=source).select_related("person"):
        if post.is_leadership and post.person_id in leaders_in_target:
            post.end_date = max(today, post.start_date)
            post.end_reason = f"组织合并入{target.name}"
            post.save(update_fields=["end_date", "end_reason", "updated_at"])
            ended += 1
            action, changes = "post.end", {"end_date": [None, str(post.end_date)]}
        else:
            post.unit = target
            post.save(update_fields=["unit", "updated_at"])
            moved += 1
            action, changes = "post.move", {"unit": [source.name, target.name]}
        AuditEvent.objects.record(actor=actor, action=action, unit=target, obj=post, changes=changes, reason="组织合并")
    return moved
