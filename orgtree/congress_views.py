"""换届 pages: a unit's congresses, the form to record or correct one, and the workbook export and import.

Access as for rosters: reading needs the unit in the user's subtree (404 outside it), writing an editor's
role (403 for a viewer or reviewer). Every write goes through orgtree/congresses.py.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse

from fedorg.forms import add_service_errors

from . import congress_xlsx, congresses
from .access import get_unit_for_user, visible_breadcrumb
from .forms import CongressForm, CongressUploadForm
from .http import AuthenticatedHttpRequest
from .models import Congress, Unit


def _list_url(unit: Unit) -> str:
    return reverse("orgtree:congresses", args=[unit.pk])


def _elected(posts: Iterable[Any]) -> tuple[str, list[Any]]:
    """("主席 1 人、副主席 3 人、执委 60 人、代表 240 人", the posts highest first): a district's 届 elects hundreds
    of delegates, so the page gives the counts and folds the names away. (members.Post, read by duck type: the
    tree may not import members.)"""
    ranked = sorted(posts, key=lambda p: (type(p).RANK.get(p.role, 99), p.start_date, p.pk))
    counts: dict[str, int] = {}
    for post in ranked:
        label = str(post.get_role_display())
        counts[label] = counts.get(label, 0) + 1
    return "、".join(f"{label} {n} 人" for label, n in counts.items()), ranked


@login_required
def congress_list(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    unit = get_unit_for_user(request.user, pk)
    # The posts each 届 elected (members.Post.term), people with them: three queries whatever the count.
    rows = list(congresses.congresses_of(unit).prefetch_related("posts__person"))
    context = {
        "unit": unit,
        "breadcrumb": visible_breadcrumb(request.user, unit),
        "rows": [(c, *_elected(c.posts.all())) for c in rows],
        "can_edit": request.user.can_edit,
        "tolerance": congresses.TIMING_TOLERANCE_MONTHS,
    }
    return render(request, "orgtree/congresses.html", context)


def _form_page(request: AuthenticatedHttpRequest, unit: Unit, form: CongressForm, title: str) -> HttpResponse:
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "orgtree/congress_form.html", {"unit": unit, "form": form, "title": title}, status=status)


@login_required
def congress_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    unit = get_unit_for_user(request.user, pk, write=True)
    latest = congresses.congresses_of(unit).first()
    initial = {"number": latest.number + 1 if latest else 1, "term_years": latest.term_years if latest else 5}
    form = CongressForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            congress, created = congresses.record_congress(unit=unit, data=form.cleaned_data, actor=request.user)
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            if created:
                messages.success(request, f"已记录第{congress.number}届换届。")
            else:
                messages.info(request, f"第{congress.number}届已有相同的记录，未重复写入。")
            return redirect(_list_url(unit))
    return _form_page(request, unit, form, "记录换届")


@login_required
def congress_edit(request: AuthenticatedHttpRequest, pk: int, number: int) -> HttpResponse:
    unit = get_unit_for_user(request.user, pk, write=True)
    congress = Congress.objects.filter(unit=unit, number=number).first() if number <= congresses.MAX_NUMBER else None
    if congress is None:
        raise Http404("该届换届记录不存在。")
    initial = {name: getattr(congress, name) for name in congresses.FIELDS}
    form = CongressForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            congress = congresses.update_congress(congress=congress, data=form.cleaned_data, actor=request.user)
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, f"第{congress.number}届换届记录已保存。")
            return redirect(_list_url(unit))
    return _form_page(request, unit, form, f"更正第{congress.number}届换届记录")


@login_required
def congress_export(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    unit = get_unit_for_user(request.user, pk)
    data = congress_xlsx.export_workbook(unit, request.user)
    return FileResponse(io.BytesIO(data), as_attachment=True, filename=f"{unit.code}-换届记录.xlsx")


@login_required
def congress_import(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Upload the workbook: 检查 (a dry run, the preview) or 导入 (all rows or none)."""
    unit = get_unit_for_user(request.user, pk, write=True)
    form = CongressUploadForm(request.POST or None, request.FILES or None)
    result: congress_xlsx.ImportResult | None = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > congress_xlsx.LIMITS.max_file_bytes:
                form.add_error("file", "文件超过 5 MB，请拆分后分批上传。")
            else:
                dry_run = request.POST.get("action") != "import"
                data: Any = upload.read()
                result = congress_xlsx.import_congresses(unit=unit, data=data, actor=request.user, dry_run=dry_run)
                if result.written:
                    messages.success(request, f"已导入“{upload.name}”。{result.summary()}")
                    return redirect(_list_url(unit))
                status = 200 if result.ok else 400
    context = {"unit": unit, "form": form, "result": result}
    return render(request, "orgtree/congress_import.html", context, status=status)
