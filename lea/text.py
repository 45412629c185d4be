"""Shortening text for the places that show or keep only the start of it (an audit row's
values, a message that names a row). In `lea`, the lowest app, so every app has one."""

from __future__ import annotations

from typing import Any

ELLIPSIS = "…"


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters: the text itself, or its start and an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def shorten_value(value: Any, limit: int) -> Any:
    """A text shortened as `shorten` does; any other value (a number, a list) as it is."""
    return shorten(value, limit) if isinstance(value, str) else value


# What an audit row keeps of a text it records (an answer, a note): enough to recognise it.
AUDIT_TEXT_LIMIT = 300


def audit_text(value: Any) -> Any:
    """A value as an audit row keeps it: a long text shortened, anything else as it is."""
    return shorten_value(value, AUDIT_TEXT_LIMIT)
