"""AuditEvent.changes has one shape, {field: [before, after]} (lea/audit.py): built from
two states, and refused in any other shape before anything is recorded."""

import re
from datetime import date
from typing import Any

import pytest

from lea import services
from lea.audit import NOT_A_DICT, NOT_A_PAIR, NOT_FLAT, diff, same
from lea.models import AuditEvent, AuditVerb
from lea.text import AUDIT_TEXT_LIMIT, ELLIPSIS
from tests.conftest import World

pytestmark = pytest.mark.django_db


def test_it_keeps_only_what_changed_between_two_states() -> None:
    before = {"name": "Pat", "title": "Coach", "on": date(2024, 3, 1)}
    after = {"name": "Pat", "title": "Principal", "on": date(2024, 4, 1)}
    assert diff(before, after) == {
        "title": ["Coach", "Principal"],
        "on": ["2024-03-01", "2024-04-01"],
    }


def test_it_lists_every_field_of_a_creation_and_of_a_removal() -> None:
    assert diff(None, {"user": "a@example.org", "role": "lea_lead"}) == {
        "user": [None, "a@example.org"],
        "role": [None, "lea_lead"],
    }
    assert diff({"user": "a@example.org"}, None) == {"user": ["a@example.org", None]}


def test_it_keeps_a_long_text_shortened_and_a_row_by_its_name(world: World) -> None:
    changes = diff(None, {"note": "x" * 1000, "lea": world.lea, "leas": [world.lea, world.lea2]})
    assert changes["note"][1] == "x" * (AUDIT_TEXT_LIMIT - 1) + ELLIPSIS
    assert changes["lea"] == [None, str(world.lea)]
    assert changes["leas"] == [None, [str(world.lea), str(world.lea2)]]
    assert same({"problem_area": "Reading"}) == {"problem_area": ["Reading", "Reading"]}


def test_it_records_changes_in_pairs(world: World) -> None:
    event = services.audit(
        actor=world.cde_admin,
        verb=AuditVerb.USER_CHANGE,
        target=world.lea_lead,
        changes={"full_name": ["Lee", "Lee Ortiz"], "codes": [None, ["4A", "4B"]]},
    )
    event.refresh_from_db()
    assert event.changes == {"full_name": ["Lee", "Lee Ortiz"], "codes": [None, ["4A", "4B"]]}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (["row", "team:1"], NOT_A_DICT.format(kind="list")),
        ({"row": "teammember:5"}, NOT_A_PAIR.format(field="row", value="teammember:5")),
        ({"rank": [3]}, NOT_A_PAIR.format(field="rank", value=[3])),
        ({"rank": (3, 2)}, NOT_A_PAIR.format(field="rank", value=(3, 2))),
        ({"rank": [1, 2, 3]}, NOT_A_PAIR.format(field="rank", value=[1, 2, 3])),
        ({1: [1, 2]}, NOT_A_PAIR.format(field=1, value=[1, 2])),
        ({"changed": [None, {"tier": "x"}]}, NOT_FLAT.format(field="changed", value={"tier": "x"})),
        ({"on": [None, date(2024, 1, 1)]}, NOT_FLAT.format(field="on", value=date(2024, 1, 1))),
        ({"rows": [None, [{"a": 1}]]}, NOT_FLAT.format(field="rows", value=[{"a": 1}])),
    ],
)
def test_it_refuses_changes_in_any_other_shape_and_records_nothing(
    world: World, changes: Any, message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        services.audit_event(actor=world.cde_admin, verb=AuditVerb.USER_CHANGE, changes=changes)
    with pytest.raises(ValueError, match=re.escape(message)):
        services.audit(actor=world.cde_admin, verb=AuditVerb.USER_CHANGE, changes=changes)
    assert not AuditEvent.objects.filter(verb=AuditVerb.USER_CHANGE).exists()
