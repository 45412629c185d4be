"""The catalog in the Django admin, where a CDE administrator confirms or corrects it.

Facts the project inferred (no CDE document states them) carry `inferred`; the lists
show and filter on it so the administrator can work through them and clear the flag.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, QuerySet
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest

from cim.catalog_check import box_field_problems
from cim.models import (
    ActivityDefinition,
    ActivityRequirement,
    Cohort,
    Determination,
    Indicator,
    MonitoringYear,
    ReportingPeriod,
    StepwellBox,
)
from lea import data_version, services
from lea.admin import ReadOnlyAdmin
from lea.audit import Changes, diff
from lea.models import AuditVerb, User


class AuditedAdmin(admin.ModelAdmin):
    """Every catalog edit leaves an AuditEvent, like the app's own services do."""

    def save_model(self, request: HttpRequest, obj: Model, form: ModelForm, change: bool) -> None:
        before = _stored(obj, form.changed_data) if change else None
        super().save_model(request, obj, form, change)
        verb = AuditVerb.CATALOG_CHANGE if change else AuditVerb.CATALOG_CREATE
        self._audit(request, obj, verb, diff(before, _cleaned(form)))

    def save_formset(
        self, request: HttpRequest, form: ModelForm, formset: BaseInlineFormSet, change: bool
    ) -> None:
        # Read before the save: the inline rows as they were.
        changed = [
            (inline_form, _stored(inline_form.instance, inline_form.changed_data))
            for inline_form in formset.forms
            if inline_form.has_changed() and inline_form.instance.pk
        ]
        super().save_formset(request, form, formset, change)
        for inline_form, before in changed:
            self._audit(
                request,
                inline_form.instance,
                AuditVerb.CATALOG_CHANGE,
                diff(before, _cleaned(inline_form)),
            )

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        self._audit(request, obj, AuditVerb.CATALOG_DELETE, {})
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        """The list's "Delete selected" action: one audit row per object, like one delete,
        all or nothing (the action, unlike the delete page, runs outside a transaction)."""
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)

    def _audit(self, request: HttpRequest, obj: Model, verb: AuditVerb, changes: Changes) -> None:
        actor: User = request.user  # type: ignore[assignment]
        services.audit(actor=actor, verb=verb, target=obj, changes=changes)
        data_version.changed()


def _stored(obj: Model, names: list[str]) -> dict[str, Any]:
    """The named fields of a catalog row as saved now (a many-to-many field: its rows)."""
    stored = type(obj)._default_manager.get(pk=obj.pk)
    values = {name: getattr(stored, name) for name in names}
    return {
        name: list(value.all()) if hasattr(value, "all") else value
        for name, value in values.items()
    }


def _cleaned(form: ModelForm) -> dict[str, Any]:
    return {name: form.cleaned_data.get(name) for name in form.changed_data}


@admin.register(MonitoringYear)
class MonitoringYearAdmin(AuditedAdmin):
    list_display = ("year", "adl_sent_on")


@admin.register(Cohort)
class CohortAdmin(AuditedAdmin):
    list_display = (
        "name",
        "key",
        "year",
        "tier",
        "step1_due",
        "step2_due",
        "step3_due",
        "inferred",
    )
    list_filter = ("year", "tier", "inferred")
    search_fields = ("name", "key")


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(AuditedAdmin):
    """Step 4 report periods and due dates. No inline or list editing: each period is
    checked against the others as saved (`ReportingPeriod.clean`), one form at a time."""

    list_display = ("cohort", "number", "starts_on", "ends_on", "due_on", "inferred")
    list_filter = ("cohort", "inferred")
    ordering = ("cohort", "number")
    list_select_related = ("cohort",)


class ActivityRequirementInline(admin.TabularInline):
    model = ActivityRequirement
    extra = 0
    # help is shown to the LEA with the requirement; note is for catalog editors only.
    fields = ("level", "requirement", "condition", "assistance", "approver", "help", "note")


class StepwellBoxInline(admin.TabularInline):
    model = StepwellBox
    extra = 0
    fields = ("number", "title", "levels", "na_levels", "na_reason", "inferred")
    show_change_link = True


@admin.register(ActivityDefinition)
class ActivityDefinitionAdmin(AuditedAdmin):
    list_display = ("name", "cohort", "step", "key", "due_date", "inferred")
    list_filter = ("cohort", "step", "inferred")
    list_editable = ("inferred",)
    search_fields = ("name", "key")
    ordering = ("cohort", "position")
    inlines = (ActivityRequirementInline, StepwellBoxInline)


class StepwellBoxForm(ModelForm):
    """A box edited in the admin meets the rules a catalog file's boxes are checked for."""

    class Meta:
        model = StepwellBox
        fields = ("fields",)

    def clean_fields(self) -> Any:
        fields = self.cleaned_data.get("fields")
        if problems := box_field_problems({"fields": fields}, "box"):
            raise ValidationError([f"{problem.key}: {problem.reason}" for problem in problems])
        return fields


@admin.register(StepwellBox)
class StepwellBoxAdmin(AuditedAdmin):
    form = StepwellBoxForm
    list_display = (
        "number", "title", "cohort", "activity", "step", "levels", "na_levels", "inferred",
    )  # fmt: skip
    list_filter = ("cohort", "step", "inferred")
    list_editable = ("inferred",)
    search_fields = ("title",)


@admin.register(Indicator)
class IndicatorAdmin(AuditedAdmin):
    list_display = ("code", "name", "kind")
    list_filter = ("kind",)


@admin.register(Determination)
class DeterminationAdmin(ReadOnlyAdmin):
    """Read-only: determinations come from the ADL load, which keeps engagements in step."""

    list_display = ("lea", "year", "tier", "level", "new_to_cim", "loaded_at")
    list_filter = ("year", "tier", "level", "new_to_cim")
    search_fields = ("lea__name", "lea__code")
    list_select_related = ("lea", "year")
