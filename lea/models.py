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
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase


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
        indexes: ClassVar = [
            # The statewide lists sort by LEA name then code (the CIM status page's 40,000
            # activity rows, the grid): read in this order, the first page stops after its
            # 50 rows instead of sorting them all (65 ms to 0.5 ms for the status page).
            models.Index(fields=("name", "code"), name="organization_name_code"),
        ]
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


class OrganizationUserObjectPermission(UserObjectPermissionBase):
    """Guardian grants on organisations to one person, by direct foreign key like the
    groups' (grants go to role groups; none is made to a person today). Without it, guardian
    matches a person's own grants by casting every organisation's id to text, which no
    index serves: a SELPA reviewer's every page scanned all organisations."""

    content_object = models.ForeignKey(Organization, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
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


class AuditVerb(models.TextChoices):
    """Every kind of change the audit trail records: a fixed vocabulary, so the trail can
    be read, filtered and counted. The label is what the audit pages show (to CDE
    administrators and LEA leads): plain words, never the code. A new kind of change
    adds its verb here (and a migration for the field's choices)."""

    ACCESS_RECORD_PURGE = "access_record.purge", "Old records of who read what deleted"
    ACTIVITY_APPROVE = "activity.approve", "Approved"
    ACTIVITY_RETURN = "activity.return", "Returned for revision"
    ACTIVITY_SAVE = "activity.save", "Saved answers"
    ACTIVITY_SET_ASIDE = "activity.set_aside", "Left out (optional)"
    ACTIVITY_SUBMIT = "activity.submit", "Submitted for review"
    ACTIVITY_TAKE_UP = "activity.take_up", "Taken up again"
    ACTIVITY_UNDO = "activity.undo", "Review decision undone"
    ADL_LOAD = "adl.load", "Annual determination letters loaded"
    ADL_UPLOAD_CREATE = "adl_upload.create", "Determination letter file uploaded"
    ADL_UPLOAD_CHECKING = "adl_upload.checking", "Determination letter file: check started"
    ADL_UPLOAD_CHECKED = "adl_upload.checked", "Determination letter file checked: ready to apply"
    ADL_UPLOAD_INVALID = "adl_upload.invalid", "Determination letter file checked: has errors"
    ADL_UPLOAD_APPLY = "adl_upload.apply", "Determination letter file confirmed for loading"
    ADL_UPLOAD_APPLYING = "adl_upload.applying", "Determination letter file: loading started"
    ADL_UPLOAD_APPLIED = "adl_upload.applied", "Determination letter file loaded"
    ADL_UPLOAD_FAILED = "adl_upload.failed", "Determination letter file failed to load"
    CALENDAR_FEED_CREATE = "calendar_feed.create", "Calendar link created"
    CALENDAR_FEED_ROTATE = "calendar_feed.rotate", "Calendar link replaced"
    CALENDAR_FEED_REVOKE = "calendar_feed.revoke", "Calendar link turned off"
    CATALOG_LOAD = "catalog.load", "Catalog loaded"
    CATALOG_CREATE = "catalog.create", "Catalog entry added"
    CATALOG_CHANGE = "catalog.change", "Catalog entry changed"
    CATALOG_DELETE = "catalog.delete", "Catalog entry removed"
    CONSULTANT_ASSIGN = "consultant.assign", "Consultant assigned"
    CONSULTANT_UNASSIGN = "consultant.unassign", "Consultant unassigned"
    DATA_SOURCES_ADD_SOURCE = "data_sources.add_source", "Data source added"
    DATA_SOURCES_EDIT_SOURCE = "data_sources.edit_source", "Data source changed"
    DATA_SOURCES_REMOVE_SOURCE = "data_sources.remove_source", "Data source removed"
    DETERMINATION_CREATE = "determination.create", "Determination recorded"
    DETERMINATION_CHANGE = "determination.change", "Determination changed"
    DETERMINATION_SELPA_REQUIRES_PROGRESS_REPORTS = (
        "determination.selpa_requires_progress_reports",
        "Whether the SELPA requires progress reports recorded",
    )
    DETERMINATION_SRR_FINAL_FINDING_OF_NONCOMPLIANCE = (
        "determination.srr_final_finding_of_noncompliance",
        "Final finding of noncompliance from the SRR recorded",
    )
    DIGEST_QUEUED = "digest.queued", "Reminder email queued to be tried again"
    DIGEST_SENDING = "digest.sending", "Reminder email being sent"
    DIGEST_SENT = "digest.sent", "Reminder email sent"
    DIGEST_FAILED = "digest.failed", "Reminder email could not be sent"
    DRILLDOWN_UPLOAD = "drilldown.upload", "Drill-down data uploaded"
    ENGAGEMENT_START = "engagement.start", "CIM work started"
    ENGAGEMENT_RESOLVE = "engagement.resolve", "Activities brought in line with the determination"
    ENGAGEMENT_MOVE = "engagement.move", "CIM work moved to another tier's cohort"
    ENGAGEMENT_PRIOR_PLAN = "engagement.prior_plan", "Link to the earlier plan changed"
    FINDINGS_ADD_FINDING = "findings.add_finding", "Finding added"
    FINDINGS_EDIT_FINDING = "findings.edit_finding", "Finding changed"
    FINDINGS_REMOVE_FINDING = "findings.remove_finding", "Finding removed"
    INVITATION_CREATE = "invitation.create", "Invitation sent"
    INVITATION_RENEW = "invitation.renew", "Invitation sent again"
    INVITATION_REVOKE = "invitation.revoke", "Invitation withdrawn"
    INVITATION_ACCEPT = "invitation.accept", "Invitation accepted"
    MEMBERSHIP_CREATE = "membership.create", "Role given"
    MEMBERSHIP_REMOVE = "membership.remove", "Role taken away"
    MFA_ENROL = "mfa.enrol", "Two-step sign-in set up"
    MFA_VERIFY = "mfa.verify", "Signed in with the second step"
    MFA_VERIFY_FAILED = "mfa.verify_failed", "Wrong second-step code entered"
    MFA_RECOVERY_CODE_USED = "mfa.recovery_code_used", "Signed in with a recovery code"
    MFA_RESET = "mfa.reset", "Two-step sign-in reset"
    MFA_RECOVERY_CODES_RENEWED = "mfa.recovery_codes_renewed", "New recovery codes made"
    MFA_TURN_OFF = "mfa.turn_off", "Two-step sign-in turned off"
    ORGANIZATION_CREATE = "organization.create", "Organization added"
    ORGANIZATION_CHANGE = "organization.change", "Organization changed"
    ORGANIZATION_MOVE = "organization.move", "LEA moved to another SELPA"
    PDF_REQUEST = "pdf.request", "PDF requested"
    PDF_RETRY = "pdf.retry", "PDF requested again"
    PDF_RENDERING = "pdf.rendering", "PDF being made"
    PDF_DONE = "pdf.done", "PDF ready"
    PDF_FAILED = "pdf.failed", "PDF could not be made"
    PLAN_ADD_PROBLEM_OF_PRACTICE = "plan.add_problem_of_practice", "Problem of practice added"
    PLAN_CHANGE_PROBLEM_OF_PRACTICE = (
        "plan.change_problem_of_practice",
        "Problem of practice changed",
    )
    PLAN_REMOVE_PROBLEM_OF_PRACTICE = (
        "plan.remove_problem_of_practice",
        "Problem of practice removed",
    )
    PLAN_ADD_STRATEGY = "plan.add_strategy", "Strategy added"
    PLAN_CHANGE_STRATEGY = "plan.change_strategy", "Strategy changed"
    PLAN_REMOVE_STRATEGY = "plan.remove_strategy", "Strategy removed"
    PLAN_ADD_ACTIVITY = "plan.add_activity", "Strategy activity added"
    PLAN_CHANGE_ACTIVITY = "plan.change_activity", "Strategy activity changed"
    PLAN_REMOVE_ACTIVITY = "plan.remove_activity", "Strategy activity removed"
    PLAN_ADD_OUTCOME = "plan.add_outcome", "Outcome added"
    PLAN_CHANGE_OUTCOME = "plan.change_outcome", "Outcome changed"
    PLAN_REMOVE_OUTCOME = "plan.remove_outcome", "Outcome removed"
    PLAN_ADD_BENCHMARK = "plan.add_benchmark", "Benchmark added"
    PLAN_CHANGE_BENCHMARK = "plan.change_benchmark", "Benchmark changed"
    PLAN_REMOVE_BENCHMARK = "plan.remove_benchmark", "Benchmark removed"
    PRIORITIZATION_MOVE = "prioritization.move", "Problem area moved up or down"
    PRIORITIZATION_EXPLORE = "prioritization.explore", "Problem area chosen for exploring"
    PRIORITIZATION_RANK = "prioritization.rank", "Ranking of problem areas kept"
    PROBLEM_AREAS_ADD = "problem_areas.add", "Problem area added"
    PROBLEM_AREAS_EDIT = "problem_areas.edit", "Problem area changed"
    PROBLEM_AREAS_REMOVE = "problem_areas.remove", "Problem area removed"
    PROBLEM_AREAS_CITE = "problem_areas.cite", "Drill-down numbers cited in a problem area"
    PROBLEM_AREAS_UNCITE = "problem_areas.uncite", "Drill-down citation taken off a problem area"
    PROGRESS_REPORT_OPEN = "progress_report.open", "Progress report opened"
    PROGRESS_REPORT_SAVE = "progress_report.save", "Progress report saved"
    PROGRESS_REPORT_ADD_MEASUREMENT = "progress_report.add_measurement", "Measured value added"
    PROGRESS_REPORT_REMOVE_MEASUREMENT = (
        "progress_report.remove_measurement",
        "Measured value removed",
    )
    REMINDERS_SWEEP = "reminders.sweep", "Reminders checked"
    REMINDERS_SCHEDULE_CHANGE = "reminders.schedule.change", "Reminder schedule changed"
    ROOT_CAUSES_ADD = "root_causes.add", "Root cause added"
    ROOT_CAUSES_EDIT = "root_causes.edit", "Root cause changed"
    ROOT_CAUSES_REMOVE = "root_causes.remove", "Root cause removed"
    SUBMISSION_SUBMIT = "submission.submit", "Step submitted for review"
    SUBMISSION_APPROVE = "submission.approve", "Submission approved"
    SUBMISSION_RETURN = "submission.return", "Submission returned for revision"
    SUBMISSION_UNDO = "submission.undo", "Review decision on a submission undone"
    SUBMISSION_COMMENT = "submission.comment", "Comment added"
    SUBMISSION_QUESTION = "submission.question", "Question asked"
    SUBMISSION_REPLY = "submission.reply", "Question answered"
    SUBMISSION_MAILBOX_COPY = "submission.mailbox_copy", "Copy sent to the state's mailbox"
    TEAM_ADD_MEMBER = "team.add_member", "Team member added"
    TEAM_EDIT_MEMBER = "team.edit_member", "Team member changed"
    TEAM_REMOVE_MEMBER = "team.remove_member", "Team member removed"
    TEAM_MEETING_ADD = "team_meeting.add", "CIM team meeting added"
    TEAM_MEETING_CHANGE = "team_meeting.change", "CIM team meeting changed"
    TEAM_MEETING_REMOVE = "team_meeting.remove", "CIM team meeting removed"
    USER_CREATE = "user.create", "Account created"
    USER_CHANGE = "user.change", "Account details changed"
    USER_ACTIVATE = "user.activate", "Account turned on"
    USER_DEACTIVATE = "user.deactivate", "Account turned off"
    USER_PASSWORD_CHANGE = "user.password_change", "Password changed"
    USER_REMINDER_DIGESTS = "user.reminder_digests", "Choice of reminder emails changed"


class AuditEvent(models.Model):
    """Who did what to which object, when: history kept as rows, never rebuilt from logs."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    verb = models.CharField(max_length=60, choices=AuditVerb.choices)
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
        return f"{self.at:%Y-%m-%d %H:%M} {actor} {self.get_verb_display()} {self.object_repr}"


class AccessRecord(models.Model):
    """One read of an LEA's CIM records: who, which LEA, what, when, from where.

    The records are about students with disabilities, and IDEA (34 CFR 300.614) and FERPA
    ask for a record of who obtained access to them. Rows are only ever added: the app
    and the admin have no way to change or remove one, and a database trigger (migration
    0004) refuses UPDATE and DELETE, except the retention sweep's DELETE of rows past
    ACCESS_RECORD_RETENTION_DAYS (lea/services_access_records.py)."""

    class Kind(models.TextChoices):
        WORKSPACE = "workspace", "Workspace"
        ACTIVITY = "activity", "Activity"
        ACTIVITY_HISTORY = "activity_history", "History of an activity"
        SUBMISSION_CHECKLIST = "submission_checklist", "What a submission needs"
        SUBMISSION_VERSION = "submission_version", "Submission version and comments"
        PDF = "pdf", "PDF"
        PROGRESS_REPORTS = "progress_reports", "Progress reports and team meetings"
        PROGRESS_REPORT = "progress_report", "Progress report"
        TEAM_MEETING = "team_meeting", "CIM team meeting"
        CALENDAR = "calendar", "Deadlines calendar"
        STATUS_EXPORT = "status_export", "Status export"
        STATUS_GRID_EXPORT = "status_grid_export", "Status grid export"

    # PROTECT: a person or LEA named in the record stays as long as the row does.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name="LEA"
    )
    kind = models.CharField("what", max_length=24, choices=Kind.choices)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField("which", max_length=300, blank=True)
    path = models.CharField(max_length=500)
    # As lea/client_ip.py found it (REMOTE_ADDR, or past the trusted proxies): text, so
    # an odd REMOTE_ADDR can never make the read fail.
    client_address = models.CharField("from", max_length=64, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-at", "-pk")
        # Only viewing: there is nothing to add, change or delete by hand.
        default_permissions = ("view",)
        indexes: ClassVar = [
            models.Index(fields=("organization", "-at"), name="accessrecord_lea_at"),
            # The retention sweep's. Rows come in time order, so inserts add at its end.
            models.Index(fields=("at",), name="accessrecord_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_id} read {self.get_kind_display()}"


def role_group_name(organization_id: int, role: str) -> str:
    """The auth group that holds everyone with `role` in one organisation."""
    return f"org-{organization_id}-{role}"
