"""The Data Drill Down page's tables: the stored counts (steps/models/drilldown.py) in the
state's words, exact for the LEA's CIM team and suppressed (steps/drilldown_privacy.py)
for everyone else; and the breakdowns a problem area cites, always suppressed, since
they leave the team with the problem area (its submission, the reviewer's page, the PDF,
the trace)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from itertools import groupby
from typing import Any

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from cim.drilldown_rules import drilldown_rules
from cim.models import ActivityDefinition
from steps import access, drilldown_privacy
from steps.drilldown import ALL, Cell
from steps.drilldown_charts import Bar, breakdown_chart_svg, chart_description
from steps.drilldown_privacy import ShownCell
from steps.models import DrillDown, DrillDownCitation, Engagement
from steps.parts import Entry, entry, listing, long_date

DIMENSION_WORDS = {
    ALL: "All students",
    "race_ethnicity": "Race/ethnicity",
    "disability": "Primary disability",
    "english_learner": "English learner",
    "socioeconomically_disadvantaged": "Socioeconomically disadvantaged",
    "gender": "Gender",
    "school_site": "School site",
    "lre": "Placement (least restrictive environment)",
}
GROUP_WORDS = {
    ALL: "All students",
    "hispanic_latino": "Hispanic or Latino",
    "american_indian_alaska_native": "American Indian or Alaska Native",
    "asian": "Asian",
    "black_african_american": "Black or African American",
    "filipino": "Filipino",
    "native_hawaiian_pacific_islander": "Native Hawaiian or Pacific Islander",
    "white": "White",
    "two_or_more": "Two or more races",
    "not_reported": "Not reported",
    "intellectual": "Intellectual disability",
    "hard_of_hearing": "Hard of hearing",
    "deaf": "Deaf",
    "speech_language": "Speech or language impairment",
    "visual": "Visual impairment",
    "emotional": "Emotional disturbance",
    "orthopedic": "Orthopedic impairment",
    "other_health": "Other health impairment",
    "established_medical": "Established medical disability",
    "specific_learning_disability": "Specific learning disability",
    "deaf_blindness": "Deaf-blindness",
    "multiple": "Multiple disabilities",
    "autism": "Autism",
    "traumatic_brain_injury": "Traumatic brain injury",
    "regular_80_plus": "Regular class 80% or more of the day",
    "regular_40_79": "Regular class 40% to 79% of the day",
    "regular_under_40": "Regular class less than 40% of the day",
    "separate": "Separate school, residential facility or home/hospital",
    "f": "Female",
    "m": "Male",
    "x": "Nonbinary",
    "yes": "Yes",
    "no": "No",
}


@dataclass(frozen=True)
class Row:
    group: str  # in words; a school site by its own name
    cell: ShownCell

    @property
    def rate(self) -> str:
        return "" if self.cell.rate is None else f"{self.cell.rate:.1%}"

    @property
    def risk_ratio(self) -> str:
        return "" if self.cell.risk_ratio is None else f"{self.cell.risk_ratio:.2f}"

    @property
    def numbers(self) -> str:
        """The row in words: "12 of 40 (30.0%)", with the risk ratio where there is one;
        "n<11" where it is suppressed."""
        cell = self.cell
        if cell.suppressed:
            return cell.label
        text = f"{cell.numerator} of {cell.denominator}"
        if self.rate:
            text += f" ({self.rate})"
        if self.risk_ratio:
            text += f", risk ratio {self.risk_ratio}"
            if cell.flagged:
                text += " (at or over the threshold)"
        return text


@dataclass(frozen=True)
class Breakdown:
    measure: str
    measure_label: str
    dimension: str
    label: str
    rows: list[Row]
    target: float
    target_words: str

    @property
    def title(self) -> str:
        return f"{self.measure_label}: by {self.label.lower()}"

    @property
    def bars(self) -> list[Bar]:
        return [Bar(row.group, row.cell.rate, row.numbers) for row in self.rows]

    @property
    def chart(self) -> SafeString:
        """The bar chart with the target line (escaped inside: steps/drilldown_charts.py)."""
        svg = breakdown_chart_svg(
            self.title,
            self.bars,
            target=self.target,
            target_words=self.target_words,
            chart_id=f"chart-{self.measure}-{self.dimension}",
        )
        return mark_safe(svg)  # noqa: S308 -- every text in it is escaped


@dataclass(frozen=True)
class MeasureTables:
    measure: str
    label: str
    target: str
    target_inferred: bool
    overall: Row
    breakdowns: list[Breakdown]


def leaving_csv(drill_down: DrillDown) -> str:
    """The tables as they leave the team (suppressed), as CSV: the page's download and
    `manage.py drill_down` write the same (steps/drilldown_privacy.py `tables_csv`)."""
    cells = [Cell(**row) for row in drill_down.tables]
    limit = drilldown_rules(drill_down.year).suppress_up_to
    return drilldown_privacy.tables_csv(drilldown_privacy.suppress(cells, suppress_up_to=limit))


def drilldown_tables(drill_down: DrillDown, *, exact: bool) -> list[MeasureTables]:
    """Each measure's overall row and breakdowns, as the viewer may see them."""
    rules = drilldown_rules(drill_down.year)
    cells = [Cell(**row) for row in drill_down.tables]
    shown = (
        drilldown_privacy.exact(cells)
        if exact
        else drilldown_privacy.suppress(cells, suppress_up_to=rules.suppress_up_to)
    )
    measures = []
    for measure, run in groupby(shown, key=lambda cell: cell.measure):
        target = rules.measures[measure]
        by_dimension = {
            dimension: [Row(GROUP_WORDS.get(c.group, c.group), c) for c in group]
            for dimension, group in groupby(run, key=lambda cell: cell.dimension)
        }
        (overall,) = by_dimension.pop(ALL)
        direction = "at least" if target.direction == "at_least" else "at most"
        measures.append(
            MeasureTables(
                measure=measure,
                label=target.label,
                target=f"{direction} {target.target:.1%}",
                target_inferred=target.inferred,
                overall=overall,
                breakdowns=[
                    Breakdown(
                        measure=measure,
                        measure_label=target.label,
                        dimension=dimension,
                        label=DIMENSION_WORDS[dimension],
                        rows=rows,
                        target=target.target,
                        target_words=f"{direction} {target.target:.1%}",
                    )
                    for dimension, rows in by_dimension.items()
                ],
            )
        )
    return measures


