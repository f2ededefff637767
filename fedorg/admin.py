"""Shared Django-admin pieces."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Look, never edit: every change to these rows goes through an audited service."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
