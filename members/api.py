"""People, posts and roster imports over JSON (/api/v1/people/, /posts/, /units/<code>/roster/import/).

Reads fetch through members.access and orgtree.access (404 outside the caller's subtree); writes go
through members.services, the same functions as the pages; the import runs the same engine as the
upload page. 身份证号 and 手机号码 are masked by the pages' rule (orgtree.access.can_see_personal_data,
fedorg.masking).
"""

from typing import Any, TypeVar, cast

from django.db import models
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import generics, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList
from rest_framework.views import APIView

from fedorg.masking import mask_id_number, mask_mobile
from fedorg.restapi import (
    StrictCharField,
    StrictModelSerializer,
    choice_param,
    count_date_parameter,
    date_param,
    datetime_param,
    datetime_parameter,
    error_body,
    text_param,
)
from orgtree.access import can_see_personal_data, get_unit_by_code_for_user, visible_units
from orgtree.api import UnitCodeField
from orgtree.models import Congress, Unit

from . import codes, services
from .access import get_person_for_user, get_post_for_user
from .models import Person, Post, PostQuerySet
from .roster_xlsx.columns import MAX_FILE_BYTES
from .roster_xlsx.engine import ImportResult, import_roster

_Rows = TypeVar("_Rows", bound=QuerySet[Any])


def show_personal_data(user: Any, unit: Unit | None = None) -> bool:
    """The pages' rule: full 身份证号 and 手机号码 only for editors of the unit's subtree."""
    unit = unit if unit is not None else user.unit
    if unit is None:
        return user.can_see_personal_data
    return can_see_personal_data(user, unit)


class PersonSerializer(StrictModelSerializer):
    """A person; 身份证号 and 手机号码 are masked unless context["show_personal_data"]."""

    gender_label = StrictCharField(source="get_gender_display", read_only=True)
    ethnicity_label = StrictCharField(source="get_ethnicity_display", read_only=True)
    political_status_label = StrictCharField(source="get_political_status_display", read_only=True)
    education_label = StrictCharField(source="get_education_display", read_only=True)
    source_label = StrictCharField(source="get_source_display", read_only=True)
    birth_month = serializers.SerializerMethodField(help_text="出生年月，如 1975-03")
    id_number = serializers.SerializerMethodField(help_text="身份证号；无权查看时打码")
    mobile = serializers.SerializerMethodField(help_text="手机号码；无权查看时打码")
    url = StrictCharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Person
        fields = [
            "id",
            "name",
            "gender",
            "gender_label",
            "ethnicity",
            "ethnicity_label",
            "birth_month",
            "id_number",
            "political_status",
            "political_status_label",
            "education",
            "education_label",
            "workplace_title",
            "mobile",
            "source",
            "source_label",
            "sector",
            "is_frontline",
            "is_women_worker",
            "updated_at",
            "url",
        ]

    def get_birth_month(self, person: Person) -> str:
        return f"{person.birth_date.year}-{person.birth_date.month:02d}"

    def get_id_number(self, person: Person) -> str | None:
        return person.id_number if self.context.get("show_personal_data") else mask_id_number(person.id_number)

    def get_mobile(self, person: Person) -> str:
        return person.mobile if self.context.get("show_personal_data") else mask_mobile(person.mobile)


class PostSerializer(StrictModelSerializer):
    unit: "serializers.SlugRelatedField[Unit]" = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text="组织代码"
    )
    role_label = StrictCharField(source="get_role_display", read_only=True)
    mode_label = StrictCharField(source="get_mode_display", read_only=True)
    method_label = StrictCharField(source="get_method_display", read_only=True)
    unit_name = StrictCharField(source="unit.name", read_only=True)
    # From the certificate register, the one source of a certificate's number.
    certificate_no = StrictCharField(read_only=True)
    certificate_date = serializers.DateField(read_only=True, allow_null=True)
    congress = serializers.IntegerField(
        source="term.number", read_only=True, allow_null=True, default=None, help_text="选举产生本任职的换届届次"
    )

    class Meta:
        model = Post
        fields = [
            "id",
            "person",
            "unit",
            "unit_name",
            "role",
            "role_label",
            "mode",
            "mode_label",
            "method",
            "method_label",
            "start_date",
            "end_date",
            "end_reason",
            "certificate_no",
            "certificate_date",
            "two_committees",
            "congress",
            "updated_at",
        ]
        read_only_fields = fields


class PostWithPersonSerializer(PostSerializer):
    person = PersonSerializer(read_only=True)


