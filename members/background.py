"""The members app's background jobs (jobs/): the roster export of a big subtree, a big import.

Registered in MembersConfig.ready(); the worker (`manage.py run_jobs`) runs them. A job runs
with its requester's rights as they are when it runs: a requester who lost the unit meanwhile
gets nothing, and personal data is masked by the same rule as the direct download.
"""

import datetime
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings

from fedorg.dates import parse_count_date
from fedorg.dbrouting import read_from_replica
from jobs.access import requester_may_still
from jobs.models import Job
from jobs.registry import JobError, JobOutcome, register
from orgtree.models import Unit

from .models import RosterImport
from .roster_xlsx.export import export_roster

# A subtree with more posts than this is exported in the background (a city: ~50,000, 10-15 s).
BACKGROUND_EXPORT_POSTS = 5000
# A confirmed upload with more rows than this is written in the background.
BACKGROUND_IMPORT_ROWS = 5000


def upload_dir() -> Path:
    """Where uploads wait for confirmation: never under MEDIA_ROOT, which is served publicly."""
    path = Path(getattr(settings, "ROSTER_IMPORT_DIR", "") or Path(tempfile.gettempdir()) / "fedorg-roster-imports")
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def roster_export_filename(unit: Unit, as_of: datetime.date, history: bool) -> str:
    suffix = "含历史" if history else "在任"
    return f"{unit.code}-{unit.name}-名册-{as_of:%Y%m%d}-{suffix}.xlsx"


def roster_export_params(*, as_of: datetime.date, history: bool, unmasked: bool) -> dict[str, Any]:
    params: dict[str, Any] = {"as_of": as_of.isoformat(), "history": bool(history)}
    if unmasked:  # full ID numbers and mobiles leave in this file: the download is audited
        params["audit_action"] = "roster.export_unmasked"
    return params


def roster_export_title(unit: Unit, as_of: datetime.date, history: bool) -> str:
    return f"{unit.name}名册（{as_of:%Y-%m-%d}{'，含历史' if history else ''}）"


@register("roster_export")
@read_from_replica
def run_roster_export(job: Job, progress: Callable[[int, int], None], out: Path) -> JobOutcome:
    unit, user = job.unit, job.requester
    if not requester_may_still(job):
        raise JobError("您已无权导出这个组织的名册。")
    as_of = parse_count_date(job.params["as_of"])
    if as_of is None:  # roster_export_params always sets it; a job without one cannot name its file
        raise JobError("导出任务缺少统计日期，请重新导出。")
    history = bool(job.params.get("history"))
    export_roster(unit=unit, actor=user, as_of=as_of, history=history, out=str(out), progress=progress)
    return JobOutcome(
        filename=roster_export_filename(unit, as_of, history), message=f"已导出 {job.rows_done} 条任职记录。"
    )


@register("roster_import")
def run_roster_import(job: Job, progress: Callable[[int, int], None], out: Path) -> JobOutcome:
    """Write a previewed upload: the engine validates it again (progress visible), then writes all or nothing.

    The upload's token is spent (a RosterImport row) in the write transaction, as on the page.
    Faults found now (someone changed the roster since the preview) come back as the marked file.
    """
    from .roster_xlsx.engine import import_roster
    from .roster_xlsx.errors import mark_errors

    unit, user, token = job.unit, job.requester, job.params["token"]
    filename = job.params.get("filename", "")
    done = RosterImport.objects.filter(token=token, unit=unit, actor=user).first()
    if done is not None:
        return JobOutcome(message=f"“{done.filename}”已经导入过，未重复写入。{done.summary}")
    path = upload_dir() / f"{token}.xlsx"
    if not path.exists():
        raise JobError("上传的文件已过期，请重新上传。")
    if not requester_may_still(job, write=True):
        raise JobError("您已无权向这个组织导入名册。")
    data = path.read_bytes()
    claim: dict[str, RosterImport] = {}

    def spend_token() -> None:
        claim["row"] = RosterImport.objects.create(token=token, unit=unit, actor=user, filename=filename[:255])

    result = import_roster(unit=unit, file=data, actor=user, filename=filename, progress=progress, on_write=spend_token)
    if not result.ok:
        if any(e.row is not None for e in result.errors):
            out.write_bytes(mark_errors(data, result).getvalue())
        lines = result.error_lines()
        more = f"……共 {len(lines)} 处" if len(lines) > 5 else ""
        return JobOutcome(
            filename=f"{Path(filename).stem or '名册'}-错误标注.xlsx",
            message="未写入任何数据：" + "；".join(lines[:5]) + more,
        )
    claim["row"].rows, claim["row"].summary = result.row_count, result.summary()
    claim["row"].save(update_fields=["rows", "summary"])
    path.unlink(missing_ok=True)
    progress(result.row_count, result.row_count)
    return JobOutcome(message=f"已导入“{filename}”共 {result.row_count} 行。{result.summary()}")
