"""Roster import and export pages: template, upload -> preview -> confirm, errors file, export.

Nothing is written until the clerk confirms the preview. Between the two requests the uploaded
file waits on the server's disk under a random token that only the uploader's session knows;
the confirm step runs the same engine again on that file, so a change made meanwhile by someone
else is caught, not overwritten blindly.
"""

import re
import secrets
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from fedorg.dates import CountDateField
from fedorg.forms import xlsx_file_input
from jobs.services import JobRefused, start_job
from orgtree.access import get_unit_for_user, visible_units
from orgtree.models import Unit

from .background import (
    BACKGROUND_EXPORT_POSTS,
    BACKGROUND_IMPORT_ROWS,
    roster_export_filename,
    roster_export_params,
    roster_export_title,
    upload_dir,
)
from .models import Post, RosterImport
from .roster_xlsx.cells import RosterFileError, read_file_bytes
from .roster_xlsx.columns import MAX_FILE_BYTES, MAX_ROWS
from .roster_xlsx.engine import ImportResult, import_roster
from .roster_xlsx.errors import mark_errors
from .roster_xlsx.export import export_roster_for_download
from .roster_xlsx.template import template_workbook

SESSION_KEY = "roster_imports"
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
KEEP_UPLOADS_SECONDS = 24 * 3600
PREVIEW_LIMIT = 1000  # rows listed on the preview page; the counts always cover the whole file
ERROR_LIMIT = 500


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label="名册文件（.xlsx）",
        help_text=f"使用下载的模板填写；表头上方可以有标题行。每个文件最多 {MAX_ROWS} 行、{MAX_FILE_BYTES // 1048576} MB。",
        widget=xlsx_file_input(),
    )


class RosterExportForm(forms.Form):
    as_of = CountDateField(
        label="在任日期",
        required=False,
        help_text="导出这一天在任的人员，默认今天。",
    )
    history = forms.BooleanField(label="同时导出已离任的任职（历史）", required=False)


def _page(request: HttpRequest, unit: Unit, **context: Any) -> dict[str, Any]:
    """Context every page here shares: the unit and the breadcrumb the user may follow."""
    visible = visible_units(request.user)
    trail = list(unit.get_ancestors().filter(pk__in=visible.values("pk"))) + [unit]
    return {"unit": unit, "breadcrumb": trail, **context}


def _sweep_old_uploads(directory: Path) -> None:
    cutoff = time.time() - KEEP_UPLOADS_SECONDS
    for old in directory.glob("*.xlsx"):
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink()
        except OSError:
            pass  # another worker removed it first


def _remember_upload(request: HttpRequest, unit: Unit, data: bytes, filename: str, rows: int = 0) -> str:
    directory = upload_dir()
    _sweep_old_uploads(directory)
    token = secrets.token_urlsafe(24)
    (directory / f"{token}.xlsx").write_bytes(data)
    uploads = request.session.get(SESSION_KEY, {})
    uploads[token] = {"unit": unit.pk, "filename": filename, "rows": rows}
    # Keep the session small: only the latest few uploads can still be confirmed.
    request.session[SESSION_KEY] = dict(list(uploads.items())[-5:])
    return token


def _upload_for(request: HttpRequest, unit: Unit, token: str | None) -> tuple[Path, str] | None:
    """(path, filename) of an upload this session made for this unit, else None."""
    entry = request.session.get(SESSION_KEY, {}).get(token or "")
    if not entry or entry["unit"] != unit.pk or not TOKEN_RE.match(token or ""):
        return None
    path = upload_dir() / f"{token}.xlsx"
    return (path, entry["filename"]) if path.exists() else None


def _forget_upload(request: HttpRequest, token: str) -> None:
    uploads = request.session.get(SESSION_KEY, {})
    uploads.pop(token, None)
    request.session[SESSION_KEY] = uploads
    for name in (f"{token}.xlsx", f"{token}-errors.xlsx"):
        (upload_dir() / name).unlink(missing_ok=True)


def _render_errors(request: HttpRequest, unit: Unit, result: ImportResult, data: bytes, token: str) -> HttpResponse:
    errors_file = None
    if any(e.row is not None for e in result.errors):
        (upload_dir() / f"{token}-errors.xlsx").write_bytes(mark_errors(data, result).getvalue())
        errors_file = reverse("members:roster_import_errors", args=[unit.pk, token])
    context = _page(
        request,
        unit,
        form=RosterUploadForm(),
        result=result,
        errors=result.errors[:ERROR_LIMIT],
        more_errors=max(0, len(result.errors) - ERROR_LIMIT),
        errors_file=errors_file,
    )
    return render(request, "members/import_errors.html", context)


