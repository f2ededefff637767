"""附表 snapshots over JSON: GET /api/reports/<form>/?unit=<pk>&as_of=YYYY-MM-DD."""

from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from fedorg.dates import DEFAULT_AS_OF
from orgtree.access import get_unit_for_user

from . import tables


class ReportTable(APIView):
    """The same snapshot the page and the Excel file render; unit defaults to the caller's own."""

    def get(self, request, form_no):
        if form_no not in tables.FORM_TITLES:
            raise NotFound("没有这张附表，只有附表1至附表5。")
        unit_pk = request.query_params.get("unit") or request.user.unit_id
        if unit_pk is None:
            raise ValidationError({"unit": "请用 unit 参数指定组织。"})
        unit = get_unit_for_user(request.user, unit_pk)
        try:
            as_of = tables.parse_date(request.query_params.get("as_of"), DEFAULT_AS_OF)
        except ValueError:
            raise ValidationError({"as_of": "截止时间格式应为 2016-08-31。"}) from None
        return Response(tables.compute(form_no, unit=unit, as_of=as_of, user=request.user))
