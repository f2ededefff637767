from django.apps import AppConfig


class OrgtreeConfig(AppConfig):
    name = "orgtree"
    verbose_name = "组织树"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from .login_audit import audit_login, audit_login_failed

        # Audit records of logins and failed logins (orgtree/login_audit.py).
        user_logged_in.connect(audit_login, dispatch_uid="orgtree.audit_login")
        user_login_failed.connect(audit_login_failed, dispatch_uid="orgtree.audit_login_failed")
