from django.apps import AppConfig


class ReturnsConfig(AppConfig):
    name = "returns"
    verbose_name = "报送与审核"

    def ready(self):
        from orgtree.signals import seal_replaced

        from . import notifications, pdfs  # noqa: F401 - pdfs registers the "return_pdf" job kind

        def tell_reviewers(sender, **kwargs):
            notifications.seal_replaced(**kwargs)

        seal_replaced.connect(tell_reviewers, dispatch_uid="returns.tell_reviewers_seal_replaced")
