"""The reports app in the Django admin. Reminders: CDE administrators change the schedule
and see every digest, with why one failed (filter by status and day)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.forms import ModelForm
from django.http import HttpRequest

from lea.admin import ReadOnlyAdmin
from lea.models import User
from reports.models import Digest, Reminder, ReminderSchedule
from reports.services import reminders as services_reminders


@admin.register(ReminderSchedule)
class ReminderScheduleAdmin(admin.ModelAdmin):
    list_display = ("__str__", "overdue_repeat_days", "updated_at")
    fields = ("offsets", "overdue_repeat_days")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # one schedule, created by the migration

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: ReminderSchedule, form: ModelForm, change: bool
    ) -> None:
        actor: User = request.user  # type: ignore[assignment]
        services_reminders.reminder_schedule_update(
            actor=actor, schedule=obj, changed=list(form.changed_data)
        )


class ReminderInline(admin.TabularInline):
    model = Reminder
    extra = 0
    fields = ("kind", "lea_name", "title", "due_date", "days", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Digest)
class DigestAdmin(ReadOnlyAdmin):
    list_display = ("email", "day", "status", "attempts", "error", "sent_at")
    list_filter = ("status", "day")
    search_fields = ("email",)
    date_hierarchy = "day"
    readonly_fields = (
        "email", "day", "user", "invitation", "status", "attempts", "error", "created_at",
        "claimed_at", "sent_at",
    )  # fmt: skip
    inlines = (ReminderInline,)


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = ("recipient_email", "kind", "lea_name", "title", "due_date", "days", "digest")
    list_filter = ("kind", "due_date")
    search_fields = ("recipient_email", "lea_name", "title")
    list_select_related = ("digest",)
