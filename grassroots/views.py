"""Pages of the grassroots registers: a unit's 妇女之家, its two committees or its area's organisations,
each added and edited through a form, and a 妇女之家's activities. Reads need the unit in the user's
subtree (404 outside); writes also an editing role (403), as the rosters (orgtree.access)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from fedorg.forms import add_service_errors, xlsx_file_input
from members.models import RosterImport
from members.roster_xlsx.cells import RosterFileError, read_file_bytes
from members.roster_xlsx.columns import MAX_FILE_BYTES
from members.views_excel import (
    SESSION_KEY,
    _forget_upload,
    _remember_upload,
    _upload_for,
    import_result_context,
    oversized_upload,
    spent_upload,
)
from orgtree.access import get_unit_for_user, visible_breadcrumb
from orgtree.models import Unit

from . import services
from .access import get_for_user
from .forms import ActivityForm, OrganisationForm, TwoCommitteesForm, WomenHomeForm
from .models import FUNCTIONS, GRASSROOTS_KINDS, HOME_KINDS, STREET_KINDS, Organisation, TwoCommittees, WomenHome
from .xlsx import LAYOUTS, GrassrootsImportResult, grassroots_workbook, import_grassroots


def _page(user: Any, unit: Unit, **context: Any) -> dict[str, Any]:
    return {"unit": unit, "breadcrumb": visible_breadcrumb(user, unit), **context}


def unit_url(unit: Unit) -> str:
    return reverse("grassroots:unit", args=[unit.pk])


@login_required
def unit_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The unit's registers: 妇女之家 (villages, communities, new-field units), its two committees
    (villages, communities) and the organisations of its area (streets, townships)."""
    user: Any = request.user
    unit = get_unit_for_user(user, pk)
    homes = list(unit.women_homes.select_related("person").prefetch_related("activities"))
    for home in homes:
        home.function_labels = [FUNCTIONS[f] for f in home.functions if f in FUNCTIONS]
    context = _page(
        user,
        unit,
        has_homes=unit.kind in HOME_KINDS,
        has_committees=unit.kind in GRASSROOTS_KINDS,
        has_organisations=unit.kind in STREET_KINDS,
        homes=homes,
        committees=unit.two_committees.all(),
        organisations=unit.organisations.all(),
        can_edit=user.can_edit,
    )
    return render(request, "grassroots/unit.html", context)


def _form_page(
    request: HttpRequest,
    unit: Unit,
    form: forms.ModelForm,
    *,
    title: str,
    save: Callable[[dict[str, Any]], tuple[Any, bool]],
    done: str,
    back: str,
) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        try:
            saved, _created = save(form.cleaned_data)
        except ValidationError as e:
            add_service_errors([form], e)
        else:
            messages.success(request, done)
            return redirect(saved.get_absolute_url() if isinstance(saved, WomenHome) else back)
    status = 400 if request.method == "POST" else 200
    context = _page(request.user, unit, form=form, title=title, back=back)
    return render(request, "grassroots/form.html", context, status=status)


