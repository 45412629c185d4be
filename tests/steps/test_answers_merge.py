"""Two people in one activity's boxes: saves merge field by field, a box both changed is
never taken silently, and bad versions are refused with the writer's text kept."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse
from pytest_django import DjangoDbBlocker

from steps.merge import BASE_PREFIX, fingerprint
from steps.models import ActivityRecord, Engagement
from tests.cim.catalog import load_2024
from tests.conftest import World, signed_in
from tests.module_data import OwnCopy
from tests.steps.answers import drawn
from tests.steps.engagements import start

pytestmark = pytest.mark.django_db

JSON = {"Accept": "application/json"}


@pytest.fixture(scope="module")
def _engagement(module_world: World, django_db_blocker: DjangoDbBlocker) -> Engagement:
    """Made once for the module's tests, in its transaction (tests/module_data.py)."""
    with django_db_blocker.unblock():
        return start(module_world.lea, load_2024()["targeted"], level=3, unmet=("4A",))


@pytest.fixture
def engagement(_engagement: Engagement, own_copy: OwnCopy) -> Engagement:
    return own_copy(_engagement)


@pytest.fixture
def record(engagement: Engagement) -> ActivityRecord:
    return ActivityRecord.objects.get(engagement=engagement, definition__key="parent_input")


def _url(record: ActivityRecord, name: str = "activity_detail") -> str:
    return reverse(name, args=[record.engagement_id, record.definition.key])


def _saved(record: ActivityRecord) -> dict[str, object]:
    record.refresh_from_db()
    return record.responses


def test_it_merges_changes_to_different_boxes_and_says_who_changed_what(
    world: World, record: ActivityRecord
) -> None:
    member_page = drawn(record, trends="", target_group="Parents of K-2 students")
    signed_in(world.lea_lead).post(_url(record), drawn(record, trends="Rising in grade 3"))
    response = signed_in(world.lea_member).post(_url(record), member_page, follow=True)
    assert _saved(record) == {
        "trends": "Rising in grade 3",
        "target_group": "Parents of K-2 students",
    }
    page = response.content.decode()
    assert "Draft saved." in page
    assert "Meanwhile Casey Lead changed “" in page


def test_it_never_takes_a_box_both_changed_and_shows_both_texts(
    world: World, record: ActivityRecord
) -> None:
    member_page = drawn(record, trends="Member's words", target_group="Member's group")
    signed_in(world.lea_lead).post(_url(record), drawn(record, trends="Lead's words"))
    response = signed_in(world.lea_member).post(_url(record), member_page)
    assert response.status_code == 409
    page = response.content.decode()
    assert "Member&#x27;s words" in page
    assert "Lead&#x27;s words" in page
    assert "Saved by Casey Lead" in page
    assert "Keep theirs" in page
    # The box nobody else changed went through; the contested one waits.
    assert _saved(record) == {"trends": "Lead's words", "target_group": "Member's group"}
    # Shown theirs, the member may now save over it: the page carries theirs as the base.
    assert f'name="version" value="{record.pk}-{record.version}"' in page
    assert f'name="base-trends" value="{fingerprint("Lead's words")}"' in page


def test_it_refuses_every_later_save_of_the_box_until_the_writer_has_seen_theirs(
    world: World, record: ActivityRecord
) -> None:
    member = signed_in(world.lea_member)
    stale_page = drawn(record, trends="Member's words")
    signed_in(world.lea_lead).post(_url(record), drawn(record, trends="Lead's words"))
    for _ in range(3):
        result = member.post(_url(record), stale_page, headers=JSON).json()
        assert result["outcome"] == "conflict"
        assert "Lead&#x27;s words" in result["conflicts"]["trends"]
    assert _saved(record)["trends"] == "Lead's words"
    # "Keep mine" sends theirs as the new base: now the member's words replace them.
    chosen = {**stale_page, BASE_PREFIX + "trends": fingerprint("Lead's words")}
    result = member.post(_url(record), chosen, headers=JSON).json()
    assert result["outcome"] == "saved"
    assert _saved(record)["trends"] == "Member's words"


