"""Campaigns, returns, review and verification over JSON (/api/v1/campaigns/, /returns/, /verify/).

Reads fetch through returns.access (404 outside the caller's subtree) and show the frozen snapshot,
never live data. Transitions go through returns.services with compare-and-set: the client sends
the `version` it saw and gets 409 if the return moved since.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from fedorg.restapi import (
    StrictCharField,
    StrictModelSerializer,
    choice_param,
    datetime_param,
    datetime_parameter,
    error_body,
    int_param,
    int_parameter,
    text_param,
)
from orgtree.access import get_unit_by_code_for_user, visible_units
from orgtree.models import Unit
from reports.schema import TABLE_EXAMPLE_VALUE, FrozenSnapshotSerializer

from . import pdfs, services
from .access import get_campaign_for_user, get_campaign_form_for_user, get_return_for_user, may_see_return_contacts
from .exports import mask_snapshot
from .models import Campaign, CampaignForm, CampaignQuerySet, Return, ReturnSnapshot

FORM_HELP = "报表编号：1–5（附表1–5）、pilot（示范点情况报告）、experience（经验材料），或自定义统计表的代号"


def _form_param(request: Request) -> str | None:
    """?form=: one of the built-in forms, or the key of a table defined as data that some campaign asks for."""
    value = request.query_params.get("form", "")
    if 0 < len(value) <= 40 and CampaignForm.objects.filter(form_no=value, definition__isnull=False).exists():
        return value
    return choice_param(request, "form", CampaignForm.FormNo)


class CampaignFormSerializer(StrictModelSerializer):
    form_no = StrictCharField(read_only=True, help_text=FORM_HELP)
    label = StrictCharField(source="full_label", read_only=True)  # type: ignore[assignment]
    as_of = serializers.DateField(read_only=True, help_text="统计截止日期")

    class Meta:
        model = CampaignForm
        fields = ["id", "form_no", "label", "due_date", "as_of"]


class CampaignSerializer(StrictModelSerializer):
    unit: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text="发起单位组织代码"
    )
    forms = CampaignFormSerializer(many=True, read_only=True)

    class Meta:
        model = Campaign
        fields = ["id", "doc_number", "title", "unit", "baseline_date", "cut_off_date", "forms"]


class ReturnSerializer(StrictModelSerializer):
    campaign = serializers.IntegerField(source="campaign_id", read_only=True)
    campaign_form = serializers.IntegerField(source="form_id", read_only=True)
    unit = StrictCharField(source="unit.code", read_only=True, help_text="填报单位组织代码")
    unit_name = StrictCharField(source="unit.name", read_only=True)
    form = StrictCharField(source="form.form_no", read_only=True, help_text=FORM_HELP)
    due_date = serializers.DateField(source="form.due_date", read_only=True)
    status_label = StrictCharField(source="get_status_display", read_only=True)
    version = serializers.IntegerField(read_only=True, help_text="版本号：提交、审核等操作须带上您看到的版本号")
    verification_code = StrictCharField(source="snapshot.code", read_only=True, default=None, allow_null=True)
    url = StrictCharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Return
        fields = [
            "id",
            "campaign",
            "campaign_form",
            "unit",
            "unit_name",
            "form",
            "due_date",
            "status",
            "status_label",
            "version",
            "first_submitted_at",
            "submitted_at",
            "reviewed_at",
            "updated_at",
            "verification_code",
            "url",
        ]


@extend_schema_field(FrozenSnapshotSerializer)
class SnapshotField(serializers.JSONField):
    """The snapshot dict as frozen; its shape (panels, header, columns, rows, cells) is reports.schema's."""


