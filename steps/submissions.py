"""Reads about submissions: what a step's submission would include and what still stands
in its way, where it goes, and who holds it now. Writes are in steps/services/submissions.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from cim.models import ActivityDefinition
from steps import access
from steps.checklist import record_checklist, record_warnings
from steps.models import (
    ActivityRecord,
    Comment,
    Engagement,
    ResolvedRequirement,
    Review,
    Submission,
    SubmissionState,
    SubmissionVersion,
)
from steps.snapshot import snapshot_diff

# Step 4 is progress reports, submitted one by one once the plan is approved.
SUBMITTABLE_STEPS = (1, 2, 3)
NOTHING_TO_SUBMIT = "Nothing in {what} is started yet: there is nothing to submit."
MIXED_ROUTE = (
    "The catalog sends the activities of {what} to different reviewers ({approvers}). "
    "A CDE administrator must correct the catalog before it can be submitted."
)
NO_ROUTE = "The catalog names no reviewer for {activity}. A CDE administrator must add one."
OPTIONAL_UNFINISHED = "{activity} (optional) is started but not finished: {problem}"


@dataclass
class Readiness:
    """A step (or an activity approved on its own) as it would be submitted now."""

    what: str
    records: list[ActivityRecord]
    left_out: list[ActivityRecord] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # What the state recommends and the work lacks: shown, never blocking.
    warnings: list[str] = field(default_factory=list)
    routed_to: str = ""

    @property
    def ready(self) -> bool:
        return not self.problems


def scope_records(
    engagement: Engagement, step: int, activity: ActivityDefinition | None = None
) -> QuerySet[ActivityRecord]:
    """The activity records a submission of the step (or of the one activity) covers."""
    records = ActivityRecord.objects.filter(engagement=engagement, definition__step=step).exclude(
        requirement=ResolvedRequirement.NOT_APPLICABLE
    )
    if activity is not None:
        records = records.filter(definition=activity)
    else:
        records = records.filter(definition__approved_alone=False)
    return records.select_related(
        "definition", "engagement__cohort", "engagement__determination"
    ).order_by("definition__position")


def _included(record: ActivityRecord) -> bool:
    """Required work always goes in; optional work only once the LEA has taken it up."""
    if record.requirement == ResolvedRequirement.REQUIRED:
        return True
    return record.status not in (
        ActivityRecord.Status.NOT_STARTED,
        ActivityRecord.Status.MARKED_NA,
    )


def title(step: int, activity: ActivityDefinition | None) -> str:
    return f"{activity.name} (Step {step})" if activity is not None else f"Step {step}"


def readiness(
    *, engagement: Engagement, step: int, activity: ActivityDefinition | None = None
) -> Readiness:
    what = title(step, activity)
    records = list(scope_records(engagement, step, activity))
    result = Readiness(what=what, records=[r for r in records if _included(r)])
    result.left_out = [r for r in records if not _included(r)]
    if not result.records:
        result.problems.append(NOTHING_TO_SUBMIT.format(what=what))
        return result
    for record in result.records:
        for problem in record_checklist(record=record):
            name = record.definition.name
            result.problems.append(
                f"{name}: {problem}"
                if record.requirement == ResolvedRequirement.REQUIRED
                else OPTIONAL_UNFINISHED.format(activity=name, problem=problem)
            )
        result.warnings += [
            f"{record.definition.name}: {warning}" for warning in record_warnings(record=record)
        ]
        if not record.approver:
            result.problems.append(NO_ROUTE.format(activity=record.definition.name))
    approvers = sorted({r.approver for r in result.records if r.approver})
    if len(approvers) > 1:
        result.problems.append(MIXED_ROUTE.format(what=what, approvers=" and ".join(approvers)))
    elif approvers:
        result.routed_to = approvers[0]
    return result


def closing_submission(record: ActivityRecord) -> Submission | None:
    """The submission that keeps the activity from changing now: its step's (or its own,
    when approved on its own) while submitted or approved; None when it is open."""
    definition = record.definition
    return (
        Submission.objects.filter(
            engagement_id=record.engagement_id,
            step=definition.step,
            activity=definition if definition.approved_alone else None,
            state__in=(SubmissionState.SUBMITTED, SubmissionState.APPROVED),
        )
        .select_related("activity")
        .first()
    )


# Why the LEA counts as working on decided work again (a decision is undone only before).
RESUMED_CHANGED = "{activity} was changed at the LEA after the decision"
RESUMED_REPLIED = "the LEA replied to a note after the decision"
RESUMED_SUBMITTED = "the LEA submitted work after the decision"
RESUMED_UNKNOWN = "it was recorded before decisions could be undone"


def lea_resumed(*, review: Review) -> str:
    """Why the LEA is working on the decided work again, or "" while it is not: since the
    decision someone changed one of the activities it moved (answers, structured rows, set
    aside or taken up), replied to a reviewer's note on the submission, or submitted any
    work of the engagement (this one again, a later step, a progress report)."""
    if not review.activity_versions:
        return RESUMED_UNKNOWN
    submission = review.version.submission
    records = ActivityRecord.objects.filter(
        engagement_id=submission.engagement_id, pk__in=[int(pk) for pk in review.activity_versions]
    ).select_related("definition")
    for record in records:
        if record.version != review.activity_versions[str(record.pk)]:
            return RESUMED_CHANGED.format(activity=record.definition.name)
    replied = Comment.objects.filter(
        version__submission=submission,
        kind=Comment.Kind.REPLY,
        created_at__gt=review.decided_at,
    )
    if replied.exists():
        return RESUMED_REPLIED
    submitted = SubmissionVersion.objects.filter(
        submission__engagement_id=submission.engagement_id, submitted_at__gt=review.decided_at
    )
    if submitted.exists():
        return RESUMED_SUBMITTED
    return ""


@dataclass
class Undo:
    """The decision on the current version, for the reviewer who made it: `refused` says
    why it can no longer be undone ("" while it can)."""

    review: Review
    refused: str


def undo_for(*, submission: Submission, user: Any) -> Undo | None:
    """The decision the user may take back on the submission's current version, if any."""
    decided = (SubmissionState.APPROVED, SubmissionState.RETURNED)
    if submission.state not in decided or not access.may_undo_decision(user, submission):
        return None
    review = Review.objects.select_related("version__submission").get(
        version__submission=submission, version__number=submission.current_version
    )
    return Undo(review=review, refused=lea_resumed(review=review))


