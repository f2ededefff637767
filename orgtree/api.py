"""Units over JSON (/api/v1/units/), behind the same access rule as the pages.

Reads fetch through orgtree.access; every tree write goes through orgtree.services, the same
locked functions the pages call. Units are addressed by their 组织代码.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fedorg.restapi import (
    StrictCharField,
    StrictModelSerializer,
    bool_param,
    bool_parameter,
    choice_param,
    datetime_param,
    datetime_parameter,
    renamed_fields,
    text_param,
)

from . import services
from .access import get_unit_by_code_for_user, is_strictly_below_user_unit, visible_breadcrumb, visible_units
from .models import UNIT_CODE_MAX_LENGTH, Unit, UnitQuerySet, heads_cities


class UnitCodeField(serializers.CharField):
    """A unit named by its 组织代码, looked up only inside the caller's subtree (400 if not found there)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", UNIT_CODE_MAX_LENGTH)
        super().__init__(**kwargs)
        self.validators = []  # the length is checked on the code below, not on the unit it names

    def to_internal_value(self, data: Any) -> Unit:
        code = super().to_internal_value(data).strip()
        if "\x00" in code:
            raise serializers.ValidationError("组织代码不能包含空字符。")
        if self.max_length is not None and len(code) > self.max_length:
            raise serializers.ValidationError(f"组织代码最多 {self.max_length} 位。")
        unit = visible_units(self.context["request"].user).filter(code=code).first()
        if unit is None:
            raise serializers.ValidationError(f"找不到组织代码为 {code} 的组织，或它不在您的管辖范围内。")
        return unit

    def to_representation(self, value: Any) -> Any:
        return value.code if isinstance(value, Unit) else value


class UnitSerializer(StrictModelSerializer):
    kind_label = StrictCharField(source="get_kind_display", read_only=True, help_text="类型（中文）")
    org_form_label = StrictCharField(source="get_org_form_display", read_only=True, help_text="组织形式（中文）")
    tier = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="层级：0 省，1 市（地），2 区县，3 街道乡镇，4 村社区；新领域妇联为空",
    )
    is_new_field = serializers.BooleanField(read_only=True, help_text="是否新领域妇联（不计入基层三类组织）")
    parent: serializers.SlugRelatedField[Unit] = serializers.SlugRelatedField(  # type: ignore[assignment]  # a field named parent, not Field.parent
        slug_field="code", read_only=True, allow_null=True, help_text="上级组织代码"
    )
    has_children = serializers.SerializerMethodField(help_text="是否有下级组织")
    url = StrictCharField(source="get_absolute_url", read_only=True, help_text="页面地址")

    class Meta:
        model = Unit
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "kind_label",
            "org_form",
            "org_form_label",
            "tier",
            "is_new_field",
            "is_pilot",
            "parent",
            "archived_at",
            "updated_at",
            "has_children",
            "url",
        ]

    def get_has_children(self, unit: Unit) -> bool:
        return unit.rght - unit.lft > 1 or heads_cities(unit)  # a province heads its cities' trees


class UnitCreateSerializer(serializers.Serializer):
    parent = UnitCodeField(help_text="上级组织代码")  # type: ignore[assignment]  # a field named parent, not Field.parent
    name = StrictCharField(max_length=100, help_text="组织名称")
    code = StrictCharField(
        max_length=UNIT_CODE_MAX_LENGTH, help_text="组织代码（统计用区划代码；新领域妇联为上级代码加“-”和 2–3 位数字）"
    )
    kind = serializers.ChoiceField(choices=Unit.Kind.choices, help_text="类型")
    org_form = serializers.ChoiceField(choices=Unit.OrgForm.choices, default=Unit.OrgForm.FEDERATION)
    is_pilot = serializers.BooleanField(default=False, help_text="示范点")
    founded_on = serializers.DateField(
        required=False, default=None, help_text="成立日期；省略表示早已存在（按任何日期统计都计入）"
    )


