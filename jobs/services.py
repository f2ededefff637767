"""Starting, claiming, running, cancelling and cleaning up background jobs.

Claiming is one conditional UPDATE (`status = queued` -> `running`), so two workers never run
the same job, on PostgreSQL and on SQLite alike, without a lock table. Progress is written at
most every PROGRESS_SECONDS in one UPDATE that also reads the cancel flag and beats the heart.

Workers on several machines: a claim is a lease of JOB_LEASE_SECONDS, renewed by a heartbeat thread
while the job runs. A worker killed mid-job (SIGKILL, a machine lost) stops renewing; any worker then
puts the job back in the queue (requeue_stale) and it runs again from the start, up to MAX_ATTEMPTS.
Every write of a run is fenced by (worker, attempts): a run that lost its lease (stalled past it, then
woke) writes neither progress nor result, so a job finishes exactly once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DatabaseError, IntegrityError, connection, connections, transaction
from django.db.models import F
from django.utils import timezone

from fedorg import dbrouting
from orgtree.models import AuditEvent, Unit

from .models import Job
from .registry import KINDS, UNCAPPED, Cancelled, JobError

log = logging.getLogger(__name__)

MAX_ACTIVE_PER_USER = 3  # bounded: a user cannot fill the queue
DOUBLE_CLICK_SECONDS = 30  # a finished job this young is still "the same job" for a repeated click
PROGRESS_SECONDS = 0.5
MAX_ATTEMPTS = 3  # a job whose worker died this many times is failed, not retried again
KEEP_FILES = timedelta(hours=24)
KEEP_JOBS = timedelta(days=7)
QUEUED_AT_WAL = "_queued_at_wal"  # params: the primary's WAL position when queued (fedorg.dbrouting)


class JobRefused(Exception):
    """Too many jobs of this user are already queued or running."""


def files_dir() -> Path:
    path = Path(getattr(settings, "JOB_FILES_DIR", "") or Path(settings.BASE_DIR) / "var" / "jobs")
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def request_key(kind: str, unit: Unit, params: dict[str, Any]) -> str:
    raw = json.dumps([kind, unit.pk, params], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(raw.encode()).hexdigest()


def start_job(
    *, kind: str, requester: Any, unit: Unit, params: dict[str, Any], title: str, reuse_finished: bool = True
) -> tuple[Job, bool]:
    """(job, created): a new queued job, or the one this same request already made.

    Repeating a request while its job is queued or running (a double click, a second tab)
    returns that job; so does repeating it within DOUBLE_CLICK_SECONDS of its finishing, unless
    `reuse_finished` is False (a count asked for again because what it counted has changed since).
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
        if existing is not None and (reuse_finished or existing.is_active):
            return existing, False
        active = Job.objects.active().filter(requester=requester).exclude(kind__in=UNCAPPED)
        if kind not in UNCAPPED and active.count() >= MAX_ACTIVE_PER_USER:
            raise JobRefused(f"您已有 {MAX_ACTIVE_PER_USER} 个后台任务在排队或进行中，请等它们完成后再试。")
        try:
            with transaction.atomic():
                # Where the primary's WAL stood when the job was queued: the worker reads the standby only
                # once it has replayed this far (fedorg.dbrouting.standby_must_hold). Not part of the key.
                position = dbrouting.primary_position()
                stored = {**params, QUEUED_AT_WAL: position} if position else params
                job = Job.objects.create(
                    kind=kind, title=title[:200], requester=requester, unit=unit, params=stored, key=key
                )
        except IntegrityError:  # a finished job of the same request, kept for its download
            existing = _same_request(requester, key)
            if existing is None:
                raise
            return existing, False
    return job, True


def _same_request(requester: Any, key: str) -> Job | None:
    recent = timezone.now() - timedelta(seconds=DOUBLE_CLICK_SECONDS)
    same = Job.objects.filter(requester=requester, key=key)
    return same.active().first() or same.filter(finished_at__gte=recent, status=Job.Status.DONE).first()


def cancel_job(job: Job) -> None:
    """Cancel a queued job at once; ask a running one to stop at its next progress report."""
    now = timezone.now()
    if Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED).update(
        status=Job.Status.CANCELLED, finished_at=now, message="已取消。"
    ):
        return
    Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(cancel_requested=True)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:80]


def lease() -> timedelta:
    """How long a claim holds without a heartbeat (settings.JOB_LEASE_SECONDS)."""
    return timedelta(seconds=float(getattr(settings, "JOB_LEASE_SECONDS", 60)))


def claim_next(worker: str) -> Job | None:
    """The oldest queued job, now running under `worker`; None when the queue is empty."""
    for _attempt in range(5):
        queue = Job.objects.filter(status=Job.Status.QUEUED).order_by("created_at", "pk")
        pk = queue.values_list("pk", flat=True).first()
        if pk is None:
            return None
        now = timezone.now()
        if Job.objects.filter(pk=pk, status=Job.Status.QUEUED).update(
            status=Job.Status.RUNNING, worker=worker, started_at=now, heartbeat_at=now, attempts=F("attempts") + 1
        ):
            return Job.objects.get(pk=pk)
    return None  # other workers keep winning: let the caller poll again


def _this_run(job: Job) -> Any:
    """The job's row while this run still holds it (same worker, same attempt, still running)."""
    return Job.objects.filter(pk=job.pk, worker=job.worker, attempts=job.attempts, status=Job.Status.RUNNING)


class LeaseLost(Cancelled):
    """Another worker took the job over: this run's lease expired. It stops and writes nothing."""


