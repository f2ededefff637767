"""{% unit_dashboard unit as_of %}: the reports dashboard panel on a unit's page, counted on the page's date."""

import datetime

from django import template
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from fedorg import freshness
from orgtree.models import Unit
from reports.dashboard import cached_unit_dashboard

register = template.Library()


@register.simple_tag
def unit_dashboard(unit: Unit, as_of: datetime.date | None = None) -> SafeString:
    """The panel as HTML, kept with its figures until the data change (fedorg.freshness): the unit page
    neither counts the whole subtree nor renders the charts again on every view (issue 21). The panel
    shows the unit's figures and links only, nothing of the viewer, so one rendering serves every viewer
    the access check has already let in."""
    # The unit page has just fetched `unit` through orgtree.access: its bounds are current.
    as_of = as_of or timezone.localdate()

    def render() -> str:
        dash = cached_unit_dashboard(unit, as_of=as_of, fresh=True)
        return render_to_string("reports/_dashboard.html", {"unit": unit, "as_of": as_of, "dash": dash})

    key = f"dashboard-html:{unit.pk}:{unit.tree_id}:{unit.lft}:{unit.rght}:{unit.name}:{as_of.isoformat()}"
    return mark_safe(freshness.cached(key, render))  # noqa: S308 - our own template, rendered with autoescape
