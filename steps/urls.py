from django.urls import path

from steps.parts import declared_rows, part_url_modules
from steps.views import adl as views
from steps.views import assignments, drilldown, facts, queues, submissions, work
from steps.views.part_rows import row_urlpatterns

urlpatterns = [
    path(
        "engagements/<int:engagement_id>/", work.engagement_workspace, name="engagement_workspace"
    ),
    path(
        "engagements/<int:engagement_id>/facts/selpa-progress-reports/",
        facts.determination_selpa_reports,
        name="determination_selpa_reports",
    ),
    path(
        "engagements/<int:engagement_id>/facts/srr-finding/",
        facts.determination_srr_finding,
        name="determination_srr_finding",
    ),
    path(
        "engagements/<int:engagement_id>/prior-plan/",
        facts.engagement_prior_plan,
        name="engagement_prior_plan",
    ),
    path(
        "engagements/<int:engagement_id>/drill-down/",
        drilldown.drilldown_detail,
        name="drilldown_detail",
    ),
    path(
        "engagements/<int:engagement_id>/drill-down/upload/",
        drilldown.drilldown_upload_view,
        name="drilldown_upload",
    ),
    path(
        "engagements/<int:engagement_id>/drill-down/tables.csv",
        drilldown.drilldown_csv,
        name="drilldown_csv",
    ),
    path(
        "engagements/<int:engagement_id>/drill-down/cite/",
        drilldown.drilldown_cite_view,
        name="drilldown_cite",
    ),
    path(
        "engagements/<int:engagement_id>/drill-down/citations/<int:citation_id>/remove/",
        drilldown.drilldown_citation_remove_view,
        name="drilldown_citation_remove",
    ),
    path("drill-down/template.csv", drilldown.drilldown_template, name="drilldown_template"),
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
    path(
        "engagements/<int:engagement_id>/activities/<slug:activity_key>/presence/",
        work.activity_presence,
        name="activity_presence",
    ),
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
for _rows in declared_rows():
    urlpatterns += row_urlpatterns(_rows)
