"""The LEA workspace and the box forms: what is owed, drafts that never lose a word."""

import pytest
from django.urls import reverse

from cim.models import Cohort
from steps.checklist import record_checklist
from steps.models import ActivityRecord, Engagement
from tests.conftest import World, signed_in
from tests.steps.engagements import start

pytestmark = pytest.mark.django_db

PARENT_INPUT = "parent_input"


@pytest.fixture
def engagement(world: World, cohorts: dict[str, Cohort]) -> Engagement:
    return start(world.lea, cohorts["targeted"], level=3, unmet=("4A",))


def _url(engagement: Engagement, key: str = PARENT_INPUT, name: str = "activity_detail") -> str:
    return reverse(name, args=[engagement.pk, key])


def _record(engagement: Engagement, key: str = PARENT_INPUT) -> ActivityRecord:
    return ActivityRecord.objects.get(engagement=engagement, definition__key=key)


def test_it_shows_the_timeline_with_what_is_owed(world: World, engagement: Engagement) -> None:
    page = (
        signed_in(world.lea_lead)
        .get(reverse("engagement_workspace", args=[engagement.pk]))
        .content.decode()
    )
    assert "Step 1: Gather and inquire" in page
    assert "Due Wednesday, July 10, 2024" in page
    assert "Parent Input" in page
    assert "overdue" in page


def test_it_links_the_workspace_from_the_home_page(world: World, engagement: Engagement) -> None:
    page = signed_in(world.lea_member).get(reverse("home")).content.decode()
    assert reverse("engagement_workspace", args=[engagement.pk]) in page


def test_it_shows_the_boxes_prompts_as_help(world: World, engagement: Engagement) -> None:
    page = signed_in(world.lea_lead).get(_url(engagement)).content.decode()
    assert "Box 7: Parent Input" in page
    assert "Target group" in page


def test_it_saves_a_draft_and_records_who_changed_what(
    world: World, engagement: Engagement
) -> None:
    client = signed_in(world.lea_member)
    response = client.post(
        _url(engagement), {"version": 1, "target_group": "Parents of K-2 students"}
    )
    assert response.status_code == 302
    record = _record(engagement)
    assert record.responses["target_group"] == "Parents of K-2 students"
    assert record.version == 2
    assert record.status == ActivityRecord.Status.IN_PROGRESS
    history = client.get(_url(engagement, name="activity_history")).content.decode()
    assert "Sam Member" in history
    assert "Parents of K-2 students" in history


