from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.static import serve

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("", include("orgtree.urls")),
    path("", include("members.urls")),
    path("", include("reports.urls")),
    path("", include("returns.urls")),
    path("api/v1/", include("fedorg.api_urls")),
    path("django-admin/", admin.site.urls),
    # Seal images are small and only shown to logged-in pages; in production a web server may take this over.
    path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}),
]