class ReturnDetailSerializer(ReturnSerializer):
    snapshot = SnapshotField(
        source="snapshot.data",
        read_only=True,
        default=None,
        allow_null=True,
        help_text="上报时冻结的报表数据（未上报过为 null）",
    )
    explanation = StrictCharField(read_only=True)
    pinned_cells = serializers.ListField(
        child=StrictCharField(),
        read_only=True,
        help_text="退回时标注的单元格或行：<分表键>/<行键>/<栏号> 或 <分表键>/<行键>",
    )

    class Meta(ReturnSerializer.Meta):
        fields = [*ReturnSerializer.Meta.fields, "explanation", "pinned_cells", "snapshot"]


def _detail(request: Request, ret: Return) -> dict[str, Any]:
    if ret.snapshot is not None and not may_see_return_contacts(request.user, ret):
        ret.snapshot.data = mask_snapshot(ret.snapshot.data)
    return ReturnDetailSerializer(ret).data


def _valid(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data, context={"request": request})
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


@extend_schema(summary="报送任务列表", tags=["报表报送"])
class CampaignList(generics.ListAPIView):
    serializer_class = CampaignSerializer

    def get_queryset(self) -> CampaignQuerySet:
        return (
            Campaign.objects.visible_to(self.request.user)
            .select_related("unit")
            .prefetch_related("forms")
            .order_by("-pk")
        )


RETURN_PARAMETERS = [
    int_parameter("campaign", "报送任务编号", minimum=1),
    OpenApiParameter("form", str, pattern=r"^[-a-zA-Z0-9_]{1,40}$", description=FORM_HELP),
    OpenApiParameter("status", str, enum=Return.Status.values, description="状态"),
    OpenApiParameter("under", str, description="只列此组织代码及其下级的报表"),
    datetime_parameter("updated_since", "只列此时间之后变化过的报表（增量同步）"),
]


@extend_schema(summary="报表列表", parameters=RETURN_PARAMETERS, tags=["报表报送"])
class ReturnList(generics.ListAPIView):
    """Returns of districts in the caller's subtree."""

    serializer_class = ReturnSerializer

    def get_queryset(self) -> QuerySet[Return]:
        request = self.request
        units = visible_units(request.user)
        under = text_param(request, "under")
        if under:
            units = units.subtree_of(get_unit_by_code_for_user(request.user, under))
        returns = Return.objects.filter(unit__in=units).select_related("unit", "form", "snapshot")
        campaign = int_param(request, "campaign", minimum=1)
        if campaign is not None:
            returns = returns.filter(campaign=get_campaign_for_user(request.user, campaign))
        form_no = _form_param(request)
        if form_no:
            returns = returns.filter(form__form_no=form_no)
        state = choice_param(request, "status", Return.Status)
        if state:
            returns = returns.filter(status=state)
        since = datetime_param(request, "updated_since")
        if since:
            returns = returns.filter(updated_at__gte=since)
        return returns.order_by("campaign_id", "unit__tree_id", "unit__lft", "form__due_date", "form__form_no", "pk")


@extend_schema(
    summary="报表详情（含冻结快照）",
    responses=ReturnDetailSerializer,
    tags=["报表报送"],
    examples=[
        OpenApiExample(
            "已审核通过的附表4",
            response_only=True,
            value={
                "id": 17,
                "campaign": 1,
                "campaign_form": 4,
                "unit": "230102",
                "unit_name": "道里区",
                "form": "4",
                "due_date": "2016-09-20",
                "status": "approved",
                "status_label": "已通过",
                "version": 3,
                "first_submitted_at": "2016-09-15T10:30:00+08:00",
                "submitted_at": "2016-09-15T10:30:00+08:00",
                "reviewed_at": "2016-09-18T09:00:00+08:00",
                "updated_at": "2016-09-18T09:00:00+08:00",
                "verification_code": "K7M2-Q9XD",
                "url": "/returns/17/",
                "explanation": "已核实。",
                "pinned_cells": [],
                "snapshot": TABLE_EXAMPLE_VALUE,
            },
        )
    ],
)
class ReturnDetail(APIView):
    def get(self, request: Request, pk: int) -> Response:
        return Response(_detail(request, get_return_for_user(request.user, pk)))


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=0, help_text="您读取时的版本号；报表已被他人处理则返回 409")


