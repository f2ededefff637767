"""Campaign, return, verification and notification pages.

Thin views: fetch through orgtree.access (404 outside the user's subtree), call a service,
render. Returns are always shown and exported from their frozen snapshot, never live data.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from fedorg import ratelimit
from fedorg.forms import add_service_errors
from orgtree.access import get_unit_for_user, visible_units
from orgtree.http import AuthenticatedHttpRequest
from orgtree.models import Contact, Unit, User
from reports.html import render_table

from . import completeness, pdfs, services, states, verification
from .access import (
    get_attachment_for_user,
    get_campaign_for_user,
    get_campaign_form_for_user,
    get_return_for_user,
    may_see_return_contacts,
)
from .exports import mask_snapshot, stamped_xlsx
from .forms import (
    AttachmentForm,
    CampaignCreateForm,
    ReopenForm,
    SendBackForm,
    SubmitForm,
    VerifyUploadForm,
)
from .models import Campaign, CampaignForm, Notification, Return, ReturnEvent, ReturnSnapshot
from .services import Snapshot

STATUS = Return.Status


# --- campaigns -------------------------------------------------------------------------------


@login_required
def campaign_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    campaigns = Campaign.objects.visible_to(user).select_related("unit").prefetch_related("forms")
    context = {"campaigns": campaigns, "can_create": _may_create_campaigns(user)}
    return render(request, "returns/campaign_list.html", context)


def _may_create_campaigns(user: Any) -> bool:
    return user.is_superuser or (user.can_manage_tree and user.unit is not None and user.unit.runs_campaigns)


@login_required
def campaign_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not _may_create_campaigns(request.user):
        raise PermissionDenied("只有省、市（地）妇联管理员可以发布报送任务。")
    form = CampaignCreateForm(request.POST or None, unit=request.user.unit)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            campaign = services.create_campaign(
                actor=request.user,
                doc_number=data["doc_number"],
                title=data["title"],
                baseline_date=data["baseline_date"],
                cut_off_date=data["cut_off_date"],
                due_dates=form.due_dates(),
                rule_set=data.get("rule_set"),
            )
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, f"已发布报送任务 {campaign.doc_number}。")
            return redirect(campaign)
    return render(request, "returns/campaign_form.html", {"form": form})


@login_required
def campaign_dashboard(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Every district against every form; districts see their own row. Constant query count."""
    user = request.user
    campaign = get_campaign_for_user(user, pk)
    board = completeness.board(campaign, user=user, today=timezone.localdate())
    # A provincial campaign seen from the province: a row per city, each opening into its districts (?city=).
    city_rows, city = [], None
    if campaign.unit is not None and campaign.unit.tier == 0 and (user.unit is None or user.unit.tier == 0):
        city_rows = completeness.cities_of(board)
        wanted = request.GET.get("city", "")
        city = next((r.city for r in city_rows if str(r.city.pk) == wanted), None)
        if wanted and city is None:
            raise Http404("该市（地）不在本报送任务之内。")
        if city is not None:
            board = completeness.only_city(board, city)
    forms, districts, rows, stats, today = board.forms, board.districts, board.rows, board.stats, board.today
    # Reviewers act on districts strictly below their own unit; a district's own reviewer sees no boxes.
    district_ids = {d.pk for d in districts}
    can_review = user.can_review and user.unit_id not in district_ids
    context = {
        "campaign": campaign,
        "forms": forms,
        "rows": rows,
        "stats": stats,
        "today": today,
        "closed": board.closed,
        "can_review": can_review,
        "can_submit": user.can_edit,
        "is_district_view": user.unit_id in district_ids,
        "city_rows": city_rows,
        "city": city,
        "show_cities": bool(city_rows) and city is None,
    }
    return render(request, "returns/campaign_dashboard.html", context)


