"""Organisations (CDE, SELPA, LEA), the people in them, their roles, and the audit trail."""

from __future__ import annotations

import hashlib
from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **fields: object) -> User:
        if not email:
            raise ValueError("Users log in with their email address, so it is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, username: str | None) -> User:
        # People type their address in any case; an email address is one account.
        return self.get(email__iexact=username)

    def create_user(self, email: str, password: str | None = None, **fields: object) -> User:
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields: object) -> User:
        fields["is_staff"] = True
        fields["is_superuser"] = True
        return self._create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. They log in with their email; what they see comes from their memberships."""

    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        default=False, help_text="May log in to the Django admin (CDE administrators)."
    )
    date_joined = models.DateTimeField(default=timezone.now)
    reminder_digests = models.BooleanField(
        "daily reminder digests",
        default=True,
        help_text="Email me once a day about CIM work coming due. Overdue notices come either way.",
    )

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ("full_name", "email")
        constraints: ClassVar = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.display_name

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    @property
    def display_name(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.display_name


class Organization(models.Model):
    """CDE, a SELPA or an LEA (school district, county office or charter acting as LEA)."""

    class Kind(models.TextChoices):
        CDE = "cde", "California Department of Education"
        SELPA = "selpa", "SELPA"
        LEA = "lea", "LEA"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    name = models.CharField(max_length=200)
    code = models.CharField(
        "CDS or SELPA code",
        max_length=14,
        blank=True,
        validators=[RegexValidator(r"^\d+$", "Codes are digits only.")],
        help_text="LEA: 7-digit CDS code (district) or 14-digit CDS code (charter). "
        "SELPA: 4-digit SELPA code.",
    )
    selpa = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="leas",
        limit_choices_to={"kind": "selpa"},
        help_text="The SELPA an LEA belongs to.",
    )
    county = models.CharField(max_length=60, blank=True)
    region = models.PositiveSmallIntegerField(
        "CCSESA region",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(11)],
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("name",)
        permissions = (("manage_members", "Can invite and remove the organisation's members"),)
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=("kind", "code"),
                condition=~models.Q(code=""),
                name="organization_code_unique_per_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="lea", selpa__isnull=False)
                | (~models.Q(kind="lea") & models.Q(selpa__isnull=True)),
                name="organization_lea_has_selpa",
                violation_error_message="An LEA belongs to exactly one SELPA; "
                "others belong to none.",
            ),
            models.CheckConstraint(
                condition=models.Q(region__isnull=True) | models.Q(region__gte=1, region__lte=11),
                name="organization_region_1_to_11",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        if self.kind == self.Kind.LEA and self.code and len(self.code) not in (7, 14):
            errors["code"] = "An LEA's CDS code has 7 digits (district) or 14 digits (charter)."
        if self.kind == self.Kind.SELPA and self.code and len(self.code) != 4:
            errors["code"] = "A SELPA code has 4 digits."
        if self.kind == self.Kind.LEA and self.selpa_id is None:
            errors["selpa"] = "Choose the SELPA this LEA belongs to."
        if self.kind != self.Kind.LEA and self.selpa_id is not None:
            errors["selpa"] = "Only an LEA belongs to a SELPA."
        if self.selpa is not None and self.selpa.kind != self.Kind.SELPA:
            errors["selpa"] = "That organisation is not a SELPA."
        if errors:
            raise ValidationError(errors)

    @property
    def is_charter(self) -> bool:
        return self.kind == self.Kind.LEA and len(self.code) == 14


class OrganizationGroupObjectPermission(GroupObjectPermissionBase):
    """Guardian grants on organisations, by direct foreign key so they go with the organisation."""

    content_object = models.ForeignKey(Organization, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        abstract = False


class Role(models.TextChoices):
    LEA_LEAD = "lea_lead", "LEA CIM team lead"
    LEA_MEMBER = "lea_member", "LEA CIM team member"
    SELPA_REVIEWER = "selpa_reviewer", "SELPA reviewer"
    CDE_CONSULTANT = "cde_consultant", "CDE FMTA consultant"
    CDE_ADMIN = "cde_admin", "CDE administrator"


ROLES_BY_KIND: dict[str, tuple[Role, ...]] = {
    Organization.Kind.LEA: (Role.LEA_LEAD, Role.LEA_MEMBER),
    Organization.Kind.SELPA: (Role.SELPA_REVIEWER,),
    Organization.Kind.CDE: (Role.CDE_CONSULTANT, Role.CDE_ADMIN),
}


class Membership(models.Model):
    """A role that a person holds in an organisation. A person may hold several."""

    Role = Role

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("organization__name", "role", "user__full_name")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=("user", "organization", "role"), name="membership_unique_role"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}, {self.get_role_display()}, {self.organization}"

    def clean(self) -> None:
        super().clean()
        if self.organization_id and self.role not in ROLES_BY_KIND[self.organization.kind]:
            raise ValidationError(
                {
                    "role": f"A {self.organization.get_kind_display()} has no "
                    f"{self.get_role_display()} role."
                }
            )

    @property
    def can_manage_members(self) -> bool:
        return self.role in (Role.LEA_LEAD, Role.CDE_ADMIN)


class Invitation(models.Model):
    """A one-time link that lets a person set a password and join an organisation."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    full_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=20, choices=Role.choices)
    # Only a hash is kept, so a database leak does not leak working links.
    token_hash = models.CharField(max_length=64, unique=True)
    # Empty for invitations the system sends, e.g. an operator's ADL load from the shell.
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)
        indexes: ClassVar = [
            models.Index(fields=("organization", "email"), name="invitation_org_email")
        ]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.organization}"

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and not self.is_expired

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at


class AuditEvent(models.Model):
    """Who did what to which object, when: history kept as rows, never rebuilt from logs."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    verb = models.CharField(max_length=60)
    organization = models.ForeignKey(
        Organization, on_delete=models.SET_NULL, null=True, blank=True, related_name="audit_events"
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.SET_NULL, null=True, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    target = GenericForeignKey("content_type", "object_id")
    object_repr = models.CharField(max_length=300, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ("-at",)
        indexes: ClassVar = [models.Index(fields=("organization", "-at"), name="audit_org_at")]

    def __str__(self) -> str:
        actor = self.actor or "system"
        return f"{self.at:%Y-%m-%d %H:%M} {actor} {self.verb} {self.object_repr}"


def role_group_name(organization_id: int, role: str) -> str:
    """The auth group that holds everyone with `role` in one organisation."""
    return f"org-{organization_id}-{role}"
