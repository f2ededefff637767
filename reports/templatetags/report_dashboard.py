"""{% unit_dashboard unit %}: the reports dashboard panel on a unit's page."""

from django import template

from reports.dashboard import unit_dashboard as compute_dashboard

register = template.Library()


@register.inclusion_tag("reports/_dashboard.html")
def unit_dashboard(unit):
    # The unit page has just fetched `unit` through orgtree.access: its bounds are current.
    return {"unit": unit, "dash": compute_dashboard(unit, fresh=True)}
