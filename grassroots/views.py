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
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from fedorg.forms import add_service_errors
from orgtree.access import get_unit_for_user, visible_breadcrumb
from orgtree.models import Unit

from . import services
from .access import get_for_user
from .forms import ActivityForm, OrganisationForm, TwoCommitteesForm, WomenHomeForm
from .models import FUNCTIONS, GRASSROOTS_KINDS, HOME_KINDS, STREET_KINDS, Organisation, TwoCommittees, WomenHome


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
