"""Background jobs: long work (a city's roster export, a big import, a 附表 file) run by a worker.

A job row is the queue entry, the progress record and the result's address at once: the worker
(`manage.py run_jobs`) claims queued rows, the job reports rows done and total as it goes, and
the requester's page polls that. Nothing but the database is needed, so SQLite alone still works.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class JobQuerySet(models.QuerySet["Job"]):
    def active(self) -> JobQuerySet:
        return self.filter(status__in=Job.ACTIVE)


class Job(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "进行中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"
        CANCELLED = "cancelled", "已取消"

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    kind = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("orgtree.Unit", on_delete=models.CASCADE, related_name="+")
    params = models.JSONField(default=dict, blank=True)
    # The request's fingerprint (kind, unit, params): a second click on the same request
    # finds the job of the first instead of queueing the work twice.
    key = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    cancel_requested = models.BooleanField(default=False)
    message = models.TextField(blank=True)
    # The result file, relative to settings.JOB_FILES_DIR (never under MEDIA_ROOT, which is public).
    result_file = models.CharField(max_length=255, blank=True)
    result_name = models.CharField(max_length=255, blank=True)
    worker = models.CharField(max_length=80, blank=True)
    # How many times a worker has claimed it: a run whose worker stopped beating is claimed again, up to
    # jobs.services.MAX_ATTEMPTS; (worker, attempts) names one run, so a run that lost its lease writes nothing.
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = "后台任务"
        verbose_name_plural = "后台任务"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"], name="job_queue")]
        constraints = [
            # Race-proof double-click protection: one queued or running job per requester and request.
            models.UniqueConstraint(
                fields=["requester", "key"],
                condition=Q(status__in=["queued", "running"]),
                name="job_one_active_per_request",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_done * 100 // self.rows_total)

    @property
    def has_file(self) -> bool:
        return self.status == self.Status.DONE and bool(self.result_file)
