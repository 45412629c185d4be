"""The Django admin for CDE administrators. Changes go through the same services as the
app, so groups, grants and the audit trail stay right."""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from guardian.admin import GuardedModelAdmin

from lea import services
from lea.models import AuditEvent, Invitation, Membership, Organization, User

# Role groups and their permissions belong to lea.services (organization_grant_access):
# edited by hand they would change who sees what with no audit row.
admin.site.unregister(Group)


class ReadOnlyAdmin(admin.ModelAdmin):
    """For rows that only services write (history, loads): the admin shows them."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    fields = ("organization", "role", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "full_name", "is_active", "is_staff", "last_login")
    list_filter = ("is_active", "is_staff", "memberships__role")
    search_fields = ("email", "full_name")
    readonly_fields = ("last_login", "date_joined", "is_staff")
    fieldsets = (
        (None, {"fields": ("email", "full_name", "password")}),
        ("Status", {"fields": ("is_active", "is_staff", "is_superuser")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),
    )
    filter_horizontal = ()
    inlines = (MembershipInline,)

    def save_model(self, request: HttpRequest, obj: User, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        services.audit(
            actor=request.user,  # type: ignore[arg-type]
            verb="user.change" if change else "user.create",
            target=obj,
            changes={"fields": sorted(form.changed_data)},
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Deleting would take the person's memberships and assignments with it, unaudited:
        # clear "Active" instead.
        return False


@admin.register(Organization)
class OrganizationAdmin(GuardedModelAdmin):
    # Grants follow roles (lea.services.organization_grant_access); guardian's pages to
    # edit them by hand would change who sees what with no audit row.
    include_object_permissions_urls = False
    list_display = ("name", "kind", "code", "selpa", "county", "region")
    list_filter = ("kind", "region")
    search_fields = ("name", "code")
    autocomplete_fields = ("selpa",)

    def save_model(
        self, request: HttpRequest, obj: Organization, form: ModelForm, change: bool
    ) -> None:
        actor: User = request.user  # type: ignore[assignment]
        if not change:
            created = services.organization_create(
                actor=actor,
                **{
                    name: form.cleaned_data[name]
                    for name in ("kind", "name", "code", "selpa", "county", "region")
                },
            )
            obj.pk = created.pk
            return
        services.organization_update(actor=actor, organization=obj, changed=form.changed_data)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "organization", "role", "created_at")
    list_filter = ("role", "organization__kind")
    search_fields = ("user__email", "user__full_name", "organization__name")
    autocomplete_fields = ("user", "organization")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: Membership, form: ModelForm, change: bool
    ) -> None:
        created = services.membership_create(
            actor=request.user,  # type: ignore[arg-type]
            user=obj.user,
            organization=obj.organization,
            role=obj.role,
        )
        obj.pk = created.pk

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        services.membership_remove(actor=request.user, membership=obj)  # type: ignore[arg-type]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        for membership in queryset:
            self.delete_model(request, membership)


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = (
        "email",
        "organization",
        "role",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    )
    list_filter = ("role",)
    search_fields = ("email", "organization__name")
    exclude = ("token_hash",)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "verb", "object_repr", "organization")
    list_filter = ("verb",)
    search_fields = ("object_repr", "actor__email", "verb")
    date_hierarchy = "at"
