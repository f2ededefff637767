from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render


@login_required
def home(request):
    """Each user starts at her own unit's page; an account without a unit is told why."""
    if request.user.unit_id:
        return redirect("orgtree:unit", pk=request.user.unit_id)
    if request.user.is_superuser:
        return redirect("orgtree:roots")
    return render(request, "no_unit.html", status=403)


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
