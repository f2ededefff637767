"""Read-mostly admin for campaigns and returns; workflow changes go through the pages (services)."""

from django.contrib import admin

from fedorg.admin import ReadOnlyAdmin

from .models import Campaign, CampaignForm, Notification, Return, ReturnEvent, ReturnSnapshot


class CampaignFormInline(admin.TabularInline):
    model = CampaignForm
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["doc_number", "title", "baseline_date", "cut_off_date", "unit"]
    inlines = [CampaignFormInline]


@admin.register(Return)
class ReturnAdmin(ReadOnlyAdmin):
    list_display = ["unit", "form", "campaign", "status", "submitted_at", "reviewed_at"]
    list_filter = ["status", "campaign"]


@admin.register(ReturnSnapshot)
class ReturnSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["ret", "number", "code", "created_at", "created_by"]
    search_fields = ["code"]


@admin.register(ReturnEvent)
class ReturnEventAdmin(ReadOnlyAdmin):
    list_display = ["ret", "action", "from_status", "to_status", "actor", "at"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["user", "text", "created_at", "read_at"]