@login_required
@require_POST
def campaign_bulk_approve(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    user = request.user
    campaign = get_campaign_for_user(user, pk)
    ids = [i for i in request.POST.getlist("returns") if i.isdigit()]
    chosen = Return.objects.filter(pk__in=ids, campaign=campaign, unit__in=visible_units(user)).select_related(
        "unit", "form"
    )
    approved, failed = [], []
    for ret in chosen:
        try:
            services.approve_return(ret=ret, actor=user)
        except (ValidationError, PermissionDenied) as e:
            failed.append(f"{ret.unit.name}{ret.form.short_label}：{'；'.join(getattr(e, 'messages', [str(e)]))}")
        else:
            approved.append(f"{ret.unit.name}{ret.form.short_label}")
    if approved:
        messages.success(request, f"已审核通过 {len(approved)} 张报表：{'、'.join(approved)}。")
    for text in failed:
        messages.error(request, text)
    if not approved and not failed:
        messages.warning(request, "没有选中待审核的报表。")
    return redirect(campaign)


# --- submitting ------------------------------------------------------------------------------


def _footer_defaults(unit: Unit, user: User, chair: str) -> dict[str, str]:
    """The footer as it stands now, never carried over from an earlier (perhaps sent-back) submission.

    单位负责人: the federation's 主席 on the count date (services.unit_chair); 填表人: the submitting
    account; 联系电话: the current 附表1 具体联系人's phone, else the account's. Both stay editable.
    """
    contact = unit.contacts.filter(role=Contact.Role.CONTACT).first()
    phone = (contact.office_phone or contact.mobile) if contact else ""
    return {"unit_leader": chair, "filled_by": user.get_full_name(), "phone": phone or user.phone}


@login_required
def return_submit(request: AuthenticatedHttpRequest, form_pk: int, unit_pk: int) -> HttpResponse:
    user = request.user
    unit = get_unit_for_user(user, unit_pk, write=True)
    campaign_form = (
        CampaignForm.objects.filter(pk=form_pk, campaign__in=Campaign.objects.visible_to(user))
        .select_related("campaign")
        .first()
    )
    if campaign_form is None:
        raise Http404("报表不存在或不在您的管辖范围内。")
    if unit.tier != 2:
        raise Http404("只有区、县（市）妇联上报报表。")
    ret = (
        Return.objects.filter(form=campaign_form, unit=unit)
        .select_related("snapshot", "form", "campaign", "unit")
        .first()
    )
    if ret is not None and not ret.can_be_submitted:
        messages.info(request, f"该报表当前状态为“{ret.get_status_display()}”，无需上报。")
        return redirect(ret)
    pilot = campaign_form.is_pilot_report
    experience = campaign_form.is_experience_report
    attachments = list(ret.attachments.current()) if experience and ret is not None else []
    preview = services.build_snapshot(
        campaign_form,
        unit,
        pilot_report=request.POST.get("pilot_report", ""),
        attachments=[a.as_listed() for a in attachments],
    )
    chair = services.unit_chair(unit, on=services.snapshot_count_date(preview))
    initial = {**_footer_defaults(unit, user, chair), "expected_version": ret.version if ret else None}
    if ret is not None and ret.snapshot is not None:
        initial["explanation"] = ret.snapshot.explanation
        if pilot or experience:
            initial["pilot_report"] = ret.snapshot.data.get("report", "")
    problems, warnings = services.submission_problems(campaign_form, unit, preview)
    form = SubmitForm(
        request.POST or None,
        initial=initial,
        pilot=pilot,
        experience=experience,
        explanation_required=bool(warnings),
        chair=chair,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ret = services.submit_return(
                form=campaign_form,
                unit=unit,
                actor=user,
                unit_leader=data["unit_leader"],
                filled_by=data["filled_by"],
                phone=data["phone"],
                explanation=data["explanation"],
                pilot_report=data.get("pilot_report", ""),
                expected_version=data["expected_version"],
            )
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            snapshot = ret.snapshot
            assert snapshot is not None  # submit_return has just frozen it
            pdfs.queue_renders(snapshot, verify_url=pdfs.verify_url_for(request, snapshot), actor=user)
            messages.success(request, f"已上报，验证码 {snapshot.code}。市妇联审核后您会收到通知。")
            return redirect(ret)
    if (pilot or experience) and not request.POST.get("pilot_report"):
        # The report text is typed below; don't shout about it before the user has had a chance.
        problems = [p for p in problems if p.kind != "pilot_report_missing"]
    context = {
        "unit": unit,
        "campaign_form": campaign_form,
        "campaign": campaign_form.campaign,
        "ret": ret,
        "form": form,
        "preview": preview,
        "count_date": campaign_form.count_date(timezone.localdate()),
        "count_date_reason": campaign_form.count_date_reason(timezone.localdate()),
        "problems": problems,
        "warnings": warnings,
        "last_send_back": _last_send_back(ret),
        "table_html": _table_html(preview, set(ret.pinned_cells) if ret else set()),
        "pinned_values": _pinned_values(ret.snapshot.data, ret.pinned_cells) if ret and ret.snapshot else [],
        "attachments": attachments,
        "attachment_form": AttachmentForm() if experience else None,
    }
    return render(request, "returns/return_submit.html", context)


# --- attachments of a 经验材料 ---------------------------------------------------------------------


MAX_ATTACHMENT_REQUEST = services.MAX_ATTACHMENT_BYTES + 65536


@login_required
@require_POST
def attachment_add(request: AuthenticatedHttpRequest, form_pk: int, unit_pk: int) -> HttpResponse:
    """Upload one attachment to the district's 经验材料; refused (and nothing stored) when too big or of a wrong type."""
    user = request.user
    unit = get_unit_for_user(user, unit_pk, write=True)
    campaign_form = get_campaign_form_for_user(user, form_pk)
    submit_url = reverse("returns:return_submit", args=[campaign_form.pk, unit.pk])
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_ATTACHMENT_REQUEST:
        # Refused before Django parses (and spools) the body.
        messages.error(request, "附件超过 10 MB，经验材料的附件合计不能超过 10 MB，请压缩或拆分后再上传。")
        return redirect(submit_url)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, str(message))
        return redirect(submit_url)
    upload = form.cleaned_data["file"]
    data = upload.read(services.MAX_ATTACHMENT_BYTES + 1)
    try:
        attachment = services.add_attachment(form=campaign_form, unit=unit, name=upload.name, data=data, actor=user)
    except ValidationError as e:
        for message in e.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"已上传附件“{attachment.name}”（{attachment.extension.upper()}）。")
    return redirect(submit_url)


