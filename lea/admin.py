"""The Django admin for CDE administrators. Changes go through the same services as the
app, so groups, grants and the audit trail stay right."""

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.forms import BaseFormSet, ModelForm
from django.http import HttpRequest, HttpResponse
from django.utils.decorators import method_decorator
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from guardian.admin import GuardedModelAdmin

from lea import services
from lea.models import AccessRecord, AuditEvent, Invitation, Membership, Organization, User

# Role groups and their permissions belong to lea.services (organization_grant_access):
# edited by hand they would change who sees what with no audit row.
admin.site.unregister(Group)
# Second-factor devices change through lea.services_mfa only (set up by the person, reset
# from the People page), each with its audit row; django-otp's own admin pages would not.
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)


class ReadOnlyAdmin(admin.ModelAdmin):
    """For rows that only services write (history, loads): the admin shows them."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MembershipInline(admin.TabularInline):
    """A person's roles on their admin page: add a role or delete one, never edit one in
    place. Both go through lea.services (UserAdmin.save_formset), so the role group is
    granted or revoked with the row, and audited."""

    model = Membership
    fk_name = "user"
    extra = 0
    fields = ("organization", "role")
    autocomplete_fields = ("organization",)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "full_name", "is_active", "is_staff", "last_login")
    list_filter = ("is_active", "is_staff", "memberships__role")
    search_fields = ("email", "full_name")
    readonly_fields = ("last_login", "date_joined", "is_staff")
    # No is_superuser, groups or permissions: they follow roles (services.user_update
    # refuses them too). is_staff is shown, read-only: it follows the cde_admin role.
    fieldsets = (
        (None, {"fields": ("email", "full_name", "password")}),
        ("Status", {"fields": ("is_active", "is_staff")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),
    )
    exclude = tuple(services.PRIVILEGED_USER_FIELDS)
    filter_horizontal = ()
    inlines = (MembershipInline,)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A superuser's account (an operator's, from createsuperuser) is changed only by a
        # superuser: its password would otherwise be a way around the role model.
        if obj is not None and obj.is_superuser and not _actor(request).is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: User, form: ModelForm, change: bool) -> None:
        if change:
            try:
                services.user_update(actor=_actor(request), user=obj, changed=form.changed_data)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), level=messages.ERROR)
            return
        created = services.user_create(
            actor=_actor(request),
            email=form.cleaned_data["email"],
            full_name=form.cleaned_data["full_name"],
            password=form.cleaned_data["password1"],
        )
        obj.pk, obj._state.adding = created.pk, False

    def save_formset(
        self, request: HttpRequest, form: ModelForm, formset: BaseFormSet, change: bool
    ) -> None:
        if formset.model is not Membership:  # type: ignore[attr-defined]
            super().save_formset(request, form, formset, change)
            return
        new = formset.save(commit=False)  # type: ignore[attr-defined]
        actor, person = _actor(request), form.instance
        try:
            for membership in formset.deleted_objects:  # type: ignore[attr-defined]
                services.membership_remove(actor=actor, membership=membership)
            for membership in new:
                if membership.pk is not None:
                    raise PermissionDenied("A role is added or removed, never edited.")
                services.membership_create(
                    actor=actor,
                    user=person,
                    organization=membership.organization,
                    role=membership.role,
                )
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), level=messages.ERROR)

    @method_decorator(transaction.atomic)
    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        """Django's password form for another person, with an audit row in the same
        transaction whenever the stored password changed."""
        before = User.objects.filter(pk=unquote(id)).values_list("password", flat=True).first()
        response = super().user_change_password(request, id, form_url)
        person = User.objects.filter(pk=unquote(id)).first()
        if person is not None and person.password != before:
            services.user_password_changed(actor=_actor(request), user=person, via="admin")
        return response

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


@admin.register(AccessRecord)
class AccessRecordAdmin(ReadOnlyAdmin):
    """Who read which LEA's records. Nobody adds, changes or deletes a row here, a
    superuser included (ReadOnlyAdmin answers before any permission is looked at), and
    the database refuses it anyway (lea/migrations/0004_access_record.py)."""

    list_display = ("at", "user", "organization", "kind", "object_repr", "client_address")
    list_filter = ("kind",)
    list_select_related = ("user", "organization")
    search_fields = ("user__email", "organization__name", "organization__code")
    date_hierarchy = "at"
    actions = None  # no "delete selected"
