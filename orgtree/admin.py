"""Django admin shows the tree read-only: every tree write must go through orgtree.services
(lock, re-read, audit), which the admin's save path would bypass."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from fedorg.admin import ReadOnlyAdmin

from .models import AuditEvent, Unit, User


@admin.register(Unit)
class UnitAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "kind", "org_form", "is_pilot", "archived_at"]
    search_fields = ["name", "code"]
    list_filter = ["kind", "org_form", "is_pilot"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "action", "unit", "object_type", "object_id"]
    list_filter = ["action"]


@admin.register(User)
class FedorgUserAdmin(UserAdmin):
    fieldsets = [*(UserAdmin.fieldsets or ()), ("组织与角色", {"fields": ["full_name", "unit", "role", "phone"]})]
    raw_id_fields = ["unit"]
    list_display = ["username", "full_name", "unit", "role", "is_active"]
