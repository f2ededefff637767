"""Unit pages, the tree navigator, tree operations and account management.

Views are thin: fetch through orgtree.access, validate with a form, call a service, render.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST

from fedorg import freshness
from fedorg.dates import as_of_from
from fedorg.forms import add_service_errors
from fedorg.history import change_rows

from . import services
from .access import (
    ancestors_of,
    get_api_token_for_user,
    get_unit_for_user,
    is_strictly_below_user_unit,
    visible_breadcrumb,
    visible_paths,
    visible_units,
)
from .exports import units_workbook
from .forms import (
    AccountForm,
    ApiTokenForm,
    ContactForm,
    ConvertForm,
    SealForm,
    UnitArchiveForm,
    UnitCreateForm,
    UnitMergeForm,
    UnitMoveForm,
    UnitRenameForm,
)
from .http import AuthenticatedHttpRequest
from .models import ApiToken, AuditEvent, Contact, Unit, User
from .search import pick_units
from .signals import unit_conversion_preview


@login_required
def roots(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The top of what the user may see: her own unit, or every root for an account bound to none."""
    units = visible_units(request.user)
    units = units.filter(pk=request.user.unit_id) if request.user.unit_id else units.filter(parent__isnull=True)
    return render(request, "orgtree/roots.html", {"units": units})


def _children_html(unit: Unit, *, show_archived: bool) -> tuple[SafeString, int]:
    """The unit page's list of the units below (each child with the units below it, by kind), and how
    many of its children are archived."""
    children = unit.children.territorial_first()
    if not show_archived:
        children = children.filter(archived_at__isnull=True)
    rows = (
        Unit.objects.subtree_of(unit)
        .active()
        .exclude(pk=unit.pk)
        .values("kind")
        .annotate(n=Count("id"))
        .order_by("kind")
    )
    below = [(str(Unit.Kind(r["kind"]).label), r["n"]) for r in sorted(rows, key=lambda r: Unit.KIND_ORDER[r["kind"]])]
    child_counts = Unit.objects.child_subtree_kind_counts(unit)
    listed = list(children)
    for child in listed:
        child.kind_counts = child_counts.get(child.pk, [])
    html = render_to_string("orgtree/_children.html", {"children": listed, "subtree_counts": below})
    archived = unit.children.filter(archived_at__isnull=False).count()
    return mark_safe(html), archived  # noqa: S308 - our own template, rendered with autoescape


def _history_html(unit: Unit, *, show_personal_data: bool) -> SafeString:
    """The unit page's last 20 audit events as a table, rendered once per newest event: the audit is
    append-only, so the newest event's id says whether anything changed (one indexed read per view)."""
    events = AuditEvent.objects.filter(unit=unit)
    newest = events.values_list("pk", flat=True).first()

    def render() -> str:
        history = [
            (event, change_rows(event, show_personal_data=show_personal_data))
            for event in events.select_related("actor")[:20]
        ]
        return render_to_string("orgtree/_history.html", {"history": history})

    key = f"unit-history:{unit.pk}:{newest}:{show_personal_data}"
    return mark_safe(freshness.cached(key, render))  # noqa: S308 - our own template, rendered with autoescape


@login_required
def unit_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    user = request.user
    unit = get_unit_for_user(user, pk)
    show_archived = request.GET.get("archived") == "1"
    # The units below (a city counts its whole subtree twice, 20 ms) are the same for every viewer the
    # access check lets in: rendered once and kept until the tree changes (issue 21).
    children_html, archived_children = freshness.cached(
        f"unit-children:{unit.pk}:{unit.tree_id}:{unit.lft}:{unit.rght}:{show_archived}",
        lambda: _children_html(unit, show_archived=show_archived),
    )
    # Contacts change the data version too (members.apps): kept with it, read-only.
    contacts: dict[str, Contact] = freshness.cached(
        f"unit-contacts:{unit.pk}", lambda: {c.role: c for c in unit.contacts.all()}, in_memory=True
    )
    ancestors = ancestors_of(unit)
    if ancestors:  # the parent (code_fits_parent reads its code) from the kept ancestors, not a statement
        unit.parent = ancestors[-1]
    # get_unit_for_user already placed the unit inside the user's subtree: the role decides.
    show_personal_data = user.can_see_personal_data
    as_of, as_of_error = as_of_from(request.GET)
    context = {
        "unit": unit,
        "as_of": as_of,
        "as_of_error": as_of_error,
        "breadcrumb": visible_breadcrumb(user, unit),
        "children_html": children_html,
        "archived_children": archived_children,
        "show_archived": show_archived,
        "leader": contacts.get(Contact.Role.LEADER),
        "contact": contacts.get(Contact.Role.CONTACT),
        "history_html": _history_html(unit, show_personal_data=show_personal_data),
        "can_edit": user.can_edit,
        "can_manage": user.can_manage_tree,
        "has_seal": bool(unit.seal),
        "can_restructure": user.can_manage_tree and is_strictly_below_user_unit(user, unit),
        "child_kinds": Unit.child_kinds_of(unit.kind),
        "merged_into": unit.merged_into if unit.merged_into_id else None,
    }
    return render(request, "orgtree/unit_detail.html", context)


