from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("search/", views.search, name="search"),
    path("search/suggest/", views.search_suggest, name="search_suggest"),
    path("", include("orgtree.urls")),
    path("", include("members.urls")),
    path("", include("selection.urls")),
    path("", include("grassroots.urls")),
    path("", include("reports.urls")),
    path("", include("returns.urls")),
    path("", include("jobs.urls")),
    path("api/v1/", include("web.api_urls")),
    path("django-admin/", admin.site.urls),
    # No /media/ route, in development or production: seal images are assets served through the access
    # rule (orgtree:seal_image), never files on the web (docs/deploy.md).
]