class PersonDetailSerializer(PersonSerializer):
    posts = serializers.SerializerMethodField(help_text="她在调用者管辖范围内的任职（含已离任）")

    class Meta(PersonSerializer.Meta):
        fields = [*PersonSerializer.Meta.fields, "posts"]

    @extend_schema_field(PostSerializer(many=True))
    def get_posts(self, person: Person) -> ReturnList:
        # many=True makes a ListSerializer, whose data is a ReturnList (the stubs see one PostSerializer).
        return cast(ReturnList, PostSerializer(self.context["posts"], many=True).data)


# --- input -----------------------------------------------------------------------------------


class PersonInputSerializer(serializers.Serializer):
    """The person fields a client may write; the services check them as on the pages."""

    name = StrictCharField(max_length=50, help_text="姓名")
    gender = serializers.ChoiceField(choices=Person.Gender.choices, required=False)
    ethnicity = serializers.ChoiceField(choices=codes.ETHNICITY, required=False, help_text="民族代码")
    birth_date = serializers.DateField(help_text="出生年月，日按 1 日计，如 1975-03-01")
    id_number = StrictCharField(max_length=18, required=False, allow_blank=True, allow_null=True)
    political_status = serializers.ChoiceField(choices=codes.POLITICAL_STATUS, required=False)
    education = serializers.ChoiceField(choices=codes.EDUCATION, required=False)
    workplace_title = StrictCharField(max_length=200, required=False, allow_blank=True)
    mobile = StrictCharField(max_length=11, required=False, allow_blank=True)
    # DRF's metaclass takes declared fields off the class, so this 来源类别 field does not replace Field.source.
    source = serializers.ChoiceField(choices=codes.SOURCE, required=False)  # type: ignore[assignment]
    sector = StrictCharField(max_length=50, required=False, allow_blank=True)
    is_frontline = serializers.BooleanField(required=False)
    is_women_worker = serializers.BooleanField(required=False)
    note = StrictCharField(max_length=200, required=False, allow_blank=True)


class PostFieldsSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Post.Role.choices, help_text="妇联职务")
    start_date = serializers.DateField(help_text="任职时间")
    mode = serializers.ChoiceField(choices=Post.Mode.choices, required=False, help_text="任职方式")
    method = serializers.ChoiceField(choices=Post.Method.choices, required=False, help_text="产生方式")
    two_committees = serializers.ChoiceField(choices=Post.TwoCommittees.choices, required=False, allow_blank=True)
    note = StrictCharField(max_length=200, required=False, allow_blank=True)
    congress = serializers.IntegerField(
        min_value=1,
        max_value=99,
        required=False,
        allow_null=True,
        help_text="选举产生本任职的换届届次（须是任职组织已记录的一届）；null 取消",
    )


class NewPostSerializer(PostFieldsSerializer):
    unit = UnitCodeField(help_text="任职组织代码")


class PersonCreateSerializer(PersonInputSerializer):
    post = NewPostSerializer(help_text="她的第一个任职")


class AppointSerializer(PostFieldsSerializer):
    person = serializers.IntegerField(min_value=1, help_text="已登记人员的编号（须在您的管辖范围内任过职）")
    unit = UnitCodeField(help_text="任职组织代码")


class PostUpdateSerializer(PostFieldsSerializer):
    end_date = serializers.DateField(required=False, allow_null=True, help_text="离任时间")
    end_reason = StrictCharField(max_length=200, required=False, allow_blank=True)


class EndPostSerializer(serializers.Serializer):
    end_date = serializers.DateField(help_text="离任时间（不再担任的第一天）")
    reason = StrictCharField(max_length=200, help_text="离任原因，如 换届、调离、退休")


def _valid(
    serializer_class: type[serializers.Serializer], request: Request, *, partial: bool = False
) -> dict[str, Any]:
    serializer = serializer_class(data=request.data, context={"request": request}, partial=partial)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _with_term(data: dict[str, Any], unit: Unit) -> dict[str, Any]:
    """`congress` (a 届次 of the post's unit) as the post's `term`: the congress that elected her."""
    if "congress" not in data:
        return data
    number = data.pop("congress")
    if number is None:
        return {**data, "term": None}
    term = Congress.objects.filter(unit=unit, number=number).first()
    if term is None:
        raise serializers.ValidationError({"congress": f"{unit.name}没有第{number}届换届记录。"})
    return {**data, "term": term}


def _write_unit(user: Any, unit: Unit) -> Unit:
    """The unit named in a body, re-fetched for writing: 403 for a role that may not edit."""
    return get_unit_by_code_for_user(user, unit.code, write=True)


