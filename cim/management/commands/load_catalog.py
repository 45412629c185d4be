"""Load the activity catalog the project ships (cim/catalog/<year>.json). Idempotent."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cim import services
from cim.catalog_words import CatalogError


class Command(BaseCommand):
    help = (
        "Load the Targeted and Intensive cohorts of a year from cim/catalog/<year>.json. "
        "Rows that exist are kept as the CDE administrator left them unless --overwrite."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--year", type=int, default=2024)
        parser.add_argument(
            "--overwrite",
            action="store_true",
            help="Reset existing rows to the file's values (undoes edits made in the admin).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            data = services.catalog_data(year=options["year"])
        except (FileNotFoundError, CatalogError) as error:
            raise CommandError(str(error)) from None
        result = services.catalog_load(actor=None, data=data, overwrite=options["overwrite"])
        for label, counts in (
            ("created", result.created),
            ("updated", result.updated),
            ("unchanged", result.unchanged),
        ):
            summary = ", ".join(f"{count} {name}" for name, count in sorted(counts.items()))
            self.stdout.write(f"{label}: {summary or 'nothing'}")