@login_required
def unit_search(request: AuthenticatedHttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:50]
    results = []
    if q:
        results = list(visible_units(request.user).matching(q).select_related("parent").order_by("tree_id", "lft")[:50])
    paths = visible_paths(request.user, results)
    for unit in results:
        unit.path = paths[unit.pk]
    return render(request, "orgtree/unit_search.html", {"q": q, "results": results})


@login_required
def unit_pick(request: AuthenticatedHttpRequest) -> HttpResponse:
    """JSON for the search-as-you-type pickers (static/fedorg/picker.js): units of the user's subtree."""
    return JsonResponse({"results": pick_units(request.user, request.GET.get("q", "").replace("\x00", ""))})


def _unit_form_view(
    request: AuthenticatedHttpRequest,
    pk: int,
    *,
    form_class: type[forms.BaseForm],
    template: str,
    title: str,
    run: Callable[[Unit, dict[str, Any]], Unit],
    manage: bool = True,
    below: bool = False,
    form_kwargs: dict[str, Any] | Callable[[Unit], dict[str, Any]] | None = None,
) -> HttpResponse:
    """The shared shape of every tree-operation page: GET shows the form, POST runs the service."""
    unit = get_unit_for_user(request.user, pk, write=True, manage=manage)
    if below and not is_strictly_below_user_unit(request.user, unit):
        raise PermissionDenied("不能调整您所在组织本身，请联系上级管理员。")
    kwargs = form_kwargs(unit) if callable(form_kwargs) else (form_kwargs or {})
    form = form_class(request.POST or None, request.FILES or None, **kwargs)
    if request.method == "POST" and form.is_valid():
        try:
            result = run(unit, form.cleaned_data)
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, f"{title}成功。")
            return redirect(result if isinstance(result, Unit) else unit)
    return render(request, template, {"unit": unit, "form": form, "title": title})


@login_required
def unit_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    def run(parent: Unit, data: dict[str, Any]) -> Unit:
        return services.create_unit(parent=parent, actor=request.user, **data)

    return _unit_form_view(
        request,
        pk,
        form_class=UnitCreateForm,
        template="orgtree/unit_form.html",
        title="新建下级组织",
        run=run,
        form_kwargs=lambda unit: {"parent": unit},
    )


