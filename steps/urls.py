from django.urls import path

from steps.parts import part_url_modules
from steps.views import adl as views
from steps.views import assignments, queues, submissions, work

urlpatterns = [
    path(
        "engagements/<int:engagement_id>/", work.engagement_workspace, name="engagement_workspace"
    ),
    path(
        "engagements/<int:engagement_id>/activities/<slug:activity_key>/",
        work.activity_detail,
        name="activity_detail",
    ),
    path(
        "engagements/<int:engagement_id>/activities/<slug:activity_key>/set-aside/",
        work.activity_set_aside,
        name="activity_set_aside",
    ),
    path(
        "engagements/<int:engagement_id>/activities/<slug:activity_key>/history/",
        work.activity_history,
        name="activity_history",
    ),
    path(
        "engagements/<int:engagement_id>/activities/<slug:activity_key>/checklist/",
        work.activity_checklist,
        name="activity_checklist",
    ),
    path("status/", views.cim_status, name="cim_status"),
    path("status.csv", views.cim_status_csv, name="cim_status_csv"),
    path("adl/", views.adl_upload, name="adl_upload"),
    path("adl/template.csv", views.adl_template, name="adl_template"),
    path("adl/<int:upload_id>/", views.adl_upload_detail, name="adl_upload_detail"),
    path("adl/<int:upload_id>/apply/", views.adl_upload_apply, name="adl_upload_apply"),
    path("adl/<int:upload_id>/errors.csv", views.adl_upload_errors, name="adl_upload_errors"),
]

urlpatterns += submissions.urlpatterns + queues.urlpatterns + assignments.urlpatterns

# Each structured part of the activity forms brings its own URLs (steps/parts).
for _module in part_url_modules():
    urlpatterns += _module.urlpatterns
