from django.contrib import admin
from django.urls import include, path

from cim import views

admin.site.site_header = "CIM Portal administration"
admin.site.site_title = "CIM Portal admin"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("", include("lea.urls")),
    path("", include("steps.urls")),
    path("", include("reports.urls")),
]
