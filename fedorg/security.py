"""Login protection: the client address for the lockout, the Chinese lockout page, and the idle
clock of a new session. The audit records of logins, failed logins and password changes are
orgtree's (orgtree/login_audit.py): this helper imports no app."""

import time

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.shortcuts import render

from .middleware import REFRESH_KEY
from .ratelimit import client_ip  # noqa: F401 - AXES_CLIENT_IP_CALLABLE names it here
from .usernames import canonical_username

LOCKOUT_TEMPLATE = "registration/locked_out.html"


def lockout_username(request, credentials):
    """The username the lockout counts under: its canonical form (fedorg.usernames), the one logins
    compare, so every spelling that reaches an account shares that account's failures."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    return canonical_username(username)


def lockout_response(request, original_response=None, credentials=None):
    """django-axes calls this when a username+address pair is locked out: a Chinese page, status 429."""
    from django.conf import settings

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes}
    return render(request, LOCKOUT_TEMPLATE, context, status=429)


@receiver(user_logged_in, dispatch_uid="fedorg.start_idle_clock")
def start_idle_clock(sender, request, user, **kwargs):
    """A new session has its full idle time already; the middleware renews it from a minute on."""
    if request is not None and hasattr(request, "session"):
        request.session[REFRESH_KEY] = int(time.time())
