"""The roster export (名册.xlsx): the template's columns plus 人员编号, 任职编号, 组织名称 and 组织层级.

Shared by the download button, the background export job and `manage.py export_roster`. Values
are written as the labels the importer accepts, so exporting and re-importing a file changes
nothing; 人员编号 lets the re-import match people exactly instead of duplicating them, and 任职编号
the post itself, so a corrected 任职时间 updates it rather than reading as a second post.

Written with XlsxWriter in constant_memory mode from one query read with .iterator(): each row
goes to disk as soon as the next one starts, strings are written inline (no shared-string table),
and no model instance is built, so memory stays flat from ten to half a million rows
(bench/bench_export.py measures time and peak memory against the same query written bare).
"""

import datetime
import io
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from typing import IO, Any

import xlsxwriter
from django.db import connection
from django.db.models import Case, F, IntegerField, OuterRef, QuerySet, Subquery, Value, When
from django.utils import timezone

from fedorg.dates import year_month
from fedorg.masking import mask_id_number, mask_mobile
from fedorg.xlsx import safe_text
from orgtree.access import can_see_personal_data
from orgtree.models import AuditEvent, Unit, UnitVersion
from orgtree.versions import subtree_ids_on

from ..models import Post
from .columns import CODE_LISTS, COLUMNS, EXPORT_EXTRA, PERSON_ID, POST_ID

EXPORT_COLUMNS = [PERSON_ID, POST_ID, COLUMNS[0], *EXPORT_EXTRA, *COLUMNS[1:]]
TIER_LABELS = {0: "省级", 1: "市（地）级", 2: "区、县（市）级", 3: "乡镇（街道）级", 4: "村（社区）级"}
SHEET = "名册"
PROGRESS_EVERY = 1000

# The columns the one query reads, in this order (roster_values unpacks them by name).
FIELDS = (
    "person_id",
    "id",
    "at_code",  # the unit as it stood on the export's date (roster_posts)
    "at_name",
    "at_kind",
    "at_level",
    "person__name",
    "person__gender",
    "person__ethnicity",
    "person__birth_date",
    "person__id_number",
    "person__political_status",
    "person__education",
    "person__workplace_title",
    "person__mobile",
    "person__source",
    "person__is_women_worker",
    "person__is_frontline",
    "role",
    "mode",
    "method",
    "start_date",
    "end_date",
    "certificate__number",
    "two_committees",
    "note",
)


def roster_posts(unit: Unit, *, as_of: datetime.date, history: bool = False) -> QuerySet[Post]:
    """The posts of the whole subtree on `as_of` (with --history, also those ended by then).

    Ordered as the roster reads: units in tree order, then highest post first. Each post stands under
    its unit as it was on `as_of` (`at_code`, `at_name`, `at_kind`, `at_level`): for a past date the
    subtree is the one of that day (orgtree.versions) and the unit's code and name those of its version
    then, so a unit moved, recoded or merged since is where a table of that day counted it; the rows then
    follow the codes of that day. For today both are today's tree.
    """
    rank = Case(
        *(When(role=role, then=Value(n)) for role, n in Post.RANK.items()),
        default=Value(99),
        output_field=IntegerField(),
    )
    if as_of >= timezone.localdate():
        posts = Post.objects.filter(unit__in=Unit.objects.subtree_of(unit)).annotate(
            at_code=F("unit__code"), at_name=F("unit__name"), at_kind=F("unit__kind"), at_level=F("unit__level")
        )
        order: tuple[str, ...] = ("unit__tree_id", "unit__lft")
    else:
        then = UnitVersion.objects.valid_on(as_of).filter(unit_id=OuterRef("unit_id"))
        posts = Post.objects.filter(unit_id__in=subtree_ids_on(unit.pk, as_of)).annotate(
            at_code=Subquery(then.values("code")[:1]),
            at_name=Subquery(then.values("name")[:1]),
            at_kind=Subquery(then.values("kind")[:1]),
            at_level=Subquery(then.values("level")[:1]),
        )
        order = ("at_code",)
    posts = posts.filter(start_date__lte=as_of) if history else posts.current(on=as_of)
    return posts.annotate(rank_order=rank).order_by(*order, "rank_order", "start_date", "person__name", "pk")


