"""Roster pages: a unit's current posts, appointing, editing and ending posts, people, compliance.

Views are thin: fetch through orgtree.access (404 outside the user's subtree), parse with a
form, call a members.services function, render.
"""

import datetime
import hashlib
from collections.abc import Callable, Iterable, Mapping
from itertools import groupby
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from openpyxl import Workbook

from fedorg import freshness
from fedorg.dates import CUTOFF_2016, cn_date
from fedorg.dbrouting import read_from_replica
from fedorg.forms import add_service_errors
from fedorg.history import change_rows
from fedorg.xlsx import workbook_bytes, write_simple_sheet
from orgtree.access import can_see_personal_data, get_unit_for_user, visible_breadcrumb, visible_units
from orgtree.models import AuditEvent, Unit

from . import rules, services
from .access import get_person_for_user, get_post_for_user
from .forms import AsOfForm, EndPostForm, PersonForm, PersonSearchForm, PostForm, RuleSetForm
from .models import Person, Post
from .search import search_people
from .stewardship import may_edit_personal_data

# Post defaults carried from one "保存并继续添加" to the next, so a clerk types them once.
CARRIED_POST_FIELDS = ["role", "start_date", "mode", "method", "term"]


def _as_of(request: HttpRequest) -> tuple[datetime.date, AsOfForm]:
    """(day, form): the page's count date from ?as_of= (or ?on=), today by default."""
    form = AsOfForm({"on": request.GET.get("as_of") or request.GET.get("on") or ""})
    day = form.cleaned_data.get("on") if form.is_valid() else None
    return day or timezone.localdate(), form


def _roster_url(unit: Unit, on: datetime.date | None = None) -> str:
    url = reverse("members:roster", args=[unit.pk])
    return f"{url}?{urlencode({'on': on.isoformat()})}" if on else url


def _post_data(cleaned: Mapping[str, Any]) -> dict[str, Any]:
    return {name: cleaned[name] for name in services.POST_FIELDS if name in cleaned}


def _carried(post_form: PostForm) -> str:
    """Query string that pre-fills the next entry with this one's post settings."""
    data: dict[str, Any] = {}
    for name in CARRIED_POST_FIELDS:
        value = post_form.cleaned_data.get(name)
        if value:
            data[name] = value.pk if hasattr(value, "pk") else value
    return urlencode(data)


def _carried_initial(request: HttpRequest) -> dict[str, str]:
    return {name: request.GET[name] for name in CARRIED_POST_FIELDS if request.GET.get(name)}


ROSTER_PAGE = 50
COMPLIANCE_PAGE = 100
# ?sort=: the roster's order is by post (highest first) unless one of these is asked for.
ROSTER_SORTS = {
    "name": ("按姓名", ("person__name_initials", "person__name")),
    "start": ("按任职时间", ("start_date",)),
}


def _roster_listing(
    unit: Unit,
    on: datetime.date,
    *,
    role: str,
    query: str,
    sort: str,
    page_number: str,
    show_personal_data: bool,
    can_edit: bool,
) -> tuple[SafeString, int]:
    """The roster's filter, one page of its rows and its ended posts as HTML, and how many posts are held."""
    held = Post.objects.current(on=on).filter(unit=unit)
    by_role = dict(held.order_by().values_list("role").annotate(n=Count("id")))
    shown = held
    if role in by_role:
        shown = shown.filter(role=role)
    if query:
        shown = shown.filter(Q(person__name__contains=query) | Q(person__name_initials__startswith=query.lower()))
    ordered = shown.order_by(*ROSTER_SORTS[sort][1], "pk") if sort in ROSTER_SORTS else shown.by_rank()
    # A district's own roster holds its 代表 too (hundreds): one page of ROSTER_PAGE rows at a time,
    # the whole roster being the Excel export (issue 21).
    paginator = Paginator(ordered.select_related("person", "meeting"), ROSTER_PAGE)
    page = paginator.get_page(page_number)
    posts = list(page.object_list)
    groups = [(Post.Role(r).label, list(items)) for r, items in groupby(posts, key=lambda p: p.role)]
    if sort in ROSTER_SORTS:  # sorted across roles: one table
        groups = [(ROSTER_SORTS[sort][0], posts)] if posts else []
    ended = (
        Post.objects.filter(unit=unit, end_date__lte=on)
        .select_related("person")
        .order_by("-end_date", "person__name")[:30]
    )
    # The pager's links carry exactly the parameters this listing was rendered for (it is shared).
    params = QueryDict(mutable=True)
    params.update({k: v for k, v in {"on": on.isoformat(), "q": query, "role": role, "sort": sort}.items() if v})
    post_count = sum(by_role.values())
    context = {
        "unit": unit,
        "on": on,
        "groups": groups,
        "post_count": post_count,
        "page": page,
        "params": params,
        "shown_count": paginator.count,
        "role_counts": [(r, Post.Role(r).label, by_role[r]) for r in Post.RANK if r in by_role],
        "role": role if role in by_role else "",
        "q": query,
        "sort": sort if sort in ROSTER_SORTS else "",
        "sorts": [(key, label) for key, (label, _fields) in ROSTER_SORTS.items()],
        "ended": list(ended),
        "show_personal_data": show_personal_data,
        "can_edit": can_edit,
    }
    html = render_to_string("members/_roster_listing.html", context)
    return mark_safe(html), post_count  # noqa: S308 - our own template, rendered with autoescape


