from django.urls import URLPattern

from reports.views import calendar, home, pdf, progress, reminders

urlpatterns: list[URLPattern] = [
    *home.urlpatterns,
    *progress.urlpatterns,
    *pdf.urlpatterns,
    *calendar.urlpatterns,
    *reminders.urlpatterns,
]
