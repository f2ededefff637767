"""Campaigns, returns, review, notifications and verification."""

from django.urls import path

from . import views

app_name = "returns"
urlpatterns = [
    path("campaigns/", views.campaign_list, name="campaigns"),
    path("campaigns/new/", views.campaign_create, name="campaign_create"),
    path("campaigns/<int:pk>/", views.campaign_dashboard, name="campaign"),
    path("campaigns/<int:pk>/approve/", views.campaign_bulk_approve, name="campaign_bulk_approve"),
    path("campaigns/forms/<int:form_pk>/units/<int:unit_pk>/submit/", views.return_submit, name="return_submit"),
    path(
        "campaigns/forms/<int:form_pk>/units/<int:unit_pk>/attachments/",
        views.attachment_add,
        name="attachment_add",
    ),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("attachments/<int:pk>/remove/", views.attachment_remove, name="attachment_remove"),
    path("returns/<int:pk>/", views.return_detail, name="return"),
    path("returns/<int:pk>/approve/", views.return_approve, name="return_approve"),
    path("returns/<int:pk>/send-back/", views.return_send_back, name="return_send_back"),
    path("returns/<int:pk>/reopen/", views.return_reopen, name="return_reopen"),
    path("returns/<int:pk>/export/", views.return_export, name="return_export"),
    path("returns/<int:pk>/export.pdf", views.return_export_pdf, name="return_export_pdf"),
    path("verify/", views.verify, name="verify_form"),
    path("verify/<str:code>/", views.verify, name="verify"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notification_read, name="notifications_read"),
]
