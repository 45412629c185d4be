"""The structured parts of the activity forms (team, data sources, problem areas, ...).

Each part is a module `steps/parts/<name>.py` that defines:
- `TEMPLATE`: the template included in the activity page;
- `context(*, record, user) -> dict`: what that template needs (reads through selectors);
- `check(*, record) -> list[str]`: the part's submission checklist, in plain words;
- optionally `warnings(*, record) -> list[str]`: what the state recommends but does not
  require (e.g. a team lead), shown beside the checklist, never blocking a submission;
- `snapshot(*, record) -> list[Entry]`: the part's content as a reviewer reads it, frozen
  into a submission (see `steps/snapshot.py`). Each entry is `{"anchor", "label", "text"}`:
  the anchor is `<name>` or `<name>:<stable key>` (a row's pk, or a fixed word), unique
  within the activity, so two snapshots can be compared and commented on entry by entry;
  the text is plain, multi-line, and holds everything the person typed. A part with no
  rows still gives one empty entry, so a reviewer can comment on it.
- `ROWS`: its rows, each kind declared once as a `RowPart` (steps/parts/rows.py): the
  model, the form, how rows are found, their order, what the history and the messages say,
  and hooks only where the state's guidance makes the part differ (the team's roles, the
  sources' tags, the plan's rows nested in its strategies and outcomes, what may not be
  removed while another part cites it). One set of views
  (`steps/views/part_rows.py`, URLs `<url_name>_add/_edit/_remove` made from the
  declaration) and one set of services (`steps/services/part_rows.py`: actor, lock,
  version check, merge, audit, new version) add, edit and remove the rows of every part.
What a part does beyond its rows has its own views in `steps/views/part_<name>.py` (with an
`urlpatterns` list) and writes in `steps/services/part_<name>.py`: inviting a team member,
prioritization's ranking, a problem area added from the root cause page, the plan's trace.
The activity page, the checklist, the snapshot and the URLconf find parts through this
registry.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterable
from datetime import date
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from steps.parts.rows import RowPart

PART_NAMES = (
    "team",
    "data_sources",
    "findings",
    "problem_areas",
    "prioritization",
    "root_causes",
    "plan",
)

# One entry of a snapshot: {"anchor": ..., "label": ..., "text": ...}, all strings so the
# snapshot stores as JSON exactly as it reads.
Entry = dict[str, str]


def part(name: str) -> ModuleType:
    return importlib.import_module(f"steps.parts.{name}")


def declared_rows() -> list[RowPart[Any]]:
    """Every part's declared rows (its `ROWS`), for the generic views and services."""
    return [rows for name in PART_NAMES for rows in getattr(part(name), "ROWS", ())]


def part_url_modules() -> list[ModuleType]:
    return [
        importlib.import_module(f"steps.views.part_{name}")
        for name in PART_NAMES
        if importlib.util.find_spec(f"steps.views.part_{name}") is not None
    ]


# --- Snapshot text ----------------------------------------------------------------------------


def clean(text: str) -> str:
    """Typed text as it reads: browsers send CRLF line ends; edge whitespace says nothing."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def entry(anchor: str, label: str, *lines: str) -> Entry:
    """An entry whose text is its non-empty lines, one under the other."""
    text = "\n".join(line for line in (clean(line) for line in lines) if line)
    return {"anchor": anchor, "label": label, "text": text}


def or_empty(entries: list[Entry], anchor: str, label: str) -> list[Entry]:
    """A part with no rows yet is still one (empty) entry a reviewer can comment on."""
    return entries or [entry(anchor, label)]


def long_date(day: date) -> str:
    """A date as the pages show it (`date:"F j, Y"`): December 6, 2024."""
    return f"{day:%B} {day.day}, {day.year}"


def labelled(label: str, value: str) -> str:
    """`Label: value`, or nothing when nothing was typed (an optional field left empty)."""
    value = clean(value)
    return f"{label}: {value}" if value else ""


def item(marker: str, text: str) -> str:
    """A list item whose continuation lines stay under its first one."""
    return f"{marker} " + clean(text).replace("\n", "\n" + " " * (len(marker) + 1))


def listing(heading: str, values: Iterable[str]) -> str:
    """`Heading:` with one `- value` line each, or `Heading: none`."""
    lines = [item("-", value) for value in values]
    return f"{heading}:\n" + "\n".join(lines) if lines else f"{heading}: none"
