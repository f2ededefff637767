"""The JSON API, version 1: every route of /api/v1/ is registered here, and only here.

Each app keeps its views in <app>/api.py; this file wires them, plus the OpenAPI schema and its
browsable docs (served from drf-spectacular-sidecar, no CDN). docs/api.md shows how to use it.
"""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from fedorg.restapi import not_found
from grassroots import api as grassroots_api
from members import api as members_api
from orgtree import api as orgtree_api
from orgtree import congress_api
from reports import api as reports_api
from returns import api as returns_api
from selection import api as selection_api

urlpatterns = [
    # The schema and its docs
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    # Units (orgtree)
    path("units/", orgtree_api.UnitList.as_view(), name="api-unit-list"),
    path("units/<str:code>/", orgtree_api.UnitDetail.as_view(), name="api-unit-detail"),
    path("units/<str:code>/children/", orgtree_api.UnitChildren.as_view(), name="api-unit-children"),
    path("units/<str:code>/ancestors/", orgtree_api.UnitAncestors.as_view(), name="api-unit-ancestors"),
    path("units/<str:code>/move/", orgtree_api.UnitMove.as_view(), name="api-unit-move"),
    path("units/<str:code>/merge/", orgtree_api.UnitMerge.as_view(), name="api-unit-merge"),
    path("units/<str:code>/archive/", orgtree_api.UnitArchive.as_view(), name="api-unit-archive"),
    path("units/<str:code>/restore/", orgtree_api.UnitRestore.as_view(), name="api-unit-restore"),
    path("units/<str:code>/convert/", orgtree_api.UnitConvert.as_view(), name="api-unit-convert"),
    # 换届: a unit's congresses (orgtree)
    path("units/<str:code>/congresses/", congress_api.CongressList.as_view(), name="api-congress-list"),
    path(
        "units/<str:code>/congresses/<int:number>/",
        congress_api.CongressDetail.as_view(),
        name="api-congress-detail",
    ),
    # People, posts and the roster workbook (members)
    path("units/<str:code>/roster/import/", members_api.RosterImport.as_view(), name="api-roster-import"),
    path("people/", members_api.PersonList.as_view(), name="api-person-list"),
    path("people/<int:pk>/", members_api.PersonDetail.as_view(), name="api-person-detail"),
    path("posts/", members_api.PostList.as_view(), name="api-post-list"),
    path("posts/<int:pk>/", members_api.PostDetail.as_view(), name="api-post-detail"),
    path("posts/<int:pk>/end/", members_api.PostEnd.as_view(), name="api-post-end"),
    # The register, candidates and 妇女群众会议 (selection; read-only)
    path("units/<str:code>/register/", selection_api.RegisterList.as_view(), name="api-register-list"),
    path("units/<str:code>/candidates/", selection_api.CandidateList.as_view(), name="api-candidate-list"),
    path("units/<str:code>/meetings/", selection_api.MeetingList.as_view(), name="api-meeting-list"),
    # 妇女之家, the two committees and the area's organisations (grassroots)
    path("units/<str:code>/women-homes/", grassroots_api.WomenHomeList.as_view(), name="api-women-home-list"),
    path("women-homes/<int:pk>/", grassroots_api.WomenHomeDetail.as_view(), name="api-women-home-detail"),
    path("women-homes/<int:pk>/activities/", grassroots_api.ActivityList.as_view(), name="api-women-home-activities"),
    path("units/<str:code>/two-committees/", grassroots_api.TwoCommitteesList.as_view(), name="api-two-committees"),
    path(
        "units/<str:code>/area-organisations/", grassroots_api.OrganisationList.as_view(), name="api-area-organisations"
    ),
    # 附表1–5 (reports)
    path("reports/<int:form_no>/", reports_api.ReportTable.as_view(), name="api-report"),
    # Campaigns, returns, review, verification (returns)
    path("campaigns/", returns_api.CampaignList.as_view(), name="api-campaign-list"),
    path("returns/", returns_api.ReturnList.as_view(), name="api-return-list"),
    path("returns/submit/", returns_api.ReturnSubmitNew.as_view(), name="api-return-submit-new"),
    path("returns/<int:pk>/", returns_api.ReturnDetail.as_view(), name="api-return-detail"),
    path("returns/<int:pk>/submit/", returns_api.ReturnSubmit.as_view(), name="api-return-submit"),
    path("returns/<int:pk>/approve/", returns_api.ReturnApprove.as_view(), name="api-return-approve"),
    path("returns/<int:pk>/send-back/", returns_api.ReturnSendBack.as_view(), name="api-return-send-back"),
    path("returns/<int:pk>/reopen/", returns_api.ReturnReopen.as_view(), name="api-return-reopen"),
    path("verify/<str:code>/", returns_api.Verify.as_view(), name="api-verify"),
    # Anything else under /api/v1/ answers the JSON 404 (never the HTML page).
    re_path(r"", not_found),
]
