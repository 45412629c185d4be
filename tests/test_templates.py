"""Template mistakes a reader of the page would see."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_short_comment_closes_on_its_own_line() -> None:
    """Django's {# #} comment is one line only: one that runs on shows on the page."""
    runaway = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted(ROOT.glob("**/templates/**/*.html"))
        if ".venv" not in path.parts
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if line.count("{#") > line.count("#}")
    ]
    assert runaway == []
