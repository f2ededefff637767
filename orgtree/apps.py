from django.apps import AppConfig


class OrgtreeConfig(AppConfig):
    name = "orgtree"
    verbose_name = "组织树"