@login_required
def roster(request: HttpRequest, pk: int) -> HttpResponse:
    """Current posts of a unit on a date, grouped by role, with the quota and its 达标 badge."""
    user: Any = request.user  # signed in (login_required): our User
    unit = get_unit_for_user(user, pk)
    on, as_of_form = _as_of(request)
    role = request.GET.get("role", "")
    query = request.GET.get("q", "").strip()[:50]
    sort = request.GET.get("sort", "")
    show_personal_data = can_see_personal_data(user, unit)
    can_edit = user.can_edit and not unit.is_archived
    # The filter, the page of rows and the ended posts depend on the data and the request's parameters
    # only: rendered once per data version (issue 21: the page of 50 rows was most of the page's time).
    listing = (on.isoformat(), role, query, sort, request.GET.get("page", "")[:10], show_personal_data, can_edit)
    listing_html, post_count = freshness.cached(
        f"roster:{unit.pk}:{hashlib.sha256(repr(listing).encode()).hexdigest()}",
        lambda: _roster_listing(
            unit,
            on,
            role=role,
            query=query,
            sort=sort,
            page_number=listing[4],
            show_personal_data=show_personal_data,
            can_edit=can_edit,
        ),
    )
    # The unit's counts, quota and findings: kept per data version like the other figures (issue 21).
    assessment = freshness.cached(
        f"assess:{unit.pk}:{on.isoformat()}", lambda: rules.assess_unit(unit, on=on), in_memory=True
    )
    context = {
        "unit": unit,
        "breadcrumb": visible_breadcrumb(user, unit),
        "on": on,
        "today": timezone.localdate(),
        "cut_off": CUTOFF_2016,
        "as_of_form": as_of_form,
        "post_count": post_count,
        "listing_html": listing_html,
        "assessment": assessment,
        "finding_rows": [(f, _fix_link(user, f, on)) for f in assessment.findings],
        "show_personal_data": show_personal_data,
        "can_edit": can_edit,
    }
    return render(request, "members/roster.html", context)


