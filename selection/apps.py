from django.apps import AppConfig


class SelectionConfig(AppConfig):
    name = "selection"
    verbose_name = "人选与证书"

    def ready(self):
        from members.signals import roster_certificates_checking, roster_certificates_recording

        from . import certificates

        def check_typed(sender, *, entries, **kwargs):
            return certificates.typed_number_faults(entries)

        roster_certificates_checking.connect(check_typed, dispatch_uid="selection.check_typed_certificates")

        def record_typed(sender, *, entries, actor, **kwargs):
            return certificates.record_typed_numbers(entries, actor=actor)

        roster_certificates_recording.connect(record_typed, dispatch_uid="selection.record_typed_certificates")
