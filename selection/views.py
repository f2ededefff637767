"""Pages of the selection path: the register (档案), candidates and vetting, the unit's look-ahead,
the 妇女群众会议 with its appointments and certificates, and the 备案 (table, Excel, record, overview).

Thin views: fetch through selection.access / members.access / orgtree.access (404 outside the subtree, 403 for a role
that may not act), parse with a form, call selection.services, render.
"""

import io
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from fedorg import ratelimit
from fedorg.dates import as_of_from
from fedorg.forms import add_service_errors, xlsx_file_input
from members.access import get_post_for_user
from members.models import Post, RosterImport
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
from orgtree.access import can_see_personal_data, get_unit_for_user, visible_breadcrumb, visible_units
from orgtree.models import Unit

from . import certificates
from . import filing as filing_form
from . import services as selection
from .access import get_candidate_for_user, get_entry_for_user, get_meeting_for_user
from .forms import (
    FilingForm,
    IssueForm,
    MeetingForm,
    OrganisationForm,
    ProposeForm,
    RegisterEntryForm,
    RegisterSearchForm,
    VetForm,
)
from .models import Candidate, Certificate, Filing, Meeting
from .register_xlsx import (
    ENTRY_SHEET,
    ORGANISATION_SHEET,
    RegisterImportResult,
    export_register,
    import_register,
    register_template,
)

FILING_PDFS_PER_MINUTE = 10


def _page(user: Any, unit: Unit, **context: Any) -> dict[str, Any]:
    return {"unit": unit, "breadcrumb": visible_breadcrumb(user, unit), **context}


def _default_role(unit: Unit) -> Post.Role:
    return Post.Role.MEMBER if unit.is_congress else Post.Role.EXECUTIVE


# --- the unit's selection page: look-ahead, candidates, meetings -----------------------------------


@login_required
def selection_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Where a unit stands on the path: its candidates by status, its meetings, and the look-ahead."""
    user: Any = request.user  # signed in (login_required): our User
    unit = get_unit_for_user(user, pk)
    today = timezone.localdate()
    context = _page(
        user,
        unit,
        ahead=selection.look_ahead(unit, on=today),
        candidates=list(selection.candidates_of(unit)),
        meetings=list(selection.meetings_of(unit)),
        can_edit=user.can_edit and not unit.is_archived,
        today=today,
    )
    return render(request, "selection/selection.html", context)


# --- the register -------------------------------------------------------------------------------


@login_required
def register(request: HttpRequest, pk: int) -> HttpResponse:
    """The register of the unit and its subtree, searchable like people."""
    user: Any = request.user  # signed in (login_required): our User
    unit = get_unit_for_user(user, pk)
    form = RegisterSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    unmasked = can_see_personal_data(user, unit)
    context = _page(
        user,
        unit,
        form=form,
        query=query,
        entries=selection.search_register(unit, query, unmasked=unmasked),
        organisations=list(selection.organisations_of(unit)),
        show_personal_data=unmasked,
        can_edit=user.can_edit and not unit.is_archived,
        default_role=_default_role(unit),
        today=timezone.localdate(),
    )
    return render(request, "selection/register.html", context)


@login_required
def register_xlsx(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The register of the unit's subtree as .xlsx (both sheets); ID numbers and phones masked for users who may not see them."""
    unit = get_unit_for_user(request.user, pk)
    filename = f"{unit.code}-{unit.name}-优秀女性档案.xlsx"
    stream = export_register(unit=unit, actor=request.user, filename=filename)
    return FileResponse(stream, as_attachment=True, filename=filename)


@login_required
def register_template_xlsx(request: HttpRequest, pk: int) -> HttpResponseBase:
    unit = get_unit_for_user(request.user, pk)
    return FileResponse(register_template(unit), as_attachment=True, filename=f"{unit.code}-档案模板.xlsx")


REGISTER_UPLOAD_KIND = "register"


class RegisterUploadForm(forms.Form):
    file = forms.FileField(
        label="档案文件（.xlsx）",
        help_text=f"使用下载的档案模板（“{ENTRY_SHEET}”和“{ORGANISATION_SHEET}”两张表）；每个文件最多 {MAX_FILE_BYTES // 1048576} MB。",
        widget=xlsx_file_input(),
    )


def _register_import_page(request: HttpRequest, unit: Unit, status: int = 200, **context: Any) -> HttpResponse:
    context.setdefault("form", RegisterUploadForm())
    return render(request, "selection/register_import.html", _page(request.user, unit, **context), status=status)


