from django.apps import AppConfig


class GrassrootsConfig(AppConfig):
    """The federation's grassroots registers (issue 24): 妇女之家, the village two committees, and the
    coverage of new-field organisations. reports, above this app, counts them in defined tables
    (reports/grassroots_sources.py); this app imports nothing of reports."""

    name = "grassroots"
    verbose_name = "基层阵地与覆盖"
