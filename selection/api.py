"""The selection path over JSON, read-only: a unit's register of women, its candidates and its 妇女群众会议
(/api/v1/units/<code>/register/, /candidates/, /meetings/).

Reads fetch the unit through orgtree.access (404 outside the caller's subtree). 身份证号 and 手机号码 are masked
by the pages' rule (orgtree.access.can_see_personal_data, fedorg.masking), and ?q= reads a query as the
register page does (members.search.text_match): digits find a whole ID number or mobile only for a caller
who sees them unmasked. Writes stay on the pages, which walk a clerk through the path step by step.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers

from fedorg.masking import mask_id_number, mask_mobile
from fedorg.restapi import StrictCharField, StrictModelSerializer, text_param
from members.search import text_match
from orgtree.access import can_see_personal_data, get_unit_by_code_for_user
from orgtree.models import Unit

from . import services
from .models import Candidate, Meeting, RegisterEntry

TAGS = ["人选与会议"]


class RegisterEntrySerializer(StrictModelSerializer[RegisterEntry]):
    unit = StrictCharField(source="unit.code", read_only=True, help_text="所属组织代码")
    unit_name = StrictCharField(source="unit.name", read_only=True)
    id_number = serializers.SerializerMethodField(help_text="身份证号；无权查看时打码")
    mobile = serializers.SerializerMethodField(help_text="联系电话；无权查看时打码")
    source_label = StrictCharField(source="get_source_display", read_only=True)
    organisation = StrictCharField(source="organisation.name", read_only=True, allow_null=True, default=None)
    person = serializers.IntegerField(
        source="person_id", read_only=True, allow_null=True, help_text="已任职时的人员编号"
    )

    class Meta:
        model = RegisterEntry
        fields = [
            "id",
            "unit",
            "unit_name",
            "name",
            "birth_date",
            "id_number",
            "field",
            "workplace_title",
            "mobile",
            "source",
            "source_label",
            "organisation",
            "is_social_worker",
            "person",
            "note",
            "updated_at",
        ]

    def get_id_number(self, entry: RegisterEntry) -> str:
        return entry.id_number if self.context.get("show_personal_data") else mask_id_number(entry.id_number)

    def get_mobile(self, entry: RegisterEntry) -> str:
        return entry.mobile if self.context.get("show_personal_data") else mask_mobile(entry.mobile)


class CandidateSerializer(StrictModelSerializer[Candidate]):
    unit = StrictCharField(source="unit.code", read_only=True, help_text="拟任组织代码")
    name = StrictCharField(source="entry.name", read_only=True)
    entry = serializers.IntegerField(source="entry_id", read_only=True, help_text="档案编号")
    role_label = StrictCharField(source="get_role_display", read_only=True)
    method_label = StrictCharField(source="get_method_display", read_only=True)
    mode_label = StrictCharField(source="get_mode_display", read_only=True)
    status_label = StrictCharField(source="get_status_display", read_only=True)
    post = serializers.IntegerField(source="post_id", read_only=True, allow_null=True, help_text="任命后的任职编号")

    class Meta:
        model = Candidate
        fields = [
            "id",
            "unit",
            "entry",
            "name",
            "role",
            "role_label",
            "method",
            "method_label",
            "mode",
            "mode_label",
            "proposed_on",
            "status",
            "status_label",
            "vetted_on",
            "vetting_body",
            "vetting_note",
            "post",
        ]


class MeetingSerializer(StrictModelSerializer[Meeting]):
    unit = StrictCharField(source="unit.code", read_only=True, help_text="组织代码")
    # Declared: a model's PositiveIntegerField gets its bounds from the database backend, and the schema
    # must be the same on SQLite and PostgreSQL (docs/openapi.yaml).
    attendance = serializers.IntegerField(read_only=True, help_text="参会人数")
    post_count = serializers.IntegerField(read_only=True, help_text="会上任命的职务数")
    filed = serializers.SerializerMethodField(help_text="是否已向同级党组织和上级妇联备案")

    class Meta:
        model = Meeting
        fields = ["id", "unit", "held_on", "place", "attendance", "post_count", "filed", "note"]

    def get_filed(self, meeting: Meeting) -> bool:
        return hasattr(meeting, "filing")


class _UnitList(generics.ListAPIView):
    """A list of one unit's selection records; the unit by its code, 404 outside the caller's subtree."""

    unit: Unit

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.unit = get_unit_by_code_for_user(request.user, kwargs["code"])

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        context["show_personal_data"] = can_see_personal_data(self.request.user, self.unit)
        return context


@extend_schema(
    summary="人才档案（本级及下级）",
    parameters=[OpenApiParameter("q", str, description="姓名或拼音首字母；有权查看者也可用完整的身份证号或手机号")],
    tags=TAGS,
)
class RegisterList(_UnitList):
    """The register of the unit and of every unit below it, as the register page lists it."""

    serializer_class = RegisterEntrySerializer

    def get_queryset(self) -> QuerySet[RegisterEntry]:
        entries = services.register_of(self.unit)
        q = "".join(text_param(self.request, "q").split())
        if q:
            entries = entries.filter(text_match(q, unmasked=can_see_personal_data(self.request.user, self.unit)))
        return entries


@extend_schema(summary="拟任人选（本组织）", tags=TAGS)
class CandidateList(_UnitList):
    serializer_class = CandidateSerializer

    def get_queryset(self) -> QuerySet[Candidate]:
        return services.candidates_of(self.unit).select_related("unit")


@extend_schema(summary="妇女群众会议（本组织）", tags=TAGS)
class MeetingList(_UnitList):
    serializer_class = MeetingSerializer

    def get_queryset(self) -> QuerySet[Meeting]:
        return services.meetings_of(self.unit).select_related("unit").order_by("-held_on", "-pk")
