from django.apps import AppConfig


class OrgtreeConfig(AppConfig):
    name = "orgtree"
    verbose_name = "组织树"

    def ready(self):
        # Audit receivers for logins and failed logins (fedorg.security).
        from fedorg import security  # noqa: F401
