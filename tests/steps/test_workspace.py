"""The LEA workspace and the box forms: what is owed, drafts that never lose a word."""

from html import unescape

import pytest
from django.urls import reverse
from django.utils.html import strip_tags
from pytest_django import DjangoDbBlocker

from cim.models import INFERRED_DATE, Cohort
from steps.checklist import record_checklist
from steps.models import ActivityRecord, Engagement
from tests.cim.catalog import load_2024
from tests.conftest import World, signed_in
from tests.module_data import OwnCopy
from tests.steps.answers import drawn
from tests.steps.engagements import start

pytestmark = pytest.mark.django_db

PARENT_INPUT = "parent_input"


@pytest.fixture(scope="module")
def _engagement(module_world: World, django_db_blocker: DjangoDbBlocker) -> Engagement:
    """Made once for the module's tests, in its transaction (tests/module_data.py)."""
    with django_db_blocker.unblock():
        return start(module_world.lea, load_2024()["targeted"], level=3, unmet=("4A",))


@pytest.fixture
def engagement(_engagement: Engagement, own_copy: OwnCopy) -> Engagement:
    return own_copy(_engagement)


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


def test_it_says_what_the_tier_and_level_mean_in_the_catalogs_words(
    world: World, cohorts: dict[str, Cohort]
) -> None:
    targeted = start(world.lea, cohorts["targeted"], level=2)
    intensive = start(world.lea2, cohorts["intensive"], level=1)
    client = signed_in(world.cde_admin)

    def page_of(engagement: Engagement) -> str:
        url = reverse("engagement_workspace", args=[engagement.pk])
        return " ".join(unescape(strip_tags(client.get(url).content.decode())).split())

    targeted_page, intensive_page = page_of(targeted), page_of(intensive)

    assert "Riverbend Unified is in Targeted Level 2 monitoring for 2024." in targeted_page
    assert "The state's criteria for this level: misses 3+ performance targets" in targeted_page
    assert "Stepwell boxes of Level 3 are not asked" in targeted_page
    assert "Questions about the requirements: TargetedMonitoring@cde.ca.gov." in targeted_page
    assert "Inferred" not in targeted_page
    assert "Oak Hollow Elementary is in Intensive Level 1 monitoring" in intensive_page
    # A criterion that is not a verb phrase reads as one too ("when it bottom 8-10%" did not).
    assert "The state's criteria for this level: bottom 8-10% of LEAs" in intensive_page
    assert "the plan is reviewed by CDE" in intensive_page
    assert (
        "what is marked inferred is inferred from the Targeted guidance; to be confirmed by CDE."
        in intensive_page
    )
    inferred_activities = intensive.records.filter(definition__inferred=True).count()
    assert inferred_activities > 0
    # Each activity the seeds do not state carries the mark beside its name.
    assert intensive_page.count("Inferred from the Targeted guidance") == inferred_activities
    assert "TargetedMonitoring" not in intensive_page


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
        _url(engagement), drawn(_record(engagement), target_group="Parents of K-2 students")
    )
    assert response.status_code == 302
    record = _record(engagement)
    assert record.responses["target_group"] == "Parents of K-2 students"
    assert record.version == 2
    assert record.status == ActivityRecord.Status.IN_PROGRESS
    history = client.get(_url(engagement, name="activity_history")).content.decode()
    assert "Sam Member" in history
    assert "Parents of K-2 students" in history


def test_it_shows_each_answer_before_and_after_in_the_history(
    world: World, engagement: Engagement
) -> None:
    client = signed_in(world.lea_member)
    for answer in ("Parents of K-2 students", "Parents of K-5 students"):
        client.post(_url(engagement), drawn(_record(engagement), target_group=answer))
    history = unescape(client.get(_url(engagement, name="activity_history")).content.decode())
    assert "Target group: (empty) → Parents of K-2 students" in history
    assert "Target group: Parents of K-2 students → Parents of K-5 students" in history


def test_it_rejects_a_nul_byte_beside_the_field(world: World, engagement: Engagement) -> None:
    response = signed_in(world.lea_lead).post(
        _url(engagement), drawn(_record(engagement), trends="a\x00b")
    )
    assert response.status_code == 400
    assert "NUL character" in response.content.decode()
    assert _record(engagement).version == 1


