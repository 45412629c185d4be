"""The Data Drill Down upload (issue 15): an LEA's student-level extract in, its
aggregate tables out.

The file is read from memory, checked and counted (steps/drilldown.py), and dropped: no
student's row reaches the database, a log, the cache or a file. What is kept is a
DrillDown row with the tables (counts per group), the file's SHA-256, its row count and
who uploaded it when. The file's problems go back to the uploader only, in the
exception, and are neither logged nor kept.
"""

from __future__ import annotations

import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.db import transaction

from cim.drilldown_rules import drilldown_rules
from cim.uploads import FILE_TOO_BIG, size_words
from lea import data_version
from lea.audit import same
from lea.models import AuditVerb, User
from lea.services import audit
from steps import access
from steps.drilldown import ALL, DrilldownIssue, aggregate, drilldown_limits, read_extract
from steps.drilldown_page import citation_title
from steps.models import DrillDown, DrillDownCitation, Engagement, ProblemArea
from steps.services.parts_merge import words
from steps.services.records import record_touch

NOT_TEAM = "Only the LEA's CIM team uploads its Data Drill Down."
NOT_TEAM_CITE = "Only the LEA's CIM team cites its Data Drill Down in its problem areas."
FOREIGN_AREA = "Choose one of this LEA's problem areas."
NO_SUCH_BREAKDOWN = (
    "That breakdown is not in this Data Drill Down: reload the page and choose again."
)
CITED_TWICE = "Problem area “{area}” already cites this."


class DrilldownRefused(ValidationError):
    """A file with problems: every one of them, by row and column; nothing was kept."""

    def __init__(self, issues: list[DrilldownIssue]) -> None:
        super().__init__([str(issue) for issue in issues])
        self.issues = issues


def drilldown_upload(*, actor: User | None, engagement: Engagement, file: File) -> DrillDown:
    """Read the extract, count its tables and keep them for the engagement. The LEA's
    lead or members, or (actor=None) the system: `manage.py drill_down`, run by an
    operator. Raises DrilldownRefused for a file with problems."""
    if actor is not None and not access.may_edit_engagement(actor, engagement):
        raise PermissionDenied(NOT_TEAM)
    year = engagement.cohort.year.year
    try:
        rules = drilldown_rules(year)
    except LookupError as missing:
        raise ValidationError(str(missing)) from None
    limits = drilldown_limits()
    if file.size is not None and file.size > limits.max_bytes:
        file.close()
        raise DrilldownRefused([_too_big(limits.max_bytes)])
    # One byte past the bound is enough to refuse a file whose size was not told.
    with file:
        content = file.read(limits.max_bytes + 1)
    extract = read_extract(content, limits=limits)
    if not extract.is_valid:
        raise DrilldownRefused(extract.errors)
    digest = hashlib.sha256(content).hexdigest()
    del content
    tables = [cell.as_dict() for cell in aggregate(extract.students, rules)]
    # Reading and counting hold no database row, so only the writes are in the transaction.
    with transaction.atomic():
        drill_down = DrillDown(
            engagement=engagement,
            year=year,
            file_sha256=digest,
            row_count=len(extract.students),
            uploaded_by=actor,
            tables=tables,
        )
        drill_down.full_clean()
        drill_down.save()
        audit(
            actor=actor,
            verb=AuditVerb.DRILLDOWN_UPLOAD,
            target=drill_down,
            organization=engagement.lea,
            changes={"rows": [None, drill_down.row_count], "sha256": [None, digest]},
        )
        data_version.changed()
    return drill_down


def _too_big(max_bytes: int) -> DrilldownIssue:
    return DrilldownIssue(1, "file", FILE_TOO_BIG.format(limit=size_words(max_bytes)))


@transaction.atomic
def drilldown_cite(
    *,
    actor: User,
    problem_area: ProblemArea,
    drill_down: DrillDown,
    measure: str,
    dimension: str,
    group: str = "",
) -> DrillDownCitation:
    """Cite a breakdown of the drill-down (a measure by a dimension; with `group`, that
    group's row) as data that shows the problem area: a change of the consolidation
    record that holds the problem area, versioned and audited with it."""
    engagement = drill_down.engagement
    if not access.may_edit_engagement(actor, engagement):
        raise PermissionDenied(NOT_TEAM_CITE)
    if problem_area.engagement_id != engagement.pk:
        raise ValidationError({"problem_area": FOREIGN_AREA})
    cells = drill_down.tables
    if dimension == ALL or not any(
        cell["measure"] == measure
        and cell["dimension"] == dimension
        and (not group or cell["group"] == group)
        for cell in cells
    ):
        raise ValidationError(NO_SUCH_BREAKDOWN)
    citation = DrillDownCitation(
        problem_area=problem_area,
        drill_down=drill_down,
        measure=measure,
        dimension=dimension,
        group=group,
        cited_by=actor,
    )
    if DrillDownCitation.objects.filter(
        problem_area=problem_area, drill_down=drill_down, measure=measure,
        dimension=dimension, group=group,
    ).exists():  # fmt: skip
        raise ValidationError(CITED_TWICE.format(area=problem_area))
    record_touch(
        actor=actor,
        record=problem_area.record,
        verb=AuditVerb.PROBLEM_AREAS_CITE,
        changes={
            **same({"problem_area": words(problem_area.description)}),
            "cites": [None, citation_title(citation)],
        },
    )
    citation.save()
    return citation


@transaction.atomic
def drilldown_citation_remove(*, actor: User, citation: DrillDownCitation) -> None:
    """Take a citation off its problem area: a change of the consolidation record too."""
    problem_area = citation.problem_area
    if not access.may_edit_engagement(actor, problem_area.engagement):
        raise PermissionDenied(NOT_TEAM_CITE)
    record_touch(
        actor=actor,
        record=problem_area.record,
        verb=AuditVerb.PROBLEM_AREAS_UNCITE,
        changes={
            **same({"problem_area": words(problem_area.description)}),
            "cites": [citation_title(citation), None],
        },
    )
    citation.delete()
