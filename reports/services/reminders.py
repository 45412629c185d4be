"""The daily reminder sweep: what is coming due or overdue, who hears of it, recorded once.

`reminders_sweep(today=...)` records every reminder of the day (a unique constraint keeps
a second run, a second worker or a retry from recording one twice) in one digest per
address and day, and returns the digests to send; reports/reminders_delivery.py sends
them. Who hears of an item:

- coming due (the schedule's offsets, default 30, 14, 7 and 1 days before): the LEA's
  CIM team leads, the team members who worked on it (they changed it: its audit trail),
  and a CIM contact from the ADL who has not accepted the invitation to lead the LEA yet;
  people who turned digests off are left out;
- overdue (the day after the due date, then every `overdue_repeat_days` while it is
  still owed): the same people, digests off or not, and an escalation to its reviewer
  (the LEA's SELPA reviewers, or the CDE consultant assigned to the LEA for the year;
  CDE administrators when nobody reviews it);
- when nobody at the LEA can be reminded (no lead, no pending invitation): the CDE
  administrators, who can invite one.

Dates are California's: `today` is a date, the sweep's caller takes it from
`timezone.localdate()` (TIME_ZONE is America/Los_Angeles).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from lea import access as lea_access
from lea import data_version
from lea.audit import diff
from lea.models import AuditVerb, Role, User
from lea.services import audit
from reports.models import Digest, Reminder, ReminderSchedule
from reports.reminder_items import DueItem, before_sweep, due_items
from steps import access

# Overdue notices repeat for at most this long (a cohort runs about three years).
OVERDUE_HORIZON_DAYS = 3 * 366
# Queued digests this recent are still sent (a send task lost with its broker, say).
REQUEUE_DAYS = 7
NOT_YOURS = "You can change only your own reminder settings."


@dataclass(frozen=True)
class Recipient:
    email: str
    user_id: int | None = None
    invitation_id: int | None = None
    digests_on: bool = True


@dataclass(frozen=True)
class Notice:
    """A reminder the sweep wants recorded."""

    recipient: Recipient
    kind: str
    days: int
    item: DueItem


def _notice_order(notice: Notice) -> tuple[str, str, int, tuple[str, int]]:
    return (notice.recipient.email, notice.kind, notice.days, notice.item.item)


@dataclass
class SweepResult:
    today: date
    items: int = 0  # work items due on a day of interest
    digest_ids: list[int] = field(default_factory=list)  # queued, to send
    reminders: int = 0  # in those digests
    no_contact: list[str] = field(default_factory=list)  # LEAs with nobody to remind


def schedule_get() -> ReminderSchedule:
    schedule, _ = ReminderSchedule.objects.get_or_create(pk=ReminderSchedule.SINGLETON_PK)
    return schedule


def wanted_days(today: date, schedule: ReminderSchedule) -> dict[date, int]:
    """The due dates the sweep looks at today, each with due date - today."""
    wanted = {today + timedelta(days=offset): offset for offset in schedule.offset_days}
    step = schedule.overdue_repeat_days
    late = range(1, OVERDUE_HORIZON_DAYS + 1, step) if step else range(1, 2)
    wanted.update({today - timedelta(days=days): -days for days in late})
    return wanted


@transaction.atomic
def reminders_sweep(*, today: date) -> SweepResult:
    """Record today's reminders in today's digests; return the digests to send."""
    before_sweep(today)
    wanted = wanted_days(today, schedule_get())
    items = due_items(wanted.keys())
    people = _People.load(items)
    # In one order for every sweep, so two sweeps at once wait for each other's rows
    # rather than deadlock.
    notices = sorted(
        (notice for item in items for notice in _notices(item, wanted[item.due_date], people)),
        key=_notice_order,
    )
    digests = _digests(today, notices)
    _record(notices, digests)
    _attach_unsent(today, [email for email, d in digests.items() if d.status == d.Status.QUEUED])
    Digest.objects.filter(day=today, status=Digest.Status.QUEUED).exclude(
        Exists(Reminder.objects.filter(digest=OuterRef("pk")))
    ).delete()
    to_send = Digest.objects.filter(
        status=Digest.Status.QUEUED, day__gte=today - timedelta(days=REQUEUE_DAYS)
    ).order_by("day", "email")
    result = SweepResult(
        today=today,
        items=len(items),
        digest_ids=list(to_send.values_list("pk", flat=True)),
        reminders=Reminder.objects.filter(digest__in=to_send).count(),
        no_contact=sorted({n.item.lea_name for n in notices if n.kind == Reminder.Kind.NO_CONTACT}),
    )
    audit(
        actor=None,
        verb=AuditVerb.REMINDERS_SWEEP,
        changes={
            "day": [None, today.isoformat()],
            "items": [None, result.items],
            "digests": [None, len(digests)],
        },
    )
    data_version.changed()
    return result


@dataclass
class _People:
    """Everyone the day's items could concern, read once for all of them."""

    leads: dict[int, list[Recipient]]
    team: dict[tuple[int, int], Recipient]  # (LEA, user) → the member
    invitees: dict[int, list[Recipient]]
    selpa_reviewers: dict[int, list[Recipient]]
    consultants: dict[tuple[int, int], list[Recipient]]  # (LEA, year)
    cde_admins: list[Recipient]

    @classmethod
    def load(cls, items: list[DueItem]) -> _People:
        lea_ids = {item.lea_id for item in items}
        people = cls(defaultdict(list), {}, defaultdict(list), defaultdict(list), {}, [])
        if not items:
            return people
        for membership in lea_access.lea_teams_for_system(lea_ids):
            person = _account(membership.user)
            people.team[membership.organization_id, membership.user_id] = person
            if membership.role == Role.LEA_LEAD:
                people.leads[membership.organization_id].append(person)
        for invitation in lea_access.pending_lead_invitations_for_system(lea_ids):
            people.invitees[invitation.organization_id].append(
                Recipient(email=invitation.email.lower(), invitation_id=invitation.pk)
            )
        selpa_ids = {item.selpa_id for item in items if item.selpa_id is not None}
        for membership in lea_access.selpa_reviewers_for_system(selpa_ids):
            people.selpa_reviewers[membership.organization_id].append(_account(membership.user))
        consultants: dict[tuple[int, int], list[Recipient]] = defaultdict(list)
        for assignment in access.live_assignments_for_lea_ids(lea_ids).select_related("consultant"):
            consultants[assignment.lea_id, assignment.year_id].append(
                _account(assignment.consultant)
            )
        people.consultants = consultants
        people.cde_admins = [_account(user) for user in lea_access.cde_admins()]
        return people

    def at_lea(self, item: DueItem) -> list[Recipient]:
        """The LEA's leads, the members who worked on the item, and pending CIM contacts
        (one entry per address: an account wins over an invitation)."""
        found = {person.email: person for person in self.leads.get(item.lea_id, [])}
        for user_id in sorted(item.editor_ids):
            member = self.team.get((item.lea_id, user_id))
            if member is not None:
                found.setdefault(member.email, member)
        for invitee in self.invitees.get(item.lea_id, []):
            found.setdefault(invitee.email, invitee)
        return list(found.values())

    def reviewers(self, item: DueItem) -> list[Recipient]:
        """Who reviews the item; CDE administrators when nobody does (no consultant is
        assigned, the SELPA has no active reviewer, or the catalog names no approver)."""
        if item.approver == "SELPA" and item.selpa_id is not None:
            found = self.selpa_reviewers.get(item.selpa_id, [])
        elif item.approver == "CDE":
            found = self.consultants.get((item.lea_id, item.year_id), [])
        else:
            found = []
        return found or self.cde_admins


