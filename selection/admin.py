"""Read-only admin: every change of the selection path goes through selection.services, so it is validated and audited."""

from django.contrib import admin

from fedorg.admin import ReadOnlyAdmin

from .models import Certificate


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = ["number", "kind", "post", "issuing_unit", "issued_on"]
    search_fields = ["number"]
