"""{% unit_dashboard unit %}: the reports dashboard panel on a unit's page."""

from django import template

from reports.dashboard import cached_unit_dashboard

register = template.Library()


@register.inclusion_tag("reports/_dashboard.html")
def unit_dashboard(unit):
    # The unit page has just fetched `unit` through orgtree.access: its bounds are current.
    # Cached until the data change (members.freshness): the page no longer counts the whole
    # subtree on every view.
    return {"unit": unit, "dash": cached_unit_dashboard(unit, fresh=True)}
