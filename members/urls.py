from django.urls import path

from . import views

app_name = "members"
urlpatterns = [
    path("people/<int:pk>/", views.person_detail, name="person"),
]
