"""An engagement's deadlines as an iCalendar document (RFC 5545), for calendar feeds."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event
from icalendar.enums import TRANSP

from cim.models import INFERRED_DATE
from reports.selectors.calendar import Deadline
from steps.models import Engagement

PRODID = "-//CIM Portal//CIM deadlines//EN"
# How often we ask calendar apps to fetch again. Deadlines change rarely; Google
# Calendar ignores the hint and polls on its own schedule anyway.
REFRESH = timedelta(hours=6)
ONE_DAY = timedelta(days=1)


def deadlines_ics(
    *, engagement: Engagement, deadlines: list[Deadline], now: datetime | None = None
) -> bytes:
    """All-day events, one per deadline, with UIDs that stay the same from one fetch to
    the next so that a calendar app updates an event rather than adding a copy."""
    host = urlsplit(settings.SITE_URL).hostname or "cim-portal"
    workspace = settings.SITE_URL + reverse("engagement_workspace", args=[engagement.pk])
    lea = engagement.lea.name
    calendar = Calendar.new(
        prodid=PRODID,
        name=f"{lea}: CIM deadlines",
        description=f"Deadlines of {lea}, {engagement.cohort.name}: California "
        "special-education Compliance and Improvement Monitoring (CIM), from the CIM Portal.",
        uid=f"engagement-{engagement.pk}@{host}",
        url=workspace,
        method="PUBLISH",
        calscale="GREGORIAN",
        refresh_interval=REFRESH,
    )
    # RFC 7986 requires the VALUE parameter; Outlook and Apple read X-PUBLISHED-TTL.
    calendar["REFRESH-INTERVAL"].params["VALUE"] = "DURATION"
    calendar.add("x-published-ttl", "PT6H")
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    stamp = now or timezone.now()
    for deadline in deadlines:
        calendar.add_component(
            Event.new(
                uid=f"engagement-{engagement.pk}-{deadline.key}@{host}",
                summary=f"{lea}: {deadline.title} (CIM)",
                start=deadline.due,
                end=deadline.due + ONE_DAY,
                stamp=stamp,
                description=_description(deadline, workspace),
                url=workspace,
                # A deadline is not a meeting: it does not make anyone look busy.
                transparency=TRANSP.TRANSPARENT,
                categories=["CIM"],
            )
        )
    return calendar.to_ical()


def _description(deadline: Deadline, workspace: str) -> str:
    lines = [f"Status: {deadline.status}.", ""] if deadline.status else []
    if deadline.inferred:
        lines += [f"The {INFERRED_DATE}.", ""]
    if deadline.lines:
        lines += [*deadline.lines, ""]
    lines.append(f"Open the LEA's CIM workspace: {workspace}")
    return "\n".join(lines)
