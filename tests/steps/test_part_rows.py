"""Every declared part's rows (steps/parts/rows.py) get the generic views by their
declaration alone: their URL names resolve to them, with the declaration passed along.
(The generic services refuse an outsider for every declared part: tests/test_service_actors.py.)"""

import re
from typing import Any

import pytest
from django.urls import resolve, reverse

from steps.parts import declared_rows
from steps.parts.rows import RowPart
from steps.views.part_rows import row_add, row_edit, row_remove


@pytest.mark.parametrize("rows", declared_rows(), ids=lambda rows: rows.url_name)
def test_it_serves_every_declared_part(rows: RowPart[Any]) -> None:
    # What the add URL names besides the activity: a finding's kind, or the row it adds to.
    words: dict[str, object] = {
        name: "strength" if converter == "slug" else 3
        for converter, name in re.findall(r"<(\w+):(\w+)>", rows.add_path)
    }
    where = {"engagement_id": 1, "activity_key": "an-activity"}
    for verb, view, extra in (
        ("add", row_add, words),
        ("edit", row_edit, {"row_id": 2}),
        ("remove", row_remove, {"row_id": 2}),
    ):
        match = resolve(reverse(f"{rows.url_name}_{verb}", kwargs=where | extra))
        assert match.func is view
        assert match.kwargs["rows"] is rows
