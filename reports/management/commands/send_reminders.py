"""Run the reminder sweep now and send its digests in this process (for operators and
tests): `python manage.py send_reminders [--today YYYY-MM-DD]`."""

from datetime import date, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from reports import access, reminders_delivery
from reports.models import Digest
from reports.services import reminders as services_reminders

BAD_DATE = "--today must be a date written YYYY-MM-DD, e.g. 2025-06-30, not {value!r}."
STUCK_AFTER = timedelta(minutes=30)


class Command(BaseCommand):
    help = "Record today's reminders and email the digests at once; prints what was sent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today",
            help="The California day to sweep for, YYYY-MM-DD (default: today).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = self._today(options["today"])
        result = services_reminders.reminders_sweep(today=today)
        self.stdout.write(
            f"Reminders for {today:%A, %B %-d, %Y}: {result.items} items coming due or "
            f"overdue, {result.reminders} reminders in {len(result.digest_ids)} digests to send."
        )
        for lea in result.no_contact:
            self.stdout.write(f"Nobody at {lea} can be reminded: CDE administrators were told.")
        outcomes = [self._send(digest_id) for digest_id in result.digest_ids]
        sent = [o for o in outcomes if o.status == Digest.Status.SENT]
        failed = [o for o in outcomes if o.status in (Digest.Status.FAILED, Digest.Status.QUEUED)]
        self.stdout.write(f"Sent {len(sent)} email{'' if len(sent) == 1 else 's'}.")
        if failed:
            self.stdout.write(f"Not sent: {len(failed)}.")
            for outcome in failed:
                self.stdout.write(f"  {outcome.email}: {outcome.error}")
        self._report_stuck()

    def _today(self, value: str | None) -> date:
        if value is None:
            return timezone.localdate()
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise CommandError(BAD_DATE.format(value=value)) from None

    def _send(self, digest_id: int) -> reminders_delivery.SendOutcome:
        try:
            return reminders_delivery.digest_send(digest_id=digest_id)
        except reminders_delivery.MailNotDelivered as error:
            # Back in the queue: the next sweep (or this command again) tries it again.
            digest = access.digests_for_system().get(pk=digest_id)
            return reminders_delivery.SendOutcome(
                digest_id, digest.email, Digest.Status.QUEUED, f"{error} It stays queued."
            )

    def _report_stuck(self) -> None:
        stuck = (
            access.digests_for_system()
            .filter(status=Digest.Status.SENDING, claimed_at__lt=timezone.now() - STUCK_AFTER)
            .order_by("claimed_at")
        )
        for digest in stuck:
            self.stdout.write(
                f"Stuck: the digest to {digest.email} of {digest.day:%Y-%m-%d} has been "
                f"sending since {timezone.localtime(digest.claimed_at):%Y-%m-%d %H:%M} (a "
                "worker stopped mid-send?). It may have arrived and is not resent "
                "automatically: check with the recipient, see it in the admin."
            )