def test_it_answers_the_page_script_with_the_merge_in_place(
    world: World, record: ActivityRecord
) -> None:
    member_page = drawn(record, trends="", target_group="Member's group")
    signed_in(world.lea_lead).post(_url(record), drawn(record, trends="Lead's words"))
    result = signed_in(world.lea_member).post(_url(record), member_page, headers=JSON).json()
    assert result["outcome"] == "saved"
    assert result["written"] == ["target_group"]
    assert result["fields"]["trends"] == {
        "value": "Lead's words",
        "base": fingerprint("Lead's words"),
    }
    assert result["incoming"] == [
        "Meanwhile Casey Lead changed “Trends”: their text is kept and shown."
    ]
    record.refresh_from_db()
    assert result["version"] == f"{record.pk}-{record.version}"


def test_it_never_conflicts_with_the_writers_own_earlier_save(
    world: World, record: ActivityRecord
) -> None:
    lead = signed_in(world.lea_lead)
    first = lead.post(_url(record), drawn(record, trends="One"), headers=JSON).json()
    # The page applies the answer: the new version and the box's new base.
    second_page = {
        "version": first["version"],
        BASE_PREFIX + "trends": first["fields"]["trends"]["base"],
        "trends": "One, two",
    }
    assert lead.post(_url(record), second_page, headers=JSON).json()["outcome"] == "saved"
    assert _saved(record)["trends"] == "One, two"


@pytest.mark.parametrize(
    ("version", "words"),
    [
        ("", "did not say which version you started from"),
        ("{pk}-99", "names version 99, but the latest saved version is 1"),
        ("{other}-1", "belongs to another activity"),
        ("garbled", "did not say which version you started from"),
    ],
)
def test_it_refuses_a_bad_version_and_keeps_the_text(
    world: World, record: ActivityRecord, version: str, words: str
) -> None:
    other = ActivityRecord.objects.exclude(pk=record.pk).filter(engagement=record.engagement)[0]
    post = {**drawn(record, trends="Words I must not lose")}
    post["version"] = version.format(pk=record.pk, other=other.pk)
    response = signed_in(world.lea_lead).post(_url(record), post)
    assert response.status_code == 400
    page = response.content.decode()
    assert words in page
    assert "Words I must not lose" in page
    assert _saved(record) == {}
    result = signed_in(world.lea_lead).post(_url(record), post, headers=JSON).json()
    assert result["outcome"] == "refused"
    assert words in result["message"]


def test_it_ignores_fields_that_are_not_on_the_form(world: World, record: ActivityRecord) -> None:
    post = {**drawn(record, trends="Fine"), "status": "approved", "plan_link": "x", "version": ""}
    post["version"] = drawn(record)["version"]
    signed_in(world.lea_lead).post(_url(record), post)
    record.refresh_from_db()
    assert record.responses == {"trends": "Fine"}
    assert record.status == ActivityRecord.Status.IN_PROGRESS


def test_it_names_the_box_and_its_limit_for_a_huge_paste(
    world: World, record: ActivityRecord
) -> None:
    huge = "word " * 5000
    response = signed_in(world.lea_lead).post(_url(record), drawn(record, trends=huge + "end"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "“Trends” can hold at most 20,000 characters" in page
    assert "end</textarea>" in page
    assert 'maxlength="' not in page
    assert _saved(record) == {}


def test_it_shows_who_else_is_editing_and_forgets_who_left(
    world: World, record: ActivityRecord
) -> None:
    lead, member = signed_in(world.lea_lead), signed_in(world.lea_member)
    url = _url(record, "activity_presence")
    assert lead.post(url, headers=JSON).json()["others"] == []
    seen = member.post(url, headers=JSON).json()
    assert seen["others"] == ["Casey Lead"]
    assert "Casey Lead is also editing this activity" in seen["text"]
    assert lead.post(url, headers=JSON).json()["others"] == ["Sam Member"]
    member.post(url, {"leave": "1"})
    assert lead.post(url, headers=JSON).json()["others"] == []


def test_it_keeps_heartbeats_from_holding_a_session_open(
    world: World, record: ActivityRecord
) -> None:
    lead = signed_in(world.lea_lead)
    two_minutes_ago = int(time.time()) - 120
    session = lead.session
    session["last_activity"] = two_minutes_ago
    session.save()
    lead.post(_url(record, "activity_presence"), headers={"X-CIM-Background": "1"})
    assert lead.session["last_activity"] == two_minutes_ago
    lead.post(_url(record, "activity_presence"))
    assert lead.session["last_activity"] > two_minutes_ago


def test_it_answers_404_for_another_leas_presence(world: World, record: ActivityRecord) -> None:
    response = signed_in(world.foreign_lea_lead).post(_url(record, "activity_presence"))
    assert response.status_code == 404