# --- people ----------------------------------------------------------------------------------


class PostState(models.TextChoices):
    """?status= of the post list."""

    CURRENT = "current", "今日在任"
    ENDED = "ended", "已离任"


class _ScopedList(generics.ListAPIView):
    """A list of the caller's subtree narrowed by the query parameters people and posts share (?under=,
    ?role=, ?updated_since=); personal data in full as the pages show it for the unit named (?under=, ?unit=)."""

    scope_unit: Unit | None = None

    def scope_units(self) -> QuerySet[Unit]:
        """The units whose posts are listed: the caller's subtree, or the part of it below ?under=."""
        request = self.request
        units = visible_units(request.user)
        under = text_param(request, "under")
        if under:
            self.scope_unit = get_unit_by_code_for_user(request.user, under)
            units = units.subtree_of(self.scope_unit)
        return units

    def by_role(self, posts: PostQuerySet) -> PostQuerySet:
        role = choice_param(self.request, "role", Post.Role)
        return posts.filter(role=role) if role else posts

    def changed_since(self, rows: _Rows) -> _Rows:
        """People or posts changed since ?updated_since= (incremental sync)."""
        since = datetime_param(self.request, "updated_since")
        return rows.filter(updated_at__gte=since) if since else rows

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        context["show_personal_data"] = show_personal_data(self.request.user, self.scope_unit)
        return context


PEOPLE_PARAMETERS = [
    OpenApiParameter("under", str, description="只列在此组织代码及其下级任过职的人员"),
    OpenApiParameter("role", str, enum=Post.Role.values, description="只列担任过此职务的人员"),
    OpenApiParameter("q", str, description="按姓名查找"),
    datetime_parameter("updated_since", "只列此时间之后修改过的人员（增量同步）"),
]


@extend_schema_view(
    get=extend_schema(summary="人员列表", parameters=PEOPLE_PARAMETERS, tags=["人员与任职"]),
    post=extend_schema(
        summary="登记新人员并任命",
        request=PersonCreateSerializer,
        responses={201: PersonDetailSerializer},
        examples=[
            OpenApiExample(
                "登记社区妇联主席",
                request_only=True,
                value={
                    "name": "张秀梅",
                    "birth_date": "1975-03-01",
                    "ethnicity": "01",
                    "political_status": "01",
                    "education": "21",
                    "post": {"unit": "230102001001", "role": "chair", "start_date": "2016-06-15"},
                },
            )
        ],
        tags=["人员与任职"],
    ),
)
class PersonList(_ScopedList):
    """People who hold or held a post in the caller's subtree."""

    serializer_class = PersonSerializer

    def get_queryset(self) -> QuerySet[Person]:
        posts = self.by_role(Post.objects.filter(unit__in=self.scope_units()))
        people = Person.objects.filter(pk__in=posts.values("person_id")).order_by("pk")
        q = text_param(self.request, "q")
        if q:
            people = people.filter(name__contains=q)
        return self.changed_since(people)

    def post(self, request: Request) -> Response:
        data = _valid(PersonCreateSerializer, request)
        post_data = data.pop("post")
        unit = _write_unit(request.user, post_data.pop("unit"))
        post_data = _with_term(post_data, unit)
        post = services.create_person_and_appoint(person_data=data, unit=unit, post_data=post_data, actor=request.user)
        return Response(_person_detail(request, post.person), status=status.HTTP_201_CREATED)


def _person_detail(request: Request, person: Person) -> ReturnDict:
    posts = (
        Post.objects.filter(person=person, unit__in=visible_units(request.user))
        .select_related("unit", "certificate", "term")
        .order_by("-start_date", "-pk")
    )
    context = {"show_personal_data": show_personal_data(request.user), "posts": posts, "request": request}
    return PersonDetailSerializer(person, context=context).data


@extend_schema_view(
    get=extend_schema(summary="人员详情（含任职）", responses=PersonDetailSerializer, tags=["人员与任职"]),
    patch=extend_schema(
        summary="修改人员信息",
        request=PersonInputSerializer,
        responses=PersonDetailSerializer,
        tags=["人员与任职"],
    ),
)
class PersonDetail(APIView):
    """A person who holds or held a post in the caller's subtree, with those posts."""

    def get(self, request: Request, pk: int) -> Response:
        return Response(_person_detail(request, get_person_for_user(request.user, pk)))

    def patch(self, request: Request, pk: int) -> Response:
        person = get_person_for_user(request.user, pk, write=True)
        data = _valid(PersonInputSerializer, request, partial=True)
        user: Any = request.user  # authenticated (the API's default permission): our User
        person = services.update_person(person=person, data=data, actor=user, unit=user.unit)
        return Response(_person_detail(request, person))


