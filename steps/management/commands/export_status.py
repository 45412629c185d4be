"""Write the year's CIM status as CSV: one row per engagement and catalog activity."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from steps import access, queues, selectors


class Command(BaseCommand):
    help = (
        "Write every engagement's activities for a monitoring year as CSV to stdout "
        f"({','.join(selectors.STATUS_COLUMNS)})."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--year", type=int, required=True, help="Monitoring year, e.g. 2024")

    def handle(self, *args: Any, **options: Any) -> None:
        # An operator's export covers the whole state, so it reads as the system.
        rows = selectors.status_rows(
            engagements=access.engagements_for_system(), year=options["year"]
        )
        self.stdout.write(queues.status_csv(rows), ending="")
