"""A unit's congresses (换届) over JSON: /api/v1/units/<code>/congresses/ (list, create) and
/api/v1/units/<code>/congresses/<number>/ (read, correct), a 届 named by its 届次.

The unit is fetched through orgtree.access (404 outside the caller's subtree, 403 on a write for a role that
may only read); writes go through orgtree.congresses, the same services as the pages and the import. A
repeated create of the same 届 with the same values answers 200 with the row already there, not a second row.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fedorg.restapi import StrictCharField, StrictModelSerializer

from . import congresses
from .access import get_unit_by_code_for_user
from .models import Congress, Unit

TAGS = ["换届"]


def _count(help_text: str, *, read_only: bool = False) -> serializers.IntegerField:
    # Bounds declared: a model's PositiveSmallIntegerField gets them from the database backend, and the
    # schema must be the same on SQLite and PostgreSQL (docs/openapi.yaml).
    if read_only:
        return serializers.IntegerField(read_only=True, help_text=help_text)
    return serializers.IntegerField(
        min_value=0, max_value=congresses.MAX_COUNT, required=False, allow_null=True, help_text=help_text
    )


class CongressSerializer(StrictModelSerializer[Congress]):
    unit = StrictCharField(source="unit.code", read_only=True, help_text="组织代码")
    unit_name = StrictCharField(source="unit.name", read_only=True)
    number = serializers.IntegerField(read_only=True, help_text="届次")
    term_years = serializers.IntegerField(read_only=True, help_text="任期（年）")
    delegates_total = serializers.IntegerField(read_only=True, allow_null=True, help_text="代表总数")
    delegates_women_workers = serializers.IntegerField(read_only=True, allow_null=True, help_text="其中专职妇女工作者")
    delegates_frontline = serializers.IntegerField(read_only=True, allow_null=True, help_text="其中基层一线")
    delegates_party = serializers.IntegerField(read_only=True, allow_null=True, help_text="其中中共党员")
    delegates_minority = serializers.IntegerField(read_only=True, allow_null=True, help_text="其中少数民族")
    delegates_young = serializers.IntegerField(read_only=True, allow_null=True, help_text="其中35岁及以下")
    executives_elected = serializers.IntegerField(read_only=True, allow_null=True, help_text="当选执委（委员）人数")
    standing_elected = serializers.IntegerField(read_only=True, allow_null=True, help_text="当选常委人数")
    vice_chairs_elected = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="当选副主席（副主任）人数"
    )
    timing_label = StrictCharField(source="get_timing_display", read_only=True, help_text="按期、提前或延期换届")
    posts_linked = serializers.IntegerField(read_only=True, help_text="登记为本届选举产生的任职数（任职的“届次”）")

    class Meta:
        model = Congress
        # The fields a clerk enters are the service's own list (congresses.FIELDS), not a copy of it.
        fields = ["id", "unit", "unit_name", *congresses.FIELDS, "timing", "timing_label", "posts_linked", "updated_at"]


class CongressWriteSerializer(serializers.Serializer):
    """What a client writes; the services check it as on the pages."""

    number = serializers.IntegerField(min_value=1, max_value=congresses.MAX_NUMBER, help_text="届次")
    held_on = serializers.DateField(help_text="召开时间")
    term_years = serializers.IntegerField(
        min_value=1, max_value=congresses.MAX_TERM_YEARS, required=False, help_text="任期（年），默认 5"
    )
    expires_on = serializers.DateField(required=False, allow_null=True, help_text="届满时间；不填按任期推算")
    next_planned_on = serializers.DateField(required=False, allow_null=True, help_text="计划换届时间")
    delegates_total = _count("代表总数")
    delegates_women_workers = _count("其中专职妇女工作者")
    delegates_frontline = _count("其中基层一线")
    delegates_party = _count("其中中共党员")
    delegates_minority = _count("其中少数民族")
    delegates_young = _count("其中35岁及以下")
    executives_elected = _count("当选执委（委员）人数")
    standing_elected = _count("当选常委人数（妇代会不设常委）")
    vice_chairs_elected = _count("当选副主席（副主任）人数")
    chair_name = StrictCharField(max_length=50, required=False, allow_blank=True, help_text="当选主席（主任）")
    timing_reason = StrictCharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text=f"比上届届满时间提前或推迟超过 {congresses.TIMING_TOLERANCE_MONTHS} 个月召开时必填",
    )
    note = StrictCharField(max_length=200, required=False, allow_blank=True)


class CongressUpdateSerializer(CongressWriteSerializer):
    number = serializers.IntegerField(
        min_value=1, max_value=congresses.MAX_NUMBER, required=False, help_text="届次（更正时）"
    )
    held_on = serializers.DateField(required=False, help_text="召开时间")


def _with_posts(rows: QuerySet[Congress]) -> QuerySet[Congress]:
    return rows.select_related("unit").annotate(posts_linked=Count("posts", filter=Q(posts__isnull=False)))


def _data(request: Request, serializer_class: type[serializers.Serializer], *, partial: bool = False) -> dict[str, Any]:
    serializer = serializer_class(data=request.data, context={"request": request}, partial=partial)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _answer(congress: Congress, code: int) -> Response:
    return Response(CongressSerializer(_with_posts(Congress.objects.filter(pk=congress.pk)).get()).data, status=code)


@extend_schema_view(
    get=extend_schema(summary="换届记录（本组织）", tags=TAGS),
    post=extend_schema(
        summary="记录一次换届",
        description="同一届次以相同内容重复提交时返回 200 和已有记录，不重复写入；内容不同则 400，请改用 PATCH 更正。",
        request=CongressWriteSerializer,
        responses={201: CongressSerializer, 200: CongressSerializer},
        tags=TAGS,
    ),
)
class CongressList(generics.ListAPIView):
    serializer_class = CongressSerializer
    unit: Unit

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.unit = get_unit_by_code_for_user(request.user, kwargs["code"], write=request.method == "POST")

    def get_queryset(self) -> QuerySet[Congress]:
        return _with_posts(congresses.congresses_of(self.unit))

    def post(self, request: Request, code: str) -> Response:
        data = _data(request, CongressWriteSerializer)
        congress, created = congresses.record_congress(unit=self.unit, data=data, actor=request.user)
        return _answer(congress, status.HTTP_201_CREATED if created else status.HTTP_200_OK)


@extend_schema_view(
    get=extend_schema(summary="一届换届记录", responses=CongressSerializer, tags=TAGS),
    patch=extend_schema(
        summary="更正换届记录", request=CongressUpdateSerializer, responses=CongressSerializer, tags=TAGS
    ),
)
class CongressDetail(APIView):
    def _congress(self, request: Request, code: str, number: int, *, write: bool = False) -> Congress:
        unit = get_unit_by_code_for_user(request.user, code, write=write)
        in_range = 1 <= number <= congresses.MAX_NUMBER  # a 届次 past the column's range is no 届, not a 500
        congress = Congress.objects.filter(unit=unit, number=number).first() if in_range else None
        if congress is None:
            raise Http404("该届换届记录不存在。")
        return congress

    def get(self, request: Request, code: str, number: int) -> Response:
        return _answer(self._congress(request, code, number), status.HTTP_200_OK)

    def patch(self, request: Request, code: str, number: int) -> Response:
        congress = self._congress(request, code, number, write=True)
        data = _data(request, CongressUpdateSerializer, partial=True)
        return _answer(congresses.update_congress(congress=congress, data=data, actor=request.user), 200)
