from django.apps import AppConfig


class FedorgConfig(AppConfig):
    name = "fedorg"
    verbose_name = "FedOrg"

    def ready(self) -> None:
        # A new session's idle clock starts at login (fedorg.security); imports no app.
        from . import checks, security  # noqa: F401 - checks registers fedorg.E001 (static files collected)
