from django.urls import path

from . import defined_views, views

app_name = "reports"
urlpatterns = [
    path("units/<int:pk>/reports/", views.report_index, name="index"),
    path("units/<int:pk>/reports/<int:form_no>/", views.report_table, name="table"),
    path("units/<int:pk>/reports/<int:form_no>/print/", views.report_print, name="print"),
    path("units/<int:pk>/reports/<int:form_no>/export.xlsx", views.report_xlsx, name="xlsx"),
    path("units/<int:pk>/reports/<int:form_no>/export.pdf", views.report_pdf, name="pdf"),
    path("units/<int:pk>/reports/<int:form_no>/cell/", views.report_cell, name="cell"),
    path("units/<int:pk>/tables/define/", defined_views.define_table, name="define"),
    path("units/<int:pk>/tables/<slug:key>/", defined_views.defined_table, name="defined_table"),
    path("units/<int:pk>/tables/<slug:key>/export.xlsx", defined_views.defined_xlsx, name="defined_xlsx"),
    path("units/<int:pk>/tables/<slug:key>/cell/", defined_views.defined_cell, name="defined_cell"),
]
