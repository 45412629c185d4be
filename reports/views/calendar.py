"""Calendar feeds: a person's page to make, rotate or revoke their secret feed URL for an
engagement, and the feed itself (.ics) that calendar apps fetch without a session.

Each view: authorize through access, call one selector or service, render or redirect."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST, require_safe

from cim.models import INFERRED_DATE
from lea.auth import current_user
from lea.models import User
from lea.services_access_records import Kind, record_read
from reports import access as reports_access
from reports import ics
from reports.selectors.calendar import engagement_deadlines
from reports.services import calendar as services
from steps import access
from steps.models import Engagement

REVOKED = (
    "The calendar feed URL is revoked: calendar apps subscribed to it get nothing more. "
    "Remove the subscription from your calendar app too."
)
NOTHING_TO_REVOKE = "You have no calendar feed for this LEA: there was nothing to revoke."


def feed_url(token: str) -> str:
    return settings.SITE_URL + reverse("calendar_feed_ics", args=[token])


def _page(
    request: HttpRequest, engagement: Engagement, new: services.NewFeed | None = None
) -> HttpResponse:
    url = feed_url(new.token) if new else ""
    return render(
        request,
        "reports/calendar_feed.html",
        {
            "engagement": engagement,
            "feed": new.feed if new else reports_access.calendar_feed_for(request.user, engagement),
            "new": new,
            "feed_url": url,
            # webcal:// opens the calendar app with a subscription (Apple, Outlook).
            "webcal_url": "webcal" + url[url.index(":") :] if url else "",
            "deadlines": engagement_deadlines(engagement=engagement),
            "inferred_date": INFERRED_DATE,
        },
    )


@login_required
@require_GET
def engagement_calendar(request: HttpRequest, engagement_id: int) -> HttpResponse:
    engagement = access.get_engagement_for(request.user, engagement_id)
    _record_calendar_read(request, engagement)
    return _page(request, engagement)


def _record_calendar_read(
    request: HttpRequest, engagement: Engagement, actor: User | None = None
) -> None:
    """The deadlines and the state of each piece of the LEA's work: a read of its records."""
    record_read(
        request,
        kind=Kind.CALENDAR,
        lea_id=engagement.lea_id,
        object_id=engagement.pk,
        description=engagement.cohort.name,
        actor=actor,
    )


@never_cache  # the page carries the secret URL, shown this once
@login_required
@require_POST
def engagement_calendar_create(request: HttpRequest, engagement_id: int) -> HttpResponse:
    engagement = access.get_engagement_for(request.user, engagement_id)
    new = services.calendar_feed_create(actor=current_user(request), engagement=engagement)
    return _page(request, engagement, new)


@login_required
@require_POST
def engagement_calendar_revoke(request: HttpRequest, engagement_id: int) -> HttpResponse:
    engagement = access.get_engagement_for(request.user, engagement_id)
    feed = reports_access.calendar_feed_for(request.user, engagement)
    if feed is None:
        messages.info(request, NOTHING_TO_REVOKE)
    else:
        services.calendar_feed_revoke(actor=current_user(request), feed=feed)
        messages.success(request, REVOKED)
    return redirect("engagement_calendar", engagement_id=engagement.pk)


@require_safe
def calendar_feed_ics(request: HttpRequest, token: str) -> HttpResponse:
    """No login: calendar apps have no session, so the token is the credential. Unknown,
    revoked, or no longer allowed (the person left the LEA, or was deactivated): 404."""
    feed = reports_access.calendar_feed_for_token(token)
    if feed is None:
        raise Http404("No such calendar feed.")
    engagement = feed.engagement
    # The feed's owner reads it, through their calendar app.
    _record_calendar_read(request, engagement, actor=feed.user)
    body = ics.deadlines_ics(
        engagement=engagement, deadlines=engagement_deadlines(engagement=engagement)
    )
    services.calendar_feed_mark_fetched(feed=feed)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    # Personal and revocable: no shared cache may keep it, and a revoked URL stops at once.
    response["Cache-Control"] = "private, max-age=0, must-revalidate"
    response["Content-Disposition"] = 'inline; filename="cim-deadlines.ics"'
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


urlpatterns = [
    path(
        "engagements/<int:engagement_id>/calendar/",
        engagement_calendar,
        name="engagement_calendar",
    ),
    path(
        "engagements/<int:engagement_id>/calendar/new/",
        engagement_calendar_create,
        name="engagement_calendar_create",
    ),
    path(
        "engagements/<int:engagement_id>/calendar/revoke/",
        engagement_calendar_revoke,
        name="engagement_calendar_revoke",
    ),
    path("calendar/<slug:token>.ics", calendar_feed_ics, name="calendar_feed_ics"),
]
