"""docs/*.dot are the state machines as the code defines them (django-fsm-2's
graph_transitions), so the diagrams never drift from the transitions."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.mark.parametrize(
    ("model", "file_name"),
    [
        ("steps.Submission", "submission-states.dot"),
        ("steps.ActivityRecord", "activity-record-states.dot"),
        ("steps.AdlUpload", "adl-upload-states.dot"),
        ("reports.RenderedPdf", "rendered-pdf-states.dot"),
        ("reports.Digest", "digest-states.dot"),
    ],
)
def test_it_keeps_the_state_diagrams_true(model: str, file_name: str) -> None:
    out = io.StringIO()
    call_command("graph_transitions", model, stdout=out)
    # graph_transitions lists nodes and edges in no fixed order: compare them as sets.
    drawn = sorted(line.strip() for line in out.getvalue().splitlines())
    kept = sorted(line.strip() for line in (DOCS / file_name).read_text().splitlines())
    assert drawn == kept, (
        f"Regenerate it: python manage.py graph_transitions {model} > docs/{file_name}"
    )
