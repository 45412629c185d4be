"""Reminders of CIM work coming due or overdue, and the daily digest emails that carry them.

A reminder is recorded before it is sent, and a unique constraint makes a second sweep
(the same day, another worker, a retry after a crash) find it already there. A digest is
one email to one address on one day; its status moves queued → sending → sent (or
failed) through the protected transitions below, run by reports/reminders_delivery.py;
each saves with a conditional UPDATE on the status it left (ConcurrentTransitionMixin),
so only one worker ever claims it.
"""

from __future__ import annotations

from typing import ClassVar

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from steps import rules

DEFAULT_OFFSETS = "30, 14, 7, 1"
MAX_OFFSET = 366
OFFSETS_INVALID = (
    f"Write whole numbers of days from 1 to {MAX_OFFSET}, separated by commas, e.g. 30, 14, 7, 1."
)


def parse_offsets(text: str) -> list[int]:
    """'30, 14, 7, 1' → [30, 14, 7, 1]; ValueError for anything else."""
    parts = [part.strip() for part in text.split(",") if part.strip()]
    days = [int(part) for part in parts if part.isdigit()]
    if len(days) != len(parts) or any(day < 1 or day > MAX_OFFSET for day in days):
        raise ValueError(OFFSETS_INVALID)
    return sorted(set(days), reverse=True)


class ReminderSchedule(models.Model):
    """When reminders go out: one row (pk 1), edited by CDE administrators in the admin."""

    SINGLETON_PK = 1

    offsets = models.CharField(
        "days before the due date",
        max_length=100,
        default=DEFAULT_OFFSETS,
        blank=True,
        help_text="The people who owe the work are reminded this many days before its due "
        "date, e.g. 30, 14, 7, 1 (empty: no reminders before the due date).",
    )
    overdue_repeat_days = models.PositiveSmallIntegerField(
        default=7,
        help_text="The overdue notice (and the escalation to the reviewer) goes out the day "
        "after the due date, then again every this many days while the work is still owed. "
        "0 sends it once.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "reminder schedule"
        verbose_name_plural = "reminder schedule"
        constraints: ClassVar = [
            models.CheckConstraint(condition=models.Q(pk=1), name="reminder_schedule_singleton"),
        ]

    def __str__(self) -> str:
        return f"Reminders {self.offsets or 'never'} days before the due date"

    def clean(self) -> None:
        super().clean()
        try:
            days = parse_offsets(self.offsets)
        except ValueError as error:
            raise ValidationError({"offsets": str(error)}) from None
        self.offsets = ", ".join(str(day) for day in days)

    @property
    def offset_days(self) -> list[int]:
        return parse_offsets(self.offsets)


class Digest(ConcurrentTransitionMixin, models.Model):
    """One email to one address on one day, listing every reminder of that day for it."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    email = models.EmailField()
    day = models.DateField(help_text="The California day of the sweep that queued it.")
    # The account behind the address, if there is one (its name, its opt-out).
    user = models.ForeignKey(
        "lea.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # A CIM contact who has not accepted their invitation yet: the email carries a fresh
    # link to it (issued at send time, which stops the older link from working).
    invitation = models.ForeignKey(
        "lea.Invitation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Moves only through the transitions below (reports/reminders_delivery.py runs them).
    status = FSMField(max_length=8, choices=Status.choices, default=Status.QUEUED, protected=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True, help_text="Why the last attempt did not send it.")
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-day", "email")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=("email", "day"), name="digest_one_per_email_day"),
        ]
        indexes: ClassVar = [models.Index(fields=("status", "day"), name="digest_status_day")]

    def __str__(self) -> str:
        return f"Reminders for {self.email} on {self.day:%Y-%m-%d}"

    @transition(
        field=status,
        source=Status.QUEUED,
        target=Status.SENDING,
        permission=rules.transition_permission(rules.may_run_system_work),
    )
    def claim(self) -> None:
        self.claimed_at = timezone.now()
        self.attempts += 1

    @transition(
        field=status,
        source=Status.SENDING,
        target=Status.SENT,
        permission=rules.transition_permission(rules.may_run_system_work),
    )
    def mark_sent(self) -> None:
        self.error = ""
        self.sent_at = timezone.now()

    @transition(
        field=status,
        source=Status.SENDING,
        target=Status.FAILED,
        permission=rules.transition_permission(rules.may_run_system_work),
    )
    def mark_failed(self, *, error: str) -> None:
        self.error = error[:2000]

    # The mail server took nothing: queued again, for the task's retry.
    @transition(
        field=status,
        source=Status.SENDING,
        target=Status.QUEUED,
        permission=rules.transition_permission(rules.may_run_system_work),
    )
    def put_back(self, *, error: str) -> None:
        self.error = error[:2000]


class Reminder(models.Model):
    """One item coming due or overdue, for one recipient, recorded before it is sent.

    The item is an activity record or a progress report: one nullable foreign key per kind
    of item, exactly one of them set, each with its own partial unique constraint. Another
    kind of item adds a key and a constraint the same way (and a provider in
    reports/reminder_items.py).
    """

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", "Coming due"
        OVERDUE = "overdue", "Overdue"
        ESCALATION = "escalation", "Overdue at an LEA you review"
        NO_CONTACT = "no_contact", "Nobody at the LEA to remind"

    record = models.ForeignKey(
        "steps.ActivityRecord", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    report = models.ForeignKey(
        "reports.ProgressReport",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    due_date = models.DateField()
    # due_date - day of the sweep: 30, 14, 7, 1 before; -1, -8, ... once overdue.
    days = models.SmallIntegerField()
    recipient_email = models.EmailField()
    digest = models.ForeignKey(
        Digest, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    # What the email says, as it was when the reminder was recorded.
    lea_name = models.CharField(max_length=200)
    title = models.CharField(max_length=300)
    path = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("due_date", "lea_name", "title")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(record__isnull=False, report__isnull=True)
                | models.Q(record__isnull=True, report__isnull=False),
                name="reminder_has_one_item",
            ),
            models.UniqueConstraint(
                fields=("record", "kind", "days", "due_date", "recipient_email"),
                condition=models.Q(record__isnull=False),
                name="reminder_once_per_record",
            ),
            models.UniqueConstraint(
                fields=("report", "kind", "days", "due_date", "recipient_email"),
                condition=models.Q(report__isnull=False),
                name="reminder_once_per_report",
            ),
        ]
        indexes: ClassVar = [
            models.Index(
                fields=("recipient_email",),
                condition=models.Q(digest__isnull=True),
                name="reminder_unsent",
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_kind_display()}: {self.title} ({self.lea_name}) to {self.recipient_email}"
        )