def roster_rows(unit: Unit, *, as_of: datetime.date, history: bool = False) -> QuerySet[Post, tuple[Any, ...]]:
    """The export's query: one row of FIELDS per post, no model instances."""
    return roster_posts(unit, as_of=as_of, history=history).values_list(*FIELDS)


@cache
def _label_maps() -> dict[str, dict[str, str]]:
    """{column key: {code: label}} for every coded column, built once per process."""
    return {key: {code: str(label) for code, label in choices} for key, choices in CODE_LISTS.items()}


@cache
def _tier_label(kind: str, level: int) -> str:
    unit = Unit(kind=kind, level=level)
    tier = unit.tier
    return TIER_LABELS.get(tier, unit.level_text) if tier is not None else unit.level_text


def _flag(value: object) -> str:
    return "是" if value else "否"


def roster_values(row: tuple[Any, ...], *, show_personal_data: bool) -> dict[str, Any]:
    """One row of the export's query as {column key: value} (the labels the importer reads)."""
    (
        person_id,
        post_id,
        unit_code,
        unit_name,
        unit_kind,
        unit_level,
        name,
        gender,
        ethnicity,
        birth_date,
        id_number,
        political_status,
        education,
        workplace_title,
        mobile,
        source,
        is_women_worker,
        is_frontline,
        role,
        mode,
        method,
        start_date,
        end_date,
        certificate_no,
        two_committees,
        note,
    ) = row
    labels = _label_maps()
    id_number = id_number or ""
    mobile = mobile or ""
    if not show_personal_data:
        id_number, mobile = mask_id_number(id_number), mask_mobile(mobile)
    return {
        "person_id": person_id,
        "post_id": post_id,
        "unit_code": unit_code,
        "unit_name": unit_name,
        "unit_tier": _tier_label(unit_kind, unit_level),
        "name": name,
        "gender": labels["gender"].get(gender, gender),
        "ethnicity": labels["ethnicity"].get(ethnicity, ethnicity),
        "birth_date": year_month(birth_date),
        "id_number": id_number,
        "political_status": labels["political_status"].get(political_status, political_status),
        "education": labels["education"].get(education, education),
        "workplace_title": workplace_title,
        "mobile": mobile,
        "source": labels["source"].get(source, source),
        "is_women_worker": _flag(is_women_worker),
        "is_frontline": _flag(is_frontline),
        "role": labels["role"].get(role, role),
        "mode": labels["mode"].get(mode, mode),
        "method": labels["method"].get(method, method),
        "start_date": start_date.isoformat(),
        "end_date": end_date.isoformat() if end_date else "",
        "certificate_no": certificate_no or "",
        "two_committees": labels["two_committees"].get(two_committees, two_committees) if two_committees else "",
        "note": note,
    }


def roster_row(row: tuple[Any, ...], *, show_personal_data: bool) -> list[Any]:
    """One row of the export's query as the export's cells, in EXPORT_COLUMNS order."""
    values = roster_values(row, show_personal_data=show_personal_data)
    return [safe_text(values[c.key]) for c in EXPORT_COLUMNS]


def start_sheet(workbook: xlsxwriter.Workbook) -> Any:
    """The 名册 sheet with widths, the bold header row, frozen panes and a filter on the header."""
    ws = workbook.add_worksheet(SHEET)
    header = workbook.add_format(
        {
            "bold": True,
            "font_name": "宋体",
            "font_size": 11,
            "bg_color": "#EDEDED",
            "border": 1,
            "align": "center",
            "valign": "vcenter",
            "text_wrap": True,
        }
    )
    for index, column in enumerate(EXPORT_COLUMNS):
        ws.set_column(index, index, column.width)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, 0, len(EXPORT_COLUMNS) - 1)
    for index, column in enumerate(EXPORT_COLUMNS):
        ws.write_string(0, index, column.header, header)
    return ws


