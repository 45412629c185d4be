from django.urls import URLPattern

from reports.views import calendar, pdf, progress, reminders

urlpatterns: list[URLPattern] = [
    *progress.urlpatterns,
    *pdf.urlpatterns,
    *calendar.urlpatterns,
    *reminders.urlpatterns,
]
