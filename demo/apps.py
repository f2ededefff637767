from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo city and province: seed_demo, demo_logins and their generators. No app imports it."""

    name = "demo"
    verbose_name = "演示数据"