def _render_preview(request: HttpRequest, unit: Unit, result: ImportResult, token: str, filename: str) -> HttpResponse:
    changed = [r for r in result.rows if r.action != "unchanged"]
    unchanged = result.rows_with("unchanged")
    context = _page(
        request,
        unit,
        result=result,
        token=token,
        filename=filename,
        changed_rows=changed[:PREVIEW_LIMIT],
        more_changed=max(0, len(changed) - PREVIEW_LIMIT),
        unchanged_rows=unchanged[:PREVIEW_LIMIT],
        unchanged_count=len(unchanged),
        readings=result.readings[:PREVIEW_LIMIT],
        more_readings=max(0, len(result.readings) - PREVIEW_LIMIT),
    )
    return render(request, "members/import_preview.html", context)


class _ImportOutcome(Protocol):
    """What import_result_context reads of a selection or grassroots import result."""

    @property
    def ok(self) -> bool: ...

    @property
    def rows(self) -> Sequence[Any]: ...

    @property
    def errors(self) -> Sequence[Any]: ...


def import_result_context(result: _ImportOutcome, token: str, filename: str) -> dict[str, Any]:
    """The preview-or-errors context of the register-like imports (selection's 档案, grassroots' registers):
    the rows that change and the faults, each list cut at its limit with the rest counted, and the status
    (400 when any row is at fault)."""
    changed = [r for r in result.rows if r.action != "unchanged"]
    return {
        "status": 200 if result.ok else 400,
        "result": result,
        "token": token,
        "filename": filename,
        "changed_rows": changed[:PREVIEW_LIMIT],
        "more_changed": max(0, len(changed) - PREVIEW_LIMIT),
        "unchanged_count": len(result.rows) - len(changed),
        "errors": result.errors[:ERROR_LIMIT],
        "more_errors": max(0, len(result.errors) - ERROR_LIMIT),
    }


def oversized_upload(request: HttpRequest) -> str:
    """The refusal of an upload over MAX_FILE_BYTES, judged by Content-Length before Django parses
    (and spools to disk) the body; "" when it may be read."""
    if request.method == "POST" and int(request.META.get("CONTENT_LENGTH") or 0) > MAX_FILE_BYTES + 65536:
        return f"文件超过 {MAX_FILE_BYTES // (1024 * 1024)} MB，请删除无关的工作表或拆分后分批导入。"
    return ""


def spent_upload(request: HttpRequest, unit: Unit, token: str) -> RosterImport | None:
    """The import that already spent this upload token (this user, this unit), or None."""
    if not TOKEN_RE.match(token):
        return None
    user: Any = request.user  # signed in (the pages that ask are login_required): our User
    return RosterImport.objects.filter(token=token, unit=unit, actor=user).first()


@login_required
def roster_template(request: HttpRequest, pk: int) -> HttpResponseBase:
    unit = get_unit_for_user(request.user, pk)
    return FileResponse(template_workbook(unit), as_attachment=True, filename=f"{unit.code}-名册模板.xlsx")


@login_required
def roster_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload a roster: a dry run shows what would change, or lists every fault."""
    unit = get_unit_for_user(request.user, pk, write=True)
    refusal = oversized_upload(request)
    if refusal:
        context = _page(request, unit, form=RosterUploadForm(), conflict=refusal)
        return render(request, "members/import.html", context, status=413)
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            data = read_file_bytes(upload)
        except RosterFileError as e:
            form.add_error("file", str(e))
        else:
            result = import_roster(unit=unit, file=data, actor=request.user, dry_run=True, filename=upload.name)
            if not result.ok and result.header_row is None:
                for error in result.errors:
                    form.add_error("file", str(error))
            else:
                token = _remember_upload(request, unit, data, upload.name, rows=result.row_count)
                if not result.ok:
                    return _render_errors(request, unit, result, data, token)
                return _render_preview(request, unit, result, token, upload.name)
    return render(request, "members/import.html", _page(request, unit, form=form))


def _already_imported(request: HttpRequest, unit: Unit, done: RosterImport) -> HttpResponse:
    """The answer to a confirmation whose token was already spent: the first one's result."""
    messages.info(
        request,
        f"“{done.filename}”已于 {timezone.localtime(done.created_at):%H:%M:%S} 导入，未重复写入。{done.summary}",
    )
    return redirect("members:roster", unit.pk)


