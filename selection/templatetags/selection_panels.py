"""Panels of the selection path that pages of the layers below show (the roster's look-ahead).

A members page loads this library by name, so members never imports selection.
"""

from django import template

from ..services import look_ahead as compute_look_ahead

register = template.Library()


@register.inclusion_tag("selection/_look_ahead.html")
def look_ahead(unit, on, tally):
    """The unit's tally if every vetted candidate were appointed; nothing when none is waiting."""
    ahead = compute_look_ahead(unit, on=on, now=tally)
    return {"ahead": ahead if ahead.pending else None}
