"""The selection path (issue 11): register, candidates, vetting, meetings, certificates, 备案.

The paths are the ones they had under members; the names are namespaced selection:."""

from django.urls import path

from . import views as v

app_name = "selection"
urlpatterns = [
    path("units/<int:pk>/selection/", v.selection_page, name="selection"),
    path("units/<int:pk>/register/", v.register, name="register"),
    path("units/<int:pk>/register/add/", v.register_add, name="register_add"),
    path("units/<int:pk>/register.xlsx", v.register_xlsx, name="register_xlsx"),
    path("units/<int:pk>/register/template.xlsx", v.register_template_xlsx, name="register_template"),
    path("units/<int:pk>/register/import/", v.register_import, name="register_import"),
    path("units/<int:pk>/register/import/confirm/", v.register_import_confirm, name="register_import_confirm"),
    path("units/<int:pk>/register/organisations/add/", v.organisation_add, name="organisation_add"),
    path("register/<int:pk>/edit/", v.register_edit, name="register_edit"),
    path("register/<int:pk>/propose/", v.propose, name="propose"),
    path("candidates/<int:pk>/vet/", v.candidate_vet, name="candidate_vet"),
    path("units/<int:pk>/meetings/add/", v.meeting_add, name="meeting_add"),
    path("meetings/<int:pk>/", v.meeting_detail, name="meeting"),
    path("meetings/<int:pk>/appoint/", v.meeting_appoint, name="meeting_appoint"),
    path("meetings/<int:pk>/certificates/", v.meeting_certificates, name="meeting_certificates"),
    path("meetings/<int:pk>/filing/", v.filing_print, name="filing_print"),
    path("meetings/<int:pk>/filing/record/", v.filing_record, name="filing_record"),
    path("meetings/<int:pk>/filing.xlsx", v.filing_xlsx, name="filing_xlsx"),
    path("meetings/<int:pk>/filing.pdf", v.filing_pdf, name="filing_pdf"),
    path("posts/<int:pk>/certificate/", v.post_certificate, name="post_certificate"),
    path("posts/<int:pk>/certificate.pdf", v.post_certificate_pdf, name="post_certificate_pdf"),
    path("units/<int:pk>/certificates/", v.unit_certificates, name="unit_certificates"),
    path("units/<int:pk>/filings/", v.filing_overview, name="filing_overview"),
]
