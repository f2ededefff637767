"""Login protection: the client address for the lockout, the Chinese lockout page, and audit
records of logins, failed logins and password changes."""

import time

from django.contrib.auth.signals import user_logged_in, user_login_failed
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


def _audit(**kwargs):
    from orgtree.models import AuditEvent

    return AuditEvent.objects.record(**kwargs)


@receiver(user_logged_in, dispatch_uid="fedorg.audit_login")
def audit_login(sender, request, user, **kwargs):
    ip = client_ip(request) if request is not None else ""
    if request is not None and hasattr(request, "session"):
        # A new session has its full idle time already; the middleware renews it from a minute on.
        request.session[REFRESH_KEY] = int(time.time())
    _audit(actor=user, action="auth.login", unit=user.unit, obj=user, changes={"ip": ip})


@receiver(user_login_failed, dispatch_uid="fedorg.audit_login_failed")
def audit_login_failed(sender, credentials, request=None, **kwargs):
    from orgtree.models import User

    username = str(credentials.get("username", ""))[:150]
    ip = client_ip(request) if request is not None else ""
    user = User.objects.for_login_name(username)
    _audit(
        actor=None,
        action="auth.login_failed",
        unit=user.unit if user is not None else None,
        obj=user,
        changes={"username": username, "ip": ip},
    )


def audit_password_change(request, user):
    _audit(actor=user, action="auth.password_change", unit=user.unit, obj=user, changes={"ip": client_ip(request)})
