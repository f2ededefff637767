from django.urls import path

from . import congress_views, views

app_name = "orgtree"
urlpatterns = [
    path("units/", views.roots, name="roots"),
    path("units/search/", views.unit_search, name="search"),
    path("units/pick/", views.unit_pick, name="pick"),
    path("units/<int:pk>/", views.unit_detail, name="unit"),
    path("units/<int:pk>/create/", views.unit_create, name="create"),
    path("units/<int:pk>/rename/", views.unit_rename, name="rename"),
    path("units/<int:pk>/move/", views.unit_move, name="move"),
    path("units/<int:pk>/recode/", views.unit_recode, name="recode"),
    path("units/<int:pk>/merge/", views.unit_merge, name="merge"),
    path("units/<int:pk>/archive/", views.unit_archive, name="archive"),
    path("units/<int:pk>/restore/", views.unit_restore, name="restore"),
    path("units/<int:pk>/convert/", views.unit_convert, name="convert"),
    path("units/<int:pk>/pilot/", views.unit_pilot, name="pilot"),
    path("units/<int:pk>/contacts/", views.unit_contacts, name="contacts"),
    path("units/<int:pk>/seal/", views.unit_seal, name="seal"),
    path("units/<int:pk>/seal.png", views.unit_seal_image, name="seal_image"),
    path("units/<int:pk>/export.xlsx", views.unit_export, name="export"),
    path("units/<int:pk>/congresses/", congress_views.congress_list, name="congresses"),
    path("units/<int:pk>/congresses/new/", congress_views.congress_create, name="congress_create"),
    path("units/<int:pk>/congresses/<int:number>/edit/", congress_views.congress_edit, name="congress_edit"),
    path("units/<int:pk>/congresses/export.xlsx", congress_views.congress_export, name="congress_export"),
    path("units/<int:pk>/congresses/import/", congress_views.congress_import, name="congress_import"),
    path("accounts/", views.account_list, name="accounts"),
    path("accounts/new/", views.account_edit, name="account_create"),
    path("accounts/<int:pk>/", views.account_edit, name="account_edit"),
    path("tokens/", views.api_token_list, name="api_tokens"),
    path("tokens/<int:pk>/revoke/", views.api_token_revoke, name="api_token_revoke"),
]
