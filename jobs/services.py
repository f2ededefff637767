"""Starting, claiming, running, cancelling and cleaning up background jobs.

Claiming is one conditional UPDATE (`status = queued` -> `running`), so two workers never run
the same job, on PostgreSQL and on SQLite alike, without a lock table. Progress is written at
most every PROGRESS_SECONDS in one UPDATE that also reads the cancel flag and beats the heart.
"""

import hashlib
import json
import logging
import os
import secrets
import socket
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from orgtree.models import AuditEvent

from .models import Job
from .registry import KINDS, UNCAPPED, Cancelled, JobError

log = logging.getLogger(__name__)

MAX_ACTIVE_PER_USER = 3  # bounded: a user cannot fill the queue
DOUBLE_CLICK_SECONDS = 30  # a finished job this young is still "the same job" for a repeated click
PROGRESS_SECONDS = 0.5
STALE_AFTER = timedelta(minutes=10)  # a running job whose worker stopped beating is failed
KEEP_FILES = timedelta(hours=24)
KEEP_JOBS = timedelta(days=7)


class JobRefused(Exception):
    """Too many jobs of this user are already queued or running."""


def files_dir() -> Path:
    path = Path(getattr(settings, "JOB_FILES_DIR", "") or Path(settings.BASE_DIR) / "var" / "jobs")
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def request_key(kind, unit, params) -> str:
    raw = json.dumps([kind, unit.pk, params], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(raw.encode()).hexdigest()


def start_job(*, kind, requester, unit, params, title):
    """(job, created): a new queued job, or the one this same request already made.

    Repeating a request while its job is queued or running (a double click, a second tab)
    returns that job; so does repeating it within DOUBLE_CLICK_SECONDS of its finishing.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown job kind {kind!r}")
    key = request_key(kind, unit, params)
    with transaction.atomic():
        # One start per user at a time: the count and the insert are one step under a lock on her
        # account row. Counting, then inserting, let 16 parallel POSTs leave 14 jobs active against
        # a cap of 3 (issue 25). The double-click check runs under the same lock.
        list(get_user_model().objects.select_for_update().filter(pk=requester.pk).values_list("pk", flat=True))
        existing = _same_request(requester, key)
        if existing is not None:
            return existing, False
        active = Job.objects.active().filter(requester=requester).exclude(kind__in=UNCAPPED)
        if kind not in UNCAPPED and active.count() >= MAX_ACTIVE_PER_USER:
            raise JobRefused(f"您已有 {MAX_ACTIVE_PER_USER} 个后台任务在排队或进行中，请等它们完成后再试。")
        try:
            with transaction.atomic():
                job = Job.objects.create(
                    kind=kind, title=title[:200], requester=requester, unit=unit, params=params, key=key
                )
        except IntegrityError:  # a finished job of the same request, kept for its download
            existing = _same_request(requester, key)
            if existing is None:
                raise
            return existing, False
    return job, True


def _same_request(requester, key):
    recent = timezone.now() - timedelta(seconds=DOUBLE_CLICK_SECONDS)
    same = Job.objects.filter(requester=requester, key=key)
    return same.active().first() or same.filter(finished_at__gte=recent, status=Job.Status.DONE).first()


def cancel_job(job):
    """Cancel a queued job at once; ask a running one to stop at its next progress report."""
    now = timezone.now()
    if Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED).update(
        status=Job.Status.CANCELLED, finished_at=now, message="已取消。"
    ):
        return
    Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(cancel_requested=True)


def worker_name():
    return f"{socket.gethostname()}:{os.getpid()}"[:80]


def claim_next(worker):
    """The oldest queued job, now running under `worker`; None when the queue is empty."""
    for _attempt in range(5):
        queue = Job.objects.filter(status=Job.Status.QUEUED).order_by("created_at", "pk")
        pk = queue.values_list("pk", flat=True).first()
        if pk is None:
            return None
        now = timezone.now()
        if Job.objects.filter(pk=pk, status=Job.Status.QUEUED).update(
            status=Job.Status.RUNNING, worker=worker, started_at=now, heartbeat_at=now
        ):
            return Job.objects.get(pk=pk)
    return None  # other workers keep winning: let the caller poll again


class Progress:
    """The callable a job reports through: progress(done, total). Raises Cancelled when asked to stop."""

    def __init__(self, job, should_stop=lambda: False):
        self.job = job
        self.should_stop = should_stop
        self.last = 0.0

    def __call__(self, done, total=None, *, force=False):
        if self.should_stop():
            raise Cancelled("worker stopping")
        now = time.monotonic()
        if not force and done != total and now - self.last < PROGRESS_SECONDS:
            return
        self.last = now
        fields = {"rows_done": done, "heartbeat_at": timezone.now()}
        if total is not None:
            fields["rows_total"] = total
        if not Job.objects.filter(pk=self.job.pk, cancel_requested=False).update(**fields):
            raise Cancelled("cancelled by the requester")
        self.job.rows_done = done
        if total is not None:
            self.job.rows_total = total


def run_job(job, *, should_stop=lambda: False):
    """Run a claimed job to its end: done with a file, cancelled, failed, or back in the queue."""
    func = KINDS.get(job.kind)
    relative = f"job-{job.pk}-{secrets.token_hex(8)}.bin"  # never a file left by an earlier run
    out = files_dir() / relative
    progress = Progress(job, should_stop)
    fields: dict[str, object] = {}
    try:
        if func is None:
            raise JobError("未知的任务类型。")
        outcome = func(job, progress, out)
    except Cancelled:
        out.unlink(missing_ok=True)
        if should_stop():  # the worker is shutting down: someone else runs it later, from the start
            Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED, worker="", rows_done=0, started_at=None)
            return Job.objects.get(pk=job.pk)
        fields = {"status": Job.Status.CANCELLED, "message": "已取消。"}
    except JobError as e:
        out.unlink(missing_ok=True)
        fields = {"status": Job.Status.FAILED, "message": str(e)}
    except Exception:
        log.exception("background job %s (%s) failed", job.pk, job.kind)
        out.unlink(missing_ok=True)
        fields = {"status": Job.Status.FAILED, "message": "任务失败，请稍后重试；如果再次失败，请联系管理员。"}
    else:
        has_file = out.exists()
        fields = {
            "status": Job.Status.DONE,
            "message": outcome.message,
            "result_file": relative if has_file else "",
            "result_name": outcome.filename if has_file else "",
            "rows_done": job.rows_total if job.rows_total is not None else job.rows_done,
        }
    fields["finished_at"] = timezone.now()
    Job.objects.filter(pk=job.pk).update(**fields)
    return Job.objects.get(pk=job.pk)


def result_path(job):
    """The finished job's file on disk, or None (not done, expired, or removed)."""
    if not job.has_file:
        return None
    path = files_dir() / Path(job.result_file).name
    return path if path.exists() else None


def download(*, job, actor):
    """The finished job's file for `actor` to download, or None; a job that asked for it (params
    audit_action, e.g. full ID numbers and mobiles leave the system in this file) records who took it."""
    path = result_path(job)
    if path is None:
        return None
    action = job.params.get("audit_action")
    if action:
        AuditEvent.objects.record(
            actor=actor,
            action=action,
            unit=job.unit,
            obj=job.unit,
            changes={**{k: v for k, v in job.params.items() if k != "audit_action"}, "filename": job.result_name},
        )
    return path


def reap_stale(now=None):
    """Fail running jobs whose worker stopped reporting (killed, machine restarted)."""
    now = now or timezone.now()
    return Job.objects.filter(status=Job.Status.RUNNING, heartbeat_at__lt=now - STALE_AFTER).update(
        status=Job.Status.FAILED, finished_at=now, message="后台进程中断，任务未完成，请重新提交。"
    )


def sweep_old(now=None):
    """Remove result files after KEEP_FILES and job rows after KEEP_JOBS."""
    now = now or timezone.now()
    expired = Job.objects.filter(finished_at__lt=now - KEEP_FILES).exclude(result_file="")
    for job in expired:
        (files_dir() / Path(job.result_file).name).unlink(missing_ok=True)
    expired.update(result_file="", message="文件已过期（保留 24 小时），请重新生成。")
    Job.objects.filter(finished_at__lt=now - KEEP_JOBS).delete()
