"""The way into an empty database: invite the first CDE administrator, who sets their own
password through the link printed here (and emailed where email works)."""

from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from lea import notifications, services


class Command(BaseCommand):
    help = (
        "Invite a CDE administrator by email (creating the California Department of "
        "Education if it does not exist): prints the one-time link where they set their "
        "password, and emails it."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("email", help="The administrator's email address")
        parser.add_argument("--name", default="", help="Their full name (they can change it)")
        parser.add_argument(
            "--resend",
            action="store_true",
            help="A fresh link for an invitation still pending (the earlier link stops working)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            issued = services.cde_admin_invite(
                email=options["email"], full_name=options["name"], resend=options["resend"]
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        invitation = issued.invitation
        link = notifications.absolute_url(reverse("invitation_accept", args=[issued.token]))
        self.stdout.write(
            f"Invited {invitation.email} to be a CDE administrator of {invitation.organization}.\n"
            f"They open this link to set their password (it works once, until "
            f"{invitation.expires_at:%Y-%m-%d %H:%M} UTC):\n{link}"
        )
        try:
            notifications.send_invitation(invitation, issued.token)
        except OSError as error:  # smtplib's errors are OSErrors: the printed link still works
            self.stderr.write(f"The email was not sent ({error}); pass the link on yourself.")
        else:
            self.stdout.write(f"The same link was emailed to {invitation.email}.")
