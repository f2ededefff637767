from django.urls import include, path

from . import views

app_name = "members"
urlpatterns = [
    path("people/<int:pk>/", views.person_detail, name="person"),
    path("", include("members.urls_excel")),
]