# --- posts -----------------------------------------------------------------------------------

POST_PARAMETERS = [
    OpenApiParameter("unit", str, description="只列此组织代码的任职"),
    OpenApiParameter("under", str, description="只列此组织代码及其下级的任职"),
    OpenApiParameter("role", str, enum=Post.Role.values, description="妇联职务"),
    count_date_parameter("on", "只列此日在任的任职"),
    OpenApiParameter("status", str, enum=PostState.values, description="current 今日在任，ended 已离任"),
    datetime_parameter("updated_since", "只列此时间之后修改过的任职（增量同步）"),
]


@extend_schema_view(
    get=extend_schema(summary="任职列表", parameters=POST_PARAMETERS, tags=["人员与任职"]),
    post=extend_schema(
        summary="任命已登记人员",
        request=AppointSerializer,
        responses={201: PostWithPersonSerializer},
        examples=[
            OpenApiExample(
                "任命为执委",
                request_only=True,
                value={"person": 17, "unit": "230102001", "role": "executive", "start_date": "2016-07-01"},
            )
        ],
        tags=["人员与任职"],
    ),
)
class PostList(_ScopedList):
    """Posts of units in the caller's subtree, highest post first within a unit."""

    serializer_class = PostWithPersonSerializer

    def get_queryset(self) -> QuerySet[Post]:
        request = self.request
        code = text_param(request, "unit")
        unit = get_unit_by_code_for_user(request.user, code) if code else None
        self.scope_unit = unit
        posts = Post.objects.filter(unit__in=self.scope_units()).select_related("person", "unit", "certificate", "term")
        if unit is not None:
            posts = posts.filter(unit=unit)
        posts = self.by_role(posts)
        on = date_param(request, "on")
        if on:
            posts = posts.current(on=on)
        state = choice_param(request, "status", PostState)
        if state == PostState.CURRENT:
            posts = posts.current(on=timezone.localdate())
        elif state == PostState.ENDED:
            posts = posts.filter(end_date__lte=timezone.localdate())
        ranked = self.changed_since(posts).by_rank()  # highest post first within each unit, as on the roster page
        return ranked.order_by("unit__tree_id", "unit__lft", *ranked.query.order_by)

    def post(self, request: Request) -> Response:
        data = _valid(AppointSerializer, request)
        unit = _write_unit(request.user, data.pop("unit"))
        try:
            person = get_person_for_user(request.user, data.pop("person"))
        except Http404:
            raise serializers.ValidationError({"person": "人员不存在或不在您的管辖范围内。"}) from None
        role, start_date = data.pop("role"), data.pop("start_date")
        data = _with_term(data, unit)
        post = services.appoint(person=person, unit=unit, role=role, start_date=start_date, actor=request.user, **data)
        return Response(_post_data(request, post), status=status.HTTP_201_CREATED)


def _post_data(request: Request, post: Post) -> ReturnDict:
    context = {"show_personal_data": show_personal_data(request.user, post.unit), "request": request}
    return PostWithPersonSerializer(post, context=context).data


@extend_schema_view(
    get=extend_schema(summary="任职详情", responses=PostWithPersonSerializer, tags=["人员与任职"]),
    patch=extend_schema(
        summary="修改任职", request=PostUpdateSerializer, responses=PostWithPersonSerializer, tags=["人员与任职"]
    ),
)
class PostDetail(APIView):
    def get(self, request: Request, pk: int) -> Response:
        return Response(_post_data(request, get_post_for_user(request.user, pk)))

    def patch(self, request: Request, pk: int) -> Response:
        post = get_post_for_user(request.user, pk, write=True)
        data = _with_term(_valid(PostUpdateSerializer, request, partial=True), post.unit)
        return Response(_post_data(request, services.update_post(post=post, data=data, actor=request.user)))


@extend_schema(summary="离任", request=EndPostSerializer, responses=PostWithPersonSerializer, tags=["人员与任职"])
class PostEnd(APIView):
    def post(self, request: Request, pk: int) -> Response:
        post = get_post_for_user(request.user, pk, write=True)
        data = _valid(EndPostSerializer, request)
        post = services.end_post(post=post, end_date=data["end_date"], reason=data["reason"], actor=request.user)
        return Response(_post_data(request, post))