class SubmitFieldsSerializer(VersionSerializer):
    unit_leader = StrictCharField(max_length=50, help_text="单位负责人")
    filled_by = StrictCharField(max_length=50, help_text="填表人")
    phone = StrictCharField(max_length=30, help_text="联系电话")
    explanation = StrictCharField(required=False, default="", allow_blank=True, help_text="上报说明")
    pilot_report = StrictCharField(required=False, default="", allow_blank=True, help_text="示范点报告正文")


class SubmitSerializer(SubmitFieldsSerializer):
    campaign_form = serializers.IntegerField(
        min_value=1, help_text="报送任务中的报表编号（campaigns 接口的 forms[].id）"
    )
    unit = StrictCharField(max_length=20, help_text="填报单位（区、县）组织代码")
    version = serializers.IntegerField(min_value=0, default=0, help_text="首次上报为 0；再次上报为读取时的版本号")


class ApproveSerializer(VersionSerializer):
    note = StrictCharField(required=False, default="", allow_blank=True, help_text="审核意见")


class SendBackSerializer(VersionSerializer):
    reason = StrictCharField(help_text="退回原因")
    cells = StrictCharField(
        required=False,
        default="",
        allow_blank=True,
        help_text="标注的行或单元格，写法同页面：“兆麟街道 5，合计 3”",
    )


class ReopenSerializer(VersionSerializer):
    reason = StrictCharField(help_text="重新打开的原因")


def _submit(request: Request, *, campaign_form: CampaignForm, unit: Unit, data: dict[str, Any]) -> Return:
    ret = services.submit_return(
        form=campaign_form,
        unit=unit,
        actor=request.user,
        unit_leader=data["unit_leader"],
        filled_by=data["filled_by"],
        phone=data["phone"],
        explanation=data["explanation"],
        pilot_report=data["pilot_report"],
        expected_version=data["version"],
    )
    snapshot = ret.snapshot
    assert snapshot is not None  # submit_return has just frozen it
    pdfs.queue_renders(snapshot, verify_url=pdfs.verify_url_for(request, snapshot), actor=request.user)
    return get_return_for_user(request.user, ret.pk)


class ReturnSubmitNew(APIView):
    @extend_schema(
        summary="上报报表（首次或退回后再次上报）",
        operation_id="returns_submit_new",
        request=SubmitSerializer,
        responses={201: ReturnDetailSerializer},
        examples=[
            OpenApiExample(
                "首次上报附表4",
                request_only=True,
                value={
                    "campaign_form": 4,
                    "unit": "230102",
                    "version": 0,
                    "unit_leader": "王丽",
                    "filled_by": "李娜",
                    "phone": "0451-84661234",
                    "explanation": "已核实。",
                },
            )
        ],
        tags=["报表报送"],
    )
    def post(self, request: Request) -> Response:
        data = _valid(SubmitSerializer, request)
        campaign_form = get_campaign_form_for_user(request.user, data["campaign_form"])
        unit = get_unit_by_code_for_user(request.user, data["unit"], write=True)
        ret = _submit(request, campaign_form=campaign_form, unit=unit, data=data)
        return Response(_detail(request, ret), status=status.HTTP_201_CREATED)


@extend_schema(
    summary="再次上报此报表", request=SubmitFieldsSerializer, responses=ReturnDetailSerializer, tags=["报表报送"]
)
class ReturnSubmit(APIView):
    def post(self, request: Request, pk: int) -> Response:
        ret = get_return_for_user(request.user, pk)
        data = _valid(SubmitFieldsSerializer, request)
        unit = get_unit_by_code_for_user(request.user, ret.unit.code, write=True)
        return Response(_detail(request, _submit(request, campaign_form=ret.form, unit=unit, data=data)))


