"""附表1–5 pages: the index, a table (HTML, print view, .xlsx), and drill-down to the people counted.

Views are thin: the unit comes through orgtree.access (404 outside the user's subtree; every
role may view), the figures from reports.tables, the rendering from reports.html / reports.excel.
"""

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from fedorg import freshness
from fedorg.dates import DEFAULT_BASELINE, as_of_from
from fedorg.dbrouting import read_from_replica
from fedorg.masking import mask_mobile
from jobs.services import JobRefused, start_job
from orgtree.access import can_see_personal_data, get_unit_for_user
from orgtree.models import Unit

from . import tables
from .background import (
    PDF_JOB_KIND,
    count_in_background,
    report_export_params,
    report_export_title,
    report_in_background,
    xlsx_filename,
)
from .excel import render_xlsx
from .html import render_table
from .models import TableDefinition
from .snapshot import Snapshot

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def may_define(user: Any, unit: Unit) -> bool:
    """An administrator of a city or a province (or a superuser) may define statistics tables for a unit
    that runs campaigns (reports/defined_views.py)."""
    return bool(user.is_superuser or (user.can_manage_tree and unit.runs_campaigns))


def _form_no(form_no: int) -> int:
    if form_no not in tables.FORM_TITLES:
        raise Http404("没有这张附表。")
    return form_no


def _as_of(request: HttpRequest) -> tuple[datetime.date, str]:
    """(as_of, error): the ?as_of= date, or today (with a Chinese message when it is not a date)."""
    return as_of_from(request.GET)


def table_xlsx_bytes(unit: Unit, form_no: int, *, as_of: datetime.date, user: Any = None) -> tuple[Snapshot, bytes]:
    """What the download button and `manage.py export_report` both write: the table with the unit's seal."""
    snapshot = tables.compute(form_no, unit=unit, as_of=as_of, user=user)
    return snapshot, render_xlsx(snapshot, seal=unit.seal_bytes())


@login_required
def report_index(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_unit_for_user(request.user, pk)
    as_of, error = _as_of(request)
    forms = [(number, f"附表{number}", title) for number, title in tables.FORM_TITLES.items()]
    context = {
        "unit": unit,
        "forms": forms,
        "as_of": as_of,
        "as_of_error": error,
        "baseline": DEFAULT_BASELINE,
        "defined": TableDefinition.objects.usable_by(unit).latest_versions().order_by("key"),
        "may_define": may_define(request.user, unit),
    }
    return render(request, "reports/index.html", context)


@login_required
@read_from_replica
def report_table(request: HttpRequest, pk: int, form_no: int) -> HttpResponse:
    unit = get_unit_for_user(request.user, pk)
    as_of, error = _as_of(request)
    waiting = _still_counting(request, unit, _form_no(form_no), as_of, drilldown=True)
    if waiting is not None:
        context = {"unit": unit, "form_no": form_no, "title": tables.FORM_TITLES[form_no], "as_of": as_of}
        return render(request, "reports/counting.html", {**context, "job": waiting, "counted": f"附表{form_no}"})
    snapshot, table_html = _counted_table(request, unit, _form_no(form_no), as_of, drilldown=True)
    context = {
        "unit": unit,
        "snapshot": snapshot,
        "table_html": table_html,
        "as_of": as_of,
        "as_of_error": error,
        "forms": list(tables.FORM_TITLES),
    }
    return render(request, "reports/table.html", context)


def _table_key(request: HttpRequest, unit: Unit, form_no: int, as_of: datetime.date, *, drilldown: bool) -> str:
    user: Any = request.user  # signed in (login_required): our User
    masked = not user.can_see_personal_data
    return f"table:{form_no}:{unit.pk}:{unit.tree_id}:{unit.lft}:{unit.rght}:{as_of.isoformat()}:{masked}:{drilldown}"


def _still_counting(request: HttpRequest, unit: Unit, form_no: int, as_of: datetime.date, *, drilldown: bool) -> Any:
    """The job counting a province's cold cities, when the table is not kept and counting them here would
    take more than two seconds (reports.background.count_in_background); None: count (or read) it now."""
    if unit.tier != 0 or form_no not in (4, 5):
        return None
    if freshness.has(_table_key(request, unit, form_no, as_of, drilldown=drilldown)):
        return None
    return count_in_background(what=f"form{form_no}", unit=unit, as_of=as_of, requester=request.user)


def _counted_table(
    request: HttpRequest, unit: Unit, form_no: int, as_of: datetime.date, *, drilldown: bool
) -> tuple[Snapshot, str]:
    """The table and its HTML, counted once per data version (fedorg.freshness): a city's 附表4 counts for a
    fifth of a second and renders 110 KB, the same for every viewer who may see the unit's personal data
    and the same for every viewer who may not (附表3's phones are masked in the snapshot itself)."""
    # get_unit_for_user has placed the unit inside the user's subtree: the role decides (can_see_personal_data).
    key = _table_key(request, unit, form_no, as_of, drilldown=drilldown)

    def count() -> tuple[Snapshot, str]:
        snapshot = tables.compute(form_no, unit=unit, as_of=as_of, user=request.user)
        return snapshot, render_table(snapshot, drilldown=drilldown)

    return freshness.cached(key, count, in_memory=True)


@login_required
@read_from_replica
def report_print(request: HttpRequest, pk: int, form_no: int) -> HttpResponse:
    unit = get_unit_for_user(request.user, pk)
    as_of, _error = _as_of(request)
    waiting = _still_counting(request, unit, _form_no(form_no), as_of, drilldown=False)
    if waiting is not None:
        context = {"unit": unit, "form_no": form_no, "title": tables.FORM_TITLES[form_no], "as_of": as_of}
        return render(request, "reports/counting.html", {**context, "job": waiting, "counted": f"附表{form_no}"})
    snapshot, table_html = _counted_table(request, unit, _form_no(form_no), as_of, drilldown=False)
    return render(request, "reports/print.html", {"unit": unit, "snapshot": snapshot, "table_html": table_html})


@login_required
@read_from_replica
def report_xlsx(request: HttpRequest, pk: int, form_no: int) -> HttpResponse:
    unit = get_unit_for_user(request.user, pk)
    as_of, _error = _as_of(request)
    form_no = _form_no(form_no)
    if report_in_background(unit):
        # A province's table takes seconds to count: the worker writes it and the requester watches
        # it. The link asks first (a GET never starts work); a second click finds the same job.
        if request.method != "POST":
            context = {"unit": unit, "form_no": form_no, "title": tables.FORM_TITLES[form_no], "as_of": as_of}
            return render(request, "reports/export_background.html", context)
        try:
            job, _created = start_job(
                kind="report_export",
                requester=request.user,
                unit=unit,
                params=report_export_params(form_no=form_no, as_of=as_of),
                title=report_export_title(unit, form_no, as_of),
            )
        except JobRefused as e:
            messages.error(request, str(e))
            return redirect(f"{reverse('reports:table', args=[unit.pk, form_no])}?as_of={as_of:%Y-%m-%d}")
        return redirect("jobs:detail", job.pk)
    snapshot, data = table_xlsx_bytes(unit, form_no, as_of=as_of, user=request.user)
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(xlsx_filename(snapshot))}"
    return response


