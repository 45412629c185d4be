"""Submitting and reviewing, through the services: routing by the catalog, the state
machine's legal and illegal transitions, one version per submit, and refusals."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django_fsm import TransitionNotAllowed

from cim.models import ActivityDefinition, Cohort
from lea.models import AuditEvent
from steps import services
from steps.merge import Stale
from steps.models import (
    ActivityRecord,
    Comment,
    Engagement,
    Review,
    Submission,
    SubmissionState,
    SubmissionVersion,
)
from steps.services.submissions import NAME_MISMATCH, REPLY_SUPERSEDED
from steps.submissions import readiness
from tests.cim.catalog import load_2024
from tests.conftest import World
from tests.steps.engagements import start

pytestmark = pytest.mark.django_db

PPR = "policies_procedures_review"


@pytest.fixture
def cohorts() -> dict[str, Cohort]:
    return load_2024()


def _record(engagement: Engagement, key: str) -> ActivityRecord:
    return ActivityRecord.objects.select_related("definition", "engagement").get(
        engagement=engagement, definition__key=key
    )


def _take_up_ppr(engagement: Engagement, lead) -> ActivityRecord:  # type: ignore[no-untyped-def]
    """Policies & Procedures Review: optional for Targeted until SRR findings are known,
    approved on its own by CDE. The smallest submission there is."""
    record = _record(engagement, PPR)
    return services.record_save_answers(
        actor=lead, record=record, expected_version=record.version,
        answers={"summary": "Board policy BP 6164.4 revised after the SRR."},
    ).record  # fmt: skip


def _submit_ppr(world: World, engagement: Engagement) -> SubmissionVersion:
    _take_up_ppr(engagement, world.lea_lead)
    return services.submission_submit(
        actor=world.lea_lead, engagement=engagement, step=1,
        activity=ActivityDefinition.objects.get(cohort=engagement.cohort, key=PPR),
        confirmation_name="Casey Lead",
    )  # fmt: skip


def _assign(world: World, engagement: Engagement) -> None:
    services.consultant_assign(
        actor=world.cde_admin, consultant=world.cde_consultant,
        year=engagement.cohort.year, leas=[engagement.lea],
    )  # fmt: skip


# --- Routing --------------------------------------------------------------------------------

ROUTES = [
    ("targeted", 1, "SELPA"),
    ("targeted", 2, "SELPA"),
    ("targeted", 3, "CDE"),
    ("intensive", 1, "CDE"),
    ("intensive", 2, "CDE"),
    ("intensive", 3, "CDE"),
]


@pytest.mark.parametrize(("tier", "level", "route"), ROUTES)
@pytest.mark.parametrize("step", [1, 2, 3])
def test_it_routes_each_step_by_tier_and_level(
    world: World, cohorts: dict[str, Cohort], tier: str, level: int, route: str, step: int
) -> None:
    engagement = start(world.lea, cohorts[tier], level=level)

    assert readiness(engagement=engagement, step=step).routed_to == route


def test_it_routes_an_activity_approved_on_its_own_to_cde_at_every_level(
    world: World, cohorts: dict[str, Cohort]
) -> None:
    engagement = start(world.lea, cohorts["targeted"], level=1)
    _assign(world, engagement)

    version = _submit_ppr(world, engagement)

    assert version.routed_to == "CDE"
    assert version.submission.activity is not None
    # The step's own submission is untouched: the activity went by itself.
    assert not Submission.objects.filter(engagement=engagement, activity=None).exists()


# --- The state machine ----------------------------------------------------------------------


def test_it_submits_returns_resubmits_and_approves(
    world: World, cohorts: dict[str, Cohort]
) -> None:
    engagement = start(world.lea, cohorts["targeted"], level=1)
    _assign(world, engagement)
    first = _submit_ppr(world, engagement)
    submission = first.submission
    record = _record(engagement, PPR)
    assert (submission.state, first.number, record.status) == ("submitted", 1, "submitted")
    assert first.snapshot["activities"][0]["entries"][0]["text"].startswith("Board policy")

    services.submission_decide(
        actor=world.cde_consultant, submission=submission, version_number=1,
        decision="returned", summary="Cite the board minutes.",
    )  # fmt: skip
    submission.refresh_from_db()
    assert submission.state == "returned"
    assert _record(engagement, PPR).status == "returned"

    record = _record(engagement, PPR)
    services.record_save_answers(
        actor=world.lea_member, record=record, expected_version=record.version,
        answers={"summary": "Board policy BP 6164.4 revised; minutes of 2024-09-12."},
    )  # fmt: skip
    second = services.submission_submit(
        actor=world.lea_lead, engagement=engagement, step=1,
        activity=submission.activity, confirmation_name="Casey Lead",
    )  # fmt: skip
    assert second.number == 2
    services.submission_decide(
        actor=world.cde_consultant, submission=submission, version_number=2, decision="approved"
    )
    submission.refresh_from_db()
    assert submission.state == "approved"
    assert _record(engagement, PPR).status == "approved"
    verbs = list(
        AuditEvent.objects.filter(object_id=str(submission.pk), verb__startswith="submission.")
        .order_by("at", "pk")
        .values_list("verb", flat=True)
    )
    assert verbs == [
        "submission.submit", "submission.return", "submission.submit", "submission.approve"
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("state", "transition"),
    [
        ("draft", "return_for_revision"),
        ("draft", "approve"),
        ("submitted", "submit"),
        ("returned", "approve"),
        ("returned", "return_for_revision"),
        ("approved", "submit"),
        ("approved", "approve"),
        ("approved", "return_for_revision"),
    ],
)
def test_it_refuses_every_illegal_transition(
    world: World, cohorts: dict[str, Cohort], state: str, transition: str
) -> None:
    engagement = start(world.lea, cohorts["targeted"], level=1)
    submission = Submission.objects.create(engagement=engagement, step=1, routed_to="SELPA")
    Submission.objects.filter(pk=submission.pk).update(state=state)
    submission.refresh_from_db()

    with pytest.raises(TransitionNotAllowed):
        getattr(submission, transition)()


def test_it_protects_the_state_from_direct_writes(world: World, cohorts: dict[str, Cohort]) -> None:
    engagement = start(world.lea, cohorts["targeted"], level=1)
    submission = Submission.objects.create(engagement=engagement, step=1, routed_to="SELPA")

    with pytest.raises(AttributeError):
        submission.state = SubmissionState.APPROVED
    with pytest.raises(AttributeError):
        _record(engagement, PPR).status = ActivityRecord.Status.APPROVED


@pytest.mark.parametrize("who", ["lea_member", "selpa_reviewer", "cde_consultant", "cde_admin"])
def test_it_lets_only_the_lead_submit(world: World, cohorts: dict[str, Cohort], who: str) -> None:
    engagement = start(world.lea, cohorts["targeted"], level=1)
    _assign(world, engagement)
    _take_up_ppr(engagement, world.lea_lead)

    with pytest.raises(PermissionDenied):
        services.submission_submit(
            actor=getattr(world, who), engagement=engagement, step=1,
            activity=ActivityDefinition.objects.get(cohort=engagement.cohort, key=PPR),
            confirmation_name="Someone",
        )  # fmt: skip
    assert not SubmissionVersion.objects.exists()


@pytest.mark.parametrize(
    "who", ["lea_lead", "selpa_reviewer", "cde_admin", "foreign_selpa_reviewer", "cde_consultant"]
)
def test_it_lets_only_the_assigned_consultant_decide(
    world: World, cohorts: dict[str, Cohort], who: str
) -> None:
    engagement = start(world.lea, cohorts["targeted"], level=1)
    version = _submit_ppr(world, engagement)  # no consultant assigned yet

    with pytest.raises(PermissionDenied):
        services.submission_decide(
            actor=getattr(world, who), submission=version.submission, version_number=1,
            decision="approved",
        )  # fmt: skip
    version.submission.refresh_from_db()
    assert version.submission.state == "submitted"


def test_it_requires_a_summary_to_return(world: World, cohorts: dict[str, Cohort]) -> None:
    engagement = start(world.lea, cohorts["targeted"], level=1)
    _assign(world, engagement)
    version = _submit_ppr(world, engagement)

    with pytest.raises(ValidationError, match="summary is required"):
        services.submission_decide(
            actor=world.cde_consultant, submission=version.submission, version_number=1,
            decision="returned", summary="   ",
        )  # fmt: skip
    assert not Review.objects.exists()


def test_it_refuses_to_approve_a_version_already_returned(
    world: World, cohorts: dict[str, Cohort]
) -> None:
    engagement = start(world.lea, cohorts["targeted"], level=1)
    _assign(world, engagement)
    version = _submit_ppr(world, engagement)
    services.submission_decide(
        actor=world.cde_consultant, submission=version.submission, version_number=1,
        decision="returned", summary="More detail, please.",
    )  # fmt: skip

    with pytest.raises(Stale, match="now returned for revision"):
        services.submission_decide(
            actor=world.cde_consultant, submission=version.submission, version_number=1,
            decision="approved",
        )  # fmt: skip


def test_it_refuses_to_decide_a_superseded_version(
    world: World, cohorts: dict[str, Cohort]
) -> None:
    engagement = start(world.lea, cohorts["targeted"], level=1)
    _assign(world, engagement)
    version = _submit_ppr(world, engagement)
    submission = version.submission
    services.submission_decide(
        actor=world.cde_consultant, submission=submission, version_number=1,
        decision="returned", summary="More detail, please.",
    )  # fmt: skip
    services.submission_submit(
        actor=world.lea_lead, engagement=engagement, step=1, activity=submission.activity,
        confirmation_name="Casey Lead",
    )  # fmt: skip

    with pytest.raises(Stale, match="latest version 2"):
        services.submission_decide(
            actor=world.cde_consultant, submission=submission, version_number=1,
            decision="approved",
        )  # fmt: skip
    submission.refresh_from_db()
    assert submission.state == "submitted"


def test_it_refuses_a_reply_to_a_comment_on_a_superseded_version(
    world: World, cohorts: dict[str, Cohort]
) -> None:
    engagement = start(world.lea, cohorts["targeted"], level=1)
    _assign(world, engagement)
    submission = _submit_ppr(world, engagement).submission
    comment = services.comment_add(
        actor=world.cde_consultant, submission=submission, version_number=1,
        body="Which board meeting adopted it?", activity_key=PPR, anchor="field:summary",
    )  # fmt: skip
    services.submission_decide(
        actor=world.cde_consultant, submission=submission, version_number=1,
        decision="returned", summary="Name the meeting.",
    )  # fmt: skip
    services.submission_submit(
        actor=world.lea_lead, engagement=engagement, step=1, activity=submission.activity,
        confirmation_name="Casey Lead",
    )  # fmt: skip

    with pytest.raises(ValidationError) as error:
        services.comment_reply(
            actor=world.lea_lead, comment=comment, body="The September 12 meeting."
        )
    assert error.value.messages == [REPLY_SUPERSEDED.format(version=1, current=2)]
    assert not Comment.objects.filter(reply_to=comment).exists()


def test_it_submits_once_when_submitted_twice(world: World, cohorts: dict[str, Cohort]) -> None:
    engagement = start(world.lea, cohorts["targeted"], level=1)
    version = _submit_ppr(world, engagement)

    with pytest.raises(ValidationError, match="already submitted"):
        services.submission_submit(
            actor=world.lea_lead, engagement=engagement, step=1,
            activity=version.submission.activity, confirmation_name="Casey Lead",
        )  # fmt: skip
    assert SubmissionVersion.objects.count() == 1


def test_it_requires_the_typed_name(world: World, cohorts: dict[str, Cohort]) -> None:
    engagement = start(world.lea, cohorts["targeted"], level=1)
    _take_up_ppr(engagement, world.lea_lead)

    with pytest.raises(ValidationError, match="Type your full name"):
        services.submission_submit(
            actor=world.lea_lead, engagement=engagement, step=1,
            activity=ActivityDefinition.objects.get(cohort=engagement.cohort, key=PPR),
            confirmation_name=" \x00 ",
        )  # fmt: skip
    assert not Submission.objects.exclude(state="draft").exists()


@pytest.mark.parametrize("typed", ["casey lead", "  CASEY   Lead ", "Casey\tLead"])
def test_it_takes_the_submitters_name_whatever_the_capitals_and_spaces(
    world: World, cohorts: dict[str, Cohort], typed: str
) -> None:
    engagement = start(world.lea, cohorts["targeted"], level=1)
    _take_up_ppr(engagement, world.lea_lead)

    version = services.submission_submit(
        actor=world.lea_lead, engagement=engagement, step=1,
        activity=ActivityDefinition.objects.get(cohort=engagement.cohort, key=PPR),
        confirmation_name=typed,
    )  # fmt: skip

    assert version.submission.state == SubmissionState.SUBMITTED


def test_it_refuses_a_name_that_is_not_the_submitters(
    world: World, cohorts: dict[str, Cohort]
) -> None:
    engagement = start(world.lea, cohorts["targeted"], level=1)
    _take_up_ppr(engagement, world.lea_lead)

    with pytest.raises(ValidationError) as refused:
        services.submission_submit(
            actor=world.lea_lead, engagement=engagement, step=1,
            activity=ActivityDefinition.objects.get(cohort=engagement.cohort, key=PPR),
            confirmation_name="Sam Member",
        )  # fmt: skip

    assert refused.value.message_dict == {
        "confirmation_name": [NAME_MISMATCH.format(name="Casey Lead")]
    }
    assert not Submission.objects.exclude(state="draft").exists()
    assert _record(engagement, PPR).status == ActivityRecord.Status.IN_PROGRESS


def test_it_refuses_a_step_with_work_missing_and_says_what(
    world: World, cohorts: dict[str, Cohort]
) -> None:
    engagement = start(world.lea, cohorts["targeted"], level=1)

    with pytest.raises(ValidationError) as refused:
        services.submission_submit(
            actor=world.lea_lead, engagement=engagement, step=1, confirmation_name="Casey Lead"
        )
    assert any("CIM Team Creation" in message for message in refused.value.messages)
    assert not SubmissionVersion.objects.exists()


def test_it_locks_the_work_while_it_is_under_review(
    world: World, cohorts: dict[str, Cohort]
) -> None:
    engagement = start(world.lea, cohorts["targeted"], level=1)
    _submit_ppr(world, engagement)
    record = _record(engagement, PPR)

    with pytest.raises(ValidationError, match="submitted"):
        services.record_save_answers(
            actor=world.lea_lead, record=record, expected_version=record.version,
            answers={"summary": "A late change"},
        )  # fmt: skip


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_makes_one_version_of_two_submits_at_once(
    world: World, cohorts: dict[str, Cohort]
) -> None:
    engagement = start(world.lea, cohorts["targeted"], level=1)
    _take_up_ppr(engagement, world.lea_lead)
    activity = ActivityDefinition.objects.get(cohort=engagement.cohort, key=PPR)
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def submit() -> None:
        barrier.wait()
        try:
            services.submission_submit(
                actor=world.lea_lead, engagement=engagement, step=1, activity=activity,
                confirmation_name="Casey Lead",
            )  # fmt: skip
            outcomes.append("submitted")
        except ValidationError as error:
            outcomes.append(" ".join(error.messages))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes)[1] == "submitted"
    assert "already submitted" in sorted(outcomes)[0]
    assert SubmissionVersion.objects.count() == 1


def test_it_submits_a_whole_step_to_the_selpa_which_approves_it(
    world: World, cohorts: dict[str, Cohort]
) -> None:
    from tests.steps.ready import make_ready

    engagement = start(world.lea, cohorts["targeted"], level=2)
    records = make_ready(engagement, 1, actor=world.lea_lead)

    version = services.submission_submit(
        actor=world.lea_lead, engagement=engagement, step=1, confirmation_name="Casey Lead"
    )
    services.submission_decide(
        actor=world.selpa_reviewer, submission=version.submission, version_number=1,
        decision="approved",
    )  # fmt: skip

    keys = [activity["key"] for activity in version.snapshot["activities"]]
    assert keys == [record.definition.key for record in records]
    assert PPR not in keys  # approved on its own, never with the step
    statuses = set(
        ActivityRecord.objects.filter(engagement=engagement, definition__key__in=keys).values_list(
            "status", flat=True
        )
    )
    assert statuses == {"approved"}
