"""The reports app's background job: a 附表 download for a subtree as big as a province.

A city (about 3,050 units) downloads at once; a province (about 40,000 units and 600,000 posts)
takes several seconds to count (bench/RESULTS.md, "Province demo"), so its download is made by
the worker (`manage.py run_jobs`) with a progress page, off the web workers. Registered in
ReportsConfig.ready(). The job runs with its requester's rights as they are when it runs.
"""

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fedorg.dates import DEFAULT_AS_OF, parse_count_date
from fedorg.dbrouting import read_from_replica
from jobs.access import requester_may_still
from jobs.models import Job
from jobs.registry import JobError, JobOutcome, register
from jobs.services import start_job
from orgtree.models import Unit

from . import dashboard, percity, tables
from .excel import render_xlsx
from .snapshot import Snapshot

# More units than this and the download goes to the background: above any city, below any province.
BACKGROUND_REPORT_UNITS = 10_000


def report_in_background(unit: Unit) -> bool:
    """Whether `unit`'s 附表 download is made by a job (one COUNT)."""
    return Unit.objects.subtree_of(unit).count() > BACKGROUND_REPORT_UNITS


def xlsx_filename(snapshot: Snapshot) -> str:
    return f"{snapshot['unit']['code']}-{snapshot['label']}-{snapshot['as_of']}.xlsx"


def pdf_filename(snapshot: Snapshot) -> str:
    return f"{snapshot['unit']['code']}-{snapshot['label']}-{snapshot['as_of']}.pdf"


def report_export_params(*, form_no: int, as_of: datetime.date) -> dict[str, Any]:
    return {"form": form_no, "as_of": as_of.isoformat(), "unit_word": "步"}


def report_export_title(unit: Unit, form_no: int, as_of: datetime.date, *, pdf: bool = False) -> str:
    return f"{unit.name}附表{form_no}（截止 {as_of:%Y-%m-%d}）" + ("的 PDF" if pdf else "")


@register("report_export")
@read_from_replica
def run_report_export(job: Job, progress: Callable[..., None], out: Path) -> JobOutcome:
    """Two steps, shown as such on the progress page: count the table, then write the file."""
    unit, user = job.unit, job.requester
    if not requester_may_still(job):
        raise JobError("您已无权查看这个组织的报表。")
    form_no = int(job.params["form"])
    if form_no not in tables.FORM_TITLES:
        raise JobError(f"没有附表{form_no}。")
    progress(0, 2, force=True)
    snapshot = tables.compute(form_no, unit=unit, as_of=parse_count_date(job.params["as_of"]), user=user)
    progress(1, 2, force=True)
    out.write_bytes(render_xlsx(snapshot, seal=unit.seal_bytes()))
    progress(2, 2, force=True)
    failed = tables.failed_checks(snapshot)
    note = f"；核对未通过 {len(failed)} 项，请在报表页面查看" if failed else ""
    return JobOutcome(
        filename=xlsx_filename(snapshot),
        message=f"已生成{snapshot['label']}（{unit.name}，截止 {snapshot['as_of_text']}）{note}。",
    )


PDF_JOB_KIND = "report_pdf"


@register(PDF_JOB_KIND)
def run_report_pdf(job: Job, progress: Callable[..., None], out: Path) -> JobOutcome:
    """A live (unsubmitted) 附表 as PDF: WeasyPrint takes seconds for a district's table, too long for a web
    worker, so it is always a job, counted against the requester's cap of active jobs (jobs.services). A
    submitted return's PDF is rendered once and stored instead (returns.pdfs)."""
    from .pdf import render_pdf

    unit, user = job.unit, job.requester
    if not requester_may_still(job):
        raise JobError("您已无权查看这个组织的报表。")
    form_no = int(job.params["form"])
    if form_no not in tables.FORM_TITLES:
        raise JobError(f"没有附表{form_no}。")
    progress(0, 2, force=True)
    snapshot = tables.compute(form_no, unit=unit, as_of=parse_count_date(job.params["as_of"]), user=user)
    progress(1, 2, force=True)
    out.write_bytes(render_pdf(snapshot, seal=unit.seal_bytes()))
    progress(2, 2, force=True)
    return JobOutcome(
        filename=pdf_filename(snapshot),
        message=f"已生成{snapshot['label']}的 PDF（{unit.name}，截止 {snapshot['as_of_text']}，未上报的实时统计）。",
    )


COUNT_JOB_KIND = "province_count"
COUNTED = {"form4": "附表4", "form5": "附表5", "dashboard": "仪表板"}


def count_in_background(*, what: str, unit: Unit, as_of: datetime.date, requester: Any) -> Job | None:
    """The job counting a province's cold cities (`what`: form4, form5 or dashboard) when counting them in
    the request would take longer than percity.REQUEST_SECONDS, started or found; None when the page may
    count at once (below a province, or its cities' shares are kept, or few are missing).

    A page view starts it, unlike a download: the view would otherwise do the same reading in the request.
    A second view, or another tab, finds the same job (jobs.services.start_job)."""
    if unit.tier != 0:
        return None
    if what == "dashboard":
        seconds = dashboard.cold_seconds(unit, as_of=as_of)
    else:
        seconds = tables.cold_seconds(int(what.removeprefix("form")), unit=unit, as_of=as_of)
    if seconds <= percity.REQUEST_SECONDS:
        return None
    job, _created = start_job(
        kind=COUNT_JOB_KIND,
        requester=requester,
        unit=unit,
        params={"what": what, "as_of": as_of.isoformat(), "unit_word": "步"},
        title=f"统计{unit.name}的{COUNTED[what]}（截止 {as_of:%Y-%m-%d}）",
        # A job of the same request that finished a moment ago, and yet the cities are too cold to count here
        # (a rule set changed meanwhile, or the shared cache was emptied): count them again in a new job.
        reuse_finished=False,
    )
    return job


@register(COUNT_JOB_KIND, capped=False)
@read_from_replica
def run_province_count(job: Job, progress: Callable[..., None], out: Path) -> JobOutcome:
    """A province's 附表4, 附表5 or dashboard, city by city: one step per city (per city and pass for the
    dashboard), so the page waiting for it shows real progress. The shares are kept (reports.percity);
    the page, reloading, then adds them up in well under a second."""
    unit = job.unit
    if not requester_may_still(job):
        raise JobError("您已无权查看这个组织的报表。")
    what = str(job.params.get("what", ""))
    if what not in COUNTED:
        raise JobError("未知的统计内容。")
    as_of = parse_count_date(job.params["as_of"], DEFAULT_AS_OF) or DEFAULT_AS_OF

    def report(done: int, total: int) -> None:
        progress(done, total, force=True)

    if what == "dashboard":
        dashboard.count_city_shares(unit, as_of=as_of, progress=report)
    else:
        tables.count_city_shares(int(what.removeprefix("form")), unit=unit, as_of=as_of, progress=report)
    return JobOutcome(message=f"{unit.name}的{COUNTED[what]}已按各市（地）统计完毕。")
