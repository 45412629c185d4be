"""The yes/no rules on the reports app's objects that its state machines name as
transition permissions (see steps/rules.py for the shape)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lea.access import AnyUser
from steps.access import may_see_submission

if TYPE_CHECKING:
    from reports.models import RenderedPdf


def may_request_pdf(user: AnyUser | None, rendered: RenderedPdf) -> bool:
    """Anyone who may see the submission may ask for (or retry) the PDF of its version."""
    return user is not None and may_see_submission(user, rendered.version.submission_id)
