"""Panels of the selection path that pages of the layers below show (the roster's look-ahead).

A members page loads this library by name, so members never imports selection.
"""

import datetime
from typing import Any

from django import template

from members.rules import Tally
from orgtree.models import Unit

from ..services import look_ahead as compute_look_ahead

register = template.Library()


@register.inclusion_tag("selection/_look_ahead.html")
def look_ahead(unit: Unit, on: datetime.date, tally: Tally | None) -> dict[str, Any]:
    """The unit's tally if every vetted candidate were appointed; nothing when none is waiting."""
    ahead = compute_look_ahead(unit, on=on, now=tally)
    return {"ahead": ahead if ahead.pending else None}
