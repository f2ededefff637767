from django.urls import include, path

from . import views

app_name = "members"
urlpatterns = [
    path("units/<int:pk>/roster/", views.roster, name="roster"),
    path("units/<int:pk>/roster/add/", views.person_add, name="person_add"),
    path("units/<int:pk>/roster/appoint/", views.appoint_existing, name="appoint_existing"),
    path("units/<int:pk>/compliance/", views.compliance, name="compliance"),
    path("units/<int:pk>/compliance.xlsx", views.compliance_xlsx, name="compliance_xlsx"),
    path("rule-sets/", views.rule_sets, name="rule_sets"),
    path("posts/<int:pk>/edit/", views.post_edit, name="post_edit"),
    path("posts/<int:pk>/end/", views.post_end, name="post_end"),
    path("people/<int:pk>/", views.person_detail, name="person"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("", include("members.urls_excel")),
]
