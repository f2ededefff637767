"""Who may see a job: its requester, while the job's unit is still inside her subtree.

A job's file was made with the requester's rights (masking of personal data included), so
nobody else gets it, not even an administrator of the same subtree: 404, as for any object
outside the access rule.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404

from orgtree.access import visible_units

from .models import Job, JobQuerySet


def get_job_for_user(user: Any, pk: Any) -> Job:
    """The job `pk` if `user` requested it and may still see its unit, else 404. One query."""
    try:
        job = Job.objects.filter(pk=pk, requester=user, unit__in=visible_units(user)).select_related("unit").first()
    except (ValueError, TypeError):
        job = None
    if job is None:
        raise Http404("任务不存在或不在您的管辖范围内。")
    return job


def jobs_of(user: Any) -> JobQuerySet:
    return Job.objects.filter(requester=user, unit__in=visible_units(user)).select_related("unit")


def requester_may_still(job: Job, *, write: bool = False) -> bool:
    """Whether the job's requester, as she is now (a job runs later than it was asked for), still sees
    its unit, and may still write there when `write`: every job kind checks this before it works."""
    user = job.requester
    if not user.is_active or (write and not user.can_edit):
        return False
    return visible_units(user).filter(pk=job.unit_id).exists()