@login_required
def women_home_add(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_unit_for_user(request.user, pk, write=True)
    form = WomenHomeForm(request.POST or None, unit=unit, initial={"name": f"{unit.name}妇女之家"})
    return _form_page(
        request,
        unit,
        form,
        title="登记妇女之家",
        save=lambda data: services.save_home(unit=unit, data=data, actor=request.user),
        done="妇女之家已登记。",
        back=unit_url(unit),
    )


@login_required
def women_home_edit(request: HttpRequest, pk: int) -> HttpResponse:
    home = get_for_user(WomenHome, request.user, pk, write=True)
    form = WomenHomeForm(request.POST or None, unit=home.unit, instance=home)
    return _form_page(
        request,
        home.unit,
        form,
        title=f"修改{home.name}",
        save=lambda data: services.save_home(unit=home.unit, data=data, actor=request.user, home=home),
        done="妇女之家已保存。",
        back=home.get_absolute_url(),
    )


@login_required
def women_home(request: HttpRequest, pk: int) -> HttpResponse:
    """A 妇女之家: its 四有 dates, functions, person in charge, online presence and activities."""
    user: Any = request.user
    home = get_for_user(WomenHome, user, pk)
    context = _page(
        user,
        home.unit,
        home=home,
        four_has=[(label, getattr(home, name)) for name, label in services.FOUR_HAS.items()],
        functions=[FUNCTIONS[f] for f in home.functions if f in FUNCTIONS],
        activities=home.activities.all(),
        form=ActivityForm() if user.can_edit else None,
    )
    return render(request, "grassroots/women_home.html", context)


@login_required
@require_POST
def activity_add(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    home = get_for_user(WomenHome, user, pk, write=True)
    form = ActivityForm(request.POST)
    if form.is_valid():
        try:
            _activity, created = services.add_activity(home=home, data=form.cleaned_data, actor=user)
        except ValidationError as e:
            add_service_errors([form], e)
        else:
            messages.success(request, "活动已记录。" if created else "这次活动已记录过，已更新。")
            return redirect(home)
    context = _page(
        user,
        home.unit,
        home=home,
        four_has=[(label, getattr(home, name)) for name, label in services.FOUR_HAS.items()],
        functions=[FUNCTIONS[f] for f in home.functions if f in FUNCTIONS],
        activities=home.activities.all(),
        form=form,
    )
    return render(request, "grassroots/women_home.html", context, status=400)


@login_required
def two_committees_add(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_unit_for_user(request.user, pk, write=True)
    return _form_page(
        request,
        unit,
        TwoCommitteesForm(request.POST or None),
        title="登记村（居）两委女性成员",
        save=lambda data: services.save_two_committees(unit=unit, data=data, actor=request.user),
        done="两委情况已登记。",
        back=unit_url(unit),
    )


@login_required
def two_committees_edit(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_for_user(TwoCommittees, request.user, pk, write=True)
    return _form_page(
        request,
        record.unit,
        TwoCommitteesForm(request.POST or None, instance=record),
        title="修改村（居）两委女性成员",
        save=lambda data: services.save_two_committees(unit=record.unit, data=data, actor=request.user, record=record),
        done="两委情况已保存。",
        back=unit_url(record.unit),
    )


@login_required
def organisation_add(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_unit_for_user(request.user, pk, write=True)
    return _form_page(
        request,
        unit,
        OrganisationForm(request.POST or None, initial={"listed_on": None}),
        title="登记辖区组织",
        save=lambda data: services.save_organisation(unit=unit, data=data, actor=request.user),
        done="组织已登记。",
        back=unit_url(unit),
    )


@login_required
def organisation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_for_user(Organisation, request.user, pk, write=True)
    unit = organisation.unit
    return _form_page(
        request,
        unit,
        OrganisationForm(request.POST or None, instance=organisation),
        title=f"修改{organisation.name}",
        save=lambda data: services.save_organisation(
            unit=unit, data=data, actor=request.user, organisation=organisation
        ),
        done="组织已保存。",
        back=unit_url(unit),
    )


# --- Excel export and import (grassroots.xlsx), on the roster's upload -> preview -> confirm helpers -----

UPLOAD_KIND = "grassroots"


class GrassrootsUploadForm(forms.Form):
    file = forms.FileField(
        label="文件（.xlsx）",
        help_text=f"使用导出的文件（“{'”“'.join(LAYOUTS)}”四张表）；每个文件最多 {MAX_FILE_BYTES // 1048576} MB。",
        widget=xlsx_file_input(),
    )


@login_required
def grassroots_export(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Every 妇女之家 (with its activities), two-committee record and area organisation of the unit's
    subtree as .xlsx; with no record it is the empty template."""
    unit = get_unit_for_user(request.user, pk)
    stream, _rows = grassroots_workbook(unit)
    return FileResponse(stream, as_attachment=True, filename=f"{unit.code}-{unit.name}-妇女之家两委组建.xlsx")


def _import_page(request: HttpRequest, unit: Unit, status: int = 200, **context: Any) -> HttpResponse:
    context.setdefault("form", GrassrootsUploadForm())
    return render(request, "grassroots/import.html", _page(request.user, unit, **context), status=status)


def _result_page(
    request: HttpRequest, unit: Unit, result: GrassrootsImportResult, token: str, filename: str
) -> HttpResponse:
    return _import_page(request, unit, **import_result_context(result, token, filename))


@login_required
def grassroots_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload a grassroots workbook: a dry run shows what would change, or lists every fault by sheet,
    row and column."""
    unit = get_unit_for_user(request.user, pk, write=True)
    refusal = oversized_upload(request)
    if refusal:
        return _import_page(request, unit, status=413, conflict=refusal)
    form = GrassrootsUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            data = read_file_bytes(upload)
        except RosterFileError as e:
            form.add_error("file", str(e))
        else:
            result = import_grassroots(unit=unit, file=data, actor=request.user, dry_run=True, filename=upload.name)
            if result.file_refused:
                for error in result.errors:
                    form.add_error("file", str(error))
            else:
                token = _remember_upload(request, unit, data, upload.name, rows=result.row_count)
                request.session[SESSION_KEY][token]["kind"] = UPLOAD_KIND
                request.session.modified = True
                return _result_page(request, unit, result, token, upload.name)
    status = 400 if form.is_bound else 200
    return _import_page(request, unit, status=status, form=form)


def _already_imported(request: HttpRequest, unit: Unit, done: RosterImport) -> HttpResponse:
    messages.info(request, f"“{done.filename}”已导入，未重复写入。{done.summary}")
    return redirect(unit_url(unit))


@login_required
@require_POST
def grassroots_import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Write the previewed file: the engine runs again, all or nothing, once per upload (the RosterImport
    token is spent in the transaction of the writes, as the roster's and the register's confirmations do)."""
    unit = get_unit_for_user(request.user, pk, write=True)
    token = request.POST.get("token", "")[:64]
    done = spent_upload(request, unit, token)
    if done is not None:
        return _already_imported(request, unit, done)
    upload = _upload_for(request, unit, token)
    if upload is None or request.session[SESSION_KEY][token].get("kind") != UPLOAD_KIND:
        messages.error(request, "上传的文件已过期或已导入，请重新上传。")
        return redirect("grassroots:import", unit.pk)
    path, filename = upload
    try:
        with transaction.atomic():
            actor: Any = request.user  # signed in (login_required): our User
            claim = RosterImport.objects.create(token=token, unit=unit, actor=actor, filename=filename[:255])
            result = import_grassroots(unit=unit, file=path.read_bytes(), actor=actor, filename=filename)
            if result.written:
                claim.rows, claim.summary = result.row_count, result.summary()
                claim.save(update_fields=["rows", "summary"])
            else:
                transaction.set_rollback(True)
    except (IntegrityError, FileNotFoundError):  # a second confirmation of the same upload lost the race
        done = spent_upload(request, unit, token)
        if done is not None:
            return _already_imported(request, unit, done)
        return _import_page(request, unit, status=409, conflict="这个文件正在由另一个请求导入，请稍候刷新查看。")
    if not result.ok:
        return _result_page(request, unit, result, token, filename)
    _forget_upload(request, token)
    messages.success(request, f"已导入“{filename}”。{result.summary()}")
    return redirect(unit_url(unit))
