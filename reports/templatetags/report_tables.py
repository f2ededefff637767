"""{% report_table snapshot drilldown=True %}: a 附表 snapshot as the official HTML table."""

from collections.abc import Iterable, Mapping
from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from reports.html import render_table
from reports.snapshot import Snapshot

register = template.Library()


@register.simple_tag
def report_table(
    snapshot: Snapshot,
    drilldown: bool = False,
    highlight: Iterable[str] = (),
    footer: Mapping[str, Any] | None = None,
) -> SafeString:
    # render_to_string already escaped every value; the fragment is safe as a whole.
    return mark_safe(render_table(snapshot, drilldown=drilldown, highlight=highlight, footer=footer))  # noqa: S308