@login_required
def person_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Register a new person and appoint her in this unit, in one step."""
    unit = get_unit_for_user(request.user, pk, write=True)
    data = request.POST if request.method == "POST" else None
    person_form = PersonForm(data, prefix="p")
    post_form = PostForm(data, prefix="j", unit=unit, initial=_carried_initial(request))
    if data is not None and person_form.is_valid() and post_form.is_valid():
        try:
            post = services.create_person_and_appoint(
                person_data=person_form.cleaned_data,
                unit=unit,
                post_data=_post_data(post_form.cleaned_data),
                actor=request.user,
            )
        except ValidationError as e:
            add_service_errors([person_form, post_form], e)
        else:
            messages.success(request, f"已登记{post.person.name}，任{unit.name}{post.get_role_display()}。")
            if request.POST.get("next") == "add":
                return redirect(f"{reverse('members:person_add', args=[unit.pk])}?{_carried(post_form)}")
            return redirect(_roster_url(unit))
    return render(
        request,
        "members/person_add.html",
        {
            "unit": unit,
            "person_form": person_form,
            "post_form": post_form,
            "breadcrumb": visible_breadcrumb(request.user, unit),
        },
    )


@login_required
def appoint_existing(request: HttpRequest, pk: int) -> HttpResponse:
    """Find someone already registered (name, zxm; an editor also by the whole ID number or phone) and give her a post here."""
    user: Any = request.user  # signed in (login_required): our User
    unit = get_unit_for_user(user, pk, write=True)
    person_pk = request.POST.get("person") or request.GET.get("person")
    context = {
        "unit": unit,
        "breadcrumb": visible_breadcrumb(user, unit),
        "show_personal_data": user.can_see_personal_data,
    }
    if not person_pk:
        search_form = PersonSearchForm(request.GET or None)
        results: list[Person] = []
        elsewhere = False
        if search_form.is_valid():
            results, elsewhere = search_people(user, search_form.cleaned_data["q"])
        context.update(
            search_form=search_form,
            results=results,
            elsewhere=elsewhere,
            carried=urlencode(_carried_initial(request)),
        )
        return render(request, "members/appoint_search.html", context)

    person = get_person_for_user(user, person_pk)
    data = request.POST if request.method == "POST" else None
    post_form = PostForm(data, prefix="j", unit=unit, initial=_carried_initial(request))
    post_form.fields["role"].widget.attrs["autofocus"] = True
    if data is not None and post_form.is_valid():
        post_data = _post_data(post_form.cleaned_data)
        try:
            post = services.appoint(
                person=person,
                unit=unit,
                role=post_data.pop("role"),
                start_date=post_data.pop("start_date"),
                actor=user,
                **post_data,
            )
        except ValidationError as e:
            add_service_errors([post_form], e)
        else:
            messages.success(request, f"已任命{person.name}为{unit.name}{post.get_role_display()}。")
            if request.POST.get("next") == "add":
                return redirect(f"{reverse('members:appoint_existing', args=[unit.pk])}?{_carried(post_form)}")
            return redirect(_roster_url(unit))
    held = (
        Post.objects.filter(person=person, unit__in=visible_units(user))
        .select_related("unit", "certificate")
        .order_by("-start_date")
    )
    context.update(person=person, post_form=post_form, held=held)
    return render(request, "members/appoint_form.html", context)


@login_required
def post_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a post: role, dates, mode, method, certificate, 两委."""
    post = get_post_for_user(request.user, pk, write=True)
    unit = post.unit
    data = request.POST if request.method == "POST" else None
    form = PostForm(data, prefix="j", unit=unit, instance=post, with_end=post.end_date is not None)
    if post.end_date is not None and data is None:
        form.initial.update(end_date=post.end_date, end_reason=post.end_reason)
    if data is not None and form.is_valid():
        try:
            services.update_post(post=post, data=_post_data(form.cleaned_data), actor=request.user)
        except ValidationError as e:
            add_service_errors([form], e)
        else:
            messages.success(request, f"{post.person.name}的任职信息已保存。")
            return redirect(_roster_url(unit))
    context = {
        "post": post,
        "unit": unit,
        "form": form,
        "breadcrumb": visible_breadcrumb(request.user, unit),
        "can_edit_person": may_edit_personal_data(request.user, post.person),
    }
    return render(request, "members/post_form.html", context)