def _register_result_page(
    request: HttpRequest, unit: Unit, result: RegisterImportResult, token: str, filename: str
) -> HttpResponse:
    return _register_import_page(request, unit, **import_result_context(result, token, filename))


@login_required
def register_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload a register workbook: a dry run shows what would change, or lists every fault by sheet, row and column."""
    unit = get_unit_for_user(request.user, pk, write=True)
    refusal = oversized_upload(request)
    if refusal:
        return _register_import_page(request, unit, status=413, conflict=refusal)
    form = RegisterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            data = read_file_bytes(upload)
        except RosterFileError as e:
            form.add_error("file", str(e))
        else:
            result = import_register(unit=unit, file=data, actor=request.user, dry_run=True, filename=upload.name)
            if result.file_refused:
                for error in result.errors:
                    form.add_error("file", str(error))
            else:
                token = _remember_upload(request, unit, data, upload.name, rows=result.row_count)
                request.session[SESSION_KEY][token]["kind"] = REGISTER_UPLOAD_KIND
                request.session.modified = True
                return _register_result_page(request, unit, result, token, upload.name)
    status = 400 if form.is_bound else 200
    return _register_import_page(request, unit, status=status, form=form)


@login_required
@require_POST
def register_import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Write the previewed register file: the engine runs again, all or nothing, once per upload (RosterImport token)."""
    unit = get_unit_for_user(request.user, pk, write=True)
    token = request.POST.get("token", "")[:64]
    done = spent_upload(request, unit, token)
    if done is not None:
        messages.info(request, f"“{done.filename}”已导入，未重复写入。{done.summary}")
        return redirect("selection:register", unit.pk)
    upload = _upload_for(request, unit, token)
    if upload is None or request.session[SESSION_KEY][token].get("kind") != REGISTER_UPLOAD_KIND:
        messages.error(request, "上传的文件已过期或已导入，请重新上传。")
        return redirect("selection:register_import", unit.pk)
    path, filename = upload
    try:
        with transaction.atomic():
            actor: Any = request.user  # signed in (login_required): our User
            claim = RosterImport.objects.create(token=token, unit=unit, actor=actor, filename=filename[:255])
            result = import_register(unit=unit, file=path.read_bytes(), actor=request.user, filename=filename)
            if result.written:
                claim.rows, claim.summary = result.row_count, result.summary()
                claim.save(update_fields=["rows", "summary"])
            else:
                transaction.set_rollback(True)
    except (IntegrityError, FileNotFoundError):  # a second confirmation of the same upload lost the race
        done = spent_upload(request, unit, token)
        if done is not None:
            messages.info(request, f"“{done.filename}”已导入，未重复写入。{done.summary}")
            return redirect("selection:register", unit.pk)
        return _register_import_page(
            request, unit, status=409, conflict="这个文件正在由另一个请求导入，请稍候刷新查看。"
        )
    if not result.ok:
        return _register_result_page(request, unit, result, token, filename)
    _forget_upload(request, token)
    messages.success(request, f"已导入“{filename}”。{result.summary()}")
    return redirect("selection:register", unit.pk)


def _register_form(
    request: HttpRequest,
    unit: Unit,
    form: forms.BaseForm,
    *,
    save: Callable[[dict[str, Any]], Any],
    done: Callable[[Any], str],
    template: str = "selection/register_form.html",
    **context: Any,
) -> HttpResponse:
    """A register page's form: on a valid POST call `save(cleaned_data)` (a selection.services service),
    say `done(result)` and go back to the register; else show the form with the service's errors."""
    if request.method == "POST" and form.is_valid():
        try:
            result = save(form.cleaned_data)
        except ValidationError as e:
            add_service_errors([form], e)
        else:
            messages.success(request, done(result))
            return redirect("selection:register", pk=unit.pk)
    return render(request, template, _page(request.user, unit, form=form, **context))


