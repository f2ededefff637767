from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.apps import AppConfig

if TYPE_CHECKING:  # models cannot be imported before the apps are ready
    from members.models import Post


class SelectionConfig(AppConfig):
    name = "selection"
    verbose_name = "人选与证书"

    def ready(self) -> None:
        from members.signals import roster_certificates_checking, roster_certificates_recording

        from . import certificates

        def check_typed(sender: Any, *, entries: Sequence[tuple[Post | None, str]], **kwargs: Any) -> dict[int, str]:
            return certificates.typed_number_faults(entries)

        roster_certificates_checking.connect(check_typed, dispatch_uid="selection.check_typed_certificates")

        def record_typed(
            sender: Any, *, entries: Sequence[tuple[Post, str]], actor: Any, **kwargs: Any
        ) -> list[tuple[Post, dict[str, list[str | None]]]]:
            return certificates.record_typed_numbers(entries, actor=actor)

        roster_certificates_recording.connect(record_typed, dispatch_uid="selection.record_typed_certificates")