@login_required
def post_end(request: HttpRequest, pk: int) -> HttpResponse:
    """End a post with a date and a reason; the post stays as history."""
    post = get_post_for_user(request.user, pk, write=True)
    unit = post.unit
    form = EndPostForm(request.POST or None, initial={"end_date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.end_post(
                post=post,
                end_date=form.cleaned_data["end_date"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except ValidationError as e:
            add_service_errors([form], e)
        else:
            messages.success(
                request,
                f"{post.person.name}已于 {form.cleaned_data['end_date']:%Y-%m-%d} 离任{post.get_role_display()}。",
            )
            return redirect(_roster_url(unit))
    context = {"post": post, "unit": unit, "form": form, "breadcrumb": visible_breadcrumb(request.user, unit)}
    return render(request, "members/post_end.html", context)


def _history(person: Person, posts: Iterable[Post], show_personal_data: bool) -> list[dict[str, Any]]:
    """Events of the person and of her posts the user may see, newest first, ready to print."""
    events = (
        AuditEvent.objects.filter(
            Q(object_type=Person._meta.label_lower, object_id=person.pk)
            | Q(object_type=Post._meta.label_lower, object_id__in=[p.pk for p in posts])
        )
        .select_related("actor")
        .order_by("-at", "-id")[:200]
    )
    posts_by_id = {p.pk: p for p in posts}
    rows = []
    for event in events:
        post_id = event.object_id if event.object_type == Post._meta.label_lower else None
        post = posts_by_id.get(post_id) if post_id is not None else None
        changes = [
            (label, "—" if old is None else old, new)
            for label, old, new in change_rows(event, show_personal_data=show_personal_data)
        ]
        label = event.action_label
        rows.append({"event": event, "label": label, "post": post, "changes": changes})
    return rows


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Every post she holds or held in the user's subtree, and the change history, masked per role."""
    user: Any = request.user  # signed in (login_required): our User
    person = get_person_for_user(user, pk)
    posts = list(
        Post.objects.filter(person=person, unit__in=visible_units(user))
        .select_related("unit")
        .order_by("end_date", "-start_date")
    )
    today = timezone.localdate()
    show = user.can_see_personal_data
    context = {
        "person": person,
        "current_posts": [p for p in posts if p.is_current_on(today) or p.start_date > today],
        "past_posts": [p for p in posts if p.end_date is not None and p.end_date <= today],
        "history": _history(person, posts, show),
        "show_personal_data": show,
        "can_edit": user.can_edit,
        "can_edit_person": may_edit_personal_data(user, person, on=today),
        "age": person.age_on(today),
    }
    return render(request, "members/person_detail.html", context)


@login_required
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a person's details; each change is recorded with old and new values."""
    user: Any = request.user  # signed in (login_required): our User
    person = get_person_for_user(user, pk)
    if not user.can_edit:
        raise PermissionDenied("您的账号只能查看，不能修改。")
    if not may_edit_personal_data(request.user, person):
        raise PermissionDenied(
            "她目前也在您管辖范围以外的单位任职，个人信息由其所在单位共同的上级维护，请联系其所在单位修改。"
        )
    form = PersonForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_person(person=person, data=form.cleaned_data, actor=request.user)
        except ValidationError as e:
            add_service_errors([form], e)
        else:
            messages.success(request, f"{form.cleaned_data['name']}的信息已保存。")
            return redirect(person)
    return render(request, "members/person_form.html", {"person": person, "form": form})


def _fix_link(
    user: Any, finding: rules.Finding, on: datetime.date, parent_roster_url: Callable[[int], str] | None = None
) -> tuple[str, str] | None:
    """(label, url) of where `user` fixes `finding`, or None when that place is out of her sight.

    Most fixes are in the unit's own roster. The cross-level rule is fixed by an appointment in the
    parent: an editor gets that link, a reviewer the parent's roster, and an account bound to the
    unit itself (the parent is outside her subtree) nothing.
    """
    if not finding.is_fixed_in_parent:
        return ("打开名册", finding.fix_url)
    if finding.unit.pk == user.unit_id:
        return None
    if user.can_edit:
        return ("在上级任命", finding.fix_url)
    url = (parent_roster_url or rules.url_maker("members:roster"))(finding.unit.parent_id)
    return ("查看上级名册", f"{url}?on={on:%Y-%m-%d}")


@login_required
@read_from_replica
def compliance(request: HttpRequest, pk: int) -> HttpResponse:
    """Every unit of the subtree that is not 达标 and every head missing from her parent's 执委会."""
    user: Any = request.user  # signed in (login_required): our User
    unit = get_unit_for_user(user, pk)
    on, as_of_form = _as_of(request)
    # The whole subtree's findings (70 ms of SQL for a city): judged once per data version (issue 21).
    review = freshness.cached(
        f"review:{unit.pk}:{unit.tree_id}:{unit.lft}:{unit.rght}:{on.isoformat()}",
        lambda: rules.review_subtree(unit, on=on),
        in_memory=True,
    )
    roster_url = rules.url_maker("members:roster")  # reverse() once, not once per finding
    severity = request.GET.get("severity", "")
    findings = (
        [f for f in review.findings if f.severity == severity] if severity in rules.SEVERITY_LABELS else review.findings
    )
    # A city lists about 1,500 findings: COMPLIANCE_PAGE at a time; the whole list is the Excel file.
    page = Paginator(findings, COMPLIANCE_PAGE).get_page(request.GET.get("page"))
    counts = dict.fromkeys(rules.SEVERITY_LABELS, 0)
    for finding in review.findings:
        counts[finding.severity] += 1
    filters = [("", "全部", len(review.findings))] + [
        (key, label, counts[key]) for key, label in rules.SEVERITY_LABELS.items()
    ]
    context = {
        "unit": unit,
        "breadcrumb": visible_breadcrumb(user, unit),
        "on": on,
        "on_param": on.isoformat(),  # formatted once, not once per finding
        "today": timezone.localdate(),
        "cut_off": CUTOFF_2016,
        "as_of_form": as_of_form,
        "findings": findings,
        "page": page,
        "finding_rows": [(f, _fix_link(user, f, on, roster_url)) for f in page.object_list],
        "filters": filters,
        "severity": severity,
        "blocks": review.blocks,
        "rules": review.rules,
    }
    return render(request, "members/compliance.html", context)


@login_required
@read_from_replica
def compliance_xlsx(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The compliance page as .xlsx: the findings (with each unit's path and code) and the 达标 counts."""
    unit = get_unit_for_user(request.user, pk)
    on, _form = _as_of(request)
    review = rules.review_subtree(unit, on=on)
    severity = request.GET.get("severity", "")
    findings = [f for f in review.findings if f.severity == severity or severity not in rules.SEVERITY_LABELS]
    paths = review.paths()  # the units' paths as they stood on the date, as the review judged them
    wb = Workbook()
    ws = wb.active
    ws.title = "问题清单"
    rows = []
    for number, f in enumerate(findings, start=1):
        path, code = paths.get(f.unit.pk, (f.unit.name, ""))
        rows.append([number, f.severity_label, path, code, f.unit.get_kind_display(), f.detail or f.message])
    write_simple_sheet(ws, ["序号", "程度", "组织", "组织代码", "类型", "问题"], rows, widths=[6, 8, 40, 15, 10, 60])
    summary = wb.create_sheet("达标情况")
    blocks = [[b.quota.label, b.units, b.compliant, b.failing, f"{b.quota.total_range} 人"] for b in review.blocks]
    write_simple_sheet(
        summary, ["类别", "组织数", "达标", "未达标", "配额（成员总数）"], blocks, widths=[24, 10, 10, 10, 18]
    )
    # The figures are only as good as the date and the rule set they were judged by (issue 10).
    summary.append([])
    summary.append([f"按{cn_date(on)}在任成员检查；达标{review.rules.label}。"])
    for sheet in (ws, summary):
        sheet.oddHeader.center.text = f"{unit.name} 成员构成检查（{cn_date(on)}）"
    filename = f"{unit.code}-{unit.name}-成员构成检查-{on:%Y%m%d}.xlsx"
    return FileResponse(workbook_bytes(wb), as_attachment=True, filename=filename)


@login_required
def rule_sets(request: HttpRequest) -> HttpResponse:
    """The rule sets the user's unit may use, newest first, with their figures; a form to define one."""
    from .models import QuotaRule, RuleSet

    user: Any = request.user  # signed in (login_required): our User
    unit = user.unit
    sets = list(RuleSet.objects.applicable_to(unit).select_related("unit").prefetch_related("quotas"))
    can_define = services.may_define_rule_sets(request.user)
    form = None
    if can_define:
        form = RuleSetForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                rule_set = services.define_rule_set(
                    actor=request.user,
                    name=form.cleaned_data["name"],
                    source=form.cleaned_data["source"],
                    effective_from=form.cleaned_data["effective_from"],
                    quotas=form.quotas(),
                )
            except ValidationError as e:
                add_service_errors(form, e)
            else:
                messages.success(request, f"已制定配额规则集“{rule_set.name}”。")
                return redirect("members:rule_sets")
    elif request.method == "POST":
        raise PermissionDenied("只有省、市（地）妇联管理员可以制定配额规则集。")
    today = timezone.localdate()
    current = rules.rules_in_effect(on=today, unit=unit)
    rows = [
        {
            "set": s,
            "in_effect": s.pk == current.id,
            "cells": [next((q for q in s.quotas.all() if q.block == b), None) for b in QuotaRule.Block.values],
        }
        for s in sets
    ]
    blocks = QuotaRule.Block.choices
    return render(
        request, "members/rule_sets.html", {"rows": rows, "blocks": blocks, "form": form, "can_define": can_define}
    )