def submission_of(
    engagement: Engagement, step: int, activity: ActivityDefinition | None = None
) -> Submission | None:
    return (
        Submission.objects.filter(engagement=engagement, step=step, activity=activity)
        .select_related("activity")
        .first()
    )


def holder(submission: Submission | None, *, now: datetime | None = None) -> str:
    """Who holds the work now, and for how long, in a few words."""
    if submission is None or submission.state == SubmissionState.DRAFT:
        return "with the LEA (not submitted)"
    days = _days_since(submission.state_changed_at, now)
    if submission.state == SubmissionState.APPROVED:
        when = "today" if days == 0 else f"{_days(days)} ago"
        return f"approved by {submission.routed_to} {when}"
    since = "since today" if days == 0 else _days(days)
    if submission.state == SubmissionState.SUBMITTED:
        return f"waiting on {submission.routed_to} review, {since}"
    return f"waiting on the LEA to revise, {since}"


def _days_since(moment: datetime | None, now: datetime | None) -> int:
    if moment is None:
        return 0
    return max(0, ((now or timezone.now()) - moment).days)


def _days(count: int) -> str:
    return "1 day" if count == 1 else f"{count} days"


@dataclass
class NoteThread:
    """A reviewer's comment or question on a box, with the LEA's replies."""

    comment: Comment
    replies: list[Comment]


