"""Engagements and activity records, read-only: the ADL load and the step services write
them, so their audit trail and requirement resolution stay whole."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from lea.admin import ReadOnlyAdmin
from steps.models import ActivityRecord, Engagement


class ActivityRecordInline(admin.TabularInline):
    model = ActivityRecord
    extra = 0
    fields = ("definition", "requirement", "requirement_reason", "approver", "status", "due_date")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Engagement)
class EngagementAdmin(ReadOnlyAdmin):
    list_display = ("lea", "cohort", "determination", "created_at")
    list_filter = ("cohort",)
    search_fields = ("lea__name", "lea__code")
    list_select_related = ("lea", "cohort", "determination__year", "determination__lea")
    inlines = (ActivityRecordInline,)


@admin.register(ActivityRecord)
class ActivityRecordAdmin(ReadOnlyAdmin):
    list_display = ("engagement", "definition", "requirement", "approver", "status", "due_date")
    list_filter = ("engagement__cohort", "requirement", "approver", "status")
    search_fields = ("engagement__lea__name", "definition__name")
    list_select_related = ("engagement__lea", "engagement__cohort", "definition__cohort")