@extend_schema(summary="审核通过", request=ApproveSerializer, responses=ReturnDetailSerializer, tags=["报表报送"])
class ReturnApprove(APIView):
    def post(self, request: Request, pk: int) -> Response:
        ret = get_return_for_user(request.user, pk)
        data = _valid(ApproveSerializer, request)
        services.approve_return(ret=ret, actor=request.user, note=data["note"], expected_version=data["version"])
        return Response(_detail(request, get_return_for_user(request.user, pk)))


@extend_schema(
    summary="退回修改（可标注单元格）", request=SendBackSerializer, responses=ReturnDetailSerializer, tags=["报表报送"]
)
class ReturnSendBack(APIView):
    def post(self, request: Request, pk: int) -> Response:
        ret = get_return_for_user(request.user, pk)
        data = _valid(SendBackSerializer, request)
        cells = services.parse_cells(data["cells"], ret.snapshot.data) if ret.snapshot is not None else []
        services.send_back(
            ret=ret, actor=request.user, reason=data["reason"], cells=cells, expected_version=data["version"]
        )
        return Response(_detail(request, get_return_for_user(request.user, pk)))


@extend_schema(
    summary="重新打开已通过的报表", request=ReopenSerializer, responses=ReturnDetailSerializer, tags=["报表报送"]
)
class ReturnReopen(APIView):
    def post(self, request: Request, pk: int) -> Response:
        ret = get_return_for_user(request.user, pk)
        data = _valid(ReopenSerializer, request)
        services.reopen_return(ret=ret, actor=request.user, reason=data["reason"], expected_version=data["version"])
        return Response(_detail(request, get_return_for_user(request.user, pk)))


class VerificationSerializer(serializers.Serializer):
    code = StrictCharField(help_text="验证码")
    unit = StrictCharField(help_text="填报单位组织代码")
    unit_name = StrictCharField()
    form = StrictCharField(help_text="附表编号")
    form_label = StrictCharField()
    campaign = StrictCharField(help_text="报送任务文号")
    campaign_title = StrictCharField()
    cut_off_date = serializers.DateField()
    submitted_at = serializers.DateTimeField(help_text="上报时间")
    number = serializers.IntegerField(help_text="第几次上报")
    is_current = serializers.BooleanField(help_text="是否仍是该报表的最新上报")
    status = serializers.ChoiceField(choices=Return.Status.choices, help_text="报表当前状态")
    status_label = StrictCharField()
    reviewed_at = serializers.DateTimeField(allow_null=True)


@extend_schema(
    summary="验证码查询（公开，无需登录）",
    responses=VerificationSerializer,
    auth=[],
    tags=["报表验证"],
)
class Verify(APIView):
    """Which return a printed code belongs to: the public /verify/ page's answer, as JSON, rate-limited."""

    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "verify"

    def get(self, request: Request, code: str) -> Response:
        code = code.replace("\x00", "").strip().upper()[:20]
        snapshot = (
            ReturnSnapshot.objects.filter(code=code)
            .select_related("ret", "ret__unit", "ret__form", "ret__campaign")
            .order_by("-pk")
            .first()
        )
        if snapshot is None:
            message = f"验证码 {code[:20]} 不存在。请核对是否抄错（验证码由大写字母 A–Z 和数字 2–7 组成）。"
            return Response(error_body("not_found", message), status=status.HTTP_404_NOT_FOUND)
        ret = snapshot.ret
        return Response(
            VerificationSerializer(
                {
                    "code": snapshot.code,
                    "unit": ret.unit.code,
                    "unit_name": ret.unit.name,
                    "form": ret.form.form_no,
                    "form_label": ret.form.full_label,
                    "campaign": ret.campaign.doc_number,
                    "campaign_title": ret.campaign.title,
                    "cut_off_date": ret.campaign.cut_off_date,
                    "submitted_at": snapshot.created_at,
                    "number": snapshot.number,
                    "is_current": ret.snapshot_id == snapshot.pk,
                    "status": ret.status,
                    "status_label": ret.get_status_display(),
                    "reviewed_at": ret.reviewed_at,
                }
            ).data
        )