class Heartbeat:
    """Renews the run's lease every quarter lease from a thread of its own, so a job busy in one long
    statement or file write keeps its claim; `lost` turns true when the row is no longer this run's."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.lost = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"job-{job.pk}-heartbeat", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _beat(self) -> None:
        every = lease().total_seconds() / 4
        try:
            while not self._stop.wait(every):
                try:
                    if not _this_run(self.job).update(heartbeat_at=timezone.now()):
                        self.lost = True
                        return
                except DatabaseError:
                    log.warning("background job %s: heartbeat failed, trying again", self.job.pk, exc_info=True)
        finally:
            connections.close_all()  # this thread's own connections


class Progress:
    """The callable a job reports through: progress(done, total). Raises Cancelled when asked to stop."""

    def __init__(
        self, job: Job, should_stop: Callable[[], bool] = lambda: False, heartbeat: Heartbeat | None = None
    ) -> None:
        self.job = job
        self.should_stop = should_stop
        self.heartbeat = heartbeat
        self.last = 0.0

    def __call__(self, done: int, total: int | None = None, *, force: bool = False) -> None:
        if self.heartbeat is not None and self.heartbeat.lost:
            raise LeaseLost("lease lost")
        if self.should_stop():
            raise Cancelled("worker stopping")
        now = time.monotonic()
        if not force and done != total and now - self.last < PROGRESS_SECONDS:
            return
        self.last = now
        fields: dict[str, Any] = {"rows_done": done, "heartbeat_at": timezone.now()}
        if total is not None:
            fields["rows_total"] = total
        if not _this_run(self.job).filter(cancel_requested=False).update(**fields):
            if not _this_run(self.job).exists():
                raise LeaseLost("lease lost")
            raise Cancelled("cancelled by the requester")
        self.job.rows_done = done
        if total is not None:
            self.job.rows_total = total


def run_job(job: Job, *, should_stop: Callable[[], bool] = lambda: False) -> Job:
    """Run a claimed job to its end: done with a file, cancelled, failed, or back in the queue."""
    if connection.in_atomic_block:  # a test's transaction: no other connection could see the row to beat it
        return _run(job, should_stop, None)
    with Heartbeat(job) as heartbeat:
        return _run(job, should_stop, heartbeat)


def _run(job: Job, should_stop: Callable[[], bool], heartbeat: Heartbeat | None) -> Job:
    func = KINDS.get(job.kind)
    relative = f"job-{job.pk}-{secrets.token_hex(8)}.bin"  # never a file left by an earlier run
    out = files_dir() / relative
    progress = Progress(job, should_stop, heartbeat)
    fields: dict[str, object] = {}
    try:
        if func is None:
            raise JobError("未知的任务类型。")
        with dbrouting.standby_must_hold(job.params.get(QUEUED_AT_WAL)):
            outcome = func(job, progress, out)
    except LeaseLost:
        out.unlink(missing_ok=True)
        log.warning("background job %s: lease lost, another worker runs it; this run writes nothing", job.pk)
        return Job.objects.get(pk=job.pk)
    except Cancelled:
        out.unlink(missing_ok=True)
        if should_stop():  # the worker is shutting down: someone else runs it later, from the start
            _this_run(job).update(status=Job.Status.QUEUED, worker="", rows_done=0, started_at=None)
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
    if (heartbeat is not None and heartbeat.lost) or not _this_run(job).update(**fields):
        out.unlink(missing_ok=True)
        log.warning("background job %s: lease lost before the end, another worker runs it; result dropped", job.pk)
    return Job.objects.get(pk=job.pk)


def result_path(job: Job) -> Path | None:
    """The finished job's file on disk, or None (not done, expired, or removed)."""
    if not job.has_file:
        return None
    path = files_dir() / Path(job.result_file).name
    return path if path.exists() else None


def download(*, job: Job, actor: Any) -> Path | None:
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
            changes={
                **{k: v for k, v in job.params.items() if k not in ("audit_action", QUEUED_AT_WAL)},
                "filename": job.result_name,
            },
        )
    return path


def requeue_stale(now: datetime | None = None) -> int:
    """Running jobs whose worker stopped renewing its lease (killed, machine lost) go back to the queue, to
    run again from the start; after MAX_ATTEMPTS claims they fail instead. The number of jobs taken back."""
    now = now or timezone.now()
    stale = Job.objects.filter(status=Job.Status.RUNNING, heartbeat_at__lt=now - lease())
    for job in stale.filter(attempts__lt=MAX_ATTEMPTS).values("pk", "worker"):
        log.warning("background job %s: worker %s stopped renewing its lease, back in the queue", *job.values())
    requeued = stale.filter(attempts__lt=MAX_ATTEMPTS).update(
        status=Job.Status.QUEUED, worker="", rows_done=0, started_at=None, heartbeat_at=None
    )
    failed = stale.update(
        status=Job.Status.FAILED, finished_at=now, message="后台进程多次中断，任务未完成，请重新提交。"
    )
    return requeued + failed


def sweep_old(now: datetime | None = None) -> None:
    """Remove result files after KEEP_FILES and job rows after KEEP_JOBS."""
    now = now or timezone.now()
    expired = Job.objects.filter(finished_at__lt=now - KEEP_FILES).exclude(result_file="")
    for job in expired:
        (files_dir() / Path(job.result_file).name).unlink(missing_ok=True)
    expired.update(result_file="", message="文件已过期（保留 24 小时），请重新生成。")
    Job.objects.filter(finished_at__lt=now - KEEP_JOBS).delete()
