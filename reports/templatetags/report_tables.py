"""{% report_table snapshot drilldown=True %}: a 附表 snapshot as the official HTML table."""

from django import template
from django.utils.safestring import mark_safe

from reports.html import render_table

register = template.Library()


@register.simple_tag
def report_table(snapshot, drilldown=False, highlight=(), footer=None):
    # render_to_string already escaped every value; the fragment is safe as a whole.
    return mark_safe(render_table(snapshot, drilldown=drilldown, highlight=highlight, footer=footer))  # noqa: S308