def test_it_autosaves_and_answers_with_the_new_version(
    world: World, engagement: Engagement
) -> None:
    response = signed_in(world.lea_lead).post(
        _url(engagement), {"version": 1, "trends": "Rising"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body
    assert 'name="version" value="2"' in body


def test_it_refuses_a_stale_save_and_keeps_both_texts(world: World, engagement: Engagement) -> None:
    signed_in(world.lea_lead).post(_url(engagement), {"version": 1, "trends": "Lead's text"})
    response = signed_in(world.lea_member).post(
        _url(engagement), {"version": 1, "trends": "Member's text"}
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "Casey Lead saved this activity while you were editing it" in page
    assert "Member&#x27;s text" in page
    assert "Lead&#x27;s text" in page
    assert _record(engagement).responses["trends"] == "Lead's text"


def test_it_rejects_a_nul_byte_beside_the_field(world: World, engagement: Engagement) -> None:
    response = signed_in(world.lea_lead).post(_url(engagement), {"version": 1, "trends": "a\x00b"})
    assert response.status_code == 400
    assert "NUL character" in response.content.decode()
    assert _record(engagement).version == 1


def test_it_keeps_script_as_text(world: World, engagement: Engagement) -> None:
    signed_in(world.lea_lead).post(
        _url(engagement), {"version": 1, "trends": "<script>alert(1)</script>"}
    )
    page = signed_in(world.lea_lead).get(_url(engagement)).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_it_lists_what_is_missing_on_demand(world: World, engagement: Engagement) -> None:
    problems = record_checklist(record=_record(engagement))
    assert "Box 7, Target group: not answered yet." in problems
    page = (
        signed_in(world.lea_lead).get(_url(engagement, name="activity_checklist")).content.decode()
    )
    assert "Still to do before submitting" in page


def test_it_sets_an_optional_activity_aside_and_takes_it_up(
    world: World, engagement: Engagement
) -> None:
    client = signed_in(world.lea_lead)
    client.post(_url(engagement, "infrastructure_analysis", "activity_set_aside"), {"version": 1})
    assert _record(engagement, "infrastructure_analysis").status == ActivityRecord.Status.MARKED_NA
    client.post(_url(engagement, "infrastructure_analysis", "activity_set_aside"), {"take_up": "1"})
    assert (
        _record(engagement, "infrastructure_analysis").status == ActivityRecord.Status.IN_PROGRESS
    )


def test_it_refuses_to_set_aside_a_required_activity(world: World, engagement: Engagement) -> None:
    page = (
        signed_in(world.lea_lead)
        .post(_url(engagement, name="activity_set_aside"), {"version": 1}, follow=True)
        .content.decode()
    )
    assert "Only an activity the catalog marks optional" in page


def test_it_shows_reviewers_the_form_read_only(world: World, engagement: Engagement) -> None:
    client = signed_in(world.selpa_reviewer)
    page = client.get(_url(engagement)).content.decode()
    assert "Save draft" not in page
    assert client.post(_url(engagement), {"version": 1, "trends": "x"}).status_code == 403


def test_it_requires_lea_member(world: World, engagement: Engagement) -> None:
    assert signed_in(world.selpa_reviewer).post(_url(engagement), {"version": 1}).status_code == 403


def test_it_checks_scope(world: World, engagement: Engagement) -> None:
    client = signed_in(world.foreign_lea_lead)
    assert client.get(reverse("engagement_workspace", args=[engagement.pk])).status_code == 404
    assert client.get(_url(engagement)).status_code == 404
    assert client.post(_url(engagement), {"version": 1}).status_code == 404


def test_it_reads_the_workspace_in_constant_queries(
    world: World, cohorts: dict[str, Cohort]
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from steps.workspace import workspace

    small = start(world.lea, cohorts["targeted"], level=1)
    large = start(world.lea2, cohorts["targeted"], level=3)
    with CaptureQueriesContext(connection) as few:
        workspace(engagement=small)
    with CaptureQueriesContext(connection) as many:
        workspace(engagement=large)
    assert len(few) == len(many) == 2  # the records, and the step submissions


def test_it_keeps_step_4_closed_until_the_plan_is_approved(
    world: World, engagement: Engagement
) -> None:
    page = (
        signed_in(world.lea_lead)
        .get(reverse("engagement_workspace", args=[engagement.pk]))
        .content.decode()
    )
    assert "Opens once the Plan for Improvement is approved." in page
    assert _url(engagement, "monitoring_implementation") not in page


def test_it_offers_nothing_to_write_for_a_not_applicable_activity(
    world: World, engagement: Engagement
) -> None:
    page = (
        signed_in(world.lea_lead)
        .get(_url(engagement, "educational_partner_group"))
        .content.decode()
    )
    assert "Box 2, Educational Partner Group: NA." in page
    assert "Save draft" not in page


def test_it_wants_one_answer_in_a_box_of_optional_prompts(
    world: World, engagement: Engagement
) -> None:
    record = _record(engagement, "plan_for_improvement")
    expected = (
        "Box 27, Plan for Improvement link or date emailed to CDE consultant: "
        "answer at least one of its questions."
    )
    assert expected in record_checklist(record=record)
    record.responses = {"plan_link": "https://example.org/pfi.pdf"}
    record.save(update_fields=["responses"])
    assert expected not in record_checklist(record=record)


def test_it_treats_a_garbled_version_as_stale(world: World, engagement: Engagement) -> None:
    response = signed_in(world.lea_lead).post(
        _url(engagement, "infrastructure_analysis", "activity_set_aside"),
        {"version": "abc"},
        follow=True,
    )
    assert response.status_code == 200
    assert "saved this activity while you were editing it" in response.content.decode()
    assert (
        _record(engagement, "infrastructure_analysis").status == ActivityRecord.Status.NOT_STARTED
    )


def test_it_leaves_answers_a_partial_save_did_not_carry(
    world: World, engagement: Engagement
) -> None:
    client = signed_in(world.lea_lead)
    client.post(_url(engagement), {"version": 1, "trends": "T", "target_group": "G"})
    client.post(_url(engagement), {"version": 2, "trends": "T2"})
    responses = _record(engagement).responses
    assert responses["trends"] == "T2"
    assert responses["target_group"] == "G"


def test_it_keeps_typed_text_when_a_part_save_is_stale(
    world: World, engagement: Engagement
) -> None:
    client = signed_in(world.lea_member)
    client.post(_url(engagement, "data_drill_down"), {"version": 1, "findings_summary": "first"})
    response = client.post(
        reverse("data_source_add", args=[engagement.pk, "data_drill_down"]),
        {"source-version": 1, "source-name": "CALPADS Fall 1 census",
         "source-education": "special", "source-kind": "quantitative", "source-area": "placement"},
    )  # fmt: skip
    assert response.status_code == 409
    page = response.content.decode()
    assert "saved this activity while you were editing it" in page
    assert "CALPADS Fall 1 census" in page


def test_it_lets_an_optional_activity_be_done_although_its_stepwell_box_is_na(
    world: World, engagement: Engagement
) -> None:
    page = (
        signed_in(world.lea_lead).get(_url(engagement, "infrastructure_analysis")).content.decode()
    )
    assert "Box 8, Infrastructure Analysis: NA." in page
    assert "Save draft" in page
    assert "Summary" in page


@pytest.mark.parametrize(("tier", "level"), [("targeted", 1), ("targeted", 3), ("intensive", 2)])
def test_it_has_a_form_for_every_activity_of_the_catalogs(
    world: World, cohorts: dict[str, Cohort], tier: str, level: int
) -> None:
    engagement = start(world.lea2, cohorts[tier], level=level, unmet=("8",))
    client = signed_in(world.selpa_reviewer)  # reads every LEA of the SELPA
    for record in ActivityRecord.objects.filter(engagement=engagement).select_related("definition"):
        response = client.get(_url(engagement, record.definition.key))
        assert response.status_code == 200, record.definition.key
        # The checklist runs for every activity; a fresh one is never ready unless NA.
        problems = record_checklist(record=record)
        assert problems or record.requirement == "not_applicable" or record.status == "marked_na", (
            record.definition.key
        )
