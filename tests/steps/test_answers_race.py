"""Twenty saves of one box at once, from five people's sessions, each started from the
same page: one text wins, every other writer is told of the conflict, and nobody is told
"saved" for a text that is not there."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from cim.models import Cohort
from steps.models import ActivityRecord
from tests.conftest import World, signed_in
from tests.lea.factories import Role, member
from tests.steps.answers import drawn
from tests.steps.engagements import start

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SESSIONS = 5
SAVES_PER_SESSION = 4


def test_it_lets_one_of_twenty_simultaneous_saves_win_and_tells_the_rest(
    world: World, cohorts: dict[str, Cohort]
) -> None:
    engagement = start(world.lea, cohorts["targeted"], level=3, unmet=("4A",))
    record = ActivityRecord.objects.get(engagement=engagement, definition__key="parent_input")
    url = reverse("activity_detail", args=[engagement.pk, "parent_input"])
    people = [member(world.lea, Role.LEA_MEMBER, full_name=f"Writer {n}") for n in range(SESSIONS)]
    sessions = [signed_in(person) for person in people]
    page = drawn(record, trends="")
    barrier = threading.Barrier(SESSIONS * SAVES_PER_SESSION)

    def save(n: int) -> tuple[str, dict[str, Any]]:
        client = Client()
        client.cookies = sessions[n % SESSIONS].cookies
        text = f"Text of save {n} by writer {n % SESSIONS}"
        try:
            barrier.wait(timeout=30)
            response = client.post(
                url, {**page, "trends": text}, headers={"Accept": "application/json"}
            )
            return text, response.json()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=SESSIONS * SAVES_PER_SESSION) as pool:
        results = list(pool.map(save, range(SESSIONS * SAVES_PER_SESSION)))

    record.refresh_from_db()
    final = record.responses["trends"]
    assert final in {text for text, _ in results}
    winners = [text for text, result in results if "trends" in result.get("written", [])]
    assert winners == [final]
    told_saved = [text for text, result in results if result["outcome"] == "saved"]
    assert told_saved == [final]
    conflicts = [result for text, result in results if text != final]
    assert len(conflicts) == SESSIONS * SAVES_PER_SESSION - 1
    assert all(result["outcome"] == "conflict" for result in conflicts)
    assert all(final in str(result["conflicts"]["trends"]) for result in conflicts)
    assert record.version == 2
