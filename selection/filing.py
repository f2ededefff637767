"""The 备案表 (选拔结果备案表) of a 妇女群众会议: who was selected, on paper, in Excel and as a PDF.

The plan (哈妇发〔2016〕8号 三（三）3): “选拔结果报同级党组织和上级妇联备案”. A personnel filing carries each
person's 性别, 出生年月, 民族, 政治面貌 and 文化程度 beside her post, how she serves and was chosen, and her
certificate; then the meeting, the dates it was filed with the party organisation and the parent
federation, 单位负责人, 填表人, 日期 and the unit's seal. The print view, the Excel and the PDF read the
same rows and lines from here.
"""

import base64
import datetime
import io
from collections.abc import Iterable
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.drawing.image import Image

from fedorg.dates import cn_date, year_month
from fedorg.pdf import html_to_pdf
from fedorg.xlsx import workbook_bytes, write_simple_sheet
from members.models import Post

from . import services
from .models import Filing, Meeting

HEADERS = [
    "序号",
    "姓名",
    "性别",
    "出生年月",
    "民族",
    "政治面貌",
    "文化程度",
    "妇联职务",
    "任职方式",
    "产生方式",
    "社工",
    "社会组织负责人",
    "任职时间",
    "证书编号",
]
WIDTHS = [5, 9, 5, 9, 7, 12, 14, 8, 7, 9, 5, 8, 11, 18]
SEAL_PX = 120


def rows(posts: Iterable[Post]) -> list[list[Any]]:
    out: list[list[Any]] = []
    for n, post in enumerate(posts, start=1):
        person = post.person
        out.append(
            [
                n,
                person.name,
                person.get_gender_display() if person.gender else "",
                year_month(person.birth_date),
                person.get_ethnicity_display() if person.ethnicity else "",
                person.get_political_status_display() if person.political_status else "",
                person.get_education_display() if person.education else "",
                post.get_role_display(),
                post.get_mode_display(),
                post.get_method_display(),
                # A yes/no column of an official form says 是 or 否: a blank reads as "not filled in".
                "是" if person.is_social_worker else "否",
                "是" if person.is_org_leader else "否",
                post.start_date.isoformat(),
                post.certificate_no,
            ]
        )
    return out


def _head_of(meeting: Meeting, on: datetime.date) -> str:
    """单位负责人: the unit's 主席 (主任) on the day, e.g. the one the meeting itself appointed."""
    head = (
        Post.objects.current(on=on)
        .filter(unit=meeting.unit, role__in=[Post.Role.CHAIR, Post.Role.DIRECTOR])
        .select_related("person")
        .order_by("start_date", "pk")
        .first()
    )
    return head.person.name if head else ""


def lines(meeting: Meeting, filing: Filing | None, *, printed_by: Any = None) -> dict[str, str]:
    """The heading, meeting, filing and signature lines: the same on paper, in Excel and in the PDF.

    日期 is the day the form went out (the earlier of its two filing dates); before it is filed, the day
    it is printed. 填表人 is who recorded the filing, or before that who prints the form."""
    unit = meeting.unit
    parent = unit.parent.federation_name if unit.parent else ""
    if filing:
        party = f"同级党组织：{filing.party_org}，{cn_date(filing.party_filed_on)}报备"
        upward = f"上级妇联：{parent}，{cn_date(filing.parent_filed_on)}报备"
        day = min(filing.party_filed_on, filing.parent_filed_on)
        filer = filing.recorded_by
    else:
        party = "同级党组织：＿＿＿＿＿＿，＿＿年＿＿月＿＿日报备"
        upward = f"上级妇联：{parent}，＿＿年＿＿月＿＿日报备"
        day = timezone.localdate()
        filer = printed_by
    return {
        "title": f"{unit.federation_name}组织成员选拔结果备案表",
        "meeting": f"妇女群众会议：{cn_date(meeting.held_on)}，{meeting.place}，参会 {meeting.attendance} 人。",
        "party": party,
        "parent": upward,
        "unit": f"填报单位（盖章）：{unit.federation_name}",
        "head": f"单位负责人：{_head_of(meeting, meeting.held_on) or '＿＿＿＿'}",
        "filer": f"填表人：{(str(filer) if filer else '') or '＿＿＿＿'}",
        "date": f"日期：{cn_date(day)}",
    }


def _context(meeting: Meeting, *, printed_by: Any) -> dict[str, Any]:
    return {
        "meeting": meeting,
        "headers": HEADERS,
        "rows": rows(services.meeting_posts(meeting)),
        "lines": lines(meeting, Filing.objects.filter(meeting=meeting).first(), printed_by=printed_by),
    }


def print_context(meeting: Meeting, *, printed_by: Any) -> dict[str, Any]:
    """The print view's rows and lines."""
    return _context(meeting, printed_by=printed_by)


def xlsx(meeting: Meeting, *, printed_by: Any) -> io.BytesIO:
    """The 备案表 as one landscape sheet, fitted to one page wide, with the unit's seal over its name."""
    context = _context(meeting, printed_by=printed_by)
    text = context["lines"]
    wb = Workbook()
    ws = wb.active
    ws.title = "备案表"
    write_simple_sheet(
        ws,
        HEADERS,
        context["rows"],
        WIDTHS,
        title=text["title"],
        above=[text["meeting"]],
        below=[
            f"报送：{text['party']}；{text['parent']}。",
            f"{text['unit']}　　　　{text['head']}　　{text['filer']}　　{text['date']}",
        ],
    )
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.row_dimensions[ws.max_row].height = SEAL_PX * 0.75 + 6  # room for the seal inside its own row
    seal = meeting.unit.seal_bytes()
    if seal:
        image = Image(io.BytesIO(seal))
        ratio = SEAL_PX / max(image.width, image.height)
        image.width, image.height = int(image.width * ratio), int(image.height * ratio)
        ws.add_image(image, f"C{ws.max_row}")  # over the unit's name on the 填报单位（盖章） line
    return workbook_bytes(wb)


def pdf(meeting: Meeting, *, printed_by: Any) -> bytes:
    """The 备案表 as an A4 landscape PDF in the serif, with the unit's seal over its name."""
    context = _context(meeting, printed_by=printed_by)
    seal = meeting.unit.seal_bytes()
    context["seal_uri"] = "data:image/png;base64," + base64.b64encode(seal).decode("ascii") if seal else ""
    return html_to_pdf(render_to_string("selection/filing_pdf.html", context), serif=True)
