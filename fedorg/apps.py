from django.apps import AppConfig


class FedorgConfig(AppConfig):
    name = "fedorg"
    verbose_name = "FedOrg"

    def ready(self):
        # A new session's idle clock starts at login (fedorg.security); imports no app.
        from . import security  # noqa: F401