@login_required
def unit_rename(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    def run(unit: Unit, data: dict[str, Any]) -> Unit:
        return services.rename_unit(unit=unit, name=data["name"], code=data["code"], actor=request.user)

    unit = get_unit_for_user(request.user, pk, write=True, manage=True)
    return _unit_form_view(
        request,
        pk,
        form_class=UnitRenameForm,
        template="orgtree/unit_form.html",
        title="更名",
        run=run,
        below=True,
        form_kwargs={"initial": {"name": unit.name, "code": unit.code}},
    )


@login_required
def unit_move(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    def run(unit: Unit, data: dict[str, Any]) -> Unit:
        moved = services.move_unit(unit=unit, new_parent=data["new_parent"], actor=request.user)
        if not moved.code_fits_parent and moved.parent is not None:
            messages.warning(
                request,
                f"“{moved.name}”的组织代码 {moved.code} 仍是原上级的代码，与新上级“{moved.parent.name}”"
                f"（{moved.parent.code}）不一致。可以在本页“重新编码”。",
            )
        return moved

    return _unit_form_view(
        request,
        pk,
        form_class=UnitMoveForm,
        template="orgtree/unit_form.html",
        title="调整隶属关系",
        run=run,
        below=True,
        form_kwargs={"user": request.user},
    )


@login_required
def unit_recode(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """After a move: the plan that gives the unit and its subtree codes under the new parent, then, on
    confirmation, the recode (one transaction, audited)."""
    unit = get_unit_for_user(request.user, pk, write=True, manage=True)
    if not is_strictly_below_user_unit(request.user, unit):
        raise PermissionDenied("不能调整您所在组织本身，请联系上级管理员。")
    error = None
    if request.method == "POST":
        try:
            services.recode_subtree(unit=unit, actor=request.user, expected=request.POST.get("expected") or None)
        except ValidationError as e:
            error = "；".join(e.messages)
        else:
            unit = Unit.objects.get(pk=unit.pk)
            messages.success(request, f"已重新编码：{unit.name}的组织代码现为 {unit.code}。")
            return redirect(unit)
    try:
        plan = services.recode_plan(unit)
    except ValidationError as e:
        plan, error = [], error or "；".join(e.messages)
    context = {"unit": unit, "plan": plan, "error": error, "shown": plan[:200], "title": "按上级重新编码"}
    return render(
        request, "orgtree/unit_recode.html", context, status=400 if error and request.method == "POST" else 200
    )


@login_required
def unit_merge(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    def run(unit: Unit, data: dict[str, Any]) -> Unit:
        return services.merge_units(source=unit, target=data["target"], reason=data["reason"], actor=request.user)

    return _unit_form_view(
        request,
        pk,
        form_class=UnitMergeForm,
        template="orgtree/unit_form.html",
        title="合并组织",
        run=run,
        below=True,
        form_kwargs={"user": request.user},
    )


@login_required
def unit_archive(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    def run(unit: Unit, data: dict[str, Any]) -> Unit:
        return services.archive_unit(unit=unit, reason=data["reason"], end_posts=data["end_posts"], actor=request.user)

    return _unit_form_view(
        request,
        pk,
        form_class=UnitArchiveForm,
        template="orgtree/unit_form.html",
        title="撤销组织",
        run=run,
        below=True,
    )


@login_required
@require_POST
def unit_restore(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    unit = get_unit_for_user(request.user, pk, write=True, manage=True)
    if not is_strictly_below_user_unit(request.user, unit):
        raise PermissionDenied("不能调整您所在组织本身，请联系上级管理员。")
    try:
        services.restore_unit(unit=unit, actor=request.user)
    except ValidationError as e:
        messages.error(request, "；".join(e.messages))
    else:
        messages.success(request, f"已恢复“{unit.name}”。")
    return redirect(unit)


@login_required
def unit_convert(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """会改联 in two steps: the date, then a page showing what will change (posts, quota) to confirm."""
    unit = get_unit_for_user(request.user, pk, write=True, manage=True)
    form = ConvertForm(request.POST or None, initial={"effective_date": timezone.localdate()})
    previews = None
    if request.method == "POST" and form.is_valid():
        day = form.cleaned_data["effective_date"]
        try:
            if request.POST.get("confirm") == "1":
                services.convert_to_federation(unit=unit, effective_date=day, actor=request.user)
                messages.success(request, f"{unit.name}已于 {day:%Y-%m-%d} 改建为妇联。")
                return redirect(unit)
            services.effective_day(day)
            if not unit.is_congress:
                raise ValidationError(f"“{unit.name}”已经是妇联。")
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            responses = unit_conversion_preview.send(sender=Unit, unit=unit, on=day)
            previews = [preview for _receiver, preview in responses if preview]
    context = {"unit": unit, "form": form, "title": "妇代会改建妇联", "previews": previews}
    return render(request, "orgtree/unit_convert.html", context)


@login_required
@require_POST
def unit_pilot(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    unit = get_unit_for_user(request.user, pk, write=True, manage=True)
    if not is_strictly_below_user_unit(request.user, unit):
        # 示范点 are chosen by the level above, like every other restructuring.
        raise PermissionDenied("不能调整您所在组织本身，请联系上级管理员。")
    services.set_pilot(unit=unit, is_pilot=request.POST.get("is_pilot") == "1", actor=request.user)
    messages.success(request, "示范点设置已保存。")
    return redirect(unit)


@login_required
def unit_contacts(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    unit = get_unit_for_user(request.user, pk, write=True)
    existing = {c.role: c for c in unit.contacts.all()}
    forms_by_role = {
        role: ContactForm(request.POST or None, prefix=role, instance=existing.get(role))
        for role in Contact.Role.values
    }
    if request.method == "POST" and all(f.is_valid() for f in forms_by_role.values()):
        services.update_contacts(
            unit=unit, contacts={role: f.cleaned_data for role, f in forms_by_role.items()}, actor=request.user
        )
        messages.success(request, "联系人已保存。")
        return redirect(unit)
    sections = [(Contact.Role(role).label, f) for role, f in forms_by_role.items()]
    return render(request, "orgtree/unit_contacts.html", {"unit": unit, "sections": sections})


@login_required
def unit_seal(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    def run(unit: Unit, data: dict[str, Any]) -> Unit:
        return services.set_seal(unit=unit, image=data["image"], actor=request.user)

    return _unit_form_view(
        request,
        pk,
        form_class=SealForm,
        template="orgtree/unit_form.html",
        title="更换公章图片",
        run=run,
        manage=True,
    )


def unit_seal_image(request: HttpRequest, pk: int) -> HttpResponse:
    """The seal PNG through the access rule: 404 for anonymous users, outside the subtree and when there is none.

    Deliberately not @login_required: a redirect to the login page would tell an outsider the URL exists.
    Seals are never served from a public /media/ URL (docs/deploy.md).
    """
    unit = get_unit_for_user(request.user, pk)
    content = unit.seal_bytes()
    if content is None:
        raise Http404("该组织没有公章图片。")
    response = HttpResponse(content, content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    return response


@login_required
def unit_export(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    unit = get_unit_for_user(request.user, pk)
    stream = units_workbook(unit)
    return FileResponse(stream, as_attachment=True, filename=f"{unit.code}-组织名单.xlsx")


# --- accounts --------------------------------------------------------------------------


ACCOUNT_PAGE = 200


def _get_account_for_user(user: Any, pk: int) -> User:
    """An account bound to a unit of the admin's subtree, else 404."""
    account = User.objects.filter(pk=pk, unit__in=visible_units(user)).select_related("unit").first()
    if account is None:
        raise Http404("账号不存在或不在您的管辖范围内。")
    return account


def _require_admin(user: Any) -> None:
    if not user.can_manage_tree:
        raise PermissionDenied("只有管理员可以管理账号。")


@login_required
def account_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_admin(request.user)
    accounts = User.objects.filter(unit__in=visible_units(request.user)).select_related("unit")
    q = request.GET.get("q", "").strip()[:50].replace("\x00", "")
    if q:
        units = visible_units(request.user).matching(q)
        accounts = accounts.filter(
            Q(username__icontains=q) | Q(full_name__icontains=q) | Q(phone__startswith=q) | Q(unit__in=units)
        )
    role = request.GET.get("role", "")
    if role in User.Role.values:
        accounts = accounts.filter(role=role)
    total = accounts.count()
    accounts = accounts.order_by("unit__code", "username")[:ACCOUNT_PAGE]
    context = {"accounts": accounts, "q": q, "role": role, "roles": User.Role.choices, "total": total}
    context["limit"] = ACCOUNT_PAGE
    return render(request, "orgtree/account_list.html", context)


@login_required
def account_edit(request: AuthenticatedHttpRequest, pk: int | None = None) -> HttpResponse:
    _require_admin(request.user)
    account = _get_account_for_user(request.user, pk) if pk else None
    form = AccountForm(request.POST or None, instance=account, user=request.user)
    if request.method == "POST" and form.is_valid():
        account = services.save_account(form=form, actor=request.user)
        messages.success(request, f"账号 {account.username} 已保存。")
        return redirect("orgtree:accounts")
    return render(request, "orgtree/account_form.html", {"form": form, "account": account})


# --- API tokens ------------------------------------------------------------------------------


@login_required
def api_token_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The tokens of the admin's subtree, and the form to issue one; the new key is shown once."""
    _require_admin(request.user)
    form = ApiTokenForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        expires_at = timezone.make_aware(datetime.datetime.combine(data["expires_on"], datetime.time.min))
        try:
            token, key = services.issue_api_token(
                actor=request.user,
                name=data["name"],
                user=data["account"],
                unit=data["unit"],
                can_write=data["can_write"],
                expires_at=expires_at,
            )
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            return render(request, "orgtree/api_token_created.html", {"token": token, "key": key})
    tokens = (
        ApiToken.objects.filter(unit__in=visible_units(request.user))
        .select_related("unit", "user", "created_by")
        .order_by("-created_at", "-pk")
    )
    now = timezone.now()
    rows = [(t, t.status_label(now), t.revoked_at is None and t.expires_at > now) for t in tokens]
    return render(request, "orgtree/api_tokens.html", {"form": form, "rows": rows})


@login_required
@require_POST
def api_token_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    token = get_api_token_for_user(request.user, pk)
    try:
        services.revoke_api_token(token=token, actor=request.user)
    except ValidationError as e:
        messages.error(request, "；".join(e.messages))
    else:
        messages.success(request, f"已吊销令牌“{token.name}”，使用它的脚本将立即无法访问。")
    return redirect("orgtree:api_tokens")