@dataclass(frozen=True)
class CitedBreakdown:
    """What a problem area cites, as it leaves the team: the breakdown's rows (all, or
    the one group cited) suppressed, with the measure's overall row and target."""

    citation: DrillDownCitation
    title: str  # the measure and the breakdown, in words
    rows: list[Row]
    overall: Row
    target: str
    uploaded: str  # the upload's date, in words

    @property
    def lines(self) -> list[str]:
        """The citation as lines of text (the snapshot, the trace)."""
        return [
            f"{self.title} (Data Drill Down uploaded {self.uploaded}):",
            *(f"{row.group}: {row.numbers}" for row in self.rows),
            f"All students: {self.overall.numbers}; statewide target {self.target}.",
        ]


def citation_title(citation: DrillDownCitation) -> str:
    """What a citation cites, in words: the measure, the breakdown, and the group if one."""
    label = drilldown_rules(citation.drill_down.year).measures[citation.measure].label
    title = f"{label}, by {DIMENSION_WORDS[citation.dimension].lower()}"
    return (
        f"{title}: {GROUP_WORDS.get(citation.group, citation.group)}" if citation.group else title
    )


def cited_breakdowns(citations: Iterable[DrillDownCitation]) -> list[CitedBreakdown]:
    """Each citation's breakdown, suppressed as every table that leaves the team is (the
    complementary suppression is worked out on the whole breakdown, then the cited group
    taken from it). Each upload's tables are read once, whatever number of citations."""
    tables: dict[int, dict[str, MeasureTables]] = {}
    cited = []
    for citation in citations:
        drill_down = citation.drill_down
        if drill_down.pk not in tables:
            shown = drilldown_tables(drill_down, exact=False)
            tables[drill_down.pk] = {measure.measure: measure for measure in shown}
        measure = tables[drill_down.pk][citation.measure]
        breakdown = next(b for b in measure.breakdowns if b.dimension == citation.dimension)
        rows = [r for r in breakdown.rows if not citation.group or r.cell.group == citation.group]
        cited.append(
            CitedBreakdown(
                citation=citation,
                title=citation_title(citation),
                rows=rows,
                overall=measure.overall,
                target=measure.target,
                uploaded=long_date(timezone.localdate(drill_down.uploaded_at)),
            )
        )
    return cited


