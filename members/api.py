"""Rosters over JSON, behind the same access rule and the same masking as the pages."""

import datetime

from django.utils import timezone
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError

from fedorg.masking import mask_id_number, mask_mobile
from orgtree.access import can_see_personal_data, get_unit_for_user, visible_units

from .access import get_person_for_user
from .models import Person, Post


class PersonSerializer(serializers.ModelSerializer):
    """A person; 身份证号 and 手机号码 are masked unless context["show_personal_data"]."""

    gender_label = serializers.CharField(source="get_gender_display", read_only=True)
    ethnicity_label = serializers.CharField(source="get_ethnicity_display", read_only=True)
    political_status_label = serializers.CharField(source="get_political_status_display", read_only=True)
    education_label = serializers.CharField(source="get_education_display", read_only=True)
    source_label = serializers.CharField(source="get_source_display", read_only=True)
    birth_month = serializers.SerializerMethodField()
    id_number = serializers.SerializerMethodField()
    mobile = serializers.SerializerMethodField()
    url = serializers.CharField(source="get_absolute_url", read_only=True)

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
            "url",
        ]

    def get_birth_month(self, person):
        return f"{person.birth_date.year}-{person.birth_date.month:02d}"

    def get_id_number(self, person):
        return person.id_number if self.context.get("show_personal_data") else mask_id_number(person.id_number)

    def get_mobile(self, person):
        return person.mobile if self.context.get("show_personal_data") else mask_mobile(person.mobile)


class PostSerializer(serializers.ModelSerializer):
    role_label = serializers.CharField(source="get_role_display", read_only=True)
    mode_label = serializers.CharField(source="get_mode_display", read_only=True)
    method_label = serializers.CharField(source="get_method_display", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    # From the certificate register, the one source of a certificate's number.
    certificate_no = serializers.CharField(read_only=True)
    certificate_date = serializers.DateField(read_only=True)

    class Meta:
        model = Post
        fields = [
            "id",
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
        ]


class RosterPostSerializer(PostSerializer):
    person = PersonSerializer(read_only=True)

    class Meta(PostSerializer.Meta):
        fields = [*PostSerializer.Meta.fields, "person"]


class PersonDetailSerializer(PersonSerializer):
    posts = serializers.SerializerMethodField()

    class Meta(PersonSerializer.Meta):
        fields = [*PersonSerializer.Meta.fields, "posts"]

    def get_posts(self, person):
        return PostSerializer(self.context["posts"], many=True).data


class UnitPosts(generics.ListAPIView):
    """Posts of a unit held on ?on=YYYY-MM-DD (default today), highest post first."""

    serializer_class = RosterPostSerializer

    def get_unit(self):
        if not hasattr(self, "_unit"):
            self._unit = get_unit_for_user(self.request.user, self.kwargs["pk"])
        return self._unit

    def get_on(self):
        value = self.request.query_params.get("on")
        if not value:
            return timezone.localdate()
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            raise ValidationError({"on": f"日期“{value}”格式不对，应为 YYYY-MM-DD。"}) from None

    def get_queryset(self):
        return (
            Post.objects.current(on=self.get_on())
            .filter(unit=self.get_unit())
            .select_related("person", "unit", "certificate")
            .by_rank()
        )

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["show_personal_data"] = can_see_personal_data(self.request.user, self.get_unit())
        return context


class PersonDetail(generics.RetrieveAPIView):
    """A person who holds or held a post in the caller's subtree, with those posts."""

    serializer_class = PersonDetailSerializer

    def get_object(self):
        if not hasattr(self, "_person"):
            self._person = get_person_for_user(self.request.user, self.kwargs["pk"])
        return self._person

    def get_serializer_context(self):
        context = super().get_serializer_context()
        person = self.get_object()
        context["show_personal_data"] = self.request.user.can_see_personal_data
        context["posts"] = (
            Post.objects.filter(person=person, unit__in=visible_units(self.request.user))
            .select_related("unit", "certificate")
            .order_by("-start_date")
        )
        return context
