"""A submitted return's PDF, rendered once and stored with its frozen snapshot (issues 21 and 25).

Every PDF download used to render in the request: 5–24 s for a district's 附表4, and six parallel
downloads by one viewer made /login/ take 55.7 s under four gunicorn workers. A snapshot never
changes, so neither does its PDF:

- At submission the worker renders it (`queue_renders`, job kind "return_pdf"), both renditions:
  contacts in full (for the reviewing unit) and masked (for everyone else).
- A download serves the stored rendition (`pdf_for_download`): one indexed read.
- A rendition not stored yet (an older snapshot, the worker behind) is rendered in the request
  once, under a per-user slot (`render_slot`: a unique row, taken and released atomically), so one
  user renders one PDF at a time; a second concurrent render by her is refused with a message.

Stored in the database, not on a disk: every web and worker machine reads the same rows.
"""

from __future__ import annotations

import contextlib
import datetime
import time
from collections.abc import Iterator
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from jobs.access import requester_may_still
from jobs.registry import JobError, JobOutcome, register

from .exports import stamped_pdf
from .models import RenderSlot, ReturnSnapshot, SnapshotPdf

JOB_KIND = "return_pdf"
SLOT_LEASE = datetime.timedelta(minutes=2)  # a slot older than this was left by a crashed render


def verify_url_for(request: Any, snapshot: ReturnSnapshot) -> str:
    """The /verify/ address a printed return's QR code opens: the page's and the worker's rendition agree."""
    return str(request.build_absolute_uri(reverse("returns:verify", args=[snapshot.code])))


class RenderBusy(Exception):
    """The user is already rendering a PDF; str() is the message for her."""


def stored_pdf(snapshot: ReturnSnapshot, *, masked: bool, verify_url: str) -> bytes | None:
    content = (
        SnapshotPdf.objects.filter(snapshot=snapshot, masked=masked, verify_url=verify_url)
        .values_list("content", flat=True)
        .first()
    )
    return bytes(content) if content is not None else None


def render_and_store(snapshot: ReturnSnapshot, *, masked: bool, verify_url: str) -> bytes:
    """Render one rendition and keep it; idempotent (a rendition stored meanwhile is returned as stored)."""
    started = time.monotonic()
    content = stamped_pdf(snapshot, mask_personal_data=masked, verify_url=verify_url)
    elapsed_ms = int((time.monotonic() - started) * 1000)
    try:
        with transaction.atomic():
            SnapshotPdf.objects.create(
                snapshot=snapshot, masked=masked, verify_url=verify_url, content=content, render_ms=elapsed_ms
            )
    except IntegrityError:  # rendered at the same time by the worker or another request
        return stored_pdf(snapshot, masked=masked, verify_url=verify_url) or content
    return content


@contextlib.contextmanager
def render_slot(user: Any) -> Iterator[None]:
    """One render at a time per user: a unique row, inserted before and deleted after the render."""
    RenderSlot.objects.filter(user=user, started_at__lt=timezone.now() - SLOT_LEASE).delete()
    try:
        with transaction.atomic():
            slot = RenderSlot.objects.create(user=user)
    except IntegrityError:
        raise RenderBusy("您的另一份 PDF 正在生成，请等它完成后再下载这一份。") from None
    try:
        yield
    finally:
        RenderSlot.objects.filter(pk=slot.pk).delete()


def pdf_for_download(snapshot: ReturnSnapshot, *, masked: bool, verify_url: str, user: Any) -> bytes:
    """The stored rendition, or rendered now (once, under the user's slot) and stored."""
    content = stored_pdf(snapshot, masked=masked, verify_url=verify_url)
    if content is not None:
        return content
    with render_slot(user):
        return render_and_store(snapshot, masked=masked, verify_url=verify_url)


def queue_renders(snapshot: ReturnSnapshot, *, verify_url: str, actor: Any) -> None:
    """Have the worker render both renditions of a new snapshot (after the submission commits)."""
    from jobs import services as jobs

    def start() -> None:
        ret = snapshot.ret
        jobs.start_job(
            kind=JOB_KIND,
            requester=actor,
            unit=ret.unit,
            params={"snapshot": snapshot.pk, "verify_url": verify_url},
            title=f"{ret.unit.name}{ret.form.short_label}第{snapshot.number}次上报的盖章 PDF",
        )

    transaction.on_commit(start)


@register(JOB_KIND, capped=False)
def run_return_pdf(job: Any, progress: Any, out: Any) -> JobOutcome:
    """Render and store both renditions of one snapshot; nothing to download from the job itself."""
    if not requester_may_still(job):
        raise JobError("您已无权查看这个组织的报表。")
    snapshot = (
        ReturnSnapshot.objects.select_related("ret__form", "ret__unit", "seal")
        .filter(pk=job.params["snapshot"])
        .first()
    )
    if snapshot is None:
        raise JobError("该次上报已不存在。")
    verify_url = job.params["verify_url"]
    renditions = (False, True)
    progress(0, len(renditions), force=True)
    for done, masked in enumerate(renditions, start=1):
        if stored_pdf(snapshot, masked=masked, verify_url=verify_url) is None:
            render_and_store(snapshot, masked=masked, verify_url=verify_url)
        progress(done, len(renditions), force=True)
    return JobOutcome(message=f"已生成{snapshot.ret.form.short_label}的盖章 PDF，可在报表页面下载。")
