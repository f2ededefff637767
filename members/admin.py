"""Read-only admin: every roster change goes through members.services, so it is validated and audited."""

from django.contrib import admin

from fedorg.admin import ReadOnlyAdmin

from .models import Person, Post


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ["name", "gender", "birth_date", "political_status", "education", "workplace_title"]
    search_fields = ["name", "name_initials", "id_number"]
    list_filter = ["gender", "political_status", "education", "is_women_worker", "is_frontline"]


@admin.register(Post)
class PostAdmin(ReadOnlyAdmin):
    list_display = ["person", "unit", "role", "mode", "start_date", "end_date"]
    list_filter = ["role", "mode", "method"]
    search_fields = ["person__name", "unit__name", "unit__code"]
    list_select_related = ["person", "unit"]
    raw_id_fields = ["person", "unit", "term"]