@login_required
def register_add(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_unit_for_user(request.user, pk, write=True)
    return _register_form(
        request,
        unit,
        RegisterEntryForm(request.POST or None, unit=unit),
        save=lambda data: selection.save_entry(unit=unit, data=data, actor=request.user),
        done=lambda entry: f"已将{entry.name}登记入档案。",
    )


@login_required
def register_edit(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_entry_for_user(request.user, pk, write=True)
    unit = entry.unit
    return _register_form(
        request,
        unit,
        RegisterEntryForm(request.POST or None, unit=unit, instance=entry),
        save=lambda data: selection.save_entry(unit=unit, data=data, actor=request.user, entry=entry),
        done=lambda saved: f"{saved.name}的档案已保存。",
        entry=entry,
    )


@login_required
def organisation_add(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_unit_for_user(request.user, pk, write=True)
    return _register_form(
        request,
        unit,
        OrganisationForm(request.POST or None),
        save=lambda data: selection.save_organisation(unit=unit, data=data, actor=request.user),
        done=lambda organisation: f"已将“{organisation.name}”登记入档案。",
        template="selection/organisation_form.html",
    )


# --- candidates and vetting ---------------------------------------------------------------------


@login_required
def propose(request: HttpRequest, pk: int) -> HttpResponse:
    """Propose a woman of the register as a candidate in her unit; the register's button posts here at once."""
    entry = get_entry_for_user(request.user, pk, write=True)
    unit = entry.unit
    if unit.is_archived:
        raise PermissionDenied(f"{unit.name}已撤销，不能再提名人选。")
    initial = {
        "role": _default_role(unit),
        "method": Post.Method.UNIT,
        "mode": Post.Mode.PART_TIME,
        "proposed_on": timezone.localdate(),
    }
    if request.method == "POST":
        form = ProposeForm({**initial, **request.POST.dict()}, unit=unit)
    else:
        form = ProposeForm(initial=initial, unit=unit)
    if form.is_bound and form.is_valid():
        try:
            candidate, created = selection.propose(entry=entry, unit=unit, actor=request.user, **form.cleaned_data)
        except ValidationError as e:
            add_service_errors([form], e)
        else:
            if created:
                messages.success(request, f"已提名{entry.name}为{unit.name}{candidate.get_role_display()}人选。")
            else:
                messages.info(
                    request, f"{entry.name}已是{unit.name}的人选（{candidate.get_status_display()}），未重复提名。"
                )
            return redirect("selection:selection", pk=unit.pk)
    return render(request, "selection/propose_form.html", _page(request.user, unit, form=form, entry=entry))


@login_required
def candidate_vet(request: HttpRequest, pk: int) -> HttpResponse:
    candidate = get_candidate_for_user(request.user, pk, write=True)
    unit = candidate.unit
    form = VetForm(request.POST or None, initial={"vetted_on": timezone.localdate(), "passed": "1"})
    if request.method == "POST" and form.is_valid():
        try:
            selection.vet(candidate=candidate, actor=request.user, **form.cleaned_data)
        except ValidationError as e:
            add_service_errors([form], e)
        else:
            messages.success(request, f"已记录{candidate.entry.name}的考核结果。")
            return redirect("selection:selection", pk=unit.pk)
    return render(request, "selection/vet_form.html", _page(request.user, unit, form=form, candidate=candidate))


# --- meetings, appointment, certificates ----------------------------------------------------------


@login_required
def meeting_add(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_unit_for_user(request.user, pk, write=True)
    form = MeetingForm(request.POST or None, initial={"held_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            meeting = selection.create_meeting(unit=unit, data=form.cleaned_data, actor=request.user)
        except ValidationError as e:
            add_service_errors([form], e)
        else:
            messages.success(request, "会议已记录，请勾选在会上任命的人选。")
            return redirect(meeting)
    return render(request, "selection/meeting_form.html", _page(request.user, unit, form=form))


def _may_issue(user: Any, unit: Unit) -> tuple[bool, Unit]:
    """Certificates are issued by the federation above the unit: may this user act for it?"""
    issuer = certificates.issuing_unit_for(unit)
    return user.can_edit and visible_units(user).filter(pk=issuer.pk).exists(), issuer


def _meeting_context(request: HttpRequest, meeting: Meeting, **extra: Any) -> dict[str, Any]:
    user: Any = request.user
    unit = meeting.unit
    posts = selection.meeting_posts(meeting)
    may_issue, issuer = _may_issue(user, unit)
    recorded = Filing.objects.filter(meeting=meeting).first()
    pending = list(
        Candidate.objects.filter(unit=unit, status=Candidate.Status.PASSED)
        .select_related("entry")
        .order_by("entry__name")
    )
    context = _page(
        user,
        unit,
        meeting=meeting,
        posts=posts,
        pending=pending,
        can_edit=user.can_edit and not unit.is_archived,
        may_issue=may_issue,
        issuer=issuer,
        unnumbered=[p for p in posts if certificates.is_eligible(p) and not certificates.has_certificate(p)],
        filing=recorded,
        filing_form=extra.pop("filing_form", None)
        or FilingForm(initial={"party_filed_on": timezone.localdate(), "parent_filed_on": timezone.localdate()}),
        issue_form=extra.pop("issue_form", None) or IssueForm(initial={"issued_on": meeting.held_on}),
        **extra,
    )
    return context


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for_user(request.user, pk)
    return render(request, "selection/meeting.html", _meeting_context(request, meeting))


@login_required
@require_POST
def meeting_appoint(request: HttpRequest, pk: int) -> HttpResponse:
    """Appoint the ticked vetted candidates at this meeting: all posts in one transaction, or none."""
    meeting = get_meeting_for_user(request.user, pk, write=True)
    ids = [v for v in request.POST.getlist("candidate") if v.isdigit()]
    try:
        result = selection.appoint_at_meeting(meeting=meeting, candidate_ids=ids, actor=request.user)
    except ValidationError as e:
        context = _meeting_context(request, meeting, appoint_errors=e.messages)
        return render(request, "selection/meeting.html", context, status=400)
    if result.posts:
        messages.success(request, f"已在会上任命 {len(result.posts)} 人，任职时间 {meeting.held_on:%Y-%m-%d}。")
    if result.already:
        messages.info(request, f"{len(result.already)} 人已在本次会议任命，未重复任命。")
    return redirect(meeting)


@login_required
@require_POST
def meeting_certificates(request: HttpRequest, pk: int) -> HttpResponse:
    """Number the certificates of the posts this meeting made (the federation above issues them)."""
    meeting = get_meeting_for_user(request.user, pk, write=True)
    may_issue, issuer = _may_issue(request.user, meeting.unit)
    if not may_issue:
        raise PermissionDenied(f"{meeting.unit.name}成员的证书由{issuer.name}颁发，请由{issuer.name}办理。")
    form = IssueForm(request.POST)
    if not form.is_valid():
        context = _meeting_context(request, meeting, issue_form=form)
        return render(request, "selection/meeting.html", context, status=400)
    posts = [p for p in selection.meeting_posts(meeting) if certificates.is_eligible(p)]
    try:
        issued = certificates.issue_certificates(
            posts=posts, actor=request.user, issued_on=form.cleaned_data["issued_on"]
        )
    except ValidationError as e:
        context = _meeting_context(request, meeting, appoint_errors=e.messages)
        return render(request, "selection/meeting.html", context, status=400)
    if issued:
        messages.success(request, f"已编号 {len(issued)} 张证书（{issuer.name}颁发）。")
    else:
        messages.info(request, "本次会议任命的人员证书都已编号，没有重复编号。")
    return redirect(meeting)


# --- 备案 -------------------------------------------------------------------------------------------


@login_required
@require_POST
def filing_record(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for_user(request.user, pk, write=True)
    form = FilingForm(request.POST)
    if form.is_valid():
        try:
            recorded, created = selection.record_filing(meeting=meeting, data=form.cleaned_data, actor=request.user)
        except ValidationError as e:
            add_service_errors([form], e)
        else:
            if created:
                messages.success(request, f"已记录备案：报{recorded.party_org}和上级妇联。")
            else:
                messages.info(request, "这次会议的选拔结果已备案，未重复记录。")
            return redirect(meeting)
    return render(request, "selection/meeting.html", _meeting_context(request, meeting, filing_form=form), status=400)


@login_required
def filing_print(request: HttpRequest, pk: int) -> HttpResponse:
    """备案表: who was selected at the meeting, how, and with which certificate; printable on A4."""
    meeting = get_meeting_for_user(request.user, pk)
    context = _page(request.user, meeting.unit, **filing_form.print_context(meeting, printed_by=request.user))
    return render(request, "selection/filing_print.html", context)


def _filing_filename(meeting: Meeting, suffix: str) -> str:
    return f"{meeting.unit.code}-{meeting.unit.name}-选拔结果备案表-{meeting.held_on:%Y%m%d}.{suffix}"


@login_required
def filing_xlsx(request: HttpRequest, pk: int) -> HttpResponseBase:
    meeting = get_meeting_for_user(request.user, pk)
    data = filing_form.xlsx(meeting, printed_by=request.user)
    return FileResponse(data, as_attachment=True, filename=_filing_filename(meeting, "xlsx"))


@login_required
def filing_pdf(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The 备案表 as a PDF (about a second to render): at most FILING_PDFS_PER_MINUTE per user."""
    meeting = get_meeting_for_user(request.user, pk)
    if not ratelimit.allow("filing-pdf", str(request.user.pk), FILING_PDFS_PER_MINUTE):
        return HttpResponse("生成 PDF 过于频繁，请一分钟后再试。", status=429, content_type="text/plain; charset=utf-8")
    data = filing_form.pdf(meeting, printed_by=request.user)
    return FileResponse(io.BytesIO(data), as_attachment=True, filename=_filing_filename(meeting, "pdf"))


@login_required
def filing_overview(request: HttpRequest, pk: int) -> HttpResponse:
    """The parent's view: which units below have met, appointed and filed."""
    unit = get_unit_for_user(request.user, pk)
    rows = selection.filing_overview(unit)
    counts = {"已备案": 0, "待备案": 0, "未开会": 0}
    for row in rows:
        counts[row.state] += 1
    return render(request, "selection/filing_overview.html", _page(request.user, unit, rows=rows, counts=counts))


# --- certificates ----------------------------------------------------------------------------


def _issuing_unit_for_user(user: Any, unit: Unit) -> Unit:
    """The federation above `unit` issues its certificates; the user must be able to act for it."""
    issuer = certificates.issuing_unit_for(unit)
    if not visible_units(user).filter(pk=issuer.pk).exists() or not user.can_edit:
        raise PermissionDenied(f"{unit.name}成员的证书由{issuer.name}颁发，请由{issuer.name}的填报员或管理员办理。")
    return issuer


@login_required
def post_certificate(request: HttpRequest, pk: int) -> HttpResponse:
    post = get_post_for_user(request.user, pk)
    issuer = _issuing_unit_for_user(request.user, post.unit)
    form = IssueForm(request.POST or None, initial={"issued_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            certificates.issue_certificates(posts=[post], actor=request.user, issued_on=form.cleaned_data["issued_on"])
        except ValidationError as e:
            add_service_errors([form], e)
        else:
            return redirect("selection:post_certificate", pk=post.pk)
    certificate = Certificate.objects.filter(post=post).first()
    context = {
        "unit": post.unit,
        "issuer": issuer,
        "pages": certificates.pages([post], issuer=issuer),
        "missing": [] if certificate else [post],
        "eligible": certificates.is_eligible(post),
        "form": form,
        "single": post,
    }
    return render(request, "selection/certificates_print.html", context)


@login_required
def post_certificate_pdf(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The post's numbered certificate as a PDF, signed by the federation above under its seal."""
    post = get_post_for_user(request.user, pk)
    issuer = _issuing_unit_for_user(request.user, post.unit)
    if not Certificate.objects.filter(post=post).exists():
        messages.error(request, "这项任职还没有证书编号，请先编号再下载 PDF。")
        return redirect("selection:post_certificate", pk=post.pk)
    if not ratelimit.allow("certificate-pdf", str(request.user.pk), FILING_PDFS_PER_MINUTE):
        return HttpResponse("生成 PDF 过于频繁，请一分钟后再试。", status=429, content_type="text/plain; charset=utf-8")
    data = certificates.pdf([post], issuer=issuer)
    filename = f"{post.unit.name}-{post.person.name}-{post.get_role_display()}-证书.pdf"
    return FileResponse(io.BytesIO(data), as_attachment=True, filename=filename)


@login_required
def unit_certificates(request: HttpRequest, pk: int) -> HttpResponse:
    """Batch print: every current post of the unit that earns a certificate, one A4 page each."""
    unit = get_unit_for_user(request.user, pk, write=True)
    issuer = _issuing_unit_for_user(request.user, unit)
    today = timezone.localdate()
    on, on_error = as_of_from(request.GET, today)
    if on_error:
        messages.warning(request, on_error)
    posts = list(certificates.eligible_posts(unit, on=on).select_related("certificate"))
    form = IssueForm(request.POST or None, initial={"issued_on": today})
    if request.method == "POST" and form.is_valid():
        try:
            issued = certificates.issue_certificates(
                posts=posts, actor=request.user, issued_on=form.cleaned_data["issued_on"]
            )
        except ValidationError as e:
            add_service_errors([form], e)
        else:
            if issued:
                messages.success(request, f"已编号 {len(issued)} 张证书。")
            else:
                messages.info(request, "这些任职的证书都已编号，没有重复编号。")
            return redirect("selection:unit_certificates", pk=unit.pk)
    context = {
        "unit": unit,
        "issuer": issuer,
        "pages": certificates.pages(posts, issuer=issuer),
        "missing": [p for p in posts if not certificates.has_certificate(p)],
        "form": form,
        "on": on,
    }
    return render(request, "selection/certificates_print.html", context)