@login_required
@require_POST
def attachment_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    attachment = get_attachment_for_user(request.user, pk)
    ret = attachment.ret
    try:
        services.remove_attachment(attachment=attachment, actor=request.user)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(request, f"已移除附件“{attachment.name}”。")
    return redirect("returns:return_submit", ret.form_id, ret.unit_id)


def attachment_download(request: HttpRequest, pk: int) -> HttpResponse:
    """An attachment through the access rule: 404 for anonymous users and outside the subtree.

    Deliberately not @login_required (as the seal image): a redirect to the login page would tell
    an outsider the attachment exists. Always a download, never rendered inline.
    """
    attachment = get_attachment_for_user(request.user, pk)
    try:
        with attachment.file.open("rb") as handle:
            content = handle.read()
    except (FileNotFoundError, ValueError) as exc:
        raise Http404("附件文件已不存在。") from exc
    response = _attachment(content, attachment.content_type, attachment.name)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _last_send_back(ret: Return | None) -> ReturnEvent | None:
    if ret is None or ret.status != STATUS.RETURNED:
        return None
    return (
        ret.events.filter(action__in=[ReturnEvent.Action.SEND_BACK, ReturnEvent.Action.REOPEN])
        .select_related("actor")
        .order_by("-at", "-id")
        .first()
    )


# --- one return ------------------------------------------------------------------------------


def _pinned_values(snapshot_data: Snapshot, pinned: Iterable[str]) -> list[tuple[str, Any]]:
    """(description, value) of every pinned cell; a pinned row lists its cells."""
    cells = services.snapshot_cells(snapshot_data)
    shown: list[tuple[str, Any]] = []
    for ref in pinned:
        if ref in cells:
            shown.append((services.describe_ref(snapshot_data, ref), cells[ref]))
        else:
            row = [f"第{r.rsplit('/', 1)[1]}栏={v}" for r, v in cells.items() if r.startswith(ref + "/")]
            shown.append((services.describe_ref(snapshot_data, ref), "，".join(row)))
    return shown


PIN_FORM_ID = "send-back"


def _table_html(
    data: Snapshot | None,
    pinned: Iterable[str] = (),
    footer: dict[str, str] | None = None,
    *,
    pin_form: str = "",
    checked: Sequence[str] = (),
) -> str:
    """The official-layout HTML of a snapshot with pinned cells (and every cell of a pinned row) marked.

    With `pin_form` each cell is a checkbox of that form, so the reviewer pins a cell by clicking it."""
    if data is None or data.get("form") in CampaignForm.TEXT_REPORTS:
        return ""

    cells = services.snapshot_cells(data)
    highlight = {ref for ref in cells if ref in pinned or ref.rsplit("/", 1)[0] in pinned}
    return render_table(data, highlight=highlight, footer=footer, pin_form=pin_form, checked=checked)


