"""Pages of the statistics tables defined as data: define one (a textarea, a preview on the unit's own
data, save), view a defined table, download it as .xlsx, and drill down to the people in a cell.

Defining is for an administrator of a city or a province, on her own unit or one below it that runs
campaigns (404 outside her subtree, 403 for anyone else); viewing follows the access rule of 附表1–5.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from fedorg.masking import mask_mobile
from orgtree.access import can_see_personal_data, get_unit_for_user
from orgtree.models import Unit

from . import tables
from .defined import cell_people_defined, compute_defined
from .definitions import MAX_BYTES, DefinitionError, parse
from .excel import render_xlsx
from .html import render_table
from .models import TableDefinition, save_definition
from .views import XLSX, _as_of, _quote, may_define

EXAMPLE = """\
key: chairs2017
title: 基层妇联主席情况统计表
label: 统计表
count_date: cut_off
rows:
  children: {where: {new_field: false}}
columns:
  - {label: 单位, key: unit, text: row, width: 14}
  - label: 乡镇（街道）妇联
    columns:
      - {label: 个数, key: b1_units, count: units, where: {block: 1}}
      - {label: 主席, key: b1_chairs, count: people, where: {block: 1, rank: 1}}
      - {label: 其中35岁及以下, key: b1_young, count: people, where: {block: 1, rank: 1, age: {max: 35}}}
"""


class DefinitionForm(forms.Form):
    source = forms.CharField(
        label="表的定义（YAML）",
        max_length=MAX_BYTES,
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "false", "class": "code"}),
        help_text="格式见“填表说明”：key、title、rows、columns；每个统计栏写 count、sum 或 average 和 where 筛选。",
        error_messages={"max_length": f"定义不能超过 {MAX_BYTES // 1024} KB。"},
    )


def _definition_unit(request: HttpRequest, pk: int) -> Unit:
    unit = get_unit_for_user(request.user, pk)  # 404 outside the user's subtree, before anything else
    if not may_define(request.user, unit):
        raise PermissionDenied("只有省、市（地）妇联管理员可以定义统计表。")
    return unit


@login_required
def define_table(request: HttpRequest, pk: int) -> HttpResponse:
    """The definition page: POST "preview" shows the table on this unit's data, "save" stores a version."""
    unit = _definition_unit(request, pk)
    as_of, _error = _as_of(request)
    initial = EXAMPLE
    key = request.GET.get("key", "")
    if key:
        found = TableDefinition.objects.usable_by(unit).filter(key=key).order_by("-version").first()
        if found is None:
            raise Http404("没有这张统计表。")
        initial = found.source
    form = DefinitionForm(request.POST or None, initial={"source": initial})
    preview = ""
    if request.method == "POST" and form.is_valid():
        source = form.cleaned_data["source"].replace("\r\n", "\n")
        try:
            if request.POST.get("action") == "save":
                stored, created = save_definition(source, owner=unit, actor=request.user)
                verb = "已保存" if created else "定义没有变化，仍为"
                messages.success(request, f"{verb}“{stored.title}”第{stored.version}版。")
                return redirect(f"{reverse('reports:define', args=[unit.pk])}?key={stored.key}")
            snapshot = compute_defined(parse(source), unit=unit, as_of=as_of, user=request.user)
            preview = render_table(snapshot)
        except DefinitionError as e:
            form.add_error("source", str(e))
    context = {
        "unit": unit,
        "form": form,
        "preview": preview,
        "as_of": as_of,
        "defined": TableDefinition.objects.usable_by(unit).latest_versions().order_by("key"),
    }
    return render(request, "reports/define.html", context, status=200 if not form.errors else 400)


def _stored(unit: Unit, key: str, request: HttpRequest) -> TableDefinition:
    found = TableDefinition.objects.usable_by(unit).filter(key=key).order_by("-version")
    version = request.GET.get("version", "")
    if version.isdigit():
        found = found.filter(version=int(version))
    first = found.first()
    if first is None:
        raise Http404("没有这张统计表。")
    return first


@login_required
def defined_table(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    unit = get_unit_for_user(request.user, pk)
    as_of, error = _as_of(request)
    stored = _stored(unit, key, request)
    snapshot = compute_defined(stored.compiled(), unit=unit, as_of=as_of, user=request.user, stored=stored.stored)
    context = {
        "unit": unit,
        "snapshot": snapshot,
        "stored": stored,
        "table_html": render_table(snapshot, drilldown=True),
        "as_of": as_of,
        "as_of_error": error,
    }
    return render(request, "reports/defined_table.html", context)


@login_required
def defined_xlsx(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    unit = get_unit_for_user(request.user, pk)
    as_of, _error = _as_of(request)
    stored = _stored(unit, key, request)
    snapshot = compute_defined(stored.compiled(), unit=unit, as_of=as_of, user=request.user, stored=stored.stored)
    response = HttpResponse(render_xlsx(snapshot, seal=unit.seal_bytes()), content_type=XLSX)
    name = f"{unit.code}-{stored.title}-{as_of:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(name)}"
    return response


@login_required
def defined_cell(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    """The people counted in one cell of a defined table (the conditions that counted it)."""
    unit = get_unit_for_user(request.user, pk)
    as_of, error = _as_of(request)
    stored = _stored(unit, key, request)
    row, col = request.GET.get("row", ""), request.GET.get("col", "")
    try:
        row_label, col_label, facts = cell_people_defined(stored.compiled(), unit=unit, row=row, col=col, as_of=as_of)
    except tables.CellNotFound as e:
        raise Http404(str(e)) from None
    show_personal_data = can_see_personal_data(request.user, unit)
    for fact in facts:
        fact["role_label"] = tables.ROLE.get(fact["role"], fact["role"])
        fact["mode_label"] = tables.MODE.get(fact["mode"], fact["mode"])
        fact["phone"] = fact["mobile"] if show_personal_data else mask_mobile(fact["mobile"])
    context = {
        "unit": unit,
        "stored": stored,
        "row_label": row_label,
        "col_label": col_label,
        "facts": facts,
        "as_of": as_of,
        "as_of_error": error,
    }
    return render(request, "reports/defined_cell.html", context)
