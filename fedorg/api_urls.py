"""The JSON API: every app registers its routes here, behind the same access rule."""

from django.urls import path

from members import api as members_api
from orgtree import api as orgtree_api
from returns import api as returns_api

urlpatterns = [
    path("units/", orgtree_api.UnitList.as_view(), name="api-unit-list"),
    path("units/<int:pk>/", orgtree_api.UnitDetail.as_view(), name="api-unit-detail"),
    path("units/<int:pk>/children/", orgtree_api.UnitChildren.as_view(), name="api-unit-children"),
    path("units/<int:pk>/posts/", members_api.UnitPosts.as_view(), name="api-unit-posts"),
    path("people/<int:pk>/", members_api.PersonDetail.as_view(), name="api-person-detail"),
    path("campaigns/<int:pk>/returns/", returns_api.CampaignReturns.as_view(), name="api-campaign-returns"),
    path("returns/<int:pk>/", returns_api.ReturnDetail.as_view(), name="api-return-detail"),
]
