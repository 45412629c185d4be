"""Load the spring ADL cohort file: LEAs, determinations, engagements and invitations."""

from argparse import ArgumentParser
from collections import Counter
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from lea import access
from lea.models import User
from steps import services

NO_FILE = "There is no file at {path}."
NO_ACTOR = "There is no account with the email {email}."
HAS_ERRORS = "The file has {count} error(s): nothing was loaded. Correct them and run it again."
NOTHING_CHANGED = "Nothing changed: the database already matches this file."
DRY_RUN_DONE = "Dry run: nothing was written."


def summary(counts: Counter[str]) -> str:
    return ", ".join(f"{name}: {count}" for name, count in sorted(counts.items()))


class Command(BaseCommand):
    help = (
        "Check an ADL cohort file (CSV or .xlsx, see docs/adl-template.md) and load it. "
        "Any error means nothing is written; --dry-run shows what would change per LEA."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--year", type=int, required=True, help="Monitoring year, e.g. 2024")
        parser.add_argument("--dry-run", action="store_true", help="Show the plan, write nothing")
        parser.add_argument(
            "--actor",
            help="Email of the CDE administrator doing the load: the audit trail and the "
            "invitations name them. Without it they show the system (an operator's load).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(NO_FILE.format(path=path))
        result = services.adl_apply(
            actor=self._actor(options["actor"]),
            year=options["year"],
            content=path.read_bytes(),
            file_name=path.name,
            dry_run=options["dry_run"],
        )
        for warning in result.warnings:
            self.stderr.write(f"warning: {warning}")
        if result.errors:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(HAS_ERRORS.format(count=len(result.errors)))
        if result.dry_run:
            for plan in result.plan:
                self.stdout.write(str(plan))
            self.stdout.write(f"{DRY_RUN_DONE} Would do: {summary(result.counts) or 'nothing'}.")
        elif result.counts:
            self.stdout.write(f"Loaded {len(result.plan)} LEAs: {summary(result.counts)}.")
        else:
            self.stdout.write(NOTHING_CHANGED)

    def _actor(self, email: str | None) -> User | None:
        if email is None:
            return None
        actor = access.accounts_with_email_for_system(email).filter(is_active=True).first()
        if actor is None:
            raise CommandError(NO_ACTOR.format(email=email))
        return actor
