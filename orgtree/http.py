"""The request a logged-in view receives.

django-stubs types `request.user` as AbstractBaseUser | AnonymousUser; behind @login_required it is
our User, with its unit and role. Views annotate their request with this class to say so; it is
never instantiated.
"""

from django.http import HttpRequest

from .models import User


class AuthenticatedHttpRequest(HttpRequest):
    user: User  # narrower than HttpRequest's: @login_required let only accounts in
