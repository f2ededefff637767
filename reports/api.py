"""附表 over JSON: GET /api/v1/reports/<form>/?unit=CODE&as_of=YYYY-MM-DD.

The same snapshot (header tree and rows, reports/tables.py) the page and the Excel file render.
"""

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fedorg.restapi import count_date_parameter, date_param, text_param
from orgtree.access import get_unit_by_code_for_user

from . import tables
from .schema import TABLE_EXAMPLE, TableSnapshotSerializer


@extend_schema(
    summary="统计报表（附表1–5）",
    description="表头树（panels[].header）与各行数据，与页面和 Excel 导出同出一源。",
    parameters=[
        OpenApiParameter("form_no", int, OpenApiParameter.PATH, enum=tables.FORMS, description="附表编号 1–5"),
        OpenApiParameter("unit", str, description="组织代码，默认本账号所属组织"),
        count_date_parameter("as_of", "统计截止日期，默认今天（与页面相同）"),
    ],
    responses={200: TableSnapshotSerializer},
    examples=[TABLE_EXAMPLE],
    tags=["统计报表"],
)
class ReportTable(APIView):
    def get(self, request: Request, form_no: int) -> Response:
        if form_no not in tables.FORM_TITLES:
            raise NotFound("没有这张附表，只有附表1至附表5。")
        user: Any = request.user  # our User: the API's default permission admits only signed-in users
        code = text_param(request, "unit")
        if code:
            unit = get_unit_by_code_for_user(user, code)
        elif user.unit is not None:
            unit = user.unit
        else:
            raise ValidationError({"unit": "请用 unit 参数指定组织代码。"})
        as_of = date_param(request, "as_of", timezone.localdate())
        return Response(tables.compute(form_no, unit=unit, as_of=as_of, user=user))