def test_it_keeps_script_as_text(world: World, engagement: Engagement) -> None:
    signed_in(world.lea_lead).post(
        _url(engagement), drawn(_record(engagement), trends="<script>alert(1)</script>")
    )
    page = signed_in(world.lea_lead).get(_url(engagement)).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_it_marks_the_due_dates_of_an_inferred_cohort_as_inferred(
    world: World, cohorts: dict[str, Cohort]
) -> None:
    targeted = start(world.lea, cohorts["targeted"], level=2)
    intensive = start(world.lea2, cohorts["intensive"], level=1)
    client = signed_in(world.cde_admin)

    def page(url: str) -> str:
        return " ".join(unescape(strip_tags(client.get(url).content.decode())).split())

    intensive_page = page(reverse("engagement_workspace", args=[intensive.pk]))
    activity_page = page(_url(intensive))

    assert f"Due Wednesday, July 10, 2024 ({INFERRED_DATE})" in intensive_page
    assert f"Due July 10, 2024 ({INFERRED_DATE})" in activity_page
    assert INFERRED_DATE not in page(reverse("engagement_workspace", args=[targeted.pk]))
    assert INFERRED_DATE not in page(_url(targeted))


def test_it_lists_what_is_missing_on_demand(world: World, engagement: Engagement) -> None:
    problems = record_checklist(record=_record(engagement))
    assert "Box 7, Target group: not answered yet." in problems
    page = (
        signed_in(world.lea_lead).get(_url(engagement, name="activity_checklist")).content.decode()
    )
    assert "Still to do before submitting" in page


def test_it_answers_the_readiness_check_as_a_whole_page_when_followed_as_a_link(
    world: World, engagement: Engagement
) -> None:
    client = signed_in(world.lea_lead)
    url = _url(engagement, name="activity_checklist")

    page = client.get(url).content.decode()
    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()

    assert '<html lang="en">' in page
    assert "<title>Parent Input · Riverbend Unified · CIM Portal</title>" in page
    assert "Still to do before submitting" in page
    assert "Save draft" in page
    assert fragment.lstrip().startswith('<div id="checklist"')
    assert "Still to do before submitting" in fragment
    assert "<html" not in fragment
    assert "<title>" not in fragment


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


def test_it_does_not_ask_level_1_for_the_stepwell_plan_boxes(
    world: World, cohorts: dict[str, Cohort]
) -> None:
    level_1 = start(world.lea, cohorts["targeted"], level=1)
    page = signed_in(world.lea_lead).get(_url(level_1, "plan_for_improvement")).content.decode()
    assert "Plan for Improvement" in page
    assert "Box 27" not in page
    assert "Box 28" not in page


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
    client.post(_url(engagement), drawn(_record(engagement), trends="T", target_group="G"))
    client.post(_url(engagement), drawn(_record(engagement), trends="T2"))
    responses = _record(engagement).responses
    assert responses["trends"] == "T2"
    assert responses["target_group"] == "G"


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


def test_the_catalog_says_which_activity_holds_the_plan_and_the_student_extract(
    world: World, cohorts: dict[str, Cohort]
) -> None:
    from steps.workspace import activity_form

    cohort = cohorts["targeted"]
    cohort.activities.filter(key="plan_for_improvement").update(parts=[])
    cohort.activities.filter(key="consolidation").update(parts=["plan"])
    cohort.activities.filter(key="data_drill_down").update(parts=[])
    cohort.activities.filter(key=PARENT_INPUT).update(parts=["student_extract"])
    engagement = start(world.lea, cohort, level=3)

    def parts_of(key: str) -> list[str]:
        return activity_form(record=_record(engagement, key)).parts

    assert "plan" in parts_of("consolidation")
    assert "plan" not in parts_of("plan_for_improvement")
    tables = signed_in(world.lea_lead).get(reverse("drilldown_detail", args=[engagement.pk]))
    breadcrumb = tables.content.decode().split('aria-label="Breadcrumb"')[1].split("</nav>")[0]
    assert _url(engagement, PARENT_INPUT) in breadcrumb
    assert "Data Drill Down</a>" not in breadcrumb
