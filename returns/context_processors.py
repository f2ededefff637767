"""The unread-notification count shown in the top bar of every page."""

from .models import Notification


def notifications(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def unread():
        # Evaluated only when a template asks, so pages without the top bar pay nothing.
        return Notification.objects.unread().filter(user=user).count()

    return {"unread_notifications": unread}
