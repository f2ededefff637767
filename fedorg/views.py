from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from .security import audit_password_change


@login_required
def home(request):
    """Each user starts at her own unit's page; an account without a unit is told why."""
    if request.user.unit_id:
        return redirect("orgtree:unit", pk=request.user.unit_id)
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
    """The login page; on a development server it also lists the demo logins, so a newcomer
    who ran `make run` can click one instead of scrolling back through the terminal."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if settings.DEBUG:
            from fedorg.demo.tree import demo_logins

            context["demo_logins"] = demo_logins()
        return context