def _account(user: User) -> Recipient:
    return Recipient(email=user.email.lower(), user_id=user.pk, digests_on=user.reminder_digests)


def _notices(item: DueItem, days: int, people: _People) -> list[Notice]:
    at_lea = people.at_lea(item)
    notices = []
    if days > 0:
        notices += [Notice(p, Reminder.Kind.DUE_SOON, days, item) for p in at_lea if p.digests_on]
    else:
        notices += [Notice(p, Reminder.Kind.OVERDUE, days, item) for p in at_lea]
        notices += [Notice(p, Reminder.Kind.ESCALATION, days, item) for p in people.reviewers(item)]
    if not at_lea:
        notices += [
            Notice(p, Reminder.Kind.NO_CONTACT, days, item)
            for p in people.cde_admins
            if p.digests_on or days < 0
        ]
    return notices


def _digests(today: date, notices: list[Notice]) -> dict[str, Digest]:
    """Today's digest of each address, created if new and locked, so that a digest being
    filled here is not claimed for sending before this transaction commits."""
    first: dict[str, Recipient] = {}
    for notice in notices:
        person = first.setdefault(notice.recipient.email, notice.recipient)
        if notice.recipient.invitation_id and not person.invitation_id:
            first[person.email] = Recipient(
                person.email, person.user_id, notice.recipient.invitation_id, person.digests_on
            )
    people = sorted(first.values(), key=lambda person: person.email)
    with connection.cursor() as cursor:
        # As in _record: thousands of digests on a statewide day, inserted in one statement.
        cursor.execute(
            f"INSERT INTO {Digest._meta.db_table} (email, day, user_id, invitation_id, "  # noqa: S608 -- the model's table
            "status, attempts, error, created_at) "
            "SELECT email, %s, user_id, invitation_id, %s, 0, '', %s "
            "FROM unnest(%s::varchar[], %s::bigint[], %s::bigint[]) "
            "AS new (email, user_id, invitation_id) ON CONFLICT DO NOTHING",
            [
                today, Digest.Status.QUEUED, timezone.now(),
                [p.email for p in people], [p.user_id for p in people],
                [p.invitation_id for p in people],
            ],
        )  # fmt: skip
    locked = Digest.objects.select_for_update().filter(day=today, email__in=list(first))
    return {digest.email: digest for digest in locked.order_by("email")}


