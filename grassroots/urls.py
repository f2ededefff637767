"""Pages of the grassroots registers (issue 24): 妇女之家, 村（居）两委, 辖区组织 (组建率)."""

from django.urls import path

from . import views as v

app_name = "grassroots"
urlpatterns = [
    path("units/<int:pk>/grassroots/", v.unit_page, name="unit"),
    path("units/<int:pk>/grassroots.xlsx", v.grassroots_export, name="export"),
    path("units/<int:pk>/grassroots/import/", v.grassroots_import, name="import"),
    path("units/<int:pk>/grassroots/import/confirm/", v.grassroots_import_confirm, name="import_confirm"),
    path("units/<int:pk>/women-homes/add/", v.women_home_add, name="women_home_add"),
    path("women-homes/<int:pk>/", v.women_home, name="women_home"),
    path("women-homes/<int:pk>/edit/", v.women_home_edit, name="women_home_edit"),
    path("women-homes/<int:pk>/activities/add/", v.activity_add, name="activity_add"),
    path("units/<int:pk>/two-committees/add/", v.two_committees_add, name="two_committees_add"),
    path("two-committees/<int:pk>/edit/", v.two_committees_edit, name="two_committees_edit"),
    path("units/<int:pk>/area-organisations/add/", v.organisation_add, name="organisation_add"),
    path("area-organisations/<int:pk>/edit/", v.organisation_edit, name="organisation_edit"),
]
