"""The unread-notification count shown in the top bar of every page."""

from collections.abc import Callable

from django.http import HttpRequest

from .models import Notification


def notifications(request: HttpRequest) -> dict[str, Callable[[], int]]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def unread() -> int:
        # Evaluated only when a template asks, so pages without the top bar pay nothing.
        return Notification.objects.unread().filter(user=user).count()

    return {"unread_notifications": unread}
