"""Load an LEA's Data Drill Down extract from the command line, as the upload does."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.files.base import File
from django.core.management.base import BaseCommand, CommandError

from steps import access
from steps.drilldown_page import leaving_csv
from steps.services.drilldown import DrilldownRefused, drilldown_upload

NO_FILE = "There is no file at {path}."
NO_ENGAGEMENT = "No LEA with the CDS code {code} is in a {year} CIM cohort."
HAS_ERRORS = "The file has {count} problem(s): nothing was kept. Correct them and run it again."
WRITTEN = "{rows} students read; the tables that leave the LEA's team are in {path}."


class Command(BaseCommand):
    help = (
        "Load a Data Drill Down extract (CSV or .xlsx, see docs/drilldown-template.md) for "
        "the LEA's engagement of the year, exactly as the upload does, and write the tables "
        "that leave the LEA's team (small groups suppressed) as CSV."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--cds-code", required=True, help="The LEA's CDS code")
        parser.add_argument("--year", type=int, required=True, help="Monitoring year, e.g. 2024")
        parser.add_argument("--csv", type=Path, help="Write the tables here (default: stdout)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(NO_FILE.format(path=path))
        code, year = options["cds_code"], options["year"]
        found = list(
            access.engagements_for_system()
            .select_related("lea", "cohort__year")
            .filter(lea__code=code, cohort__year__year=year)[:2]
        )
        if len(found) != 1:
            raise CommandError(NO_ENGAGEMENT.format(code=code, year=year))
        try:
            with path.open("rb") as handle:
                drill_down = drilldown_upload(
                    actor=None, engagement=found[0], file=File(handle, name=path.name)
                )
        except DrilldownRefused as refused:
            for issue in refused.issues:
                self.stderr.write(str(issue))
            raise CommandError(HAS_ERRORS.format(count=len(refused.issues))) from None
        text = leaving_csv(drill_down)
        if options["csv"] is None:
            self.stdout.write(text, ending="")
            return
        out = Path(options["csv"])
        out.write_text(text, encoding="utf-8")
        self.stdout.write(WRITTEN.format(rows=drill_down.row_count, path=out))