# --- roster import ---------------------------------------------------------------------------


class RosterUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="名册 Excel 文件（.xlsx），格式同页面上的名册模板")
    dry_run = serializers.BooleanField(
        default=True, help_text="true（默认）只检查并预览，不写入；false 确认导入（重复导入同一文件不会重复写入）"
    )


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(allow_null=True, help_text="Excel 行号；整份文件的错误为 null")
    column = StrictCharField(allow_null=True, help_text="列标题")
    message = StrictCharField(help_text="中文说明")


class RosterRowSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="Excel 行号")
    action = serializers.ChoiceField(choices=["add", "update", "unchanged"])
    action_label = StrictCharField(help_text="新增、更新或未变")
    name = StrictCharField()
    unit_name = StrictCharField()
    role_label = StrictCharField()
    person_is_new = serializers.BooleanField()
    changes = serializers.DictField(help_text="列标题 → [原值, 新值]")


RosterResultSerializer = inline_serializer(
    "RosterImportResult",
    {
        "dry_run": serializers.BooleanField(),
        "written": serializers.BooleanField(help_text="是否已写入"),
        "sheet_name": StrictCharField(),
        "header_row": serializers.IntegerField(allow_null=True),
        "summary": StrictCharField(),
        "counts": serializers.DictField(child=serializers.IntegerField()),
        "rows": RosterRowSerializer(many=True),
    },
)


def _roster_rows(result: ImportResult) -> list[dict[str, Any]]:
    return [
        {
            "row": r.row,
            "action": r.action,
            "action_label": r.action_label,
            "name": r.name,
            "unit_name": r.unit_name,
            "role_label": r.role_label,
            "person_is_new": r.person_is_new,
            "changes": r.changes,
        }
        for r in result.rows
    ]


@extend_schema(
    summary="导入名册（先 dry_run 预览，再确认）",
    request={"multipart/form-data": RosterUploadSerializer},
    responses={200: RosterResultSerializer},
    examples=[
        OpenApiExample(
            "预览：一行新增",
            response_only=True,
            value={
                "dry_run": True,
                "written": False,
                "sheet_name": "名册",
                "header_row": 2,
                "summary": "共 1 行：新增 1 人、1 个任职。",
                "counts": {
                    "persons_added": 1,
                    "persons_updated": 0,
                    "persons_unchanged": 0,
                    "posts_added": 1,
                    "posts_updated": 0,
                    "posts_unchanged": 0,
                },
                "rows": [
                    {
                        "row": 3,
                        "action": "add",
                        "action_label": "新增",
                        "name": "张秀梅",
                        "unit_name": "兆麟社区",
                        "role_label": "主席",
                        "person_is_new": True,
                        "changes": {},
                    }
                ],
            },
        )
    ],
    tags=["名册导入"],
)
class RosterImport(APIView):
    """Same engine and the same checks as the upload page: all rows written, or none.

    Errors answer 400 with error.rows = [{"row", "column", "message"}]. Confirming is idempotent:
    the engine matches people and posts already on file, so the same file again changes nothing.
    """

    # The one upload of the API: a workbook as multipart/form-data. Every other view takes JSON only
    # (settings.REST_FRAMEWORK's DEFAULT_PARSER_CLASSES).
    parser_classes = [MultiPartParser]

    def post(self, request: Request, code: str) -> Response:
        unit = get_unit_by_code_for_user(request.user, code, write=True)
        data = _valid(RosterUploadSerializer, request)
        upload = data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise serializers.ValidationError({"file": f"文件太大（超过 {MAX_FILE_BYTES // (1024 * 1024)} MB）。"})
        result = import_roster(
            unit=unit, file=upload.read(), actor=request.user, dry_run=data["dry_run"], filename=upload.name[:100]
        )
        if not result.ok:
            rows = [{"row": e.row, "column": e.column, "message": e.message} for e in result.errors]
            body = error_body(
                "roster_invalid",
                f"名册有 {len(rows)} 处错误，未写入任何数据：{result.errors[0]}",
                rows=rows,
            )
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        counts = {
            name: getattr(result, name)
            for name in (
                "persons_added",
                "persons_updated",
                "persons_unchanged",
                "posts_added",
                "posts_updated",
                "posts_unchanged",
            )
        }
        return Response(
            {
                "dry_run": result.dry_run,
                "written": result.written,
                "sheet_name": result.sheet_name,
                "header_row": result.header_row,
                "summary": result.summary(),
                "counts": counts,
                "rows": _roster_rows(result),
            }
        )
