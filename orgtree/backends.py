"""The sign-in backend: Django's ModelBackend, with the user's unit read in the same statement.

Every page names the user's unit in its top bar and navigator (base.html: `user.unit.name`), and
the access rule starts from it: reading the unit with the user is one join instead of a second
statement on every request (issue 21).
"""

from typing import Any

from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from .models import User


class ModelBackend(DjangoModelBackend):
    def get_user(self, user_id: Any) -> Any:
        user = User._default_manager.select_related("unit").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
