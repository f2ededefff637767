"""The grassroots registers over JSON (issue 24):

- /api/v1/units/<code>/women-homes/ (GET, POST), /api/v1/women-homes/<id>/ (GET, PATCH) and
  /api/v1/women-homes/<id>/activities/ (GET, POST);
- /api/v1/units/<code>/two-committees/ (GET, POST); /api/v1/units/<code>/area-organisations/ (GET, POST).

The unit by its code, 404 outside the caller's subtree; writes need an editing role (403), as the
rosters. Writes go through grassroots.services (checks, audit); a POST of a record that exists (the same
name, date or election) updates it, so repeating a request does no harm: 201 when created, 200 otherwise.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fedorg.restapi import StrictCharField, StrictModelSerializer
from members.models import Person
from orgtree.access import get_unit_by_code_for_user
from orgtree.models import Unit

from . import services
from .access import get_for_user
from .models import FUNCTIONS, Organisation, TwoCommittees, WomenHome, WomenHomeActivity

TAGS = ["妇女之家、两委与组建率"]


class WomenHomeSerializer(StrictModelSerializer[WomenHome]):
    unit = StrictCharField(source="unit.code", read_only=True, help_text="所在组织代码")
    # Declared: a PositiveIntegerField's bounds come from the database backend, and the schema must be
    # the same on SQLite and PostgreSQL (docs/openapi.yaml).
    area = serializers.IntegerField(min_value=0, max_value=100000, allow_null=True, required=False)
    functions = serializers.ListField(
        child=serializers.ChoiceField(choices=list(FUNCTIONS.items())),
        max_length=8,
        required=False,
        help_text="八位一体功能代码：" + "、".join(f"{k}（{v}）" for k, v in FUNCTIONS.items()),
    )
    person = serializers.PrimaryKeyRelatedField(
        queryset=Person.objects.all(), allow_null=True, required=False, help_text="负责人（本组织名册中的人员编号）"
    )
    activity_count = serializers.SerializerMethodField(help_text="记录的活动次数")

    class Meta:
        model = WomenHome
        fields = [
            "id",
            "unit",
            "name",
            "address",
            "area",
            "opened_on",
            "closed_on",
            "place_on",
            "sign_on",
            "rules_on",
            "activities_on",
            "functions",
            "person",
            "online_url",
            "wechat",
            "note",
            "activity_count",
        ]
        validators: list[Any] = []  # the service checks the unit, the name and the dates

    def get_activity_count(self, home: WomenHome) -> int:
        return home.activities.count()


class ActivitySerializer(StrictModelSerializer[WomenHomeActivity]):
    attendance = serializers.IntegerField(min_value=0, max_value=100000, help_text="参加人数")

    class Meta:
        model = WomenHomeActivity
        fields = ["id", "held_on", "kind", "title", "attendance"]
        validators: list[Any] = []


class TwoCommitteesSerializer(StrictModelSerializer[TwoCommittees]):
    unit = StrictCharField(source="unit.code", read_only=True, help_text="村（社区）代码")
    members = serializers.IntegerField(min_value=0, max_value=99, help_text="两委成员人数")
    women = serializers.IntegerField(min_value=0, max_value=99, help_text="其中女性人数")

    class Meta:
        model = TwoCommittees
        fields = ["id", "unit", *services.TWO_COMMITTEE_FIELDS]
        validators: list[Any] = []


class OrganisationSerializer(StrictModelSerializer[Organisation]):
    unit = StrictCharField(source="unit.code", read_only=True, help_text="街道（乡镇）代码")

    class Meta:
        model = Organisation
        fields = ["id", "unit", *services.ORGANISATION_FIELDS]
        validators: list[Any] = []


def _valid(serializer_class: type[serializers.Serializer], request: Request, **kwargs: Any) -> dict[str, Any]:
    serializer = serializer_class(data=request.data, context={"request": request}, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class _UnitRecords(generics.ListAPIView):
    """A list of one unit's records, the unit by its code (404 outside the caller's subtree); POST adds one."""

    unit: Unit

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.unit = get_unit_by_code_for_user(request.user, kwargs["code"], write=request.method == "POST")

    def _saved(self, obj: Any, created: bool) -> Response:
        serializer = self.get_serializer(obj)
        return Response(serializer.data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


@extend_schema(tags=TAGS)
class WomenHomeList(_UnitRecords):
    serializer_class = WomenHomeSerializer

    def get_queryset(self) -> QuerySet[WomenHome]:
        return self.unit.women_homes.select_related("unit").order_by("opened_on", "pk")

    @extend_schema(
        summary="登记妇女之家（同名则更新）",
        request=WomenHomeSerializer,
        responses={201: WomenHomeSerializer, 200: WomenHomeSerializer},
    )
    def post(self, request: Request, code: str) -> Response:
        data = _valid(WomenHomeSerializer, request)
        home, created = services.save_home(unit=self.unit, data=data, actor=request.user)
        return self._saved(home, created)


@extend_schema(tags=TAGS)
class WomenHomeDetail(APIView):
    serializer_class = WomenHomeSerializer

    @extend_schema(summary="妇女之家", responses=WomenHomeSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(WomenHomeSerializer(get_for_user(WomenHome, request.user, pk)).data)

    @extend_schema(summary="修改妇女之家", request=WomenHomeSerializer, responses=WomenHomeSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        home = get_for_user(WomenHome, request.user, pk, write=True)
        data = _valid(WomenHomeSerializer, request, partial=True)
        if "functions" not in data:
            data["functions"] = home.functions
        home, _created = services.save_home(unit=home.unit, data=data, actor=request.user, home=home)
        return Response(WomenHomeSerializer(home).data)


@extend_schema(tags=TAGS)
class ActivityList(generics.ListAPIView):
    serializer_class = ActivitySerializer
    home: WomenHome

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.home = get_for_user(WomenHome, request.user, kwargs["pk"], write=request.method == "POST")

    def get_queryset(self) -> QuerySet[WomenHomeActivity]:
        return self.home.activities.order_by("held_on", "pk")

    @extend_schema(
        summary="记录妇女之家活动（同日同名则更新）",
        request=ActivitySerializer,
        responses={201: ActivitySerializer, 200: ActivitySerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        data = _valid(ActivitySerializer, request)
        activity, created = services.add_activity(home=self.home, data=data, actor=request.user)
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(ActivitySerializer(activity).data, status=code)


@extend_schema(tags=TAGS)
class TwoCommitteesList(_UnitRecords):
    serializer_class = TwoCommitteesSerializer

    def get_queryset(self) -> QuerySet[TwoCommittees]:
        return self.unit.two_committees.select_related("unit").order_by("-elected_on")

    @extend_schema(
        summary="登记一次换届的两委女性成员（同一选举日期则更新）",
        request=TwoCommitteesSerializer,
        responses={201: TwoCommitteesSerializer, 200: TwoCommitteesSerializer},
    )
    def post(self, request: Request, code: str) -> Response:
        data = _valid(TwoCommitteesSerializer, request)
        record, created = services.save_two_committees(unit=self.unit, data=data, actor=request.user)
        return self._saved(record, created)


@extend_schema(tags=TAGS)
class OrganisationList(_UnitRecords):
    serializer_class = OrganisationSerializer

    def get_queryset(self) -> QuerySet[Organisation]:
        return self.unit.organisations.select_related("unit").order_by("kind", "name")

    @extend_schema(
        summary="登记辖区组织及其妇女组织（同名则更新）",
        request=OrganisationSerializer,
        responses={201: OrganisationSerializer, 200: OrganisationSerializer},
    )
    def post(self, request: Request, code: str) -> Response:
        data = _valid(OrganisationSerializer, request)
        organisation, created = services.save_organisation(unit=self.unit, data=data, actor=request.user)
        return self._saved(organisation, created)
