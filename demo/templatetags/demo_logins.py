"""The demo logins on the login page of a development server (templates/registration/login.html).

The login page loads this library by name, so the project's wiring never imports the demo.
"""

from django import template
from django.conf import settings

from ..tree import demo_logins as all_demo_logins

register = template.Library()


@register.simple_tag
def demo_logins():
    """(username, password, role label, unit name) of every account on a DEBUG server; nothing in production."""
    return all_demo_logins() if settings.DEBUG else []
