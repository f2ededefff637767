"""Roster import and export pages (kept apart from the roster pages in urls.py)."""

from django.urls import path

from . import views_excel

urlpatterns = [
    path("units/<int:pk>/roster/template.xlsx", views_excel.roster_template, name="roster_template"),
    path("units/<int:pk>/roster/import/", views_excel.roster_import, name="roster_import"),
    path("units/<int:pk>/roster/import/confirm/", views_excel.roster_import_confirm, name="roster_import_confirm"),
    path(
        "units/<int:pk>/roster/import/<str:token>/errors.xlsx",
        views_excel.roster_import_errors,
        name="roster_import_errors",
    ),
    path("units/<int:pk>/roster/export/", views_excel.roster_export_options, name="roster_export_options"),
    path("units/<int:pk>/roster/export.xlsx", views_excel.roster_export, name="roster_export"),
    path("units/<int:pk>/roster/export/job/", views_excel.roster_export_job, name="roster_export_job"),
]