@dataclass
class SubmissionPage:
    submission: Submission
    versions: list[SubmissionVersion]
    shown: SubmissionVersion
    compared_with: SubmissionVersion | None
    activities: list[dict[str, Any]]
    # Threads per (activity key, anchor); ("", "") holds notes on the version as a whole.
    threads: dict[tuple[str, str], list[NoteThread]]
    reviews: dict[int, Review]
    orphan_threads: list[NoteThread]

    @property
    def is_latest(self) -> bool:
        return self.shown.number == self.submission.current_version

    @property
    def general_threads(self) -> list[NoteThread]:
        return self.threads.get(("", ""), [])


def submission_page(*, submission: Submission, number: int | None = None) -> SubmissionPage:
    """A version (the latest unless `number` is given) with what changed since the version
    before it, box by box, and every note on it and on earlier versions."""
    versions = list(submission.versions.select_related("submitted_by").order_by("number"))
    if not versions:
        raise SubmissionVersion.DoesNotExist
    wanted = versions[-1].number if number is None else number
    shown = next((v for v in versions if v.number == wanted), None)
    if shown is None:
        raise SubmissionVersion.DoesNotExist
    earlier = [v for v in versions if v.number < shown.number]
    compared_with = earlier[-1] if earlier else None
    activities = snapshot_diff(
        compared_with.snapshot["activities"] if compared_with else None,
        shown.snapshot["activities"],
    )
    comments = list(
        Comment.objects.filter(version__submission=submission, version__number__lte=shown.number)
        .select_related("author", "version")
        .order_by("created_at", "pk")
    )
    replies: dict[int, list[Comment]] = {}
    for comment in comments:
        if comment.reply_to_id:
            replies.setdefault(comment.reply_to_id, []).append(comment)
    threads: dict[tuple[str, str], list[NoteThread]] = {}
    for comment in comments:
        if not comment.reply_to_id:
            key = (comment.activity_key, comment.anchor)
            threads.setdefault(key, []).append(NoteThread(comment, replies.get(comment.pk, [])))
    reviews = {
        review.version_id: review
        for review in Review.objects.filter(version__submission=submission).select_related(
            "reviewer"
        )
    }
    placed = {("", "")}
    for activity in activities:
        for row in activity["entries"]:
            row["threads"] = threads.get((activity["key"], row["anchor"]), [])
            placed.add((activity["key"], row["anchor"]))
        activity["threads"] = threads.get((activity["key"], ""), [])
        placed.add((activity["key"], ""))
    # Notes on boxes this version no longer has (a row removed, an activity left out).
    orphans = [thread for key, found in threads.items() if key not in placed for thread in found]
    return SubmissionPage(
        submission=submission,
        versions=versions,
        shown=shown,
        compared_with=compared_with,
        activities=activities,
        threads=threads,
        reviews=reviews,
        orphan_threads=orphans,
    )


def review_notes_for_record(
    record: ActivityRecord,
) -> tuple[Review | None, dict[str, list[NoteThread]]]:
    """For the LEA's form: the decision on the latest version that carried this activity,
    and the notes on its boxes by anchor, so they show beside the fields."""
    definition = record.definition
    submission = (
        Submission.objects.filter(
            engagement_id=record.engagement_id,
            step=definition.step,
            activity=definition if definition.approved_alone else None,
        )
        .exclude(current_version=0)
        .first()
    )
    if submission is None:
        return None, {}
    version = submission.versions.filter(number=submission.current_version).first()
    if version is None:
        return None, {}
    review = version.reviews.select_related("reviewer").first()
    comments = list(
        Comment.objects.filter(version=version, activity_key=definition.key)
        .select_related("author", "version")
        .order_by("created_at", "pk")
    )
    notes: dict[str, list[NoteThread]] = {}
    for comment in comments:
        if not comment.reply_to_id:
            thread = NoteThread(comment, [c for c in comments if c.reply_to_id == comment.pk])
            notes.setdefault(comment.anchor, []).append(thread)
    return review, notes
