"""What a user may see of the reports app's own models (calendar feeds, PDFs of submitted
versions, Step 4 progress reports and CIM team meetings), built on the `lea` and `steps`
scopes below it: a report is readable where its engagement is.

Name shapes: `<things>_for(user)` a scoped queryset, `get_<thing>_for(user, ...)` one
object or a 404 when out of scope, `<thing>_for_system(id)` for tasks, which act for
nobody in particular. (A PDF request's permission, which the PDF model's transitions name, is in
reports/rules.py.)
"""

from __future__ import annotations

from collections.abc import Collection

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from lea.access import AnyUser, one_or_404
from lea.models import User
from reports.models import (
    ActivityProgress,
    CalendarFeed,
    Digest,
    OutcomeMeasurement,
    ProgressReport,
    RenderedPdf,
    TeamMeeting,
)
from steps.access import engagements_for
from steps.models import Engagement, SubmissionVersion

# --- Calendar feeds -------------------------------------------------------------------------


def calendar_feed_for_token(token: str) -> CalendarFeed | None:
    """The live feed a calendar URL's token opens, or None. Calendar apps have no session:
    the token is the credential, and the feed's owner must still be active and still see
    the engagement (someone who left the LEA stops getting its deadlines)."""
    feed = (
        CalendarFeed.objects.select_related("user", "engagement__lea", "engagement__cohort")
        .filter(
            token_hash=CalendarFeed.hash_token(token),
            revoked_at__isnull=True,
            user__is_active=True,
        )
        .first()
    )
    if feed is None or not engagements_for(feed.user).filter(pk=feed.engagement_id).exists():
        return None
    return feed


def calendar_feed_for(user: AnyUser, engagement: Engagement) -> CalendarFeed | None:
    """The user's live feed of an engagement they may see, if they have made one."""
    if isinstance(user, AnonymousUser) or not user.is_active:
        return None
    return CalendarFeed.objects.filter(
        user=user, engagement=engagement, revoked_at__isnull=True
    ).first()


# --- PDFs of submitted versions -------------------------------------------------------------


def rendered_pdf_for_version(
    version: SubmissionVersion, *, with_content: bool = False
) -> RenderedPdf | None:
    """The PDF row of a version already read in scope (its bytes only when asked for)."""
    rows = RenderedPdf.objects.filter(version=version)
    return (rows if with_content else rows.defer("content")).first()


def rendered_pdf_for_system(
    rendered_pdf_id: int, *, with_content: bool = False
) -> RenderedPdf | None:
    """For the render and mailbox-copy tasks; with its bytes only for the copy that
    attaches them."""
    rows = RenderedPdf.objects.filter(pk=rendered_pdf_id)
    return (rows if with_content else rows.defer("content")).first()


# --- Reminder digests -----------------------------------------------------------------------


def digests_for_system() -> QuerySet[Digest]:
    """Every reminder digest, for the sweep and the operator's command."""
    return Digest.objects.all()


# --- Step 4 progress reports and CIM team meetings ------------------------------------------


def progress_reports_for_engagement(engagement: Engagement | int) -> QuerySet[ProgressReport]:
    """The progress reports of an engagement the caller has read in scope, by period."""
    return (
        ProgressReport.objects.filter(engagement=engagement)
        .select_related("period", "submission")
        .order_by("period__number")
    )


def progress_reports_for_engagement_ids(
    engagement_ids: Collection[int],
) -> QuerySet[ProgressReport]:
    """Progress reports of engagements whose ids came from a scoped queryset, of
    engagements the user may read (`engagements_for`)."""
    return ProgressReport.objects.filter(engagement_id__in=engagement_ids)


def progress_reports_for_system() -> QuerySet[ProgressReport]:
    """Every progress report, for the reminder sweep."""
    return ProgressReport.objects.all()


def team_meetings_for_engagement(engagement: Engagement | int) -> QuerySet[TeamMeeting]:
    """The CIM team meetings of an engagement the caller has read in scope."""
    return TeamMeeting.objects.filter(engagement=engagement)


def activity_progress_for_report(report: ProgressReport) -> QuerySet[ActivityProgress]:
    """The plan activities' progress rows of a report the caller has read in scope."""
    return ActivityProgress.objects.filter(report=report)


def measurements_for_engagement(engagement: Engagement) -> QuerySet[OutcomeMeasurement]:
    """Every measured value of an engagement's reports (read in scope), for the charts."""
    return OutcomeMeasurement.objects.filter(report__engagement_id=engagement.pk)


def progress_reports_for(user: AnyUser) -> QuerySet[ProgressReport]:
    """Progress reports of the engagements whose CIM work the user may read."""
    return ProgressReport.objects.filter(engagement__in=engagements_for(user))


def get_progress_report_for(user: User, engagement: Engagement, report_id: int) -> ProgressReport:
    """A progress report of the engagement, which the user may read, or 404."""
    return one_or_404(
        progress_reports_for(user)
        .select_related(
            "engagement__lea__selpa",
            "engagement__cohort__year",
            "engagement__determination",
            "period",
            "submission",
            "updated_by",
        )
        .filter(pk=report_id, engagement=engagement),
        "No such progress report.",
    )


def get_measurement_for(
    user: User, report: ProgressReport, measurement_id: int
) -> OutcomeMeasurement:
    """A measured value of the progress report, which the user may read, or 404."""
    return one_or_404(
        OutcomeMeasurement.objects.select_related("outcome").filter(
            pk=measurement_id, report=report, report__in=progress_reports_for(user)
        ),
        "No such measurement.",
    )


def get_team_meeting_for(user: User, engagement: Engagement, meeting_id: int) -> TeamMeeting:
    """A CIM team meeting of the engagement, which the user may read, or 404."""
    return one_or_404(
        TeamMeeting.objects.select_related("created_by").filter(
            pk=meeting_id, engagement=engagement, engagement__in=engagements_for(user)
        ),
        "No such meeting.",
    )