class UnitRenameSerializer(serializers.Serializer):
    name = StrictCharField(max_length=100, help_text="新名称")
    code = StrictCharField(max_length=UNIT_CODE_MAX_LENGTH, required=False, help_text="新组织代码（不改可省略）")


class UnitMoveSerializer(serializers.Serializer):
    parent = UnitCodeField(help_text="新上级组织代码")  # type: ignore[assignment]  # a field named parent, not Field.parent


class UnitMergeSerializer(serializers.Serializer):
    target = UnitCodeField(help_text="并入的组织代码")
    reason = StrictCharField(max_length=200, required=False, default="", allow_blank=True)


class UnitArchiveSerializer(serializers.Serializer):
    reason = StrictCharField(max_length=200, help_text="撤销原因")


class UnitConvertSerializer(serializers.Serializer):
    effective_date = serializers.DateField(required=False, allow_null=True, help_text="改建日期，默认今天")


UNIT_LIST_PARAMETERS = [
    OpenApiParameter("q", str, description="按名称或组织代码开头查找"),
    OpenApiParameter("under", str, description="只列此组织代码及其下级"),
    OpenApiParameter("kind", str, enum=Unit.Kind.values, description="类型"),
    bool_parameter("archived", "为 true 时包括已撤销的组织"),
    datetime_parameter("updated_since", "只列此时间之后修改过的组织（增量同步）"),
]


@extend_schema_view(
    get=extend_schema(summary="组织列表", parameters=UNIT_LIST_PARAMETERS, tags=["组织"]),
    post=extend_schema(
        summary="新建下级组织",
        request=UnitCreateSerializer,
        responses={201: UnitSerializer},
        tags=["组织"],
        examples=[
            OpenApiExample(
                "新建社区",
                request_only=True,
                value={
                    "parent": "230102001",
                    "name": "新华社区",
                    "code": "230102001009",
                    "kind": "community",
                    "founded_on": "2020-03-01",
                },
            )
        ],
    ),
)
class UnitList(generics.ListAPIView):
    """The units of the caller's subtree, in tree order; POST creates a unit (administrators)."""

    serializer_class = UnitSerializer

    def get_queryset(self) -> UnitQuerySet:
        request = self.request
        units = visible_units(request.user).select_related("parent").order_by("tree_id", "lft")
        if not bool_param(request, "archived"):
            units = units.active()
        q = text_param(request, "q")
        if q:
            units = units.filter(Q(name__icontains=q) | Q(code__startswith=q))
        under = text_param(request, "under")
        if under:
            units = units.subtree_of(get_unit_by_code_for_user(request.user, under))
        kind = choice_param(request, "kind", Unit.Kind)
        if kind:
            units = units.filter(kind=kind)
        since = datetime_param(request, "updated_since")
        if since:
            units = units.filter(updated_at__gte=since)
        return units

    def post(self, request: Request) -> Response:
        data = _valid(UnitCreateSerializer, request)
        parent = data.pop("parent")
        get_unit_by_code_for_user(request.user, parent.code, write=True, manage=True)
        unit = services.create_unit(parent=parent, actor=request.user, **data)
        return Response(UnitSerializer(unit).data, status=status.HTTP_201_CREATED)


def _valid(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data, context={"request": request})
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _below(user: Any, unit: Unit) -> None:
    if not is_strictly_below_user_unit(user, unit):
        raise PermissionDenied("不能调整您所在组织本身，请联系上级管理员。")


@extend_schema_view(
    get=extend_schema(summary="组织详情", tags=["组织"]),
    patch=extend_schema(summary="更名（可改组织代码）", request=UnitRenameSerializer, tags=["组织"]),
)
class UnitDetail(APIView):
    serializer_class = UnitSerializer

    def get(self, request: Request, code: str) -> Response:
        return Response(UnitSerializer(get_unit_by_code_for_user(request.user, code)).data)

    def patch(self, request: Request, code: str) -> Response:
        unit = get_unit_by_code_for_user(request.user, code, write=True, manage=True)
        _below(request.user, unit)
        data = _valid(UnitRenameSerializer, request)
        unit = services.rename_unit(unit=unit, name=data["name"], code=data.get("code"), actor=request.user)
        return Response(UnitSerializer(unit).data)


