"""The compliance page's findings table, rendered in one pass.

The page lists every finding of the subtree: about 1,500 rows for the city. Through the
template engine those rows cost more than the page's SQL; written here with html.escape they
cost a few milliseconds (bench/bench_pages.py holds the page to 1.5x its own SQL).
Every value is escaped; the markup is the same as the template's loop was.
"""

from collections.abc import Iterable
from html import escape
from typing import TYPE_CHECKING

from django import template
from django.utils.safestring import SafeString, mark_safe

from orgtree.models import Unit

if TYPE_CHECKING:
    from ..rules import Finding

register = template.Library()

KIND_LABELS = {value: str(label) for value, label in Unit.Kind.choices}
ORG_FORM_LABELS = {value: str(label) for value, label in Unit.OrgForm.choices}


@register.simple_tag
def finding_rows(rows: Iterable[tuple["Finding", tuple[str, str] | None]], on_param: str) -> SafeString:
    """<tr> per (finding, fix link or None), as members.views.compliance hands them over."""
    on = escape(on_param)
    out = []
    for finding, fix in rows:
        unit = finding.unit
        parent = unit.parent.name if unit.parent is not None else "—"
        severity = escape(finding.severity)
        fix_cell = f'<a href="{escape(fix[1])}">{escape(fix[0])}</a>' if fix else "—"
        kind = KIND_LABELS.get(unit.kind, unit.kind)
        org_form = ORG_FORM_LABELS.get(unit.org_form, unit.org_form)
        out.append(
            f'<tr class="sev-{severity}">'
            f'<td><span class="badge {severity}">{escape(finding.severity_label)}</span></td>'
            f'<td><a href="{escape(finding.roster_url)}?on={on}">{escape(unit.name)}</a><br>'
            f'<small class="muted">{escape(kind)} · {escape(org_form)}</small></td>'
            f"<td>{escape(parent or '—')}</td>"
            f"<td>{escape(finding.detail or finding.message)}</td>"
            f'<td class="noprint nowrap">{fix_cell}</td></tr>'
        )
    return mark_safe("\n".join(out))  # noqa: S308 - every value above is escaped
