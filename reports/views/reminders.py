"""The person's own reminder settings: daily digests on or off (overdue notices always come)."""

from typing import cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_http_methods

from lea.models import User
from reports.services import reminders as services_reminders

SAVED_ON = "Daily digests are on: you hear of CIM work coming due, and of overdue work."
SAVED_OFF = "Daily digests are off. You still get a notice when work you owe is overdue."


class ReminderSettingsForm(forms.Form):
    reminder_digests = forms.BooleanField(
        label="Email me a daily digest of CIM work coming due",
        required=False,
        help_text="At most one email a day, sent 30, 14, 7 and 1 days before a due date by "
        "default. Overdue notices come even when this is off.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def reminder_settings(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    if request.method == "POST":
        form = ReminderSettingsForm(request.POST)
        if form.is_valid():
            enabled = form.cleaned_data["reminder_digests"]
            services_reminders.user_set_reminder_digests(actor=user, user=user, enabled=enabled)
            messages.success(request, SAVED_ON if enabled else SAVED_OFF)
            return redirect("reminder_settings")
    else:
        form = ReminderSettingsForm(initial={"reminder_digests": user.reminder_digests})
    return render(request, "reports/reminder_settings.html", {"form": form})


urlpatterns: list[URLPattern] = [
    path("account/reminders/", reminder_settings, name="reminder_settings"),
]