def _record(notices: list[Notice], digests: dict[str, Digest]) -> None:
    """Insert the reminders; one already recorded (same item, kind, days, due date and
    address: the unique constraints) is left as it is.

    One INSERT ... SELECT FROM unnest(arrays) per kind of item rather than bulk_create:
    a statewide overdue day records some 30,000 reminders, and building a model instance
    and a parameter list per row cost most of the sweep's time."""
    rows: dict[str, list[tuple[object, ...]]] = defaultdict(list)
    for notice in notices:
        item = notice.item
        [(field_name, item_id)] = item.reminder_fields().items()
        digest = digests[notice.recipient.email]
        # A reminder found after the day's digest went out waits for the next one.
        digest_id = digest.pk if digest.status == Digest.Status.QUEUED else None
        rows[field_name].append(
            (
                item_id, notice.kind, item.due_date, notice.days, notice.recipient.email,
                digest_id, item.lea_name[:200], item.title[:300], item.path[:300],
            )
        )  # fmt: skip
    table = Reminder._meta.db_table
    columns = {field.attname: field.column for field in Reminder._meta.concrete_fields}
    now = timezone.now()
    with connection.cursor() as cursor:
        for field_name, values in rows.items():
            column = columns[field_name]
            cursor.execute(
                f"INSERT INTO {table} ({column}, kind, due_date, days, recipient_email, "  # noqa: S608 -- names from the model
                "digest_id, lea_name, title, path, created_at) "
                "SELECT *, %s FROM unnest(%s::bigint[], %s::varchar[], %s::date[], "
                "%s::smallint[], %s::varchar[], %s::bigint[], %s::varchar[], %s::varchar[], "
                "%s::varchar[]) ON CONFLICT DO NOTHING",
                [now, *map(list, zip(*values, strict=True))],
            )


def _attach_unsent(today: date, emails: list[str]) -> None:
    """Reminders recorded after an earlier digest of theirs had gone out join today's."""
    if emails:
        Reminder.objects.filter(digest__isnull=True, recipient_email__in=emails).update(
            digest=Subquery(
                Digest.objects.filter(
                    day=today, email=OuterRef("recipient_email"), status=Digest.Status.QUEUED
                ).values("pk")[:1]
            )
        )


# --- Settings ------------------------------------------------------------------------------


@transaction.atomic
def user_set_reminder_digests(*, actor: User, user: User, enabled: bool) -> User:
    """Turn a person's daily digests on or off; overdue notices come either way."""
    if actor.pk != user.pk:
        raise PermissionDenied(NOT_YOURS)
    if user.reminder_digests == enabled:
        return user
    user.reminder_digests = enabled
    user.save(update_fields=["reminder_digests"])
    audit(
        actor=actor,
        verb=AuditVerb.USER_REMINDER_DIGESTS,
        target=user,
        changes={"reminder_digests": [not enabled, enabled]},
    )
    data_version.changed()
    return user


@transaction.atomic
def reminder_schedule_update(
    *, actor: User, schedule: ReminderSchedule, changed: list[str]
) -> ReminderSchedule:
    """Save a CDE administrator's change of the schedule (from the admin), audited."""
    if not actor.has_perm("reports.change_reminderschedule"):
        raise PermissionDenied
    schedule.pk = ReminderSchedule.SINGLETON_PK
    stored = ReminderSchedule.objects.filter(pk=schedule.pk).first()
    schedule.full_clean()
    schedule.save()
    names = sorted(changed)
    audit(
        actor=actor,
        verb=AuditVerb.REMINDERS_SCHEDULE_CHANGE,
        target=schedule,
        changes=diff(
            {name: getattr(stored, name) for name in names} if stored else None,
            {name: getattr(schedule, name) for name in names},
        ),
    )
    data_version.changed()
    return schedule
