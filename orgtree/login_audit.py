"""Audit records of logins, failed logins and password changes (issue 12).

Connected to Django's auth signals in OrgtreeConfig.ready(); the password change page calls
audit_password_change. The client address is fedorg.ratelimit.client_ip, the one the lockout reads.
"""

from fedorg.ratelimit import client_ip

from .models import AuditEvent, User


def audit_login(sender, request, user, **kwargs):
    ip = client_ip(request) if request is not None else ""
    AuditEvent.objects.record(actor=user, action="auth.login", unit=user.unit, obj=user, changes={"ip": ip})


def audit_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    ip = client_ip(request) if request is not None else ""
    user = User.objects.for_login_name(username)  # the canonical form logins compare (fedorg.usernames)
    AuditEvent.objects.record(
        actor=None,
        action="auth.login_failed",
        unit=user.unit if user is not None else None,
        obj=user,
        changes={"username": username, "ip": ip},
    )


def audit_password_change(request, user):
    AuditEvent.objects.record(
        actor=user, action="auth.password_change", unit=user.unit, obj=user, changes={"ip": client_ip(request)}
    )