@login_required
def report_pdf(request: HttpRequest, pk: int, form_no: int) -> HttpResponse:
    """A live table's PDF, made by the worker (background.run_report_pdf): the link asks first (a GET never
    starts work), the POST starts the job, or finds the same one, and shows its progress page."""
    unit = get_unit_for_user(request.user, pk)  # 404 outside the user's subtree, before anything else
    as_of, _error = _as_of(request)
    form_no = _form_no(form_no)
    if request.method != "POST":
        context = {"unit": unit, "form_no": form_no, "title": tables.FORM_TITLES[form_no], "as_of": as_of, "pdf": True}
        return render(request, "reports/export_background.html", context)
    try:
        job, _created = start_job(
            kind=PDF_JOB_KIND,
            requester=request.user,
            unit=unit,
            params=report_export_params(form_no=form_no, as_of=as_of),
            title=report_export_title(unit, form_no, as_of, pdf=True),
        )
    except JobRefused as e:
        messages.error(request, str(e))
        return redirect(f"{reverse('reports:table', args=[unit.pk, form_no])}?as_of={as_of:%Y-%m-%d}")
    return redirect("jobs:detail", job.pk)


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


@login_required
@read_from_replica
def report_cell(request: HttpRequest, pk: int, form_no: int) -> HttpResponse:
    """The people counted in one cell, each linking to her roster entry."""
    unit = get_unit_for_user(request.user, pk)
    as_of, error = _as_of(request)
    row, col = request.GET.get("row", ""), request.GET.get("col", "")
    try:
        row_label, col_label, facts = tables.cell_people(_form_no(form_no), unit=unit, row=row, col=col, as_of=as_of)
    except tables.CellNotFound as e:
        raise Http404(str(e)) from None
    counted_on = DEFAULT_BASELINE if col.endswith("_before") else as_of
    show_personal_data = can_see_personal_data(request.user, unit)
    detail = tables.cell_detail_column(col)
    for fact in facts:
        if detail:
            fact["detail"] = detail[2](fact[detail[1]]) or fact[detail[1]]
        fact["role_label"] = tables.ROLE.get(fact["role"], fact["role"])
        fact["mode_label"] = tables.MODE.get(fact["mode"], fact["mode"])
        fact["phone"] = fact["mobile"] if show_personal_data else mask_mobile(fact["mobile"])
    context = {
        "unit": unit,
        "form_no": form_no,
        "title": tables.FORM_TITLES[form_no],
        "row_label": row_label,
        "col_label": col_label,
        "facts": facts,
        "detail_header": detail[0] if detail else "",
        "as_of": as_of,
        "counted_on": counted_on,
        "as_of_error": error,
    }
    return render(request, "reports/cell.html", context)
