from django.urls import path

from steps import views

urlpatterns = [
    path("status/", views.cim_status, name="cim_status"),
    path("status.csv", views.cim_status_csv, name="cim_status_csv"),
    path("adl/", views.adl_upload, name="adl_upload"),
    path("adl/template.csv", views.adl_template, name="adl_template"),
    path("adl/<int:upload_id>/", views.adl_upload_detail, name="adl_upload_detail"),
    path("adl/<int:upload_id>/apply/", views.adl_upload_apply, name="adl_upload_apply"),
    path("adl/<int:upload_id>/errors.csv", views.adl_upload_errors, name="adl_upload_errors"),
]
