from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "统计报表"

    def ready(self) -> None:
        from . import (
            background,  # noqa: F401 - registers the background job kind
            grassroots_sources,
        )

        grassroots_sources.register()  # the grassroots registers as sources of defined tables (issue 24)