def _return_context(
    request: AuthenticatedHttpRequest,
    ret: Return,
    *,
    send_back_form: forms.Form | None = None,
    reopen_form: forms.Form | None = None,
    clicked: Sequence[str] = (),
) -> dict[str, Any]:
    user = request.user
    snapshots = list(ret.snapshots.order_by("number").select_related("created_by"))
    shown = ret.snapshot
    wanted = request.GET.get("v")
    if wanted and wanted.isdigit():
        shown = next((s for s in snapshots if s.number == int(wanted)), shown)
    previous = next((s for s in snapshots if shown and s.number == shown.number - 1), None)
    diff = services.snapshot_diff(previous.data, shown.data) if previous and shown else None
    events = list(ret.events.select_related("actor", "snapshot"))
    version = {"expected_version": ret.version}
    # The reviewing unit receives the contacts the forms collect in full; other browsers see them masked.
    show_personal_data = may_see_return_contacts(user, ret)
    shown_data = None
    if shown is not None:
        shown_data = shown.data if show_personal_data else mask_snapshot(shown.data)
    can_review = states.may(user, "approve", ret)
    # Cells are clickable only on the return's current snapshot: the pins name its cells.
    pin_form = PIN_FORM_ID if can_review and shown is not None and shown.pk == ret.snapshot_id else ""
    # The day the figures count: the frozen one of the shown submission, else today's count date.
    today = timezone.localdate()
    count_date, submitted_on = ret.form.count_date(today), today
    if shown is not None and shown.as_of is not None:
        count_date, submitted_on = shown.as_of, shown.report_date
    return {
        "ret": ret,
        "unit": ret.unit,
        "campaign": ret.campaign,
        "campaign_form": ret.form,
        "snapshots": snapshots,
        "shown": shown,
        "is_current": shown is not None and shown.pk == ret.snapshot_id,
        "previous": previous,
        "diff": diff,
        "events": events,
        "pinned": set(ret.pinned_cells),
        "pinned_values": _pinned_values(shown.data, ret.pinned_cells) if shown else [],
        "last_send_back": _last_send_back(ret),
        "can_submit": states.may(user, "submit", ret),
        "can_review": can_review,
        "pin_form": pin_form,
        "can_reopen": states.may(user, "reopen", ret),
        "send_back_form": send_back_form or SendBackForm(initial=version),
        "reopen_form": reopen_form or ReopenForm(initial=version),
        "show_personal_data": show_personal_data,
        "shown_data": shown_data,
        "table_html": _table_html(
            shown_data,
            set(ret.pinned_cells),
            shown.footer if shown else None,
            pin_form=pin_form,
            checked=clicked,
        ),
        "today": today,
        "count_date": count_date,
        "count_date_reason": ret.form.count_date_reason(submitted_on),
    }


@login_required
def return_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    ret = get_return_for_user(request.user, pk)
    return render(request, "returns/return_detail.html", _return_context(request, ret))