@extend_schema(
    summary="下级组织",
    tags=["组织"],
    parameters=[bool_parameter("archived", "为 true 时包括已撤销的组织")],
)
class UnitChildren(generics.ListAPIView):
    """Direct children, for the tree navigator's lazy expansion."""

    serializer_class = UnitSerializer

    def get_queryset(self) -> UnitQuerySet:
        unit = get_unit_by_code_for_user(self.request.user, self.kwargs["code"])
        children = Unit.objects.filter(parent=unit).select_related("parent").territorial_first()
        if not bool_param(self.request, "archived"):
            children = children.active()
        return children


@extend_schema(summary="上级组织（从最高可见组织到本组织）", tags=["组织"])
class UnitAncestors(generics.ListAPIView):
    serializer_class = UnitSerializer

    def get_queryset(self) -> list[Unit]:  # type: ignore[override]  # a list in tree order serves as well
        unit = get_unit_by_code_for_user(self.request.user, self.kwargs["code"])
        return visible_breadcrumb(self.request.user, unit)


class _TreeOperation(APIView):
    """POST runs one locked tree service on the unit in the URL; answers the unit afterwards."""

    input_serializer: type[serializers.Serializer] | None = None
    below = True

    def run(self, unit: Unit, data: dict[str, Any]) -> Unit:
        raise NotImplementedError

    def post(self, request: Request, code: str) -> Response:
        unit = get_unit_by_code_for_user(request.user, code, write=True, manage=True)
        if self.below:
            _below(request.user, unit)
        data: dict[str, Any] = _valid(self.input_serializer, request) if self.input_serializer else {}
        result = self.run(unit, data)
        return Response(UnitSerializer(result).data)


@extend_schema(summary="调整隶属关系", request=UnitMoveSerializer, responses=UnitSerializer, tags=["组织"])
class UnitMove(_TreeOperation):
    input_serializer = UnitMoveSerializer

    def run(self, unit: Unit, data: dict[str, Any]) -> Unit:
        try:
            return services.move_unit(unit=unit, new_parent=data["parent"], actor=self.request.user)
        except ValidationError as e:
            # The service names the field new_parent; the request's field is parent.
            raise renamed_fields(e, new_parent="parent") from None


@extend_schema(
    summary="合并组织（本组织并入目标后撤销）", request=UnitMergeSerializer, responses=UnitSerializer, tags=["组织"]
)
class UnitMerge(_TreeOperation):
    input_serializer = UnitMergeSerializer

    def run(self, unit: Unit, data: dict[str, Any]) -> Unit:
        return services.merge_units(source=unit, target=data["target"], reason=data["reason"], actor=self.request.user)


@extend_schema(summary="撤销组织", request=UnitArchiveSerializer, responses=UnitSerializer, tags=["组织"])
class UnitArchive(_TreeOperation):
    input_serializer = UnitArchiveSerializer

    def run(self, unit: Unit, data: dict[str, Any]) -> Unit:
        return services.archive_unit(unit=unit, reason=data["reason"], actor=self.request.user)


@extend_schema(summary="恢复已撤销的组织", request=None, responses=UnitSerializer, tags=["组织"])
class UnitRestore(_TreeOperation):
    def run(self, unit: Unit, data: dict[str, Any]) -> Unit:
        return services.restore_unit(unit=unit, actor=self.request.user)


@extend_schema(
    summary="妇代会改建妇联（会改联）", request=UnitConvertSerializer, responses=UnitSerializer, tags=["组织"]
)
class UnitConvert(_TreeOperation):
    input_serializer = UnitConvertSerializer
    below = False

    def run(self, unit: Unit, data: dict[str, Any]) -> Unit:
        return services.convert_to_federation(
            unit=unit, effective_date=data.get("effective_date"), actor=self.request.user
        )
