"""{% unit_dashboard unit as_of %}: the reports dashboard panel on a unit's page, counted on the page's date."""

import datetime
from typing import Any

from django import template
from django.utils import timezone

from orgtree.models import Unit
from reports.dashboard import cached_unit_dashboard

register = template.Library()


@register.inclusion_tag("reports/_dashboard.html")
def unit_dashboard(unit: Unit, as_of: datetime.date | None = None) -> dict[str, Any]:
    # The unit page has just fetched `unit` through orgtree.access: its bounds are current.
    # Cached until the data change (fedorg.freshness): the page no longer counts the whole
    # subtree on every view.
    as_of = as_of or timezone.localdate()
    return {"unit": unit, "as_of": as_of, "dash": cached_unit_dashboard(unit, as_of=as_of, fresh=True)}
