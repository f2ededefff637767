"""The roster export (名册.xlsx): the template's columns plus 人员编号, 任职编号, 组织名称 and 组织层级.

Shared by the download button and `manage.py export_roster`. Values are written as the labels
the importer accepts, so exporting and re-importing a file changes nothing; 人员编号 lets the
re-import match people exactly instead of duplicating them, and 任职编号 the post itself, so a
corrected 任职时间 updates it rather than reading as a second post.
"""

import io

from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

from fedorg.dates import year_month
from fedorg.masking import mask_id_number, mask_mobile
from fedorg.xlsx import BORDER, CENTER, HEADER_FILL, HEADER_FONT, safe_text
from orgtree.access import can_see_personal_data
from orgtree.models import Unit

from ..models import Post
from .columns import COLUMNS, EXPORT_EXTRA, PERSON_ID, POST_ID, code_label

EXPORT_COLUMNS = [PERSON_ID, POST_ID, COLUMNS[0], *EXPORT_EXTRA, *COLUMNS[1:]]
TIER_LABELS = {0: "省级", 1: "市（地）级", 2: "区、县（市）级", 3: "乡镇（街道）级", 4: "村（社区）级"}


def roster_posts(unit, *, as_of, history=False):
    """The posts of the whole subtree on `as_of` (with --history, also those ended by then).

    Ordered as the roster reads: units in tree order, then highest post first.
    """
    rank = Case(
        *(When(role=role, then=Value(n)) for role, n in Post.RANK.items()),
        default=Value(99),
        output_field=IntegerField(),
    )
    posts = Post.objects.filter(unit__in=Unit.objects.subtree_of(unit))
    posts = posts.filter(start_date__lte=as_of) if history else posts.current(on=as_of)
    return (
        posts.select_related("person", "unit", "certificate")
        .annotate(rank_order=rank)
        .order_by("unit__tree_id", "unit__lft", "rank_order", "start_date", "person__name", "pk")
    )


def _flag(value):
    return "是" if value else "否"


def roster_row(post, *, show_personal_data):
    """One post as the export's cells, in EXPORT_COLUMNS order."""
    person, unit = post.person, post.unit
    id_number = person.id_number or ""
    mobile = person.mobile or ""
    if not show_personal_data:
        id_number, mobile = mask_id_number(id_number), mask_mobile(mobile)
    values = {
        "person_id": person.pk,
        "post_id": post.pk,
        "unit_code": unit.code,
        "unit_name": unit.name,
        "unit_tier": TIER_LABELS.get(unit.tier, unit.level_text),
        "name": person.name,
        "gender": person.get_gender_display(),
        "ethnicity": code_label("ethnicity", person.ethnicity),
        "birth_date": year_month(person.birth_date),
        "id_number": id_number,
        "political_status": code_label("political_status", person.political_status),
        "education": code_label("education", person.education),
        "workplace_title": person.workplace_title,
        "mobile": mobile,
        "source": code_label("source", person.source),
        "is_women_worker": _flag(person.is_women_worker),
        "is_frontline": _flag(person.is_frontline),
        "role": post.get_role_display(),
        "mode": post.get_mode_display(),
        "method": post.get_method_display(),
        "start_date": post.start_date.isoformat(),
        "end_date": post.end_date.isoformat() if post.end_date else "",
        "certificate_no": post.certificate_no,
        "two_committees": post.get_two_committees_display() if post.two_committees else "",
        "note": post.note,
    }
    return [safe_text(values[c.key]) for c in EXPORT_COLUMNS]


def export_roster(*, unit, actor, as_of=None, history=False, out=None):
    """Write the roster of `unit`'s subtree to `out` (a path or binary stream); returns `out`.

    `actor` None is the command line (a system user, full personal data); otherwise ID numbers
    and mobiles are masked unless the actor may see the unit's personal data. Write-only mode
    and a chunked query keep memory flat for city-sized exports.
    """
    as_of = as_of or timezone.localdate()
    show = actor is None or can_see_personal_data(actor, unit)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("名册")
    for index, column in enumerate(EXPORT_COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
    ws.freeze_panes = "A2"
    header = []
    for column in EXPORT_COLUMNS:
        cell = WriteOnlyCell(ws, value=column.header)
        cell.font, cell.fill, cell.border, cell.alignment = HEADER_FONT, HEADER_FILL, BORDER, CENTER
        header.append(cell)
    ws.append(header)
    for post in roster_posts(unit, as_of=as_of, history=history).iterator(chunk_size=2000):
        ws.append(roster_row(post, show_personal_data=show))
    ws.auto_filter.ref = f"A1:{get_column_letter(len(EXPORT_COLUMNS))}1"
    if out is None:
        out = io.BytesIO()
    wb.save(out)
    if hasattr(out, "seek"):
        out.seek(0)
    return out