@login_required
@require_POST
def return_approve(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    ret = get_return_for_user(request.user, pk)
    try:
        services.approve_return(
            ret=ret,
            actor=request.user,
            note=request.POST.get("note", ""),
            expected_version=request.POST.get("expected_version") or None,
        )
    except ValidationError as e:
        messages.error(request, "；".join(e.messages))
    else:
        messages.success(request, f"{ret.unit.name}{ret.form.short_label}已审核通过。")
    return redirect(ret)


@login_required
@require_POST
def return_send_back(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    ret = get_return_for_user(request.user, pk)
    # Permission before any parsing: a viewer's 2,000-character cells field burned 36 s (issue 12).
    if not services.can_review(request.user, ret.unit):
        raise PermissionDenied("只有上级妇联的审核员或管理员可以审核。")
    form = SendBackForm(request.POST)
    clicked = request.POST.getlist("pin")
    if form.is_valid():
        data = form.cleaned_data
        try:
            cells = services.parse_cells(data["cells"], ret.snapshot.data, clicked=clicked) if ret.snapshot else []
            services.send_back(
                ret=ret,
                actor=request.user,
                reason=data["reason"],
                cells=cells,
                expected_version=data["expected_version"],
            )
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, f"已退回{ret.unit.name}修改。")
            return redirect(ret)
    context = _return_context(request, ret, send_back_form=form, clicked=clicked)
    return render(request, "returns/return_detail.html", context, status=400)


@login_required
@require_POST
def return_reopen(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    ret = get_return_for_user(request.user, pk)
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            services.reopen_return(
                ret=ret,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["expected_version"],
            )
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, "已重新打开，区妇联可以修改后重新上报。")
            return redirect(ret)
    context = _return_context(request, ret, reopen_form=form)
    return render(request, "returns/return_detail.html", context, status=400)


def _exported_snapshot(ret: Return, request: HttpRequest) -> ReturnSnapshot:
    """The snapshot a download asks for: the current one, or ?v=N; 404 before the first submission."""
    snapshot = ret.snapshot
    wanted = request.GET.get("v")
    if wanted and wanted.isdigit():
        snapshot = ret.snapshots.filter(number=int(wanted)).select_related("seal").first()
    if snapshot is None:
        raise Http404("该报表还没有上报，没有可导出的快照。")
    return snapshot


def _attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@login_required
def return_export(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The stamped Excel file of a snapshot (the current one, or ?v=N), never of live data."""
    ret = get_return_for_user(request.user, pk)
    snapshot = _exported_snapshot(ret, request)
    content = stamped_xlsx(snapshot, mask_personal_data=not may_see_return_contacts(request.user, ret))
    filename = f"{ret.unit.code}-{ret.form.short_label}-第{snapshot.number}次上报-{snapshot.code}.xlsx"
    return _attachment(content, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", filename)


@login_required
def return_export_pdf(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The same snapshot as a PDF for printing and stamping on paper, its QR code opening /verify/<code>/."""
    ret = get_return_for_user(request.user, pk)
    snapshot = _exported_snapshot(ret, request)
    try:
        content = pdfs.pdf_for_download(
            snapshot,
            masked=not may_see_return_contacts(request.user, ret),
            verify_url=pdfs.verify_url_for(request, snapshot),
            user=request.user,
        )
    except pdfs.RenderBusy as busy:
        messages.warning(request, str(busy))
        response = redirect(ret)
        response.status_code = 303
        return response
    filename = f"{ret.unit.code}-{ret.form.short_label}-第{snapshot.number}次上报-{snapshot.code}.pdf"
    return _attachment(content, "application/pdf", filename)


# --- public verification ---------------------------------------------------------------------


def _may_see_stored_values(user: Any, ret: Return) -> bool:
    """Stored values and row names on /verify/ only for users who may open the return itself."""
    return user.is_authenticated and Return.objects.filter(pk=ret.pk, unit__in=visible_units(user)).exists()


def verify(request: HttpRequest, code: str | None = None) -> HttpResponse:
    """Public (no login): which return a code belongs to, and an upload check of the file.

    Uploads are rate-limited per client address (settings.VERIFY_UPLOADS_PER_MINUTE), refused
    by size before the body is parsed, and an anonymous visitor sees which cells differ by
    address only (returns.verification).
    """
    code = (code or request.GET.get("code", ""))[:64].strip().upper()
    snapshot = None
    if code:
        snapshot = (
            ReturnSnapshot.objects.filter(code=code)
            .select_related("ret", "ret__unit", "ret__form", "ret__campaign")
            .order_by("-pk")
            .first()
        )
    status = 404 if code and snapshot is None else 200
    form = VerifyUploadForm()
    result = None
    refused = ""
    if snapshot is not None and request.method == "POST":
        if not ratelimit.allow("verify-upload", ratelimit.client_ip(request), settings.VERIFY_UPLOADS_PER_MINUTE):
            refused, status = "上传核对过于频繁，请一分钟后再试。", 429
        elif int(request.META.get("CONTENT_LENGTH") or 0) > verification.LIMITS.max_file_bytes + 65536:
            refused, status = "文件超过 10 MB，不是本系统导出的报表。", 413
        else:
            form = VerifyUploadForm(request.POST, request.FILES)
            if form.is_valid():
                result = verification.verify_upload(snapshot, form.cleaned_data["file"])
                if result.error:
                    form.add_error("file", result.error)
    context = {
        "code": code,
        "snapshot": snapshot,
        "ret": snapshot.ret if snapshot else None,
        "is_current": snapshot is not None and snapshot.ret.snapshot_id == snapshot.pk,
        "form": form,
        "result": result,
        "refused": refused,
        "show_values": snapshot is not None
        and result is not None
        and _may_see_stored_values(request.user, snapshot.ret),
    }
    return render(request, "returns/verify.html", context, status=status)


# --- notifications ---------------------------------------------------------------------------


@login_required
def notification_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    items = Notification.objects.filter(user=request.user)[:100]
    return render(request, "returns/notifications.html", {"items": items})


@login_required
@require_POST
def notification_read(request: AuthenticatedHttpRequest) -> HttpResponse:
    Notification.objects.unread().filter(user=request.user).update(read_at=timezone.now())
    return redirect("returns:notifications")
