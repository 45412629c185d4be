"""What an activity page drawn now posts for its box answers: the version token and each
box's base, as `templates/steps/activity.html` renders them.

    client.post(url, drawn(record, trends="Rising"))
"""

from __future__ import annotations

from typing import Any

from steps.merge import BASE_PREFIX, fingerprint, version_token
from steps.models import ActivityRecord


def drawn(record: ActivityRecord, **answers: Any) -> dict[str, Any]:
    """The post of a page drawn from the record as saved now, with `answers` typed."""
    record.refresh_from_db(fields=["responses", "version"])
    bases = {BASE_PREFIX + name: fingerprint(record.responses.get(name)) for name in answers}
    return {"version": version_token(record), **bases, **answers}
