"""{% unit_dashboard unit as_of %}: the reports dashboard panel on a unit's page, counted on the page's date."""

import datetime

from django import template
from django.template import Context
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from fedorg import freshness
from orgtree.models import Unit
from reports.background import count_in_background
from reports.dashboard import cached_unit_dashboard

register = template.Library()


@register.simple_tag(takes_context=True)
def unit_dashboard(context: Context, unit: Unit, as_of: datetime.date | None = None) -> SafeString:
    """The panel as HTML, kept with its figures until the data change (fedorg.freshness): the unit page
    neither counts the whole subtree nor renders the charts again on every view (issue 21). The panel
    shows the unit's figures and links only, nothing of the viewer, so one rendering serves every viewer
    the access check has already let in.

    A province whose cities' figures are not kept, and would take more than two seconds to count here,
    shows the progress of the job counting them instead (reports.background.count_in_background)."""
    # The unit page has just fetched `unit` through orgtree.access: its bounds are current.
    as_of = as_of or timezone.localdate()
    key = f"dashboard-html:{unit.pk}:{unit.tree_id}:{unit.lft}:{unit.rght}:{unit.name}:{as_of.isoformat()}"
    request = context.get("request")
    if unit.tier == 0 and request is not None and not freshness.has(key):
        job = count_in_background(what="dashboard", unit=unit, as_of=as_of, requester=request.user)
        if job is not None:
            counting = {"unit": unit, "job": job, "what": "扩员情况"}
            return mark_safe(render_to_string("reports/_counting.html", counting, request=request))  # noqa: S308

    def render() -> str:
        dash = cached_unit_dashboard(unit, as_of=as_of, fresh=True)
        return render_to_string("reports/_dashboard.html", {"unit": unit, "as_of": as_of, "dash": dash})

    return mark_safe(freshness.cached(key, render))  # noqa: S308 - our own template, rendered with autoescape