def write_cells(ws: Any, row_number: int, cells: Iterable[Any]) -> None:
    """One row, each cell by its type: text, a number, or nothing for an empty value."""
    for col, value in enumerate(cells):
        if value is None or value == "":
            continue
        if isinstance(value, str):
            ws.write_string(row_number, col, value)
        else:
            ws.write_number(row_number, col, value)


def stream_rows(
    posts: QuerySet[Post], *, chunk_size: int = 2000, by_chunks: bool | None = None
) -> Iterator[tuple[Any, ...]]:
    """The export's rows of `posts`, in order, without holding a read open on SQLite.

    PostgreSQL streams one cursor. On SQLite an open cursor keeps its read lock while a background
    export writes its progress, and a page view's write transaction then makes that write fail at
    once ("database is locked": the job died whenever someone watched it). There the ordered post
    ids are read first (a few MB for a province), and each chunk of rows is read in full.
    """
    if by_chunks is None:
        by_chunks = connection.vendor == "sqlite"
    if not by_chunks:
        yield from posts.values_list(*FIELDS).iterator(chunk_size=chunk_size)
        return
    ids = list(posts.values_list("pk", flat=True))
    for start in range(0, len(ids), chunk_size):
        yield from list(posts.filter(pk__in=ids[start : start + chunk_size]).values_list(*FIELDS))


def export_roster(
    *,
    unit: Unit,
    actor: Any,
    as_of: datetime.date | None = None,
    history: bool = False,
    out: str | IO[bytes] | None = None,
    progress: Callable[[int, int], object] | None = None,
) -> str | IO[bytes]:
    """Write the roster of `unit`'s subtree to `out` (a path or binary stream); returns `out`.

    `actor` None is the command line (a system user, full personal data); otherwise ID numbers
    and mobiles are masked unless the actor may see the unit's personal data. `progress`, when
    given, is called as progress(rows done, rows in all) every PROGRESS_EVERY rows (a background
    job passes one; it may raise to stop the export).
    """
    as_of = as_of or timezone.localdate()
    show = actor is None or can_see_personal_data(actor, unit)
    posts = roster_posts(unit, as_of=as_of, history=history)
    total = 0
    if progress is not None:
        total = posts.count()
        progress(0, total)
    target: str | IO[bytes] = io.BytesIO() if out is None else out
    workbook = xlsxwriter.Workbook(target, {"constant_memory": True})
    try:
        ws = start_sheet(workbook)
        done = 0
        for done, row in enumerate(stream_rows(posts), start=1):
            write_cells(ws, done, roster_row(row, show_personal_data=show))
            if progress is not None and done % PROGRESS_EVERY == 0:
                progress(done, total)
    finally:
        workbook.close()
    if progress is not None:
        progress(done, total)
    if hasattr(target, "seek"):
        target.seek(0)
    return target


def export_roster_for_download(
    *, unit: Unit, actor: Any, as_of: datetime.date, history: bool, filename: str
) -> io.BytesIO:
    """The roster file a user downloads from the page (export_roster); when it carries full ID numbers
    and mobiles, one audit event records who took them, and which file."""
    stream = io.BytesIO()
    export_roster(unit=unit, actor=actor, as_of=as_of, history=history, out=stream)
    if actor.can_see_personal_data:  # the caller fetched the unit through the access rule: it is in her subtree
        AuditEvent.objects.record(
            actor=actor,
            action="roster.export_unmasked",
            unit=unit,
            obj=unit,
            changes={"as_of": as_of.isoformat(), "history": history, "filename": filename},
        )
    return stream
