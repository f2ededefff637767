from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from members.search import search_people
from orgtree.login_audit import audit_password_change
from orgtree.search import pick_units
from orgtree.views import unit_detail

SUGGEST_LIMIT = 8


@login_required
def home(request):
    """Each user starts at her own unit's page, shown here rather than redirected to (one request, not two:
    issue 21); an account without a unit is told why."""
    if request.user.unit_id:
        return unit_detail(request, pk=request.user.unit_id)
    if request.user.is_superuser:
        return redirect("orgtree:roots")
    return render(request, "no_unit.html", status=403)


class PasswordChangeView(auth_views.PasswordChangeView):
    """The user's own password change; it is audited (who, when, from where), never the password."""

    success_url = "/"

    def form_valid(self, form):
        response = super().form_valid(form)
        audit_password_change(self.request, form.user)
        messages.success(self.request, "密码已修改。")
        return response


class LoginView(auth_views.LoginView):
    """The login page; on a development server it also lists the demo logins (the demo app's
    template tag), so a newcomer who ran `make run` can click one instead of scrolling back through
    the terminal."""

    redirect_authenticated_user = True


def _people(user, q, limit):
    """People of the user's subtree matching `q`, each with where she serves (no personal data)."""
    people, _elsewhere = search_people(user, q, limit=limit)
    rows = []
    for person in people:
        posts = person.visible_posts
        current = [p for p in posts if p.end_date is None] or posts
        where = "、".join(f"{p.unit.name}{p.get_role_display()}" for p in current[:2])
        rows.append({"name": person.name, "where": where, "url": reverse("members:person", args=[person.pk])})
    return rows


@login_required
def search(request):
    """The header's search box: units and people of the user's subtree, by name, code, pinyin
    initials (and for people, to an editor, the whole ID number or phone), each linking to its page."""
    q = request.GET.get("q", "").replace("\x00", "").strip()[:50]  # PostgreSQL refuses NUL in a literal
    units = pick_units(request.user, q, limit=50) if q else []
    people = _people(request.user, q, 50) if q else []
    if q and len(units) + len(people) == 1:
        return redirect((units or people)[0]["url"])
    return render(request, "search.html", {"q": q, "units": units, "people": people})


@login_required
def search_suggest(request):
    """JSON for the header box as you type (static/fedorg/picker.js): a few units, then a few people."""
    q = request.GET.get("q", "").replace("\x00", "").strip()[:50]  # PostgreSQL refuses NUL in a literal
    if not q:
        return JsonResponse({"results": []})
    units = [{**u, "group": "组织"} for u in pick_units(request.user, q, limit=SUGGEST_LIMIT)]
    people = [
        {**p, "group": "人员", "label": p["name"], "detail": p["where"]}
        for p in _people(request.user, q, SUGGEST_LIMIT)
    ]
    return JsonResponse({"results": units + people})