@login_required
@require_POST
def roster_import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Write the previewed file: the engine runs again, all or nothing, once per upload.

    The token is spent by inserting a RosterImport row in the same transaction as the writes:
    a second confirmation of the same upload waits for the first, then answers with its result.
    """
    unit = get_unit_for_user(request.user, pk, write=True)
    token = request.POST.get("token", "")[:64]
    done = spent_upload(request, unit, token)
    if done is not None:
        return _already_imported(request, unit, done)
    upload = _upload_for(request, unit, token)
    if upload is None:
        messages.error(request, "上传的文件已过期或已导入，请重新上传。")
        return redirect("members:roster_import", unit.pk)
    path, filename = upload
    if request.session[SESSION_KEY][token].get("rows", 0) > BACKGROUND_IMPORT_ROWS:
        return _import_in_background(request, unit, token, filename)
    try:
        data = path.read_bytes()
    except FileNotFoundError:  # the first of two confirmations finished meanwhile
        data = None
    try:
        with transaction.atomic():
            actor: Any = request.user  # signed in (login_required): our User
            claim = RosterImport.objects.create(token=token, unit=unit, actor=actor, filename=filename[:255])
            if data is None:
                raise IntegrityError("upload already consumed")
            result = import_roster(unit=unit, file=data, actor=request.user, filename=filename)
            if result.written:
                claim.rows, claim.summary = result.row_count, result.summary()
                claim.save(update_fields=["rows", "summary"])
            else:
                transaction.set_rollback(True)
    except IntegrityError:
        done = spent_upload(request, unit, token)
        if done is not None:
            return _already_imported(request, unit, done)
        return render(
            request,
            "members/import.html",
            _page(
                request,
                unit,
                form=RosterUploadForm(),
                conflict="这个文件正在由另一个请求导入，请稍候刷新名册查看结果。",
            ),
            status=409,
        )
    if not result.ok:
        return _render_errors(request, unit, result, data, token)
    _forget_upload(request, token)
    messages.success(request, f"已导入“{filename}”共 {result.row_count} 行。{result.summary()}")
    return redirect("members:roster", unit.pk)


def _import_in_background(request: HttpRequest, unit: Unit, token: str, filename: str) -> HttpResponse:
    """A big upload is written by a background job; a repeated confirmation finds the same job."""
    rows = request.session[SESSION_KEY][token]["rows"]
    try:
        job, _created = start_job(
            kind="roster_import",
            requester=request.user,
            unit=unit,
            params={"token": token, "filename": filename},
            title=f"导入“{filename}”到{unit.name}（{rows} 行）",
        )
    except JobRefused as e:
        messages.error(request, str(e))
        return redirect("members:roster_import", unit.pk)
    return redirect("jobs:detail", job.pk)


@login_required
def roster_import_errors(request: HttpRequest, pk: int, token: str) -> HttpResponseBase:
    """The uploader's own file back, faulty cells filled red and commented."""
    unit = get_unit_for_user(request.user, pk, write=True)
    upload = _upload_for(request, unit, token)
    path = upload_dir() / f"{token}-errors.xlsx"
    if upload is None or not path.exists():
        raise Http404("错误标注文件已过期，请重新上传名册。")
    stem = Path(upload[1]).stem or "名册"
    return FileResponse(path.open("rb"), as_attachment=True, filename=f"{stem}-错误标注.xlsx")


def _export_in_background(unit: Unit) -> bool:
    """A subtree this big is exported by a background job, with a progress page (one COUNT)."""
    return Post.objects.filter(unit__in=Unit.objects.subtree_of(unit)).count() > BACKGROUND_EXPORT_POSTS


@login_required
def roster_export_options(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_unit_for_user(request.user, pk)
    form = RosterExportForm(initial={"as_of": timezone.localdate()})
    context = _page(request, unit, form=form, background=_export_in_background(unit))
    return render(request, "members/export.html", context)


@login_required
def roster_export(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The subtree's roster as .xlsx, personal data masked for users who may not see it.

    A big subtree (a district, the city) goes to a background job instead: see roster_export_job.
    """
    unit = get_unit_for_user(request.user, pk)
    form = RosterExportForm(request.GET)
    if not form.is_valid():
        return render(request, "members/export.html", _page(request, unit, form=form), status=400)
    if _export_in_background(unit):
        messages.info(request, "这个组织的名册较大，请在后台生成，完成后下载。")
        return redirect("members:roster_export_options", unit.pk)
    as_of = form.cleaned_data["as_of"] or timezone.localdate()
    history = form.cleaned_data["history"]
    filename = roster_export_filename(unit, as_of, history)
    stream = export_roster_for_download(unit=unit, actor=request.user, as_of=as_of, history=history, filename=filename)
    return FileResponse(stream, as_attachment=True, filename=filename)


@login_required
@require_POST
def roster_export_job(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue the export of a big subtree; a repeated click finds the same job. Then its progress page."""
    unit = get_unit_for_user(request.user, pk)
    form = RosterExportForm(request.POST)
    if not form.is_valid():
        context = _page(request, unit, form=form, background=True)
        return render(request, "members/export.html", context, status=400)
    as_of = form.cleaned_data["as_of"] or timezone.localdate()
    history = form.cleaned_data["history"]
    user: Any = request.user  # signed in (login_required): our User
    params = roster_export_params(as_of=as_of, history=history, unmasked=user.can_see_personal_data)
    try:
        job, _created = start_job(
            kind="roster_export",
            requester=request.user,
            unit=unit,
            params=params,
            title=roster_export_title(unit, as_of, history),
        )
    except JobRefused as e:
        messages.error(request, str(e))
        return redirect("members:roster_export_options", unit.pk)
    return redirect("jobs:detail", job.pk)