# --- The submission snapshot ----------------------------------------------------------------

# The catalog's name for the part of an activity that takes the student-level extract.
STUDENT_EXTRACT = "student_extract"


def student_extract_activity(engagement: Engagement) -> ActivityDefinition | None:
    """The activity of the engagement's cohort whose page takes the extract (the Data Drill
    Down in 2024), as the catalog says; None in a cohort without one."""
    return ActivityDefinition.objects.filter(
        cohort_id=engagement.cohort_id, parts__contains=[STUDENT_EXTRACT]
    ).first()


SNAPSHOT_NOTE = (
    "From a file of {rows:,} students uploaded {day} (SHA-256 {sha}). Every table leaves "
    "the LEA's team suppressed: a group of {limit} students or fewer shows “n<{shown}” and "
    "no numbers, and where only one group of a breakdown is that small, the next smallest "
    "is hidden too."
)


def drilldown_snapshot(engagement: Engagement) -> tuple[list[Entry], list[dict[str, Any]]]:
    """The engagement's drill-down as a submission freezes it, suppressed: an entry for
    the upload and one per measure (its overall row and every breakdown, in words), and
    the charts' data per measure entry (for the PDF). Nothing when there is no upload."""
    latest = access.latest_drill_down_for_engagement(engagement)
    if latest is None:
        return [], []
    limit = drilldown_rules(latest.year).suppress_up_to
    note = SNAPSHOT_NOTE.format(
        rows=latest.row_count,
        day=long_date(timezone.localdate(latest.uploaded_at)),
        sha=latest.file_sha256,
        limit=limit,
        shown=limit + 1,
    )
    entries = [entry("drilldown", "Box 10 · Data Drill Down tables", note)]
    charts = []
    for measure in drilldown_tables(latest, exact=False):
        anchor = f"drilldown:{measure.measure}"
        entries.append(
            entry(
                anchor,
                f"Box 10 · Data Drill Down: {measure.label}",
                f"Statewide target: {measure.target}.",
                f"All students: {measure.overall.numbers}.",
                *(
                    listing(f"By {b.label.lower()}", (f"{r.group}: {r.numbers}" for r in b.rows))
                    for b in measure.breakdowns
                ),
            )
        )
        charts.append(
            {
                "anchor": anchor,
                "breakdowns": [
                    {
                        "title": b.title,
                        "target": b.target,
                        "target_words": b.target_words,
                        "bars": [asdict(bar) for bar in b.bars],
                    }
                    for b in measure.breakdowns
                ],
            }
        )
    return entries, charts


def snapshot_charts(activity: dict[str, Any]) -> dict[str, list[tuple[str, str, str]]]:
    """From a frozen activity: per entry anchor, each breakdown's (title, SVG, words),
    drawn from the snapshot alone, so a PDF shows what was submitted."""
    drawn: dict[str, list[tuple[str, str, str]]] = {}
    for measure in activity.get("drilldown", []):
        for number, data in enumerate(measure["breakdowns"]):
            bars = [Bar(**bar) for bar in data["bars"]]
            svg = breakdown_chart_svg(
                data["title"],
                bars,
                target=data["target"],
                target_words=data["target_words"],
                chart_id=f"{measure['anchor'].replace(':', '-')}-{number}",
            )
            words = chart_description(data["title"], bars, data["target"], data["target_words"])
            drawn.setdefault(measure["anchor"], []).append((data["title"], svg, words))
    return drawn
